//! Photo facts shared by the device and the server: the limits a photo must stay within, and
//! the check that a JPEG is whole. Both sides refuse the same files for the same reasons.
//! Pure functions over bytes; the decoding itself happens in yiwang-client and yiwang-server.

/// Largest photo file accepted, in bytes.
pub const MAX_PHOTO_BYTES: u64 = 40 * 1024 * 1024;
/// Most pixels in a photo (120 megapixels: beyond any phone camera).
pub const MAX_PIXELS: u64 = 120_000_000;
/// Longest side of a photo, in pixels.
pub const MAX_EDGE_IN: u32 = 20_000;

/// Walks the JPEG marker structure to its end-of-image marker. A file cut short (an interrupted
/// transfer, a camera app killed while writing) has none. The EXIF thumbnail carries an EOI of
/// its own, so searching for the bytes FF D9 would not do: segments are skipped by length.
pub fn check_jpeg_complete(data: &[u8]) -> Result<(), String> {
    let truncated = || "the JPEG data ends before its end-of-image marker".to_string();
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err("the JPEG start marker is missing".into());
    }
    let next_ff = |from: usize| {
        data.get(from..)?
            .iter()
            .position(|&b| b == 0xFF)
            .map(|p| from + p)
    };
    let mut i = 2;
    loop {
        // Bytes between segments are skipped, as decoders do; 0xFF may repeat as fill.
        i = next_ff(i).ok_or_else(truncated)?;
        while data.get(i) == Some(&0xFF) {
            i += 1;
        }
        let marker = *data.get(i).ok_or_else(truncated)?;
        i += 1;
        match marker {
            0xD9 => return Ok(()),
            // Stuffed zero, TEM and restart markers have no length field.
            0x00 | 0x01 | 0xD0..=0xD7 => continue,
            _ => {
                let len = data.get(i..i + 2).ok_or_else(truncated)?;
                let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
                if len < 2 {
                    return Err(format!("a JPEG segment has an impossible length {len}"));
                }
                i += len;
                if i > data.len() {
                    return Err(truncated());
                }
                if marker == 0xDA {
                    // Entropy-coded data follows the scan header; it ends at the first marker
                    // that is neither a stuffed 0xFF 0x00 nor a restart marker.
                    loop {
                        i = next_ff(i).ok_or_else(truncated)?;
                        let mut j = i + 1;
                        while data.get(j) == Some(&0xFF) {
                            j += 1;
                        }
                        match *data.get(j).ok_or_else(truncated)? {
                            0x00 | 0xD0..=0xD7 => i = j + 1,
                            _ => {
                                i = j - 1;
                                break;
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_walked_not_searched() {
        assert!(
            check_jpeg_complete(&[0xFF, 0xD8, 0xFF, 0xD9]).is_ok(),
            "SOI then EOI is whole"
        );
        assert!(
            check_jpeg_complete(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00]).is_err(),
            "cut in a length"
        );
        assert!(check_jpeg_complete(b"GIF89a").is_err(), "not a JPEG at all");
        // An APP1 segment whose payload holds FF D9 (as an EXIF thumbnail does) is skipped by
        // its length, so the file is still seen as cut short.
        let app1 = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00];
        assert!(
            check_jpeg_complete(&app1).is_err(),
            "an EOI inside a segment does not count"
        );
    }
}
