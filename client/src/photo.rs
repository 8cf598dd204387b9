//! The photo pipeline: how a picture taken on patrol becomes evidence.
//!
//! Vocabulary:
//! - **input**: the bytes the camera or the file picker handed us (JPEG, PNG or WebP), untrusted.
//! - [`Limits`]: what we refuse before spending memory on it (file size, pixel count, edge).
//! - [`ExifInfo`]: what the camera said about the picture (when, where, which way up), read from
//!   the input bytes and kept in the record, because the stored JPEG carries no EXIF.
//! - [`Watermark`]: the evidence stamp (time, grid, place, worker) burnt into the bottom band.
//! - [`ProcessedPhoto`]: the stored JPEG (upright, long edge ≤ [`MAX_EDGE`]), its thumbnail and
//!   its [`PhotoHash`], the SHA-256 of the stored JPEG bytes that names it everywhere.
//! - [`PhotoFiles`]: the content-addressed folder where processed photos live, `ab/<hash>.jpg`.
//!
//! Order of work in [`PhotoPipeline::process`]: size check, format sniffing, header dimensions,
//! JPEG completeness, decode, resize, orientation, watermark, encode, hash. Resizing comes before
//! rotating because rotating a 24-megapixel frame costs more than the resize saves, and the long
//! edge is the same either way.

use std::fmt;
use std::fs::{self, File};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, InvalidFont, PxScale, ScaleFont};
use chrono::{NaiveDate, NaiveDateTime};
use fast_image_resize as fir;
use image::codecs::jpeg::JpegEncoder;
use image::error::LimitErrorKind;
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageError, ImageFormat, ImageReader, Rgb,
    RgbImage,
};
use serde::{Deserialize, Serialize};
use yiwang_core::ids::PhotoHash;
use yiwang_core::photo::check_jpeg_complete;

/// Long edge of a stored photo. Enough to read a licence plate or a shop sign at phone-screen
/// zoom, small enough (~0.5–1 MB) to upload over a weak rural 4G link.
pub const MAX_EDGE: u32 = 2048;
/// Long edge of a thumbnail, sized for case lists.
pub const THUMB_EDGE: u32 = 320;
/// JPEG quality of stored photos and thumbnails.
pub const JPEG_QUALITY: u8 = 85;

/// DejaVu Sans draws Latin letters, digits and punctuation: times, coordinates and worker
/// numbers. See `assets/fonts/README.md` for its licence.
const LATIN_FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
/// Droid Sans Fallback covers CJK, so grid names, addresses and worker names print in Chinese
/// whatever fonts the phone has. It has no Latin letters, digits or ASCII punctuation, hence
/// the second font. See `assets/fonts/README.md` for its licence.
const CJK_FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DroidSansFallbackFull.ttf");

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

/// The evidence stamp. Values arrive formatted for display (local time, coordinates or an
/// address): the pipeline only draws them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    pub taken_at: String,
    pub grid: String,
    pub place: String,
    pub worker: String,
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

/// A photo ready for [`PhotoFiles::put`] and upload.
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
            draw_watermark(&mut image, watermark)?;
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

/// Which of the two embedded fonts draws a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Latin,
    Cjk,
}

/// The watermark's fonts: DejaVu Sans first, Droid Sans Fallback for what it lacks.
struct WatermarkFonts {
    latin: FontRef<'static>,
    cjk: FontRef<'static>,
}

/// Drawn for a character neither font has, so the stamp never prints an empty box.
const MISSING: char = '?';
/// Ends a line cut to fit the photo's width; DejaVu Sans has it.
const ELLIPSIS: char = '…';

impl WatermarkFonts {
    /// The fonts, parsed once per process: parsing a 4 MB CJK font for every photo would cost
    /// more than drawing the text.
    fn get() -> Result<&'static Self, PhotoError> {
        static FONTS: OnceLock<Result<WatermarkFonts, InvalidFont>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                Ok(Self {
                    latin: FontRef::try_from_slice(LATIN_FONT_BYTES)?,
                    cjk: FontRef::try_from_slice(CJK_FONT_BYTES)?,
                })
            })
            .as_ref()
            .map_err(|e| PhotoError::Encode(format!("watermark font: {e}")))
    }

    fn font(&self, face: Face) -> &FontRef<'static> {
        match face {
            Face::Latin => &self.latin,
            Face::Cjk => &self.cjk,
        }
    }

    /// The face that draws `c`, and what it draws: `c` itself if either font has a glyph for
    /// it (glyph 0 is the font's missing-glyph box), else [`MISSING`].
    fn pick(&self, c: char) -> (Face, char) {
        if self.latin.glyph_id(c).0 != 0 {
            (Face::Latin, c)
        } else if self.cjk.glyph_id(c).0 != 0 {
            (Face::Cjk, c)
        } else {
            (Face::Latin, MISSING)
        }
    }

    /// Splits `text` into runs of characters drawn with the same face.
    fn runs(&self, text: impl IntoIterator<Item = char>) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for c in text {
            let (face, c) = self.pick(c);
            match runs.last_mut() {
                Some(run) if run.face == face => run.text.push(c),
                _ => runs.push(Run {
                    face,
                    text: c.to_string(),
                }),
            }
        }
        runs
    }

    /// Width of a line as [`Self::draw`] lays it out: each run advances by its own width.
    fn width(&self, runs: &[Run], scale: PxScale) -> u32 {
        runs.iter()
            .map(|run| imageproc::drawing::text_size(scale, self.font(run.face), &run.text).0)
            .sum()
    }

    /// How far below the line's top a face's runs start so that all runs share one baseline.
    /// imageproc places text by the top of its ascent, and ascents differ between fonts (by
    /// less than a pixel for these two, but a font swap should not make the line wobble).
    fn top_offset(&self, face: Face, scale: PxScale) -> i32 {
        let ascent = |font: &FontRef<'static>| font.as_scaled(scale).ascent();
        let baseline = ascent(&self.latin).max(ascent(&self.cjk));
        (baseline - ascent(self.font(face))).round() as i32
    }

    /// Draws a line run by run from (`x`, `y`), `y` being the top of the taller ascent.
    fn draw(&self, image: &mut RgbImage, runs: &[Run], x: i32, y: i32, scale: PxScale) {
        let white = Rgb([255, 255, 255]);
        let mut x = x;
        for run in runs {
            let font = self.font(run.face);
            let y = y + self.top_offset(run.face, scale);
            imageproc::drawing::draw_text_mut(image, white, x, y, scale, font, &run.text);
            x += imageproc::drawing::text_size(scale, font, &run.text).0 as i32;
        }
    }

    /// Cuts a line to the available width, ending it with an ellipsis.
    fn fit(&self, line: &str, scale: PxScale, available: u32) -> Vec<Run> {
        let runs = self.runs(line.chars());
        if self.width(&runs, scale) <= available {
            return runs;
        }
        let mut chars: Vec<char> = line.chars().collect();
        while !chars.is_empty() {
            chars.pop();
            let candidate = self.runs(chars.iter().copied().chain([ELLIPSIS]));
            if self.width(&candidate, scale) <= available {
                return candidate;
            }
        }
        Vec::new()
    }
}

/// Characters drawn with one font, measured and drawn as a unit so kerning inside it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Run {
    face: Face,
    text: String,
}

/// Labels in Chinese: the stamp is read by county staff and by whoever the evidence is shown to.
const WATERMARK_LABELS: [&str; 4] = ["时间", "网格", "位置", "人员"];
/// Longest value drawn; a pasted paragraph must not turn the stamp into a wall of text.
const WATERMARK_MAX_CHARS: usize = 80;

/// Draws the evidence stamp: a darkened band across the bottom with one white line per
/// non-empty field. Text size follows the image width so the stamp looks the same on any photo.
/// Both fonts are drawn at the same pixel scale, where their ascents and descents match.
fn draw_watermark(image: &mut RgbImage, watermark: &Watermark) -> Result<(), PhotoError> {
    let fonts = WatermarkFonts::get()?;
    let values = [
        &watermark.taken_at,
        &watermark.grid,
        &watermark.place,
        &watermark.worker,
    ];
    let lines: Vec<String> = WATERMARK_LABELS
        .iter()
        .zip(values)
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(label, value)| {
            let value: String = value.trim().chars().take(WATERMARK_MAX_CHARS).collect();
            format!("{label}：{value}")
        })
        .collect();
    if lines.is_empty() {
        return Ok(());
    }

    let (width, height) = image.dimensions();
    let base_px = (width as f32 / 48.0).max(12.0);
    let margin = (base_px * 0.6).round() as u32;
    let available = width.saturating_sub(2 * margin).max(1);

    // Shrink the whole stamp (to 60% at most) when a line is too wide, then cut what still is.
    let widest = lines
        .iter()
        .map(|line| fonts.width(&fonts.runs(line.chars()), PxScale::from(base_px)))
        .max()
        .unwrap_or(0);
    let px = if widest > available {
        (base_px * available as f32 / widest as f32).max(base_px * 0.6)
    } else {
        base_px
    };
    let scale = PxScale::from(px);
    let lines: Vec<Vec<Run>> = lines
        .iter()
        .map(|line| fonts.fit(line, scale, available))
        .collect();

    let line_height = (px * 1.3).ceil() as u32;
    let padding = (px * 0.5).round() as u32;
    let band_height = (lines.len() as u32 * line_height + 2 * padding).min(height);
    let top = height - band_height;

    // Black at 60% opacity: white text stays readable over snow or sky, the scene still shows.
    for pixel in image.rows_mut().skip(top as usize).flatten() {
        for c in pixel.0.iter_mut() {
            *c = ((u16::from(*c) * 102) >> 8) as u8;
        }
    }

    let text_offset = line_height.saturating_sub(px.ceil() as u32) / 2;
    for (i, runs) in lines.iter().enumerate() {
        let y = top + padding + i as u32 * line_height + text_offset;
        fonts.draw(image, runs, margin as i32, y as i32, scale);
    }
    Ok(())
}

/// The content-addressed photo folder: `dir/ab/<hash>.jpg` and `dir/ab/<hash>.thumb.jpg`, where
/// `ab` are the first two hex digits (so no folder grows past a few thousand entries). A file
/// that exists is complete, because files only appear by rename.
#[derive(Debug, Clone)]
pub struct PhotoFiles {
    dir: PathBuf,
}

impl PhotoFiles {
    /// Opens the folder, creating it if needed.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, PhotoError> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stores the photo and its thumbnail and returns the photo's path. Storing the same photo
    /// again writes nothing: same content, same name.
    pub fn put(&self, photo: &ProcessedPhoto) -> Result<PathBuf, PhotoError> {
        // A mismatched name would poison the store for good; hashing ~1 MB costs a few ms.
        if PhotoHash::of(&photo.jpeg) != photo.hash {
            return Err(PhotoError::Corrupt(
                "the photo bytes do not match their SHA-256 name".into(),
            ));
        }
        let path = self.path(&photo.hash);
        let thumb = self.thumb_path(&photo.hash);
        if let Some(shard) = path.parent() {
            fs::create_dir_all(shard)?;
        }
        // Thumbnail first: `contains` looks at the photo, so it is true only once both exist.
        if !thumb.exists() {
            write_atomically(&thumb, &photo.thumbnail)?;
        }
        if !path.exists() {
            write_atomically(&path, &photo.jpeg)?;
        }
        Ok(path)
    }

    pub fn path(&self, hash: &PhotoHash) -> PathBuf {
        self.shard(hash).join(format!("{}.jpg", hash.as_str()))
    }

    pub fn thumb_path(&self, hash: &PhotoHash) -> PathBuf {
        self.shard(hash)
            .join(format!("{}.thumb.jpg", hash.as_str()))
    }

    /// Keeps a thumbnail fetched from the server for a photo whose picture is not on the device
    /// (another user's photo in a case's timeline). It must decode as a JPEG no larger than
    /// twice [`THUMB_EDGE`] on its long edge; returns where it lies.
    pub fn put_thumbnail(&self, hash: &PhotoHash, jpeg: &[u8]) -> Result<PathBuf, PhotoError> {
        let picture = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
            .map_err(|e| PhotoError::Corrupt(format!("the server's thumbnail: {e}")))?;
        if picture.width().max(picture.height()) > THUMB_EDGE * 2 {
            return Err(PhotoError::Corrupt(format!(
                "the server's thumbnail is {}×{}, not a thumbnail",
                picture.width(),
                picture.height()
            )));
        }
        let thumb = self.thumb_path(hash);
        if let Some(shard) = thumb.parent() {
            fs::create_dir_all(shard)?;
        }
        write_atomically(&thumb, jpeg)?;
        Ok(thumb)
    }

    pub fn contains(&self, hash: &PhotoHash) -> bool {
        self.path(hash).is_file()
    }

    /// The stored JPEG bytes.
    pub fn read(&self, hash: &PhotoHash) -> Result<Vec<u8>, PhotoError> {
        Ok(fs::read(self.path(hash))?)
    }

    fn shard(&self, hash: &PhotoHash) -> PathBuf {
        // PhotoHash is always 64 hex digits, so the slice cannot fail; be safe all the same.
        self.dir.join(hash.as_str().get(..2).unwrap_or("00"))
    }
}

/// Writes through a temporary file in the same folder, fsyncs it and renames it into place, so
/// a crash or a full disk leaves either no file or the whole file, never half a photo.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), PhotoError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("photo path has no folder"))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process and call, so two threads storing the same photo never share a temp.
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        // The rename is durable only once the folder entry is on disk too.
        #[cfg(unix)]
        File::open(dir)?.sync_all()?;
        Ok::<_, std::io::Error>(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    Ok(result?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_of_a_stamp_is_drawn_with_a_real_glyph() {
        let fonts = WatermarkFonts::get().expect("the embedded fonts parse");
        let lines = [
            "时间：2026-11-26 09:12",
            "网格：富丽社区第7网格",
            "位置：40.6312N 122.5021E",
            "人员：网格员0007",
        ];
        for line in lines {
            let runs = fonts.runs(line.chars().chain([ELLIPSIS]));
            let drawn: String = runs.iter().map(|run| run.text.as_str()).collect();
            assert_eq!(
                drawn,
                format!("{line}{ELLIPSIS}"),
                "every character of a stamp is drawn as itself, none replaced"
            );
            for run in &runs {
                for c in run.text.chars() {
                    assert_ne!(
                        fonts.font(run.face).glyph_id(c).0,
                        0,
                        "{c:?} (from {line:?}) must have a glyph in {:?}, or the stamp prints \
                         an empty box",
                        run.face
                    );
                }
            }
        }
    }

    #[test]
    fn latin_runs_use_dejavu_and_cjk_runs_the_fallback() {
        let fonts = WatermarkFonts::get().expect("the embedded fonts parse");
        let runs = fonts.runs("网格员0007 B区：25°C".chars());
        let faces: Vec<(Face, &str)> = runs.iter().map(|r| (r.face, r.text.as_str())).collect();
        assert_eq!(
            faces,
            [
                (Face::Cjk, "网格员"),
                (Face::Latin, "0007 B"),
                (Face::Cjk, "区："),
                (Face::Latin, "25°C"),
            ],
            "digits stay ASCII (no full-width twins) and runs split where the font changes"
        );
        let scale = PxScale::from(40.0);
        let width = |text: &str| fonts.width(&fonts.runs(text.chars()), scale);
        assert!(
            width("0007") < width("０００７"),
            "ASCII digits are narrower than full-width ones: {} vs {}",
            width("0007"),
            width("０００７")
        );
        assert_eq!(
            fonts.top_offset(Face::Latin, scale),
            fonts.top_offset(Face::Cjk, scale),
            "at one pixel scale both fonts' ascents round to the same baseline"
        );
    }

    #[test]
    fn a_character_neither_font_has_becomes_a_question_mark() {
        let fonts = WatermarkFonts::get().expect("the embedded fonts parse");
        // A private-use code point: no public font draws it.
        let c = '\u{F0001}';
        assert_eq!(fonts.latin.glyph_id(c).0, 0, "DejaVu Sans lacks {c:?}");
        assert_eq!(
            fonts.cjk.glyph_id(c).0,
            0,
            "Droid Sans Fallback lacks {c:?}"
        );
        assert_eq!(
            fonts.runs(['网', c, '7']),
            [
                Run {
                    face: Face::Cjk,
                    text: "网".into()
                },
                Run {
                    face: Face::Latin,
                    text: format!("{MISSING}7")
                },
            ],
            "a missing glyph prints as a question mark, never as an empty box"
        );
    }

    #[test]
    fn a_line_too_wide_is_cut_with_an_ellipsis_and_fits() {
        let fonts = WatermarkFonts::get().expect("the embedded fonts parse");
        let scale = PxScale::from(24.0);
        let line = "位置：40.6312N 122.5021E 辽宁省营口市盖州市城关镇人民路十八号院内";
        let full = fonts.width(&fonts.runs(line.chars()), scale);
        let available = full / 2;
        let runs = fonts.fit(line, scale, available);
        let drawn: String = runs.iter().map(|run| run.text.as_str()).collect();
        assert!(
            fonts.width(&runs, scale) <= available,
            "the cut line fits the {available} px it was given"
        );
        assert!(
            drawn.ends_with(ELLIPSIS) && line.starts_with(drawn.trim_end_matches(ELLIPSIS)),
            "the cut line is a prefix of the line plus an ellipsis, got {drawn:?}"
        );
        assert_eq!(
            fonts.fit(line, scale, full),
            fonts.runs(line.chars()),
            "a line that fits is drawn whole"
        );
    }

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
