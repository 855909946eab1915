//! `cargo xtask pretrain [--steps N] [PRESET...]`: trains presets natively with the `ganvas` CLI
//! (CPU; 2,000 steps, 10,000 for the seed GAN, unless `--steps` says otherwise) and writes each one's weights to `www/models/<preset>.ganvas`, where a share link with
//! `pretrained=1` starts from them. The files hold the weights, the settings, the step and the loss
//! history, not the optimizers' state (`--weights-only`): a third of the size. It also updates
//! `www/models/pretrained.json` (`{ "<preset>": { "steps": N, "bytes": N } }`), which the page reads
//! to know which presets ship a model.

use std::fs;
use std::path::Path;

use crate::sh;

/// The presets shipped pretrained: the DCGANs (3.0 and 3.5 MB) and the seed GAN, the page's
/// default, whose MLP weights are 6.7 MB (each file holds G, D and the average of G's weights).
pub const SHIPPED: [&str; 3] = ["dcgan", "conditional", "seed-gan"];

/// Steps a preset is trained for unless `--steps` says otherwise: the seed GAN learns digits
/// more slowly than the DCGANs (README, "Targets").
fn default_steps(preset: &str) -> u64 {
    if preset == "seed-gan" { 10_000 } else { 2_000 }
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut steps_arg = None;
    let mut presets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--steps" {
            steps_arg = args
                .next()
                .and_then(|v| v.parse().ok())
                .filter(|v| *v > 0)
                .map(Some)
                .ok_or("--steps takes a positive number")?;
        } else if arg.starts_with('-') {
            return Err("usage: cargo xtask pretrain [--steps N] [PRESET...]".into());
        } else {
            presets.push(arg.clone());
        }
    }
    if presets.is_empty() {
        presets = SHIPPED.iter().map(|p| p.to_string()).collect();
    }
    sh(root, "cargo", &["build", "--release", "-p", "ganvas-cli"])?;
    let models = root.join("www").join("models");
    let mut total = 0;
    let manifest_path = models.join("pretrained.json");
    let mut manifest: serde_json::Map<String, serde_json::Value> = fs::read(&manifest_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    for preset in &presets {
        let steps = steps_arg.unwrap_or_else(|| default_steps(preset));
        let out = root.join("target").join("pretrain").join(preset);
        let out_arg = out.to_string_lossy().to_string();
        sh(
            root,
            "cargo",
            &[
                "run",
                "--quiet",
                "--release",
                "-p",
                "ganvas-cli",
                "--",
                "train",
                "--preset",
                preset,
                "--steps",
                &steps.to_string(),
                "--log-every",
                "10",
                "--weights-only",
                "--out",
                &out_arg,
            ],
        )?;
        let file = models.join(format!("{preset}.ganvas"));
        fs::copy(out.join("checkpoint.ganvas"), &file)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        let size = fs::metadata(&file).map_err(|e| e.to_string())?.len();
        total += size;
        manifest.insert(
            preset.clone(),
            serde_json::json!({ "steps": steps, "bytes": size }),
        );
        println!(
            "{}: {steps} steps, {:.2} MB",
            file.display(),
            size as f64 / 1e6
        );
    }
    let text = serde_json::to_string_pretty(&manifest).expect("the manifest serialises") + "\n";
    fs::write(&manifest_path, text)
        .map_err(|e| format!("cannot write {}: {e}", manifest_path.display()))?;
    println!("pretrained models: {:.2} MB written", total as f64 / 1e6);
    Ok(())
}
