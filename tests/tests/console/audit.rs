//! The audit log at `GET /api/v1/admin/audit`: sign-ins and failed ones with the address they
//! came from, a password change and an admin's reset, admin actions and exports, each with its
//! actor; read by admins alone, a page at a time, filtered.

use serde_json::{json, Value};
use yiwang_tests::kit::{error_code, t0, Backend, Clock, TestServer, PASSWORD};

/// The audit records an admin reads with `query`, newest first.
async fn audit(s: &TestServer, admin: &str, query: &str) -> Vec<Value> {
    let page = s
        .get_json(admin, &format!("/api/v1/admin/audit{query}"))
        .await;
    page["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("a page of entries: {page}"))
        .clone()
}

fn login_body(user: &str, password: &str) -> Value {
    json!({"username": user, "password": password, "device_id": "audit-d", "device_name": "t"})
}

#[tokio::test]
async fn sign_ins_passwords_admin_actions_and_exports_are_audited_with_actor_and_address() {
    let s = TestServer::start().await;
    // From a second address: a failed sign-in, then the right password.
    let other = s.http_from("127.0.0.2");
    let r = other
        .post(s.url("/api/v1/auth/login"))
        .json(&login_body("center", "not the password"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = other
        .post(s.url("/api/v1/auth/login"))
        .json(&login_body("nobody-here", "whatever1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = other
        .post(s.url("/api/v1/auth/login"))
        .json(&login_body("center", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let center: String = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = s.login("admin").await;

    // An admin action, a reset, a password change, an export.
    let r = s
        .post(
            &admin,
            "/api/v1/admin/users/worker-0002/disable",
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200, "the admin disables a worker");
    let r = s
        .post(
            &admin,
            "/api/v1/admin/users/township-01/password",
            &json!({"password": "reset-by-admin-1"}),
        )
        .await;
    assert_eq!(r.status(), 200, "the admin resets a password");
    let r = other
        .post(s.url("/api/v1/auth/password"))
        .bearer_auth(&center)
        .json(&json!({"current_password": PASSWORD, "new_password": "changed-by-me-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "center changes their own password");
    let r = other
        .get(s.url("/api/v1/exports/cases.csv?state=pending&overdue=0"))
        .bearer_auth(&center)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "center exports the list");

    let all = audit(&s, &admin, "").await;
    let find = |action: &str| -> Value {
        all.iter()
            .find(|e| e["action"] == action)
            .cloned()
            .unwrap_or_else(|| panic!("a {action} record in {all:#?}"))
    };
    let failed: Vec<&Value> = all
        .iter()
        .filter(|e| e["action"] == "sign_in_failed")
        .collect();
    assert_eq!(failed.len(), 2, "both failed sign-ins are recorded");
    let wrong = failed.iter().find(|e| e["target"] == "center").unwrap();
    assert!(wrong["actor"].is_null(), "a failed sign-in has no actor");
    assert_eq!(
        wrong["address"], "127.0.0.2",
        "with the address it came from"
    );
    assert_eq!(wrong["detail"]["reason"], "wrong_password");
    let unknown = failed
        .iter()
        .find(|e| e["target"] == "nobody-here")
        .unwrap();
    assert_eq!(unknown["detail"]["reason"], "unknown_user");

    let sign_in = all
        .iter()
        .find(|e| e["action"] == "sign_in" && e["actor"]["username"] == "center")
        .expect("center's sign-in is recorded");
    assert_eq!(sign_in["address"], "127.0.0.2");
    assert_eq!(sign_in["actor"]["role"], "center");
    let admin_in = all
        .iter()
        .find(|e| e["action"] == "sign_in" && e["actor"]["username"] == "admin")
        .expect("the admin's sign-in is recorded");
    assert_eq!(admin_in["address"], "127.0.0.1");

    let disable = find("user_disable");
    assert_eq!(disable["actor"]["username"], "admin");
    assert_eq!(disable["actor"]["role"], "admin");
    assert_eq!(disable["target"], "worker-0002");
    assert_eq!(disable["address"], "127.0.0.1");

    let reset = find("password_reset");
    assert_eq!(reset["actor"]["username"], "admin");
    assert_eq!(reset["target"], "township-01");
    let change = find("password_change");
    assert_eq!(change["actor"]["username"], "center");
    assert_eq!(change["address"], "127.0.0.2");

    let export = find("export_cases_csv");
    assert_eq!(export["actor"]["username"], "center");
    assert_eq!(export["address"], "127.0.0.2");
    assert_eq!(
        export["detail"]["filter"],
        json!({"state": "pending", "overdue": "0"}),
        "the export's filter is kept as given"
    );
    assert!(
        export["detail"]["cases"].is_u64(),
        "and how many cases went out"
    );
    assert!(
        all.windows(2)
            .all(|w| w[0]["id"].as_i64() > w[1]["id"].as_i64()),
        "newest first"
    );

    // Filters and pages.
    let only = audit(&s, &admin, "?action=sign_in_failed,password_reset").await;
    assert_eq!(only.len(), 3, "two failed sign-ins and a reset");
    let by_center = audit(&s, &admin, "?actor=center").await;
    assert!(
        !by_center.is_empty() && by_center.iter().all(|e| e["actor"]["username"] == "center"),
        "what center did: {by_center:#?}"
    );
    let first = s.get_json(&admin, "/api/v1/admin/audit?limit=2").await;
    assert_eq!(first["entries"].as_array().unwrap().len(), 2);
    let next = first["next_before"].as_i64().expect("a next page");
    let second = audit(&s, &admin, &format!("?limit=2&before={next}")).await;
    assert_eq!(
        second[0]["id"], all[2]["id"],
        "the next page starts where the first ended"
    );
    let later = (t0() + chrono::Duration::days(1)).to_rfc3339();
    let none = audit(&s, &admin, &format!("?since={}", later.replace('+', "%2B"))).await;
    assert!(none.is_empty(), "nothing happened after tomorrow");
    for bad in [
        "?limit=0",
        "?limit=5000",
        "?before=x",
        "?action=DROP%20TABLE",
        "?who=me",
    ] {
        let r = s.get(&admin, &format!("/api/v1/admin/audit{bad}")).await;
        assert_eq!(r.status(), 400, "{bad} is refused");
        assert_eq!(error_code(r).await, "invalid_query");
    }
}

#[tokio::test]
async fn only_admins_read_the_audit_log() {
    let s = TestServer::start().await;
    for user in ["worker-0001", "center", "leader", "dept-01"] {
        let token = s.login(user).await;
        let r = s.get(&token, "/api/v1/admin/audit").await;
        assert_eq!(r.status(), 403, "{user} may not read the audit log");
        assert_eq!(error_code(r).await, "forbidden");
    }
    let r = s
        .http
        .get(s.url("/api/v1/admin/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "nor may anyone signed out");
}

#[tokio::test]
async fn the_address_behind_a_trusted_proxy_is_the_forwarded_one() {
    let s = TestServer::start_with(Backend::from_env(), Clock::fixed(t0()), |settings| {
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let r = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "203.0.113.7")
        .json(&login_body("center", "wrong-password"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let admin = s.login("admin").await;
    let failed = audit(&s, &admin, "?action=sign_in_failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0]["address"], "203.0.113.7",
        "the client the county's proxy names, not the proxy"
    );
}
