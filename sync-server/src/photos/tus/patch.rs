//! `PATCH`: a chunk streamed to the upload's part file under the upload's lease, fsynced, and
//! the offset moved past what arrived; the last chunk completes the upload.

use super::complete::*;
use super::metadata::*;
use super::*;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::limits::REQUEST_TIMEOUT;
use crate::state::{AppState, Metrics};
use crate::storage::photos::Upload;
use axum::body::{Body, HttpBody};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::io::SeekFrom;
use std::pin::Pin;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
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
    let now = state.now();
    let token = format!(
        "{}{}",
        state.ledger.lease_mark(),
        uuid::Uuid::new_v4().simple()
    );
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

/// How a PATCH body ended.
#[derive(Debug)]
pub(super) enum End {
    Whole,
    Broken(String),
    TimedOut,
    Overflow,
}

/// Receives the body into the `.part` file while holding the lease, then moves the offset (or
/// completes the upload).
pub(super) async fn write_leased(
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
    // No bigger than what may still arrive: a county's devices each send a photo at once, and
    // 1,798 buffers of the full size were 460 MB.
    let mut buffer =
        Vec::with_capacity(WRITE_BUFFER.min(usize::try_from(remaining).unwrap_or(WRITE_BUFFER)));
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
    // Neither is needed while the ledger is written (that may wait for its turn).
    drop(buffer);
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
        // Nobody may be listening, but if someone is: the offset they should resume from.
        End::Broken(_) | End::TimedOut => Err(ApiError::bad_request(
            ErrorCode::BodyIncomplete,
            format!("the chunk ended early; {kept} bytes were kept, resume from byte {new_offset}"),
        )),
    }
}
