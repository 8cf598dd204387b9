//! Intake: an operator lodges a case, and every bad intake is refused with its code.

use serde_json::{json, Value};
use yiwang_tests::kit::{error_code, TestServer};

use crate::common::{hotline, sha, G1, G5};

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
    let list = s.get_json(&center, "/api/v1/cases").await;
    assert_eq!(
        list["total"], 1,
        "only the accepted intake is stored; every refusal changed nothing"
    );
}
