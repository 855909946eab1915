//! The step-by-step mode: one D update or one G update at a time, with the images and D's scores
//! before and after it.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::app::{Ganvas, flat, read_all};
use crate::replies::{DiscriminatorStep, GeneratorStep, floats, to_js};

/// Images of each batch the step-by-step view shows.
const VIEW_IMAGES: usize = 8;

/// A read scalar (a one-element tensor); NaN where it came back empty.
fn scalar(values: &[f32]) -> f32 {
    values.first().copied().unwrap_or(f32::NAN)
}

#[wasm_bindgen]
impl Ganvas {
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
            let [loss, d_real, d_fake, real, fake, rb, ra, fb, fa] = read_all([
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
            .await?;
            Ok(to_js(&DiscriminatorStep {
                step: step as f64,
                d_updates: d_updates as f64,
                d_loss: scalar(&loss),
                d_real: scalar(&d_real),
                d_fake: scalar(&d_fake),
                probabilities,
                real: floats(&real),
                fake: floats(&fake),
                real_before: floats(&rb),
                real_after: floats(&ra),
                fake_before: floats(&fb),
                fake_after: floats(&fa),
            })?)
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
            let [loss, grad, before, after, sb, sa] = read_all([
                view.stats.g_loss,
                view.stats.g_grad,
                flat(view.before),
                flat(view.after),
                view.score_before,
                view.score_after,
            ])
            .await?;
            Ok(to_js(&GeneratorStep {
                step: step as f64,
                d_updates: d_updates as f64,
                g_loss: scalar(&loss),
                g_grad: scalar(&grad),
                probabilities,
                before: floats(&before),
                after: floats(&after),
                score_before: floats(&sb),
                score_after: floats(&sa),
            })?)
        })
    }
}
