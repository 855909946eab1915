//! What the page asks for when it starts a run. Plain data, shared by native tests and the wasm shell.

use ganvas_core::train::TrainConfig;
use serde::Deserialize;

/// Which backend the page should use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// WebGPU where the browser offers it, else the CPU.
    #[default]
    Auto,
    /// The CPU backend even where WebGPU exists (for comparison and benchmarks).
    Cpu,
}

/// Options from the page. Missing fields take the seed GAN's defaults.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RunOptions {
    pub seed: Option<u64>,
    pub batch_size: Option<usize>,
    pub backend: BackendChoice,
}

impl RunOptions {
    /// The training config, or a message for the page when a value is out of range.
    pub fn train_config(&self) -> Result<TrainConfig, String> {
        let mut config = TrainConfig::new();
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        if let Some(batch) = self.batch_size {
            if !(1..=1024).contains(&batch) {
                return Err(format!("batch size {batch} is out of range (1 to 1024)"));
            }
            config.batch_size = batch;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seed_gan() {
        let config = RunOptions::default().train_config().unwrap();
        assert_eq!(config.batch_size, 64);
        assert_eq!(config.model.latent_dim, 100);
    }

    #[test]
    fn out_of_range_batch_is_refused_with_a_message() {
        let options = RunOptions {
            batch_size: Some(0),
            ..Default::default()
        };
        assert!(options.train_config().unwrap_err().contains("batch size"));
    }
}
