//! The tus protocol itself: what `OPTIONS` tells a client (versions, extensions, the size
//! limit, CORS for browsers), 412 for other protocol versions, and creation requests that are
//! refused with a stable code and create nothing.

use chrono::Duration;
use reqwest::Method;
use yiwang_tests::kit::{error_code, t0, TestServer};

use crate::common::{b64, tus};

#[tokio::test]
async fn options_tells_what_the_server_speaks_and_other_versions_get_412() {
    let s = TestServer::start().await;
    let resp = s
        .http
        .request(Method::OPTIONS, s.url("/api/v1/photos"))
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_success(),
        "OPTIONS needs no token: {}",
        resp.status()
    );
    let h = resp.headers();
    assert_eq!(h["tus-version"], "1.0.0");
    assert_eq!(h["tus-resumable"], "1.0.0");
    assert_eq!(
        h["tus-max-size"],
        (40 * 1024 * 1024).to_string(),
        "the device pipeline's limit"
    );
    assert_eq!(h["tus-checksum-algorithm"], "sha256");
    let ext = h["tus-extension"].to_str().unwrap();
    for e in ["creation", "checksum", "termination", "expiration"] {
        assert!(ext.split(',').any(|x| x == e), "{e} is advertised in {ext}");
    }

    // A browser's CORS preflight is answered, and the tus headers are readable by scripts.
    let resp = s
        .http
        .request(
            Method::OPTIONS,
            s.url("/api/v1/photos/0123456789abcdef0123456789abcdef"),
        )
        .header("Origin", "http://console.example")
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "authorization,upload-offset,tus-resumable",
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "preflight passes");
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let methods = resp.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(
        methods.contains("PATCH"),
        "PATCH is allowed cross-origin: {methods}"
    );
    let token = s.login("worker-0001").await;
    let resp = s
        .http
        .post(s.url("/api/v1/photos"))
        .bearer_auth(&token)
        .header("Origin", "http://console.example")
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .header("Upload-Metadata", format!("sha256 {}", b64("a".repeat(64))))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let exposed = resp.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "location",
        "upload-offset",
        "upload-length",
        "tus-resumable",
        "upload-expires",
    ] {
        assert!(
            exposed.contains(name),
            "{name} is exposed to browser scripts: {exposed}"
        );
    }

    for version in [None, Some("0.2.2")] {
        let mut req = s
            .http
            .post(s.url("/api/v1/photos"))
            .bearer_auth(&token)
            .header("Upload-Length", "10")
            .header("Upload-Metadata", format!("sha256 {}", b64("a".repeat(64))));
        if let Some(v) = version {
            req = req.header("Tus-Resumable", v);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 412, "Tus-Resumable {version:?} is not 1.0.0");
        assert_eq!(
            resp.headers()["tus-version"],
            "1.0.0",
            "412 says what we speak"
        );
        assert_eq!(
            resp.headers()["tus-resumable"],
            "1.0.0",
            "every response carries it"
        );
        assert_eq!(error_code(resp).await, "tus_version_unsupported");
    }
}

#[tokio::test]
async fn creation_refuses_bad_requests_and_creates_nothing() {
    let s = TestServer::start().await;
    let t = tus(&s, "worker-0001").await;
    let sha = "ab".repeat(32);
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        (
            "no Upload-Length",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Metadata", format!("sha256 {}", b64(&sha))),
            400,
            "upload_length_required",
        ),
        (
            "a length that is not a number",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Length", "ten")
                .header("Upload-Metadata", format!("sha256 {}", b64(&sha))),
            400,
            "invalid_upload_length",
        ),
        (
            "more than 40 MiB",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Length", (40 * 1024 * 1024 + 1).to_string())
                .header("Upload-Metadata", format!("sha256 {}", b64(&sha))),
            413,
            "too_large",
        ),
        (
            "no sha256 in the metadata",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Length", "100")
                .header("Upload-Metadata", format!("filename {}", b64("a.jpg"))),
            400,
            "invalid_metadata",
        ),
        (
            "a sha256 that is not one",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Length", "100")
                .header("Upload-Metadata", format!("sha256 {}", b64("abc"))),
            400,
            "invalid_metadata",
        ),
        (
            "metadata that is not base64",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Length", "100")
                .header("Upload-Metadata", "sha256 %%%"),
            400,
            "invalid_metadata",
        ),
        (
            "a deferred length",
            t.request(Method::POST, "/api/v1/photos")
                .header("Upload-Defer-Length", "1")
                .header("Upload-Metadata", format!("sha256 {}", b64(&sha))),
            400,
            "defer_length_unsupported",
        ),
        (
            "no token",
            s.http
                .post(s.url("/api/v1/photos"))
                .header("Tus-Resumable", "1.0.0")
                .header("Upload-Length", "100")
                .header("Upload-Metadata", format!("sha256 {}", b64(&sha))),
            401,
            "unauthenticated",
        ),
    ];
    for (why, req, status, code) in cases {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{why}");
        assert_eq!(
            resp.headers()["tus-resumable"],
            "1.0.0",
            "{why}: still a tus response"
        );
        assert_eq!(error_code(resp).await, code, "{why}");
    }
    let uploads = s
        .state
        .ledger
        .read_blocking(|tx| tx.expired_uploads(t0() + Duration::days(3650), 100))
        .unwrap();
    assert!(
        uploads.is_empty(),
        "no refused request created an upload: {uploads:?}"
    );
}
