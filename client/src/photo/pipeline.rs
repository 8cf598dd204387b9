//! Turning untrusted input bytes into a stored photo: the [`Limits`] checked before decoding,
//! decoding, [`ExifInfo`] read from the input, resizing to [`MAX_EDGE`], orientation, the JPEG
//! encoding of the photo and its thumbnail, and [`PhotoError`], everything that can go wrong on
//! the way. The watermark itself is drawn by the `watermark` module.

use std::fmt;
use std::io::Cursor;

use chrono::{NaiveDate, NaiveDateTime};
use fast_image_resize as fir;
use image::codecs::jpeg::JpegEncoder;
use image::error::LimitErrorKind;
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage,
};
use serde::{Deserialize, Serialize};
use yiwang_core::ids::PhotoHash;
use yiwang_core::photo::check_jpeg_complete;

use super::watermark::{draw_watermark, Watermark};

/// Long edge of a stored photo. Enough to read a licence plate or a shop sign at phone-screen
/// zoom, small enough (~0.5–1 MB) to upload over a weak rural 4G link.
pub const MAX_EDGE: u32 = 2048;
/// Long edge of a thumbnail, sized for case lists.
pub const THUMB_EDGE: u32 = 320;
/// JPEG quality of stored photos and thumbnails.
pub const JPEG_QUALITY: u8 = 85;

/// Everything that can go wrong turning input bytes into a stored photo.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error(
        "the photo file is {} MiB, more than the {} MiB allowed; pick a smaller file or take the \
         photo again with the normal camera setting",
        mib(.bytes),
        mib(.max)
    )]
    TooLarge { bytes: u64, max: u64 },

    #[error(
        "the photo is {width}×{height} pixels, more than can be processed on this device (at most \
         {max} pixels and {max_edge} pixels per side); take the photo again with the normal \
         camera setting"
    )]
    TooManyPixels {
        width: u32,
        height: u32,
        max: u64,
        max_edge: u32,
    },

    #[error("this file is not a JPEG, PNG or WebP picture; choose a photo saved as JPEG")]
    UnsupportedFormat,

    #[error("the photo file is damaged or incomplete ({0}); take the photo again or pick another")]
    Corrupt(String),

    #[error("could not read or save the photo on this device ({0}); check free storage and retry")]
    Io(#[from] std::io::Error),

    #[error(
        "could not prepare the photo for storage ({0}); try again, and report it if it repeats"
    )]
    Encode(String),
}

impl PhotoError {
    /// A stable code the UI branches on; the message is for people.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "photo_too_large",
            Self::TooManyPixels { .. } => "photo_too_many_pixels",
            Self::UnsupportedFormat => "photo_unsupported_format",
            Self::Corrupt(_) => "photo_corrupt",
            Self::Io(_) => "photo_io",
            Self::Encode(_) => "photo_encode",
        }
    }

    /// Only storage trouble can go away by itself (space freed, card remounted); the same bytes
    /// will always be too large, corrupt or of the wrong format.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Io(_))
    }
}

fn mib(bytes: &u64) -> String {
    format!("{:.1}", *bytes as f64 / (1024.0 * 1024.0))
}

/// What the pipeline refuses before decoding. The defaults admit any phone camera in use
/// (108 MP sensors included) and stop decompression bombs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file, checked before anything else.
    pub max_bytes: u64,
    /// Largest width × height declared by the file header.
    pub max_pixels: u64,
    /// Largest width or height declared by the file header.
    pub max_edge_in: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: yiwang_core::photo::MAX_PHOTO_BYTES,
            max_pixels: yiwang_core::photo::MAX_PIXELS,
            max_edge_in: yiwang_core::photo::MAX_EDGE_IN,
        }
    }
}
/// What the camera recorded, read from the input. The stored JPEG is re-encoded without EXIF
/// (orientation is baked in, and GPS must not leak from a shared picture), so this is the only
/// copy of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExifInfo {
    /// DateTimeOriginal: the camera's local clock, no time zone.
    pub taken_at: Option<NaiveDateTime>,
    /// (latitude, longitude) in degrees; south and west are negative.
    pub gps: Option<(f64, f64)>,
    /// EXIF orientation 1–8 as found (1 when absent or invalid). Already applied to the pixels.
    pub orientation: u16,
}

impl Default for ExifInfo {
    fn default() -> Self {
        Self {
            taken_at: None,
            gps: None,
            orientation: 1,
        }
    }
}

/// A photo ready for [`PhotoFiles::put`](super::PhotoFiles::put) and upload.
#[derive(Clone)]
pub struct ProcessedPhoto {
    /// SHA-256 of `jpeg`.
    pub hash: PhotoHash,
    /// The stored picture: upright, long edge ≤ [`MAX_EDGE`], watermarked if asked.
    pub jpeg: Vec<u8>,
    /// The same picture with a long edge ≤ [`THUMB_EDGE`].
    pub thumbnail: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub exif: ExifInfo,
}

// Hand-written so a log line shows sizes, not megabytes of bytes.
impl fmt::Debug for ProcessedPhoto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedPhoto")
            .field("hash", &self.hash.as_str())
            .field("jpeg_bytes", &self.jpeg.len())
            .field("thumbnail_bytes", &self.thumbnail.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("exif", &self.exif)
            .finish()
    }
}

/// Turns untrusted input bytes into a [`ProcessedPhoto`]. Holds only settings, so one instance
/// can be shared between threads.
#[derive(Debug, Clone, Default)]
pub struct PhotoPipeline {
    limits: Limits,
}

impl PhotoPipeline {
    pub fn new(limits: Limits) -> Self {
        Self { limits }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Decodes `input` within the limits, makes it upright, scales it to at most [`MAX_EDGE`],
    /// stamps the watermark if one is given, and encodes the stored JPEG and its thumbnail.
    pub fn process(
        &self,
        input: &[u8],
        watermark: Option<&Watermark>,
    ) -> Result<ProcessedPhoto, PhotoError> {
        let decoded = self.decode(input)?;
        // After decoding, so a file that is not an image fails as such rather than as "no EXIF".
        let exif = read_exif(input);

        let resized = match fitted_size(decoded.dimensions(), MAX_EDGE) {
            Some(size) => resize(&decoded, size)?,
            None => decoded,
        };
        let mut image = orient(resized, exif.orientation);
        if let Some(watermark) = watermark {
            draw_watermark(&mut image, watermark)
                .map_err(|e| PhotoError::Encode(format!("watermark font: {e}")))?;
        }

        let jpeg = encode_jpeg(&image)?;
        let thumbnail = match fitted_size(image.dimensions(), THUMB_EDGE) {
            Some(size) => encode_jpeg(&resize(&image, size)?)?,
            None => encode_jpeg(&image)?,
        };
        let hash = PhotoHash::of(&jpeg);
        tracing::debug!(
            hash = hash.as_str(),
            width = image.width(),
            height = image.height(),
            bytes = jpeg.len(),
            "photo processed"
        );
        Ok(ProcessedPhoto {
            hash,
            jpeg,
            thumbnail,
            width: image.width(),
            height: image.height(),
            exif,
        })
    }

    fn decode(&self, input: &[u8]) -> Result<RgbImage, PhotoError> {
        let limits = self.limits;
        let bytes = input.len() as u64;
        if bytes > limits.max_bytes {
            return Err(PhotoError::TooLarge {
                bytes,
                max: limits.max_bytes,
            });
        }

        let mut reader = ImageReader::new(Cursor::new(input)).with_guessed_format()?;
        let format = match reader.format() {
            Some(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
            _ => return Err(PhotoError::UnsupportedFormat),
        };

        // Room for the decoded frame at 4 bytes a pixel plus what decoders keep on the side.
        // The header pass needs only the allocation cap: with the dimension caps set, the PNG
        // decoder would refuse in its constructor without telling us the size it saw.
        let max_alloc = limits.max_pixels.saturating_mul(4).saturating_add(64 << 20);
        let mut header_limits = image::Limits::default();
        header_limits.max_image_width = None;
        header_limits.max_image_height = None;
        header_limits.max_alloc = Some(max_alloc);
        reader.limits(header_limits);
        let mut decoder = reader
            .into_decoder()
            .map_err(|e| from_image_error(e, None))?;

        // Header dimensions first: a PNG declaring 100000×100000 is refused here, before any
        // pixel buffer exists.
        let (width, height) = decoder.dimensions();
        let too_many = || PhotoError::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
            max_edge: limits.max_edge_in,
        };
        if width > limits.max_edge_in
            || height > limits.max_edge_in
            || u64::from(width) * u64::from(height) > limits.max_pixels
        {
            return Err(too_many());
        }
        if width == 0 || height == 0 {
            return Err(PhotoError::Corrupt("the picture has no pixels".into()));
        }
        // The JPEG decoder is lenient and paints a cut-off file grey to the bottom; a
        // half-transferred photo must be refused, not stored as evidence.
        if format == ImageFormat::Jpeg {
            check_jpeg_complete(input).map_err(PhotoError::Corrupt)?;
        }

        // The strict limits stay in force during decoding, as a second line behind our check.
        let mut decode_limits = image::Limits::default();
        decode_limits.max_image_width = Some(limits.max_edge_in);
        decode_limits.max_image_height = Some(limits.max_edge_in);
        decode_limits.max_alloc = Some(max_alloc);
        decoder
            .set_limits(decode_limits)
            .map_err(|e| from_image_error(e, Some(too_many())))?;
        let image = DynamicImage::from_decoder(decoder)
            .map_err(|e| from_image_error(e, Some(too_many())))?;
        Ok(flatten(image))
    }
}

impl From<ImageError> for PhotoError {
    fn from(e: ImageError) -> Self {
        from_image_error(e, None)
    }
}

fn from_image_error(e: ImageError, too_many: Option<PhotoError>) -> PhotoError {
    match e {
        ImageError::Limits(ref l) => match (l.kind(), too_many) {
            (LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory, Some(err)) => err,
            _ => PhotoError::Corrupt(e.to_string()),
        },
        ImageError::Unsupported(_) => PhotoError::UnsupportedFormat,
        // Input is read from memory, so an I/O error means the data ran out: a cut-off file.
        ImageError::IoError(io) => PhotoError::Corrupt(io.to_string()),
        ImageError::Encoding(_) => PhotoError::Encode(e.to_string()),
        ImageError::Decoding(_) | ImageError::Parameter(_) => PhotoError::Corrupt(e.to_string()),
    }
}

/// Flattens transparency onto white: a screenshot with a transparent background should look the
/// way it did on screen, not turn black in a JPEG.
fn flatten(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut out = RgbImage::new(width, height);
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(src[3]);
        for c in 0..3 {
            let v = (u16::from(src[c]) * a + 255 * (255 - a) + 127) / 255;
            dst[c] = v as u8;
        }
    }
    out
}

/// Reads when, where and which way up from the input's EXIF (JPEG, PNG and WebP containers).
/// Missing or broken EXIF gives the defaults: many pickers strip it, and a photo without it is
/// still evidence.
pub fn read_exif(input: &[u8]) -> ExifInfo {
    let parsed = exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut Cursor::new(input))
        .or_else(|e| {
            e.distill_partial_result(|errors| {
                tracing::debug!(?errors, "EXIF partly unreadable; using what parsed");
            })
        });
    let exif = match parsed {
        Ok(exif) => exif,
        Err(e) => {
            tracing::debug!(error = %e, "no usable EXIF");
            return ExifInfo::default();
        }
    };
    let field = |tag| exif.get_field(tag, exif::In::PRIMARY).map(|f| &f.value);

    let orientation = field(exif::Tag::Orientation)
        .and_then(|v| v.get_uint(0))
        .filter(|v| (1..=8).contains(v))
        .map_or(1, |v| v as u16);

    let taken_at = match field(exif::Tag::DateTimeOriginal) {
        Some(exif::Value::Ascii(v)) => v.first().and_then(|s| parse_exif_datetime(s)),
        _ => None,
    };

    let coordinate = |value_tag, ref_tag, negative: u8, max: f64| {
        let exif::Value::Rational(dms) = field(value_tag)? else {
            return None;
        };
        let [d, m, s] = dms.get(..3)? else {
            return None;
        };
        let degrees = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        let sign = match field(ref_tag) {
            Some(exif::Value::Ascii(r)) if r.first()?.first() == Some(&negative) => -1.0,
            _ => 1.0,
        };
        (degrees.is_finite() && degrees <= max).then_some(sign * degrees)
    };
    let lat = coordinate(
        exif::Tag::GPSLatitude,
        exif::Tag::GPSLatitudeRef,
        b'S',
        90.0,
    );
    let lon = coordinate(
        exif::Tag::GPSLongitude,
        exif::Tag::GPSLongitudeRef,
        b'W',
        180.0,
    );
    // Some phones write 0/0 when they had no fix; nobody patrols a grid in the Gulf of Guinea.
    let gps = lat.zip(lon).filter(|&(lat, lon)| lat != 0.0 || lon != 0.0);

    ExifInfo {
        taken_at,
        gps,
        orientation,
    }
}

fn parse_exif_datetime(ascii: &[u8]) -> Option<NaiveDateTime> {
    let dt = exif::DateTime::from_ascii(ascii).ok()?;
    NaiveDate::from_ymd_opt(i32::from(dt.year), dt.month.into(), dt.day.into())?.and_hms_opt(
        dt.hour.into(),
        dt.minute.into(),
        dt.second.into(),
    )
}

/// The size that brings the long edge down to `max_edge`, or `None` when the picture already
/// fits: upscaling adds bytes, not detail.
fn fitted_size((width, height): (u32, u32), max_edge: u32) -> Option<(u32, u32)> {
    let long = width.max(height);
    if long <= max_edge {
        return None;
    }
    let scale = |side: u32| {
        let scaled =
            (u64::from(side) * u64::from(max_edge) + u64::from(long) / 2) / u64::from(long);
        (scaled as u32).clamp(1, max_edge)
    };
    Some((scale(width), scale(height)))
}

/// Lanczos3 keeps text and edges (plates, signs, cracks) sharp after a 3× reduction, and
/// fast_image_resize runs it with SIMD in a few tens of milliseconds for a 24-megapixel frame.
fn resize(image: &RgbImage, (new_width, new_height): (u32, u32)) -> Result<RgbImage, PhotoError> {
    let src = fir::images::ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        fir::PixelType::U8x3,
    )
    .map_err(|e| PhotoError::Encode(format!("resize source: {e}")))?;
    let mut dst = fir::images::Image::new(new_width, new_height, fir::PixelType::U8x3);
    let options = fir::ResizeOptions::new()
        .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3));
    fir::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| PhotoError::Encode(format!("resize: {e}")))?;
    RgbImage::from_raw(new_width, new_height, dst.into_vec())
        .ok_or_else(|| PhotoError::Encode("resize produced a short buffer".into()))
}

/// Applies EXIF orientation so the stored pixels are upright (6 = rotate 90° clockwise).
fn orient(image: RgbImage, orientation: u16) -> RgbImage {
    let Some(orientation) = u8::try_from(orientation)
        .ok()
        .and_then(Orientation::from_exif)
    else {
        return image;
    };
    if orientation == Orientation::NoTransforms {
        return image;
    }
    let mut image = DynamicImage::ImageRgb8(image);
    image.apply_orientation(orientation);
    image.into_rgb8()
}

fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(image.as_raw().len() / 8);
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use image::Rgb;

    use super::*;

    #[test]
    fn a_complete_jpeg_passes_and_a_cut_one_does_not() {
        let image = RgbImage::from_fn(64, 48, |x, y| Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let jpeg = encode_jpeg(&image).unwrap();
        assert_eq!(
            check_jpeg_complete(&jpeg),
            Ok(()),
            "an encoder's output ends with EOI"
        );
        assert!(
            check_jpeg_complete(&jpeg[..jpeg.len() - 2]).is_err(),
            "without its EOI the file is cut off"
        );
        let mut padded = jpeg.clone();
        padded.extend_from_slice(&[0; 100]);
        assert_eq!(
            check_jpeg_complete(&padded),
            Ok(()),
            "bytes after EOI (some phones pad) do not make a file incomplete"
        );
    }

    #[test]
    fn resize_keeps_aspect_and_never_upscales() {
        assert_eq!(
            fitted_size((3000, 1000), MAX_EDGE),
            Some((2048, 683)),
            "3:1 stays 3:1, rounded"
        );
        assert_eq!(
            fitted_size((1000, 3000), THUMB_EDGE),
            Some((107, 320)),
            "portrait: the height is the long edge"
        );
        assert_eq!(
            fitted_size((800, 600), MAX_EDGE),
            None,
            "a picture within the limit is not upscaled"
        );
        let out = resize(&RgbImage::new(3000, 1000), (2048, 683)).unwrap();
        assert_eq!(
            out.dimensions(),
            (2048, 683),
            "the resizer fills the asked size"
        );
    }

    #[test]
    fn error_codes_are_stable() {
        let codes = [
            PhotoError::TooLarge { bytes: 1, max: 0 }.code(),
            PhotoError::UnsupportedFormat.code(),
            PhotoError::Corrupt(String::new()).code(),
            PhotoError::Encode(String::new()).code(),
        ];
        assert_eq!(
            codes,
            [
                "photo_too_large",
                "photo_unsupported_format",
                "photo_corrupt",
                "photo_encode"
            ],
            "the UI branches on these strings"
        );
    }
}
