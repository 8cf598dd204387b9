//! Console load benchmark: how fast the supervisor console's first screens answer on the
//! reference county (issue 6: "the queue's first page and the dashboard load in under 1
//! second with the demo history").
//!
//! It starts the given `yiwang-server` (a release build) with `demo` on a free port over a data
//! folder (seeded on first use; `--data-dir` keeps it between runs), signs in as the county
//! centre (the whole county: the heaviest case) and a township supervisor, and times over N
//! runs, as medians (and the slowest run):
//! - the queue's first page: `GET /api/v1/cases` with the console's default filter, page 1;
//! - the dashboard's requests as the console sends them: `GET /api/v1/stats?dimension=<the level
//!   below the caller's unit>`, then `…?dimension=department`, `…?dimension=category_class` and
//!   `GET /api/v1/coverage` at once; the screen's time is the first plus the slowest of the rest.
//!
//! The times are taken on the loopback interface by a client that only reads the body, so they
//! are the server's latency plus a negligible transfer. If the console is built and the
//! e2e-console packages are installed, it also times the page itself in Chromium (navigation to
//! the queue until its rows are drawn; `tests/e2e-console/page_load.mjs`). Every figure is
//! printed beside the 1 s target as a ratio (below 1.0 meets it).
//!
//! The ledger is SQLite in the data folder unless `--database URL` names another (passed to the
//! server as its `--database`; a PostgreSQL database is seeded on first use like a folder).
//! With `--postgres URL` (a PostgreSQL server's URL such as `postgres://postgres@127.0.0.1:5432/
//! postgres`; default: `YIWANG_BENCH_POSTGRES`) the whole measurement runs a second time on a
//! fresh database of that server (created with the C collation the ledger wants, seeded by
//! `demo`, dropped at the end; made and dropped with `psql`), and the medians of both passes are
//! printed side by side with the ratio PostgreSQL / SQLite.
//!
//! Run: `make console-bench`, or `cargo run --release -p yiwang-bench --bin console_load --
//! [--server PATH] [--data-dir DIR] [--runs N] [--console-dir DIR] [--database URL]
//! [--postgres URL]`

use anyhow::{bail, Context as _};
use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use yiwang_bench::console::{
    dashboard, free_port, login, median, timed_dashboard, timed_get, Server,
};
use yiwang_bench::pg::PgDatabase;

const TARGET: Duration = Duration::from_secs(1);
const PASSWORD: &str = "demo";
/// Where `--postgres` comes from when the flag is not given.
const POSTGRES_ENV: &str = "YIWANG_BENCH_POSTGRES";
/// How long the demo may take to seed and start (the county on PostgreSQL takes a while).
const START_LIMIT: Duration = Duration::from_secs(30 * 60);

struct Args {
    server: PathBuf,
    data_dir: Option<PathBuf>,
    runs: usize,
    console_dir: PathBuf,
    /// The ledger of the first pass (the server's `--database`); SQLite in the folder if none.
    database: Option<String>,
    /// A PostgreSQL server: a second pass runs on a fresh database of it.
    postgres: Option<String>,
}

fn args() -> anyhow::Result<Args> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let mut a = Args {
        server: Path::new(&target).join("release/yiwang-server"),
        data_dir: None,
        runs: 20,
        console_dir: std::env::var("CONSOLE_DIR")
            .unwrap_or_else(|_| "ui/dist/console".into())
            .into(),
        database: None,
        postgres: std::env::var(POSTGRES_ENV)
            .ok()
            .filter(|u| !u.trim().is_empty()),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => a.server = value()?.into(),
            "--data-dir" => a.data_dir = Some(value()?.into()),
            "--runs" => a.runs = value()?.parse().context("--runs is a whole number")?,
            "--console-dir" => a.console_dir = value()?.into(),
            "--database" => a.database = Some(value()?),
            "--postgres" => {
                let url = value()?;
                if !is_postgres(&url) {
                    bail!("--postgres {url}: expected postgres://…");
                }
                a.postgres = Some(url);
            }
            other => bail!(
                "unknown argument {other}; use --server PATH --data-dir DIR --runs N \
                 --console-dir DIR --database URL --postgres URL"
            ),
        }
    }
    if a.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(a)
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A URL as it may be printed: without a password.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{name}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

fn line(what: &str, med: Duration, max: Duration, extra: &str) {
    println!(
        "  {what:<44} median {:>8.1} ms  max {:>8.1} ms  {:>6.3} of the 1 s target{extra}",
        med.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        med.as_secs_f64() / TARGET.as_secs_f64()
    );
}

const QUEUE: &str = "/api/v1/cases?page=1&page_size=50";

/// One timed figure of a pass: whose, what, median and slowest run.
#[derive(Debug, Clone)]
struct Figure {
    user: String,
    what: String,
    median: Duration,
    max: Duration,
}

async fn measure(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    unit_dimension: &str,
    runs: usize,
) -> anyhow::Result<Vec<Figure>> {
    let token = login(http, base, user, PASSWORD).await?;
    let board = dashboard(unit_dimension, "/api/v1/coverage");
    // One warm-up of each: the first request also loads the org tree into the cache.
    timed_get(http, base, &token, QUEUE).await?;
    for p in &board {
        timed_get(http, base, &token, p).await?;
    }
    let mut queue = vec![];
    let mut queue_bytes = 0;
    let mut per: Vec<Vec<Duration>> = vec![vec![]; board.len()];
    let mut dash = vec![];
    for _ in 0..runs {
        let (d, n) = timed_get(http, base, &token, QUEUE).await?;
        queue.push(d);
        queue_bytes = n;
        let (screen, each) = timed_dashboard(http, base, &token, &board).await?;
        dash.push(screen);
        for (p, t) in per.iter_mut().zip(each) {
            p.push(t);
        }
    }
    println!("{user} ({runs} runs):");
    let mut figures = vec![];
    let mut figure = |what: String, times: Vec<Duration>, extra: &str| {
        let max = times.iter().max().copied().unwrap_or_default();
        let med = median(times);
        line(&what, med, max, extra);
        figures.push(Figure {
            user: user.to_owned(),
            what: what.trim().to_owned(),
            median: med,
            max,
        });
    };
    figure(
        "queue, first page (GET /api/v1/cases)".into(),
        queue,
        &format!("  ({queue_bytes} bytes)"),
    );
    for (p, times) in board.iter().zip(per) {
        figure(format!("  {p}"), times, "");
    }
    figure("dashboard: both requests at once".into(), dash, "");
    Ok(figures)
}

/// The page itself in Chromium, through the e2e package's playwright-core, if it is there.
fn page_load(base: &str, console_dir: &Path, runs: usize) -> String {
    let script = Path::new("tests/e2e-console/page_load.mjs");
    let pw = Path::new("tests/e2e-console/node_modules/playwright-core");
    if !console_dir.join("index.html").is_file() {
        return format!(
            "skipped: no console built in {} (npm run build:console in ui/)",
            console_dir.display()
        );
    }
    if !script.is_file() || !pw.is_dir() || !Path::new("/usr/bin/chromium").exists() {
        return "skipped: needs tests/e2e-console with its packages (npm ci) and /usr/bin/chromium"
            .into();
    }
    let out = Command::new("node")
        .arg(script)
        .args(["--base", base, "--user", "township-01", "--runs"])
        .arg(runs.min(10).to_string())
        .stderr(Stdio::inherit())
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        Ok(o) => format!(
            "failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stdout).trim()
        ),
        Err(e) => format!("skipped: node did not start: {e}"),
    }
}

/// Starts `demo` over `data_dir` (and `database`, if given) and waits until it answers. Until
/// then the server's own lines (the seeding's progress) are echoed, indented; all of them go to
/// `log` too.
async fn start_demo(
    a: &Args,
    http: &reqwest::Client,
    data_dir: &Path,
    database: Option<&str>,
    log: &Path,
) -> anyhow::Result<(Server, String)> {
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let log_file = std::fs::File::create(log)?;
    let started = Instant::now();
    let mut cmd = Command::new(&a.server);
    cmd.args(["demo", "--data-dir"]).arg(data_dir);
    if let Some(url) = database {
        cmd.args(["--database", url]);
    }
    let mut child = cmd
        .args(["--listen", &format!("127.0.0.1:{port}"), "--console-dir"])
        .arg(&a.console_dir)
        .env("RUST_LOG", "warn")
        // The bench names the ledger itself: not one from the environment.
        .env_remove("YIWANG_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(log_file.try_clone()?)
        .spawn()
        .with_context(|| format!("starting {}", a.server.display()))?;
    let echo = Arc::new(AtomicBool::new(true));
    if let Some(out) = child.stdout.take() {
        let (echo, mut log_file) = (echo.clone(), log_file);
        std::thread::spawn(move || {
            for l in std::io::BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                let _ = writeln!(log_file, "{l}");
                if echo.load(Ordering::Relaxed) {
                    println!("    | {l}");
                    // The logins and addresses after it are in the log.
                    if l.starts_with("Yiwang demo ready") {
                        echo.store(false, Ordering::Relaxed);
                    }
                }
            }
        });
    }
    let mut server = Server(child);
    loop {
        if let Some(status) = server.0.try_wait()? {
            // Let the echo thread write the last lines.
            std::thread::sleep(Duration::from_millis(200));
            bail!(
                "the server exited ({status}) before it answered; its log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        if started.elapsed() > START_LIMIT {
            bail!(
                "the server did not answer /healthz within {} minutes",
                START_LIMIT.as_secs() / 60
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    echo.store(false, Ordering::Relaxed);
    println!(
        "console_load: demo county served by {} in {:.1} s (data in {}); target {} ms per screen",
        a.server.display(),
        started.elapsed().as_secs_f64(),
        data_dir.display(),
        TARGET.as_millis()
    );
    Ok((server, base))
}

/// One whole measurement on one ledger: the server started, both users timed, the page loaded.
async fn run_pass(
    a: &Args,
    label: &str,
    data_dir: &Path,
    database: Option<&str>,
    log: &Path,
) -> anyhow::Result<Vec<Figure>> {
    println!(
        "== {label}: ledger {}",
        database.map_or_else(
            || format!("sqlite:{}", data_dir.join("ledger.sqlite").display()),
            redact
        )
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;
    let (server, base) = start_demo(a, &http, data_dir, database, log).await?;
    let center = login(&http, &base, "center", PASSWORD).await?;
    let (_, n) = timed_get(&http, &base, &center, "/api/v1/cases?page_size=1").await?;
    let list: serde_json::Value = http
        .get(format!("{base}/api/v1/cases?page_size=1"))
        .bearer_auth(&center)
        .send()
        .await?
        .json()
        .await?;
    println!(
        "  the county holds {} cases ({n} bytes for one row)",
        list["total"]
    );
    let mut figures = vec![];
    for (user, unit_dimension) in [("center", "township"), ("township-01", "community")] {
        figures.extend(measure(&http, &base, user, unit_dimension, a.runs).await?);
    }
    println!(
        "page load in Chromium (township-01, navigation to the queue drawn): {}",
        page_load(&base, &a.console_dir, a.runs)
    );
    drop(server);
    Ok(figures)
}

/// The medians of two passes side by side, with the ratio second / first.
fn compare(first: (&str, &[Figure]), second: (&str, &[Figure]), runs: usize) {
    println!(
        "medians of {runs} runs, {} beside {} (ratio {} / {}; the target is {} ms):",
        first.0,
        second.0,
        second.0,
        first.0,
        TARGET.as_millis()
    );
    println!(
        "  {:<12} {:<46} {:>13} {:>13} {:>7}",
        "user",
        "request",
        format!("{} ms", first.0),
        format!("{} ms", second.0),
        "ratio"
    );
    for (f, g) in first.1.iter().zip(second.1) {
        println!(
            "  {:<12} {:<46} {:>13.1} {:>13.1} {:>6.2}×",
            f.user,
            f.what,
            f.median.as_secs_f64() * 1e3,
            g.median.as_secs_f64() * 1e3,
            g.median.as_secs_f64() / f.median.as_secs_f64().max(1e-9)
        );
    }
    let slowest = second.1.iter().max_by_key(|g| g.median);
    if let Some(g) = slowest.filter(|g| g.median > TARGET) {
        println!(
            "  slowest on {}: {} {} — median {:.1} ms, max {:.1} ms (over the 1 s target)",
            second.0,
            g.user,
            g.what,
            g.median.as_secs_f64() * 1e3,
            g.max.as_secs_f64() * 1e3
        );
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    if !a.server.is_file() {
        bail!(
            "{} is not there: cargo build --release -p yiwang-server",
            a.server.display()
        );
    }
    let tmp = tempfile::tempdir()?;
    let data_dir = a
        .data_dir
        .clone()
        .unwrap_or_else(|| tmp.path().join("data"));
    let first_label = match &a.database {
        Some(url) if is_postgres(url) => "PostgreSQL",
        _ => "SQLite",
    };
    let first = run_pass(
        &a,
        first_label,
        &data_dir,
        a.database.as_deref(),
        &tmp.path().join("server.log"),
    )
    .await?;
    let Some(server) = a.postgres.clone() else {
        println!(
            "PostgreSQL: skipped (no server given): run with --postgres \
             postgres://USER@HOST:PORT/postgres or set {POSTGRES_ENV}; `make bench` starts one"
        );
        return Ok(());
    };
    let db = PgDatabase::create(&server, "console")?;
    println!(
        "PostgreSQL: a fresh database {} for the second pass; the demo seeds it first \
         (the county's ~11,000 cases in one transaction: this takes a while)",
        redact(&db.url)
    );
    let second = run_pass(
        &a,
        "PostgreSQL",
        &tmp.path().join("data-pg"),
        Some(&db.url),
        &tmp.path().join("server-pg.log"),
    )
    .await?;
    drop(db);
    compare((first_label, &first), ("PostgreSQL", &second), a.runs);
    Ok(())
}
