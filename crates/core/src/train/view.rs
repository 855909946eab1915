//! One D or G update shown on images, for the page's step-by-step mode: the images each network
//! saw, and D's scores of them before and after the update.

use burn::prelude::*;

use super::{DStepStats, GStepStats, Trainer};
use crate::data::Mnist;

/// What one D update did, on images, for the step-by-step view: the first `show` images of the
/// real and fake batches and D's scores of them before and after the update (probabilities for the
/// cross-entropy losses, raw outputs otherwise). All still on the device.
pub struct DStepView {
    pub stats: DStepStats,
    pub real: Tensor<2>,
    pub fake: Tensor<2>,
    pub real_before: Tensor<1>,
    pub real_after: Tensor<1>,
    pub fake_before: Tensor<1>,
    pub fake_after: Tensor<1>,
}

/// What one G update did: the first `show` fakes from the same noise before and after it, and D's
/// scores of both.
pub struct GStepView {
    pub stats: GStepStats,
    pub before: Tensor<2>,
    pub after: Tensor<2>,
    pub score_before: Tensor<1>,
    pub score_after: Tensor<1>,
}

impl Trainer {
    /// A D update, with the before-and-after view of its first `show` real and fake images.
    pub fn d_step_view(&mut self, data: &Mnist, show: usize) -> DStepView {
        let real = self.next_real(data);
        let batch = real.images.dims()[0];
        let show = show.clamp(1, batch);
        let noise = self.noise_batch(batch);
        let fake = self.fake_batch(&noise); // [batch, 784]
        let shown = |t: &Tensor<2>| t.clone().narrow(0, 0, show);
        let shown_labels = |l: &Option<Tensor<2>>| l.as_ref().map(|l| l.clone().narrow(0, 0, show));
        let (real_images, real_labels) = (shown(&real.images), shown_labels(&real.labels));
        let (fake_images, fake_labels) = (shown(&fake), shown_labels(&noise.labels));
        let real_before = self.score(real_images.clone(), real_labels.clone());
        let fake_before = self.score(fake_images.clone(), fake_labels.clone());
        let stats = self.d_update(real, fake, noise.labels, true);
        DStepView {
            stats,
            real_after: self.score(real_images.clone(), real_labels),
            fake_after: self.score(fake_images.clone(), fake_labels),
            real: real_images,
            fake: fake_images,
            real_before,
            fake_before,
        }
    }

    /// A G update, with the before-and-after view of its first `show` fakes (same noise).
    pub fn g_step_view(&mut self, show: usize) -> GStepView {
        let batch = self.config.batch_size;
        let show = show.clamp(1, batch);
        let noise = self.noise_batch(batch);
        let shown = noise.narrow(0, show);
        // G itself, not the average of its weights: the view shows what this one update did.
        let before = self.generator.sample(&shown).detach();
        let score_before = self.score(before.clone(), shown.labels.clone());
        let stats = self.g_update(noise, true);
        let after = self.generator.sample(&shown).detach();
        GStepView {
            stats,
            score_after: self.score(after.clone(), shown.labels),
            score_before,
            before,
            after,
        }
    }
}
