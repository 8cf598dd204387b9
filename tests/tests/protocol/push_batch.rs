//! A push applied at once (one savepoint for the whole batch, duplicates found in one look-up)
//! gives exactly what applying its ops one by one, each in its own savepoint, gives: the same
//! results and the same rows, on two ledgers seeded alike. And when the batch cannot be applied
//! at once (an op refused after it wrote, an op id repeated within the push), it leaves nothing
//! behind and the push still ends as the one-by-one way ends it.

use crate::common::{W1_GRID, W2_GRID};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use yiwang_core::ids::DeviceId;
use yiwang_core::sync::{Op, OpResult, OpStatus, OpType};
use yiwang_server::storage::auth::StoredUser;
use yiwang_server::sync::{apply_ops, apply_ops_at_once, apply_ops_one_by_one};
use yiwang_tests::kit::{ops, t0, Backend, TestServer};

const WORKER: &str = "worker-0001";

fn id(tag: &str) -> String {
    // Fixed ids, so both ledgers get the same ones.
    format!("0190a000-0000-7000-8000-{:0>12}", tag)
}

/// The kit's op ([`ops::op`]) under the fixed op id `id(n)`, as the server takes it.
fn op(n: &str, kind: OpType, entity: &str, data: Value) -> Op {
    let kind = serde_json::to_value(kind).expect("an op type is JSON");
    let mut wire = ops::op(kind.as_str().expect("an op type is a string"), entity, data);
    wire["op_id"] = json!(id(n));
    serde_json::from_value(wire).expect("a kit op is an Op")
}

/// A note ([`ops::finding_data`], without a case) with `extra` fields set over it.
fn finding(n: &str, entity: &str, grid: &str, extra: Value) -> Op {
    let mut data = ops::finding_data(grid, "note", None);
    data.as_object_mut()
        .expect("finding data is an object")
        .remove("case_id");
    for (k, v) in extra.as_object().unwrap() {
        data[k] = v.clone();
    }
    op(n, OpType::FindingCreate, entity, data)
}

/// Ops already received before the batch: a patrol, a note, a report (its case).
fn history() -> Vec<Op> {
    vec![
        op(
            "h1",
            OpType::PatrolStart,
            &id("p1"),
            json!({"grid_id": W1_GRID, "started_at": "2026-11-26T01:00:00Z"}),
        ),
        finding("h2", &id("f0"), W1_GRID, json!({})),
        finding(
            "h3",
            &id("f9"),
            W1_GRID,
            json!({"disposition": "report", "case_id": id("c0")}),
        ),
    ]
}

/// Good ops, refused ops and duplicates, mixed; none of the refusals writes before it is made.
fn mixed_batch() -> Vec<Op> {
    let h = history();
    vec![
        finding("b01", &id("f1"), W1_GRID, json!({})),
        finding("b02", &id("f2"), W1_GRID, json!({"patrol_id": id("nope")})),
        finding("b03", &id("f3"), W1_GRID, json!({"category_code": "01"})),
        h[1].clone(),
        op(
            "b05",
            OpType::PatrolStart,
            &id("p2"),
            json!({"grid_id": W1_GRID, "started_at": "2026-11-26T02:00:00Z"}),
        ),
        op(
            "b06",
            OpType::PatrolTrack,
            &id("p2"),
            json!({"points": [
                {"t": "2026-11-26T02:01:00Z", "lat": 40.612, "lon": 122.503, "accuracy_m": 5.0, "mock": false},
                {"t": "2026-11-26T02:02:00Z", "lat": 40.613, "lon": 122.503, "accuracy_m": 5.0, "mock": false}
            ]}),
        ),
        finding("b07", &id("f4"), W1_GRID, json!({"patrol_id": id("p2")})),
        finding("b08", &id("f5"), W2_GRID, json!({})),
        // The note f0 again under a new op id: the same finding, nothing to do.
        finding("b09", &id("f0"), W1_GRID, json!({})),
        // f0's id for another finding.
        finding(
            "b10",
            &id("f0"),
            W1_GRID,
            json!({"description": "另一件事"}),
        ),
        finding(
            "b11",
            &id("f6"),
            W1_GRID,
            json!({"disposition": "report", "case_id": id("c1")}),
        ),
        op(
            "b12",
            OpType::PatrolEnd,
            &id("p2"),
            json!({"ended_at": "2026-11-26T03:00:00Z"}),
        ),
        op(
            "b13",
            OpType::CaseAction,
            &id("c0"),
            json!({"action": "claim", "base_version": 1}),
        ),
        op(
            "b14",
            OpType::FindingCreate,
            &id("f7"),
            json!({"grid_id": W1_GRID}),
        ),
        op(
            "b15",
            OpType::PatrolEnd,
            &id("p2"),
            json!({"ended_at": "2026-11-26T04:00:00Z"}),
        ),
        h[2].clone(),
        finding("b17", &id("f8"), W1_GRID, json!({"lat": 140.0})),
    ]
}

fn now() -> DateTime<Utc> {
    t0() + chrono::Duration::minutes(30)
}

fn worker(s: &TestServer) -> StoredUser {
    s.seeded.user(WORKER).expect("the worker is seeded").clone()
}

fn device() -> DeviceId {
    DeviceId::new(format!("dev-{WORKER}"))
}

/// Applies `ops` one push per op, each the one-by-one way.
fn one_by_one(s: &TestServer, ops: &[Op]) -> Vec<OpResult> {
    let mut out = vec![];
    for op in ops {
        let (st, user, op) = (s.state.clone(), worker(s), op.clone());
        let r = s
            .state
            .ledger
            .write_blocking(move |tx| {
                let reference = st.reference(tx)?;
                apply_ops_one_by_one(tx, &reference, &user, &device(), &[op], now())
            })
            .expect("a push of one op is answered");
        out.extend(r);
    }
    out
}

/// Applies `ops` as one push the at-once way; `None` when it gave up.
fn at_once(s: &TestServer, ops: &[Op]) -> Option<Vec<OpResult>> {
    let (st, user, ops) = (s.state.clone(), worker(s), ops.to_vec());
    s.state
        .ledger
        .write_blocking(move |tx| {
            let reference = st.reference(tx)?;
            apply_ops_at_once(tx, &reference, &user, &device(), &ops, now())
        })
        .expect("the push is answered")
}

/// Applies `ops` as one push the way the server does.
fn auto(s: &TestServer, ops: &[Op]) -> Vec<OpResult> {
    let (st, user, ops) = (s.state.clone(), worker(s), ops.to_vec());
    s.state
        .ledger
        .write_blocking(move |tx| {
            let reference = st.reference(tx)?;
            apply_ops(tx, &reference, &user, &device(), &ops, now())
        })
        .expect("the push is answered")
}

/// Every row of the tables a push writes, in a stable order, as text.
fn dump(s: &TestServer) -> Vec<String> {
    // PostgreSQL's sequences are not rolled back with a savepoint: a batch tried at once and
    // then op by op leaves gaps in the change log's seqs (harmless to a cursor). There the
    // seqs are compared by rank, which is what a puller sees.
    let sqlite = s.backend == Backend::Sqlite;
    let rank = |col: &str| format!("(SELECT count(*) FROM changes r WHERE r.seq <= {col}) AS rank");
    let ops = if sqlite {
        "SELECT * FROM ops ORDER BY op_id".to_owned()
    } else {
        format!(
            "SELECT op_id, device_id, user_id, type, entity_id, at, received_at, status, code,
                    message, {}, data, unit_path FROM ops ORDER BY op_id",
            rank("ops.seq")
        )
    };
    let changes = if sqlite {
        "SELECT * FROM changes ORDER BY seq".to_owned()
    } else {
        format!(
            "SELECT {}, entity, id, deleted, scope_all, scope_path, scope_grid, scope_depts,
                    scope_user, data FROM changes ORDER BY seq",
            rank("changes.seq")
        )
    };
    let mut queries = vec![("ops", ops), ("changes", changes)];
    for (table, order) in [
        ("findings", "id"),
        ("finding_photos", "finding_id, position"),
        ("patrols", "id"),
        ("track_points", "patrol_id, t, lat, lon"),
        ("cases", "id"),
        ("case_events", "case_id, seq"),
        ("devices", "device_id"),
    ] {
        queries.push((table, format!("SELECT * FROM {table} ORDER BY {order}")));
    }
    if sqlite {
        queries.push((
            "sqlite_sequence",
            "SELECT * FROM sqlite_sequence ORDER BY name".into(),
        ));
    }
    let mut out = vec![];
    for (table, sql) in queries {
        for row in s.ledger_rows(&sql) {
            let cells: Vec<String> = row.iter().map(|c| format!("{c:?}")).collect();
            out.push(format!("{table}: {}", cells.join(" | ")));
        }
    }
    out
}

/// Results with each seq replaced by its rank in the change log on PostgreSQL, whose sequences
/// keep the numbers a rolled-back savepoint took (see [`dump`]); unchanged on SQLite.
fn by_rank(s: &TestServer, mut results: Vec<OpResult>) -> Vec<OpResult> {
    if s.backend != Backend::Sqlite {
        for r in &mut results {
            if let Some(seq) = r.seq {
                let rank =
                    s.ledger_number(&format!("SELECT count(*) FROM changes WHERE seq <= {seq}"));
                r.seq = Some(rank);
            }
        }
    }
    results
}

fn assert_same_rows(a: &TestServer, b: &TestServer, why: &str) {
    let (da, db) = (dump(a), dump(b));
    assert_eq!(da.len(), db.len(), "{why}: as many rows");
    for (x, y) in da.iter().zip(&db) {
        assert_eq!(x, y, "{why}");
    }
}

/// Two ledgers seeded alike, each with the history applied one op at a time.
async fn twins() -> (TestServer, TestServer) {
    let (a, b) = (TestServer::start().await, TestServer::start().await);
    for s in [&a, &b] {
        let r = one_by_one(s, &history());
        assert!(
            r.iter().all(|r| r.status == OpStatus::Applied),
            "the history applies: {r:?}"
        );
    }
    assert_same_rows(&a, &b, "the twins start alike");
    (a, b)
}

#[tokio::test]
async fn a_mixed_batch_at_once_equals_its_ops_one_by_one() {
    let (a, b) = twins().await;
    let batch = mixed_batch();
    let fast = at_once(&a, &batch).expect("no refusal in this batch comes after a write");
    let slow = one_by_one(&b, &batch);
    let statuses: Vec<(OpStatus, Option<&str>)> =
        slow.iter().map(|r| (r.status, r.code.as_deref())).collect();
    use OpStatus::*;
    assert_eq!(
        statuses,
        vec![
            (Applied, None),
            (Rejected, Some("unknown_patrol")),
            (Rejected, Some("invalid_input")),
            (Duplicate, None),
            (Applied, None),
            (Applied, None),
            (Applied, None),
            (Rejected, Some("out_of_jurisdiction")),
            (Applied, None),
            (Rejected, Some("id_conflict")),
            (Applied, None),
            (Applied, None),
            (Rejected, Some("forbidden_role")),
            (Rejected, Some("invalid_op")),
            (Rejected, Some("patrol_ended")),
            (Duplicate, None),
            (Rejected, Some("invalid_input")),
        ],
        "the batch mixes every kind of answer (so the comparison below covers them all)"
    );
    assert_eq!(fast, slow, "same answers, op for op, seqs included");
    assert_same_rows(&a, &b, "same rows after the batch");

    // The same batch again: all duplicates, answered alike.
    let again_fast = at_once(&a, &batch).expect("a re-sent batch is answered at once");
    let again_slow = one_by_one(&b, &batch);
    assert!(
        again_fast.iter().all(|r| r.status == Duplicate),
        "a re-sent op never applies twice"
    );
    assert_eq!(
        again_fast, again_slow,
        "the duplicates carry the first answers"
    );
    assert_same_rows(
        &a,
        &b,
        "a re-sent batch changes nothing but the device's last contact",
    );
}

#[tokio::test]
async fn a_batch_that_cannot_go_at_once_leaves_nothing_and_ends_as_one_by_one() {
    let (a, b) = twins().await;
    // A report whose case id is taken: the workflow refuses it after its finding was written.
    let mut batch = mixed_batch();
    batch.insert(
        3,
        finding(
            "x1",
            &id("f10"),
            W1_GRID,
            json!({"disposition": "report", "case_id": id("c0")}),
        ),
    );
    let before = dump(&a);
    assert_eq!(
        at_once(&a, &batch),
        None,
        "a refusal after a write needs the op's own savepoint"
    );
    assert_eq!(
        dump(&a),
        before,
        "giving up rolls back everything the batch wrote (the device was heard from at the same time)"
    );
    let auto_results = auto(&a, &batch);
    let slow = one_by_one(&b, &batch);
    assert_eq!(
        (slow[3].status, slow[3].code.as_deref()),
        (OpStatus::Rejected, Some("case_exists")),
        "the report on a taken case id is refused"
    );
    assert_eq!(
        by_rank(&a, auto_results),
        by_rank(&b, slow),
        "same answers as one by one"
    );
    assert_same_rows(&a, &b, "same rows as one by one");

    // An op id twice in one push: the second copy is a duplicate of the first.
    let twice = vec![
        finding("y1", &id("f11"), W1_GRID, json!({})),
        finding("y1", &id("f11"), W1_GRID, json!({})),
    ];
    assert_eq!(at_once(&a, &twice), None, "a repeated op id goes op by op");
    let auto_results = auto(&a, &twice);
    let slow = one_by_one(&b, &twice);
    assert_eq!(
        auto_results.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![OpStatus::Applied, OpStatus::Duplicate],
        "the second copy is answered from the first"
    );
    assert_eq!(
        by_rank(&a, auto_results),
        by_rank(&b, slow),
        "same answers as one by one"
    );
    assert_same_rows(&a, &b, "same rows as one by one");
}
