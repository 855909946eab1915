//! A run's settings in the words the page, the share link and the CLI use, with their ranges: the
//! one place a setting's bounds are written. The CLI's flags, the link parser, the page's form and
//! the checkpoint loader all check against [`BOUNDS`] (the page reads them from the wasm module).

use std::fmt::Display;

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::loss::GanLoss;
use crate::model::{Architecture, MAX_LATENT, MAX_WIDTH, ModelConfig};
use crate::train::TrainConfig;

/// The bounds of one numeric setting, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bound {
    /// The setting's name in [`Settings`] (camelCase, as the page and the checkpoint's JSON say it).
    pub key: &'static str,
    /// The name in messages.
    pub label: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whole numbers only.
    pub whole: bool,
}

impl Bound {
    const fn new(key: &'static str, label: &'static str, min: f64, max: f64, whole: bool) -> Self {
        Self {
            key,
            label,
            min,
            max,
            whole,
        }
    }

    /// `value` if it is within the bounds; NaN never is.
    fn check<T: Number>(&self, value: T) -> Result<T, String> {
        let x = value.as_f64();
        if x >= self.min && x <= self.max {
            Ok(value)
        } else {
            Err(format!(
                "{} {value} is out of range ({} to {})",
                self.label, self.min, self.max
            ))
        }
    }
}

/// The numeric types settings come in, compared with their bounds as f64.
trait Number: Display + Copy {
    fn as_f64(self) -> f64;
}

macro_rules! number {
    ($($t:ty),*) => {$(
        impl Number for $t {
            fn as_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
number!(u64, usize, f32, f64);

/// The largest seed: a whole number JavaScript holds exactly (2^53 - 1).
pub const MAX_SEED: u64 = (1 << 53) - 1;

pub const SEED: Bound = Bound::new("seed", "seed", 0.0, MAX_SEED as f64, true);
pub const BATCH_SIZE: Bound = Bound::new("batchSize", "batch size", 1.0, 1024.0, true);
pub const LATENT_DIM: Bound = Bound::new("latentDim", "latent size", 1.0, MAX_LATENT as f64, true);
pub const WIDTH: Bound = Bound::new("width", "a layer width", 1.0, MAX_WIDTH as f64, true);
pub const LR_G: Bound = Bound::new("lrG", "G learning rate", 1e-6, 0.1, false);
pub const LR_D: Bound = Bound::new("lrD", "D learning rate", 1e-6, 0.1, false);
pub const BETA1: Bound = Bound::new("beta1", "Adam beta1", 0.0, 0.99, false);
pub const D_STEPS: Bound = Bound::new("dSteps", "D steps per G step", 1.0, 10.0, true);
pub const REAL_LABEL: Bound = Bound::new("realLabel", "real label", 0.5, 1.0, false);
pub const CLIP: Bound = Bound::new("clip", "clip", 0.001, 1.0, false);
/// 0 draws with G itself; 0.9999 averages over about 10,000 steps.
pub const EMA: Bound = Bound::new("ema", "G weight average", 0.0, 0.9999, false);

/// Every bound, for the page's form and for documentation.
pub const BOUNDS: [Bound; 11] = [
    SEED, BATCH_SIZE, LATENT_DIM, WIDTH, LR_G, LR_D, BETA1, D_STEPS, REAL_LABEL, CLIP, EMA,
];

/// The losses by the ids the page, the link and the CLI use.
pub const LOSSES: [(&str, GanLoss); 5] = [
    ("ns", GanLoss::NonSaturating),
    ("minimax", GanLoss::Minimax),
    ("lsgan", GanLoss::LeastSquares),
    ("hinge", GanLoss::Hinge),
    ("wgan", GanLoss::Wasserstein),
];

/// The architectures by id.
pub const ARCHITECTURES: [(&str, Architecture); 2] =
    [("mlp", Architecture::Mlp), ("dcgan", Architecture::Dcgan)];

/// Every setting of a run, in the page's words. A missing one keeps the value it is applied to.
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
    /// The decay of the average of G's weights that draws the samples; 0: G itself.
    pub ema: Option<f32>,
    /// "mnist" or "fashion".
    pub dataset: Option<String>,
}

/// Sets `slot` to `value` when it is given and within `bound`.
fn set<T: Number>(bound: Bound, value: Option<T>, slot: &mut T) -> Result<(), String> {
    if let Some(v) = value {
        *slot = bound.check(v)?;
    }
    Ok(())
}

impl Settings {
    /// `config` with these settings applied, and the result checked whole ([`check`]).
    pub fn apply(&self, mut c: TrainConfig) -> Result<TrainConfig, String> {
        if let Some(arch) = &self.architecture {
            let &(_, architecture) = ARCHITECTURES
                .iter()
                .find(|(id, _)| id == arch)
                .ok_or_else(|| format!("there is no architecture \"{arch}\" (mlp or dcgan)"))?;
            // Switching architecture brings that architecture's widths.
            if architecture != c.model.architecture {
                let defaults = match architecture {
                    Architecture::Mlp => ModelConfig::new(),
                    Architecture::Dcgan => ModelConfig::dcgan(),
                };
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
        set(LATENT_DIM, self.latent_dim, &mut c.model.latent_dim)?;
        if let Some(v) = &self.generator_hidden {
            c.model.generator_hidden = v.clone();
        }
        if let Some(v) = &self.discriminator_hidden {
            c.model.discriminator_hidden = v.clone();
        }
        set(SEED, self.seed, &mut c.seed)?;
        set(BATCH_SIZE, self.batch_size, &mut c.batch_size)?;
        if let Some(loss) = &self.loss {
            c.loss = LOSSES
                .iter()
                .find(|(id, _)| id == loss)
                .map(|&(_, l)| l)
                .ok_or_else(|| format!("there is no loss \"{loss}\""))?;
        }
        set(LR_G, self.lr_g, &mut c.lr_g)?;
        set(LR_D, self.lr_d, &mut c.lr_d)?;
        set(BETA1, self.beta1, &mut c.beta1)?;
        set(D_STEPS, self.d_steps, &mut c.d_steps)?;
        set(REAL_LABEL, self.real_label, &mut c.real_label)?;
        set(CLIP, self.clip, &mut c.clip)?;
        set(EMA, self.ema, &mut c.ema)?;
        if let Some(id) = &self.dataset {
            c.dataset =
                Dataset::from_id(id).ok_or_else(|| format!("there is no data set \"{id}\""))?;
        }
        check(&c)?;
        Ok(c)
    }

    /// All settings of `c`.
    pub fn of(c: &TrainConfig) -> Self {
        Settings {
            seed: Some(c.seed),
            batch_size: Some(c.batch_size),
            architecture: ARCHITECTURES
                .iter()
                .find(|&&(_, a)| a == c.model.architecture)
                .map(|(id, _)| id.to_string()),
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
            ema: Some(c.ema),
            dataset: Some(c.dataset.id().into()),
        }
    }
}

/// Checks a whole config against [`BOUNDS`] and the network's shape rules: what the CLI, the page
/// and a link may set, and what a checkpoint file may hold. The settings no one sets (Adam's beta2,
/// the LeakyReLU slope) must be numbers in their customary range.
pub fn check(c: &TrainConfig) -> Result<(), String> {
    c.model.validate()?;
    SEED.check(c.seed)?;
    BATCH_SIZE.check(c.batch_size)?;
    LR_G.check(c.lr_g)?;
    LR_D.check(c.lr_d)?;
    BETA1.check(c.beta1)?;
    D_STEPS.check(c.d_steps)?;
    REAL_LABEL.check(c.real_label)?;
    CLIP.check(c.clip)?;
    EMA.check(c.ema)?;
    if c.model.conditional && !c.dataset.has_classes() {
        return Err(format!(
            "a conditional run needs images with classes, and {} have none",
            c.dataset.name()
        ));
    }
    if !(0.0..1.0).contains(&c.beta2) {
        return Err(format!("Adam beta2 {} is out of range (0 to 1)", c.beta2));
    }
    if !(0.0..1.0).contains(&c.model.leaky_slope) {
        return Err(format!(
            "LeakyReLU slope {} is out of range (0 to 1)",
            c.model.leaky_slope
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preset::presets;

    #[test]
    fn every_preset_is_within_bounds_and_round_trips() {
        for p in presets() {
            check(&p.config).unwrap_or_else(|e| panic!("{}: {e}", p.id));
            let again = Settings::of(&p.config).apply(TrainConfig::new()).unwrap();
            assert_eq!(format!("{:?}", p.config), format!("{again:?}"), "{}", p.id);
        }
    }

    #[test]
    fn out_of_range_values_name_the_setting_and_its_range() {
        let apply = |s: Settings| Settings::apply(&s, TrainConfig::new()).unwrap_err();
        let e = apply(Settings {
            batch_size: Some(5000),
            ..Settings::default()
        });
        assert_eq!(e, "batch size 5000 is out of range (1 to 1024)");
        let e = apply(Settings {
            lr_g: Some(f64::NAN),
            ..Settings::default()
        });
        assert!(e.starts_with("G learning rate NaN is out of range"), "{e}");
        let e = apply(Settings {
            seed: Some(MAX_SEED + 1),
            ..Settings::default()
        });
        assert!(e.starts_with("seed 9007199254740992"), "{e}");
        let e = apply(Settings {
            architecture: Some("dcgan".into()),
            generator_hidden: Some(vec![64]),
            ..Settings::default()
        });
        assert!(e.contains("exactly two"), "{e}");
    }

    #[test]
    fn a_whole_config_is_checked_beyond_the_settings() {
        let mut c = TrainConfig::new();
        assert_eq!(check(&c), Ok(()));
        c.beta2 = f32::NAN;
        assert!(check(&c).unwrap_err().contains("beta2"));
        let c = TrainConfig::new().with_d_steps(11);
        assert_eq!(
            check(&c).unwrap_err(),
            "D steps per G step 11 is out of range (1 to 10)"
        );
    }

    #[test]
    fn the_bounds_are_listed_once_each() {
        let mut keys: Vec<_> = BOUNDS.iter().map(|b| b.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), BOUNDS.len());
        assert!(BOUNDS.iter().all(|b| b.min <= b.max));
    }
}
