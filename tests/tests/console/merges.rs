//! Issue 17 through the console API: a merge names a real case the caller sees and links both
//! ways; the township or the centre undoes it within a week; input refusals carry the field,
//! rule and limit; the queue's filters for extension requests, 回访 ratings and a department's
//! returned cases.

use chrono::Duration;
use serde_json::{json, Value};
use yiwang_tests::kit::TestServer;

use crate::common::{act, act_ok, hotline, intake_id, stored, G1, G2, G5};

async fn refused(s: &TestServer, token: &str, id: &str, action: Value) -> (u16, Value) {
    let v = stored(s, id).version;
    let r = act(s, token, id, v, action).await;
    let status = r.status().as_u16();
    (
        status,
        r.json::<Value>().await.expect("JSON")["error"].clone(),
    )
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_merge_names_a_real_case_links_both_ways_and_is_undone_within_a_week() {
    let s = TestServer::start().await;
    let c1 = s.login("community-001").await;
    let t1 = s.login("township-01").await;
    let center = s.login("center").await;
    let first = intake_id(&s, &c1, hotline(G1, "01.02", "楼道电线裸露")).await;
    let again = intake_id(
        &s,
        &c1,
        hotline(G1, "01.02", "楼道电线裸露（同一处，再次来电）"),
    )
    .await;
    // Another township's case: c1 cannot see it, so it is as unknown as a made-up id.
    let far = intake_id(&s, &center, hotline(G5, "01.02", "别处的电线")).await;
    act_ok(&s, &c1, &again, json!({"action": "claim"})).await;
    let before = stored(&s, &again);

    // The short id the queue shows, another township's case, the case itself: refused, with
    // the field and the rule, and nothing stored changes.
    let short = &first[first.len() - 8..];
    for (target, rule) in [
        (short, "unknown"),
        (far.as_str(), "unknown"),
        (again.as_str(), "same_case"),
    ] {
        let (status, e) = refused(
            &s,
            &c1,
            &again,
            json!({"action": "merge_duplicate", "duplicate_of": target}),
        )
        .await;
        assert_eq!(status, 422, "{target}: {e}");
        assert_eq!(e["code"], "invalid_input");
        assert_eq!(e["field"], "duplicate_of", "{e}");
        assert_eq!(e["rule"], rule, "{e}");
    }
    assert_eq!(
        stored(&s, &again),
        before,
        "a refused merge changes nothing"
    );

    // The real one.
    act_ok(
        &s,
        &c1,
        &again,
        json!({"action": "merge_duplicate", "duplicate_of": first}),
    )
    .await;
    let merged = s.get_json(&c1, &format!("/api/v1/cases/{again}")).await;
    assert_eq!(merged["case"]["duplicate_of"], first.as_str());
    assert_eq!(merged["case"]["outcome"], "duplicate");
    let until = merged["unmerge_until"].as_str().expect("an undo window");
    assert!(until > merged["case"]["closed_at"].as_str().unwrap());
    // The community that merged it has no undo; the township above has.
    let actions = |d: &Value| d["available_actions"].clone();
    assert!(!actions(&merged)
        .as_array()
        .unwrap()
        .contains(&json!("unmerge")));
    let for_t1 = s.get_json(&t1, &format!("/api/v1/cases/{again}")).await;
    assert!(
        actions(&for_t1)
            .as_array()
            .unwrap()
            .contains(&json!("unmerge")),
        "{for_t1}"
    );
    // The original lists it.
    let original = s.get_json(&c1, &format!("/api/v1/cases/{first}")).await;
    let dups = original["duplicates"].as_array().expect("duplicates");
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0]["id"], again.as_str());
    // A case merged elsewhere cannot be a target: the refusal names where it went.
    let third = intake_id(&s, &c1, hotline(G1, "01.02", "电线又一次来电")).await;
    act_ok(&s, &c1, &third, json!({"action": "claim"})).await;
    let (_, e) = refused(
        &s,
        &c1,
        &third,
        json!({"action": "merge_duplicate", "duplicate_of": again}),
    )
    .await;
    assert_eq!(e["rule"], "merged_elsewhere");
    assert_eq!(e["limit"], first.as_str());

    // Undone by the township six days on: claimed at the community again, unlinked.
    s.advance(Duration::days(6));
    act_ok(
        &s,
        &t1,
        &again,
        json!({"action": "unmerge", "note": "不是同一处"}),
    )
    .await;
    let back = stored(&s, &again);
    assert_eq!(back.state.as_str(), "claimed");
    assert_eq!(back.holder_unit.as_str(), before.holder_unit.as_str());
    assert_eq!(back.duplicate_of, None);
    let original = s.get_json(&c1, &format!("/api/v1/cases/{first}")).await;
    assert_eq!(original["duplicates"], json!([]));

    // Merged again, and eight days on the centre cannot undo it: no button, and refused.
    act_ok(
        &s,
        &c1,
        &again,
        json!({"action": "merge_duplicate", "duplicate_of": first}),
    )
    .await;
    s.advance(Duration::days(8));
    let late = s.get_json(&center, &format!("/api/v1/cases/{again}")).await;
    assert!(late["unmerge_until"].is_null());
    assert!(!actions(&late)
        .as_array()
        .unwrap()
        .contains(&json!("unmerge")));
    let (status, e) = refused(&s, &center, &again, json!({"action": "unmerge"})).await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("undo_window_passed"))
    );
}

#[tokio::test]
async fn refusals_name_the_field_the_rule_and_the_limit() {
    let s = TestServer::start().await;
    let t1 = s.login("township-01").await;
    let dept = s.login("dept-01").await;
    let id = intake_id(&s, &t1, hotline(G1, "01.02", "电线裸露")).await;
    act_ok(&s, &t1, &id, json!({"action": "claim"})).await;
    // A dispatch may shorten the category's deadline, not lengthen it.
    let preview = s.get_json(&t1, &format!("/api/v1/cases/{id}")).await["dispatch_preview"]
        ["deadline"]
        .as_str()
        .expect("a preview")
        .to_owned();
    let later =
        (chrono::DateTime::parse_from_rfc3339(&preview).unwrap() + Duration::hours(1)).to_rfc3339();
    let (status, e) = refused(
        &s,
        &t1,
        &id,
        json!({"action": "dispatch", "deadline": later}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        (e["field"].as_str(), e["rule"].as_str()),
        (Some("deadline"), Some("later_than_category_deadline"))
    );
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(e["limit"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339(&preview).unwrap()
    );
    let sooner = (s.now() + Duration::hours(1)).to_rfc3339();
    act_ok(
        &s,
        &t1,
        &id,
        json!({"action": "dispatch", "deadline": sooner}),
    )
    .await;
    let deadline = stored(&s, &id).deadline.expect("dispatched");
    assert_eq!(
        deadline.to_rfc3339(),
        chrono::DateTime::parse_from_rfc3339(&sooner)
            .unwrap()
            .with_timezone(&chrono::Utc)
            .to_rfc3339()
    );
    // An extension not after the deadline: the limit is the deadline.
    let (_, e) = refused(
        &s,
        &dept,
        &id,
        json!({"action": "request_extension", "until": deadline.to_rfc3339(), "note": "需协调"}),
    )
    .await;
    assert_eq!(
        (e["field"].as_str(), e["rule"].as_str()),
        (Some("until"), Some("not_after_deadline"))
    );
    assert_eq!(e["limit"].as_str(), Some(deadline.to_rfc3339().as_str()));
    // Any other refusal has no field.
    let (_, e) = refused(&s, &dept, &id, json!({"action": "claim"})).await;
    assert!(e.get("field").is_none(), "{e}");
}

#[tokio::test]
async fn the_queue_filters_extension_requests_ratings_and_a_departments_returned_cases() {
    let s = TestServer::start().await;
    let t1 = s.login("township-01").await;
    let dept = s.login("dept-01").await;
    let center = s.login("center").await;
    let power = || intake_id(&s, &t1, hotline(G1, "01.02", "电线裸露"));
    let (asked, returned, rated, unrated) =
        (power().await, power().await, power().await, power().await);
    for id in [&asked, &returned, &rated, &unrated] {
        act_ok(&s, &t1, id, json!({"action": "claim"})).await;
        act_ok(&s, &t1, id, json!({"action": "dispatch"})).await;
    }
    let until = (stored(&s, &asked).deadline.unwrap() + Duration::days(2)).to_rfc3339();
    act_ok(
        &s,
        &dept,
        &asked,
        json!({"action": "request_extension", "until": until, "note": "需协调"}),
    )
    .await;
    act_ok(
        &s,
        &dept,
        &returned,
        json!({"action": "return", "note": "非本部门职责"}),
    )
    .await;
    for id in [&rated, &unrated] {
        act_ok(&s, &dept, id, json!({"action": "accept"})).await;
        act_ok(
            &s,
            &dept,
            id,
            json!({"action": "report_handled", "note": "已修复"}),
        )
        .await;
        act_ok(&s, &t1, id, json!({"action": "close"})).await;
    }
    act_ok(
        &s,
        &center,
        &rated,
        json!({"action": "rate", "rating": "dissatisfied"}),
    )
    .await;

    let list = |token: String, q: &'static str| {
        let s = &s;
        async move { ids(&s.get_json(&token, &format!("/api/v1/cases?{q}")).await) }
    };
    assert_eq!(
        list(t1.clone(), "extension_requested=true").await,
        vec![asked.clone()]
    );
    assert_eq!(
        list(t1.clone(), "rating=dissatisfied").await,
        vec![rated.clone()]
    );
    assert_eq!(
        list(t1.clone(), "rating=unrated").await,
        vec![unrated.clone()]
    );
    // The department: charged with what it holds or handled, never with what it returned.
    let mine = list(dept.clone(), "page_size=200").await;
    assert!(
        !mine.contains(&returned),
        "a returned case is not in the department's lists"
    );
    for id in [&asked, &rated, &unrated] {
        assert!(mine.contains(id));
    }
    assert_eq!(
        list(dept.clone(), "returned=true").await,
        vec![returned.clone()]
    );
    let counts = s.get_json(&dept, "/api/v1/cases").await["counts_by_state"].clone();
    assert_eq!(
        counts["claimed"], 0,
        "the returned case (claimed at the township) is not counted: {counts}"
    );
    // Overdue later: only the department's own case counts.
    s.advance(Duration::days(30));
    assert_eq!(
        list(dept.clone(), "overdue=true").await,
        vec![asked.clone()]
    );
    // `returned` is a department's own view only.
    let r = s.get(&t1, "/api/v1/cases?returned=true").await;
    assert_eq!(r.status(), 400);
    let _ = G2;
}
