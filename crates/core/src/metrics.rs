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

use burn::prelude::*;
use burn::tensor::activation::softmax;
use burn::tensor::{ExecutionError, Transaction};

use crate::checkpoint::{CheckpointError, GanvasFile, f32_bytes, f32_values};
use crate::classifier::{Classifier, ClassifierConfig, ClassifierTraining};
use crate::data::Mnist;
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

/// A Gaussian fitted to feature vectors: mean and (unbiased) covariance, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Gaussian {
    pub mean: Vec<f64>,
    pub cov: Vec<f64>,
}

impl Gaussian {
    /// Fits rows of `dim` features (`features.len() = n * dim`, n >= 2).
    pub fn fit(features: &[f32], dim: usize) -> Self {
        let n = features.len() / dim;
        let mut mean = vec![0f64; dim];
        for row in features.chunks_exact(dim) {
            for (m, &x) in mean.iter_mut().zip(row) {
                *m += x as f64 / n as f64;
            }
        }
        let mut cov = vec![0f64; dim * dim];
        let mut centred = vec![0f64; dim];
        for row in features.chunks_exact(dim) {
            for ((c, &x), m) in centred.iter_mut().zip(row).zip(&mean) {
                *c = x as f64 - m;
            }
            for i in 0..dim {
                for j in i..dim {
                    cov[i * dim + j] += centred[i] * centred[j];
                }
            }
        }
        let denom = (n.max(2) - 1) as f64;
        for i in 0..dim {
            for j in i..dim {
                let v = cov[i * dim + j] / denom;
                cov[i * dim + j] = v;
                cov[j * dim + i] = v;
            }
        }
        Self { mean, cov }
    }

    pub fn dim(&self) -> usize {
        self.mean.len()
    }
}

/// ||m1 - m2||^2 + tr(C1 + C2 - 2 (C1 C2)^(1/2)), with tr (C1 C2)^(1/2) computed as
/// tr (C1^(1/2) C2 C1^(1/2))^(1/2), a symmetric positive semi-definite form.
pub fn frechet_distance(a: &Gaussian, b: &Gaussian) -> f64 {
    let n = a.dim();
    assert_eq!(n, b.dim(), "Gaussians of different dimensions");
    let mean_term: f64 = a
        .mean
        .iter()
        .zip(&b.mean)
        .map(|(x, y)| (x - y).powi(2))
        .sum();
    let trace = |m: &[f64]| (0..n).map(|i| m[i * n + i]).sum::<f64>();
    let sqrt_a = sym_sqrt(&a.cov, n);
    let inner = matmul(&matmul(&sqrt_a, &b.cov, n), &sqrt_a, n);
    let (values, _) = sym_eigen(&inner, n);
    let tr_sqrt: f64 = values.iter().map(|v| v.max(0.0).sqrt()).sum();
    (mean_term + trace(&a.cov) + trace(&b.cov) - 2.0 * tr_sqrt).max(0.0)
}

fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0f64; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            for j in 0..n {
                out[i * n + j] += aik * b[k * n + j];
            }
        }
    }
    out
}

/// Square root of a symmetric positive semi-definite matrix (negative eigenvalues clamped to 0).
fn sym_sqrt(m: &[f64], n: usize) -> Vec<f64> {
    let (values, vectors) = sym_eigen(m, n);
    let mut out = vec![0f64; n * n];
    for (k, v) in values.iter().enumerate() {
        let s = v.max(0.0).sqrt();
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] += s * vectors[i * n + k] * vectors[j * n + k];
            }
        }
    }
    out
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix, by cyclic Jacobi rotations.
fn sym_eigen(m: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = m.to_vec();
    let mut v = vec![0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = a
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j].powi(2))
            .sum::<f64>()
            .sqrt();
        if off <= 1e-14 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[p * n + k];
                    let aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
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

/// The reference statistics of the real data, shipped with the classifier.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// Features of the 1,000 held-out real digits.
    pub heldout: Gaussian,
    /// Median L2 distance (pixels in [-1, 1]) from a held-out digit to its nearest training digit.
    pub heldout_nn_median: f64,
}

/// The shipped classifier and what was measured when it was trained.
#[derive(Clone, Debug)]
pub struct ClassifierFile {
    pub config: ClassifierConfig,
    pub training: ClassifierTraining,
    pub heldout_accuracy: f64,
    pub reference: Reference,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ClassifierMeta {
    config: ClassifierConfig,
    training: ClassifierTraining,
    heldout_accuracy: f64,
    heldout_nn_median: f64,
}

pub const CLASSIFIER_KIND: &str = "classifier";

impl ClassifierFile {
    pub async fn encode(&self, classifier: &Classifier) -> Result<Vec<u8>, CheckpointError> {
        let meta = ClassifierMeta {
            config: self.config.clone(),
            training: self.training.clone(),
            heldout_accuracy: self.heldout_accuracy,
            heldout_nn_median: self.reference.heldout_nn_median,
        };
        let stats: Vec<f32> = self
            .reference
            .heldout
            .mean
            .iter()
            .chain(&self.reference.heldout.cov)
            .map(|&x| x as f32)
            .collect();
        Ok(GanvasFile {
            kind: CLASSIFIER_KIND.into(),
            meta: serde_json::to_string(&meta).expect("the meta serialises"),
            sections: vec![
                (
                    "classifier".into(),
                    crate::checkpoint::module_bytes(classifier).await?,
                ),
                ("heldout_features".into(), f32_bytes(&stats)),
            ],
        }
        .encode())
    }

    /// Decodes a classifier file into its description and the network on `device`.
    pub fn decode(bytes: &[u8], device: &Device) -> Result<(Self, Classifier), CheckpointError> {
        let file = GanvasFile::decode_kind(bytes, CLASSIFIER_KIND)?;
        let meta: ClassifierMeta = serde_json::from_str(&file.meta)
            .map_err(|e| CheckpointError::BadMeta(e.to_string()))?;
        let dim = meta.config.features;
        let stats = f32_values(file.section("heldout_features")?)
            .filter(|s| s.len() == dim + dim * dim)
            .ok_or_else(|| {
                CheckpointError::WrongArchitecture(format!(
                    "held-out statistics are not {dim} + {dim}x{dim} values"
                ))
            })?;
        let classifier = crate::checkpoint::load_module(
            meta.config.init(device, 0),
            file.section("classifier")?,
        )?;
        let heldout = Gaussian {
            mean: stats[..dim].iter().map(|&x| x as f64).collect(),
            cov: stats[dim..].iter().map(|&x| x as f64).collect(),
        };
        Ok((
            Self {
                config: meta.config,
                training: meta.training,
                heldout_accuracy: meta.heldout_accuracy,
                reference: Reference {
                    heldout,
                    heldout_nn_median: meta.heldout_nn_median,
                },
            },
            classifier,
        ))
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

/// Held-out digits whose mean pairwise distance is the reference for [`Metrics::diversity`].
const DIVERSITY_REFERENCE: usize = 300;

/// One training digit near a sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Neighbour {
    /// Index into the data set (a training digit).
    pub index: usize,
    pub distance: f64,
    pub ratio: f64,
    pub verdict: Verdict,
}

/// The classifier and the training set, on the device, ready to measure samples.
pub struct Evaluator {
    pub classifier: Classifier,
    pub reference: Reference,
    /// [9000, 784]: the training digits.
    train: Tensor<2>,
    /// [1, 9000]: their squared norms.
    train_sq: Tensor<2>,
    /// Mean pairwise distance of the first held-out digits (see [`Metrics::diversity`]).
    real_diversity: f64,
}

/// Rows of samples per distance block: bounds the [rows, 9000] distance matrix.
const DISTANCE_ROWS: usize = 256;

impl Evaluator {
    pub fn new(
        classifier: Classifier,
        reference: Reference,
        data: &Mnist,
        device: &Device,
    ) -> Self {
        let indices: Vec<usize> = data.train_indices().collect();
        let train = Tensor::<2>::from_data(
            TensorData::new(data.gather(&indices), [indices.len(), IMAGE_PIXELS]),
            device,
        );
        let train_sq = train.clone().powi_scalar(2).sum_dim(1).transpose(); // [1, 9000]
        let heldout: Vec<usize> = data.heldout_indices().take(DIVERSITY_REFERENCE).collect();
        Self {
            classifier,
            reference,
            train,
            train_sq,
            real_diversity: mean_pairwise_distance(&data.gather(&heldout)),
        }
    }

    /// Squared distances from `images` [n, 784] to every training digit: [n, 9000], on the device.
    fn squared_distances(&self, images: Tensor<2>) -> Tensor<2> {
        let images_sq = images.clone().powi_scalar(2).sum_dim(1); // [n, 1]
        let cross = images.matmul(self.train.clone().transpose()); // [n, 9000]
        (images_sq + self.train_sq.clone() - cross * 2.0).clamp_min(0.0)
    }

    /// The nearest training digit of each image: (index into the training split, distance).
    /// The distance is recomputed exactly on the host, so a training digit is at distance 0.
    pub async fn nearest(
        &self,
        images: Tensor<2>,
        data: &Mnist,
    ) -> Result<Vec<(usize, f64)>, ExecutionError> {
        Ok(self.nearest_and_pixels(images, data).await?.0)
    }

    /// [`Self::nearest`], and the images' pixels as read back for it.
    async fn nearest_and_pixels(
        &self,
        images: Tensor<2>,
        data: &Mnist,
    ) -> Result<(Vec<(usize, f64)>, Vec<f32>), ExecutionError> {
        let n = images.dims()[0];
        let mut out = Vec::with_capacity(n);
        let mut all = Vec::with_capacity(n * IMAGE_PIXELS);
        for start in (0..n).step_by(DISTANCE_ROWS) {
            let rows = images
                .clone()
                .narrow(0, start, DISTANCE_ROWS.min(n - start));
            let nearest = self.squared_distances(rows.clone()).argmin(1); // [rows, 1]
            let [index, pixels] =
                read2(Transaction::default().register(nearest).register(rows)).await?;
            let index: Vec<i64> = index.convert::<i64>().iter::<i64>().collect();
            let pixels: Vec<f32> = floats(pixels);
            let train_start = data.train_indices().start;
            for (row, &i) in pixels.chunks_exact(IMAGE_PIXELS).zip(&index) {
                let index = train_start + i as usize;
                out.push((index, l2(row, data.image(index))));
            }
            all.extend(pixels);
        }
        Ok((out, all))
    }

    /// The `k` training digits nearest to one image [1, 784] (or [784]), nearest first.
    /// Returns the image's pixels as read back with them, so a caller need not read it again.
    pub async fn neighbours(
        &self,
        image: Tensor<2>,
        k: usize,
        data: &Mnist,
    ) -> Result<(Vec<f32>, Vec<Neighbour>), ExecutionError> {
        let [squared, pixels] = read2(
            Transaction::default()
                .register(self.squared_distances(image.clone()))
                .register(image),
        )
        .await?;
        let (squared, pixels) = (floats(squared), floats(pixels));
        let mut order: Vec<usize> = (0..squared.len()).collect();
        order.sort_by(|&a, &b| squared[a].total_cmp(&squared[b]));
        // The device's distances choose a short list; exact host distances order it.
        let train_start = data.train_indices().start;
        let mut near: Vec<(usize, f64)> = order
            .iter()
            .take(k + 8)
            .map(|&i| (train_start + i, l2(&pixels, data.image(train_start + i))))
            .collect();
        near.sort_by(|a, b| a.1.total_cmp(&b.1));
        let neighbours = near
            .into_iter()
            .take(k)
            .map(|(index, distance)| {
                let ratio = self.copy_ratio(distance);
                Neighbour {
                    index,
                    distance,
                    ratio,
                    verdict: Verdict::of(ratio),
                }
            })
            .collect();
        Ok((pixels, neighbours))
    }

    /// A nearest-training-digit distance relative to the held-out digits' median one.
    fn copy_ratio(&self, distance: f64) -> f64 {
        distance / self.reference.heldout_nn_median
    }

    /// Classifier probabilities [n, 10] and features [n, 64] of `images`, read back in blocks.
    pub async fn classify(
        &self,
        images: Tensor<2>,
    ) -> Result<(Vec<f32>, Vec<f32>), ExecutionError> {
        let n = images.dims()[0];
        let (mut probs, mut features) = (Vec::new(), Vec::new());
        for start in (0..n).step_by(500) {
            let block = images.clone().narrow(0, start, 500.min(n - start));
            let out = self.classifier.forward(block);
            let [p, f] = read2(
                Transaction::default()
                    .register(softmax(out.logits, 1))
                    .register(out.features),
            )
            .await?;
            probs.extend(floats(p));
            features.extend(floats(f));
        }
        Ok((probs, features))
    }

    /// All metrics for `images` [n, 784] in [-1, 1] (n >= 2).
    pub async fn evaluate(
        &self,
        images: Tensor<2>,
        data: &Mnist,
    ) -> Result<Metrics, ExecutionError> {
        let n = images.dims()[0];
        let (probs, features) = self.classify(images.clone()).await?;
        let (nearest, pixels) = self.nearest_and_pixels(images, data).await?;
        let dim = self.reference.heldout.dim();
        let mut ratios: Vec<f64> = nearest.iter().map(|&(_, d)| self.copy_ratio(d)).collect();
        ratios.sort_by(f64::total_cmp);
        Ok(Metrics {
            samples: n,
            classifier_score: classifier_score(&probs, CLASSES),
            fid: frechet_distance(&Gaussian::fit(&features, dim), &self.reference.heldout),
            coverage: coverage(&probs),
            copy_rate: ratios.iter().filter(|&&r| r < COPY_RATIO).count() as f64 / n as f64,
            median_copy_ratio: median(&ratios),
            diversity: mean_pairwise_distance(&pixels) / self.real_diversity,
            predicted: probs
                .chunks_exact(CLASSES)
                .map(|row| most_likely(row).0 as u8)
                .collect(),
        })
    }
}

/// Computes the reference statistics of the real data with `classifier` (what the classifier
/// file ships; a test checks the shipped numbers against this).
pub async fn reference(
    classifier: &Classifier,
    data: &Mnist,
    device: &Device,
) -> Result<Reference, ExecutionError> {
    let evaluator = Evaluator::new(
        classifier.clone(),
        Reference {
            heldout: Gaussian {
                mean: vec![],
                cov: vec![],
            },
            heldout_nn_median: 1.0,
        },
        data,
        device,
    );
    let indices: Vec<usize> = data.heldout_indices().collect();
    let images = Tensor::<2>::from_data(
        TensorData::new(data.gather(&indices), [indices.len(), IMAGE_PIXELS]),
        device,
    );
    let (_, features) = evaluator.classify(images.clone()).await?;
    let mut distances: Vec<f64> = evaluator
        .nearest(images, data)
        .await?
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    distances.sort_by(f64::total_cmp);
    let dim = features.len() / indices.len();
    Ok(Reference {
        heldout: Gaussian::fit(&features, dim),
        heldout_nn_median: median(&distances),
    })
}

/// Runs a transaction of two tensors. CPU-GPU sync point, asynchronous.
async fn read2(transaction: Transaction) -> Result<[TensorData; 2], ExecutionError> {
    let data = transaction.execute_async().await?;
    Ok(data.try_into().expect("two tensors were registered"))
}

fn floats(data: TensorData) -> Vec<f32> {
    data.convert::<f32>().iter::<f32>().collect()
}

fn l2(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| ((x - y) as f64).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Median of sorted values.
fn median(sorted: &[f64]) -> f64 {
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
    fn frechet_distance_known_answers() {
        // Diagonal Gaussians: FD = |m1-m2|^2 + sum (sqrt(s1) - sqrt(s2))^2.
        let a = Gaussian {
            mean: vec![0.0, 1.0],
            cov: vec![4.0, 0.0, 0.0, 1.0],
        };
        let b = Gaussian {
            mean: vec![3.0, 1.0],
            cov: vec![1.0, 0.0, 0.0, 9.0],
        };
        let expected = 9.0 + (2.0f64 - 1.0).powi(2) + (1.0f64 - 3.0).powi(2);
        assert!((frechet_distance(&a, &b) - expected).abs() < 1e-9);
        assert!(frechet_distance(&a, &a).abs() < 1e-9);

        // A rotated (non-diagonal) covariance against itself.
        let c = Gaussian {
            mean: vec![1.0, 2.0, 3.0],
            cov: vec![2.0, 0.5, 0.1, 0.5, 1.0, 0.3, 0.1, 0.3, 3.0],
        };
        assert!(frechet_distance(&c, &c).abs() < 1e-8);
    }

    #[test]
    fn gaussian_fit_and_eigen() {
        let g = Gaussian::fit(&[1.0, 2.0, 3.0, 6.0], 2);
        assert_eq!(g.mean, vec![2.0, 4.0]);
        assert_eq!(g.cov, vec![2.0, 4.0, 4.0, 8.0]);
        let (mut values, _) = sym_eigen(&[2.0, 1.0, 1.0, 2.0], 2);
        values.sort_by(f64::total_cmp);
        assert!((values[0] - 1.0).abs() < 1e-12 && (values[1] - 3.0).abs() < 1e-12);
        let root = sym_sqrt(&[4.0, 0.0, 0.0, 9.0], 2);
        assert!((root[0] - 2.0).abs() < 1e-12 && (root[3] - 3.0).abs() < 1e-12);
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
