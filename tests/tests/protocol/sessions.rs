//! Token lifetimes and password changes (issue 12): console sessions end after 12 idle hours
//! and 7 days at the most, device sign-ins slide over 90 idle days, use is recorded, and a user
//! changes their own password under the sign-in throttle.

use chrono::Duration;
use serde_json::{json, Value};
use yiwang_tests::kit::{error_code, TestServer, PASSWORD};

/// Signs `user` in as `client` (`console` or `device`) from `device`: the token.
async fn sign_in(s: &TestServer, user: &str, password: &str, client: &str, device: &str) -> String {
    let resp = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(
            &json!({"username": user, "password": password, "device_id": device,
                      "device_name": device, "client": client}),
        )
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{user} signs in: {body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn me(s: &TestServer, token: &str) -> u16 {
    s.get(token, "/api/v1/auth/me").await.status().as_u16()
}

#[tokio::test]
async fn console_sessions_end_after_twelve_idle_hours_and_a_week_at_the_most() {
    let s = TestServer::start().await;
    let t = sign_in(&s, "township-01", PASSWORD, "console", "browser-1").await;
    s.advance(Duration::hours(11));
    assert_eq!(me(&s, &t).await, 200, "11 idle hours");
    s.advance(Duration::hours(11));
    assert_eq!(me(&s, &t).await, 200, "used 11 hours ago");
    s.advance(Duration::hours(12));
    assert_eq!(me(&s, &t).await, 401, "12 idle hours end it");

    let t = sign_in(&s, "township-01", PASSWORD, "console", "browser-1").await;
    for _ in 0..27 {
        s.advance(Duration::hours(6));
        assert_eq!(me(&s, &t).await, 200, "in use every six hours");
    }
    s.advance(Duration::hours(6));
    let r = s.get(&t, "/api/v1/auth/me").await;
    assert_eq!(r.status(), 401, "seven days after sign-in, however busy");
    assert_eq!(error_code(r).await, "unauthenticated");
}

#[tokio::test]
async fn device_sign_ins_last_while_the_device_is_used() {
    let s = TestServer::start().await;
    let t = sign_in(&s, "worker-0001", PASSWORD, "device", "phone-1").await;
    let old_app = s.login_from("worker-0002", "phone-2").await;
    for _ in 0..3 {
        s.advance(Duration::days(89));
        assert_eq!(me(&s, &t).await, 200, "a phone that syncs stays signed in");
        assert_eq!(
            me(&s, &old_app).await,
            200,
            "a login without `client` is a device's"
        );
    }
    s.advance(Duration::days(90));
    assert_eq!(me(&s, &t).await, 401, "90 days without a sync");
}

#[tokio::test]
async fn use_is_recorded_as_last_used_at() {
    let s = TestServer::start().await;
    let worker = sign_in(&s, "worker-0001", PASSWORD, "device", "phone-1").await;
    let admin = s.login("admin").await;
    let signed_in = s.now();
    s.advance(Duration::minutes(30));
    assert_eq!(me(&s, &worker).await, 200);
    let used = s.now();
    let devices = s
        .get_json(&admin, "/api/v1/admin/users/worker-0001/devices")
        .await;
    let phone = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device_id"] == "phone-1")
        .expect("the phone is listed");
    let at = |v: &Value| {
        v.as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    };
    assert_eq!(at(&phone["signed_in_at"]), signed_in);
    assert_eq!(
        at(&phone["last_used_at"]),
        used,
        "the sync half an hour later"
    );
    assert_eq!(phone["kind"], "device");
    assert_eq!(phone["active"], true);
}

#[tokio::test]
async fn a_user_changes_their_own_password() {
    let s = TestServer::start().await;
    let here = sign_in(&s, "township-01", PASSWORD, "console", "browser-1").await;
    let elsewhere = sign_in(&s, "township-01", PASSWORD, "console", "browser-2").await;
    let phone = sign_in(&s, "township-01", PASSWORD, "device", "phone-1").await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    for (b, status, code) in [
        (change("wrong", "a-new-pass-2026"), 403, "wrong_password"),
        (change(PASSWORD, "short"), 422, "weak_password"),
        (
            change("same-pass-2026", "same-pass-2026"),
            422,
            "weak_password",
        ),
        (
            json!({"new_password": "a-new-pass-2026"}),
            422,
            "invalid_body",
        ),
    ] {
        let r = s.post(&here, "/api/v1/auth/password", &b).await;
        assert_eq!(r.status(), status, "{b}");
        assert_eq!(error_code(r).await, code);
    }
    let r = s
        .post(
            &here,
            "/api/v1/auth/password",
            &change(PASSWORD, "a-new-pass-2026"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["revoked_tokens"], 1, "the other console session");
    assert_eq!(
        me(&s, &here).await,
        200,
        "the session it was changed from goes on"
    );
    assert_eq!(
        me(&s, &elsewhere).await,
        401,
        "the other browser is signed out"
    );
    assert_eq!(
        me(&s, &phone).await,
        200,
        "the phone in the field keeps syncing"
    );
    let r = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "township-01", "password": PASSWORD, "device_id": "x", "device_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the old password is gone");
    sign_in(&s, "township-01", "a-new-pass-2026", "console", "browser-3").await;
}

#[tokio::test]
async fn the_current_password_is_guessed_no_faster_than_a_sign_in() {
    let s = TestServer::start().await;
    let stolen = s.login("township-02").await;
    let guess = |i: u32| json!({"current_password": format!("guess-{i}"), "new_password": "attacker-pass-1"});
    for i in 0..yiwang_server::auth::throttle::PAIR_FREE {
        let r = s.post(&stolen, "/api/v1/auth/password", &guess(i)).await;
        assert_eq!(r.status(), 403, "guess {i}");
    }
    let r = s.post(&stolen, "/api/v1/auth/password", &guess(99)).await;
    assert_eq!(r.status(), 429);
    assert_eq!(error_code(r).await, "too_many_attempts");
}
