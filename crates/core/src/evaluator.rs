//! Measures samples on the device: the classifier's probabilities and features, and each sample's
//! nearest training digit; the statistics of `metrics.rs` reduce them to the figures.

use burn::prelude::*;
use burn::tensor::activation::softmax;
use burn::tensor::{ExecutionError, Transaction};

use crate::classifier::Classifier;
use crate::classifier_file::Reference;
use crate::data::Mnist;
use crate::metrics::*;
use crate::model::IMAGE_PIXELS;

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
        // A set without a held-out split (the learner's own images) is its own reference.
        let reference_split = if data.heldout_indices().is_empty() {
            data.train_indices()
        } else {
            data.heldout_indices()
        };
        let heldout: Vec<usize> = reference_split.take(DIVERSITY_REFERENCE).collect();
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
