//! One GAN training step, and the state it updates. The caller owns the loop: the page, the CLI and
//! the tests all drive the same `Trainer::step`.

use burn::module::{ModuleMapper, Param};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use burn::tensor::{ExecutionError, Transaction};

use crate::checkpoint::{CheckpointError, GanvasFile, load_module, module_bytes};
use crate::data::{BatchSampler, Mnist};
use crate::loss::{GanLoss, discriminator_loss, generator_loss};
use crate::model::{Discriminator, Generator, IMAGE_PIXELS, ModelConfig};
use crate::rng::{RunRng, Stream};

/// Everything that defines a run: with the same config (seed included), a run repeats exactly.
#[derive(Config, Debug)]
pub struct TrainConfig {
    #[config(default = "ModelConfig::new()")]
    pub model: ModelConfig,
    #[config(default = "GanLoss::NonSaturating")]
    pub loss: GanLoss,
    /// Generator learning rate (Adam). 2e-4 with beta1 0.5 follows DCGAN (Radford et al. 2015).
    #[config(default = 2e-4)]
    pub lr_g: f64,
    /// Discriminator learning rate (Adam).
    #[config(default = 2e-4)]
    pub lr_d: f64,
    /// Adam's first-moment decay; 0.9 (the usual default) makes GAN training oscillate more.
    #[config(default = 0.5)]
    pub beta1: f32,
    #[config(default = 0.999)]
    pub beta2: f32,
    #[config(default = 64)]
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
}

/// One step's statistics, still on the device: reading them is the caller's choice of sync point.
pub struct StepStats {
    pub d_loss: Tensor<1>,
    pub g_loss: Tensor<1>,
    /// Mean D(x) over the real batch of the last D update: a probability for the cross-entropy
    /// losses, D's raw output for the others.
    pub d_real: Tensor<1>,
    /// Mean D(G(z)) over the fake batch of the last D update, in the same units as `d_real`.
    pub d_fake: Tensor<1>,
}

/// One D update's statistics, still on the device.
pub struct DStepStats {
    pub d_loss: Tensor<1>,
    pub d_real: Tensor<1>,
    pub d_fake: Tensor<1>,
}

/// One step's statistics, read back to the host.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepValues {
    pub d_loss: f32,
    pub g_loss: f32,
    pub d_real: f32,
    pub d_fake: f32,
}

impl StepValues {
    pub fn is_finite(&self) -> bool {
        [self.d_loss, self.g_loss, self.d_real, self.d_fake]
            .iter()
            .all(|v| v.is_finite())
    }
}

impl StepStats {
    /// Reads the four statistics in one transfer. CPU-GPU sync point: await it every few steps,
    /// not every step. (A synchronous read panics on WebGPU in the browser.)
    pub async fn read(self) -> Result<StepValues, ExecutionError> {
        let data = Transaction::default()
            .register(self.d_loss)
            .register(self.g_loss)
            .register(self.d_real)
            .register(self.d_fake)
            .execute_async()
            .await?;
        let value = |i: usize| -> f32 {
            data[i]
                .try_to_vec::<f32>()
                .ok()
                .and_then(|v| v.first().copied())
                .unwrap_or(f32::NAN)
        };
        Ok(StepValues {
            d_loss: value(0),
            g_loss: value(1),
            d_real: value(2),
            d_fake: value(3),
        })
    }
}

/// The networks, their optimizers and the run's random streams.
pub struct Trainer {
    pub config: TrainConfig,
    pub generator: Generator,
    pub discriminator: Discriminator,
    optim_g: ModuleOptimizer,
    optim_d: ModuleOptimizer,
    noise: RunRng,
    batches: BatchSampler,
    device: Device,
    /// Steps completed.
    pub step: u64,
}

impl Trainer {
    /// A fresh run on `device` (autodiff is added here), drawing batches from `data`'s training split.
    pub fn new(config: TrainConfig, device: &Device, data: &Mnist) -> Self {
        let device = device.clone().autodiff();
        let (generator, discriminator) = config.model.init(&device, config.seed);
        let adam = AdamConfig::new()
            .with_beta_1(config.beta1)
            .with_beta_2(config.beta2)
            .with_epsilon(1e-8);
        let batch_seed = RunRng::new(config.seed, Stream::Batches).index(usize::MAX) as u64;
        Self {
            generator,
            discriminator,
            optim_g: adam.init(),
            optim_d: adam.init(),
            noise: RunRng::new(config.seed, Stream::Noise),
            batches: BatchSampler::new(data.train_indices(), batch_seed),
            device,
            step: 0,
            config,
        }
    }

    /// The next real batch of the run's seeded order, on the device.
    pub fn next_real(&mut self, data: &Mnist) -> Tensor<2> {
        let indices = self.batches.next_batch(self.config.batch_size);
        let real = TensorData::new(data.gather(&indices), [indices.len(), IMAGE_PIXELS]);
        Tensor::from_data(real, &self.device)
    }

    /// One full step: `d_steps` D updates, each on the next real batch, then one G update.
    pub fn train_step(&mut self, data: &Mnist) -> StepStats {
        let mut reals: Vec<Tensor<2>> = Vec::with_capacity(self.config.d_steps.max(1));
        for _ in 0..self.config.d_steps.max(1) {
            reals.push(self.next_real(data));
        }
        self.step_on(reals)
    }

    /// One D update on the real batch and detached fakes, then one G update on fresh noise
    /// (Goodfellow et al. 2014, algorithm 1, with k = 1).
    pub fn step(&mut self, real: Tensor<2>) -> StepStats {
        self.step_on(vec![real])
    }

    /// A D update per real batch, then one G update (algorithm 1 with k = `reals.len()`).
    fn step_on(&mut self, reals: Vec<Tensor<2>>) -> StepStats {
        let batch = reals[0].dims()[0];
        let mut last = None;
        for real in reals {
            last = Some(self.d_step(real));
        }
        let d = last.expect("at least one real batch");
        let g_loss = self.g_step(batch);
        self.step += 1;
        StepStats {
            d_loss: d.d_loss,
            g_loss,
            d_real: d.d_real,
            d_fake: d.d_fake,
        }
    }

    /// Discriminator update: push D(x) up and D(G(z)) down. The fakes are detached, so no gradient
    /// reaches the generator. With the Wasserstein loss, D's weights are clipped afterwards.
    pub fn d_step(&mut self, real: Tensor<2>) -> DStepStats {
        let batch = real.dims()[0];
        let z = self.noise_batch(batch); // [batch, latent]
        let fake = self.generator.forward(z).detach(); // [batch, 784]
        let real_out = self.discriminator.forward(real); // [batch, 1]
        let fake_out = self.discriminator.forward(fake); // [batch, 1]
        let (d_real, d_fake) = if self.config.loss.has_probabilities() {
            (
                sigmoid(real_out.clone().detach()).mean(),
                sigmoid(fake_out.clone().detach()).mean(),
            )
        } else {
            (
                real_out.clone().detach().mean(),
                fake_out.clone().detach().mean(),
            )
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
        DStepStats {
            d_loss: d_loss.detach(),
            d_real,
            d_fake,
        }
    }

    /// Generator update on fresh noise: make the current D score the fakes as real. Gradients flow
    /// through D into G; only G's parameters are updated. Returns G's loss.
    pub fn g_step(&mut self, batch: usize) -> Tensor<1> {
        let z = self.noise_batch(batch);
        let fake = self.generator.forward(z); // [batch, 784]
        let g_loss = generator_loss(self.config.loss, self.discriminator.forward(fake));
        let grads = GradientsParams::from_grads(g_loss.backward(), &self.generator);
        self.generator = self
            .optim_g
            .step(self.config.lr_g, self.generator.clone(), grads);
        g_loss.detach()
    }

    /// Images for the given noise, without building a gradient graph. [n, 784] in [-1, 1].
    pub fn generate(&self, z: Tensor<2>) -> Tensor<2> {
        self.generator.forward(z).detach()
    }

    /// The run's fixed latent batch: the sample grid shows G of these same `n` vectors all run long.
    pub fn fixed_noise(&self, n: usize) -> Tensor<2> {
        let latent = self.config.model.latent_dim;
        let z = RunRng::new(self.config.seed, Stream::FixedSamples).normal(n * latent);
        Tensor::from_data(TensorData::new(z, [n, latent]), &self.device)
    }

    /// The noise the metrics are measured on: the same `n` vectors at every evaluation of a run,
    /// so the metric curves show the generator changing, not the noise.
    pub fn evaluation_noise(&self, n: usize) -> Tensor<2> {
        evaluation_noise(
            self.config.seed,
            n,
            self.config.model.latent_dim,
            &self.device,
        )
    }

    /// The run as a Ganvas file: config, step and both networks (read asynchronously).
    pub async fn checkpoint(&self) -> Result<Vec<u8>, CheckpointError> {
        let meta = GanMeta {
            config: self.config.clone(),
            step: self.step,
        };
        Ok(GanvasFile {
            kind: GAN_KIND.into(),
            meta: serde_json::to_string(&meta).expect("the meta serialises"),
            sections: vec![
                ("generator".into(), module_bytes(&self.generator).await?),
                (
                    "discriminator".into(),
                    module_bytes(&self.discriminator).await?,
                ),
            ],
        }
        .encode())
    }

    pub fn set_learning_rates(&mut self, lr_g: f64, lr_d: f64) {
        self.config.lr_g = lr_g;
        self.config.lr_d = lr_d;
    }

    fn noise_batch(&mut self, batch: usize) -> Tensor<2> {
        let latent = self.config.model.latent_dim;
        let z = self.noise.normal(batch * latent);
        Tensor::from_data(TensorData::new(z, [batch, latent]), &self.device) // [batch, latent]
    }
}

/// Clips every float parameter to [-c, c] (the WGAN critic's Lipschitz constraint), keeping it a
/// trainable leaf.
struct Clip(f32);

impl ModuleMapper for Clip {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let c = self.0;
        param.map(|t| t.clamp(-c, c).detach().require_grad())
    }
}

pub const GAN_KIND: &str = "gan";

#[derive(serde::Serialize, serde::Deserialize)]
struct GanMeta {
    config: TrainConfig,
    step: u64,
}

/// A GAN checkpoint, decoded onto a device (without autodiff: for sampling and evaluation).
pub struct GanCheckpoint {
    pub config: TrainConfig,
    pub step: u64,
    pub generator: Generator,
    pub discriminator: Discriminator,
}

impl GanCheckpoint {
    /// Parses and checks a checkpoint written by [`Trainer::checkpoint`].
    pub fn decode(bytes: &[u8], device: &Device) -> Result<Self, CheckpointError> {
        let file = GanvasFile::decode_kind(bytes, GAN_KIND)?;
        let meta: GanMeta = serde_json::from_str(&file.meta)
            .map_err(|e| CheckpointError::BadMeta(e.to_string()))?;
        let (generator, discriminator) = meta.config.model.init(device, meta.config.seed);
        Ok(Self {
            generator: load_module(generator, file.section("generator")?)?,
            discriminator: load_module(discriminator, file.section("discriminator")?)?,
            config: meta.config,
            step: meta.step,
        })
    }
}

/// The evaluation noise of a run with this seed: see [`Trainer::evaluation_noise`].
pub fn evaluation_noise(seed: u64, n: usize, latent: usize, device: &Device) -> Tensor<2> {
    let z = RunRng::new(seed, Stream::Evaluation).normal(n * latent);
    Tensor::from_data(TensorData::new(z, [n, latent]), device)
}
