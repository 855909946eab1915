//! The `Ganvas` type the page drives: create it once, then call `trainSteps(n)` in small chunks.

use std::cell::RefCell;
use std::rc::Rc;

use burn::prelude::*;
use ganvas_core::data::Mnist;
use ganvas_core::train::{StepStats, TrainConfig, Trainer};
use js_sys::{Float32Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::backend::{self, Backend};
use crate::options::RunOptions;

/// Digits in the fixed-noise sample grid (8 x 8).
const SAMPLE_COUNT: usize = 64;

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
