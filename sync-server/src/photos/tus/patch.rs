//! `PATCH`: a chunk streamed into parts in the photo store under the upload's lease, and the
//! offset moved past what was stored; the last chunk completes the upload.

use super::complete::*;
use super::metadata::*;
use super::*;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::limits::REQUEST_TIMEOUT;
use crate::photos::store::{chain, StoreError, PART_BYTES};
use crate::state::{AppState, Metrics};
use crate::storage::photos::Upload;
use axum::body::{Body, HttpBody};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use bytes::BytesMut;
use sha2::{Digest, Sha256};
use std::pin::Pin;
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::UserId;
use yiwang_core::sync::ErrorBody;

/// What a PATCH asked for, read from its headers.
pub(super) struct Chunk {
    pub(super) id: String,
    pub(super) user: UserId,
    pub(super) offset: u64,
    pub(super) checksum: Option<[u8; 32]>,
    pub(super) content_length: Option<u64>,
}

/// `PATCH /api/v1/photos/{id}`: appends a chunk.
#[utoipa::path(patch, path = "/api/v1/photos/{id}", tag = "photos",
    params(("Upload-Offset" = u64, Header, description = "must equal the server's offset"),
           ("Upload-Checksum" = Option<String>, Header, description = "sha256 <base64> of this chunk")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses((status = 204, description = "new Upload-Offset"), (status = 409, body = ErrorBody), (status = 460, body = ErrorBody, description = "checksum_mismatch: offset unchanged"),
               (status = 507, body = ErrorBody, description = "insufficient_storage: the disk is nearly full; offset unchanged (Retry-After)")))]
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
    ensure_disk_space(&state).await?;
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
pub(super) enum Gate {
    Write(Upload),
    Complete(Upload),
    Missing,
    Expired,
    Mismatch(u64),
    TooLong(u64),
    Busy,
}

pub(super) async fn write_chunk(state: AppState, chunk: Chunk, body: Body) -> ApiResult<Response> {
    let token = format!(
        "{}{}",
        state.ledger.lease_mark(),
        uuid::Uuid::new_v4().simple()
    );
    let body = match whole_photo(&state, &chunk, &token, body).await? {
        Received::Done(response) => return Ok(response),
        Received::Leased(body) => body,
    };
    let now = state.now();
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
            if !tx.lease_upload(
                &id,
                &lease_token,
                now,
                now + lease(),
                deadline(u.created_at),
            )? {
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

/// What the one-transaction path made of a PATCH.
enum Received {
    /// Answered: the photo completed, or the chunk was refused with nothing kept.
    Done(Response),
    /// Not a whole small photo after all (or not one to begin with): the leased path takes
    /// this body, which may be the bytes already read.
    Leased(Body),
}

/// A PATCH that declares the whole of a fresh upload smaller than a part — a phone's photo, the
/// usual case — is read into memory first and completed by ONE write transaction that takes the
/// lease and moves the offset to the length together (`complete` with `take_lease`), instead of
/// one to take the lease before the body and another to complete after it. The ledger has one
/// writer (SQLite) or one write lock (PostgreSQL), so each transaction an upload spares is a turn
/// every other device's push stops waiting for. Whatever is not that case — a chunk of a larger
/// photo, a resumed upload, a body cut short — goes through the leased path as before, with the
/// bytes that arrived; a refusal (wrong offset, expired, too long) is answered by its gate.
async fn whole_photo(
    state: &AppState,
    chunk: &Chunk,
    token: &str,
    mut body: Body,
) -> ApiResult<Received> {
    let Some(length) = chunk
        .content_length
        .filter(|&n| chunk.offset == 0 && n > 0 && n < PART_BYTES as u64)
    else {
        return Ok(Received::Leased(body));
    };
    let now = state.now();
    let (id, user) = (chunk.id.clone(), chunk.user.clone());
    let upload = state
        .ledger
        .read(move |tx| tx.upload(&id))
        .await?
        .filter(|u| u.user_id == user && u.expires_at > now && u.offset == 0 && u.length == length);
    let Some(upload) = upload else {
        return Ok(Received::Leased(body));
    };
    let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
    let mut buffer = BytesMut::with_capacity(usize::try_from(length).unwrap_or(PART_BYTES));
    let end = loop {
        let data = match next_data(state, &mut body, deadline).await {
            Ok(data) => data,
            Err(end) => break end,
        };
        if buffer.len() as u64 + data.len() as u64 > length {
            break End::Overflow;
        }
        buffer.extend_from_slice(&data);
    };
    let bytes = buffer.freeze();
    let whole = bytes.len() as u64 == length;
    let verified = chunk
        .checksum
        .map(|expected| whole && Sha256::digest(&bytes)[..] == expected[..]);
    match end {
        End::Overflow => Err(ApiError::TooLarge { limit: length }),
        End::Whole if verified == Some(false) => Err(ApiError::ChecksumMismatch),
        End::Whole if whole => {
            let done = complete(state, &upload, token, true, 0, bytes).await?;
            Ok(Received::Done(done))
        }
        // A chunk with a checksum is kept whole and verified, or not at all.
        _ if chunk.checksum.is_some() => Err(ApiError::bad_request(
            ErrorCode::BodyIncomplete,
            "the chunk ended early; nothing was kept, resume from byte 0",
        )),
        // Cut short: what arrived is kept under the lease, as any chunk's would be.
        _ => Ok(Received::Leased(Body::from(bytes))),
    }
}

/// The next bytes of a PATCH body (counted as received), or how the body ended: whole, cut,
/// or past `deadline`. Trailers carry nothing we use and are skipped.
async fn next_data(
    state: &AppState,
    body: &mut Body,
    deadline: tokio::time::Instant,
) -> Result<bytes::Bytes, End> {
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx));
        let frame = match tokio::time::timeout_at(deadline, next).await {
            Err(_) => return Err(End::TimedOut),
            Ok(None) => return Err(End::Whole),
            Ok(Some(Err(e))) => return Err(End::Broken(e.to_string())),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            Metrics::add(&state.metrics.photo_bytes_received, data.len() as u64);
            return Ok(data);
        }
    }
}

/// How a PATCH body ended.
#[derive(Debug)]
pub(super) enum End {
    Whole,
    Broken(String),
    TimedOut,
    Overflow,
    /// The photo store refused a part: what it stored before is kept.
    Store(StoreError),
}

/// Receives the body into parts in the photo store while holding the lease, then moves the
/// offset (or completes the upload).
pub(super) async fn write_leased(
    state: &AppState,
    chunk: &Chunk,
    upload: &Upload,
    token: &str,
    mut body: Body,
) -> ApiResult<Response> {
    let store = state.settings.photo_store.clone();
    if upload.offset > 0 {
        // The acknowledged bytes must all be there to build on.
        match chain(store.as_ref(), &upload.id, upload.offset).await {
            Ok(_) => {}
            Err(StoreError::PartsMissing(why)) => return Err(lost(state, upload, &why).await),
            Err(e) => return Err(e.into()),
        }
    }

    let remaining = upload.length - upload.offset;
    let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
    let mut hasher = chunk.checksum.map(|_| Sha256::new());
    // No bigger than what may still arrive: a county's devices each send a photo at once.
    let capacity = PART_BYTES.min(usize::try_from(remaining).unwrap_or(PART_BYTES));
    let mut buffer = BytesMut::with_capacity(capacity);
    let mut written = 0u64;
    // Bytes of this chunk in the store, from the upload's offset on.
    let mut stored = 0u64;
    let end = 'body: loop {
        let data = match next_data(state, &mut body, deadline).await {
            Ok(data) => data,
            Err(end) => break end,
        };
        if written + data.len() as u64 > remaining {
            break End::Overflow;
        }
        if let Some(h) = hasher.as_mut() {
            h.update(&data);
        }
        written += data.len() as u64;
        let mut data = &data[..];
        while !data.is_empty() {
            let room = PART_BYTES - buffer.len();
            let (now, later) = data.split_at(room.min(data.len()));
            buffer.extend_from_slice(now);
            data = later;
            if buffer.len() == PART_BYTES {
                let part = buffer.split().freeze();
                let len = part.len() as u64;
                let at = upload.offset + stored;
                if let Err(e) = store.put_part(&upload.id, at, part).await {
                    break 'body End::Store(e);
                }
                stored += len;
            }
        }
    };
    // A chunk with a checksum is kept whole and verified, or not at all.
    let verified = match (chunk.checksum, hasher) {
        (Some(expected), Some(h)) => {
            Some(matches!(end, End::Whole) && h.finalize()[..] == expected[..])
        }
        _ => None,
    };
    let mut end = end;
    let mut kept = match (&end, verified) {
        (End::Overflow, _) | (_, Some(false)) => 0,
        (End::Store(_), _) => stored,
        _ => written,
    };
    if upload.offset + kept == upload.length {
        // The last byte arrived (whether or not the body then ended cleanly: a chunked body
        // cut after its last byte has them all): the rest of the body goes straight to
        // completion, which stores the whole photo (a part of it would only be written, read
        // back and deleted). Should completion fail, the offset stays and the client sends
        // this chunk again. Nothing else moves the offset to the length, so an upload at its
        // length is always a recorded photo.
        let tail = buffer.split().freeze();
        drop(buffer);
        return complete(state, upload, token, false, upload.offset + stored, tail).await;
    }
    if kept > stored && !buffer.is_empty() {
        // What is left of the body, stored as the last part.
        let part = buffer.split().freeze();
        let len = part.len() as u64;
        match store
            .put_part(&upload.id, upload.offset + stored, part)
            .await
        {
            Ok(()) => stored += len,
            Err(e) => {
                kept = stored;
                end = End::Store(e);
            }
        }
    }
    if chunk.checksum.is_some() && matches!(end, End::Store(_)) {
        kept = 0; // not whole, so not verified
    }
    debug_assert!(kept <= stored);
    // Not needed while the ledger is written (that may wait for its turn).
    drop(buffer);
    match &end {
        End::Broken(why) => tracing::info!(upload = %upload.id, kept, %why, "upload chunk cut off"),
        End::TimedOut => tracing::info!(upload = %upload.id, kept, "upload chunk timed out"),
        End::Store(e) => {
            tracing::warn!(upload = %upload.id, kept, error = %e, "the photo store refused an upload's part")
        }
        End::Whole | End::Overflow => {}
    }

    let new_offset = upload.offset + kept;
    let (id, token, from) = (upload.id.clone(), token.to_owned(), upload.offset);
    let now = state.now();
    let expires_at = expires(upload.created_at, now);
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
        End::Store(e) => Err(e.into()),
        // Nobody may be listening, but if someone is: the offset they should resume from.
        End::Broken(_) | End::TimedOut => Err(ApiError::bad_request(
            ErrorCode::BodyIncomplete,
            format!("the chunk ended early; {kept} bytes were kept, resume from byte {new_offset}"),
        )),
    }
}
