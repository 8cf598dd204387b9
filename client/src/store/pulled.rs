//! Pulled data: what the server sends down (docs/DESIGN.md §5) and the cursor that says how far.
//!
//! Each page of changes and its cursor are stored in one transaction, so a crash between the
//! two cannot skip changes (cursor ahead of the data) or apply them twice with a stale cursor.
//!
//! Change ids: a change's `id` is the id of the record it carries (org unit, grid, department,
//! category code, patrol, finding, photo hash, case, op id); for a case event it is
//! `{case_id}:{seq}`, which is only needed to delete one without its data.

use chrono::{DateTime, Utc};
use rusqlite::{params, Row, Transaction};
use serde::{Deserialize, Serialize};
use yiwang_core::case::{Case, CaseEvent, CaseState};
use yiwang_core::category::Category;
use yiwang_core::ids::{CaseId, DepartmentId, GridId, OrgUnitId, UserId};
use yiwang_core::org::{Department, Grid, OrgUnit};
use yiwang_core::sync::{Change, Entity, Record, RejectedOp};

use super::field::{upsert_finding, upsert_pulled_patrol};
use super::photos::upsert_photo;
use super::{enum_col, enum_text, json_col, opt_ts_col, optional, ts, Result, Store, StoreError};

/// Which pulled cases to list. The default lists all, most recently changed first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFilter {
    #[serde(default)]
    pub state: Option<CaseState>,
    #[serde(default)]
    pub grid_id: Option<GridId>,
    #[serde(default)]
    pub limit: Option<u32>,
}

impl Store {
    /// Stores one page of pulled changes and the cursor after it, in one transaction: either
    /// all of it lands or none does, and the next pull starts where the stored data ends.
    /// A change whose data does not parse as its entity fails the whole page.
    pub fn apply_pull(&self, changes: &[Change], new_cursor: &str) -> Result<()> {
        let now = self.now();
        self.write(|tx| {
            for change in changes {
                if change.deleted {
                    delete_pulled(tx, change)?;
                } else {
                    upsert_pulled(tx, change, now)?;
                }
            }
            tx.execute(
                "UPDATE sync_meta SET pull_cursor = ?1 WHERE id = 1",
                [new_cursor],
            )?;
            Ok(())
        })
    }

    /// Where the next pull starts; `None` before the first (or after a reset).
    pub fn cursor(&self) -> Result<Option<String>> {
        let conn = self.lock();
        Ok(
            conn.query_row("SELECT pull_cursor FROM sync_meta WHERE id = 1", [], |r| {
                r.get(0)
            })?,
        )
    }

    /// When a sync last completed.
    pub fn last_sync_at(&self) -> Result<Option<DateTime<Utc>>> {
        let conn = self.lock();
        Ok(
            conn.query_row("SELECT last_sync_at FROM sync_meta WHERE id = 1", [], |r| {
                opt_ts_col(r, 0)
            })?,
        )
    }

    /// Notes that a sync completed at `at`.
    pub fn set_last_sync_at(&self, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_meta SET last_sync_at = ?1 WHERE id = 1",
                [ts(at)],
            )?;
            Ok(())
        })
    }

    /// Forgets everything pulled, and the cursor, so the next pull rebuilds from the start
    /// (the server answered 412 to our cursor). The outbox and every record made on this
    /// device stay: they are not the server's to give back until it has them.
    pub fn reset_pulled(&self) -> Result<()> {
        self.write(|tx| {
            tx.execute_batch(
                "DELETE FROM org_units;
                 DELETE FROM grids;
                 DELETE FROM departments;
                 DELETE FROM categories;
                 DELETE FROM cases;
                 DELETE FROM case_events;
                 DELETE FROM rejected_ops;
                 DELETE FROM findings WHERE origin = 'pulled';
                 DELETE FROM patrols WHERE origin = 'pulled';
                 DELETE FROM photos WHERE path IS NULL;
                 UPDATE sync_meta SET pull_cursor = NULL WHERE id = 1;",
            )?;
            Ok(())
        })
    }

    /// The org units this user may see.
    pub fn org_units(&self) -> Result<Vec<OrgUnit>> {
        self.read(|tx| {
            let mut stmt =
                tx.prepare_cached("SELECT id, parent_id, name, level FROM org_units ORDER BY id")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(OrgUnit {
                        id: OrgUnitId::new(r.get::<_, String>(0)?),
                        parent_id: r.get::<_, Option<String>>(1)?.map(OrgUnitId::new),
                        name: r.get(2)?,
                        level: enum_col(r, 3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// The grids this user may see, with their polygons.
    pub fn grids(&self) -> Result<Vec<Grid>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT id, name, kind, community_id, polygon, worker_id FROM grids ORDER BY id",
            )?;
            let rows = stmt
                .query_map([], grid_row)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// The departments cases can be dispatched to.
    pub fn departments(&self) -> Result<Vec<Department>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached("SELECT id, name FROM departments ORDER BY id")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(Department {
                        id: DepartmentId::new(r.get::<_, String>(0)?),
                        name: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// The pulled category tree, flat, each class before its leaves (see
    /// [`yiwang_core::category::CategoryTree::from_nodes`]). Empty before the first pull.
    pub fn categories(&self) -> Result<Vec<Category>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached("SELECT json FROM categories ORDER BY code")?;
            let rows = stmt
                .query_map([], |r| json_col(r, 0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// Pulled cases matching `filter`, most recently changed first.
    pub fn cases(&self, filter: &CaseFilter) -> Result<Vec<Case>> {
        let state = filter.state.map(|s| s.as_str());
        let limit = filter.limit.map_or(-1, i64::from);
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT json FROM cases
                 WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR grid_id = ?2)
                 ORDER BY updated_at DESC, id DESC LIMIT ?3",
            )?;
            let rows = stmt
                .query_map(
                    params![state, filter.grid_id.as_ref().map(GridId::as_str), limit],
                    |r| json_col(r, 0),
                )?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// A pulled case.
    pub fn case(&self, id: &CaseId) -> Result<Case> {
        self.read(|tx| {
            optional(
                tx.query_row("SELECT json FROM cases WHERE id = ?1", [id.as_str()], |r| {
                    json_col(r, 0)
                }),
            )?
            .ok_or_else(|| StoreError::not_found("case", id))
        })
    }

    /// A case's events as pulled so far, in order.
    pub fn case_events(&self, id: &CaseId) -> Result<Vec<CaseEvent>> {
        self.read(|tx| {
            let mut stmt =
                tx.prepare_cached("SELECT json FROM case_events WHERE case_id = ?1 ORDER BY seq")?;
            let rows = stmt
                .query_map([id.as_str()], |r| json_col(r, 0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// Ops of this user the server rejected, as it keeps them (from any of the user's
    /// devices), oldest first. This device's own rejections are also in
    /// [`Store::outbox_rejected`].
    pub fn rejected_ops(&self) -> Result<Vec<RejectedOp>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached("SELECT json FROM rejected_ops ORDER BY op_id")?;
            let rows = stmt
                .query_map([], |r| json_col(r, 0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }
}

fn grid_row(r: &Row<'_>) -> rusqlite::Result<Grid> {
    Ok(Grid {
        id: GridId::new(r.get::<_, String>(0)?),
        name: r.get(1)?,
        kind: enum_col(r, 2)?,
        community_id: OrgUnitId::new(r.get::<_, String>(3)?),
        polygon: json_col(r, 4)?,
        worker_id: r.get::<_, Option<String>>(5)?.map(UserId::new),
    })
}

/// Refuses a change whose `id` is not the id of the record it carries: deleting it later by
/// that id would miss.
fn same_id(change: &Change, record_id: &str) -> Result<()> {
    if change.id == record_id {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "changes",
            format!(
                "change {} names {} {:?} but carries {record_id:?}; the server sent a bad page",
                change.seq,
                enum_text(&change.entity).unwrap_or_default(),
                change.id
            ),
        ))
    }
}

fn upsert_pulled(tx: &Transaction<'_>, change: &Change, now: DateTime<Utc>) -> Result<()> {
    // Records the server sends are stored as sent (`change.data`), so fields a newer server
    // adds survive here; parsing first proves the data is the record it claims to be.
    let raw = serde_json::to_string(&change.data)?;
    match change.record()? {
        Record::OrgUnit(u) => {
            same_id(change, u.id.as_str())?;
            tx.prepare_cached(
                "INSERT INTO org_units (id, parent_id, name, level) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id,
                    name = excluded.name, level = excluded.level",
            )?
            .execute(params![
                u.id.as_str(),
                u.parent_id.as_ref().map(OrgUnitId::as_str),
                u.name,
                enum_text(&u.level)?
            ])?;
        }
        Record::Grid(g) => {
            same_id(change, g.id.as_str())?;
            tx.prepare_cached(
                "INSERT INTO grids (id, name, kind, community_id, worker_id, polygon)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                    community_id = excluded.community_id, worker_id = excluded.worker_id,
                    polygon = excluded.polygon",
            )?
            .execute(params![
                g.id.as_str(),
                g.name,
                g.kind.as_str(),
                g.community_id.as_str(),
                g.worker_id.as_ref().map(UserId::as_str),
                serde_json::to_string(&g.polygon)?
            ])?;
        }
        Record::Department(d) => {
            same_id(change, d.id.as_str())?;
            tx.prepare_cached(
                "INSERT INTO departments (id, name) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            )?
            .execute(params![d.id.as_str(), d.name])?;
        }
        Record::Category(c) => {
            same_id(change, c.code.as_str())?;
            tx.prepare_cached(
                "INSERT INTO categories (code, parent, json) VALUES (?1, ?2, ?3)
                 ON CONFLICT (code) DO UPDATE SET parent = excluded.parent, json = excluded.json",
            )?
            .execute(params![
                c.code.as_str(),
                c.parent.as_ref().map(|p| p.as_str()),
                raw
            ])?;
        }
        Record::Patrol(p) => {
            same_id(change, p.id.as_str())?;
            upsert_pulled_patrol(tx, &p)?;
        }
        Record::Finding(f) => {
            same_id(change, f.id.as_str())?;
            upsert_finding(tx, &f, "pulled")?;
        }
        Record::Photo(meta) => {
            same_id(change, meta.sha256.as_str())?;
            upsert_photo(tx, &meta, None, now)?;
        }
        Record::Case(c) => {
            same_id(change, c.id.as_str())?;
            let version = i64::try_from(c.version)
                .map_err(|_| StoreError::invalid("version", "case version out of range"))?;
            // Server order is change order, but a late page must never roll a case back.
            tx.prepare_cached(
                "INSERT INTO cases (id, json, state, version, updated_at, grid_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET json = excluded.json, state = excluded.state,
                    version = excluded.version, updated_at = excluded.updated_at,
                    grid_id = excluded.grid_id
                 WHERE excluded.version >= cases.version",
            )?
            .execute(params![
                c.id.as_str(),
                raw,
                c.state.as_str(),
                version,
                ts(c.updated_at),
                c.grid_id.as_ref().map(GridId::as_str)
            ])?;
        }
        Record::CaseEvent(e) => {
            let seq = i64::try_from(e.seq)
                .map_err(|_| StoreError::invalid("seq", "event number out of range"))?;
            tx.prepare_cached(
                "INSERT INTO case_events (case_id, seq, json) VALUES (?1, ?2, ?3)
                 ON CONFLICT (case_id, seq) DO UPDATE SET json = excluded.json",
            )?
            .execute(params![e.case_id.as_str(), seq, raw])?;
        }
        Record::RejectedOp(r) => {
            same_id(change, r.op_id.as_str())?;
            tx.prepare_cached(
                "INSERT INTO rejected_ops (op_id, entity_id, code, message, json)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (op_id) DO UPDATE SET entity_id = excluded.entity_id,
                    code = excluded.code, message = excluded.message, json = excluded.json",
            )?
            .execute(params![
                r.op_id.as_str(),
                r.entity_id,
                r.code.as_str(),
                r.message,
                raw
            ])?;
            // A `duplicate` answer can hide an earlier rejection whose answer was lost on the
            // way; the server's record of it puts this device's op right.
            tx.prepare_cached(
                "UPDATE outbox SET state = 'rejected', code = ?2, message = ?3,
                    acked_at = COALESCE(acked_at, ?4)
                 WHERE op_id = ?1 AND state <> 'rejected'",
            )?
            .execute(params![
                r.op_id.as_str(),
                r.code.as_str(),
                r.message,
                ts(now)
            ])?;
        }
    }
    Ok(())
}

fn delete_pulled(tx: &Transaction<'_>, change: &Change) -> Result<()> {
    let id = change.id.as_str();
    match change.entity {
        Entity::OrgUnit => tx.execute("DELETE FROM org_units WHERE id = ?1", [id])?,
        Entity::Grid => tx.execute("DELETE FROM grids WHERE id = ?1", [id])?,
        Entity::Department => tx.execute("DELETE FROM departments WHERE id = ?1", [id])?,
        Entity::Category => tx.execute("DELETE FROM categories WHERE code = ?1", [id])?,
        // Track points and finding photos go with their rows (ON DELETE CASCADE).
        Entity::Patrol => tx.execute("DELETE FROM patrols WHERE id = ?1", [id])?,
        Entity::Finding => tx.execute("DELETE FROM findings WHERE id = ?1", [id])?,
        // A photo whose file is here stays until its upload is settled.
        Entity::Photo => tx.execute(
            "DELETE FROM photos WHERE sha256 = ?1 AND path IS NULL",
            [id],
        )?,
        Entity::Case => {
            tx.execute("DELETE FROM case_events WHERE case_id = ?1", [id])?;
            tx.execute("DELETE FROM cases WHERE id = ?1", [id])?
        }
        Entity::CaseEvent => match id.rsplit_once(':').map(|(c, s)| (c, s.parse::<i64>())) {
            Some((case_id, Ok(seq))) => tx.execute(
                "DELETE FROM case_events WHERE case_id = ?1 AND seq = ?2",
                params![case_id, seq],
            )?,
            _ => {
                return Err(StoreError::invalid(
                    "changes",
                    format!("case event id {id:?} is not `case_id:seq`"),
                ))
            }
        },
        // The server forgets its copy; this device's own op keeps its rejection to show.
        Entity::RejectedOp => tx.execute("DELETE FROM rejected_ops WHERE op_id = ?1", [id])?,
    };
    Ok(())
}
