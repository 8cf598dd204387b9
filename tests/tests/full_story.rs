//! Issue 4, acceptance item 5: the full story across processes. A grid worker reports a case
//! offline; the township claims and dispatches it over the API; the department accepts it and
//! reports it handled; the centre assigns verification; the worker's device pulls it, the worker
//! verifies offline and syncs; the case is closed, its chain verifies, and the device shows it
//! closed.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use yiwang_client::store::Store;
use yiwang_client::sync::{AgentConfig, SyncAgent, SyncClient};
use yiwang_core::case::{Action, ActionKind, CaseState, Outcome};
use yiwang_core::field::{Disposition, FindingDraft};
use yiwang_core::ids::{CaseId, CategoryCode};
use yiwang_core::sync::CaseActionData;
use yiwang_server::seed::{seed_county, small_plan};
use yiwang_server::state::{AppState, Settings};
use yiwang_server::storage::Ledger;

const PASSWORD: &str = "demo";

fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        yiwang_server::auth::hash_password(PASSWORD).expect("the demo password hashes")
    })
}

/// Thursday 2026-11-26 09:00 Beijing time: the server's clock and the device's.
fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T09:00:00+08:00")
        .expect("a valid time")
        .with_timezone(&Utc)
}

/// A real server over a fresh ledger in a temporary folder, on a fixed clock.
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

    /// Signs `username` in at the console over HTTP: the bearer token.
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

    /// `GET /api/v1/cases/{id}` as `token` sees it.
    async fn case_detail(&self, token: &str, id: &CaseId) -> Value {
        let res = self
            .http
            .get(format!("{}/api/v1/cases/{}", self.base, id.as_str()))
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers the case read");
        let status = res.status();
        let body: Value = res.json().await.expect("the case read answers JSON");
        assert_eq!(status, 200, "the case {id:?} can be read: {body}");
        body
    }

    /// Takes `action` (with its extra fields) on the case as `who`, on the version a fresh
    /// `GET` shows: the case after it.
    async fn act(&self, token: &str, who: &str, id: &CaseId, action: &str) -> Value {
        let before = self.case_detail(token, id).await;
        let version = before["case"]["version"]
            .as_u64()
            .unwrap_or_else(|| panic!("the case shows its version to {who}: {before}"));
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
                "note": format!("{who}: {action}"),
            }))
            .send()
            .await
            .expect("the server answers the action");
        let status = res.status();
        let body: Value = res.json().await.expect("the action answers JSON");
        assert_eq!(status, 200, "{who} may {action} the case: {body}");
        assert_eq!(
            body["case"]["version"].as_u64(),
            Some(version + 1),
            "{who}'s {action} adds one event: {body}"
        );
        body["case"].clone()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_goes_from_an_offline_report_through_every_desk_to_closed_on_the_device() {
    let server = Server::start().await;

    // The worker's device: a real SQLite store; signed in once, earlier, while in coverage.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Arc::new(
        Store::open(dir.path().join("device.sqlite"))
            .expect("the device store opens")
            .with_clock(t0),
    );
    let agent = SyncAgent::with_config(
        store.clone(),
        SyncClient::new(&server.base, None).expect("a client"),
        quick(),
    );
    let session = agent
        .login("worker-0001", PASSWORD)
        .await
        .expect("the worker signs in");
    let grid = session.user.grid_ids[0].clone();
    let token = agent.client().token().expect("the agent holds a token");

    // Out of coverage: the same device, its server unreachable (a port nobody listens on).
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        l.local_addr().expect("a bound address")
    };
    let offline = SyncAgent::with_config(
        store.clone(),
        SyncClient::new(&format!("http://{closed}"), Some(token)).expect("a client"),
        quick(),
    );

    // 1. The worker reports bare wires offline.
    let finding = store
        .create_finding(FindingDraft {
            grid_id: grid.clone(),
            patrol_id: None,
            category_code: CategoryCode::from("01.02"),
            description: "电线裸露，路人有触电危险".into(),
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
    let case_id = finding
        .case_id
        .clone()
        .expect("a reported finding names its case");
    assert!(
        offline.sync_once().await.is_err(),
        "a sync without a reachable server fails"
    );
    assert_eq!(
        store.outbox_counts().expect("the outbox counts").waiting,
        1,
        "the report still waits in the outbox while offline"
    );

    // 2. Back in coverage: the report reaches the server and opens the case.
    let report = agent.sync_once().await.expect("the online sync succeeds");
    assert_eq!(
        (report.ops_sent, report.ops_rejected),
        (1, 0),
        "the report was taken: {report:?}"
    );
    assert_eq!(
        store.outbox_counts().expect("the outbox counts").waiting,
        0,
        "nothing waits after the sync"
    );
    let township = server.login("township-01").await;
    let opened = server.case_detail(&township, &case_id).await;
    assert_eq!(
        opened["case"]["state"], "pending",
        "the case waits to be taken: {opened}"
    );

    // 3. The township claims and dispatches it; the department for bare wires takes it.
    let claimed = server
        .act(&township, "township-01", &case_id, "claim")
        .await;
    assert_eq!(claimed["state"], "claimed", "claimed: {claimed}");
    let dispatched = server
        .act(&township, "township-01", &case_id, "dispatch")
        .await;
    assert_eq!(
        dispatched["state"], "dispatched",
        "dispatched: {dispatched}"
    );
    assert_eq!(
        dispatched["department"], "power",
        "bare wires go to the category's default department: {dispatched}"
    );

    // 4. The department accepts it and reports it handled.
    let dept = server.login("dept-01").await;
    let accepted = server.act(&dept, "dept-01", &case_id, "accept").await;
    assert_eq!(accepted["state"], "in_progress", "accepted: {accepted}");
    let handled = server
        .act(&dept, "dept-01", &case_id, "report_handled")
        .await;
    assert_eq!(handled["state"], "handled", "handled: {handled}");

    // 5. The centre asks the grid worker to verify.
    let center = server.login("center").await;
    let verifying = server
        .act(&center, "center", &case_id, "assign_verify")
        .await;
    assert_eq!(verifying["state"], "verifying", "verifying: {verifying}");

    // 6. The worker's device pulls the case.
    agent.sync_once().await.expect("the pulling sync succeeds");
    let pulled = store.case(&case_id).expect("the device has the case");
    assert_eq!(
        pulled.state,
        CaseState::Verifying,
        "the device shows the case waiting for verification: {pulled:?}"
    );
    assert_eq!(
        Some(pulled.version),
        verifying["version"].as_u64(),
        "the device holds the server's latest version"
    );

    // 7. Offline, the worker checks the fix on site and passes it.
    store
        .queue_case_action(
            &case_id,
            &CaseActionData {
                base_version: pulled.version,
                action: Action::VerifyPass {
                    note: Some("现场核查：电线已包扎加固".into()),
                    photos: vec![],
                },
            },
        )
        .expect("the verification is queued offline");
    assert_eq!(
        store.outbox_counts().expect("the outbox counts").waiting,
        1,
        "the verification waits in the outbox"
    );

    // 8. Back in coverage: the verification is applied.
    let report = agent
        .sync_once()
        .await
        .expect("the verifying sync succeeds");
    assert_eq!(
        (report.ops_sent, report.ops_rejected),
        (1, 0),
        "the verification was applied: {report:?}"
    );

    // 9. The centre sees the case closed, resolved, its chain verified.
    let closed_view = server.case_detail(&center, &case_id).await;
    assert_eq!(
        closed_view["case"]["state"], "closed",
        "the case is closed: {closed_view}"
    );
    assert_eq!(
        closed_view["case"]["outcome"], "resolved",
        "the case is resolved: {closed_view}"
    );
    assert_eq!(
        closed_view["chain"]["status"], "verified",
        "the console verifies the chain: {closed_view}"
    );

    // The chain verifies in-process too, against the head the case row names.
    let (case, events) = server.case_and_events(&case_id);
    assert_eq!(case.state, CaseState::Closed, "the ledger's case is closed");
    assert_eq!(
        case.outcome,
        Some(Outcome::Resolved),
        "the ledger's case is resolved"
    );
    yiwang_core::ledger::verify_chain(&case_id, &events, Some((case.version, &case.head_hash)))
        .expect("the case's hash chain verifies against the case row's head");
    let kinds: Vec<ActionKind> = events.iter().map(|e| e.action.kind()).collect();
    assert_eq!(
        kinds,
        vec![
            ActionKind::Report,
            ActionKind::Claim,
            ActionKind::Dispatch,
            ActionKind::Accept,
            ActionKind::ReportHandled,
            ActionKind::AssignVerify,
            ActionKind::VerifyPass,
        ],
        "the chain tells the whole story in order"
    );

    // 10. The worker's device, after the sync's pull, shows the case closed.
    let on_device = store.case(&case_id).expect("the device still has the case");
    assert_eq!(
        on_device.state,
        CaseState::Closed,
        "the device shows the case closed: {on_device:?}"
    );
    assert_eq!(
        on_device.version, case.version,
        "the device holds the closing version"
    );
    let device_events = store.case_events(&case_id).expect("the device's events");
    assert_eq!(
        device_events.last().map(|e| e.action.kind()),
        Some(ActionKind::VerifyPass),
        "the device's timeline ends with the verification: {device_events:?}"
    );
}
