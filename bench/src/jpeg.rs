//! Test pictures for the benchmarks: noisy JPEGs (smooth colour with sensor-like noise, which
//! compresses like a photo) and distinct copies of one.

use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, RgbImage};
use rand::{Rng, SeedableRng};

/// A `w`×`h` noisy JPEG at `quality`: about 1 MB at 1600×1100 and quality 90, 200 KB at
/// 800×600 and quality 85.
pub fn noisy(w: u32, h: u32, quality: u8, noise: i32) -> image::ImageResult<Vec<u8>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let n: i32 = rng.gen_range(-noise..=noise);
        let c = |v: u32| (v as i32 + n).clamp(0, 255) as u8;
        image::Rgb([c(x * 255 / w), c(y * 255 / h), c(128)])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality).encode(
        img.as_raw(),
        w,
        h,
        ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

/// `base` with a comment segment naming `variant` after SOI: its own SHA-256, still a valid
/// JPEG the server decodes (a comment is not metadata it refuses).
pub fn variant(base: &[u8], variant: usize) -> Vec<u8> {
    let comment = format!("yiwang-bench photo {variant:06}");
    let len = u16::try_from(comment.len() + 2).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(base.len() + comment.len() + 4);
    out.extend_from_slice(&base[..2]);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(comment.as_bytes());
    out.extend_from_slice(&base[2..]);
    out
}
