//! The `Ganvas` type the page drives: create it once, then call `trainSteps(n)` in small chunks.
//! This file holds the run itself (create, train, samples, settings, reset); the other `impl Ganvas`
//! blocks are in `checkpoint`, `measure`, `stepper` and `explore`.

use std::cell::RefCell;
use std::rc::Rc;

use burn::prelude::*;
use ganvas_core::data::{Dataset, Mnist};
use ganvas_core::evaluator::Evaluator;
use ganvas_core::latent::LatentSearch;
use ganvas_core::model::{Generator, Latent, one_hot};
use ganvas_core::train::{StepStats, TrainConfig, Trainer};
use js_sys::{Float32Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::backend::{self, Backend};
use crate::options::{RunOptions, Settings, preset_list};
use crate::replies::{ChunkStats, to_js};

/// Digits in the fixed-noise sample grid (8 x 8).
pub(crate) const SAMPLE_COUNT: usize = 64;

#[wasm_bindgen(start)]
pub fn start() {
    crate::constructors::run_once();
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // The page shows panics in words: it defines this function before the module loads.
        let report = js_sys::Reflect::get(&js_sys::global(), &"ganvasPanic".into());
        if let Ok(report) = report.and_then(|f| f.dyn_into::<js_sys::Function>()) {
            let _ = report.call1(&JsValue::NULL, &info.to_string().into());
        }
    }));
}

pub(crate) struct Session {
    pub(crate) trainer: Trainer,
    pub(crate) fixed_noise: Latent,
    /// A new run's generator as it was at step 0, kept until it has been measured: the quality
    /// panel's first reading is the untrained generator's, without delaying the first step.
    pub(crate) untrained: Option<Generator>,
    /// The drawing probe's latent search, while one runs.
    pub(crate) search: Option<LatentSearch>,
}

impl Session {
    fn new(config: TrainConfig, device: &Device, data: &Mnist) -> Self {
        let mut session = Self::of(Trainer::new(config, device, data));
        session.untrained = Some(session.trainer.generator.clone());
        session
    }

    /// A session around a run, new or loaded.
    pub(crate) fn of(trainer: Trainer) -> Self {
        let fixed_noise = trainer.fixed_noise(SAMPLE_COUNT);
        Self {
            trainer,
            fixed_noise,
            untrained: None,
            search: None,
        }
    }
}

/// One training run in the page, on the backend chosen at creation.
#[wasm_bindgen]
pub struct Ganvas {
    pub(crate) session: Rc<RefCell<Session>>,
    pub(crate) data: RefCell<Rc<Mnist>>,
    pub(crate) backend: Backend,
    /// The measuring classifier, once `loadClassifier` has run, with the digits it compares to.
    pub(crate) evaluator: RefCell<Option<(Rc<Evaluator>, Rc<Mnist>)>>,
}

/// Reads `N` tensors in one transaction (without autodiff) as flat f32 vectors, in order.
/// CPU-GPU sync point.
pub(crate) async fn read_all<const N: usize>(
    tensors: [Tensor<1>; N],
) -> Result<[Vec<f32>; N], JsValue> {
    let mut t = burn::tensor::Transaction::default();
    for tensor in tensors {
        t = t.register(tensor.inner());
    }
    let data = t
        .execute_async()
        .await
        .map_err(|e| JsError::new(&format!("reading from the device failed: {e:?}")))?;
    let vectors: Vec<Vec<f32>> = data
        .into_iter()
        .map(|d| d.try_to_vec::<f32>().unwrap_or_default())
        .collect();
    Ok(vectors.try_into().map_err(|_| {
        JsError::new("the device returned another number of tensors than asked for")
    })?)
}

/// A data set's two gzipped IDX files, decoded; for the learner's own images, `images` holds
/// them (784 bytes each, see `prepareImage`) and `labels` is ignored.
pub(crate) fn read_dataset(
    dataset: Dataset,
    images: &[u8],
    labels: &[u8],
) -> Result<Mnist, JsError> {
    if dataset == Dataset::Own {
        return ganvas_core::own_images::dataset(images)
            .map_err(|e| JsError::new(&format!("your images cannot train: {e}")));
    }
    Mnist::from_idx_gz(images, labels)
        .map_err(|e| JsError::new(&format!("the data files could not be read: {e}")))
}

/// A picture the browser decoded (`width * height` grey bytes, 0 black) as a 28x28 MNIST-like
/// image: 784 bytes, ink fitted into 20x20 and centred by its mass, a light background turned
/// black. `undefined` when the picture is blank.
#[wasm_bindgen(js_name = prepareImage)]
pub fn prepare_image(grey: &[u8], width: usize, height: usize) -> Option<Vec<u8>> {
    ganvas_core::own_images::prepare(grey, width, height).map(|image| image.to_vec())
}

/// Generated images read back (asynchronously: safe on WebGPU) as one flat array of pixels.
pub(crate) async fn read_images(images: Tensor<2>) -> Result<Float32Array, JsError> {
    let data = images
        .into_data_async()
        .await
        .map_err(|e| JsError::new(&format!("reading the samples failed: {e:?}")))?;
    let pixels: Vec<f32> = data
        .try_to_vec()
        .map_err(|e| JsError::new(&format!("unexpected sample data: {e:?}")))?;
    Ok(Float32Array::from(pixels.as_slice()))
}

pub(crate) fn flat(t: Tensor<2>) -> Tensor<1> {
    let n = t.dims()[0] * t.dims()[1];
    t.reshape([n])
}

fn options_from(value: JsValue) -> Result<RunOptions, JsError> {
    if value.is_undefined() || value.is_null() {
        Ok(RunOptions::default())
    } else {
        serde_wasm_bindgen::from_value(value)
            .map_err(|e| JsError::new(&format!("bad run options: {e}")))
    }
}

/// Reads a share link's hash: `{ preset, settings, autostart, hide, ignored }` (never fails: bad
/// fields are left out and named in `ignored`).
#[wasm_bindgen(js_name = parseLink)]
pub fn parse_link(hash: &str) -> Result<JsValue, JsError> {
    to_js(&crate::link::parse(hash))
}

/// The share link's hash for a run's settings.
#[wasm_bindgen(js_name = formatLink)]
pub fn format_link(
    preset: Option<String>,
    settings: JsValue,
    autostart: bool,
    pretrained: bool,
    hide: Vec<String>,
) -> Result<String, JsError> {
    let settings: Settings = serde_wasm_bindgen::from_value(settings)
        .map_err(|e| JsError::new(&format!("bad settings: {e}")))?;
    Ok(crate::link::format(
        preset.as_deref(),
        &settings,
        autostart,
        pretrained,
        &hide,
    ))
}

/// The run's schema, for the page: `{ bounds, defaults, losses, lossColumns, qualityColumns,
/// datasets, maxFileBytes }` (see `options::Schema`).
#[wasm_bindgen]
pub fn schema() -> Result<JsValue, JsError> {
    to_js(&crate::options::schema())
}

/// The presets, for the page's buttons: `[{ id, name, caption: [2], fix, settings }]`.
#[wasm_bindgen]
pub fn presets() -> Result<JsValue, JsError> {
    to_js(&preset_list())
}

#[wasm_bindgen]
impl Ganvas {
    /// Decodes the data set, acquires the backend (WebGPU, else the CPU) and builds the networks.
    /// `options`: `{ seed?, batchSize?, backend?: "auto" | "cpu", dataset?, ... }`.
    pub async fn create(
        images_gz: Vec<u8>,
        labels_gz: Vec<u8>,
        options: JsValue,
    ) -> Result<Ganvas, JsError> {
        let options = options_from(options)?;
        let config = options.train_config().map_err(|e| JsError::new(&e))?;
        let data = read_dataset(config.dataset, &images_gz, &labels_gz)?;
        let backend = backend::init(options.backend).await;
        let session = Session::new(config, &backend.device, &data);
        Ok(Ganvas {
            session: Rc::new(RefCell::new(session)),
            data: RefCell::new(Rc::new(data)),
            backend,
            evaluator: RefCell::new(None),
        })
    }

    /// "WebGPU" or "CPU".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.name.to_string()
    }

    /// Why the CPU is in use, when it is; empty on WebGPU.
    #[wasm_bindgen(getter, js_name = backendNote)]
    pub fn backend_note(&self) -> String {
        self.backend.note.clone()
    }

    /// The error that sent the page to the CPU, when there was one.
    #[wasm_bindgen(getter, js_name = backendDetail)]
    pub fn backend_detail(&self) -> String {
        self.backend.detail.clone()
    }

    /// Runs `n` training steps, then resolves with their statistics
    /// `{ step, dLoss, gLoss, dReal, dFake, gGrad, dUpdates }`: the losses are the chunk's means,
    /// the rest the last step's (`Trainer::train_steps`). The steps are queued on the device at once; the
    /// promise is the chunk's one sync point.
    #[wasm_bindgen(js_name = trainSteps)]
    pub fn train_steps(&self, n: u32) -> Promise {
        let n = n.max(1);
        let data = self.data();
        let (stats, step, d_updates): (StepStats, u64, u64) = {
            let mut session = self.session.borrow_mut();
            let stats = session.trainer.train_steps(&data, n as usize);
            (stats, session.trainer.step, session.trainer.d_updates)
        };
        future_to_promise(async move {
            let v = stats
                .read()
                .await
                .map_err(|e| JsError::new(&format!("reading the losses failed: {e:?}")))?;
            Ok(to_js(&ChunkStats {
                step: step as f64,
                d_loss: v.d_loss,
                g_loss: v.g_loss,
                d_real: v.d_real,
                d_fake: v.d_fake,
                g_grad: v.g_grad,
                d_updates: d_updates as f64,
            })?)
        })
    }

    /// Resolves with the fixed-noise sample grid: 64 images of 784 pixels in [-1, 1], row-major.
    /// `class`: a conditional model draws that class in every cell (else class i % 10 in cell i).
    pub fn samples(&self, class: Option<u8>) -> Promise {
        let images = {
            let session = self.session.borrow();
            let mut latent = session.fixed_noise.clone();
            if let (Some(c), Some(_)) = (class, &latent.labels) {
                latent.labels = Some(one_hot(&[c; SAMPLE_COUNT], session.trainer.device()));
            }
            session.trainer.generate(&latent)
        };
        future_to_promise(async move { Ok(read_images(images).await?.into()) })
    }

    /// The first `n` training digits, 784 pixels each in [-1, 1]; read on the host, no GPU.
    #[wasm_bindgen(js_name = realDigits)]
    pub fn real_digits(&self, n: usize) -> Float32Array {
        let data = self.data();
        let indices: Vec<usize> = data.train_indices().take(n).collect();
        Float32Array::from(data.gather(&indices).as_slice())
    }

    /// Starts the run again from step 0 with the same config and seed, on the same device.
    pub fn reset(&self) {
        let config = self.session.borrow().trainer.config.clone();
        *self.session.borrow_mut() = Session::new(config, &self.backend.device, &self.data());
    }
    /// Every setting of the current run: `{ seed, batchSize, architecture, conditional, ... }`.
    pub fn settings(&self) -> Result<JsValue, JsError> {
        to_js(&Settings::of(&self.session.borrow().trainer.config))
    }

    /// Applies new settings. Learning rates, the loss, D steps, the real label and the clip value
    /// apply live ("live"); anything else starts a new run at step 0 ("restarted"). A new data set
    /// needs its two files; new own images (`images` with the own data set) restart the run on
    /// them.
    pub fn configure(
        &self,
        options: JsValue,
        images_gz: Option<Vec<u8>>,
        labels_gz: Option<Vec<u8>>,
    ) -> Result<String, JsError> {
        let config = options_from(options)?
            .train_config()
            .map_err(|e| JsError::new(&e))?;
        let new_own_images = config.dataset == Dataset::Own && images_gz.is_some();
        if !new_own_images
            && self
                .session
                .borrow_mut()
                .trainer
                .apply_live(&config)
                .is_ok()
        {
            return Ok("live".into());
        }
        if new_own_images || config.dataset != self.session.borrow().trainer.config.dataset {
            let (Some(images), Some(labels)) = (images_gz, labels_gz) else {
                return Err(JsError::new("a new data set needs its files"));
            };
            *self.data.borrow_mut() = Rc::new(read_dataset(config.dataset, &images, &labels)?);
            // Its own classifier measures it, once the page sends it.
            *self.evaluator.borrow_mut() = None;
        }
        *self.session.borrow_mut() = Session::new(config, &self.backend.device, &self.data());
        Ok("restarted".into())
    }

    /// Returns the device memory the backend's pools hold but no tensor uses. burn's WebGPU pools
    /// keep every freed buffer for reuse, so occasional peaks (a checkpoint read beside a training
    /// chunk, a measurement) would otherwise stay allocated for the page's lifetime.
    #[wasm_bindgen(js_name = releaseMemory)]
    pub fn release_memory(&self) {
        self.backend.device.memory_cleanup();
    }

    /// Steps done (G updates).
    #[wasm_bindgen(getter)]
    pub fn step(&self) -> f64 {
        self.session.borrow().trainer.step as f64
    }

    /// Size of z.
    #[wasm_bindgen(getter, js_name = latentDim)]
    pub fn latent_dim(&self) -> usize {
        self.session.borrow().trainer.config.model.latent_dim
    }

    /// Whether the generator takes a class.
    #[wasm_bindgen(getter)]
    pub fn conditional(&self) -> bool {
        self.session.borrow().trainer.config.model.conditional
    }
}

impl Ganvas {
    pub(crate) fn data(&self) -> Rc<Mnist> {
        self.data.borrow().clone()
    }
}
