//! `ganvas bench`: training speed and the time to measure 256 samples, as one JSON line.

use std::path::Path;
use std::time::Instant;

use ganvas_core::train::Trainer;

use crate::backend::BackendArg;
use crate::measure::{load_evaluator, measure};
use crate::train::read;
use crate::{load_data, preset_config};

/// Trains `preset` at `batch` for `steps` steps in chunks of `chunk`, and prints one JSON line.
pub(crate) fn bench(
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
    // On the CPU: the threads of rayon's global pool, which burn's backend runs on
    // (`RAYON_NUM_THREADS`, or one per core).
    let threads = rayon::current_num_threads();
    let (adapter, threads) = match &backend.adapter {
        Some(name) => (format!(",\"adapter\":{name:?}"), String::new()),
        None => (String::new(), format!(",\"threads\":{threads}")),
    };
    println!(
        "{{\"where\":\"native\",\"backend\":\"{}\"{adapter},\"preset\":\"{preset}\",\"batch\":{batch}{threads},\"steps_per_s\":{steps_per_s:.2},\"first_step_ms\":{first_step_ms:.1},\"measure_ms\":{measure_ms:.0}}}",
        backend.name
    );
    Ok(())
}
