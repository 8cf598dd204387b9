//! Crash the server (issue 4, second acceptance item): `yiwang-sim` runs for three devices
//! against the real `yiwang-server` binary while the server is killed with SIGKILL at seeded
//! random moments and restarted on the same port and data folder, ten times over a few
//! resumed simulator runs. After a final clean `--sync-only` run, the ledger holds exactly the
//! findings, photos and patrols the devices recorded: none missing, none twice; and
//! `yiwang-server verify-ledger` passes.
//!
//! The server binary: `CARGO_BIN_EXE_yiwang-server` is only set for the server's own tests, so
//! this test finds it next to its own executable (`target/<profile>/deps/crash_server-…` →
//! `target/<profile>/yiwang-server`). A workspace `cargo test` (what `make test` runs) builds
//! every binary of every default member before it runs any test, so it is there; a lone
//! `cargo test -p yiwang-tests` needs `cargo build -p yiwang-server` first, and the test says so.

mod common;
use common::{device_records, Device};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::process::{Child, Command};
use yiwang_core::field::{Disposition, Finding, Patrol};
use yiwang_core::ids::{FindingId, PatrolId, UserId};
use yiwang_core::sync::Entity;
use yiwang_server::photos::{LocalPhotoStore, PhotoKind};
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::storage::changes::Viewer;
use yiwang_server::storage::sync::OpFate;
use yiwang_server::storage::Ledger;

const PASSWORD: &str = "demo";
const DEVICES: usize = 3;
/// Simulator runs over the same `--data-dir`, each asking for two more findings than the last.
const RUNS: usize = 5;
/// Server kills in each run.
const KILLS_PER_RUN: usize = 2;
const FIRST_FINDINGS: usize = 4;
const SEED: u64 = 23;

fn server_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test knows its own path");
        let bin = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test runs from target/<profile>/deps")
            .join(format!("yiwang-server{}", std::env::consts::EXE_SUFFIX));
        assert!(
            bin.is_file(),
            "the server binary {} is missing: run `cargo build -p yiwang-server` (a workspace \
             `cargo test` builds it)",
            bin.display()
        );
        bin
    })
    .clone()
}

fn ledger_url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("ledger.sqlite").display())
}

/// The small county, with real (not demo) users: `serve` refuses demo passwords.
fn seed(dir: &Path) {
    let ledger = Ledger::open(&ledger_url(dir)).expect("a fresh ledger opens");
    let hash = yiwang_server::auth::hash_password(PASSWORD).expect("the password hashes");
    let seeded_at = chrono::Utc::now() - chrono::Duration::days(1);
    ledger
        .write_blocking(move |tx| seed_county(tx, &small_plan(), &hash, false, seeded_at))
        .expect("the small county seeds");
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("a bound address")
        .port()
}

/// The real server binary on one data folder and one port, restarted there after each kill.
struct Server {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
    http: reqwest::Client,
}

impl Server {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts `yiwang-server serve` and waits until `/healthz` answers 200.
    async fn start(&mut self) {
        assert!(self.child.is_none(), "one server at a time");
        let deadline = Instant::now() + Duration::from_secs(30);
        let child = Command::new(server_bin())
            .args(["serve", "--data-dir"])
            .arg(&self.dir)
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .env_remove("YIWANG_DATABASE_URL")
            .env_remove("YIWANG_DATA_DIR")
            .env_remove("YIWANG_LISTEN")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the server binary starts");
        self.child = Some(child);
        loop {
            if let Ok(r) = self
                .http
                .get(format!("{}/healthz", self.base()))
                .send()
                .await
            {
                if r.status() == 200 {
                    return;
                }
            }
            let exited = self
                .child
                .as_mut()
                .expect("the server was started")
                .try_wait()
                .expect("the server's status");
            assert!(exited.is_none(), "the server exited at start: {exited:?}");
            assert!(Instant::now() < deadline, "the server answers /healthz");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL, no warning.
    async fn kill9(&mut self) {
        let mut child = self.child.take().expect("a server runs");
        child.start_kill().expect("SIGKILL reaches the server");
        child.wait().await.expect("the killed server is reaped");
    }

    /// SIGTERM, and the server shuts down gracefully (SIGKILL if it takes over 10 s).
    async fn stop(&mut self) {
        let mut child = self.child.take().expect("a server runs");
        let pid = child.id().expect("the server is running");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if !sent
            || tokio::time::timeout(Duration::from_secs(10), child.wait())
                .await
                .is_err()
        {
            child.start_kill().expect("SIGKILL reaches the server");
            child.wait().await.expect("the server is reaped");
        }
    }

    async fn head_photo(&self, token: &str, hash: &str) -> u16 {
        self.http
            .head(format!("{}/api/v1/photos/by-hash/{hash}", self.base()))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers")
            .status()
            .as_u16()
    }
}

fn sim(server: &str, data_dir: &Path, findings: usize, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yiwang-sim"));
    cmd.args(["--server", server, "--devices", &DEVICES.to_string()])
        .args(["--findings", &findings.to_string(), "--photos", "1"])
        .args([
            "--seed",
            &SEED.to_string(),
            "--password",
            PASSWORD,
            "--data-dir",
        ])
        .arg(data_dir)
        .args(extra)
        .kill_on_drop(true);
    cmd
}

/// Runs the simulator `RUNS` times over one data folder; during each run the server is killed
/// with SIGKILL `KILLS_PER_RUN` times after seeded delays and restarted at once. Each run ends
/// however it ends (the simulator gives up after a few failed tries; the next run resumes).
/// Returns how many kills landed while the simulator was running (recording, pushing,
/// uploading or pulling), how many in all, and the findings the last run asked for.
async fn crash_loop(server: &mut Server, data_dir: &Path) -> (usize, usize, usize) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let (mut mid_sync, mut kills) = (0, 0);
    let mut findings = FIRST_FINDINGS;
    for run in 0..RUNS {
        findings = FIRST_FINDINGS + 2 * run;
        let mut child = sim(&server.base(), data_dir, findings, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the simulator starts");
        for _ in 0..KILLS_PER_RUN {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(10..200))).await;
            let running = child.try_wait().expect("the simulator's status").is_none();
            server.kill9().await;
            kills += 1;
            if running {
                mid_sync += 1;
            }
            server.start().await;
        }
        tokio::time::timeout(Duration::from_secs(60), child.wait())
            .await
            .expect("the simulator ends within 60 s")
            .expect("the simulator is reaped");
    }
    (mid_sync, kills, findings)
}

/// Every change the ledger logged (a viewer at the root path sees every area record).
async fn all_changes(ledger: &Ledger) -> Vec<yiwang_core::sync::Change> {
    ledger
        .read(|tx| {
            let viewer = Viewer {
                path: Some("/".into()),
                grids: vec![],
                department: None,
                user: UserId::new("crash-server-test"),
            };
            let mut all = vec![];
            let mut after = 0;
            loop {
                let (page, more) = tx.changes_since(&viewer, after, 1000)?;
                if let Some(last) = page.last() {
                    after = last.seq;
                }
                all.extend(page);
                if !more {
                    return Ok(all);
                }
            }
        })
        .await
        .expect("the ledger reads its change log")
}

async fn case_count(ledger: &Ledger) -> usize {
    ledger
        .read(|tx| tx.case_ids())
        .await
        .expect("the ledger reads")
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_servers_lose_and_double_nothing() {
    let started = Instant::now();
    let server_dir = tempfile::tempdir().expect("a temporary folder");
    seed(server_dir.path());
    let cases_before = {
        let ledger = Ledger::open(&ledger_url(server_dir.path())).expect("the ledger opens");
        case_count(&ledger).await
    };
    let mut server = Server {
        dir: server_dir.path().to_path_buf(),
        port: free_port(),
        child: None,
        http: reqwest::Client::new(),
    };
    server.start().await;
    let data = tempfile::tempdir().expect("a temporary folder");

    let (mid_sync, kills, findings) = crash_loop(&mut server, data.path()).await;
    println!("{mid_sync} of {kills} server kills landed while the simulator was syncing");

    // The final clean run, to completion, with the server up (a few tries: the last kill may
    // have left a device mid-backoff in a way a single run does not clear).
    let mut summary = serde_json::Value::Null;
    for attempt in 1..=3 {
        let out = sim(&server.base(), data.path(), findings, &["--sync-only"])
            .output()
            .await
            .expect("the simulator starts");
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.success() {
            summary = serde_json::from_str(stdout.trim()).expect("the simulator prints JSON");
            break;
        }
        assert!(
            attempt < 3,
            "the clean --sync-only run finishes: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!("final --sync-only run: {summary}");
    assert_eq!(summary["errors"], 0, "every device synced clean at the end");

    let devices: Vec<Device> = (1..=DEVICES)
        .map(|n| device_records(data.path(), n))
        .collect();
    let workers: BTreeSet<UserId> = devices.iter().map(|d| d.worker.clone()).collect();
    assert_eq!(workers.len(), DEVICES, "each device is its own worker");

    // The server that survived the kills serves every photo while it is still up.
    for d in &devices {
        for f in d.findings.values() {
            for hash in &f.photos {
                assert_eq!(
                    server.head_photo(&d.token, hash.as_str()).await,
                    200,
                    "the server serves photo {hash} of finding {}",
                    f.id
                );
            }
        }
    }
    server.stop().await;
    let ledger = Ledger::open(&ledger_url(server_dir.path())).expect("the ledger reopens");
    let photo_files = LocalPhotoStore::new(server_dir.path().join("photos"));

    // What the ledger logged for these workers; the change log keeps one row per record, so a
    // record stored twice under two ids would show here as an extra id.
    let mut server_findings: Vec<FindingId> = vec![];
    let mut server_patrols: Vec<PatrolId> = vec![];
    for change in all_changes(&ledger).await {
        match change.entity {
            Entity::Finding => {
                let f: Finding = serde_json::from_value(change.data).expect("a finding");
                if workers.contains(&f.worker_id) {
                    server_findings.push(f.id);
                }
            }
            Entity::Patrol => {
                let p: Patrol = serde_json::from_value(change.data).expect("a patrol");
                if workers.contains(&p.worker_id) {
                    server_patrols.push(p.id);
                }
            }
            _ => {}
        }
    }
    let device_findings: BTreeSet<FindingId> = devices
        .iter()
        .flat_map(|d| d.findings.keys().cloned())
        .collect();
    let device_patrols: BTreeSet<PatrolId> = devices
        .iter()
        .flat_map(|d| d.patrols.keys().cloned())
        .collect();
    let recorded: usize = devices.iter().map(|d| d.findings.len()).sum();
    println!(
        "devices recorded {recorded} findings on {} patrols",
        device_patrols.len()
    );
    assert_eq!(
        device_findings.len(),
        recorded,
        "no two devices share a finding id"
    );
    assert!(
        devices.iter().all(|d| d.findings.len() <= findings),
        "a resumed device never records more than --findings asks"
    );
    assert!(recorded > 0, "the runs recorded field work to lose");

    let server_finding_set: BTreeSet<FindingId> = server_findings.iter().cloned().collect();
    assert_eq!(
        server_findings.len(),
        server_finding_set.len(),
        "the ledger holds no finding twice"
    );
    assert_eq!(
        server_finding_set, device_findings,
        "the ledger holds exactly the findings the devices recorded"
    );
    let server_patrol_set: BTreeSet<PatrolId> = server_patrols.iter().cloned().collect();
    assert_eq!(
        server_patrols.len(),
        server_patrol_set.len(),
        "the ledger holds no patrol twice"
    );
    assert_eq!(
        server_patrol_set, device_patrols,
        "the ledger holds exactly the patrols the devices recorded"
    );

    let mut photos = BTreeSet::new();
    let mut reported = 0;
    for d in &devices {
        for f in d.findings.values() {
            let id = f.id.clone();
            let held = ledger
                .read(move |tx| tx.finding(&id))
                .await
                .expect("the ledger reads")
                .expect("the ledger holds the finding");
            assert_eq!(
                held.photos, f.photos,
                "finding {} names the same photos on both sides",
                f.id
            );
            for hash in &f.photos {
                let h = hash.clone();
                let row = ledger
                    .read(move |tx| tx.photo(&h))
                    .await
                    .expect("the ledger reads");
                assert!(
                    row.is_some(),
                    "the ledger stores photo {hash} of finding {}",
                    f.id
                );
                assert!(
                    photo_files.photo_path(hash, PhotoKind::Jpeg).is_file(),
                    "photo {hash} of finding {} is stored on disk",
                    f.id
                );
                photos.insert(hash.clone());
            }
            if f.disposition == Disposition::Report {
                reported += 1;
            }
        }
        for (p, points) in &d.patrols {
            let id = p.clone();
            let track = ledger
                .read(move |tx| tx.track(&id))
                .await
                .expect("the ledger reads")
                .len();
            assert_eq!(
                track, *points,
                "patrol {p}'s track reached the ledger with no point twice"
            );
        }
        // Every op the device made was applied exactly once: its id is the ops table's primary
        // key, and it is recorded as applied to the entity the device meant.
        for (op_id, entity) in &d.ops {
            let id = op_id.clone();
            let op = ledger
                .read(move |tx| tx.op(&id))
                .await
                .expect("the ledger reads")
                .unwrap_or_else(|| panic!("op {op_id} reached the ledger"));
            assert_eq!(op.fate, OpFate::Applied, "op {op_id} was applied");
            assert_eq!(&op.entity_id, entity, "op {op_id} names its entity");
        }
    }
    assert_eq!(
        photos.len(),
        recorded,
        "one distinct photo per finding (--photos 1), each stored once by its hash"
    );
    assert_eq!(
        case_count(&ledger).await - cases_before,
        reported,
        "exactly the reported findings opened a case, none twice"
    );
    drop(ledger);

    // The command operators run agrees: every case chain verifies after the kills.
    let out = std::process::Command::new(server_bin())
        .args(["verify-ledger", "--data-dir"])
        .arg(server_dir.path())
        .env_remove("YIWANG_DATABASE_URL")
        .env_remove("YIWANG_DATA_DIR")
        .output()
        .expect("verify-ledger runs");
    assert!(
        out.status.success(),
        "verify-ledger passes after {kills} kills: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "ledger: {} findings, {} patrols, {} photos, {reported} new cases; verify-ledger ok; \
         {:.1} s",
        server_finding_set.len(),
        server_patrol_set.len(),
        photos.len(),
        started.elapsed().as_secs_f64()
    );
}
