//! Photos on the device: the rows of processed pictures (their files, thumbnails and upload
//! state, and the tus URL of an upload under way), and the housekeeping that lets go of files
//! the server has held long enough. A photo's bytes travel by upload, not by op: a photo matters
//! to the server once a finding or a case action names it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};
use yiwang_core::field::PhotoMeta;
use yiwang_core::ids::{FindingId, PhotoHash};

use super::{enum_col, opt_ts_col, optional, ts, ts_col, Result, Store, StoreError};

/// Whether a photo's file still has to reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    Waiting,
    Uploaded,
}

/// A photo known to the device: its metadata and, when the file is here, where it lies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoRow {
    pub meta: PhotoMeta,
    /// `None` for metadata pulled from the server without the file.
    pub path: Option<PathBuf>,
    pub thumb_path: Option<PathBuf>,
    pub upload_state: UploadState,
    pub uploaded_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
}

/// What [`Store::prune_synced`] let go of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Full-size photo files the server has held since before the cut-off. The store no longer
    /// names them: the caller deletes the files (after the commit, so a crash in between leaves
    /// a stray file, never a record naming a missing one). Thumbnails stay.
    pub photo_files: Vec<PathBuf>,
    /// Outbox rows the server acknowledged before the cut-off, removed.
    pub sent_ops: usize,
}

impl Store {
    /// Housekeeping after a good sync: forgets what the server has held since before `before` —
    /// the full-size files of uploaded photos (their thumbnails stay, and the picture can be
    /// fetched again) and acknowledged outbox rows (an entity without waiting or rejected ops
    /// reads as sent). Nothing waiting or rejected is ever touched.
    pub fn prune_synced(&self, before: DateTime<Utc>) -> Result<Pruned> {
        let before = ts(before);
        self.write(|tx| {
            let photo_files = {
                let mut stmt = tx.prepare_cached(
                    "SELECT path FROM photos
                     WHERE upload_state = 'uploaded' AND path IS NOT NULL AND uploaded_at < ?1",
                )?;
                let rows = stmt.query_map([&before], |r| r.get::<_, String>(0))?;
                rows.map(|r| r.map(PathBuf::from))
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            tx.execute(
                "UPDATE photos SET path = NULL
                 WHERE upload_state = 'uploaded' AND path IS NOT NULL AND uploaded_at < ?1",
                [&before],
            )?;
            let sent_ops = tx.execute(
                "DELETE FROM outbox WHERE state = 'sent' AND acked_at < ?1",
                [&before],
            )?;
            Ok(Pruned {
                photo_files,
                sent_ops,
            })
        })
    }
    /// Records a processed photo stored at `path`. Idempotent: the same content recorded
    /// twice is one row, and the first record's paths and upload state stay (a row pulled
    /// without a file gains the file's paths).
    pub fn record_photo(
        &self,
        meta: &PhotoMeta,
        path: &Path,
        thumb_path: &Path,
    ) -> Result<PhotoRow> {
        let path = path_text("path", path)?;
        let thumb = path_text("thumb_path", thumb_path)?;
        let now = self.now();
        self.write(|tx| {
            upsert_photo(tx, meta, Some((path, thumb)), now)?;
            photo(tx, &meta.sha256)?.ok_or_else(|| StoreError::not_found("photo", &meta.sha256))
        })
    }

    /// The server has the photo's file: it need not be uploaded again.
    pub fn mark_photo_uploaded(&self, sha256: &PhotoHash) -> Result<()> {
        let now = self.now();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE photos SET upload_state = 'uploaded', uploaded_at = COALESCE(uploaded_at, ?2),
                                   upload_url = NULL
                 WHERE sha256 = ?1",
                params![sha256.as_str(), ts(now)],
            )?;
            if n == 0 {
                return Err(StoreError::not_found("photo", sha256));
            }
            Ok(())
        })
    }

    /// The tus upload URL of a photo being uploaded, if an upload was started (migration 0003).
    pub fn photo_upload_url(&self, sha256: &PhotoHash) -> Result<Option<String>> {
        self.read(|tx| {
            Ok(tx
                .query_row(
                    "SELECT upload_url FROM photos WHERE sha256 = ?1",
                    [sha256.as_str()],
                    |r| r.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten())
        })
    }

    /// Keeps (or, with `None`, forgets) the tus upload URL of a photo. A photo the device does
    /// not know is left alone: the URL is only a way to resume, never a record of its own.
    pub fn set_photo_upload_url(&self, sha256: &PhotoHash, url: Option<&str>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE photos SET upload_url = ?2 WHERE sha256 = ?1",
                params![sha256.as_str(), url],
            )?;
            Ok(())
        })
    }

    /// Photos known here only by their metadata (pulled with another user's record), newest
    /// first: the ones whose thumbnail the agent fetches.
    pub fn photos_without_thumbnail(&self, limit: usize) -> Result<Vec<PhotoHash>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT sha256 FROM photos WHERE thumb_path IS NULL
                 ORDER BY recorded_at DESC, sha256 LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                r.get::<_, String>(0)
            })?;
            let mut out = Vec::new();
            for r in rows {
                // The column's CHECK keeps it 64 characters; skip anything else rather than fail.
                if let Some(h) = PhotoHash::parse(&r?) {
                    out.push(h);
                }
            }
            Ok(out)
        })
    }

    /// Records the thumbnail file of a photo known by metadata only.
    pub fn set_photo_thumbnail(&self, sha256: &PhotoHash, thumb_path: &Path) -> Result<()> {
        let thumb = path_text("thumb_path", thumb_path)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE photos SET thumb_path = ?2 WHERE sha256 = ?1 AND thumb_path IS NULL",
                params![sha256.as_str(), thumb],
            )?;
            Ok(())
        })
    }

    /// A photo by its hash, if the device knows it.
    pub fn photo(&self, sha256: &PhotoHash) -> Result<Option<PhotoRow>> {
        self.read(|tx| photo(tx, sha256))
    }

    /// Photos whose files are here and not yet on the server, oldest first.
    pub fn photos_waiting_upload(&self) -> Result<Vec<PhotoRow>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {PHOTO_COLUMNS} FROM photos
                 WHERE upload_state = 'waiting' AND path IS NOT NULL
                 ORDER BY recorded_at, sha256"
            ))?;
            let rows = stmt
                .query_map([], photo_row)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }
}

fn path_text(field: &'static str, p: &Path) -> Result<String> {
    p.to_str()
        .map(str::to_owned)
        .ok_or_else(|| StoreError::invalid(field, format!("{} is not valid UTF-8", p.display())))
}
const PHOTO_COLUMNS: &str = "sha256, finding_id, width, height, bytes, taken_at, exif_lat, \
     exif_lon, path, thumb_path, upload_state, uploaded_at, recorded_at";

/// EXIF times have no zone; they are stored as the camera wrote them, not as UTC.
const TAKEN_AT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.f";

fn photo_row(r: &Row<'_>) -> rusqlite::Result<PhotoRow> {
    let conversion = |idx: usize, e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e)
    };
    let sha: String = r.get(0)?;
    let sha256 = PhotoHash::parse(&sha)
        .ok_or_else(|| conversion(0, format!("not a SHA-256: {sha:?}").into()))?;
    let taken_at = r
        .get::<_, Option<String>>(5)?
        .map(|s| NaiveDateTime::parse_from_str(&s, TAKEN_AT_FORMAT))
        .transpose()
        .map_err(|e| conversion(5, Box::new(e)))?;
    let count = |idx: usize| -> rusqlite::Result<i64> { r.get(idx) };
    let width = u32::try_from(count(2)?).map_err(|e| conversion(2, Box::new(e)))?;
    let height = u32::try_from(count(3)?).map_err(|e| conversion(3, Box::new(e)))?;
    let bytes = u64::try_from(count(4)?).map_err(|e| conversion(4, Box::new(e)))?;
    Ok(PhotoRow {
        meta: PhotoMeta {
            sha256,
            finding_id: r.get::<_, Option<String>>(1)?.map(FindingId::new),
            width,
            height,
            bytes,
            taken_at,
            exif_lat: r.get(6)?,
            exif_lon: r.get(7)?,
        },
        path: r.get::<_, Option<String>>(8)?.map(PathBuf::from),
        thumb_path: r.get::<_, Option<String>>(9)?.map(PathBuf::from),
        upload_state: enum_col(r, 10)?,
        uploaded_at: opt_ts_col(r, 11)?,
        recorded_at: ts_col(r, 12)?,
    })
}

pub(super) fn photo(conn: &Connection, sha256: &PhotoHash) -> Result<Option<PhotoRow>> {
    optional(conn.query_row(
        &format!("SELECT {PHOTO_COLUMNS} FROM photos WHERE sha256 = ?1"),
        [sha256.as_str()],
        photo_row,
    ))
}

/// Writes photo metadata. With `files` (recorded here) a new row waits for upload; without
/// (pulled) the server evidently has the file. An existing row keeps its files, its upload
/// state and its finding: only what the content fixes is refreshed.
pub(super) fn upsert_photo(
    tx: &Transaction<'_>,
    meta: &PhotoMeta,
    files: Option<(String, String)>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (path, thumb) = files.unzip();
    let state = if path.is_some() {
        "waiting"
    } else {
        "uploaded"
    };
    let bytes = i64::try_from(meta.bytes)
        .map_err(|_| StoreError::invalid("bytes", "the photo is larger than any file can be"))?;
    tx.prepare_cached(
        "INSERT INTO photos (sha256, finding_id, path, thumb_path, width, height, bytes, taken_at,
            exif_lat, exif_lon, upload_state, uploaded_at, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12)
         ON CONFLICT (sha256) DO UPDATE SET
            finding_id = COALESCE(photos.finding_id, excluded.finding_id),
            path = COALESCE(photos.path, excluded.path),
            thumb_path = COALESCE(photos.thumb_path, excluded.thumb_path),
            width = excluded.width, height = excluded.height, bytes = excluded.bytes,
            taken_at = COALESCE(excluded.taken_at, photos.taken_at),
            exif_lat = COALESCE(excluded.exif_lat, photos.exif_lat),
            exif_lon = COALESCE(excluded.exif_lon, photos.exif_lon)",
    )?
    .execute(params![
        meta.sha256.as_str(),
        meta.finding_id.as_ref().map(FindingId::as_str),
        path,
        thumb,
        meta.width,
        meta.height,
        bytes,
        meta.taken_at.map(|t| t.format(TAKEN_AT_FORMAT).to_string()),
        meta.exif_lat,
        meta.exif_lon,
        state,
        ts(now)
    ])?;
    Ok(())
}
