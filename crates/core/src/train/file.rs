//! A GAN checkpoint decoded for sampling and evaluation (no optimizer state, no autodiff), and the
//! JSON meta a GAN file carries.

use burn::prelude::*;

use super::TrainConfig;
use crate::checkpoint::CheckpointError;
use crate::model::{Discriminator, Generator, Latent, ModelConfig};
use crate::resume::SavedRun;
use crate::rng::Stream;

pub const GAN_KIND: &str = "gan";

/// A GAN file's settings: the run's config and its counters.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct GanMeta {
    pub config: TrainConfig,
    pub step: u64,
    /// Absent in files written before D updates were counted apart.
    #[serde(default)]
    pub d_updates: u64,
}

impl GanMeta {
    /// Reads a file's meta JSON. Files written before G had batch norm have no `batch_norm` field:
    /// they hold the networks without it, and load that way. Files written before runs kept an
    /// average of G's weights have no `ema` field: they load without one.
    pub fn parse(json: &str) -> Result<Self, CheckpointError> {
        let bad = |e: serde_json::Error| CheckpointError::BadMeta(e.to_string());
        let mut value: serde_json::Value = serde_json::from_str(json).map_err(bad)?;
        if let Some(config) = value.get_mut("config").and_then(|c| c.as_object_mut()) {
            config.entry("ema").or_insert(serde_json::json!(0.0));
            if let Some(model) = config.get_mut("model").and_then(|m| m.as_object_mut()) {
                model
                    .entry("batch_norm")
                    .or_insert(serde_json::Value::Bool(false));
            }
        }
        serde_json::from_value(value).map_err(bad)
    }
}

/// A GAN checkpoint, decoded onto a device (without autodiff: for sampling and evaluation).
pub struct GanCheckpoint {
    pub config: TrainConfig,
    pub step: u64,
    /// The generator that draws the run's pictures: the average of G's weights when the file holds
    /// one (`SavedRun::networks`).
    pub generator: Generator,
    pub discriminator: Discriminator,
}

impl GanCheckpoint {
    /// Parses and checks a checkpoint written by [`Trainer::checkpoint`], through the same checks as
    /// a run loaded to train on ([`SavedRun::parse`]): no setting reaches the networks unchecked.
    pub fn decode(bytes: &[u8], device: &Device) -> Result<Self, CheckpointError> {
        let saved = SavedRun::parse(bytes)?;
        let (generator, discriminator) = saved.networks(device)?;
        Ok(Self {
            generator,
            discriminator,
            config: saved.config,
            step: saved.step,
        })
    }
}

/// The sample grid's noise of a run with this seed: see [`Trainer::fixed_noise`].
pub fn fixed_noise(model: &ModelConfig, seed: u64, n: usize, device: &Device) -> Latent {
    Latent::fixed(model, seed, Stream::FixedSamples, n, device)
}

/// The evaluation noise of a run with this seed: see [`Trainer::evaluation_noise`].
pub fn evaluation_noise(model: &ModelConfig, seed: u64, n: usize, device: &Device) -> Latent {
    Latent::fixed(model, seed, Stream::Evaluation, n, device)
}
