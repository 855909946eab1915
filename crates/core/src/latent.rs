//! The search for the z whose image G(z) best matches a drawing ("find it in the GAN"). (The walk
//! between two noise vectors is drawn by the page, web/explore.js.)

use burn::prelude::*;
use burn::tensor::{ExecutionError, Transaction};

use crate::adam::Adam;
use crate::model::{Generator, IMAGE_PIXELS, Latent, one_hot};
use crate::rng::RunRng;

/// Gradient descent on z so that G(z) matches a target image. Several starting points are
/// optimised at once (one batch); the best one is reported. Adam on z, with G's weights frozen.
pub struct LatentSearch {
    /// [candidates, latent]
    z: Tensor<2>,
    /// Adam on z (the training step's Adam, with its usual betas for a plain optimisation).
    adam: Adam,
    /// [1, 784], broadcast over the candidates.
    target: Tensor<2>,
    labels: Option<Tensor<2>>,
    /// Adam steps taken.
    pub steps: usize,
    lr: f64,
}

/// Where the search stands: the best candidate's image and its distance to the target.
pub struct SearchResult {
    pub steps: usize,
    /// L2 distance in pixels scaled to [-1, 1], the same units as the copy check.
    pub distance: f64,
    pub image: Vec<f32>,
    pub z: Vec<f32>,
}

impl LatentSearch {
    /// `target`: 784 pixels in [-1, 1]. `label`: the class asked of a conditional generator.
    pub fn new(
        target: &[f32],
        label: Option<u8>,
        candidates: usize,
        latent: usize,
        rng: &mut RunRng,
        device: &Device,
    ) -> Self {
        let z = Tensor::from_data(
            TensorData::new(rng.normal(candidates * latent), [candidates, latent]),
            device,
        );
        Self {
            adam: Adam::new(0.9, 0.999, 1e-8),
            z,
            target: Tensor::from_data(TensorData::new(target.to_vec(), [1, IMAGE_PIXELS]), device),
            labels: label.map(|l| one_hot(&vec![l; candidates], device)),
            steps: 0,
            lr: 0.05,
        }
    }

    /// `n` Adam steps on the mean squared pixel error, through `generator` (its weights are not
    /// changed: only z moves). Queues work on the device; nothing is read back.
    pub fn run(&mut self, generator: &Generator, n_steps: usize) {
        let generator = generator.clone().no_grad();
        let dims = self.z.dims();
        let n = dims.iter().product::<usize>();
        for _ in 0..n_steps {
            let z = self.z.clone().detach().require_grad();
            let latent = Latent {
                z: z.clone(),
                labels: self.labels.clone(),
            };
            let image = generator.sample(&latent); // [candidates, 784]
            let loss = (image - self.target.clone()).powi_scalar(2).mean();
            let grads = loss.backward();
            let Some(g) = z.grad(&grads) else { return };
            self.steps += 1;
            let value = self.z.clone().detach().inner().reshape([n]);
            let moved = self.adam.update("z", value, g.reshape([n]), self.lr);
            self.z = Tensor::from_inner(moved.reshape(dims));
        }
    }

    /// The candidates' images now, to read back with [`SearchSnapshot::read`] (the split lets a
    /// caller release its hold on the search before awaiting).
    pub fn snapshot(&self, generator: &Generator) -> SearchSnapshot {
        let latent = Latent {
            z: self.z.clone().detach(),
            labels: self.labels.clone(),
        };
        SearchSnapshot {
            images: generator.sample(&latent).detach(),
            z: latent.z,
            target: self.target.clone(),
            steps: self.steps,
        }
    }
}

/// A search's candidates at one moment, still on the device.
pub struct SearchSnapshot {
    images: Tensor<2>,
    z: Tensor<2>,
    target: Tensor<2>,
    steps: usize,
}

impl SearchSnapshot {
    /// Reads back the best candidate. CPU-GPU sync point.
    pub async fn read(self) -> Result<SearchResult, ExecutionError> {
        let data = Transaction::default()
            .register(self.images.inner())
            .register(self.z.inner())
            .register(self.target.inner())
            .execute_async()
            .await?;
        let mut rows = data
            .into_iter()
            .map(|d| d.try_to_vec::<f32>().unwrap_or_default());
        let (pixels, z, target) = (
            rows.next().unwrap_or_default(),
            rows.next().unwrap_or_default(),
            rows.next().unwrap_or_default(),
        );
        let candidates = pixels.len() / IMAGE_PIXELS;
        let latent_dim = z.len() / candidates.max(1);
        let (best, distance) = pixels
            .chunks_exact(IMAGE_PIXELS)
            .map(|row| {
                row.iter()
                    .zip(&target)
                    .map(|(a, b)| f64::from(a - b).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, f64::NAN));
        Ok(SearchResult {
            steps: self.steps,
            distance,
            image: pixels
                .get(best * IMAGE_PIXELS..(best + 1) * IMAGE_PIXELS)
                .unwrap_or_default()
                .to_vec(),
            z: z.get(best * latent_dim..(best + 1) * latent_dim)
                .unwrap_or_default()
                .to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;
    use crate::rng::Stream;

    #[test]
    fn search_finds_an_image_the_generator_can_draw() {
        let device = Device::flex().autodiff();
        let (generator, _) = ModelConfig::new().with_latent_dim(8).init(&device, 2);
        // A target G can draw exactly: G of a z the search does not start from.
        let z = RunRng::new(9, Stream::Noise).normal(8);
        let latent = Latent {
            z: Tensor::from_data(TensorData::new(z, [1, 8]), &device),
            labels: None,
        };
        let target: Vec<f32> = generator.sample(&latent).into_data().try_to_vec().unwrap();
        let mut rng = RunRng::new(1, Stream::Evaluation);
        let mut search = LatentSearch::new(&target, None, 4, 8, &mut rng, &device);
        let start = pollster::block_on(search.snapshot(&generator).read())
            .unwrap()
            .distance;
        search.run(&generator, 150);
        let end = pollster::block_on(search.snapshot(&generator).read()).unwrap();
        assert_eq!(end.steps, 150);
        assert_eq!(end.image.len(), IMAGE_PIXELS);
        assert!(
            end.distance < 0.5 * start,
            "distance {start} -> {}",
            end.distance
        );
    }
}
