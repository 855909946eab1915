//! The measuring instrument: a small CNN that recognises MNIST digits. The GAN never trains against
//! it; the metrics (classifier score, FID-MNIST, coverage) read its outputs and features.

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{ExecutionError, Int};

use crate::data::{BatchSampler, Mnist};
use crate::model::IMAGE_PIXELS;
use crate::outliers::OutlierSampler;
use crate::rng::{RunRng, Stream};

/// conv3x3(1->c1) ReLU maxpool2 -> conv3x3(c1->c2) ReLU maxpool2 -> linear(c2*7*7 -> features) ReLU
/// -> linear(features -> 10).
#[derive(Config, Debug)]
pub struct ClassifierConfig {
    #[config(default = 16)]
    pub conv1_channels: usize,
    #[config(default = 32)]
    pub conv2_channels: usize,
    /// Size of the penultimate layer: the feature vector FID-MNIST compares.
    #[config(default = 64)]
    pub features: usize,
}

#[derive(Module, Debug)]
pub struct Classifier {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    hidden: Linear,
    output: Linear,
}

/// The classifier's outputs for a batch.
pub struct ClassifierOutput {
    /// [n, features]: the penultimate layer, after its ReLU.
    pub features: Tensor<2>,
    /// [n, 10]: class logits.
    pub logits: Tensor<2>,
}

impl ClassifierConfig {
    /// The classifier with PyTorch-style uniform init drawn from `seed`.
    pub fn init(&self, device: &Device, seed: u64) -> Classifier {
        let mut rng = RunRng::new(seed, Stream::ClassifierInit);
        let mut conv = |c_in: usize, c_out: usize| {
            let mut conv = Conv2dConfig::new([c_in, c_out], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device);
            let bound = 1.0 / ((c_in * 9) as f32).sqrt();
            let weight = TensorData::new(rng.uniform(c_out * c_in * 9, bound), [c_out, c_in, 3, 3]);
            conv.weight = Param::from_data(weight, device);
            conv.bias = Some(Param::from_data(
                TensorData::new(rng.uniform(c_out, bound), [c_out]),
                device,
            ));
            conv
        };
        let conv1 = conv(1, self.conv1_channels);
        let conv2 = conv(self.conv1_channels, self.conv2_channels);
        let flat = self.conv2_channels * 7 * 7;
        let hidden = crate::model::linear(flat, self.features, &mut rng, device);
        let output = crate::model::linear(self.features, 10, &mut rng, device);
        Classifier {
            conv1,
            conv2,
            pool: MaxPool2dConfig::new([2, 2]).init(),
            hidden,
            output,
        }
    }
}

impl Classifier {
    /// `images`: [n, 784] in [-1, 1], as the generator draws them.
    pub fn forward(&self, images: Tensor<2>) -> ClassifierOutput {
        let n = images.dims()[0];
        let x = images.reshape([n, 1, 28, 28]);
        let x = self.pool.forward(relu(self.conv1.forward(x))); // [n, c1, 14, 14]
        let x = self.pool.forward(relu(self.conv2.forward(x))); // [n, c2, 7, 7]
        let x = x.flatten::<2>(1, 3); // [n, c2*49]
        let features = relu(self.hidden.forward(x)); // [n, features]
        let logits = self.output.forward(features.clone()); // [n, 10]
        ClassifierOutput { features, logits }
    }
}

/// How the shipped classifier is trained; `ganvas classifier train` uses these defaults.
#[derive(Config, Debug)]
pub struct ClassifierTraining {
    #[config(default = "ClassifierConfig::new()")]
    pub model: ClassifierConfig,
    /// 30: with outlier exposure, 20 epochs left the held-out digits' score at 9.29 (30: 9.63).
    #[config(default = 30)]
    pub epochs: usize,
    #[config(default = 64)]
    pub batch_size: usize,
    #[config(default = 1e-3)]
    pub lr: f64,
    /// Each training digit is shifted by up to this many pixels (seeded), so the classifier does
    /// not depend on exact centring, which generated digits do not always have.
    #[config(default = 2)]
    pub max_shift: usize,
    /// Non-digits added to each batch (`outliers.rs`), whose target is the uniform prediction:
    /// outlier exposure (Hendrycks et al. 2019).
    #[config(default = 32)]
    pub outliers: usize,
    /// Weight of the outliers' loss (cross-entropy to uniform) beside the digits' loss.
    #[config(default = 0.5)]
    pub outlier_weight: f64,
    #[config(default = 7)]
    pub seed: u64,
}

/// Trains a classifier on `data`'s training split, with `training.outliers` non-digits per batch
/// (`early`: images of untrained generators, `outliers::early_generator_images`).
/// `progress(epoch, mean_loss)` is called after each epoch with the epoch's mean loss, still on
/// the device.
pub fn train_classifier(
    training: &ClassifierTraining,
    data: &Mnist,
    early: &[f32],
    device: &Device,
    mut progress: impl FnMut(usize, Tensor<1>),
) -> Classifier {
    let device = device.clone().autodiff();
    let mut model = training.model.init(&device, training.seed);
    let mut optim: ModuleOptimizer = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let train = data.train_indices();
    let batches_per_epoch = train.len().div_ceil(training.batch_size);
    let mut sampler = BatchSampler::new(train, training.seed);
    let mut shifts = RunRng::new(training.seed, Stream::ClassifierBatches);
    let mut outliers = OutlierSampler::new(training.seed);
    for epoch in 1..=training.epochs {
        let mut loss_sum = Tensor::<1>::zeros([1], &device);
        for _ in 0..batches_per_epoch {
            let indices = sampler.next_batch(training.batch_size);
            let mut pixels = Vec::with_capacity(indices.len() * IMAGE_PIXELS);
            for &i in &indices {
                let span = 2 * training.max_shift + 1;
                let dy = shifts.index(span) as isize - training.max_shift as isize;
                let dx = shifts.index(span) as isize - training.max_shift as isize;
                pixels.extend(shift(data.image(i), dy, dx));
            }
            let labels: Vec<i64> = indices.iter().map(|&i| data.label(i) as i64).collect();
            let (digits, odd) = (indices.len(), training.outliers);
            pixels.extend(outliers.batch(odd, data, early));
            let images = Tensor::from_data(
                TensorData::new(pixels, [digits + odd, IMAGE_PIXELS]),
                &device,
            );
            let targets = Tensor::<1, Int>::from_data(TensorData::new(labels, [digits]), &device);
            let logits = model.forward(images).logits; // [digits + odd, 10]
            let mut loss = loss_fn.forward(logits.clone().narrow(0, 0, digits), targets);
            if odd > 0 {
                // Cross-entropy to the uniform prediction: mean over classes of -log p.
                let uniform = log_softmax(logits.narrow(0, digits, odd), 1).mean().neg();
                loss = loss + uniform * training.outlier_weight;
            }
            loss_sum = loss_sum + loss.clone().detach();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(training.lr, model, grads);
        }
        progress(epoch, loss_sum / batches_per_epoch as f32);
    }
    model.valid()
}

/// A 28x28 image shifted by (dy, dx) pixels, filled with background (-1).
pub(crate) fn shift(image: &[f32], dy: isize, dx: isize) -> impl Iterator<Item = f32> + '_ {
    (0..28isize).flat_map(move |y| {
        (0..28isize).map(move |x| {
            let (sy, sx) = (y - dy, x - dx);
            if (0..28).contains(&sy) && (0..28).contains(&sx) {
                image[(sy * 28 + sx) as usize]
            } else {
                -1.0
            }
        })
    })
}

/// Predicted class of each image, read back asynchronously.
pub async fn predict(
    classifier: &Classifier,
    images: Tensor<2>,
) -> Result<Vec<u8>, ExecutionError> {
    let classes = classifier.forward(images).logits.argmax(1); // [n, 1]
    let data = classes.into_data_async().await?;
    Ok(data
        .convert::<i64>()
        .iter::<i64>()
        .map(|c| c as u8)
        .collect())
}

/// Accuracy of `classifier` on the given digits of `data`, batched to bound memory.
pub async fn accuracy(
    classifier: &Classifier,
    data: &Mnist,
    indices: &[usize],
    device: &Device,
) -> Result<f64, ExecutionError> {
    let mut correct = 0usize;
    for chunk in indices.chunks(500) {
        let images = Tensor::from_data(
            TensorData::new(data.gather(chunk), [chunk.len(), IMAGE_PIXELS]),
            device,
        );
        let predicted = predict(classifier, images).await?;
        correct += chunk
            .iter()
            .zip(&predicted)
            .filter(|(i, p)| data.label(**i) == **p)
            .count();
    }
    Ok(correct as f64 / indices.len().max(1) as f64)
}

/// How far the classifier's confidence can be trusted on real digits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    /// Share of the digits predicted with probability >= `threshold`.
    pub confident_share: f64,
    /// Of those, the share predicted correctly.
    pub confident_accuracy: f64,
    pub threshold: f32,
}

/// The calibration of `classifier` at `threshold` on the given digits of `data`.
pub async fn calibration(
    classifier: &Classifier,
    data: &Mnist,
    indices: &[usize],
    threshold: f32,
    device: &Device,
) -> Result<Calibration, ExecutionError> {
    let (mut confident, mut right) = (0usize, 0usize);
    for chunk in indices.chunks(500) {
        let images = Tensor::from_data(
            TensorData::new(data.gather(chunk), [chunk.len(), IMAGE_PIXELS]),
            device,
        );
        let probs = burn::tensor::activation::softmax(classifier.forward(images).logits, 1);
        let probs: Vec<f32> = probs.into_data_async().await?.iter::<f32>().collect();
        for (&i, row) in chunk.iter().zip(probs.chunks_exact(10)) {
            let (best, p) = crate::metrics::most_likely(row);
            if p >= threshold {
                confident += 1;
                right += usize::from(usize::from(data.label(i)) == best);
            }
        }
    }
    Ok(Calibration {
        confident_share: confident as f64 / indices.len().max(1) as f64,
        confident_accuracy: right as f64 / confident.max(1) as f64,
        threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_shift() {
        let device = Device::flex();
        let classifier = ClassifierConfig::new().init(&device, 1);
        let out = classifier.forward(Tensor::zeros([3, IMAGE_PIXELS], &device));
        assert_eq!(out.features.dims(), [3, 64]);
        assert_eq!(out.logits.dims(), [3, 10]);

        let mut image = vec![-1.0; IMAGE_PIXELS];
        image[5 * 28 + 5] = 1.0;
        let moved: Vec<f32> = shift(&image, 2, -1).collect();
        assert_eq!(moved[7 * 28 + 4], 1.0);
        assert_eq!(moved.iter().filter(|&&p| p == 1.0).count(), 1);
        assert_eq!(shift(&image, 0, 0).collect::<Vec<_>>(), image);
    }
}
