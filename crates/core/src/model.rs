//! The GAN's two networks. Two architectures share one interface: the seed MLPs on flattened 28x28
//! images (the default), and a DCGAN-style pair of small conv nets (`dcgan.rs`). Either can be made
//! conditional: G then also takes a digit label, and D judges an (image, label) pair.

use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use crate::activation::leaky_relu;
use crate::dcgan::{DcganDiscriminator, DcganGenerator};
use crate::norm::BatchNorm;
use crate::rng::{RunRng, Stream};

/// Pixels in one flattened 28x28 image.
pub const IMAGE_PIXELS: usize = 28 * 28;
/// Classes a conditional model can be asked for (the ten digits, or Fashion-MNIST's ten kinds).
pub const CLASSES: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Architecture {
    /// Fully connected layers on the 784 pixels (the seed GAN).
    Mlp,
    /// Transposed convolutions up from 7x7 in G, strided convolutions down to 7x7 in D
    /// (Radford et al. 2015, scaled down to 28x28).
    Dcgan,
}

/// Both networks of the GAN.
#[derive(Config, Debug)]
pub struct ModelConfig {
    #[config(default = "Architecture::Mlp")]
    pub architecture: Architecture,
    /// Size of the noise vector z that the generator turns into an image.
    #[config(default = 100)]
    pub latent_dim: usize,
    /// Hidden layer widths of the generator, from z towards the image. For the DCGAN: the channels
    /// of its 7x7 and 14x14 feature maps (exactly two).
    #[config(default = "vec![256, 512]")]
    pub generator_hidden: Vec<usize>,
    /// Hidden layer widths of the discriminator, from the image towards its single logit. For the
    /// DCGAN: the channels of its 14x14 and 7x7 feature maps (exactly two).
    #[config(default = "vec![512, 256]")]
    pub discriminator_hidden: Vec<usize>,
    /// Conditional GAN: G draws the digit it is given, D judges whether an image is a real
    /// example of its label.
    #[config(default = false)]
    pub conditional: bool,
    /// Size of the label embedding appended to z in a conditional generator.
    #[config(default = 16)]
    pub label_dim: usize,
    /// Negative slope of the discriminator's LeakyReLUs: a little gradient flows for negative inputs.
    #[config(default = 0.2)]
    pub leaky_slope: f64,
    /// Batch norm in G after each hidden layer (`norm.rs`), and in the MLP generator LeakyReLU
    /// instead of ReLU: the established recipes (DCGAN; MLP GANs), which learn digits many times
    /// sooner (README, "Digits in a thousand steps"). Off: the networks as first built here; files
    /// saved before this setting existed load with it off.
    #[config(default = true)]
    pub batch_norm: bool,
}

/// Rows of the reference batch whose statistics normalise drawn images (`norm.rs`): the run's
/// fixed grid noise.
pub const REFERENCE_ROWS: usize = 64;

/// The largest width and latent size accepted: keeps a typo from allocating gigabytes.
pub const MAX_WIDTH: usize = 2048;
pub const MAX_LATENT: usize = 512;

impl ModelConfig {
    /// The DCGAN pair with its default channel counts.
    pub fn dcgan() -> Self {
        Self::new()
            .with_architecture(Architecture::Dcgan)
            .with_generator_hidden(vec![64, 32])
            .with_discriminator_hidden(vec![32, 64])
    }

    /// Checks the sizes, with a message a person can act on.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_LATENT).contains(&self.latent_dim) {
            return Err(format!(
                "latent size {} is out of range (1 to {MAX_LATENT})",
                self.latent_dim
            ));
        }
        for (name, widths) in [
            ("generator", &self.generator_hidden),
            ("discriminator", &self.discriminator_hidden),
        ] {
            if widths.iter().any(|w| !(1..=MAX_WIDTH).contains(w)) {
                return Err(format!(
                    "{name} widths {widths:?}: each must be 1 to {MAX_WIDTH}"
                ));
            }
            match self.architecture {
                Architecture::Mlp if widths.len() > 4 => {
                    return Err(format!("{name} widths {widths:?}: at most 4 hidden layers"));
                }
                Architecture::Dcgan if widths.len() != 2 => {
                    return Err(format!(
                        "{name} widths {widths:?}: the DCGAN takes exactly two channel counts"
                    ));
                }
                _ => {}
            }
        }
        if !(1..=64).contains(&self.label_dim) {
            return Err(format!(
                "label embedding size {} is out of range (1 to 64)",
                self.label_dim
            ));
        }
        Ok(())
    }

    /// Builds both networks on `device`, with weights drawn from `seed`.
    pub fn init(&self, device: &Device, seed: u64) -> (Generator, Discriminator) {
        let mut rng = RunRng::new(seed, Stream::Init);
        let label_dim = if self.conditional { self.label_dim } else { 0 };
        let input = self.latent_dim + label_dim;
        let body = match self.architecture {
            Architecture::Mlp => {
                let (hidden, output) = mlp(
                    input,
                    &self.generator_hidden,
                    IMAGE_PIXELS,
                    &mut rng,
                    device,
                );
                let norms = self.norms(&self.generator_hidden, device);
                GeneratorBody::Mlp(MlpGenerator {
                    hidden,
                    norms,
                    output,
                    leaky_slope: self.leaky_slope,
                })
            }
            Architecture::Dcgan => GeneratorBody::Dcgan(DcganGenerator::new(
                input,
                [self.generator_hidden[0], self.generator_hidden[1]],
                self.batch_norm,
                &mut rng,
                device,
            )),
        };
        let label = self
            .conditional
            .then(|| embedding(CLASSES, label_dim, 1.0, &mut rng, device));
        let reference = self.batch_norm.then(|| {
            let latent = Latent::fixed(self, seed, Stream::FixedSamples, REFERENCE_ROWS, device);
            (latent.z, latent.labels)
        });
        let (reference_z, reference_labels) = match reference {
            Some((z, labels)) => (Some(z), labels),
            None => (None, None),
        };
        let generator = Generator {
            body,
            label,
            reference_z,
            reference_labels,
        };

        let (body, features) = match self.architecture {
            Architecture::Mlp => {
                let (hidden, last) = mlp(
                    IMAGE_PIXELS,
                    &self.discriminator_hidden,
                    1,
                    &mut rng,
                    device,
                );
                let features = self
                    .discriminator_hidden
                    .last()
                    .copied()
                    .unwrap_or(IMAGE_PIXELS);
                let body = DiscriminatorBody::Mlp(MlpFeatures {
                    hidden,
                    leaky_slope: self.leaky_slope,
                });
                (body, (features, last))
            }
            Architecture::Dcgan => {
                let net = DcganDiscriminator::new(
                    [self.discriminator_hidden[0], self.discriminator_hidden[1]],
                    self.leaky_slope,
                    &mut rng,
                    device,
                );
                let features = net.features();
                let last = linear(features, 1, &mut rng, device);
                (DiscriminatorBody::Dcgan(net), (features, last))
            }
        };
        let (features, output) = features;
        // Scaled so that <embed(label), features> starts as large as the plain logit: with N(0, 1)
        // entries, a sum over thousands of features saturated D at step 0.
        let scale = 1.0 / (features as f32).sqrt();
        let projection = self
            .conditional
            .then(|| embedding(CLASSES, features, scale, &mut rng, device));
        let discriminator = Discriminator {
            body,
            output,
            projection,
        };
        (generator, discriminator)
    }

    /// A batch norm for each hidden layer of G, when the config asks for them.
    fn norms(&self, widths: &[usize], device: &Device) -> Vec<BatchNorm> {
        match self.batch_norm {
            true => widths.iter().map(|&w| BatchNorm::new(w, device)).collect(),
            false => Vec::new(),
        }
    }
}

/// Layers `input -> hidden... -> output`, split into the hidden ones and the last one.
fn mlp(
    input: usize,
    hidden: &[usize],
    output: usize,
    rng: &mut RunRng,
    device: &Device,
) -> (Vec<Linear>, Linear) {
    let mut sizes = vec![input];
    sizes.extend_from_slice(hidden);
    sizes.push(output);
    let mut layers: Vec<Linear> = sizes
        .windows(2)
        .map(|pair| linear(pair[0], pair[1], rng, device))
        .collect();
    let last = layers.pop().expect("an MLP has at least its output layer");
    (layers, last)
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

/// A label embedding: a learned vector per class, looked up by multiplying a one-hot row by the
/// table (no gather, so it runs on every backend's plain matmul). N(0, scale^2) init: `nn.Embedding`'s
/// N(0, 1) for scale 1.
fn embedding(classes: usize, dim: usize, scale: f32, rng: &mut RunRng, device: &Device) -> Linear {
    let values = rng
        .normal(classes * dim)
        .into_iter()
        .map(|v| v * scale)
        .collect();
    let weight = TensorData::new(values, [classes, dim]);
    Linear {
        weight: Param::from_data(weight, device),
        bias: None,
    }
}

/// One-hot rows for `labels` (each below [`CLASSES`]): [n, 10], the input of a conditional model.
pub fn one_hot(labels: &[u8], device: &Device) -> Tensor<2> {
    let mut rows = vec![0f32; labels.len() * CLASSES];
    for (row, &label) in rows.chunks_exact_mut(CLASSES).zip(labels) {
        row[usize::from(label) % CLASSES] = 1.0;
    }
    Tensor::from_data(TensorData::new(rows, [labels.len(), CLASSES]), device)
}

/// Inputs of the generator: noise z [n, latent] and, for a conditional model, one-hot labels [n, 10].
#[derive(Clone, Debug)]
pub struct Latent {
    pub z: Tensor<2>,
    pub labels: Option<Tensor<2>>,
}

impl Latent {
    /// `n` latents from `stream` of a run with this seed; a conditional model gets labels 0, 1,
    /// ..., 9, 0, 1, ... in turn.
    pub fn fixed(
        model: &ModelConfig,
        seed: u64,
        stream: Stream,
        n: usize,
        device: &Device,
    ) -> Self {
        let z = RunRng::new(seed, stream).normal(n * model.latent_dim);
        let labels = model.conditional.then(|| {
            let labels: Vec<u8> = (0..n).map(|i| (i % CLASSES) as u8).collect();
            one_hot(&labels, device)
        });
        Latent {
            z: Tensor::from_data(TensorData::new(z, [n, model.latent_dim]), device),
            labels,
        }
    }

    /// Rows `start..start + len`.
    pub fn narrow(&self, start: usize, len: usize) -> Latent {
        Latent {
            z: self.z.clone().narrow(0, start, len),
            labels: self
                .labels
                .as_ref()
                .map(|l| l.clone().narrow(0, start, len)),
        }
    }
}

#[derive(Module, Debug)]
pub struct MlpGenerator {
    hidden: Vec<Linear>,
    /// One per hidden layer with batch norm; empty without (then the activations are ReLU).
    norms: Vec<BatchNorm>,
    output: Linear,
    leaky_slope: f64,
}

// One of each network exists per run: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum GeneratorBody {
    Mlp(MlpGenerator),
    Dcgan(DcganGenerator),
}

/// z (and, when conditional, a label) -> 784 pixels in [-1, 1].
#[derive(Module, Debug)]
pub struct Generator {
    body: GeneratorBody,
    /// The label embedding of a conditional generator: its output is appended to z.
    label: Option<Linear>,
    /// With batch norm: the reference batch ([`REFERENCE_ROWS`] latents of the run's grid noise)
    /// whose statistics normalise drawn images. Constants made from the seed: never trained or
    /// saved.
    reference_z: Option<Tensor<2>>,
    reference_labels: Option<Tensor<2>>,
}

/// The discriminator's layers up to its last hidden features.
#[derive(Module, Debug)]
pub struct MlpFeatures {
    hidden: Vec<Linear>,
    leaky_slope: f64,
}

#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum DiscriminatorBody {
    Mlp(MlpFeatures),
    Dcgan(DcganDiscriminator),
}

/// 784 pixels (and, when conditional, a label) -> one logit: how real the image looks.
#[derive(Module, Debug)]
pub struct Discriminator {
    body: DiscriminatorBody,
    output: Linear,
    /// The label embedding of a conditional discriminator, in the projection form (Miyato and
    /// Koyama 2018): the logit gains <embed(label), features>, so D scores how well the image's
    /// features match its label.
    projection: Option<Linear>,
}

impl Generator {
    /// A training batch: batch norm uses this batch's own statistics.
    /// `labels`: one-hot [n, 10], required by a conditional generator and ignored otherwise.
    pub fn forward(&self, z: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
        let n = z.dims()[0];
        self.forward_rows(z, labels, n)
    }

    /// Images drawn outside training: batch norm uses the reference batch's statistics, so each
    /// image depends on its own latent only. [n, 784]
    pub fn sample(&self, latent: &Latent) -> Tensor<2> {
        let (z, labels) = (latent.z.clone(), latent.labels.clone());
        let n = z.dims()[0];
        let Some(reference) = &self.reference_z else {
            return self.forward_rows(z, labels, n);
        };
        let rows = reference.dims()[0];
        let z = Tensor::cat(vec![reference.clone(), z], 0); // [rows + n, latent]
        let labels = match (&self.reference_labels, labels) {
            (Some(r), Some(l)) => Some(Tensor::cat(vec![r.clone(), l], 0)), // [rows + n, 10]
            _ => None,
        };
        self.forward_rows(z, labels, rows).narrow(0, rows, n) // [n, 784]
    }

    /// The networks' forward pass, with batch statistics from the first `stats_rows` rows.
    fn forward_rows(
        &self,
        z: Tensor<2>,
        labels: Option<Tensor<2>>,
        stats_rows: usize,
    ) -> Tensor<2> {
        let x = match &self.label {
            Some(embed) => {
                let labels = labels.expect("a conditional generator is always given labels");
                Tensor::cat(vec![z, embed.forward(labels)], 1) // [n, latent + label_dim]
            }
            None => z, // [n, latent]
        };
        match &self.body {
            GeneratorBody::Mlp(net) => {
                let mut x = x;
                for (i, layer) in net.hidden.iter().enumerate() {
                    x = layer.forward(x); // [n, width]
                    x = match net.norms.get(i) {
                        Some(norm) => leaky_relu(norm.forward(x, stats_rows), net.leaky_slope),
                        None => relu(x),
                    };
                }
                net.output.forward(x).tanh() // [n, 784]
            }
            GeneratorBody::Dcgan(net) => net.forward(x, stats_rows), // [n, 784]
        }
    }

    pub fn is_conditional(&self) -> bool {
        self.label.is_some()
    }
}

impl Discriminator {
    /// Returns logits, not probabilities: the losses need them for numerical stability.
    /// `labels`: one-hot [n, 10], required by a conditional discriminator and ignored otherwise.
    pub fn forward(&self, images: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
        let features = match &self.body {
            DiscriminatorBody::Mlp(net) => {
                let mut x = images; // [n, 784]
                for layer in &net.hidden {
                    x = leaky_relu(layer.forward(x), net.leaky_slope); // [n, width]
                }
                x
            }
            DiscriminatorBody::Dcgan(net) => net.features_of(images), // [n, c2 * 49]
        };
        let logit = self.output.forward(features.clone()); // [n, 1]
        match &self.projection {
            Some(embed) => {
                let labels = labels.expect("a conditional discriminator is always given labels");
                logit + (embed.forward(labels) * features).sum_dim(1) // [n, 1]
            }
            None => logit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weight_shapes<M: Module>(module: &M) -> Vec<Vec<usize>> {
        struct Shapes(Vec<Vec<usize>>);
        impl burn::module::ModuleVisitor for Shapes {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                self.0.push(param.val().dims().to_vec());
            }
        }
        let mut shapes = Shapes(Vec::new());
        module.visit(&mut shapes);
        shapes.0
    }

    #[test]
    fn seed_model_has_the_specified_shapes() {
        let device = Device::flex();
        let (g, d) = ModelConfig::new().init(&device, 1);
        // The layers, then each batch norm's gamma and beta.
        assert_eq!(
            weight_shapes(&g),
            vec![
                vec![100, 256],
                vec![256],
                vec![256, 512],
                vec![512],
                vec![256],
                vec![256],
                vec![512],
                vec![512],
                vec![512, 784],
                vec![784]
            ]
        );
        let (plain, _) = ModelConfig::new().with_batch_norm(false).init(&device, 1);
        // Without batch norm: the layers alone, (100 + 1) * 256 + (256 + 1) * 512 + (512 + 1) * 784.
        assert_eq!(plain.num_params(), 559_632);
        assert_eq!(
            weight_shapes(&d),
            vec![
                vec![784, 512],
                vec![512],
                vec![512, 256],
                vec![256],
                vec![256, 1],
                vec![1]
            ]
        );
        assert_eq!(g.num_params() + d.num_params(), 1_093_137 + 2 * (256 + 512));

        let images = g.forward(Tensor::zeros([3, 100], &device), None);
        assert_eq!(images.dims(), [3, IMAGE_PIXELS]);
        let pixels: Vec<f32> = images.clone().into_data().try_to_vec().unwrap();
        assert!(pixels.iter().all(|p| (-1.0..=1.0).contains(p)));
        assert_eq!(d.forward(images, None).dims(), [3, 1]);
    }

    #[test]
    fn dcgan_shapes_and_size() {
        let device = Device::flex();
        let (g, d) = ModelConfig::dcgan().init(&device, 1);
        let images = g.forward(
            Tensor::random([5, 100], burn::tensor::Distribution::Default, &device),
            None,
        );
        assert_eq!(images.dims(), [5, IMAGE_PIXELS]);
        let pixels: Vec<f32> = images.clone().into_data().try_to_vec().unwrap();
        assert!(pixels.iter().all(|p| (-1.0..=1.0).contains(p)));
        assert_eq!(d.forward(images, None).dims(), [5, 1]);
        // G: 100 -> 64x7x7 (linear), 64 -> 32 (4x4 up), 32 -> 1 (4x4 up); batch norms on 64 and 32.
        assert_eq!(
            g.num_params(),
            101 * 64 * 49 + (64 * 32 * 16 + 32) + (32 * 16 + 1) + 2 * (64 + 32)
        );
        // D: 1 -> 32 (4x4 down), 32 -> 64 (4x4 down), 64x7x7 -> 1.
        assert_eq!(
            d.num_params(),
            (32 * 16 + 32) + (32 * 64 * 16 + 64) + (64 * 49 + 1)
        );
    }

    #[test]
    fn conditional_models_depend_on_the_label() {
        let device = Device::flex();
        for model in [ModelConfig::new(), ModelConfig::dcgan()] {
            let (g, d) = model.with_conditional(true).init(&device, 3);
            let z = Tensor::<2>::ones([2, 100], &device);
            let draw = |labels: &[u8]| {
                g.sample(&Latent {
                    z: z.clone(),
                    labels: Some(one_hot(labels, &device)),
                })
            };
            let (a, b) = (draw(&[3, 3]), draw(&[3, 8]));
            let (a, b): (Vec<f32>, Vec<f32>) = (
                a.clone().into_data().try_to_vec().unwrap(),
                b.into_data().try_to_vec().unwrap(),
            );
            assert_eq!(a[..784], b[..784], "same z and label: same image");
            assert_ne!(a[784..], b[784..], "another label: another image");
            let image =
                Tensor::<2>::from_data(TensorData::new(a[..784].to_vec(), [1, 784]), &device);
            let score = |label: u8| -> f32 {
                d.forward(image.clone(), Some(one_hot(&[label], &device)))
                    .into_data()
                    .try_to_vec::<f32>()
                    .unwrap()[0]
            };
            assert_ne!(
                score(3),
                score(8),
                "D's verdict depends on the label it is told"
            );
        }
    }

    #[test]
    fn one_hot_rows() {
        let rows: Vec<f32> = one_hot(&[0, 9], &Device::flex())
            .into_data()
            .try_to_vec()
            .unwrap();
        assert_eq!(rows[0], 1.0);
        assert_eq!(rows[19], 1.0);
        assert_eq!(rows.iter().sum::<f32>(), 2.0);
    }

    #[test]
    fn bad_sizes_are_refused_with_a_message() {
        assert!(
            ModelConfig::new()
                .with_latent_dim(0)
                .validate()
                .unwrap_err()
                .contains("latent")
        );
        let e = ModelConfig::dcgan()
            .with_generator_hidden(vec![64])
            .validate()
            .unwrap_err();
        assert!(e.contains("exactly two"), "{e}");
        let e = ModelConfig::new()
            .with_discriminator_hidden(vec![100_000])
            .validate()
            .unwrap_err();
        assert!(e.contains("discriminator"), "{e}");
        assert!(ModelConfig::new().validate().is_ok());
        assert!(ModelConfig::dcgan().validate().is_ok());
    }

    #[test]
    fn same_seed_same_weights() {
        let device = Device::flex();
        let weights = |seed| -> Vec<f32> {
            let (g, _) = ModelConfig::new().init(&device, seed);
            let GeneratorBody::Mlp(net) = g.body else {
                unreachable!()
            };
            net.output.weight.val().into_data().try_to_vec().unwrap()
        };
        assert_eq!(weights(5), weights(5));
        assert_ne!(weights(5), weights(6));
        let bound = 1.0 / (512f32).sqrt();
        assert!(weights(5).iter().all(|w| w.abs() <= bound));
    }
}
