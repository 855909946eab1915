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
mod tests {
    use super::*;
    use crate::checkpoint::{FORMAT_VERSION, MAGIC, MAX_FILE_BYTES};
    use crate::model::ModelConfig;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A 40-image data set in the raw IDX format (the loader takes it ungzipped too).
    fn tiny_data() -> Mnist {
        let n = 40u32;
        let mut images: Vec<u8> = [0x0803u32, n, 28, 28]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        images.extend((0..n as usize * 784).map(|i| (i * 31 % 251) as u8));
        let mut labels: Vec<u8> = [0x0801u32, n]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        labels.extend((0..n as u8).map(|i| i % 10));
        Mnist::from_idx_gz(&images, &labels).unwrap()
    }

    fn tiny_config() -> TrainConfig {
        TrainConfig::new()
            .with_model(
                ModelConfig::new()
                    .with_latent_dim(3)
                    .with_generator_hidden(vec![5])
                    .with_discriminator_hidden(vec![4]),
            )
            .with_batch_size(4)
    }

    fn history() -> RunHistory {
        RunHistory {
            losses: (0..14)
                .map(|i| i as f64 * 0.5)
                .chain([f64::NAN])
                .chain((0..6).map(f64::from))
                .collect(),
            quality: (0..19).map(f64::from).collect(),
        }
    }

    fn checkpoint(trainer: &Trainer, full: bool) -> Vec<u8> {
        pollster::block_on(trainer.checkpoint(&history(), full)).unwrap()
    }

    /// A checkpoint of the tiny run after 3 steps.
    fn tiny_checkpoint(data: &Mnist) -> Vec<u8> {
        let mut t = Trainer::new(tiny_config(), &Device::flex(), data);
        for _ in 0..3 {
            t.train_step(data);
        }
        checkpoint(&t, true)
    }

    #[test]
    fn the_history_and_counters_round_trip() {
        let data = tiny_data();
        let bytes = tiny_checkpoint(&data);
        let saved = SavedRun::parse(&bytes).unwrap();
        assert!(saved.full);
        assert_eq!((saved.step, saved.d_updates), (3, 3));
        assert!(saved.history.same_as(&history()));
        let t = saved.into_trainer(&Device::flex(), &data).unwrap();
        assert_eq!(
            (t.step, t.d_updates, t.optim_g.len(), t.optim_d.len()),
            (3, 3, 6, 4), // G: 2 layers and a batch norm; D: 2 layers
        );
        let csv = RunHistory::csv(&history().losses, &LOSS_COLUMNS);
        assert!(csv.starts_with("step,d_updates,d_loss,g_loss,d_real,d_fake,g_grad\n0,0.5,1,"));
        assert!(csv.contains("\nNaN,0,"), "{csv}");
    }

    #[test]
    fn the_average_of_g_is_saved_and_draws_the_files_pictures() {
        let data = tiny_data();
        let mut t = Trainer::new(tiny_config(), &Device::flex(), &data);
        for _ in 0..3 {
            t.train_step(&data);
        }
        let pixels = |x: Tensor<2>| x.into_data().try_to_vec::<f32>().unwrap();
        let z = t.fixed_noise(4);
        let drawn = pixels(t.generate(&z));
        assert_ne!(
            drawn,
            pixels(t.generator.sample(&z)),
            "the average is not G"
        );
        let bytes = checkpoint(&t, true);
        let saved = SavedRun::parse(&bytes).unwrap();
        let (g, _) = saved.networks(&Device::flex()).unwrap();
        let flex_z = crate::train::fixed_noise(&t.config.model, t.config.seed, 4, &Device::flex());
        assert_eq!(
            pixels(g.sample(&flex_z)),
            drawn,
            "the file draws with the average"
        );
        let loaded = saved.into_trainer(&Device::flex(), &data).unwrap();
        assert_eq!(pixels(loaded.generate(&z)), drawn);

        // A run without one writes none; a file from before runs kept one loads without one.
        let mut plain = Trainer::new(tiny_config().with_ema(0.0), &Device::flex(), &data);
        plain.train_step(&data);
        let file = GanvasFile::decode(&checkpoint(&plain, true)).unwrap();
        assert!(file.section(AVERAGED).is_err());
        let old = GanvasFile {
            meta: file.meta.replace(",\"ema\":0.0", ""),
            ..file
        };
        assert!(!old.meta.contains("ema"), "{}", old.meta);
        let saved = SavedRun::parse(&old.encode()).unwrap();
        assert_eq!(saved.config.ema, 0.0);
        assert!(
            saved
                .into_trainer(&Device::flex(), &data)
                .unwrap()
                .averaged
                .is_none()
        );
    }

    #[test]
    fn a_run_on_own_images_keeps_them_in_its_file_and_needs_them() {
        let pixels: Vec<u8> = (0..20 * 784).map(|i| (i * 7 % 256) as u8).collect();
        let data = own_images::dataset(&pixels).unwrap();
        let mut trainer = Trainer::new(
            tiny_config().with_dataset(Dataset::Own),
            &Device::flex(),
            &data,
        );
        trainer.train_step(&data);
        let save =
            |images| pollster::block_on(trainer.checkpoint_with(&history(), true, images)).unwrap();
        let saved = SavedRun::parse(&save(Some(data.training_bytes()))).unwrap();
        assert_eq!(saved.own_images.as_deref(), Some(&pixels[..]));
        let again = own_images::dataset(saved.own_images.as_ref().unwrap()).unwrap();
        assert_eq!(saved.into_trainer(&Device::flex(), &again).unwrap().step, 1);
        let missing = SavedRun::parse(&save(None)).err().unwrap().to_string();
        assert!(missing.contains("does not hold them"), "{missing}");
    }

    #[test]
    fn the_loader_names_what_is_wrong() {
        let data = tiny_data();
        let bytes = tiny_checkpoint(&data);
        let err = |b: &[u8]| {
            SavedRun::parse(b)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(err(b"\x89PNG\r\n\x1a\n....").contains("not a Ganvas file"));
        assert!(err(&bytes[..bytes.len() / 2]).contains("truncated"));
        let mut flipped = bytes.clone();
        flipped[100] ^= 1;
        assert!(err(&flipped).contains("corrupted"));
        // A flipped high byte of a length (here the first section's, after the magic, version, kind
        // and meta) asks for more than any Ganvas file holds: damage, not a cut.
        let file = GanvasFile::decode(&bytes).unwrap();
        let first_len =
            8 + 4 + 1 + file.kind.len() + 4 + file.meta.len() + 4 + 1 + file.sections[0].0.len();
        assert_eq!(
            &bytes[first_len..first_len + 8],
            &(file.sections[0].1.len() as u64).to_le_bytes()
        );
        for byte in [3, 5, 7] {
            let mut flipped = bytes.clone();
            flipped[first_len + byte] ^= 0x40;
            assert!(
                err(&flipped).contains("corrupted"),
                "byte {byte}: {}",
                err(&flipped)
            );
        }
        let meta_len = 8 + 4 + 1 + file.kind.len();
        let mut flipped = bytes.clone();
        flipped[meta_len + 3] ^= 0x10;
        assert!(err(&flipped).contains("corrupted"), "{}", err(&flipped));
        let mut version = bytes.clone();
        version[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        assert!(err(&version).contains(&format!("format version {}", FORMAT_VERSION + 1)));
        assert!(
            err(&vec![0u8; MAX_FILE_BYTES + 1])
                .contains(&format!("at most {MAX_FILE_BYTES} bytes"))
        );
        let classifier = GanvasFile {
            kind: "classifier".into(),
            meta: "{}".into(),
            sections: vec![],
        };
        assert!(
            err(&classifier.encode())
                .contains("expected a gan file, but this is a classifier file")
        );

        // Other widths in the settings than in the weights: the networks do not match.
        let mut file = GanvasFile::decode(&bytes).unwrap();
        file.meta = file
            .meta
            .replace("\"generator_hidden\":[5]", "\"generator_hidden\":[6]");
        let saved = SavedRun::parse(&file.encode()).unwrap();
        let e = saved
            .into_trainer(&Device::flex(), &data)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("do not fit the network"), "{e}");
        // A batch size no run may have.
        let mut file = GanvasFile::decode(&bytes).unwrap();
        file.meta = file
            .meta
            .replace("\"batch_size\":4", "\"batch_size\":100000");
        assert!(err(&file.encode()).contains("out of range"));
        // A batch order for another data set.
        let other = Mnist::from_idx_gz(
            include_bytes!("../../../www/data/mnist-10k-images-idx3-ubyte.gz"),
            include_bytes!("../../../www/data/mnist-10k-labels-idx1-ubyte.gz"),
        )
        .unwrap();
        let saved = SavedRun::parse(&bytes).unwrap();
        let e = saved
            .into_trainer(&Device::flex(), &other)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("batch order does not fit"), "{e}");
    }

    /// `ganvas eval` decodes with [`GanCheckpoint::decode`], which once built the networks from a
    /// file's settings unchecked: a DCGAN with one channel count panicked, and huge widths would
    /// allocate without bound. It now refuses both with the loader's message.
    #[test]
    fn the_weights_decoder_checks_the_settings_as_the_loader_does() {
        use crate::train::GanCheckpoint;
        let data = tiny_data();
        let bytes = tiny_checkpoint(&data);
        let decoded = |meta: &dyn Fn(&str) -> String| {
            let mut file = GanvasFile::decode(&bytes).unwrap();
            file.meta = meta(&file.meta);
            GanCheckpoint::decode(&file.encode(), &Device::flex())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(decoded(&|m| m.to_string()), "");
        let e = decoded(&|m| m.replace("\"architecture\":\"Mlp\"", "\"architecture\":\"Dcgan\""));
        assert!(
            e.contains("the DCGAN takes exactly two channel counts"),
            "{e}"
        );
        let e = decoded(&|m| {
            m.replace(
                "\"generator_hidden\":[5]",
                "\"generator_hidden\":[4000000000]",
            )
        });
        assert!(e.contains("each must be 1 to"), "{e}");
        let e = decoded(&|m| m.replace("\"batch_size\":4", "\"batch_size\":0"));
        assert!(e.contains("out of range"), "{e}");
    }

    /// A file whose random streams hold an all-zero xoshiro state: the generator would draw 0
    /// forever, and the first normal draw of the next step might never end. Refused at load.
    #[test]
    fn an_all_zero_random_state_is_refused() {
        let data = tiny_data();
        let bytes = tiny_checkpoint(&data);
        for stream in ["noise", "batches"] {
            let mut file = GanvasFile::decode(&bytes).unwrap();
            let at = file.sections.iter().position(|(n, _)| n == "rng").unwrap();
            let mut streams: serde_json::Value =
                serde_json::from_slice(&file.sections[at].1).unwrap();
            let state = match stream {
                "noise" => &mut streams["noise"]["inner"]["s"],
                _ => &mut streams["batches"]["rng"]["s"],
            };
            assert!(state.is_array(), "{streams}");
            *state = serde_json::json!([0, 0, 0, 0]);
            file.sections[at].1 = serde_json::to_vec(&streams).unwrap();
            let saved = SavedRun::parse(&file.encode()).unwrap();
            let e = saved
                .into_trainer(&Device::flex(), &data)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("state is all zeros"), "{stream}: {e}");
        }
    }

    /// `bytes` with its checksum recomputed, so that a mutation reaches the parser behind it.
    fn resealed(mut body: Vec<u8>) -> Vec<u8> {
        let crc = crc32fast::hash(&body);
        body.extend_from_slice(&crc.to_le_bytes());
        body
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 100_000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any bytes at all, with or without the magic and version in front: an error or a run,
        /// never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..400), head in 0u8..3) {
            let mut bytes = Vec::new();
            if head > 0 { bytes.extend_from_slice(MAGIC); }
            if head > 1 { bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes()); }
            bytes.extend(tail);
            let data = tiny_data_cached();
            if let Ok(saved) = SavedRun::parse(&bytes) {
                let _ = saved.into_trainer(&Device::flex(), data);
            }
        }

        /// A real checkpoint with bytes flipped, overwritten, cut or inserted, then sealed with a
        /// valid checksum: the parser and the loader behind it meet every malformed length, name,
        /// JSON and tensor. An error or a run, never a panic.
        #[test]
        fn mutated_checkpoints_never_panic(
            edits in proptest::collection::vec((0u8..4, any::<u32>(), proptest::collection::vec(any::<u8>(), 1..8)), 1..4)
        ) {
            let data = tiny_data_cached();
            let original = tiny_checkpoint_cached();
            let mut body = original[..original.len() - 4].to_vec();
            for (op, at, bytes) in edits {
                let at = at as usize % (body.len() + 1);
                match op {
                    0 => if at < body.len() { body[at] ^= bytes[0] | 1 },
                    1 => for (i, b) in bytes.iter().enumerate() { if at + i < body.len() { body[at + i] = *b } },
                    2 => body.truncate(at),
                    _ => { body.splice(at..at, bytes); }
                }
            }
            let bytes = resealed(body);
            // A file that loads trains: its state fits its networks.
            let parsed = SavedRun::parse(&bytes);
            let loaded = parsed.as_ref().ok().map(|saved| saved.into_trainer(&Device::flex(), data));
            if let Some(Ok(mut t)) = loaded {
                t.train_step(data);
                TRAINED.fetch_add(1, Ordering::Relaxed);
            } else if loaded.is_some() {
                REFUSED_AT_LOAD.fetch_add(1, Ordering::Relaxed);
            }
            let n = CASES.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(100_000) {
                // Shown with --nocapture: how far the mutants reached.
                eprintln!(
                    "{n} mutated files: {} refused by the parser, {} parsed but refused by the loader, {} loaded and trained",
                    n - TRAINED.load(Ordering::Relaxed) - REFUSED_AT_LOAD.load(Ordering::Relaxed),
                    REFUSED_AT_LOAD.load(Ordering::Relaxed),
                    TRAINED.load(Ordering::Relaxed),
                );
            }
        }
    }

    static CASES: AtomicUsize = AtomicUsize::new(0);
    static TRAINED: AtomicUsize = AtomicUsize::new(0);
    static REFUSED_AT_LOAD: AtomicUsize = AtomicUsize::new(0);

    fn tiny_data_cached() -> &'static Mnist {
        static DATA: std::sync::OnceLock<Mnist> = std::sync::OnceLock::new();
        DATA.get_or_init(tiny_data)
    }

    fn tiny_checkpoint_cached() -> &'static [u8] {
        static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        BYTES.get_or_init(|| tiny_checkpoint(tiny_data_cached()))
    }
}
