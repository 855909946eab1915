//! Installs what a fresh Debian machine with Rust lacks, at the versions this repository pins.

use std::path::Path;
use std::process::Command;

use crate::sh;

/// Trunk 0.22 needs rustc 1.96; this one builds with the workspace's 1.95.
const TRUNK_VERSION: &str = "0.21.14";

fn output(dir: &Path, program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The wasm32 target, Trunk, and the wasm-bindgen CLI at the version Cargo.lock pins.
pub fn ensure_web_tools(root: &Path) -> Result<(), String> {
    let targets = output(root, "rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        sh(root, "rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }

    let trunk = output(root, "trunk", &["--version"]).unwrap_or_default();
    if !trunk.contains(TRUNK_VERSION) {
        // --locked: Trunk's own lock file; without it newer dependencies fail to compile.
        sh(
            root,
            "cargo",
            &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
        )?;
    }

    let wanted = locked_version(root, "wasm-bindgen")?;
    let have = output(root, "wasm-bindgen", &["--version"]).unwrap_or_default();
    if !have.contains(&wanted) {
        // Not --locked: one of the CLI's locked dependencies is no longer on the registry.
        sh(
            root,
            "cargo",
            &["install", "wasm-bindgen-cli", "--version", &wanted],
        )?;
    }
    check_trunk_pin(root, &wanted)
}

/// The version of `package` in Cargo.lock.
pub fn locked_version(root: &Path, package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"")
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_string());
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// Trunk.toml names the wasm-bindgen version Trunk must find installed (it may not download one).
fn check_trunk_pin(root: &Path, wanted: &str) -> Result<(), String> {
    let trunk_toml = std::fs::read_to_string(root.join("Trunk.toml"))
        .map_err(|e| format!("cannot read Trunk.toml: {e}"))?;
    if trunk_toml.contains(&format!("wasm_bindgen = \"{wanted}\"")) {
        Ok(())
    } else {
        Err(format!(
            "Trunk.toml's [tools] wasm_bindgen must be \"{wanted}\", the version in Cargo.lock"
        ))
    }
}

/// burn's autotune must stay out of the browser build: on wasm it compiles and times every kernel
/// candidate on the first step (minutes), and some candidates use subgroups, which wgpu's WebGPU
/// backend cannot request.
pub fn check_no_autotune(root: &Path) -> Result<(), String> {
    let args = [
        "tree",
        "-p",
        "ganvas-web",
        "--target",
        "wasm32-unknown-unknown",
        "-e",
        "features",
        "-i",
        "burn-cubecl",
    ];
    eprintln!("$ cargo {}", args.join(" "));
    let tree = output(root, "cargo", &args).ok_or("cargo tree failed")?;
    if tree.contains("burn-cubecl feature \"autotune\"") {
        return Err(
            "burn's autotune feature reached the wasm build: see crates/web/src/backend.rs".into(),
        );
    }
    if !tree.contains("burn-cubecl feature \"webgpu\"") {
        return Err("the wasm build has no WebGPU backend".into());
    }
    eprintln!("ok: the wasm build has burn's WebGPU backend without autotune");
    Ok(())
}

/// Chromium (Debian's package) and the test's npm packages.
pub fn ensure_browser_tools(root: &Path) -> Result<(), String> {
    if output(root, "chromium", &["--version"]).is_none() {
        sh(root, "apt-get", &["update", "-qq"])?;
        sh(root, "apt-get", &["install", "-y", "-qq", "chromium"])?;
    }
    if !root.join("tests/node_modules/playwright-core").exists() {
        sh(
            &root.join("tests"),
            "npm",
            &["ci", "--no-audit", "--no-fund"],
        )?;
    }
    Ok(())
}
