//! The page's wasm module: a thin shell over `ganvas-core`. The wasm-only modules are compiled out
//! on native targets so that `cargo test --workspace` stays native-clean.

pub mod link;
pub mod options;

#[cfg(target_family = "wasm")]
mod app;
#[cfg(target_family = "wasm")]
mod backend;
#[cfg(target_family = "wasm")]
mod checkpoint;
#[cfg(target_family = "wasm")]
mod constructors;
#[cfg(target_family = "wasm")]
mod explore;
#[cfg(target_family = "wasm")]
mod measure;
#[cfg(target_family = "wasm")]
mod replies;
#[cfg(target_family = "wasm")]
mod stepper;
