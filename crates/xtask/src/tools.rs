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
        // --debug: Trunk only copies files and runs wasm-bindgen, so its speed does not matter,
        // and an unoptimised build of its hundreds of crates shortens a cold CI run.
        sh(
            root,
            "cargo",
            &[
                "install",
                "trunk",
                "--version",
                TRUNK_VERSION,
                "--locked",
                "--debug",
            ],
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
/// backend cannot request. It stays out of the CLI's wgpu backend too, so that a native GPU
/// measurement runs the kernels the page runs.
pub fn check_no_autotune(root: &Path) -> Result<(), String> {
    // The page on WebGPU, and the CLI's `--backend wgpu`, which must run the page's kernels.
    let builds = [
        (
            "the wasm build",
            "ganvas-web",
            Some("wasm32-unknown-unknown"),
            "webgpu",
        ),
        ("the CLI", "ganvas-cli", None, "wgpu"),
    ];
    for (what, package, target, feature) in builds {
        let mut args = vec!["tree", "-p", package];
        if let Some(target) = target {
            args.extend(["--target", target]);
        }
        args.extend(["-e", "features", "-i", "burn-cubecl"]);
        eprintln!("$ cargo {}", args.join(" "));
        let tree = output(root, "cargo", &args).ok_or("cargo tree failed")?;
        if tree.contains("burn-cubecl feature \"autotune\"") {
            return Err(format!(
                "burn's autotune feature reached {what}: see crates/web/src/backend.rs"
            ));
        }
        if !tree.contains(&format!("burn-cubecl feature \"{feature}\"")) {
            return Err(format!("{what} has no {feature} backend"));
        }
        eprintln!("ok: {what} has burn's {feature} backend without autotune");
    }
    Ok(())
}

/// Chromium (Debian's package) and the test's npm packages.
pub fn ensure_browser_tools(root: &Path) -> Result<(), String> {
    if output(root, "chromium", &["--version"]).is_none() {
        sh(root, "apt-get", &["update", "-qq"])?;
        sh(root, "apt-get", &["install", "-y", "-qq", "chromium"])?;
    }
    ensure_node_packages(root)
}

/// The npm packages pinned in tests/package.json (uPlot for the page's plots; Playwright core,
/// axe-core, TypeScript, ESLint for the tests), installed by `npm ci` when any of them is missing;
/// then uPlot is copied to `web/vendor/`, from where the site serves it.
pub fn ensure_node_packages(root: &Path) -> Result<(), String> {
    const PACKAGES: [&str; 7] = [
        "uplot",
        "playwright-core",
        "axe-core",
        "typescript",
        "eslint",
        "@eslint/js",
        "globals",
    ];
    let modules = root.join("tests/node_modules");
    if PACKAGES.iter().any(|p| !modules.join(p).exists()) {
        sh(
            &root.join("tests"),
            "npm",
            &["ci", "--no-audit", "--no-fund"],
        )?;
    }
    vendor_uplot(root)
}

/// uPlot's module, its types and its styles, as the page imports them (`web/plots.js`).
fn vendor_uplot(root: &Path) -> Result<(), String> {
    let from = root.join("tests/node_modules/uplot/dist");
    let to = root.join("web/vendor");
    std::fs::create_dir_all(&to).map_err(|e| format!("cannot create web/vendor: {e}"))?;
    for (source, target) in [
        ("uPlot.esm.js", "uplot.js"),
        ("uPlot.d.ts", "uplot.d.ts"),
        ("uPlot.min.css", "uplot.css"),
    ] {
        let bytes = std::fs::read(from.join(source))
            .map_err(|e| format!("cannot read uplot's {source}: {e}"))?;
        let path = to.join(target);
        if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            std::fs::write(&path, bytes)
                .map_err(|e| format!("cannot write web/vendor/{target}: {e}"))?;
        }
    }
    Ok(())
}

/// The page's JavaScript: type-checked (`tsc --checkJs`, the page's modules and the worker each
/// with their own globals) and linted (ESLint), with the versions tests/package.json pins.
pub fn check_js(root: &Path) -> Result<(), String> {
    ensure_node_packages(root)?;
    let tsc = "tests/node_modules/typescript/bin/tsc";
    sh(root, "node", &[tsc, "-p", "tests/tsconfig.json"])?;
    sh(root, "node", &[tsc, "-p", "tests/tsconfig.worker.json"])?;
    sh(
        root,
        "node",
        &[
            "tests/node_modules/eslint/bin/eslint.js",
            "-c",
            "tests/eslint.config.js",
            "--max-warnings",
            "0",
            "web",
            "tests",
        ],
    )?;
    eprintln!("ok: the page's JavaScript type-checks (tsc) and lints clean (ESLint)");
    Ok(())
}

/// What `cargo clippy -- -D warnings` sets for the compiler, to lint the workspace's crates during
/// an ordinary build: clippy-driver as the workspace's compiler wrapper, and its arguments.
/// Dependencies are compiled as usual (cargo applies the wrapper to workspace members only).
pub fn clippy_env(root: &Path) -> Result<Vec<(&'static str, String)>, String> {
    let driver = output(root, "rustup", &["which", "clippy-driver"])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .ok_or("clippy-driver not found: rustup component add clippy")?;
    Ok(vec![
        ("RUSTC_WORKSPACE_WRAPPER", driver),
        (
            "CLIPPY_ARGS",
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__".into(),
        ),
    ])
}

/// Debian's Chromium ships SwiftShader, a Vulkan driver that runs on the CPU; the browser tests use
/// it for WebGPU, and it lets a machine without a GPU run the CLI's `--backend wgpu` too.
const SWIFTSHADER_DIR: &str = "/usr/lib/chromium";

/// The CLI's `--backend wgpu` trains, measures and writes a checkpoint on a real wgpu device
/// (SwiftShader's Vulkan: the code path a GPU takes, at no GPU's speed). Needs Chromium installed.
pub fn check_wgpu_backend(root: &Path, env: &crate::Env) -> Result<(), String> {
    let icd = Path::new(SWIFTSHADER_DIR).join("vk_swiftshader_icd.json");
    if !icd.exists() {
        return Err(format!(
            "{} is missing: Debian's chromium package ships it",
            icd.display()
        ));
    }
    let out = std::env::temp_dir().join(format!("ganvas-wgpu-check-{}", std::process::id()));
    let out_s = out
        .to_str()
        .ok_or("the temporary directory's path is not UTF-8")?;
    let commands: [&[&str]; 2] = [
        &["bench", "--batch", "16", "--steps", "2", "--chunk", "1"],
        &[
            "train",
            "--steps",
            "2",
            "--eval-every",
            "2",
            "--samples",
            "64",
            "--out",
            out_s,
        ],
    ];
    for args in commands {
        let mut full = vec!["run", "-q", "-p", "ganvas-cli", "--"];
        full.extend(args);
        full.extend(["--backend", "wgpu"]);
        eprintln!("$ cargo {} (on SwiftShader)", full.join(" "));
        let run = Command::new("cargo")
            .args(&full)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(root)
            .env("VK_ICD_FILENAMES", &icd)
            .env("LD_LIBRARY_PATH", SWIFTSHADER_DIR)
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let stdout = String::from_utf8_lossy(&run.stdout);
        let stderr = String::from_utf8_lossy(&run.stderr);
        eprint!("{stdout}");
        if !run.status.success() {
            return Err(format!(
                "ganvas {} --backend wgpu failed: {stderr}",
                args[0]
            ));
        }
        if !stderr.contains("SwiftShader") {
            return Err(format!(
                "ganvas {} --backend wgpu did not run on SwiftShader: {stderr}",
                args[0]
            ));
        }
    }
    let written = out.join("checkpoint.ganvas").exists();
    std::fs::remove_dir_all(&out).ok();
    if !written {
        return Err("ganvas train --backend wgpu wrote no checkpoint".into());
    }
    eprintln!("ok: the CLI's wgpu backend trains, measures and saves (SwiftShader)");
    Ok(())
}
