//! `yiwang-sim` against a real server: three simulated devices patrol and sync over real HTTP
//! to a server on `127.0.0.1:0` over the seeded small county; the ledger then holds exactly
//! what the devices recorded, and a second `--sync-only` run sends nothing twice.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};

use yiwang_client::store::{FindingFilter, Store};
use yiwang_core::field::{Disposition, Finding};
use yiwang_core::ids::PatrolId;
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::{AppState, Settings};
use yiwang_server::storage::Ledger;

const PASSWORD: &str = "demo";
const DEVICES: usize = 3;
const FINDINGS: usize = 4;

fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        yiwang_server::auth::hash_password(PASSWORD).expect("the demo password hashes")
    })
}

/// A real server over a fresh ledger in a temporary folder. Its clock is the wall clock: the
/// simulator is a separate process that stamps its records with the real time.
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

    async fn case_count(&self) -> usize {
        self.state
            .ledger
            .read(|tx| tx.case_ids())
            .await
            .expect("the ledger reads")
            .len()
    }

    async fn has_finding(&self, f: &Finding) -> bool {
        let id = f.id.clone();
        self.state
            .ledger
            .read(move |tx| tx.finding(&id))
            .await
            .expect("the ledger reads")
            .is_some()
    }

    async fn has_case(&self, f: &Finding) -> bool {
        let id = f
            .case_id
            .clone()
            .expect("a reported finding names its case");
        self.state
            .ledger
            .read(move |tx| tx.case(&id))
            .await
            .expect("the ledger reads")
            .is_some()
    }

    async fn has_patrol(&self, id: &PatrolId) -> bool {
        let id = id.clone();
        self.state
            .ledger
            .read(move |tx| tx.patrol(&id))
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

/// Runs the simulator to its end; its parsed JSON line.
async fn run_sim(server: &str, data_dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yiwang-sim"));
    cmd.args(["--server", server, "--devices", "3", "--findings", "4"])
        .args(["--photos", "1", "--seed", "7", "--data-dir"])
        .arg(data_dir)
        .args(extra);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("the simulator task")
        .expect("the simulator starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "every device finishes clean: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "the simulator prints one JSON line: {stdout}"
    );
    serde_json::from_str(lines[0]).expect("the summary is JSON")
}

/// What one device recorded itself (pulled records of others have no ops), and its token.
fn device_records(data_dir: &Path, n: usize) -> (Vec<Finding>, String) {
    let store = Store::open(data_dir.join(format!("sim-{n:04}")).join("store.sqlite"))
        .expect("the device store opens");
    let findings = store
        .findings(&FindingFilter::default())
        .expect("the device lists its findings")
        .into_iter()
        .filter(|r| {
            !store
                .outbox_for(r.finding.id.as_str())
                .expect("the outbox reads")
                .is_empty()
        })
        .map(|r| r.finding)
        .collect();
    let token = store
        .session()
        .expect("the session reads")
        .and_then(|s| s.token)
        .expect("the device is signed in");
    (findings, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_devices_deliver_every_record_exactly_once() {
    let server = Server::start().await;
    let data = tempfile::tempdir().expect("a temporary folder");
    let cases_before = server.case_count().await;

    let first = run_sim(&server.base, data.path(), &[]).await;
    println!("first run: {first}");
    assert_eq!(first["devices"], 3, "the summary counts the devices");
    assert_eq!(first["errors"], 0, "no device failed");
    assert_eq!(
        first["photos_uploaded"],
        (DEVICES * FINDINGS) as u64,
        "one photo per finding is uploaded"
    );
    assert!(
        first["bytes"].as_u64().expect("bytes is a number") > 0,
        "the photos' bytes are counted"
    );

    let mut findings = vec![];
    let mut patrols = BTreeSet::new();
    for n in 1..=DEVICES {
        let (mine, token) = device_records(data.path(), n);
        assert_eq!(
            mine.len(),
            FINDINGS,
            "device {n} recorded --findings findings"
        );
        for f in &mine {
            patrols.insert(f.patrol_id.clone().expect("findings are made on a patrol"));
            for hash in &f.photos {
                assert_eq!(
                    server.head_photo(&token, hash.as_str()).await,
                    200,
                    "the server holds the photo of finding {}",
                    f.id
                );
            }
        }
        findings.extend(mine);
    }
    let ids: BTreeSet<_> = findings.iter().map(|f| f.id.clone()).collect();
    assert_eq!(
        ids.len(),
        DEVICES * FINDINGS,
        "every finding has its own id"
    );
    for f in &findings {
        assert!(
            server.has_finding(f).await,
            "finding {} reached the ledger",
            f.id
        );
    }
    let reported: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.disposition == Disposition::Report)
        .collect();
    assert!(!reported.is_empty(), "seed 7 reports some findings");
    for f in &reported {
        assert!(
            server.has_case(f).await,
            "reported finding {} opened its case",
            f.id
        );
    }
    assert!(
        findings
            .iter()
            .all(|f| (f.disposition == Disposition::Report) == f.case_id.is_some()),
        "exactly the reported findings name a case"
    );
    let cases_after = server.case_count().await;
    assert_eq!(
        cases_after - cases_before,
        reported.len(),
        "exactly the reported findings became cases"
    );
    assert_eq!(patrols.len(), DEVICES, "one patrol per device");
    for p in &patrols {
        assert!(server.has_patrol(p).await, "patrol {p} reached the ledger");
    }

    let again = run_sim(&server.base, data.path(), &["--sync-only"]).await;
    println!("--sync-only run: {again}");
    assert_eq!(again["errors"], 0, "the second run finishes clean");
    assert_eq!(
        again["ops_pushed"], 0,
        "nothing waits, so nothing is pushed twice"
    );
    assert_eq!(again["photos_uploaded"], 0, "no photo is uploaded twice");
    assert_eq!(
        server.case_count().await,
        cases_after,
        "the second run opens no case"
    );
    for n in 1..=DEVICES {
        let (mine, _) = device_records(data.path(), n);
        assert_eq!(mine.len(), FINDINGS, "--sync-only records no new finding");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_first_devices_record_before_they_sync_and_a_rerun_adds_nothing() {
    let server = Server::start().await;
    let data = tempfile::tempdir().expect("a temporary folder");
    let cases_before = server.case_count().await;

    let first = run_sim(&server.base, data.path(), &["--offline-first"]).await;
    assert_eq!(first["errors"], 0, "no device failed");
    let mut reported = 0;
    for n in 1..=DEVICES {
        let (mine, _) = device_records(data.path(), n);
        assert_eq!(
            mine.len(),
            FINDINGS,
            "device {n} recorded --findings findings"
        );
        for f in &mine {
            assert!(
                server.has_finding(f).await,
                "finding {} reached the ledger",
                f.id
            );
        }
        reported += mine
            .iter()
            .filter(|f| f.disposition == Disposition::Report)
            .count();
    }
    let cases_after = server.case_count().await;
    assert_eq!(
        cases_after - cases_before,
        reported,
        "exactly the reported findings became cases"
    );

    // Without --sync-only, a device that holds its findings records no more.
    let again = run_sim(&server.base, data.path(), &["--offline-first"]).await;
    assert_eq!(
        again["ops_pushed"], 0,
        "a finished device has nothing more to push"
    );
    assert_eq!(
        server.case_count().await,
        cases_after,
        "no case is opened twice"
    );
    for n in 1..=DEVICES {
        let (mine, _) = device_records(data.path(), n);
        assert_eq!(mine.len(), FINDINGS, "a rerun records no more findings");
    }
}
