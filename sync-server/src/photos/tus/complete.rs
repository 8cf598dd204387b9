//! The end of an upload: the whole file hashed and inspected, stored, and the photo recorded in
//! the same ledger transaction that moves the offset to the length.

use super::*;
use crate::error::{ApiError, ApiResult};
use crate::photos::decode::{self, ImageRefusal};
use crate::photos::store::StoreError;
use crate::state::{AppState, Metrics};
use crate::storage::photos::{PhotoRecord, Upload};
use axum::response::Response;
use std::path::PathBuf;
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::PhotoHash;

/// Why a complete upload is not stored.
pub(super) enum Refused {
    Hash(PhotoHash),
    Image(ImageRefusal),
}

/// The last byte arrived: verify the whole file, store it, record it, then move the offset.
pub(super) async fn complete(
    state: &AppState,
    upload: &Upload,
    token: &str,
    path: PathBuf,
) -> ApiResult<Response> {
    let _permit = DECODES
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    // From storing the file to recording it, the sweeper does not delete this photo's files.
    let _files = crate::photos::sweep::PHOTO_FILES.read().await;
    let store = crate::photos::photo_store(state);
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
    let expires_at = expires(upload.created_at, now);
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
