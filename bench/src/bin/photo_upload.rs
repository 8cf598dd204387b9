//! Photo uploads side by side (issue 16, item 3): the same client (tus-js-client 4.3.1, one
//! upload after another, each file in one PATCH) uploads the same distinct JPEGs of about
//! 0.84 MB to the official Node tus server (@tus/server 2.4.5 with @tus/file-store 2.1.1, from
//! `bench/photo-upload/package-lock.json`) and to the release `yiwang-server demo`, and prints
//! both throughputs and their ratio (target ≥ 0.8×, goal 1.0×).
//!
//! The two do different work per photo. The reference writes the bytes to a file and answers;
//! it never fsyncs. yiwang-server checks the whole file's SHA-256, inspects and decodes the
//! picture, makes its thumbnail, fsyncs the photo and thumbnail, and records the photo in the
//! ledger (one more fsync) before it acknowledges the last byte.
//!
//! Run: `make bench` (after `npm ci` in bench/photo-upload), or
//!   cargo build --release -p yiwang-server -p yiwang-bench --bin yiwang-server --bin photo_upload
//!   (cd bench/photo-upload && npm ci)
//!   $CARGO_TARGET_DIR/release/photo_upload [--files N]

use anyhow::{bail, Context};
use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use yiwang_bench::demo_server::{beside, start, stop};

/// The target and goal, as ratios of the reference's throughput.
const TARGET: f64 = 0.8;
const GOAL: f64 = 1.0;

fn main() -> anyhow::Result<()> {
    let mut files = 200usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--files" => files = args.next().context("--files takes a number")?.parse()?,
            other => bail!("unknown argument {other}: --files N"),
        }
    }
    let here = std::env::current_exe()?
        .parent()
        .context("the benchmark's folder")?
        .to_path_buf();
    let server_bin = beside(&here, "yiwang-server")?;
    let node_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("photo-upload");
    if !node_dir.join("node_modules/@tus/server").is_dir() {
        bail!("run `npm ci` in {} first", node_dir.display());
    }

    let dir = tempfile::tempdir()?;
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos)?;
    let mut total = 0usize;
    for i in 0..files {
        let bytes = photo(i as u32);
        total += bytes.len();
        std::fs::write(photos.join(format!("{i:04}.jpg")), bytes)?;
    }
    println!(
        "{files} distinct JPEGs, {:.2} MB each on average; one after another, each in one PATCH",
        total as f64 / files as f64 / 1e6
    );

    // The reference.
    let port = free_port()?;
    let store = dir.path().join("reference");
    std::fs::create_dir_all(&store)?;
    let mut reference = Command::new("node")
        .arg(node_dir.join("reference.mjs"))
        .arg(port.to_string())
        .arg(&store)
        .current_dir(&node_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the reference tus server (node)")?;
    wait_for_port(port)?;
    let theirs = upload(
        &node_dir,
        &format!("http://127.0.0.1:{port}/files"),
        &photos,
        None,
    );
    let _ = reference.kill();
    let _ = reference.wait();
    let theirs = theirs?;

    // yiwang-server: the demo county (the first start seeds it), a grid worker's token.
    let port = free_port()?;
    let data = dir.path().join("yiwang");
    let seed = start(&server_bin, &data, port, Duration::from_secs(600))?;
    stop(seed)?;
    let server = start(&server_bin, &data, port, Duration::from_secs(60))?;
    let token = login(port);
    let ours = token.and_then(|t| {
        upload(
            &node_dir,
            &format!("http://127.0.0.1:{port}/api/v1/photos"),
            &photos,
            Some(&t),
        )
    });
    let rss = yiwang_server::state::peak_rss_kib(server.id());
    stop(server)?;
    let ours = ours?;
    let stored = count_files(&data.join("photos"), ".thumb.jpg");
    if stored != files {
        bail!("yiwang-server stored {stored} photos of {files}");
    }

    let ratio = ours.mb_per_s / theirs.mb_per_s;
    println!(
        "  reference (@tus/server 2.4.5, file store, no fsync)  {:7.1} MB/s  {:6.2} s",
        theirs.mb_per_s, theirs.seconds
    );
    println!(
        "  yiwang-server (hash, decode, thumbnail, fsync, ledger) {:7.1} MB/s  {:6.2} s  peak RSS {} MB",
        ours.mb_per_s,
        ours.seconds,
        rss.map_or("?".into(), |k| (k / 1024).to_string())
    );
    println!(
        "  ratio {ratio:.2}× the reference (target ≥ {TARGET:.1}×, goal {GOAL:.1}×): {}",
        if ratio >= GOAL {
            "goal met"
        } else if ratio >= TARGET {
            "target met"
        } else {
            "below target"
        }
    );
    Ok(())
}

/// A distinct photo-like JPEG of about 0.84 MB: gradients with sensor-like noise.
fn photo(seed: u32) -> Vec<u8> {
    let (w, h) = (1600u32, 1200u32);
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    let img = RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % 71) as i32 - 35;
        let base = [
            (60 + x * 140 / w + seed % 40) as i32,
            (90 + y * 100 / h) as i32,
            (170 - (x + y) * 110 / (w + h)) as i32,
        ];
        Rgb(base.map(|c| (c + n).clamp(0, 255) as u8))
    });
    let mut out = vec![];
    JpegEncoder::new_with_quality(&mut out, 85)
        .write_image(img.as_raw(), w, h, ExtendedColorType::Rgb8)
        .expect("a JPEG encodes");
    out
}

struct Run {
    seconds: f64,
    mb_per_s: f64,
}

/// `upload.mjs` against `endpoint`: its one JSON line.
fn upload(
    node_dir: &Path,
    endpoint: &str,
    photos: &Path,
    token: Option<&str>,
) -> anyhow::Result<Run> {
    let mut cmd = Command::new("node");
    cmd.arg(node_dir.join("upload.mjs"))
        .arg(endpoint)
        .arg(photos)
        .current_dir(node_dir);
    if let Some(t) = token {
        cmd.arg(t);
    }
    let out = cmd.output().context("running upload.mjs")?;
    if !out.status.success() {
        bail!(
            "upload.mjs failed against {endpoint}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "upload.mjs printed {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    Ok(Run {
        seconds: line["seconds"].as_f64().context("seconds")?,
        mb_per_s: line["mb_per_s"].as_f64().context("mb_per_s")?,
    })
}

/// Signs `worker-0001` in with the demo password: the bearer token.
fn login(port: u16) -> anyhow::Result<String> {
    let body = serde_json::json!({
        "username": "worker-0001", "password": yiwang_server::demo::DEMO_PASSWORD,
        "device_id": "bench-photo-upload", "device_name": "bench"
    });
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
            .json(&body)
            .send()
            .await?;
        let v: serde_json::Value = r.json().await?;
        v["token"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("no token in {v}"))
    })
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn wait_for_port(port: u16) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > until {
            bail!("nothing listens on {port} after 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Files under `dir` whose names end in `suffix`, recursively.
fn count_files(dir: &Path, suffix: &str) -> usize {
    let mut n = 0;
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(suffix) {
                n += 1;
            }
        }
    }
    n
}
