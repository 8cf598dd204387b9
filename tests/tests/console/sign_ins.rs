//! An admin's hold on sign-ins (issue 12): reset a password (console sessions end; devices only
//! when asked), re-enable a user, list a user's devices and revoke one lost phone.

use serde_json::{json, Value};
use yiwang_tests::kit::{error_code, TestServer, PASSWORD};

async fn sign_in(
    s: &TestServer,
    user: &str,
    password: &str,
    client: &str,
    device: &str,
) -> (u16, String) {
    let resp = s
        .http
        .post(s.url("/api/v1/auth/login"))
        .json(
            &json!({"username": user, "password": password, "device_id": device,
                      "device_name": format!("{device} name"), "client": client}),
        )
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    (status, body["token"].as_str().unwrap_or("").to_owned())
}

async fn me(s: &TestServer, token: &str) -> u16 {
    s.get(token, "/api/v1/auth/me").await.status().as_u16()
}

#[tokio::test]
async fn an_admin_resets_a_password_ending_console_sessions_and_devices_only_when_asked() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let (_, console) = sign_in(&s, "community-001", PASSWORD, "console", "browser").await;
    let (_, phone) = sign_in(&s, "community-001", PASSWORD, "device", "phone").await;

    let reset = |pw: &str, devices: bool| json!({"password": pw, "revoke_devices": devices});
    let r = s
        .post(
            &admin,
            "/api/v1/admin/users/community-001/password",
            &reset("short", false),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(error_code(r).await, "weak_password");
    let r = s
        .post(
            &admin,
            "/api/v1/admin/users/nobody/password",
            &reset("long-enough-1", false),
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = s
        .post(
            &phone,
            "/api/v1/admin/users/community-001/password",
            &reset("long-enough-1", false),
        )
        .await;
    assert_eq!(r.status(), 403, "only admins reset passwords");

    let r = s
        .post(
            &admin,
            "/api/v1/admin/users/community-001/password",
            &reset("reset-pass-2026", false),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["revoked_tokens"], 1);
    assert_eq!(me(&s, &console).await, 401, "the console session ends");
    assert_eq!(
        me(&s, &phone).await,
        200,
        "the device in the field keeps syncing"
    );
    assert_eq!(
        sign_in(&s, "community-001", PASSWORD, "console", "b")
            .await
            .0,
        401
    );
    assert_eq!(
        sign_in(&s, "community-001", "reset-pass-2026", "console", "b")
            .await
            .0,
        200
    );

    let r = s
        .post(
            &admin,
            "/api/v1/admin/users/community-001/password",
            &reset("stolen-phone-1", true),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        me(&s, &phone).await,
        401,
        "asked to: the devices are signed out too"
    );
}

#[tokio::test]
async fn a_disabled_user_is_enabled_again() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let (_, old) = sign_in(&s, "worker-0003", PASSWORD, "device", "phone").await;
    let r = s
        .post(
            &admin,
            "/api/v1/admin/users/worker-0003/disable",
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        sign_in(&s, "worker-0003", PASSWORD, "device", "phone")
            .await
            .0,
        401
    );
    let r = s
        .post(&admin, "/api/v1/admin/users/worker-0003/enable", &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["disabled"], false);
    assert_eq!(
        me(&s, &old).await,
        401,
        "sign-ins ended by disabling stay ended"
    );
    let (status, token) = sign_in(&s, "worker-0003", PASSWORD, "device", "phone").await;
    assert_eq!(status, 200, "the user signs in again");
    assert_eq!(me(&s, &token).await, 200);
    let r = s
        .post(&admin, "/api/v1/admin/users/nobody/enable", &json!({}))
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn an_admin_lists_a_users_devices_and_revokes_a_lost_phone() {
    let s = TestServer::start().await;
    let admin = s.login("admin").await;
    let (_, lost) = sign_in(&s, "worker-0004", PASSWORD, "device", "phone-lost").await;
    let (_, kept) = sign_in(&s, "worker-0004", PASSWORD, "device", "phone-new").await;
    let devices = devices_of(&s, &admin, "worker-0004").await;
    assert_eq!(devices.len(), 2, "{devices:?}");
    let lost_row = devices
        .iter()
        .find(|d| d["device_id"] == "phone-lost")
        .unwrap();
    assert_eq!(lost_row["device_name"], "phone-lost name");
    assert_eq!(lost_row["active"], true);

    let r = s
        .post(
            &admin,
            "/api/v1/admin/users/worker-0004/devices/phone-lost/revoke",
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["revoked_tokens"], 1);
    assert_eq!(me(&s, &lost).await, 401, "the lost phone is signed out");
    assert_eq!(me(&s, &kept).await, 200, "the new one is not");
    let devices = devices_of(&s, &admin, "worker-0004").await;
    let lost_row = devices
        .iter()
        .find(|d| d["device_id"] == "phone-lost")
        .unwrap();
    assert_eq!(lost_row["active"], false, "listed, no longer active");

    for path in [
        "/api/v1/admin/users/worker-0004/devices/never-seen/revoke",
        "/api/v1/admin/users/nobody/devices/phone-new/revoke",
    ] {
        let r = s.post(&admin, path, &json!({})).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(error_code(r).await, "not_found");
    }
    let r = s
        .get(&kept, "/api/v1/admin/users/worker-0004/devices")
        .await;
    assert_eq!(r.status(), 403, "a worker lists nobody's devices");
}

async fn devices_of(s: &TestServer, admin: &str, user: &str) -> Vec<Value> {
    s.get_json(admin, &format!("/api/v1/admin/users/{user}/devices"))
        .await
        .as_array()
        .expect("a list")
        .clone()
}
