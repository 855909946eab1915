//! `cargo xtask bench [--seconds S]`: steps/s of the seed GAN at batch 64 and 256, natively (the
//! `ganvas` CLI on the CPU) and in headless Chromium (WebGPU and CPU backends). Prints JSON lines,
//! then a table.

use std::path::Path;
use std::process::Command;

use crate::{dist, serve, sh, tools};

const BATCHES: [usize; 2] = [64, 256];

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let seconds = match args {
        [] => 30,
        [flag, value] if flag == "--seconds" => value.parse().map_err(|_| "bad --seconds")?,
        _ => return Err("usage: cargo xtask bench [--seconds S]".into()),
    };
    let mut lines = Vec::new();

    // Built here with its output shown; `capture` below keeps only the JSON line.
    sh(root, "cargo", &["build", "--release", "-p", "ganvas-cli"])?;
    for batch in BATCHES {
        let steps = if batch == 64 { "60" } else { "20" };
        let args = [
            "run",
            "--quiet",
            "--release",
            "-p",
            "ganvas-cli",
            "--",
            "bench",
            "--batch",
            &batch.to_string(),
            "--steps",
            steps,
        ];
        lines.push(capture(root, "cargo", &args, &[])?);
    }

    dist(root)?;
    tools::ensure_browser_tools(root)?;
    let server = serve::Server::start(&root.join("dist"), 0)?;
    for backend in ["webgpu", "cpu"] {
        for batch in BATCHES {
            let args = [
                "tests/bench.mjs",
                "--backend",
                backend,
                "--batch",
                &batch.to_string(),
                "--seconds",
                &seconds.to_string(),
            ];
            lines.push(capture(
                root,
                "node",
                &args,
                &[("GANVAS_URL", &server.url())],
            )?);
        }
    }

    for line in &lines {
        println!("{line}");
    }
    println!(
        "\n| where | backend | batch | steps/s | first step (ms) | first measurement of 256 samples (ms) |\n|---|---|---|---|---|---|"
    );
    for line in &lines {
        let field = |key: &str| json_field(line, key).unwrap_or_else(|| "?".into());
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            field("where"),
            field("backend"),
            field("batch"),
            field("steps_per_s"),
            field("first_step_ms"),
            field("measure_ms")
        );
    }
    Ok(())
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
