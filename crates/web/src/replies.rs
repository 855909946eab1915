//! What the `Ganvas` methods resolve with: serde structs, camelCase as the page reads them, turned
//! into plain JS objects by `to_js`. Pixels and scores stay typed arrays (`preserve` hands the
//! array itself through). Step counts are f64 as the page has always had them: a u64 past 2^53 would
//! make `to_js` fail, where a number only rounds.

use ganvas_core::model::CLASSES;
use js_sys::{Float32Array, Float64Array, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::options::Settings;

/// A value as plain JS: objects for structs and maps, `null` for `None`, numbers for integers.
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("{e}")))
}

pub(crate) fn floats(values: &[f32]) -> Float32Array {
    Float32Array::from(values)
}

/// A failed device read, named by what it was for.
pub(crate) fn js_error(what: &str) -> impl Fn(burn::tensor::ExecutionError) -> JsValue + '_ {
    move |e| JsError::new(&format!("{what} failed: {e:?}")).into()
}

/// What a checkpoint file holds, checked (container, settings, history) but not yet loaded.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CheckpointInfo {
    pub settings: Settings,
    pub step: u64,
    pub d_updates: u64,
    /// With optimizer state and random streams: loading continues the run exactly.
    pub full: bool,
    /// How many of the learner's own images the run carries, when it trained on them.
    pub own_images: Option<usize>,
}

/// `loadCheckpoint`: the loaded run's counters and its history tables, flat rows.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoadedRun {
    pub step: f64,
    pub d_updates: f64,
    pub full: bool,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub losses: Float64Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub quality: Float64Array,
    /// The learner's own images the run trained on (784 bytes each), when it did.
    #[serde(with = "optional_array")]
    pub own_images: Option<Uint8Array>,
}

/// `compareRun`: a saved run's settings, counters, history tables and final sample grid.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ComparedRun {
    pub settings: Settings,
    pub step: f64,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub losses: Float64Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub quality: Float64Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub samples: Float32Array,
}

/// An optional typed array at the boundary: itself, or `null`.
mod optional_array {
    use js_sys::Uint8Array;
    use wasm_bindgen::JsValue;

    pub fn serialize<S: serde::Serializer>(
        a: &Option<Uint8Array>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let value: JsValue = a.clone().map_or(JsValue::NULL, Into::into);
        serde_wasm_bindgen::preserve::serialize(&value, s)
    }
}

/// `trainSteps`: a chunk's statistics. The losses are the chunk's means, the rest the last step's.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChunkStats {
    pub step: f64,
    pub d_loss: f32,
    pub g_loss: f32,
    pub d_real: f32,
    pub d_fake: f32,
    pub g_grad: f32,
    pub d_updates: f64,
}

/// `evaluate`: what the measuring classifier makes of `samples` generated digits.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Quality {
    pub step: f64,
    pub samples: f64,
    pub classifier_score: f64,
    pub fid: f64,
    pub digits_covered: f64,
    pub kl_from_uniform: f64,
    pub copy_rate: f64,
    pub median_copy_ratio: f64,
    pub diversity: f64,
    /// Confident samples of each digit.
    pub histogram: [u32; CLASSES],
}

/// `neighbours`: a grid sample and the training digits nearest to it, nearest first.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CopyCheck {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub sample: Float32Array,
    /// The neighbours' pixels, 784 each, in the order of `neighbours`.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub pixels: Float32Array,
    pub neighbours: Vec<NearDigit>,
}

/// One training digit near a sample.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NearDigit {
    /// Its index in the data set.
    pub index: f64,
    /// Its digit.
    pub label: f64,
    pub distance: f64,
    /// The distance over the typical distance between training digits.
    pub ratio: f64,
    /// "copy", "close to a training digit" or "novel".
    pub verdict: &'static str,
}

/// `dStep`: one discriminator update, with 8 real and 8 fake images and D's scores of them before
/// and after it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DiscriminatorStep {
    pub step: f64,
    pub d_updates: f64,
    pub d_loss: f32,
    pub d_real: f32,
    pub d_fake: f32,
    /// Whether the scores are D's probabilities (else raw outputs).
    pub probabilities: bool,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub real: Float32Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub fake: Float32Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub real_before: Float32Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub real_after: Float32Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub fake_before: Float32Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub fake_after: Float32Array,
}

/// `gStep`: one generator update, with 8 images of the same noise before and after it and D's
/// scores of them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GeneratorStep {
    pub step: f64,
    pub d_updates: f64,
    pub g_loss: f32,
    pub g_grad: f32,
    /// Whether the scores are D's probabilities (else raw outputs).
    pub probabilities: bool,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub before: Float32Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub after: Float32Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub score_before: Float32Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub score_after: Float32Array,
}

/// `probe`: D's verdict on a drawing and the classifier's guess.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Probe {
    /// D's probability that the image is real when `probabilities`, else D's raw score.
    pub realness: f32,
    pub probabilities: bool,
    /// The classifier's digit; `null` without the classifier (or on another data set).
    pub guess: Option<u8>,
    /// The classifier's probability of each digit; empty without it.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub class_probabilities: Float32Array,
}

/// `searchSteps`: the latent search's best starting point so far.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchProgress {
    pub steps: f64,
    pub distance: f64,
    /// G(z), 784 pixels.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub image: Float32Array,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub z: Float32Array,
}
