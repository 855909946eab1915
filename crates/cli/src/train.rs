//! `ganvas train`: trains a run with the page's `Trainer::step` and writes its files.

use std::fs;
use std::path::Path;
use std::time::Instant;

use burn::prelude::*;
use ganvas_core::model::IMAGE_PIXELS;
use ganvas_core::picture::{TIMELAPSE_FRAMES, grid_png, timelapse_png};
use ganvas_core::resume::RunHistory;
use ganvas_core::train::{StepValues, TrainConfig, Trainer};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::EvalArgs;
use crate::load_dataset;
use crate::measure::{load_evaluator, measure, metrics_json};

/// CPU-GPU sync point: the CLI blocks here, every `log_every` steps.
pub(crate) fn read(stats: ganvas_core::train::StepStats) -> Result<StepValues, String> {
    pollster::block_on(stats.read()).map_err(|e| format!("reading the losses failed: {e:?}"))
}

pub(crate) struct Schedule {
    pub(crate) steps: u64,
    pub(crate) log_every: u64,
    pub(crate) eval_every: u64,
    pub(crate) full_checkpoint: bool,
    /// Where to write the timelapse (an animated PNG of the fixed-noise grid), if anywhere.
    pub(crate) timelapse: Option<std::path::PathBuf>,
}

/// The fixed-noise grid's 64 images, read back from the device.
fn grid_pixels(trainer: &Trainer) -> Result<Vec<f32>, String> {
    let samples = trainer.generate(&trainer.fixed_noise(64));
    pollster::block_on(samples.into_data_async())
        .map_err(|e| format!("reading the samples failed: {e:?}"))?
        .try_to_vec()
        .map_err(|e| format!("unexpected sample data: {e:?}"))
}

pub(crate) fn train(
    config: TrainConfig,
    schedule: Schedule,
    device: &Device,
    eval: &EvalArgs,
    out: &Path,
    data_dir: &Path,
) -> Result<(), String> {
    let data = load_dataset(data_dir, config.dataset)?;
    let evaluator = if schedule.eval_every > 0 {
        Some(load_evaluator(
            &eval.classifier_for(config.dataset),
            &data,
            device,
        )?)
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
    // The timelapse's grids: step 0, every `every` steps and the last step, at most
    // TIMELAPSE_FRAMES in all.
    let every = steps.div_ceil(TIMELAPSE_FRAMES as u64 - 2).max(1);
    let mut grids: Vec<(u64, Vec<f32>)> = Vec::new();
    if schedule.timelapse.is_some() {
        grids.push((0, grid_pixels(&trainer)?));
    }
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
        if schedule.timelapse.is_some()
            && (trainer.step.is_multiple_of(every) || trainer.step == steps)
        {
            grids.push((trainer.step, grid_pixels(&trainer)?));
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
    write(
        "samples.png",
        &grid_png(&grid_pixels(&trainer)?, IMAGE_PIXELS, 8)?,
    )?;
    if let Some(path) = &schedule.timelapse {
        let frames: Vec<(u64, &[f32])> = grids.iter().map(|(s, p)| (*s, &p[..])).collect();
        let bytes = timelapse_png(&frames, IMAGE_PIXELS, 8)?;
        fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {} ({} grids)", path.display(), frames.len());
    }
    eprintln!(
        "wrote {0}/checkpoint.ganvas, {0}/samples.png, losses.csv and config.json",
        out.display()
    );
    Ok(())
}
