//! GAN losses, computed from the discriminator's logits.
//!
//! Every loss goes through `softplus(x) = log(1 + e^x)`, written as `max(x, 0) + log1p(e^-|x|)`,
//! which never overflows and never takes the log of a rounded-to-zero probability: with
//! `sigmoid(x) = 1 / (1 + e^-x)`, `-log sigmoid(x) = softplus(-x)` and
//! `-log(1 - sigmoid(x)) = softplus(x)`.

use burn::module::{ModuleMapper, Param};
use burn::prelude::*;

/// The game the two networks play: how D is scored on real and fake images, and how G is scored
/// on D's verdict of its fakes. D always outputs one unbounded number per image (a logit for the
/// cross-entropy losses, a score for the others).
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum GanLoss {
    /// Cross-entropy for D; G maximises log D(G(z)) (Goodfellow et al. 2014, section 3): strong
    /// gradients early on.
    NonSaturating,
    /// Cross-entropy for D; G minimises log(1 - D(G(z))), the minimax game as written. Its gradient
    /// vanishes while D easily rejects the fakes, which is why the non-saturating form is used.
    Minimax,
    /// Least squares (LSGAN, Mao et al. 2017): D pushes its output to 1 on real and 0 on fake, G
    /// pushes it to 1 on fake.
    LeastSquares,
    /// Hinge (Lim and Ye 2017; Miyato et al. 2018): D wants real outputs >= 1 and fake outputs <= -1;
    /// G raises D's output on fakes.
    Hinge,
    /// Wasserstein (Arjovsky et al. 2017): the critic D widens the gap between its mean output on
    /// real and on fake images; G narrows it. Needs D's weights clipped (`TrainConfig::clip`).
    Wasserstein,
}

impl GanLoss {
    /// Whether D's output is a logit, so sigmoid(output) is D's probability that an image is real.
    pub fn has_probabilities(self) -> bool {
        matches!(self, GanLoss::NonSaturating | GanLoss::Minimax)
    }
}

/// Numerically stable `log(1 + e^x)`, element-wise.
pub fn softplus<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.clone().clamp_min(0.0) + x.abs().neg().exp().log1p()
}

/// The discriminator's loss. `real_label` is the target for real images: 1, or less for one-sided
/// label smoothing (Salimans et al. 2016); it applies to the cross-entropy and least-squares losses.
pub fn discriminator_loss(
    kind: GanLoss,
    real: Tensor<2>,
    fake: Tensor<2>,
    real_label: f32,
) -> Tensor<1> {
    match kind {
        // Cross-entropy with target t on real and 0 on fake:
        // mean(t * -log D(x) + (1 - t) * -log(1 - D(x))) + mean(-log(1 - D(G(z)))).
        GanLoss::NonSaturating | GanLoss::Minimax => {
            let real_term = if real_label == 1.0 {
                softplus(real.neg()).mean()
            } else {
                (softplus(real.clone().neg()) * real_label + softplus(real) * (1.0 - real_label))
                    .mean()
            };
            real_term + softplus(fake).mean()
        }
        // 1/2 mean((D(x) - t)^2) + 1/2 mean(D(G(z))^2)
        GanLoss::LeastSquares => {
            (real - real_label).powi_scalar(2).mean() * 0.5 + fake.powi_scalar(2).mean() * 0.5
        }
        // mean(relu(1 - D(x))) + mean(relu(1 + D(G(z))))
        GanLoss::Hinge => {
            (real.neg() + 1.0).clamp_min(0.0).mean() + (fake + 1.0).clamp_min(0.0).mean()
        }
        // mean(D(G(z))) - mean(D(x))
        GanLoss::Wasserstein => fake.mean() - real.mean(),
    }
}

/// The generator's loss for `fake = D(G(z))`.
pub fn generator_loss(kind: GanLoss, fake: Tensor<2>) -> Tensor<1> {
    match kind {
        // mean(-log D(G(z)))
        GanLoss::NonSaturating => softplus(fake.neg()).mean(),
        // mean(log(1 - D(G(z)))) = -mean(softplus(x))
        GanLoss::Minimax => softplus(fake).mean().neg(),
        // 1/2 mean((D(G(z)) - 1)^2)
        GanLoss::LeastSquares => (fake - 1.0).powi_scalar(2).mean() * 0.5,
        // -mean(D(G(z)))
        GanLoss::Hinge | GanLoss::Wasserstein => fake.mean().neg(),
    }
}

/// Clips every float parameter to [-c, c] (the WGAN critic's Lipschitz constraint), keeping it a
/// trainable leaf.
pub(crate) struct Clip(pub f32);

impl ModuleMapper for Clip {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let c = self.0;
        param.map(|t| t.clamp(-c, c).detach().require_grad())
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
        let loss = discriminator_loss(
            GanLoss::NonSaturating,
            logits(&[2.0, 0.0]),
            logits(&[-1.0, 1.0]),
            1.0,
        );
        close(scalar(loss), 0.410_038 + 0.813_262);
        // Smoothed real label 0.9: real term mean(0.9 * softplus(-x) + 0.1 * softplus(x)) over
        // x = [2, 0]: (0.9 * 0.126928 + 0.1 * 2.126928 + 0.693147) / 2 = 0.510038
        let smoothed = discriminator_loss(
            GanLoss::Minimax,
            logits(&[2.0, 0.0]),
            logits(&[-1.0, 1.0]),
            0.9,
        );
        close(scalar(smoothed), 0.510_038 + 0.813_262);
    }

    #[test]
    fn other_discriminator_losses_match_hand_computation() {
        let d = |kind, label| {
            scalar(discriminator_loss(
                kind,
                logits(&[2.0, 0.5]),
                logits(&[-1.5, 0.25]),
                label,
            ))
        };
        // LSGAN: 1/2 mean((2-1)^2, (0.5-1)^2) + 1/2 mean(2.25, 0.0625) = 0.3125 + 0.578125
        close(d(GanLoss::LeastSquares, 1.0), 0.890_625);
        // label 0.9: 1/2 mean(1.21, 0.16) + 0.578125 = 0.3425 + 0.578125
        close(d(GanLoss::LeastSquares, 0.9), 0.920_625);
        // Hinge: mean(relu(-1), relu(0.5)) + mean(relu(-0.5), relu(1.25)) = 0.25 + 0.625
        close(d(GanLoss::Hinge, 1.0), 0.875);
        // Wasserstein: mean(-1.5, 0.25) - mean(2, 0.5) = -0.625 - 1.25
        close(d(GanLoss::Wasserstein, 1.0), -1.875);
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
        let g = |kind| scalar(generator_loss(kind, logits(&[-1.5, 0.25])));
        // LSGAN: 1/2 mean((-2.5)^2, (-0.75)^2) = 1/2 mean(6.25, 0.5625) = 1.703125
        close(g(GanLoss::LeastSquares), 1.703_125);
        // Hinge and Wasserstein: -mean(-1.5, 0.25) = 0.625
        close(g(GanLoss::Hinge), 0.625);
        close(g(GanLoss::Wasserstein), 0.625);
    }

    #[test]
    fn losses_stay_finite_for_confident_discriminators() {
        let d = discriminator_loss(
            GanLoss::NonSaturating,
            logits(&[80.0, -80.0]),
            logits(&[-80.0, 80.0]),
            1.0,
        );
        let g = generator_loss(GanLoss::NonSaturating, logits(&[-80.0, 80.0]));
        close(scalar(d), 40.0 + 40.0);
        close(scalar(g), 40.0);
    }
}
