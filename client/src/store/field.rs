//! Field work recorded on the device: patrols with their track, findings, and photos.
//!
//! Every write here stores the record and appends its op to the outbox in one transaction
//! (photos excepted: their bytes travel by upload, not by op, and a photo only matters once a
//! finding names it).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};
use yiwang_core::category::CategoryTree;
use yiwang_core::field::{
    is_accuracy, is_wgs84, Disposition, Finding, FindingDraft, Patrol, PatrolWindows, PhotoMeta,
    TrackPoint,
};
use yiwang_core::ids::{
    CaseId, CategoryCode, FindingId, GridId, OpId, PatrolId, PhotoHash, UserId,
};
use yiwang_core::sync::{OpType, PatrolEndData, PatrolStartData, PatrolTrackData};

use super::outbox::{sync_state, SyncState};
use super::session::current_user;
use super::{
    builtin_categories, enum_col, enum_text, micros, new_id, opt_ts_col, optional, push_op, ts,
    ts_col, Result, Store, StoreError,
};

/// A patrol with its sync state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatrolRow {
    pub patrol: Patrol,
    pub sync: SyncState,
}

/// A finding with its sync state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRow {
    pub finding: Finding,
    pub sync: SyncState,
}

/// Which findings to list. The default lists all, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingFilter {
    #[serde(default)]
    pub patrol_id: Option<PatrolId>,
    #[serde(default)]
    pub grid_id: Option<GridId>,
    #[serde(default)]
    pub limit: Option<u32>,
}

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

    /// Starts a patrol of `grid_id` for the signed-in worker (op `patrol.start`).
    ///
    /// Refused while another patrol of the same worker on this device is still open: a
    /// double tap must not make two patrols. Resume it with [`Store::open_patrol`].
    pub fn start_patrol(&self, grid_id: &GridId, started_at: DateTime<Utc>) -> Result<Patrol> {
        require_text("grid_id", grid_id.as_str())?;
        let started_at = micros(started_at);
        let now = self.now();
        self.write(|tx| {
            let user = current_user(tx)?;
            if let Some(open) = open_patrol_id(tx, &user.id)? {
                return Err(StoreError::PatrolStillOpen { id: open });
            }
            let patrol = Patrol {
                id: PatrolId::new(new_id()),
                grid_id: grid_id.clone(),
                worker_id: user.id,
                started_at,
                ended_at: None,
            };
            tx.execute(
                "INSERT INTO patrols (id, grid_id, worker_id, started_at, ended_at, origin)
                 VALUES (?1, ?2, ?3, ?4, NULL, 'local')",
                params![
                    patrol.id.as_str(),
                    patrol.grid_id.as_str(),
                    patrol.worker_id.as_str(),
                    ts(started_at)
                ],
            )?;
            let data = PatrolStartData {
                grid_id: patrol.grid_id.clone(),
                started_at,
            };
            push_op(tx, OpType::PatrolStart, patrol.id.as_str(), now, &data)?;
            Ok(patrol)
        })
    }

    /// Adds GPS fixes to an open patrol (op `patrol.track` carrying exactly these points).
    /// Nothing is written, and `None` returned, for no points.
    pub fn add_track_points(
        &self,
        patrol_id: &PatrolId,
        points: &[TrackPoint],
    ) -> Result<Option<OpId>> {
        if points.is_empty() {
            return Ok(None);
        }
        let points: Vec<TrackPoint> = points
            .iter()
            .map(|p| {
                check_position("points", p.lat, p.lon, p.accuracy_m)?;
                Ok(TrackPoint {
                    t: micros(p.t),
                    ..*p
                })
            })
            .collect::<Result<_>>()?;
        let now = self.now();
        self.write(|tx| {
            let patrol = own_patrol(tx, patrol_id)?;
            if patrol.ended_at.is_some() {
                return Err(StoreError::PatrolAlreadyEnded { id: patrol.id });
            }
            let mut insert = tx.prepare_cached(
                "INSERT INTO track_points (patrol_id, t, lat, lon, accuracy_m, mock)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for p in &points {
                insert.execute(params![
                    patrol_id.as_str(),
                    ts(p.t),
                    p.lat,
                    p.lon,
                    p.accuracy_m,
                    p.mock
                ])?;
            }
            let data = PatrolTrackData { points };
            push_op(tx, OpType::PatrolTrack, patrol_id.as_str(), now, &data).map(Some)
        })
    }

    /// Ends a patrol (op `patrol.end`). Ending it twice is refused.
    pub fn end_patrol(&self, patrol_id: &PatrolId, ended_at: DateTime<Utc>) -> Result<Patrol> {
        let ended_at = micros(ended_at);
        let now = self.now();
        self.write(|tx| {
            let mut patrol = own_patrol(tx, patrol_id)?;
            if patrol.ended_at.is_some() {
                return Err(StoreError::PatrolAlreadyEnded { id: patrol.id });
            }
            if ended_at < patrol.started_at {
                return Err(StoreError::invalid(
                    "ended_at",
                    "a patrol cannot end before it started; check the device's clock",
                ));
            }
            tx.execute(
                "UPDATE patrols SET ended_at = ?2 WHERE id = ?1",
                params![patrol_id.as_str(), ts(ended_at)],
            )?;
            patrol.ended_at = Some(ended_at);
            push_op(
                tx,
                OpType::PatrolEnd,
                patrol_id.as_str(),
                now,
                &PatrolEndData { ended_at },
            )?;
            Ok(patrol)
        })
    }

    /// Records a finding with its photos (op `finding.create`). A `report` gets its case id
    /// here, so the case can be named before the server has seen it. The finding rules are
    /// core's ([`Finding::record`]), the ones the server applies again.
    pub fn create_finding(&self, mut draft: FindingDraft) -> Result<Finding> {
        require_text("grid_id", draft.grid_id.as_str())?;
        draft.observed_at = micros(draft.observed_at);
        draft.case_id = (draft.disposition == Disposition::Report).then(|| CaseId::new(new_id()));
        let now = self.now();

        self.write(|tx| {
            let user = current_user(tx)?;
            let finding = Finding::record(
                FindingId::new(new_id()),
                user.id,
                draft,
                &category_tree(tx)?,
            )?;
            if let Some(p) = &finding.patrol_id {
                patrol(tx, p)?;
            }
            for h in &finding.photos {
                let known: bool = tx
                    .prepare_cached("SELECT EXISTS (SELECT 1 FROM photos WHERE sha256 = ?1)")?
                    .query_row([h.as_str()], |r| r.get(0))?;
                if !known {
                    return Err(StoreError::invalid(
                        "photos",
                        format!("photo {h} was not saved on this device; take or pick it again"),
                    ));
                }
            }
            upsert_finding(tx, &finding, "local")?;
            // The upload names the finding the photo belongs to; the first finding keeps it.
            tx.prepare_cached(
                "UPDATE photos SET finding_id = ?1 WHERE sha256 = ?2 AND finding_id IS NULL",
            )
            .and_then(|mut stmt| {
                for h in &finding.photos {
                    stmt.execute(params![finding.id.as_str(), h.as_str()])?;
                }
                Ok(())
            })?;
            push_op(
                tx,
                OpType::FindingCreate,
                finding.id.as_str(),
                now,
                &finding.draft(),
            )?;
            Ok(finding)
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

    /// A patrol with its sync state.
    pub fn patrol(&self, id: &PatrolId) -> Result<PatrolRow> {
        self.read(|tx| {
            let patrol = patrol(tx, id)?;
            let sync = sync_state(tx, patrol.id.as_str())?;
            Ok(PatrolRow { patrol, sync })
        })
    }

    /// The signed-in worker's patrol on this device that has not ended, if any: what to
    /// resume after the app was closed mid-patrol.
    pub fn open_patrol(&self) -> Result<Option<PatrolRow>> {
        self.read(|tx| {
            let user = current_user(tx)?;
            let Some(id) = open_patrol_id(tx, &user.id)? else {
                return Ok(None);
            };
            let patrol = patrol(tx, &id)?;
            let sync = sync_state(tx, id.as_str())?;
            Ok(Some(PatrolRow { patrol, sync }))
        })
    }

    /// Patrols started in `[from, to)`, oldest first.
    pub fn patrols_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<PatrolRow>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT id, grid_id, worker_id, started_at, ended_at FROM patrols
                 WHERE started_at >= ?1 AND started_at < ?2 ORDER BY started_at, id",
            )?;
            let patrols: Vec<Patrol> = stmt
                .query_map(params![ts(from), ts(to)], patrol_row)?
                .collect::<rusqlite::Result<_>>()?;
            patrols
                .into_iter()
                .map(|patrol| {
                    let sync = sync_state(tx, patrol.id.as_str())?;
                    Ok(PatrolRow { patrol, sync })
                })
                .collect()
        })
    }

    /// Patrols started today, by the county's local day (the patrol windows' UTC offset), as
    /// the store's clock tells it.
    pub fn patrols_today(&self) -> Result<Vec<PatrolRow>> {
        let offset_secs = PatrolWindows::default().utc_offset_seconds;
        let offset = chrono::FixedOffset::east_opt(offset_secs)
            .ok_or_else(|| StoreError::invalid("utc_offset", "not a valid offset"))?;
        let local_day = self.now().with_timezone(&offset).date_naive();
        let from = NaiveDateTime::new(local_day, NaiveTime::MIN).and_utc()
            - Duration::seconds(i64::from(offset_secs));
        self.patrols_between(from, from + Duration::days(1))
    }

    /// A patrol's GPS track, in time order.
    pub fn track(&self, patrol_id: &PatrolId) -> Result<Vec<TrackPoint>> {
        self.read(|tx| {
            patrol(tx, patrol_id)?;
            let mut stmt = tx.prepare_cached(
                "SELECT t, lat, lon, accuracy_m, mock FROM track_points
                 WHERE patrol_id = ?1 ORDER BY t, id",
            )?;
            let points = stmt
                .query_map([patrol_id.as_str()], |r| {
                    Ok(TrackPoint {
                        t: ts_col(r, 0)?,
                        lat: r.get(1)?,
                        lon: r.get(2)?,
                        accuracy_m: r.get(3)?,
                        mock: r.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(points)
        })
    }

    /// Findings matching `filter`, newest first, each with its sync state.
    pub fn findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRow>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {FINDING_COLUMNS} FROM findings
                 WHERE (?1 IS NULL OR patrol_id = ?1) AND (?2 IS NULL OR grid_id = ?2)
                 ORDER BY observed_at DESC, id DESC LIMIT ?3"
            ))?;
            let limit = filter.limit.map_or(-1, i64::from);
            let findings: Vec<Finding> = stmt
                .query_map(
                    params![
                        filter.patrol_id.as_ref().map(PatrolId::as_str),
                        filter.grid_id.as_ref().map(GridId::as_str),
                        limit
                    ],
                    finding_row,
                )?
                .collect::<rusqlite::Result<_>>()?;
            findings
                .into_iter()
                .map(|f| finding_with_state(tx, f))
                .collect()
        })
    }

    /// A finding with its photos and sync state.
    pub fn finding(&self, id: &FindingId) -> Result<FindingRow> {
        self.read(|tx| {
            let f = optional(tx.query_row(
                &format!("SELECT {FINDING_COLUMNS} FROM findings WHERE id = ?1"),
                [id.as_str()],
                finding_row,
            ))?
            .ok_or_else(|| StoreError::not_found("finding", id))?;
            finding_with_state(tx, f)
        })
    }
}

fn require_text(field: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(StoreError::invalid(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// Refuses positions no receiver can report. Zero accuracy is kept: it is marked suspect when
/// read ([`yiwang_core::field::LocationQuality`]), not thrown away.
fn check_position(field: &'static str, lat: f64, lon: f64, acc: Option<f64>) -> Result<()> {
    if !is_wgs84(lat, lon) {
        return Err(StoreError::invalid(
            field,
            format!("({lat}, {lon}) is not a WGS-84 latitude and longitude"),
        ));
    }
    if !is_accuracy(acc) {
        return Err(StoreError::invalid(
            field,
            "accuracy_m must be a distance in metres, zero or more",
        ));
    }
    Ok(())
}

/// The county's category tree as this device has it: the pulled one, or, before the first
/// pull, the built-in tree the server seeds from. A pulled tree that does not form a tree
/// (never sent by our server) falls back to the built-in one, as the views do.
fn category_tree(conn: &Connection) -> Result<CategoryTree> {
    let mut stmt = conn.prepare_cached("SELECT json FROM categories")?;
    let nodes = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|r| Ok(serde_json::from_str(&r?)?))
        .collect::<Result<Vec<_>>>()?;
    if nodes.is_empty() {
        return Ok(builtin_categories().clone());
    }
    Ok(CategoryTree::from_nodes(nodes).unwrap_or_else(|_| builtin_categories().clone()))
}

fn path_text(field: &'static str, p: &Path) -> Result<String> {
    p.to_str()
        .map(str::to_owned)
        .ok_or_else(|| StoreError::invalid(field, format!("{} is not valid UTF-8", p.display())))
}

fn open_patrol_id(conn: &Connection, worker: &UserId) -> Result<Option<PatrolId>> {
    optional(conn.query_row(
        "SELECT id FROM patrols WHERE worker_id = ?1 AND ended_at IS NULL AND origin = 'local'
         ORDER BY started_at DESC LIMIT 1",
        [worker.as_str()],
        |r| Ok(PatrolId::new(r.get::<_, String>(0)?)),
    ))
}

pub(super) fn patrol(conn: &Connection, id: &PatrolId) -> Result<Patrol> {
    optional(conn.query_row(
        "SELECT id, grid_id, worker_id, started_at, ended_at FROM patrols WHERE id = ?1",
        [id.as_str()],
        patrol_row,
    ))?
    .ok_or_else(|| StoreError::not_found("patrol", id))
}

/// A patrol the signed-in worker may add to or end.
fn own_patrol(conn: &Connection, id: &PatrolId) -> Result<Patrol> {
    let user = current_user(conn)?;
    let patrol = patrol(conn, id)?;
    if patrol.worker_id != user.id {
        return Err(StoreError::invalid(
            "patrol_id",
            format!("patrol {id} is another worker's; only they can change it"),
        ));
    }
    Ok(patrol)
}

fn patrol_row(r: &Row<'_>) -> rusqlite::Result<Patrol> {
    Ok(Patrol {
        id: PatrolId::new(r.get::<_, String>(0)?),
        grid_id: GridId::new(r.get::<_, String>(1)?),
        worker_id: UserId::new(r.get::<_, String>(2)?),
        started_at: ts_col(r, 3)?,
        ended_at: opt_ts_col(r, 4)?,
    })
}

/// Writes a pulled patrol. A local patrol keeps its origin, and its end: a patrol ended here
/// whose `patrol.end` has not reached the server yet must not reopen.
pub(super) fn upsert_pulled_patrol(tx: &Transaction<'_>, p: &Patrol) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO patrols (id, grid_id, worker_id, started_at, ended_at, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pulled')
         ON CONFLICT (id) DO UPDATE SET grid_id = excluded.grid_id,
            worker_id = excluded.worker_id, started_at = excluded.started_at,
            ended_at = COALESCE(excluded.ended_at, patrols.ended_at)",
    )?
    .execute(params![
        p.id.as_str(),
        p.grid_id.as_str(),
        p.worker_id.as_str(),
        ts(micros(p.started_at)),
        p.ended_at.map(|t| ts(micros(t)))
    ])?;
    Ok(())
}

const FINDING_COLUMNS: &str = "id, grid_id, patrol_id, worker_id, category_code, description, \
     lat, lon, accuracy_m, mock_location, observed_at, disposition, case_id, urgent";

/// A finding without its photos, which [`finding_with_state`] adds.
fn finding_row(r: &Row<'_>) -> rusqlite::Result<Finding> {
    Ok(Finding {
        id: FindingId::new(r.get::<_, String>(0)?),
        grid_id: GridId::new(r.get::<_, String>(1)?),
        patrol_id: r.get::<_, Option<String>>(2)?.map(PatrolId::new),
        worker_id: UserId::new(r.get::<_, String>(3)?),
        category_code: CategoryCode::new(r.get::<_, String>(4)?),
        description: r.get(5)?,
        lat: r.get(6)?,
        lon: r.get(7)?,
        accuracy_m: r.get(8)?,
        mock_location: r.get(9)?,
        observed_at: ts_col(r, 10)?,
        disposition: enum_col(r, 11)?,
        photos: Vec::new(),
        case_id: r.get::<_, Option<String>>(12)?.map(CaseId::new),
        urgent: r.get(13)?,
    })
}

fn finding_with_state(conn: &Connection, mut finding: Finding) -> Result<FindingRow> {
    let mut stmt = conn.prepare_cached(
        "SELECT sha256 FROM finding_photos WHERE finding_id = ?1 ORDER BY position",
    )?;
    finding.photos = stmt
        .query_map([finding.id.as_str()], |r| {
            let s: String = r.get(0)?;
            PhotoHash::parse(&s).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    format!("not a SHA-256: {s:?}").into(),
                )
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let sync = sync_state(conn, finding.id.as_str())?;
    Ok(FindingRow { finding, sync })
}

/// Writes a finding and its ordered photo list. `origin` applies only when the row is new: a
/// local finding pulled back stays local.
pub(super) fn upsert_finding(tx: &Transaction<'_>, f: &Finding, origin: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO findings (id, grid_id, patrol_id, worker_id, category_code, description,
            lat, lon, accuracy_m, mock_location, observed_at, disposition, case_id, urgent, origin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET grid_id = excluded.grid_id,
            patrol_id = excluded.patrol_id, worker_id = excluded.worker_id,
            category_code = excluded.category_code, description = excluded.description,
            lat = excluded.lat, lon = excluded.lon, accuracy_m = excluded.accuracy_m,
            mock_location = excluded.mock_location, observed_at = excluded.observed_at,
            disposition = excluded.disposition, case_id = excluded.case_id,
            urgent = excluded.urgent",
    )?
    .execute(params![
        f.id.as_str(),
        f.grid_id.as_str(),
        f.patrol_id.as_ref().map(PatrolId::as_str),
        f.worker_id.as_str(),
        f.category_code.as_str(),
        f.description,
        f.lat,
        f.lon,
        f.accuracy_m,
        f.mock_location,
        ts(micros(f.observed_at)),
        enum_text(&f.disposition)?,
        f.case_id.as_ref().map(CaseId::as_str),
        f.urgent,
        origin
    ])?;
    tx.prepare_cached("DELETE FROM finding_photos WHERE finding_id = ?1")?
        .execute([f.id.as_str()])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO finding_photos (finding_id, position, sha256) VALUES (?1, ?2, ?3)",
    )?;
    for (position, h) in f.photos.iter().enumerate() {
        insert.execute(params![f.id.as_str(), position as i64, h.as_str()])?;
    }
    Ok(())
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
