//! `serve --tls-cert --tls-key` (issue 12): the server speaks HTTPS with a PEM certificate, the
//! API and sign-in work over it, plain HTTP to the same port gets nothing, and a missing or
//! half-given certificate stops the server at start with a clear message.

use std::path::{Path, PathBuf};
use yiwang_tests::kit::ServerProcess;

use crate::common::{run, seed_small, text, yiwang};

/// A self-signed certificate for 127.0.0.1 and localhost, written as PEM files into `dir`.
fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("a certificate");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

#[tokio::test]
async fn the_server_speaks_https_with_the_certificate_it_is_given() {
    let data = tempfile::tempdir().unwrap();
    seed_small(data.path(), true, 0);
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(certs.path());
    let mut server = ServerProcess::new(data.path()).with_tls(&cert, &key);
    server.start().await;
    assert!(server.base().starts_with("https://"));

    let health = server
        .http
        .get(format!("{}/healthz", server.base()))
        .send()
        .await
        .expect("HTTPS answers");
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.headers()["x-content-type-options"],
        "nosniff",
        "the security headers come over TLS too"
    );
    // The demo users of the small county have the demo password; `serve` is not demo mode.
    let token_refused = server
        .http
        .post(format!("{}/api/v1/auth/login", server.base()))
        .json(
            &serde_json::json!({"username": "center", "password": "demo",
                                  "device_id": "d", "device_name": "d"}),
        )
        .send()
        .await
        .expect("sign-in over HTTPS answers");
    assert_eq!(token_refused.status(), 401, "and the API is the API");

    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/healthz", server.port))
        .send()
        .await;
    assert!(
        plain.as_ref().map_or(true, |r| r.status() != 200),
        "plain HTTP to the TLS port gets no answer: {plain:?}"
    );
    server.stop().await;
}

#[test]
fn a_missing_or_half_given_certificate_stops_the_server_at_start() {
    let data = tempfile::tempdir().unwrap();
    let mut missing = yiwang(data.path());
    missing.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        "/nonexistent/cert.pem",
        "--tls-key",
        "/nonexistent/key.pem",
    ]);
    let out = run(missing);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("/nonexistent/cert.pem"),
        "it names the file: {}",
        text(&out)
    );

    let mut half = yiwang(data.path());
    half.args(["serve", "--listen", "127.0.0.1:0", "--tls-cert", "cert.pem"]);
    let out = run(half);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("--tls-key"),
        "it says what is missing: {}",
        text(&out)
    );
}
