//! Images that are not digits, for the measuring classifier's outlier exposure (Hendrycks et al.
//! 2019): trained to give them a near-uniform prediction, the classifier reads pure noise, an
//! untrained generator or a cut-up digit as "no digit" instead of a confident 8. Every image is
//! 784 pixels in [-1, 1] (background -1), drawn from the caller's seeded generator.

use burn::prelude::*;
use burn::tensor::ExecutionError;

use crate::data::Mnist;
use crate::model::{IMAGE_PIXELS, ModelConfig};
use crate::rng::{RunRng, Stream};
use crate::train::evaluation_noise;

/// The kinds of non-digit, drawn in turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outlier {
    /// Every pixel uniform in [-1, 1].
    UniformNoise,
    /// A random share of the pixels lit on a dark background.
    SaltAndPepper,
    /// One to four soft round blobs.
    Blobs,
    /// Two to five random straight strokes.
    Scribble,
    /// A training digit moved 12 to 16 pixels, so that half of it or more is cut off. (Smaller
    /// shifts leave a narrow 1 whole, only off-centre: still a digit.)
    ShiftedDigit,
    /// A training digit whose four quadrants are swapped around. (Not the top of one digit above
    /// the bottom of another: a 7 over a 1 is a 7.)
    CutUpDigit,
    /// An image from a generator that has not learned yet (the caller's pool).
    EarlyGenerator,
}

pub const KINDS: [Outlier; 7] = [
    Outlier::UniformNoise,
    Outlier::SaltAndPepper,
    Outlier::Blobs,
    Outlier::Scribble,
    Outlier::ShiftedDigit,
    Outlier::CutUpDigit,
    Outlier::EarlyGenerator,
];

/// Draws one outlier of `kind`. `early`: images of untrained generators, [`early_generator_images`].
pub fn outlier(kind: Outlier, rng: &mut RunRng, data: &Mnist, early: &[f32]) -> Vec<f32> {
    let unit = |rng: &mut RunRng| (rng.uniform(1, 1.0)[0] + 1.0) / 2.0; // [0, 1)
    let digit = |rng: &mut RunRng| {
        let train = data.train_indices();
        train.start + rng.index(train.len())
    };
    match kind {
        Outlier::UniformNoise => rng.uniform(IMAGE_PIXELS, 1.0),
        Outlier::SaltAndPepper => {
            let share = 0.05 + 0.45 * unit(rng);
            (0..IMAGE_PIXELS)
                .map(|_| if unit(rng) < share { 1.0 } else { -1.0 })
                .collect()
        }
        Outlier::Blobs => {
            let mut ink = vec![0f32; IMAGE_PIXELS];
            for _ in 0..1 + rng.index(4) {
                let (cy, cx) = (28.0 * unit(rng), 28.0 * unit(rng));
                let r = 2.0 + 6.0 * unit(rng);
                paint(&mut ink, |y, x| {
                    (-((y - cy).powi(2) + (x - cx).powi(2)) / (r * r)).exp()
                });
            }
            to_pixels(&ink)
        }
        Outlier::Scribble => {
            let mut ink = vec![0f32; IMAGE_PIXELS];
            for _ in 0..2 + rng.index(4) {
                let (y0, x0, y1, x1) = (
                    28.0 * unit(rng),
                    28.0 * unit(rng),
                    28.0 * unit(rng),
                    28.0 * unit(rng),
                );
                let width = 0.8 + 1.2 * unit(rng);
                paint(&mut ink, |y, x| stroke(y, x, [y0, x0, y1, x1], width));
            }
            to_pixels(&ink)
        }
        Outlier::ShiftedDigit => {
            let image = data.image(digit(rng));
            let amount = 12 + rng.index(5) as isize;
            let sign = |rng: &mut RunRng| if rng.index(2) == 0 { -1 } else { 1 };
            let (dy, dx) = match rng.index(3) {
                0 => (amount * sign(rng), 0),
                1 => (0, amount * sign(rng)),
                _ => (amount * sign(rng), amount * sign(rng)),
            };
            crate::classifier::shift(image, dy, dx).collect()
        }
        Outlier::CutUpDigit => {
            let image = data.image(digit(rng));
            // Quadrant q of the output comes from quadrant (q + k) % 4 of the digit, k in 1..4.
            let k = 1 + rng.index(3);
            let mut out = vec![-1f32; IMAGE_PIXELS];
            for (q, value) in out.iter_mut().enumerate() {
                let (y, x) = (q / 28, q % 28);
                let quadrant = (y / 14) * 2 + x / 14;
                let from = (quadrant + k) % 4;
                let (sy, sx) = ((from / 2) * 14 + y % 14, (from % 2) * 14 + x % 14);
                *value = image[sy * 28 + sx];
            }
            out
        }
        Outlier::EarlyGenerator => {
            let count = early.len() / IMAGE_PIXELS;
            if count == 0 {
                return rng.uniform(IMAGE_PIXELS, 1.0);
            }
            let i = rng.index(count);
            early[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS].to_vec()
        }
    }
}

/// Ink in [0, 1] at each pixel centre, accumulated (capped at 1).
fn paint(ink: &mut [f32], f: impl Fn(f32, f32) -> f32) {
    for (i, v) in ink.iter_mut().enumerate() {
        let (y, x) = ((i / 28) as f32 + 0.5, (i % 28) as f32 + 0.5);
        *v = (*v + f(y, x)).min(1.0);
    }
}

/// Ink of a straight stroke from (y0, x0) to (y1, x1) of the given half-width, soft-edged.
fn stroke(y: f32, x: f32, [y0, x0, y1, x1]: [f32; 4], width: f32) -> f32 {
    let (dy, dx) = (y1 - y0, x1 - x0);
    let length2 = (dy * dy + dx * dx).max(1e-6);
    let t = (((y - y0) * dy + (x - x0) * dx) / length2).clamp(0.0, 1.0);
    let d = ((y - y0 - t * dy).powi(2) + (x - x0 - t * dx).powi(2)).sqrt();
    (1.0 - (d - width).max(0.0)).clamp(0.0, 1.0)
}

/// Ink in [0, 1] to pixels in [-1, 1].
fn to_pixels(ink: &[f32]) -> Vec<f32> {
    ink.iter().map(|v| v * 2.0 - 1.0).collect()
}

/// Images of untrained generators (both architectures, with and without batch norm, several
/// seeds): what the GAN draws before it has learned anything. Read back asynchronously.
pub async fn early_generator_images(
    per_generator: usize,
    device: &Device,
) -> Result<Vec<f32>, ExecutionError> {
    let mut images = Vec::new();
    for seed in 1000..1004u64 {
        for model in [ModelConfig::new(), ModelConfig::dcgan()] {
            for batch_norm in [true, false] {
                let model = model.clone().with_batch_norm(batch_norm);
                let (generator, _) = model.init(device, seed);
                let latent = evaluation_noise(&model, seed, per_generator, device);
                let data = generator.sample(&latent).into_data_async().await?;
                images.extend(data.iter::<f32>());
            }
        }
    }
    Ok(images)
}

/// A seeded stream of outliers, each kind in turn.
pub struct OutlierSampler {
    rng: RunRng,
    next: usize,
}

impl OutlierSampler {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: RunRng::new(seed, Stream::ClassifierOutliers),
            next: 0,
        }
    }

    /// `n` outliers, one kind after the other: [n * 784].
    pub fn batch(&mut self, n: usize, data: &Mnist, early: &[f32]) -> Vec<f32> {
        let mut pixels = Vec::with_capacity(n * IMAGE_PIXELS);
        for _ in 0..n {
            let kind = KINDS[self.next % KINDS.len()];
            self.next += 1;
            pixels.extend(outlier(kind, &mut self.rng, data, early));
        }
        pixels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mnist() -> Mnist {
        Mnist::from_idx_gz(
            include_bytes!("../../../www/data/mnist-10k-images-idx3-ubyte.gz"),
            include_bytes!("../../../www/data/mnist-10k-labels-idx1-ubyte.gz"),
        )
        .expect("the committed data set decodes")
    }

    #[test]
    fn every_kind_is_a_valid_image_and_differs_from_its_source() {
        let data = mnist();
        let early = vec![0.5f32; 2 * IMAGE_PIXELS];
        let mut rng = RunRng::new(1, Stream::ClassifierOutliers);
        for kind in KINDS {
            for _ in 0..20 {
                let image = outlier(kind, &mut rng, &data, &early);
                assert_eq!(image.len(), IMAGE_PIXELS, "{kind:?}");
                assert!(image.iter().all(|p| (-1.0..=1.0).contains(p)), "{kind:?}");
                let distinct = data
                    .train_indices()
                    .all(|i| data.image(i) != image.as_slice());
                assert!(distinct, "{kind:?} returned a training digit unchanged");
            }
        }
        // The sampler cycles through the kinds and is seeded.
        let a = OutlierSampler::new(3).batch(16, &data, &early);
        assert_eq!(a, OutlierSampler::new(3).batch(16, &data, &early));
        assert_eq!(a.len(), 16 * IMAGE_PIXELS);
    }
}
