//! `ganvas`: trains the seed GAN natively with the same `Trainer::step` as the page.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::prelude::*;
use clap::{Parser, Subcommand};
use ganvas_core::classifier::{ClassifierTraining, accuracy, calibration, train_classifier};
use ganvas_core::classifier_file::ClassifierFile;
use ganvas_core::data::Dataset;
use ganvas_core::data::Mnist;
use ganvas_core::evaluator::{Evaluator, reference};
use ganvas_core::metrics::Metrics;
use ganvas_core::model::{CLASSES, IMAGE_PIXELS};
use ganvas_core::outliers::early_generator_images;
use ganvas_core::preset::{preset, presets};
use ganvas_core::resume::RunHistory;
use ganvas_core::settings::Settings;
use ganvas_core::train::{GanCheckpoint, StepValues, TrainConfig, Trainer, evaluation_noise};
use indicatif::{ProgressBar, ProgressStyle};

mod backend;
mod image;

use backend::BackendArg;

#[derive(Parser)]
#[command(
    name = "ganvas",
    version,
    about = "Train and measure the Ganvas seed GAN natively"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size difference between subcommands costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
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
enum ClassifierCommand {
    /// Train the classifier on the 9,000 training digits, check it on the 1,000 held-out digits,
    /// and write it with the held-out reference statistics (the shipped file is made this way).
    Train {
        #[arg(long, default_value = "www/models/classifier.ganvas")]
        out: PathBuf,
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
struct GameArgs {
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
    fn config(&self) -> Result<TrainConfig, String> {
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
struct EvalArgs {
    /// Generated samples the metrics are computed on.
    #[arg(long, default_value_t = 2000)]
    samples: usize,
    /// The classifier file.
    #[arg(long, default_value = "www/models/classifier.ganvas")]
    classifier: PathBuf,
}

#[derive(clap::Args)]
struct DataArgs {
    /// Folder holding {mnist,fashion}-10k-{images-idx3,labels-idx1}-ubyte.gz.
    #[arg(long, default_value = "www/data")]
    data_dir: PathBuf,
}

fn main() {
    if let Err(message) = run(Cli::parse()) {
        eprintln!("ganvas: {message}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Train {
            steps,
            game,
            out,
            log_every,
            eval_every,
            weights_only,
            backend,
            eval,
            data,
        } => {
            let config = game.config()?;
            let schedule = Schedule {
                steps,
                log_every: log_every.max(1),
                eval_every,
                full_checkpoint: !weights_only,
            };
            let device = backend.init()?.device;
            train(config, schedule, &device, &eval, &out, &data.data_dir)
        }
        Command::Eval {
            checkpoint,
            json,
            eval,
            data,
        } => evaluate_checkpoint(&checkpoint, json, &eval, &data.data_dir),
        Command::Classifier {
            command:
                ClassifierCommand::Train {
                    out,
                    epochs,
                    seed,
                    data,
                },
        } => classifier_train(
            ClassifierTraining::new()
                .with_epochs(epochs)
                .with_seed(seed),
            &out,
            &data.data_dir,
        ),
        Command::Bench {
            preset,
            batch,
            steps,
            chunk,
            backend,
            classifier,
            data,
        } => bench(
            &preset,
            batch,
            steps.max(2),
            chunk.max(1),
            backend,
            &classifier,
            &data.data_dir,
        ),
    }
}

/// The page's preset `id`, or a message listing the presets.
fn preset_config(id: &str) -> Result<TrainConfig, String> {
    preset(id).map(|p| p.config).ok_or_else(|| {
        let ids: Vec<_> = presets().iter().map(|p| p.id).collect();
        format!("no preset {id:?}; the presets are {}", ids.join(", "))
    })
}

fn load_data(dir: &Path) -> Result<Mnist, String> {
    load_dataset(dir, Dataset::Mnist)
}

fn load_dataset(dir: &Path, dataset: Dataset) -> Result<Mnist, String> {
    let read = |name: &str| {
        let path = dir.join(name);
        fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let [images, labels] = dataset.files();
    let (images, labels) = (read(images)?, read(labels)?);
    Mnist::from_idx_gz(&images, &labels).map_err(|e| format!("bad data in {}: {e}", dir.display()))
}

/// CPU-GPU sync point: the CLI blocks here, every `log_every` steps.
fn read(stats: ganvas_core::train::StepStats) -> Result<StepValues, String> {
    pollster::block_on(stats.read()).map_err(|e| format!("reading the losses failed: {e:?}"))
}

struct Schedule {
    steps: u64,
    log_every: u64,
    eval_every: u64,
    full_checkpoint: bool,
}

fn train(
    config: TrainConfig,
    schedule: Schedule,
    device: &Device,
    eval: &EvalArgs,
    out: &Path,
    data_dir: &Path,
) -> Result<(), String> {
    if schedule.eval_every > 0 && config.dataset != Dataset::Mnist {
        return Err("--eval-every: the measuring classifier knows digits only (MNIST)".into());
    }
    let data = load_dataset(data_dir, config.dataset)?;
    let evaluator = if schedule.eval_every > 0 {
        Some(load_evaluator(&eval.classifier, &data, device)?)
    } else {
        None
    };
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut trainer = Trainer::new(config, device, &data);

    let steps = schedule.steps;
    let bar = ProgressBar::new(steps);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps  {per_sec}  eta {eta}  {msg}")
            .expect("the progress template is valid"),
    );
    let started = Instant::now();
    let mut eval_time = 0.0;
    let mut evaluate = |trainer: &Trainer, bar: &ProgressBar| -> Result<(), String> {
        if let Some(evaluator) = &evaluator {
            let t = Instant::now();
            let images = trainer.generate(&trainer.evaluation_noise(eval.samples));
            let metrics = measure(evaluator, images, &data)?;
            eval_time += t.elapsed().as_secs_f64();
            let train_s = started.elapsed().as_secs_f64() - eval_time;
            let conditional = trainer.config.model.conditional;
            let line = metrics_json(trainer.step, &metrics, Some(train_s), conditional);
            bar.suspend(|| println!("{line}"));
        }
        Ok(())
    };
    evaluate(&trainer, &bar)?;
    let mut csv = String::from("step,d_loss,g_loss,d_real,d_fake,g_grad\n");
    // The checkpoint's loss history: the page shows it when the file is loaded.
    let mut history = RunHistory::default();
    for _ in 0..steps {
        let stats = trainer.train_step(&data);
        if trainer.step.is_multiple_of(schedule.log_every) || trainer.step == steps {
            let v = read(stats)?;
            if !v.is_finite() {
                return Err(format!("training diverged at step {}: {v:?}", trainer.step));
            }
            csv += &format!(
                "{},{},{},{},{},{}\n",
                trainer.step, v.d_loss, v.g_loss, v.d_real, v.d_fake, v.g_grad
            );
            history.losses.extend(
                [trainer.step as f64, trainer.d_updates as f64]
                    .into_iter()
                    .chain([v.d_loss, v.g_loss, v.d_real, v.d_fake, v.g_grad].map(f64::from)),
            );
            bar.set_message(format!("D {:.3}  G {:.3}", v.d_loss, v.g_loss));
        }
        if schedule.eval_every > 0 && trainer.step.is_multiple_of(schedule.eval_every) {
            evaluate(&trainer, &bar)?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    let write = |name: &str, bytes: &[u8]| {
        let path = out.join(name);
        fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("losses.csv", csv.as_bytes())?;
    write("config.json", trainer.config.to_string().as_bytes())?;
    let checkpoint = pollster::block_on(trainer.checkpoint(&history, schedule.full_checkpoint))
        .map_err(|e| format!("saving the checkpoint failed: {e}"))?;
    write("checkpoint.ganvas", &checkpoint)?;
    let samples = trainer.generate(&trainer.fixed_noise(64));
    let pixels: Vec<f32> = pollster::block_on(samples.into_data_async())
        .map_err(|e| format!("reading the samples failed: {e:?}"))?
        .try_to_vec()
        .map_err(|e| format!("unexpected sample data: {e:?}"))?;
    write("samples.png", &image::grid_png(&pixels, IMAGE_PIXELS, 8)?)?;
    eprintln!(
        "wrote {0}/checkpoint.ganvas, {0}/samples.png, losses.csv and config.json",
        out.display()
    );
    Ok(())
}

fn load_evaluator(path: &Path, data: &Mnist, device: &Device) -> Result<Evaluator, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (file, classifier) =
        ClassifierFile::decode(&bytes, device).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Evaluator::new(classifier, file.reference, data, device))
}

fn measure(evaluator: &Evaluator, images: Tensor<2>, data: &Mnist) -> Result<Metrics, String> {
    if images.dims()[0] < 2 {
        return Err("the metrics need at least 2 samples".into());
    }
    pollster::block_on(evaluator.evaluate(images, data))
        .map_err(|e| format!("measuring the samples failed: {e:?}"))
}

/// One JSON line of metrics (`train_s`: training wall time so far, evaluation excluded).
/// For a conditional model, `asked_for` is the share of samples classified as the digit asked for
/// (the evaluation noise asks sample i for digit i % 10).
fn metrics_json(step: u64, m: &Metrics, train_s: Option<f64>, conditional: bool) -> String {
    let histogram: Vec<String> = m.coverage.histogram.iter().map(u32::to_string).collect();
    let mut time = train_s.map_or(String::new(), |t| format!(",\"train_s\":{t:.1}"));
    if conditional {
        let asked = m.agreement(|i| (i % CLASSES) as u8);
        time = format!(",\"asked_for\":{asked:.4}{time}");
    }
    format!(
        "{{\"step\":{step},\"samples\":{},\"classifier_score\":{:.3},\"fid\":{:.3},\"coverage\":{},\"coverage_kl\":{:.4},\"histogram\":[{}],\"copy_rate\":{:.4},\"median_copy_ratio\":{:.3},\"diversity\":{:.3}{time}}}",
        m.samples,
        m.classifier_score,
        m.fid,
        m.coverage.digits_covered,
        m.coverage.kl_from_uniform,
        histogram.join(","),
        m.copy_rate,
        m.median_copy_ratio,
        m.diversity,
    )
}

fn evaluate_checkpoint(
    path: &Path,
    json: bool,
    eval: &EvalArgs,
    data_dir: &Path,
) -> Result<(), String> {
    let data = load_data(data_dir)?;
    let device = Device::flex();
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let checkpoint =
        GanCheckpoint::decode(&bytes, &device).map_err(|e| format!("{}: {e}", path.display()))?;
    let evaluator = load_evaluator(&eval.classifier, &data, &device)?;
    let config = &checkpoint.config;
    let z = evaluation_noise(&config.model, config.seed, eval.samples, &device);
    let metrics = measure(&evaluator, checkpoint.generator.sample(&z), &data)?;
    if json {
        let conditional = config.model.conditional;
        println!(
            "{}",
            metrics_json(checkpoint.step, &metrics, None, conditional)
        );
    } else {
        let c = &metrics.coverage;
        println!("step                {}", checkpoint.step);
        println!("samples             {}", metrics.samples);
        println!(
            "classifier score    {:.2}  (1 to 10)",
            metrics.classifier_score
        );
        println!(
            "FID-MNIST           {:.2}  (0 is the real data)",
            metrics.fid
        );
        println!(
            "digits covered      {}/10  histogram {:?}",
            c.digits_covered, c.histogram
        );
        println!("copy rate           {:.1}%", metrics.copy_rate * 100.0);
        println!(
            "median copy ratio   {:.2}  (1: as novel as real digits)",
            metrics.median_copy_ratio
        );
    }
    Ok(())
}

fn classifier_train(
    training: ClassifierTraining,
    out: &Path,
    data_dir: &Path,
) -> Result<(), String> {
    let data = load_data(data_dir)?;
    let device = Device::flex();
    let started = Instant::now();
    let early = pollster::block_on(early_generator_images(256, &device))
        .map_err(|e| format!("drawing untrained generators' images failed: {e:?}"))?;
    let classifier = train_classifier(&training, &data, &early, &device, |epoch, loss| {
        let loss: f32 = pollster::block_on(loss.into_data_async())
            .ok()
            .and_then(|d| d.try_to_vec::<f32>().ok())
            .and_then(|v| v.first().copied())
            .unwrap_or(f32::NAN);
        eprintln!(
            "epoch {epoch:>2}/{}  loss {loss:.4}  {:.0}s",
            training.epochs,
            started.elapsed().as_secs_f64()
        );
    });
    let heldout: Vec<usize> = data.heldout_indices().collect();
    let heldout_accuracy = pollster::block_on(accuracy(&classifier, &data, &heldout, &device))
        .map_err(|e| format!("measuring accuracy failed: {e:?}"))?;
    let reference = pollster::block_on(reference(&classifier, &data, &device))
        .map_err(|e| format!("measuring the held-out digits failed: {e:?}"))?;
    let calibrated = pollster::block_on(calibration(&classifier, &data, &heldout, 0.9, &device))
        .map_err(|e| format!("measuring calibration failed: {e:?}"))?;
    println!(
        "held-out digits predicted with p >= 0.9: {:.1}%, of which {:.2}% are right",
        calibrated.confident_share * 100.0,
        calibrated.confident_accuracy * 100.0
    );
    let file = ClassifierFile {
        config: training.model.clone(),
        training,
        heldout_accuracy,
        reference,
    };
    let bytes = pollster::block_on(file.encode(&classifier))
        .map_err(|e| format!("saving the classifier failed: {e}"))?;
    if let Some(dir) = out.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(out, &bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "held-out accuracy {:.2}% ({} digits); held-out nearest-training-digit median distance {:.3}; wrote {} ({} bytes) in {:.0}s",
        heldout_accuracy * 100.0,
        heldout.len(),
        file.reference.heldout_nn_median,
        out.display(),
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Trains `preset` at `batch` for `steps` steps in chunks of `chunk`, and prints one JSON line.
fn bench(
    preset: &str,
    batch: usize,
    steps: u64,
    chunk: usize,
    backend: BackendArg,
    classifier: &Path,
    data_dir: &Path,
) -> Result<(), String> {
    let config = preset_config(preset)?.with_batch_size(batch);
    let data = load_data(data_dir)?;
    let backend = backend.init()?;
    let device = backend.device;
    let mut trainer = Trainer::new(config, &device, &data);
    let start = Instant::now();
    read(trainer.train_step(&data))?;
    let first_step_ms = start.elapsed().as_secs_f64() * 1e3;
    let timed = Instant::now();
    let mut done = 1;
    while done < steps {
        let n = chunk.min((steps - done) as usize);
        // One sync point per chunk, as in the page.
        read(trainer.train_steps(&data, n))?;
        done += n as u64;
    }
    let steps_per_s = (steps - 1) as f64 / timed.elapsed().as_secs_f64();
    // What the page measures every few seconds: 256 samples.
    let evaluator = load_evaluator(classifier, &data, &device)?;
    let timed = Instant::now();
    measure(
        &evaluator,
        trainer.generate(&trainer.evaluation_noise(256)),
        &data,
    )?;
    let measure_ms = timed.elapsed().as_secs_f64() * 1e3;
    let adapter = match &backend.adapter {
        Some(name) => format!(",\"adapter\":{name:?}"),
        None => String::new(),
    };
    println!(
        "{{\"where\":\"native\",\"backend\":\"{}\"{adapter},\"preset\":\"{preset}\",\"batch\":{batch},\"steps_per_s\":{steps_per_s:.2},\"first_step_ms\":{first_step_ms:.1},\"measure_ms\":{measure_ms:.0}}}",
        backend.name
    );
    Ok(())
}
