//! Picks the backend: WebGPU through burn's wgpu runtime where the browser offers a hardware
//! adapter, else burn's Flex CPU backend, with the reason kept for the page to show. A software
//! (fallback) adapter, such as Chromium's SwiftShader on a machine without a usable GPU, trained
//! the seed GAN about 30 times slower than the CPU backend (README, "Benchmarks"), so the page
//! uses the CPU there unless the link asks for WebGPU (`?backend=webgpu`).
//!
//! The browser build leaves burn's `autotune` feature off (no default features anywhere in the
//! workspace; `cargo xtask test` checks it). With autotune on, the first step compiled and timed
//! every matmul candidate (140 s on SwiftShader), and some candidates use subgroup operations,
//! which wgpu 30's WebGPU backend cannot request (`Features::SUBGROUP` is native-only there), so
//! Chromium rejected those pipelines and the page panicked. Without autotune, burn runs its fixed
//! default kernels (`SimpleUnit` matmul, unit reductions), none of which needs subgroups.

use burn::prelude::*;
use burn::tensor::wgpu::WgpuInitError;
use wasm_bindgen::JsCast;

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
    if choice == BackendChoice::Auto
        && let Some(adapter) = fallback_adapter().await
    {
        return cpu(
            "faster here than this browser's software WebGPU",
            format!(
                "the browser's WebGPU adapter is a software fallback ({adapter}); add ?backend=webgpu to the address to use it anyway"
            ),
        );
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

/// Where the browser's default WebGPU adapter is a software fallback, a description of it.
/// `GPUAdapterInfo.isFallbackAdapter` (Chrome 136+), or `GPUAdapter.isFallbackAdapter` before it.
async fn fallback_adapter() -> Option<String> {
    use js_sys::{Function, Promise, Reflect};
    let get = |o: &wasm_bindgen::JsValue, k: &str| Reflect::get(o, &k.into()).ok();
    let navigator = get(&js_sys::global(), "navigator")?;
    let gpu = get(&navigator, "gpu")?;
    let request: Function = get(&gpu, "requestAdapter")?.dyn_into().ok()?;
    let promise: Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    if adapter.is_null() || adapter.is_undefined() {
        return None;
    }
    let info = get(&adapter, "info").filter(|i| i.is_object());
    let flag = |o: &Option<wasm_bindgen::JsValue>| {
        o.as_ref()
            .and_then(|o| get(o, "isFallbackAdapter"))
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    };
    if !(flag(&info) || flag(&Some(adapter))) {
        return None;
    }
    let text = |k: &str| {
        info.as_ref()
            .and_then(|i| get(i, k))
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty())
    };
    let described: Vec<String> = ["vendor", "architecture", "description"]
        .into_iter()
        .filter_map(text)
        .collect();
    Some(if described.is_empty() {
        "no details".into()
    } else {
        described.join(", ")
    })
}
