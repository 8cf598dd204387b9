//! Helpers the protocol tests share: pushing and pulling over the sync API, reading the ledger
//! file directly for independent counts, the seeded users, and a case driven through the
//! workflow. The server is the kit's [`TestServer`]; the ops come from `yiwang_tests::kit::ops`.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use yiwang_core::case::{Action, Case, CaseState};
use yiwang_core::ids::CaseId;
use yiwang_core::sync::{Change, Entity, PullResponse, PushResponse};
use yiwang_server::casework;
use yiwang_server::storage::auth::StoredUser;
use yiwang_tests::kit::ops::{finding, new_id};
use yiwang_tests::kit::TestServer;

/// worker-0001's grid.
pub const W1_GRID: &str = "210882001001-01";
/// worker-0002's grid.
pub const W2_GRID: &str = "210882001001-02";

pub async fn push_raw(
    s: &TestServer,
    token: &str,
    device: &str,
    ops: &[Value],
) -> reqwest::Response {
    s.post(
        token,
        "/api/v1/sync/push",
        &json!({"device_id": device, "ops": ops}),
    )
    .await
}

/// Pushes from `user`'s own device (`dev-{user}`, as `TestServer::login` signs in).
pub async fn push(s: &TestServer, token: &str, user: &str, ops: &[Value]) -> PushResponse {
    let r = push_raw(s, token, &format!("dev-{user}"), ops).await;
    assert_eq!(r.status(), 200, "a well-formed push is answered 200");
    r.json().await.expect("a push answers PushResponse")
}

/// (status, code) of each result.
pub fn outcomes(r: &PushResponse) -> Vec<(String, Option<String>)> {
    r.results
        .iter()
        .map(|x| {
            (
                serde_json::to_value(x.status)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
                x.code.as_ref().map(|c| c.as_str().to_owned()),
            )
        })
        .collect()
}

pub fn applied(n: usize) -> Vec<(String, Option<String>)> {
    vec![("applied".to_owned(), None); n]
}

pub async fn pull_page(s: &TestServer, token: &str, cursor: &str, limit: u32) -> PullResponse {
    let r = s
        .get(
            token,
            &format!("/api/v1/sync/pull?cursor={cursor}&limit={limit}"),
        )
        .await;
    assert_eq!(
        r.status(),
        200,
        "a pull from a cursor the server made works"
    );
    r.json().await.expect("a pull answers PullResponse")
}

/// Every change `token` may see, paging with `limit`; checks that pages are in server order and
/// that no record comes twice.
pub async fn pull_all(s: &TestServer, token: &str, limit: u32) -> (Vec<Change>, String) {
    let mut cursor = String::new();
    let mut all: Vec<Change> = vec![];
    loop {
        let page = pull_page(s, token, &cursor, limit).await;
        assert!(
            page.changes.len() <= limit as usize,
            "a page holds at most `limit` changes"
        );
        for c in &page.changes {
            if let Some(last) = all.last() {
                assert!(c.seq > last.seq, "changes come in server order, each once");
            }
            all.push(c.clone());
        }
        let done = !page.has_more;
        cursor = page.cursor;
        if done {
            break;
        }
        assert!(
            !page.changes.is_empty(),
            "has_more means a page had changes"
        );
    }
    let keys: BTreeSet<(String, String)> = all.iter().map(key).collect();
    assert_eq!(keys.len(), all.len(), "no record is returned twice");
    (all, cursor)
}

fn entity_name(e: Entity) -> String {
    serde_json::to_value(e)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// (entity, id) of a change.
pub fn key(c: &Change) -> (String, String) {
    (entity_name(c.entity), c.id.clone())
}

pub fn has(changes: &[Change], entity: Entity, id: &str) -> bool {
    changes.iter().any(|c| c.entity == entity && c.id == id)
}

/// The server's ledger file, opened read-only beside the server (independent of its API); for
/// the tests about SQLite itself.
pub fn db(s: &TestServer) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        s.dir.path().join("ledger.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("the ledger file opens read-only")
}

/// The one number `sql` reads from the ledger (on the run's backend).
pub fn count(s: &TestServer, sql: &str) -> i64 {
    s.ledger_number(sql)
}

pub fn user(s: &TestServer, name: &str) -> StoredUser {
    s.seeded
        .user(name)
        .unwrap_or_else(|| panic!("{name} is seeded"))
        .clone()
}

pub fn dept_user(s: &TestServer, department: &str) -> StoredUser {
    s.seeded
        .users
        .iter()
        .find(|u| u.department_id.as_ref().is_some_and(|d| d.0 == department))
        .unwrap_or_else(|| panic!("a handler of {department} is seeded"))
        .clone()
}

/// Takes `action` on `case` as `who`, on the case's current version, straight through
/// `casework::act` (the console API drives the same function).
pub async fn act(s: &TestServer, who: &StoredUser, case: &str, action: Action) -> Case {
    let (st, who, id, now) = (s.state.clone(), who.clone(), CaseId::from(case), s.now());
    s.state
        .ledger
        .write(move |tx| {
            let reference = st.reference(tx)?;
            let version = tx.case(&id)?.map_or(0, |c| c.version);
            casework::act(tx, &reference, &who.actor(), &id, version, &action, now)
        })
        .await
        .expect("the ledger writes")
        .unwrap_or_else(|r| panic!("the workflow permits {case}: {r}"))
        .0
}

/// The case as the ledger holds it (the kit's [`yiwang_tests::kit::LedgerView`]).
pub async fn case_row(s: &TestServer, case: &str) -> Case {
    s.ledger()
        .case(&CaseId::from(case))
        .await
        .expect("the case exists")
}

/// Reports a case from `worker`'s grid (through a push) and drives it to `verifying`:
/// township claims and dispatches to the category's department, which accepts and reports it
/// handled; the township asks the worker to verify.
pub async fn case_in_verifying(s: &TestServer, worker: &str, grid: &str, township: &str) -> String {
    let token = s.login(worker).await;
    let case = new_id();
    let r = push(
        s,
        &token,
        worker,
        &[finding(&new_id(), grid, "report", Some(&case))],
    )
    .await;
    assert_eq!(outcomes(&r), applied(1), "the report is applied");
    let t = user(s, township);
    let d = dept_user(s, "urban_mgmt");
    act(s, &t, &case, Action::Claim { note: None }).await;
    act(
        s,
        &t,
        &case,
        Action::Dispatch {
            deadline: None,
            department: None,
            note: None,
        },
    )
    .await;
    act(s, &d, &case, Action::Accept { note: None }).await;
    act(
        s,
        &d,
        &case,
        Action::ReportHandled {
            note: Some("已补装井盖".into()),
            photos: vec![],
        },
    )
    .await;
    let c = act(s, &t, &case, Action::AssignVerify { note: None }).await;
    assert_eq!(
        c.state,
        CaseState::Verifying,
        "the case waits for the worker"
    );
    case
}
