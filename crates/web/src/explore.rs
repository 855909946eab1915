//! Exploring the generator: its grid's noise, G of any noise, D's verdict on a drawing (the probe)
//! and "find it in the GAN", the search for the z whose G(z) is nearest to a drawing.

use burn::prelude::*;
use ganvas_core::data::Dataset;
use ganvas_core::latent::LatentSearch;
use ganvas_core::model::{CLASSES, IMAGE_PIXELS, Latent, one_hot};
use ganvas_core::rng::{RunRng, Stream};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::app::{Ganvas, Session, flat, read_all};
use crate::replies::{Probe, SearchProgress, floats, js_error, to_js};

/// Starting points the latent search optimises side by side.
const SEARCH_CANDIDATES: usize = 8;
/// The most images one `generate` call draws.
const MAX_GENERATE: usize = 256;

/// The timelapse of the grids the page kept, as an animated PNG with the step on each frame
/// (ganvas_core::picture). `steps`: one per grid; `pixels`: the grids' images (784 each, in
/// [-1, 1]), grid after grid.
#[wasm_bindgen(js_name = timelapsePng)]
pub fn timelapse_png(steps: Vec<f64>, pixels: Vec<f32>) -> Result<Vec<u8>, JsError> {
    if steps.is_empty() || !pixels.len().is_multiple_of(steps.len()) {
        return Err(JsError::new("no grid was kept yet: train a little first"));
    }
    let per_grid = pixels.len() / steps.len();
    let frames: Vec<(u64, &[f32])> = steps
        .iter()
        .zip(pixels.chunks(per_grid))
        .map(|(&step, grid)| (step as u64, grid))
        .collect();
    ganvas_core::picture::timelapse_png(&frames, IMAGE_PIXELS, 8).map_err(|e| JsError::new(&e))
}

#[wasm_bindgen]
impl Ganvas {
    /// The sample grid's 64 noise vectors, row-major (64 x latentDim).
    #[wasm_bindgen(js_name = fixedLatents)]
    pub fn fixed_latents(&self) -> Promise {
        let z = self.session.borrow().fixed_noise.z.clone();
        future_to_promise(async move {
            let [z] = read_all([flat(z)]).await?;
            Ok(floats(&z).into())
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
            let [pixels] = read_all([flat(images)]).await?;
            Ok(floats(&pixels).into())
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
            let [score] = read_all([score]).await?;
            Ok(to_js(&Probe {
                realness: score.first().copied().unwrap_or(f32::NAN),
                probabilities,
                guess,
                class_probabilities: floats(&class_probs),
            })?)
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
            search.run(trainer.sampler(), n.clamp(1, 100));
        }
        let snapshot = {
            let s = session.borrow();
            let search = s
                .search
                .as_ref()
                .ok_or_else(|| JsError::new("no search is running"))?;
            search.snapshot(s.trainer.sampler())
        };
        Ok(future_to_promise(async move {
            let result = snapshot
                .read()
                .await
                .map_err(js_error("reading the search"))?;
            Ok(to_js(&SearchProgress {
                steps: result.steps as f64,
                distance: result.distance,
                image: floats(&result.image),
                z: floats(&result.z),
            })?)
        }))
    }

    #[wasm_bindgen(js_name = searchStop)]
    pub fn search_stop(&self) {
        self.session.borrow_mut().search = None;
    }
}

impl Ganvas {
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
