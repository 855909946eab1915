//! One GAN training step, and the state it updates. The caller owns the loop: the page, the CLI and
//! the tests all drive the same `Trainer::step`. Beside it: `train/stats.rs` (a step's statistics,
//! on the device until read), `train/view.rs` (one D or G update shown on images, for the
//! step-by-step mode) and `train/file.rs` (a GAN checkpoint decoded for sampling).

use burn::module::{ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Int;
use burn::tensor::activation::sigmoid;

use crate::adam::Adam;
use crate::data::{BatchSampler, Dataset, Mnist};
use crate::loss::{Clip, GanLoss, discriminator_loss, generator_loss};
use crate::model::{CLASSES, Discriminator, Generator, IMAGE_PIXELS, Latent, ModelConfig, one_hot};
use crate::rng::{RunRng, Stream};

pub mod average;
mod file;
mod stats;
mod view;

pub(crate) use file::GanMeta;
pub use file::{GAN_KIND, GanCheckpoint, evaluation_noise, fixed_noise};
pub use stats::{DStepStats, GStepStats, StepStats, StepValues};
pub use view::{DStepView, GStepView};

/// Everything that defines a run: with the same config (seed included), a run repeats exactly.
#[derive(Config, Debug)]
pub struct TrainConfig {
    #[config(default = "ModelConfig::new()")]
    pub model: ModelConfig,
    #[config(default = "GanLoss::NonSaturating")]
    pub loss: GanLoss,
    /// The images to learn from; the caller loads them (`Dataset::files`).
    #[config(default = "Dataset::Mnist")]
    pub dataset: Dataset,
    /// Generator learning rate (Adam). DCGAN's 2e-4 (Radford et al. 2015) learns digits several
    /// times slower here: with batch norm in G, 1e-3 measured best for the seed GAN drawn by G
    /// itself, and 2e-3 once the average of G's weights draws the samples (README, "Digits in a
    /// thousand steps").
    #[config(default = 2e-3)]
    pub lr_g: f64,
    /// Discriminator learning rate (Adam): a quarter of G's, as measured best for the seed GAN
    /// with beta1 0 (README, "Digits in a thousand steps").
    #[config(default = 5e-4)]
    pub lr_d: f64,
    /// Adam's first-moment decay (momentum). 0, as in BigGAN and StyleGAN2: the seed GAN scored
    /// more at step 1,000 than it had at step 2,000 with the DCGAN paper's 0.5 (README, "Digits in
    /// a thousand steps"); 0.9 (Adam's usual default) makes GAN training oscillate more.
    #[config(default = 0.0)]
    pub beta1: f32,
    #[config(default = 0.999)]
    pub beta2: f32,
    /// Real and generated images per step. 32 for the seed GAN: a step then takes about 0.6 times
    /// as long as at 64, and the page shows digits sooner (README, "Digits in a thousand steps"); per
    /// step it learns less, so the other presets, measured at 64, keep 64 (`preset.rs`).
    #[config(default = 32)]
    pub batch_size: usize,
    /// Discriminator (critic) updates per generator update, each on a fresh real batch.
    #[config(default = 1)]
    pub d_steps: usize,
    /// The target for real images in D's loss: 1, or e.g. 0.9 for one-sided label smoothing.
    /// Used by the cross-entropy and least-squares losses.
    #[config(default = 1.0)]
    pub real_label: f32,
    /// With the Wasserstein loss, D's weights are clipped to [-clip, clip] after each D update.
    #[config(default = 0.01)]
    pub clip: f32,
    /// Drives weight init, noise and batch order.
    #[config(default = 42)]
    pub seed: u64,
    /// The samples are drawn by a moving average of G's weights with this decay (`train/average.rs`);
    /// 0: by G itself. Training is the same either way. 0.999 drew better digits from step 1,000
    /// on (README, "Digits in a thousand steps").
    #[config(default = 0.999)]
    pub ema: f32,
}

/// Adam's epsilon for both networks.
pub const ADAM_EPSILON: f32 = 1e-8;

/// The networks, their optimizers and the run's random streams.
pub struct Trainer {
    pub config: TrainConfig,
    pub generator: Generator,
    /// The moving average of G's weights that draws the samples, when `config.ema` > 0.
    pub averaged: Option<Generator>,
    pub discriminator: Discriminator,
    pub(crate) optim_g: Adam,
    pub(crate) optim_d: Adam,
    pub(crate) noise: RunRng,
    pub(crate) batches: BatchSampler,
    /// The training split's images, uploaded once: each real batch is gathered on the device by
    /// index (`select`) instead of being built and uploaded on the host every step. [n, 784]
    train_images: Tensor<2>,
    device: Device,
    /// Steps completed: generator updates (a full step ends with one).
    pub step: u64,
    /// Discriminator updates completed (`d_steps` per full step, plus any lone "D step").
    pub d_updates: u64,
}

/// A real batch: images [n, 784] and, for a conditional model, their one-hot labels [n, 10].
pub struct RealBatch {
    pub images: Tensor<2>,
    pub labels: Option<Tensor<2>>,
}

impl Trainer {
    /// A fresh run on `device` (autodiff is added here), drawing batches from `data`'s training split.
    pub fn new(config: TrainConfig, device: &Device, data: &Mnist) -> Self {
        let device = device.clone().autodiff();
        let (generator, discriminator) = config.model.init(&device, config.seed);
        let adam = Adam::new(config.beta1, config.beta2, ADAM_EPSILON);
        // A u64 on every target: `index(usize::MAX)` drew a u32 on wasm32 and a u64 natively.
        let batch_seed = RunRng::new(config.seed, Stream::Batches).seed();
        let train: Vec<usize> = data.train_indices().collect();
        let train_images = Tensor::from_data(
            TensorData::new(data.gather(&train), [train.len(), IMAGE_PIXELS]),
            &device,
        ); // [train, 784]
        let averaged = (config.ema > 0.0).then(|| average::start(&generator));
        Self {
            generator,
            averaged,
            discriminator,
            optim_g: adam.clone(),
            optim_d: adam,
            noise: RunRng::new(config.seed, Stream::Noise),
            batches: BatchSampler::new(data.train_indices(), batch_seed),
            train_images,
            device,
            step: 0,
            d_updates: 0,
            config,
        }
    }

    /// The next real batch of the run's seeded order, on the device.
    pub fn next_real(&mut self, data: &Mnist) -> RealBatch {
        let indices = self.batches.next_batch(self.config.batch_size);
        // The sampler draws from the training split, which starts at image 0: an index into the
        // dataset is an index into `train_images`.
        let rows: Vec<i32> = indices.iter().map(|&i| i as i32).collect();
        let rows =
            Tensor::<1, Int>::from_data(TensorData::new(rows, [indices.len()]), &self.device);
        let labels = self.config.model.conditional.then(|| {
            let labels: Vec<u8> = indices.iter().map(|&i| data.label(i)).collect();
            one_hot(&labels, &self.device)
        });
        RealBatch {
            images: self.train_images.clone().select(0, rows), // [batch, 784]
            labels,
        }
    }

    /// One full step: `d_steps` D updates, each on the next real batch, then one G update
    /// (Goodfellow et al. 2014, algorithm 1, with k = `d_steps`).
    pub fn train_step(&mut self, data: &Mnist) -> StepStats {
        self.train_steps(data, 1)
    }

    /// `n` full steps queued on the device at once. The losses in the result are the means over
    /// the `n` steps (what a plot of the chunk should show); D's mean scores and G's gradient norm
    /// are the last step's, and are computed for that step only: the other steps skip that work.
    pub fn train_steps(&mut self, data: &Mnist, n: usize) -> StepStats {
        let n = n.max(1);
        let mut sums: Option<(Tensor<1>, Tensor<1>)> = None;
        let mut last = None;
        for i in 0..n {
            let (d, g) = self.full_step(data, i + 1 == n);
            let (d_loss, g_loss) = (d.d_loss.clone(), g.g_loss.clone());
            sums = Some(match sums {
                Some((d_sum, g_sum)) => (d_sum + d_loss, g_sum + g_loss),
                None => (d_loss, g_loss),
            });
            last = Some((d, g));
        }
        let ((d_sum, g_sum), (d, g)) = (sums.zip(last)).expect("one step at least");
        let mean = |sum: Tensor<1>| {
            if n == 1 {
                sum
            } else {
                sum.mul_scalar(1.0 / n as f32)
            }
        };
        StepStats {
            d_loss: mean(d_sum),
            g_loss: mean(g_sum),
            d_real: d.d_real,
            d_fake: d.d_fake,
            g_grad: g.g_grad,
        }
    }

    /// `d_steps` D updates, each on the next real batch, then one G update. `measured`: the last D
    /// update's mean scores and G's gradient norm are computed (else they are zeros).
    fn full_step(&mut self, data: &Mnist, measured: bool) -> (DStepStats, GStepStats) {
        let d_steps = self.config.d_steps.max(1);
        let mut d = None;
        for k in 0..d_steps {
            let real = self.next_real(data);
            d = Some(self.d_step_with(real, measured && k + 1 == d_steps));
        }
        let noise = self.noise_batch(self.config.batch_size);
        let g = self.g_update(noise, measured);
        (d.expect("at least one D update"), g)
    }

    /// Discriminator update: push D(x) up and D(G(z)) down. The fakes are detached, so no gradient
    /// reaches the generator. With the Wasserstein loss, D's weights are clipped afterwards.
    pub fn d_step(&mut self, real: RealBatch) -> DStepStats {
        self.d_step_with(real, true)
    }

    fn d_step_with(&mut self, real: RealBatch, measured: bool) -> DStepStats {
        let batch = real.images.dims()[0];
        let noise = self.noise_batch(batch);
        let fake = self.fake_batch(&noise); // [batch, 784]
        self.d_update(real, fake, noise.labels, measured)
    }

    /// One D update. `measured`: also compute D's mean scores of the two batches (else they are
    /// zeros, and no work is spent on them).
    fn d_update(
        &mut self,
        real: RealBatch,
        fake: Tensor<2>,
        fake_labels: Option<Tensor<2>>,
        measured: bool,
    ) -> DStepStats {
        let real_out = self.discriminator.forward(real.images, real.labels); // [batch, 1]
        let fake_out = self.discriminator.forward(fake, fake_labels); // [batch, 1]
        let (d_real, d_fake) = if measured {
            (
                self.as_score(real_out.clone().detach()).mean(),
                self.as_score(fake_out.clone().detach()).mean(),
            )
        } else {
            let zero = || Tensor::zeros([1], &self.device);
            (zero(), zero())
        };
        let d_loss =
            discriminator_loss(self.config.loss, real_out, fake_out, self.config.real_label);
        let grads = GradientsParams::from_grads(d_loss.backward(), &self.discriminator);
        self.discriminator = self
            .optim_d
            .step(self.config.lr_d, self.discriminator.clone(), grads);
        if self.config.loss == GanLoss::Wasserstein {
            let clip = self.config.clip;
            self.discriminator = self.discriminator.clone().map(&mut Clip(clip));
        }
        self.d_updates += 1;
        DStepStats {
            d_loss: d_loss.detach(),
            d_real,
            d_fake,
        }
    }

    /// Generator update on fresh noise: make the current D score the fakes as real. Gradients flow
    /// through D into G; only G's parameters are updated.
    pub fn g_step(&mut self, batch: usize) -> GStepStats {
        let noise = self.noise_batch(batch);
        self.g_update(noise, true)
    }

    /// One G update. `measured`: also compute G's gradient norm (else it is zero, and no work is
    /// spent on it).
    fn g_update(&mut self, noise: Latent, measured: bool) -> GStepStats {
        let fake = self.generator.forward(noise.z, noise.labels.clone()); // [batch, 784]
        // D's weights as constants: the backward pass then computes the gradient through D into
        // G's images, but not the gradients of D's own weights, which G's update never uses.
        let discriminator = self.discriminator.clone().no_grad();
        let out = discriminator.forward(fake, noise.labels); // [batch, 1]
        let g_loss = generator_loss(self.config.loss, out);
        let grads = GradientsParams::from_grads(g_loss.backward(), &self.generator);
        let g_grad = if measured {
            grad_norm(&self.generator, &grads, &self.device)
        } else {
            Tensor::zeros([1], &self.device)
        };
        self.generator = self
            .optim_g
            .step(self.config.lr_g, self.generator.clone(), grads);
        self.step += 1;
        self.update_average();
        GStepStats {
            g_loss: g_loss.detach(),
            g_grad,
        }
    }

    /// D's score of each image: a probability for the cross-entropy losses, raw otherwise. [n]
    pub fn score(&self, images: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<1> {
        let n = images.dims()[0];
        let out = self.discriminator.forward(images.detach(), labels).detach(); // [n, 1]
        self.as_score(out).reshape([n])
    }

    fn as_score<const D: usize>(&self, out: Tensor<D>) -> Tensor<D> {
        if self.config.loss.has_probabilities() {
            sigmoid(out)
        } else {
            out
        }
    }

    /// D's fakes for a training batch (batch statistics, as in G's own update), detached: no
    /// gradient reaches G. [n, 784]
    fn fake_batch(&self, noise: &Latent) -> Tensor<2> {
        let generator = self.generator.clone().no_grad();
        generator
            .forward(noise.z.clone(), noise.labels.clone())
            .detach()
    }

    /// Images for the given latents, drawn by the generator the run shows ([`Trainer::sampler`]),
    /// without building a gradient graph. [n, 784] in [-1, 1].
    pub fn generate(&self, latent: &Latent) -> Tensor<2> {
        self.sampler().sample(latent).detach()
    }

    /// The run's fixed latent batch: the sample grid shows G of these same `n` vectors all run long.
    /// A conditional model is asked for digit i % 10 at position i.
    pub fn fixed_noise(&self, n: usize) -> Latent {
        fixed_noise(&self.config.model, self.config.seed, n, &self.device)
    }

    /// The noise the metrics are measured on: the same `n` vectors at every evaluation of a run,
    /// so the metric curves show the generator changing, not the noise.
    pub fn evaluation_noise(&self, n: usize) -> Latent {
        evaluation_noise(&self.config.model, self.config.seed, n, &self.device)
    }

    /// The device the networks live on (with autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Applies the settings that need no new networks: learning rates, the loss, D steps per G
    /// step, the real label, the clip value and the weight average's decay. Anything else is
    /// refused: it needs a new run.
    pub fn apply_live(&mut self, new: &TrainConfig) -> Result<(), String> {
        let old = &self.config;
        if format!("{:?}", new.model) != format!("{:?}", old.model) {
            return Err("a new model needs new networks".into());
        }
        if (new.beta1, new.beta2, new.batch_size, new.seed, new.dataset)
            != (old.beta1, old.beta2, old.batch_size, old.seed, old.dataset)
        {
            return Err("a new data set, seed, batch size or Adam beta needs a new run".into());
        }
        self.config = new.clone();
        Ok(())
    }

    /// Noise for a training batch, and random labels for a conditional model (both from the run's
    /// noise stream).
    fn noise_batch(&mut self, batch: usize) -> Latent {
        let latent = self.config.model.latent_dim;
        let z = self.noise.normal(batch * latent);
        let labels = self.config.model.conditional.then(|| {
            let labels: Vec<u8> = (0..batch)
                .map(|_| self.noise.index(CLASSES) as u8)
                .collect();
            one_hot(&labels, &self.device)
        });
        Latent {
            z: Tensor::from_data(TensorData::new(z, [batch, latent]), &self.device), // [batch, latent]
            labels,
        }
    }
}

/// The L2 norm of `grads` over `module`'s parameters, on the device. [1]
fn grad_norm<M: Module>(module: &M, grads: &GradientsParams, device: &Device) -> Tensor<1> {
    struct SumOfSquares<'a> {
        grads: &'a GradientsParams,
        sum: Option<Tensor<1>>,
    }
    impl ModuleVisitor for SumOfSquares<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = self.grads.get::<D>(param.id) {
                let s = g.powi_scalar(2).sum();
                self.sum = Some(match self.sum.take() {
                    Some(sum) => sum + s,
                    None => s,
                });
            }
        }
    }
    let mut visitor = SumOfSquares { grads, sum: None };
    module.visit(&mut visitor);
    match visitor.sum {
        Some(sum) => sum.sqrt(),
        None => Tensor::zeros([1], device),
    }
}
