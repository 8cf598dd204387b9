//! Orientation and size: EXIF orientation, time and GPS read from an APP1 segment spliced in by
//! hand (a big-endian TIFF structure built here), large photos scaled to the long-edge limit,
//! small ones never upscaled.

use image::{Rgb, RgbImage};
use yiwang_client::photo::{read_exif, PhotoPipeline, MAX_EDGE, THUMB_EDGE};

use crate::common::{decode, is_blue, is_red, jpeg_of, photo_like, png_of};

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
