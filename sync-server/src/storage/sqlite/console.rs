//! The console's queries on SQLite. Case filters become one `WHERE` over the `cases`
//! projection (its columns are indexed for exactly these filters); subtrees are ranges of org
//! paths, so a prefix test can use the `origin_path` index.
//!
//! `findings`, `finding_photos`, `photos` and `patrols` belong to the sync and photo areas. They
//! are read here with plain SQL, and a table that is not there yet reads as empty.

use super::util::{parse_ts, ts};
use super::SqliteTx;
use crate::storage::cases::StoredFacts;
use crate::storage::changes::Viewer;
use crate::storage::console::{
    is_root_path, open_states_sql, CaseFilter, CaseSort, ConsoleTx, PatrolRow, SortKey, Window,
};
use crate::storage::{Result, StorageError};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Value as Sql;
use rusqlite::OptionalExtension;
use std::collections::{BTreeMap, BTreeSet};
use yiwang_core::case::{Case, CaseState};
use yiwang_core::field::Patrol;
use yiwang_core::ids::{CaseId, CategoryCode, FindingId, GridId, PatrolId, PhotoHash, UserId};
use yiwang_core::measures::PatrolFacts;

/// The first string after every string that starts with `prefix`: org paths end in `/`, and
/// `0` is the character after `/`, so `[path, end)` is exactly the subtree.
fn prefix_end(prefix: &str) -> String {
    match prefix.strip_suffix('/') {
        Some(stem) => format!("{stem}0"),
        None => format!("{prefix}{}", char::MAX),
    }
}

/// `LIKE` pattern matching `text` anywhere, with the pattern characters escaped.
fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// A SQLite error that only says a table is not there (yet).
fn missing_table(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(_, Some(m)) if m.starts_with("no such table"))
}

/// A `WHERE` clause over `cases` being built, with its positional parameters.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    params: Vec<Sql>,
}

impl Where {
    fn push(&mut self, clause: impl Into<String>, params: impl IntoIterator<Item = Sql>) {
        self.clauses.push(clause.into());
        self.params.extend(params);
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".to_owned()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// The `can_see` rule of yiwang-core, in SQL.
    fn visible_to(&mut self, v: &Viewer) {
        let mut any = vec![];
        let mut params = vec![];
        if let Some(path) = &v.path {
            if is_root_path(path) {
                // The root unit's subtree is every case: no test at all, so a city's or a
                // county's queue walks the index its order or state wants, not the path's.
                return;
            }
            // `can_see` also admits a case whose holder lies in the subtree, but a holder is
            // always the origin unit or one of its ancestors (`Case::holder_on_origin_path`),
            // so a holder inside the subtree puts the origin there too: the origin's range is
            // the whole rule, and one range of the `cases_origin_state` index.
            any.push("(cases.origin_path >= ? AND cases.origin_path < ?)");
            params.extend([Sql::Text(path.clone()), Sql::Text(prefix_end(path))]);
        }
        if !v.grids.is_empty() {
            any.push("cases.grid_id IN (SELECT value FROM json_each(?))");
            params.push(Sql::Text(
                serde_json::to_string(&v.grids).unwrap_or_else(|_| "[]".into()),
            ));
        }
        if let Some(d) = &v.department {
            any.push("instr(cases.departments, ?) > 0");
            params.push(Sql::Text(format!(",{d},")));
        }
        if any.is_empty() {
            self.push("0", []);
        } else {
            self.push(format!("({})", any.join(" OR ")), params);
        }
    }

    fn filter(&mut self, f: &CaseFilter) {
        if !f.states.is_empty() {
            let marks = vec!["?"; f.states.len()].join(", ");
            self.push(
                format!("cases.state IN ({marks})"),
                f.states.iter().map(|s| Sql::Text(s.as_str().to_owned())),
            );
        }
        if let Some(u) = &f.holder_unit {
            self.push("cases.holder_unit = ?", [Sql::Text(u.0.clone())]);
        }
        for path in &f.origin_within {
            self.push(
                "(cases.origin_path >= ? AND cases.origin_path < ?)",
                [Sql::Text(path.clone()), Sql::Text(prefix_end(path))],
            );
        }
        if let Some(g) = &f.grid {
            self.push("cases.grid_id = ?", [Sql::Text(g.0.clone())]);
        }
        if let Some(c) = &f.category {
            let class_prefix = format!("{c}.");
            self.push(
                "(cases.category = ? OR substr(cases.category, 1, ?) = ?)",
                [
                    Sql::Text(c.0.clone()),
                    Sql::Integer(class_prefix.chars().count() as i64),
                    Sql::Text(class_prefix),
                ],
            );
        }
        if let Some(d) = &f.department {
            self.push(
                "instr(cases.departments, ?) > 0",
                [Sql::Text(format!(",{d},"))],
            );
        }
        if let Some(overdue) = f.overdue {
            // `yiwang_core::case::is_overdue` in SQL: at a department, past the deadline. The
            // console test `a_case_handled_after_its_deadline_reads_handled_late_not_overdue`
            // holds the two to the same answer.
            let test = "(cases.state IN ('dispatched', 'in_progress')
                         AND cases.deadline IS NOT NULL AND cases.deadline < ?)";
            let clause = if overdue {
                test.to_owned()
            } else {
                format!("NOT {test}")
            };
            self.push(clause, [Sql::Text(ts(f.now))]);
        }
        if let Some(s) = f.supervised {
            self.push(
                if s {
                    "cases.supervisions > 0"
                } else {
                    "cases.supervisions = 0"
                },
                [],
            );
        }
        if let Some(ch) = f.channel {
            let name = serde_json::to_value(ch)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            self.push("cases.channel = ?", [Sql::Text(name)]);
        }
        if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let p = contains_pattern(t);
            self.push(
                "(cases.description LIKE ? ESCAPE '\\' OR cases.id LIKE ? ESCAPE '\\'
                  OR coalesce(json_extract(cases.data, '$.address'), '') LIKE ? ESCAPE '\\'
                  OR coalesce(json_extract(cases.data, '$.contact'), '') LIKE ? ESCAPE '\\')",
                [
                    Sql::Text(p.clone()),
                    Sql::Text(p.clone()),
                    Sql::Text(p.clone()),
                    Sql::Text(p),
                ],
            );
        }
        if let Some(t) = f.reported_from {
            self.push("cases.reported_at >= ?", [Sql::Text(ts(t))]);
        }
        if let Some(t) = f.reported_to {
            self.push("cases.reported_at < ?", [Sql::Text(ts(t))]);
        }
        if let Some(ids) = &f.ids {
            self.push(
                "cases.id IN (SELECT value FROM json_each(?))",
                [Sql::Text(
                    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()),
                )],
            );
        }
        if let Some(e) = f.extension_requested {
            self.push(
                if e {
                    "json_extract(cases.data, '$.extension_requested') IS NOT NULL"
                } else {
                    "json_extract(cases.data, '$.extension_requested') IS NULL"
                },
                [],
            );
        }
        if let Some(r) = f.rating {
            const COUNTED: &str = "coalesce(json_extract(cases.data, '$.rating'),
                                            json_extract(cases.data, '$.operator_rating'))";
            match r.rating_name() {
                None => self.push(
                    format!(
                        "(cases.state = 'closed' AND cases.outcome IN ('resolved', 'resolved_on_spot')
                          AND {COUNTED} IS NULL)"
                    ),
                    [],
                ),
                Some(name) => self.push(format!("{COUNTED} = ?"), [Sql::Text(name)]),
            }
        }
        if let Some((d, returned)) = &f.charged {
            self.push(
                if *returned {
                    "coalesce(cases.department, '') <> ?"
                } else {
                    "cases.department = ?"
                },
                [Sql::Text(d.0.clone())],
            );
        }
        if let Some(t) = f.active_since {
            // The open states by name rather than `!= 'closed'`, so each side of the OR can be
            // read from an index.
            self.push(
                format!(
                    "(cases.state IN ({}) OR cases.updated_at >= ?)",
                    open_states_sql()
                ),
                [Sql::Text(ts(t))],
            );
        }
    }

    fn new(viewer: &Viewer, filter: &CaseFilter) -> Where {
        let mut w = Where::default();
        w.visible_to(viewer);
        w.filter(filter);
        w
    }
}

fn order_by(sort: CaseSort) -> String {
    let dir = if sort.descending { "DESC" } else { "ASC" };
    match sort.key {
        SortKey::ReportedAt => format!("cases.reported_at {dir}, cases.id {dir}"),
        SortKey::UpdatedAt => format!("cases.updated_at {dir}, cases.id {dir}"),
        SortKey::Deadline => {
            format!("cases.deadline IS NULL, cases.deadline {dir}, cases.id {dir}")
        }
    }
}

/// The columns [`patrol_from_row`] reads, over `patrols p`.
const PATROL_COLUMNS: &str = "p.id, p.grid_id, p.worker_id, p.started_at, p.ended_at, p.points,
     (SELECT count(*) FROM findings f WHERE f.patrol_id = p.id),
     (SELECT count(*) FROM findings f WHERE f.patrol_id = p.id AND f.case_id IS NOT NULL),
     COALESCE(p.received_at, p.started_at)";

type PatrolTimes = (PatrolRow, String, Option<String>, String);

fn patrol_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PatrolTimes> {
    Ok((
        PatrolRow {
            patrol: Patrol {
                id: r.get::<_, String>(0)?.into(),
                grid_id: r.get::<_, String>(1)?.into(),
                worker_id: r.get::<_, String>(2)?.into(),
                // Filled in from the text columns by the caller, which can report a bad time.
                started_at: DateTime::<Utc>::MIN_UTC,
                ended_at: None,
            },
            points: r.get::<_, i64>(5)?.max(0) as u64,
            findings: r.get::<_, i64>(6)?.max(0) as u64,
            reported: r.get::<_, i64>(7)?.max(0) as u64,
            received_at: DateTime::<Utc>::MIN_UTC,
        },
        r.get(3)?,
        r.get(4)?,
        r.get(8)?,
    ))
}

fn with_times((mut row, started, ended, received): PatrolTimes) -> Result<PatrolRow> {
    row.patrol.started_at = parse_ts(&started)?;
    row.patrol.ended_at = ended.as_deref().map(parse_ts).transpose()?;
    row.received_at = parse_ts(&received)?;
    Ok(row)
}

fn json_column<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(StorageError::from)
}

impl ConsoleTx for SqliteTx<'_> {
    fn find_cases(
        &mut self,
        viewer: &Viewer,
        filter: &CaseFilter,
        sort: CaseSort,
        window: Option<Window>,
    ) -> Result<Vec<Case>> {
        let mut w = Where::new(viewer, filter);
        let mut sql = format!(
            "SELECT cases.data FROM cases WHERE {} ORDER BY {}",
            w.sql(),
            order_by(sort)
        );
        if let Some(win) = window {
            sql.push_str(" LIMIT ? OFFSET ?");
            w.params
                .push(Sql::Integer(i64::try_from(win.limit).unwrap_or(i64::MAX)));
            w.params
                .push(Sql::Integer(i64::try_from(win.offset).unwrap_or(i64::MAX)));
        }
        let mut st = self.tx.prepare(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(w.params.iter()), |r| {
            r.get::<_, String>(0)
        })?;
        let mut out = vec![];
        for row in rows {
            out.push(json_column(&row?)?);
        }
        Ok(out)
    }

    fn find_case_ids(
        &mut self,
        viewer: &Viewer,
        filter: &CaseFilter,
        sort: CaseSort,
    ) -> Result<Vec<CaseId>> {
        let w = Where::new(viewer, filter);
        let sql = format!(
            "SELECT cases.id FROM cases WHERE {} ORDER BY {}",
            w.sql(),
            order_by(sort)
        );
        let mut st = self.tx.prepare(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(w.params.iter()), |r| {
            r.get::<_, String>(0)
        })?;
        let mut out = vec![];
        for row in rows {
            out.push(CaseId::from(row?));
        }
        Ok(out)
    }

    fn count_cases(&mut self, viewer: &Viewer, filter: &CaseFilter) -> Result<u64> {
        let w = Where::new(viewer, filter);
        let n: i64 = self.tx.query_row(
            &format!("SELECT count(*) FROM cases WHERE {}", w.sql()),
            rusqlite::params_from_iter(w.params.iter()),
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn count_cases_by_state(
        &mut self,
        viewer: &Viewer,
        filter: &CaseFilter,
    ) -> Result<BTreeMap<CaseState, u64>> {
        let w = Where::new(viewer, filter);
        let mut st = self.tx.prepare(&format!(
            "SELECT cases.state, count(*) FROM cases WHERE {} GROUP BY cases.state",
            w.sql()
        ))?;
        let rows = st.query_map(rusqlite::params_from_iter(w.params.iter()), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (state, n) = row?;
            let state = CaseState::parse(&state)
                .ok_or_else(|| StorageError::Invalid(format!("unknown case state {state}")))?;
            out.insert(state, n as u64);
        }
        Ok(out)
    }

    fn facts_of_cases(
        &mut self,
        viewer: &Viewer,
        filter: &CaseFilter,
    ) -> Result<Vec<(CaseId, Option<StoredFacts>)>> {
        let w = Where::new(viewer, filter);
        let mut st = self.tx.prepare(&format!(
            "SELECT cases.id, cases.facts, cases.facts_until FROM cases WHERE {}",
            w.sql()
        ))?;
        let rows = st.query_map(rusqlite::params_from_iter(w.params.iter()), |r| {
            let facts: Option<String> = r.get(1)?;
            let until: Option<String> = r.get(2)?;
            Ok((
                CaseId(r.get(0)?),
                StoredFacts::from_columns(facts.as_deref(), until.as_deref()),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn finding_of_case(
        &mut self,
        case: &CaseId,
        finding: Option<&FindingId>,
    ) -> Result<Option<serde_json::Value>> {
        let by_id = finding.map(|f| f.0.clone()).unwrap_or_default();
        let found: Option<(String, String)> = match self
            .tx
            .prepare_cached(
                "SELECT id, data FROM findings WHERE id = ?1 OR case_id = ?2
                 ORDER BY id = ?1 DESC LIMIT 1",
            )
            .and_then(|mut st| {
                st.query_row([&by_id, &case.0], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            }) {
            Ok(f) => f,
            Err(e) if missing_table(&e) => None,
            Err(e) => return Err(e.into()),
        };
        let Some((id, data)) = found else {
            return Ok(None);
        };
        let mut value: serde_json::Value = json_column(&data)?;
        // The photo list may live in its own table rather than in the stored record.
        if value.get("photos").is_none_or(|p| !p.is_array()) {
            let photos: Vec<String> = match self
                .tx
                .prepare_cached(
                    "SELECT sha256 FROM finding_photos WHERE finding_id = ?1 ORDER BY position",
                )
                .and_then(|mut st| {
                    st.query_map([&id], |r| r.get(0))?
                        .collect::<rusqlite::Result<Vec<_>>>()
                }) {
                Ok(p) => p,
                Err(e) if missing_table(&e) => vec![],
                Err(e) => return Err(e.into()),
            };
            if let Some(obj) = value.as_object_mut() {
                obj.insert("photos".into(), serde_json::json!(photos));
            }
        }
        Ok(Some(value))
    }

    fn stored_photos(&mut self, hashes: &[PhotoHash]) -> Result<BTreeSet<PhotoHash>> {
        if hashes.is_empty() {
            return Ok(BTreeSet::new());
        }
        let list = serde_json::to_string(hashes)?;
        let found = self
            .tx
            .prepare_cached(
                "SELECT sha256 FROM photos WHERE sha256 IN (SELECT value FROM json_each(?1))",
            )
            .and_then(|mut st| {
                st.query_map([&list], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            });
        match found {
            Ok(v) => Ok(v.iter().filter_map(|h| PhotoHash::parse(h)).collect()),
            Err(e) if missing_table(&e) => Ok(BTreeSet::new()),
            Err(e) => Err(e.into()),
        }
    }

    fn patrols_started_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        within: Option<&str>,
    ) -> Result<Vec<PatrolFacts>> {
        // Compare as text on a range a little wider than asked (an index range), and then
        // exactly on parsed instants.
        let (lo, hi) = crate::storage::sqlite::util::ts_window(from, to);
        // A subtree's grids, each read through `patrols_grid_started`: a county in a province
        // reads its own patrols, not the province's.
        let (path, end) = match within {
            Some(p) => (Some(p.to_owned()), Some(prefix_end(p))),
            None => (None, None),
        };
        let rows = self
            .tx
            .prepare_cached(
                "SELECT id, grid_id, worker_id, started_at, ended_at,
                        COALESCE(received_at, started_at), points FROM patrols
                 WHERE started_at >= ?1 AND started_at < ?2
                   AND (?3 IS NULL OR grid_id IN (
                        SELECT g.id FROM grids g JOIN org_units o ON o.id = g.community_id
                        WHERE o.path >= ?3 AND o.path < ?4))
                 ORDER BY started_at",
            )
            .and_then(|mut st| {
                st.query_map(rusqlite::params![lo, hi, path, end], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        let rows = match rows {
            Ok(r) => r,
            Err(e) if missing_table(&e) => return Ok(vec![]),
            Err(e) => return Err(e.into()),
        };
        let mut out = vec![];
        for (id, grid, worker, started, ended, received, points) in rows {
            let started_at = parse_ts(&started)?;
            if started_at < from || started_at >= to {
                continue;
            }
            out.push(PatrolFacts {
                patrol: Patrol {
                    id: id.into(),
                    grid_id: grid.into(),
                    worker_id: worker.into(),
                    started_at,
                    ended_at: ended.as_deref().map(parse_ts).transpose()?,
                },
                received_at: parse_ts(&received)?,
                track_points: points.max(0) as u64,
            });
        }
        Ok(out)
    }

    fn grid_windows_on(
        &mut self,
        day: NaiveDate,
        within: Option<&str>,
    ) -> Result<Vec<(GridId, u8)>> {
        let (path, end) = match within {
            Some(p) => (Some(p.to_owned()), Some(prefix_end(p))),
            None => (None, None),
        };
        let mut st = self.tx.prepare_cached(
            "SELECT w.grid_id, w.windows FROM grid_windows w
             WHERE w.day = ?1 AND (?2 IS NULL OR w.grid_id IN (
                   SELECT g.id FROM grids g JOIN org_units o ON o.id = g.community_id
                   WHERE o.path >= ?2 AND o.path < ?3))",
        )?;
        let rows = st.query_map(
            rusqlite::params![day.format("%Y-%m-%d").to_string(), path, end],
            |r| {
                let windows: i64 = r.get(1)?;
                Ok((GridId::from(r.get::<_, String>(0)?), (windows & 3) as u8))
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn patrol_start_range(&mut self) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
        let (first, last): (Option<String>, Option<String>) = self.tx.query_row(
            "SELECT min(started_at), max(started_at) FROM patrols",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        match (first, last) {
            (Some(a), Some(b)) => Ok(Some((parse_ts(&a)?, parse_ts(&b)?))),
            _ => Ok(None),
        }
    }

    fn display_names(&mut self, users: &[UserId]) -> Result<BTreeMap<UserId, String>> {
        if users.is_empty() {
            return Ok(BTreeMap::new());
        }
        let list = serde_json::to_string(users)?;
        let mut st = self.tx.prepare_cached(
            "SELECT id, display_name FROM users WHERE id IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = st.query_map([&list], |r| {
            Ok((UserId::from(r.get::<_, String>(0)?), r.get::<_, String>(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn patrol_rows(
        &mut self,
        grids: &[GridId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<PatrolRow>> {
        if grids.is_empty() {
            return Ok(vec![]);
        }
        // As in `patrols_started_between`: a text range a little wider, then exact instants.
        let (lo, hi) = crate::storage::sqlite::util::ts_window(from, to);
        let list = serde_json::to_string(grids)?;
        let rows = self
            .tx
            .prepare_cached(&format!(
                "SELECT {PATROL_COLUMNS} FROM patrols p
                 WHERE p.grid_id IN (SELECT value FROM json_each(?1))
                   AND p.started_at >= ?2 AND p.started_at < ?3
                 ORDER BY p.started_at, p.id"
            ))
            .and_then(|mut st| {
                st.query_map(rusqlite::params![list, lo, hi], patrol_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            });
        let rows = match rows {
            Ok(r) => r,
            Err(e) if missing_table(&e) => return Ok(vec![]),
            Err(e) => return Err(e.into()),
        };
        let mut out = vec![];
        for row in rows {
            let row = with_times(row)?;
            if row.patrol.started_at >= from && row.patrol.started_at < to {
                out.push(row);
            }
        }
        Ok(out)
    }

    fn patrol_row(&mut self, id: &PatrolId) -> Result<Option<PatrolRow>> {
        let row = self
            .tx
            .prepare_cached(&format!(
                "SELECT {PATROL_COLUMNS} FROM patrols p WHERE p.id = ?1"
            ))
            .and_then(|mut st| st.query_row([&id.0], patrol_from_row).optional());
        match row {
            Ok(r) => r.map(with_times).transpose(),
            Err(e) if missing_table(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn findings_of_patrol(&mut self, id: &PatrolId) -> Result<Vec<serde_json::Value>> {
        let rows = self
            .tx
            .prepare_cached(
                "SELECT data, case_id FROM findings WHERE patrol_id = ?1 ORDER BY observed_at, id",
            )
            .and_then(|mut st| {
                st.query_map([&id.0], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        let rows = match rows {
            Ok(r) => r,
            Err(e) if missing_table(&e) => return Ok(vec![]),
            Err(e) => return Err(e.into()),
        };
        let mut out = vec![];
        for (data, case_id) in rows {
            let mut v: serde_json::Value = json_column(&data)?;
            if let (Some(obj), Some(c)) = (v.as_object_mut(), case_id) {
                obj.entry("case_id").or_insert(serde_json::Value::String(c));
            }
            out.push(v);
        }
        Ok(out)
    }

    fn categories_of_open_cases(&mut self) -> Result<BTreeSet<CategoryCode>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT DISTINCT category FROM cases WHERE state != 'closed'")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0).map(CategoryCode))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_range_holds_exactly_its_subtree() {
        let p = "/210882/210882001/";
        let end = prefix_end(p);
        let inside = "/210882/210882001/210882001002/";
        let sibling = "/210882/2108820010/";
        let other = "/210882/210882002/";
        assert!(
            inside >= p && inside < end.as_str(),
            "a community lies in its township's range"
        );
        assert!(
            p >= p && p < end.as_str(),
            "the unit itself is in its own range"
        );
        assert!(
            !(sibling >= p && sibling < end.as_str()),
            "a sibling whose id extends ours is outside"
        );
        assert!(
            !(other >= p && other < end.as_str()),
            "the next township is outside"
        );
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(
            contains_pattern("50%_a\\"),
            "%50\\%\\_a\\\\%",
            "user text never acts as a wildcard"
        );
    }
}
