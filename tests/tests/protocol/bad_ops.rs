//! Bad input refused with stable codes, and nothing of it stored: bad ops one by one, and
//! requests wrong as a whole.

use crate::common::{applied, count, outcomes, push, push_raw, W1_GRID, W2_GRID};
use serde_json::{json, Value};
use yiwang_tests::kit::ops::{
    case_action, finding, finding_data, new_id, op, patrol_end, patrol_start, patrol_track,
};
use yiwang_tests::kit::{error_code, TestServer};

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
    let api: Value = s.public_json("/api/v1/openapi.json").await;
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
