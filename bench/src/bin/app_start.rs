//! App cold-start benchmark: how long the desktop worker app takes from `exec` to its first
//! screen mounted in the webview, beside the cost of starting a trivial process.
//!
//! Each run starts a new app process with `YIWANG_STARTUP_PROBE=1`: when the UI's first screen
//! has mounted it calls `ui_ready`, the app prints `first_screen_ms=<ms since process start>`
//! and exits. Two figures per run: what the app reports, and the wall time this benchmark sees
//! from spawn to that line (it also counts loading the executable and its shared libraries,
//! which the app's own clock cannot). The first start on an empty data folder (database
//! creation and migrations) is shown apart; the median is over starts on a folder already set
//! up, which is what a worker meets every morning. The target is under one second.
//!
//! Needs a display (`make bench` runs it under `xvfb-run`) and the app binary (`make app`).
//!
//! Run: `xvfb-run -a app_start [--app PATH] [--runs N]`

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

const TARGET: Duration = Duration::from_secs(1);
/// A start that has not reached its first screen by then counts as a failure, not a figure.
const GIVE_UP: Duration = Duration::from_secs(60);

struct Start {
    wall: Duration,
    reported: Duration,
}

/// One app start on `data_dir`, until it prints its first-screen line and exits.
fn start_once(app: &PathBuf, data_dir: &std::path::Path) -> Result<Start> {
    let started = Instant::now();
    let mut child = Command::new(app)
        .env("YIWANG_STARTUP_PROBE", "1")
        .env("YIWANG_DATA_DIR", data_dir)
        .env_remove("YIWANG_DEMO_SERVER")
        .env_remove("YIWANG_DEMO_USER")
        .env_remove("YIWANG_DEMO_PASSWORD")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", app.display()))?;
    let stdout = child.stdout.take().context("no stdout pipe")?;
    // Kept to explain a failed start; the app logs little on a good one.
    let stderr = child.stderr.take().context("no stderr pipe")?;
    let errors = std::thread::spawn(move || {
        let lines: Vec<String> = BufReader::new(stderr)
            .lines()
            .map_while(|l| l.ok())
            .collect();
        lines[lines.len().saturating_sub(12)..].join("\n")
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            if let Some(ms) = line.trim().strip_prefix("first_screen_ms=") {
                let _ = tx.send((started.elapsed(), ms.trim().parse::<f64>().ok()));
                return;
            }
        }
    });
    let seen = rx.recv_timeout(GIVE_UP);
    // The probe exits on its own right after the line; make sure, either way.
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let errors = errors.join().unwrap_or_default();
    let (wall, reported) = match seen {
        Ok((wall, Some(ms))) => (wall, Duration::from_secs_f64(ms / 1000.0)),
        Ok((_, None)) => bail!("the app printed a first_screen_ms line that is not a number"),
        Err(_) => bail!(
            "the app printed no first_screen_ms line within {} s (exit: {status:?}); is this \
             binary built with the startup probe, and is there a display (DISPLAY={:?})? \
             Its stderr ends:\n{errors}",
            GIVE_UP.as_secs(),
            std::env::var("DISPLAY").unwrap_or_default()
        ),
    };
    match status {
        Some(s) if s.success() => Ok(Start { wall, reported }),
        Some(s) => bail!("the app exited with {s} after printing its first-screen time"),
        None => bail!("the app did not exit within 10 s of printing its first-screen time"),
    }
}

/// Wall time of spawning and reaping a process that does nothing: the floor under any start.
fn trivial_start() -> Result<Duration> {
    let started = Instant::now();
    let status = Command::new("true")
        .stdout(Stdio::null())
        .status()
        .context("cannot start `true`")?;
    if !status.success() {
        bail!("`true` failed");
    }
    Ok(started.elapsed())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<()> {
    let mut app = PathBuf::from("/var/tmp/yiwang-target-app/debug/yiwang-app");
    let mut runs = 7usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--app" => app = args.next().context("--app needs a path")?.into(),
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .context("--runs needs a number")?
            }
            other => bail!("unknown argument {other}; usage: app_start [--app PATH] [--runs N]"),
        }
    }
    let runs = runs.max(1);
    if !app.is_file() {
        bail!("no app binary at {} (make app builds it)", app.display());
    }
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        bail!("no display: run under xvfb-run (make bench does)");
    }

    let data = tempfile::tempdir()?;
    println!(
        "app cold start — {} — median of {runs} starts, {} CPU(s) available",
        app.display(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let first = start_once(&app, data.path()).context("first start")?;
    let mut walls = Vec::with_capacity(runs);
    let mut reported = Vec::with_capacity(runs);
    for i in 0..runs {
        let s = start_once(&app, data.path()).with_context(|| format!("start {}", i + 1))?;
        walls.push(s.wall);
        reported.push(s.reported);
    }
    let trivial = median(
        (0..runs.max(5))
            .map(|_| trivial_start())
            .collect::<Result<_>>()?,
    );
    let (wall, own) = (median(walls.clone()), median(reported));
    let spread = (
        walls.iter().min().copied().unwrap_or_default(),
        walls.iter().max().copied().unwrap_or_default(),
    );

    println!(
        "{:<34} {:>10} {:>12} {:>14} {:>10}",
        "", "wall", "app's clock", "min–max wall", "under 1 s"
    );
    println!(
        "{:<34} {:>10} {:>12} {:>14} {:>10}",
        "first start (empty data folder)",
        ms(first.wall),
        ms(first.reported),
        "",
        if first.wall < TARGET { "yes" } else { "NO" }
    );
    println!(
        "{:<34} {:>10} {:>12} {:>14} {:>10}",
        "start to first screen (median)",
        ms(wall),
        ms(own),
        format!("{}–{}", ms(spread.0).trim_end_matches(" ms"), ms(spread.1)),
        if wall < TARGET { "yes" } else { "NO" }
    );
    println!(
        "{:<34} {:>10} {:>12} {:>14} {:>10}",
        "reference: start of `true`",
        format!("{:.1} ms", trivial.as_secs_f64() * 1000.0),
        "",
        "",
        ""
    );
    println!(
        "ratio = app start ÷ trivial process start: {:.0}×. wall = spawn until the app prints \
         first_screen_ms (window mapped, WebKitGTK up, the UI's first screen mounted); \
         app's clock = what the app measured from its own start.",
        wall.as_secs_f64() / trivial.as_secs_f64().max(1e-6)
    );
    Ok(())
}
