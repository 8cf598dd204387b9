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
//! Run: `make console-bench`, or `cargo run --release -p yiwang-bench --bin console_load --
//! [--server PATH] [--data-dir DIR] [--runs N] [--console-dir DIR]`

use anyhow::{bail, Context as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TARGET: Duration = Duration::from_secs(1);
const PASSWORD: &str = "demo";

struct Args {
    server: PathBuf,
    data_dir: Option<PathBuf>,
    runs: usize,
    console_dir: PathBuf,
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
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => a.server = value()?.into(),
            "--data-dir" => a.data_dir = Some(value()?.into()),
            "--runs" => a.runs = value()?.parse().context("--runs is a whole number")?,
            "--console-dir" => a.console_dir = value()?.into(),
            other => bail!(
                "unknown argument {other}; use --server PATH --data-dir DIR --runs N --console-dir DIR"
            ),
        }
    }
    if a.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(a)
}

/// The server process; killed when dropped, whatever happened.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn login(http: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<String> {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({
            "username": user, "password": PASSWORD,
            "device_id": format!("bench-{user}"), "device_name": "console_load"
        }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("signing in {user}: HTTP {}", r.status());
    }
    let body: serde_json::Value = r.json().await?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .context("the login answer has a token")
}

/// One GET, timed until the whole body has arrived; fails on anything but 200.
async fn timed_get(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
) -> anyhow::Result<(Duration, usize)> {
    let t = Instant::now();
    let r = http
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await?;
    let status = r.status();
    let body = r.bytes().await?;
    let took = t.elapsed();
    if !status.is_success() {
        bail!(
            "GET {path}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok((took, body.len()))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn line(what: &str, med: Duration, max: Duration, extra: &str) {
    println!(
        "  {what:<44} median {:>8.1} ms  max {:>8.1} ms  {:>6.3} of the 1 s target{extra}",
        med.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        med.as_secs_f64() / TARGET.as_secs_f64()
    );
}

/// The dashboard's requests (ui/src/console/screens/DashboardScreen.vue): the first alone, for
/// the figures and the unit breakdown, then the other three at once.
fn dashboard(unit_dimension: &str) -> [String; 4] {
    [
        format!("/api/v1/stats?dimension={unit_dimension}"),
        "/api/v1/stats?dimension=department".into(),
        "/api/v1/stats?dimension=category_class".into(),
        "/api/v1/coverage".into(),
    ]
}
const QUEUE: &str = "/api/v1/cases?page=1&page_size=50";

async fn measure(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    unit_dimension: &str,
    runs: usize,
) -> anyhow::Result<()> {
    let token = login(http, base, user).await?;
    let board = dashboard(unit_dimension);
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
        let t = Instant::now();
        let (first, _) = timed_get(http, base, &token, &board[0]).await?;
        let (a, b, c) = tokio::join!(
            timed_get(http, base, &token, &board[1]),
            timed_get(http, base, &token, &board[2]),
            timed_get(http, base, &token, &board[3]),
        );
        dash.push(t.elapsed());
        per[0].push(first);
        for (i, r) in [a, b, c].into_iter().enumerate() {
            per[i + 1].push(r?.0);
        }
    }
    println!("{user} ({runs} runs):");
    let qmax = queue.iter().max().copied().unwrap_or_default();
    line(
        "queue, first page (GET /api/v1/cases)",
        median(queue),
        qmax,
        &format!("  ({queue_bytes} bytes)"),
    );
    for (p, times) in board.iter().zip(per) {
        let max = times.iter().max().copied().unwrap_or_default();
        line(&format!("  {p}"), median(times), max, "");
    }
    let dmax = dash.iter().max().copied().unwrap_or_default();
    line(
        "dashboard: the first request, then 3 at once",
        median(dash),
        dmax,
        "",
    );
    Ok(())
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
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(tmp.path().join("server.log"))?;
    let started = Instant::now();
    let child = Command::new(&a.server)
        .args(["demo", "--data-dir"])
        .arg(&data_dir)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--console-dir"])
        .arg(&a.console_dir)
        .env("RUST_LOG", "warn")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", a.server.display()))?;
    let mut server = Server(child);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;
    loop {
        if let Some(status) = server.0.try_wait()? {
            bail!(
                "the server exited ({status}) before it answered; its log:\n{}",
                std::fs::read_to_string(tmp.path().join("server.log")).unwrap_or_default()
            );
        }
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("the server did not answer /healthz within 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "console_load: demo county served by {} in {:.1} s (data in {}); target {} ms per screen",
        a.server.display(),
        started.elapsed().as_secs_f64(),
        data_dir.display(),
        TARGET.as_millis()
    );
    let center = login(&http, &base, "center").await?;
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
    for (user, unit_dimension) in [("center", "township"), ("township-01", "community")] {
        measure(&http, &base, user, unit_dimension, a.runs).await?;
    }
    println!(
        "page load in Chromium (township-01, navigation to the queue drawn): {}",
        page_load(&base, &a.console_dir, a.runs)
    );
    drop(server);
    Ok(())
}
