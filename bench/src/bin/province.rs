//! Province benchmark (issue 16, item 2): the console and a device's first pull on a ledger of
//! 100 counties under one city on PostgreSQL — about 1.1 million cases, 8 million events and
//! 210,000 users.
//!
//! The province is built once and cached outside the clone (default
//! `/var/tmp/yiwang-bench-province`, or `--cache DIR`), after checking the free disk:
//! 1. `yiwang-server demo --counties N` seeds it into SQLite (`seed/`, the generator of the
//!    reference county, a transaction per county; about 12 s a county on this machine);
//! 2. a PostgreSQL cluster of the bench's own is made in `pg/` and `yiwang-server migrate-to`
//!    copies the ledger into its database `yiwang` (resumable; the load runs with fsync off,
//!    since a cut-short build is rebuilt, and the cluster is shut down cleanly after it);
//! 3. `VACUUM ANALYZE`, then the SQLite copy is deleted and `complete` written.
//!
//! Seeding straight into PostgreSQL works too (`demo --database postgres://…`) but took 112 s a
//! county, over three hours for a province; SQLite and the copy take about half an hour.
//!
//! Each run starts the cached cluster (durable settings: fsync on) and `yiwang-server demo` on
//! it (it serves a ledger that holds counties as it is; the demo passwords work only in demo
//! mode), signs in as the city's leader, a county centre, one of its townships and one of its grid
//! workers (password `demo`), and times, as medians of `--runs` (and the slowest run):
//! - the queue's first page as the console opens it (`GET /api/v1/cases`, the open states, 50 a
//!   page) for the city, the county centre and the township;
//! - the dashboard as the screen loads it (the figures with their three breakdowns in one
//!   request, and patrol coverage, at once) for the county centre and the city (coverage as
//!   totals by county, `rows=false`). Coverage is asked for the last whole day of the seeded
//!   history, a day with its patrols (336,000 in a province), where the screen asks for today's:
//!   a province seeded days ago has no patrols today;
//! - the grid worker's first full pull with the app's own sync client (`yiwang-client`), from
//!   nothing to the end, 500 records a page, on a fresh sign-in each run.
//!
//! Every figure is printed beside its target as a ratio (below 1.0 meets it). A first request
//! of each kind warms the server (its org tree cache) and is not counted.
//!
//! Run: `make province-bench`, or `cargo run --release -p yiwang-bench --bin province --
//! [--server PATH] [--cache DIR] [--counties N] [--runs N] [--county K]`

use anyhow::{bail, ensure, Context as _};
use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use yiwang_bench::console::{
    dashboard, free_port, login, median, timed_dashboard, timed_get, Server,
};
use yiwang_client::sync::SyncClient;

const PASSWORD: &str = "demo";
/// The disk a county takes while the province is built: its SQLite ledger (0.26 GB) and its
/// PostgreSQL copy (0.29 GB) exist side by side until the copy is done.
const BYTES_PER_COUNTY: u64 = 600 * 1024 * 1024;
/// The disk a county takes in PostgreSQL (measured: 285 MB for the reference county).
const PG_BYTES_PER_COUNTY: u64 = 320 * 1024 * 1024;
/// Room left over for the WAL and everything else on the disk.
const MARGIN: u64 = 4 * 1024 * 1024 * 1024;
/// The queue as the console opens it (`OPEN_QUEUE_ROUTE`, `DEFAULT_PAGE_SIZE`).
const QUEUE: &str = "/api/v1/cases?state=pending,claimed,dispatched,in_progress,handled,verifying\
                     &page=1&page_size=50";
const DATABASE: &str = "yiwang";
/// How long the server may take to start on the cached ledger (a new migration on 1.1 M cases
/// runs at that start).
const START_LIMIT: Duration = Duration::from_secs(60 * 60);

struct Args {
    server: PathBuf,
    cache: PathBuf,
    counties: u16,
    runs: usize,
    /// The county whose centre, township and worker are measured (1-based).
    county: u16,
}

fn args() -> anyhow::Result<Args> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let mut a = Args {
        server: PathBuf::from(target).join("release/yiwang-server"),
        cache: std::env::var_os("YIWANG_BENCH_PROVINCE").map_or_else(
            || PathBuf::from("/var/tmp/yiwang-bench-province"),
            PathBuf::from,
        ),
        counties: 100,
        runs: 5,
        county: 50,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => a.server = value()?.into(),
            "--cache" => a.cache = value()?.into(),
            "--counties" => a.counties = value()?.parse()?,
            "--runs" => a.runs = value()?.parse()?,
            "--county" => a.county = value()?.parse()?,
            other => bail!(
                "unknown argument {other}; usage: province [--server PATH] [--cache DIR] \
                 [--counties N] [--runs N] [--county K]"
            ),
        }
    }
    ensure!(a.runs > 0, "--runs must be at least 1");
    ensure!(
        (1..=100).contains(&a.counties),
        "--counties is between 1 and 100"
    );
    ensure!(
        (1..=a.counties).contains(&a.county),
        "--county is one of the {} counties",
        a.counties
    );
    ensure!(
        a.server.is_file(),
        "{} is missing: cargo build --release -p yiwang-server",
        a.server.display()
    );
    Ok(a)
}

/// The newest PostgreSQL's programs (Debian's layout).
fn pg_bin() -> anyhow::Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (/usr/lib/postgresql): apt-get install postgresql")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("pg_ctl").is_file())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found
        .pop()
        .context("no pg_ctl under /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// A PostgreSQL program, run as `postgres` when we are root (initdb refuses root).
fn pg_cmd(bin: &Path, program: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(program));
        c
    } else {
        Command::new(bin.join(program))
    }
}

fn run(mut c: Command, what: &str) -> anyhow::Result<()> {
    let out = c
        .output()
        .with_context(|| format!("{what}: did not start"))?;
    if !out.status.success() {
        bail!(
            "{what}: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Bytes free on the file system holding `dir`.
fn free_bytes(dir: &Path) -> anyhow::Result<u64> {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .context("df")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .context("df printed no free space")
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0 * 1024.0)
}

/// The bench's cluster, running; stopped (cleanly: `-m fast`) when dropped.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

impl Cluster {
    /// Starts the cluster in `dir/data` (made first if missing) on a free port. `loading`
    /// turns fsync off, for the build only.
    fn start(bin: &Path, dir: &Path, loading: bool) -> anyhow::Result<Cluster> {
        let data = dir.join("data");
        std::fs::create_dir_all(dir)?;
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.args(["postgres"]).arg(dir);
                    c
                },
                "chown the cluster folder",
            )?;
        }
        if !data.join("PG_VERSION").is_file() {
            let mut c = pg_cmd(bin, "initdb");
            c.arg("-D").arg(&data).args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--locale=C",
                "-E",
                "UTF8",
            ]);
            run(c, "initdb")?;
        }
        let port = free_port()?;
        // Sized for a machine of this class (24 GB): a province's working set in memory.
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 \
             -c shared_buffers=2GB -c effective_cache_size=12GB -c work_mem=32MB \
             -c maintenance_work_mem=1GB -c max_wal_size=2GB",
            dir.display()
        );
        if loading {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let mut c = pg_cmd(bin, "pg_ctl");
        c.arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "600", "-o", &options, "start"]);
        run(c, "pg_ctl start")?;
        Ok(Cluster {
            bin: bin.to_owned(),
            data,
            port,
        })
    }

    fn server_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{DATABASE}", self.port)
    }

    fn psql(&self, url: &str, sql: &str) -> anyhow::Result<String> {
        yiwang_bench::pg::psql(url, sql)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut c = pg_cmd(&self.bin, "pg_ctl");
        c.arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "-t", "600", "stop"]);
        if let Err(e) = run(c, "pg_ctl stop") {
            eprintln!("province: stopping the bench's PostgreSQL: {e:#}");
        }
    }
}

/// Runs `yiwang-server` with `args`, echoing its lines indented, until it answers `/healthz`
/// (`Some(port)`) or exits; returns the server, still running.
fn start_server(
    a: &Args,
    args: &[&str],
    port: u16,
    log: &Path,
    patience: Duration,
) -> anyhow::Result<Server> {
    let log_file = std::fs::File::create(log)?;
    let mut child = Command::new(&a.server)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(log_file.try_clone()?)
        .spawn()
        .with_context(|| format!("starting {}", a.server.display()))?;
    if let Some(out) = child.stdout.take() {
        let mut log_file = log_file;
        std::thread::spawn(move || {
            let mut echo = true;
            for l in std::io::BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                let _ = writeln!(log_file, "{l}");
                if echo {
                    println!("    | {l}");
                    echo = !l.starts_with("Yiwang demo ready") && !l.contains("listening on");
                }
            }
        });
    }
    let mut server = Server(child);
    let started = Instant::now();
    loop {
        if let Some(status) = server.0.try_wait()? {
            std::thread::sleep(Duration::from_millis(200));
            bail!(
                "yiwang-server exited ({status}) before it answered; its log {}:\n{}",
                log.display(),
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if yiwang_bench::demo_server::healthy(port) {
            return Ok(server);
        }
        if started.elapsed() > patience {
            bail!("yiwang-server did not answer /healthz within {patience:?}");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Builds the cached province (see the module docs); resumes where a cut-short build stopped
/// when it can: a finished seeding is kept (`seeded`), and `migrate-to` resumes by itself.
fn build(a: &Args, pg: &Path) -> anyhow::Result<()> {
    let cache = &a.cache;
    std::fs::create_dir_all(cache)?;
    let seed = cache.join("seed");
    let seeded = cache.join("seeded");
    let started = Instant::now();
    if !seeded.is_file() {
        let need = u64::from(a.counties) * BYTES_PER_COUNTY + MARGIN;
        let free = free_bytes(cache)?;
        if free < need {
            bail!(
                "building a province of {} counties needs {:.1} GiB free at {} (its SQLite \
                 ledger and PostgreSQL copy side by side, and room for the WAL); {:.1} GiB are \
                 free. Free some, or point --cache elsewhere.",
                a.counties,
                gib(need),
                cache.display(),
                gib(free)
            );
        }
        println!(
            "province: seeding {} counties into SQLite at {} ({:.1} GiB free, {:.1} GiB needed)",
            a.counties,
            seed.display(),
            gib(free),
            gib(need)
        );
        // An interrupted seeding cannot be resumed (demo refuses such a ledger): start over.
        if seed.exists() {
            std::fs::remove_dir_all(&seed)?;
        }
        std::fs::create_dir_all(&seed)?;
        let port = free_port()?;
        let counties = a.counties.to_string();
        let listen = format!("127.0.0.1:{port}");
        let data = seed.display().to_string();
        let no_console = seed.join("no-console").display().to_string();
        let server = start_server(
            a,
            &[
                "--data-dir",
                &data,
                "demo",
                "--counties",
                &counties,
                "--listen",
                &listen,
                "--console-dir",
                &no_console,
            ],
            port,
            &cache.join("seed.log"),
            Duration::from_secs(6 * 60 * 60),
        )?;
        let mut server = server;
        server.terminate()?;
        std::fs::write(&seeded, format!("{} counties\n", a.counties))?;
        println!(
            "province: seeded in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    } else {
        println!(
            "province: the SQLite seeding at {} is complete; copying it",
            seed.display()
        );
    }

    // The copy needs room for the PostgreSQL database beside the SQLite ledger.
    let need = u64::from(a.counties) * PG_BYTES_PER_COUNTY + MARGIN;
    let free = free_bytes(cache)?;
    if free < need && !cache.join("pg").exists() {
        bail!(
            "copying {} counties into PostgreSQL needs {:.1} GiB free at {}; {:.1} GiB are free",
            a.counties,
            gib(need),
            cache.display(),
            gib(free)
        );
    }
    let copy_started = Instant::now();
    {
        let cluster = Cluster::start(pg, &cache.join("pg"), true)?;
        let exists = cluster.psql(
            &cluster.server_url(),
            &format!("SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"),
        )?;
        if exists.is_empty() {
            cluster.psql(
                &cluster.server_url(),
                &format!(
                    "CREATE DATABASE {DATABASE} TEMPLATE template0 ENCODING 'UTF8' \
                     LC_COLLATE 'C' LC_CTYPE 'C'"
                ),
            )?;
        }
        println!("province: copying into PostgreSQL (migrate-to)…");
        let mut c = Command::new(&a.server);
        c.arg("--data-dir")
            .arg(&seed)
            .args(["migrate-to", &cluster.url()])
            .env_remove("YIWANG_DATABASE_URL")
            .env_remove("RUST_BACKTRACE")
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        let status = c.status().context("yiwang-server migrate-to")?;
        ensure!(status.success(), "migrate-to failed: {status}");
        println!("province: VACUUM ANALYZE…");
        cluster.psql(&cluster.url(), "VACUUM ANALYZE")?;
        let size = cluster.psql(
            &cluster.url(),
            &format!("SELECT pg_size_pretty(pg_database_size('{DATABASE}'))"),
        )?;
        println!(
            "province: copied in {:.0} s; the database holds {size}",
            copy_started.elapsed().as_secs_f64()
        );
    }
    std::fs::remove_dir_all(&seed)?;
    std::fs::write(
        cache.join("complete"),
        format!(
            "{} counties, built in {:.0} s (this run)\n",
            a.counties,
            started.elapsed().as_secs_f64()
        ),
    )?;
    Ok(())
}

/// One measured figure.
struct Figure {
    what: String,
    median: Duration,
    max: Duration,
    target: Duration,
    note: String,
}

fn figure(what: impl Into<String>, times: Vec<Duration>, target: Duration, note: String) -> Figure {
    let max = times.iter().max().copied().unwrap_or_default();
    Figure {
        what: what.into(),
        median: median(times),
        max,
        target,
        note,
    }
}

fn print(f: &Figure) {
    println!(
        "  {:<52} median {:>8.1} ms  max {:>8.1} ms  target {:>5} ms  ratio {:>5.2}{}",
        f.what,
        f.median.as_secs_f64() * 1e3,
        f.max.as_secs_f64() * 1e3,
        f.target.as_millis(),
        f.median.as_secs_f64() / f.target.as_secs_f64(),
        f.note
    );
}

async fn queue(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    who: &str,
    runs: usize,
) -> anyhow::Result<Figure> {
    let token = login(http, base, user, PASSWORD).await?;
    timed_get(http, base, &token, QUEUE).await?;
    let mut times = vec![];
    let mut bytes = 0;
    for _ in 0..runs {
        let (t, n) = timed_get(http, base, &token, QUEUE).await?;
        times.push(t);
        bytes = n;
    }
    Ok(figure(
        format!("queue, first page: {who} ({user})"),
        times,
        Duration::from_millis(300),
        format!("  {bytes} bytes"),
    ))
}

#[allow(clippy::too_many_arguments)]
async fn board(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    who: &str,
    unit_dimension: &str,
    coverage: &str,
    target: Duration,
    runs: usize,
) -> anyhow::Result<Figure> {
    let token = login(http, base, user, PASSWORD).await?;
    let requests = dashboard(unit_dimension, coverage);
    timed_dashboard(http, base, &token, &requests).await?;
    let mut times = vec![];
    let mut slowest = [Duration::ZERO; 2];
    for _ in 0..runs {
        let (screen, each) = timed_dashboard(http, base, &token, &requests).await?;
        times.push(screen);
        for (s, t) in slowest.iter_mut().zip(each) {
            *s = (*s).max(t);
        }
    }
    Ok(figure(
        format!("dashboard: {who} ({user})"),
        times,
        target,
        format!(
            "  (slowest: figures by {unit_dimension}, department and category class {:.0} ms, \
             coverage {:.0} ms)",
            slowest[0].as_secs_f64() * 1e3,
            slowest[1].as_secs_f64() * 1e3,
        ),
    ))
}

/// The last whole Beijing-time day before the province was seeded (meta `demo_seeded_at`).
fn seeded_day(cluster: &Cluster) -> anyhow::Result<chrono::NaiveDate> {
    let at = cluster.psql(
        &cluster.url(),
        "SELECT value FROM meta WHERE key = 'demo_seeded_at'",
    )?;
    let at = chrono::DateTime::parse_from_rfc3339(at.trim())
        .with_context(|| format!("meta demo_seeded_at {at:?}"))?;
    let local = at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"));
    local
        .date_naive()
        .pred_opt()
        .context("the day before the seeding")
}

/// A grid worker's first full pull with the app's sync client, on a fresh sign-in each run.
async fn first_pull(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    runs: usize,
) -> anyhow::Result<Figure> {
    let mut times = vec![];
    let mut records = 0;
    let mut pages = 0;
    let mut units = 0;
    for run in 0..=runs {
        let token = login(http, base, user, PASSWORD).await?;
        let client = SyncClient::new(base, Some(token))?;
        let t = Instant::now();
        let (mut cursor, mut n, mut p, mut u) = (None::<String>, 0, 0, 0);
        loop {
            let page = client.pull(cursor.as_deref(), 500).await?;
            n += page.changes.len();
            u += page
                .changes
                .iter()
                .filter(|c| c.entity == yiwang_core::sync::Entity::OrgUnit)
                .count();
            p += 1;
            cursor = Some(page.cursor);
            if !page.has_more {
                break;
            }
        }
        // The first run warms the server and is not counted.
        if run > 0 {
            times.push(t.elapsed());
        }
        (records, pages, units) = (n, p, u);
    }
    Ok(figure(
        format!("grid worker's first full pull ({user})"),
        times,
        Duration::from_secs(2),
        format!("  {records} records ({units} org units) in {pages} pages"),
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let pg = pg_bin()?;
    if !a.cache.join("complete").is_file() {
        build(&a, &pg)?;
    }
    let built = std::fs::read_to_string(a.cache.join("complete"))?;
    println!(
        "province: the cached province at {}: {}",
        a.cache.display(),
        built.trim()
    );
    ensure!(
        built.starts_with(&format!("{} counties", a.counties)),
        "the cache holds another province ({}); delete {} to build {} counties",
        built.trim(),
        a.cache.display(),
        a.counties
    );

    let cluster = Cluster::start(&pg, &a.cache.join("pg"), false)?;
    let size = cluster.psql(
        &cluster.url(),
        &format!("SELECT pg_size_pretty(pg_database_size('{DATABASE}'))"),
    )?;
    let counts = cluster.psql(
        &cluster.url(),
        "SELECT (SELECT count(*) FROM cases) || ' cases, ' || (SELECT count(*) FROM users) \
         || ' users, ' || (SELECT count(*) FROM org_units) || ' org units, ' \
         || (SELECT count(*) FROM grids) || ' grids'",
    )?;
    println!("province: PostgreSQL {size}: {counts}");

    let serve_dir = a.cache.join("serve");
    std::fs::create_dir_all(&serve_dir)?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let url = cluster.url();
    let listen = format!("127.0.0.1:{port}");
    let data = serve_dir.display().to_string();
    let no_console = serve_dir.join("no-console").display().to_string();
    let started = Instant::now();
    let server = start_server(
        &a,
        &[
            "--database",
            &url,
            "--data-dir",
            &data,
            "demo",
            "--listen",
            &listen,
            "--console-dir",
            &no_console,
        ],
        port,
        &a.cache.join("serve.log"),
        START_LIMIT,
    )?;
    println!(
        "province: yiwang-server demo answered after {:.1} s; {} runs each",
        started.elapsed().as_secs_f64(),
        a.runs
    );

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let k = format!("c{:03}", a.county);
    let (center, township, worker) = (
        format!("{k}-center"),
        format!("{k}-township-01"),
        format!("{k}-worker-0001"),
    );
    let day = seeded_day(&cluster)?;
    println!("province: coverage asked for {day}, the last whole day of the seeded history");
    let mut figures = vec![
        queue(&http, &base, "leader", "the city (all counties)", a.runs).await?,
        queue(&http, &base, &center, "a county centre", a.runs).await?,
        queue(&http, &base, &township, "a township", a.runs).await?,
    ];
    figures.push(
        board(
            &http,
            &base,
            &center,
            "a county",
            "township",
            &format!("/api/v1/coverage?date={day}"),
            Duration::from_millis(500),
            a.runs,
        )
        .await?,
    );
    figures.push(
        board(
            &http,
            &base,
            "leader",
            "the province",
            "county",
            &format!("/api/v1/coverage?date={day}&rows=false"),
            Duration::from_secs(2),
            a.runs,
        )
        .await?,
    );
    figures.push(first_pull(&http, &base, &worker, a.runs).await?);
    drop(server);
    drop(cluster);

    println!(
        "province: {} counties on PostgreSQL, {} runs each (median, slowest, target, median / \
         target):",
        a.counties, a.runs
    );
    let mut missed = 0;
    for f in &figures {
        print(f);
        missed += usize::from(f.median > f.target);
    }
    println!(
        "province: {} of {} figures within their targets",
        figures.len() - missed,
        figures.len()
    );
    Ok(())
}
