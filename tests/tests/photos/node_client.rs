//! The real tus-js-client (npm, run by Node) uploads 20 photos to a real server, one of them
//! aborted mid-way and resumed; every hash is then checked server-side. Needs `node` and `npm`
//! on the PATH; `npm ci` runs in `tests/tus-node` first when its `node_modules` is missing.

use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::Ordering;
use yiwang_tests::kit::TestServer;

const PHOTOS: usize = 20;

/// A real JPEG of noise, different for each `seed`; noise keeps the file large (several
/// 64 KiB chunks for the bigger ones).
fn jpeg(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    let img = RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        Rgb([
            (state & 0xff) as u8,
            (x % 256) as u8,
            ((y + seed) % 256) as u8,
        ])
    });
    let mut out = vec![];
    JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(img.as_raw(), width, height, ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// The Node.js project that drives tus-js-client: `tests/tus-node` in the repository.
fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tus-node")
}

/// Runs a command to completion, failing the test with its output if it fails.
fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{what}: cannot run it ({e}); is Node.js (node, npm) installed?")
    });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tus_js_client_uploads_twenty_photos_one_aborted_and_resumed() {
    let s = TestServer::start().await;
    let token = s.login("worker-0001").await;

    let photos = tempfile::tempdir().unwrap();
    let mut expected = vec![];
    for i in 0..PHOTOS as u32 {
        // 160×120 up to 920×690: 10 KB to ~400 KB.
        let bytes = jpeg(160 + 40 * i, 120 + 30 * i, i + 1);
        let name = format!("photo-{i:02}.jpg");
        std::fs::write(photos.path().join(&name), &bytes).unwrap();
        expected.push((name, hex::encode(Sha256::digest(&bytes)), bytes.len()));
    }

    let dir = node_dir();
    let (base, folder) = (s.base.clone(), photos.path().to_path_buf());
    let stdout = tokio::task::spawn_blocking(move || {
        if !dir.join("node_modules").exists() {
            run(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&dir),
                "npm ci in tests/tus-node",
            );
        }
        run(
            Command::new("node")
                .arg("tus_upload.mjs")
                .arg(&base)
                .arg(&token)
                .arg(&folder)
                .current_dir(&dir),
            "node tus_upload.mjs",
        )
    })
    .await
    .unwrap();
    let summary: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("the script prints one JSON summary ({e}): {stdout}"));

    let uploaded = summary["uploaded"].as_array().expect("uploaded is a list");
    assert_eq!(uploaded.len(), PHOTOS, "the script reports every photo");
    let aborted = &summary["aborted"];
    let size = aborted["size"].as_u64().unwrap();
    let after_abort = aborted["offset_after_abort"].as_u64().unwrap();
    let resumed_from = aborted["resumed_from"].as_u64().unwrap();
    eprintln!(
        "aborted {}: {size} bytes, {} sent when aborted, server offset {after_abort}, resumed from {resumed_from}",
        aborted["name"], aborted["progress_at_abort"]
    );
    assert!(
        after_abort >= 64 * 1024,
        "the first 64 KiB chunk was acknowledged before the abort: {after_abort}"
    );
    assert!(
        after_abort < size,
        "the abort came before the end: {after_abort} of {size}"
    );
    assert!(
        resumed_from >= after_abort && resumed_from < size,
        "the resumed upload continued from the server's offset ({resumed_from}), not from 0"
    );

    let reporter = s.login("worker-0001").await;
    for (name, sha, len) in &expected {
        let reported = uploaded
            .iter()
            .find(|u| u["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} is in the summary"));
        assert_eq!(
            reported["sha256"],
            sha.as_str(),
            "{name}: the metadata hash is the file's"
        );
        let url = s.url(&format!("/api/v1/photos/by-hash/{sha}"));
        let head = s
            .http
            .head(&url)
            .bearer_auth(&reporter)
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), 200, "{name} is stored");
        let got = s
            .get(&reporter, &format!("/api/v1/photos/by-hash/{sha}"))
            .await;
        assert_eq!(got.status(), 200, "{name}: the uploader may fetch it");
        let body = got.bytes().await.unwrap();
        assert_eq!(body.len(), *len, "{name}: every byte arrived");
        assert_eq!(
            hex::encode(Sha256::digest(&body)),
            *sha,
            "{name}: the stored file hashes to the SHA-256 in its metadata"
        );
    }
    assert_eq!(
        s.state.metrics.photos_stored.load(Ordering::Relaxed),
        PHOTOS as u64,
        "20 new photos, the resumed one stored once"
    );
}
