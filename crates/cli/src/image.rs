//! Writes a grid of generated digits as a grayscale PNG.

/// `pixels`: images of `image_pixels` (a square) each, in [-1, 1]; laid out `cols` per row.
pub fn grid_png(pixels: &[f32], image_pixels: usize, cols: usize) -> Result<Vec<u8>, String> {
    let side = (image_pixels as f64).sqrt() as usize;
    if image_pixels == 0
        || side * side != image_pixels
        || !pixels.len().is_multiple_of(image_pixels)
        || cols == 0
    {
        return Err("grid_png: images must be square and complete".into());
    }
    let count = pixels.len() / image_pixels;
    let rows = count.div_ceil(cols);
    let (width, height) = (cols * side, rows * side);
    let mut gray = vec![0u8; width * height];
    for (n, image) in pixels.chunks(image_pixels).enumerate() {
        let (ox, oy) = ((n % cols) * side, (n / cols) * side);
        for (p, v) in image.iter().enumerate() {
            let (x, y) = (ox + p % side, oy + p / side);
            gray[y * width + x] = ((v.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8;
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width as u32, height as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| format!("PNG header: {e}"))?;
    writer
        .write_image_data(&gray)
        .map_err(|e| format!("PNG data: {e}"))?;
    writer.finish().map_err(|e| format!("PNG end: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_round_trips_through_a_png_decoder() {
        // Two 2x2 images: all black, then all white.
        let pixels = [-1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0];
        let bytes = grid_png(&pixels, 4, 2).unwrap();
        let decoder = png::Decoder::new(bytes.as_slice());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (4, 2));
        assert_eq!(&buf[..8], &[0, 0, 255, 255, 0, 0, 255, 255]);
    }

    #[test]
    fn rejects_non_square_images() {
        assert!(grid_png(&[0.0; 6], 6, 1).is_err());
    }
}
