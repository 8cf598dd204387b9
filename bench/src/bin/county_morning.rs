//! A county's morning (issue 12): the release `yiwang-server demo` on the reference county and
//! `yiwang-sim --devices 1798 --findings 2 --photos 1`, every device signing in at once after a
//! night without signal. Prints the server's peak RSS against the 300 MB budget (as a ratio),
//! the sign-in latency p50/p99, and how long the morning took; exits non-zero if a device
//! failed.
//!
//! The server is started twice: the first start seeds the county, the second serves it from a
//! fresh process, so its peak (`VmHWM`) is the morning's alone.
//!
//! Run by `make bench`, or:
//!   cargo build --release -p yiwang-server -p yiwang-tests -p yiwang-bench \
//!     --bin yiwang-server --bin yiwang-sim --bin county_morning
//!   $CARGO_TARGET_DIR/release/county_morning [--devices N] [--findings N] [--photos N]

use anyhow::{bail, Context};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use yiwang_bench::demo_server::{beside, start, stop};
use yiwang_server::state::peak_rss_kib;

/// The budget for the server's peak memory.
const PEAK_BUDGET_MB: f64 = 300.0;

fn main() -> anyhow::Result<()> {
    let mut devices = 1798u32;
    let mut findings = 2u32;
    let mut photos = 1u32;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || -> anyhow::Result<u32> {
            args.next()
                .with_context(|| format!("{a} takes a number"))?
                .parse()
                .with_context(|| format!("{a} takes a number"))
        };
        match a.as_str() {
            "--devices" => devices = value()?,
            "--findings" => findings = value()?,
            "--photos" => photos = value()?,
            other => bail!("unknown argument {other}: --devices N --findings N --photos N"),
        }
    }
    let here = std::env::current_exe()?
        .parent()
        .context("the benchmark's folder")?
        .to_path_buf();
    let server_bin = beside(&here, "yiwang-server")?;
    let sim_bin = beside(&here, "yiwang-sim")?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server");
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");

    let seeding = Instant::now();
    let seed = start(&server_bin, &data, port, Duration::from_secs(600))?;
    stop(seed)?;
    println!(
        "reference county seeded in {:.1} s; {devices} devices, {findings} findings × {photos} photo(s) each",
        seeding.elapsed().as_secs_f64()
    );
    let server = start(&server_bin, &data, port, Duration::from_secs(60))?;
    let started = Instant::now();
    let out = Command::new(&sim_bin)
        .args(["--server", &base, "--devices", &devices.to_string()])
        .args([
            "--findings",
            &findings.to_string(),
            "--photos",
            &photos.to_string(),
        ])
        .arg("--data-dir")
        .arg(dir.path().join("devices"))
        .stderr(Stdio::inherit())
        .output()
        .context("running yiwang-sim")?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_kib = peak_rss_kib(server.id()).context("the server's VmHWM")?;
    stop(server)?;
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "yiwang-sim's summary: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    let peak_mb = peak_kib as f64 / 1024.0;
    let num = |k: &str| summary[k].as_f64().unwrap_or(f64::NAN);
    println!("county morning: {devices} devices signing in and syncing at once, {seconds:.1} s");
    println!(
        "  server peak RSS    {peak_mb:8.1} MB   budget {PEAK_BUDGET_MB:.0} MB   ratio {:.2}",
        peak_mb / PEAK_BUDGET_MB
    );
    println!(
        "  sign-in p50        {:8.0} ms   p99 {:.0} ms   max {:.0} ms   (busy answers waited out: {})",
        num("sign_in_ms_p50"),
        num("sign_in_ms_p99"),
        num("sign_in_ms_max"),
        summary["sign_in_busy_retries"]
    );
    println!(
        "  devices failed     {:8}        ops delivered {}   photos uploaded in whole syncs {}   busy syncs retried {}",
        summary["errors"], summary["ops_pushed"], summary["photos_uploaded"], summary["sync_busy_retries"]
    );
    if !out.status.success() || summary["errors"] != 0 {
        bail!("devices failed: {summary}");
    }
    Ok(())
}
