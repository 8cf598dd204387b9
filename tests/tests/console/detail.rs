//! Case detail: the timeline, the hash chain, the photos, the deadline and what the caller may
//! do now.

use chrono::Duration;
use serde_json::{json, Value};
use yiwang_core::ids::CaseId;
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{act_ok, finding, hash, hotline, intake, put_finding, put_photo, sha, G1};

#[tokio::test]
async fn detail_shows_timeline_chain_photos_and_the_callers_actions() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let t1 = s.login("township-01").await;
    let mut body = hotline(G1, "01.02", "电线裸露");
    body["photos"] = json!([sha("report-photo"), sha("second-photo")]);
    let case = intake(&s, &op, body).await;
    let id = case["id"].as_str().unwrap().to_owned();
    act_ok(&s, &t1, &id, json!({"action": "claim", "note": "提级办理"})).await;
    act_ok(&s, &t1, &id, json!({"action": "dispatch"})).await;

    // What sync and the photo store will bring: the finding, and one photo's bytes.
    put_photo(
        &s,
        &sha("report-photo"),
        "worker-0001",
        "2026-11-26T01:00:00Z",
    );
    let mut f = finding(
        "finding-1",
        G1,
        "worker-0001",
        "01.02",
        "电线裸露",
        "2026-11-26T00:50:00Z",
    );
    f.photos = vec![hash("finding-photo")];
    f.case_id = Some(CaseId::new(id.as_str()));
    put_finding(&s, f, "2026-11-26T00:55:00Z");

    let d = s.get_json(&t1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(d["case"]["id"], id.as_str());
    assert_eq!(
        d["chain"],
        json!({"status": "verified"}),
        "the hash chain checks out"
    );
    let events = d["events"].as_array().unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["report", "claim", "dispatch"],
        "the whole timeline, in order"
    );
    assert_eq!(
        events[1]["actor"]["user_id"], "township-01",
        "who claimed it"
    );
    assert_eq!(events[1]["actor"]["role"], "township");
    assert_eq!(
        events[1]["actor"]["display_name"], "街道1调度员",
        "shown by name"
    );
    assert_eq!(
        events[1]["actor"]["unit"]["name"], "街道1",
        "with their unit"
    );
    assert_eq!(events[1]["note"], "提级办理", "and the note they left");
    assert_eq!(
        events[2]["effect"]["department"], "power",
        "01.02 goes to the power company by default"
    );
    assert_eq!(d["labels"]["department_name"], "供电公司");
    assert_eq!(d["labels"]["township"]["id"], "210882001");
    assert_eq!(
        d["finding"]["id"], "finding-1",
        "the finding the case came from"
    );

    let photos = d["photos"].as_array().unwrap();
    let status: Vec<(&str, &str)> = photos
        .iter()
        .map(|p| (p["sha256"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    let (report, second, found) = (
        sha("report-photo"),
        sha("second-photo"),
        sha("finding-photo"),
    );
    assert_eq!(
        status,
        [
            (report.as_str(), "stored"),
            (second.as_str(), "pending"),
            (found.as_str(), "pending")
        ],
        "a photo is stored once its bytes landed, pending until then"
    );
    assert_eq!(
        photos[0]["url"],
        format!("/api/v1/photos/by-hash/{report}"),
        "photos are fetched by hash"
    );
    assert_eq!(
        photos[0]["thumb_url"],
        format!("/api/v1/photos/by-hash/{report}/thumb")
    );
    assert_eq!(
        photos[2]["sources"],
        json!(["finding"]),
        "where the photo comes from"
    );

    assert!(
        d["deadline"].is_string(),
        "a dispatched case has a deadline"
    );
    assert_eq!(
        d["remaining_working_minutes"], 480,
        "dispatched at 09:00 with 8 working hours: 480 minutes left"
    );
    assert_eq!(d["overdue"], false);

    let expect: Vec<(&str, Value)> = vec![
        (
            "township-01",
            json!(["supervise", "comment", "extend_deadline"]),
        ),
        ("center", json!(["supervise", "comment", "extend_deadline"])),
        ("leader", json!(["supervise", "comment"])),
        (
            "dept-01",
            json!(["return", "accept", "comment", "request_extension"]),
        ),
        ("community-001", json!(["comment"])),
        ("worker-0001", json!(["comment"])),
        ("admin", json!([])),
    ];
    for (user, actions) in expect {
        let token = s.login(user).await;
        let d = s.get_json(&token, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(
            d["available_actions"], actions,
            "{user} may do exactly this now"
        );
    }
    for user in ["dept-02", "worker-0002", "community-002", "township-02"] {
        let token = s.login(user).await;
        let r = s.get(&token, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(
            r.status(),
            403,
            "{user} may not read a case outside their jurisdiction"
        );
        assert_eq!(
            error_code(r).await,
            "out_of_jurisdiction",
            "{user}: 403, not 404"
        );
    }
    let r = s.get(&t1, "/api/v1/cases/no-such-case").await;
    assert_eq!(r.status(), 404, "an unknown case is 404");
    assert_eq!(error_code(r).await, "not_found");

    s.advance(Duration::hours(9));
    let d = s.get_json(&t1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(d["overdue"], true, "at 18:00 the 17:00 deadline has passed");
    assert_eq!(
        d["remaining_working_minutes"], -30,
        "the working day ended at 17:30: 30 working minutes over"
    );
}

#[tokio::test]
async fn a_case_lodged_at_the_township_on_a_grid_names_the_grids_community() {
    let s = TestServer::start().await;
    let t1 = s.login("township-01").await;
    // The township keeps the case itself (unit_id), yet it lies in G1's community.
    let mut body = hotline(G1, "03.01", "暴露垃圾");
    body["unit_id"] = json!("210882001");
    let case = intake(&s, &t1, body).await;
    assert_eq!(case["holder_unit"], "210882001", "it waits at the township");
    let id = case["id"].as_str().unwrap();
    let d = s.get_json(&t1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        d["labels"]["community"]["id"], "210882001001",
        "the community is the grid's: {}",
        d["labels"]
    );
    assert_eq!(d["labels"]["township"]["id"], "210882001");
}
