//! Load (issue 16, item 1): a county's devices syncing at once through the real client code.
//!
//! N devices, at most K in flight, each through `yiwang_client::sync::SyncClient` — the code the
//! app's agent syncs with, not HTTP stubs:
//!
//! 1. pushes 20 ops (a patrol's start, track and end, and 17 findings, one of them reported as a
//!    case with its photo);
//! 2. uploads that photo, a distinct 200 KB JPEG, over tus (`upload_photo`: creation, then
//!    PATCHes of the client's chunk size);
//! 3. pulls from the start until the server says there is no more.
//!
//! Devices sign in without their passwords: their tokens are written straight into the ledger
//! before the server starts (`storage::AuthTx::insert_token`, as a sign-in does), so password
//! hashing is not what is measured. Device `i` belongs to grid worker `i mod W` (W = the
//! county's 1,798 grid workers): beyond 1,798 devices, workers carry several devices.
//!
//! It starts the release `yiwang-server demo` (the first start seeds the reference county, the
//! second serves it from a fresh process, so its peak RSS is the load's alone) and prints the
//! throughput, p50/p95/p99 per request kind, failed devices and the server's peak RSS, beside
//! the targets for one county on SQLite: p99 < 500 ms per request, RSS < 200 MB.
//! A request that fails with a retryable error (busy, network) is tried again after a pause,
//! as the agent does, up to 8 times; a device that still fails is counted failed.
//!
//! `--cluster --postgres URL` runs a province's shape instead: the reference county seeded into
//! PostgreSQL (`yiwang-server demo --database URL`, once), photos in an S3 wire server (s3s-fs,
//! `make s3s-fs`), three `yiwang-server serve` processes and HAProxy in front of them (round
//! robin, `make haproxy`), every device through HAProxy. Its targets: 0 failed devices, and
//! 20,000 devices (`--devices 20000`) in under 30 minutes; it prints each process's peak RSS.
//!
//! Run: `make bench`, or
//!   cargo build --release -p yiwang-server -p yiwang-bench --bin yiwang-server --bin load
//!   $CARGO_TARGET_DIR/release/load [--devices N] [--in-flight K]
//!   $CARGO_TARGET_DIR/release/load --cluster --postgres URL --devices 20000

use anyhow::{bail, Context};
use chrono::Utc;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yiwang_bench::demo_server::{beside, start, stop};
use yiwang_client::sync::{SyncClient, SyncError};
use yiwang_core::category::CategoryTree;
use yiwang_core::field::{Disposition, FindingDraft, TrackPoint};
use yiwang_core::ids::{CategoryCode, DeviceId, GridId, OpId, PhotoHash, UserId};
use yiwang_core::org::Role;
use yiwang_core::sync::{
    ClientKind, Op, OpStatus, OpType, PatrolEndData, PatrolStartData, PatrolTrackData,
};
use yiwang_server::auth::token_hash;
use yiwang_server::storage::auth::NewToken;
use yiwang_server::storage::Ledger;

/// The targets for one county on SQLite.
const P99_TARGET_MS: f64 = 500.0;
const RSS_TARGET_MB: f64 = 200.0;
/// The target for 20,000 devices on the cluster.
const CLUSTER_TARGET_MINUTES: f64 = 30.0;
/// Server processes behind HAProxy in `--cluster`.
const PROCESSES: usize = 3;
/// Ops each device pushes.
const OPS: usize = 20;
/// Records per pull page.
const PULL_LIMIT: u32 = 500;
/// Tries of one request that fails with a retryable error.
const TRIES: u32 = 8;

/// Request durations per kind.
#[derive(Default)]
struct Timings(Mutex<BTreeMap<&'static str, Vec<Duration>>>);

impl Timings {
    fn add(&self, kind: &'static str, d: Duration) {
        self.0
            .lock()
            .expect("timings")
            .entry(kind)
            .or_default()
            .push(d);
    }
}

/// One device of the run.
struct Device {
    id: DeviceId,
    token: String,
    user: UserId,
    grid: GridId,
}

fn main() -> anyhow::Result<()> {
    let (mut devices, mut in_flight) = (1798usize, 64usize);
    let (mut cluster, mut postgres) = (false, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || -> anyhow::Result<String> {
            args.next().with_context(|| format!("{a} takes a value"))
        };
        match a.as_str() {
            "--devices" => devices = value()?.parse().context("--devices takes a number")?,
            "--in-flight" => in_flight = value()?.parse().context("--in-flight takes a number")?,
            "--cluster" => cluster = true,
            "--postgres" => postgres = Some(value()?),
            other => bail!(
                "unknown argument {other}: --devices N --in-flight K [--cluster --postgres URL]"
            ),
        }
    }
    anyhow::ensure!(
        devices > 0 && in_flight > 0,
        "--devices and --in-flight take numbers above 0"
    );
    anyhow::ensure!(
        !cluster || postgres.is_some(),
        "--cluster needs --postgres URL (a PostgreSQL server the bench may create a database on)"
    );
    let here = std::env::current_exe()?
        .parent()
        .context("the benchmark's folder")?
        .to_path_buf();
    let server_bin = beside(&here, "yiwang-server")?;
    let dir = tempfile::tempdir()?;
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match postgres.filter(|_| cluster) {
        None => sqlite(&server_bin, dir.path(), &photos, devices, in_flight, &rt),
        Some(server) => rt.block_on(on_cluster(
            &server_bin,
            dir.path(),
            &photos,
            &server,
            devices,
            in_flight,
        )),
    }
}

/// One county on SQLite: `yiwang-server demo`, one process.
fn sqlite(
    server_bin: &Path,
    dir: &Path,
    photos: &Path,
    devices: usize,
    in_flight: usize,
    rt: &tokio::runtime::Runtime,
) -> anyhow::Result<()> {
    let data = dir.join("yiwang");
    let port = free_port()?;
    // Seed the county, then the devices' tokens straight into the ledger while no server runs.
    let seeding = start(server_bin, &data, port, Duration::from_secs(900))?;
    stop(seeding)?;
    let url = format!("sqlite:{}", data.join("ledger.sqlite").display());
    let fleet = seed_devices(&url, devices)?;
    let server = start(server_bin, &data, port, Duration::from_secs(120))?;
    let pid = server.id();
    let base = format!("http://127.0.0.1:{port}");
    println!(
        "load: {devices} devices ({} grid workers), {in_flight} in flight, {OPS} ops + one 200 KB \
         photo + a full pull each, against yiwang-server demo (SQLite) at {base}",
        workers(&fleet)
    );
    let outcome = rt.block_on(run(&base, fleet, in_flight, photos));
    let rss = yiwang_server::state::peak_rss_kib(pid);
    stop(server)?;
    let outcome = outcome?;
    let worst = report(devices, &outcome);
    let rss_mb = rss.map(|k| k as f64 / 1024.0);
    println!(
        "  server peak RSS {} MB (target < {RSS_TARGET_MB:.0} MB)",
        rss_mb.map_or("?".into(), |m| format!("{m:.0}"))
    );
    let met =
        outcome.failed == 0 && worst < P99_TARGET_MS && rss_mb.is_some_and(|m| m < RSS_TARGET_MB);
    println!(
        "  {}",
        if met {
            "targets met"
        } else {
            "targets NOT met"
        }
    );
    if outcome.failed > 0 {
        bail!("{} devices failed", outcome.failed);
    }
    Ok(())
}

/// A province's shape: PostgreSQL, S3, three processes behind HAProxy.
async fn on_cluster(
    server_bin: &Path,
    dir: &Path,
    photos: &Path,
    postgres: &str,
    devices: usize,
    in_flight: usize,
) -> anyhow::Result<()> {
    use yiwang_tests::kit::{haproxy, S3Server, ServerProcess};
    anyhow::ensure!(
        haproxy::bin().is_some(),
        "haproxy is not installed: make haproxy"
    );
    anyhow::ensure!(
        S3Server::bin().is_some(),
        "s3s-fs is not installed: make s3s-fs"
    );
    // The kit starts the binary beside this bench.
    std::env::set_var("YIWANG_SERVER_BIN", server_bin);
    let server = postgres.to_owned();
    let db =
        tokio::task::spawn_blocking(move || yiwang_bench::pg::PgDatabase::create(&server, "load"))
            .await??;
    let url = db.url.clone();
    let s3 = S3Server::start();
    let started = Instant::now();
    let mut seeding = ServerProcess::demo(&dir.join("seed"));
    seeding.args.extend(["--database".to_owned(), url.clone()]);
    seeding.env = s3.env();
    seeding.start_within(Duration::from_secs(1800)).await;
    seeding.stop().await;
    println!(
        "load: the reference county seeded into PostgreSQL in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let fleet = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || seed_devices(&url, devices)).await??
    };
    let mut servers: Vec<ServerProcess> = (0..PROCESSES)
        .map(|i| {
            let mut s = ServerProcess::new(&dir.join(format!("process-{i}")));
            s.args.extend(
                [
                    "--database",
                    url.as_str(),
                    "--trusted-proxy",
                    "127.0.0.1/32",
                    "--max-connections-per-address",
                    "8192",
                ]
                .map(str::to_owned),
            );
            s.env = s3.env();
            s
        })
        .collect();
    for s in servers.iter_mut() {
        s.start_within(Duration::from_secs(120)).await;
    }
    let port = free_port()?;
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let _proxy = haproxy::start(dir, port, &ports);
    let base = format!("http://127.0.0.1:{port}");
    println!(
        "load: {devices} devices ({} grid workers), {in_flight} in flight, {OPS} ops + one 200 KB \
         photo + a full pull each, through HAProxy at {base} to {PROCESSES} processes on \
         PostgreSQL with photos in S3",
        workers(&fleet)
    );
    let outcome = run(&base, fleet, in_flight, photos).await;
    let rss: Vec<u64> = servers.iter().map(|s| s.peak_rss_kib()).collect();
    for s in servers.iter_mut() {
        s.stop().await;
    }
    drop(db);
    let outcome = outcome?;
    report(devices, &outcome);
    println!(
        "  peak RSS per process: {} MB",
        rss.iter()
            .map(|k| format!("{:.0}", *k as f64 / 1024.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let minutes = outcome.seconds / 60.0;
    println!(
        "  {:.1} minutes (target: 20,000 devices in < {CLUSTER_TARGET_MINUTES:.0}; 0 failed)",
        minutes
    );
    if outcome.failed > 0 {
        bail!("{} devices failed", outcome.failed);
    }
    Ok(())
}

fn workers(fleet: &[Device]) -> usize {
    fleet
        .iter()
        .map(|d| &d.user)
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Prints the throughput and the latencies per request kind; the worst p99, in ms.
fn report(devices: usize, o: &Outcome) -> f64 {
    println!(
        "  {devices} devices in {:.1} s: {:.1} devices/s, {:.0} ops/s; {} failed; {} requests \
         retried",
        o.seconds,
        devices as f64 / o.seconds,
        (devices * OPS) as f64 / o.seconds,
        o.failed,
        o.retries
    );
    println!(
        "  request kind           count     p50 ms    p95 ms    p99 ms   (target p99 < \
         {P99_TARGET_MS:.0} ms)"
    );
    let mut worst = 0f64;
    let timings = o.timings.0.lock().expect("timings");
    for (kind, ds) in timings.iter() {
        let mut ds = ds.clone();
        ds.sort();
        let p = |q: f64| {
            let i = ((ds.len() as f64 * q).ceil() as usize).clamp(1, ds.len()) - 1;
            ds[i].as_secs_f64() * 1000.0
        };
        worst = worst.max(p(0.99));
        println!(
            "  {kind:<20} {:>7}  {:>9.1} {:>9.1} {:>9.1}",
            ds.len(),
            p(0.50),
            p(0.95),
            p(0.99)
        );
    }
    worst
}

/// What a run measured.
struct Outcome {
    timings: Timings,
    failed: usize,
    seconds: f64,
    retries: u64,
}

/// Writes a device token for each of `n` devices into the ledger at `url`, as a sign-in does;
/// device `i` belongs to grid worker `i mod W`.
fn seed_devices(url: &str, n: usize) -> anyhow::Result<Vec<Device>> {
    let ledger = Ledger::open(url).context("opening the ledger")?;
    let mut workers = ledger
        .read_blocking(|tx| tx.users())?
        .into_iter()
        .filter(|u| u.role == Role::GridWorker && !u.disabled && !u.grid_ids.is_empty())
        .collect::<Vec<_>>();
    workers.sort_by(|a, b| a.username.cmp(&b.username));
    if workers.is_empty() {
        bail!("the ledger has no grid workers");
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let fleet: Vec<Device> = (0..n)
        .map(|i| {
            let w = &workers[i % workers.len()];
            Device {
                id: DeviceId::new(format!("load-{i:05}")),
                token: hex::encode(rng.gen::<[u8; 32]>()),
                user: w.id.clone(),
                grid: w.grid_ids[0].clone(),
            }
        })
        .collect();
    let now = Utc::now();
    for batch in fleet.chunks(2_000) {
        let rows: Vec<(String, UserId, DeviceId)> = batch
            .iter()
            .map(|d| (token_hash(&d.token), d.user.clone(), d.id.clone()))
            .collect();
        ledger.write_blocking(move |tx| {
            for (hash, user, device) in &rows {
                tx.insert_token(
                    &NewToken {
                        token_hash: hash,
                        user,
                        device,
                        device_name: "load bench",
                        kind: ClientKind::Device,
                        expires_at: None,
                    },
                    now,
                )?;
            }
            Ok(())
        })?;
    }
    Ok(fleet)
}

/// Runs every device, `in_flight` at a time: the timings, failed devices, seconds, retries.
async fn run(
    base: &str,
    fleet: Vec<Device>,
    in_flight: usize,
    photos: &Path,
) -> anyhow::Result<Outcome> {
    let timings = Arc::new(Timings::default());
    let retries = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let category = CategoryTree::builtin()
        .leaves()
        .next()
        .map(|c| c.code.clone())
        .context("the built-in category tree has no leaf")?;
    // A noisy 800×600 JPEG of about 200 KB.
    let base_photo = Arc::new(yiwang_bench::jpeg::noisy(800, 600, 85, 30)?);
    let started = Instant::now();
    let total = fleet.len();
    let mut tasks = tokio::task::JoinSet::new();
    let mut fleet = fleet.into_iter().enumerate();
    let (mut failed, mut done) = (0, 0usize);
    // Progress as it goes, so a run stopped early still says how far it got and how fast.
    let every = (total / 20).max(100);
    loop {
        // At most `in_flight` devices at once: the next starts when one ends.
        while tasks.len() < in_flight {
            let Some((i, device)) = fleet.next() else {
                break;
            };
            let (timings, retries, category, base_photo) = (
                timings.clone(),
                retries.clone(),
                category.clone(),
                base_photo.clone(),
            );
            let (base, photo_path) = (base.to_owned(), photos.join(format!("{i:05}.jpg")));
            tasks.spawn(async move {
                let r = one_device(
                    &base,
                    &device,
                    &category,
                    &yiwang_bench::jpeg::variant(&base_photo, i),
                    &photo_path,
                    &timings,
                    &retries,
                )
                .await;
                let _ = std::fs::remove_file(&photo_path);
                r.map_err(|e| format!("device {}: {e:#}", device.id.as_str()))
            });
        }
        let Some(r) = tasks.join_next().await else {
            break;
        };
        done += 1;
        if let Err(e) = r? {
            if failed < 5 {
                eprintln!("load: {e}");
            }
            failed += 1;
        }
        if done % every == 0 && done < total {
            let s = started.elapsed().as_secs_f64();
            println!(
                "  … {done} devices done in {s:.0} s ({:.1}/s), {failed} failed",
                done as f64 / s
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let timings =
        Arc::try_unwrap(timings).map_err(|_| anyhow::anyhow!("the timings are still shared"))?;
    Ok(Outcome {
        timings,
        failed,
        seconds,
        retries: retries.load(std::sync::atomic::Ordering::Relaxed),
    })
}

/// Times `call` as `kind`, trying again after a pause while it fails with a retryable error.
async fn timed<T, F, Fut>(
    kind: &'static str,
    timings: &Timings,
    retries: &std::sync::atomic::AtomicU64,
    mut call: F,
) -> Result<T, SyncError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SyncError>>,
{
    let mut tries = 0;
    loop {
        let t = Instant::now();
        let r = call().await;
        timings.add(kind, t.elapsed());
        match r {
            Err(e) if e.is_retryable() && tries + 1 < TRIES => {
                tries += 1;
                retries.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(500 * u64::from(tries))).await;
            }
            r => return r,
        }
    }
}

async fn one_device(
    base: &str,
    device: &Device,
    category: &CategoryCode,
    photo: &[u8],
    photo_path: &Path,
    timings: &Timings,
    retries: &std::sync::atomic::AtomicU64,
) -> anyhow::Result<()> {
    let client = SyncClient::new(base, Some(device.token.clone()))?;
    std::fs::write(photo_path, photo)?;
    let sha = PhotoHash::of(photo);
    let ops = ops(device, category, &sha);
    let finding = ops
        .iter()
        .find(|o| o.op_type == OpType::FindingCreate && o.data["photos"][0].is_string())
        .map(|o| o.entity_id.clone());

    let pushed = timed("push (20 ops)", timings, retries, || {
        client.push(&device.id, &ops)
    })
    .await?;
    if let Some(bad) = pushed
        .results
        .iter()
        .find(|r| r.status == OpStatus::Rejected)
    {
        bail!("an op was rejected: {:?} {:?}", bad.code, bad.message);
    }
    timed("photo upload (tus)", timings, retries, || {
        client.upload_photo(photo_path, &sha, finding.as_deref(), |_| {})
    })
    .await?;
    let mut cursor: Option<String> = None;
    loop {
        let page = timed("pull page", timings, retries, || {
            client.pull(cursor.as_deref(), PULL_LIMIT)
        })
        .await?;
        cursor = Some(page.cursor);
        if !page.has_more {
            break;
        }
    }
    Ok(())
}

/// The device's 20 ops: a patrol (start, track, end) and 17 findings on it, the first reported
/// as a case with the photo, the rest notes.
fn ops(device: &Device, category: &CategoryCode, photo: &PhotoHash) -> Vec<Op> {
    let now = Utc::now();
    let patrol = uuid::Uuid::now_v7().to_string();
    let op = |op_type: OpType, entity_id: String, data: serde_json::Value| Op {
        op_id: OpId::new(uuid::Uuid::now_v7().to_string()),
        op_type,
        entity_id,
        at: now,
        data,
    };
    let json = |v: serde_json::Result<serde_json::Value>| v.expect("ops serialise");
    let mut out = vec![op(
        OpType::PatrolStart,
        patrol.clone(),
        json(serde_json::to_value(PatrolStartData {
            grid_id: device.grid.clone(),
            started_at: now,
        })),
    )];
    let findings = OPS - 3;
    for k in 0..findings {
        let report = k == 0;
        let draft = FindingDraft {
            grid_id: device.grid.clone(),
            patrol_id: Some(patrol.as_str().into()),
            category_code: category.clone(),
            description: if report {
                "东门井盖缺失，已设置警示，请处置".to_owned()
            } else {
                "巡查正常，已记录".to_owned()
            },
            lat: Some(40.61 + k as f64 * 1e-4),
            lon: Some(122.50 + k as f64 * 1e-4),
            accuracy_m: Some(8.0),
            mock_location: false,
            observed_at: now,
            disposition: if report {
                Disposition::Report
            } else {
                Disposition::Note
            },
            photos: if report { vec![photo.clone()] } else { vec![] },
            case_id: report.then(|| uuid::Uuid::now_v7().to_string().as_str().into()),
            urgent: false,
        };
        out.push(op(
            OpType::FindingCreate,
            uuid::Uuid::now_v7().to_string(),
            json(serde_json::to_value(draft)),
        ));
    }
    out.push(op(
        OpType::PatrolTrack,
        patrol.clone(),
        json(serde_json::to_value(PatrolTrackData {
            points: (0..10)
                .map(|k| TrackPoint {
                    t: now,
                    lat: 40.61 + f64::from(k) * 1e-4,
                    lon: 122.50,
                    accuracy_m: Some(6.0),
                    mock: false,
                })
                .collect(),
        })),
    ));
    out.push(op(
        OpType::PatrolEnd,
        patrol,
        json(serde_json::to_value(PatrolEndData { ended_at: now })),
    ));
    debug_assert_eq!(out.len(), OPS);
    out
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
