//! Checkpoint files and history tables: save a run, look inside a file, load one, and the history as
//! CSV.

use std::rc::Rc;

use ganvas_core::data::{Dataset, IMAGE_LEN};
use ganvas_core::resume::{LOSS_COLUMNS, QUALITY_COLUMNS, RunHistory, SavedRun};
use ganvas_core::train::fixed_noise;
use js_sys::{Float64Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::app::{Ganvas, SAMPLE_COUNT, Session, read_dataset, read_images};
use crate::options::Settings;
use crate::replies::{CheckpointInfo, ComparedRun, LoadedRun, to_js};

/// `{ settings, step, dUpdates, full }` of a checkpoint file. Errors name what is wrong with it.
#[wasm_bindgen(js_name = checkpointInfo)]
pub fn checkpoint_info(bytes: &[u8]) -> Result<JsValue, JsError> {
    let saved = saved_run(bytes)?;
    to_js(&CheckpointInfo {
        settings: Settings::of(&saved.config),
        step: saved.step,
        d_updates: saved.d_updates,
        full: saved.full,
        own_images: own_image_count(&saved),
    })
}

fn own_image_count(saved: &SavedRun) -> Option<usize> {
    saved.own_images.as_ref().map(|p| p.len() / IMAGE_LEN)
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

#[wasm_bindgen]
impl Ganvas {
    /// The whole run as a checkpoint file (Uint8Array): settings, step, both networks, both
    /// optimizers, the random streams and the given history (flat rows, see `historyCsv`), and
    /// the images themselves when the run trains on the learner's own.
    pub fn checkpoint(&self, losses: Vec<f64>, quality: Vec<f64>) -> Promise {
        let history = RunHistory { losses, quality };
        let session = self.session.borrow();
        let own =
            (session.trainer.config.dataset == Dataset::Own).then(|| self.data().training_bytes());
        let saving = session.trainer.checkpoint_with(&history, true, own);
        future_to_promise(async move {
            let bytes = saving
                .await
                .map_err(|e| JsError::new(&format!("saving the run failed: {e}")))?;
            Ok(Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// A saved run for comparing, read beside this one (which it leaves untouched): `{ settings,
    /// step, losses: Float64Array, quality: Float64Array, samples: Float32Array }`. The samples
    /// are its generator's drawing of its own fixed noise: the grid it showed at that step.
    #[wasm_bindgen(js_name = compareRun)]
    pub fn compare_run(&self, bytes: &[u8]) -> Result<Promise, JsError> {
        let saved = saved_run(bytes)?;
        let device = &self.backend.device;
        let (generator, _) = saved
            .networks(device)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let config = &saved.config;
        let noise = fixed_noise(&config.model, config.seed, SAMPLE_COUNT, device);
        let images = generator.sample(&noise);
        let settings = Settings::of(config);
        let step = saved.step as f64;
        let history = saved.history;
        Ok(future_to_promise(async move {
            Ok(to_js(&ComparedRun {
                settings,
                step,
                losses: Float64Array::from(history.losses.as_slice()),
                quality: Float64Array::from(history.quality.as_slice()),
                samples: read_images(images).await?,
            })?)
        }))
    }

    /// Replaces the run with a checkpoint's, on this backend. A checkpoint of another data set
    /// needs that data set's two files; one on own images brings them. On any error the current
    /// run is untouched. Returns `{ step, dUpdates, full, losses: Float64Array,
    /// quality: Float64Array, ownImages: Uint8Array | null }`.
    #[wasm_bindgen(js_name = loadCheckpoint)]
    pub fn load_checkpoint(
        &self,
        bytes: Vec<u8>,
        images_gz: Option<Vec<u8>>,
        labels_gz: Option<Vec<u8>>,
    ) -> Result<JsValue, JsValue> {
        let saved = saved_run(&bytes)?;
        let data = if let Some(own) = &saved.own_images {
            Rc::new(read_dataset(Dataset::Own, own, &[])?)
        } else if saved.config.dataset == self.session.borrow().trainer.config.dataset {
            self.data()
        } else {
            let (Some(images), Some(labels)) = (images_gz, labels_gz) else {
                return Err(JsError::new("this checkpoint's data set needs its files").into());
            };
            Rc::new(read_dataset(saved.config.dataset, &images, &labels)?)
        };
        let trainer = saved
            .into_trainer(&self.backend.device, &data)
            .map_err(|e| JsError::new(&e.to_string()))?;
        *self.session.borrow_mut() = Session::of(trainer);
        if !Rc::ptr_eq(&data, &self.data()) {
            // Another data set: its own classifier measures it, once the page sends it.
            *self.evaluator.borrow_mut() = None;
        }
        *self.data.borrow_mut() = data;
        Ok(to_js(&LoadedRun {
            step: saved.step as f64,
            d_updates: saved.d_updates as f64,
            full: saved.full,
            losses: Float64Array::from(saved.history.losses.as_slice()),
            quality: Float64Array::from(saved.history.quality.as_slice()),
            own_images: saved
                .own_images
                .as_ref()
                .map(|p| Uint8Array::from(p.as_slice())),
        })?)
    }
}
