//! `ganvas`: trains the seed GAN natively with the same `Trainer::step` as the page.
//!
//! This file parses the command line and dispatches it, and reads the data sets; each command
//! lives in its own file: `args.rs` (the flags), `train.rs`, `measure.rs` (`eval`, and the
//! metrics `train` prints), `classifier.rs` (`classifier train`) and `bench.rs`; `backend.rs`
//! chooses the device (the samples' PNG and the timelapse come from `ganvas_core::picture`).

use std::fs;
use std::path::Path;

use clap::Parser;
use ganvas_core::classifier::ClassifierTraining;
use ganvas_core::data::Dataset;
use ganvas_core::data::Mnist;
use ganvas_core::preset::{preset, presets};
use ganvas_core::train::TrainConfig;

mod args;
mod backend;
mod bench;
mod classifier;
mod measure;
mod train;

use args::{ClassifierCommand, Cli, Command};
use bench::bench;
use classifier::classifier_train;
use measure::evaluate_checkpoint;
use train::{Schedule, train};

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
            timelapse,
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
                timelapse,
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
                    dataset,
                    out,
                    epochs,
                    seed,
                    data,
                },
        } => {
            let dataset = args::dataset(&dataset)?;
            let out =
                out.unwrap_or_else(|| Path::new("www/models").join(dataset.classifier_file()));
            classifier_train(
                ClassifierTraining::new()
                    .with_epochs(epochs)
                    .with_seed(seed),
                dataset,
                &out,
                &data.data_dir,
            )
        }
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
    let [images, labels] = dataset.files() else {
        return Err(format!(
            "{} train in the page (drop them on it); the CLI trains on MNIST and Fashion-MNIST",
            dataset.name()
        ));
    };
    let (images, labels) = (read(images)?, read(labels)?);
    Mnist::from_idx_gz(&images, &labels).map_err(|e| format!("bad data in {}: {e}", dir.display()))
}
