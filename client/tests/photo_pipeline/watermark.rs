//! The watermark on real pictures: the darkened band, CJK and Latin text drawn in white at
//! their own widths, an empty stamp drawing nothing, a long place cut to fit.

use image::{Rgb, RgbImage};
use yiwang_client::photo::{PhotoPipeline, Watermark};

use crate::common::{decode, jpeg_of, photo_like, watermark};

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
