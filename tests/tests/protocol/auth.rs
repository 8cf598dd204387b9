//! Sign-in, tokens and throttling on a real listener.

use serde_json::json;
use yiwang_tests::kit::{error_code, t0, Backend, Clock, TestServer, METRICS_TOKEN, PASSWORD};

fn login_body(user: &str, password: &str) -> serde_json::Value {
    json!({"username": user, "password": password, "device_id": "d1", "device_name": "华为 Mate"})
}

#[tokio::test]
async fn login_returns_a_token_bound_to_the_user() {
    let s = TestServer::start().await;
    let resp = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(&login_body("worker-0001", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["user"]["role"], "grid_worker");
    assert_eq!(
        body["user"]["grid_ids"],
        json!(["210882001001-01"]),
        "worker-0001 owns the first grid"
    );
    let token = body["token"].as_str().unwrap();
    let me = s.get(token, "/api/v1/auth/me").await;
    assert_eq!(me.status(), 200, "the token signs requests in");
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["username"], "worker-0001");
    assert!(
        me.get("password_hash").is_none(),
        "the hash never leaves the server"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_the_same_401() {
    let s = TestServer::start().await;
    for (user, pw) in [("worker-0001", "wrong"), ("nobody", PASSWORD)] {
        let resp = s
            .http
            .post(s.url("/api/v1/auth/login"))
            .json(&login_body(user, pw))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{user}/{pw} is refused");
        assert_eq!(
            error_code(resp).await,
            "bad_credentials",
            "one code, so names cannot be probed"
        );
    }
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let s = TestServer::start().await;
    let token = s.login("township-01").await;
    let r = s
        .http
        .post(s.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = s.get(&token, "/api/v1/auth/me").await;
    assert_eq!(r.status(), 401, "a revoked token no longer signs anything");
    assert_eq!(error_code(r).await, "unauthenticated");
}

#[tokio::test]
async fn bad_json_gets_our_error_envelope() {
    let s = TestServer::start().await;
    let r = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(error_code(r).await, "invalid_json");
    let r = s
        .http
        .get(s.url("/api/v1/no/such/route"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        error_code(r).await,
        "not_found",
        "even unknown routes answer in our envelope"
    );
}

#[tokio::test]
async fn health_metrics_and_openapi_answer() {
    let s = TestServer::start().await;
    let r = s.http.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers().contains_key("x-request-id"),
        "every response carries a request id"
    );
    let m = s.metrics().await;
    assert!(
        m.contains("yiwang_http_requests_total"),
        "Prometheus text exposition"
    );
    // The counters (sign-in failures among them) are not for anyone who asks.
    let r = s.http.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401, "/metrics without the token is refused");
    assert_eq!(error_code(r).await, "unauthenticated");
    let r = s
        .http
        .get(s.url("/metrics"))
        .bearer_auth("kit-metrics-token-012345678X")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a wrong token is refused");
    let user_token = s.login("center").await;
    let r = s.get(&user_token, "/metrics").await;
    assert_eq!(
        r.status(),
        401,
        "a user's session token is not the metrics token"
    );
    let api: serde_json::Value = s.public_json("/api/v1/openapi.json").await;
    assert!(
        api["paths"]["/api/v1/auth/login"].is_object(),
        "the OpenAPI document lists login"
    );
}

#[tokio::test]
async fn metrics_are_not_served_without_a_metrics_token() {
    let s = TestServer::start_with(Backend::from_env(), Clock::fixed(t0()), |settings| {
        settings.metrics_token = None
    })
    .await;
    for token in [None, Some(METRICS_TOKEN)] {
        let mut req = s.http.get(s.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(
            r.status(),
            404,
            "a server started without --metrics-token has no /metrics (token {token:?})"
        );
    }
}
