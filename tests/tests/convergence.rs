//! Issue 4, acceptance item 4: a seeded property test over many schedules. Two grid workers'
//! devices (grids of the same community) record findings and queue case actions offline, and
//! the community supervisor acts over the API, in random interleavings — often on stale
//! versions on purpose. After everyone syncs, every device's pulled view of every case equals
//! the server's, every op a device queued is accounted for (applied, or rejected with a code
//! and listed as rejected on the device), and every chain on the server verifies.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use yiwang_client::store::{CaseFilter, OutboxState, Store};
use yiwang_client::sync::{AgentConfig, SyncAgent, SyncClient};
use yiwang_core::case::{Action, CaseState};
use yiwang_core::field::{Disposition, FindingDraft};
use yiwang_core::ids::{CaseId, CategoryCode, GridId, OpId};
use yiwang_core::sync::CaseActionData;
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::{AppState, Settings};
use yiwang_server::storage::Ledger;

const PASSWORD: &str = "demo";
const SCHEDULES: u64 = 20;
const STEPS: usize = 30;

fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        yiwang_server::auth::hash_password(PASSWORD).expect("the demo password hashes")
    })
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T09:00:00+08:00")
        .expect("a valid time")
        .with_timezone(&Utc)
}

struct Server {
    base: String,
    state: AppState,
    http: reqwest::Client,
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
        let now = Arc::new(Mutex::new(t0()));
        let state = AppState::new(
            ledger.clone(),
            Settings {
                data_dir: dir.path().to_path_buf(),
                demo_mode: true,
            },
            Arc::new(move || *now.lock().expect("the clock lock")),
        );
        let seeded_at = t0();
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
            http: reqwest::Client::new(),
            task,
            _dir: dir,
        }
    }

    async fn login(&self, username: &str) -> String {
        let res = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({
                "username": username,
                "password": PASSWORD,
                "device_id": format!("console-{username}"),
                "device_name": "console",
            }))
            .send()
            .await
            .expect("the server answers the login");
        let status = res.status();
        let body: Value = res.json().await.expect("the login answers JSON");
        assert_eq!(status, 200, "{username} signs in at the console: {body}");
        body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("the login for {username} carries a token: {body}"))
            .to_owned()
    }

    /// `GET /api/v1/cases/{id}`: the case's version as the supervisor sees it.
    async fn version(&self, token: &str, id: &CaseId) -> u64 {
        let res = self
            .http
            .get(format!("{}/api/v1/cases/{}", self.base, id.as_str()))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers the case read");
        let status = res.status();
        let body: Value = res.json().await.expect("the case read answers JSON");
        assert_eq!(status, 200, "the supervisor reads case {id:?}: {body}");
        body["case"]["version"]
            .as_u64()
            .unwrap_or_else(|| panic!("the case shows its version: {body}"))
    }

    /// `POST /api/v1/cases/{id}/actions`: the HTTP status.
    async fn act(&self, token: &str, id: &CaseId, version: u64, action: &str) -> u16 {
        let res = self
            .http
            .post(format!(
                "{}/api/v1/cases/{}/actions",
                self.base,
                id.as_str()
            ))
            .bearer_auth(token)
            .json(&json!({
                "base_version": version,
                "action": action,
                "note": format!("supervisor: {action}"),
            }))
            .send()
            .await
            .expect("the server answers the action");
        res.status().as_u16()
    }

    fn case_ids(&self) -> Vec<CaseId> {
        self.state
            .ledger
            .read_blocking(|tx| tx.case_ids())
            .expect("the ledger reads")
    }

    fn case_and_events(
        &self,
        id: &CaseId,
    ) -> (yiwang_core::case::Case, Vec<yiwang_core::case::CaseEvent>) {
        let id = id.clone();
        self.state
            .ledger
            .read_blocking(move |tx| {
                let case = tx.case(&id)?.expect("the case is in the ledger");
                let events = tx.case_events(&id)?;
                Ok((case, events))
            })
            .expect("the ledger reads")
    }

    /// The server's fate of an op: `Some((applied, code))`, or `None` if it never arrived.
    fn op_fate(&self, id: &OpId) -> Option<(bool, Option<String>)> {
        let id = id.clone();
        self.state
            .ledger
            .read_blocking(move |tx| tx.op(&id))
            .expect("the ledger reads")
            .map(|r| {
                (
                    r.fate == yiwang_server::storage::sync::OpFate::Applied,
                    r.code.map(|c| c.as_str().to_owned()),
                )
            })
    }
}

fn quick() -> AgentConfig {
    AgentConfig {
        interval: Duration::from_secs(3600),
        after_finding: Duration::from_millis(50),
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        ..AgentConfig::default()
    }
}

struct Device {
    name: &'static str,
    store: Arc<Store>,
    agent: SyncAgent,
    grid: GridId,
    /// Every op queued on this device: (op, the record it is about).
    ops: Vec<(OpId, String)>,
    _dir: tempfile::TempDir,
}

impl Device {
    async fn sign_in(server_url: &str, name: &'static str) -> Device {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = Arc::new(
            Store::open(dir.path().join("device.sqlite"))
                .expect("the device store opens")
                .with_clock(t0),
        );
        let client = SyncClient::new(server_url, None).expect("a client");
        let agent = SyncAgent::with_config(store.clone(), client, quick());
        let session = agent
            .login(name, PASSWORD)
            .await
            .expect("the worker signs in");
        let grid = session.user.grid_ids[0].clone();
        Device {
            name,
            store,
            agent,
            grid,
            ops: vec![],
            _dir: dir,
        }
    }

    fn report(&mut self, n: usize) {
        let finding = self
            .store
            .create_finding(FindingDraft {
                grid_id: self.grid.clone(),
                patrol_id: None,
                category_code: CategoryCode::from("01.01"),
                description: format!("井盖缺失 #{n}"),
                lat: Some(40.615),
                lon: Some(122.504),
                accuracy_m: Some(6.0),
                mock_location: false,
                observed_at: t0() - chrono::Duration::minutes(5),
                disposition: Disposition::Report,
                photos: vec![],
                case_id: None,
                urgent: false,
            })
            .expect("the finding is recorded offline");
        let id = finding.id.as_str().to_owned();
        for entry in self.store.outbox_for(&id).expect("the finding's ops") {
            self.ops.push((entry.op.op_id, id.clone()));
        }
    }

    async fn sync(&self) {
        self.agent.sync_once().await.unwrap_or_else(|e| {
            panic!("{} syncs: {e:?}", self.name);
        });
    }

    fn queue(&mut self, case_id: &CaseId, base_version: u64, action: Action) {
        let op = self
            .store
            .queue_case_action(
                case_id,
                &CaseActionData {
                    base_version,
                    action,
                },
            )
            .expect("the case action is queued offline");
        self.ops.push((op, case_id.as_str().to_owned()));
    }
}

#[derive(Default)]
struct Totals {
    cases: usize,
    applied: usize,
    rejected: usize,
    supervisor_ok: usize,
    supervisor_refused: usize,
}

async fn schedule(seed: u64, totals: &mut Totals) {
    let mut rng = StdRng::seed_from_u64(seed);
    let server = Server::start().await;
    let mut devices = vec![
        Device::sign_in(&server.base, "worker-0001").await,
        Device::sign_in(&server.base, "worker-0002").await,
    ];
    assert_ne!(devices[0].grid, devices[1].grid, "two grids");
    let supervisor = server.login("community-001").await;
    // The version the supervisor last got for each case.
    let mut seen: BTreeMap<CaseId, u64> = BTreeMap::new();

    for step in 0..STEPS {
        let d = rng.gen_range(0..devices.len());
        match rng.gen_range(0..10) {
            0..=2 => devices[d].report(step),
            3..=4 => devices[d].sync().await,
            5..=7 => {
                let ids = server.case_ids();
                if ids.is_empty() {
                    continue;
                }
                let id = ids[rng.gen_range(0..ids.len())].clone();
                let version = match seen.get(&id) {
                    Some(&v) if rng.gen_bool(0.3) => v,
                    _ => {
                        let v = server.version(&supervisor, &id).await;
                        seen.insert(id.clone(), v);
                        v
                    }
                };
                let action = [
                    "claim",
                    "resolve",
                    "assign_verify",
                    "reject_invalid",
                    "comment",
                ][rng.gen_range(0..5)];
                let status = server.act(&supervisor, &id, version, action).await;
                assert!(
                    status < 500,
                    "seed {seed}: the supervisor's {action} is answered, not failed: {status}"
                );
                if status == 200 {
                    totals.supervisor_ok += 1;
                    seen.insert(id, version + 1);
                } else {
                    totals.supervisor_refused += 1;
                }
            }
            _ => {
                let cases = devices[d]
                    .store
                    .cases(&CaseFilter::default())
                    .expect("the pulled cases");
                if cases.is_empty() {
                    continue;
                }
                let case = cases[rng.gen_range(0..cases.len())].clone();
                let version = if rng.gen_bool(0.2) {
                    case.version.saturating_sub(1)
                } else {
                    case.version
                };
                let note = Some(format!("{} step {step}", devices[d].name));
                let action = if case.state == CaseState::Verifying
                    && case.grid_id.as_ref() == Some(&devices[d].grid)
                {
                    if rng.gen_bool(0.5) {
                        Action::VerifyPass {
                            note,
                            photos: vec![],
                        }
                    } else {
                        Action::VerifyFail {
                            note,
                            photos: vec![],
                        }
                    }
                } else if rng.gen_bool(0.3) {
                    // A worker who believes the case still waits for their check (the supervisor
                    // moved it since the pull): the server must refuse it, and say so.
                    Action::VerifyPass {
                        note,
                        photos: vec![],
                    }
                } else {
                    Action::Comment {
                        note,
                        photos: vec![],
                    }
                };
                devices[d].queue(&case.id, version, action);
            }
        }
    }

    // Everyone syncs, twice.
    for _ in 0..2 {
        for device in &devices {
            device.sync().await;
        }
    }

    let server_ids = server.case_ids();
    totals.cases += server_ids.len();
    let mut server_cases = BTreeMap::new();
    for id in &server_ids {
        let (case, events) = server.case_and_events(id);
        yiwang_core::ledger::verify_chain(id, &events, Some((case.version, &case.head_hash)))
            .unwrap_or_else(|e| panic!("seed {seed}: the chain of {id:?} verifies: {e:?}"));
        server_cases.insert(id.clone(), case);
    }

    for device in &devices {
        let name = device.name;
        // (1) The device's pulled view equals the server's, for its grid.
        let held: BTreeMap<CaseId, yiwang_core::case::Case> = device
            .store
            .cases(&CaseFilter::default())
            .expect("the pulled cases")
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let expected: BTreeSet<&CaseId> = server_cases
            .values()
            .filter(|c| c.grid_id.as_ref() == Some(&device.grid))
            .map(|c| &c.id)
            .collect();
        let got: BTreeSet<&CaseId> = held.keys().collect();
        assert_eq!(
            got, expected,
            "seed {seed}: {name} holds exactly its grid's cases"
        );
        for (id, mine) in &held {
            let theirs = &server_cases[id];
            assert_eq!(
                (mine.version, mine.state, &mine.head_hash),
                (theirs.version, theirs.state, &theirs.head_hash),
                "seed {seed}: {name}'s view of {id:?} equals the server's"
            );
        }

        // (2) Every op is accounted for.
        let counts = device.store.outbox_counts().expect("the outbox counts");
        assert_eq!(counts.waiting, 0, "seed {seed}: nothing waits on {name}");
        let mut rejected_here = BTreeSet::new();
        for (op_id, entity) in &device.ops {
            let entry = device
                .store
                .outbox_for(entity)
                .expect("the ops about the record")
                .into_iter()
                .find(|e| &e.op.op_id == op_id)
                .unwrap_or_else(|| panic!("seed {seed}: {name} still knows op {op_id:?}"));
            let (applied, code) = server
                .op_fate(op_id)
                .unwrap_or_else(|| panic!("seed {seed}: {name}'s op {op_id:?} reached the server"));
            if applied {
                assert_eq!(
                    entry.state,
                    OutboxState::Sent,
                    "seed {seed}: {name}'s applied op {op_id:?} is marked sent"
                );
                totals.applied += 1;
            } else {
                assert!(
                    code.is_some(),
                    "seed {seed}: {name}'s rejected op {op_id:?} carries a code"
                );
                assert_eq!(
                    (entry.state, &entry.code),
                    (OutboxState::Rejected, &code),
                    "seed {seed}: {name}'s rejected op {op_id:?} shows the server's code"
                );
                rejected_here.insert(op_id.clone());
                totals.rejected += 1;
            }
        }
        let listed: BTreeSet<OpId> = device
            .store
            .outbox_rejected()
            .expect("the rejected ops")
            .into_iter()
            .map(|e| e.op.op_id)
            .collect();
        assert_eq!(
            listed, rejected_here,
            "seed {seed}: {name} lists exactly its rejected ops"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_and_a_supervisor_converge_over_many_seeded_schedules() {
    let mut totals = Totals::default();
    for seed in 1..=SCHEDULES {
        schedule(seed, &mut totals).await;
    }
    println!(
        "{SCHEDULES} schedules: {} cases, {} ops applied, {} ops rejected, supervisor {} ok / {} refused",
        totals.cases, totals.applied, totals.rejected, totals.supervisor_ok, totals.supervisor_refused
    );
    assert!(totals.cases > 0, "the schedules made cases");
    assert!(
        totals.rejected > 0,
        "some offline decisions were refused, so the accounting of rejected ops was exercised"
    );
}
