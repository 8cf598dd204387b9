//! An older phone against a newer server (issue 10): codes this build does not know are read as
//! `ReceivedCode::Unknown` and shown with the server's own message, never a parse failure or an
//! empty toast. The newer server cannot exist yet, so a stand-in plays it on a real listener:
//! its answers are our protocol's envelopes with codes `ErrorCode` does not have.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{json, Value};
use yiwang_client::app::views::FindingInput;
use yiwang_client::app::{AppConfig, WorkerApp};
use yiwang_client::store::OutboxState;
use yiwang_client::sync::{AgentConfig, ClientConfig};
use yiwang_core::error::ReceivedCode;
use yiwang_core::field::Disposition;

const NEW_CODE: &str = "daily_quota_exceeded";
const NEW_MESSAGE: &str = "今日上报已达上限，明天再报";

async fn login(Json(body): Json<Value>) -> axum::response::Response {
    if body["username"] == "suspended" {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"error": {"code": "account_suspended", "message": "此账号已暂停，请联系管理员"}})),
        )
            .into_response();
    }
    Json(json!({
        "token": "t",
        "user": {"id": "u1", "username": body["username"], "display_name": "张晓梅", "role": "grid_worker",
                 "org_unit_id": "M1", "grid_ids": ["G1"]}
    }))
    .into_response()
}

/// Every op is refused with a code of the newer server's.
async fn push(Json(body): Json<Value>) -> Json<Value> {
    let results: Vec<Value> = body["ops"]
        .as_array()
        .map(|ops| {
            ops.iter()
                .map(|o| json!({"op_id": o["op_id"], "status": "rejected", "code": NEW_CODE, "message": NEW_MESSAGE}))
                .collect()
        })
        .unwrap_or_default();
    Json(json!({ "results": results }))
}

async fn pull() -> Json<Value> {
    Json(json!({"changes": [], "cursor": "c0", "has_more": false}))
}

async fn newer_server() -> String {
    let app = axum::Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/sync/push", post(push))
        .route("/api/v1/sync/pull", get(pull));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .expect("the stand-in serves");
    });
    format!("http://{addr}")
}

fn config() -> AppConfig {
    AppConfig {
        agent: AgentConfig {
            interval: Duration::from_secs(3600),
            after_finding: Duration::from_millis(20),
            backoff_base: Duration::from_millis(50),
            backoff_cap: Duration::from_millis(200),
            ..AgentConfig::default()
        },
        client: ClientConfig {
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
            ..ClientConfig::default()
        },
        ..AppConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_code_is_kept_and_shown_with_the_servers_message() {
    let url = newer_server().await;
    let dir = tempfile::tempdir().expect("a folder");
    let app = Arc::new(WorkerApp::open(dir.path(), config()).expect("the app opens"));

    let refused = app
        .login(&url, "suspended", "pw")
        .await
        .expect_err("the newer server refuses this account");
    assert_eq!(
        refused.code,
        ReceivedCode::Unknown("account_suspended".into()),
        "the code is kept as the server sent it"
    );
    assert_eq!(
        refused.message, "此账号已暂停，请联系管理员",
        "with the server's own words, which the UI shows for a code it does not know"
    );

    app.login(&url, "worker-0001", "pw")
        .await
        .expect("an ordinary sign-in works against the newer server");
    app.save_finding(&FindingInput {
        patrol_id: None,
        category_code: "01.02".into(),
        description: "电线裸露".into(),
        lat: Some(40.6),
        lon: Some(122.5),
        accuracy_m: Some(5.0),
        mock_location: false,
        disposition: Disposition::Note,
        photos: vec![],
        urgent: false,
    })
    .expect("the finding is saved on the device");
    let mut rejected = None;
    for _ in 0..100 {
        let _ = app.sync_now();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let view = app.sync_status().expect("the sync view");
        if let Some(item) = view.rejected.first() {
            rejected = Some(item.clone());
            break;
        }
    }
    let item = rejected.expect("the refusal reaches the sync screen");
    assert_eq!(item.state, OutboxState::Rejected);
    assert_eq!(
        item.error_code,
        Some(ReceivedCode::Unknown(NEW_CODE.into())),
        "the outbox keeps the newer code"
    );
    assert_eq!(
        item.error.as_deref(),
        Some(NEW_MESSAGE),
        "and the message that explains it"
    );
    let json = serde_json::to_value(&item).expect("the view serialises for the window");
    assert_eq!(
        json["error_code"], NEW_CODE,
        "the window receives the code as the plain string it was"
    );
}
