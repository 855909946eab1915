//! Picks the backend: WebGPU through burn's wgpu runtime where the browser offers it, else burn's
//! Flex CPU backend, with the reason kept for the page to show.
//!
//! The browser build leaves burn's `autotune` feature off (no default features anywhere in the
//! workspace; `cargo xtask test` checks it). With autotune on, the first step compiled and timed
//! every matmul candidate (140 s on SwiftShader), and some candidates use subgroup operations,
//! which wgpu 30's WebGPU backend cannot request (`Features::SUBGROUP` is native-only there), so
//! Chromium rejected those pipelines and the page panicked. Without autotune, burn runs its fixed
//! default kernels (`SimpleUnit` matmul, unit reductions), none of which needs subgroups.

use burn::prelude::*;

use crate::options::BackendChoice;

pub struct Backend {
    pub device: Device,
    /// "WebGPU" or "CPU".
    pub name: &'static str,
    /// Why the CPU is in use; empty on WebGPU.
    pub note: String,
}

pub async fn init(choice: BackendChoice) -> Backend {
    if choice == BackendChoice::Cpu {
        return cpu("chosen in the link");
    }
    if !browser_has_webgpu() {
        return cpu("no WebGPU in this browser");
    }
    match Device::wgpu_options().init_async().await {
        Ok(device) => Backend {
            device,
            name: "WebGPU",
            note: String::new(),
        },
        Err(e) => cpu(&format!("WebGPU could not start: {e}")),
    }
}

fn cpu(reason: &str) -> Backend {
    Backend {
        device: Device::flex(),
        name: "CPU",
        note: reason.to_string(),
    }
}

/// `navigator.gpu` exists: without it, asking wgpu for an adapter can only fail.
fn browser_has_webgpu() -> bool {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into());
    navigator
        .and_then(|n| js_sys::Reflect::get(&n, &"gpu".into()))
        .map(|gpu| !gpu.is_undefined() && !gpu.is_null())
        .unwrap_or(false)
}
