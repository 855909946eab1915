//! The measuring classifier's file: the network, what its training measured, and the reference
//! statistics of the real data it ships with (a Ganvas file of kind "classifier").

use burn::prelude::*;

use crate::checkpoint::{CheckpointError, GanvasFile, f32_bytes, f32_values};
use crate::classifier::{Classifier, ClassifierConfig, ClassifierTraining};
use crate::metrics::Gaussian;

/// The reference statistics of the real data, shipped with the classifier.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// Features of the 1,000 held-out real digits.
    pub heldout: Gaussian,
    /// Median L2 distance (pixels in [-1, 1]) from a held-out digit to its nearest training digit.
    pub heldout_nn_median: f64,
}

/// The shipped classifier and what was measured when it was trained.
#[derive(Clone, Debug)]
pub struct ClassifierFile {
    pub config: ClassifierConfig,
    pub training: ClassifierTraining,
    pub heldout_accuracy: f64,
    pub reference: Reference,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ClassifierMeta {
    config: ClassifierConfig,
    training: ClassifierTraining,
    heldout_accuracy: f64,
    heldout_nn_median: f64,
}

pub const CLASSIFIER_KIND: &str = "classifier";

impl ClassifierFile {
    pub async fn encode(&self, classifier: &Classifier) -> Result<Vec<u8>, CheckpointError> {
        let meta = ClassifierMeta {
            config: self.config.clone(),
            training: self.training.clone(),
            heldout_accuracy: self.heldout_accuracy,
            heldout_nn_median: self.reference.heldout_nn_median,
        };
        let stats: Vec<f32> = self
            .reference
            .heldout
            .mean
            .iter()
            .chain(&self.reference.heldout.cov)
            .map(|&x| x as f32)
            .collect();
        Ok(GanvasFile {
            kind: CLASSIFIER_KIND.into(),
            meta: serde_json::to_string(&meta).expect("the meta serialises"),
            sections: vec![
                (
                    "classifier".into(),
                    crate::checkpoint::module_bytes(classifier).await?,
                ),
                ("heldout_features".into(), f32_bytes(&stats)),
            ],
        }
        .encode())
    }

    /// Decodes a classifier file into its description and the network on `device`.
    pub fn decode(bytes: &[u8], device: &Device) -> Result<(Self, Classifier), CheckpointError> {
        let file = GanvasFile::decode_kind(bytes, CLASSIFIER_KIND)?;
        let meta: ClassifierMeta = serde_json::from_str(&file.meta)
            .map_err(|e| CheckpointError::BadMeta(e.to_string()))?;
        let dim = meta.config.features;
        let stats = f32_values(file.section("heldout_features")?)
            .filter(|s| s.len() == dim + dim * dim)
            .ok_or_else(|| {
                CheckpointError::WrongArchitecture(format!(
                    "held-out statistics are not {dim} + {dim}x{dim} values"
                ))
            })?;
        let classifier = crate::checkpoint::load_module(
            meta.config.init(device, 0),
            file.section("classifier")?,
        )?;
        let heldout = Gaussian {
            mean: stats[..dim].iter().map(|&x| x as f64).collect(),
            cov: stats[dim..].iter().map(|&x| x as f64).collect(),
        };
        Ok((
            Self {
                config: meta.config,
                training: meta.training,
                heldout_accuracy: meta.heldout_accuracy,
                reference: Reference {
                    heldout,
                    heldout_nn_median: meta.heldout_nn_median,
                },
            },
            classifier,
        ))
    }
}
