//! `ganvas`: trains the seed GAN natively with the same `Trainer::step` as the page.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::prelude::*;
use clap::{Parser, Subcommand};
use ganvas_core::data::Mnist;
use ganvas_core::model::IMAGE_PIXELS;
use ganvas_core::train::{StepValues, TrainConfig, Trainer};
use indicatif::{ProgressBar, ProgressStyle};

mod image;

#[derive(Parser)]
#[command(name = "ganvas", version, about = "Train the Ganvas seed GAN natively")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train, then write samples.png (8x8 fixed-noise grid), losses.csv and config.json to --out.
    Train {
        #[arg(long, default_value_t = 1000)]
        steps: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 64)]
        batch: usize,
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Read the losses back every this many steps (each read waits for the device).
        #[arg(long, default_value_t = 10)]
        log_every: u64,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Measure training speed; prints one JSON line.
    Bench {
        #[arg(long, default_value_t = 64)]
        batch: usize,
        #[arg(long, default_value_t = 50)]
        steps: u64,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(clap::Args)]
struct DataArgs {
    /// Folder holding mnist-10k-{images-idx3,labels-idx1}-ubyte.gz.
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
            seed,
            batch,
            out,
            log_every,
            data,
        } => {
            let config = TrainConfig::new().with_seed(seed).with_batch_size(batch);
            train(config, steps, log_every.max(1), &out, &data.data_dir)
        }
        Command::Bench { batch, steps, data } => bench(batch, steps.max(2), &data.data_dir),
    }
}

fn load_data(dir: &Path) -> Result<Mnist, String> {
    let read = |name: &str| {
        let path = dir.join(name);
        fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let images = read("mnist-10k-images-idx3-ubyte.gz")?;
    let labels = read("mnist-10k-labels-idx1-ubyte.gz")?;
    Mnist::from_idx_gz(&images, &labels).map_err(|e| format!("bad data in {}: {e}", dir.display()))
}

/// CPU-GPU sync point: the CLI blocks here, every `log_every` steps.
fn read(stats: ganvas_core::train::StepStats) -> Result<StepValues, String> {
    pollster::block_on(stats.read()).map_err(|e| format!("reading the losses failed: {e:?}"))
}

fn train(
    config: TrainConfig,
    steps: u64,
    log_every: u64,
    out: &Path,
    data_dir: &Path,
) -> Result<(), String> {
    let data = load_data(data_dir)?;
    // The CPU (Flex) backend: the native CLI needs no GPU.
    let device = Device::flex();
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut trainer = Trainer::new(config, &device, &data);

    let bar = ProgressBar::new(steps);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps  {per_sec}  eta {eta}  {msg}")
            .expect("the progress template is valid"),
    );
    let mut csv = String::from("step,d_loss,g_loss,d_real,d_fake\n");
    for _ in 0..steps {
        let stats = trainer.train_step(&data);
        if trainer.step.is_multiple_of(log_every) || trainer.step == steps {
            let v = read(stats)?;
            if !v.is_finite() {
                return Err(format!("training diverged at step {}: {v:?}", trainer.step));
            }
            csv += &format!(
                "{},{},{},{},{}\n",
                trainer.step, v.d_loss, v.g_loss, v.d_real, v.d_fake
            );
            bar.set_message(format!("D {:.3}  G {:.3}", v.d_loss, v.g_loss));
        }
        bar.inc(1);
    }
    bar.finish();

    let write = |name: &str, bytes: &[u8]| {
        let path = out.join(name);
        fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("losses.csv", csv.as_bytes())?;
    write("config.json", trainer.config.to_string().as_bytes())?;
    let samples = trainer.generate(trainer.fixed_noise(64));
    let pixels: Vec<f32> = pollster::block_on(samples.into_data_async())
        .map_err(|e| format!("reading the samples failed: {e:?}"))?
        .try_to_vec()
        .map_err(|e| format!("unexpected sample data: {e:?}"))?;
    write("samples.png", &image::grid_png(&pixels, IMAGE_PIXELS, 8)?)?;
    println!(
        "wrote {}/samples.png, losses.csv and config.json",
        out.display()
    );
    Ok(())
}

fn bench(batch: usize, steps: u64, data_dir: &Path) -> Result<(), String> {
    let data = load_data(data_dir)?;
    let mut trainer = Trainer::new(
        TrainConfig::new().with_batch_size(batch),
        &Device::flex(),
        &data,
    );
    let start = Instant::now();
    read(trainer.train_step(&data))?;
    let first_step_ms = start.elapsed().as_secs_f64() * 1e3;
    let timed = Instant::now();
    let mut last = None;
    for _ in 1..steps {
        last = Some(trainer.train_step(&data));
    }
    read(last.expect("at least two steps"))?;
    let steps_per_s = (steps - 1) as f64 / timed.elapsed().as_secs_f64();
    println!(
        "{{\"where\":\"native\",\"backend\":\"flex\",\"batch\":{batch},\"steps_per_s\":{steps_per_s:.2},\"first_step_ms\":{first_step_ms:.1}}}"
    );
    Ok(())
}
