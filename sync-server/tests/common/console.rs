//! What the console tests share: the small county's grids, an operator's hotline intake,
//! actions on a case's current version, and reads of the ledger itself rather than through
//! the API under test.

use serde_json::{json, Value};
use yiwang_core::case::Case;
use yiwang_core::ids::CaseId;

use super::TestServer;

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
    let out: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "intake of {body} is accepted: {out}");
    out["case"].clone()
}

/// Lodges a case that must be accepted; returns its id.
pub async fn intake_id(s: &TestServer, token: &str, body: Value) -> String {
    intake(s, token, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A GET that must answer 200; returns its body.
pub async fn get_json(s: &TestServer, token: &str, path: &str) -> Value {
    let r = s.get(token, path).await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "GET {path} answers: {body}");
    body
}

/// The case as stored, read from the ledger itself rather than through the API under test.
pub fn stored(s: &TestServer, id: &str) -> Case {
    let id = CaseId(id.to_owned());
    s.state
        .ledger
        .read_blocking(move |tx| tx.case(&id))
        .unwrap()
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
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{action} on {id} succeeds: {body}");
    body["case"].clone()
}

/// A raw connection on the ledger file, for the rows devices bring in through sync.
pub fn ledger_file(s: &TestServer) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(s.dir.path().join("ledger.sqlite")).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    c
}
