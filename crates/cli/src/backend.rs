//! Which device the CLI trains on: burn Flex on the CPU (the default), or burn's wgpu runtime on a
//! GPU (Vulkan, Metal, DX12 or OpenGL). The wgpu runtime is the one the page runs on WebGPU, with the same
//! kernels: burn's `autotune` feature is off in this workspace, natively as in the browser, so
//! both run burn's fixed kernel choices and a native GPU measurement says what those kernels do.

use burn::prelude::*;
use clap::ValueEnum;

/// `--backend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// burn Flex on the CPU, every core (rayon). Needs nothing.
    Cpu,
    /// burn's wgpu runtime on the adapter wgpu prefers (Vulkan, Metal, DX12 or OpenGL). Where there
    /// is no GPU that can be a CPU emulation of one (Mesa's llvmpipe, SwiftShader): it runs, and
    /// says so on stderr, since its speed says nothing about a GPU.
    Wgpu,
}

/// The device a command runs on, and what it is (printed with every benchmark figure).
pub struct Backend {
    pub device: Device,
    /// "flex" or "wgpu".
    pub name: &'static str,
    /// The GPU adapter's name and kind, e.g. "NVIDIA H100 (DiscreteGpu, Vulkan)"; none on the CPU.
    pub adapter: Option<String>,
}

impl BackendArg {
    /// The device, or a message a person can act on when there is no GPU.
    pub fn init(self) -> Result<Backend, String> {
        match self {
            BackendArg::Cpu => Ok(Backend {
                device: Device::flex(),
                name: "flex",
                adapter: None,
            }),
            BackendArg::Wgpu => {
                let (device, setup) = Device::wgpu_options().init_with_setup().map_err(|e| {
                    format!(
                        "--backend wgpu: no usable GPU adapter ({e}). Check the GPU driver \
                         (Vulkan, Metal or DX12), or train on the CPU with --backend cpu (the \
                         default)."
                    )
                })?;
                let info = setup.adapter.get_info();
                let adapter = format!("{} ({:?}, {:?})", info.name, info.device_type, info.backend);
                eprintln!("ganvas: on the wgpu adapter {adapter}");
                if info.device_type == burn::backend::wgpu::wgpu::DeviceType::Cpu {
                    eprintln!(
                        "ganvas: note: that adapter is a CPU emulation of a GPU, not a GPU: its \
                         speed says nothing about one (--backend cpu is faster here)."
                    );
                }
                Ok(Backend {
                    device,
                    name: "wgpu",
                    adapter: Some(adapter),
                })
            }
        }
    }
}
