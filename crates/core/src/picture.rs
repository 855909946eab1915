//! The sample grid as a picture: a grey PNG of one grid (the CLI's `samples.png`), and the
//! timelapse, an animated PNG of the grids kept while a run trained, with the step written above
//! each frame. Encoded by the `png` crate (APNG plays in every current browser and in chat apps;
//! a viewer without APNG shows the first frame).

/// At most this many grids are kept for a timelapse: the page halves what it keeps when full, and
/// `ganvas train --timelapse` spreads its grids over the run the same way.
pub const TIMELAPSE_FRAMES: usize = 60;
/// Each frame shows this long (1/5 s); the last one longer, so the end can be seen.
const FRAME_DELAY: (u16, u16) = (1, 5);
const LAST_FRAME_DELAY: (u16, u16) = (2, 1);
/// A timelapse is drawn at twice the grid's size, so the digits stay visible in a chat app.
const SCALE: usize = 2;
/// The label's font: 3x5 pixel glyphs, drawn at this scale, on a strip this tall.
const FONT_SCALE: usize = 3;
const LABEL_HEIGHT: usize = 5 * FONT_SCALE + 2 * FONT_SCALE;
const LABEL_BACKGROUND: u8 = 40;

/// A grey image, one byte per pixel, row after row.
#[derive(Clone, Debug, PartialEq)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// `pixels`: square images of `image_pixels` each, in [-1, 1] (the generator's tanh), laid out
/// `cols` per row, black for -1 and white for 1.
pub fn grid(pixels: &[f32], image_pixels: usize, cols: usize) -> Result<Gray, String> {
    let side = (image_pixels as f64).sqrt() as usize;
    if image_pixels == 0
        || side * side != image_pixels
        || pixels.is_empty()
        || !pixels.len().is_multiple_of(image_pixels)
        || cols == 0
    {
        return Err("the grid's images must be square and complete".into());
    }
    let count = pixels.len() / image_pixels;
    let (width, height) = (cols * side, count.div_ceil(cols) * side);
    let mut gray = vec![0u8; width * height];
    for (n, image) in pixels.chunks(image_pixels).enumerate() {
        let (ox, oy) = ((n % cols) * side, (n / cols) * side);
        for (p, v) in image.iter().enumerate() {
            let (x, y) = (ox + p % side, oy + p / side);
            gray[y * width + x] = ((v.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8;
        }
    }
    Ok(Gray {
        width,
        height,
        pixels: gray,
    })
}

/// One grid as a grey PNG.
pub fn grid_png(pixels: &[f32], image_pixels: usize, cols: usize) -> Result<Vec<u8>, String> {
    let image = grid(pixels, image_pixels, cols)?;
    encode(&[image], false)
}

/// The timelapse: `frames` of (step, grid pixels as for [`grid`]), in order, as an animated PNG
/// that loops, each frame labelled "step N".
pub fn timelapse_png(
    frames: &[(u64, &[f32])],
    image_pixels: usize,
    cols: usize,
) -> Result<Vec<u8>, String> {
    if frames.is_empty() {
        return Err("no grid was kept yet: train a little first".into());
    }
    if frames.len() > TIMELAPSE_FRAMES {
        return Err(format!(
            "{} grids is more than a timelapse holds ({TIMELAPSE_FRAMES})",
            frames.len()
        ));
    }
    let images = frames
        .iter()
        .map(|&(step, pixels)| Ok(labelled(&grid(pixels, image_pixels, cols)?, step)))
        .collect::<Result<Vec<_>, String>>()?;
    if images
        .iter()
        .any(|i| i.width != images[0].width || i.height != images[0].height)
    {
        return Err("the timelapse's grids differ in size".into());
    }
    encode(&images, true)
}

/// `image` scaled up by [`SCALE`], under a strip that reads "step N".
fn labelled(image: &Gray, step: u64) -> Gray {
    let width = image.width * SCALE;
    let height = image.height * SCALE + LABEL_HEIGHT;
    let mut pixels = vec![LABEL_BACKGROUND; width * LABEL_HEIGHT];
    pixels.reserve(width * image.height * SCALE);
    for y in 0..image.height * SCALE {
        let row = &image.pixels[(y / SCALE) * image.width..][..image.width];
        pixels.extend(row.iter().flat_map(|&v| [v; SCALE]));
    }
    let mut out = Gray {
        width,
        height,
        pixels,
    };
    write_text(&mut out, &format!("step {step}"), FONT_SCALE, FONT_SCALE);
    out
}

/// 3x5 glyphs, one row of three bits per line, top line first.
fn glyph(c: char) -> Option<[u8; 5]> {
    Some(match c {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b001, 0b001, 0b001],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        's' => [0b011, 0b100, 0b010, 0b001, 0b110],
        't' => [0b010, 0b111, 0b010, 0b010, 0b011],
        'e' => [0b010, 0b101, 0b111, 0b100, 0b011],
        'p' => [0b110, 0b101, 0b110, 0b100, 0b100],
        ' ' => [0; 5],
        _ => return None,
    })
}

/// Writes `text` in white from (`x`, `y`), each glyph pixel a `scale`-sided square, a column of
/// space between glyphs. Characters without a glyph are skipped.
fn write_text(image: &mut Gray, text: &str, x: usize, y: usize) {
    let mut left = x;
    for rows in text.chars().filter_map(glyph) {
        for (r, bits) in rows.iter().enumerate() {
            for c in 0..3 {
                if bits & (0b100 >> c) == 0 {
                    continue;
                }
                for dy in 0..FONT_SCALE {
                    for dx in 0..FONT_SCALE {
                        let (px, py) = (left + c * FONT_SCALE + dx, y + r * FONT_SCALE + dy);
                        if px < image.width && py < image.height {
                            image.pixels[py * image.width + px] = 255;
                        }
                    }
                }
            }
        }
        left += 4 * FONT_SCALE;
    }
}

/// Grey PNG of `images` (all one size): a still image, or where `animated`, an APNG that loops.
fn encode(images: &[Gray], animated: bool) -> Result<Vec<u8>, String> {
    let (width, height) = (images[0].width as u32, images[0].height as u32);
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let failed = |e: png::EncodingError| format!("PNG: {e}");
    if animated {
        encoder
            .set_animated(images.len() as u32, 0)
            .map_err(failed)?;
        encoder
            .set_frame_delay(FRAME_DELAY.0, FRAME_DELAY.1)
            .map_err(failed)?;
    }
    let mut writer = encoder.write_header().map_err(failed)?;
    for (i, image) in images.iter().enumerate() {
        if animated && i + 1 == images.len() {
            writer
                .set_frame_delay(LAST_FRAME_DELAY.0, LAST_FRAME_DELAY.1)
                .map_err(failed)?;
        }
        writer.write_image_data(&image.pixels).map_err(failed)?;
    }
    writer.finish().map_err(failed)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_frames(bytes: &[u8]) -> (Option<png::AnimationControl>, Vec<Vec<u8>>) {
        let mut reader = png::Decoder::new(bytes).read_info().unwrap();
        let control = reader.info().animation_control;
        let mut frames = Vec::new();
        let count = control.map_or(1, |c| c.num_frames);
        for _ in 0..count {
            let mut buf = vec![0; reader.output_buffer_size()];
            let info = reader.next_frame(&mut buf).unwrap();
            buf.truncate(info.buffer_size());
            frames.push(buf);
        }
        (control, frames)
    }

    #[test]
    fn a_grid_round_trips_through_a_png_decoder() {
        // Two 2x2 images: all black, then all white.
        let pixels = [-1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0];
        let (control, frames) = decode_frames(&grid_png(&pixels, 4, 2).unwrap());
        assert!(control.is_none(), "one grid is a still image");
        assert_eq!(frames[0], [0, 0, 255, 255, 0, 0, 255, 255]);
    }

    #[test]
    fn grids_of_non_square_or_incomplete_images_are_refused() {
        assert!(grid_png(&[0.0; 6], 6, 1).is_err());
        assert!(grid_png(&[0.0; 7], 4, 1).is_err());
        assert!(grid_png(&[], 4, 1).is_err());
    }

    #[test]
    fn a_timelapse_is_an_animation_with_one_labelled_frame_per_grid() {
        let black = vec![-1.0f32; 4 * 784];
        let white = vec![1.0f32; 4 * 784];
        let frames: Vec<(u64, &[f32])> = vec![(0, &black), (250, &white), (1234, &black)];
        let (control, decoded) = decode_frames(&timelapse_png(&frames, 784, 2).unwrap());
        let control = control.expect("an animated PNG");
        assert_eq!((control.num_frames, control.num_plays), (3, 0));
        assert_eq!(decoded.len(), 3);
        let width = 2 * 28 * SCALE;
        for (frame, (_, pixels)) in decoded.iter().zip(&frames) {
            assert_eq!(frame.len(), width * (LABEL_HEIGHT + 2 * 28 * SCALE));
            // The strip holds white text on grey; below it, the grid's pixels.
            let strip = &frame[..width * LABEL_HEIGHT];
            assert!(strip.contains(&255) && strip.contains(&LABEL_BACKGROUND));
            let expected = if pixels[0] > 0.0 { 255 } else { 0 };
            assert!(frame[width * LABEL_HEIGHT..].iter().all(|&v| v == expected));
        }
        // Different steps write different labels.
        assert_ne!(
            decoded[0][..width * LABEL_HEIGHT],
            decoded[2][..width * LABEL_HEIGHT]
        );
    }

    #[test]
    fn an_empty_or_overlong_timelapse_is_refused_in_words() {
        assert!(
            timelapse_png(&[], 784, 8)
                .unwrap_err()
                .contains("train a little")
        );
        let grid = vec![0.0f32; 784];
        let too_many: Vec<(u64, &[f32])> = (0..=TIMELAPSE_FRAMES as u64)
            .map(|s| (s, &grid[..]))
            .collect();
        assert!(timelapse_png(&too_many, 784, 1).is_err());
        let mixed: Vec<(u64, &[f32])> = vec![(0, &grid[..]), (1, &[0.0; 2 * 784][..])];
        assert!(
            timelapse_png(&mixed, 784, 1)
                .unwrap_err()
                .contains("differ")
        );
    }
}
