//! The end of an upload: the whole file hashed and prechecked, stored, and the photo recorded in
//! the same ledger transaction that moves the offset to the length. Its whole decode and
//! thumbnail follow ([`crate::photos::check`]).

use super::*;
use crate::error::{ApiError, ApiResult};
use crate::photos::decode::{self, ImageRefusal};
use crate::photos::store::{assemble, Hashed, StoreError};
use crate::state::{AppState, Metrics};
use crate::storage::photos::{PhotoCheck, PhotoRecord, Upload};
use axum::response::Response;
use bytes::Bytes;
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::PhotoHash;

/// Why a complete upload is not stored.
pub(super) enum Refused {
    Hash(PhotoHash),
    Image(ImageRefusal),
}

/// The last byte arrived: assemble and verify the whole file — the parts in the store up to byte
/// `stored`, then `tail`, the end of the body still in memory — store it, record it, then move
/// the offset. The caller holds the upload's lease under `token`, or with `take_lease` the
/// recording transaction takes it (a photo that came whole, read before any lease: see
/// `patch::whole_photo`), so a concurrent writer holding it makes this one lose the race.
pub(super) async fn complete(
    state: &AppState,
    upload: &Upload,
    token: &str,
    take_lease: bool,
    stored: u64,
    tail: Bytes,
) -> ApiResult<Response> {
    let whole = stored == 0 && tail.len() as u64 == upload.length;
    // Reading the parts back holds the whole photo in memory: a few at a time. A photo that
    // came whole in this PATCH is in memory already (at most `PART_BYTES`, as every PATCH's
    // buffer), so it waits for nobody: holding the permit across the store's and the ledger's
    // fsyncs made every completion in the process queue behind two others (the load bench's
    // uploads took 470 ms at 64 devices in flight, and 4 ms alone).
    let permit = if whole {
        None
    } else {
        Some(
            DECODES
                .acquire()
                .await
                .map_err(|e| ApiError::Internal(e.into()))?,
        )
    };
    // From storing the file to recording it, this process's sweeper does not delete this
    // photo's files (and no sweeper deletes a photo an upload row names: `storage::photos`).
    let _files = crate::photos::sweep::PHOTO_FILES.read().await;
    let store = crate::photos::photo_store(state);
    let bytes = if whole {
        // The whole photo came in this PATCH: no part to read back, nothing to copy.
        tail
    } else {
        match assemble(store.as_ref(), &upload.id, stored).await {
            Ok(mut b) if stored + tail.len() as u64 == upload.length => {
                b.extend_from_slice(&tail);
                drop(tail);
                Bytes::from(b)
            }
            Ok(_) => {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "upload {} completes with {stored} stored and {} more bytes, not {}",
                    upload.id,
                    tail.len(),
                    upload.length
                )))
            }
            Err(StoreError::PartsMissing(why)) => return Err(lost(state, upload, &why).await),
            Err(e) => return Err(e.into()),
        }
    };
    let expected = upload.sha256.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let photo = Hashed::new(bytes);
        if photo.hash() != &expected {
            return Err(Refused::Hash(photo.hash().clone()));
        }
        match decode::precheck(photo.bytes()) {
            Ok(header) => Ok((header, photo)),
            Err(r) => Err(Refused::Image(r)),
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?;
    let checked = match checked {
        Ok((header, photo)) => {
            store.put(&photo, header.kind).await?;
            Ok(header)
        }
        Err(refused) => Err(refused),
    };
    // The photo's bytes are gone: the next completion may read its parts.
    drop(permit);

    let header = match checked {
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
        width: header.width,
        height: header.height,
        mime: header.kind.mime().to_owned(),
        stored_at: now,
        uploaded_by: upload.user_id.clone(),
        finding_id: upload.finding_id.clone(),
        check: PhotoCheck::Pending,
    };
    let (id, token, from, to) = (
        upload.id.clone(),
        token.to_owned(),
        upload.offset,
        upload.length,
    );
    let (lease_until, lease_deadline) = (now + lease(), deadline(upload.created_at));
    let recorded = state
        .ledger
        .write(move |tx| {
            if take_lease && !tx.lease_upload(&id, &token, now, lease_until, lease_deadline)? {
                return Ok(None);
            }
            if !tx.advance_upload(&id, &token, from, to, expires_at, Some(now))? {
                if take_lease {
                    tx.release_upload(&id, &token)?;
                }
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
    if upload.offset > 0 || stored > 0 {
        // Its parts are done with. A photo that came whole in this PATCH has none to remove (a
        // part an earlier PATCH wrote but never had acknowledged goes when the upload's row
        // expires: the sweeper deletes its parts with it), which spares a bucket a listing.
        remove_part(state, &upload.id).await;
    }
    if new {
        Metrics::add(&state.metrics.photos_stored, 1);
        crate::photos::check::WAKE.notify_one();
    }
    tracing::info!(upload = %upload.id, sha256 = %upload.sha256, bytes = upload.length, new, "photo stored");
    Ok(progress(upload.length, expires_at))
}
