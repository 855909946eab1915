//! A whole run in one Ganvas file, to continue it exactly: the config and counters, both networks,
//! both optimizers' state, the random streams' positions and the loss and quality history.
//!
//! Sections of a "gan" file (see `checkpoint.rs` for the container):
//!
//! ```text
//! generator, discriminator   parameters ("params" encoding)                      always
//! averaged_generator         the average of G's weights (`train/average.rs`)       runs that keep one
//! optim_g, optim_d           Adam state ("adam" encoding, see adam.rs)            full checkpoints
//! rng                        JSON { noise, batches }: the noise generator and      full checkpoints
//!                            the batch order and position
//! losses, quality            history tables: u32 columns, u32 rows, f64 values     when the run has any
//! images                     u32 version, u32 count, 784 bytes per image           own images' runs
//! ```
//!
//! A file without the optimizer and rng sections (a shipped pretrained model, or a file from
//! `ganvas train --weights-only`) loads as "these weights at this step": Adam's moments and the
//! random streams start fresh.

use burn::prelude::*;

use crate::adam::Adam;
use crate::checkpoint::{CheckpointError, GanvasFile, Reader, load_module, module_bytes};
use crate::data::{BatchSampler, Dataset, Mnist};
use crate::model::{Discriminator, Generator};
use crate::own_images;
use crate::rng::RunRng;
use crate::settings;
use crate::train::{ADAM_EPSILON, GAN_KIND, GanMeta, TrainConfig, Trainer, average};

/// The section of the average of G's weights.
const AVERAGED: &str = "averaged_generator";

/// Columns of the loss history: one row per reading of the losses.
pub const LOSS_COLUMNS: [&str; 7] = [
    "step",
    "d_updates",
    "d_loss",
    "g_loss",
    "d_real",
    "d_fake",
    "g_grad",
];

/// Columns of the quality history: one row per measurement (`h0`..`h9`: the class histogram).
pub const QUALITY_COLUMNS: [&str; 19] = [
    "step",
    "samples",
    "classifier_score",
    "fid",
    "digits_covered",
    "kl_from_uniform",
    "copy_rate",
    "median_copy_ratio",
    "diversity",
    "h0",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "h7",
    "h8",
    "h9",
];

/// The run's history as flat row-major tables (`LOSS_COLUMNS`, `QUALITY_COLUMNS`). Values may be
/// NaN (a D step before any G step has no G loss).
#[derive(Clone, Debug, Default)]
pub struct RunHistory {
    pub losses: Vec<f64>,
    pub quality: Vec<f64>,
}

impl RunHistory {
    /// Checks that both tables are whole rows.
    pub fn check(&self) -> Result<(), String> {
        for (name, values, cols) in [
            ("loss", &self.losses, LOSS_COLUMNS.len()),
            ("quality", &self.quality, QUALITY_COLUMNS.len()),
        ] {
            if !values.len().is_multiple_of(cols) {
                return Err(format!(
                    "the {name} history has {} values, not rows of {cols}",
                    values.len()
                ));
            }
        }
        Ok(())
    }

    /// Same values, NaNs included (bitwise).
    pub fn same_as(&self, other: &Self) -> bool {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        bits(&self.losses) == bits(&other.losses) && bits(&self.quality) == bits(&other.quality)
    }

    /// A table as CSV text with a header row.
    pub fn csv(values: &[f64], columns: &[&str]) -> String {
        let mut out = columns.join(",");
        out.push('\n');
        for row in values.chunks(columns.len()) {
            let cells: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}

fn table_bytes(values: &[f64], cols: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + values.len() * 8);
    out.extend_from_slice(&(cols as u32).to_le_bytes());
    out.extend_from_slice(&((values.len() / cols) as u32).to_le_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

fn parse_table(bytes: &[u8], name: &str, cols: usize) -> Result<Vec<f64>, CheckpointError> {
    let mut r = Reader::new(bytes);
    let found = r.u32()? as usize;
    if found != cols {
        return Err(CheckpointError::BadMeta(format!(
            "the {name} history has {found} columns; this Ganvas writes {cols}"
        )));
    }
    let rows = r.u32()? as usize;
    let n = rows.checked_mul(cols).ok_or(CheckpointError::Corrupted)?;
    if r.remaining() != n.checked_mul(8).ok_or(CheckpointError::Corrupted)? {
        return Err(CheckpointError::Corrupted);
    }
    let values = r.take(n * 8)?;
    Ok(values
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("chunks of 8")))
        .collect())
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Streams {
    noise: RunRng,
    batches: BatchSampler,
}

impl Trainer {
    /// The whole run as a Ganvas file (read from the device asynchronously: safe on WebGPU).
    /// `full`: with both optimizers and the random streams, so that loading it continues the run
    /// exactly; without, the weights and counters only (for shipped pretrained models).
    ///
    /// The state is taken when this is called (tensors are immutable handles), so the returned
    /// future borrows nothing and training may go on while it reads.
    pub fn checkpoint(
        &self,
        history: &RunHistory,
        full: bool,
    ) -> impl Future<Output = Result<Vec<u8>, CheckpointError>> + 'static {
        self.checkpoint_with(history, full, None)
    }

    /// [`Self::checkpoint`], with the images the run trains on when they are the learner's own
    /// (784 bytes each, in an "images" section: see `own_images`).
    pub fn checkpoint_with(
        &self,
        history: &RunHistory,
        full: bool,
        own_images: Option<Vec<u8>>,
    ) -> impl Future<Output = Result<Vec<u8>, CheckpointError>> + 'static {
        let meta = GanMeta {
            config: self.config.clone(),
            step: self.step,
            d_updates: self.d_updates,
        };
        let (generator, discriminator) = (self.generator.clone(), self.discriminator.clone());
        let averaged = self.averaged.clone();
        let state = full.then(|| {
            let streams = Streams {
                noise: self.noise.clone(),
                batches: self.batches.clone(),
            };
            (
                self.optim_g.clone(),
                self.optim_d.clone(),
                serde_json::to_vec(&streams).expect("the streams serialise"),
            )
        });
        let history = history.clone();
        async move {
            history.check().map_err(CheckpointError::BadMeta)?;
            let mut sections = vec![
                ("generator".into(), module_bytes(&generator).await?),
                ("discriminator".into(), module_bytes(&discriminator).await?),
            ];
            if let Some(averaged) = averaged {
                sections.push((AVERAGED.into(), module_bytes(&averaged).await?));
            }
            if let Some((optim_g, optim_d, streams)) = state {
                sections.push(("optim_g".into(), optim_g.to_bytes().await?));
                sections.push(("optim_d".into(), optim_d.to_bytes().await?));
                sections.push(("rng".into(), streams));
            }
            if !history.losses.is_empty() {
                sections.push((
                    "losses".into(),
                    table_bytes(&history.losses, LOSS_COLUMNS.len()),
                ));
            }
            if !history.quality.is_empty() {
                sections.push((
                    "quality".into(),
                    table_bytes(&history.quality, QUALITY_COLUMNS.len()),
                ));
            }
            if let Some(pixels) = own_images {
                sections.push((
                    own_images::SECTION.into(),
                    own_images::section_bytes(&pixels),
                ));
            }
            Ok(GanvasFile {
                kind: GAN_KIND.into(),
                meta: serde_json::to_string(&meta).expect("the meta serialises"),
                sections,
            }
            .encode())
        }
    }
}

/// A checked GAN file, before any tensor is built: enough to show what it holds and to fetch its
/// data set, then [`SavedRun::into_trainer`].
pub struct SavedRun {
    pub config: TrainConfig,
    pub step: u64,
    pub d_updates: u64,
    pub history: RunHistory,
    /// Whether the file carries the optimizers and random streams (it continues the run exactly).
    pub full: bool,
    /// The images a run on the learner's own images trained on (784 bytes each).
    pub own_images: Option<Vec<u8>>,
    file: GanvasFile,
}

impl SavedRun {
    /// Checks the container, the kind, the settings and the history. Never panics.
    pub fn parse(bytes: &[u8]) -> Result<Self, CheckpointError> {
        let file = GanvasFile::decode_kind(bytes, GAN_KIND)?;
        let meta = GanMeta::parse(&file.meta)?;
        settings::check(&meta.config).map_err(CheckpointError::BadMeta)?;
        let mut history = RunHistory::default();
        if let Ok(b) = file.section("losses") {
            history.losses = parse_table(b, "loss", LOSS_COLUMNS.len())?;
        }
        if let Ok(b) = file.section("quality") {
            history.quality = parse_table(b, "quality", QUALITY_COLUMNS.len())?;
        }
        let has = |name: &str| file.section(name).is_ok();
        let parts = ["optim_g", "optim_d", "rng"].map(has);
        if parts.iter().any(|p| *p) && !parts.iter().all(|p| *p) {
            return Err(CheckpointError::MissingSection(
                "optimizer or random-stream".into(),
            ));
        }
        file.section("generator")?;
        file.section("discriminator")?;
        let own_images = match file.section(own_images::SECTION) {
            Ok(b) => Some(own_images::parse_section(b).map_err(CheckpointError::BadMeta)?),
            Err(_) if meta.config.dataset == Dataset::Own => {
                return Err(CheckpointError::BadMeta(
                    "the run trained on its own images, and the file does not hold them".into(),
                ));
            }
            Err(_) => None,
        };
        Ok(Self {
            config: meta.config,
            step: meta.step,
            d_updates: meta.d_updates,
            history,
            full: parts[0],
            own_images,
            file,
        })
    }

    /// The two networks alone, without autodiff (for sampling and measuring), each tensor checked
    /// against the networks the config describes. The generator is the one that draws the run's
    /// pictures: the average of G's weights when the file holds one.
    pub fn networks(&self, device: &Device) -> Result<(Generator, Discriminator), CheckpointError> {
        let (generator, discriminator) = self.config.model.init(device, self.config.seed);
        let drawing = match self.file.section(AVERAGED) {
            Ok(bytes) => bytes,
            Err(_) => self.file.section("generator")?,
        };
        Ok((
            load_module(generator, drawing)?,
            load_module(discriminator, self.file.section("discriminator")?)?,
        ))
    }

    /// Builds the run on `device` (autodiff is added) over `data`, which must be the data set the
    /// file names. Every tensor is checked against the networks the config describes.
    pub fn into_trainer(&self, device: &Device, data: &Mnist) -> Result<Trainer, CheckpointError> {
        let mut trainer = Trainer::new(self.config.clone(), device, data);
        let train_device = trainer.device().clone();
        trainer.generator = load_module(trainer.generator, self.file.section("generator")?)?;
        trainer.discriminator =
            load_module(trainer.discriminator, self.file.section("discriminator")?)?;
        // A file from before the run kept an average (or from a run without one) starts it from G.
        trainer.averaged = match (self.config.ema > 0.0, self.file.section(AVERAGED)) {
            (false, _) => None,
            (true, Ok(bytes)) => Some(load_module(average::start(&trainer.generator), bytes)?),
            (true, Err(_)) => Some(average::start(&trainer.generator)),
        };
        if self.full {
            let adam = || Adam::new(self.config.beta1, self.config.beta2, ADAM_EPSILON);
            let (mut g, mut d) = (adam(), adam());
            g.load(
                &trainer.generator,
                self.file.section("optim_g")?,
                &train_device,
            )?;
            d.load(
                &trainer.discriminator,
                self.file.section("optim_d")?,
                &train_device,
            )?;
            let streams: Streams = serde_json::from_slice(self.file.section("rng")?)
                .map_err(|e| CheckpointError::BadMeta(format!("random streams: {e}")))?;
            if streams.noise.is_stuck() || streams.batches.is_stuck() {
                return Err(CheckpointError::BadMeta(
                    "random streams: a generator's state is all zeros, which no run has".into(),
                ));
            }
            if !streams.batches.draws_from(data.train_indices()) {
                return Err(CheckpointError::BadMeta(
                    "the batch order does not fit this data set".into(),
                ));
            }
            trainer.optim_g = g;
            trainer.optim_d = d;
            trainer.noise = streams.noise;
            trainer.batches = streams.batches;
        }
        trainer.step = self.step;
        trainer.d_updates = self.d_updates;
        Ok(trainer)
    }
}

#[cfg(test)]
mod tests;
