//! What the long training tests share: the data, the shipped classifier, and a measured run.
//!
//! Claims about training hold over several seeds with wide margins: a GAN amplifies the float order
//! of one CPU's kernels (AVX2 or AVX-512) into a different run, so one seed's trajectory is a fact
//! about one machine. The seeds here were not the ones the presets were tuned on.

#![allow(dead_code)] // Each test file uses part of this module.

use burn::prelude::*;
use ganvas_core::data::Mnist;
use ganvas_core::metrics::{ClassifierFile, Evaluator, Metrics, mean_pairwise_distance};
use ganvas_core::train::{StepValues, TrainConfig, Trainer};

/// The seeds every training claim is checked on.
pub const SEEDS: [u64; 3] = [1, 2, 3];

pub fn mnist() -> Mnist {
    Mnist::from_idx_gz(
        include_bytes!("../../../../www/data/mnist-10k-images-idx3-ubyte.gz"),
        include_bytes!("../../../../www/data/mnist-10k-labels-idx1-ubyte.gz"),
    )
    .expect("the committed data set decodes")
}

pub fn evaluator(data: &Mnist) -> Evaluator {
    let device = Device::flex();
    let (file, classifier) = ClassifierFile::decode(
        include_bytes!("../../../../www/models/classifier.ganvas"),
        &device,
    )
    .expect("the shipped classifier decodes");
    Evaluator::new(classifier, file.reference, data, &device)
}

/// A run's end: the statistics of its last 50 steps and its samples' metrics.
pub struct Outcome {
    pub last: Vec<StepValues>,
    /// Mean distance between the 64 grid samples over the same for 300 held-out digits.
    pub diversity: f64,
    /// The metrics of 500 samples of the evaluation noise.
    pub metrics: Metrics,
}

impl Outcome {
    /// The mean of one statistic over the last 50 steps.
    pub fn mean(&self, f: impl Fn(&StepValues) -> f32) -> f64 {
        self.last.iter().map(|v| f64::from(f(v))).sum::<f64>() / self.last.len() as f64
    }

    /// The median of one statistic over the last 50 steps: a spike of a few steps (a runaway D's
    /// loss jumps now and then) does not move it.
    pub fn median(&self, f: impl Fn(&StepValues) -> f32) -> f64 {
        let mut values: Vec<f64> = self.last.iter().map(|v| f64::from(f(v))).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    }

    /// Samples the classifier is sure (p >= 0.9) are some digit, as a share of all.
    pub fn confident_share(&self) -> f64 {
        let c = &self.metrics.coverage;
        c.histogram.iter().sum::<u32>() as f64 / c.samples as f64
    }
}

/// Trains `config` with `seed` for `steps` steps on the CPU and measures where it ended.
pub fn run(
    config: TrainConfig,
    seed: u64,
    steps: usize,
    data: &Mnist,
    eval: &Evaluator,
) -> Outcome {
    run_to(config, seed, &[steps], data, eval)
        .pop()
        .expect("one checkpoint")
}

/// Trains `config` with `seed` on the CPU and measures the run at each of `checkpoints` (steps, in
/// increasing order): one run serves claims about several points of it.
pub fn run_to(
    config: TrainConfig,
    seed: u64,
    checkpoints: &[usize],
    data: &Mnist,
    eval: &Evaluator,
) -> Vec<Outcome> {
    let mut trainer = Trainer::new(config.with_seed(seed), &Device::flex(), data);
    let heldout: Vec<usize> = data.heldout_indices().take(300).collect();
    let real_distance = mean_pairwise_distance(&data.gather(&heldout));
    let mut done = 0;
    let mut outcomes = Vec::new();
    for &steps in checkpoints {
        // The steps before the last 50 in one chunk, whose statistics are not read (and so not
        // computed); then the last 50 one by one.
        let measured = steps.saturating_sub(done).min(50);
        if steps > done + measured {
            trainer.train_steps(data, steps - done - measured);
        }
        let last = (0..measured)
            .map(|_| {
                // Native tests may block: Flex reads synchronously.
                pollster::block_on(trainer.train_step(data).read()).expect("CPU read")
            })
            .collect();
        done = steps.max(done);
        let grid: Vec<f32> = trainer
            .generate(&trainer.fixed_noise(64))
            .into_data()
            .try_to_vec()
            .expect("f32 pixels");
        let samples = trainer.generate(&trainer.evaluation_noise(500));
        outcomes.push(Outcome {
            last,
            diversity: mean_pairwise_distance(&grid) / real_distance,
            metrics: pollster::block_on(eval.evaluate(samples, data)).expect("CPU evaluation"),
        });
    }
    outcomes
}
