//! The `Ganvas` type the page drives: create it once, then call `trainSteps(n)` in small chunks.

use std::cell::RefCell;
use std::rc::Rc;

use burn::prelude::*;
use ganvas_core::data::Mnist;
use ganvas_core::metrics::{ClassifierFile, Evaluator};
use ganvas_core::train::{StepStats, TrainConfig, Trainer};
use js_sys::{Float32Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::backend::{self, Backend};
use crate::options::RunOptions;

/// Digits in the fixed-noise sample grid (8 x 8).
const SAMPLE_COUNT: usize = 64;
/// The most samples one `evaluate` call measures.
const MAX_EVAL_SAMPLES: usize = 2000;

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
    fixed_noise: Tensor<2>,
}

impl Session {
    fn new(config: TrainConfig, device: &Device, data: &Mnist) -> Self {
        let trainer = Trainer::new(config, device, data);
        let fixed_noise = trainer.fixed_noise(SAMPLE_COUNT);
        Self {
            trainer,
            fixed_noise,
        }
    }
}

/// One training run in the page, on the backend chosen at creation.
#[wasm_bindgen]
pub struct Ganvas {
    session: Rc<RefCell<Session>>,
    data: Rc<Mnist>,
    backend: Backend,
    /// The measuring classifier, once `loadClassifier` has run.
    evaluator: RefCell<Option<Rc<Evaluator>>>,
}

fn js_error(what: &str) -> impl Fn(burn::tensor::ExecutionError) -> JsValue + '_ {
    move |e| JsError::new(&format!("{what} failed: {e:?}")).into()
}

fn set(object: &js_sys::Object, key: &str, value: JsValue) -> Result<(), JsValue> {
    js_sys::Reflect::set(object, &key.into(), &value).map(|_| ())
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
        let options: RunOptions = if options.is_undefined() || options.is_null() {
            RunOptions::default()
        } else {
            serde_wasm_bindgen::from_value(options)
                .map_err(|e| JsError::new(&format!("bad run options: {e}")))?
        };
        let config = options.train_config().map_err(|e| JsError::new(&e))?;
        let data = Mnist::from_idx_gz(&images_gz, &labels_gz)
            .map_err(|e| JsError::new(&format!("the MNIST files could not be read: {e}")))?;
        let backend = backend::init(options.backend).await;
        let session = Session::new(config, &backend.device, &data);
        Ok(Ganvas {
            session: Rc::new(RefCell::new(session)),
            data: Rc::new(data),
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
        let accuracy = file.heldout_accuracy;
        let evaluator =
            Evaluator::new(classifier, file.reference, &self.data, &self.backend.device);
        *self.evaluator.borrow_mut() = Some(Rc::new(evaluator));
        Ok(accuracy)
    }

    fn evaluator(&self) -> Result<Rc<Evaluator>, JsError> {
        self.evaluator
            .borrow()
            .clone()
            .ok_or_else(|| JsError::new("the classifier is not loaded yet"))
    }

    /// Measures `n` samples of the run's evaluation noise. Resolves with
    /// `{ step, samples, classifierScore, fid, digitsCovered, histogram: [10], klFromUniform,
    /// copyRate, medianCopyRatio }`.
    pub fn evaluate(&self, n: usize) -> Result<Promise, JsError> {
        let evaluator = self.evaluator()?;
        let n = n.clamp(2, MAX_EVAL_SAMPLES);
        let (images, step) = {
            let session = self.session.borrow();
            let trainer = &session.trainer;
            (trainer.generate(trainer.evaluation_noise(n)), trainer.step)
        };
        let data = self.data.clone();
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
        let evaluator = self.evaluator()?;
        if index >= SAMPLE_COUNT {
            return Err(JsError::new(&format!("there is no sample {index}")));
        }
        let k = k.clamp(1, 20);
        let image = {
            let session = self.session.borrow();
            let z = session.fixed_noise.clone().narrow(0, index, 1);
            session.trainer.generate(z)
        };
        let data = self.data.clone();
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

    /// Runs `n` training steps, then resolves with the last step's statistics
    /// `{ step, dLoss, gLoss, dReal, dFake }`. The steps are queued on the device at once; the
    /// promise is the chunk's one sync point.
    #[wasm_bindgen(js_name = trainSteps)]
    pub fn train_steps(&self, n: u32) -> Promise {
        let n = n.max(1);
        let (stats, step): (StepStats, u64) = {
            let mut session = self.session.borrow_mut();
            let mut last = session.trainer.train_step(&self.data);
            for _ in 1..n {
                last = session.trainer.train_step(&self.data);
            }
            (last, session.trainer.step)
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
            ] {
                js_sys::Reflect::set(&out, &key.into(), &value.into())?;
            }
            Ok(out.into())
        })
    }

    /// Resolves with the fixed-noise sample grid: 64 images of 784 pixels in [-1, 1], row-major.
    pub fn samples(&self) -> Promise {
        let images = {
            let session = self.session.borrow();
            session.trainer.generate(session.fixed_noise.clone())
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
        let indices: Vec<usize> = self.data.train_indices().take(n).collect();
        Float32Array::from(self.data.gather(&indices).as_slice())
    }

    /// Starts the run again from step 0 with the same config and seed, on the same device.
    pub fn reset(&self) {
        let config = self.session.borrow().trainer.config.clone();
        *self.session.borrow_mut() = Session::new(config, &self.backend.device, &self.data);
    }
}
