//! The console API the pages link through: the cases behind each dashboard figure
//! (`/api/v1/cases?measure=…`), the dispatch preview of a case, the grid list with the day's
//! patrols, and patrols with their tracks.

use chrono::Duration;
use serde_json::{json, Value};
use yiwang_core::field::TrackPoint;
use yiwang_core::ids::{CaseId, PatrolId};
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{
    act_ok, at, finding, fix, hotline, intake_id as intake, put_finding, put_patrol, put_track,
    stored, G1, G2, G3, G5,
};

/// Takes an action that must succeed, on the case's current version, a minute later.
async fn act(s: &TestServer, token: &str, id: &str, action: Value) {
    s.advance(Duration::minutes(1));
    act_ok(s, token, id, action).await;
}

/// Every count of `Measures` and the names that link to it.
const COUNTS: &[(&str, &[&str])] = &[
    ("reported", &[]),
    ("intake", &[]),
    ("due", &[]),
    ("closed", &["closure_rate", "mean_hours_to_close"]),
    ("closed_on_time", &["on_time", "on_time_rate"]),
    ("verified", &[]),
    ("reworked", &["rework_rate"]),
    ("dispatched", &[]),
    ("extended", &["extension_rate"]),
    ("rated", &[]),
    ("satisfied", &["satisfaction_rate"]),
    ("overdue_now", &[]),
];

#[tokio::test]
async fn each_figure_lists_exactly_the_cases_it_counts() {
    let s = TestServer::start().await;
    let c1 = s.login("community-001").await;
    let c2 = s.login("community-002").await;
    let c3 = s.login("community-003").await;
    let t1 = s.login("township-01").await;
    let t2 = s.login("township-02").await;
    let dept = s.login("dept-01").await;
    let w1 = s.login("worker-0001").await;
    let center = s.login("center").await;

    // A: dispatched, handled, verification fails (返工), handled again, passes, rated.
    let a = intake(&s, &c1, hotline(G1, "01.02", "电线裸露")).await;
    act(&s, &t1, &a, json!({"action": "claim"})).await;
    act(&s, &t1, &a, json!({"action": "dispatch"})).await;
    act(&s, &dept, &a, json!({"action": "accept"})).await;
    act(
        &s,
        &dept,
        &a,
        json!({"action": "report_handled", "note": "已修复"}),
    )
    .await;
    act(&s, &t1, &a, json!({"action": "assign_verify"})).await;
    act(
        &s,
        &w1,
        &a,
        json!({"action": "verify_fail", "note": "仍有裸露"}),
    )
    .await;
    act(&s, &dept, &a, json!({"action": "accept"})).await;
    act(
        &s,
        &dept,
        &a,
        json!({"action": "report_handled", "note": "已重新接线"}),
    )
    .await;
    act(&s, &t1, &a, json!({"action": "assign_verify"})).await;
    act(&s, &w1, &a, json!({"action": "verify_pass"})).await;
    act(
        &s,
        &t1,
        &a,
        json!({"action": "rate", "rating": "satisfied"}),
    )
    .await;
    // B: dispatched, an extension granted, left at the department (overdue later).
    let b = intake(&s, &c1, hotline(G2, "01.02", "电杆倾斜")).await;
    act(&s, &t1, &b, json!({"action": "claim"})).await;
    act(&s, &t1, &b, json!({"action": "dispatch"})).await;
    act(&s, &dept, &b, json!({"action": "accept"})).await;
    let until = (s.now() + Duration::days(9)).to_rfc3339();
    act(
        &s,
        &dept,
        &b,
        json!({"action": "request_extension", "until": until, "note": "需停电检修"}),
    )
    .await;
    act(&s, &t1, &b, json!({"action": "extend_deadline"})).await;
    // C: not a case (不予立案). D: resolved at the community, rated unsatisfied.
    let c = intake(&s, &c2, hotline(G3, "03.01", "重复来电")).await;
    act(
        &s,
        &c2,
        &c,
        json!({"action": "reject_invalid", "note": "重复"}),
    )
    .await;
    let d = intake(&s, &c2, hotline(G3, "03.01", "暴露垃圾")).await;
    act(&s, &c2, &d, json!({"action": "claim"})).await;
    act(&s, &c2, &d, json!({"action": "resolve", "note": "已清理"})).await;
    act(&s, &c2, &d, json!({"action": "close"})).await;
    act(
        &s,
        &t1,
        &d,
        json!({"action": "rate", "rating": "dissatisfied"}),
    )
    .await;
    // E: in another township, dispatched and left (overdue later). F: still pending.
    let e = intake(&s, &c3, hotline(G5, "01.02", "路灯不亮")).await;
    act(&s, &t2, &e, json!({"action": "claim"})).await;
    act(&s, &t2, &e, json!({"action": "dispatch"})).await;
    intake(&s, &c3, hotline(G5, "03.01", "乱堆物料")).await;
    // Six weeks on, every deadline has passed.
    s.advance(Duration::days(42));

    let period = "from=2026-11-20&to=2027-01-31";
    let stats = s
        .get_json(
            &center,
            &format!("/api/v1/stats?{period}&dimension=township"),
        )
        .await;
    let total = &stats["total"];
    assert_eq!(total["reported"], 6, "six cases were reported");
    assert_eq!(total["reworked"], 1, "A was reworked");
    assert_eq!(total["overdue_now"], 2, "B and E are past their deadlines");
    assert_eq!(total["extended"], 1, "B was extended");
    assert_eq!(total["satisfied"], 1, "A was rated satisfied, D not");
    let mut nonzero = 0;
    for (count, aliases) in COUNTS {
        for name in std::iter::once(count).chain(aliases.iter()) {
            let list = s
                .get_json(
                    &center,
                    &format!("/api/v1/cases?measure={name}&{period}&page_size=200"),
                )
                .await;
            assert_eq!(
                list["total"], total[*count],
                "measure={name} lists as many cases as stats counts in {count}"
            );
            assert_eq!(
                list["items"].as_array().unwrap().len() as u64,
                total[*count].as_u64().unwrap(),
                "and the page holds them all"
            );
        }
        nonzero += u64::from(total[*count].as_u64().unwrap() > 0);
        // The same per township row of the breakdown.
        for row in stats["breakdown"].as_array().unwrap() {
            let key = row["key"].as_str().unwrap();
            let list = s
                .get_json(
                    &center,
                    &format!("/api/v1/cases?measure={count}&{period}&dimension=township&key={key}"),
                )
                .await;
            assert_eq!(
                list["total"], row["measures"][*count],
                "measure={count} in township {key} matches its breakdown row"
            );
        }
    }
    assert_eq!(
        nonzero,
        COUNTS.len() as u64,
        "the history gives every figure something to count, so every check above can fail"
    );
    // The failures a leader chases: due and not closed on time, rated and not satisfied.
    for (name, missed, of) in [
        ("not_on_time", "closed_on_time", "due"),
        ("dissatisfied", "satisfied", "rated"),
    ] {
        let list = s
            .get_json(
                &center,
                &format!("/api/v1/cases?measure={name}&{period}&page_size=200"),
            )
            .await;
        let want = total[of].as_u64().unwrap() - total[missed].as_u64().unwrap();
        assert!(want > 0, "{name}: the history has some, so this can fail");
        assert_eq!(
            list["total"], want,
            "measure={name} lists the {of} cases not {missed}"
        );
        for row in stats["breakdown"].as_array().unwrap() {
            let key = row["key"].as_str().unwrap();
            let rows = s
                .get_json(
                    &center,
                    &format!("/api/v1/cases?measure={name}&{period}&dimension=township&key={key}"),
                )
                .await;
            let m = &row["measures"];
            assert_eq!(
                rows["total"].as_u64().unwrap(),
                m[of].as_u64().unwrap() - m[missed].as_u64().unwrap(),
                "measure={name} in township {key}"
            );
        }
    }
    let overdue = s
        .get_json(
            &center,
            &format!("/api/v1/cases?measure=overdue_now&{period}"),
        )
        .await;
    let mut ids: Vec<String> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut want = vec![b.clone(), e.clone()];
    want.sort();
    assert_eq!(ids, want, "overdue now lists exactly B and E");

    // Jurisdiction: a community sees its own figures and only its own cases behind them.
    let mine = s.get_json(&c2, &format!("/api/v1/stats?{period}")).await;
    let list = s
        .get_json(&c2, &format!("/api/v1/cases?measure=reported&{period}"))
        .await;
    assert_eq!(list["total"], mine["total"]["reported"]);
    assert_eq!(list["total"], 2, "community-002 reported C and D");
    // Other filters still narrow a figure's list.
    let list = s
        .get_json(
            &center,
            &format!("/api/v1/cases?measure=reported&{period}&grid={G5}"),
        )
        .await;
    assert_eq!(list["total"], 2, "two of the reported cases lie in G5");
    // The default period is the one /stats uses.
    let st = s.get_json(&center, "/api/v1/stats").await;
    let list = s
        .get_json(&center, "/api/v1/cases?measure=overdue_now")
        .await;
    assert_eq!(list["total"], st["total"]["overdue_now"]);
    // The CSV export takes the same filter.
    let r = s
        .get(
            &center,
            &format!("/api/v1/exports/cases.csv?measure=overdue_now&{period}"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "a header and the two overdue cases");

    for q in [
        "measure=closed&from=2026-12-01&to=2026-11-01",
        "measure=closed&dimension=weather&key=x",
    ] {
        let r = s.get(&center, &format!("/api/v1/cases?{q}")).await;
        assert_eq!(r.status(), 400, "{q} is refused");
        assert_eq!(error_code(r).await, "invalid_query");
    }
    // Well-formed, but naming a figure or a breakdown row that does not exist.
    for q in [
        "measure=closure",
        "measure=closed&dimension=township",
        "dimension=township&key=210882001",
    ] {
        let r = s.get(&center, &format!("/api/v1/cases?{q}")).await;
        assert_eq!(r.status(), 404, "{q}: no such figure row");
        assert_eq!(error_code(r).await, "not_found");
    }
}

#[tokio::test]
async fn a_case_says_where_a_dispatch_would_send_it_and_by_when() {
    let s = TestServer::start().await;
    let c1 = s.login("community-001").await;
    let t1 = s.login("township-01").await;
    let leader = s.login("leader").await;
    let id = intake(&s, &c1, hotline(G1, "01.02", "电线裸露")).await;
    let d = s.get_json(&t1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        d["dispatch_preview"],
        Value::Null,
        "a pending case cannot be dispatched before it is claimed"
    );
    act(&s, &t1, &id, json!({"action": "claim"})).await;
    let d = s.get_json(&t1, &format!("/api/v1/cases/{id}")).await;
    assert!(
        d["available_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("dispatch")),
        "the claimer may dispatch: {}",
        d["available_actions"]
    );
    let preview = d["dispatch_preview"].clone();
    assert!(
        preview["default_department"].is_string(),
        "the category names a department: {preview}"
    );
    assert!(preview["default_department_name"].is_string());
    // Dispatching now gives exactly the previewed department and deadline.
    s.post(
        &t1,
        &format!("/api/v1/cases/{id}/actions"),
        &json!({"action": "dispatch", "base_version": stored(&s, &id).version}),
    )
    .await;
    let after = s.get_json(&t1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        after["case"]["department"], preview["default_department"],
        "the dispatch went where the preview said"
    );
    assert_eq!(
        after["case"]["deadline"], preview["deadline"],
        "with the deadline the preview said"
    );
    assert_eq!(
        after["dispatch_preview"],
        Value::Null,
        "and cannot be dispatched again"
    );
    let seen = s.get_json(&leader, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        seen["dispatch_preview"],
        Value::Null,
        "a leader does not dispatch"
    );
}

/// Stores patrols, a track and findings the way sync stores them.
fn patrol_rows(s: &TestServer) {
    let patrols = [
        (
            "p1",
            G1,
            "worker-0001",
            "2026-11-26T01:30:00Z",
            Some("2026-11-26T02:30:00Z"),
        ),
        ("p2", G1, "worker-0001", "2026-11-26T06:00:00Z", None),
        ("p3", G2, "worker-0002", "2026-11-26T02:00:00Z", None),
        ("p4", G5, "worker-0005", "2026-11-26T03:00:00Z", None),
        ("p5", G1, "worker-0001", "2026-11-25T02:00:00Z", None),
    ];
    for (id, grid, worker, started, ended) in patrols {
        put_patrol(s, id, grid, worker, started, ended);
    }
    let track: Vec<TrackPoint> = ["01:31", "01:40", "01:50"]
        .iter()
        .enumerate()
        .map(|(i, t)| TrackPoint {
            t: at(&format!("2026-11-26T{t}:00Z")),
            lat: 40.61 + i as f64 * 0.001,
            lon: 122.5,
            accuracy_m: Some(5.0),
            mock: false,
        })
        .collect();
    assert_eq!(
        put_track(s, "p1", track),
        3,
        "p1's track holds three points"
    );
    // The others have a track too: a patrol without one never counts for coverage.
    for (id, _, _, started, _) in &patrols[1..] {
        put_track(s, id, vec![fix(started)]);
    }
    for (id, case) in [("f1", Some("c-x")), ("f2", None)] {
        let mut f = finding(
            id,
            G1,
            "worker-0001",
            "03.01",
            "垃圾",
            "2026-11-26T01:45:00Z",
        );
        f.patrol_id = Some(PatrolId::new("p1"));
        f.case_id = case.map(CaseId::new);
        put_finding(s, f, "2026-11-26T01:45:00Z");
    }
}

#[tokio::test]
async fn grids_and_patrols_show_the_days_rounds_within_jurisdiction() {
    let s = TestServer::start().await;
    patrol_rows(&s);
    let t1 = s.login("township-01").await;
    let grids = s.get_json(&t1, "/api/v1/grids").await;
    assert_eq!(grids["date"], "2026-11-26", "today, Beijing time");
    let items = grids["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "township 1 has four grids");
    let g1 = items.iter().find(|g| g["id"] == G1).unwrap();
    assert_eq!(
        (g1["patrols"].clone(), g1["windows"].clone()),
        (json!(2), json!(2)),
        "G1 was patrolled morning and afternoon today"
    );
    assert_eq!(g1["worker_name"], "网格员0001");
    assert_eq!(g1["township"]["id"], "210882001");
    assert!(g1.get("polygon").is_none(), "no polygons unless asked for");
    let with = s
        .get_json(&t1, "/api/v1/grids?polygons=1&unit=210882001001")
        .await;
    assert_eq!(
        with["items"].as_array().unwrap().len(),
        2,
        "one community's grids"
    );
    assert!(with["items"][0]["polygon"].is_object());
    let yesterday = s.get_json(&t1, "/api/v1/grids?date=2026-11-25").await;
    let g1 = yesterday["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == G1)
        .unwrap();
    assert_eq!(g1["patrols"], 1, "yesterday's one patrol");
    let dept = s.login("dept-01").await;
    let none = s.get_json(&dept, "/api/v1/grids").await;
    assert_eq!(none["items"], json!([]), "a department has no grids");

    let list = s
        .get_json(&t1, &format!("/api/v1/patrols?grid_id={G1}"))
        .await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["p1", "p2"], "today's patrols of G1, in start order");
    let p1 = &list["items"][0];
    assert_eq!(p1["window"], "morning");
    assert_eq!(list["items"][1]["window"], "afternoon");
    assert_eq!(
        (
            p1["findings"].clone(),
            p1["reported"].clone(),
            p1["points"].clone()
        ),
        (json!(2), json!(1), json!(3)),
        "two findings, one of them a case; three track points"
    );
    assert_eq!(p1["worker_name"], "网格员0001");
    assert_eq!(p1["ended_at"], "2026-11-26T02:30:00Z");
    let all = s.get_json(&t1, "/api/v1/patrols").await;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        3,
        "all of township 1's patrols today; G5's is in township 2"
    );

    let p = s.get_json(&t1, "/api/v1/patrols/p1").await;
    let track = p["track"].as_array().unwrap();
    assert_eq!(track.len(), 3, "the whole track");
    assert!(
        track[0]["t"].as_str().unwrap() < track[2]["t"].as_str().unwrap(),
        "in time order"
    );
    assert_eq!(p["finding_list"].as_array().unwrap().len(), 2);
    assert_eq!(
        p["finding_list"][0]["case_id"], "c-x",
        "a finding names its case"
    );
    assert!(
        p["grid_polygon"].is_object(),
        "the grid's polygon for the map"
    );

    let c3 = s.login("community-003").await;
    for path in [
        "/api/v1/patrols/p1",
        &format!("/api/v1/patrols?grid_id={G1}"),
    ] {
        let r = s.get(&c3, path).await;
        assert_eq!(r.status(), 403, "{path}: another community's grid");
        assert_eq!(error_code(r).await, "out_of_jurisdiction");
    }
    let r = s.get(&t1, "/api/v1/patrols/nope").await;
    assert_eq!(r.status(), 404);
    for path in [
        "/api/v1/patrols?date=26.11.2026",
        "/api/v1/grids?colour=red",
    ] {
        let r = s.get(&t1, path).await;
        assert_eq!(r.status(), 400, "{path} is refused");
        assert_eq!(error_code(r).await, "invalid_query");
    }
    for path in ["/api/v1/patrols?grid_id=nope", "/api/v1/grids?unit=nope"] {
        let r = s.get(&t1, path).await;
        assert_eq!(r.status(), 404, "{path} names nothing");
        assert_eq!(error_code(r).await, "not_found");
    }
    let r = s.http.get(s.url("/api/v1/grids")).send().await.unwrap();
    assert_eq!(r.status(), 401, "signed-in users only");
}
