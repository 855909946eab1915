//! A valid checkpoint, edited by the fuzzer inside its container and sealed again (a fresh
//! checksum through `GanvasFile::encode`), so that the fuzzer reaches what the loader checks behind
//! the CRC: the settings (huge or zero widths, wrong architectures), the history tables, both
//! optimizers' state (Adam's time, NaN moments, wrong shapes) and the random streams (all-zero and
//! degenerate states). Random bytes almost never pass the CRC, so `checkpoint` alone stays in the
//! container.
//!
//! The input is a list of edits, each `[target, how, offset low, offset high, length, bytes...]`:
//! `target` picks the metadata (JSON) or one section; `how` replaces it, overwrites `length` bytes
//! at `offset`, cuts it at `offset`, or removes the section. A file that loads then trains one
//! step: it must end in `Ok` or a message, never a panic, a hang or an unbounded allocation.
#![no_main]

use std::sync::OnceLock;

use burn::prelude::*;
use ganvas_core::checkpoint::GanvasFile;
use ganvas_core::model::ModelConfig;
use ganvas_core::resume::{RunHistory, SavedRun};
use ganvas_core::train::{TrainConfig, Trainer};
use libfuzzer_sys::fuzz_target;

#[path = "tiny_run.rs"]
mod tiny_run;
use tiny_run::{data, small_enough};

/// A full checkpoint (networks, both optimizers, random streams, history) of a tiny run after two
/// steps, decoded into its container.
fn base() -> &'static GanvasFile {
    static BASE: OnceLock<GanvasFile> = OnceLock::new();
    BASE.get_or_init(|| {
        let config = TrainConfig::new()
            .with_model(
                ModelConfig::new()
                    .with_latent_dim(3)
                    .with_generator_hidden(vec![5])
                    .with_discriminator_hidden(vec![4]),
            )
            .with_batch_size(4);
        let mut trainer = Trainer::new(config, &Device::flex(), data());
        trainer.train_steps(data(), 2);
        let history = RunHistory {
            losses: vec![0.5; 7],
            quality: vec![1.0; 19],
        };
        let bytes = pollster::block_on(trainer.checkpoint(&history, true)).expect("a checkpoint");
        GanvasFile::decode(&bytes).expect("the checkpoint decodes")
    })
}

/// Applies the input's edits to a copy of the base file.
fn edited(mut input: &[u8]) -> GanvasFile {
    let mut file = base().clone();
    while let [target, how, lo, hi, len, rest @ ..] = input {
        let len = usize::from(*len).min(rest.len());
        let (bytes, next) = rest.split_at(len);
        input = next;
        let offset = usize::from(u16::from_le_bytes([*lo, *hi]));
        let slot = usize::from(*target) % (file.sections.len() + 1);
        if how % 4 == 3 {
            if slot > 0 {
                file.sections.remove(slot - 1);
            }
            continue;
        }
        let mut value = if slot == 0 {
            std::mem::take(&mut file.meta).into_bytes()
        } else {
            std::mem::take(&mut file.sections[slot - 1].1)
        };
        match how % 4 {
            0 => value = bytes.to_vec(),
            1 => {
                let at = offset.min(value.len());
                let end = (at + bytes.len()).min(value.len());
                value.splice(at..end, bytes.iter().copied());
            }
            _ => value.truncate(offset),
        }
        if slot == 0 {
            file.meta = String::from_utf8_lossy(&value).into_owned();
        } else {
            file.sections[slot - 1].1 = value;
        }
    }
    file
}

fuzz_target!(|input: &[u8]| {
    let bytes = edited(input).encode();
    let Ok(saved) = SavedRun::parse(&bytes) else {
        return;
    };
    if !small_enough(&saved) {
        return;
    }
    if let Ok(mut trainer) = saved.into_trainer(&Device::flex(), data()) {
        trainer.train_step(data());
    }
});
