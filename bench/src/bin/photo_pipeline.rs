//! Photo pipeline benchmark: how long one camera photo takes from input bytes to stored JPEG,
//! thumbnail and hash, next to a plain `image` crate decode + Triangle resize + encode of the
//! same input. The target is well under one second for a 24-megapixel photo on the phone-class
//! CPUs we plan for; this machine is faster, so the margin matters more than the figure.
//!
//! Run: `cargo run --release -p yiwang-bench --bin photo_pipeline [runs]`

use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{ExtendedColorType, Rgb, RgbImage};
use yiwang_client::photo::{PhotoPipeline, Watermark, JPEG_QUALITY, MAX_EDGE};

const TARGET: Duration = Duration::from_secs(1);

/// A deterministic photo stand-in: smooth gradients (sky, walls), a few hard-edged blocks
/// (windows, signs) and sensor-like noise. Flat colour would compress and decode unrealistically
/// fast; pure noise would be unrealistically slow.
fn synthetic_photo(width: u32, height: u32, seed: u64) -> RgbImage {
    let mut state = seed | 1;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 21) as i32 - 10
    };
    RgbImage::from_fn(width, height, |x, y| {
        let fx = x as f32 / width as f32;
        let fy = y as f32 / height as f32;
        let block = ((x / 173) + (y / 211)) % 7 == 0;
        let base = [
            60.0 + 140.0 * fy + 30.0 * (fx * 12.0).sin(),
            90.0 + 100.0 * fx + 25.0 * (fy * 9.0).cos(),
            170.0 - 110.0 * fy + 20.0 * ((fx + fy) * 15.0).sin(),
        ];
        let n = noise();
        Rgb(base.map(|c| {
            let c = if block { 255.0 - c } else { c };
            (c as i32 + n).clamp(0, 255) as u8
        }))
    })
}

fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("encode");
    out
}

/// The naive path a first version would take, at the same output size and quality.
fn reference(input: &[u8]) -> Vec<u8> {
    let image = image::load_from_memory(input).expect("decode").into_rgb8();
    let (w, h) = image.dimensions();
    let long = w.max(h);
    let (nw, nh) = if long > MAX_EDGE {
        (
            (w as u64 * MAX_EDGE as u64 / long as u64) as u32,
            (h as u64 * MAX_EDGE as u64 / long as u64) as u32,
        )
    } else {
        (w, h)
    };
    let resized = image::imageops::resize(&image, nw, nh, FilterType::Triangle);
    encode_jpeg(&resized, JPEG_QUALITY)
}

/// Median of `runs` timed calls, after one untimed warm-up (page faults, font parsing).
fn median_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    std::hint::black_box(f());
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5)
        .max(1);
    let pipeline = PhotoPipeline::default();
    let watermark = Watermark {
        taken_at: "2024-05-01 10:12".into(),
        grid: "城关镇第一网格".into(),
        place: "40.6312N 122.5021E 城关镇人民路 18 号".into(),
        worker: "张伟".into(),
    };

    println!(
        "photo pipeline — median of {runs} runs per figure, {} CPU(s) available",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<18} {:>8} {:>10} {:>11} {:>10} {:>7} {:>8} {:>11} {:>10}",
        "input",
        "file",
        "pipeline",
        "+watermark",
        "reference",
        "ratio",
        "decode",
        "output",
        "under 1 s"
    );

    for (label, width, height) in [
        ("6000×4000 (24 MP)", 6000, 4000),
        ("4000×3000 (12 MP)", 4000, 3000),
    ] {
        let input = encode_jpeg(&synthetic_photo(width, height, 42), 90);

        let plain = median_of(runs, || pipeline.process(&input, None).expect("process"));
        let stamped = median_of(runs, || {
            pipeline.process(&input, Some(&watermark)).expect("process")
        });
        let naive = median_of(runs, || reference(&input));
        let decode_only = median_of(runs, || image::load_from_memory(&input).expect("decode"));
        let out = pipeline.process(&input, Some(&watermark)).expect("process");

        let worst = plain.max(stamped);
        println!(
            "{:<18} {:>8} {:>10} {:>11} {:>10} {:>7} {:>8} {:>11} {:>10}",
            label,
            format!("{:.1} MB", input.len() as f64 / 1e6),
            ms(plain),
            ms(stamped),
            ms(naive),
            format!("{:.2}×", plain.as_secs_f64() / naive.as_secs_f64()),
            ms(decode_only),
            format!("{}×{}", out.width, out.height),
            if worst < TARGET { "yes" } else { "NO" },
        );
    }
    println!(
        "ratio = pipeline ÷ reference (image::load_from_memory + imageops::resize Triangle + \
         JPEG q{JPEG_QUALITY}); below 1 is faster. decode = image::load_from_memory alone. \
         The pipeline also writes a 320 px thumbnail and hashes the result; the reference does not."
    );
}
