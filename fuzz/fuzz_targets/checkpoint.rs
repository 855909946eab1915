//! A checkpoint file as the page and the CLI read it: the container, the settings, the history,
//! then the networks, both optimizers' state and the random streams checked against the settings
//! (`SavedRun::into_trainer`, on a tiny data set). Any input must end in `Ok` or a message, never a
//! panic, a hang or an unbounded allocation.
#![no_main]

use burn::prelude::*;
use ganvas_core::resume::SavedRun;
use libfuzzer_sys::fuzz_target;

#[path = "tiny_run.rs"]
mod tiny_run;
use tiny_run::{data, small_enough};

fuzz_target!(|bytes: &[u8]| {
    let Ok(saved) = SavedRun::parse(bytes) else {
        return;
    };
    if !small_enough(&saved) {
        return;
    }
    let _ = saved.into_trainer(&Device::flex(), data());
});
