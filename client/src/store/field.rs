//! Field work recorded on the device: patrols with their track, and findings (their photos are
//! `super::photos`).
//!
//! Every write here stores the record and appends its op to the outbox in one transaction.

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};
use rusqlite::{params, Connection, Row, Transaction};
use serde::{Deserialize, Serialize};
use yiwang_core::category::CategoryTree;
use yiwang_core::field::{
    is_accuracy, is_wgs84, Disposition, Finding, FindingDraft, Patrol, PatrolWindows, TrackPoint,
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

impl Store {
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
