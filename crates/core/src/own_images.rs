//! The learner's own images: how a picture becomes a 28x28 MNIST-like digit, how many a run may
//! train on, and how they are kept in a run file (its "images" section).
//!
//! MNIST was made by fitting each digit's ink into a 20x20 box (keeping its aspect ratio, with
//! anti-aliasing) and centring that box in 28x28 by the ink's centre of mass. [`prepare`] does the
//! same to any grey picture, after turning dark ink on a light background into light on dark.

use crate::data::{IMAGE_LEN, Mnist};
use crate::metrics::l2;

/// Fewer images than this do not train: say so on the page.
pub const MIN_IMAGES: usize = 16;
/// The most images one run keeps.
pub const MAX_IMAGES: usize = 10_000;
/// Files larger than this are skipped before they are decoded.
pub const MAX_FILE_BYTES: usize = 20 << 20;
/// The run file's section that holds them, and its layout's version.
pub const SECTION: &str = "images";
pub const SECTION_VERSION: u32 = 1;

/// The side of the box the ink is fitted into, as in MNIST.
const INK_BOX: usize = 20;
/// Ink fainter than this (of 255) does not count towards the box.
const INK_THRESHOLD: f32 = 26.0;
/// A picture whose ink is weaker than this against its background is blank.
const MIN_CONTRAST: f32 = 16.0;

/// A grey picture (`width * height` bytes, row-major, 0 black) as a 28x28 MNIST-like image: ink
/// 255 on a 0 background, fitted into 20x20 and centred by its centre of mass. `None` for a
/// blank picture (no ink stands out from its background) or one whose size does not match.
pub fn prepare(grey: &[u8], width: usize, height: usize) -> Option<[u8; IMAGE_LEN]> {
    if width == 0 || height == 0 || grey.len() != width * height {
        return None;
    }
    let ink = ink(grey, width, height)?;
    let (x0, y0, x1, y1) = bounding_box(&ink, width)?;
    let (bw, bh) = (x1 - x0, y1 - y0);
    let scale = INK_BOX as f32 / bw.max(bh) as f32;
    let tw = ((bw as f32 * scale).round() as usize).clamp(1, INK_BOX);
    let th = ((bh as f32 * scale).round() as usize).clamp(1, INK_BOX);
    let cropped: Vec<f32> = (y0..y1)
        .flat_map(|y| ink[y * width + x0..y * width + x1].iter().copied())
        .collect();
    let small = resample(&cropped, bw, bh, tw, th);
    Some(centre(&small, tw, th))
}

/// Ink in 0..=255 at each pixel: the picture against its background (the median of its border),
/// inverted when the background is the lighter side, stretched to full contrast.
fn ink(grey: &[u8], width: usize, height: usize) -> Option<Vec<f32>> {
    let mut border: Vec<u8> = (0..width)
        .flat_map(|x| [grey[x], grey[(height - 1) * width + x]])
        .chain((0..height).flat_map(|y| [grey[y * width], grey[y * width + width - 1]]))
        .collect();
    border.sort_unstable();
    let background = f32::from(border[border.len() / 2]);
    let light_background = background > 127.0;
    let raw: Vec<f32> = grey
        .iter()
        .map(|&v| {
            let v = f32::from(v);
            if light_background {
                (background - v).max(0.0)
            } else {
                (v - background).max(0.0)
            }
        })
        .collect();
    let strongest = raw.iter().copied().fold(0.0, f32::max);
    if strongest < MIN_CONTRAST {
        return None;
    }
    Some(raw.into_iter().map(|v| v * 255.0 / strongest).collect())
}

/// The smallest box `(x0, y0, x1, y1)`, ends exclusive, holding every pixel of ink.
fn bounding_box(ink: &[f32], width: usize) -> Option<(usize, usize, usize, usize)> {
    let mut found: Option<(usize, usize, usize, usize)> = None;
    for (i, _) in ink.iter().enumerate().filter(|(_, v)| **v >= INK_THRESHOLD) {
        let (x, y) = (i % width, i / width);
        found = Some(match found {
            None => (x, y, x + 1, y + 1),
            Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1)),
        });
    }
    found
}

/// Area-averaging resize of a `w` x `h` image to `tw` x `th` (each target pixel is the mean of
/// the source area it covers, partial pixels weighted): anti-aliased like MNIST's.
fn resample(image: &[f32], w: usize, h: usize, tw: usize, th: usize) -> Vec<f32> {
    let rows: Vec<f32> = image
        .chunks_exact(w)
        .flat_map(|row| resample_line(row, tw))
        .collect();
    // Then each column of the row-resized image.
    let mut out = vec![0.0; tw * th];
    for x in 0..tw {
        let column: Vec<f32> = (0..h).map(|y| rows[y * tw + x]).collect();
        for (y, v) in resample_line(&column, th).into_iter().enumerate() {
            out[y * tw + x] = v;
        }
    }
    out
}

fn resample_line(line: &[f32], n: usize) -> Vec<f32> {
    let step = line.len() as f32 / n as f32;
    (0..n)
        .map(|i| {
            let (start, end) = (i as f32 * step, (i + 1) as f32 * step);
            let mut sum = 0.0;
            let mut weight = 0.0;
            let mut p = start.floor() as usize;
            while (p as f32) < end && p < line.len() {
                let cover = (end.min(p as f32 + 1.0) - start.max(p as f32)).max(0.0);
                sum += line[p] * cover;
                weight += cover;
                p += 1;
            }
            if weight > 0.0 { sum / weight } else { 0.0 }
        })
        .collect()
}

/// Places a `w` x `h` image (each side at most 20) in 28x28 with its centre of mass at the
/// centre, as far as the frame allows.
fn centre(image: &[f32], w: usize, h: usize) -> [u8; IMAGE_LEN] {
    let (mut mass, mut mx, mut my) = (0.0f64, 0.0f64, 0.0f64);
    for (i, &v) in image.iter().enumerate() {
        let v = f64::from(v);
        mass += v;
        mx += v * ((i % w) as f64 + 0.5);
        my += v * ((i / w) as f64 + 0.5);
    }
    let (cx, cy) = if mass > 0.0 {
        (mx / mass, my / mass)
    } else {
        (w as f64 / 2.0, h as f64 / 2.0)
    };
    let offset = |c: f64, side: usize| ((14.0 - c).round() as i64).clamp(0, (28 - side) as i64);
    let (ox, oy) = (offset(cx, w) as usize, offset(cy, h) as usize);
    let mut out = [0u8; IMAGE_LEN];
    for y in 0..h {
        for x in 0..w {
            out[(y + oy) * 28 + x + ox] = image[y * w + x].round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// A training set of own images (784 bytes each), or a message saying why not.
pub fn dataset(pixels: &[u8]) -> Result<Mnist, String> {
    let count = check_count(pixels)?;
    if count < MIN_IMAGES {
        return Err(format!(
            "a run needs at least {MIN_IMAGES} images to train on; there are {count}"
        ));
    }
    Ok(Mnist::all_training(pixels))
}

fn check_count(pixels: &[u8]) -> Result<usize, String> {
    if !pixels.len().is_multiple_of(IMAGE_LEN) {
        return Err(format!(
            "the images are {} bytes, not whole 28x28 images",
            pixels.len()
        ));
    }
    let count = pixels.len() / IMAGE_LEN;
    if count > MAX_IMAGES {
        return Err(format!(
            "{count} images is more than the {MAX_IMAGES} a run keeps"
        ));
    }
    Ok(count)
}

/// Own images measured for the copy check: how far, in pixels, an image typically lies from the
/// nearest other one (the median over the first [`REFERENCE_IMAGES`]). This plays the held-out
/// digits' part for MNIST: a sample much nearer than this to one of the images copies it.
pub fn copy_reference(data: &Mnist) -> f64 {
    let all: Vec<usize> = data.train_indices().collect();
    let mut nearest: Vec<f64> = all
        .iter()
        .take(REFERENCE_IMAGES)
        .map(|&i| {
            all.iter()
                .filter(|&&j| j != i)
                .map(|&j| l2(data.image(i), data.image(j)))
                .fold(f64::INFINITY, f64::min)
        })
        .filter(|d| d.is_finite())
        .collect();
    nearest.sort_by(f64::total_cmp);
    // Identical images would make every distance a copy's: a floor keeps the ratio meaningful.
    nearest
        .get(nearest.len() / 2)
        .copied()
        .unwrap_or(MIN_REFERENCE)
        .max(MIN_REFERENCE)
}

/// Images [`copy_reference`] measures.
const REFERENCE_IMAGES: usize = 100;
/// Its floor, in pixels of [-1, 1] (MNIST's held-out median is about 9.5).
const MIN_REFERENCE: f64 = 1.0;

/// The run file's "images" section: u32 version, u32 count, then the images' bytes.
pub fn section_bytes(pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + pixels.len());
    out.extend_from_slice(&SECTION_VERSION.to_le_bytes());
    out.extend_from_slice(&((pixels.len() / IMAGE_LEN) as u32).to_le_bytes());
    out.extend_from_slice(pixels);
    out
}

/// Reads an "images" section back; never panics.
pub fn parse_section(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let word = |i: usize| {
        bytes
            .get(4 * i..4 * i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or("the images section is cut short")
    };
    let version = word(0)?;
    if version != SECTION_VERSION {
        return Err(format!(
            "the images section has version {version}; this Ganvas reads version {SECTION_VERSION}"
        ));
    }
    let count = word(1)? as usize;
    let pixels = &bytes[8..];
    if pixels.len() != count.saturating_mul(IMAGE_LEN) {
        return Err(format!(
            "the images section says {count} images but holds {} bytes",
            pixels.len()
        ));
    }
    check_count(pixels)?;
    Ok(pixels.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w` x `h` picture of `background` with a `rect` (x0, y0, x1, y1) of `ink`.
    fn picture(
        w: usize,
        h: usize,
        background: u8,
        ink: u8,
        rect: (usize, usize, usize, usize),
    ) -> Vec<u8> {
        let (x0, y0, x1, y1) = rect;
        (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
                    ink
                } else {
                    background
                }
            })
            .collect()
    }

    fn ink_box(image: &[u8; IMAGE_LEN]) -> (usize, usize, usize, usize) {
        let ink: Vec<f32> = image.iter().map(|&v| f32::from(v)).collect();
        bounding_box(&ink, 28).unwrap()
    }

    #[test]
    fn dark_ink_on_paper_becomes_light_ink_on_black_fitted_into_20_and_centred() {
        // A tall bar of dark ink off to the left of a large white page.
        let page = picture(300, 200, 240, 20, (30, 20, 60, 180));
        let digit = prepare(&page, 300, 200).unwrap();
        let (x0, y0, x1, y1) = ink_box(&digit);
        assert_eq!(y1 - y0, 20, "the long side fills the 20-pixel box");
        assert!(
            (3..=5).contains(&(x1 - x0)),
            "the aspect is kept: {}",
            x1 - x0
        );
        assert_eq!((y0, 28 - y1), (4, 4), "centred vertically");
        let (cx, _) = (x0 + x1, 0);
        assert!(
            (26..=30).contains(&cx),
            "centred horizontally by its mass: {x0}..{x1}"
        );
        assert_eq!(digit[0], 0, "the paper becomes the black background");
        assert_eq!(digit[14 * 28 + 14], 255, "the ink becomes full white");
    }

    #[test]
    fn light_ink_on_black_is_kept_and_the_centre_of_mass_not_the_box_is_centred() {
        // An L: a heavy bottom bar pulls the centre of mass down.
        let mut pad = picture(100, 100, 0, 255, (10, 10, 20, 90));
        for (i, v) in picture(100, 100, 0, 255, (10, 70, 90, 90))
            .into_iter()
            .enumerate()
        {
            pad[i] = pad[i].max(v);
        }
        let digit = prepare(&pad, 100, 100).unwrap();
        let (_, y0, _, y1) = ink_box(&digit);
        assert_eq!(y1 - y0, 20);
        assert!(
            y0 < 4,
            "the box sits higher than centred, its mass at the centre: {y0}"
        );
    }

    #[test]
    fn blank_pictures_and_wrong_sizes_give_nothing() {
        assert_eq!(prepare(&[200; 64 * 64], 64, 64), None);
        assert_eq!(
            prepare(&picture(64, 64, 128, 136, (10, 10, 20, 20)), 64, 64),
            None
        );
        assert_eq!(prepare(&[0; 10], 4, 4), None);
        assert_eq!(prepare(&[], 0, 0), None);
    }

    #[test]
    fn a_tiny_picture_is_scaled_up_to_the_box() {
        let digit = prepare(&picture(5, 5, 0, 255, (1, 1, 4, 4)), 5, 5).unwrap();
        let (x0, y0, x1, y1) = ink_box(&digit);
        assert_eq!((x1 - x0, y1 - y0), (20, 20));
    }

    #[test]
    fn the_copy_reference_is_the_typical_distance_to_the_nearest_other_image() {
        // 16 images, each a different single pixel lit: any two differ by two pixels of 2.
        let pixels: Vec<u8> = (0..16)
            .flat_map(|k| (0..IMAGE_LEN).map(move |i| if i == 100 + k { 255 } else { 0 }))
            .collect();
        let reference = copy_reference(&dataset(&pixels).unwrap());
        assert!((reference - 8f64.sqrt()).abs() < 1e-6, "{reference}");
        // Identical images hit the floor instead of 0.
        assert_eq!(
            copy_reference(&dataset(&[9u8; 16 * IMAGE_LEN]).unwrap()),
            MIN_REFERENCE
        );
    }

    #[test]
    fn the_section_round_trips_and_bad_sections_are_named() {
        let pixels: Vec<u8> = (0..3 * IMAGE_LEN).map(|i| (i % 251) as u8).collect();
        let bytes = section_bytes(&pixels);
        assert_eq!(parse_section(&bytes).unwrap(), pixels);
        let mut cut = bytes.clone();
        cut.pop();
        assert!(parse_section(&cut).unwrap_err().contains("says 3 images"));
        let mut newer = bytes.clone();
        newer[0] = 2;
        assert!(parse_section(&newer).unwrap_err().contains("version 2"));
        assert!(parse_section(&[1, 0]).unwrap_err().contains("cut short"));
    }

    #[test]
    fn a_training_set_needs_16_to_10000_whole_images_and_holds_none_out() {
        let image = [7u8; IMAGE_LEN];
        let set = |n: usize| image.repeat(n);
        assert!(dataset(&set(15)).unwrap_err().contains("at least 16"));
        assert!(dataset(&set(MAX_IMAGES + 1)).unwrap_err().contains("10000"));
        assert!(dataset(&[0; 100]).unwrap_err().contains("whole"));
        let data = dataset(&set(20)).unwrap();
        assert_eq!(data.train_indices(), 0..20);
        assert!(data.heldout_indices().is_empty());
        assert_eq!(data.training_bytes(), set(20));
    }
}
