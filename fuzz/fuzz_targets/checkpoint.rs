//! A checkpoint file as the page and the CLI read it: the container, the settings, the history,
//! then the networks, both optimizers' state and the random streams checked against the settings
//! (`SavedRun::into_trainer`, on a tiny data set). Any input must end in `Ok` or a message, never a
//! panic, a hang or an unbounded allocation.
#![no_main]

use std::sync::OnceLock;

use burn::prelude::*;
use ganvas_core::data::Mnist;
use ganvas_core::resume::SavedRun;
use libfuzzer_sys::fuzz_target;

/// 40 blank images in the raw IDX format (the trainer needs a data set; its values do not matter
/// here; the loader takes IDX ungzipped too).
fn data() -> &'static Mnist {
    static DATA: OnceLock<Mnist> = OnceLock::new();
    DATA.get_or_init(|| {
        let header = |words: &[u32]| words.iter().flat_map(|w| w.to_be_bytes()).collect::<Vec<u8>>();
        let mut images = header(&[0x0803, 40, 28, 28]);
        images.resize(images.len() + 40 * 784, 0);
        let mut labels = header(&[0x0801, 40]);
        labels.resize(labels.len() + 40, 0);
        Mnist::from_idx_gz(&images, &labels).expect("a valid IDX pair")
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(saved) = SavedRun::parse(bytes) else {
        return;
    };
    // The widths a file may ask for are bounded (2048), but a full network of that size takes
    // long to build: the fuzzer explores the loader's checks on small ones.
    let widths = saved.config.model.generator_hidden.iter().chain(&saved.config.model.discriminator_hidden);
    if widths.copied().max().unwrap_or(0) > 64 || saved.config.model.latent_dim > 64 {
        return;
    }
    let _ = saved.into_trainer(&Device::flex(), data());
});
