//! What the training claims share: the data, the shipped classifier, the seeds and a measured run.
//!
//! Claims about training hold over several seeds with wide margins: a GAN amplifies the float order
//! of one CPU's kernels (AVX2 or AVX-512) into a different run, so one seed's trajectory is a fact
//! about one machine.

use burn::prelude::*;
use ganvas_core::data::Mnist;
use ganvas_core::train::{StepValues, TrainConfig, Trainer};
use ganvas_core::{classifier_file::ClassifierFile, evaluator::Evaluator, metrics::Metrics};

/// The seeds every claim is checked on, which nothing was tuned on.
pub const SEEDS: [u64; 3] = [1, 2, 3];

/// The `i`-th seed of the claims: [`SEEDS`], or the three in `GANVAS_CLAIM_SEEDS` (e.g. `4,5,6`).
pub fn seed(i: usize) -> u64 {
    match std::env::var("GANVAS_CLAIM_SEEDS") {
        Ok(list) => {
            let seeds: Vec<u64> = list
                .split(',')
                .map(|s| s.trim().parse().expect("GANVAS_CLAIM_SEEDS: numbers"))
                .collect();
            assert_eq!(seeds.len(), 3, "GANVAS_CLAIM_SEEDS: three seeds");
            seeds[i]
        }
        Err(_) => SEEDS[i],
    }
}

/// The committed data set and the shipped classifier, on the CPU.
pub struct Lab {
    pub data: Mnist,
    pub eval: Evaluator,
}

impl Lab {
    pub fn new() -> Self {
        let data = Mnist::from_idx_gz(
            include_bytes!("../../../../www/data/mnist-10k-images-idx3-ubyte.gz"),
            include_bytes!("../../../../www/data/mnist-10k-labels-idx1-ubyte.gz"),
        )
        .expect("the committed data set decodes");
        let device = Device::flex();
        let (file, classifier) = ClassifierFile::decode(
            include_bytes!("../../../../www/models/classifier.ganvas"),
            &device,
        )
        .expect("the shipped classifier decodes");
        let eval = Evaluator::new(classifier, file.reference, &data, &device);
        Self { data, eval }
    }

    /// Trains `config` with `seed` for `steps` steps and measures where it ended.
    pub fn run(&self, config: TrainConfig, seed: u64, steps: usize) -> Outcome {
        self.run_to(config, seed, &[steps])
            .pop()
            .expect("one checkpoint")
    }

    /// Trains `config` with `seed` and measures the run at each of `checkpoints` (steps, in
    /// increasing order): one run serves claims about several points of it.
    pub fn run_to(&self, config: TrainConfig, seed: u64, checkpoints: &[usize]) -> Vec<Outcome> {
        let data = &self.data;
        let mut trainer = Trainer::new(config.with_seed(seed), &Device::flex(), data);
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
            let samples = trainer.generate(&trainer.evaluation_noise(500));
            outcomes.push(Outcome {
                last,
                metrics: pollster::block_on(self.eval.evaluate(samples, data))
                    .expect("CPU evaluation"),
            });
        }
        outcomes
    }
}

/// A run's end: the statistics of its last 50 steps and its samples' metrics.
pub struct Outcome {
    pub last: Vec<StepValues>,
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
