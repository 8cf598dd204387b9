//! The whole decode of stored photos, after their upload was acknowledged (issue 16).
//!
//! An upload is acknowledged once its whole-file SHA-256 matched, the picture passed the checks
//! that need no decoding ([`decode::precheck`]: size, format, header dimensions, a JPEG's
//! completeness and metadata) and its file is durably stored. Decoding it whole and making its
//! thumbnail cost more than all of that together, so they follow here, never in the way of an
//! upload:
//!
//! - the checker ([`spawn`], started with the server) takes the photos the ledger still marks
//!   pending, oldest first, and decodes them one at a time on a thread of its own at a lower CPU
//!   priority (nice 19, the lowest), so requests come first; a completed upload wakes it;
//! - a thumbnail asked for before the checker got to its photo is made there and then
//!   ([`ensure_checked`]);
//! - a photo that fails to decode is **quarantined**, never dropped: its file stays in the store
//!   (it is what the device sent), the ledger records why (`photos.quarantine`), a warning names
//!   it with its uploader and finding, `yiwang_photos_quarantined_total` counts it, and its
//!   thumbnail answers `422 corrupt_image` with the reason, so the console shows it as damaged.
//!
//! The pending mark is in the ledger, so a process that stops mid-check leaves the photo to the
//! next one; two processes checking one photo store the same thumbnail and the ledger keeps the
//! first outcome.

use super::decode::{self, ImageRefusal, Inspected};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Metrics};
use crate::storage::photos::PhotoCheck;
use bytes::Bytes;
use std::sync::mpsc::SyncSender;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::{oneshot, Notify};
use yiwang_core::ids::PhotoHash;

/// Woken by every completed upload (a permit is kept if the checker is busy).
pub(crate) static WAKE: Notify = Notify::const_new();

/// Photos taken from the ledger per round.
const BATCH: u32 = 32;
/// How often the checker looks again when nothing woke it (or a photo could not be read).
const RESCAN: Duration = Duration::from_secs(30);

/// Where a decode runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// The checker's own low-priority thread, one photo at a time.
    Background,
    /// The blocking pool at normal priority: someone is waiting for the thumbnail.
    Now,
}

/// Starts the checker on the current runtime: a round now, then one whenever an upload
/// completes, and every [`RESCAN`] regardless.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match check_pending(&state, BATCH).await {
                // A full batch: more may wait.
                Ok(r) if r.taken == BATCH as usize && r.failed == 0 => continue,
                Ok(r) if r.failed > 0 => {
                    tracing::warn!(
                        failed = r.failed,
                        "some photos could not be checked; trying again later"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "the photo check failed; trying again later"),
            }
            tokio::select! {
                () = WAKE.notified() => {}
                () = tokio::time::sleep(RESCAN) => {}
            }
        }
    })
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Pending photos taken from the ledger.
    pub taken: usize,
    pub passed: usize,
    pub quarantined: usize,
    /// Photos that could not be checked now (the store failed or lost the file): they stay
    /// pending.
    pub failed: usize,
}

/// Checks up to `limit` pending photos, oldest first, on the background lane.
pub async fn check_pending(state: &AppState, limit: u32) -> anyhow::Result<Round> {
    let pending = state
        .ledger
        .read(move |tx| tx.unchecked_photos(limit))
        .await?;
    let mut round = Round {
        taken: pending.len(),
        ..Round::default()
    };
    for hash in &pending {
        match ensure_checked(state, hash, Lane::Background).await {
            Ok(PhotoCheck::Quarantined(_)) => round.quarantined += 1,
            Ok(_) => round.passed += 1,
            // Swept meanwhile: nothing left to check.
            Err(ApiError::NotFound { .. }) => {}
            Err(e) => {
                tracing::warn!(sha256 = %hash, error = %e, "a stored photo could not be checked");
                round.failed += 1;
            }
        }
    }
    Ok(round)
}

/// The photo's check, run now on `lane` if it is still pending: decodes the stored file whole,
/// stores its thumbnail (or quarantines it) and records the outcome. What the ledger says after.
pub async fn ensure_checked(
    state: &AppState,
    hash: &PhotoHash,
    lane: Lane,
) -> ApiResult<PhotoCheck> {
    let h = hash.clone();
    let Some(photo) = state.ledger.read(move |tx| tx.photo(&h)).await? else {
        return Err(ApiError::NotFound { what: "photo" });
    };
    if photo.check != PhotoCheck::Pending {
        return Ok(photo.check);
    }
    let store = super::photo_store(state);
    let Some((_, bytes)) = store.get(hash).await? else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "photo {hash} is recorded but its file is missing from the photo store"
        )));
    };
    let quarantine = match decode_on(lane, bytes).await? {
        Ok(inspected) => {
            store
                .put_thumbnail(hash, Bytes::from(inspected.thumbnail))
                .await?;
            None
        }
        Err(refusal) => Some(format!("{}: {refusal}", refusal.code())),
    };
    let (h, at, why) = (hash.clone(), state.now(), quarantine.clone());
    let first = state
        .ledger
        .write(move |tx| tx.record_photo_check(&h, at, why.as_deref()))
        .await?;
    // The sweeper may have forgotten the photo while it was being decoded (no record named it
    // within its grace) and deleted its files before the thumbnail above was stored. Whichever
    // of the two deletes last, nothing of a swept photo stays: the sweeper forgets the row and
    // then deletes, this stores the thumbnail and then looks for the row.
    let h = hash.clone();
    if state.ledger.read(move |tx| tx.photo(&h)).await?.is_none() {
        store.delete(hash).await?;
        return Err(ApiError::NotFound { what: "photo" });
    }
    match quarantine {
        None => Ok(PhotoCheck::Passed),
        Some(why) => {
            if first {
                Metrics::add(&state.metrics.photos_quarantined, 1);
                tracing::warn!(
                    sha256 = %hash,
                    uploaded_by = %photo.uploaded_by.0,
                    finding = ?photo.finding_id.as_ref().map(|f| f.as_str()),
                    reason = %why,
                    "a stored photo failed to decode: quarantined (kept, shown as damaged)"
                );
            }
            Ok(PhotoCheck::Quarantined(why))
        }
    }
}

/// A decode job for the background thread, and where its outcome goes.
type Job = (Bytes, oneshot::Sender<Result<Inspected, ImageRefusal>>);

/// Decodes `bytes` whole and makes the thumbnail on `lane`.
async fn decode_on(lane: Lane, bytes: Bytes) -> ApiResult<Result<Inspected, ImageRefusal>> {
    match lane {
        Lane::Now => {
            let _permit = super::tus::DECODES
                .acquire()
                .await
                .map_err(|e| ApiError::Internal(e.into()))?;
            tokio::task::spawn_blocking(move || decode::inspect(&bytes))
                .await
                .map_err(|e| ApiError::Internal(e.into()))
        }
        Lane::Background => {
            let (tx, rx) = oneshot::channel();
            let queue = background().clone();
            // The queue holds one job: a second waits here, off the runtime's threads.
            tokio::task::spawn_blocking(move || queue.send((bytes, tx)))
                .await
                .map_err(|e| ApiError::Internal(e.into()))?
                .map_err(|_| ApiError::Internal(anyhow::anyhow!("the photo-check thread ended")))?;
            rx.await
                .map_err(|_| ApiError::Internal(anyhow::anyhow!("the photo-check thread ended")))
        }
    }
}

/// The background lane's thread, started on first use.
fn background() -> &'static SyncSender<Job> {
    static QUEUE: OnceLock<SyncSender<Job>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(1);
        std::thread::Builder::new()
            .name("photo-check".into())
            .spawn(move || {
                // Linux keeps the nice value per thread: this one only. Where it cannot be
                // lowered the work still runs, at normal priority.
                if let Err(e) = rustix::process::nice(19) {
                    tracing::debug!(error = %e, "the photo-check thread keeps normal priority");
                }
                for (bytes, reply) in rx {
                    let _ = reply.send(decode::inspect(&bytes));
                }
            })
            .expect("the photo-check thread starts");
        tx
    })
}
