//! Photo uploads side by side (issue 16, item 3): the same client (tus-js-client 4.3.1, one
//! upload after another, each file in one PATCH) uploads the same distinct JPEGs of about
//! 0.84 MB to the official Node tus server (@tus/server 2.4.5 with @tus/file-store 2.1.1, from
//! `bench/photo-upload/package-lock.json`) and to the release `yiwang-server demo`, and prints
//! both throughputs and their ratio (target ≥ 0.8×, goal 1.0×).
//!
//! The two do different work per photo. The reference writes the bytes to a file and answers;
//! it never fsyncs. yiwang-server checks the whole file's SHA-256 and the picture's header
//! (format, dimensions, a JPEG's completeness and metadata), fsyncs the photo and records it in
//! the ledger (one more fsync) before it acknowledges the last byte; the whole decode and the
//! thumbnail follow in the background (`photos::check`), and the bench also prints how long
//! after the last acknowledgement every thumbnail was made.
//!
//! The machine is shared and the reference's figure varies by a third from run to run, so the
//! two take turns: each round uploads its own set of files to the reference, then to
//! yiwang-server, and the median of the rounds' ratios is the figure (`--rounds`, 3 by
//! default).
//!
//! Run: `make bench` (after `npm ci` in bench/photo-upload), or
//!   cargo build --release -p yiwang-server -p yiwang-bench --bin yiwang-server --bin photo_upload
//!   (cd bench/photo-upload && npm ci)
//!   $CARGO_TARGET_DIR/release/photo_upload [--files N] [--rounds N]

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
    let (mut files, mut rounds) = (200usize, 3usize);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--files" => files = args.next().context("--files takes a number")?.parse()?,
            "--rounds" => rounds = args.next().context("--rounds takes a number")?.parse()?,
            other => bail!("unknown argument {other}: --files N --rounds N"),
        }
    }
    anyhow::ensure!(
        files > 0 && rounds > 0,
        "--files and --rounds take numbers above 0"
    );
    let here = std::env::current_exe()?
        .parent()
        .context("the benchmark's folder")?
        .to_path_buf();
    let server_bin = beside(&here, "yiwang-server")?;
    let node_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("photo-upload");
    if !node_dir.join("node_modules/@tus/server").is_dir() {
        bail!("run `npm ci` in {} first", node_dir.display());
    }

    // Distinct files for every round (a photo sent twice would be a cheap duplicate).
    let dir = tempfile::tempdir()?;
    let mut total = 0usize;
    let mut sets = vec![];
    for r in 0..rounds {
        let set = dir.path().join(format!("photos-{r}"));
        std::fs::create_dir_all(&set)?;
        for i in 0..files {
            let bytes = photo((r * files + i) as u32);
            total += bytes.len();
            std::fs::write(set.join(format!("{i:04}.jpg")), bytes)?;
        }
        sets.push(set);
    }
    println!(
        "{rounds} rounds of {files} distinct JPEGs, {:.2} MB each on average; one after another, \
         each in one PATCH; each round to the reference, then to yiwang-server",
        total as f64 / (files * rounds) as f64 / 1e6
    );

    // The reference.
    let ref_port = free_port()?;
    let store = dir.path().join("reference");
    std::fs::create_dir_all(&store)?;
    let mut reference = Command::new("node")
        .arg(node_dir.join("reference.mjs"))
        .arg(ref_port.to_string())
        .arg(&store)
        .current_dir(&node_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the reference tus server (node)")?;
    wait_for_port(ref_port)?;

    // yiwang-server: the demo county (the first start seeds it), a grid worker's token.
    let port = free_port()?;
    let data = dir.path().join("yiwang");
    let seed = start(&server_bin, &data, port, Duration::from_secs(600))?;
    stop(seed)?;
    let server = start(&server_bin, &data, port, Duration::from_secs(60))?;
    let token = login(port)?;

    let runs = sets
        .iter()
        .map(|set| {
            let theirs = upload(
                &node_dir,
                &format!("http://127.0.0.1:{ref_port}/files"),
                set,
                None,
            )?;
            let ours = upload(
                &node_dir,
                &format!("http://127.0.0.1:{port}/api/v1/photos"),
                set,
                Some(&token),
            )?;
            Ok((theirs, ours))
        })
        .collect::<anyhow::Result<Vec<_>>>();
    let _ = reference.kill();
    let _ = reference.wait();
    let runs = match runs {
        Ok(r) => r,
        Err(e) => {
            stop(server)?;
            return Err(e);
        }
    };

    println!(
        "  round  reference (@tus/server 2.4.5, file store, no fsync)  yiwang-server (hash, \
         header check, fsync, ledger)  ratio"
    );
    let mut ratios = vec![];
    for (i, (theirs, ours)) in runs.iter().enumerate() {
        let ratio = ours.mb_per_s / theirs.mb_per_s;
        ratios.push(ratio);
        println!(
            "  {:>5}  {:7.1} MB/s  {:6.2} s{:28}{:7.1} MB/s  {:6.2} s{:20}{ratio:.2}×",
            i + 1,
            theirs.mb_per_s,
            theirs.seconds,
            "",
            ours.mb_per_s,
            ours.seconds,
            ""
        );
    }
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios[ratios.len() / 2];
    println!(
        "  median ratio {ratio:.2}× the reference (target ≥ {TARGET:.1}×, goal {GOAL:.1}×): {}",
        if ratio >= GOAL {
            "goal met"
        } else if ratio >= TARGET {
            "target met"
        } else {
            "below target"
        }
    );

    // The whole decode and thumbnails follow the acknowledgements, in the background: how long
    // after the last one until every photo has its thumbnail.
    let uploaded = Instant::now();
    let until = uploaded + Duration::from_secs(600);
    let want = files * rounds;
    let mut thumbnails = 0;
    while thumbnails < want && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
        thumbnails = count_files(&data.join("photos"), ".thumb.jpg");
    }
    let checked_after = uploaded.elapsed().as_secs_f64();
    let rss = yiwang_server::state::peak_rss_kib(server.id());
    stop(server)?;
    let stored = count_files(&data.join("photos"), ".jpg") - thumbnails;
    println!(
        "  every photo decoded whole with its thumbnail {checked_after:.2} s after the last \
         acknowledgement (in the background, nice 19); server peak RSS {} MB",
        rss.map_or("?".into(), |k| (k / 1024).to_string())
    );
    if stored != want || thumbnails != want {
        bail!("yiwang-server stored {stored} photos and {thumbnails} thumbnails of {want}");
    }
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
