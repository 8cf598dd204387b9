//! A case's whole course through the console, and the one deadline rule it is held to.

use chrono::Duration;
use serde_json::{json, Value};
use yiwang_tests::kit::TestServer;

use crate::common::{act_ok, hotline, intake, intake_id, G1};

#[tokio::test]
async fn a_case_runs_its_course_through_the_console() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let t1 = s.login("township-01").await;
    let dept = s.login("dept-01").await;
    let worker = s.login("worker-0001").await;
    let id = intake(&s, &op, hotline(G1, "01.02", "电线裸露")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    act_ok(&s, &t1, &id, json!({"action": "claim"})).await;
    let c = act_ok(&s, &t1, &id, json!({"action": "dispatch"})).await;
    assert_eq!(c["state"], "dispatched");
    assert_eq!(c["department"], "power", "dept-01 is the power company");
    act_ok(&s, &dept, &id, json!({"action": "accept"})).await;
    s.advance(Duration::hours(2));
    act_ok(
        &s,
        &dept,
        &id,
        json!({"action": "report_handled", "note": "已更换线路"}),
    )
    .await;
    act_ok(&s, &t1, &id, json!({"action": "assign_verify"})).await;
    let c = act_ok(
        &s,
        &worker,
        &id,
        json!({"action": "verify_pass", "note": "现场已整改"}),
    )
    .await;
    assert_eq!(
        c["state"], "closed",
        "the grid worker's check closes the case"
    );
    assert_eq!(c["outcome"], "resolved");
    // The resident's answer, recorded by a colleague of the operator who registered the case.
    let c = act_ok(
        &s,
        &t1,
        &id,
        json!({"action": "rate", "rating": "basically_satisfied"}),
    )
    .await;
    assert_eq!(c["rating"], "basically_satisfied");
    let d = s.get_json(&t1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        d["events"].as_array().unwrap().len(),
        8,
        "eight events from report to rating"
    );
    assert_eq!(
        d["chain"]["status"], "verified",
        "and the chain still verifies"
    );
}

/// One deadline rule for the console and the phone (issue 10): at the department past its
/// deadline a case is overdue; handled after it, it is no longer overdue but reads
/// `handled_late`, in the list and on the case page alike.
#[tokio::test]
async fn a_case_handled_after_its_deadline_reads_handled_late_not_overdue() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let t1 = s.login("township-01").await;
    let dept = s.login("dept-01").await;
    let id = intake_id(&s, &op, hotline(G1, "01.02", "电线裸露")).await;
    act_ok(&s, &t1, &id, json!({"action": "claim"})).await;
    act_ok(&s, &t1, &id, json!({"action": "dispatch"})).await;
    act_ok(&s, &dept, &id, json!({"action": "accept"})).await;
    let row = |list: &Value| -> Value {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id.as_str())
            .cloned()
            .expect("the case is listed")
    };
    let list = s.get_json(&t1, "/api/v1/cases").await;
    assert_eq!(
        (
            row(&list)["overdue"].clone(),
            row(&list)["deadline_status"].clone()
        ),
        (json!(false), json!("running"))
    );
    // 01.02 gives the department 8 working hours: four working days on, it is past due.
    s.advance(Duration::days(6));
    let list = s.get_json(&t1, "/api/v1/cases?overdue=true").await;
    assert_eq!(
        (
            row(&list)["overdue"].clone(),
            row(&list)["deadline_status"].clone()
        ),
        (json!(true), json!("overdue")),
        "past its deadline at the department: overdue, and the filter finds it"
    );
    act_ok(
        &s,
        &dept,
        &id,
        json!({"action": "report_handled", "note": "已更换线路"}),
    )
    .await;
    let list = s.get_json(&t1, "/api/v1/cases").await;
    assert_eq!(
        (
            row(&list)["overdue"].clone(),
            row(&list)["deadline_status"].clone()
        ),
        (json!(false), json!("handled_late")),
        "handled late: no longer overdue, not on time either"
    );
    let overdue = s.get_json(&t1, "/api/v1/cases?overdue=true").await;
    assert!(
        overdue["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != id.as_str()),
        "the overdue filter follows the same rule"
    );
    let d = s.get_json(&t1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(d["deadline_status"], "handled_late");
    assert_eq!(d["overdue"], false);
}
