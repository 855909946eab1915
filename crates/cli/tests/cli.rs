//! The `ganvas` binary end to end: train writes a checkpoint, eval reads it back as JSON, and bad
//! files get a clear error and a failing exit status.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ganvas(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ganvas"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the ganvas binary runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ganvas-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn train_writes_a_checkpoint_that_eval_measures() {
    let out = temp_dir("train");
    let out_s = out.to_str().unwrap();
    let trained = ganvas(&[
        "train",
        "--steps",
        "4",
        "--seed",
        "5",
        "--out",
        out_s,
        "--eval-every",
        "2",
        "--samples",
        "64",
        "--timelapse",
        out.join("timelapse.png").to_str().unwrap(),
    ]);
    assert!(trained.status.success(), "{trained:?}");
    // The timelapse: an animated PNG with a grid for steps 0 to 4, each frame a different picture.
    let timelapse = std::fs::read(out.join("timelapse.png")).unwrap();
    let mut reader = png::Decoder::new(timelapse.as_slice()).read_info().unwrap();
    let control = reader.info().animation_control.expect("an animated PNG");
    assert_eq!(control.num_frames, 5);
    let mut frames = Vec::new();
    for _ in 0..5 {
        let mut buf = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut buf).unwrap();
        frames.push(buf);
    }
    assert!(
        frames.windows(2).all(|w| w[0] != w[1]),
        "every frame differs from the one before"
    );
    let lines: Vec<String> = String::from_utf8(trained.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    // Step 0, 2 and 4.
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (line, step) in lines.iter().zip([0, 2, 4]) {
        assert!(
            line.starts_with(&format!("{{\"step\":{step},\"samples\":64,")),
            "{line}"
        );
        for key in ["classifier_score", "fid", "coverage", "copy_rate"] {
            assert!(line.contains(&format!("\"{key}\":")), "{key} in {line}");
        }
    }

    let checkpoint = out.join("checkpoint.ganvas");
    let eval = ganvas(&[
        "eval",
        "--checkpoint",
        checkpoint.to_str().unwrap(),
        "--samples",
        "64",
        "--json",
    ]);
    assert!(eval.status.success(), "{eval:?}");
    let line = String::from_utf8(eval.stdout).unwrap();
    // The same generator and the same evaluation noise as the last line of training.
    assert_eq!(
        line.trim(),
        lines[2].split(",\"train_s\"").next().unwrap().to_string() + "}"
    );

    // A truncated checkpoint, and a file that is not one.
    let bytes = std::fs::read(&checkpoint).unwrap();
    let truncated = out.join("truncated.ganvas");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let e = ganvas(&["eval", "--checkpoint", truncated.to_str().unwrap()]);
    assert!(!e.status.success());
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("the file is truncated"),
        "{e:?}"
    );
    let e = ganvas(&[
        "eval",
        "--checkpoint",
        out.join("losses.csv").to_str().unwrap(),
    ]);
    assert!(!e.status.success());
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("not a Ganvas file"),
        "{e:?}"
    );
    let e = ganvas(&["eval", "--checkpoint", "www/models/classifier.ganvas"]);
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("expected a gan file"),
        "{e:?}"
    );
    std::fs::remove_dir_all(out).unwrap();
}

/// No GPU adapter of the kind asked for (nobody has a hundred discrete GPUs): a message that says
/// what to do, and a failing exit status, not a panic. (`cargo xtask test` also trains on a real
/// wgpu device: Chromium's SwiftShader.)
#[test]
fn wgpu_without_an_adapter_says_to_use_the_cpu() {
    let e = Command::new(env!("CARGO_BIN_EXE_ganvas"))
        .args(["bench", "--backend", "wgpu", "--steps", "2", "--batch", "8"])
        .current_dir(root())
        .env("CUBECL_WGPU_DEFAULT_DEVICE", "DiscreteGpu(99)")
        .output()
        .expect("the ganvas binary runs");
    assert_eq!(e.status.code(), Some(1), "{e:?}");
    let stderr = String::from_utf8_lossy(&e.stderr);
    assert!(
        stderr.contains("no usable GPU adapter") && stderr.contains("--backend cpu"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The CLI's flags are checked against the same ranges as the page's settings and a checkpoint's
/// (`ganvas_core::settings`): a value outside says the setting and its range, before any training.
#[test]
fn flags_outside_the_page_s_ranges_are_refused_with_the_range() {
    for (flag, value, message) in [
        (
            "--lr-g",
            "0.5",
            "G learning rate 0.5 is out of range (0.000001 to 0.1)",
        ),
        (
            "--batch",
            "5000",
            "batch size 5000 is out of range (1 to 1024)",
        ),
        (
            "--d-steps",
            "20",
            "D steps per G step 20 is out of range (1 to 10)",
        ),
        (
            "--real-label",
            "0.2",
            "real label 0.2 is out of range (0.5 to 1)",
        ),
    ] {
        let out = temp_dir("range");
        let e = ganvas(&[
            "train",
            "--steps",
            "1",
            "--out",
            out.to_str().unwrap(),
            flag,
            value,
        ]);
        assert_eq!(e.status.code(), Some(1), "{flag} {value}: {e:?}");
        let stderr = String::from_utf8_lossy(&e.stderr);
        assert!(stderr.contains(message), "{flag} {value}: {stderr}");
        assert!(!out.join("checkpoint.ganvas").exists());
        std::fs::remove_dir_all(out).unwrap();
    }
}
