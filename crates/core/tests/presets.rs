//! Each failure preset shows its failure with its own seed, and its fix does not (native, CPU).
//! These are the page's presets: the same configs, the same seeds, the same training step.

use burn::prelude::*;
use ganvas_core::data::Mnist;
use ganvas_core::metrics::mean_pairwise_distance;
use ganvas_core::preset::preset;
use ganvas_core::train::{StepValues, Trainer};

fn mnist() -> Mnist {
    Mnist::from_idx_gz(
        include_bytes!("../../../www/data/mnist-10k-images-idx3-ubyte.gz"),
        include_bytes!("../../../www/data/mnist-10k-labels-idx1-ubyte.gz"),
    )
    .expect("the committed data set decodes")
}

struct Outcome {
    /// The statistics of the last 50 steps.
    last: Vec<StepValues>,
    /// Mean distance between the 64 grid samples over the same for 300 held-out digits.
    diversity: f64,
}

impl Outcome {
    fn mean(&self, f: impl Fn(&StepValues) -> f32) -> f64 {
        self.last.iter().map(|v| f64::from(f(v))).sum::<f64>() / self.last.len() as f64
    }
}

fn run(id: &str, steps: usize, data: &Mnist) -> Outcome {
    let config = preset(id).expect("a preset").config;
    let mut trainer = Trainer::new(config, &Device::flex(), data);
    let mut last = Vec::new();
    for step in 0..steps {
        let stats = trainer.train_step(data);
        if step + 50 >= steps {
            // Native tests may block: Flex reads synchronously.
            last.push(pollster::block_on(stats.read()).expect("CPU read"));
        }
    }
    let samples = trainer.generate(&trainer.fixed_noise(64));
    let pixels: Vec<f32> = samples.into_data().try_to_vec().expect("f32 pixels");
    let heldout: Vec<usize> = data.heldout_indices().take(300).collect();
    Outcome {
        last,
        diversity: mean_pairwise_distance(&pixels) / mean_pairwise_distance(&data.gather(&heldout)),
    }
}

#[test]
fn mode_collapse_draws_one_image_and_its_fix_does_not() {
    let data = mnist();
    let collapsed = run("mode-collapse", 1000, &data);
    let fixed = run("mode-collapse-fix", 1000, &data);
    eprintln!(
        "diversity: collapse {:.4}, fix {:.4}",
        collapsed.diversity, fixed.diversity
    );
    assert!(
        collapsed.diversity < 0.05,
        "collapse: {}",
        collapsed.diversity
    );
    assert!(fixed.diversity > 0.3, "fix: {}", fixed.diversity);
}

#[test]
fn the_saturating_loss_starves_g_and_the_non_saturating_one_does_not() {
    let data = mnist();
    let saturating = run("saturating", 500, &data);
    let fixed = run("saturating-fix", 500, &data);
    let (g_sat, g_fix) = (saturating.mean(|v| v.g_grad), fixed.mean(|v| v.g_grad));
    let fake = saturating.mean(|v| v.d_fake);
    eprintln!(
        "G gradient: saturating {g_sat:.2e}, fix {g_fix:.2e}; D(G(z)) {fake:.2e}; diversity {:.3} vs {:.3}",
        saturating.diversity, fixed.diversity
    );
    assert!(fake < 1e-3, "D rejects every fake: D(G(z)) = {fake}");
    assert!(
        g_sat * 1000.0 < g_fix,
        "G's gradient vanishes: {g_sat} vs {g_fix}"
    );
    assert!(
        saturating.diversity < 0.2,
        "the samples stay noise: {}",
        saturating.diversity
    );
    assert!(
        fixed.diversity > saturating.diversity + 0.05,
        "the fix learns: {}",
        fixed.diversity
    );
}

#[test]
fn a_runaway_discriminator_wins_and_balanced_rates_do_not() {
    let data = mnist();
    let wins = run("d-wins", 1000, &data);
    let fixed = run("d-wins-fix", 1000, &data);
    let (loss_wins, loss_fix) = (wins.mean(|v| v.d_loss), fixed.mean(|v| v.d_loss));
    eprintln!(
        "D loss: runaway {loss_wins:.3}, fix {loss_fix:.3}; D(G(z)) {:.3} vs {:.3}; diversity {:.3} vs {:.3}",
        wins.mean(|v| v.d_fake),
        fixed.mean(|v| v.d_fake),
        wins.diversity,
        fixed.diversity
    );
    assert!(loss_wins < 0.15, "D wins: its loss is {loss_wins}");
    assert!(wins.mean(|v| v.d_fake) < 0.1);
    assert!(
        loss_fix > 2.0 * loss_wins,
        "the fix keeps the game open: {loss_fix}"
    );
    assert!(
        fixed.diversity > wins.diversity + 0.1,
        "the fix's samples vary: {} vs {}",
        fixed.diversity,
        wins.diversity
    );
}
