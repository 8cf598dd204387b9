//! A rejected op is kept, readable by its sender and their supervisors, pulled by its sender,
//! and answered the same when re-sent.

use crate::common::{
    act, case_in_verifying, case_row, count, has, outcomes, pull_all, push, user, W1_GRID,
};
use serde_json::{json, Value};
use yiwang_core::case::{Action, CaseState};
use yiwang_core::sync::Entity;
use yiwang_tests::kit::ops::{case_action, new_id, patrol_start};
use yiwang_tests::kit::TestServer;

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
