//! The command line: `ganvas train`, `eval`, `classifier train` and `bench`, with their flags.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use ganvas_core::data::Dataset;
use ganvas_core::settings::Settings;
use ganvas_core::train::TrainConfig;

use crate::backend::BackendArg;
use crate::preset_config;

#[derive(Parser)]
#[command(
    name = "ganvas",
    version,
    about = "Train and measure the Ganvas seed GAN natively"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

// Parsed once per process: the size difference between subcommands costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub(crate) enum Command {
    /// Train, then write checkpoint.ganvas, samples.png (8x8 fixed-noise grid), losses.csv and
    /// config.json to --out. With --eval-every, print the metrics as JSON lines while training.
    Train {
        #[arg(long, default_value_t = 1000)]
        steps: u64,
        #[command(flatten)]
        game: GameArgs,
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Read the losses back every this many steps (each read waits for the device).
        #[arg(long, default_value_t = 10)]
        log_every: u64,
        /// Measure the samples every this many steps (and at step 0); 0: never.
        #[arg(long, default_value_t = 0)]
        eval_every: u64,
        /// Write the checkpoint without the optimizers' state and the random streams (a third of
        /// the size): it loads as these weights at this step, as the shipped pretrained models do.
        #[arg(long)]
        weights_only: bool,
        /// Also write the fixed-noise grid as it changed, an animated PNG with the step on each
        /// frame (up to 60 grids, spread over the run as the page keeps them).
        #[arg(long)]
        timelapse: Option<PathBuf>,
        /// Train on the CPU (burn Flex) or on a GPU through burn's wgpu runtime, the page's
        /// WebGPU kernels.
        #[arg(long, value_enum, default_value = "cpu")]
        backend: BackendArg,
        #[command(flatten)]
        eval: EvalArgs,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Measure a checkpoint's samples: classifier score, FID-MNIST, coverage, copy rate.
    Eval {
        /// A checkpoint.ganvas written by `ganvas train`.
        #[arg(long)]
        checkpoint: PathBuf,
        /// Print one JSON line (the default prints a table).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        eval: EvalArgs,
        #[command(flatten)]
        data: DataArgs,
    },
    /// The measuring classifier.
    Classifier {
        #[command(subcommand)]
        command: ClassifierCommand,
    },
    /// Measure training speed, and the time to measure 256 samples; prints one JSON line.
    Bench {
        /// The page's preset to train (its settings, at the batch size below).
        #[arg(long, default_value = "seed-gan")]
        preset: String,
        #[arg(long, default_value_t = 64)]
        batch: usize,
        #[arg(long, default_value_t = 50)]
        steps: u64,
        /// Steps queued between reads, as the page's chunks (statistics of the last step only).
        #[arg(long, default_value_t = 16)]
        chunk: usize,
        /// Train on the CPU (burn Flex) or on a GPU through burn's wgpu runtime, the page's
        /// WebGPU kernels.
        #[arg(long, value_enum, default_value = "cpu")]
        backend: BackendArg,
        /// The classifier file.
        #[arg(long, default_value = "www/models/classifier.ganvas")]
        classifier: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
pub(crate) enum ClassifierCommand {
    /// Train the classifier on a data set's 9,000 training images, check it on the 1,000 held-out
    /// ones, and write it with the held-out reference statistics (the shipped files are made this
    /// way).
    Train {
        /// The data set: mnist or fashion.
        #[arg(long, default_value = "mnist")]
        dataset: String,
        /// Where to write it (default: the data set's file under www/models/).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, default_value_t = 30)]
        epochs: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// The whole run: a preset, then any setting given overrides it.
#[derive(clap::Args)]
pub(crate) struct GameArgs {
    /// Start from this preset (see `ganvas presets`); the default is the seed GAN.
    #[arg(long)]
    preset: Option<String>,
    #[arg(long)]
    seed: Option<u64>,
    #[arg(long)]
    batch: Option<usize>,
    #[arg(long, value_enum)]
    loss: Option<LossArg>,
    /// Generator learning rate (Adam).
    #[arg(long)]
    lr_g: Option<f64>,
    /// Discriminator learning rate (Adam).
    #[arg(long)]
    lr_d: Option<f64>,
    /// Adam's beta1 (momentum), for both networks.
    #[arg(long)]
    beta1: Option<f32>,
    /// Discriminator (critic) updates per generator update.
    #[arg(long)]
    d_steps: Option<usize>,
    /// Target for real images in D's loss; 0.9 is one-sided label smoothing.
    #[arg(long)]
    real_label: Option<f32>,
    /// Weight clipping of the critic, for --loss wgan.
    #[arg(long)]
    clip: Option<f32>,
    /// Draw the samples with a moving average of G's weights of this decay; 0: with G itself.
    #[arg(long)]
    ema: Option<f32>,
    #[arg(long, value_enum)]
    arch: Option<ArchArg>,
    /// A conditional GAN (G is told which digit to draw).
    #[arg(long)]
    conditional: Option<bool>,
    /// Batch norm in G (and LeakyReLU in the MLP generator): on by default; off gives the
    /// networks as first built.
    #[arg(long)]
    batch_norm: Option<bool>,
    /// Size of the noise vector z.
    #[arg(long)]
    latent: Option<usize>,
    /// Generator widths, comma-separated (the DCGAN: two channel counts).
    #[arg(long, value_delimiter = ',')]
    g_hidden: Option<Vec<usize>>,
    /// Discriminator widths, comma-separated (the DCGAN: two channel counts).
    #[arg(long, value_delimiter = ',')]
    d_hidden: Option<Vec<usize>>,
    /// mnist or fashion.
    #[arg(long)]
    dataset: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LossArg {
    /// Non-saturating: G maximises log D(G(z)).
    Ns,
    /// Minimax: G minimises log(1 - D(G(z))); saturates.
    Minimax,
    /// Least squares (LSGAN).
    Lsgan,
    /// Hinge.
    Hinge,
    /// Wasserstein with weight clipping.
    Wgan,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ArchArg {
    Mlp,
    Dcgan,
}

impl GameArgs {
    /// The preset, then the flags given, checked against the ranges the page and checkpoints use
    /// (`ganvas_core::settings`).
    pub(crate) fn config(&self) -> Result<TrainConfig, String> {
        let base = match &self.preset {
            Some(id) => preset_config(id)?,
            None => TrainConfig::new(),
        };
        Settings {
            seed: self.seed,
            batch_size: self.batch,
            architecture: self.arch.map(value_name),
            conditional: self.conditional,
            batch_norm: self.batch_norm,
            latent_dim: self.latent,
            generator_hidden: self.g_hidden.clone(),
            discriminator_hidden: self.d_hidden.clone(),
            loss: self.loss.map(value_name),
            lr_g: self.lr_g,
            lr_d: self.lr_d,
            beta1: self.beta1,
            d_steps: self.d_steps,
            real_label: self.real_label,
            clip: self.clip,
            ema: self.ema,
            dataset: self.dataset.clone(),
        }
        .apply(base)
    }
}

/// A flag value's name (`--loss lsgan`): the same ids as the page's settings.
fn value_name<T: clap::ValueEnum>(value: T) -> String {
    value
        .to_possible_value()
        .map(|p| p.get_name().to_string())
        .expect("every value has a name")
}

#[derive(clap::Args)]
pub(crate) struct EvalArgs {
    /// Generated samples the metrics are computed on.
    #[arg(long, default_value_t = 2000)]
    pub(crate) samples: usize,
    /// The classifier file (default: the run's data set's, under www/models/).
    #[arg(long)]
    pub(crate) classifier: Option<PathBuf>,
}

impl EvalArgs {
    /// The classifier file for `dataset`: the one given, else the data set's shipped one.
    pub(crate) fn classifier_for(&self, dataset: Dataset) -> PathBuf {
        self.classifier
            .clone()
            .unwrap_or_else(|| PathBuf::from("www/models").join(dataset.classifier_file()))
    }
}

/// A data set by its id, or an error that names the ids.
pub(crate) fn dataset(id: &str) -> Result<Dataset, String> {
    Dataset::from_id(id).ok_or_else(|| {
        let ids: Vec<&str> = Dataset::ALL.iter().map(|d| d.id()).collect();
        format!("no data set \"{id}\" (there are {})", ids.join(", "))
    })
}

#[derive(clap::Args)]
pub(crate) struct DataArgs {
    /// Folder holding {mnist,fashion}-10k-{images-idx3,labels-idx1}-ubyte.gz.
    #[arg(long, default_value = "www/data")]
    pub(crate) data_dir: PathBuf,
}
