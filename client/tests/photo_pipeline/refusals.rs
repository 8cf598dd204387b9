//! Refusals: decompression bombs (PNG headers written by hand), pixel and byte limits, cut-off
//! JPEGs and random bytes, each refused with the code the UI branches on.

use image::RgbImage;
use yiwang_client::photo::{Limits, PhotoError, PhotoPipeline};

use crate::common::{jpeg_of, photo_like, png_of, XorShift};

// ---------------------------------------------------------------------------------------------
// PNG by hand

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc32(&typed).to_be_bytes());
}

/// A well-formed PNG whose header declares `width`×`height` RGB pixels over a few bytes of data.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, adaptive filter, no interlace
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}

// ---------------------------------------------------------------------------------------------
// Refusals

fn refusal(pipeline: &PhotoPipeline, input: &[u8]) -> PhotoError {
    match pipeline.process(input, None) {
        Ok(photo) => panic!("expected a refusal, got {photo:?}"),
        Err(e) => e,
    }
}

#[test]
fn a_png_declaring_100000_by_100000_is_refused_from_its_header() {
    let input = png_declaring(100_000, 100_000);
    assert!(input.len() < 100, "the bomb is tiny on disk");
    let err = refusal(&PhotoPipeline::default(), &input);
    assert!(
        matches!(
            err,
            PhotoError::TooManyPixels {
                width: 100_000,
                height: 100_000,
                ..
            }
        ),
        "the header's size is refused before any pixel buffer exists, got {err:?}"
    );
    assert_eq!(
        err.code(),
        "photo_too_many_pixels",
        "the UI branches on this code"
    );
}

#[test]
fn the_pixel_count_limit_applies_within_the_edge_limit() {
    let limits = Limits {
        max_pixels: 1_000_000,
        ..Limits::default()
    };
    let err = refusal(
        &PhotoPipeline::new(limits),
        &png_of(&RgbImage::new(2000, 1000)),
    );
    assert!(
        matches!(
            err,
            PhotoError::TooManyPixels {
                width: 2000,
                height: 1000,
                max: 1_000_000,
                ..
            }
        ),
        "2 megapixels exceed a 1-megapixel limit though each side is fine, got {err:?}"
    );
}

#[test]
fn a_truncated_jpeg_is_refused_as_corrupt() {
    let full = jpeg_of(&photo_like(640, 480, 9), 90);
    let err = refusal(&PhotoPipeline::default(), &full[..full.len() / 2]);
    assert_eq!(
        err.code(),
        "photo_corrupt",
        "half a JPEG is an interrupted transfer, not a picture: {err}"
    );
}

#[test]
fn too_many_bytes_are_refused_before_anything_else() {
    let limits = Limits {
        max_bytes: 10_000,
        ..Limits::default()
    };
    let pipeline = PhotoPipeline::new(limits);
    let input = jpeg_of(&photo_like(640, 480, 9), 90);
    assert!(input.len() > 10_000, "the test photo is over the limit");
    let err = refusal(&pipeline, &input);
    assert!(
        matches!(err, PhotoError::TooLarge { bytes, max: 10_000 } if bytes == input.len() as u64),
        "a file over max_bytes is refused with its size, got {err:?}"
    );
    assert_eq!(
        err.code(),
        "photo_too_large",
        "the UI branches on this code"
    );

    let garbage = vec![0x42; 20_000];
    assert_eq!(
        refusal(&pipeline, &garbage).code(),
        "photo_too_large",
        "size is checked before the format is even sniffed"
    );
}

#[test]
fn random_bytes_are_refused_as_unsupported() {
    let mut rng = XorShift(0x5EED);
    let garbage: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
    let err = refusal(&PhotoPipeline::default(), &garbage);
    assert_eq!(
        err.code(),
        "photo_unsupported_format",
        "bytes with no image signature are not a photo: {err}"
    );
    assert!(
        !err.is_retryable(),
        "the same bytes will never become a photo"
    );
}
