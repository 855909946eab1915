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
use burn::tensor::wgpu::WgpuInitError;

use crate::options::BackendChoice;

pub struct Backend {
    pub device: Device,
    /// "WebGPU" or "CPU".
    pub name: &'static str,
    /// Why the CPU is in use, in a few words; empty on WebGPU.
    pub note: String,
    /// The error behind `note`, for the status line; empty when there is none.
    pub detail: String,
}

pub async fn init(choice: BackendChoice) -> Backend {
    if choice == BackendChoice::Cpu {
        return cpu("chosen in the link", String::new());
    }
    if !browser_has_webgpu() {
        return cpu("no WebGPU in this browser", String::new());
    }
    match Device::wgpu_options().init_async().await {
        Ok(device) => Backend {
            device,
            name: "WebGPU",
            note: String::new(),
            detail: String::new(),
        },
        Err(e @ WgpuInitError::AdapterUnavailable { .. }) => {
            cpu("no WebGPU adapter in this browser", e.to_string())
        }
        Err(e) => cpu("WebGPU could not start", e.to_string()),
    }
}

fn cpu(reason: &str, detail: String) -> Backend {
    Backend {
        device: Device::flex(),
        name: "CPU",
        note: reason.to_string(),
        detail,
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
