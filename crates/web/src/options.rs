//! What the page asks for when it starts a run. Plain data, shared by native tests and the wasm shell.

use ganvas_core::data::Dataset;
use ganvas_core::loss::GanLoss;
use ganvas_core::model::{Architecture, ModelConfig};
use ganvas_core::preset::{Preset, preset, presets};
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

/// Every setting of a run, in the page's words. In options, a missing one keeps the preset's value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    pub seed: Option<u64>,
    pub batch_size: Option<usize>,
    /// "mlp" or "dcgan".
    pub architecture: Option<String>,
    pub conditional: Option<bool>,
    /// Batch norm in G (and LeakyReLU in the MLP generator); off: the networks as first built.
    pub batch_norm: Option<bool>,
    pub latent_dim: Option<usize>,
    pub generator_hidden: Option<Vec<usize>>,
    pub discriminator_hidden: Option<Vec<usize>>,
    /// "ns", "minimax", "lsgan", "hinge" or "wgan".
    pub loss: Option<String>,
    pub lr_g: Option<f64>,
    pub lr_d: Option<f64>,
    pub beta1: Option<f32>,
    pub d_steps: Option<usize>,
    pub real_label: Option<f32>,
    pub clip: Option<f32>,
    /// "mnist" or "fashion".
    pub dataset: Option<String>,
}

const LOSSES: [(&str, GanLoss); 5] = [
    ("ns", GanLoss::NonSaturating),
    ("minimax", GanLoss::Minimax),
    ("lsgan", GanLoss::LeastSquares),
    ("hinge", GanLoss::Hinge),
    ("wgan", GanLoss::Wasserstein),
];

fn range<T: PartialOrd + std::fmt::Display + Copy>(
    name: &str,
    value: Option<T>,
    lo: T,
    hi: T,
    slot: &mut T,
) -> Result<(), String> {
    match value {
        Some(v) if v >= lo && v <= hi => {
            *slot = v;
            Ok(())
        }
        Some(v) => Err(format!("{name} {v} is out of range ({lo} to {hi})")),
        None => Ok(()),
    }
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

impl Settings {
    /// `config` with these settings applied, checked.
    pub fn apply(&self, mut c: TrainConfig) -> Result<TrainConfig, String> {
        if let Some(arch) = &self.architecture {
            let defaults = match arch.as_str() {
                "mlp" => ModelConfig::new(),
                "dcgan" => ModelConfig::dcgan(),
                _ => {
                    return Err(format!(
                        "there is no architecture \"{arch}\" (mlp or dcgan)"
                    ));
                }
            };
            if defaults.architecture != c.model.architecture {
                c.model.architecture = defaults.architecture;
                c.model.generator_hidden = defaults.generator_hidden;
                c.model.discriminator_hidden = defaults.discriminator_hidden;
            }
        }
        if let Some(v) = self.conditional {
            c.model.conditional = v;
        }
        if let Some(v) = self.batch_norm {
            c.model.batch_norm = v;
        }
        if let Some(v) = self.latent_dim {
            c.model.latent_dim = v;
        }
        if let Some(v) = &self.generator_hidden {
            c.model.generator_hidden = v.clone();
        }
        if let Some(v) = &self.discriminator_hidden {
            c.model.discriminator_hidden = v.clone();
        }
        c.model.validate()?;
        range("seed", self.seed, 0, (1u64 << 53) - 1, &mut c.seed)?;
        range("batch size", self.batch_size, 1, 1024, &mut c.batch_size)?;
        if let Some(loss) = &self.loss {
            c.loss = LOSSES
                .iter()
                .find(|(id, _)| id == loss)
                .map(|&(_, l)| l)
                .ok_or_else(|| format!("there is no loss \"{loss}\""))?;
        }
        range("G learning rate", self.lr_g, 1e-6, 0.1, &mut c.lr_g)?;
        range("D learning rate", self.lr_d, 1e-6, 0.1, &mut c.lr_d)?;
        range("Adam beta1", self.beta1, 0.0, 0.99, &mut c.beta1)?;
        range("D steps per G step", self.d_steps, 1, 10, &mut c.d_steps)?;
        range("real label", self.real_label, 0.5, 1.0, &mut c.real_label)?;
        range("clip", self.clip, 0.001, 1.0, &mut c.clip)?;
        if let Some(id) = &self.dataset {
            c.dataset =
                Dataset::from_id(id).ok_or_else(|| format!("there is no data set \"{id}\""))?;
        }
        Ok(c)
    }

    /// All settings of `c`, for the page's form.
    pub fn of(c: &TrainConfig) -> Self {
        Settings {
            seed: Some(c.seed),
            batch_size: Some(c.batch_size),
            architecture: Some(
                match c.model.architecture {
                    Architecture::Mlp => "mlp",
                    Architecture::Dcgan => "dcgan",
                }
                .into(),
            ),
            conditional: Some(c.model.conditional),
            batch_norm: Some(c.model.batch_norm),
            latent_dim: Some(c.model.latent_dim),
            generator_hidden: Some(c.model.generator_hidden.clone()),
            discriminator_hidden: Some(c.model.discriminator_hidden.clone()),
            loss: LOSSES
                .iter()
                .find(|&&(_, l)| l == c.loss)
                .map(|(id, _)| id.to_string()),
            lr_g: Some(c.lr_g),
            lr_d: Some(c.lr_d),
            beta1: Some(c.beta1),
            d_steps: Some(c.d_steps),
            real_label: Some(c.real_label),
            clip: Some(c.clip),
            dataset: Some(c.dataset.id().into()),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(config.batch_size, 64);
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
    fn settings_round_trip_for_every_preset() {
        for p in preset_list() {
            let config = preset(p.id).unwrap().config;
            let again = p.settings.apply(TrainConfig::new()).unwrap();
            assert_eq!(format!("{config:?}"), format!("{again:?}"), "{}", p.id);
        }
    }
}
