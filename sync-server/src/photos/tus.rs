//! tus 1.0.0 (<https://tus.io/protocols/resumable-upload>) at `/api/v1/photos`, with the
//! creation, checksum (sha256), termination and expiration extensions.
//!
//! - `OPTIONS /api/v1/photos[/{id}]`: what the server speaks (answered together with CORS).
//! - `POST /api/v1/photos` with `Upload-Length` and `Upload-Metadata` (`sha256` of the whole file,
//!   required; `finding_id` and `filename` optional) → `201`, `Location: /api/v1/photos/{id}`.
//!   A photo whose SHA-256 is already stored is still given an upload (tus clients send their
//!   PATCHes whatever the creation answer says); the answer carries `Yiwang-Photo-Stored: true`
//!   so a client that knows may `DELETE` it and skip. Devices ask `HEAD
//!   /api/v1/photos/by-hash/{sha256}` before creating anything.
//! - `HEAD /api/v1/photos/{id}` → `Upload-Offset`, `Upload-Length`, `Cache-Control: no-store`.
//! - `PATCH /api/v1/photos/{id}` (`application/offset+octet-stream`, `Upload-Offset` = the stored
//!   offset, optional `Upload-Checksum: sha256 <base64>`) → `204` with the new offset.
//! - `DELETE /api/v1/photos/{id}` → `204`; the upload and its bytes are gone.
//!
//! All state is in the ledger (`uploads`) and in `data_dir/uploads/<id>.part`, so a restarted
//! or different server process continues any upload. One PATCH writes an upload at a time: it
//! holds the upload's lease (see `storage::photos`).
//!
//! A PATCH streams its body to the `.part` file in frames, never holding it whole. When the
//! body ends — completely, or because the connection broke or the request ran out of time — the
//! bytes that arrived are fsynced and the offset moves past them, so a client resumes by
//! sending at most what was lost. The work runs in its own task: a client that disconnects (or
//! the request timeout) drops the handler, not the bookkeeping. Two exceptions discard the
//! chunk and keep the offset: a chunk with `Upload-Checksum` that did not arrive whole or does
//! not match (`460 checksum_mismatch`) — bytes that cannot be verified are not kept — and a body
//! longer than the upload's remaining length (`413`).
//!
//! When the offset would reach the length, the whole file is hashed and inspected first
//! (`decode::inspect`), stored, and only then is the offset moved and the photo recorded, in one
//! ledger transaction: an upload whose offset equals its length is always a stored photo. A
//! wrong whole-file hash (`422 hash_mismatch`) or bytes that are not a picture within limits
//! (`422 not_an_image | image_too_large | corrupt_image`) end the upload: it and its bytes are
//! deleted and nothing is stored.

use super::decode::{self, ImageRefusal, MAX_PHOTO_BYTES};
use super::store::StoreError;
use crate::limits::REQUEST_TIMEOUT;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Metrics};
use crate::storage::photos::{PhotoRecord, Upload};
use axum::body::{Body, HttpBody};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{head, post};
use axum::Router;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::SeekFrom;
use std::path::PathBuf;
use std::pin::Pin;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio::sync::Semaphore;
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::{FindingId, PhotoHash, UserId};
use yiwang_core::sync::ErrorBody;

/// The protocol version spoken, and the only one.
pub const TUS_VERSION: &str = "1.0.0";
pub const TUS_EXTENSIONS: &str = "creation,checksum,termination,expiration";
pub const TUS_CHECKSUM_ALGORITHMS: &str = "sha256";
/// An upload with no progress for this long expires (410) and its bytes are deleted.
pub const UPLOAD_TTL_HOURS: i64 = 24;
/// How long a PATCH may hold an upload: twice the request timeout, so a PATCH cut off by the
/// timeout still finishes its bookkeeping, and a process that died mid-PATCH frees the upload
/// soon after.
fn lease() -> Duration {
    Duration::from_std(REQUEST_TIMEOUT * 2).unwrap_or_else(|_| Duration::minutes(2))
}
/// Bytes gathered before a write to the `.part` file.
const WRITE_BUFFER: usize = 256 * 1024;
/// The most `Upload-Metadata` we read.
const MAX_METADATA_BYTES: usize = 4096;
/// Expired uploads cleaned up by each creation.
const SWEEP: u32 = 32;
/// Completing an upload decodes the picture (up to 120 megapixels, ~480 MB): a few at a time.
static DECODES: Semaphore = Semaphore::const_new(2);

const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
const TUS_VERSION_H: HeaderName = HeaderName::from_static("tus-version");
const TUS_EXTENSION: HeaderName = HeaderName::from_static("tus-extension");
const TUS_MAX_SIZE: HeaderName = HeaderName::from_static("tus-max-size");
const TUS_CHECKSUM_ALGORITHM: HeaderName = HeaderName::from_static("tus-checksum-algorithm");
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");
const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static("upload-checksum");
const UPLOAD_DEFER_LENGTH: HeaderName = HeaderName::from_static("upload-defer-length");
const UPLOAD_CONCAT: HeaderName = HeaderName::from_static("upload-concat");
/// Ours: the creation answer's hint that the photo is already stored.
pub const PHOTO_STORED: HeaderName = HeaderName::from_static("yiwang-photo-stored");

/// Request headers a browser may send to the tus routes (for CORS).
pub const REQUEST_HEADERS: [HeaderName; 7] = [
    TUS_RESUMABLE,
    UPLOAD_LENGTH,
    UPLOAD_METADATA,
    UPLOAD_OFFSET,
    UPLOAD_CHECKSUM,
    UPLOAD_DEFER_LENGTH,
    UPLOAD_CONCAT,
];
/// Response headers a browser script may read (for CORS).
pub const RESPONSE_HEADERS: [HeaderName; 11] = [
    header::LOCATION,
    UPLOAD_OFFSET,
    UPLOAD_LENGTH,
    UPLOAD_METADATA,
    UPLOAD_EXPIRES,
    TUS_RESUMABLE,
    TUS_VERSION_H,
    TUS_EXTENSION,
    TUS_MAX_SIZE,
    TUS_CHECKSUM_ALGORITHM,
    PHOTO_STORED,
];

/// The tus routes; `cors` wraps them inside the protocol check, so preflights get tus headers.
pub fn router(cors: tower_http::cors::CorsLayer) -> Router<AppState> {
    Router::new()
        .route("/api/v1/photos", post(create))
        .route(
            "/api/v1/photos/{id}",
            head(status).patch(patch).delete(terminate),
        )
        .layer(cors)
        .layer(middleware::from_fn(tus_protocol))
}

/// Every tus response carries `Tus-Resumable`; a request without `Tus-Resumable: 1.0.0` (other
/// than OPTIONS) is refused with 412 and the versions we speak. OPTIONS (answered by the CORS
/// layer, preflight or not) gets the discovery headers.
async fn tus_protocol(req: Request, next: Next) -> Response {
    let options = req.method() == Method::OPTIONS;
    let speaks = req
        .headers()
        .get(TUS_RESUMABLE)
        .is_some_and(|v| v.as_bytes() == TUS_VERSION.as_bytes());
    let mut resp = if options || speaks {
        next.run(req).await
    } else {
        ApiError::Protocol {
            status: StatusCode::PRECONDITION_FAILED,
            code: ErrorCode::TusVersionUnsupported,
            message: format!(
                "send Tus-Resumable: {TUS_VERSION}; it is the tus version spoken here"
            ),
        }
        .into_response()
    };
    let h = resp.headers_mut();
    h.insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
    if options || !speaks {
        h.insert(TUS_VERSION_H, HeaderValue::from_static(TUS_VERSION));
    }
    if options {
        h.insert(TUS_EXTENSION, HeaderValue::from_static(TUS_EXTENSIONS));
        h.insert(TUS_MAX_SIZE, HeaderValue::from(MAX_PHOTO_BYTES));
        h.insert(
            TUS_CHECKSUM_ALGORITHM,
            HeaderValue::from_static(TUS_CHECKSUM_ALGORITHMS),
        );
        if resp.status().is_success() {
            *resp.status_mut() = StatusCode::NO_CONTENT;
        }
    }
    resp
}

fn header_str<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// `Upload-Expires` takes an HTTP date (RFC 9110 IMF-fixdate).
fn http_date(t: DateTime<Utc>) -> HeaderValue {
    HeaderValue::from_str(&t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
}

fn expires(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::hours(UPLOAD_TTL_HOURS)
}

/// Upload ids are what we hand out: 32 lower-case hex digits. Anything else names no upload —
/// and never reaches a file name.
fn valid_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn part_path(state: &AppState, id: &str) -> PathBuf {
    state
        .settings
        .data_dir
        .join("uploads")
        .join(format!("{id}.part"))
}

async fn remove_part(state: &AppState, id: &str) {
    match tokio::fs::remove_file(part_path(state, id)).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(upload = id, error = %e, "could not remove an upload's bytes"),
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound { what: "upload" }
}

fn expired() -> ApiError {
    ApiError::Protocol {
        status: StatusCode::GONE,
        code: ErrorCode::UploadExpired,
        message: format!(
            "this upload expired after {UPLOAD_TTL_HOURS} hours without progress; start it again"
        ),
    }
}

/// Parses `Upload-Metadata`: comma-separated `key base64(value)` pairs, value optional.
pub fn parse_metadata(raw: &str) -> Result<BTreeMap<String, String>, String> {
    if raw.len() > MAX_METADATA_BYTES {
        return Err(format!(
            "Upload-Metadata is longer than {MAX_METADATA_BYTES} bytes"
        ));
    }
    let mut out = BTreeMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = match pair.split_once(' ') {
            Some((k, v)) => (k, v.trim()),
            None => (pair, ""),
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
            return Err(format!("{key:?} is not a metadata key"));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value)
            .map_err(|_| format!("the value of {key} is not base64"))?;
        let value = String::from_utf8(bytes)
            .map_err(|_| format!("the value of {key} is not UTF-8 text"))?;
        if out.insert(key.to_owned(), value).is_some() {
            return Err(format!("{key} is given twice"));
        }
    }
    Ok(out)
}

fn encode_metadata(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!(
                    "{k} {}",
                    base64::engine::general_purpose::STANDARD.encode(v)
                )
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses `Upload-Checksum: sha256 <base64 digest>`.
fn parse_checksum(raw: &str) -> ApiResult<[u8; 32]> {
    let (algorithm, digest) = raw.split_once(' ').ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::InvalidChecksum,
            "Upload-Checksum is `sha256 <base64 digest>`",
        )
    })?;
    if algorithm != "sha256" {
        return Err(ApiError::bad_request(
            ErrorCode::ChecksumAlgorithmUnsupported,
            format!("checksum algorithm {algorithm:?} is not supported; use sha256"),
        ));
    }
    base64::engine::general_purpose::STANDARD
        .decode(digest.trim())
        .ok()
        .and_then(|d| <[u8; 32]>::try_from(d).ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidChecksum,
                "the Upload-Checksum digest is not a base64 SHA-256",
            )
        })
}

/// `POST /api/v1/photos`: creates an upload.
#[utoipa::path(post, path = "/api/v1/photos", tag = "photos",
    params(("Tus-Resumable" = String, Header, description = "1.0.0"),
           ("Upload-Length" = u64, Header, description = "whole file size"),
           ("Upload-Metadata" = String, Header, description = "sha256 (hex of the whole file), finding_id")),
    responses((status = 201, description = "created; Location names the upload"), (status = 412, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    me: AuthUser,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if headers.contains_key(UPLOAD_DEFER_LENGTH) {
        return Err(ApiError::bad_request(
            ErrorCode::DeferLengthUnsupported,
            "send Upload-Length: uploads of unknown length are not taken",
        ));
    }
    if headers.contains_key(UPLOAD_CONCAT) {
        return Err(ApiError::bad_request(
            ErrorCode::ConcatenationUnsupported,
            "send the photo as one upload: concatenation is not supported",
        ));
    }
    let length = header_str(&headers, &UPLOAD_LENGTH).ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::UploadLengthRequired,
            "send Upload-Length, the file's size in bytes",
        )
    })?;
    let length = length
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidUploadLength,
                "Upload-Length must be the file's size in bytes, at least 1",
            )
        })?;
    if length > MAX_PHOTO_BYTES {
        return Err(ApiError::TooLarge {
            limit: MAX_PHOTO_BYTES,
        });
    }
    let metadata = parse_metadata(header_str(&headers, &UPLOAD_METADATA).unwrap_or(""))
        .map_err(|m| ApiError::bad_request(ErrorCode::InvalidMetadata, m))?;
    let sha256 = metadata
        .get("sha256")
        .and_then(|s| PhotoHash::parse(s))
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidMetadata,
                "Upload-Metadata must carry sha256: the SHA-256 of the whole file, 64 hex digits",
            )
        })?;
    let finding_id = match metadata.get("finding_id") {
        None => None,
        Some(f) if !f.is_empty() && f.len() <= 128 => Some(FindingId::from(f.as_str())),
        Some(_) => {
            return Err(ApiError::bad_request(
                ErrorCode::InvalidMetadata,
                "finding_id in Upload-Metadata must be 1 to 128 characters",
            ))
        }
    };
    let now = state.now();
    let upload = Upload {
        id: uuid::Uuid::new_v4().simple().to_string(),
        user_id: me.user.id.clone(),
        length,
        offset: 0,
        sha256: sha256.clone(),
        finding_id,
        metadata,
        created_at: now,
        expires_at: expires(now),
        completed_at: None,
    };
    let (id, expires_at) = (upload.id.clone(), upload.expires_at);
    let (swept, stored) = state
        .ledger
        .write(move |tx| {
            let swept = tx.expired_uploads(now, SWEEP)?;
            for old in &swept {
                tx.delete_upload(old)?;
            }
            tx.insert_upload(&upload)?;
            Ok((swept, tx.photo(&sha256)?.is_some()))
        })
        .await?;
    for old in swept {
        remove_part(&state, &old).await;
    }
    tracing::debug!(upload = %id, length, stored, "upload created");
    let mut resp = StatusCode::CREATED.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/photos/{id}")) {
        h.insert(header::LOCATION, v);
    }
    h.insert(UPLOAD_OFFSET, HeaderValue::from(0u64));
    h.insert(UPLOAD_EXPIRES, http_date(expires_at));
    if stored {
        h.insert(PHOTO_STORED, HeaderValue::from_static("true"));
    }
    Ok(resp)
}

/// The caller's own live upload `id`; an expired one is cleaned up and answered 410.
async fn own_upload(state: &AppState, me: &AuthUser, id: &str) -> ApiResult<Upload> {
    if !valid_id(id) {
        return Err(not_found());
    }
    let key = id.to_owned();
    let upload = state
        .ledger
        .read(move |tx| tx.upload(&key))
        .await?
        .filter(|u| u.user_id == me.user.id)
        .ok_or_else(not_found)?;
    if upload.expires_at <= state.now() {
        let key = id.to_owned();
        state.ledger.write(move |tx| tx.delete_upload(&key)).await?;
        remove_part(state, id).await;
        return Err(expired());
    }
    Ok(upload)
}

/// `HEAD /api/v1/photos/{id}`: where the upload stands.
#[utoipa::path(head, path = "/api/v1/photos/{id}", tag = "photos",
    responses((status = 200, description = "Upload-Offset and Upload-Length headers"), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub(crate) async fn status(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let upload = own_upload(&state, &me, &id).await?;
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(upload.offset));
    h.insert(UPLOAD_LENGTH, HeaderValue::from(upload.length));
    h.insert(UPLOAD_EXPIRES, http_date(upload.expires_at));
    if let Ok(v) = HeaderValue::from_str(&encode_metadata(&upload.metadata)) {
        h.insert(UPLOAD_METADATA, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `DELETE /api/v1/photos/{id}`: terminates the upload. A stored photo stays stored.
#[utoipa::path(delete, path = "/api/v1/photos/{id}", tag = "photos", responses((status = 204), (status = 404, body = ErrorBody)))]
pub(crate) async fn terminate(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if !valid_id(&id) {
        return Err(not_found());
    }
    let (key, user) = (id.clone(), me.user.id.clone());
    let deleted = state
        .ledger
        .write(move |tx| match tx.upload(&key)? {
            Some(u) if u.user_id == user => tx.delete_upload(&key),
            _ => Ok(false),
        })
        .await?;
    if !deleted {
        return Err(not_found());
    }
    // A PATCH still running finds its upload gone and removes what it wrote.
    remove_part(&state, &id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// What a PATCH asked for, read from its headers.
struct Chunk {
    id: String,
    user: UserId,
    offset: u64,
    checksum: Option<[u8; 32]>,
    content_length: Option<u64>,
}

/// `PATCH /api/v1/photos/{id}`: appends a chunk.
#[utoipa::path(patch, path = "/api/v1/photos/{id}", tag = "photos",
    params(("Upload-Offset" = u64, Header, description = "must equal the server's offset"),
           ("Upload-Checksum" = Option<String>, Header, description = "sha256 <base64> of this chunk")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses((status = 204, description = "new Upload-Offset"), (status = 409, body = ErrorBody), (status = 460, body = ErrorBody, description = "checksum_mismatch: offset unchanged")))]
pub(crate) async fn patch(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    if !valid_id(&id) {
        return Err(not_found());
    }
    let content_type = header_str(&headers, &header::CONTENT_TYPE)
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if !content_type.is_some_and(|t| t.eq_ignore_ascii_case("application/offset+octet-stream")) {
        return Err(ApiError::Protocol {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: ErrorCode::InvalidContentType,
            message: "send the chunk as Content-Type: application/offset+octet-stream".into(),
        });
    }
    let offset = header_str(&headers, &UPLOAD_OFFSET)
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidUploadOffset,
                "send Upload-Offset: the byte the chunk starts at (HEAD tells it)",
            )
        })?;
    let checksum = header_str(&headers, &UPLOAD_CHECKSUM)
        .map(parse_checksum)
        .transpose()?;
    let content_length =
        header_str(&headers, &header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    let chunk = Chunk {
        id,
        user: me.user.id.clone(),
        offset,
        checksum,
        content_length,
    };
    // Its own task: if the client goes away or the request times out, the handler is dropped
    // but the bytes that arrived are still kept and the lease released.
    tokio::spawn(write_chunk(state, chunk, body))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
}

/// Whether a PATCH may write, decided in one transaction.
enum Gate {
    Write(Upload),
    Complete(Upload),
    Missing,
    Expired,
    Mismatch(u64),
    TooLong(u64),
    Busy,
}

async fn write_chunk(state: AppState, chunk: Chunk, body: Body) -> ApiResult<Response> {
    let now = state.now();
    let token = uuid::Uuid::new_v4().simple().to_string();
    let (id, user, offset, length) = (
        chunk.id.clone(),
        chunk.user.clone(),
        chunk.offset,
        chunk.content_length,
    );
    let lease_token = token.clone();
    let gate = state
        .ledger
        .write(move |tx| {
            let Some(u) = tx.upload(&id)?.filter(|u| u.user_id == user) else {
                return Ok(Gate::Missing);
            };
            if u.expires_at <= now {
                tx.delete_upload(&id)?;
                return Ok(Gate::Expired);
            }
            if offset != u.offset {
                return Ok(Gate::Mismatch(u.offset));
            }
            let remaining = u.length - u.offset;
            if length.is_some_and(|n| n > remaining) {
                return Ok(Gate::TooLong(remaining));
            }
            if remaining == 0 {
                return Ok(Gate::Complete(u));
            }
            if !tx.lease_upload(&id, &lease_token, now, now + lease())? {
                return Ok(Gate::Busy);
            }
            Ok(Gate::Write(u))
        })
        .await?;
    let upload = match gate {
        Gate::Write(u) => u,
        Gate::Complete(u) => return Ok(progress(u.length, u.expires_at)),
        Gate::Missing => return Err(not_found()),
        Gate::Expired => {
            remove_part(&state, &chunk.id).await;
            return Err(expired());
        }
        Gate::Mismatch(at) => {
            return Err(ApiError::Conflict {
                code: ErrorCode::OffsetMismatch,
                message: format!(
                    "the upload stands at byte {at}, not {}; resume from there",
                    chunk.offset
                ),
            })
        }
        Gate::TooLong(remaining) => return Err(ApiError::TooLarge { limit: remaining }),
        Gate::Busy => {
            return Err(ApiError::Conflict {
                code: ErrorCode::UploadBusy,
                message: "another request is writing this upload; ask for its offset and retry"
                    .into(),
            })
        }
    };
    let result = write_leased(&state, &chunk, &upload, &token, body).await;
    if result.is_err() {
        // Best effort: without it the lease lapses by itself.
        let (id, token) = (chunk.id.clone(), token.clone());
        let _ = state
            .ledger
            .write(move |tx| tx.release_upload(&id, &token))
            .await;
    }
    result
}

/// How a PATCH body ended.
#[derive(Debug)]
enum End {
    Whole,
    Broken(String),
    TimedOut,
    Overflow,
}

/// Receives the body into the `.part` file while holding the lease, then moves the offset (or
/// completes the upload).
async fn write_leased(
    state: &AppState,
    chunk: &Chunk,
    upload: &Upload,
    token: &str,
    mut body: Body,
) -> ApiResult<Response> {
    let path = part_path(state, &upload.id);
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
    }
    let io = |e: std::io::Error| ApiError::Internal(e.into());
    let mut file = tokio::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .await
        .map_err(io)?;
    let on_disk = file.metadata().await.map_err(io)?.len();
    if on_disk < upload.offset {
        // The acknowledged bytes are gone (a wiped folder, another host's disk): this upload
        // cannot be continued.
        drop(file);
        let id = upload.id.clone();
        state.ledger.write(move |tx| tx.delete_upload(&id)).await?;
        remove_part(state, &upload.id).await;
        return Err(ApiError::Protocol {
            status: StatusCode::GONE,
            code: ErrorCode::UploadLost,
            message: "the server no longer has this upload's bytes; start it again".into(),
        });
    }
    // Anything past the offset was never acknowledged (a crash between fsync and commit, or a
    // discarded chunk): the chunk starts at the offset.
    file.set_len(upload.offset).await.map_err(io)?;
    file.seek(SeekFrom::Start(upload.offset))
        .await
        .map_err(io)?;

    let remaining = upload.length - upload.offset;
    let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
    let mut hasher = chunk.checksum.map(|_| Sha256::new());
    let mut buffer = Vec::with_capacity(WRITE_BUFFER);
    let mut written = 0u64;
    let end = loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx));
        let frame = match tokio::time::timeout_at(deadline, next).await {
            Err(_) => break End::TimedOut,
            Ok(None) => break End::Whole,
            Ok(Some(Err(e))) => break End::Broken(e.to_string()),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers carry nothing we use
        };
        Metrics::add(&state.metrics.photo_bytes_received, data.len() as u64);
        if written + data.len() as u64 > remaining {
            break End::Overflow;
        }
        if let Some(h) = hasher.as_mut() {
            h.update(&data);
        }
        buffer.extend_from_slice(&data);
        written += data.len() as u64;
        if buffer.len() >= WRITE_BUFFER {
            file.write_all(&buffer).await.map_err(io)?;
            buffer.clear();
        }
    };
    // A chunk with a checksum is kept whole and verified, or not at all.
    let verified = match (chunk.checksum, hasher) {
        (Some(expected), Some(h)) => {
            Some(matches!(end, End::Whole) && h.finalize()[..] == expected[..])
        }
        _ => None,
    };
    let kept = match (&end, verified) {
        (End::Overflow, _) | (_, Some(false)) => 0,
        _ => written,
    };
    if kept > 0 {
        file.write_all(&buffer).await.map_err(io)?;
        file.flush().await.map_err(io)?;
        file.sync_all().await.map_err(io)?;
    }
    drop(file);
    match &end {
        End::Broken(why) => tracing::info!(upload = %upload.id, kept, %why, "upload chunk cut off"),
        End::TimedOut => tracing::info!(upload = %upload.id, kept, "upload chunk timed out"),
        End::Whole | End::Overflow => {}
    }

    let new_offset = upload.offset + kept;
    if new_offset == upload.length {
        return complete(state, upload, token, path).await;
    }
    let (id, token, from) = (upload.id.clone(), token.to_owned(), upload.offset);
    let now = state.now();
    let expires_at = expires(now);
    let moved = state
        .ledger
        .write(move |tx| {
            if kept == 0 {
                tx.release_upload(&id, &token)?;
                return Ok(true);
            }
            tx.advance_upload(&id, &token, from, from + kept, expires_at, None)
        })
        .await?;
    if !moved {
        return Err(lost_race(state, &upload.id).await);
    }
    match end {
        End::Whole if verified == Some(false) => Err(ApiError::ChecksumMismatch),
        End::Whole => Ok(progress(new_offset, expires_at)),
        End::Overflow => Err(ApiError::TooLarge { limit: remaining }),
        // Nobody may be listening, but if someone is: the offset they should resume from.
        End::Broken(_) | End::TimedOut => Err(ApiError::bad_request(
            ErrorCode::BodyIncomplete,
            format!("the chunk ended early; {kept} bytes were kept, resume from byte {new_offset}"),
        )),
    }
}

/// 204 with where the upload now stands.
fn progress(offset: u64, expires_at: DateTime<Utc>) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(UPLOAD_OFFSET, HeaderValue::from(offset));
    resp.headers_mut()
        .insert(UPLOAD_EXPIRES, http_date(expires_at));
    resp
}

/// The upload changed under a leased PATCH (terminated, or expired and taken over): say so, and
/// remove the bytes if the upload is gone.
async fn lost_race(state: &AppState, id: &str) -> ApiError {
    let key = id.to_owned();
    match state.ledger.read(move |tx| tx.upload(&key)).await {
        Ok(None) => {
            remove_part(state, id).await;
            not_found()
        }
        Ok(Some(_)) => ApiError::Conflict {
            code: ErrorCode::UploadBusy,
            message: "the upload changed while this chunk arrived; ask for its offset and retry"
                .into(),
        },
        Err(e) => e.into(),
    }
}

/// Why a complete upload is not stored.
enum Refused {
    Hash(PhotoHash),
    Image(ImageRefusal),
}

/// The last byte arrived: verify the whole file, store it, record it, then move the offset.
async fn complete(
    state: &AppState,
    upload: &Upload,
    token: &str,
    path: PathBuf,
) -> ApiResult<Response> {
    let _permit = DECODES
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let store = super::photo_store(state);
    let (expected, length) = (upload.sha256.clone(), upload.length);
    let checked = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
        let bytes = std::fs::read(&path)?;
        if bytes.len() as u64 != length {
            return Err(StoreError::Io(std::io::Error::other(format!(
                "{} holds {} bytes, not {length}",
                path.display(),
                bytes.len()
            ))));
        }
        let found = PhotoHash::of(&bytes);
        if found != expected {
            return Ok(Err(Refused::Hash(found)));
        }
        let inspected = match decode::inspect(&bytes) {
            Ok(i) => i,
            Err(r) => return Ok(Err(Refused::Image(r))),
        };
        store.put(&expected, inspected.kind, &bytes, &inspected.thumbnail)?;
        Ok(Ok(inspected))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .map_err(|e| ApiError::Internal(e.into()))?;

    let inspected = match checked {
        Ok(i) => i,
        Err(refused) => {
            // The upload is over: nothing of it is kept.
            let id = upload.id.clone();
            state.ledger.write(move |tx| tx.delete_upload(&id)).await?;
            remove_part(state, &upload.id).await;
            let err = match refused {
                Refused::Hash(found) => ApiError::unprocessable(
                    ErrorCode::HashMismatch,
                    format!(
                        "the file's SHA-256 is {found}, not the {} its metadata names; the \
                         upload was discarded: check the file and upload it again",
                        upload.sha256
                    ),
                ),
                Refused::Image(r) => ApiError::unprocessable(r.code(), r.to_string()),
            };
            tracing::warn!(upload = %upload.id, code = %err.code(), "upload refused");
            return Err(err);
        }
    };

    let now = state.now();
    let expires_at = expires(now);
    let record = PhotoRecord {
        sha256: upload.sha256.clone(),
        bytes: upload.length,
        width: inspected.width,
        height: inspected.height,
        mime: inspected.kind.mime().to_owned(),
        stored_at: now,
        uploaded_by: upload.user_id.clone(),
        finding_id: upload.finding_id.clone(),
    };
    let (id, token, from, to) = (
        upload.id.clone(),
        token.to_owned(),
        upload.offset,
        upload.length,
    );
    let recorded = state
        .ledger
        .write(move |tx| {
            if !tx.advance_upload(&id, &token, from, to, expires_at, Some(now))? {
                return Ok(None);
            }
            let new = tx.insert_photo(&record, &record.uploaded_by)?;
            if new {
                crate::storage::photo_log::log_photo(tx, &record.sha256)?;
            }
            Ok(Some(new))
        })
        .await?;
    let Some(new) = recorded else {
        return Err(lost_race(state, &upload.id).await);
    };
    remove_part(state, &upload.id).await;
    if new {
        Metrics::add(&state.metrics.photos_stored, 1);
    }
    tracing::info!(upload = %upload.id, sha256 = %upload.sha256, bytes = upload.length, new, "photo stored");
    Ok(progress(upload.length, expires_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_pairs_decode_and_refuse_what_is_malformed() {
        let m = parse_metadata("sha256 YWJj,filename 5pe26Ze0LmpwZw==,empty").unwrap();
        assert_eq!(m["sha256"], "abc");
        assert_eq!(m["filename"], "时间.jpg", "UTF-8 values survive base64");
        assert_eq!(m["empty"], "", "a key without a value is allowed");
        assert_eq!(
            parse_metadata(&encode_metadata(&m)).unwrap(),
            m,
            "what HEAD echoes parses back the same"
        );
        assert!(parse_metadata("a YWJj,a YWJj").is_err(), "a key twice");
        assert!(parse_metadata("a !!!").is_err(), "not base64");
        assert!(
            parse_metadata(&"k YWJj,".repeat(1000)).is_err(),
            "too long to read"
        );
    }

    #[test]
    fn only_handed_out_ids_name_uploads() {
        assert!(valid_id(&uuid::Uuid::new_v4().simple().to_string()));
        assert!(!valid_id("../../ledger.sqlite"), "never a path");
        assert!(!valid_id(&"A".repeat(32)), "lower-case only");
    }

    #[test]
    fn upload_checksums_are_sha256_in_base64() {
        let digest = Sha256::digest(b"chunk");
        let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
        assert_eq!(
            parse_checksum(&format!("sha256 {b64}")).unwrap()[..],
            digest[..]
        );
        assert_eq!(
            parse_checksum(&format!("md5 {b64}")).unwrap_err().code(),
            "checksum_algorithm_unsupported"
        );
        assert_eq!(
            parse_checksum("sha256 AAAA").unwrap_err().code(),
            "invalid_checksum",
            "three bytes are not a SHA-256"
        );
    }

    #[test]
    fn expiry_is_an_http_date() {
        let t = DateTime::parse_from_rfc3339("2026-11-26T01:02:03Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(http_date(t), "Thu, 26 Nov 2026 01:02:03 GMT");
    }
}
