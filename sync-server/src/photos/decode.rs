//! Checking that uploaded bytes are a picture the county can keep as evidence, and making its
//! thumbnail.
//!
//! The limits are those of the device's photo pipeline (`yiwang_client::photo::Limits::default`
//! — the server may not depend on the client crate, so they are repeated here, in one place):
//! a photo the app accepts, the server accepts, and a decompression bomb is refused from its
//! header, before any pixel buffer exists. Order of work: format sniffing, header dimensions,
//! JPEG completeness, decode (with the same limits in force), thumbnail.

use super::store::PhotoKind;
use image::codecs::jpeg::JpegEncoder;
use image::error::LimitErrorKind;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage,
};
use std::io::Cursor;
use yiwang_core::error::ErrorCode;
use yiwang_core::photo::check_jpeg_complete;

/// Largest width or height a file header may declare.
pub use yiwang_core::photo::MAX_EDGE_IN as MAX_EDGE;
/// Largest photo file accepted (also tus's `Tus-Max-Size`): the same limit the device applies.
pub use yiwang_core::photo::MAX_PHOTO_BYTES;
/// Largest width × height a file header may declare.
pub use yiwang_core::photo::MAX_PIXELS;
/// Long edge of a thumbnail, as the device makes them.
pub const THUMB_EDGE: u32 = 320;
/// Thumbnails are for lists; a little lower than the device's 85 keeps them small.
const THUMB_QUALITY: u8 = 80;

/// Why uploaded bytes are not kept as a photo. Each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefusal {
    #[error("the file is {bytes} bytes, more than the {max} allowed for a photo")]
    FileTooLarge { bytes: u64, max: u64 },
    #[error(
        "the picture is {width}×{height} pixels, more than the {MAX_PIXELS} pixels and \
         {MAX_EDGE} pixels per side allowed; send the photo the app made"
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error("the file is not a JPEG, PNG or WebP picture")]
    NotAnImage,
    #[error("the picture is damaged or incomplete ({0}); send it again")]
    Corrupt(String),
    #[error(
        "the JPEG carries {0} metadata (it may hold the GPS position and the camera); remove it \
         and upload the photo again — the app and the console do so themselves"
    )]
    Metadata(&'static str),
}

impl ImageRefusal {
    pub fn code(&self) -> ErrorCode {
        match self {
            ImageRefusal::FileTooLarge { .. } | ImageRefusal::TooManyPixels { .. } => {
                ErrorCode::ImageTooLarge
            }
            ImageRefusal::NotAnImage => ErrorCode::NotAnImage,
            ImageRefusal::Corrupt(_) => ErrorCode::CorruptImage,
            ImageRefusal::Metadata(_) => ErrorCode::PhotoHasMetadata,
        }
    }
}

/// A picture that passed: its format, size and thumbnail (a JPEG).
#[derive(Debug, Clone)]
pub struct Inspected {
    pub kind: PhotoKind,
    pub width: u32,
    pub height: u32,
    pub thumbnail: Vec<u8>,
}

/// The metadata a JPEG carries that may say where and with what it was taken: an APP1 segment
/// with Exif or XMP, or an APP13 (Photoshop/IPTC) one. `None` when it has none (or is not a
/// JPEG). Only the segments before the image data are looked at; a damaged header stops the
/// walk (the decoder judges the rest).
pub fn jpeg_metadata(bytes: &[u8]) -> Option<&'static str> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        // Fill bytes, and markers without a length.
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            i += 2;
            continue;
        }
        // Start of scan or end of image: no header segments follow.
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let body = bytes.get(i + 4..(i + 2 + len).min(bytes.len()))?;
        match marker {
            0xE1 if body.starts_with(b"Exif\0") => return Some("Exif"),
            0xE1 if body.starts_with(b"http://ns.adobe.com/xap/1.0/") => return Some("XMP"),
            0xE1 if body.starts_with(b"http://ns.adobe.com/xmp/extension/") => return Some("XMP"),
            0xED => return Some("IPTC"),
            _ => {}
        }
        if len < 2 {
            return None;
        }
        i += 2 + len;
    }
    None
}

/// What a file's header says, once the checks that need no decoding passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub kind: PhotoKind,
    pub width: u32,
    pub height: u32,
}

/// The checks that need no decoding: size, format, the header's dimensions, a JPEG's
/// completeness (SOI to EOI) and metadata. What an upload's acknowledgement waits for; the
/// whole decode and the thumbnail ([`inspect`]) may follow it (`crate::photos::check`).
pub fn precheck(bytes: &[u8]) -> Result<Header, ImageRefusal> {
    opened(bytes).map(|(header, _)| header)
}

/// Decodes `bytes` within the limits and makes the thumbnail.
pub fn inspect(bytes: &[u8]) -> Result<Inspected, ImageRefusal> {
    let (header, mut decoder) = opened(bytes)?;
    let Header {
        kind,
        width,
        height,
    } = header;
    let too_many = ImageRefusal::TooManyPixels { width, height };
    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(MAX_EDGE);
    decode_limits.max_image_height = Some(MAX_EDGE);
    decode_limits.max_alloc = Some(max_alloc());
    decoder
        .set_limits(decode_limits)
        .map_err(|e| refusal(e, Some(too_many.clone())))?;
    let image = DynamicImage::from_decoder(decoder).map_err(|e| refusal(e, Some(too_many)))?;

    let small = if width.max(height) > THUMB_EDGE {
        image.thumbnail(THUMB_EDGE, THUMB_EDGE)
    } else {
        image
    };
    let rgb = flatten(small);
    let mut thumbnail = Vec::with_capacity(32 * 1024);
    JpegEncoder::new_with_quality(&mut thumbnail, THUMB_QUALITY)
        .encode(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|e| ImageRefusal::Corrupt(format!("the thumbnail could not be made: {e}")))?;
    Ok(Inspected {
        kind,
        width,
        height,
        thumbnail,
    })
}

/// Room for the decoded frame at 4 bytes a pixel plus what decoders keep on the side.
fn max_alloc() -> u64 {
    MAX_PIXELS.saturating_mul(4).saturating_add(64 << 20)
}

/// [`precheck`]'s checks, and the decoder they leave positioned after the header.
fn opened(bytes: &[u8]) -> Result<(Header, Box<dyn ImageDecoder + '_>), ImageRefusal> {
    let size = bytes.len() as u64;
    if size > MAX_PHOTO_BYTES {
        return Err(ImageRefusal::FileTooLarge {
            bytes: size,
            max: MAX_PHOTO_BYTES,
        });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageRefusal::Corrupt(e.to_string()))?;
    let (format, kind) = match reader.format() {
        Some(f @ ImageFormat::Jpeg) => (f, PhotoKind::Jpeg),
        Some(f @ ImageFormat::Png) => (f, PhotoKind::Png),
        Some(f @ ImageFormat::WebP) => (f, PhotoKind::Webp),
        _ => return Err(ImageRefusal::NotAnImage),
    };

    // The header pass sets only the allocation cap: with dimension caps set, the PNG decoder
    // would refuse in its constructor without saying what size it saw.
    let mut header_limits = image::Limits::default();
    header_limits.max_image_width = None;
    header_limits.max_image_height = None;
    header_limits.max_alloc = Some(max_alloc());
    reader.limits(header_limits);
    let decoder = reader.into_decoder().map_err(|e| refusal(e, None))?;

    // Header dimensions first: a PNG declaring 100000×100000 stops here.
    let (width, height) = decoder.dimensions();
    if width > MAX_EDGE || height > MAX_EDGE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageRefusal::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ImageRefusal::Corrupt("the picture has no pixels".into()));
    }
    // The JPEG decoder paints a cut-off file grey to the bottom rather than failing; half a
    // photo must not become evidence.
    if format == ImageFormat::Jpeg {
        check_jpeg_complete(bytes).map_err(ImageRefusal::Corrupt)?;
        // Photos are addressed by their bytes, so the server cannot strip what they carry: it
        // refuses them instead (the device re-encodes, the console strips before hashing).
        if let Some(kind) = jpeg_metadata(bytes) {
            return Err(ImageRefusal::Metadata(kind));
        }
    }
    Ok((
        Header {
            kind,
            width,
            height,
        },
        Box::new(decoder),
    ))
}

fn refusal(e: ImageError, too_many: Option<ImageRefusal>) -> ImageRefusal {
    match e {
        // Any limit hit before or while decoding means the picture is too big for us.
        ImageError::Limits(ref l) => match (l.kind(), too_many) {
            (_, Some(t)) => t,
            (LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory, None) => {
                ImageRefusal::TooManyPixels {
                    width: 0,
                    height: 0,
                }
            }
            _ => ImageRefusal::Corrupt(e.to_string()),
        },
        ImageError::Unsupported(_) => ImageRefusal::NotAnImage,
        // Bytes are read from memory: an I/O error means the data ran out.
        _ => ImageRefusal::Corrupt(e.to_string()),
    }
}

/// Transparency goes onto white, as a screenshot looked on screen.
fn flatten(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(src[3]);
        for c in 0..3 {
            dst[c] = ((u16::from(src[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgb};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = vec![];
        JpegEncoder::new_with_quality(&mut out, 85)
            .write_image(img.as_raw(), width, height, ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    #[test]
    fn a_jpeg_passes_with_a_320px_thumbnail() {
        let got = inspect(&jpeg(800, 400)).expect("a plain JPEG is a photo");
        assert_eq!(
            (got.kind, got.width, got.height),
            (PhotoKind::Jpeg, 800, 400)
        );
        let thumb = image::load_from_memory(&got.thumbnail).expect("the thumbnail is a JPEG");
        assert_eq!(
            (thumb.width(), thumb.height()),
            (320, 160),
            "long edge 320, aspect kept"
        );
    }

    #[test]
    fn a_small_picture_is_not_upscaled_for_its_thumbnail() {
        let got = inspect(&jpeg(100, 50)).unwrap();
        let thumb = image::load_from_memory(&got.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (100, 50));
    }

    #[test]
    fn a_cut_off_jpeg_is_corrupt() {
        let full = jpeg(300, 200);
        let err = inspect(&full[..full.len() * 2 / 3]).unwrap_err();
        assert_eq!(err.code(), "corrupt_image", "got {err:?}");
    }

    /// A JPEG with a minimal APP1 Exif segment (an empty IFD0) right after SOI. Any Exif is
    /// refused; the GPS-tagged file a phone writes is tested through tus in
    /// `tests/tests/photos/refusals.rs`.
    fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
        let plain = jpeg(w, h);
        let mut app1 = b"Exif\0\0II*\0".to_vec();
        app1.extend_from_slice(&8u32.to_le_bytes());
        app1.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let len = u16::try_from(app1.len() + 2).unwrap();
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out
    }

    #[test]
    fn a_jpeg_with_exif_is_refused() {
        let tagged = jpeg_with_exif(300, 200);
        assert!(
            image::load_from_memory(&tagged).is_ok(),
            "the tagged file is a valid JPEG"
        );
        assert_eq!(jpeg_metadata(&tagged), Some("Exif"));
        let err = inspect(&tagged).unwrap_err();
        assert_eq!(err.code(), "photo_has_metadata", "got {err:?}");
        assert_eq!(
            jpeg_metadata(&jpeg(300, 200)),
            None,
            "the encoder's own JPEG (JFIF only) carries none"
        );
    }

    #[test]
    fn text_is_not_an_image() {
        let err = inspect(b"GIF? no: just a note about a pothole").unwrap_err();
        assert_eq!(err, ImageRefusal::NotAnImage);
    }
}
