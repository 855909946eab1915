//! The DCGAN-style pair (Radford et al. 2015), scaled down to 28x28 digits: G upsamples a 7x7 map
//! with two stride-2 transposed convolutions, D downsamples with two stride-2 convolutions. As in
//! the paper: no pooling, batch norm and ReLU in G and tanh at its output, LeakyReLU(0.2) in D, 4x4
//! kernels. Batch norm is in G only (`norm.rs` says which statistics it uses); D has none, so its
//! verdict on an image never depends on the rest of the batch.

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Linear, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use crate::activation::leaky_relu;
use crate::model::{IMAGE_PIXELS, linear};
use crate::norm::BatchNorm;
use crate::rng::RunRng;

/// z -> linear -> [c1, 7, 7] -> up 4x4/2 -> [c2, 14, 14] -> up 4x4/2 -> [1, 28, 28], tanh.
#[derive(Module, Debug)]
pub struct DcganGenerator {
    project: Linear,
    up1: ConvTranspose2d,
    up2: ConvTranspose2d,
    /// After the projection and after `up1`, with batch norm; empty without.
    norms: Vec<BatchNorm>,
    channels: usize,
}

/// [1, 28, 28] -> down 4x4/2 -> [c1, 14, 14] -> down 4x4/2 -> [c2, 7, 7], LeakyReLU after each.
#[derive(Module, Debug)]
pub struct DcganDiscriminator {
    down1: Conv2d,
    down2: Conv2d,
    channels: usize,
    leaky_slope: f64,
}

impl DcganGenerator {
    pub fn new(
        input: usize,
        [c1, c2]: [usize; 2],
        batch_norm: bool,
        rng: &mut RunRng,
        device: &Device,
    ) -> Self {
        let norms = match batch_norm {
            true => vec![BatchNorm::new(c1, device), BatchNorm::new(c2, device)],
            false => Vec::new(),
        };
        Self {
            project: linear(input, c1 * 49, rng, device),
            up1: up(c1, c2, rng, device),
            up2: up(c2, 1, rng, device),
            norms,
            channels: c1,
        }
    }

    /// `x`: [n, latent (+ label embedding)]; batch statistics from its first `stats_rows` rows.
    pub fn forward(&self, x: Tensor<2>, stats_rows: usize) -> Tensor<2> {
        let n = x.dims()[0];
        let norm = |i: usize, x: Tensor<4>| match self.norms.get(i) {
            Some(norm) => norm.forward(x, stats_rows),
            None => x,
        };
        let x = self.project.forward(x).reshape([n, self.channels, 7, 7]); // [n, c1, 7, 7]
        let x = relu(norm(0, x)); // [n, c1, 7, 7]
        let x = relu(norm(1, self.up1.forward(x))); // [n, c2, 14, 14]
        let x = self.up2.forward(x).tanh(); // [n, 1, 28, 28]
        x.reshape([n, IMAGE_PIXELS]) // [n, 784]
    }
}

impl DcganDiscriminator {
    pub fn new([c1, c2]: [usize; 2], leaky_slope: f64, rng: &mut RunRng, device: &Device) -> Self {
        Self {
            down1: down(1, c1, rng, device),
            down2: down(c1, c2, rng, device),
            channels: c2,
            leaky_slope,
        }
    }

    /// Length of the feature vector the logit is read from.
    pub fn features(&self) -> usize {
        self.channels * 49
    }

    /// `images`: [n, 784] -> features [n, c2 * 49].
    pub fn features_of(&self, images: Tensor<2>) -> Tensor<2> {
        let n = images.dims()[0];
        let x = images.reshape([n, 1, 28, 28]); // [n, 1, 28, 28]
        let x = leaky_relu(self.down1.forward(x), self.leaky_slope); // [n, c1, 14, 14]
        let x = leaky_relu(self.down2.forward(x), self.leaky_slope); // [n, c2, 7, 7]
        x.flatten::<2>(1, 3) // [n, c2 * 49]
    }
}

/// 4x4 stride-2 transposed convolution that doubles the side: (s - 1) * 2 - 2 + 4 = 2s.
/// Uniform init with bound 1/sqrt(fan_in), where each output pixel sees c_in * (4/2)^2 inputs.
fn up(c_in: usize, c_out: usize, rng: &mut RunRng, device: &Device) -> ConvTranspose2d {
    let mut conv = ConvTranspose2dConfig::new([c_in, c_out], [4, 4])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .init(device);
    let bound = 1.0 / ((c_in * 4) as f32).sqrt();
    conv.weight = Param::from_data(
        TensorData::new(rng.uniform(c_in * c_out * 16, bound), [c_in, c_out, 4, 4]),
        device,
    );
    conv.bias = Some(Param::from_data(
        TensorData::new(rng.uniform(c_out, bound), [c_out]),
        device,
    ));
    conv
}

/// 4x4 stride-2 convolution that halves the side: (s + 2 - 4) / 2 + 1 = s/2. PyTorch's init bound.
fn down(c_in: usize, c_out: usize, rng: &mut RunRng, device: &Device) -> Conv2d {
    let mut conv = Conv2dConfig::new([c_in, c_out], [4, 4])
        .with_stride([2, 2])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(device);
    let bound = 1.0 / ((c_in * 16) as f32).sqrt();
    conv.weight = Param::from_data(
        TensorData::new(rng.uniform(c_out * c_in * 16, bound), [c_out, c_in, 4, 4]),
        device,
    );
    conv.bias = Some(Param::from_data(
        TensorData::new(rng.uniform(c_out, bound), [c_out]),
        device,
    ));
    conv
}
