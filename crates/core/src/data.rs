//! The training data: MNIST in the IDX format, and the seeded order in which batches are drawn.
//!
//! The page ships `www/data/mnist-10k-{images-idx3,labels-idx1}-ubyte.gz`, written by
//! `cargo xtask data`: 10,000 digits whose first [`TRAIN_LEN`] records are the training split and
//! whose last 1,000 (100 of each digit) are held out. The files arrive over the network, so the
//! parsers treat them as untrusted: every failure is a [`DataError`], never a panic.

pub use crate::dataset::Dataset;

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::ops::Range;

use flate2::read::GzDecoder;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;

/// Records before this index train; the rest are held out. Set by `cargo xtask data`'s split.
pub const TRAIN_LEN: usize = 9000;
/// Pixels in one 28x28 image.
pub const IMAGE_LEN: usize = 28 * 28;

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
/// Full MNIST (60,000 images) decompresses to 47 MB; anything far beyond that is a gzip bomb.
const MAX_DECOMPRESSED: u64 = 256 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataError {
    /// The bytes start like gzip but do not decompress.
    Gzip(String),
    /// The header declares more bytes than the file holds.
    Truncated {
        needed: u64,
        found: u64,
    },
    WrongMagic {
        expected: u32,
        found: u32,
    },
    /// The images and labels files describe different numbers of records.
    DimensionMismatch {
        images: usize,
        labels: usize,
    },
    /// No bytes at all, or a header that declares zero records.
    Empty,
    /// The model is built for 28x28 images.
    ImageSize {
        rows: usize,
        cols: usize,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gzip(e) => write!(f, "the data is not valid gzip: {e}"),
            Self::Truncated { needed, found } => write!(
                f,
                "the IDX file is truncated: its header needs {needed} bytes but only {found} are present"
            ),
            Self::WrongMagic { expected, found } => write!(
                f,
                "wrong IDX magic number: expected {expected:#010x}, found {found:#010x}"
            ),
            Self::DimensionMismatch { images, labels } => {
                write!(f, "{images} images but {labels} labels")
            }
            Self::Empty => write!(f, "the IDX file is empty or holds no records"),
            Self::ImageSize { rows, cols } => {
                write!(f, "images are {rows}x{cols}, expected 28x28")
            }
        }
    }
}

impl std::error::Error for DataError {}

/// An IDX3 image file: `count` images of `rows * cols` bytes, row-major, one after another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
}

pub fn parse_idx_images(gz: &[u8]) -> Result<IdxImages, DataError> {
    let ([count, rows, cols], pixels) = parse_idx(&decompress(gz)?, IMAGES_MAGIC)?;
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels,
    })
}

pub fn parse_idx_labels(gz: &[u8]) -> Result<Vec<u8>, DataError> {
    let ([_count], labels) = parse_idx(&decompress(gz)?, LABELS_MAGIC)?;
    Ok(labels)
}

/// Gunzips `bytes` if they start with the gzip magic; raw IDX passes through uncopied.
fn decompress(bytes: &[u8]) -> Result<Cow<'_, [u8]>, DataError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .take(MAX_DECOMPRESSED + 1)
        .read_to_end(&mut out)
        .map_err(|e| DataError::Gzip(e.to_string()))?;
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err(DataError::Gzip(format!(
            "decompresses to more than {MAX_DECOMPRESSED} bytes"
        )));
    }
    Ok(Cow::Owned(out))
}

/// Checks the header and returns the `N` dimensions and a copy of the body, whose length is their
/// product; trailing bytes are ignored. `magic`'s low byte (the IDX rank) must be `N`.
fn parse_idx<const N: usize>(bytes: &[u8], magic: u32) -> Result<([usize; N], Vec<u8>), DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty);
    }
    let found = bytes.len() as u64;
    let word = |i: usize| -> Result<u32, DataError> {
        match bytes.get(4 * i..4 * i + 4) {
            Some(b) => Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            None => Err(DataError::Truncated {
                needed: 4 * (i as u64 + 1),
                found,
            }),
        }
    };
    let found_magic = word(0)?;
    if found_magic != magic {
        return Err(DataError::WrongMagic {
            expected: magic,
            found: found_magic,
        });
    }
    let mut dims = [0u32; N];
    for (i, d) in dims.iter_mut().enumerate() {
        *d = word(i + 1)?;
    }
    if dims[0] == 0 {
        return Err(DataError::Empty);
    }
    // Declared sizes are checked against the bytes present before anything is allocated, and in
    // u64 so that three u32 dimensions cannot overflow silently (an overflow needs u64::MAX bytes).
    let header = 4 * (N as u64 + 1);
    let needed = dims
        .iter()
        .try_fold(1u64, |n, &d| n.checked_mul(u64::from(d)))
        .and_then(|n| n.checked_add(header))
        .unwrap_or(u64::MAX);
    if needed > found {
        return Err(DataError::Truncated { needed, found });
    }
    // Both fit in usize: they are at most `bytes.len()`.
    let body = bytes[header as usize..needed as usize].to_vec();
    Ok((dims.map(|d| d as usize), body))
}

/// MNIST in memory, with pixels scaled to [-1, 1] to match the generator's tanh output.
#[derive(Clone, Debug)]
pub struct Mnist {
    images: Vec<f32>,
    labels: Vec<u8>,
    /// Records before this index train; the rest are held out.
    train_len: usize,
}

impl Mnist {
    pub fn from_idx_gz(images_gz: &[u8], labels_gz: &[u8]) -> Result<Mnist, DataError> {
        let images = parse_idx_images(images_gz)?;
        let labels = parse_idx_labels(labels_gz)?;
        if (images.rows, images.cols) != (28, 28) {
            return Err(DataError::ImageSize {
                rows: images.rows,
                cols: images.cols,
            });
        }
        if images.count != labels.len() {
            return Err(DataError::DimensionMismatch {
                images: images.count,
                labels: labels.len(),
            });
        }
        let images = images
            .pixels
            .iter()
            .map(|&p| f32::from(p) / 127.5 - 1.0)
            .collect();
        let train_len = TRAIN_LEN.min(labels.len());
        Ok(Mnist {
            images,
            labels,
            train_len,
        })
    }

    /// Images that all train (no held-out split, every label 0): 784 bytes each, ink 255 on 0.
    /// `own_images::dataset` checks their number.
    pub(crate) fn all_training(pixels: &[u8]) -> Mnist {
        let count = pixels.len() / IMAGE_LEN;
        Mnist {
            images: pixels[..count * IMAGE_LEN]
                .iter()
                .map(|&p| f32::from(p) / 127.5 - 1.0)
                .collect(),
            labels: vec![0; count],
            train_len: count,
        }
    }

    /// The training images as bytes (0..=255), as the IDX file or `all_training` had them.
    pub fn training_bytes(&self) -> Vec<u8> {
        self.images[..self.train_len * IMAGE_LEN]
            .iter()
            .map(|&p| ((p + 1.0) * 127.5).round().clamp(0.0, 255.0) as u8)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn train_indices(&self) -> Range<usize> {
        0..self.train_len
    }

    pub fn heldout_indices(&self) -> Range<usize> {
        self.train_len..self.len()
    }

    /// The 784 pixels of image `i`, row-major. Panics if `i >= len()`, like slice indexing.
    pub fn image(&self, i: usize) -> &[f32] {
        &self.images[i * IMAGE_LEN..(i + 1) * IMAGE_LEN]
    }

    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    /// The images at `indices`, flattened to `[indices.len() * 784]` for a `[n, 1, 28, 28]` tensor.
    pub fn gather(&self, indices: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(indices.len() * IMAGE_LEN);
        for &i in indices {
            out.extend_from_slice(self.image(i));
        }
        out
    }
}

/// Draws batches of indices from a range without replacement within an epoch, reshuffling at each
/// epoch's end. A batch may straddle two epochs, so every batch has the size asked for and no
/// example is skipped; the whole sequence is fixed by the seed.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchSampler {
    order: Vec<usize>,
    next: usize,
    rng: Xoshiro256PlusPlus,
}

impl BatchSampler {
    pub fn new(range: Range<usize>, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut order: Vec<usize> = range.collect();
        order.shuffle(&mut rng);
        Self {
            order,
            next: 0,
            rng,
        }
    }

    /// Whether this sampler (say, one read from a file) draws from exactly `range`: its order is a
    /// permutation of it and its position is inside it.
    pub fn draws_from(&self, range: Range<usize>) -> bool {
        let mut sorted = self.order.clone();
        sorted.sort_unstable();
        self.next <= self.order.len() && sorted.into_iter().eq(range)
    }

    /// Whether its shuffling generator's state is all zeros (see [`crate::rng::is_stuck`]).
    pub fn is_stuck(&self) -> bool {
        crate::rng::is_stuck(&self.rng)
    }

    /// The next `batch_size` indices; empty if the range is empty.
    pub fn next_batch(&mut self, batch_size: usize) -> Vec<usize> {
        if self.order.is_empty() {
            return Vec::new();
        }
        let mut batch = Vec::with_capacity(batch_size);
        while batch.len() < batch_size {
            if self.next == self.order.len() {
                self.order.shuffle(&mut self.rng);
                self.next = 0;
            }
            let take = (batch_size - batch.len()).min(self.order.len() - self.next);
            batch.extend_from_slice(&self.order[self.next..self.next + take]);
            self.next += take;
        }
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    const IMAGES_GZ: &[u8] = include_bytes!("../../../www/data/mnist-10k-images-idx3-ubyte.gz");
    const LABELS_GZ: &[u8] = include_bytes!("../../../www/data/mnist-10k-labels-idx1-ubyte.gz");

    fn idx(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
        let mut out: Vec<u8> = [magic]
            .iter()
            .chain(dims)
            .flat_map(|w| w.to_be_bytes())
            .collect();
        out.extend_from_slice(body);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn truncated<T>(needed: u64, found: u64) -> Result<T, DataError> {
        Err(DataError::Truncated { needed, found })
    }

    #[test]
    fn tiny_idx_round_trips_gzipped_and_raw() {
        let pixels: Vec<u8> = (0..12).collect();
        let images = idx(IMAGES_MAGIC, &[3, 2, 2], &pixels);
        let labels = idx(LABELS_MAGIC, &[3], &[7, 0, 9]);
        for (images, labels) in [(gzip(&images), gzip(&labels)), (images, labels)] {
            let parsed = parse_idx_images(&images).unwrap();
            assert_eq!((parsed.count, parsed.rows, parsed.cols), (3, 2, 2));
            assert_eq!(parsed.pixels, pixels);
            assert_eq!(parse_idx_labels(&labels).unwrap(), [7, 0, 9]);
        }
    }

    #[test]
    fn truncated_and_huge_files_are_errors() {
        let images = idx(IMAGES_MAGIC, &[3, 2, 2], &[0; 11]);
        assert_eq!(parse_idx_images(&images), truncated(28, 27));
        assert_eq!(parse_idx_images(&images[..6]), truncated(8, 6));
        assert!(parse_idx_images(&IMAGES_GZ[..IMAGES_GZ.len() / 2]).is_err());
        // A header that declares exabytes must fail before anything that size is allocated.
        let huge = idx(IMAGES_MAGIC, &[u32::MAX; 3], &[0; 10]);
        assert_eq!(parse_idx_images(&huge), truncated(u64::MAX, 26));
        let huge = idx(LABELS_MAGIC, &[u32::MAX], &[0; 10]);
        assert_eq!(parse_idx_labels(&huge), truncated(u32::MAX as u64 + 8, 18));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let msg = parse_idx_images(&idx(LABELS_MAGIC, &[1], &[3]))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("0x00000803") && msg.contains("0x00000801"),
            "{msg}"
        );
        assert!(parse_idx_images(b"this is not an IDX file").is_err());
        assert!(matches!(
            parse_idx_labels(&[0x1f, 0x8b, 1, 2]),
            Err(DataError::Gzip(_))
        ));
        assert_eq!(parse_idx_labels(&[]), Err(DataError::Empty));
        let labels = idx(LABELS_MAGIC, &[4], &[1, 2, 3, 4]);
        for n in 0..labels.len() {
            assert!(
                parse_idx_labels(&labels[..n]).is_err(),
                "prefix of {n} bytes"
            );
        }
        let images = idx(IMAGES_MAGIC, &[2, 28, 28], &[0; 2 * IMAGE_LEN]);
        let err = Mnist::from_idx_gz(&images, &labels).unwrap_err();
        assert_eq!(err.to_string(), "2 images but 4 labels");
    }

    #[test]
    fn shipped_files_load_with_every_digit_in_both_splits() {
        let mnist = Mnist::from_idx_gz(IMAGES_GZ, LABELS_GZ).unwrap();
        assert_eq!(mnist.len(), 10_000);
        assert_eq!(mnist.train_indices(), 0..9000);
        assert_eq!(mnist.heldout_indices(), 9000..10_000);
        let all = mnist.gather(&(0..mnist.len()).collect::<Vec<_>>());
        let (lo, hi) = all
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &p| (lo.min(p), hi.max(p)));
        assert_eq!((lo, hi), (-1.0, 1.0));
        for split in [mnist.train_indices(), mnist.heldout_indices()] {
            let mut seen = [0usize; 10];
            split.for_each(|i| seen[mnist.label(i) as usize] += 1);
            assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
        }
    }

    #[test]
    fn batch_sampler_is_seeded() {
        let draw = |seed| {
            let mut s = BatchSampler::new(0..100, seed);
            (0..10).flat_map(|_| s.next_batch(32)).collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
    }

    #[test]
    fn batch_sampler_covers_each_epoch_exactly_once() {
        // 7 batches of 30 over 50 indices: epochs 1-4 complete, batches straddling their ends.
        let mut s = BatchSampler::new(10..60, 7);
        let drawn: Vec<usize> = (0..7).flat_map(|_| s.next_batch(30)).collect();
        for epoch in drawn.chunks(50).take(4) {
            let mut sorted = epoch.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, (10..60).collect::<Vec<_>>());
        }
        assert!(BatchSampler::new(0..0, 1).next_batch(4).is_empty());
    }
}
