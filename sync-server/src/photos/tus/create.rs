//! Creating an upload (`POST`), its state (`HEAD`) and its end (`DELETE`).

use super::metadata::*;
use super::*;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::photos::decode::MAX_PHOTO_BYTES;
use crate::state::AppState;
use crate::storage::photos::Upload;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::{FindingId, PhotoHash};
use yiwang_core::sync::ErrorBody;

/// `POST /api/v1/photos`: creates an upload.
#[utoipa::path(post, path = "/api/v1/photos", tag = "photos",
    params(("Tus-Resumable" = String, Header, description = "1.0.0"),
           ("Upload-Length" = u64, Header, description = "whole file size"),
           ("Upload-Metadata" = String, Header, description = "sha256 (hex of the whole file), finding_id")),
    responses((status = 201, description = "created; Location names the upload"), (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
               (status = 429, body = ErrorBody, description = "too_many_uploads: the user's open uploads are at the limit (Retry-After)"),
               (status = 507, body = ErrorBody, description = "insufficient_storage: the disk is nearly full (Retry-After)")))]
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
    ensure_disk_space(&state).await?;
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
        expires_at: expires(now, now),
        completed_at: None,
    };
    let (id, expires_at) = (upload.id.clone(), upload.expires_at);
    // Counted and inserted in one write transaction: two creations at once cannot both slip
    // under the limit.
    let (st, user) = (state.clone(), me.user.clone());
    let (swept, created) = state
        .ledger
        .write(move |tx| {
            let swept = tx.expired_uploads(now, SWEEP)?;
            for old in &swept {
                tx.delete_upload(old)?;
            }
            let open = tx.open_uploads(&upload.user_id, now)?;
            if open.count >= MAX_OPEN_UPLOADS_PER_USER {
                return Ok((swept, Err(Over::Count(open.count))));
            }
            if open.bytes + upload.length > MAX_UPLOAD_BYTES_PER_USER {
                return Ok((swept, Err(Over::Bytes(open.bytes))));
            }
            tx.insert_upload(&upload)?;
            // Told only to who may see it (as `HEAD …/by-hash`): a stranger uploads the bytes.
            let stored = tx.photo(&sha256)?.is_some() && {
                let reference = st.reference(tx)?;
                crate::photos::may_see(tx, &reference, &user, &sha256)?
            };
            Ok((swept, Ok(stored)))
        })
        .await?;
    for old in swept {
        remove_part(&state, &old).await;
    }
    let stored = match created {
        Ok(stored) => stored,
        Err(over) => {
            let message = match over {
                Over::Count(n) => format!(
                    "you have {n} unfinished uploads, the most one user may have at once; \
                     finish or end one, or wait: unfinished uploads expire after \
                     {UPLOAD_TTL_HOURS} hours without progress"
                ),
                Over::Bytes(b) => format!(
                    "your unfinished uploads already hold {b} bytes; with this one they would \
                     pass the {MAX_UPLOAD_BYTES_PER_USER} bytes one user may upload at once: \
                     finish or end one first"
                ),
            };
            tracing::info!(user = %me.user.id, %message, "upload refused by the per-user limit");
            return Err(ApiError::TryLater {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: ErrorCode::TooManyUploads,
                message,
                retry_after_secs: TOO_MANY_UPLOADS_RETRY_SECS,
            });
        }
    };
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

/// Which per-user limit a creation would pass, and what the user already holds.
enum Over {
    Count(u64),
    Bytes(u64),
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
