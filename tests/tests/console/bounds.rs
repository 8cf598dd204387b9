//! Issue 13: every text a client sends is bounded. Each row sends one over-long value to one
//! field and expects the refusal naming that field, with nothing stored: the change log (every
//! ledger write logs a change) and the user list are as they were.

use crate::common::{hotline, intake_id, G1};
use reqwest::Method;
use serde_json::{json, Value};
use yiwang_tests::kit::{ops, TestServer};

/// One over-long input: who sends it, where, and the refusal expected.
struct Row {
    field: &'static str,
    user: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    status: u16,
    code: &'static str,
}

fn long(n: usize) -> String {
    "长".repeat(n)
}

fn rows(case: &str) -> Vec<Row> {
    let intake = |field: &str, value: String| {
        let mut b = hotline(G1, "01.01", "井盖缺失");
        b[field] = json!(value);
        Some(b)
    };
    let user = |field: &str, value: String| {
        let mut b = json!({"username": "new-user", "password": "a-long-passphrase-9",
                           "role": "community", "org_unit_id": "210882001001"});
        b[field] = json!(value);
        Some(b)
    };
    let post = Method::POST;
    vec![
        Row {
            field: "address",
            user: "township-01",
            method: post.clone(),
            path: "/api/v1/cases".into(),
            body: intake("address", long(201)),
            status: 422,
            code: "invalid_input",
        },
        Row {
            field: "contact",
            user: "township-01",
            method: post.clone(),
            path: "/api/v1/cases".into(),
            body: intake("contact", long(101)),
            status: 422,
            code: "invalid_input",
        },
        Row {
            field: "description",
            user: "township-01",
            method: post.clone(),
            path: "/api/v1/cases".into(),
            body: intake("description", long(2001)),
            status: 422,
            code: "invalid_input",
        },
        Row {
            field: "note",
            user: "township-01",
            method: post.clone(),
            path: format!("/api/v1/cases/{case}/actions"),
            body: Some(json!({"action": "comment", "base_version": 1, "note": long(2001)})),
            status: 422,
            code: "invalid_input",
        },
        Row {
            field: "display_name",
            user: "admin",
            method: post.clone(),
            path: "/api/v1/admin/users".into(),
            body: user("display_name", long(65)),
            status: 422,
            code: "invalid_input",
        },
        Row {
            field: "username",
            user: "admin",
            method: post.clone(),
            path: "/api/v1/admin/users".into(),
            body: user("username", "u".repeat(65)),
            status: 422,
            code: "invalid_input",
        },
        Row {
            field: "name",
            user: "admin",
            method: post.clone(),
            path: "/api/v1/admin/units".into(),
            body: Some(
                json!({"id": "210882001009", "name": long(101), "level": "community",
                                "parent_id": "210882001"}),
            ),
            status: 422,
            code: "invalid_input",
        },
        Row {
            field: "id",
            user: "admin",
            method: post.clone(),
            path: "/api/v1/admin/units".into(),
            body: Some(
                json!({"id": "9".repeat(65), "name": "新社区", "level": "community",
                                "parent_id": "210882001"}),
            ),
            status: 422,
            code: "invalid_input",
        },
        Row {
            field: "password",
            user: "community-001",
            method: post.clone(),
            path: "/api/v1/auth/password".into(),
            body: Some(json!({"current_password": "x", "new_password": "p".repeat(1025)})),
            status: 422,
            code: "",
        },
        Row {
            field: "q",
            user: "center",
            method: Method::GET,
            path: format!("/api/v1/cases?q={}", "x".repeat(501)),
            body: None,
            status: 400,
            code: "invalid_query",
        },
    ]
}

/// What a refused request must leave as it was.
async fn ledger_state(s: &TestServer) -> (i64, usize) {
    s.state
        .ledger
        .read(|tx| Ok((tx.max_change_seq()?, tx.users()?.len())))
        .await
        .unwrap()
}

#[tokio::test]
async fn every_console_text_has_a_bound() {
    let s = TestServer::start().await;
    let t1 = s.login("township-01").await;
    let case = intake_id(&s, &t1, hotline(G1, "01.01", "井盖缺失")).await;
    for row in rows(&case) {
        let token = s.login(row.user).await;
        let before = ledger_state(&s).await;
        let mut req = s
            .http
            .request(row.method.clone(), s.url(&row.path))
            .bearer_auth(&token);
        if let Some(b) = &row.body {
            req = req.json(b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(
            status, row.status,
            "{}: over-long is refused: {body}",
            row.field
        );
        if !row.code.is_empty() {
            assert_eq!(body["error"]["code"], row.code, "{}: {body}", row.field);
        }
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(row.field),
            "{}: the refusal names the field: {message}",
            row.field
        );
        assert_eq!(
            ledger_state(&s).await,
            before,
            "{}: nothing stored",
            row.field
        );
    }
}

#[tokio::test]
async fn a_category_tree_with_an_over_long_name_is_refused() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let mut tree: Value = s
        .get(&admin, "/api/v1/admin/categories")
        .await
        .json()
        .await
        .unwrap();
    tree["classes"][0]["leaves"][0]["name"] = json!(long(101));
    let before = ledger_state(&s).await;
    let r = s
        .http
        .put(s.url("/api/v1/admin/categories"))
        .bearer_auth(&admin)
        .json(&tree)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_input", "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("name"),
        "{body}"
    );
    assert_eq!(ledger_state(&s).await, before, "the tree is unchanged");
}

#[tokio::test]
async fn a_sign_in_device_name_is_bounded() {
    let s = TestServer::start().await;
    let r = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(
            &json!({"username": "worker-0001", "password": yiwang_tests::kit::PASSWORD,
                      "device_id": "dev-long", "device_name": long(129)}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("device_name"),
        "{body}"
    );
}

#[tokio::test]
async fn pushed_texts_are_bounded() {
    let s = TestServer::start().await;
    let worker = s.login("worker-0001").await;
    let case = ops::new_id();
    let report = ops::finding(&ops::new_id(), G1, "report", Some(&case));
    let mut long_report = ops::finding(&ops::new_id(), G1, "report", Some(&ops::new_id()));
    long_report["data"]["description"] = json!(long(501));
    let note = ops::op(
        "case.action",
        &case,
        json!({"action": "comment", "base_version": 1, "note": long(2001)}),
    );
    let cases_before = s.ledger().case_count().await;
    let r: Value = s
        .post(
            &worker,
            "/api/v1/sync/push",
            &json!({"device_id": "dev-worker-0001", "ops": [report, long_report, note]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["results"][0]["status"], "applied", "{r}");
    for (i, field) in [(1, "description"), (2, "note")] {
        let res = &r["results"][i];
        assert_eq!(res["status"], "rejected", "{res}");
        assert_eq!(res["code"], "invalid_input", "{res}");
        assert!(res["message"].as_str().unwrap().contains(field), "{res}");
    }
    assert_eq!(
        s.ledger().case_count().await,
        cases_before + 1,
        "only the valid report opened a case"
    );
    let events = s.ledger().case_events(&case.as_str().into()).await;
    assert_eq!(events.len(), 1, "the over-long note added no event");
}
