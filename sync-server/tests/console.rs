//! The console API on a real listener over the small seeded county: intake, the filtered list,
//! case detail, actions and their refusals, stats recomputed from the ledger, patrol coverage,
//! exports, admin and reference data.
//!
//! Cases are made the way the console makes them: intake by an operator, then actions. The
//! patrol, finding and photo rows that devices will bring through sync are written straight
//! into the SQLite ledger file, as the sync and photo areas store them.

mod common;

use chrono::Duration;
use common::console::{
    act, act_ok, get_json, hotline, intake, intake_id, ledger_file, stored, G1, G2, G3, G5, G8,
};
use common::{error_code, TestServer};
use serde_json::{json, Value};
use yiwang_core::ids::CaseId;

fn event_count(s: &TestServer, id: &str) -> usize {
    let id = CaseId(id.to_owned());
    s.state
        .ledger
        .read_blocking(move |tx| tx.case_events(&id))
        .unwrap()
        .len()
}

fn listed(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("a case list has items")
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn sha(text: &str) -> String {
    yiwang_core::ids::PhotoHash::of(text.as_bytes()).to_string()
}

#[tokio::test]
async fn intake_lodges_pending_cases_and_refuses_bad_input() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let mut body = hotline(G1, "01.02", "文化路12号电线裸露");
    body["address"] = json!("文化路12号");
    body["photos"] = json!([sha("photo-1")]);
    let r = s.post(&op, "/api/v1/cases", &body).await;
    assert_eq!(r.status(), 201, "an operator lodges a hotline case");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let out: Value = r.json().await.unwrap();
    let case = &out["case"];
    let id = case["id"].as_str().unwrap();
    assert_eq!(
        location,
        format!("/api/v1/cases/{id}"),
        "Location names the new case"
    );
    let uuid = uuid::Uuid::parse_str(id).expect("the server names cases with UUIDs");
    assert_eq!(uuid.get_version_num(), 7, "case ids are UUIDv7");
    assert_eq!(case["state"], "pending", "a new case waits to be claimed");
    assert_eq!(
        case["holder_unit"], "210882001001",
        "it waits at the grid's community"
    );
    assert_eq!(case["channel"], "hotline8890");
    assert_eq!(case["version"], 1, "the report is the first event");
    assert_eq!(
        out["event"]["action"], "report",
        "the answer carries the event"
    );

    let refusals: Vec<(&str, Value, u16, &str)> = vec![
        ("worker-0001", hotline(G1, "01.02", "x"), 403, "forbidden"),
        ("dept-01", hotline(G1, "01.02", "x"), 403, "forbidden"),
        ("leader", hotline(G1, "01.02", "x"), 403, "forbidden"),
        (
            "community-001",
            json!({"channel": "grid", "category": "01.02", "description": "x", "grid_id": G1}),
            422,
            "invalid_input",
        ),
        (
            "community-001",
            hotline(G1, "99.99", "x"),
            422,
            "invalid_input",
        ),
        (
            "community-001",
            hotline(G1, "01", "x"),
            422,
            "invalid_input",
        ),
        (
            "community-001",
            hotline(G1, "01.02", "   "),
            422,
            "invalid_input",
        ),
        (
            "community-001",
            hotline(G5, "01.02", "x"),
            403,
            "out_of_jurisdiction",
        ),
        (
            "community-001",
            json!({"channel": "hotline8890", "category": "01.02", "description": "x", "lat": 40.6}),
            422,
            "invalid_input",
        ),
        (
            "community-001",
            json!({"channel": "hotline8890", "category": "01.02", "description": "x", "unit": "210882001001"}),
            422,
            "invalid_body",
        ),
        (
            "community-001",
            json!({"channel": "hotline8890", "category": "01.02"}),
            422,
            "invalid_body",
        ),
    ];
    for (user, body, status, code) in refusals {
        let token = s.login(user).await;
        let r = s.post(&token, "/api/v1/cases", &body).await;
        assert_eq!(r.status(), status, "{user} lodging {body} is refused");
        assert_eq!(
            error_code(r).await,
            code,
            "{user} lodging {body}: the code says why"
        );
    }
    let r = s
        .http
        .post(s.url("/api/v1/cases"))
        .bearer_auth(&op)
        .header("content-type", "application/json")
        .body("{\"channel\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        error_code(r).await,
        "invalid_json",
        "broken JSON gets our envelope"
    );
    let center = s.login("center").await;
    let list = get_json(&s, &center, "/api/v1/cases").await;
    assert_eq!(
        list["total"], 1,
        "only the accepted intake is stored; every refusal changed nothing"
    );
}

/// Six cases across both townships, in different states; returns their ids in report order.
async fn six_cases(s: &TestServer) -> Vec<String> {
    let c1_op = s.login("community-001").await;
    let c2_op = s.login("community-002").await;
    let c3_op = s.login("community-003").await;
    let t1 = s.login("township-01").await;
    let t2 = s.login("township-02").await;
    let center = s.login("center").await;
    let dept1 = s.login("dept-01").await;
    let mut ids = vec![];

    let c1 = intake(s, &c1_op, hotline(G1, "01.02", "文化路12号电线裸露")).await;
    ids.push(c1["id"].as_str().unwrap().to_owned());
    s.advance(Duration::minutes(1));
    let mut b = hotline(G2, "01.01", "井盖缺失");
    b["channel"] = json!("service_hall");
    let c2 = intake(s, &c1_op, b).await;
    ids.push(c2["id"].as_str().unwrap().to_owned());
    s.advance(Duration::minutes(1));
    let mut b = hotline(G3, "02.01", "道路坑洼");
    b["channel"] = json!("wechat");
    let c3 = intake(s, &c2_op, b).await;
    ids.push(c3["id"].as_str().unwrap().to_owned());
    s.advance(Duration::minutes(1));
    let c4 = intake(s, &c3_op, hotline(G5, "01.05", "供水管道漏水")).await;
    ids.push(c4["id"].as_str().unwrap().to_owned());
    s.advance(Duration::minutes(1));
    let mut b = hotline(G8, "01.02", "电力设施倾斜");
    b["address"] = json!("幸福街8号");
    let c5 = intake(s, &t2, b).await;
    ids.push(c5["id"].as_str().unwrap().to_owned());
    s.advance(Duration::minutes(1));
    let c6 = intake(
        s,
        &center,
        json!({"channel": "hotline8890", "category": "10.01", "description": "邻里纠纷", "unit_id": "210882002"}),
    )
    .await;
    ids.push(c6["id"].as_str().unwrap().to_owned());

    act_ok(s, &t1, &ids[0], json!({"action": "claim"})).await;
    act_ok(s, &t1, &ids[0], json!({"action": "dispatch"})).await;
    act_ok(s, &dept1, &ids[0], json!({"action": "accept"})).await;
    act_ok(s, &c1_op, &ids[1], json!({"action": "claim"})).await;
    act_ok(
        s,
        &t1,
        &ids[2],
        json!({"action": "supervise", "note": "请尽快处理"}),
    )
    .await;
    act_ok(s, &t2, &ids[4], json!({"action": "claim"})).await;
    act_ok(s, &t2, &ids[4], json!({"action": "dispatch"})).await;
    ids
}

#[tokio::test]
async fn the_list_filters_pages_sorts_and_counts_by_state() {
    let s = TestServer::start().await;
    let ids = six_cases(&s).await;
    // 01.02 takes 8 working hours: both power cases are past their 17:0x deadline by 18:30.
    s.advance(Duration::hours(9) + Duration::minutes(30));
    let center = s.login("center").await;

    let all = get_json(&s, &center, "/api/v1/cases").await;
    assert_eq!(all["total"], 6, "the centre sees the whole county");
    assert_eq!(
        all["counts_by_state"],
        json!({"pending": 3, "claimed": 1, "dispatched": 1, "in_progress": 1,
               "handled": 0, "verifying": 0, "closed": 0}),
        "every state is counted, zeros included"
    );
    assert_eq!(
        listed(&all),
        ids.iter().rev().cloned().collect::<Vec<_>>(),
        "newest reports come first by default"
    );

    let pending = get_json(&s, &center, "/api/v1/cases?state=pending").await;
    assert_eq!(pending["total"], 3, "c3, c4 and c6 are pending");
    assert_eq!(
        pending["counts_by_state"], all["counts_by_state"],
        "the state tabs count over every filter but state"
    );
    for q in ["state=pending,claimed", "state=pending&state=claimed"] {
        let l = get_json(&s, &center, &format!("/api/v1/cases?{q}")).await;
        assert_eq!(l["total"], 4, "{q}: states repeat or comma-separate");
    }

    let expect: Vec<(&str, Vec<usize>)> = vec![
        ("township=210882001", vec![0, 1, 2]),
        ("community=210882001002", vec![2]),
        ("grid=210882001001-02", vec![1]),
        ("category=01", vec![0, 1, 3, 4]),
        ("category=01.02", vec![0, 4]),
        ("department=power", vec![0, 4]),
        ("holder_unit=210882001", vec![0]),
        ("overdue=true", vec![0, 4]),
        ("overdue=false", vec![1, 2, 3, 5]),
        ("supervised=true", vec![2]),
        ("channel=service_hall", vec![1]),
        ("channel=wechat", vec![2]),
        ("q=文化路", vec![0]),
        ("q=幸福街", vec![4]),
        ("from=2026-11-26&to=2026-11-26", vec![0, 1, 2, 3, 4, 5]),
        ("from=2026-11-27", vec![]),
        ("to=2026-11-25", vec![]),
        ("township=210882002&state=pending", vec![3, 5]),
    ];
    for (q, want) in expect {
        let l = get_json(
            &s,
            &center,
            &format!("/api/v1/cases?{q}&sort=reported_at:asc"),
        )
        .await;
        let want: Vec<String> = want.iter().map(|i| ids[*i].clone()).collect();
        assert_eq!(listed(&l), want, "{q} selects exactly these cases");
        assert_eq!(l["total"], want.len(), "{q}: total counts the same cases");
    }
    // The tail of a UUIDv7 is random: a piece of it names one case.
    let by_id = get_json(&s, &center, &format!("/api/v1/cases?q={}", &ids[3][24..])).await;
    assert_eq!(listed(&by_id), [ids[3].clone()], "q finds a case by its id");

    let c3_reported = stored(&s, &ids[2]).reported_at.to_rfc3339();
    let from = get_json(
        &s,
        &center,
        &format!("/api/v1/cases?from={}", urlencode(&c3_reported)),
    )
    .await;
    assert_eq!(from["total"], 4, "from is inclusive: c3 … c6");
    let to = get_json(
        &s,
        &center,
        &format!("/api/v1/cases?to={}", urlencode(&c3_reported)),
    )
    .await;
    assert_eq!(to["total"], 2, "to is exclusive: c1, c2");

    let asc = get_json(&s, &center, "/api/v1/cases?sort=reported_at&order=asc").await;
    assert_eq!(listed(&asc), ids, "ascending by report time");
    let by_deadline = get_json(&s, &center, "/api/v1/cases?sort=deadline").await;
    let mut first_two = listed(&by_deadline)[..2].to_vec();
    first_two.sort();
    let mut with_deadline = vec![ids[0].clone(), ids[4].clone()];
    with_deadline.sort();
    assert_eq!(
        first_two, with_deadline,
        "the two cases with a deadline come first"
    );

    let p1 = get_json(&s, &center, "/api/v1/cases?page_size=4").await;
    let p2 = get_json(&s, &center, "/api/v1/cases?page_size=4&page=2").await;
    let p3 = get_json(&s, &center, "/api/v1/cases?page_size=4&page=3").await;
    assert_eq!(
        (listed(&p1).len(), listed(&p2).len(), listed(&p3).len()),
        (4, 2, 0)
    );
    assert_eq!(p2["total"], 6, "every page reports the full total");
    let mut paged: Vec<String> = listed(&p1).into_iter().chain(listed(&p2)).collect();
    paged.sort();
    let mut every = ids.clone();
    every.sort();
    assert_eq!(paged, every, "pages neither overlap nor skip");

    for q in [
        "page_size=201",
        "page=0",
        "state=open",
        "status=pending",
        "township=999",
        "township=210882001001",
        "overdue=maybe",
        "from=yesterday",
        "sort=priority",
        "channel=fax",
    ] {
        let r = s.get(&center, &format!("/api/v1/cases?{q}")).await;
        assert_eq!(r.status(), 400, "{q} is refused");
        assert_eq!(
            error_code(r).await,
            "invalid_query",
            "{q}: the code says so"
        );
    }

    let scoped: Vec<(&str, Vec<usize>)> = vec![
        ("community-001", vec![0, 1]),
        ("community-003", vec![3]),
        ("township-01", vec![0, 1, 2]),
        ("township-02", vec![3, 4, 5]),
        ("dept-01", vec![0, 4]),
        ("dept-03", vec![]),
        ("worker-0001", vec![0]),
        ("worker-0008", vec![4]),
        ("leader", vec![0, 1, 2, 3, 4, 5]),
    ];
    for (user, want) in scoped {
        let token = s.login(user).await;
        let l = get_json(&s, &token, "/api/v1/cases?sort=reported_at:asc").await;
        let want: Vec<String> = want.iter().map(|i| ids[*i].clone()).collect();
        assert_eq!(
            listed(&l),
            want,
            "{user} sees exactly the cases in their jurisdiction"
        );
        let counted: u64 = l["counts_by_state"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(
            counted,
            want.len() as u64,
            "{user}: the state counts are scoped too"
        );
    }
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

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
    let db = ledger_file(&s);
    db.execute(
        "INSERT INTO photos(sha256, bytes, width, height, mime, stored_at, uploaded_by)
         VALUES (?1, 1000, 640, 480, 'image/jpeg', '2026-11-26T01:00:00.000000Z', 'worker-0001')",
        [sha("report-photo")],
    )
    .unwrap();
    let finding = json!({
        "id": "finding-1", "grid_id": G1, "worker_id": "worker-0001", "category_code": "01.02",
        "description": "电线裸露", "observed_at": "2026-11-26T00:50:00Z", "disposition": "report",
        "photos": [sha("finding-photo")], "case_id": id
    });
    db.execute(
        "INSERT INTO findings(id, grid_id, worker_id, category, disposition, case_id, observed_at,
                              received_at, data)
         VALUES ('finding-1', ?1, 'worker-0001', '01.02', 'report', ?2, '2026-11-26T00:50:00.000000Z',
                 '2026-11-26T00:55:00.000000Z', ?3)",
        rusqlite::params![G1, id, finding.to_string()],
    )
    .unwrap();

    let d = get_json(&s, &t1, &format!("/api/v1/cases/{id}")).await;
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
        let d = get_json(&s, &token, &format!("/api/v1/cases/{id}")).await;
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
    let d = get_json(&s, &t1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(d["overdue"], true, "at 18:00 the 17:00 deadline has passed");
    assert_eq!(
        d["remaining_working_minutes"], -30,
        "the working day ended at 17:30: 30 working minutes over"
    );
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

    // A rating is given once.
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
    act_ok(
        &s,
        &op,
        &closed,
        json!({"action": "rate", "rating": "satisfied"}),
    )
    .await;
    refused(
        &s,
        &op,
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
    let c = act_ok(
        &s,
        &op,
        &id,
        json!({"action": "rate", "rating": "basically_satisfied"}),
    )
    .await;
    assert_eq!(c["rating"], "basically_satisfied");
    let d = get_json(&s, &t1, &format!("/api/v1/cases/{id}")).await;
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

#[tokio::test]
async fn stats_are_recomputed_from_the_ledger_every_time() {
    let s = TestServer::start().await;
    let c1 = s.login("community-001").await;
    let c3 = s.login("community-003").await;
    let center = s.login("center").await;
    let grids_and_ops = [(G1, &c1), (G2, &c1), (G5, &c3), (G1, &c1), (G5, &c3)];
    let mut ids = vec![];
    for (i, (grid, op)) in grids_and_ops.iter().enumerate() {
        let c = intake(&s, op, hotline(grid, "03.01", &format!("暴露垃圾{i}"))).await;
        ids.push((c["id"].as_str().unwrap().to_owned(), (*op).clone()));
    }
    // Close two on the spot at the community; reject one as not a case (不予立案).
    s.advance(Duration::hours(1));
    for (id, op) in &ids[..2] {
        act_ok(&s, op, id, json!({"action": "claim"})).await;
        act_ok(&s, op, id, json!({"action": "resolve", "note": "已清理"})).await;
        act_ok(&s, op, id, json!({"action": "close"})).await;
    }
    act_ok(
        &s,
        &ids[4].1,
        &ids[4].0,
        json!({"action": "reject_invalid", "note": "重复来电"}),
    )
    .await;
    s.advance(Duration::minutes(1));

    let st = get_json(&s, &center, "/api/v1/stats?dimension=township").await;
    // The recount: read the list and count by hand.
    let list = get_json(&s, &center, "/api/v1/cases?page_size=200").await;
    let items = list["items"].as_array().unwrap();
    let resolved = items
        .iter()
        .filter(|c| c["state"] == "closed" && c["outcome"] == "resolved")
        .count();
    let invalid = items.iter().filter(|c| c["outcome"] == "invalid").count();
    assert_eq!((resolved, invalid), (2, 1), "the recount itself");
    assert_eq!(
        st["total"]["reported"],
        items.len(),
        "every case reported in the period"
    );
    assert_eq!(
        st["total"]["intake"],
        items.len() - invalid,
        "intake leaves out the case rejected as invalid"
    );
    assert_eq!(st["total"]["closed"], resolved, "closed equals the recount");
    assert_eq!(
        st["total"]["closure_rate"], 1.0,
        "nothing else fell due yet"
    );
    let rows = st["breakdown"].as_array().unwrap();
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        ["210882001", "210882002"],
        "one row per township with cases"
    );
    assert_eq!(rows[0]["name"], "街道1");
    assert_eq!(
        (
            rows[0]["measures"]["intake"].clone(),
            rows[1]["measures"]["intake"].clone()
        ),
        (json!(3), json!(1)),
        "township 1 lodged three cases, township 2 one real one"
    );
    let by_day = st["by_day"].as_array().unwrap();
    assert_eq!(
        by_day.len(),
        31,
        "a row for every local day of the default 30-day period"
    );
    let sum = |k: &str| by_day.iter().map(|d| d[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("intake"), 4, "the trend adds up to the intake");
    assert_eq!(sum("closed"), 2, "and to the closures");
    assert_eq!(by_day.last().unwrap()["date"], "2026-11-26", "ending today");

    // The ledger moves; the figures move with it.
    act_ok(&s, &ids[2].1, &ids[2].0, json!({"action": "claim"})).await;
    act_ok(&s, &ids[2].1, &ids[2].0, json!({"action": "resolve"})).await;
    act_ok(&s, &ids[2].1, &ids[2].0, json!({"action": "close"})).await;
    s.advance(Duration::minutes(1));
    let st = get_json(&s, &center, "/api/v1/stats").await;
    assert_eq!(st["total"]["closed"], 3, "a third closure shows at once");
    assert_eq!(st["breakdown"], json!([]), "no dimension, no breakdown");

    let mine = get_json(&s, &c3, "/api/v1/stats?dimension=grid").await;
    assert_eq!(
        mine["total"]["reported"], 2,
        "community-003 counts only its own two cases"
    );
    let keys: Vec<&str> = mine["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, [G5], "and only its own grid");

    let later = get_json(&s, &center, "/api/v1/stats?from=2026-11-27&to=2026-11-28").await;
    assert_eq!(
        later["total"]["reported"], 0,
        "nothing was reported the next day"
    );
    for dim in [
        "community",
        "grid",
        "department",
        "category",
        "category_class",
    ] {
        get_json(&s, &center, &format!("/api/v1/stats?dimension={dim}")).await;
    }
    for q in [
        "dimension=weather",
        "from=2026-11-27&to=2026-11-26",
        "from=2020-01-01&to=2026-01-01",
    ] {
        let r = s.get(&center, &format!("/api/v1/stats?{q}")).await;
        assert_eq!(r.status(), 400, "{q} is refused");
        assert_eq!(error_code(r).await, "invalid_query");
    }
}

#[tokio::test]
async fn coverage_counts_both_patrol_windows_per_grid() {
    let s = TestServer::start().await;
    let db = ledger_file(&s);
    // (grid, worker, start UTC): 09:30 and 14:00 Beijing cover G1; G2 has a morning only; a
    // 21:00 patrol is in neither window; yesterday's afternoon does not count today.
    let patrols = [
        ("p1", G1, "worker-0001", "2026-11-26T01:30:00.000000Z"),
        ("p2", G1, "worker-0001", "2026-11-26T06:00:00.000000Z"),
        ("p3", G2, "worker-0002", "2026-11-26T02:00:00.000000Z"),
        ("p4", G5, "worker-0005", "2026-11-26T13:00:00.000000Z"),
        ("p5", G2, "worker-0002", "2026-11-25T06:00:00.000000Z"),
    ];
    for (id, grid, worker, at) in patrols {
        db.execute(
            "INSERT INTO patrols(id, grid_id, worker_id, started_at, data) VALUES (?1, ?2, ?3, ?4, '{}')",
            [id, grid, worker, at],
        )
        .unwrap();
    }
    let center = s.login("center").await;
    let c = get_json(&s, &center, "/api/v1/coverage?date=2026-11-26").await;
    assert_eq!(
        (
            c["grids"].clone(),
            c["covered"].clone(),
            c["partial"].clone(),
            c["none"].clone()
        ),
        (json!(8), json!(1), json!(1), json!(6)),
        "one grid covered, one half, six not at all"
    );
    assert_eq!(c["rate"], 0.125, "巡查率 = 1 of 8");
    let row = c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["grid_id"] == G1)
        .unwrap();
    assert_eq!(row["windows"], 2);
    assert_eq!(
        row["worker_name"], "网格员0001",
        "the row names the grid's worker"
    );
    assert_eq!(row["township_name"], "街道1");
    let t1 = &c["by_township"][0];
    assert_eq!(
        (
            t1["id"].clone(),
            t1["grids"].clone(),
            t1["covered"].clone(),
            t1["partial"].clone()
        ),
        (json!("210882001"), json!(4), json!(1), json!(1)),
        "township 1 holds both patrolled grids"
    );
    assert_eq!(c["by_community"].as_array().unwrap().len(), 4);
    let today = get_json(&s, &center, "/api/v1/coverage").await;
    assert_eq!(
        today["date"], "2026-11-26",
        "the default day is today, Beijing time"
    );
    assert_eq!(today["covered"], 1);
    let yesterday = get_json(&s, &center, "/api/v1/coverage?date=2026-11-25").await;
    assert_eq!(
        yesterday["partial"], 1,
        "yesterday G2 had its afternoon patrol"
    );

    let scoped = [
        ("community-001", 2, 1),
        ("worker-0002", 1, 0),
        ("township-02", 4, 0),
        ("dept-01", 0, 0),
    ];
    for (user, grids, covered) in scoped {
        let token = s.login(user).await;
        let c = get_json(&s, &token, "/api/v1/coverage?date=2026-11-26").await;
        assert_eq!(
            (c["grids"].as_u64().unwrap(), c["covered"].as_u64().unwrap()),
            (grids, covered),
            "{user} sees the coverage of their own grids only"
        );
    }
    let r = s.get(&center, "/api/v1/coverage?date=26.11.2026").await;
    assert_eq!(r.status(), 400, "a date is YYYY-MM-DD");
    assert_eq!(error_code(r).await, "invalid_query");
}

#[tokio::test]
async fn csv_export_opens_in_excel_and_geojson_parses() {
    let s = TestServer::start().await;
    let op = s.login("community-001").await;
    let mut urgent = hotline(G1, "01.02", "=1+1 文化路, \"东\"侧\n电线");
    urgent["urgent"] = json!(true);
    let a = intake(&s, &op, urgent).await;
    s.advance(Duration::minutes(1));
    let b = intake(&s, &op, hotline(G2, "03.01", "暴露垃圾")).await;
    let mut no_place = hotline(G2, "03.01", "无定位");
    no_place
        .as_object_mut()
        .unwrap()
        .retain(|k, _| k != "lat" && k != "lon");
    s.advance(Duration::minutes(1));
    let c = intake(&s, &op, no_place).await;
    act_ok(
        &s,
        &op,
        b["id"].as_str().unwrap(),
        json!({"action": "claim"}),
    )
    .await;

    let center = s.login("center").await;
    let r = s
        .get(&center, "/api/v1/exports/cases.csv?sort=reported_at:asc")
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("cases-20261126.csv"),
        "the browser saves it as a file: {disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "UTF-8 with a BOM, so Excel reads the Chinese"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.contains("\r\n"), "CRLF line ends");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        [
            "案件编号",
            "状态",
            "类别",
            "紧急",
            "描述",
            "网格",
            "社区",
            "街道",
            "当前单位",
            "部门",
            "上报时间",
            "处置时限",
            "结案时间",
            "结果",
            "评价"
        ],
        "the Chinese headers, in order"
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "one row per case");
    let first = &rows[0];
    assert_eq!(&first[0], a["id"].as_str().unwrap());
    assert_eq!(&first[1], "待受理");
    assert_eq!(&first[2], "01.02 电线裸露或私拉乱接");
    assert_eq!(&first[3], "是", "urgent");
    assert_eq!(
        &first[4], "'=1+1 文化路, \"东\"侧\n电线",
        "commas, quotes and newlines survive; a formula is quoted so it never runs"
    );
    assert_eq!(&first[5], "社区1-1第1网格");
    assert_eq!((&first[6], &first[7]), ("社区1-1", "街道1"));
    assert_eq!(&first[10], "2026-11-26 09:00:00", "times are Beijing time");
    assert_eq!(&rows[1][1], "已认领");
    assert_eq!(&rows[1][8], "社区1-1", "the unit holding it now");

    let claimed = s
        .get(&center, "/api/v1/exports/cases.csv?state=claimed")
        .await;
    let body = claimed.text().await.unwrap();
    assert_eq!(
        body.trim_end().lines().count(),
        2,
        "the export takes the list's filters: header and the one claimed case"
    );
    let none = s.login("community-003").await;
    let theirs = s
        .get(&none, "/api/v1/exports/cases.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        theirs.trim_end().lines().count(),
        1,
        "another community exports only the header"
    );
    let r = s.get(&center, "/api/v1/exports/cases.csv?page=2").await;
    assert_eq!(r.status(), 400, "an export has no pages");

    let r = s
        .get(
            &center,
            "/api/v1/exports/cases.geojson?sort=reported_at:asc",
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let geo: Value = r.json().await.expect("the export is JSON");
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().unwrap();
    assert_eq!(features.len(), 3, "one feature per case");
    assert_eq!(features[0]["type"], "Feature");
    assert_eq!(features[0]["id"], a["id"]);
    assert_eq!(
        features[0]["geometry"],
        json!({"type": "Point", "coordinates": [122.504, 40.615]}),
        "a point at [lon, lat], as RFC 7946 orders them"
    );
    assert_eq!(features[0]["properties"]["state_label"], "待受理");
    assert_eq!(features[2]["id"], c["id"]);
    assert!(
        features[2]["geometry"].is_null(),
        "a case without a location has no geometry"
    );
}

#[tokio::test]
async fn admin_endpoints_refuse_everyone_but_admins() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let users_before = get_json(&s, &admin, "/api/v1/admin/users").await;
    let categories = get_json(&s, &admin, "/api/v1/admin/categories").await;
    let new_user = json!({"username": "x1", "password": "long enough", "role": "center", "org_unit_id": "210882"});
    let unit = json!({"id": "210882001009", "parent_id": "210882001", "name": "新社区", "level": "community"});
    let grids = json!({"type": "FeatureCollection", "features": []});
    for user in [
        "worker-0001",
        "community-001",
        "township-01",
        "center",
        "dept-01",
        "leader",
    ] {
        let token = s.login(user).await;
        let calls: Vec<(&str, &str, Option<&Value>)> = vec![
            ("GET", "/api/v1/admin/users", None),
            ("POST", "/api/v1/admin/users", Some(&new_user)),
            ("POST", "/api/v1/admin/users/worker-0002/disable", None),
            ("GET", "/api/v1/admin/units", None),
            ("POST", "/api/v1/admin/units", Some(&unit)),
            ("GET", "/api/v1/admin/grids", None),
            ("POST", "/api/v1/admin/grids/import", Some(&grids)),
            ("GET", "/api/v1/admin/categories", None),
            ("PUT", "/api/v1/admin/categories", Some(&categories)),
        ];
        for (method, path, body) in calls {
            let mut req = s
                .http
                .request(method.parse().unwrap(), s.url(path))
                .bearer_auth(&token);
            if let Some(b) = body {
                req = req.json(b);
            }
            let r = req.send().await.unwrap();
            assert_eq!(
                r.status(),
                403,
                "{user}: {method} {path} is for admins only"
            );
            assert_eq!(error_code(r).await, "forbidden");
        }
    }
    let r = s
        .http
        .get(s.url("/api/v1/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "and nobody unsigned");
    assert_eq!(
        get_json(&s, &admin, "/api/v1/admin/users").await,
        users_before,
        "no refused call changed a user"
    );
    let units = get_json(&s, &admin, "/api/v1/admin/units").await;
    assert_eq!(
        units.as_array().unwrap().len(),
        7,
        "no refused call added a unit"
    );
}

#[tokio::test]
async fn admins_create_and_disable_users() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let create = |body: Value| {
        let s = &s;
        let admin = admin.clone();
        async move { s.post(&admin, "/api/v1/admin/users", &body).await }
    };
    let r = create(json!({
        "username": "wang.wei", "display_name": "王伟", "password": "s3cret-pass", "role": "grid_worker",
        "org_unit_id": "210882001001", "grid_ids": [G1]
    }))
    .await;
    assert_eq!(r.status(), 201, "an admin adds a grid worker");
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["username"], "wang.wei");
    assert_eq!(u["grid_ids"], json!([G1]));
    assert!(
        u.get("password_hash").is_none(),
        "the hash never leaves the server"
    );

    let login = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "wang.wei", "password": "s3cret-pass", "device_id": "d9", "device_name": "t"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        200,
        "the new user signs in with their password"
    );
    let token = login.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let grids = get_json(&s, &admin, "/api/v1/admin/grids").await;
    let g1 = grids
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == G1)
        .unwrap();
    assert_eq!(
        g1["worker_id"], "wang.wei",
        "the grid now names its new worker"
    );
    assert!(g1.get("polygon").is_none(), "no polygons unless asked");
    let users = get_json(&s, &admin, "/api/v1/admin/users").await;
    let old = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "worker-0001")
        .unwrap();
    assert_eq!(
        old["grid_ids"],
        json!([]),
        "the previous worker no longer holds the grid"
    );

    let refusals: Vec<(Value, u16, &str)> = vec![
        (
            json!({"username": "wang.wei", "password": "another-pass", "role": "center", "org_unit_id": "210882"}),
            409,
            "username_taken",
        ),
        (
            json!({"username": "li", "password": "short", "role": "center", "org_unit_id": "210882"}),
            422,
            "weak_password",
        ),
        (
            json!({"username": "li", "password": "long enough", "role": "township", "org_unit_id": "210882001001"}),
            422,
            "invalid_input",
        ),
        (
            json!({"username": "li", "password": "long enough", "role": "department", "department_id": "space"}),
            422,
            "invalid_input",
        ),
        (
            json!({"username": "li", "password": "long enough", "role": "grid_worker", "org_unit_id": "210882001001", "grid_ids": [G5]}),
            422,
            "invalid_input",
        ),
        (
            json!({"username": "li", "password": "long enough", "role": "emperor", "org_unit_id": "210882"}),
            422,
            "invalid_input",
        ),
        (
            json!({"username": "li li", "password": "long enough", "role": "center", "org_unit_id": "210882"}),
            422,
            "invalid_input",
        ),
    ];
    for (body, status, code) in refusals {
        let r = create(body.clone()).await;
        assert_eq!(r.status(), status, "{body} is refused");
        assert_eq!(error_code(r).await, code, "{body}: the code says why");
    }
    let users_after = get_json(&s, &admin, "/api/v1/admin/users").await;
    assert_eq!(
        users_after.as_array().unwrap().len(),
        users.as_array().unwrap().len(),
        "no refused creation added a user"
    );

    let r = s
        .post(&admin, "/api/v1/admin/users/wang.wei/disable", &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["user"]["disabled"], true);
    assert_eq!(d["revoked_tokens"], 1, "their one session is revoked");
    let r = s.get(&token, "/api/v1/auth/me").await;
    assert_eq!(
        r.status(),
        401,
        "a disabled user's token stops working at once"
    );
    let r = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "wang.wei", "password": "s3cret-pass", "device_id": "d9", "device_name": "t"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "and they cannot sign in again");
    let r = s
        .post(&admin, "/api/v1/admin/users/admin/disable", &json!({}))
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        error_code(r).await,
        "cannot_disable_self",
        "an admin cannot lock themselves out"
    );
    let r = s
        .post(&admin, "/api/v1/admin/users/nobody/disable", &json!({}))
        .await;
    assert_eq!(r.status(), 404);
}

fn grid_feature(id: &str, community: &str, worker: Option<&str>) -> Value {
    let mut props = json!({"id": id, "name": format!("网格{id}"), "kind": "enterprise", "community_id": community});
    if let Some(w) = worker {
        props["worker"] = json!(w);
    }
    json!({"type": "Feature", "properties": props, "geometry": yiwang_server::seed::square(40.7, 122.6, 0.01)})
}

#[tokio::test]
async fn grid_import_refuses_a_bad_file_whole() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let before = get_json(&s, &admin, "/api/v1/admin/grids?polygons=1").await;
    let mut open_ring = grid_feature("210882001001-09", "210882001001", None);
    open_ring["geometry"]["coordinates"][0][4] = json!([0.0, 0.0]);
    let mut bad_kind = grid_feature("210882001001-10", "210882001001", None);
    bad_kind["properties"]["kind"] = json!("farm");
    let bad = json!({"type": "FeatureCollection", "features": [
        grid_feature("210882001001-07", "210882001001", None),
        grid_feature("210882001001-08", "nowhere", Some("nobody")),
        open_ring,
        bad_kind,
        grid_feature("210882001001-11", "210882001001", Some("center")),
    ]});
    let r = s.post(&admin, "/api/v1/admin/grids/import", &bad).await;
    assert_eq!(r.status(), 422, "one bad feature refuses the file");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_grids");
    let features = body["error"]["features"].as_array().unwrap();
    let indexes: Vec<u64> = features
        .iter()
        .map(|f| f["index"].as_u64().unwrap())
        .collect();
    assert_eq!(
        indexes,
        [1, 2, 3, 4],
        "every bad feature is listed, the good one is not"
    );
    assert_eq!(
        features[0]["errors"].as_array().unwrap().len(),
        2,
        "each feature lists all its problems (unknown community and unknown worker): {}",
        features[0]
    );
    assert!(
        features[3]["errors"][0]
            .as_str()
            .unwrap()
            .contains("not a grid worker"),
        "a worker must be a grid worker: {}",
        features[3]
    );
    assert_eq!(
        get_json(&s, &admin, "/api/v1/admin/grids?polygons=1").await,
        before,
        "nothing of the refused file was stored, not even its good feature"
    );
    for (body, status, code) in [
        (json!({"type": "Feature"}), 422, "invalid_grids"),
        (
            json!({"type": "FeatureCollection", "features": []}),
            422,
            "invalid_grids",
        ),
    ] {
        let r = s.post(&admin, "/api/v1/admin/grids/import", &body).await;
        assert_eq!(r.status(), status, "{body} is refused");
        assert_eq!(error_code(r).await, code);
    }

    let mut renamed = grid_feature(G2, "210882001001", None);
    renamed["properties"]["name"] = json!("社区1-1第2网格(调整)");
    renamed["properties"]["kind"] = json!("urban_rural");
    let good = json!({"type": "FeatureCollection", "features": [
        grid_feature("210882001001-03", "210882001001", Some("worker-0002")),
        renamed,
    ]});
    let r = s.post(&admin, "/api/v1/admin/grids/import", &good).await;
    assert_eq!(r.status(), 200, "a good file imports");
    let summary: Value = r.json().await.unwrap();
    assert_eq!(
        (summary["created"].clone(), summary["updated"].clone()),
        (json!(1), json!(1))
    );
    let grids = get_json(&s, &admin, "/api/v1/admin/grids").await;
    let grids = grids.as_array().unwrap();
    assert_eq!(grids.len(), 9, "one grid added");
    let g2 = grids.iter().find(|g| g["id"] == G2).unwrap();
    assert_eq!(
        g2["name"], "社区1-1第2网格(调整)",
        "an existing grid is updated"
    );
    assert_eq!(
        g2["worker_id"], "worker-0002",
        "and keeps its worker when the file names none"
    );
    let users = get_json(&s, &admin, "/api/v1/admin/users").await;
    let w2 = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "worker-0002")
        .unwrap();
    assert_eq!(
        w2["grid_ids"],
        json!([G2, "210882001001-03"]),
        "the named worker now holds the new grid too"
    );
    let op = s.login("community-001").await;
    let org = get_json(&s, &op, "/api/v1/org").await;
    assert_eq!(
        org["grids"].as_array().unwrap().len(),
        3,
        "the community sees its new grid"
    );
}

#[tokio::test]
async fn admins_keep_units_and_categories_consistent() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let r = s
        .post(
            &admin,
            "/api/v1/admin/units",
            &json!({"id": "210882001003", "parent_id": "210882001", "name": "新村", "level": "community"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let saved: Value = r.json().await.unwrap();
    assert_eq!(saved["created"], true);
    assert_eq!(saved["unit"]["path"], "/210882/210882001/210882001003/");
    let r = s
        .post(
            &admin,
            "/api/v1/admin/units",
            &json!({"id": "210882001003", "parent_id": "210882001", "name": "新村社区", "level": "community"}),
        )
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["created"],
        false,
        "a second post renames"
    );
    for (body, why) in [
        (
            json!({"id": "210882001003", "parent_id": "210882002", "name": "x", "level": "community"}),
            "a unit cannot move to another township",
        ),
        (
            json!({"id": "210882009", "parent_id": "210882001", "name": "x", "level": "township"}),
            "a township cannot sit under a township",
        ),
        (
            json!({"id": "999", "parent_id": null, "name": "x", "level": "county"}),
            "one county only",
        ),
        (
            json!({"id": "210882001004", "parent_id": "nowhere", "name": "x", "level": "community"}),
            "the parent must exist",
        ),
    ] {
        let r = s.post(&admin, "/api/v1/admin/units", &body).await;
        assert_eq!(r.status(), 422, "{why}");
        assert_eq!(error_code(r).await, "invalid_input", "{why}");
    }
    let units = get_json(&s, &admin, "/api/v1/admin/units").await;
    assert_eq!(
        units.as_array().unwrap().len(),
        8,
        "only the one new unit was added"
    );
    let worker = s.login("worker-0001").await;
    let org = get_json(&s, &worker, "/api/v1/org").await;
    let renamed = org["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "210882001003")
        .unwrap();
    assert_eq!(
        renamed["name"], "新村社区",
        "everyone's reference data follows"
    );

    let tree = get_json(&s, &admin, "/api/v1/admin/categories").await;
    assert_eq!(
        tree["classes"][0]["leaves"][1]["code"], "01.02",
        "core's file format"
    );
    let r = s
        .http
        .put(s.url("/api/v1/admin/categories"))
        .bearer_auth(&admin)
        .json(&tree)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the tree round-trips");
    assert_eq!(r.json::<Value>().await.unwrap(), tree);

    let op = s.login("community-001").await;
    intake(&s, &op, hotline(G1, "01.02", "电线裸露")).await;
    let mut urgent_longer = tree.clone();
    urgent_longer["classes"][0]["leaves"][0]["deadline"]["urgent"] = json!(100);
    let mut unknown_department = tree.clone();
    unknown_department["classes"][0]["leaves"][0]["department"] = json!("space_agency");
    let mut dropped = tree.clone();
    dropped["classes"][0]["leaves"]
        .as_array_mut()
        .unwrap()
        .remove(1);
    for (body, code, why) in [
        (
            urgent_longer,
            "invalid_categories",
            "an urgent deadline may not be longer",
        ),
        (
            unknown_department,
            "invalid_categories",
            "leaves name real departments",
        ),
        (
            dropped,
            "category_in_use",
            "an open case still carries 01.02",
        ),
        (
            json!({"classes": "none"}),
            "invalid_categories",
            "the file format is checked",
        ),
    ] {
        let r = s
            .http
            .put(s.url("/api/v1/admin/categories"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{why}");
        assert_eq!(error_code(r).await, code, "{why}");
    }
    assert_eq!(
        get_json(&s, &admin, "/api/v1/admin/categories").await,
        tree,
        "no refused tree was stored"
    );
}

#[tokio::test]
async fn org_gives_reference_data_and_only_the_callers_grids() {
    let s = TestServer::start().await;
    for (user, grids) in [
        ("worker-0001", vec![G1]),
        ("community-001", vec![G1, G2]),
        (
            "township-02",
            vec![G5, "210882002001-02", "210882002002-01", G8],
        ),
        ("dept-01", vec![]),
        (
            "center",
            vec![
                G1,
                G2,
                G3,
                "210882001002-02",
                G5,
                "210882002001-02",
                "210882002002-01",
                G8,
            ],
        ),
    ] {
        let token = s.login(user).await;
        let org = get_json(&s, &token, "/api/v1/org").await;
        let got: Vec<&str> = org["grids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            got, grids,
            "{user} gets exactly the grids in their jurisdiction"
        );
        assert_eq!(
            org["units"].as_array().unwrap().len(),
            7,
            "{user}: every unit, for names"
        );
        assert_eq!(
            org["departments"].as_array().unwrap().len(),
            16,
            "{user}: every department"
        );
        assert!(
            org["categories"].as_array().unwrap().len() > 100,
            "{user}: the category tree"
        );
        assert!(
            org["grids"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g.get("polygon").is_none()),
            "{user}: no polygons unless asked"
        );
    }
    let worker = s.login("worker-0001").await;
    let org = get_json(&s, &worker, "/api/v1/org?polygons=1").await;
    assert_eq!(
        org["grids"][0]["polygon"]["type"], "Polygon",
        "polygons=1 brings them"
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_console_route() {
    let s = TestServer::start().await;
    let api: Value = s
        .http
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/v1/cases", "get"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases/{id}", "get"),
        ("/api/v1/cases/{id}/actions", "post"),
        ("/api/v1/stats", "get"),
        ("/api/v1/coverage", "get"),
        ("/api/v1/exports/cases.csv", "get"),
        ("/api/v1/exports/cases.geojson", "get"),
        ("/api/v1/admin/users", "get"),
        ("/api/v1/admin/users", "post"),
        ("/api/v1/admin/users/{id}/disable", "post"),
        ("/api/v1/admin/units", "get"),
        ("/api/v1/admin/units", "post"),
        ("/api/v1/admin/grids", "get"),
        ("/api/v1/admin/grids/import", "post"),
        ("/api/v1/admin/categories", "get"),
        ("/api/v1/admin/categories", "put"),
        ("/api/v1/org", "get"),
    ] {
        assert!(
            api["paths"][path][method].is_object(),
            "the OpenAPI document lists {method} {path}"
        );
    }
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
    let list = get_json(&s, &t1, "/api/v1/cases").await;
    assert_eq!(
        (
            row(&list)["overdue"].clone(),
            row(&list)["deadline_status"].clone()
        ),
        (json!(false), json!("running"))
    );
    // 01.02 gives the department 8 working hours: four working days on, it is past due.
    s.advance(Duration::days(6));
    let list = get_json(&s, &t1, "/api/v1/cases?overdue=true").await;
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
    let list = get_json(&s, &t1, "/api/v1/cases").await;
    assert_eq!(
        (
            row(&list)["overdue"].clone(),
            row(&list)["deadline_status"].clone()
        ),
        (json!(false), json!("handled_late")),
        "handled late: no longer overdue, not on time either"
    );
    let overdue = get_json(&s, &t1, "/api/v1/cases?overdue=true").await;
    assert!(
        overdue["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != id.as_str()),
        "the overdue filter follows the same rule"
    );
    let d = get_json(&s, &t1, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(d["deadline_status"], "handled_late");
    assert_eq!(d["overdue"], false);
}
