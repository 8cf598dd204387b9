//! What the console tests share, over the kit's [`TestServer`]: the small county's grids, an
//! operator's hotline intake, actions on a case's current version, reads of the ledger itself
//! rather than through the API under test, and the field records devices bring through sync,
//! stored through the ledger's own API as sync and the photo store store them.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use yiwang_core::case::Case;
use yiwang_core::field::{Disposition, Finding, Patrol, TrackPoint};
use yiwang_core::ids::{CaseId, CategoryCode, FindingId, GridId, PatrolId, PhotoHash, UserId};
use yiwang_server::app::{app_with_console, ConsoleFiles};
use yiwang_server::storage::photos::{PhotoCheck, PhotoRecord};
use yiwang_tests::kit::TestServer;

/// Grids of the small county, in grid order (worker-0001 … worker-0008).
pub const G1: &str = "210882001001-01";
pub const G2: &str = "210882001001-02";
pub const G3: &str = "210882001002-01";
pub const G5: &str = "210882002001-01";
pub const G8: &str = "210882002002-02";

/// An 8890 hotline case for `grid`, as an operator lodges it.
pub fn hotline(grid: &str, category: &str, description: &str) -> Value {
    json!({
        "channel": "hotline8890", "category": category, "description": description,
        "grid_id": grid, "lat": 40.615, "lon": 122.504, "contact": "张先生 13800000000"
    })
}

/// Lodges a case that must be accepted; returns the case.
pub async fn intake(s: &TestServer, token: &str, body: Value) -> Value {
    let r = s.post(token, "/api/v1/cases", &body).await;
    let status = r.status();
    let out: Value = r.json().await.expect("the intake answers JSON");
    assert_eq!(status, 201, "intake of {body} is accepted: {out}");
    out["case"].clone()
}

/// Lodges a case that must be accepted; returns its id.
pub async fn intake_id(s: &TestServer, token: &str, body: Value) -> String {
    intake(s, token, body).await["id"]
        .as_str()
        .expect("the case has an id")
        .to_owned()
}

/// The case as stored, read from the ledger itself rather than through the API under test.
pub fn stored(s: &TestServer, id: &str) -> Case {
    let id = CaseId(id.to_owned());
    s.state
        .ledger
        .read_blocking(move |tx| tx.case(&id))
        .expect("the ledger reads")
        .expect("the case is in the ledger")
}

/// Sends `action` decided on `version`.
pub async fn act(
    s: &TestServer,
    token: &str,
    id: &str,
    version: u64,
    action: Value,
) -> reqwest::Response {
    let mut body = action;
    body["base_version"] = json!(version);
    s.post(token, &format!("/api/v1/cases/{id}/actions"), &body)
        .await
}

/// Takes an action that must succeed, decided on the case's current version; returns the case.
pub async fn act_ok(s: &TestServer, token: &str, id: &str, action: Value) -> Value {
    let version = stored(s, id).version;
    let r = act(s, token, id, version, action.clone()).await;
    let status = r.status();
    let body: Value = r.json().await.expect("the action answers JSON");
    assert_eq!(status, 200, "{action} on {id} succeeds: {body}");
    body["case"].clone()
}

/// The SHA-256 of `text`, as a photo hash.
pub fn hash(text: &str) -> PhotoHash {
    PhotoHash::of(text.as_bytes())
}

/// The SHA-256 of `text`, in hex.
pub fn sha(text: &str) -> String {
    hash(text).to_string()
}

/// An instant given in RFC 3339.
pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("a valid time")
        .with_timezone(&Utc)
}

/// Stores a patrol of `worker` on `grid` started at `started` (and ended at `ended`) as sync
/// stores a `patrol.start` (and a `patrol.end`), received at the moment it claims to have
/// started. It has no track until [`put_track`] gives it one.
pub fn put_patrol(
    s: &TestServer,
    id: &str,
    grid: &str,
    worker: &str,
    started: &str,
    ended: Option<&str>,
) {
    let patrol = Patrol {
        id: PatrolId::new(id),
        grid_id: GridId::new(grid),
        worker_id: UserId::new(worker),
        started_at: at(started),
        ended_at: None,
    };
    let ended = ended.map(at);
    s.state
        .ledger
        .write_blocking(move |tx| {
            tx.insert_patrol(&patrol, patrol.started_at)?;
            match ended {
                Some(t) => tx.end_patrol(&patrol.id, t),
                None => Ok(()),
            }
        })
        .unwrap_or_else(|e| panic!("patrol {id} is stored: {e}"));
}

/// One good GPS fix at `t` (RFC 3339).
pub fn fix(t: &str) -> TrackPoint {
    TrackPoint {
        t: at(t),
        lat: 40.615,
        lon: 122.504,
        accuracy_m: Some(5.0),
        mock: false,
    }
}

/// Appends `points` to patrol `id`'s track as sync stores a `patrol.track`: the track's length.
pub fn put_track(s: &TestServer, id: &str, points: Vec<TrackPoint>) -> u64 {
    let patrol = PatrolId::new(id);
    s.state
        .ledger
        .write_blocking(move |tx| tx.append_track(&patrol, &points))
        .unwrap_or_else(|e| panic!("the track of {id} is stored: {e}"))
}

/// A finding `worker` reported on `grid` at `observed` (no location, no photos, no patrol and
/// no case until the test names them).
pub fn finding(
    id: &str,
    grid: &str,
    worker: &str,
    category: &str,
    description: &str,
    observed: &str,
) -> Finding {
    Finding {
        id: FindingId::new(id),
        grid_id: GridId::new(grid),
        patrol_id: None,
        worker_id: UserId::new(worker),
        category_code: CategoryCode::new(category),
        description: description.to_owned(),
        lat: None,
        lon: None,
        accuracy_m: None,
        mock_location: false,
        observed_at: at(observed),
        disposition: Disposition::Report,
        photos: vec![],
        case_id: None,
        urgent: false,
    }
}

/// Stores `finding` as sync stores a `finding.create` received at `received`.
pub fn put_finding(s: &TestServer, finding: Finding, received: &str) {
    let id = finding.id.clone();
    let received = at(received);
    let inserted = s
        .state
        .ledger
        .write_blocking(move |tx| tx.insert_finding(&finding, received))
        .unwrap_or_else(|e| panic!("finding {id} is stored: {e}"));
    assert!(inserted, "finding {id} is new to the ledger");
}

/// Records that the bytes of the photo `sha` (a 640×480 JPEG of 1000 bytes) landed at
/// `stored`, uploaded by `uploader`, as the photo store records an upload.
pub fn put_photo(s: &TestServer, sha: &str, uploader: &str, stored: &str) {
    let uploader = UserId::new(uploader);
    let photo = PhotoRecord {
        sha256: PhotoHash::parse(sha).expect("a SHA-256 in hex"),
        bytes: 1000,
        width: 640,
        height: 480,
        mime: "image/jpeg".into(),
        stored_at: at(stored),
        uploaded_by: uploader.clone(),
        finding_id: None,
        check: PhotoCheck::Passed,
    };
    let inserted = s
        .state
        .ledger
        .write_blocking(move |tx| tx.insert_photo(&photo, &uploader))
        .unwrap_or_else(|e| panic!("photo {sha} is recorded: {e}"));
    assert!(inserted, "photo {sha} is new to the ledger");
}

/// Serves `s`'s state with `console` (the built console's folder, if any) on a second
/// listener, as `yiwang-server serve --console-dir` does; returns its base URL. (The kit's
/// server serves `yiwang_server::app` only.)
pub async fn serve_console(s: &TestServer, console: Option<ConsoleFiles>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("a bound address");
    let app = app_with_console(s.state.clone(), console);
    tokio::spawn(async move {
        yiwang_server::app::serve(listener, app, std::future::pending())
            .await
            .expect("the console serves")
    });
    format!("http://{addr}")
}
