//! Sync protocol v1 on a real listener: push → pull round trips, idempotent pushes (re-sent and
//! racing), rejected ops kept and readable, pull scoped to jurisdiction for every role, cursors
//! and paging, and bad input refused with stable codes and nothing stored.

mod common;

use common::{error_code, TestServer};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use yiwang_core::case::{Action, Case, CaseEvent, CaseState};
use yiwang_core::ids::CaseId;
use yiwang_core::org::OrgTree;
use yiwang_core::sync::{Change, Entity, PullResponse, PushResponse};
use yiwang_core::workflow::can_see;
use yiwang_server::casework;
use yiwang_server::storage::auth::StoredUser;

const W1_GRID: &str = "210882001001-01";
const W2_GRID: &str = "210882001001-02";

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn op(kind: &str, entity: &str, data: Value) -> Value {
    json!({
        "op_id": new_id(), "type": kind, "entity_id": entity,
        "at": "2026-11-26T01:05:00Z", "data": data
    })
}

fn patrol_start(patrol: &str, grid: &str) -> Value {
    op(
        "patrol.start",
        patrol,
        json!({"grid_id": grid, "started_at": "2026-11-26T01:00:00Z"}),
    )
}

fn patrol_track(patrol: &str, n: usize) -> Value {
    let points: Vec<Value> = (0..n)
        .map(|i| {
            json!({"t": format!("2026-11-26T01:{:02}:00Z", i + 1), "lat": 40.612 + 0.0001 * i as f64,
                   "lon": 122.503, "accuracy_m": 5.0, "mock": false})
        })
        .collect();
    op("patrol.track", patrol, json!({ "points": points }))
}

fn patrol_end(patrol: &str) -> Value {
    op(
        "patrol.end",
        patrol,
        json!({"ended_at": "2026-11-26T02:00:00Z"}),
    )
}

fn finding_data(grid: &str, disposition: &str, case_id: Option<&str>) -> Value {
    json!({
        "grid_id": grid, "category_code": "01.01", "description": "井盖缺失，行人有坠落危险",
        "lat": 40.615, "lon": 122.504, "accuracy_m": 6.0, "observed_at": "2026-11-26T01:10:00Z",
        "disposition": disposition, "photos": [], "case_id": case_id
    })
}

fn finding(id: &str, grid: &str, disposition: &str, case_id: Option<&str>) -> Value {
    op(
        "finding.create",
        id,
        finding_data(grid, disposition, case_id),
    )
}

fn case_action(case: &str, base_version: u64, action: Value) -> Value {
    let mut data = action;
    data["base_version"] = json!(base_version);
    op("case.action", case, data)
}

async fn push_raw(s: &TestServer, token: &str, device: &str, ops: &[Value]) -> reqwest::Response {
    s.post(
        token,
        "/api/v1/sync/push",
        &json!({"device_id": device, "ops": ops}),
    )
    .await
}

/// Pushes from `user`'s own device (`dev-{user}`, as `TestServer::login` signs in).
async fn push(s: &TestServer, token: &str, user: &str, ops: &[Value]) -> PushResponse {
    let r = push_raw(s, token, &format!("dev-{user}"), ops).await;
    assert_eq!(r.status(), 200, "a well-formed push is answered 200");
    r.json().await.expect("a push answers PushResponse")
}

/// (status, code) of each result.
fn outcomes(r: &PushResponse) -> Vec<(String, Option<String>)> {
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

fn applied(n: usize) -> Vec<(String, Option<String>)> {
    vec![("applied".to_owned(), None); n]
}

async fn pull_page(s: &TestServer, token: &str, cursor: &str, limit: u32) -> PullResponse {
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
async fn pull_all(s: &TestServer, token: &str, limit: u32) -> (Vec<Change>, String) {
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

fn key(c: &Change) -> (String, String) {
    (entity_name(c.entity), c.id.clone())
}

fn has(changes: &[Change], entity: Entity, id: &str) -> bool {
    changes.iter().any(|c| c.entity == entity && c.id == id)
}

fn db(s: &TestServer) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        s.dir.path().join("ledger.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("the ledger file opens read-only")
}

fn count(s: &TestServer, sql: &str) -> i64 {
    db(s).query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn user(s: &TestServer, name: &str) -> StoredUser {
    s.seeded
        .user(name)
        .unwrap_or_else(|| panic!("{name} is seeded"))
        .clone()
}

fn dept_user(s: &TestServer, department: &str) -> StoredUser {
    s.seeded
        .users
        .iter()
        .find(|u| u.department_id.as_ref().is_some_and(|d| d.0 == department))
        .unwrap_or_else(|| panic!("a handler of {department} is seeded"))
        .clone()
}

/// Takes `action` on `case` as `who`, on the case's current version, straight through
/// `casework::act` (the console API drives the same function).
async fn act(s: &TestServer, who: &StoredUser, case: &str, action: Action) -> Case {
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

async fn case_row(s: &TestServer, case: &str) -> Case {
    let id = CaseId::from(case);
    s.state
        .ledger
        .read(move |tx| tx.case(&id))
        .await
        .unwrap()
        .expect("the case exists")
}

/// Reports a case from `worker`'s grid (through a push) and drives it to `verifying`:
/// township claims and dispatches to the category's department, which accepts and reports it
/// handled; the township asks the worker to verify.
async fn case_in_verifying(s: &TestServer, worker: &str, grid: &str, township: &str) -> String {
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

#[tokio::test]
async fn push_then_pull_round_trip() {
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let (patrol, found, case) = (new_id(), new_id(), new_id());
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[
            patrol_start(&patrol, W1_GRID),
            patrol_track(&patrol, 3),
            finding(&found, W1_GRID, "report", Some(&case)),
            patrol_end(&patrol),
        ],
    )
    .await;
    assert_eq!(outcomes(&r), applied(4), "every op of a good batch applies");
    assert!(
        r.results[2].seq.is_some(),
        "an op that wrote records names its last change seq"
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM track_points WHERE patrol_id = '{patrol}'")
        ),
        3,
        "the track's points are stored"
    );

    let (changes, _) = pull_all(&s, &w1, 1000).await;
    let p = changes
        .iter()
        .find(|c| c.entity == Entity::Patrol && c.id == patrol)
        .expect("the worker pulls their patrol");
    assert_eq!(
        p.data["ended_at"], "2026-11-26T02:00:00Z",
        "the patrol comes in its latest form, ended"
    );
    let f = changes
        .iter()
        .find(|c| c.entity == Entity::Finding && c.id == found)
        .expect("the worker pulls their finding");
    assert_eq!(f.data["case_id"], json!(case), "the finding names its case");
    let c: Case = serde_json::from_value(
        changes
            .iter()
            .find(|c| c.entity == Entity::Case && c.id == case)
            .expect("the worker pulls the case their finding opened")
            .data
            .clone(),
    )
    .expect("a pulled case is a Case");
    assert_eq!(c.state, CaseState::Pending, "a new report waits");
    assert_eq!(
        c.holder_unit.as_str(),
        "210882001001",
        "at the grid's community"
    );
    assert_eq!(
        c.finding_id.as_ref().map(|f| f.as_str()),
        Some(found.as_str())
    );
    let e: CaseEvent = serde_json::from_value(
        changes
            .iter()
            .find(|c| c.entity == Entity::CaseEvent && c.id == format!("{case}:1"))
            .expect("the report event is pulled as {case}:1")
            .data
            .clone(),
    )
    .unwrap();
    assert_eq!(e.action.kind().as_str(), "report");
    assert_eq!(
        e.actor.user_id.as_str(),
        "worker-0001",
        "reported by the worker"
    );

    for who in ["township-01", "community-001", "center", "leader"] {
        let t = s.login(who).await;
        let (seen, _) = pull_all(&s, &t, 1000).await;
        for (entity, id) in [
            (Entity::Patrol, patrol.clone()),
            (Entity::Finding, found.clone()),
            (Entity::Case, case.clone()),
            (Entity::CaseEvent, format!("{case}:1")),
        ] {
            assert!(
                has(&seen, entity, &id),
                "{who} sees the {entity:?} of grid {W1_GRID}, which is in their subtree"
            );
        }
    }
    for who in ["worker-0002", "worker-0003", "township-02", "community-002"] {
        let t = s.login(who).await;
        let (seen, _) = pull_all(&s, &t, 1000).await;
        for (entity, id) in [
            (Entity::Patrol, patrol.clone()),
            (Entity::Finding, found.clone()),
            (Entity::Case, case.clone()),
            (Entity::CaseEvent, format!("{case}:1")),
        ] {
            assert!(
                !has(&seen, entity, &id),
                "{who} must not see the {entity:?} of grid {W1_GRID}: outside their jurisdiction"
            );
        }
    }
}

#[tokio::test]
async fn a_batch_pushed_twice_applies_once() {
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let (patrol, case) = (new_id(), new_id());
    let batch = [
        patrol_start(&patrol, W1_GRID),
        patrol_track(&patrol, 4),
        finding(&new_id(), W1_GRID, "report", Some(&case)),
        finding(&new_id(), W1_GRID, "note", None),
        patrol_end(&patrol),
    ];
    let first = push(&s, &w1, "worker-0001", &batch).await;
    assert_eq!(outcomes(&first), applied(5), "the first push applies");
    let counts = |s: &TestServer| {
        [
            "ops",
            "patrols",
            "track_points",
            "findings",
            "cases",
            "case_events",
        ]
        .map(|t| count(s, &format!("SELECT count(*) FROM {t}")))
    };
    let before = counts(&s);
    assert_eq!(
        before,
        [5, 1, 4, 2, 1, 1],
        "one of everything the batch carries"
    );

    let again = push(&s, &w1, "worker-0001", &batch).await;
    assert_eq!(
        outcomes(&again),
        vec![("duplicate".to_owned(), None); 5],
        "a re-sent batch is answered duplicate, op by op"
    );
    for (a, b) in first.results.iter().zip(&again.results) {
        assert_eq!(
            a.seq, b.seq,
            "a duplicate answers with the seq of the first time"
        );
    }
    assert_eq!(counts(&s), before, "nothing was applied twice");

    // The same op twice in one batch: the second copy is a duplicate of the first.
    let twice = finding(&new_id(), W1_GRID, "note", None);
    let r = push(&s, &w1, "worker-0001", &[twice.clone(), twice]).await;
    assert_eq!(
        outcomes(&r),
        vec![("applied".into(), None), ("duplicate".into(), None)],
        "a copy within the batch is recognised too"
    );

    // Two copies racing in two concurrent requests.
    let race_case = new_id();
    let racer = finding(&new_id(), W1_GRID, "report", Some(&race_case));
    let (a, b) = tokio::join!(
        push(&s, &w1, "worker-0001", std::slice::from_ref(&racer)),
        push(&s, &w1, "worker-0001", std::slice::from_ref(&racer))
    );
    let mut statuses = vec![outcomes(&a)[0].0.clone(), outcomes(&b)[0].0.clone()];
    statuses.sort();
    assert_eq!(
        statuses,
        ["applied", "duplicate"],
        "both racing copies are answered: one applied, one duplicate"
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM cases WHERE id = '{race_case}'")
        ),
        1,
        "the raced report opened one case"
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM case_events WHERE case_id = '{race_case}'")
        ),
        1,
        "with one report event"
    );
    let metrics = s
        .http
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("yiwang_sync_ops_applied_total 7\n")
            && metrics.contains("yiwang_sync_ops_duplicate_total 7\n"),
        "metrics count 5 + 1 + 1 applied and 5 + 1 + 1 duplicate ops:\n{metrics}"
    );
}

#[tokio::test]
async fn a_stale_verification_is_rejected_kept_and_readable() {
    let s = TestServer::start().await;
    let stale = case_in_verifying(&s, "worker-0001", W1_GRID, "township-01").await;
    let fine = case_in_verifying(&s, "worker-0001", W1_GRID, "township-01").await;
    let v = case_row(&s, &stale).await.version;
    // The worker decides on site, offline, on version v; meanwhile the centre closes the case.
    act(
        &s,
        &user(&s, "center"),
        &stale,
        Action::Close {
            outcome: None,
            note: Some("已电话回访核实".into()),
        },
    )
    .await;
    let w1 = s.login("worker-0001").await;
    let verify = case_action(
        &stale,
        v,
        json!({"action": "verify_pass", "note": "已修复"}),
    );
    let verify_id = verify["op_id"].as_str().unwrap().to_owned();
    let verify_again = verify.clone();
    let fine_v = case_row(&s, &fine).await.version;
    let patrol = new_id();
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[
            verify,
            case_action(&fine, fine_v, json!({"action": "verify_pass"})),
            patrol_start(&patrol, W1_GRID),
        ],
    )
    .await;
    assert_eq!(
        outcomes(&r),
        vec![
            ("rejected".into(), Some("stale_state".into())),
            ("applied".into(), None),
            ("applied".into(), None)
        ],
        "the stale decision is refused; the ops behind it still apply"
    );
    assert!(
        r.results[0]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("version")),
        "the message says why: the case moved on"
    );
    let c = case_row(&s, &stale).await;
    assert_eq!(
        (c.state, c.version),
        (CaseState::Closed, v + 1),
        "the refused op changed nothing"
    );
    assert_eq!(
        case_row(&s, &fine).await.state,
        CaseState::Closed,
        "the current decision closed the other case"
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM ops WHERE op_id = '{verify_id}' AND status = 'rejected' AND data IS NOT NULL")
        ),
        1,
        "the rejected op is kept with its data"
    );

    for who in ["worker-0001", "township-01", "community-001", "center"] {
        let t = s.login(who).await;
        let r = s.get(&t, "/api/v1/sync/rejected").await;
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.unwrap();
        let found = page["ops"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["op_id"] == json!(verify_id))
            .unwrap_or_else(|| panic!("{who} can read the worker's rejected op"));
        assert_eq!(found["code"], "stale_state");
        assert_eq!(found["type"], "case.action");
        assert_eq!(
            found["data"]["action"], "verify_pass",
            "what was refused is readable"
        );
    }
    for who in ["worker-0002", "township-02", "community-002", "dept-03"] {
        let t = s.login(who).await;
        let page: Value = s
            .get(&t, "/api/v1/sync/rejected")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            page["ops"],
            json!([]),
            "{who} has no business with worker-0001's rejections"
        );
    }

    let (changes, _) = pull_all(&s, &w1, 1000).await;
    let rej = changes
        .iter()
        .find(|c| c.entity == Entity::RejectedOp && c.id == verify_id)
        .expect("the worker's pull carries the rejection, for their other devices too");
    assert_eq!(rej.data["code"], "stale_state");
    let t1 = s.login("township-01").await;
    let (changes, _) = pull_all(&s, &t1, 1000).await;
    assert!(
        !has(&changes, Entity::RejectedOp, &verify_id),
        "a rejected op is pulled by its sender only; supervisors read it from /sync/rejected"
    );

    // Re-sent, the rejected op is a duplicate that still says what happened the first time.
    let again = push(&s, &w1, "worker-0001", &[verify_again]).await;
    assert_eq!(
        outcomes(&again),
        vec![("duplicate".into(), Some("stale_state".into()))],
        "a re-sent rejected op is not decided again, and its first answer is repeated"
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM ops WHERE status = 'rejected'"),
        1,
        "and it is kept once"
    );
}

/// Whether `who` may see the logged record, by the org tree and the workflow's own rule,
/// independent of how the server scopes its change log.
fn may_see(
    who: &StoredUser,
    org: &OrgTree,
    cases: &BTreeMap<String, Case>,
    entity: &str,
    id: &str,
    data: &Value,
) -> bool {
    let actor = who.actor();
    let grid = |field: &str| {
        org.grid_in_jurisdiction(&actor, &data[field].as_str().unwrap_or_default().into())
    };
    match entity {
        "org_unit" | "department" | "category" => true,
        "grid" => grid("id"),
        "patrol" | "finding" => grid("grid_id"),
        "case" => can_see(&cases[id], &actor, org),
        "case_event" => can_see(&cases[data["case_id"].as_str().unwrap()], &actor, org),
        "rejected_op" => data["user_id"] == json!(who.id),
        other => panic!("no rule for {other} records"),
    }
}

#[tokio::test]
async fn pull_never_leaves_the_callers_jurisdiction() {
    let s = TestServer::start().await;
    let workers: Vec<StoredUser> = s
        .seeded
        .users
        .iter()
        .filter(|u| u.username.starts_with("worker-"))
        .cloned()
        .collect();
    let mut cases = vec![];
    for w in &workers {
        let token = s.login(&w.username).await;
        let grid = w.grid_ids[0].as_str();
        let (patrol, case) = (new_id(), new_id());
        let r = push(
            &s,
            &token,
            &w.username,
            &[
                patrol_start(&patrol, grid),
                finding(&new_id(), grid, "report", Some(&case)),
                finding(&new_id(), grid, "resolved_on_spot", None),
                patrol_end(&patrol),
            ],
        )
        .await;
        assert_eq!(outcomes(&r), applied(4), "{}'s round applies", w.username);
        cases.push(case);
    }
    // Two cases reach departments: one by the category's default, one chosen.
    for (case, township, dept) in [
        (&cases[0], "township-01", None),
        (&cases[4], "township-02", Some("power")),
    ] {
        let t = user(&s, township);
        act(&s, &t, case, Action::Claim { note: None }).await;
        act(
            &s,
            &t,
            case,
            Action::Dispatch {
                department: dept.map(Into::into),
                note: None,
            },
        )
        .await;
    }
    // And worker-0001 has a rejected op.
    let w1 = s.login("worker-0001").await;
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[case_action(&cases[0], 1, json!({"action": "verify_pass"}))],
    )
    .await;
    assert_eq!(outcomes(&r)[0].0, "rejected");

    let (org, universe) = {
        let st = s.state.clone();
        let org = s
            .state
            .ledger
            .read(move |tx| Ok(st.reference(tx)?.org.clone()))
            .await
            .unwrap();
        let conn = db(&s);
        let mut stmt = conn
            // A finding's record is its own row, not a copy in the log (migration 0002).
            .prepare(
                "SELECT c.entity, c.id, coalesce(c.data, f.data)
                 FROM changes c LEFT JOIN findings f ON c.entity = 'finding' AND f.id = c.id",
            )
            .unwrap();
        let rows: Vec<(String, String, Value)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    serde_json::from_str(&r.get::<_, String>(2)?).unwrap(),
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        (org, rows)
    };
    let case_map: BTreeMap<String, Case> = universe
        .iter()
        .filter(|(e, _, _)| e == "case")
        .map(|(_, id, d)| (id.clone(), serde_json::from_value(d.clone()).unwrap()))
        .collect();
    assert_eq!(case_map.len(), 8, "one case per grid");

    let mut visible_cases = BTreeMap::new();
    for who in &s.seeded.users {
        let token = s.login(&who.username).await;
        // Small pages, so paging is exercised for every role too.
        let (pulled, _) = pull_all(&s, &token, 7).await;
        let got: BTreeSet<(String, String)> = pulled.iter().map(key).collect();
        let expected: BTreeSet<(String, String)> = universe
            .iter()
            .filter(|(e, id, d)| may_see(who, &org, &case_map, e, id, d))
            .map(|(e, id, _)| (e.clone(), id.clone()))
            .collect();
        let leaked: Vec<_> = got.difference(&expected).collect();
        assert!(
            leaked.is_empty(),
            "{} ({:?}) pulled records outside their jurisdiction: {leaked:?}",
            who.username,
            who.role
        );
        let missing: Vec<_> = expected.difference(&got).collect();
        assert!(
            missing.is_empty(),
            "{} ({:?}) misses records in their jurisdiction: {missing:?}",
            who.username,
            who.role
        );
        visible_cases.insert(
            who.username.clone(),
            got.iter().filter(|(e, _)| e == "case").count(),
        );
    }
    // The expectations above are not vacuous: each role sees what its place in the tree says.
    for (who, n) in [
        ("worker-0001", 1),
        ("worker-0008", 1),
        ("community-001", 2),
        ("township-01", 4),
        ("township-02", 4),
        ("center", 8),
        ("leader", 8),
        ("admin", 8),
    ] {
        assert_eq!(visible_cases[who], n, "{who} sees {n} cases");
    }
    let urban = dept_user(&s, "urban_mgmt").username;
    let power = dept_user(&s, "power").username;
    let police = dept_user(&s, "police").username;
    assert_eq!(
        visible_cases[&urban], 1,
        "urban_mgmt sees the case dispatched to it"
    );
    assert_eq!(
        visible_cases[&power], 1,
        "power sees the case chosen for it"
    );
    assert_eq!(visible_cases[&police], 0, "police received nothing");
}

#[tokio::test]
async fn forged_cursors_get_412_and_paging_returns_everything_once() {
    let s = TestServer::start().await;
    let t1 = s.login("township-01").await;
    let w1 = s.login("worker-0001").await;
    let mut batch = vec![];
    for _ in 0..5 {
        batch.push(finding(&new_id(), W1_GRID, "report", Some(&new_id())));
    }
    push(&s, &w1, "worker-0001", &batch).await;

    let (whole, end) = pull_all(&s, &t1, 1000).await;
    for limit in [1, 3, 10] {
        let (paged, paged_end) = pull_all(&s, &t1, limit).await;
        assert_eq!(
            paged.iter().map(key).collect::<Vec<_>>(),
            whole.iter().map(key).collect::<Vec<_>>(),
            "pages of {limit} return every visible change exactly once, in order"
        );
        assert_eq!(paged_end, end, "and end at the same cursor");
    }
    let at_end = pull_page(&s, &t1, &end, 100).await;
    assert!(
        at_end.changes.is_empty() && !at_end.has_more,
        "nothing after the end"
    );
    assert_eq!(
        at_end.cursor, end,
        "an empty page keeps the cursor where it was"
    );

    // A later push shows up after the old cursor, and only it.
    let late = new_id();
    push(
        &s,
        &w1,
        "worker-0001",
        &[finding(&late, W1_GRID, "note", None)],
    )
    .await;
    let next = pull_page(&s, &t1, &end, 100).await;
    assert_eq!(
        next.changes.iter().map(key).collect::<Vec<_>>(),
        vec![("finding".to_owned(), late)],
        "the cursor resumes after what was already pulled"
    );

    let (_, epoch_and_seq) = end.split_once('.').unwrap();
    let (epoch, seq) = epoch_and_seq.split_once('.').unwrap();
    let seq: i64 = seq.parse().unwrap();
    let max = count(&s, "SELECT seq FROM sqlite_sequence WHERE name = 'changes'");
    for forged in [
        "garbage".to_owned(),
        format!("v2.{epoch}.{seq}"),
        format!("v1.{}.{seq}", "0".repeat(32)),
        format!("v1.{epoch}.{}", max + 1),
        format!("v1.{epoch}.-1"),
    ] {
        let r = s
            .get(&t1, &format!("/api/v1/sync/pull?cursor={forged}"))
            .await;
        assert_eq!(
            r.status(),
            412,
            "{forged:?} cannot be honoured: the device must rebuild"
        );
        assert_eq!(error_code(r).await, "cursor_invalid");
    }
    for bad in ["limit=0", "limit=abc", "limit=-3"] {
        let r = s.get(&t1, &format!("/api/v1/sync/pull?{bad}")).await;
        assert_eq!(r.status(), 400, "{bad} is not a page size");
        assert_eq!(error_code(r).await, "invalid_query");
    }
    let r = s.get(&t1, "/api/v1/sync/pull?limit=100000").await;
    assert_eq!(r.status(), 200, "an oversized limit is capped, not refused");
    let page: PullResponse = r.json().await.unwrap();
    assert!(page.changes.len() <= yiwang_core::sync::MAX_PULL_LIMIT as usize);
    let r = s.http.get(s.url("/api/v1/sync/pull")).send().await.unwrap();
    assert_eq!(r.status(), 401, "pull needs a signed-in user");
}

#[tokio::test]
async fn bad_ops_are_rejected_with_stable_codes_and_store_nothing() {
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let ten: Vec<String> = (0..10).map(|i| format!("{i:064x}")).collect();
    let mut ten_photos = finding_data(W1_GRID, "note", None);
    ten_photos["photos"] = json!(ten);
    let mut class = finding_data(W1_GRID, "note", None);
    class["category_code"] = json!("01");
    let mut empty = finding_data(W1_GRID, "note", None);
    empty["description"] = json!("  ");
    let mut long = finding_data(W1_GRID, "note", None);
    long["description"] = json!("长".repeat(501));
    let mut off_earth = finding_data(W1_GRID, "note", None);
    off_earth["lat"] = json!(91.0);
    let mut half = finding_data(W1_GRID, "note", None);
    half["lon"] = Value::Null;
    let mut no_grid = finding_data(W1_GRID, "note", None);
    no_grid.as_object_mut().unwrap().remove("grid_id");
    // A case id already taken: the finding is written before its case is refused, and the
    // savepoint must take it back (with its photo rows).
    let taken = new_id();
    let w2 = s.login("worker-0002").await;
    let r = push(
        &s,
        &w2,
        "worker-0002",
        &[finding(&new_id(), W2_GRID, "report", Some(&taken))],
    )
    .await;
    assert_eq!(outcomes(&r), applied(1), "worker-0002 opens a case");
    let mut reuse = finding_data(W1_GRID, "report", Some(&taken));
    reuse["photos"] = json!([format!("{:064x}", 1), format!("{:064x}", 2)]);
    let ghost = new_id();
    let good = new_id();
    let cases: Vec<(Value, &str)> = vec![
        (op("finding.create", &new_id(), reuse), "case_exists"),
        (
            op("patrol.pause", &new_id(), json!({})),
            "invalid_op", // unknown op type
        ),
        (op("finding.create", &new_id(), no_grid), "invalid_op"),
        (
            finding(&new_id(), W2_GRID, "note", None),
            "out_of_jurisdiction",
        ),
        (
            finding(&new_id(), "no-such-grid", "note", None),
            "out_of_jurisdiction",
        ),
        (op("finding.create", &new_id(), class), "invalid_input"),
        (op("finding.create", &new_id(), ten_photos), "invalid_input"),
        (op("finding.create", &new_id(), empty), "invalid_input"),
        (op("finding.create", &new_id(), long), "invalid_input"),
        (op("finding.create", &new_id(), off_earth), "invalid_input"),
        (op("finding.create", &new_id(), half), "invalid_input"),
        (finding(&new_id(), W1_GRID, "report", None), "invalid_input"),
        (
            finding(&new_id(), W1_GRID, "note", Some(&new_id())),
            "invalid_input",
        ),
        (patrol_start(&new_id(), W2_GRID), "out_of_jurisdiction"),
        (patrol_track(&ghost, 2), "unknown_patrol"),
        (patrol_end(&ghost), "unknown_patrol"),
        (
            case_action(&new_id(), 0, json!({"action": "claim"})),
            "unknown_case",
        ),
        (
            case_action(&new_id(), 0, json!({"action": "teleport"})),
            "invalid_op",
        ),
        (
            op(
                "case.action",
                &new_id(),
                json!({"base_version": 0, "action": "report", "channel": "grid",
                       "category": "01.01", "description": "x"}),
            ),
            "invalid_op",
        ),
        (patrol_start("", W1_GRID), "invalid_op"),
    ];
    let mut ops: Vec<Value> = cases.iter().map(|(o, _)| o.clone()).collect();
    ops.push(finding(&good, W1_GRID, "note", None));
    let r = push(&s, &w1, "worker-0001", &ops).await;
    for (i, (o, code)) in cases.iter().enumerate() {
        assert_eq!(
            (
                r.results[i].status,
                r.results[i].code.as_ref().map(|c| c.as_str())
            ),
            (yiwang_core::sync::OpStatus::Rejected, Some(*code)),
            "op {i} ({} {}) is rejected as {code}: {:?}",
            o["type"],
            o["data"],
            r.results[i].message
        );
        assert_eq!(
            r.results[i].op_id.as_str(),
            o["op_id"].as_str().unwrap(),
            "results come in op order"
        );
    }
    assert_eq!(
        r.results.last().unwrap().status,
        yiwang_core::sync::OpStatus::Applied,
        "the good op behind all the bad ones applies"
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM findings WHERE worker_id = 'worker-0001'"
        ),
        1,
        "of worker-0001's findings only the good one is stored"
    );
    for (table, n) in [
        ("patrols", 0),
        ("track_points", 0),
        ("finding_photos", 0),
        ("cases", 1),
        ("case_events", 1),
    ] {
        assert_eq!(
            count(&s, &format!("SELECT count(*) FROM {table}")),
            n,
            "no rejected op left anything in {table} (worker-0002's case is the one there)"
        );
    }
    assert_eq!(
        count(&s, "SELECT count(*) FROM ops WHERE status = 'rejected'"),
        cases.len() as i64 - 1,
        "every rejected v1 op is kept with its reason; the unknown type is not a v1 op and is only answered"
    );
    assert_eq!(
        count(
            &s,
            "SELECT count(*) FROM changes WHERE entity = 'rejected_op'"
        ),
        cases.len() as i64 - 1,
        "and logged for the sender's pull"
    );

    // Requests that are wrong as a whole change nothing at all.
    let ops_before = count(&s, "SELECT count(*) FROM ops");
    let r = push_raw(
        &s,
        &w1,
        "someone-elses-phone",
        &[finding(&new_id(), W1_GRID, "note", None)],
    )
    .await;
    assert_eq!(r.status(), 403, "a push names the token's own device");
    assert_eq!(error_code(r).await, "device_mismatch");
    let many: Vec<Value> = (0..yiwang_core::sync::MAX_PUSH_OPS + 1)
        .map(|_| finding(&new_id(), W1_GRID, "note", None))
        .collect();
    let r = push_raw(&s, &w1, "dev-worker-0001", &many).await;
    assert_eq!(r.status(), 422, "a batch over the limit is refused whole");
    assert_eq!(error_code(r).await, "too_many_ops");
    let mut no_id = finding(&new_id(), W1_GRID, "note", None);
    no_id.as_object_mut().unwrap().remove("op_id");
    let r = push_raw(
        &s,
        &w1,
        "dev-worker-0001",
        &[finding(&new_id(), W1_GRID, "note", None), no_id],
    )
    .await;
    assert_eq!(r.status(), 422, "an op without an id cannot be answered");
    assert_eq!(error_code(r).await, "invalid_body");
    let r = s
        .http
        .post(s.url("/api/v1/sync/push"))
        .bearer_auth(&w1)
        .header("content-type", "application/json")
        .body("{\"device_id\": \"dev-worker-0001\", \"ops\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "broken JSON");
    assert_eq!(error_code(r).await, "invalid_json");
    let r = s
        .post(
            &w1,
            "/api/v1/sync/push",
            &json!({"device_id": "dev-worker-0001"}),
        )
        .await;
    assert_eq!(r.status(), 422, "ops missing");
    assert_eq!(error_code(r).await, "invalid_body");
    let r = s
        .http
        .post(s.url("/api/v1/sync/push"))
        .json(&json!({"device_id": "dev-worker-0001", "ops": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "push needs a signed-in user");
    assert_eq!(
        count(&s, "SELECT count(*) FROM ops"),
        ops_before,
        "refused requests stored no op"
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM findings"),
        2,
        "and no finding"
    );
    let api: Value = s
        .http
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/sync/rejected",
    ] {
        assert!(
            api["paths"][path].is_object(),
            "the OpenAPI document lists {path}"
        );
    }
}

#[tokio::test]
async fn patrols_are_idempotent_by_id_and_owned_by_their_worker() {
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let w2 = s.login("worker-0002").await;
    let patrol = new_id();
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[patrol_start(&patrol, W1_GRID), patrol_end(&patrol)],
    )
    .await;
    assert_eq!(outcomes(&r), applied(2));
    // The same patrol re-queued under new op ids (an outbox rebuilt on the device).
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[patrol_start(&patrol, W1_GRID), patrol_end(&patrol)],
    )
    .await;
    assert_eq!(
        outcomes(&r),
        applied(2),
        "the same patrol again changes nothing and is not an error"
    );
    let mut later = patrol_end(&patrol);
    later["data"]["ended_at"] = json!("2026-11-26T03:00:00Z");
    let mut early = patrol_track(&patrol, 1);
    early["data"]["points"][0]["lat"] = json!(f64::NAN.to_string());
    let r = push(
        &s,
        &w2,
        "worker-0002",
        &[
            patrol_start(&patrol, W2_GRID),
            patrol_track(&patrol, 2),
            finding(&new_id(), W2_GRID, "note", None),
        ],
    )
    .await;
    assert_eq!(
        outcomes(&r),
        vec![
            ("rejected".into(), Some("id_conflict".into())),
            ("rejected".into(), Some("not_owner".into())),
            ("applied".into(), None)
        ],
        "another worker cannot take over or extend worker-0001's patrol"
    );
    let r = push(&s, &w1, "worker-0001", &[later, early]).await;
    assert_eq!(
        outcomes(&r),
        vec![
            ("rejected".into(), Some("patrol_ended".into())),
            ("rejected".into(), Some("invalid_op".into())),
        ],
        "an ended patrol keeps its end; a point must be numbers"
    );
    assert_eq!(count(&s, "SELECT count(*) FROM patrols"), 1, "one patrol");
    assert_eq!(
        count(&s, "SELECT count(*) FROM track_points"),
        0,
        "no foreign points"
    );
    assert_eq!(
        count(&s, "SELECT count(*) FROM devices"),
        2,
        "each pushing device is known"
    );
}

#[tokio::test]
async fn a_photo_that_landed_first_is_seen_where_its_finding_is() {
    use yiwang_core::ids::PhotoHash;
    use yiwang_server::storage::photos::PhotoRecord;
    let s = TestServer::start().await;
    let hash = PhotoHash::of(b"a photo uploaded before its finding was pushed");
    let (found, case) = (new_id(), new_id());
    let (h, f, now) = (hash.clone(), found.clone(), s.now());
    s.state
        .ledger
        .write(move |tx| {
            // What the tus endpoint does when an upload completes.
            tx.insert_photo(
                &PhotoRecord {
                    sha256: h.clone(),
                    bytes: 1234,
                    width: 640,
                    height: 480,
                    mime: "image/jpeg".into(),
                    stored_at: now,
                    uploaded_by: "worker-0001".into(),
                    finding_id: Some(f.as_str().into()),
                },
                &"worker-0001".into(),
            )?;
            yiwang_server::storage::photo_log::log_photo(tx, &h)
        })
        .await
        .expect("the photo is recorded");
    let t1 = s.login("township-01").await;
    let (before, _) = pull_all(&s, &t1, 1000).await;
    assert!(
        !has(&before, Entity::Photo, hash.as_str()),
        "before its finding arrives, the photo is only its uploader's"
    );

    let w1 = s.login("worker-0001").await;
    let mut data = finding_data(W1_GRID, "report", Some(&case));
    data["photos"] = json!([hash.as_str()]);
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[op("finding.create", &found, data)],
    )
    .await;
    assert_eq!(outcomes(&r), applied(1));
    for who in ["township-01", "community-001", "worker-0001"] {
        let t = s.login(who).await;
        let (seen, _) = pull_all(&s, &t, 1000).await;
        let photo = seen
            .iter()
            .find(|c| c.entity == Entity::Photo && c.id == hash.as_str())
            .unwrap_or_else(|| panic!("{who} sees the finding, so its photo's metadata too"));
        assert_eq!(
            photo.data["finding_id"],
            json!(found),
            "the photo names its finding"
        );
    }
    for who in ["township-02", "worker-0002"] {
        let t = s.login(who).await;
        let (seen, _) = pull_all(&s, &t, 1000).await;
        assert!(
            !has(&seen, Entity::Photo, hash.as_str()),
            "{who} does not see the finding, nor its photo"
        );
    }
    let c = case_row(&s, &case).await;
    assert_eq!(c.photos, vec![hash], "the case lists the finding's photo");
}

/// Migration 0002 on a ledger written before it: the change log's copies of findings are dropped
/// (pulls read them from `findings`), every seq and the AUTOINCREMENT high-water mark survive,
/// and every pull answers exactly what it answered before.
#[tokio::test]
async fn a_ledger_from_before_the_lean_change_log_migrates_and_pulls_the_same() {
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let patrol = new_id();
    let note = new_id();
    let r = push(
        &s,
        &w1,
        "worker-0001",
        &[
            patrol_start(&patrol, W1_GRID),
            patrol_track(&patrol, 3),
            finding(&note, W1_GRID, "note", None),
        ],
    )
    .await;
    assert_eq!(outcomes(&r), applied(3));
    // A case worked through to verification: cases and case events in the log too.
    case_in_verifying(&s, "worker-0001", W1_GRID, "township-01").await;
    let viewers = ["worker-0001", "township-01", "center", "leader"];
    let mut before = vec![];
    for who in viewers {
        let t = s.login(who).await;
        before.push(pull_all(&s, &t, 7).await.0);
    }
    assert!(
        before[0]
            .iter()
            .filter(|c| c.entity == Entity::Finding)
            .count()
            >= 2,
        "the worker pulls both findings"
    );

    // The same ledger as a version-1 server left it: findings copied into the log, the old
    // indexes, user_version 1, and a high-water mark above the newest row (a replaced row).
    let old = tempfile::tempdir().unwrap();
    let old_file = old.path().join("ledger.sqlite");
    db(&s)
        .execute("VACUUM INTO ?1", [old_file.to_str().unwrap()])
        .unwrap();
    let mark: i64 = {
        let c = rusqlite::Connection::open(&old_file).unwrap();
        c.execute_batch(
            "UPDATE changes SET data = (SELECT f.data FROM findings f WHERE f.id = changes.id)
                 WHERE entity = 'finding' AND data IS NULL;
             DROP INDEX findings_case;
             CREATE INDEX findings_case ON findings(case_id);
             CREATE INDEX ops_user ON ops(user_id);
             UPDATE sqlite_sequence SET seq = seq + 5 WHERE name = 'changes';
             PRAGMA user_version = 1;",
        )
        .unwrap();
        let copied: i64 = c
            .query_row(
                "SELECT count(*) FROM changes WHERE entity = 'finding' AND data IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(copied >= 2, "the old form copies findings into the log");
        c.query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'changes'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };

    // A server of this build opens it: the migration runs.
    let m = TestServer::over(old, s.seeded.clone()).await;
    assert_eq!(count(&m, "PRAGMA user_version"), 2, "migrated to version 2");
    assert_eq!(
        count(
            &m,
            "SELECT count(*) FROM changes WHERE entity = 'finding' AND data IS NOT NULL"
        ),
        0,
        "no finding is copied into the log any more"
    );
    assert_eq!(
        count(
            &m,
            "SELECT count(*) FROM sqlite_master WHERE name IN ('ops_user', 'changes_next')"
        ),
        0,
        "the old index and the rebuild's table are gone"
    );
    assert_eq!(
        count(&m, "SELECT seq FROM sqlite_sequence WHERE name = 'changes'"),
        mark,
        "the high-water mark survives the rebuild"
    );

    // Every viewer pulls exactly what it pulled before, seqs included (signing in logs nothing
    // a pull returns, so the lists compare whole).
    for (who, was) in viewers.iter().zip(&before) {
        let t = m.login(who).await;
        let (now, _) = pull_all(&m, &t, 7).await;
        assert_eq!(
            serde_json::to_value(&now).unwrap(),
            serde_json::to_value(was).unwrap(),
            "{who} pulls the same changes after the migration"
        );
    }

    // The next record logged gets a seq above the mark, never one handed out before.
    let w1 = m.login("worker-0001").await;
    let r = push(
        &m,
        &w1,
        "worker-0001",
        &[finding(&new_id(), W1_GRID, "note", None)],
    )
    .await;
    assert_eq!(outcomes(&r), applied(1));
    assert!(
        r.results[0].seq.is_some_and(|seq| seq > mark),
        "a new finding is logged above the mark {mark}: {:?}",
        r.results[0]
    );
}

/// The finding rule the server applies is core's, the one the device and the app's form apply:
/// a note or an on-the-spot fix may rest on a photo alone, a report never (issue 10).
#[tokio::test]
async fn the_server_applies_the_same_finding_rule_as_the_device_and_the_form() {
    let s = TestServer::start().await;
    let w1 = s.login("worker-0001").await;
    let photo = format!("{:064x}", 7);
    let with = |disposition: &str, description: &str, photos: &[&str], case_id: Option<&str>| {
        let mut d = finding_data(W1_GRID, disposition, case_id);
        d["description"] = json!(description);
        d["photos"] = json!(photos);
        op("finding.create", &new_id(), d)
    };
    let case = new_id();
    let ops = [
        with("note", "", &[&photo], None),
        with("resolved_on_spot", "  ", &[&photo], None),
        with("note", "", &[], None),
        with("report", "", &[&photo], Some(&case)),
        with("note", "坑", &[], None),
        with("report", "井盖", &[], Some(&new_id())),
    ];
    let r = push(&s, &w1, "worker-0001", &ops).await;
    assert_eq!(
        outcomes(&r),
        vec![
            ("applied".to_owned(), None),
            ("applied".to_owned(), None),
            ("rejected".to_owned(), Some("invalid_input".to_owned())),
            ("rejected".to_owned(), Some("invalid_input".to_owned())),
            ("rejected".to_owned(), Some("invalid_input".to_owned())),
            ("applied".to_owned(), None),
        ],
        "a photo alone is a note's record; a report says what it is: {:?}",
        r.results
    );
    let message = r.results[3].message.as_deref().unwrap_or_default();
    assert!(
        message.contains("a reported case needs at least 2 characters"),
        "the refusal says which rule: {message}"
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM cases WHERE id = '{case}'")
        ),
        0,
        "the refused report opened no case"
    );
}
