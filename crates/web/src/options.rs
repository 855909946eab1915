//! What the page asks for when it starts a run. Plain data, shared by native tests and the wasm shell.

use ganvas_core::checkpoint::MAX_FILE_BYTES;
use ganvas_core::data::Dataset;
use ganvas_core::own_images;
use ganvas_core::preset::{Preset, preset, presets};
use ganvas_core::resume::{LOSS_COLUMNS, QUALITY_COLUMNS};
pub use ganvas_core::settings::Settings;
use ganvas_core::settings::{BOUNDS, Bound, LOSSES};
use ganvas_core::train::TrainConfig;
use serde::{Deserialize, Serialize};

/// Which backend the page should use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// WebGPU where the browser offers a hardware adapter, else the CPU: a software (fallback)
    /// adapter such as SwiftShader trains many times slower than the CPU backend.
    #[default]
    Auto,
    /// The CPU backend even where WebGPU exists (for comparison and benchmarks).
    Cpu,
    /// WebGPU wherever the browser offers it, a software adapter too.
    Webgpu,
}

/// Options from the page: a preset (the seed GAN by default), then any setting given overrides it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RunOptions {
    pub backend: BackendChoice,
    pub preset: Option<String>,
    #[serde(flatten)]
    pub settings: Settings,
}

impl RunOptions {
    /// The training config, or a message for the page when a value is out of range.
    pub fn train_config(&self) -> Result<TrainConfig, String> {
        let base = match &self.preset {
            Some(id) => {
                preset(id)
                    .ok_or_else(|| format!("there is no preset \"{id}\""))?
                    .config
            }
            None => TrainConfig::new(),
        };
        self.settings.apply(base)
    }
}

/// A preset for the page: `{ id, name, caption: [2], fix, settings }`.
#[derive(Serialize)]
pub struct PresetInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub caption: [&'static str; 2],
    pub fix: Option<&'static str>,
    pub settings: Settings,
}

pub fn preset_list() -> Vec<PresetInfo> {
    presets()
        .into_iter()
        .map(|p: Preset| PresetInfo {
            id: p.id,
            name: p.name,
            caption: p.caption,
            fix: p.fix,
            settings: Settings::of(&p.config),
        })
        .collect()
}

/// A data set, for the page: where its files are and what its classes are called.
#[derive(Serialize)]
pub struct DatasetInfo {
    pub id: &'static str,
    pub name: &'static str,
    /// Images, then labels, under `www/data/`; none for the learner's own images.
    pub files: &'static [&'static str],
    pub classes: [&'static str; 10],
    /// Its measuring classifier's file, under `www/models/`.
    pub classifier: &'static str,
}

/// What the page knows of a run's shape, from the one place core writes it: the settings' ranges
/// and defaults, the losses, the history tables' columns, the data sets and the file size limit.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    pub bounds: Vec<Bound>,
    pub defaults: Settings,
    pub losses: Vec<&'static str>,
    pub loss_columns: Vec<&'static str>,
    pub quality_columns: Vec<&'static str>,
    pub datasets: Vec<DatasetInfo>,
    pub max_file_bytes: usize,
    /// The most grids a timelapse holds (ganvas_core::picture::TIMELAPSE_FRAMES).
    pub timelapse_frames: usize,
    /// The learner's own images: how few train, how many a run keeps, the largest file read.
    pub own_images: OwnImageLimits,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnImageLimits {
    pub min: usize,
    pub max: usize,
    pub max_file_bytes: usize,
}

pub fn schema() -> Schema {
    Schema {
        bounds: BOUNDS.to_vec(),
        defaults: Settings::of(&TrainConfig::new()),
        losses: LOSSES.iter().map(|(id, _)| *id).collect(),
        loss_columns: LOSS_COLUMNS.to_vec(),
        quality_columns: QUALITY_COLUMNS.to_vec(),
        datasets: Dataset::ALL
            .iter()
            .map(|&d| DatasetInfo {
                id: d.id(),
                name: d.name(),
                files: d.files(),
                classes: d.classes(),
                classifier: d.classifier_file(),
            })
            .collect(),
        max_file_bytes: MAX_FILE_BYTES,
        timelapse_frames: ganvas_core::picture::TIMELAPSE_FRAMES,
        own_images: OwnImageLimits {
            min: own_images::MIN_IMAGES,
            max: own_images::MAX_IMAGES,
            max_file_bytes: own_images::MAX_FILE_BYTES,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ganvas_core::model::Architecture;

    fn options(json: &str) -> Result<TrainConfig, String> {
        let o: RunOptions = serde_json::from_str(json).map_err(|e| e.to_string())?;
        o.train_config()
    }

    #[test]
    fn the_page_names_each_backend_choice() {
        let choice = |json: &str| serde_json::from_str::<RunOptions>(json).map(|o| o.backend);
        assert_eq!(choice("{}").unwrap(), BackendChoice::Auto);
        assert_eq!(choice(r#"{"backend":"cpu"}"#).unwrap(), BackendChoice::Cpu);
        assert_eq!(
            choice(r#"{"backend":"webgpu"}"#).unwrap(),
            BackendChoice::Webgpu
        );
        assert!(choice(r#"{"backend":"cuda"}"#).is_err());
    }

    #[test]
    fn defaults_are_the_seed_gan() {
        let config = RunOptions::default().train_config().unwrap();
        assert_eq!(config.batch_size, 32);
        assert_eq!(config.model.latent_dim, 100);
        assert_eq!(config.model.architecture, Architecture::Mlp);
    }

    #[test]
    fn out_of_range_values_are_refused_with_a_message() {
        assert!(
            options(r#"{"batchSize":0}"#)
                .unwrap_err()
                .contains("batch size")
        );
        assert!(
            options(r#"{"lrG":5}"#)
                .unwrap_err()
                .contains("G learning rate")
        );
        assert!(options(r#"{"loss":"magic"}"#).unwrap_err().contains("loss"));
        assert!(
            options(r#"{"preset":"nope"}"#)
                .unwrap_err()
                .contains("preset")
        );
        assert!(
            options(r#"{"architecture":"dcgan","generatorHidden":[8]}"#)
                .unwrap_err()
                .contains("exactly two")
        );
        assert!(options(r#"{"unknown":1}"#).is_err());
    }

    #[test]
    fn a_preset_then_overrides() {
        let c = options(r#"{"preset":"dcgan","lrD":0.001,"conditional":true}"#).unwrap();
        assert_eq!(c.model.architecture, Architecture::Dcgan);
        assert_eq!(c.model.generator_hidden, vec![64, 32]);
        assert!(c.model.conditional);
        assert_eq!(c.lr_d, 0.001);
        // Switching architecture brings that architecture's widths.
        let c = options(r#"{"preset":"dcgan","architecture":"mlp"}"#).unwrap();
        assert_eq!(c.model.generator_hidden, vec![256, 512]);
    }

    #[test]
    fn the_schema_speaks_the_page_s_words() {
        let json = serde_json::to_value(schema()).unwrap();
        assert_eq!(json["bounds"][1]["key"], "batchSize");
        assert_eq!(json["bounds"][1]["max"], 1024.0);
        assert_eq!(json["defaults"]["batchSize"], 32);
        assert_eq!(json["qualityColumns"].as_array().unwrap().len(), 19);
        assert_eq!(json["datasets"][1]["classes"][1], "Trouser");
        assert_eq!(json["maxFileBytes"], 64 << 20);
        // Every bound names a setting the page's options accept.
        for b in BOUNDS.iter().filter(|b| b.key != "width") {
            let one = format!("{{\"{}\":{}}}", b.key, b.min);
            let parsed: Result<RunOptions, _> = serde_json::from_str(&one);
            assert!(parsed.is_ok(), "{}: {:?}", b.key, parsed.err());
        }
    }
}
