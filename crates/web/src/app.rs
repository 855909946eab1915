//! The `Ganvas` type the page drives: create it once, then call `trainSteps(n)` in small chunks.

use std::cell::RefCell;
use std::rc::Rc;

use burn::prelude::*;
use ganvas_core::data::{Dataset, Mnist};
use ganvas_core::latent::LatentSearch;
use ganvas_core::model::{CLASSES, Generator, IMAGE_PIXELS, Latent, one_hot};
use ganvas_core::resume::{LOSS_COLUMNS, QUALITY_COLUMNS, RunHistory, SavedRun};
use ganvas_core::rng::{RunRng, Stream};
use ganvas_core::train::{StepStats, TrainConfig, Trainer};
use ganvas_core::{classifier_file::ClassifierFile, evaluator::Evaluator};
use js_sys::{Float32Array, Float64Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::backend::{self, Backend};
use crate::options::{RunOptions, Settings, preset_list};

/// Digits in the fixed-noise sample grid (8 x 8).
const SAMPLE_COUNT: usize = 64;
/// The most samples one `evaluate` call measures.
const MAX_EVAL_SAMPLES: usize = 2000;
/// Images of each batch the step-by-step view shows.
const VIEW_IMAGES: usize = 8;
/// Starting points the latent search optimises side by side.
const SEARCH_CANDIDATES: usize = 8;
/// The most images one `generate` call draws.
const MAX_GENERATE: usize = 256;

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // The page shows panics in words: it defines this function before the module loads.
        let report = js_sys::Reflect::get(&js_sys::global(), &"ganvasPanic".into());
        if let Ok(report) = report.and_then(|f| f.dyn_into::<js_sys::Function>()) {
            let _ = report.call1(&JsValue::NULL, &info.to_string().into());
        }
    }));
}

struct Session {
    trainer: Trainer,
    fixed_noise: Latent,
    /// A new run's generator as it was at step 0, kept until it has been measured: the quality
    /// panel's first reading is the untrained generator's, without delaying the first step.
    untrained: Option<Generator>,
    /// The drawing probe's latent search, while one runs.
    search: Option<LatentSearch>,
}

impl Session {
    fn new(config: TrainConfig, device: &Device, data: &Mnist) -> Self {
        let mut session = Self::of(Trainer::new(config, device, data));
        session.untrained = Some(session.trainer.generator.clone());
        session
    }

    /// A session around a run, new or loaded.
    fn of(trainer: Trainer) -> Self {
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
    session: Rc<RefCell<Session>>,
    data: RefCell<Rc<Mnist>>,
    backend: Backend,
    /// The measuring classifier, once `loadClassifier` has run, with the digits it compares to.
    evaluator: RefCell<Option<(Rc<Evaluator>, Rc<Mnist>)>>,
}

fn js_error(what: &str) -> impl Fn(burn::tensor::ExecutionError) -> JsValue + '_ {
    move |e| JsError::new(&format!("{what} failed: {e:?}")).into()
}

fn set(object: &js_sys::Object, key: &str, value: JsValue) -> Result<(), JsValue> {
    js_sys::Reflect::set(object, &key.into(), &value).map(|_| ())
}

fn floats(values: &[f32]) -> JsValue {
    Float32Array::from(values).into()
}

/// Reads tensors in one transaction (without autodiff) as flat f32 vectors. CPU-GPU sync point.
async fn read_all(tensors: Vec<Tensor<1>>) -> Result<Vec<Vec<f32>>, JsValue> {
    let mut t = burn::tensor::Transaction::default();
    for tensor in tensors {
        t = t.register(tensor.inner());
    }
    let data = t
        .execute_async()
        .await
        .map_err(|e| JsError::new(&format!("reading from the device failed: {e:?}")))?;
    Ok(data
        .into_iter()
        .map(|d| d.try_to_vec::<f32>().unwrap_or_default())
        .collect())
}

/// A data set's two gzipped IDX files, decoded.
fn read_dataset(images_gz: &[u8], labels_gz: &[u8]) -> Result<Mnist, JsError> {
    Mnist::from_idx_gz(images_gz, labels_gz)
        .map_err(|e| JsError::new(&format!("the data files could not be read: {e}")))
}

fn flat(t: Tensor<2>) -> Tensor<1> {
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

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("{e}")))
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

/// What a checkpoint file holds, checked (container, settings, history) but not yet loaded.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckpointInfo {
    settings: Settings,
    step: u64,
    d_updates: u64,
    /// With optimizer state and random streams: loading continues the run exactly.
    full: bool,
}

/// `{ settings, step, dUpdates, full }` of a checkpoint file. Errors name what is wrong with it.
#[wasm_bindgen(js_name = checkpointInfo)]
pub fn checkpoint_info(bytes: &[u8]) -> Result<JsValue, JsError> {
    let saved = saved_run(bytes)?;
    to_js(&CheckpointInfo {
        settings: Settings::of(&saved.config),
        step: saved.step,
        d_updates: saved.d_updates,
        full: saved.full,
    })
}

/// Parses and checks a checkpoint: the same decoder, with the same settings' ranges, as the CLI.
fn saved_run(bytes: &[u8]) -> Result<SavedRun, JsError> {
    SavedRun::parse(bytes).map_err(|e| JsError::new(&e.to_string()))
}

/// A history table as CSV text with a header row. `table`: "losses" or "quality"; `values`: its
/// rows, flat (columns as in ganvas_core::resume).
#[wasm_bindgen(js_name = historyCsv)]
pub fn history_csv(table: &str, values: Vec<f64>) -> Result<String, JsError> {
    let columns: &[&str] = match table {
        "losses" => &LOSS_COLUMNS,
        "quality" => &QUALITY_COLUMNS,
        _ => return Err(JsError::new("no such history table")),
    };
    if !values.len().is_multiple_of(columns.len()) {
        return Err(JsError::new("the history is not whole rows"));
    }
    Ok(RunHistory::csv(&values, columns))
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
    /// `options`: `{ seed?, batchSize?, backend?: "auto" | "cpu" }`.
    pub async fn create(
        images_gz: Vec<u8>,
        labels_gz: Vec<u8>,
        options: JsValue,
    ) -> Result<Ganvas, JsError> {
        let options = options_from(options)?;
        let config = options.train_config().map_err(|e| JsError::new(&e))?;
        let data = read_dataset(&images_gz, &labels_gz)?;
        let backend = backend::init(options.backend).await;
        let session = Session::new(config, &backend.device, &data);
        Ok(Ganvas {
            session: Rc::new(RefCell::new(session)),
            data: RefCell::new(Rc::new(data)),
            backend,
            evaluator: RefCell::new(None),
        })
    }

    /// Loads the measuring classifier (a `www/models/classifier.ganvas` file) onto this run's
    /// device, with the training digits it compares samples to. Returns its held-out accuracy.
    #[wasm_bindgen(js_name = loadClassifier)]
    pub fn load_classifier(&self, bytes: Vec<u8>) -> Result<f64, JsError> {
        let (file, classifier) = ClassifierFile::decode(&bytes, &self.backend.device)
            .map_err(|e| JsError::new(&format!("the classifier file could not be read: {e}")))?;
        self.digits_only()?;
        let accuracy = file.heldout_accuracy;
        let data = self.data();
        let evaluator = Evaluator::new(classifier, file.reference, &data, &self.backend.device);
        *self.evaluator.borrow_mut() = Some((Rc::new(evaluator), data));
        Ok(accuracy)
    }

    fn evaluator(&self) -> Result<(Rc<Evaluator>, Rc<Mnist>), JsError> {
        self.evaluator
            .borrow()
            .clone()
            .ok_or_else(|| JsError::new("the classifier is not loaded yet"))
    }

    /// Measures `n` samples of the run's evaluation noise. Resolves with
    /// `{ step, samples, classifierScore, fid, digitsCovered, histogram: [10], klFromUniform,
    /// copyRate, medianCopyRatio }`. `untrained`: measure a new run's generator as it was at step
    /// 0 instead (once; an error where the run did not start here at step 0).
    pub fn evaluate(&self, n: usize, untrained: bool) -> Result<Promise, JsError> {
        let (evaluator, data) = self.evaluator()?;
        self.digits_only()?;
        let n = n.clamp(2, MAX_EVAL_SAMPLES);
        let (images, step) = {
            let mut session = self.session.borrow_mut();
            let noise = session.trainer.evaluation_noise(n);
            if untrained {
                let generator = session.untrained.take().ok_or_else(|| {
                    JsError::new("this run has no untrained generator to measure")
                })?;
                (generator.sample(&noise).detach(), 0)
            } else {
                (session.trainer.generate(&noise), session.trainer.step)
            }
        };
        Ok(future_to_promise(async move {
            let m = evaluator
                .evaluate(images, &data)
                .await
                .map_err(js_error("measuring the samples"))?;
            let out = js_sys::Object::new();
            for (key, value) in [
                ("step", step as f64),
                ("samples", m.samples as f64),
                ("classifierScore", m.classifier_score),
                ("fid", m.fid),
                ("digitsCovered", m.coverage.digits_covered as f64),
                ("klFromUniform", m.coverage.kl_from_uniform),
                ("copyRate", m.copy_rate),
                ("medianCopyRatio", m.median_copy_ratio),
                ("diversity", m.diversity),
            ] {
                set(&out, key, value.into())?;
            }
            let histogram: js_sys::Array = m
                .coverage
                .histogram
                .iter()
                .map(|&c| JsValue::from(c))
                .collect();
            set(&out, "histogram", histogram.into())?;
            Ok(out.into())
        }))
    }

    /// The `k` training digits nearest to sample `index` of the grid (as `samples()` drew it).
    /// Resolves with `{ sample: Float32Array(784), pixels: Float32Array(k * 784),
    /// neighbours: [{ index, label, distance, ratio, verdict }] }`, nearest first.
    pub fn neighbours(&self, index: usize, k: usize) -> Result<Promise, JsError> {
        let (evaluator, data) = self.evaluator()?;
        self.digits_only()?;
        if index >= SAMPLE_COUNT {
            return Err(JsError::new(&format!("there is no sample {index}")));
        }
        let k = k.clamp(1, 20);
        let image = {
            let session = self.session.borrow();
            session
                .trainer
                .generate(&session.fixed_noise.narrow(index, 1))
        };
        Ok(future_to_promise(async move {
            let (sample, near) = evaluator
                .neighbours(image, k, &data)
                .await
                .map_err(js_error("finding the nearest training digits"))?;
            let indices: Vec<usize> = near.iter().map(|n| n.index).collect();
            let list = js_sys::Array::new();
            for n in &near {
                let item = js_sys::Object::new();
                set(&item, "index", (n.index as f64).into())?;
                set(&item, "label", (data.label(n.index) as f64).into())?;
                set(&item, "distance", n.distance.into())?;
                set(&item, "ratio", n.ratio.into())?;
                set(&item, "verdict", n.verdict.words().into())?;
                list.push(&item);
            }
            let out = js_sys::Object::new();
            set(&out, "sample", Float32Array::from(sample.as_slice()).into())?;
            set(
                &out,
                "pixels",
                Float32Array::from(data.gather(&indices).as_slice()).into(),
            )?;
            set(&out, "neighbours", list.into())?;
            Ok(out.into())
        }))
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
            let out = js_sys::Object::new();
            for (key, value) in [
                ("step", step as f64),
                ("dLoss", v.d_loss as f64),
                ("gLoss", v.g_loss as f64),
                ("dReal", v.d_real as f64),
                ("dFake", v.d_fake as f64),
                ("gGrad", v.g_grad as f64),
                ("dUpdates", d_updates as f64),
            ] {
                js_sys::Reflect::set(&out, &key.into(), &value.into())?;
            }
            Ok(out.into())
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
        future_to_promise(async move {
            let data = images
                .into_data_async()
                .await
                .map_err(|e| JsError::new(&format!("reading the samples failed: {e:?}")))?;
            let pixels: Vec<f32> = data
                .try_to_vec()
                .map_err(|e| JsError::new(&format!("unexpected sample data: {e:?}")))?;
            Ok(Float32Array::from(pixels.as_slice()).into())
        })
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
    /// needs its two files.
    pub fn configure(
        &self,
        options: JsValue,
        images_gz: Option<Vec<u8>>,
        labels_gz: Option<Vec<u8>>,
    ) -> Result<String, JsError> {
        let config = options_from(options)?
            .train_config()
            .map_err(|e| JsError::new(&e))?;
        if self
            .session
            .borrow_mut()
            .trainer
            .apply_live(&config)
            .is_ok()
        {
            return Ok("live".into());
        }
        if config.dataset != self.session.borrow().trainer.config.dataset {
            let (Some(images), Some(labels)) = (images_gz, labels_gz) else {
                return Err(JsError::new("a new data set needs its files"));
            };
            *self.data.borrow_mut() = Rc::new(read_dataset(&images, &labels)?);
        }
        *self.session.borrow_mut() = Session::new(config, &self.backend.device, &self.data());
        Ok("restarted".into())
    }

    /// One discriminator update, shown: resolves with `{ step, dUpdates, dLoss, real, fake
    /// (Float32Array, 8 images each), realBefore, realAfter, fakeBefore, fakeAfter (8 scores each),
    /// probabilities }`. `probabilities`: whether the scores are D's probabilities (else raw outputs).
    #[wasm_bindgen(js_name = dStep)]
    pub fn d_step(&self) -> Promise {
        let data = self.data();
        let (view, step, d_updates, probabilities) = {
            let mut session = self.session.borrow_mut();
            let view = session.trainer.d_step_view(&data, VIEW_IMAGES);
            let t = &session.trainer;
            (view, t.step, t.d_updates, t.config.loss.has_probabilities())
        };
        future_to_promise(async move {
            let [loss, d_real, d_fake, real, fake, rb, ra, fb, fa]: [Vec<f32>; 9] = read_all(vec![
                view.stats.d_loss,
                view.stats.d_real,
                view.stats.d_fake,
                flat(view.real),
                flat(view.fake),
                view.real_before,
                view.real_after,
                view.fake_before,
                view.fake_after,
            ])
            .await?
            .try_into()
            .map_err(|_| JsError::new("unexpected step data"))?;
            let out = js_sys::Object::new();
            set(&out, "step", (step as f64).into())?;
            set(&out, "dUpdates", (d_updates as f64).into())?;
            set(
                &out,
                "dLoss",
                loss.first().copied().unwrap_or(f32::NAN).into(),
            )?;
            set(
                &out,
                "dReal",
                d_real.first().copied().unwrap_or(f32::NAN).into(),
            )?;
            set(
                &out,
                "dFake",
                d_fake.first().copied().unwrap_or(f32::NAN).into(),
            )?;
            set(&out, "probabilities", probabilities.into())?;
            for (key, values) in [
                ("real", &real),
                ("fake", &fake),
                ("realBefore", &rb),
                ("realAfter", &ra),
                ("fakeBefore", &fb),
                ("fakeAfter", &fa),
            ] {
                set(&out, key, floats(values))?;
            }
            Ok(out.into())
        })
    }

    /// One generator update, shown: resolves with `{ step, dUpdates, gLoss, gGrad, before, after
    /// (Float32Array, 8 images each, same noise), scoreBefore, scoreAfter, probabilities }`.
    #[wasm_bindgen(js_name = gStep)]
    pub fn g_step(&self) -> Promise {
        let (view, step, d_updates, probabilities) = {
            let mut session = self.session.borrow_mut();
            let view = session.trainer.g_step_view(VIEW_IMAGES);
            let t = &session.trainer;
            (view, t.step, t.d_updates, t.config.loss.has_probabilities())
        };
        future_to_promise(async move {
            let [loss, grad, before, after, sb, sa]: [Vec<f32>; 6] = read_all(vec![
                view.stats.g_loss,
                view.stats.g_grad,
                flat(view.before),
                flat(view.after),
                view.score_before,
                view.score_after,
            ])
            .await?
            .try_into()
            .map_err(|_| JsError::new("unexpected step data"))?;
            let out = js_sys::Object::new();
            set(&out, "step", (step as f64).into())?;
            set(&out, "dUpdates", (d_updates as f64).into())?;
            set(
                &out,
                "gLoss",
                loss.first().copied().unwrap_or(f32::NAN).into(),
            )?;
            set(
                &out,
                "gGrad",
                grad.first().copied().unwrap_or(f32::NAN).into(),
            )?;
            set(&out, "probabilities", probabilities.into())?;
            for (key, values) in [
                ("before", &before),
                ("after", &after),
                ("scoreBefore", &sb),
                ("scoreAfter", &sa),
            ] {
                set(&out, key, floats(values))?;
            }
            Ok(out.into())
        })
    }

    /// The whole run as a checkpoint file (Uint8Array): settings, step, both networks, both
    /// optimizers, the random streams and the given history (flat rows, see `historyCsv`).
    pub fn checkpoint(&self, losses: Vec<f64>, quality: Vec<f64>) -> Promise {
        let history = RunHistory { losses, quality };
        let saving = self.session.borrow().trainer.checkpoint(&history, true);
        future_to_promise(async move {
            let bytes = saving
                .await
                .map_err(|e| JsError::new(&format!("saving the run failed: {e}")))?;
            Ok(Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// Replaces the run with a checkpoint's, on this backend. A checkpoint of another data set
    /// needs that data set's two files. On any error the current run is untouched. Returns
    /// `{ step, dUpdates, full, losses: Float64Array, quality: Float64Array }`.
    #[wasm_bindgen(js_name = loadCheckpoint)]
    pub fn load_checkpoint(
        &self,
        bytes: Vec<u8>,
        images_gz: Option<Vec<u8>>,
        labels_gz: Option<Vec<u8>>,
    ) -> Result<JsValue, JsValue> {
        let saved = saved_run(&bytes)?;
        let data = if saved.config.dataset == self.session.borrow().trainer.config.dataset {
            self.data()
        } else {
            let (Some(images), Some(labels)) = (images_gz, labels_gz) else {
                return Err(JsError::new("this checkpoint's data set needs its files").into());
            };
            Rc::new(read_dataset(&images, &labels)?)
        };
        let trainer = saved
            .into_trainer(&self.backend.device, &data)
            .map_err(|e| JsError::new(&e.to_string()))?;
        *self.session.borrow_mut() = Session::of(trainer);
        *self.data.borrow_mut() = data;
        let out = js_sys::Object::new();
        set(&out, "step", (saved.step as f64).into())?;
        set(&out, "dUpdates", (saved.d_updates as f64).into())?;
        set(&out, "full", saved.full.into())?;
        set(
            &out,
            "losses",
            Float64Array::from(saved.history.losses.as_slice()).into(),
        )?;
        set(
            &out,
            "quality",
            Float64Array::from(saved.history.quality.as_slice()).into(),
        )?;
        Ok(out.into())
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

    /// The sample grid's 64 noise vectors, row-major (64 x latentDim).
    #[wasm_bindgen(js_name = fixedLatents)]
    pub fn fixed_latents(&self) -> Promise {
        let z = self.session.borrow().fixed_noise.z.clone();
        future_to_promise(async move {
            let [z]: [Vec<f32>; 1] = read_all(vec![flat(z)])
                .await?
                .try_into()
                .map_err(|_| JsError::new("unexpected latent data"))?;
            Ok(floats(&z))
        })
    }

    /// G of the given noise vectors `z` (n x latentDim, row-major). `classes`: one per vector, for a
    /// conditional model (else ignored). Resolves with n x 784 pixels in [-1, 1].
    pub fn generate(&self, z: Vec<f32>, classes: Option<Vec<u8>>) -> Result<Promise, JsError> {
        let session = self.session.borrow();
        let trainer = &session.trainer;
        let latent = trainer.config.model.latent_dim;
        let n = z.len() / latent;
        if n == 0 || n > MAX_GENERATE || z.len() != n * latent || z.iter().any(|v| !v.is_finite()) {
            return Err(JsError::new(&format!(
                "expected 1 to {MAX_GENERATE} finite vectors of {latent} numbers"
            )));
        }
        let device = trainer.device();
        let labels = trainer.config.model.conditional.then(|| {
            let classes = classes.unwrap_or_default();
            let per_row: Vec<u8> = (0..n)
                .map(|i| classes.get(i).copied().unwrap_or((i % CLASSES) as u8))
                .collect();
            one_hot(&per_row, device)
        });
        let images = trainer.generate(&Latent {
            z: Tensor::from_data(TensorData::new(z, [n, latent]), device),
            labels,
        });
        Ok(future_to_promise(async move {
            let [pixels]: [Vec<f32>; 1] = read_all(vec![flat(images)])
                .await?
                .try_into()
                .map_err(|_| JsError::new("unexpected image data"))?;
            Ok(floats(&pixels))
        }))
    }

    /// D's verdict on one image (784 pixels in [-1, 1]) and, when the classifier is loaded, its
    /// guess. `class`: the label a conditional D judges the image against (default: the
    /// classifier's guess, else 0). Resolves with `{ realness, probabilities, guess, classProbabilities }`:
    /// `realness` is D's probability that the image is real when `probabilities`, else D's raw score.
    pub fn probe(&self, pixels: Vec<f32>, class: Option<u8>) -> Result<Promise, JsError> {
        let image = self.image_tensor(pixels)?;
        let digits = self.session.borrow().trainer.config.dataset == Dataset::Mnist;
        let evaluator = self
            .evaluator
            .borrow()
            .as_ref()
            .filter(|_| digits)
            .map(|(e, _)| e.clone());
        let session = self.session.clone();
        Ok(future_to_promise(async move {
            let mut guess = None;
            let mut class_probs = Vec::new();
            if let Some(evaluator) = &evaluator {
                let (probs, _) = evaluator
                    .classify(image.clone())
                    .await
                    .map_err(js_error("classifying the drawing"))?;
                guess = probs
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(i, _)| i as u8);
                class_probs = probs;
            }
            let (score, probabilities) = {
                let session = session.borrow();
                let t = &session.trainer;
                let labels = t
                    .config
                    .model
                    .conditional
                    .then(|| one_hot(&[class.or(guess).unwrap_or(0)], t.device()));
                (
                    t.score(image.autodiff(), labels),
                    t.config.loss.has_probabilities(),
                )
            };
            let [score]: [Vec<f32>; 1] = read_all(vec![score])
                .await?
                .try_into()
                .map_err(|_| JsError::new("unexpected score data"))?;
            let out = js_sys::Object::new();
            set(
                &out,
                "realness",
                score.first().copied().unwrap_or(f32::NAN).into(),
            )?;
            set(&out, "probabilities", probabilities.into())?;
            set(
                &out,
                "guess",
                guess.map_or(JsValue::NULL, |g| (g as f64).into()),
            )?;
            set(&out, "classProbabilities", floats(&class_probs))?;
            Ok(out.into())
        }))
    }

    /// Starts "find it in the GAN" for a drawing (784 pixels in [-1, 1]): a search for the z whose
    /// G(z) is nearest to it. `class`: what a conditional G is asked to draw.
    #[wasm_bindgen(js_name = searchStart)]
    pub fn search_start(&self, pixels: Vec<f32>, class: Option<u8>) -> Result<(), JsError> {
        if pixels.len() != IMAGE_PIXELS || pixels.iter().any(|p| !p.is_finite()) {
            return Err(JsError::new("a drawing is 784 finite pixels"));
        }
        let mut session = self.session.borrow_mut();
        let t = &session.trainer;
        let class = t
            .config
            .model
            .conditional
            .then(|| class.unwrap_or(0) % CLASSES as u8);
        let mut rng = RunRng::new(t.config.seed ^ t.step, Stream::LatentSearch);
        let search = LatentSearch::new(
            &pixels,
            class,
            SEARCH_CANDIDATES,
            t.config.model.latent_dim,
            &mut rng,
            t.device(),
        );
        session.search = Some(search);
        Ok(())
    }

    /// `n` more steps of the search; resolves with `{ steps, distance, image (784), z }` for the best
    /// starting point so far. Stop calling it to cancel; `searchStop()` frees it.
    #[wasm_bindgen(js_name = searchSteps)]
    pub fn search_steps(&self, n: usize) -> Result<Promise, JsError> {
        let session = self.session.clone();
        {
            let mut s = session.borrow_mut();
            let Session {
                trainer, search, ..
            } = &mut *s;
            let search = search
                .as_mut()
                .ok_or_else(|| JsError::new("no search is running"))?;
            search.run(&trainer.generator, n.clamp(1, 100));
        }
        let snapshot = {
            let s = session.borrow();
            let search = s
                .search
                .as_ref()
                .ok_or_else(|| JsError::new("no search is running"))?;
            search.snapshot(&s.trainer.generator)
        };
        Ok(future_to_promise(async move {
            let result = snapshot
                .read()
                .await
                .map_err(js_error("reading the search"))?;
            let out = js_sys::Object::new();
            set(&out, "steps", (result.steps as f64).into())?;
            set(&out, "distance", result.distance.into())?;
            set(&out, "image", floats(&result.image))?;
            set(&out, "z", floats(&result.z))?;
            Ok(out.into())
        }))
    }

    #[wasm_bindgen(js_name = searchStop)]
    pub fn search_stop(&self) {
        self.session.borrow_mut().search = None;
    }
}

impl Ganvas {
    fn data(&self) -> Rc<Mnist> {
        self.data.borrow().clone()
    }

    /// The classifier knows digits: measuring and the copy check refuse other data sets.
    fn digits_only(&self) -> Result<(), JsError> {
        if self.session.borrow().trainer.config.dataset == Dataset::Mnist {
            Ok(())
        } else {
            Err(JsError::new(
                "the measuring classifier knows digits only (MNIST)",
            ))
        }
    }

    /// One image as a [1, 784] tensor on the backend's device (no autodiff).
    fn image_tensor(&self, pixels: Vec<f32>) -> Result<Tensor<2>, JsError> {
        if pixels.len() != IMAGE_PIXELS || pixels.iter().any(|p| !p.is_finite()) {
            return Err(JsError::new("an image is 784 finite pixels"));
        }
        Ok(Tensor::from_data(
            TensorData::new(pixels, [1, IMAGE_PIXELS]),
            &self.backend.device,
        ))
    }
}
