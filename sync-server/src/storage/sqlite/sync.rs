use super::util::{json, parse_ts, ts};
use super::SqliteTx;
use crate::storage::changes::{ChangeLogTx, Scope};
use crate::storage::sync::{OpFate, OpRecord, RejectedFilter, SyncTx};
use crate::storage::{Result, StorageError};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, OptionalExtension, Row};
use std::collections::HashMap;
use yiwang_core::error::{ErrorCode, ReceivedCode};
use yiwang_core::field::{Finding, Patrol, TrackPoint};
use yiwang_core::ids::{DeviceId, FindingId, GridId, OpId, PatrolId, UserId};
use yiwang_core::sync::{Entity, OpType, RejectedOp};

/// Savepoint names are per connection; ops never nest, so one name does.
const SAVEPOINT: &str = "yiwang_op";

fn conversion(col: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e))
}

fn json_col<T: serde::de::DeserializeOwned>(r: &Row<'_>, col: usize) -> rusqlite::Result<T> {
    let s: String = r.get(col)?;
    serde_json::from_str(&s).map_err(|e| conversion(col, e))
}

fn op_type_col(r: &Row<'_>, col: usize) -> rusqlite::Result<OpType> {
    let s: String = r.get(col)?;
    OpType::parse(&s).ok_or_else(|| {
        conversion(
            col,
            StorageError::Invalid(format!("unknown op type {s:?} in the ops table")),
        )
    })
}

fn ts_col(r: &Row<'_>, col: usize) -> rusqlite::Result<DateTime<Utc>> {
    parse_ts(&r.get::<_, String>(col)?)
}

fn op_row(r: &Row<'_>) -> rusqlite::Result<OpRecord> {
    let status: String = r.get(7)?;
    let data: Option<String> = r.get(11)?;
    Ok(OpRecord {
        op_id: OpId(r.get(0)?),
        device_id: DeviceId(r.get(1)?),
        user_id: UserId(r.get(2)?),
        op_type: op_type_col(r, 3)?,
        entity_id: r.get(4)?,
        at: ts_col(r, 5)?,
        received_at: ts_col(r, 6)?,
        fate: if status == "applied" {
            OpFate::Applied
        } else {
            OpFate::Rejected
        },
        code: r
            .get::<_, Option<String>>(8)?
            .map(|c| ReceivedCode::parse(&c)),
        message: r.get(9)?,
        seq: r.get(10)?,
        data: data
            .map(|d| serde_json::from_str(&d))
            .transpose()
            .map_err(|e| conversion(11, e))?,
        unit_path: r.get(12)?,
    })
}

fn patrol_row(r: &Row<'_>) -> rusqlite::Result<Patrol> {
    json_col(r, 0)
}

impl SqliteTx<'_> {
    /// Stores a new patrol `p`, received (its start) at `received_at`.
    fn store_patrol(&self, p: &Patrol, received_at: DateTime<Utc>) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO patrols(id, grid_id, worker_id, started_at, ended_at, data, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                p.id.0,
                p.grid_id.0,
                p.worker_id.0,
                ts(p.started_at),
                p.ended_at.map(ts),
                json(p),
                ts(received_at)
            ])?;
        Ok(())
    }

    fn log_patrol(&mut self, p: &Patrol) -> Result<()> {
        let scope = self.grid_scope(&p.grid_id)?.ok_or_else(|| {
            StorageError::Invalid(format!("patrol {}: unknown grid {}", p.id, p.grid_id))
        })?;
        self.record_change(Entity::Patrol, &p.id.0, &scope, &serde_json::to_value(p)?)?;
        Ok(())
    }
}

impl SyncTx for SqliteTx<'_> {
    fn op_savepoint(&mut self) -> Result<()> {
        self.tx
            .prepare_cached(&format!("SAVEPOINT {SAVEPOINT}"))?
            .execute([])?;
        Ok(())
    }

    fn op_release(&mut self) -> Result<()> {
        self.tx
            .prepare_cached(&format!("RELEASE {SAVEPOINT}"))?
            .execute([])?;
        Ok(())
    }

    fn op_rollback(&mut self) -> Result<()> {
        self.tx
            .prepare_cached(&format!("ROLLBACK TO {SAVEPOINT}"))?
            .execute([])?;
        self.op_release()
    }

    fn write_count(&mut self) -> u64 {
        // Rows changed by completed INSERT, UPDATE and DELETE statements (triggers included) on
        // this connection; a statement that fails changes nothing it counts.
        self.tx.total_changes()
    }

    fn op(&mut self, id: &OpId) -> Result<Option<OpRecord>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT op_id, device_id, user_id, type, entity_id, at, received_at, status, code,
                        message, seq, data, unit_path
                 FROM ops WHERE op_id = ?1",
            )?
            .query_row([&id.0], op_row)
            .optional()?)
    }

    fn ops_seen(&mut self, ids: &[OpId]) -> Result<HashMap<OpId, OpRecord>> {
        // One statement: the ids go in as a JSON array, each probes the primary key.
        let list = json(&ids.iter().map(|i| i.0.as_str()).collect::<Vec<_>>());
        let mut st = self.tx.prepare_cached(
            "SELECT op_id, device_id, user_id, type, entity_id, at, received_at, status, code,
                    message, seq, data, unit_path
             FROM ops WHERE op_id IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = st.query_map([list], op_row)?;
        let mut seen = HashMap::new();
        for r in rows {
            let r = r?;
            seen.insert(r.op_id.clone(), r);
        }
        Ok(seen)
    }

    fn insert_op(&mut self, op: &OpRecord) -> Result<bool> {
        let received_at = self.ts_cached(op.received_at);
        let n = self
            .tx
            .prepare_cached(
                "INSERT INTO ops(op_id, device_id, user_id, type, entity_id, at, received_at,
                                 status, code, message, seq, data, unit_path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT(op_id) DO NOTHING",
            )?
            .execute(params![
                op.op_id.0,
                op.device_id.0,
                op.user_id.0,
                op.op_type.as_str(),
                op.entity_id,
                ts(op.at),
                received_at,
                op.fate.as_str(),
                op.code.as_ref().map(ReceivedCode::as_str),
                op.message,
                op.seq,
                op.data.as_ref().map(json),
                op.unit_path
            ])?;
        Ok(n == 1)
    }

    fn touch_device(&mut self, device: &DeviceId, user: &UserId, now: DateTime<Utc>) -> Result<()> {
        // The device's name is the one it gave when it signed in.
        self.tx
            .prepare_cached(
                "INSERT INTO devices(device_id, user_id, name, first_seen, last_seen)
                 VALUES (?1, ?2, coalesce((SELECT device_name FROM tokens
                                           WHERE device_id = ?1 AND user_id = ?2
                                           ORDER BY created_at DESC LIMIT 1), ''), ?3, ?3)
                 ON CONFLICT(device_id) DO UPDATE SET user_id = ?2, last_seen = ?3,
                    name = coalesce((SELECT device_name FROM tokens
                                     WHERE device_id = ?1 AND user_id = ?2
                                     ORDER BY created_at DESC LIMIT 1), name)",
            )?
            .execute(params![device.0, user.0, ts(now)])?;
        Ok(())
    }

    fn rejected_ops(&mut self, filter: &RejectedFilter) -> Result<(Vec<RejectedOp>, bool)> {
        let mut st = self.tx.prepare_cached(
            "SELECT op_id, device_id, user_id, type, entity_id, at, received_at, status, code,
                    message, seq, data, unit_path
             FROM ops
             WHERE status = 'rejected' AND (
                   user_id = ?1
                OR (?2 IS NOT NULL AND substr(unit_path, 1, length(?2)) = ?2))
             ORDER BY received_at DESC, op_id DESC
             LIMIT ?3 OFFSET ?4",
        )?;
        let rows = st.query_map(
            params![
                filter.user.0,
                filter.path,
                i64::from(filter.limit) + 1,
                i64::from(filter.offset)
            ],
            op_row,
        )?;
        let mut out = vec![];
        for row in rows {
            let r = row?;
            out.push(RejectedOp {
                op_id: r.op_id,
                device_id: r.device_id,
                user_id: r.user_id,
                op_type: r.op_type,
                entity_id: r.entity_id,
                code: r.code.unwrap_or(ReceivedCode::Known(ErrorCode::Internal)),
                message: r.message.unwrap_or_default(),
                at: r.at,
                received_at: r.received_at,
                data: r.data.unwrap_or(serde_json::Value::Null),
            });
        }
        let more = out.len() > filter.limit as usize;
        out.truncate(filter.limit as usize);
        Ok((out, more))
    }

    fn grid_scope(&mut self, grid: &GridId) -> Result<Option<Scope>> {
        let path = match self.grid_paths.get(&grid.0) {
            Some(p) => p.clone(),
            None => {
                let path: Option<String> = self
                    .tx
                    .prepare_cached(
                        "SELECT o.path FROM grids g JOIN org_units o ON o.id = g.community_id
                         WHERE g.id = ?1",
                    )?
                    .query_row([&grid.0], |r| r.get(0))
                    .optional()?;
                self.grid_paths.insert(grid.0.clone(), path.clone());
                path
            }
        };
        Ok(path.map(|path| Scope::Area {
            path,
            grid: Some(grid.clone()),
            departments: vec![],
        }))
    }

    fn finding_scope(&mut self, finding: &FindingId) -> Result<Option<Scope>> {
        let grid: Option<String> = self
            .tx
            .prepare_cached("SELECT grid_id FROM findings WHERE id = ?1")?
            .query_row([&finding.0], |r| r.get(0))
            .optional()?;
        match grid {
            Some(g) => self.grid_scope(&GridId(g)),
            None => Ok(None),
        }
    }

    fn patrol(&mut self, id: &PatrolId) -> Result<Option<Patrol>> {
        Ok(self
            .tx
            .prepare_cached("SELECT data FROM patrols WHERE id = ?1")?
            .query_row([&id.0], patrol_row)
            .optional()?)
    }

    fn insert_patrol(&mut self, patrol: &Patrol, received_at: DateTime<Utc>) -> Result<()> {
        self.store_patrol(patrol, received_at)?;
        self.log_patrol(patrol)
    }

    fn append_track(&mut self, id: &PatrolId, points: &[TrackPoint]) -> Result<u64> {
        {
            let mut st = self.tx.prepare_cached(
                "INSERT INTO track_points(patrol_id, t, lat, lon, accuracy_m, mock)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for p in points {
                st.execute(params![id.0, ts(p.t), p.lat, p.lon, p.accuracy_m, p.mock])?;
            }
        }
        let total: i64 = self.tx.query_row(
            "UPDATE patrols SET points = points + ?2 WHERE id = ?1 RETURNING points",
            params![id.0, points.len() as i64],
            |r| r.get(0),
        )?;
        let total = u64::try_from(total).unwrap_or(0);
        if total == points.len() as u64 {
            crate::storage::coverage::count_patrol(self, id, total)?;
        }
        Ok(total)
    }

    fn patrol_received_at(&mut self, id: &PatrolId) -> Result<Option<DateTime<Utc>>> {
        let at: Option<String> = self
            .tx
            .prepare_cached("SELECT COALESCE(received_at, started_at) FROM patrols WHERE id = ?1")?
            .query_row([&id.0], |r| r.get(0))
            .optional()?;
        Ok(at.as_deref().map(parse_ts).transpose()?)
    }

    fn add_grid_windows(&mut self, grid: &GridId, day: NaiveDate, windows: u8) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO grid_windows(day, grid_id, windows) VALUES (?1, ?2, ?3)
                 ON CONFLICT(day, grid_id) DO UPDATE SET windows = windows | excluded.windows",
            )?
            .execute(rusqlite::params![
                day.format("%Y-%m-%d").to_string(),
                grid.0,
                i64::from(windows)
            ])?;
        Ok(())
    }

    fn track(&mut self, id: &PatrolId) -> Result<Vec<TrackPoint>> {
        self.track_page(id, 0, i64::MAX as u64)
    }

    fn track_page(&mut self, id: &PatrolId, offset: u64, limit: u64) -> Result<Vec<TrackPoint>> {
        let mut st = self.tx.prepare_cached(
            "SELECT t, lat, lon, accuracy_m, mock FROM track_points
             WHERE patrol_id = ?1 ORDER BY t, rowid LIMIT ?2 OFFSET ?3",
        )?;
        let (limit, offset) = (
            i64::try_from(limit).unwrap_or(i64::MAX),
            i64::try_from(offset).unwrap_or(i64::MAX),
        );
        let rows = st.query_map(params![id.0, limit, offset], |r| {
            Ok(TrackPoint {
                t: ts_col(r, 0)?,
                lat: r.get(1)?,
                lon: r.get(2)?,
                accuracy_m: r.get(3)?,
                mock: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn end_patrol(&mut self, id: &PatrolId, ended_at: DateTime<Utc>) -> Result<()> {
        let mut p = self.patrol(id)?.ok_or(StorageError::NotFound("patrol"))?;
        p.ended_at = Some(ended_at);
        self.tx
            .prepare_cached("UPDATE patrols SET ended_at = ?2, data = ?3 WHERE id = ?1")?
            .execute(params![p.id.0, ts(ended_at), json(&p)])?;
        self.log_patrol(&p)
    }

    fn finding(&mut self, id: &FindingId) -> Result<Option<Finding>> {
        Ok(self
            .tx
            .prepare_cached("SELECT data FROM findings WHERE id = ?1")?
            .query_row([&id.0], |r| json_col(r, 0))
            .optional()?)
    }

    fn insert_finding(&mut self, f: &Finding, received_at: DateTime<Utc>) -> Result<bool> {
        let scope = self.grid_scope(&f.grid_id)?.ok_or_else(|| {
            StorageError::Invalid(format!("finding {}: unknown grid {}", f.id, f.grid_id))
        })?;
        let disposition = serde_json::to_value(f.disposition)?;
        let data = json(f);
        let received_at = self.ts_cached(received_at);
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT INTO findings(id, grid_id, patrol_id, worker_id, category, disposition,
                                      case_id, observed_at, received_at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(id) DO NOTHING",
            )?
            .execute(params![
                f.id.0,
                f.grid_id.0,
                f.patrol_id.as_ref().map(|p| &p.0),
                f.worker_id.0,
                f.category_code.0,
                disposition.as_str().unwrap_or_default(),
                f.case_id.as_ref().map(|c| &c.0),
                ts(f.observed_at),
                received_at,
                data
            ])?;
        if inserted == 0 {
            return Ok(false);
        }
        if !f.photos.is_empty() {
            let mut st = self.tx.prepare_cached(
                "INSERT INTO finding_photos(finding_id, position, sha256) VALUES (?1, ?2, ?3)",
            )?;
            for (i, h) in f.photos.iter().enumerate() {
                st.execute(params![f.id.0, i as i64, h.as_str()])?;
            }
        }
        // The change log points at the finding's own row instead of copying it (migration 0002).
        self.log(Entity::Finding, &f.id.0, &scope, false, None)?;
        Ok(true)
    }
}
