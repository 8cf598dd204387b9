//! Ratings (回访评价): who may give them, one resident and one operator rating per case, both
//! shown marked, and the satisfaction figure counting the resident's first.

use serde_json::{json, Value};
use yiwang_tests::kit::ops::case_action;
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{act, act_ok, hotline, intake_id, stored, G1};

/// A hotline case on G1, registered by `op`, resolved and closed at the community: its id.
async fn closed_case(s: &TestServer, op: &str, text: &str) -> String {
    let id = intake_id(s, op, hotline(G1, "03.01", text)).await;
    act_ok(s, op, &id, json!({"action": "claim"})).await;
    act_ok(s, op, &id, json!({"action": "resolve", "note": "已清理"})).await;
    act_ok(s, op, &id, json!({"action": "close"})).await;
    id
}

/// `action` on the case's current version is refused with `status` and `code`, and stores
/// nothing.
async fn refused(s: &TestServer, token: &str, id: &str, action: Value, status: u16, code: &str) {
    let before = stored(s, id);
    let r = act(s, token, id, before.version, action.clone()).await;
    assert_eq!(r.status(), status, "{action} is refused with {status}");
    assert_eq!(
        error_code(r).await,
        code,
        "{action}: the code names the refusal"
    );
    assert_eq!(
        stored(s, id),
        before,
        "{action}: a refusal changes nothing stored"
    );
}

fn rate(rating: &str, source: Option<&str>) -> Value {
    let mut v = json!({"action": "rate", "rating": rating});
    if let Some(src) = source {
        v["source"] = json!(src);
    }
    v
}

#[tokio::test]
async fn a_grid_worker_may_not_rate_from_the_console_or_the_app() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let worker = s.login("worker-0001").await;
    let id = closed_case(&s, &op, "暴露垃圾").await;
    refused(
        &s,
        &worker,
        &id,
        rate("satisfied", None),
        403,
        "forbidden_role",
    )
    .await;
    // The app would send it as a `case.action` op: it is rejected the same way.
    let version = stored(&s, &id).version;
    let r = s
        .post(
            &worker,
            "/api/v1/sync/push",
            &json!({"device_id": "dev-worker-0001",
                    "ops": [case_action(&id, version, rate("satisfied", None))]}),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (
            body["results"][0]["status"].clone(),
            body["results"][0]["code"].clone()
        ),
        (json!("rejected"), json!("forbidden_role")),
        "a worker's rating op is refused: {body}"
    );
    assert_eq!(stored(&s, &id).rating, None, "no rating was recorded");
}

#[tokio::test]
async fn the_registering_operator_may_not_rate_their_case() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let t1 = s.login("township-01").await;
    let id = closed_case(&s, &op, "暴露垃圾").await;
    for source in [None, Some("operator")] {
        refused(
            &s,
            &op,
            &id,
            rate("satisfied", source),
            403,
            "rating_not_allowed",
        )
        .await;
    }
    let d = s.get_json(&op, &format!("/api/v1/cases/{id}")).await;
    assert!(
        !d["available_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("rate")),
        "no Rate button for the operator who registered it"
    );
    assert_eq!(d["rating_sources"], json!([]));
    let c = act_ok(&s, &t1, &id, rate("satisfied", None)).await;
    assert_eq!(
        c["rating"], "satisfied",
        "a colleague records the resident's answer"
    );
}

#[tokio::test]
async fn one_resident_and_one_operator_rating_each_marked() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let t1 = s.login("township-01").await;
    let center = s.login("center").await;
    let id = closed_case(&s, &op, "暴露垃圾").await;
    let d = s.get_json(&t1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        d["rating_sources"],
        json!(["resident", "operator"]),
        "the dialog offers both kinds"
    );
    act_ok(&s, &t1, &id, rate("dissatisfied", Some("resident"))).await;
    refused(
        &s,
        &center,
        &id,
        rate("satisfied", Some("resident")),
        422,
        "already_rated",
    )
    .await;
    refused(
        &s,
        &center,
        &id,
        rate("satisfied", None),
        422,
        "already_rated",
    )
    .await;
    let d = s.get_json(&center, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        d["rating_sources"],
        json!(["operator"]),
        "only the operator's is left"
    );
    let c = act_ok(&s, &center, &id, rate("satisfied", Some("operator"))).await;
    assert_eq!(
        (c["rating"].clone(), c["operator_rating"].clone()),
        (json!("dissatisfied"), json!("satisfied")),
        "both ratings are kept, each in its place"
    );
    refused(
        &s,
        &t1,
        &id,
        rate("basically_satisfied", Some("operator")),
        422,
        "already_rated",
    )
    .await;
    let d = s.get_json(&center, &format!("/api/v1/cases/{id}")).await;
    let rates: Vec<Value> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "rate")
        .map(|e| e["input"].clone())
        .collect();
    assert_eq!(rates.len(), 2, "two rating events: {rates:?}");
    assert!(
        rates[0].get("source").is_none() && rates[1]["source"] == "operator",
        "the timeline marks the operator's rating; the resident's is the default: {rates:?}"
    );
    let list = s.get_json(&center, "/api/v1/cases?state=closed").await;
    let row = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (row["rating"].clone(), row["operator_rating"].clone()),
        (json!("dissatisfied"), json!("satisfied")),
        "the list carries both"
    );
}

#[tokio::test]
async fn satisfaction_counts_the_residents_rating_where_there_is_one() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let t1 = s.login("township-01").await;
    let center = s.login("center").await;
    // A: the operator was satisfied; the resident, called back, was not. B: the operator's
    // rating alone.
    let a = closed_case(&s, &op, "暴露垃圾A").await;
    act_ok(&s, &t1, &a, rate("satisfied", Some("operator"))).await;
    act_ok(&s, &center, &a, rate("dissatisfied", Some("resident"))).await;
    let b = closed_case(&s, &op, "暴露垃圾B").await;
    act_ok(&s, &t1, &b, rate("basically_satisfied", Some("operator"))).await;
    let period = "from=2026-11-20&to=2026-12-31";
    let stats = s
        .get_json(&center, &format!("/api/v1/stats?{period}"))
        .await;
    let total = &stats["total"];
    assert_eq!(
        (total["rated"].clone(), total["satisfied"].clone()),
        (json!(2), json!(1)),
        "one rating per case: A's resident (不满意), B's operator (基本满意)"
    );
    assert_eq!(total["satisfaction_rate"], 0.5);
    let satisfied = s
        .get_json(
            &center,
            &format!("/api/v1/cases?measure=satisfied&{period}"),
        )
        .await;
    let ids: Vec<&str> = satisfied["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [b.as_str()],
        "the satisfied link lists the cases the figure counted"
    );
}
