//! One-click setups for the classroom: each sets the whole run (model, loss, settings, seed). The
//! failure presets come with the preset that fixes them; the evidence that each failure shows with
//! its seed is in `tests/claims/presets.rs` (native, CPU) and the README's "Teaching with Ganvas".

use crate::loss::GanLoss;
use crate::model::ModelConfig;
use crate::train::TrainConfig;

pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    /// Two lines: what this run is, and what to watch.
    pub caption: [&'static str; 2],
    /// The preset that fixes this one's failure.
    pub fix: Option<&'static str>,
    pub config: TrainConfig,
}

/// The failure presets' base, and their fixes: the seed GAN's networks and loss drawn by G itself,
/// not the average of its weights, since they show what G does, step by step (an average of a G
/// that jumps between digits would blend them). They train at the rates that measured best when G
/// draws (G 1e-3, twice D's); the seed GAN's G trains at twice that, since the average of G's
/// weights smooths the faster steps out. Adam's momentum stays at the DCGAN paper's 0.5, with which each failure and its fix
/// were measured over several seeds and CPUs (`tests/claims/presets.rs`), at batch 64.
pub fn plain() -> TrainConfig {
    TrainConfig::new()
        .with_batch_size(64)
        .with_lr_g(1e-3)
        .with_lr_d(5e-4)
        .with_beta1(0.5)
        .with_ema(0.0)
}

/// All presets, in the order the page lists them.
pub fn presets() -> Vec<Preset> {
    let seed_gan = TrainConfig::new();
    let raw = plain();
    // The convolutional pair learns fastest at 2e-3 for both networks (README, "Digits in a
    // thousand steps"), measured at batch 64 like every preset but the seed GAN.
    let dcgan = TrainConfig::new()
        .with_batch_size(64)
        .with_model(ModelConfig::dcgan())
        .with_lr_g(2e-3)
        .with_lr_d(2e-3);
    // A discriminator far ahead of G from the start (5 updates per G step at 10x G's rate), against
    // the plain networks (no batch norm in G): with batch norm, G kept learning under the
    // saturating loss too (tests/claims/presets.rs measured its gradient only 5x smaller). At 5x G's
    // rate, D won on some CPUs and seeds but not others: on an Intel Xeon, seed 1 still had
    // D(G(z)) = 0.04 at step 500.
    let strong_d = raw
        .clone()
        .with_model(ModelConfig::new().with_batch_norm(false))
        .with_lr_g(2e-4)
        .with_lr_d(2e-3)
        .with_d_steps(5);
    vec![
        Preset {
            id: "seed-gan",
            name: "Seed GAN",
            caption: [
                "Two fully connected networks, trained the established way: batch norm in G, non-saturating loss, Adam without momentum (G 2e-3, D 5e-4), small batches of 32 for quick steps; the average of G's recent weights draws the samples.",
                "Watch the noise turn into blurry strokes, then digit shapes, while D(x) and D(G(z)) stay apart but close.",
            ],
            fix: None,
            config: seed_gan.clone(),
        },
        Preset {
            id: "dcgan",
            name: "DCGAN",
            caption: [
                "Convolutional networks: G paints with 4x4 brushes that double the image size, D looks at patches.",
                "Watch clean strokes appear far sooner than with the seed GAN, and the classifier score climb.",
            ],
            fix: None,
            config: dcgan.clone(),
        },
        Preset {
            id: "conditional",
            name: "Conditional: pick a digit",
            caption: [
                "G is told which digit to draw, and D judges each image against its label.",
                "Read the grid left to right: it asks for 0, 1, ..., 9, 0, 1, ... in turn. The Ask for menu asks every cell for one digit.",
            ],
            fix: None,
            config: dcgan
                .clone()
                .with_model(ModelConfig::dcgan().with_conditional(true)),
        },
        Preset {
            id: "wgan",
            name: "Wasserstein GAN",
            caption: [
                "A critic instead of a judge: D scores how real an image is, trains 5 times per G step, and its weights are clipped to [-0.01, 0.01] (Arjovsky et al. 2017).",
                "Watch the critic's gap between real and fake scores (minus its loss) shrink as the digits improve: unlike the other losses, it tracks quality.",
            ],
            fix: None,
            config: TrainConfig::new()
                .with_batch_size(64)
                .with_model(ModelConfig::dcgan())
                .with_loss(GanLoss::Wasserstein)
                .with_d_steps(5)
                .with_clip(0.01)
                // The paper's RMSprop at 5e-5: Adam with beta1 = 0 (the default) is RMSprop with
                // bias correction.
                .with_lr_g(5e-5)
                .with_lr_d(5e-5),
        },
        Preset {
            id: "mode-collapse",
            name: "Mode collapse",
            caption: [
                "G learns 20 times faster than D (1e-2 against 5e-4): each step it jumps to whatever D is worst at rejecting right now.",
                "Watch the samples settle on a few kinds of figure and the digit histogram pile up on one or two digits: the 'digits drawn' count stays low.",
            ],
            fix: Some("mode-collapse-fix"),
            config: raw.clone().with_lr_g(1e-2),
        },
        Preset {
            id: "mode-collapse-fix",
            name: "Mode collapse: the fix",
            caption: [
                "The same run with G at 1e-3, twice D's rate: the pace that measured best when G itself draws.",
                "Watch the samples stay different from each other and the histogram spread over the digits.",
            ],
            fix: None,
            config: raw.clone(),
        },
        Preset {
            id: "saturating",
            name: "Vanishing gradients: the saturating loss",
            caption: [
                "G minimises log(1 - D(G(z))), the loss as first written; the plain networks (no batch norm), and D trains 5 times per G step at 10x G's rate: it soon spots every fake, where that loss is flat.",
                "Watch D(G(z)) drop to about 0, G's gradient shrink a thousandfold, and the samples freeze as noise.",
            ],
            fix: Some("saturating-fix"),
            config: strong_d.clone().with_loss(GanLoss::Minimax),
        },
        Preset {
            id: "saturating-fix",
            name: "Vanishing gradients: the fix",
            caption: [
                "The same strong D, but G maximises log D(G(z)) instead (the non-saturating loss).",
                "Watch G's gradient stay strong although D(G(z)) is low, and strokes appear.",
            ],
            fix: None,
            config: strong_d,
        },
        Preset {
            id: "d-wins",
            name: "The discriminator wins",
            caption: [
                "D learns 100 times faster than G (2e-3 against 2e-5) and trains 5 times per G step: it becomes certain about every image.",
                "Watch D's loss fall to about 0, D(x) go to 1 and D(G(z)) to 0, and the samples stay noise.",
            ],
            fix: Some("d-wins-fix"),
            config: raw.clone().with_lr_d(2e-3).with_lr_g(2e-5).with_d_steps(5),
        },
        Preset {
            id: "d-wins-fix",
            name: "The discriminator wins: the fix",
            caption: [
                "The same run at the pace that measured best when G itself draws (G 1e-3, D 5e-4, one D update per step): neither network can run away.",
                "Watch D's loss stay well above 0 and the samples become digits.",
            ],
            fix: None,
            config: raw,
        },
    ]
}

/// The preset with this id.
pub fn preset(id: &str) -> Option<Preset> {
    presets().into_iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;

    #[test]
    fn presets_are_valid_and_fixes_exist() {
        let all = presets();
        for p in &all {
            p.config.model.validate().unwrap();
            if let Some(fix) = p.fix {
                let fix = preset(fix).expect("a failure's fix is a preset");
                assert_eq!(fix.config.seed, p.config.seed, "a fix keeps the seed");
            }
        }
        let mut ids: Vec<_> = all.iter().map(|p| p.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        assert_eq!(all[0].id, "seed-gan");
        assert_eq!(Dataset::from_id("fashion"), Some(Dataset::Fashion));
    }
}
