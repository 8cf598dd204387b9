//! The photo pipeline on real files: pictures made here with the image crate, EXIF and PNG
//! headers spliced in by hand, bad input refused with the code the UI branches on.

use std::time::Duration;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};
use sha2::{Digest, Sha256};
use yiwang_client::photo::{
    read_exif, Limits, PhotoError, PhotoFiles, PhotoPipeline, ProcessedPhoto, Watermark, MAX_EDGE,
    THUMB_EDGE,
};

// ---------------------------------------------------------------------------------------------
// Making pictures

/// A tiny deterministic generator, so every run tests the same bytes.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Gradients plus noise: compresses like a photo, unlike a flat colour.
fn photo_like(width: u32, height: u32, seed: u64) -> RgbImage {
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

fn jpeg_of(image: &RgbImage, quality: u8) -> Vec<u8> {
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

fn png_of(image: &RgbImage) -> Vec<u8> {
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

fn decode(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes)
        .expect("pipeline output decodes")
        .into_rgb8()
}

fn is_red(p: &Rgb<u8>) -> bool {
    p[0] > 180 && p[1] < 80 && p[2] < 80
}

fn is_blue(p: &Rgb<u8>) -> bool {
    p[0] < 80 && p[1] < 80 && p[2] > 180
}

// ---------------------------------------------------------------------------------------------
// EXIF by hand: a big-endian TIFF structure with IFD0, the Exif IFD and the GPS IFD.

enum Value {
    Short(u16),
    Long(u32),
    Ascii(&'static str),
    Rationals(Vec<(u32, u32)>),
}

struct Entry(u16, Value);

/// (type, count, value bytes) as TIFF stores them.
fn tiff_value(value: &Value) -> (u16, u32, Vec<u8>) {
    match value {
        Value::Short(v) => (3, 1, v.to_be_bytes().to_vec()),
        Value::Long(v) => (4, 1, v.to_be_bytes().to_vec()),
        Value::Ascii(s) => {
            let mut bytes = s.as_bytes().to_vec();
            bytes.push(0);
            (2, bytes.len() as u32, bytes)
        }
        Value::Rationals(v) => {
            let bytes = v
                .iter()
                .flat_map(|(n, d)| n.to_be_bytes().into_iter().chain(d.to_be_bytes()))
                .collect();
            (5, v.len() as u32, bytes)
        }
    }
}

fn ifd_len(entries: usize) -> usize {
    2 + 12 * entries + 4
}

/// Lays out IFD0 at offset 8, then the Exif and GPS IFDs (if any), then every value longer than
/// four bytes; the pointer tags from IFD0 to the sub-IFDs are added here.
fn tiff(mut ifd0: Vec<Entry>, exif_ifd: Vec<Entry>, gps_ifd: Vec<Entry>) -> Vec<u8> {
    let n0 = ifd0.len() + usize::from(!exif_ifd.is_empty()) + usize::from(!gps_ifd.is_empty());
    let exif_offset = 8 + ifd_len(n0);
    let gps_offset = exif_offset
        + if exif_ifd.is_empty() {
            0
        } else {
            ifd_len(exif_ifd.len())
        };
    let data_start = gps_offset
        + if gps_ifd.is_empty() {
            0
        } else {
            ifd_len(gps_ifd.len())
        };
    if !exif_ifd.is_empty() {
        ifd0.push(Entry(0x8769, Value::Long(exif_offset as u32)));
    }
    if !gps_ifd.is_empty() {
        ifd0.push(Entry(0x8825, Value::Long(gps_offset as u32)));
    }

    let mut out = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    let mut data = Vec::new();
    for mut ifd in [ifd0, exif_ifd, gps_ifd] {
        if ifd.is_empty() {
            continue;
        }
        ifd.sort_by_key(|e| e.0);
        out.extend_from_slice(&(ifd.len() as u16).to_be_bytes());
        for Entry(tag, value) in &ifd {
            let (typ, count, mut bytes) = tiff_value(value);
            out.extend_from_slice(&tag.to_be_bytes());
            out.extend_from_slice(&typ.to_be_bytes());
            out.extend_from_slice(&count.to_be_bytes());
            if bytes.len() <= 4 {
                bytes.resize(4, 0);
                out.extend_from_slice(&bytes);
            } else {
                let offset = (data_start + data.len()) as u32;
                out.extend_from_slice(&offset.to_be_bytes());
                data.extend_from_slice(&bytes);
                if data.len() % 2 == 1 {
                    data.push(0); // TIFF values start on word boundaries
                }
            }
        }
        out.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    }
    assert_eq!(
        out.len(),
        data_start,
        "IFD layout matches the offsets written into it"
    );
    out.extend(data);
    out
}

/// Splices an APP1 "Exif" segment right after the JPEG's start-of-image marker.
fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "input is a JPEG");
    let len = (2 + 6 + tiff.len()) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn orientation_only(orientation: u16) -> Vec<u8> {
    tiff(
        vec![Entry(0x0112, Value::Short(orientation))],
        vec![],
        vec![],
    )
}

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

fn watermark(grid: &str) -> Watermark {
    Watermark {
        taken_at: "2024-05-01 10:12".into(),
        grid: grid.into(),
        place: "40.6312N 122.5021E 城关镇人民路 18 号".into(),
        worker: "张伟".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Orientation and size

#[test]
fn orientation_6_comes_out_upright() {
    // Stored 400×200 as a sideways sensor writes it, top-left quadrant red, the rest blue.
    let stored = RgbImage::from_fn(400, 200, |x, y| {
        if x < 200 && y < 100 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let input = with_exif(&jpeg_of(&stored, 95), &orientation_only(6));

    let photo = PhotoPipeline::default()
        .process(&input, None)
        .expect("process");
    assert_eq!(
        photo.exif.orientation, 6,
        "the orientation tag is read from APP1"
    );
    assert_eq!(
        (photo.width, photo.height),
        (200, 400),
        "orientation 6 turns the stored landscape frame into portrait"
    );
    let out = decode(&photo.jpeg);
    assert_eq!(
        out.dimensions(),
        (200, 400),
        "the JPEG has the reported size"
    );
    // Rotating 90° clockwise carries the stored top-left quadrant to the top-right.
    assert!(
        is_red(out.get_pixel(150, 100)),
        "top-right is red after a clockwise turn, got {:?}",
        out.get_pixel(150, 100)
    );
    for (x, y) in [(50, 100), (50, 300), (150, 300)] {
        assert!(
            is_blue(out.get_pixel(x, y)),
            "({x},{y}) came from a blue quadrant, got {:?}",
            out.get_pixel(x, y)
        );
    }
    assert!(
        decode(&photo.thumbnail).height() > decode(&photo.thumbnail).width(),
        "the thumbnail is upright too"
    );
}

#[test]
fn without_exif_the_picture_keeps_its_stored_orientation() {
    let stored = photo_like(400, 200, 7);
    let photo = PhotoPipeline::default()
        .process(&jpeg_of(&stored, 90), None)
        .expect("process");
    assert_eq!(photo.exif.orientation, 1, "absent orientation means 1");
    assert_eq!(
        (photo.width, photo.height),
        (400, 200),
        "nothing rotated, nothing upscaled"
    );
}

#[test]
fn exif_time_and_southern_western_gps_are_read() {
    let exif = tiff(
        vec![Entry(0x0112, Value::Short(1))],
        vec![Entry(0x9003, Value::Ascii("2024:05:01 10:12:30"))],
        vec![
            Entry(0x0001, Value::Ascii("S")),
            Entry(
                0x0002,
                Value::Rationals(vec![(40, 1), (37, 1), (5232, 100)]),
            ),
            Entry(0x0003, Value::Ascii("W")),
            Entry(
                0x0004,
                Value::Rationals(vec![(122, 1), (30, 1), (756, 100)]),
            ),
        ],
    );
    let input = with_exif(&jpeg_of(&photo_like(320, 240, 3), 90), &exif);
    let photo = PhotoPipeline::default()
        .process(&input, None)
        .expect("process");

    let expected_time = chrono::NaiveDate::from_ymd_opt(2024, 5, 1)
        .unwrap()
        .and_hms_opt(10, 12, 30)
        .unwrap();
    assert_eq!(
        photo.exif.taken_at,
        Some(expected_time),
        "DateTimeOriginal is the camera's local time"
    );
    let (lat, lon) = photo.exif.gps.expect("GPS IFD present");
    assert!(
        (lat + 40.6312).abs() < 1e-6,
        "40°37'52.32\" S is -40.6312, got {lat}"
    );
    assert!(
        (lon + 122.5021).abs() < 1e-6,
        "122°30'7.56\" W is -122.5021, got {lon}"
    );
    assert!(
        read_exif(&photo.jpeg) == Default::default(),
        "the stored JPEG carries no EXIF: orientation is baked in and GPS must not leak"
    );
}

#[test]
fn northern_eastern_gps_is_positive() {
    let exif = tiff(
        vec![],
        vec![],
        vec![
            Entry(0x0001, Value::Ascii("N")),
            Entry(
                0x0002,
                Value::Rationals(vec![(40, 1), (37, 1), (5232, 100)]),
            ),
            Entry(0x0003, Value::Ascii("E")),
            Entry(
                0x0004,
                Value::Rationals(vec![(122, 1), (30, 1), (756, 100)]),
            ),
        ],
    );
    let input = with_exif(&jpeg_of(&photo_like(64, 64, 4), 90), &exif);
    let (lat, lon) = read_exif(&input).gps.expect("GPS IFD present");
    assert!(
        (lat - 40.6312).abs() < 1e-6 && (lon - 122.5021).abs() < 1e-6,
        "N and E are positive, got ({lat}, {lon})"
    );
}

#[test]
fn a_24_megapixel_jpeg_is_scaled_to_the_long_edge_limit() {
    let input = jpeg_of(&photo_like(6000, 4000, 11), 90);
    let photo = PhotoPipeline::default()
        .process(&input, None)
        .expect("process");
    assert_eq!(
        (photo.width, photo.height),
        (MAX_EDGE, 1365),
        "6000×4000 scales by 2048/6000, keeping 3:2"
    );
    assert_eq!(
        decode(&photo.jpeg).dimensions(),
        (photo.width, photo.height),
        "the JPEG has the reported size"
    );
    let thumb = decode(&photo.thumbnail);
    assert_eq!(
        thumb.width().max(thumb.height()),
        THUMB_EDGE,
        "the thumbnail's long edge is exactly the thumbnail limit for a larger photo"
    );
    assert!(
        photo.jpeg.len() < input.len(),
        "the stored photo is smaller than the camera's file"
    );
}

#[test]
fn a_small_photo_is_not_upscaled_and_its_thumbnail_is_at_most_320() {
    let photo = PhotoPipeline::default()
        .process(&png_of(&photo_like(300, 200, 5)), None)
        .expect("PNG input is accepted");
    assert_eq!((photo.width, photo.height), (300, 200), "no upscaling");
    let thumb = decode(&photo.thumbnail);
    assert!(
        thumb.width().max(thumb.height()) <= THUMB_EDGE,
        "a thumbnail never exceeds {THUMB_EDGE} px"
    );
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

// ---------------------------------------------------------------------------------------------
// Watermark

#[test]
fn the_watermark_darkens_the_bottom_band_and_prints_cjk_in_white() {
    let input = jpeg_of(&RgbImage::from_pixel(1200, 800, Rgb([128, 128, 128])), 95);
    let pipeline = PhotoPipeline::default();
    let plain = decode(&pipeline.process(&input, None).expect("plain").jpeg);
    let stamped_photo = pipeline
        .process(&input, Some(&watermark("城关镇第一网格")))
        .expect("stamped");
    let stamped = decode(&stamped_photo.jpeg);
    assert_eq!(
        stamped.dimensions(),
        plain.dimensions(),
        "the stamp does not resize"
    );

    // The band's exact height is the pipeline's business: its bottom eighth is surely inside
    // it, and the whole of it lies in the lower half of a 3:2 photo.
    let rows_from = |img: &RgbImage, top: u32| -> Vec<Rgb<u8>> {
        (top..img.height())
            .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
            .map(|(x, y)| *img.get_pixel(x, y))
            .collect()
    };
    let bottom = |img: &RgbImage| rows_from(img, img.height() - img.height() / 8);
    let lower_half = |img: &RgbImage| rows_from(img, img.height() / 2);
    let mean = |pixels: &[Rgb<u8>]| {
        pixels.iter().map(|p| u64::from(p[1])).sum::<u64>() / pixels.len() as u64
    };
    let white = |pixels: &[Rgb<u8>]| {
        pixels
            .iter()
            .filter(|p| p.0.iter().all(|&c| c >= 200))
            .count()
    };
    let differing = |a: &[Rgb<u8>], b: &[Rgb<u8>]| a.iter().zip(b).filter(|(p, q)| p != q).count();

    assert!(
        mean(&bottom(&stamped)) + 30 < mean(&bottom(&plain)),
        "the band behind the text is darkened: {} vs {}",
        mean(&bottom(&stamped)),
        mean(&bottom(&plain))
    );
    assert_eq!(
        white(&lower_half(&plain)),
        0,
        "a mid-grey photo has no white pixels of its own"
    );
    assert!(
        white(&lower_half(&stamped)) > 500,
        "the text is drawn in white, found {} white pixels",
        white(&lower_half(&stamped))
    );
    for y in 0..plain.height() / 2 {
        for x in 0..plain.width() {
            assert_eq!(
                plain.get_pixel(x, y),
                stamped.get_pixel(x, y),
                "({x},{y}) is far above the band; JPEG blocks there encode identically"
            );
        }
    }

    // Two stamps differing in one ideograph differ in pixels: the CJK glyphs are real, not the
    // same missing-glyph box (or nothing) for both.
    let stamped_lower = lower_half(&stamped);
    let other = decode(
        &pipeline
            .process(&input, Some(&watermark("城关镇第二网格")))
            .expect("stamped")
            .jpeg,
    );
    let changed = differing(&lower_half(&other), &stamped_lower);
    assert!(
        changed > 50,
        "一 and 二 render differently, so the font covers CJK ({changed} pixels differ)"
    );
    // The same for digits, which the CJK font lacks: a time drawn as missing-glyph boxes would
    // make every stamp's time line look alike.
    let mut later = watermark("城关镇第一网格");
    later.taken_at = "2024-05-01 10:13".into();
    let later = decode(
        &pipeline
            .process(&input, Some(&later))
            .expect("stamped")
            .jpeg,
    );
    let changed = differing(&lower_half(&later), &stamped_lower);
    assert!(
        changed > 20,
        "10:12 and 10:13 render differently, so digits are drawn ({changed} pixels differ)"
    );
    assert_ne!(
        stamped_photo.hash,
        pipeline.process(&input, None).unwrap().hash,
        "a stamped photo is a different file with a different name"
    );
}

#[test]
fn digits_and_latin_letters_are_drawn_at_their_own_width_not_full_width() {
    let input = jpeg_of(&RgbImage::from_pixel(1200, 800, Rgb([128, 128, 128])), 95);
    let pipeline = PhotoPipeline::default();
    // Rightmost white pixel of a stamp with only a time: where the drawn text ends.
    let text_end = |taken_at: &str| {
        let stamp = Watermark {
            taken_at: taken_at.into(),
            ..Watermark::default()
        };
        let out = decode(
            &pipeline
                .process(&input, Some(&stamp))
                .expect("stamped")
                .jpeg,
        );
        (out.height() / 2..out.height())
            .flat_map(|y| (0..out.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| out.get_pixel(x, y).0.iter().all(|&c| c >= 200))
            .map(|(x, _)| x)
            .max()
            .expect("the time is drawn in white")
    };
    let ascii = text_end("2026-11-26 09:12 N");
    let full_width = text_end("２０２６－１１－２６ ０９：１２ Ｎ");
    assert!(
        ascii + 60 < full_width,
        "ASCII is drawn with the Latin font, narrower than its full-width twin (ends at x={ascii} \
         vs {full_width})"
    );
}

#[test]
fn an_empty_watermark_draws_nothing() {
    let input = jpeg_of(&photo_like(800, 600, 2), 90);
    let pipeline = PhotoPipeline::default();
    assert_eq!(
        pipeline
            .process(&input, Some(&Watermark::default()))
            .unwrap()
            .hash,
        pipeline.process(&input, None).unwrap().hash,
        "with no field to print there is no band either"
    );
}

#[test]
fn a_long_place_fits_the_width_on_a_narrow_portrait_photo() {
    let input = jpeg_of(&photo_like(300, 600, 8), 90);
    let mut stamp = watermark("城关镇第一网格");
    stamp.place = "辽宁省营口市盖州市城关镇人民路十八号院内东侧第三排平房前的空地上".repeat(3);
    let photo = PhotoPipeline::default()
        .process(&input, Some(&stamp))
        .expect("a long address is cut, not an error");
    assert_eq!(
        (photo.width, photo.height),
        (300, 600),
        "the stamp never resizes"
    );
}

// ---------------------------------------------------------------------------------------------
// PhotoFiles

#[test]
fn the_same_photo_stored_twice_is_stored_once_under_its_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let files = PhotoFiles::open(dir.path().join("photos")).unwrap();
    let input = jpeg_of(&photo_like(1000, 750, 21), 90);
    let pipeline = PhotoPipeline::default();
    let first = pipeline
        .process(&input, Some(&watermark("城关镇第一网格")))
        .unwrap();
    let second = pipeline
        .process(&input, Some(&watermark("城关镇第一网格")))
        .unwrap();
    assert_eq!(
        first.hash, second.hash,
        "the pipeline is deterministic: same input, same name"
    );
    assert!(!files.contains(&first.hash), "an empty store holds nothing");

    let path = files.put(&first).unwrap();
    let meta_before = std::fs::metadata(&path).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let path_again = files.put(&second).unwrap();
    let meta_after = std::fs::metadata(&path_again).unwrap();

    assert_eq!(path, path_again, "one content, one path");
    assert_eq!(
        path,
        files.path(&first.hash),
        "put returns the content address"
    );
    assert_eq!(
        meta_before.modified().unwrap(),
        meta_after.modified().unwrap(),
        "the second put writes nothing"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(
            meta_before.ino(),
            meta_after.ino(),
            "no rename replaced the file: it is the same inode"
        );
    }

    let shard = path.parent().unwrap();
    assert_eq!(
        shard.file_name().unwrap().to_str().unwrap(),
        &first.hash.as_str()[..2],
        "photos are sharded by the first two hex digits"
    );
    let mut names: Vec<String> = std::fs::read_dir(shard)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("{}.jpg", first.hash.as_str()),
            format!("{}.thumb.jpg", first.hash.as_str())
        ],
        "exactly the photo and its thumbnail, no leftover temporary files"
    );

    let stored = std::fs::read(&path).unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(&stored)),
        first.hash.as_str(),
        "the name is the SHA-256 of the file's bytes"
    );
    assert!(files.contains(&first.hash), "a stored photo is found");
    assert_eq!(
        files.read(&first.hash).unwrap(),
        first.jpeg,
        "read returns the stored bytes"
    );
    assert_eq!(
        std::fs::read(files.thumb_path(&first.hash)).unwrap(),
        first.thumbnail,
        "the thumbnail is stored beside the photo"
    );
}

#[test]
fn a_photo_whose_bytes_do_not_match_its_name_is_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let files = PhotoFiles::open(dir.path()).unwrap();
    let photo = PhotoPipeline::default()
        .process(&jpeg_of(&photo_like(200, 100, 1), 90), None)
        .unwrap();
    let tampered = ProcessedPhoto {
        jpeg: {
            let mut bytes = photo.jpeg.clone();
            bytes.push(0);
            bytes
        },
        ..photo.clone()
    };
    let err = files.put(&tampered).unwrap_err();
    assert_eq!(
        err.code(),
        "photo_corrupt",
        "a wrong name would poison the store"
    );
    assert!(
        !files.contains(&photo.hash),
        "nothing was written under the claimed name"
    );
}
