//! The sweeper: a background task, started with the server ([`spawn`]), that gives back the
//! disk space nobody will use.
//!
//! Every `Settings::sweep_interval` (10 minutes by default, and once at start) it deletes
//!
//! 1. expired uploads: their ledger rows and their parts in the photo store (an upload expires a day after
//!    its last progress, and at the latest `tus::UPLOAD_MAX_LIFETIME_HOURS` after it began);
//! 2. parts of uploads the ledger no longer knows (a server that stopped between forgetting an
//!    upload and removing its bytes);
//! 3. stored photos that no record names — no finding lists them, no case event carries them —
//!    once they were stored longer ago than `Settings::photo_grace` (7 days by default). A device
//!    uploads a photo before, or in the same sync as, the finding that names it, and may go
//!    offline in between; the grace covers that. A photo a record names is never deleted.
//!
//! Creating an upload also clears a few expired uploads on the way (`tus::create`), so a server
//! whose sweeper was just started has no backlog in the way of its users.
//!
//! Deleting a photo's row and files is one step as far as this process is concerned: a
//! completing upload of the same bytes waits for it ([`PHOTO_FILES`]), so a photo is never
//! recorded while its files are being deleted.

use super::tus::remove_part;
use crate::state::{AppState, Metrics};
use anyhow::Context as _;
use tokio::sync::RwLock;
use yiwang_core::ids::PhotoHash;

/// Held (shared) by an upload's completion from storing the file to recording it, and
/// (exclusively) by the sweeper while it forgets photos and deletes their files.
pub(crate) static PHOTO_FILES: RwLock<()> = RwLock::const_new(());

/// Rows handled per ledger transaction, so a long backlog never holds the writer for long.
const BATCH: u32 = 256;
/// Batches per kind and sweep: a backlog larger than this is finished by the next sweeps.
const MAX_BATCHES: u32 = 64;

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Expired uploads (rows, with their parts).
    pub uploads: u64,
    /// Uploads the ledger did not know whose parts were deleted.
    pub stray_parts: u64,
    /// Stored photos no record named, past their grace.
    pub photos: u64,
}

/// Starts the sweeper on the current runtime: a sweep now, then one every
/// `state.settings.sweep_interval`. A failed sweep is logged and the next one tries again.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.settings.sweep_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sweep_once(&state).await {
                Ok(s) if s != Swept::default() => {
                    tracing::info!(
                        uploads = s.uploads,
                        stray_parts = s.stray_parts,
                        photos = s.photos,
                        "swept expired uploads and unreferenced photos"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "the sweep failed; trying again later"),
            }
        }
    })
}

/// One sweep, at the state's clock.
pub async fn sweep_once(state: &AppState) -> anyhow::Result<Swept> {
    let now = state.now();
    let mut swept = Swept::default();

    for _ in 0..MAX_BATCHES {
        let ids = state
            .ledger
            .write(move |tx| {
                let ids = tx.expired_uploads(now, BATCH)?;
                for id in &ids {
                    tx.delete_upload(id)?;
                }
                Ok(ids)
            })
            .await
            .context("forgetting expired uploads")?;
        for id in &ids {
            remove_part(state, id).await;
        }
        swept.uploads += ids.len() as u64;
        Metrics::add(&state.metrics.uploads_swept, ids.len() as u64);
        if ids.len() < BATCH as usize {
            break;
        }
    }

    swept.stray_parts = sweep_stray_parts(state).await?;

    let before = now - state.settings.photo_grace;
    let store = super::photo_store(state);
    for _ in 0..MAX_BATCHES {
        let found = state
            .ledger
            .read(move |tx| tx.unreferenced_photos(before, BATCH))
            .await
            .context("finding unreferenced photos")?;
        if found.is_empty() {
            break;
        }
        let full = found.len() == BATCH as usize;
        let _files = PHOTO_FILES.write().await;
        // Asked again in the write transaction: a finding may have named one meanwhile.
        let forgotten: Vec<PhotoHash> = state
            .ledger
            .write(move |tx| {
                let mut out = Vec::with_capacity(found.len());
                for hash in found {
                    if tx.forget_unreferenced_photo(&hash, before)? {
                        out.push(hash);
                    }
                }
                Ok(out)
            })
            .await
            .context("forgetting unreferenced photos")?;
        let n = forgotten.len() as u64;
        for hash in &forgotten {
            if let Err(e) = store.delete(hash).await {
                tracing::warn!(sha256 = %hash, error = %e, "could not delete a swept photo's files");
            }
        }
        swept.photos += n;
        Metrics::add(&state.metrics.photos_swept, n);
        if !full {
            break;
        }
    }

    if let Some(dir) = state.settings.photo_store.local_root() {
        let disk = state.settings.disk.clone();
        if let Ok(Ok(free)) = tokio::task::spawn_blocking(move || disk.free_bytes(&dir)).await {
            super::tus::note_free_space(state, free);
        }
    }
    Ok(swept)
}

/// Removes the parts of uploads the ledger no longer has. An upload's row is written
/// before any of its bytes, so a file without a row is one nobody will continue (a PATCH that
/// lost its upload meanwhile removes its own parts, and may find them removed here first).
async fn sweep_stray_parts(state: &AppState) -> anyhow::Result<u64> {
    let ids = state
        .settings
        .photo_store
        .uploads_with_parts((BATCH * MAX_BATCHES) as usize)
        .await
        .context("listing the uploads in the photo store")?;
    if ids.is_empty() {
        return Ok(0);
    }
    let stray = state
        .ledger
        .read(move |tx| {
            let mut out = Vec::new();
            for id in ids {
                if tx.upload(&id)?.is_none() {
                    out.push(id);
                }
            }
            Ok(out)
        })
        .await
        .context("matching stored parts to uploads")?;
    for id in &stray {
        remove_part(state, id).await;
    }
    Ok(stray.len() as u64)
}
