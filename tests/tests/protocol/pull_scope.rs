//! Pull scoped to jurisdiction for every seeded user, checked against the org tree and the
//! workflow's own visibility rule.

use crate::common::{act, applied, dept_user, key, outcomes, pull_all, push, user};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use yiwang_core::case::{Action, Case};
use yiwang_core::org::OrgTree;
use yiwang_core::workflow::can_see;
use yiwang_server::storage::auth::StoredUser;
use yiwang_tests::kit::ops::{case_action, finding, new_id, patrol_end, patrol_start};
use yiwang_tests::kit::TestServer;

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
                deadline: None,
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
        // A finding's record is its own row, not a copy in the log (migration 0002).
        let rows: Vec<(String, String, Value)> = s
            .ledger_rows(
                "SELECT c.entity, c.id, coalesce(c.data, f.data)
                 FROM changes c LEFT JOIN findings f ON c.entity = 'finding' AND f.id = c.id",
            )
            .into_iter()
            .map(|r| {
                let text = |i: usize| r[i].clone().expect("not null");
                (text(0), text(1), serde_json::from_str(&text(2)).unwrap())
            })
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
