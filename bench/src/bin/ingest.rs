//! Ingest benchmark: how fast the sync server takes in findings and photos over real HTTP, next
//! to how fast this machine writes the same rows straight into SQLite.
//!
//! It starts `yiwang-server` in-process on `127.0.0.1:0` over a temporary data folder seeded with
//! the small county, then measures, in one run:
//! 1. one device (`worker-0001`) pushing N small findings (disposition `note`, so no cases) in
//!    batches of `MAX_PUSH_OPS`, one push after the other, as a device drains its outbox;
//! 2. D devices in parallel (the eight grid workers, several devices each) pushing N/D each;
//! 3. the reference: the same rows (a finding, its change-log row, its op record) inserted with
//!    rusqlite into the server's own schema, WAL, `synchronous = FULL`, one transaction;
//! 4. photo upload MB/s: P distinct ~1 MB JPEGs over tus (POST, then one PATCH with the whole
//!    file), four at a time.
//!
//! With `--postgres URL` (a PostgreSQL server's URL, e.g. `postgres://postgres@127.0.0.1:5432/
//! postgres`; default: `YIWANG_BENCH_POSTGRES`), steps 1 and 2 run a second time in the same
//! process against a server whose ledger is a fresh database on that server (created with the
//! C collation the ledger wants, dropped at the end; made and dropped with `psql`), and a table
//! prints PostgreSQL's findings/s beside SQLite's. Photos are measured on SQLite only: they are
//! stored in the data folder on either backend.
//!
//! The target is at least 50,000 findings/s on the 2-core CI machine (PouchDB replicating to
//! pouchdb-server manages about 2,000 docs/s there). Push bodies are serialised before the clock
//! starts: what is measured is the server and the wire, not the bench's JSON.
//!
//! Run: `cargo run --release -p yiwang-bench --bin ingest [--findings N] [--devices D]
//! [--photos P] [--postgres URL]`

use base64::Engine;
use chrono::Utc;
use rand::{Rng, SeedableRng};
use rusqlite::params;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use yiwang_bench::pg::PgDatabase;
use yiwang_core::category::CategoryTree;
use yiwang_core::field::{Disposition, Finding};
use yiwang_core::ids::{CategoryCode, DeviceId, FindingId, GridId, OpId, UserId};
use yiwang_core::sync::{
    FindingCreateData, LoginResponse, Op, OpStatus, OpType, PushRequest, PushResponse, MAX_PUSH_OPS,
};
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::{AppState, Settings};
use yiwang_server::storage::Ledger;

const TARGET_FINDINGS_PER_S: f64 = 50_000.0;
const PASSWORD: &str = "demo";
/// Parallel tus uploads, as the sync agent runs them.
const PHOTO_PARALLEL: usize = 4;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Res<T> = Result<T, BoxError>;

/// Where `--postgres` comes from when the flag is not given.
const POSTGRES_ENV: &str = "YIWANG_BENCH_POSTGRES";

struct Args {
    findings: usize,
    devices: usize,
    photos: usize,
    /// A PostgreSQL server's URL: the pushes run on it too, in a database of their own.
    postgres: Option<String>,
}

fn args() -> Res<Args> {
    let mut a = Args {
        findings: 100_000,
        devices: 50,
        photos: 200,
        postgres: std::env::var(POSTGRES_ENV)
            .ok()
            .filter(|u| !u.trim().is_empty()),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || -> Res<usize> { value.parse().map_err(|e| format!("{flag}: {e}").into()) };
        match flag.as_str() {
            "--findings" => a.findings = number()?,
            "--devices" => a.devices = number()?.max(1),
            "--photos" => a.photos = number()?,
            "--postgres" => a.postgres = Some(value),
            other => {
                return Err(format!(
                    "unknown flag {other}; use --findings N --devices D --photos P --postgres URL"
                )
                .into())
            }
        }
    }
    Ok(a)
}

/// A server running in this process over a ledger seeded with the small county.
struct Served {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Opens the ledger at `url`, seeds the small county and serves it on a free port.
async fn serve_ledger(url: String, data_dir: PathBuf) -> Res<Served> {
    let settings_dir = data_dir.clone();
    let ledger = tokio::task::spawn_blocking(move || -> Res<Ledger> {
        std::fs::create_dir_all(&data_dir)?;
        let ledger = Ledger::open(&url)?;
        let hash = yiwang_server::auth::hash_password(PASSWORD).map_err(|e| e.to_string())?;
        let now = Utc::now();
        ledger.write_blocking(move |tx| seed_county(tx, &small_plan(), &hash, true, now))?;
        Ok(ledger)
    })
    .await??;
    let state = AppState::with_system_clock(
        ledger,
        Settings {
            demo_mode: true,
            ..Settings::new(settings_dir)
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = yiwang_server::app(state);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        if let Err(e) = yiwang_server::app::serve(listener, app, shutdown).await {
            eprintln!("server stopped: {e}");
        }
    });
    Ok(Served { base, stop, task })
}

impl Served {
    /// Stops the server (and so lets go of its ledger); a server slow to stop is aborted.
    async fn stop(self) {
        let _ = self.stop.send(());
        let abort = self.task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

/// A signed-in device.
struct Device {
    id: DeviceId,
    token: String,
    user: UserId,
    grid: GridId,
}

async fn login(http: &reqwest::Client, base: &str, username: &str, device: &str) -> Res<Device> {
    let resp = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({
            "username": username, "password": PASSWORD,
            "device_id": device, "device_name": "bench"
        }))
        .send()
        .await?;
    if !resp.status().is_success() {
        return Err(format!("{username} cannot sign in: {}", resp.text().await?).into());
    }
    let body: LoginResponse = resp.json().await?;
    let grid = body
        .user
        .grid_ids
        .first()
        .cloned()
        .ok_or_else(|| format!("{username} has no grid"))?;
    Ok(Device {
        id: DeviceId::new(device),
        token: body.token,
        user: body.user.id,
        grid,
    })
}

/// `n` small findings on `grid`, as push bodies of at most `MAX_PUSH_OPS` ops.
fn push_bodies(device: &Device, category: &CategoryCode, n: usize, seed: u64) -> Res<Vec<Vec<u8>>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let now = Utc::now();
    let mut bodies = Vec::new();
    let mut left = n;
    while left > 0 {
        let k = left.min(MAX_PUSH_OPS);
        left -= k;
        let ops = (0..k)
            .map(|_| {
                let data = FindingCreateData {
                    grid_id: device.grid.clone(),
                    patrol_id: None,
                    category_code: category.clone(),
                    description: "井盖松动，已记录".to_owned(),
                    lat: Some(40.61 + rng.gen::<f64>() * 0.005),
                    lon: Some(122.50 + rng.gen::<f64>() * 0.005),
                    accuracy_m: Some(8.0),
                    mock_location: false,
                    observed_at: now,
                    disposition: Disposition::Note,
                    photos: vec![],
                    case_id: None,
                    urgent: false,
                };
                Ok(Op {
                    op_id: OpId::new(uuid::Uuid::now_v7().to_string()),
                    op_type: OpType::FindingCreate,
                    entity_id: uuid::Uuid::now_v7().to_string(),
                    at: now,
                    data: serde_json::to_value(data)?,
                })
            })
            .collect::<Res<Vec<Op>>>()?;
        bodies.push(serde_json::to_vec(&PushRequest {
            device_id: device.id.clone(),
            ops,
        })?);
    }
    Ok(bodies)
}

/// Pushes `bodies` one after the other; returns the ops applied.
async fn push_all(
    http: reqwest::Client,
    base: String,
    token: String,
    bodies: Vec<Vec<u8>>,
) -> Res<usize> {
    let mut applied = 0;
    for body in bodies {
        let resp = http
            .post(format!("{base}/api/v1/sync/push"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        if !resp.status().is_success() {
            return Err(format!("push refused: {}", resp.text().await?).into());
        }
        let r: PushResponse = resp.json().await?;
        for o in &r.results {
            if o.status != OpStatus::Applied {
                return Err(format!("op not applied: {o:?}").into());
            }
        }
        applied += r.results.len();
    }
    Ok(applied)
}

/// The reference: the same rows the server writes for a `note` finding — the finding, its
/// change-log row (deleted and re-inserted, as the log does), the op record — into a database
/// with the server's own schema, WAL and `synchronous = FULL`, in one transaction.
///
/// The variants say where the server's time goes: `savepoints` wraps each row set in its own
/// `SAVEPOINT … RELEASE`, as the server does per op on its fallback path (a batch with an op refused after writing);
/// `temp_memory` keeps SQLite's statement sub-journal in memory (`temp_store = MEMORY`) instead
/// of a temporary file, which is where a savepoint copies each page it first touches.
#[derive(Debug, Clone, Copy)]
struct Variant {
    savepoints: bool,
    temp_memory: bool,
}

fn sqlite_reference(
    dir: &std::path::Path,
    device: &Device,
    category: &CategoryCode,
    n: usize,
    v: Variant,
) -> Res<Duration> {
    let file = dir.join(format!(
        "reference-{}-{}.sqlite",
        v.savepoints, v.temp_memory
    ));
    let mut conn = rusqlite::Connection::open(file)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    if v.temp_memory {
        conn.pragma_update(None, "temp_store", "MEMORY")?;
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    // The server's schema, as its migrations build it.
    conn.execute_batch(include_str!(
        "../../../sync-server/migrations/sqlite/0001_init.sql"
    ))?;
    conn.execute_batch(include_str!(
        "../../../sync-server/migrations/sqlite/0002_lean_ingest.sql"
    ))?;
    // The finding's grid, for its foreign key (checked, as in the server).
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.execute(
        "INSERT INTO org_units(id, parent_id, name, level, path)
         VALUES ('c', NULL, 'community', 'community', '/c/')",
        [],
    )?;
    conn.execute(
        "INSERT INTO grids(id, name, kind, community_id, polygon) VALUES (?1, 'g', 'urban_rural', 'c', '{}')",
        params![device.grid.0],
    )?;
    let now = Utc::now();
    let ts = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut finding = tx.prepare(
            "INSERT INTO findings(id, grid_id, patrol_id, worker_id, category, disposition,
                                  case_id, observed_at, received_at, data)
             VALUES (?1, ?2, NULL, ?3, ?4, 'note', NULL, ?5, ?6, ?7)",
        )?;
        let mut unlog = tx.prepare("DELETE FROM changes WHERE entity = ?1 AND id = ?2")?;
        // A finding's change-log row points at its own row (data NULL), as the server logs it.
        let mut log = tx.prepare(
            "INSERT INTO changes(entity, id, deleted, scope_all, scope_path, scope_grid,
                                 scope_depts, scope_user, data)
             VALUES ('finding', ?1, 0, 0, ?2, ?3, NULL, NULL, NULL)",
        )?;
        let mut op = tx.prepare(
            "INSERT INTO ops(op_id, device_id, user_id, type, entity_id, at, received_at, status,
                             seq, unit_path)
             VALUES (?1, ?2, ?3, 'finding.create', ?4, ?5, ?6, 'applied', ?7, ?8)",
        )?;
        let path = "/210882/210882001/210882001001/";
        for i in 0..n {
            let id = uuid::Uuid::now_v7().to_string();
            let f = Finding {
                id: FindingId::new(id.clone()),
                grid_id: device.grid.clone(),
                patrol_id: None,
                worker_id: device.user.clone(),
                category_code: category.clone(),
                description: "井盖松动，已记录".to_owned(),
                lat: Some(40.61 + (i % 100) as f64 * 0.00005),
                lon: Some(122.50),
                accuracy_m: Some(8.0),
                mock_location: false,
                observed_at: now,
                disposition: Disposition::Note,
                photos: vec![],
                case_id: None,
                urgent: false,
            };
            let data = serde_json::to_string(&f)?;
            if v.savepoints {
                tx.execute_batch("SAVEPOINT op")?;
            }
            finding.execute(params![
                id,
                device.grid.0,
                device.user.0,
                category.0,
                ts,
                ts,
                data
            ])?;
            unlog.execute(params!["finding", id])?;
            log.execute(params![id, path, device.grid.0])?;
            let seq = tx.last_insert_rowid();
            op.execute(params![
                uuid::Uuid::now_v7().to_string(),
                device.id.0,
                device.user.0,
                id,
                ts,
                ts,
                seq,
                path
            ])?;
            if v.savepoints {
                tx.execute_batch("RELEASE op")?;
            }
        }
    }
    tx.commit()?;
    Ok(started.elapsed())
}

/// A minimal tus client: create the upload, send the whole file in one PATCH.
async fn upload(http: &reqwest::Client, base: &str, token: &str, bytes: Vec<u8>) -> Res<()> {
    let sha = hex::encode(Sha256::digest(&bytes));
    let b64 = base64::engine::general_purpose::STANDARD;
    let resp = http
        .post(format!("{base}/api/v1/photos"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header(
            "Upload-Metadata",
            format!(
                "sha256 {},filename {}",
                b64.encode(&sha),
                b64.encode("bench.jpg")
            ),
        )
        .send()
        .await?;
    if resp.status() != 201 {
        return Err(format!("tus create: {} {}", resp.status(), resp.text().await?).into());
    }
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("tus create answered no Location")?
        .to_owned();
    let url = if location.starts_with("http") {
        location
    } else {
        format!("{base}{location}")
    };
    let resp = http
        .patch(url)
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes)
        .send()
        .await?;
    if resp.status() != 204 {
        return Err(format!("tus patch: {} {}", resp.status(), resp.text().await?).into());
    }
    Ok(())
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn verdict(r: f64) -> &'static str {
    if r >= TARGET_FINDINGS_PER_S {
        "MET"
    } else {
        "NOT MET"
    }
}

/// Findings/s of one backend: one device, then D devices in parallel.
#[derive(Debug, Clone, Copy)]
struct PushRates {
    single: f64,
    parallel: f64,
}

/// Steps 1 and 2 on the server at `base`; `label` starts every line it prints. Returns the rates
/// and the single device (signed in, for the photos).
async fn push_runs(
    http: &reqwest::Client,
    base: &str,
    category: &CategoryCode,
    args: &Args,
    label: &str,
) -> Res<(PushRates, Device)> {
    // 1. One device.
    let one = login(http, base, "worker-0001", "bench-single").await?;
    let bodies = push_bodies(&one, category, args.findings, 1)?;
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let started = Instant::now();
    let applied = push_all(http.clone(), base.to_owned(), one.token.clone(), bodies).await?;
    let took = started.elapsed();
    let single = rate(applied, took);
    println!(
        "{label}one device:      {applied} findings in {:.2} s = {single:.0} findings/s ({} pushes of ≤{MAX_PUSH_OPS}, {:.1} MB of JSON)",
        took.as_secs_f64(),
        applied.div_ceil(MAX_PUSH_OPS),
        bytes as f64 / 1e6
    );

    // 2. Many devices in parallel: the eight grid workers, several devices each.
    let per_device = args.findings / args.devices;
    let mut jobs = Vec::new();
    for d in 0..args.devices {
        let worker = format!("worker-{:04}", d % 8 + 1);
        let dev = login(http, base, &worker, &format!("bench-{d:03}")).await?;
        let bodies = push_bodies(&dev, category, per_device, 100 + d as u64)?;
        jobs.push((dev.token, bodies));
    }
    let started = Instant::now();
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|(token, bodies)| tokio::spawn(push_all(http.clone(), base.to_owned(), token, bodies)))
        .collect();
    let mut parallel_applied = 0;
    for t in tasks {
        parallel_applied += t.await??;
    }
    let took = started.elapsed();
    let parallel = rate(parallel_applied, took);
    println!(
        "{label}{} devices:     {parallel_applied} findings in {:.2} s = {parallel:.0} findings/s ({per_device} each)",
        args.devices,
        took.as_secs_f64()
    );
    Ok((PushRates { single, parallel }, one))
}

/// Steps 1 and 2 again on a fresh database of the PostgreSQL server `server`.
async fn postgres_pass(
    http: &reqwest::Client,
    category: &CategoryCode,
    args: &Args,
    server: &str,
    dir: &std::path::Path,
) -> Res<PushRates> {
    let s = server.to_owned();
    let db = tokio::task::spawn_blocking(move || PgDatabase::create(&s, "ingest")).await??;
    let started = Instant::now();
    let served = serve_ledger(db.url.clone(), dir.join("pg-data")).await?;
    println!(
        "PostgreSQL:      ledger in the fresh database {} (small county seeded in {:.1} s); server at {}",
        yiwang_server::storage::postgres::redact(&db.url),
        started.elapsed().as_secs_f64(),
        served.base
    );
    let rates = push_runs(http, &served.base, category, args, "PostgreSQL ").await;
    served.stop().await;
    // The database goes once the server has let go of it (dropping blocks: not on the runtime).
    tokio::task::spawn_blocking(move || drop(db)).await?;
    Ok(rates?.0)
}

#[tokio::main]
async fn main() -> Res<()> {
    let args = args()?;
    let dir = tempfile::tempdir()?;
    let served = serve_ledger(
        format!("sqlite:{}", dir.path().join("ledger.sqlite").display()),
        dir.path().to_path_buf(),
    )
    .await?;
    let base = served.base.clone();
    let http = reqwest::Client::new();
    let category = CategoryTree::builtin()
        .leaves()
        .next()
        .map(|c| c.code.clone())
        .ok_or("the built-in category tree has no leaf")?;

    println!(
        "ingest benchmark: {} findings, {} devices, {} photos; server at {base}, data in {}",
        args.findings,
        args.devices,
        args.photos,
        dir.path().display()
    );

    // 1 and 2 on SQLite.
    let (sqlite, one) = push_runs(&http, &base, &category, &args, "").await?;
    let (single_rate, parallel_rate) = (sqlite.single, sqlite.parallel);

    // 3. The same rows straight into SQLite.
    let (rdir, rdev, rcat, n) = (
        dir.path().to_path_buf(),
        one,
        category.clone(),
        args.findings,
    );
    let variants = [
        (false, false, "one transaction, WAL, synchronous=FULL"),
        (
            true,
            false,
            "same + SAVEPOINT per op, the server's fallback path",
        ),
        (true, true, "same + SAVEPOINT per op, temp_store=MEMORY"),
    ];
    let (timings, rdev) = tokio::task::spawn_blocking(move || {
        let timings: Vec<Res<Duration>> = variants
            .iter()
            .map(|&(savepoints, temp_memory, _)| {
                let v = Variant {
                    savepoints,
                    temp_memory,
                };
                sqlite_reference(&rdir, &rdev, &rcat, n, v)
            })
            .collect();
        (timings, rdev)
    })
    .await?;
    let mut reference_rate = 0.0;
    for (i, (t, (_, _, what))) in timings.into_iter().zip(variants).enumerate() {
        let t = t?;
        let r = rate(args.findings, t);
        if i == 0 {
            reference_rate = r;
        }
        println!(
            "SQLite direct:   {} findings in {:.2} s = {r:.0} row sets/s (finding + change + op; {what})",
            args.findings,
            t.as_secs_f64()
        );
    }
    println!(
        "ratio:           one device at {:.1}% of SQLite direct (first line), {} devices at {:.1}%",
        100.0 * single_rate / reference_rate,
        args.devices,
        100.0 * parallel_rate / reference_rate
    );

    // 4. Photos over tus.
    if args.photos > 0 {
        let jpeg = yiwang_bench::jpeg::noisy(1600, 1100, 90, 40)?;
        let photos: Vec<Vec<u8>> = (0..args.photos)
            .map(|i| yiwang_bench::jpeg::variant(&jpeg, i))
            .collect();
        let total: usize = photos.iter().map(Vec::len).sum();
        let queue = Arc::new(tokio::sync::Mutex::new(photos));
        let started = Instant::now();
        let workers: Vec<_> = (0..PHOTO_PARALLEL)
            .map(|_| {
                let (queue, http, base, token) = (
                    queue.clone(),
                    http.clone(),
                    base.clone(),
                    rdev.token.clone(),
                );
                tokio::spawn(async move {
                    loop {
                        let Some(p) = queue.lock().await.pop() else {
                            return Ok::<(), BoxError>(());
                        };
                        upload(&http, &base, &token, p).await?;
                    }
                })
            })
            .collect();
        for w in workers {
            w.await??;
        }
        let took = started.elapsed();
        println!(
            "photos:          {} × {:.2} MB over tus in {:.2} s = {:.1} MB/s ({PHOTO_PARALLEL} in parallel)",
            args.photos,
            jpeg.len() as f64 / 1e6,
            took.as_secs_f64(),
            total as f64 / 1e6 / took.as_secs_f64()
        );
        println!(
            "                 (photos on the SQLite server only: their bytes go to the data \
             folder on either backend)"
        );
    }
    served.stop().await;

    // 1 and 2 again on PostgreSQL, in a database of their own.
    let postgres = match &args.postgres {
        None => {
            println!(
                "PostgreSQL:      skipped (no server given): run with --postgres \
                 postgres://USER@HOST:PORT/postgres or set {POSTGRES_ENV}; `make bench` starts one"
            );
            None
        }
        Some(server) => Some(postgres_pass(&http, &category, &args, server, dir.path()).await?),
    };

    println!(
        "target ≥ {:.0} findings/s: one device {single_rate:.0} → {}; {} devices {parallel_rate:.0} → {}",
        TARGET_FINDINGS_PER_S,
        verdict(single_rate),
        args.devices,
        verdict(parallel_rate)
    );
    if let Some(pg) = postgres {
        let d = format!("{} devices findings/s", args.devices);
        println!(
            "backend    | 1 device findings/s | {d:>21} | ratio to SQLite (1 device / {} devices)",
            args.devices
        );
        for (name, r) in [("SQLite", sqlite), ("PostgreSQL", pg)] {
            println!(
                "{name:<10} | {:>19.0} | {:>21.0} | {:.2} / {:.2}",
                r.single,
                r.parallel,
                r.single / sqlite.single.max(1e-9),
                r.parallel / sqlite.parallel.max(1e-9)
            );
        }
        println!(
            "target ≥ {:.0} findings/s on PostgreSQL: one device {:.0} → {}; {} devices {:.0} → {}",
            TARGET_FINDINGS_PER_S,
            pg.single,
            verdict(pg.single),
            args.devices,
            pg.parallel,
            verdict(pg.parallel)
        );
    }
    Ok(())
}
