//! Measuring a run with the classifier: its quality panel (`evaluate`) and the copy check
//! (`neighbours`, the training digits nearest to a sample).

use std::rc::Rc;

use ganvas_core::data::{Dataset, Mnist};
use ganvas_core::own_images;
use ganvas_core::{classifier_file::ClassifierFile, evaluator::Evaluator};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::app::{Ganvas, SAMPLE_COUNT};
use crate::replies::{CopyCheck, NearDigit, Quality, floats, js_error, to_js};

/// The most samples one `evaluate` call measures.
const MAX_EVAL_SAMPLES: usize = 2000;

#[wasm_bindgen]
impl Ganvas {
    /// Loads the measuring classifier of the run's data set (its `www/models/` file, named in the
    /// run's schema) onto this run's device, with the training images it compares samples to.
    /// Returns its held-out accuracy. A new data set drops it (`configure`, `loadCheckpoint`).
    #[wasm_bindgen(js_name = loadClassifier)]
    pub fn load_classifier(&self, bytes: Vec<u8>) -> Result<f64, JsError> {
        let (file, classifier) = ClassifierFile::decode(&bytes, &self.backend.device)
            .map_err(|e| JsError::new(&format!("the classifier file could not be read: {e}")))?;
        let accuracy = file.heldout_accuracy;
        let data = self.data();
        let mut evaluator = Evaluator::new(classifier, file.reference, &data, &self.backend.device);
        if self.session.borrow().trainer.config.dataset == Dataset::Own {
            // No held-out digits: a copy is judged against the images' own spacing.
            evaluator.reference.heldout_nn_median = own_images::copy_reference(&data);
        }
        *self.evaluator.borrow_mut() = Some((Rc::new(evaluator), data));
        Ok(accuracy)
    }

    /// Measures `n` samples of the run's evaluation noise. Resolves with
    /// `{ step, samples, classifierScore, fid, digitsCovered, klFromUniform, copyRate,
    /// medianCopyRatio, diversity, histogram: [10] }`. `untrained`: measure a new run's generator
    /// as it was at step 0 instead (once; an error where the run did not start here at step 0).
    pub fn evaluate(&self, n: usize, untrained: bool) -> Result<Promise, JsError> {
        let (evaluator, data) = self.evaluator()?;
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
            Ok(to_js(&Quality {
                step: step as f64,
                samples: m.samples as f64,
                classifier_score: m.classifier_score,
                fid: m.fid,
                digits_covered: m.coverage.digits_covered as f64,
                kl_from_uniform: m.coverage.kl_from_uniform,
                copy_rate: m.copy_rate,
                median_copy_ratio: m.median_copy_ratio,
                diversity: m.diversity,
                histogram: m.coverage.histogram,
            })?)
        }))
    }

    /// The `k` training images nearest to sample `index` of the grid (as `samples()` drew it).
    /// Resolves with `{ sample: Float32Array(784), pixels: Float32Array(k * 784),
    /// neighbours: [{ index, label, distance, ratio, verdict }] }`, nearest first.
    pub fn neighbours(&self, index: usize, k: usize) -> Result<Promise, JsError> {
        let (evaluator, data) = self.evaluator()?;
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
            Ok(to_js(&CopyCheck {
                sample: floats(&sample),
                pixels: floats(&data.gather(&indices)),
                neighbours: near
                    .iter()
                    .map(|n| NearDigit {
                        index: n.index as f64,
                        label: data.label(n.index) as f64,
                        distance: n.distance,
                        ratio: n.ratio,
                        verdict: n.verdict.words(),
                    })
                    .collect(),
            })?)
        }))
    }
}

impl Ganvas {
    fn evaluator(&self) -> Result<(Rc<Evaluator>, Rc<Mnist>), JsError> {
        self.evaluator
            .borrow()
            .clone()
            .ok_or_else(|| JsError::new("the classifier is not loaded yet"))
    }
}
