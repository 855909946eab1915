//! The run file's round trips, its loader's messages and its fuzzing: `resume.rs`.

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

/// Why the run file `bytes`, which parses, does not load as a trainer on `data`; empty when it
/// loads.
fn refusal(bytes: &[u8], data: &Mnist) -> String {
    SavedRun::parse(bytes)
        .unwrap()
        .into_trainer(&Device::flex(), data)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
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
        err(&vec![0u8; MAX_FILE_BYTES + 1]).contains(&format!("at most {MAX_FILE_BYTES} bytes"))
    );
    let classifier = GanvasFile {
        kind: "classifier".into(),
        meta: "{}".into(),
        sections: vec![],
    };
    assert!(
        err(&classifier.encode()).contains("expected a gan file, but this is a classifier file")
    );

    // Other widths in the settings than in the weights: the networks do not match.
    let mut file = GanvasFile::decode(&bytes).unwrap();
    file.meta = file
        .meta
        .replace("\"generator_hidden\":[5]", "\"generator_hidden\":[6]");
    let e = refusal(&file.encode(), &data);
    assert!(e.contains("do not fit the network"), "{e}");
    // A batch size no run may have.
    let mut file = GanvasFile::decode(&bytes).unwrap();
    file.meta = file
        .meta
        .replace("\"batch_size\":4", "\"batch_size\":100000");
    assert!(err(&file.encode()).contains("out of range"));
    // A batch order for another data set.
    let other = Mnist::from_idx_gz(
        include_bytes!("../../../../www/data/mnist-10k-images-idx3-ubyte.gz"),
        include_bytes!("../../../../www/data/mnist-10k-labels-idx1-ubyte.gz"),
    )
    .unwrap();
    let e = refusal(&bytes, &other);
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
        let mut streams: serde_json::Value = serde_json::from_slice(&file.sections[at].1).unwrap();
        let state = match stream {
            "noise" => &mut streams["noise"]["inner"]["s"],
            _ => &mut streams["batches"]["rng"]["s"],
        };
        assert!(state.is_array(), "{streams}");
        *state = serde_json::json!([0, 0, 0, 0]);
        file.sections[at].1 = serde_json::to_vec(&streams).unwrap();
        let e = refusal(&file.encode(), &data);
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
