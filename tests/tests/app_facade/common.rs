//! What the facade tests share: the app opened on a device clock the test moves by hand, a real
//! camera JPEG, finding inputs, error codes, and waiting for the agent.

use std::sync::Arc;
use std::time::Duration;

use yiwang_client::app::views::FindingInput;
use yiwang_client::app::{AppConfig, AppError, WorkerApp};
use yiwang_client::sync::{AgentConfig, ClientConfig};
use yiwang_core::field::Disposition;
use yiwang_tests::kit::Clock;

/// The grid worker whose device the tests play.
pub const WORKER: &str = "worker-0001";

/// The app's settings for tests: quick sync timings, short timeouts, and `clock` as the device's
/// clock (the kit's [`Clock`], fixed at `t0` and moved by the test).
pub fn config(clock: &Clock) -> AppConfig {
    let c = clock.clone();
    AppConfig {
        agent: AgentConfig {
            interval: Duration::from_secs(3600),
            after_finding: Duration::from_millis(50),
            backoff_base: Duration::from_millis(50),
            backoff_cap: Duration::from_millis(300),
            ..AgentConfig::default()
        },
        client: ClientConfig {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
            ..ClientConfig::default()
        },
        clock: Some(Arc::new(move || c.now())),
        ..AppConfig::default()
    }
}

pub fn open(dir: &tempfile::TempDir, clock: &Clock) -> WorkerApp {
    WorkerApp::open(dir.path(), config(clock)).expect("the app opens its data folder")
}

/// A real 1600×1200 JPEG with detail in it, as a phone camera would hand over.
pub fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(1600, 1200, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("the test JPEG encodes");
    out
}

pub fn finding(
    category: &str,
    description: &str,
    disposition: Disposition,
    photos: Vec<String>,
) -> FindingInput {
    FindingInput {
        patrol_id: None,
        category_code: category.into(),
        description: description.into(),
        lat: Some(40.615),
        lon: Some(122.504),
        accuracy_m: Some(6.0),
        mock_location: false,
        disposition,
        photos,
        urgent: false,
    }
}

pub fn code<T: std::fmt::Debug>(r: Result<T, AppError>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code.as_str().to_owned(),
    }
}

/// Polls `cond` (waking the agent each time) until it holds or 20 s pass.
pub async fn until(app: &WorkerApp, what: &str, mut cond: impl FnMut(&WorkerApp) -> bool) {
    for _ in 0..100 {
        if cond(app) {
            return;
        }
        let _ = app.sync_now();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what} did not happen within 20 s: {:?}", app.sync_status());
}
