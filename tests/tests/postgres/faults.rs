//! Bad input and faults on the PostgreSQL ledger, against the real `yiwang-server` binary:
//!
//! - a database nobody listens at stops `serve` at once, with a message naming PostgreSQL and
//!   the address and never the URL's password;
//! - a database whose schema a newer Yiwang wrote is refused by `migrate` (and left as it was);
//! - PostgreSQL stopped abruptly (`pg_ctl -m immediate`) while several devices push: every push
//!   is answered, 200 with per-op results or 503 `unavailable` (never a 500, never a hang);
//!   `/healthz` answers 503 `unavailable` while the database is down; when PostgreSQL comes back
//!   the server reconnects by itself; every acknowledged op is in the ledger, every push sent
//!   again is answered applied or duplicate, whole, and the ledger ends with each finding and
//!   case exactly once.
//!
//! The last test stops a database, so it runs a PostgreSQL cluster of its own
//! (`tests/pg/cluster.sh`), not the shared one `YIWANG_TEST_DATABASE` names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use yiwang_core::sync::{OpStatus, PushResponse};
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::storage::Ledger;
use yiwang_tests::kit::{
    demo_hash, free_port, ledger_rows, server_bin, Backend, ServerProcess, PASSWORD,
};

/// `yiwang-server ARGS` with none of the settings the environment could slip in; its exit status
/// and output, or a failure when it has not ended within `patience`.
async fn run_server_command(args: &[&str], patience: Duration) -> (std::process::Output, Duration) {
    let started = Instant::now();
    let child = tokio::process::Command::new(server_bin())
        .args(args)
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_DATA_DIR")
        .env_remove("YIWANG_LISTEN")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts");
    let out = tokio::time::timeout(patience, child.wait_with_output())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "`yiwang-server {}` has not ended within {patience:?}",
                args.join(" ")
            )
        })
        .expect("the server's output is read");
    (out, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_stops_the_server_at_start_with_a_clear_error() {
    let Some(_backend) = Backend::postgres_from_env() else {
        eprintln!(
            "an_unreachable_database_stops_the_server_at_start_with_a_clear_error: needs \
             YIWANG_TEST_DATABASE=postgres://… (make test-pg)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    // A port nobody listens on: the connection is refused at once.
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let url = format!("postgres://postgres:s3cret@{address}/x");
    let data_dir = dir.path().display().to_string();
    let (out, took) = run_server_command(
        &[
            "serve",
            "--data-dir",
            &data_dir,
            "--database",
            &url,
            "--listen",
            "127.0.0.1:0",
        ],
        Duration::from_secs(30),
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("serve on an unreachable database ended in {took:?}: {stderr}");
    assert!(
        !out.status.success(),
        "serve refuses to start without its database (exit {:?}): {stderr}",
        out.status
    );
    assert!(
        took < Duration::from_secs(15),
        "a refused connection stops serve promptly, not after {took:?}"
    );
    assert!(
        stderr.contains("PostgreSQL") && stderr.contains(&address),
        "the error names PostgreSQL and the address {address} it could not reach: {stderr}"
    );
    assert!(
        !stderr.contains("s3cret") && !stdout.contains("s3cret"),
        "the database URL's password is never printed:\nstdout: {stdout}\nstderr: {stderr}"
    );
}

/// `yiwang_schema.version` of the ledger at `url`.
fn schema_version(url: &str) -> i64 {
    let rows = ledger_rows(url, "SELECT version FROM yiwang_schema");
    assert_eq!(rows.len(), 1, "yiwang_schema holds one row: {rows:?}");
    rows[0][0]
        .as_deref()
        .and_then(|v| v.parse().ok())
        .expect("a numeric schema version")
}

/// Runs `sql` on the database at `url` (on a thread of its own: the blocking client cannot run
/// on a thread that drives async tasks).
fn execute(url: &str, sql: &str) {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{url} answers: {e}"));
        c.batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    })
    .join()
    .expect("the statement runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_schema_is_refused_at_start() {
    let Some(backend) = Backend::postgres_from_env() else {
        eprintln!(
            "a_newer_schema_is_refused_at_start: needs YIWANG_TEST_DATABASE=postgres://… \
             (make test-pg)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = backend.ledger_url(dir.path());
    drop(Ledger::open(&url).expect("a fresh ledger opens and migrates"));
    let current = schema_version(&url);
    assert!(current > 0, "the fresh ledger was migrated");
    // What a newer Yiwang would leave behind.
    execute(&url, "UPDATE yiwang_schema SET version = version + 1");
    let newer = current + 1;
    assert_eq!(
        schema_version(&url),
        newer,
        "the ledger now claims a newer schema"
    );

    let data_dir = dir.path().display().to_string();
    let (out, took) = run_server_command(
        &["migrate", "--data-dir", &data_dir, "--database", &url],
        Duration::from_secs(30),
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("migrate on a newer schema ended in {took:?}: {stderr}");
    assert!(
        !out.status.success(),
        "migrate refuses a schema newer than it knows (exit {:?}): {stdout}{stderr}",
        out.status
    );
    assert!(
        stderr.contains("newer")
            && stderr.contains(&format!("schema {newer}"))
            && stderr.contains(&format!("knows {current}")),
        "the error says the database holds schema {newer}, newer than this binary's {current}: \
         {stderr}"
    );
    assert_eq!(
        schema_version(&url),
        newer,
        "the refused migrate leaves the newer schema as it found it"
    );
    backend.drop_ledger(dir.path());
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL stopped mid-push.

/// worker-0001's grid in the small county.
const GRID: &str = "210882001001-01";
const WORKER: &str = "worker-0001";
/// The device `ServerProcess::login` signs in from.
const DEVICE: &str = "dev-worker-0001";
const PUSHERS: usize = 4;
const FINDINGS_PER_BATCH: usize = 5;
/// Pushes each pusher makes after the stop, so the outage itself is answered too.
const PUSHES_DURING_OUTAGE: usize = 3;
/// Longest any one request may take before it counts as a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// The newest PostgreSQL's programs, found as `tests/pg/cluster.sh` finds them.
fn pg_bin() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed under /usr/lib/postgresql (cluster.sh installs it)")
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().expect("a PostgreSQL with pg_ctl").1
}

/// `cmd` as the cluster's owner: the `postgres` user when we are root (initdb refuses root).
fn as_owner(cmd: &Path) -> std::process::Command {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(cmd);
        c
    } else {
        std::process::Command::new(cmd)
    }
}

/// A throwaway PostgreSQL cluster (`tests/pg/cluster.sh`) this test may stop and start; stopped
/// and deleted when dropped, a failed test's too.
struct Cluster {
    ctl: PgCtl,
}

/// What stops and starts a [`Cluster`]'s server (cheap to hand to a blocking thread).
#[derive(Clone)]
struct PgCtl {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
}

impl Cluster {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("pg/cluster.sh")
    }

    fn start() -> Cluster {
        // Directly under the temporary folder: the `postgres` user must reach it, and the
        // script hands it over (and deletes it on stop).
        let dir = tempfile::Builder::new()
            .prefix("yiwang-pg-faults-")
            .tempdir_in(std::env::temp_dir())
            .expect("a temporary folder")
            .keep();
        let out = std::process::Command::new(Self::script())
            .arg("start")
            .arg(&dir)
            .stderr(Stdio::piped())
            .output()
            .expect("tests/pg/cluster.sh runs");
        let mut cluster = Cluster {
            ctl: PgCtl {
                dir,
                port: 0,
                bin: pg_bin(),
            },
        };
        assert!(
            out.status.success(),
            "tests/pg/cluster.sh start makes a cluster: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.ctl.port = std::fs::read_to_string(cluster.ctl.dir.join("port"))
            .expect("the script records the port")
            .trim()
            .parse()
            .expect("a port number");
        let url = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert_eq!(
            url,
            cluster.url("postgres"),
            "the script prints the server's URL"
        );
        cluster
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.ctl.port)
    }
}

impl PgCtl {
    /// Stops the server at once, as a crash or a pulled plug would: no checkpoint, every
    /// connection cut.
    fn stop_immediately(&self) {
        let out = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "stop"])
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "pg_ctl -m immediate stop stops the cluster: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the server again on the same data and port (crash recovery replays its WAL).
    fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let out = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .args(["-w", "-o", &options, "start"])
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "pg_ctl start brings the cluster back on port {}: {}{}",
            self.port,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new(Self::script())
            .arg("stop")
            .arg(&self.ctl.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// One push: `FINDINGS_PER_BATCH` reports on worker-0001's grid, each opening its case.
#[derive(Clone)]
struct Batch {
    ops: Vec<Value>,
    findings: Vec<String>,
    cases: Vec<String>,
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn batch() -> Batch {
    let now = chrono::Utc::now();
    let (mut ops, mut findings, mut cases) = (vec![], vec![], vec![]);
    for _ in 0..FINDINGS_PER_BATCH {
        let (f, c) = (new_id(), new_id());
        ops.push(json!({
            "op_id": new_id(), "type": "finding.create", "entity_id": f, "at": now,
            "data": {"grid_id": GRID, "category_code": "01.01", "description": "井盖缺失",
                     "lat": 40.615, "lon": 122.504, "accuracy_m": 6.0, "observed_at": now,
                     "disposition": "report", "photos": [], "case_id": c}
        }));
        findings.push(f);
        cases.push(c);
    }
    Batch {
        ops,
        findings,
        cases,
    }
}

impl Batch {
    fn op_ids(&self) -> Vec<String> {
        self.ops
            .iter()
            .map(|o| o["op_id"].as_str().expect("an op id").to_owned())
            .collect()
    }
}

/// How the server answered one push.
#[derive(Debug, Clone)]
enum Answer {
    /// 200: the statuses of the ops, in order.
    Answered(Vec<OpStatus>),
    /// 503 with `{"error": {"code": "unavailable"}}`.
    Unavailable,
    /// Anything else: a 500, another status, a body that is not the error envelope, a dropped
    /// connection, or no answer within `REQUEST_TIMEOUT`.
    Wrong(String),
}

async fn push(http: &reqwest::Client, base: &str, token: &str, b: &Batch) -> Answer {
    let sent = http
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(token)
        .timeout(REQUEST_TIMEOUT)
        .json(&json!({"device_id": DEVICE, "ops": b.ops}))
        .send()
        .await;
    let r = match sent {
        Ok(r) => r,
        Err(e) if e.is_timeout() => {
            return Answer::Wrong(format!("no answer within {REQUEST_TIMEOUT:?}"))
        }
        Err(e) => return Answer::Wrong(format!("the request failed: {e}")),
    };
    let status = r.status().as_u16();
    let body = match r.text().await {
        Ok(body) => body,
        Err(e) => return Answer::Wrong(format!("{status} whose body did not arrive: {e}")),
    };
    match status {
        200 => match serde_json::from_str::<PushResponse>(&body) {
            Ok(p) if p.results.len() == b.ops.len() => {
                Answer::Answered(p.results.into_iter().map(|r| r.status).collect())
            }
            _ => Answer::Wrong(format!("200 without one result per op: {body}")),
        },
        503 => match serde_json::from_str::<Value>(&body) {
            Ok(v) if v["error"]["code"] == "unavailable" => Answer::Unavailable,
            _ => Answer::Wrong(format!("503 without the error code unavailable: {body}")),
        },
        _ => Answer::Wrong(format!("{status}: {body}")),
    }
}

/// One push made during the run, and when.
struct Sent {
    batch: Batch,
    answer: Answer,
    started: Instant,
    ended: Instant,
}

/// The ids among `ids` that `table` holds (`column` = id), each as often as it is there.
fn held(url: &str, table: &str, column: &str, ids: &[String]) -> Vec<String> {
    if ids.is_empty() {
        return vec![];
    }
    let list = ids
        .iter()
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(",");
    ledger_rows(
        url,
        &format!("SELECT {column} FROM {table} WHERE {column} IN ({list})"),
    )
    .into_iter()
    .map(|r| r[0].clone().expect("an id"))
    .collect()
}

/// `GET /healthz`: its status and body, or what went wrong.
async fn healthz(http: &reqwest::Client, base: &str) -> Result<(u16, String), String> {
    let r = http
        .get(format!("{base}/healthz"))
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("/healthz did not answer: {e}"))?;
    let status = r.status().as_u16();
    Ok((status, r.text().await.unwrap_or_default()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_mid_push_gives_503_and_loses_no_acknowledged_op() {
    let Some(_backend) = Backend::postgres_from_env() else {
        eprintln!(
            "postgres_stopped_mid_push_gives_503_and_loses_no_acknowledged_op: needs \
             YIWANG_TEST_DATABASE=postgres://… (make test-pg)"
        );
        return;
    };
    let run_started = Instant::now();
    let cluster = Cluster::start();
    execute(
        &cluster.url("postgres"),
        "CREATE DATABASE ledger TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
    );
    let url = cluster.url("ledger");
    {
        // The small county with real (not demo) users: `serve` refuses demo passwords.
        let ledger = Ledger::open(&url).expect("a fresh ledger opens");
        let seeded_at = chrono::Utc::now() - chrono::Duration::days(1);
        ledger
            .write_blocking(move |tx| seed_county(tx, &small_plan(), demo_hash(), false, seeded_at))
            .expect("the small county seeds");
    }
    let server_dir = tempfile::tempdir().expect("a temporary folder");
    let mut server = ServerProcess::new(server_dir.path());
    server.args = vec!["--database".into(), url.clone()];
    server.start().await;
    let base = server.base();
    let token = server.login(WORKER, PASSWORD).await;
    let http = reqwest::Client::new();

    // Pushers push fresh batches back to back; a while in, PostgreSQL stops without warning.
    let stopped = Arc::new(AtomicBool::new(false));
    let mut pushers = vec![];
    for _ in 0..PUSHERS {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        let stopped = stopped.clone();
        pushers.push(tokio::spawn(async move {
            let mut sent = vec![];
            let mut after_stop = 0;
            while after_stop < PUSHES_DURING_OUTAGE {
                let was_stopped = stopped.load(Ordering::SeqCst);
                let b = batch();
                let started = Instant::now();
                let answer = push(&http, &base, &token, &b).await;
                sent.push(Sent {
                    batch: b,
                    answer,
                    started,
                    ended: Instant::now(),
                });
                if was_stopped {
                    after_stop += 1;
                }
            }
            sent
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stop_began = Instant::now();
    tokio::task::spawn_blocking({
        let ctl = cluster.ctl.clone();
        move || ctl.stop_immediately()
    })
    .await
    .expect("the stop runs");
    stopped.store(true, Ordering::SeqCst);
    println!("pg_ctl -m immediate stop took {:?}", stop_began.elapsed());

    let mut sent: Vec<Sent> = vec![];
    for p in pushers {
        sent.extend(
            tokio::time::timeout(Duration::from_secs(120), p)
                .await
                .expect("the pushers end: every push is answered within its timeout")
                .expect("a pusher task ends"),
        );
    }

    // The database is still down: the process answers its health check, and says so.
    let health_down = healthz(&http, &base).await;
    println!("/healthz while PostgreSQL is down: {health_down:?}");

    // Every push was answered: 200 with results, or 503 `unavailable`.
    let wrong: Vec<String> = sent
        .iter()
        .filter_map(|s| match &s.answer {
            Answer::Wrong(w) => Some(w.clone()),
            _ => None,
        })
        .collect();
    let acked: Vec<&Sent> = sent
        .iter()
        .filter(|s| matches!(s.answer, Answer::Answered(_)))
        .collect();
    let unavailable = sent
        .iter()
        .filter(|s| matches!(s.answer, Answer::Unavailable))
        .count();
    let in_flight = sent
        .iter()
        .filter(|s| s.started < stop_began && s.ended > stop_began)
        .count();
    let acked_after_stop_began = acked.iter().filter(|s| s.ended > stop_began).count();
    println!(
        "{} pushes: {} acknowledged ({} of them answered after the stop began), {unavailable} \
         answered 503, {} wrong; {in_flight} in flight when PostgreSQL stopped",
        sent.len(),
        acked.len(),
        acked_after_stop_began,
        wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "every push is answered 200 with per-op results or 503 `unavailable`, never a 500, \
         another status or a hang: {wrong:#?}"
    );
    for s in &acked {
        if let Answer::Answered(statuses) = &s.answer {
            assert!(
                statuses.iter().all(|st| *st == OpStatus::Applied),
                "a fresh push that is answered 200 applies every op: {statuses:?}"
            );
        }
    }
    assert!(
        !acked.is_empty(),
        "pushes were acknowledged before PostgreSQL stopped, so the stop had something to lose"
    );
    assert!(
        unavailable >= PUSHERS * PUSHES_DURING_OUTAGE,
        "every push made while PostgreSQL was down is answered 503 ({unavailable} were)"
    );
    assert!(
        in_flight > 0,
        "PostgreSQL stopped while a push was in flight (pushers push back to back)"
    );
    match &health_down {
        Ok((503, body)) => {
            let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            assert_eq!(
                v["error"]["code"], "unavailable",
                "/healthz says `unavailable` while the ledger is down: {body}"
            );
        }
        other => panic!(
            "/healthz answers 503 `unavailable` while PostgreSQL is down (the process is up, \
             its ledger is not): {other:?}"
        ),
    }

    // PostgreSQL comes back on the same data and port; the server finds it again by itself.
    tokio::task::spawn_blocking({
        let ctl = cluster.ctl.clone();
        move || ctl.start_again()
    })
    .await
    .expect("the restart runs");
    let restarted = Instant::now();

    // Every op acknowledged before the stop survived it (read before anything is pushed again).
    let acked_ops: Vec<String> = acked.iter().flat_map(|s| s.batch.op_ids()).collect();
    let acked_findings: Vec<String> = acked
        .iter()
        .flat_map(|s| s.batch.findings.clone())
        .collect();
    let ops_held: BTreeSet<String> = held(&url, "ops", "op_id", &acked_ops).into_iter().collect();
    let missing_ops: Vec<&String> = acked_ops
        .iter()
        .filter(|o| !ops_held.contains(*o))
        .collect();
    assert!(
        missing_ops.is_empty(),
        "every acknowledged op is in the ledger after the crash; missing: {missing_ops:?}"
    );
    let findings_held: BTreeSet<String> = held(&url, "findings", "id", &acked_findings)
        .into_iter()
        .collect();
    assert_eq!(
        findings_held.len(),
        acked_findings.len(),
        "every acknowledged finding is in the ledger after the crash"
    );

    // The server reconnects: a push is answered 200 again within 30 s.
    let mut probes: Vec<Batch> = vec![];
    let mut probe_answers: Vec<Answer> = vec![];
    let deadline = restarted + Duration::from_secs(30);
    loop {
        let b = batch();
        let answer = push(&http, &base, &token, &b).await;
        probes.push(b);
        probe_answers.push(answer.clone());
        match answer {
            Answer::Answered(_) => break,
            Answer::Unavailable if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            other => panic!(
                "the server answers pushes again within 30 s of PostgreSQL's return (pushes \
                 since: {probe_answers:?}); last: {other:?}"
            ),
        }
    }
    let reconnected = restarted.elapsed();
    println!(
        "pushes answered 200 again {reconnected:?} after PostgreSQL came back ({} pushes \
         answered 503 first)",
        probe_answers.len() - 1
    );
    let health_up = healthz(&http, &base).await;
    assert!(
        matches!(&health_up, Ok((200, _))),
        "/healthz answers 200 once PostgreSQL is back: {health_up:?}"
    );

    // Every batch again, as devices resend what they hold: an acknowledged push is answered
    // duplicate; one that was answered 503 was committed whole or not at all, so its ops are
    // all applied now or all duplicate.
    let all: Vec<(Batch, bool)> = sent
        .iter()
        .map(|s| (s.batch.clone(), matches!(s.answer, Answer::Answered(_))))
        .chain(
            probes.iter().cloned().zip(
                probe_answers
                    .iter()
                    .map(|a| matches!(a, Answer::Answered(_))),
            ),
        )
        .collect();
    let (mut committed_unanswered, mut lost_unanswered) = (0, 0);
    for (i, (b, was_acked)) in all.iter().enumerate() {
        let answer = push(&http, &base, &token, b).await;
        let Answer::Answered(statuses) = answer else {
            panic!("push {i} sent again after the recovery is answered 200: {answer:?}");
        };
        if *was_acked {
            assert!(
                statuses.iter().all(|s| *s == OpStatus::Duplicate),
                "acknowledged push {i} sent again is answered duplicate, op by op: {statuses:?}"
            );
        } else if statuses.iter().all(|s| *s == OpStatus::Duplicate) {
            committed_unanswered += 1;
        } else {
            assert!(
                statuses.iter().all(|s| *s == OpStatus::Applied),
                "push {i}, answered 503, was committed whole or not at all: {statuses:?}"
            );
            lost_unanswered += 1;
        }
    }
    println!(
        "sent again: {} acknowledged pushes answered duplicate; of those answered 503, \
         {committed_unanswered} had been committed (duplicate) and {lost_unanswered} had not \
         (applied now)",
        all.iter().filter(|(_, a)| *a).count()
    );

    // The ledger ends with every finding and every case exactly once.
    let findings: Vec<String> = all.iter().flat_map(|(b, _)| b.findings.clone()).collect();
    let cases: Vec<String> = all.iter().flat_map(|(b, _)| b.cases.clone()).collect();
    let mut findings_there = held(&url, "findings", "id", &findings);
    findings_there.sort();
    let mut expected = findings.clone();
    expected.sort();
    assert_eq!(
        findings_there, expected,
        "the ledger holds every finding pushed, each exactly once"
    );
    let finding_changes = ledger_rows(
        &url,
        &format!(
            "SELECT count(*), count(DISTINCT id) FROM changes WHERE entity = 'finding' AND id IN \
             ({})",
            findings
                .iter()
                .map(|f| format!("'{f}'"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    );
    let n = findings.len().to_string();
    assert_eq!(
        finding_changes,
        vec![vec![Some(n.clone()), Some(n)]],
        "the change log holds each finding once"
    );
    let mut cases_there = held(&url, "cases", "id", &cases);
    cases_there.sort();
    let mut expected = cases.clone();
    expected.sort();
    assert_eq!(
        cases_there, expected,
        "every reported finding opened its case, exactly once"
    );

    server.stop().await;
    drop(cluster);
    println!("run took {:?}", run_started.elapsed());
}
