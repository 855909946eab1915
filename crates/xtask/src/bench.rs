//! `cargo xtask bench [--seconds S] [--digits-limit S]`: training speed natively (the `ganvas`
//! CLI on the CPU) and in headless Chromium (WebGPU and CPU backends), for the seed GAN, the DCGAN
//! and the conditional preset, and the page's time to digits on the CPU backend. Prints JSON
//! lines, then tables.

use std::path::Path;
use std::process::Command;

use crate::{dist, serve, sh, tools};

/// (preset, batch) pairs measured natively and on the page's CPU backend: the seed GAN at its own
/// batch (32) and at the issue's 64 and 256, and the DCGANs at theirs.
const RUNS: [(&str, usize); 5] = [
    ("seed-gan", 32),
    ("seed-gan", 64),
    ("seed-gan", 256),
    ("dcgan", 64),
    ("conditional", 64),
];

/// Presets whose time to digits is measured on the page's CPU backend, each at its own settings.
const TIME_TO_DIGITS: [&str; 2] = ["seed-gan", "dcgan"];

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let (mut seconds, mut digits_limit) = (30u64, 600u64);
    let usage = "usage: cargo xtask bench [--seconds S] [--digits-limit S]";
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().and_then(|v| v.parse().ok()).ok_or(usage)?;
        match flag.as_str() {
            "--seconds" => seconds = value,
            "--digits-limit" => digits_limit = value,
            _ => return Err(usage.into()),
        }
    }
    let mut lines = Vec::new();

    // Built here with its output shown; `capture` below keeps only the JSON line.
    sh(root, "cargo", &["build", "--release", "-p", "ganvas-cli"])?;
    for (preset, batch) in RUNS {
        let steps = if preset == "seed-gan" && batch <= 64 {
            300
        } else {
            60
        };
        lines.push(native_bench(root, preset, batch, steps, &[])?);
    }
    // The seed GAN again on one thread: at batch 64 its matrices are small, and on a 2-core machine
    // rayon's hand-offs cost more than the second core gives (README, "The fast path").
    lines.push(native_bench(
        root,
        "seed-gan",
        64,
        300,
        &[("RAYON_NUM_THREADS", "1")],
    )?);

    dist(root)?;
    tools::ensure_browser_tools(root)?;
    let server = serve::Server::start(&root.join("dist"), 0)?;
    let url = server.url();
    let browser = |args: &[&str]| capture(root, "node", args, &[("GANVAS_URL", &url)]);
    let seconds = seconds.to_string();
    // WebGPU here is a software adapter (SwiftShader): one figure shows the path works.
    lines.push(browser(&[
        "tests/bench.mjs",
        "--backend",
        "webgpu",
        "--batch",
        "64",
        "--seconds",
        &seconds,
    ])?);
    for (preset, batch) in RUNS {
        let batch = batch.to_string();
        lines.push(browser(&[
            "tests/bench.mjs",
            "--backend",
            "cpu",
            "--preset",
            preset,
            "--batch",
            &batch,
            "--seconds",
            &seconds,
        ])?);
    }
    let limit = digits_limit.to_string();
    let mut digits = Vec::new();
    for preset in TIME_TO_DIGITS {
        digits.push(browser(&[
            "tests/bench.mjs",
            "--backend",
            "cpu",
            "--preset",
            preset,
            "--until-digits",
            &limit,
        ])?);
    }

    for line in lines.iter().chain(&digits) {
        println!("{line}");
    }
    println!();
    table(
        &lines,
        &[
            ("where", "where"),
            ("backend", "backend"),
            ("preset", "preset"),
            ("batch", "batch"),
            ("threads", "threads"),
            ("steps/s", "steps_per_s"),
            ("first step (ms)", "first_step_ms"),
            ("first measurement of 256 samples (ms)", "measure_ms"),
        ],
    );
    println!("\nTime to digits (classifier score >= 5, >= 8 digits covered), page, CPU backend:\n");
    table(
        &digits,
        &[
            ("preset", "preset"),
            ("seconds", "time_to_digits_s"),
            ("at step", "digits_step"),
            ("last step reached", "last_step"),
            ("its score", "last_score"),
            ("digits covered", "last_covered"),
        ],
    );
    Ok(())
}

/// The release CLI's `bench` for one preset and batch, with `env` set: its JSON line.
fn native_bench(
    root: &Path,
    preset: &str,
    batch: usize,
    steps: u64,
    env: &[(&str, &str)],
) -> Result<String, String> {
    let (batch, steps) = (batch.to_string(), steps.to_string());
    let args = [
        "run",
        "--quiet",
        "--release",
        "-p",
        "ganvas-cli",
        "--",
        "bench",
        "--preset",
        preset,
        "--batch",
        &batch,
        "--steps",
        &steps,
    ];
    capture(root, "cargo", &args, env)
}

/// A Markdown table of JSON lines: (heading, key) per column; a missing key reads "?".
fn table(lines: &[String], columns: &[(&str, &str)]) {
    let row = |cells: Vec<String>| println!("| {} |", cells.join(" | "));
    row(columns
        .iter()
        .map(|(heading, _)| heading.to_string())
        .collect());
    row(columns.iter().map(|_| "---".to_string()).collect());
    for line in lines {
        row(columns
            .iter()
            .map(|(_, key)| json_field(line, key).unwrap_or_else(|| "?".into()))
            .collect());
    }
}

/// Runs a command and returns the last line it printed that looks like JSON.
fn capture(
    root: &Path,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<String, String> {
    eprintln!("$ {program} {}", args.join(" "));
    let out = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "`{program} {}` failed: {}{}",
            args.join(" "),
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .map(str::to_string)
        .ok_or_else(|| format!("`{program}` printed no JSON line"))
}

/// The value of `key` in a flat one-line JSON object (strings unquoted).
fn json_field(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &line[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('"').to_string())
}

#[cfg(test)]
mod tests {
    use super::json_field;

    #[test]
    fn reads_flat_json_fields() {
        let line = r#"{"where":"native","backend":"flex","batch":64,"steps_per_s":12.5}"#;
        assert_eq!(json_field(line, "backend").as_deref(), Some("flex"));
        assert_eq!(json_field(line, "steps_per_s").as_deref(), Some("12.5"));
        assert_eq!(json_field(line, "missing"), None);
    }
}
