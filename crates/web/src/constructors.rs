//! The module's static constructors, run once.
//!
//! burn's WebGPU dependencies (cubecl, pliron) register their kernels' IR in static constructors,
//! thousands of them. A module that never calls `__wasm_call_ctors` itself is taken by the linker
//! for a "command" module, run once: it then wraps every exported function so that it runs all of
//! them again first. Every call from JS into the module (a method, and every value wasm-bindgen
//! hands across) cost about half a millisecond that way, about 10 ms of each training chunk on the
//! CPU backend (README, "Benchmarks"). The start function calls them once instead, as the
//! `inventory` crate's documentation advises, and the linker then wraps nothing.
//!
//! A constructor of this module's own counts its runs, so that a test can tell (the browser tests
//! read `constructorRuns` after training): 1, however many calls the page has made.

use std::sync::atomic::{AtomicU32, Ordering};

use wasm_bindgen::prelude::*;

unsafe extern "C" {
    /// The linker's list of every static constructor in the module.
    fn __wasm_call_ctors();
}

static RUNS: AtomicU32 = AtomicU32::new(0);

extern "C" fn count_run() {
    RUNS.fetch_add(1, Ordering::Relaxed);
}

/// Registered the way the `ctor` and `inventory` crates register theirs on wasm.
#[used]
#[unsafe(link_section = ".init_array")]
static COUNT_RUN: extern "C" fn() = count_run;

/// Runs the constructors; the start function calls it once, before any other export.
pub(crate) fn run_once() {
    // SAFETY: the linker's constructor list, called once per instance: wasm-bindgen calls the start
    // function right after instantiating the module, before the page calls anything else.
    unsafe { __wasm_call_ctors() }
}

/// How many times the module's static constructors have run: 1 once started.
#[wasm_bindgen(js_name = constructorRuns)]
pub fn constructor_runs() -> u32 {
    RUNS.load(Ordering::Relaxed)
}
