//! Finding save benchmark: how long a grid worker waits, from the moment three 12-megapixel
//! camera photos are chosen to the finding being recorded, through the app facade
//! (`yiwang_client::app::WorkerApp`): `add_photo` three times (the pipeline with the evidence
//! watermark, the content-addressed file, the photo row) and `save_finding` (the finding and
//! its outbox op, one transaction). Beside it, a plain `image` crate decode + Triangle resize +
//! JPEG encode of the same three photos, the work any app would do at the least.
//!
//! The facade is signed in for real, against the real server seeded with a small county on
//! 127.0.0.1, so the watermark names a real grid and the finding a real patrol; the sync
//! agent's wake-up after a finding is pushed out of the timed window, so the figure is the
//! local save the worker waits for (saving never waits for the network). Target: under 1 s.
//!
//! Run: `cargo run --release -p yiwang-bench --bin finding_save [runs]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{ExtendedColorType, Rgb, RgbImage};
use yiwang_client::app::views::FindingInput;
use yiwang_client::app::{AppConfig, WorkerApp};
use yiwang_client::photo::{JPEG_QUALITY, MAX_EDGE};
use yiwang_client::sync::AgentConfig;
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::{AppState, Settings as ServerSettings};
use yiwang_server::storage::Ledger;

const TARGET: Duration = Duration::from_secs(1);
const WORKER: &str = "worker-0001";
const PASSWORD: &str = "demo";

/// A deterministic photo stand-in: smooth gradients (sky, walls), hard-edged blocks (windows,
/// signs) and sensor-like noise; the same generator as the photo_pipeline benchmark.
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
        let block = matches!(((x / 173) + (y / 211) + seed as u32) % 7, 0);
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

fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality).encode(
        image.as_raw(),
        image.width(),
        image.height(),
        ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

/// The naive path: decode, resize to the pipeline's long edge, encode at its quality.
fn reference(input: &[u8]) -> Result<Vec<u8>> {
    let image = image::load_from_memory(input)?.into_rgb8();
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

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// The real server over a small seeded county in `dir`, on 127.0.0.1; returns its URL.
async fn start_server(dir: &std::path::Path) -> Result<String> {
    let ledger = Ledger::open(&format!("sqlite:{}", dir.join("ledger.sqlite").display()))?;
    let state = AppState::new(
        ledger.clone(),
        ServerSettings {
            demo_mode: true,
            ..ServerSettings::new(dir)
        },
        Arc::new(chrono::Utc::now),
    );
    let hash = yiwang_server::auth::hash_password(PASSWORD)?;
    let now = chrono::Utc::now();
    ledger.write_blocking(move |tx| seed_county(tx, &small_plan(), &hash, true, now))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = yiwang_server::app(state);
    tokio::spawn(async move {
        if let Err(e) = yiwang_server::app::serve(listener, app, std::future::pending()).await {
            eprintln!("the benchmark's server stopped: {e}");
        }
    });
    Ok(format!("http://{addr}"))
}

/// Waits until the agent's first sync has brought the reference data (grids, categories).
async fn first_sync(app: &WorkerApp) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    app.sync_now()?;
    loop {
        let s = app.sync_status()?;
        if s.last_sync_at.is_some() && s.phase == yiwang_client::sync::Phase::Idle {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "the first sync did not finish within 60 s (phase {:?}, error {:?})",
                s.phase,
                s.last_error
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5)
        .max(1);

    let server_dir = tempfile::tempdir()?;
    let url = start_server(server_dir.path()).await?;
    let device_dir = tempfile::tempdir()?;
    let app = Arc::new(WorkerApp::open(
        device_dir.path(),
        AppConfig {
            // The wake-up after a save would sync while the next run is timed: push it out.
            agent: AgentConfig {
                interval: Duration::from_secs(3600),
                after_finding: Duration::from_secs(3600),
                ..AgentConfig::default()
            },
            runtime: Some(tokio::runtime::Handle::current()),
            ..AppConfig::default()
        },
    )?);
    app.login(&url, WORKER, PASSWORD)
        .await
        .context("the benchmark's worker signs in")?;
    first_sync(&app).await?;
    let watermark = app.settings()?.watermark;
    let patrol = app.start_patrol()?;

    let inputs: Vec<Vec<u8>> = (1..=3)
        .map(|seed| encode_jpeg(&synthetic_photo(4000, 3000, seed), 90))
        .collect::<Result<_>>()?;

    println!(
        "finding save — 3 photos of 4000×3000 (12 MP, {:.1} MB in all), median of {runs} runs, \
         {} CPU(s) available, watermark {}",
        inputs.iter().map(Vec::len).sum::<usize>() as f64 / 1e6,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if watermark { "on" } else { "off" }
    );

    // One save is what the worker waits for: three add_photo calls (as the UI makes them,
    // one after another) and save_finding. Run on a blocking thread, as the Tauri command does.
    let one_save = |n: usize| {
        let app = app.clone();
        let inputs = inputs.clone();
        let patrol_id = patrol.id.clone();
        tokio::task::spawn_blocking(move || -> Result<(Duration, Duration, Duration)> {
            let start = Instant::now();
            let mut photos = Vec::new();
            for bytes in &inputs {
                photos.push(
                    app.add_photo(bytes, Some(40.6312), Some(122.5021))?
                        .sha256
                        .to_string(),
                );
            }
            let photos_done = start.elapsed();
            let finding = app.save_finding(&FindingInput {
                patrol_id: Some(patrol_id),
                category_code: "03.02".into(),
                description: format!("benchmark finding {n}: 人行道堆放建筑垃圾"),
                lat: Some(40.6312),
                lon: Some(122.5021),
                accuracy_m: Some(8.0),
                mock_location: false,
                disposition: yiwang_core::field::Disposition::Report,
                photos,
                urgent: false,
            })?;
            let total = start.elapsed();
            if finding.photos.len() != 3 {
                bail!(
                    "the saved finding lists {} photos, not 3",
                    finding.photos.len()
                );
            }
            Ok((total, photos_done, total - photos_done))
        })
    };

    one_save(0).await??; // warm-up: page cache, font parsing, statement cache
    let mut totals = vec![];
    let mut photo_parts = vec![];
    let mut save_parts = vec![];
    for n in 1..=runs {
        let (total, photos, save) = one_save(n).await??;
        totals.push(total);
        photo_parts.push(photos);
        save_parts.push(save);
    }
    let mut refs = vec![];
    for _ in 0..runs {
        let start = Instant::now();
        for bytes in &inputs {
            std::hint::black_box(reference(bytes)?);
        }
        refs.push(start.elapsed());
    }
    let (total, photos, save, naive) = (
        median(totals),
        median(photo_parts),
        median(save_parts),
        median(refs),
    );
    let waiting = app.sync_status()?.waiting.len();

    println!(
        "{:<32} {:>10} {:>14} {:>12} {:>10} {:>7} {:>10}",
        "", "total", "3× add_photo", "save_finding", "reference", "ratio", "under 1 s"
    );
    println!(
        "{:<32} {:>10} {:>14} {:>12} {:>10} {:>7} {:>10}",
        "finding with 3 photos (facade)",
        ms(total),
        ms(photos),
        format!("{:.1} ms", save.as_secs_f64() * 1000.0),
        ms(naive),
        format!("{:.2}×", total.as_secs_f64() / naive.as_secs_f64()),
        if total < TARGET { "yes" } else { "NO" },
    );
    println!(
        "ratio = facade ÷ reference (3× image::load_from_memory + imageops::resize Triangle to \
         {MAX_EDGE} px + JPEG q{JPEG_QUALITY}); the facade also applies EXIF orientation, the \
         watermark, a 320 px thumbnail, SHA-256, the files and the database rows. \
         {waiting} ops wait to sync afterwards (nothing was sent while timing)."
    );
    app.stop_agent().await;
    Ok(())
}
