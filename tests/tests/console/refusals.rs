//! Refused actions: each carries its code and status and changes nothing stored.

use serde_json::{json, Value};
use yiwang_core::ids::CaseId;
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{act, act_ok, hotline, intake, stored, G1, G2};

fn event_count(s: &TestServer, id: &str) -> usize {
    let id = CaseId(id.to_owned());
    s.state
        .ledger
        .read_blocking(move |tx| tx.case_events(&id))
        .unwrap()
        .len()
}

#[tokio::test]
async fn refusals_carry_their_code_and_status_and_change_nothing() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let t1 = s.login("township-01").await;
    let center = s.login("center").await;
    let leader = s.login("leader").await;
    let other = s.login("community-003").await;
    let id = intake(&s, &op, hotline(G1, "01.02", "电线裸露")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    async fn refused(
        s: &TestServer,
        token: &str,
        id: &str,
        version: u64,
        action: Value,
        status: u16,
        code: &str,
    ) {
        let before = (stored(s, id), event_count(s, id));
        let r = act(s, token, id, version, action.clone()).await;
        assert_eq!(
            r.status(),
            status,
            "{action} at v{version} is refused with {status}"
        );
        assert_eq!(
            error_code(r).await,
            code,
            "{action}: the code names the refusal"
        );
        assert_eq!(
            (stored(s, id), event_count(s, id)),
            before,
            "{action}: a refusal changes nothing stored"
        );
    }

    refused(
        &s,
        &op,
        &id,
        0,
        json!({"action": "claim"}),
        409,
        "stale_state",
    )
    .await;
    refused(
        &s,
        &leader,
        &id,
        1,
        json!({"action": "claim"}),
        403,
        "forbidden_role",
    )
    .await;
    refused(
        &s,
        &other,
        &id,
        1,
        json!({"action": "claim"}),
        403,
        "out_of_jurisdiction",
    )
    .await;
    refused(
        &s,
        &t1,
        &id,
        1,
        json!({"action": "resolve"}),
        422,
        "invalid_transition",
    )
    .await;
    refused(
        &s,
        &op,
        &id,
        1,
        json!({"action": "escalate"}),
        422,
        "invalid_input",
    )
    .await;
    act_ok(&s, &center, &id, json!({"action": "claim"})).await;
    refused(
        &s,
        &t1,
        &id,
        2,
        json!({"action": "dispatch"}),
        403,
        "not_holder",
    )
    .await;
    act_ok(&s, &center, &id, json!({"action": "dispatch"})).await;
    refused(
        &s,
        &center,
        &id,
        3,
        json!({"action": "refuse_extension"}),
        422,
        "no_extension_requested",
    )
    .await;
    refused(
        &s,
        &center,
        &id,
        3,
        json!({"action": "report", "channel": "hotline8890", "category": "01.02", "description": "x"}),
        422,
        "invalid_input",
    )
    .await;
    refused(
        &s,
        &center,
        &id,
        3,
        json!({"action": "explode"}),
        422,
        "invalid_body",
    )
    .await;
    let r = s
        .post(
            &center,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "comment", "note": "x"}),
        )
        .await;
    assert_eq!(r.status(), 422, "base_version is required");
    assert_eq!(error_code(r).await, "invalid_body");
    let r = act(
        &s,
        &center,
        "no-such-case",
        1,
        json!({"action": "comment", "note": "x"}),
    )
    .await;
    assert_eq!(r.status(), 404, "acting on an unknown case is 404");

    // A resident rating is given once, and not by the operator who registered the case.
    let closed = intake(&s, &op, hotline(G2, "03.01", "暴露垃圾")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    act_ok(&s, &op, &closed, json!({"action": "claim"})).await;
    act_ok(
        &s,
        &op,
        &closed,
        json!({"action": "resolve", "note": "已清理"}),
    )
    .await;
    act_ok(&s, &op, &closed, json!({"action": "close"})).await;
    refused(
        &s,
        &op,
        &closed,
        4,
        json!({"action": "rate", "rating": "satisfied"}),
        403,
        "rating_not_allowed",
    )
    .await;
    act_ok(
        &s,
        &center,
        &closed,
        json!({"action": "rate", "rating": "satisfied"}),
    )
    .await;
    refused(
        &s,
        &center,
        &closed,
        5,
        json!({"action": "rate", "rating": "dissatisfied"}),
        422,
        "already_rated",
    )
    .await;
    assert_eq!(
        stored(&s, &id).version,
        3,
        "only the two accepted actions moved the case"
    );
}
