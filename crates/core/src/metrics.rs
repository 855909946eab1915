//! Is it learning, is it copying? The sample-quality metrics, one implementation for the CLI and the
//! page. The networks run on the device; what is left (a few thousand numbers) is reduced on the host.
//!
//! - **Classifier score**: exp(E_x KL(p(y|x) || p(y))) with the shipped classifier, from 1 (every
//!   sample the same class, or every prediction unsure) to 10 (confident and evenly spread).
//! - **FID-MNIST**: the Fréchet distance between Gaussians fitted to the classifier's 64 penultimate
//!   features of the samples and of the 1,000 held-out real digits.
//! - **Coverage**: the histogram of confident predictions (max probability >= [`CONFIDENCE`]), the
//!   number of digits with at least [`COVERED_SHARE`] of all samples, and KL(histogram || uniform).
//! - **Copy check**: each sample's L2 distance to its nearest training digit, divided by the median
//!   nearest-training-digit distance of the held-out real digits.
//!
//! This file holds the statistics, computed on the host; `evaluator.rs` measures samples on the
//! device with the classifier, whose file (with the real data's reference statistics) is
//! `classifier_file.rs`.

pub use crate::fid::{Gaussian, frechet_distance};
use crate::model::IMAGE_PIXELS;

/// Digits in MNIST.
pub const CLASSES: usize = 10;
/// A prediction counts towards coverage only if the classifier gives it at least this probability.
pub const CONFIDENCE: f32 = 0.9;
/// A digit is "covered" if at least this share of all samples is confidently predicted as it.
pub const COVERED_SHARE: f64 = 0.05;
/// A sample whose copy ratio is below this is a copy of its nearest training digit. Measured on
/// the shipped data: 0.3% of the real held-out digits fall below it (all of them 1s, which are
/// naturally close to other 1s); 1% fall below 0.35, 10% below 0.59.
pub const COPY_RATIO: f64 = 0.3;
/// Below this (and above [`COPY_RATIO`]) a sample is close to a training digit (7% of the real
/// held-out digits are).
pub const CLOSE_RATIO: f64 = 0.5;

/// exp(E_x KL(p(y|x) || p(y))) for rows of class probabilities (`probs.len() = n * classes`).
pub fn classifier_score(probs: &[f32], classes: usize) -> f64 {
    let n = probs.len() / classes;
    if n == 0 {
        return f64::NAN;
    }
    let mut marginal = vec![0f64; classes];
    for row in probs.chunks_exact(classes) {
        for (m, &p) in marginal.iter_mut().zip(row) {
            *m += p as f64 / n as f64;
        }
    }
    let mut kl_sum = 0f64;
    for row in probs.chunks_exact(classes) {
        for (&p, &m) in row.iter().zip(&marginal) {
            let p = p as f64;
            if p > 0.0 {
                kl_sum += p * (p / m).ln();
            }
        }
    }
    (kl_sum / n as f64).exp()
}

/// Which digits the samples are: see the module docs.
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    /// Confident predictions per digit.
    pub histogram: [u32; CLASSES],
    /// Samples in all (confident or not).
    pub samples: u32,
    /// Digits with at least [`COVERED_SHARE`] of all samples.
    pub digits_covered: u32,
    /// KL(normalised histogram || uniform), in nats: 0 when even, ln 10 = 2.30 when one digit
    /// (or when no prediction is confident).
    pub kl_from_uniform: f64,
}

/// The most likely class of one row of probabilities and its probability (the first, on a tie).
pub fn most_likely(row: &[f32]) -> (usize, f32) {
    row.iter()
        .enumerate()
        .fold((0, f32::MIN), |a, (i, &p)| if p > a.1 { (i, p) } else { a })
}

pub fn coverage(probs: &[f32]) -> Coverage {
    let mut histogram = [0u32; CLASSES];
    let mut samples = 0u32;
    for row in probs.chunks_exact(CLASSES) {
        samples += 1;
        let (best, p) = most_likely(row);
        if p >= CONFIDENCE {
            histogram[best] += 1;
        }
    }
    let confident: u32 = histogram.iter().sum();
    let digits_covered = histogram
        .iter()
        .filter(|&&c| samples > 0 && c as f64 >= COVERED_SHARE * samples as f64)
        .count() as u32;
    let kl_from_uniform = if confident == 0 {
        (CLASSES as f64).ln()
    } else {
        histogram
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| {
                let q = c as f64 / confident as f64;
                q * (q * CLASSES as f64).ln()
            })
            .sum()
    };
    Coverage {
        histogram,
        samples,
        digits_covered,
        kl_from_uniform,
    }
}

/// Verdict of the copy check for one sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Novel,
    Close,
    Copy,
}

impl Verdict {
    pub fn of(ratio: f64) -> Self {
        if ratio < COPY_RATIO {
            Verdict::Copy
        } else if ratio < CLOSE_RATIO {
            Verdict::Close
        } else {
            Verdict::Novel
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Verdict::Novel => "novel",
            Verdict::Close => "close to a training digit",
            Verdict::Copy => "copy",
        }
    }
}

/// The metrics of one batch of samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    pub samples: usize,
    pub classifier_score: f64,
    pub fid: f64,
    pub coverage: Coverage,
    /// Share of samples whose copy ratio is below [`COPY_RATIO`].
    pub copy_rate: f64,
    /// Median over samples of (nearest-training-digit distance / the held-out median).
    pub median_copy_ratio: f64,
    /// Mean distance between two samples, relative to the same for real held-out digits: about 1
    /// for varied samples, near 0 when the generator draws the same image again and again.
    pub diversity: f64,
    /// The class the classifier finds most likely for each sample, sure or not.
    pub predicted: Vec<u8>,
}

impl Metrics {
    /// The share of samples predicted as the class `asked(i)` that sample i was asked for (a
    /// conditional generator's evaluation noise asks sample i for digit i % 10).
    pub fn agreement(&self, asked: impl Fn(usize) -> u8) -> f64 {
        let hits = self
            .predicted
            .iter()
            .enumerate()
            .filter(|&(i, &p)| p == asked(i))
            .count();
        hits as f64 / self.predicted.len().max(1) as f64
    }
}

/// Mean L2 distance over all pairs of the 784-pixel `images` (0 for fewer than two).
pub fn mean_pairwise_distance(images: &[f32]) -> f64 {
    let rows: Vec<&[f32]> = images.chunks_exact(IMAGE_PIXELS).collect();
    let (mut sum, mut pairs) = (0.0, 0u64);
    for (i, a) in rows.iter().enumerate() {
        for b in &rows[i + 1..] {
            sum += l2(a, b);
            pairs += 1;
        }
    }
    if pairs == 0 { 0.0 } else { sum / pairs as f64 }
}

pub(crate) fn l2(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| ((x - y) as f64).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Median of sorted values.
pub(crate) fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_hot(classes: &[usize]) -> Vec<f32> {
        classes
            .iter()
            .flat_map(|&c| (0..CLASSES).map(move |k| if k == c { 1.0 } else { 0.0 }))
            .collect()
    }

    #[test]
    fn classifier_score_known_answers() {
        let even: Vec<usize> = (0..100).map(|i| i % 10).collect();
        assert!((classifier_score(&one_hot(&even), 10) - 10.0).abs() < 1e-9);
        assert!((classifier_score(&one_hot(&[3; 50]), 10) - 1.0).abs() < 1e-9);
        // Unsure predictions carry no information: score 1.
        assert!((classifier_score(&[0.1; 10 * 7], 10) - 1.0).abs() < 1e-9);
        // Two classes, confident and even: score 2.
        let two: Vec<usize> = (0..40).map(|i| i % 2).collect();
        assert!((classifier_score(&one_hot(&two), 10) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn coverage_known_answers() {
        let even: Vec<usize> = (0..100).map(|i| i % 10).collect();
        let c = coverage(&one_hot(&even));
        assert_eq!(c.histogram, [10; 10]);
        assert_eq!(c.digits_covered, 10);
        assert!(c.kl_from_uniform.abs() < 1e-12);

        let single = coverage(&one_hot(&[7; 30]));
        assert_eq!(single.digits_covered, 1);
        assert_eq!(single.histogram[7], 30);
        assert!((single.kl_from_uniform - 10f64.ln()).abs() < 1e-12);

        // Unsure predictions are not counted.
        let unsure = coverage(&[0.1; 10 * 5]);
        assert_eq!(unsure.histogram, [0; 10]);
        assert_eq!(unsure.digits_covered, 0);

        // 4 of 100 samples (4%) is under the 5% bar.
        let mut mostly: Vec<usize> = vec![0; 96];
        mostly.extend([1, 1, 1, 1]);
        assert_eq!(coverage(&one_hot(&mostly)).digits_covered, 1);
    }

    #[test]
    fn verdicts() {
        assert_eq!(Verdict::of(0.0), Verdict::Copy);
        assert_eq!(Verdict::of(0.4), Verdict::Close);
        assert_eq!(Verdict::of(1.0), Verdict::Novel);
        assert_eq!(median(&[1.0, 2.0, 10.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0]), 1.5);
    }
}
