//! GAN losses, computed from the discriminator's logits.
//!
//! Every loss goes through `softplus(x) = log(1 + e^x)`, written as `max(x, 0) + log1p(e^-|x|)`,
//! which never overflows and never takes the log of a rounded-to-zero probability: with
//! `sigmoid(x) = 1 / (1 + e^-x)`, `-log sigmoid(x) = softplus(-x)` and
//! `-log(1 - sigmoid(x)) = softplus(x)`.

use burn::prelude::*;

/// How the generator is scored against the discriminator.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum GanLoss {
    /// G maximises log D(G(z)) (Goodfellow et al. 2014, section 3): strong gradients early on.
    NonSaturating,
    /// G minimises log(1 - D(G(z))), the minimax game as written; its gradient vanishes while D
    /// easily rejects the fakes, which is why the non-saturating form is used in practice.
    Minimax,
}

/// Numerically stable `log(1 + e^x)`, element-wise.
pub fn softplus<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.clone().clamp_min(0.0) + x.abs().neg().exp().log1p()
}

/// The discriminator's loss: binary cross-entropy with real images labelled 1 and fakes labelled 0,
/// `mean(-log D(x)) + mean(-log(1 - D(G(z))))`.
pub fn discriminator_loss(real_logits: Tensor<2>, fake_logits: Tensor<2>) -> Tensor<1> {
    softplus(real_logits.neg()).mean() + softplus(fake_logits).mean()
}

/// The generator's loss for `fake_logits = D(G(z))`.
pub fn generator_loss(kind: GanLoss, fake_logits: Tensor<2>) -> Tensor<1> {
    match kind {
        // mean(-log D(G(z)))
        GanLoss::NonSaturating => softplus(fake_logits.neg()).mean(),
        // mean(log(1 - D(G(z)))) = -mean(softplus(x))
        GanLoss::Minimax => softplus(fake_logits).mean().neg(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logits(values: &[f32]) -> Tensor<2> {
        Tensor::<1>::from_floats(values, &Device::flex()).reshape([values.len(), 1])
    }

    fn scalar(t: Tensor<1>) -> f32 {
        t.into_data().try_to_vec::<f32>().unwrap()[0]
    }

    fn close(a: f32, b: f32) {
        assert!((a - b).abs() < 1e-5, "{a} != {b}");
    }

    #[test]
    fn softplus_matches_hand_values_and_survives_extremes() {
        // log(2) = 0.693147; log(1 + e) = 1.313262; log(1 + e^-3) = 0.048587
        let y: Vec<f32> = softplus(Tensor::<1>::from_floats(
            [0.0, 1.0, -3.0, 100.0, -100.0],
            &Device::flex(),
        ))
        .into_data()
        .try_to_vec()
        .unwrap();
        close(y[0], std::f32::consts::LN_2);
        close(y[1], 1.313_262);
        close(y[2], 0.048_587);
        close(y[3], 100.0); // the naive log(1 + e^100) is inf
        close(y[4], 0.0);
    }

    #[test]
    fn discriminator_loss_matches_hand_computation() {
        // real logits [2, 0]: -log sigmoid(2) = 0.126928, -log sigmoid(0) = 0.693147 -> mean 0.410038
        // fake logits [-1, 1]: -log(1 - sigmoid(-1)) = 0.313262, ... (1) = 1.313262 -> mean 0.813262
        let loss = discriminator_loss(logits(&[2.0, 0.0]), logits(&[-1.0, 1.0]));
        close(scalar(loss), 0.410_038 + 0.813_262);
    }

    #[test]
    fn generator_losses_match_hand_computation() {
        // fakes [-1, 1]: non-saturating mean(-log sigmoid) = (1.313262 + 0.313262) / 2 = 0.813262
        // minimax mean(log(1 - sigmoid)) = -(0.313262 + 1.313262) / 2 = -0.813262
        close(
            scalar(generator_loss(GanLoss::NonSaturating, logits(&[-1.0, 1.0]))),
            0.813_262,
        );
        close(
            scalar(generator_loss(GanLoss::Minimax, logits(&[-1.0, 1.0]))),
            -0.813_262,
        );
    }

    #[test]
    fn losses_stay_finite_for_confident_discriminators() {
        let d = discriminator_loss(logits(&[80.0, -80.0]), logits(&[-80.0, 80.0]));
        let g = generator_loss(GanLoss::NonSaturating, logits(&[-80.0, 80.0]));
        close(scalar(d), 40.0 + 40.0);
        close(scalar(g), 40.0);
    }
}
