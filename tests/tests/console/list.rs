//! The filtered case list: filters, paging, sorting, the counts by state, and each caller's
//! jurisdiction.

use chrono::Duration;
use serde_json::{json, Value};
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{act_ok, hotline, intake, stored, G1, G2, G3, G5, G8};

fn listed(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("a case list has items")
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
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

    let all = s.get_json(&center, "/api/v1/cases").await;
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

    let pending = s.get_json(&center, "/api/v1/cases?state=pending").await;
    assert_eq!(pending["total"], 3, "c3, c4 and c6 are pending");
    assert_eq!(
        pending["counts_by_state"], all["counts_by_state"],
        "the state tabs count over every filter but state"
    );
    for q in ["state=pending,claimed", "state=pending&state=claimed"] {
        let l = s.get_json(&center, &format!("/api/v1/cases?{q}")).await;
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
        let l = s
            .get_json(&center, &format!("/api/v1/cases?{q}&sort=reported_at:asc"))
            .await;
        let want: Vec<String> = want.iter().map(|i| ids[*i].clone()).collect();
        assert_eq!(listed(&l), want, "{q} selects exactly these cases");
        assert_eq!(l["total"], want.len(), "{q}: total counts the same cases");
    }
    // The tail of a UUIDv7 is random: a piece of it names one case.
    let by_id = s
        .get_json(&center, &format!("/api/v1/cases?q={}", &ids[3][24..]))
        .await;
    assert_eq!(listed(&by_id), [ids[3].clone()], "q finds a case by its id");

    let c3_reported = stored(&s, &ids[2]).reported_at.to_rfc3339();
    let from = s
        .get_json(
            &center,
            &format!("/api/v1/cases?from={}", urlencode(&c3_reported)),
        )
        .await;
    assert_eq!(from["total"], 4, "from is inclusive: c3 … c6");
    let to = s
        .get_json(
            &center,
            &format!("/api/v1/cases?to={}", urlencode(&c3_reported)),
        )
        .await;
    assert_eq!(to["total"], 2, "to is exclusive: c1, c2");

    let asc = s
        .get_json(&center, "/api/v1/cases?sort=reported_at&order=asc")
        .await;
    assert_eq!(listed(&asc), ids, "ascending by report time");
    let by_deadline = s.get_json(&center, "/api/v1/cases?sort=deadline").await;
    let mut first_two = listed(&by_deadline)[..2].to_vec();
    first_two.sort();
    let mut with_deadline = vec![ids[0].clone(), ids[4].clone()];
    with_deadline.sort();
    assert_eq!(
        first_two, with_deadline,
        "the two cases with a deadline come first"
    );

    let p1 = s.get_json(&center, "/api/v1/cases?page_size=4").await;
    let p2 = s
        .get_json(&center, "/api/v1/cases?page_size=4&page=2")
        .await;
    let p3 = s
        .get_json(&center, "/api/v1/cases?page_size=4&page=3")
        .await;
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
    // Well-formed names of things that are not there (a community is not a township).
    for q in ["township=999", "township=210882001001"] {
        let r = s.get(&center, &format!("/api/v1/cases?{q}")).await;
        assert_eq!(r.status(), 404, "{q} names no township");
        assert_eq!(error_code(r).await, "not_found");
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
        let l = s
            .get_json(&token, "/api/v1/cases?sort=reported_at:asc")
            .await;
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
