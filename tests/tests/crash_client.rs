//! Crash the client (issue 4, first acceptance item): `yiwang-sim` runs for three devices and is
//! killed with SIGKILL at seeded random moments, 30 times in a row over the same `--data-dir`,
//! each run asking for two more findings so that every run has field work and sync to do when
//! the kill lands. After a final clean `--sync-only` run, the ledger of a real server on
//! `127.0.0.1:0` holds exactly the findings, photos and patrols the devices recorded: none
//! missing, none twice.

mod common;
use common::{device_records, Device};

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use yiwang_core::field::{Disposition, Finding, Patrol};
use yiwang_core::ids::{FindingId, PatrolId, PhotoHash, UserId};
use yiwang_core::sync::Entity;
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::{AppState, Settings};
use yiwang_server::storage::changes::Viewer;
use yiwang_server::storage::sync::OpFate;
use yiwang_server::storage::Ledger;

const PASSWORD: &str = "demo";
const DEVICES: usize = 3;
const KILLS: usize = 30;
/// Findings asked of each device in the first run; every later run asks for two more, so a
/// resumed device always has new field work to record and push when the kill lands.
const FIRST_FINDINGS: usize = 3;
const SEED: u64 = 11;

fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        yiwang_server::auth::hash_password(PASSWORD).expect("the demo password hashes")
    })
}

/// A real server over a fresh ledger, on the wall clock (the simulator stamps real times).
struct Server {
    base: String,
    state: AppState,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let ledger = Ledger::open(&format!(
            "sqlite:{}",
            dir.path().join("ledger.sqlite").display()
        ))
        .expect("a fresh ledger opens");
        let state = AppState::new(
            ledger.clone(),
            Settings {
                data_dir: dir.path().to_path_buf(),
                demo_mode: true,
            },
            Arc::new(chrono::Utc::now),
        );
        let seeded_at = chrono::Utc::now() - chrono::Duration::days(1);
        ledger
            .write_blocking(move |tx| seed_county(tx, &small_plan(), demo_hash(), true, seeded_at))
            .expect("the small county seeds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let app = yiwang_server::app(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the server runs");
        });
        Server {
            base: format!("http://{addr}"),
            state,
            task,
            _dir: dir,
        }
    }

    /// Every change the ledger logged (a viewer at the root path sees every area record).
    async fn all_changes(&self) -> Vec<yiwang_core::sync::Change> {
        self.state
            .ledger
            .read(|tx| {
                let viewer = Viewer {
                    path: Some("/".into()),
                    grids: vec![],
                    department: None,
                    user: UserId::new("crash-client-test"),
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

    async fn case_count(&self) -> usize {
        self.state
            .ledger
            .read(|tx| tx.case_ids())
            .await
            .expect("the ledger reads")
            .len()
    }

    async fn finding(&self, id: &FindingId) -> Option<Finding> {
        let id = id.clone();
        self.state
            .ledger
            .read(move |tx| tx.finding(&id))
            .await
            .expect("the ledger reads")
    }

    async fn track_len(&self, id: &PatrolId) -> usize {
        let id = id.clone();
        self.state
            .ledger
            .read(move |tx| tx.track(&id))
            .await
            .expect("the ledger reads")
            .len()
    }

    async fn photo_row(&self, hash: &PhotoHash) -> bool {
        let hash = hash.clone();
        self.state
            .ledger
            .read(move |tx| tx.photo(&hash))
            .await
            .expect("the ledger reads")
            .is_some()
    }

    async fn head_photo(&self, token: &str, hash: &str) -> u16 {
        reqwest::Client::new()
            .head(format!("{}/api/v1/photos/by-hash/{hash}", self.base))
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
        .args(["--seed", &SEED.to_string(), "--data-dir"])
        .arg(data_dir)
        .args(extra);
    cmd
}

/// Runs the simulator `KILLS` times, each killed with SIGKILL after a seeded delay; how many
/// kills landed on a simulator still running, and the findings the last run asked for.
fn crash_loop(server: &str, data_dir: &Path) -> (usize, usize) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut interrupted = 0;
    let mut findings = FIRST_FINDINGS;
    for run in 0..KILLS {
        findings = FIRST_FINDINGS + 2 * run;
        let mut child = sim(server, data_dir, findings, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the simulator starts");
        // A run has 20 ms to 200 ms of work here (start, sign-in once, photos, push, upload,
        // pull), so the kills land all along it.
        std::thread::sleep(Duration::from_millis(rng.gen_range(5..150)));
        if child.try_wait().expect("the simulator's status").is_none() {
            child.kill().expect("SIGKILL reaches the simulator");
            interrupted += 1;
        }
        child.wait().expect("the simulator is reaped");
    }
    (interrupted, findings)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_simulators_deliver_every_record_exactly_once() {
    let started = Instant::now();
    let server = Server::start().await;
    let data = tempfile::tempdir().expect("a temporary folder");
    let cases_before = server.case_count().await;

    let (base, dir) = (server.base.clone(), data.path().to_path_buf());
    let (interrupted, findings) = tokio::task::spawn_blocking(move || crash_loop(&base, &dir))
        .await
        .expect("the crash loop");
    println!("{interrupted} of {KILLS} kills interrupted a running simulator");

    // The final clean run, to completion.
    let mut cmd = sim(&server.base, data.path(), findings, &["--sync-only"]);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("the simulator task")
        .expect("the simulator starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the clean --sync-only run finishes: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.trim()).expect("the simulator prints one JSON line");
    println!("final --sync-only run: {summary}");
    assert_eq!(summary["errors"], 0, "every device synced clean at the end");

    let devices: Vec<Device> = (1..=DEVICES)
        .map(|n| device_records(data.path(), n))
        .collect();
    let workers: BTreeSet<UserId> = devices.iter().map(|d| d.worker.clone()).collect();
    assert_eq!(workers.len(), DEVICES, "each device is its own worker");

    // What the ledger logged for these workers; the change log keeps one row per record, so a
    // record stored twice under two ids would show here as an extra id.
    let mut server_findings: Vec<FindingId> = vec![];
    let mut server_patrols: Vec<PatrolId> = vec![];
    for change in server.all_changes().await {
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
    assert!(
        recorded > 0,
        "the runs between kills recorded field work, so the crashes had something to lose"
    );

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
            let held = server
                .finding(&f.id)
                .await
                .expect("the ledger holds the finding");
            assert_eq!(
                held.photos, f.photos,
                "finding {} names the same photos on both sides",
                f.id
            );
            for hash in &f.photos {
                assert!(
                    server.photo_row(hash).await,
                    "the ledger stores photo {hash} of finding {}",
                    f.id
                );
                assert_eq!(
                    server.head_photo(&d.token, hash.as_str()).await,
                    200,
                    "the server serves photo {hash} of finding {}",
                    f.id
                );
                photos.insert(hash.clone());
            }
            if f.disposition == Disposition::Report {
                reported += 1;
            }
        }
        for (p, points) in &d.patrols {
            assert_eq!(
                server.track_len(p).await,
                *points,
                "patrol {p}'s track reached the ledger with no point twice"
            );
        }
        // Every op the device made was applied exactly once: its id is the ops table's primary
        // key, and it is recorded as applied to the entity the device meant.
        for (op_id, entity) in &d.ops {
            let id = op_id.clone();
            let op = server
                .state
                .ledger
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
        server.case_count().await - cases_before,
        reported,
        "exactly the reported findings opened a case, none twice"
    );
    println!(
        "ledger: {} findings, {} patrols, {} photos, {reported} new cases; {:.1} s",
        server_finding_set.len(),
        server_patrol_set.len(),
        photos.len(),
        started.elapsed().as_secs_f64()
    );
}
