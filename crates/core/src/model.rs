//! The seed GAN: two multilayer perceptrons on flattened 28x28 images.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::{leaky_relu, relu};

use crate::rng::{RunRng, Stream};

/// Pixels in one flattened 28x28 image.
pub const IMAGE_PIXELS: usize = 28 * 28;

/// Both networks of the GAN.
#[derive(Config, Debug)]
pub struct ModelConfig {
    /// Size of the noise vector z that the generator turns into an image.
    #[config(default = 100)]
    pub latent_dim: usize,
    /// Hidden layer widths of the generator, from z towards the image.
    #[config(default = "vec![256, 512]")]
    pub generator_hidden: Vec<usize>,
    /// Hidden layer widths of the discriminator, from the image towards its single logit.
    #[config(default = "vec![512, 256]")]
    pub discriminator_hidden: Vec<usize>,
    /// Negative slope of the discriminator's LeakyReLUs: a little gradient flows for negative inputs.
    #[config(default = 0.2)]
    pub leaky_slope: f64,
}

/// z -> hidden layers (ReLU) -> 784 pixels in [-1, 1] (tanh).
#[derive(Module, Debug)]
pub struct Generator {
    hidden: Vec<Linear>,
    output: Linear,
}

/// 784 pixels -> hidden layers (LeakyReLU) -> one logit: how real the image looks.
#[derive(Module, Debug)]
pub struct Discriminator {
    hidden: Vec<Linear>,
    output: Linear,
    leaky_slope: f64,
}

impl ModelConfig {
    /// Builds both networks on `device`, with weights drawn from `seed`.
    pub fn init(&self, device: &Device, seed: u64) -> (Generator, Discriminator) {
        let mut rng = RunRng::new(seed, Stream::Init);
        let widths = |input: usize, hidden: &[usize], output: usize| {
            let mut all = vec![input];
            all.extend_from_slice(hidden);
            all.push(output);
            all
        };
        let mut mlp = |sizes: Vec<usize>| {
            let mut layers: Vec<Linear> = sizes
                .windows(2)
                .map(|pair| linear(pair[0], pair[1], &mut rng, device))
                .collect();
            let output = layers.pop().expect("an MLP has at least its output layer");
            (layers, output)
        };
        let (hidden, output) = mlp(widths(
            self.latent_dim,
            &self.generator_hidden,
            IMAGE_PIXELS,
        ));
        let generator = Generator { hidden, output };
        let (hidden, output) = mlp(widths(IMAGE_PIXELS, &self.discriminator_hidden, 1));
        let discriminator = Discriminator {
            hidden,
            output,
            leaky_slope: self.leaky_slope,
        };
        (generator, discriminator)
    }
}

/// A linear layer with PyTorch's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and
/// bias (burn's default too), but drawn from the run's generator so every backend starts the same.
pub(crate) fn linear(d_input: usize, d_output: usize, rng: &mut RunRng, device: &Device) -> Linear {
    let bound = 1.0 / (d_input as f32).sqrt();
    let weight = TensorData::new(rng.uniform(d_input * d_output, bound), [d_input, d_output]);
    let bias = TensorData::new(rng.uniform(d_output, bound), [d_output]);
    Linear {
        weight: Param::from_data(weight, device),
        bias: Some(Param::from_data(bias, device)),
    }
}

impl Generator {
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let mut x = z; // [batch, latent_dim]
        for layer in &self.hidden {
            x = relu(layer.forward(x)); // [batch, width]
        }
        self.output.forward(x).tanh() // [batch, 784]
    }
}

impl Discriminator {
    /// Returns logits, not probabilities: the losses need them for numerical stability.
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        let mut x = images; // [batch, 784]
        for layer in &self.hidden {
            x = leaky_relu(layer.forward(x), self.leaky_slope); // [batch, width]
        }
        self.output.forward(x) // [batch, 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_model_has_the_specified_shapes() {
        let device = Device::flex();
        let (g, d) = ModelConfig::new().init(&device, 1);
        let shapes = |layers: &[Linear], out: &Linear| {
            let mut s: Vec<[usize; 2]> = layers.iter().map(|l| l.weight.dims()).collect();
            s.push(out.weight.dims());
            s
        };
        assert_eq!(
            shapes(&g.hidden, &g.output),
            vec![[100, 256], [256, 512], [512, 784]]
        );
        assert_eq!(
            shapes(&d.hidden, &d.output),
            vec![[784, 512], [512, 256], [256, 1]]
        );

        let images = g.forward(Tensor::zeros([3, 100], &device));
        assert_eq!(images.dims(), [3, IMAGE_PIXELS]);
        let pixels: Vec<f32> = images.clone().into_data().try_to_vec().unwrap();
        assert!(pixels.iter().all(|p| (-1.0..=1.0).contains(p)));
        assert_eq!(d.forward(images).dims(), [3, 1]);
    }

    #[test]
    fn same_seed_same_weights() {
        let device = Device::flex();
        let weights = |seed| -> Vec<f32> {
            let (g, _) = ModelConfig::new().init(&device, seed);
            g.output.weight.val().into_data().try_to_vec().unwrap()
        };
        assert_eq!(weights(5), weights(5));
        assert_ne!(weights(5), weights(6));
        let bound = 1.0 / (512f32).sqrt();
        assert!(weights(5).iter().all(|w| w.abs() <= bound));
    }
}
