//! tus 1.0.0 (<https://tus.io/protocols/resumable-upload>) at `/api/v1/photos`, with the
//! creation, checksum (sha256), termination and expiration extensions.
//!
//! - `OPTIONS /api/v1/photos[/{id}]`: what the server speaks (answered together with CORS).
//! - `POST /api/v1/photos` with `Upload-Length` and `Upload-Metadata` (`sha256` of the whole file,
//!   required; `finding_id` and `filename` optional) → `201`, `Location: /api/v1/photos/{id}`.
//!   A photo whose SHA-256 is already stored is still given an upload (tus clients send their
//!   PATCHes whatever the creation answer says); when the caller may see that photo, the answer
//!   carries `Yiwang-Photo-Stored: true` so a client that knows may `DELETE` it and skip. Devices ask `HEAD
//!   /api/v1/photos/by-hash/{sha256}` before creating anything.
//! - `HEAD /api/v1/photos/{id}` → `Upload-Offset`, `Upload-Length`, `Cache-Control: no-store`.
//! - `PATCH /api/v1/photos/{id}` (`application/offset+octet-stream`, `Upload-Offset` = the stored
//!   offset, optional `Upload-Checksum: sha256 <base64>`) → `204` with the new offset.
//! - `DELETE /api/v1/photos/{id}` → `204`; the upload and its bytes are gone.
//!
//! All state is in the ledger (`uploads`: offset, length, lease) and in the photo store (the
//! upload's parts, `uploads/<id>/<start>`: see [`crate::photos::store`]), so a restarted or
//! different server process — on another host, when the store is shared — continues any
//! upload. One PATCH writes an upload at a time: it holds the upload's lease (see
//! `storage::photos`).
//!
//! A PATCH streams its body into parts of at most
//! [`PART_BYTES`](crate::photos::store::PART_BYTES), each written to the store as
//! it fills, never holding the body whole. When the body ends — completely, or because the
//! connection broke or the request ran out of time — the bytes that arrived are stored and the
//! offset moves past them, so a client resumes by sending at most what was lost. A photo store
//! that fails mid-chunk keeps what it stored and answers `503 unavailable`. The work runs in its own task: a client that disconnects (or
//! the request timeout) drops the handler, not the bookkeeping. Two exceptions discard the
//! chunk and keep the offset: a chunk with `Upload-Checksum` that did not arrive whole or does
//! not match (`460 checksum_mismatch`) — bytes that cannot be verified are not kept — and a body
//! longer than the upload's remaining length (`413`).
//!
//! Disk: a user holds at most [`MAX_OPEN_UPLOADS_PER_USER`] unfinished uploads declaring at most
//! [`MAX_UPLOAD_BYTES_PER_USER`] bytes (`429 too_many_uploads` past either); an upload expires
//! [`UPLOAD_TTL_HOURS`] after its last progress and never later than
//! [`UPLOAD_MAX_LIFETIME_HOURS`] after it began; creations and PATCHes are refused with `507
//! insufficient_storage` while the disk is nearly full ([`crate::photos::space`]). The sweeper
//! ([`crate::photos::sweep`]) deletes what expired.
//!
//! When the offset would reach the length, the parts are assembled, the whole file is hashed and
//! prechecked (`decode::precheck`: format, size, header dimensions, a JPEG's completeness and
//! metadata), stored, and only then is the offset moved and the photo recorded, in one ledger
//! transaction: an upload whose offset equals its length is always a stored photo. A wrong
//! whole-file hash (`422 hash_mismatch`) or bytes that are not a picture within limits (`422
//! not_an_image | image_too_large | corrupt_image | photo_has_metadata`) end the upload: it and
//! its bytes are deleted and nothing is stored. The whole decode and the thumbnail follow the
//! acknowledgement ([`crate::photos::check`]); a photo that then fails to decode is
//! quarantined, never dropped.

mod complete;
pub(crate) mod create;
mod metadata;
pub(crate) mod patch;

use create::{create, status, terminate};
pub use metadata::parse_metadata;
use patch::patch;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::limits::REQUEST_TIMEOUT;
use crate::photos::decode::MAX_PHOTO_BYTES;
use crate::state::{AppState, Metrics};
use crate::storage::photos::Upload;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{head, post};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::Semaphore;
use yiwang_core::error::ErrorCode;

/// The protocol version spoken, and the only one.
pub const TUS_VERSION: &str = "1.0.0";
pub const TUS_EXTENSIONS: &str = "creation,checksum,termination,expiration";
pub const TUS_CHECKSUM_ALGORITHMS: &str = "sha256";
/// An upload with no progress for this long expires (410) and its bytes are deleted.
pub const UPLOAD_TTL_HOURS: i64 = 24;
/// An upload ends this long after it was created, progress or not: PATCHes (and their leases)
/// move the expiry on by [`UPLOAD_TTL_HOURS`] but never past this, so nobody keeps an upload —
/// and its disk space — alive for ever with a byte a day. Three days lets a phone that lost
/// its signal for a day or two mid-photo still resume; a 40 MiB photo takes minutes even on 2G.
pub const UPLOAD_MAX_LIFETIME_HOURS: i64 = 72;
/// Most open (unfinished, unexpired) uploads one user may hold. A device uploads a few photos
/// at a time (three in parallel) and resumes each by its kept URL; after crashes or a wiped app
/// it may hold a few stale ones until they expire. Eight never hinders it.
pub const MAX_OPEN_UPLOADS_PER_USER: u64 = 8;
/// Most bytes one user's open uploads may declare (`Upload-Length` summed): four of the largest
/// photos. A device's photos are a few MB after its pipeline, so this is dozens of them; what
/// it stops is one account reserving gigabytes of the server's disk.
pub const MAX_UPLOAD_BYTES_PER_USER: u64 = 4 * MAX_PHOTO_BYTES;
/// `Retry-After` of a creation over the per-user limits: the user's other uploads finish or
/// expire meanwhile.
pub const TOO_MANY_UPLOADS_RETRY_SECS: u64 = 60;
/// `Retry-After` of an upload refused for want of disk space.
pub const INSUFFICIENT_STORAGE_RETRY_SECS: u64 = 300;
/// At most one "disk nearly full" warning in the log per this many seconds.
const DISK_WARNING_EVERY_SECS: i64 = 60;
/// How long a PATCH may hold an upload: twice the request timeout, so a PATCH cut off by the
/// timeout still finishes its bookkeeping, and a process that died mid-PATCH frees the upload
/// soon after.
pub(super) fn lease() -> Duration {
    Duration::from_std(REQUEST_TIMEOUT * 2).unwrap_or_else(|_| Duration::minutes(2))
}
/// The most `Upload-Metadata` we read.
pub(super) const MAX_METADATA_BYTES: usize = 4096;
/// Expired uploads cleaned up by each creation.
pub(super) const SWEEP: u32 = 32;
/// Completing an upload hashes and prechecks the whole file, and a thumbnail someone waits for
/// decodes the picture (up to 120 megapixels, ~480 MB): a few at a time.
pub(crate) static DECODES: Semaphore = Semaphore::const_new(2);

pub(super) const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
pub(super) const TUS_VERSION_H: HeaderName = HeaderName::from_static("tus-version");
pub(super) const TUS_EXTENSION: HeaderName = HeaderName::from_static("tus-extension");
pub(super) const TUS_MAX_SIZE: HeaderName = HeaderName::from_static("tus-max-size");
pub(super) const TUS_CHECKSUM_ALGORITHM: HeaderName =
    HeaderName::from_static("tus-checksum-algorithm");
pub(super) const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
pub(super) const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
pub(super) const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
pub(super) const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");
pub(super) const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static("upload-checksum");
pub(super) const UPLOAD_DEFER_LENGTH: HeaderName = HeaderName::from_static("upload-defer-length");
pub(super) const UPLOAD_CONCAT: HeaderName = HeaderName::from_static("upload-concat");
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
pub(super) async fn tus_protocol(req: Request, next: Next) -> Response {
    // A method tus does not use is answered as such, whatever its headers.
    let known = [
        Method::OPTIONS,
        Method::POST,
        Method::HEAD,
        Method::PATCH,
        Method::DELETE,
    ];
    if !known.contains(req.method()) {
        let allow = if req.uri().path() == "/api/v1/photos" {
            "OPTIONS, POST"
        } else {
            "OPTIONS, HEAD, PATCH, DELETE"
        };
        let mut resp = ApiError::Protocol {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: ErrorCode::NotFound,
            message: format!("{} is not a tus method here; use {allow}", req.method()),
        }
        .into_response();
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
        return resp;
    }
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

pub(super) fn header_str<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// `Upload-Expires` takes an HTTP date (RFC 9110 IMF-fixdate).
pub(super) fn http_date(t: DateTime<Utc>) -> HeaderValue {
    HeaderValue::from_str(&t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
}

/// When an upload created at `created_at` expires if it makes progress at `now`: a day later,
/// but never past its hard end.
pub(super) fn expires(created_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    (now + Duration::hours(UPLOAD_TTL_HOURS)).min(deadline(created_at))
}

/// The hard end of an upload created at `created_at`.
pub(super) fn deadline(created_at: DateTime<Utc>) -> DateTime<Utc> {
    created_at + Duration::hours(UPLOAD_MAX_LIFETIME_HOURS)
}

/// Refuses an upload request (`507 insufficient_storage`) when the photo store's filesystem
/// (a local one; a bucket elsewhere is not probed) has less than `min_free_space` free. A probe that fails (no such folder yet, not Unix) lets
/// the request through: the guard protects the ledger, it must not stop uploads by itself.
pub(super) async fn ensure_disk_space(state: &AppState) -> ApiResult<()> {
    // A store on another machine (an S3 bucket) fills no local disk.
    let Some(dir) = state.settings.photo_store.local_root() else {
        return Ok(());
    };
    let (disk, min) = (state.settings.disk.clone(), state.settings.min_free_space);
    let shown = dir.clone();
    let probed = tokio::task::spawn_blocking(move || disk.free_bytes(&dir))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let free = match probed {
        Ok(free) => free,
        Err(e) => {
            tracing::debug!(error = %e, "free space unknown; upload allowed");
            return Ok(());
        }
    };
    note_free_space(state, free);
    if free >= min {
        return Ok(());
    }
    Metrics::add(&state.metrics.uploads_refused_disk, 1);
    static LAST_WARNING: AtomicI64 = AtomicI64::new(i64::MIN);
    let now = state.now().timestamp();
    let last = LAST_WARNING.load(Ordering::Relaxed);
    if now.saturating_sub(last) >= DISK_WARNING_EVERY_SECS
        && LAST_WARNING
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!(
            free,
            min_free_space = min,
            photo_store = %shown.display(),
            "disk nearly full: photo uploads are refused (507) until space is freed; records \
             still sync"
        );
    }
    Err(ApiError::TryLater {
        status: StatusCode::INSUFFICIENT_STORAGE,
        code: ErrorCode::InsufficientStorage,
        message: "the server is short of disk space: the photo waits on the device and is \
                  uploaded later; records still sync"
            .into(),
        retry_after_secs: INSUFFICIENT_STORAGE_RETRY_SECS,
    })
}

/// Shows `free` in `/metrics` as the photo store's free bytes.
pub(crate) fn note_free_space(state: &AppState, free: u64) {
    state.metrics.disk_free_bytes.store(free, Ordering::Relaxed);
    state.metrics.disk_probed.store(true, Ordering::Relaxed);
}

pub(crate) use crate::photos::store::valid_upload_id as valid_id;

/// Deletes the bytes of upload `id` from the photo store; a failure is logged (the sweeper
/// deletes the parts of uploads the ledger no longer knows).
pub(crate) async fn remove_part(state: &AppState, id: &str) {
    if let Err(e) = state.settings.photo_store.delete_upload(id).await {
        tracing::warn!(upload = id, error = %e, "could not remove an upload's bytes");
    }
}

/// The upload's acknowledged bytes are not in the photo store: it is forgotten, and the client
/// told to start again.
pub(super) async fn lost(state: &AppState, upload: &Upload, why: &str) -> ApiError {
    tracing::warn!(upload = %upload.id, %why, "an upload's bytes are gone; it starts again");
    let id = upload.id.clone();
    if let Err(e) = state.ledger.write(move |tx| tx.delete_upload(&id)).await {
        return e.into();
    }
    remove_part(state, &upload.id).await;
    ApiError::Protocol {
        status: StatusCode::GONE,
        code: ErrorCode::UploadLost,
        message: "the server no longer has this upload's bytes; start it again".into(),
    }
}

pub(super) fn not_found() -> ApiError {
    ApiError::NotFound { what: "upload" }
}

pub(super) fn expired() -> ApiError {
    ApiError::Protocol {
        status: StatusCode::GONE,
        code: ErrorCode::UploadExpired,
        message: format!(
            "this upload expired ({UPLOAD_TTL_HOURS} hours without progress, or \
             {UPLOAD_MAX_LIFETIME_HOURS} hours after it began); start it again"
        ),
    }
}

/// The caller's own live upload `id`; an expired one is cleaned up and answered 410.
pub(super) async fn own_upload(state: &AppState, me: &AuthUser, id: &str) -> ApiResult<Upload> {
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

/// 204 with where the upload now stands.
pub(super) fn progress(offset: u64, expires_at: DateTime<Utc>) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(UPLOAD_OFFSET, HeaderValue::from(offset));
    resp.headers_mut()
        .insert(UPLOAD_EXPIRES, http_date(expires_at));
    resp
}

/// The upload changed under a leased PATCH (terminated, or expired and taken over): say so, and
/// remove the bytes if the upload is gone.
pub(super) async fn lost_race(state: &AppState, id: &str) -> ApiError {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_handed_out_ids_name_uploads() {
        assert!(valid_id(&uuid::Uuid::new_v4().simple().to_string()));
        assert!(!valid_id("../../ledger.sqlite"), "never a path");
        assert!(!valid_id(&"A".repeat(32)), "lower-case only");
    }

    #[test]
    fn expiry_is_an_http_date() {
        let t = DateTime::parse_from_rfc3339("2026-11-26T01:02:03Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(http_date(t), "Thu, 26 Nov 2026 01:02:03 GMT");
    }
}
