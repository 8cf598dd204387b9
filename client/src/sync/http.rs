//! The HTTP side of sync protocol v1: one [`SyncClient`] per server, holding the bearer token.
//!
//! Every answer is checked before it is believed: a success must be our JSON (content type and
//! shape), redirects are not followed (a captive portal redirects to its login page), and an
//! error is read from our `{error: {code, message}}` envelope when there is one.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use yiwang_core::error::ErrorCode;

use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use yiwang_core::ids::{DeviceId, PhotoHash};
use yiwang_core::sync::{
    ClientKind, ErrorBody, LoginRequest, LoginResponse, Op, PullResponse, PushRequest, PushResponse,
};

use super::server_url::{check_server_url, same_origin};
use super::upload_urls::{MemoryUploads, UploadUrls};
use super::{Result, SyncError};

/// The largest thumbnail taken from the server (its thumbnails are 320 px JPEGs of a few tens
/// of kilobytes).
pub const MAX_THUMBNAIL_BYTES: usize = 512 * 1024;

/// How often a sign-in the server was too busy for is tried again, within what it asked.
pub const LOGIN_BUSY_RETRIES: u32 = 3;
/// The longest `Retry-After` a sign-in waits out by itself (the user is looking at it).
pub const MAX_LOGIN_WAIT: Duration = Duration::from_secs(15);

/// `wait` plus up to half of it again, so devices told the same time do not come back in step.
fn jittered(wait: Duration) -> Duration {
    use rand::Rng;
    wait + wait.mul_f64(rand::thread_rng().gen_range(0.0..0.5))
}

/// Timeouts of the HTTP client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientConfig {
    /// Time to open a connection.
    pub connect_timeout: Duration,
    /// Time for one whole request; a tus chunk must fit in it on a slow link.
    pub request_timeout: Duration,
    /// Talk plain `http://` to a public address (the settings' "insecure" switch; see
    /// [`super::server_url`]).
    pub allow_insecure_http: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            // A 256 KiB chunk on a 2G link (~10 KB/s) takes about 25 s.
            request_timeout: Duration::from_secs(60),
            allow_insecure_http: false,
        }
    }
}

/// A client of one Yiwang server. Cheap to clone: clones share the connection pool, the token
/// and the uploads in progress.
#[derive(Clone)]
pub struct SyncClient {
    pub(super) http: reqwest::Client,
    base: Arc<str>,
    token: Arc<RwLock<Option<String>>>,
    /// The tus upload URL of each photo being uploaded, so an upload broken off by the network
    /// continues from the server's offset instead of starting over: in memory unless
    /// [`SyncClient::with_upload_urls`] names a lasting place (the agent gives its store).
    pub(super) uploads: Arc<dyn UploadUrls>,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("base", &self.base)
            .field("signed_in", &self.token().is_some())
            .finish_non_exhaustive()
    }
}

impl SyncClient {
    /// A client of the server at `server_url` (e.g. `https://yiwang.example.gov.cn`), with the
    /// token of an earlier login if there is one.
    pub fn new(server_url: &str, token: Option<String>) -> Result<Self> {
        Self::with_config(server_url, token, ClientConfig::default())
    }

    pub fn with_config(
        server_url: &str,
        token: Option<String>,
        config: ClientConfig,
    ) -> Result<Self> {
        let base = check_server_url(server_url, config.allow_insecure_http)?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // A captive portal answers with a redirect to its login page: never follow it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        Ok(Self {
            http,
            base: base.into(),
            token: Arc::new(RwLock::new(token)),
            uploads: Arc::new(MemoryUploads::default()),
        })
    }

    /// The same client keeping its upload URLs in `urls` (shared by its clones from now on).
    pub fn with_upload_urls(mut self, urls: Arc<dyn UploadUrls>) -> Self {
        self.uploads = urls;
        self
    }

    /// The server's address, without a trailing slash.
    pub fn server_url(&self) -> &str {
        &self.base
    }

    /// The bearer token in use, if signed in.
    pub fn token(&self) -> Option<String> {
        self.token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set_token(&self, token: Option<String>) {
        *self.token.write().unwrap_or_else(PoisonError::into_inner) = token;
    }

    pub(super) fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// A request with the bearer token; without a token there is nothing to send. The token
    /// goes only to the server signed in to: an address on another origin (a tus `Location` a
    /// misconfigured proxy rewrote, or a hostile one) is refused before anything is sent.
    pub(super) fn authed(&self, method: Method, path: &str) -> Result<RequestBuilder> {
        let url = self.url(path);
        if !same_origin(&self.base, &url) {
            return Err(SyncError::NotOurServer(format!(
                "the server pointed to {url}, which is not {}; nothing was sent there",
                self.base
            )));
        }
        let token = self.token().ok_or(SyncError::Unauthorized)?;
        Ok(self.http.request(method, url).bearer_auth(token))
    }

    /// `POST /api/v1/auth/login`. On success the client keeps the token.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        device_id: &DeviceId,
        device_name: &str,
    ) -> Result<LoginResponse> {
        let body = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_id: device_id.clone(),
            device_name: device_name.to_owned(),
            client: ClientKind::Device,
        };
        let mut busy = 0;
        loop {
            let answer = async {
                let resp = self
                    .http
                    .post(self.url("/api/v1/auth/login"))
                    .json(&body)
                    .send()
                    .await
                    .map_err(network)?;
                json_answer::<LoginResponse>(resp).await
            }
            .await;
            match answer {
                Ok(login) => {
                    self.set_token(Some(login.token.clone()));
                    return Ok(login);
                }
                // A county's devices signing in at once: the server says when to come back.
                Err(SyncError::Server {
                    status: 503,
                    retry_after: Some(wait),
                    ..
                }) if busy < LOGIN_BUSY_RETRIES && wait <= MAX_LOGIN_WAIT => {
                    busy += 1;
                    tokio::time::sleep(jittered(wait)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// `POST /api/v1/sync/push`: one result per op, in order.
    pub async fn push(&self, device_id: &DeviceId, ops: &[Op]) -> Result<PushResponse> {
        let body = PushRequest {
            device_id: device_id.clone(),
            ops: ops.to_vec(),
        };
        let resp = self
            .send_json(Method::POST, "/api/v1/sync/push", &body)
            .await?;
        json_answer(resp).await
    }

    /// `GET /api/v1/sync/pull`: the next page after `cursor` (`None` = from the start).
    /// A cursor the server cannot continue from is [`SyncError::CursorInvalid`].
    pub async fn pull(&self, cursor: Option<&str>, limit: u32) -> Result<PullResponse> {
        let mut url = reqwest::Url::parse(&self.url("/api/v1/sync/pull"))
            .map_err(|e| SyncError::Network(format!("the server address is not a URL: {e}")))?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("limit", &limit.to_string());
            if let Some(c) = cursor {
                query.append_pair("cursor", c);
            }
        }
        let resp = self
            .authed(Method::GET, url.as_str())?
            .send()
            .await
            .map_err(network)?;
        json_answer(resp).await
    }

    /// A signed-in request to `/api/v1/photos/by-hash/{sha256}{suffix}`.
    async fn by_hash(&self, method: Method, sha256: &PhotoHash, suffix: &str) -> Result<Response> {
        self.authed(
            method,
            &format!("/api/v1/photos/by-hash/{}{suffix}", sha256.as_str()),
        )?
        .send()
        .await
        .map_err(network)
    }

    /// `HEAD /api/v1/photos/by-hash/{sha256}`: whether the server already stores the photo.
    /// Only a `200` that says it is a picture counts: a portal answers `200` to anything.
    pub async fn photo_exists(&self, sha256: &PhotoHash) -> Result<bool> {
        let resp = self.by_hash(Method::HEAD, sha256, "").await?;
        match resp.status() {
            StatusCode::OK => {
                let content_type = header_text(resp.headers(), CONTENT_TYPE.as_str());
                if content_type.starts_with("image/") {
                    Ok(true)
                } else {
                    Err(SyncError::NotOurServer(format!(
                        "a photo check answered 200 with {content_type:?}"
                    )))
                }
            }
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(error_answer(resp).await),
        }
    }

    /// `GET /api/v1/photos/by-hash/{sha256}/thumb`: the server's thumbnail of a photo, `None`
    /// if the server has no such photo. At most [`MAX_THUMBNAIL_BYTES`] are read.
    pub async fn thumbnail(&self, sha256: &PhotoHash) -> Result<Option<Vec<u8>>> {
        let resp = self.by_hash(Method::GET, sha256, "/thumb").await?;
        match resp.status() {
            StatusCode::OK => {
                let content_type = header_text(resp.headers(), CONTENT_TYPE.as_str());
                if content_type != "image/jpeg" {
                    return Err(SyncError::NotOurServer(format!(
                        "a thumbnail answered 200 with {content_type:?}"
                    )));
                }
                if resp
                    .content_length()
                    .is_some_and(|n| n > MAX_THUMBNAIL_BYTES as u64)
                {
                    return Err(SyncError::NotOurServer(
                        "a thumbnail larger than any the server makes".into(),
                    ));
                }
                let bytes = resp.bytes().await.map_err(network)?;
                if bytes.len() > MAX_THUMBNAIL_BYTES {
                    return Err(SyncError::NotOurServer(
                        "a thumbnail larger than any the server makes".into(),
                    ));
                }
                Ok(Some(bytes.to_vec()))
            }
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(error_answer(resp).await),
        }
    }

    /// `POST /api/v1/auth/logout`: revokes the token on the server and forgets it here.
    pub async fn logout(&self) -> Result<()> {
        let resp = self
            .authed(Method::POST, "/api/v1/auth/logout")?
            .send()
            .await
            .map_err(network)?;
        if resp.status().is_success() {
            self.set_token(None);
            Ok(())
        } else {
            Err(error_answer(resp).await)
        }
    }

    async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<Response> {
        self.authed(method, path)?
            .json(body)
            .send()
            .await
            .map_err(network)
    }
}

/// A transport failure: the request may or may not have reached the server.
pub(super) fn network(e: reqwest::Error) -> SyncError {
    // `{e:#}`-style chains matter here: "error sending request" alone says nothing.
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    SyncError::Network(msg)
}

pub(super) fn header_text(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_owned()
}

fn is_json(headers: &HeaderMap) -> bool {
    let ct = header_text(headers, CONTENT_TYPE.as_str()).to_ascii_lowercase();
    ct.split(';')
        .next()
        .is_some_and(|t| t.trim() == "application/json")
}

/// A success answer, believed only if it is our JSON and has the shape we asked for.
pub(super) async fn json_answer<T: DeserializeOwned>(resp: Response) -> Result<T> {
    let status = resp.status();
    if !status.is_success() {
        return Err(error_answer(resp).await);
    }
    if status != StatusCode::OK || !is_json(resp.headers()) {
        return Err(SyncError::NotOurServer(format!(
            "{status} with content type {:?}",
            header_text(resp.headers(), CONTENT_TYPE.as_str())
        )));
    }
    let bytes = resp.bytes().await.map_err(network)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| SyncError::NotOurServer(format!("the body is not the expected JSON: {e}")))
}

/// The error an unsuccessful answer stands for.
pub(super) async fn error_answer(resp: Response) -> SyncError {
    let status = resp.status();
    let retry_after = header_text(resp.headers(), "retry-after")
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs);
    let ours = is_json(resp.headers());
    let body: Option<ErrorBody> = if ours {
        resp.bytes()
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    } else {
        None
    };
    classify(status, retry_after, body)
}

/// What a status and (maybe) our error envelope mean for the agent.
pub(super) fn classify(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: Option<ErrorBody>,
) -> SyncError {
    let (code, message) = match body {
        Some(b) => (Some(b.error.code), b.error.message),
        None => (None, String::new()),
    };
    match status.as_u16() {
        401 => SyncError::Unauthorized,
        412 if code == Some(ErrorCode::CursorInvalid.into()) => SyncError::CursorInvalid,
        // Another request (maybe our own, cut off and not yet timed out there) holds the upload:
        // it frees itself shortly.
        409 if code == Some(ErrorCode::UploadBusy.into()) => SyncError::Server {
            status: 409,
            message,
            retry_after,
        },
        300..=399 => SyncError::NotOurServer(format!("a redirect ({status})")),
        408 | 429 | 500..=599 => SyncError::Server {
            status: status.as_u16(),
            retry_after,
            message: if message.is_empty() {
                status.to_string()
            } else {
                message
            },
        },
        // An error without our envelope is someone else's page (a proxy, a portal).
        s => match code {
            Some(code) => SyncError::Refused {
                status: s,
                code,
                message,
            },
            None => SyncError::NotOurServer(format!("{status} without our error body")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_core::sync::ErrorDetail;

    fn body(code: &str) -> Option<ErrorBody> {
        Some(ErrorBody {
            error: ErrorDetail {
                field: None,
                rule: None,
                limit: None,
                code: code.into(),
                message: "m".into(),
            },
        })
    }

    #[test]
    fn statuses_map_to_what_the_agent_does_next() {
        assert!(
            matches!(
                classify(StatusCode::UNAUTHORIZED, None, None),
                SyncError::Unauthorized
            ),
            "401 asks for a login whatever the body"
        );
        assert!(
            matches!(
                classify(
                    StatusCode::PRECONDITION_FAILED,
                    None,
                    body("cursor_invalid")
                ),
                SyncError::CursorInvalid
            ),
            "412 cursor_invalid rebuilds from the empty cursor"
        );
        assert!(
            classify(StatusCode::SERVICE_UNAVAILABLE, None, None).is_retryable(),
            "503 is retried"
        );
        for (status, code) in [
            (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage"),
            (StatusCode::TOO_MANY_REQUESTS, "too_many_uploads"),
        ] {
            let e = classify(status, Some(Duration::from_secs(300)), body(code));
            assert!(
                matches!(e, SyncError::Server { .. }) && e.is_retryable(),
                "{status} {code} means later, not a refused photo: {e:?}"
            );
            assert_eq!(
                e.retry_after(),
                Some(Duration::from_secs(300)),
                "and no sooner than the server asked"
            );
        }
        assert!(
            matches!(
                classify(StatusCode::UNPROCESSABLE_ENTITY, None, body("too_many_ops")),
                SyncError::Refused { status: 422, .. }
            ),
            "422 with our envelope is a permanent refusal"
        );
        assert!(
            matches!(
                classify(StatusCode::FOUND, None, None),
                SyncError::NotOurServer(_)
            ),
            "a redirect is a portal, not the server"
        );
        assert!(
            matches!(
                classify(StatusCode::FORBIDDEN, None, None),
                SyncError::NotOurServer(_)
            ),
            "a 403 page without our envelope is not the server's word"
        );
    }

    #[test]
    fn a_server_url_must_be_http() {
        let err = SyncClient::new("ftp://x", None).unwrap_err();
        assert_eq!(
            err.code(),
            "invalid_server_url",
            "a bad address is refused up front: {err}"
        );
        let ok = SyncClient::new("http://127.0.0.1:9/", None).unwrap();
        assert_eq!(
            ok.url("/api"),
            "http://127.0.0.1:9/api",
            "a trailing slash is dropped, so paths join cleanly"
        );
    }
}
