//! A good batch pushed and pulled back: the records come in their latest form, and only to
//! the users whose jurisdiction holds the grid.

use crate::common::{applied, count, has, outcomes, pull_all, push, W1_GRID};
use serde_json::json;
use yiwang_core::case::{Case, CaseEvent, CaseState};
use yiwang_core::sync::Entity;
use yiwang_tests::kit::ops::{finding, new_id, patrol_end, patrol_start, patrol_track};
use yiwang_tests::kit::TestServer;

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
