//! The training claims, in one test binary so that their runs share the cores and the plain
//! runs: each failure preset fails and its fix does not (`presets.rs`), and every loss learns
//! (`losses.rs`), natively on the CPU (Flex).
//!
//! Each claim is one test per seed (`seed_1` to `seed_3`), so that the harness spreads the runs over
//! every core. The seeds are 1, 2 and 3, which nothing was tuned on; `GANVAS_CLAIM_SEEDS=4,5,6`
//! checks the same claims on three others (README, "Claims that hold on any machine").

mod losses;
mod presets;
mod runs;

use std::sync::OnceLock;

// The failure presets' settings (their fixes' too): the claims are about training, and those
// presets train and draw so.
use ganvas_core::preset::plain;
use runs::{Lab, Outcome};

/// The steps at which the claims read the plain run: the losses' runs, the runaway discriminator's
/// fix and the mode collapse's fix (the plain settings are both fixes). Step 0 is the untrained
/// generator that the losses are judged against.
const PLAIN_STEPS: [usize; 4] = [
    0,
    losses::STEPS,
    presets::D_WINS_STEPS,
    presets::COLLAPSE_STEPS,
];

/// The plain run with the `i`-th seed, measured at `steps` (one of [`PLAIN_STEPS`]). It is
/// trained once for the whole binary, by whichever test asks first.
fn plain_run(lab: &Lab, i: usize, steps: usize) -> &'static Outcome {
    static RUNS: [OnceLock<Vec<Outcome>>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let at = PLAIN_STEPS
        .iter()
        .position(|&s| s == steps)
        .expect("a step the plain run is measured at");
    &RUNS[i].get_or_init(|| lab.run_to(plain(), runs::seed(i), &PLAIN_STEPS))[at]
}

/// One test per seed: `per_seed! { fn claim(i) { ... } }` becomes a module `claim` with the tests
/// `seed_1`, `seed_2` and `seed_3`, each running the body with `i` = 0, 1 or 2 (the index into
/// [`runs::seed`]).
macro_rules! per_seed {
    ($(#[$doc:meta])* fn $name:ident($i:ident) $body:block) => {
        $(#[$doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn check($i: usize) $body

            #[test]
            fn seed_1() {
                check(0)
            }

            #[test]
            fn seed_2() {
                check(1)
            }

            #[test]
            fn seed_3() {
                check(2)
            }
        }
    };
}
pub(crate) use per_seed;
