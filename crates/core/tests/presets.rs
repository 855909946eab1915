//! Each failure preset shows its failure and its fix does not, on three seeds that the presets
//! were not tuned on, with margins that another CPU's float order cannot flip (native, CPU). These
//! are the page's presets: the same configs and the same training step; only the seed differs.

mod common;

use common::{Outcome, SEEDS, evaluator, mnist, run};
use ganvas_core::preset::preset;

/// The failure and its fix, trained with each of [`SEEDS`].
fn pairs(failure: &str, steps: usize) -> Vec<(Outcome, Outcome)> {
    let data = mnist();
    let eval = evaluator(&data);
    let config = |id: &str| preset(id).expect("a preset").config;
    let fix = preset(failure)
        .and_then(|p| p.fix)
        .expect("a failure preset with a fix");
    SEEDS
        .iter()
        .map(|&seed| {
            (
                run(config(failure), seed, steps, &data, &eval),
                run(config(fix), seed, steps, &data, &eval),
            )
        })
        .collect()
}

#[test]
fn mode_collapse_draws_few_kinds_of_digit_and_its_fix_spreads_over_them() {
    for (seed, (collapsed, fixed)) in SEEDS.iter().zip(pairs("mode-collapse", 1500)) {
        let (c, f) = (&collapsed.metrics.coverage, &fixed.metrics.coverage);
        eprintln!(
            "seed {seed}: collapse KL {:.2} ({:?}), {:.0}% confident, G grad {:.3}; fix KL {:.2} ({:?}), {:.0}% confident",
            c.kl_from_uniform,
            c.histogram,
            100.0 * collapsed.confident_share(),
            collapsed.mean(|v| v.g_grad),
            f.kl_from_uniform,
            f.histogram,
            100.0 * fixed.confident_share(),
        );
        // Mode collapse, not dead units: G still learns (its gradient is not 0) and what it draws
        // is often confidently a digit, but the confident samples pile up on one or two digits
        // (KL from uniform: 0 when even, ln 10 = 2.3 when all one digit; two digits: 1.6).
        assert!(
            collapsed.mean(|v| v.g_grad) > 1e-3,
            "seed {seed}: G is not dead"
        );
        assert!(
            collapsed.confident_share() > 0.2,
            "seed {seed}: samples read as digits"
        );
        assert!(
            c.kl_from_uniform > 1.2,
            "seed {seed}: few kinds of digit ({c:?})"
        );
        assert!(
            f.kl_from_uniform < 0.7,
            "seed {seed}: the fix spreads ({f:?})"
        );
    }
}

#[test]
fn the_saturating_loss_starves_g_and_the_non_saturating_one_does_not() {
    for (seed, (saturating, fixed)) in SEEDS.iter().zip(pairs("saturating", 500)) {
        let (g_sat, g_fix) = (saturating.mean(|v| v.g_grad), fixed.mean(|v| v.g_grad));
        let fake = saturating.mean(|v| v.d_fake);
        eprintln!(
            "seed {seed}: G gradient saturating {g_sat:.2e}, fix {g_fix:.2e}; D(G(z)) {fake:.2e}; FID {:.0} vs {:.0}",
            saturating.metrics.fid, fixed.metrics.fid
        );
        assert!(
            fake < 1e-2,
            "seed {seed}: D rejects every fake: D(G(z)) = {fake}"
        );
        assert!(
            g_sat * 100.0 < g_fix,
            "seed {seed}: G's gradient vanishes: {g_sat} vs {g_fix}"
        );
        assert!(
            g_fix > 1.0,
            "seed {seed}: the fix's gradient stays strong: {g_fix}"
        );
    }
}

#[test]
fn a_runaway_discriminator_wins_and_balanced_rates_do_not() {
    for (seed, (wins, fixed)) in SEEDS.iter().zip(pairs("d-wins", 800)) {
        let (loss_wins, loss_fix) = (wins.mean(|v| v.d_loss), fixed.mean(|v| v.d_loss));
        eprintln!(
            "seed {seed}: D loss runaway {loss_wins:.3}, fix {loss_fix:.3}; D(G(z)) {:.3} vs {:.3}; score {:.2} vs {:.2}",
            wins.mean(|v| v.d_fake),
            fixed.mean(|v| v.d_fake),
            wins.metrics.classifier_score,
            fixed.metrics.classifier_score
        );
        assert!(
            loss_wins < 0.15,
            "seed {seed}: D wins: its loss is {loss_wins}"
        );
        assert!(wins.mean(|v| v.d_fake) < 0.1, "seed {seed}");
        assert!(
            loss_fix > 3.0 * loss_wins,
            "seed {seed}: the fix keeps the game open: {loss_fix}"
        );
        assert!(
            fixed.metrics.classifier_score > wins.metrics.classifier_score + 0.7,
            "seed {seed}: the fix draws digits, the runaway does not"
        );
    }
}
