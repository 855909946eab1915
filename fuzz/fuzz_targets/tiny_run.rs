//! What the two checkpoint targets share: a tiny data set, and the bound on the networks they build.

use std::sync::OnceLock;

use ganvas_core::data::Mnist;
use ganvas_core::resume::SavedRun;

/// 40 images in the raw IDX format (the trainer needs a data set; its values hardly matter here;
/// the loader takes IDX ungzipped too), labelled 0 to 9.
pub fn data() -> &'static Mnist {
    static DATA: OnceLock<Mnist> = OnceLock::new();
    DATA.get_or_init(|| {
        let header = |words: &[u32]| words.iter().flat_map(|w| w.to_be_bytes()).collect::<Vec<u8>>();
        let mut images = header(&[0x0803, 40, 28, 28]);
        images.extend((0..40 * 784).map(|i| (i * 31 % 251) as u8));
        let mut labels = header(&[0x0801, 40]);
        labels.extend((0..40u8).map(|i| i % 10));
        Mnist::from_idx_gz(&images, &labels).expect("a valid IDX pair")
    })
}

/// The widths a file may ask for are bounded (2048), but a full network of that size takes long to
/// build: the fuzzer explores the loader's checks on small ones.
pub fn small_enough(saved: &SavedRun) -> bool {
    let model = &saved.config.model;
    let widths = model.generator_hidden.iter().chain(&model.discriminator_hidden);
    widths.copied().max().unwrap_or(0) <= 64 && model.latent_dim <= 64 && saved.config.batch_size <= 64
}
