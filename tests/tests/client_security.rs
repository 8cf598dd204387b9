//! What the app refuses to send where (issue 12): its token never goes to a host other than the
//! one it signed in to (a tus `Location` pointing elsewhere is refused, and nothing reaches that
//! host), and plain `http://` to a public address is refused unless the user turns on the
//! insecure switch.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, post};
use yiwang_client::app::views::Settings;
use yiwang_client::app::{AppConfig, WorkerApp};
use yiwang_client::sync::{ClientConfig, SyncClient, SyncError};
use yiwang_core::ids::PhotoHash;

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    format!("http://{addr}")
}

/// A host that counts every request it gets and whether it carried a token.
async fn spy() -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (seen, tokens) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (s, t) = (seen.clone(), tokens.clone());
    let app = axum::Router::new().fallback(any(move |headers: HeaderMap| {
        let (s, t) = (s.clone(), t.clone());
        async move {
            s.fetch_add(1, Ordering::SeqCst);
            if headers.contains_key("authorization") {
                t.fetch_add(1, Ordering::SeqCst);
            }
            (
                StatusCode::NO_CONTENT,
                [("tus-resumable", "1.0.0"), ("upload-offset", "0")],
            )
                .into_response()
        }
    }));
    (serve(app).await, seen, tokens)
}

#[tokio::test]
async fn the_token_never_goes_to_a_host_the_device_did_not_sign_in_to() {
    let (elsewhere, seen, tokens) = spy().await;
    // A server whose tus Location points at the other host (a proxy rewriting it, or worse).
    let location = format!("{elsewhere}/api/v1/photos/0123456789abcdef0123456789abcdef");
    let app = axum::Router::new()
        .route(
            "/api/v1/photos",
            post(move || {
                let location = location.clone();
                async move {
                    (
                        StatusCode::CREATED,
                        [("location", location), ("tus-resumable", "1.0.0".into())],
                    )
                        .into_response()
                }
            }),
        )
        .fallback(any(|| async {
            (
                StatusCode::NOT_FOUND,
                axum::Json(serde_json::json!({"error": {"code": "not_found", "message": "no"}})),
            )
        }));
    let server = serve(app).await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("p.jpg");
    std::fs::write(&photo, b"\xff\xd8\xff\xe0 not much of a jpeg").unwrap();
    let client = SyncClient::new(&server, Some("secret-token".into())).unwrap();
    let hash = PhotoHash::of(b"\xff\xd8\xff\xe0 not much of a jpeg");
    let err = client
        .upload_photo(&photo, &hash, None, |_| {})
        .await
        .expect_err("the upload cannot go to another host");
    assert!(
        matches!(&err, SyncError::NotOurServer(m) if m.contains(&elsewhere)),
        "said plainly: {err}"
    );
    assert_eq!(err.code(), "not_our_server");
    // Again, as the agent's next sync would: still nothing elsewhere.
    let _ = client.upload_photo(&photo, &hash, None, |_| {}).await;
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "the other host heard nothing"
    );
    assert_eq!(tokens.load(Ordering::SeqCst), 0, "and never the token");
}

fn config() -> AppConfig {
    AppConfig {
        client: ClientConfig {
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(2),
            ..ClientConfig::default()
        },
        ..AppConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_a_public_address_needs_the_insecure_switch() {
    let dir = tempfile::tempdir().unwrap();
    let app = WorkerApp::open(dir.path(), config()).unwrap();
    // 203.0.113.0/24 is TEST-NET-3: public, and nobody answers there.
    let public = "http://203.0.113.5:8080";
    let refused = app
        .login(public, "worker-0001", "demo")
        .await
        .expect_err("plain http to a public host is refused");
    assert_eq!(refused.code, "insecure_server_url", "{}", refused.message);
    let mut settings = app.settings().unwrap();
    assert!(!settings.insecure_http, "off unless turned on");
    settings.server_url = public.into();
    let refused = app
        .set_settings(&settings)
        .expect_err("nor kept as the server");
    assert_eq!(refused.code, "insecure_server_url");

    let on = Settings {
        insecure_http: true,
        ..settings
    };
    let saved = app
        .set_settings(&on)
        .expect("with the switch on it is the user's choice");
    assert!(saved.insecure_http);
    let tried = app
        .login(public, "worker-0001", "demo")
        .await
        .expect_err("nobody answers at TEST-NET-3");
    assert_ne!(
        tried.code, "insecure_server_url",
        "it was tried: {}",
        tried.message
    );

    let local = app
        .login("https://203.0.113.5:8443", "worker-0001", "demo")
        .await
        .expect_err("nobody answers");
    assert_ne!(local.code, "insecure_server_url", "https is always fine");
}
