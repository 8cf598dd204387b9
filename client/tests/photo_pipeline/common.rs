//! Fixtures shared by the photo pipeline tests: deterministic photo-like pictures, JPEG and PNG
//! encoding, decoding the output, colour checks, and a sample watermark.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};
use yiwang_client::photo::Watermark;

// ---------------------------------------------------------------------------------------------
// Making pictures

/// A tiny deterministic generator, so every run tests the same bytes.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Gradients plus noise: compresses like a photo, unlike a flat colour.
pub fn photo_like(width: u32, height: u32, seed: u64) -> RgbImage {
    let mut rng = XorShift(seed);
    RgbImage::from_fn(width, height, |x, y| {
        let noise = (rng.next() % 24) as u32;
        Rgb([
            ((x * 200 / width) + noise) as u8,
            ((y * 200 / height) + noise) as u8,
            (((x + y) * 100 / (width + height)) + 60 + noise) as u8,
        ])
    })
}

pub fn jpeg_of(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("encode test JPEG");
    out
}

pub fn png_of(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("encode test PNG");
    out
}

pub fn decode(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes)
        .expect("pipeline output decodes")
        .into_rgb8()
}

pub fn is_red(p: &Rgb<u8>) -> bool {
    p[0] > 180 && p[1] < 80 && p[2] < 80
}

pub fn is_blue(p: &Rgb<u8>) -> bool {
    p[0] < 80 && p[1] < 80 && p[2] > 180
}
pub fn watermark(grid: &str) -> Watermark {
    Watermark {
        taken_at: "2024-05-01 10:12".into(),
        grid: grid.into(),
        place: "40.6312N 122.5021E 城关镇人民路 18 号".into(),
        worker: "张伟".into(),
    }
}
