//! The HTTP application: [`app`] builds the whole router, so tests can drive it on a real
//! listener at `127.0.0.1:0` (or without a socket) and `serve` runs exactly the same thing.
//!
//! [`app_with_console`] also serves the built web console (`ui/dist/console`) at `/`: API
//! routes, `/healthz` and `/metrics` keep priority; any other GET is a file of the console
//! folder, or its `index.html` for a path without an extension (the console routes by hash, but
//! a bookmarked deep path should still load it). `index.html` is never cached, so a new build
//! shows at once; files under `assets/` carry a content hash in their names (Vite), so they are
//! cached for a year. Unknown `/api/…` paths stay JSON 404s in our envelope.

use crate::connections::{Connections, Gate, HEADER_READ_TIMEOUT};
use crate::limits::{MAX_JSON_BODY, REQUEST_TIMEOUT};
use crate::state::{AppState, Metrics};
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::path::{Path, PathBuf};
use tower::ServiceExt as _;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_core::sync::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    // The tus routes are plain axum routes (tus needs its own middleware); listed here by hand.
    paths(
        crate::photos::tus::create::create, crate::photos::tus::create::status,
        crate::photos::tus::patch::patch, crate::photos::tus::create::terminate, crate::photos::photo_exists, crate::photos::photo,
        crate::photos::thumbnail
    ),
    info(title = "Yiwang county ledger", description = "Sync protocol v1, photos (tus 1.0.0), console API."),
    tags((name = "auth"), (name = "sync"), (name = "photos"), (name = "console"), (name = "admin"), (name = "ops"))
)]
struct ApiDoc;

/// The documented API routes and the OpenAPI document that describes them.
fn api_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(crate::auth::login))
        .routes(routes!(crate::auth::logout))
        .routes(routes!(crate::auth::me))
        .routes(routes!(crate::auth::change_password))
        .routes(routes!(healthz))
        .merge(crate::sync::router())
        .merge(crate::console::router())
        .split_for_parts()
}

/// The OpenAPI document `GET /api/v1/openapi.json` serves, without a running server: what the
/// console's TypeScript types are generated from (`ui/src/generated/openapi.json`).
pub fn openapi() -> serde_json::Value {
    crate::contract::complete(api_routes().1)
}

/// Builds the application for `state`, without the console (`/` is a small home page).
pub fn app(state: AppState) -> Router {
    app_with_console(state, None)
}

/// A built console folder: one that has an `index.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleFiles {
    pub dir: PathBuf,
}

impl ConsoleFiles {
    /// The console in `dir`, if it has been built there.
    pub fn find(dir: &Path) -> Option<ConsoleFiles> {
        dir.join("index.html").is_file().then(|| ConsoleFiles {
            dir: dir.to_path_buf(),
        })
    }
}

/// `Cache-Control` of the console's `index.html` and other unhashed files: always revalidate.
pub const NO_CACHE: &str = "no-cache";
/// `Cache-Control` of `assets/*`, whose names change with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Builds the application for `state`, serving the built console from `console` at `/` (or the
/// home page when `None`).
pub fn app_with_console(state: AppState, console: Option<ConsoleFiles>) -> Router {
    let (router, api) = api_routes();
    let api = std::sync::Arc::new(crate::contract::complete(api));
    let request_id = HeaderName::from_static("x-request-id");
    router
        .merge(crate::photos::router())
        .route("/metrics", get(metrics))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let api = api.clone();
                async move { Json((*api).clone()) }
            }),
        )
        .fallback(move |req: Request| {
            let console = console.clone();
            async move { console_or_not_found(console, req).await }
        })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(middleware::from_fn_with_state(state.clone(), count_requests))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
        })
        // A 5xx is mostly "busy, come back after Retry-After" in a county's morning: a warning.
        // Internal errors are logged at error level where they happen (`ApiError::Internal`).
        .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::WARN)))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // Outermost, so every answer carries them, the timeout's and the CORS preflight's too.
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Answer to `GET /healthz`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// The ledger's backend (`sqlite`, `postgres`).
    pub backend: &'static str,
    /// The newest change-log sequence number.
    pub seq: i64,
}

/// `GET /healthz`: the process is up and the ledger answers.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody, description = "unavailable")))]
async fn healthz(State(state): State<AppState>) -> Response {
    match state.ledger.read(|tx| tx.max_change_seq()).await {
        Ok(seq) => Json(Health {
            status: "ok",
            backend: state.ledger.kind(),
            seq,
        })
        .into_response(),
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// `GET /` when the console is not built: a page that says what this server is, where its API
/// lives and how to build the console.
fn home() -> Response {
    (
        [(header::CACHE_CONTROL, NO_CACHE)],
        axum::response::Html(concat!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>一网 Yiwang</title></head>",
            "<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">",
            "<h1>一网 · 网格化治理案件台账</h1>",
            "<p>Yiwang county case ledger and sync server. The web console is not built here: ",
            "build it with <code>cd ui &amp;&amp; npm ci &amp;&amp; npm run build:console</code>, then start the ",
            "server with <code>--console-dir ui/dist/console</code> (or <code>YIWANG_CONSOLE_DIR</code>). Its API is:</p>",
            "<ul><li><a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> — the API</li>",
            "<li><a href=\"/healthz\">/healthz</a> — health</li>",
            "<li>/metrics — Prometheus metrics, with the <code>--metrics-token</code> as a bearer token</li></ul>",
            "</body></html>"
        )),
    )
        .into_response()
}

/// Whatever no route took: the console's files (or the home page), and our JSON 404 for the
/// rest — always for `/api/…` and `/open311/…`, so a client never mistakes a page for an answer.
async fn console_or_not_found(console: Option<ConsoleFiles>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let api = path == "/api" || path.starts_with("/api/") || path.starts_with("/open311");
    let readable = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    if api || !readable {
        return not_found().await.into_response();
    }
    let Some(console) = console else {
        return if path == "/" || path == "/index.html" {
            home()
        } else {
            not_found().await.into_response()
        };
    };
    let hashed = path.starts_with("/assets/");
    let served = tower_http::services::ServeDir::new(&console.dir)
        .oneshot(req)
        .await
        .map(|r| r.map(axum::body::Body::new));
    let mut resp = match served {
        Ok(r) if r.status() != StatusCode::NOT_FOUND => r,
        // A path without an extension is one of the console's own pages: give it the console.
        _ if !path.rsplit('/').next().unwrap_or("").contains('.') => {
            match tokio::fs::read(console.dir.join("index.html")).await {
                Ok(bytes) => axum::response::Html(bytes).into_response(),
                Err(e) => {
                    tracing::warn!(dir = %console.dir.display(), error = %e, "console index.html unreadable");
                    return crate::error::ApiError::NotFound { what: "console" }.into_response();
                }
            }
        }
        _ => return crate::error::ApiError::NotFound { what: "file" }.into_response(),
    };
    let cache = if hashed && resp.status().is_success() {
        IMMUTABLE
    } else {
        NO_CACHE
    };
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(cache),
    );
    resp
}

/// `GET /metrics`: only with `Authorization: Bearer <--metrics-token>` (401 otherwise); 404
/// when the server has no metrics token, so a county that did not ask for metrics exposes none
/// (its sign-in failure counters included).
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let Some(expected) = state.settings.metrics_token.as_deref() else {
        return crate::error::ApiError::NotFound { what: "route" }.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !Metrics::token_matches(given.trim(), expected) {
        return crate::error::ApiError::Unauthenticated.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(state.ledger.kind()),
    )
        .into_response()
}

/// The console's Content-Security-Policy: scripts and styles only from the server itself (the
/// built console has no inline script; Element Plus and Leaflet set inline `style` attributes,
/// which `'unsafe-inline'` in `style-src` allows — styles cannot run code), pictures also from
/// `data:`/`blob:` (thumbnails, photos fetched with the token) and from `https:` (a map tile
/// server an operator may set), no plugins, no `<base>`, no framing by anyone.
pub const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers on every response: the console's CSP (strict enough for the API's JSON too,
/// which no browser should render as a page), no MIME sniffing, no framing, no referrer.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, header::HeaderValue::from_static(value));
    };
    set(h, "content-security-policy", CONSOLE_CSP);
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    set(h, "cross-origin-opener-policy", "same-origin");
    resp
}

/// Serves `app` on `listener` until `shutdown` resolves, with each connection's peer address
/// available to handlers (the sign-in throttle counts by it). Everything that serves the app —
/// the CLI, the test kit, the benchmarks — serves it through here or [`serve_tls`]. In-flight
/// requests get [`SHUTDOWN_GRACE`] to finish after `shutdown`; idle connections close at once.
/// Connections are admitted by the default [`Connections`] policy ([`serve_with`] takes one).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, Connections::default(), shutdown).await
}

/// [`serve`] with a connection policy of its own.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    app: Router,
    connections: Connections,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let first_request = connections.first_request;
    let mut server = axum_server::from_tcp(listener.into_std()?)?
        .acceptor(Gate::new(connections))
        .first_request_timeout(first_request);
    tune(server.http_builder());
    server
        .handle(shutdown_handle(shutdown))
        .serve(app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .await
}

/// How long in-flight requests may run on after shutdown is asked for. Then their connections
/// are closed and their database work abandoned, so the process ends within 30 seconds of a
/// SIGTERM whatever was running (`main` gives the blocking pool a few seconds more).
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// The most a connection's read buffer grows to. hyper's default (~400 KB) adapts upwards to
/// what arrives: with 1,798 devices each keeping a connection open and sending photo chunks,
/// the buffers alone were 113 MB of the server's heap. A chunk larger than this is read in
/// pieces; nothing else changes.
pub const CONNECTION_BUFFER_MAX: usize = 16 * 1024;

/// The HTTP settings both [`serve`] and [`serve_tls`] use.
fn tune(builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>) {
    builder
        .http1()
        .max_buf_size(CONNECTION_BUFFER_MAX)
        .header_read_timeout(HEADER_READ_TIMEOUT);
}

fn shutdown_handle(
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> axum_server::Handle<std::net::SocketAddr> {
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(SHUTDOWN_GRACE));
    });
    handle
}

/// The rustls configuration of a PEM certificate chain and key; a clear error for a missing or
/// unreadable file.
pub async fn tls_config(
    cert: &Path,
    key: &Path,
) -> anyhow::Result<axum_server::tls_rustls::RustlsConfig> {
    use anyhow::Context as _;
    // One crypto provider for the process (aws-lc-rs, as the rest of the build uses); a second
    // call finds it installed.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .with_context(|| {
            format!(
                "reading the TLS certificate {} and key {} (PEM files)",
                cert.display(),
                key.display()
            )
        })
}

/// [`serve`] over TLS.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    app: Router,
    config: axum_server::tls_rustls::RustlsConfig,
    connections: Connections,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let first_request = connections.first_request;
    let mut server = axum_server::from_tcp_rustls(listener.into_std()?, config)?
        .map(|tls| tls.acceptor(Gate::new(connections)))
        .first_request_timeout(first_request);
    tune(server.http_builder());
    server
        .handle(shutdown_handle(shutdown))
        .serve(app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .await
}

async fn not_found() -> crate::error::ApiError {
    crate::error::ApiError::NotFound { what: "route" }
}

async fn count_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    Metrics::add(&state.metrics.requests, 1);
    let resp = next.run(req).await;
    let s = resp.status().as_u16();
    if (400..500).contains(&s) {
        Metrics::add(&state.metrics.responses_4xx, 1);
    } else if s >= 500 {
        Metrics::add(&state.metrics.responses_5xx, 1);
    }
    resp
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn every_operation_declares_the_layers_answers() {
        let v = super::openapi();
        let login = &v["paths"]["/api/v1/auth/login"]["post"];
        assert!(login.get("security").is_none(), "signing in needs no token");
        assert!(login["responses"].get("415").is_some());
        let cases = &v["paths"]["/api/v1/cases"]["get"];
        assert_eq!(cases["security"], json!([{"bearer": []}]));
        for status in ["400", "401", "408", "500", "503"] {
            assert!(cases["responses"].get(status).is_some(), "{status}");
        }
        assert!(v["paths"]["/api/v1/cases/{id}"]["get"]["responses"]
            .get("404")
            .is_some());
        let patch = &v["paths"]["/api/v1/photos/{id}"]["patch"];
        assert_eq!(
            patch["requestBody"]["content"]["application/offset+octet-stream"]["schema"],
            json!({"type": "string", "format": "binary"}),
            "a tus chunk is binary, which client generators can send"
        );
    }
}
