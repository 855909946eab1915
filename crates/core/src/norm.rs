//! Batch normalisation in the generator (Ioffe and Szegedy 2015), as the DCGAN paper puts it in every
//! layer of G but its output (Radford et al. 2015), and as MLP GAN recipes do.
//!
//! Which statistics: a training step normalises each batch by its own mean and variance, as usual.
//! Drawing images outside training (the grid, the metrics, the explorer, a step view) normalises
//! them by the statistics of a *reference batch*: the run's fixed grid noise, sent through the
//! network ahead of the images (`Generator::draw`). So an image never depends on the other images
//! drawn with it, a single image can be drawn, and there are no running averages to keep, save,
//! restore or keep in step between backends: a checkpoint holds only gamma and beta.

use burn::module::Param;
use burn::prelude::*;

/// Added to the variance before its square root (PyTorch's and burn's default).
const EPSILON: f64 = 1e-5;

/// Per-channel batch normalisation with a learned scale (gamma) and shift (beta).
#[derive(Module, Debug)]
pub struct BatchNorm {
    gamma: Param<Tensor<1>>,
    beta: Param<Tensor<1>>,
}

impl BatchNorm {
    /// Gamma 1 and beta 0: at the start the layer only standardises.
    pub fn new(channels: usize, device: &Device) -> Self {
        Self {
            gamma: Param::from_tensor(Tensor::ones([channels], device)),
            beta: Param::from_tensor(Tensor::zeros([channels], device)),
        }
    }

    /// `x`: [n, c] or [n, c, h, w]. The mean and variance of each channel are taken over the first
    /// `stats_rows` rows (and every position of a feature map) and applied to all `n` rows.
    pub fn forward<const D: usize>(&self, x: Tensor<D>, stats_rows: usize) -> Tensor<D> {
        let dims = x.dims();
        let stats = x.clone().narrow(0, 0, stats_rows.clamp(1, dims[0])); // [r, c, ...]
        let mean = mean_per_channel(stats.clone()); // [1, c, 1...]
        let var = mean_per_channel((stats - mean.clone()).powi_scalar(2)); // [1, c, 1...]
        let mut shape = [1; D];
        shape[1] = dims[1];
        let gamma = self.gamma.val().reshape(shape); // [1, c, 1...]
        let beta = self.beta.val().reshape(shape); // [1, c, 1...]
        (x - mean) / (var + EPSILON).sqrt() * gamma + beta // [n, c, ...]
    }
}

/// The mean over every dimension but the channels (dimension 1), keeping them. [1, c, 1...]
fn mean_per_channel<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    (0..D).filter(|&d| d != 1).fold(x, |x, d| x.mean_dim(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec().unwrap()
    }

    #[test]
    fn standardises_each_channel_over_the_batch() {
        let device = Device::flex();
        // Two channels: [1, 3] and [10, 30] over two rows.
        let x = Tensor::<2>::from_data(TensorData::new(vec![1f32, 10., 3., 30.], [2, 2]), &device);
        let y = values(BatchNorm::new(2, &device).forward(x, 2));
        // (1 - 2) / sqrt(1 + 1e-5), (10 - 20) / sqrt(100 + 1e-5), ...
        let expect = [-1.0, -1.0, 1.0, 1.0];
        for (a, b) in y.iter().zip(expect) {
            assert!((a - b).abs() < 1e-4, "{y:?}");
        }
    }

    #[test]
    fn reference_rows_set_the_statistics_of_the_rest() {
        let device = Device::flex();
        let norm = BatchNorm::new(1, &device);
        // Reference rows 0 and 2 (mean 1, variance 1); then two images, 5 and 1.
        let x = Tensor::<2>::from_data(TensorData::new(vec![0f32, 2., 5., 1.], [4, 1]), &device);
        let y = values(norm.forward(x, 2));
        assert!((y[2] - 4.0).abs() < 1e-3 && y[3].abs() < 1e-3, "{y:?}");
        // An image's output does not depend on the other images after the reference.
        let alone = Tensor::<2>::from_data(TensorData::new(vec![0f32, 2., 5.], [3, 1]), &device);
        assert_eq!(values(norm.forward(alone, 2))[2], y[2]);
    }

    #[test]
    fn feature_maps_are_normalised_per_channel_over_positions() {
        let device = Device::flex();
        let x = Tensor::<4>::from_data(
            TensorData::new((0..16).map(|v| v as f32).collect::<Vec<_>>(), [2, 2, 2, 2]),
            &device,
        );
        let y = values(BatchNorm::new(2, &device).forward(x, 2));
        for channel in [[0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7, 12, 13, 14, 15]] {
            let v: Vec<f32> = channel.iter().map(|&i| y[i]).collect();
            let mean = v.iter().sum::<f32>() / 8.0;
            let var = v.iter().map(|a| (a - mean).powi(2)).sum::<f32>() / 8.0;
            assert!(mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-3, "{v:?}");
        }
    }
}
