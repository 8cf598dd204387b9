//! The console's queries on PostgreSQL. Case filters become one `WHERE` over the `cases`
//! projection (its columns are indexed for exactly these filters), built at run time with its
//! placeholders numbered as the parameters are added; subtrees are ranges of org paths, so a
//! prefix test can use the `origin_path` index.
//!
//! `findings`, `finding_photos`, `photos` and `patrols` belong to the sync and photo areas. They
//! are read here with plain SQL; unlike SQLite's, the PostgreSQL schema creates every table in
//! its first migration, so none can be missing.

use super::util::{parse_ts, ts};
use super::PgTx;
use crate::storage::cases::StoredFacts;
use crate::storage::changes::Viewer;
use crate::storage::console::{
    is_root_path, open_states_sql, CaseFilter, CaseSort, ConsoleTx, PatrolRow, SortKey, Window,
};
use crate::storage::{Result, StorageError};
use ::postgres::types::ToSql;
use ::postgres::Row;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};
use yiwang_core::case::{Case, CaseState};
use yiwang_core::field::Patrol;
use yiwang_core::ids::{CaseId, CategoryCode, FindingId, GridId, PatrolId, PhotoHash, UserId};
use yiwang_core::measures::PatrolFacts;

/// The first string after every string that starts with `prefix`: org paths end in `/`, and
/// `0` is the character after `/`, so `[path, end)` is exactly the subtree. (Text compares byte
/// by byte in the ledger's C collation, as in SQLite.)
fn prefix_end(prefix: &str) -> String {
    match prefix.strip_suffix('/') {
        Some(stem) => format!("{stem}0"),
        None => format!("{prefix}{}", char::MAX),
    }
}

/// `ILIKE` pattern matching `text` anywhere, with the pattern characters escaped.
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

/// A `WHERE` clause over `cases` being built, with its parameters: each is added with
/// [`Where::param`], which hands out its placeholder (`$1`, `$2`, … in the order added).
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl Where {
    /// Adds a parameter; returns its placeholder.
    fn param(&mut self, value: impl ToSql + Sync + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn push(&mut self, clause: impl Into<String>) {
        self.clauses.push(clause.into());
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "TRUE".to_owned()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// The parameters, in placeholder order, as a statement takes them.
    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| p.as_ref()).collect()
    }

    /// The `can_see` rule of yiwang-core, in SQL.
    /// The origin unit lies under `path`: one byte range of the `cases_origin_state` index
    /// (compared in the C collation the index has, whatever the database's).
    fn origin_within(&mut self, path: &str) -> String {
        let lo = self.param(path.to_owned());
        let hi = self.param(prefix_end(path));
        format!(
            "((cases.origin_path COLLATE \"C\") >= ({lo}::text COLLATE \"C\")
              AND (cases.origin_path COLLATE \"C\") < ({hi}::text COLLATE \"C\"))"
        )
    }

    fn visible_to(&mut self, v: &Viewer) {
        let mut any = vec![];
        if let Some(path) = &v.path {
            if is_root_path(path) {
                // The root unit's subtree is every case: no test at all, so a city's or a
                // county's queue reads the index its order or state wants, not the path's.
                return;
            }
            // `can_see` also admits a case whose holder lies in the subtree, but a holder is
            // always the origin unit or one of its ancestors (`Case::holder_on_origin_path`),
            // so the origin's range is the whole rule: one range of `cases_origin_state`.
            any.push(self.origin_within(path));
        }
        if !v.grids.is_empty() {
            let grids: Vec<String> = v.grids.iter().map(|g| g.0.clone()).collect();
            let p = self.param(grids);
            any.push(format!("cases.grid_id = ANY({p}::text[])"));
        }
        if let Some(d) = &v.department {
            let p = self.param(format!(",{d},"));
            any.push(format!("strpos(cases.departments, {p}::text) > 0"));
        }
        if any.is_empty() {
            self.push("FALSE");
        } else {
            self.push(format!("({})", any.join(" OR ")));
        }
    }

    fn filter(&mut self, f: &CaseFilter) {
        if !f.states.is_empty() {
            let states: Vec<String> = f.states.iter().map(|s| s.as_str().to_owned()).collect();
            let p = self.param(states);
            self.push(format!("cases.state = ANY({p}::text[])"));
        }
        if let Some(u) = &f.holder_unit {
            let p = self.param(u.0.clone());
            self.push(format!("cases.holder_unit = {p}"));
        }
        for path in &f.origin_within {
            let within = self.origin_within(path);
            self.push(within);
        }
        if let Some(g) = &f.grid {
            let p = self.param(g.0.clone());
            self.push(format!("cases.grid_id = {p}"));
        }
        if let Some(c) = &f.category {
            let code = self.param(c.0.clone());
            let class_prefix = self.param(format!("{c}."));
            // `length` and `left` count characters, as SQLite's `substr` does.
            self.push(format!(
                "(cases.category = {code}
                  OR left(cases.category, length({class_prefix}::text)) = {class_prefix}::text)"
            ));
        }
        if let Some(d) = &f.department {
            let p = self.param(format!(",{d},"));
            self.push(format!("strpos(cases.departments, {p}::text) > 0"));
        }
        if let Some(overdue) = f.overdue {
            // `yiwang_core::case::is_overdue` in SQL: at a department, past the deadline. The
            // console test `a_case_handled_after_its_deadline_reads_handled_late_not_overdue`
            // holds the two to the same answer.
            let now = self.param(ts(f.now));
            let test = format!(
                "(cases.state IN ('dispatched', 'in_progress')
                  AND cases.deadline IS NOT NULL AND cases.deadline < {now})"
            );
            self.push(if overdue { test } else { format!("NOT {test}") });
        }
        if let Some(e) = f.extension_requested {
            self.push(if e {
                "(cases.data::jsonb ->> 'extension_requested') IS NOT NULL"
            } else {
                "(cases.data::jsonb ->> 'extension_requested') IS NULL"
            });
        }
        if let Some(r) = f.rating {
            const COUNTED: &str = "coalesce(cases.data::jsonb ->> 'rating',
                                            cases.data::jsonb ->> 'operator_rating')";
            match r.rating_name() {
                None => self.push(format!(
                    "(cases.state = 'closed' AND cases.outcome IN ('resolved', 'resolved_on_spot')
                      AND {COUNTED} IS NULL)"
                )),
                Some(name) => {
                    let p = self.param(name);
                    self.push(format!("{COUNTED} = {p}"));
                }
            }
        }
        if let Some((d, returned)) = &f.charged {
            let p = self.param(d.0.clone());
            self.push(if *returned {
                format!("coalesce(cases.department, '') <> {p}")
            } else {
                format!("cases.department = {p}")
            });
        }
        if let Some(s) = f.supervised {
            self.push(if s {
                "cases.supervisions > 0"
            } else {
                "cases.supervisions = 0"
            });
        }
        if let Some(ch) = f.channel {
            let name = serde_json::to_value(ch)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let p = self.param(name);
            self.push(format!("cases.channel = {p}"));
        }
        if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            if t.contains('\0') {
                // PostgreSQL text cannot hold NUL, so no stored text contains one (and the
                // database would refuse the pattern).
                self.push("FALSE");
            } else {
                // `ILIKE`: SQLite's `LIKE` ignores ASCII case, and so does `ILIKE` under the
                // ledger's C ctype (and only ASCII case, as there).
                let p = self.param(contains_pattern(t));
                self.push(format!(
                    "(cases.description ILIKE {p} ESCAPE '\\' OR cases.id ILIKE {p} ESCAPE '\\'
                      OR coalesce(cases.data::jsonb ->> 'address', '') ILIKE {p} ESCAPE '\\'
                      OR coalesce(cases.data::jsonb ->> 'contact', '') ILIKE {p} ESCAPE '\\')"
                ));
            }
        }
        if let Some(t) = f.reported_from {
            let p = self.param(ts(t));
            self.push(format!("cases.reported_at >= {p}"));
        }
        if let Some(t) = f.reported_to {
            let p = self.param(ts(t));
            self.push(format!("cases.reported_at < {p}"));
        }
        if let Some(ids) = &f.ids {
            let ids: Vec<String> = ids.iter().map(|i| i.0.clone()).collect();
            let p = self.param(ids);
            self.push(format!("cases.id = ANY({p}::text[])"));
        }
        if let Some(t) = f.active_since {
            let p = self.param(ts(t));
            // The open states by name rather than `<> 'closed'`, so each side of the OR can be
            // read from an index.
            self.push(format!(
                "(cases.state IN ({}) OR cases.updated_at >= {p})",
                open_states_sql()
            ));
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
        // Cases without a deadline last in either direction, as SQLite's
        // `deadline IS NULL, deadline {dir}` orders them.
        SortKey::Deadline => format!("cases.deadline {dir} NULLS LAST, cases.id {dir}"),
    }
}

/// The columns [`patrol_from_row`] reads, over `patrols p`.
const PATROL_COLUMNS: &str = "p.id, p.grid_id, p.worker_id, p.started_at, p.ended_at, p.points,
     (SELECT count(*) FROM findings f WHERE f.patrol_id = p.id),
     (SELECT count(*) FROM findings f WHERE f.patrol_id = p.id AND f.case_id IS NOT NULL),
     COALESCE(p.received_at, p.started_at)";

fn patrol_from_row(r: &Row) -> Result<PatrolRow> {
    let started: String = r.get(3);
    let ended: Option<String> = r.get(4);
    let received: String = r.get(8);
    Ok(PatrolRow {
        patrol: Patrol {
            id: r.get::<_, String>(0).into(),
            grid_id: r.get::<_, String>(1).into(),
            worker_id: r.get::<_, String>(2).into(),
            started_at: parse_ts(&started)?,
            ended_at: ended.as_deref().map(parse_ts).transpose()?,
        },
        points: r.get::<_, i64>(5).max(0) as u64,
        findings: r.get::<_, i64>(6).max(0) as u64,
        reported: r.get::<_, i64>(7).max(0) as u64,
        received_at: parse_ts(&received)?,
    })
}

fn json_column<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(StorageError::from)
}

impl ConsoleTx for PgTx<'_> {
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
            let limit = w.param(i64::try_from(win.limit).unwrap_or(i64::MAX));
            let offset = w.param(i64::try_from(win.offset).unwrap_or(i64::MAX));
            sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
        }
        let rows = self.rows_dynamic(&sql, &w.refs())?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(json_column(&r.get::<_, String>(0))?);
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
        let rows = self.rows_dynamic(&sql, &w.refs())?;
        Ok(rows
            .iter()
            .map(|r| CaseId::from(r.get::<_, String>(0)))
            .collect())
    }

    fn count_cases(&mut self, viewer: &Viewer, filter: &CaseFilter) -> Result<u64> {
        let w = Where::new(viewer, filter);
        let rows = self.rows_dynamic(
            &format!("SELECT count(*) FROM cases WHERE {}", w.sql()),
            &w.refs(),
        )?;
        let n: i64 = rows.first().map_or(0, |r| r.get(0));
        Ok(n as u64)
    }

    fn count_cases_by_state(
        &mut self,
        viewer: &Viewer,
        filter: &CaseFilter,
    ) -> Result<BTreeMap<CaseState, u64>> {
        let w = Where::new(viewer, filter);
        let rows = self.rows_dynamic(
            &format!(
                "SELECT cases.state, count(*) FROM cases WHERE {} GROUP BY cases.state",
                w.sql()
            ),
            &w.refs(),
        )?;
        let mut out = BTreeMap::new();
        for r in rows {
            let state: String = r.get(0);
            let n: i64 = r.get(1);
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
        use postgres::fallible_iterator::FallibleIterator;
        let w = Where::new(viewer, filter);
        let sql = format!(
            "SELECT cases.id, cases.facts, cases.facts_until FROM cases WHERE {}",
            w.sql()
        );
        // Row by row as they arrive: a city's figures read half a million cases, and holding
        // every row before decoding any would double what the request takes in memory.
        let mut rows = self.tx.query_raw(sql.as_str(), w.refs().iter().copied())?;
        let mut out = vec![];
        while let Some(r) = rows.next()? {
            out.push((
                CaseId(r.get(0)),
                StoredFacts::from_columns(r.get(1), r.get(2)),
            ));
        }
        Ok(out)
    }

    fn finding_of_case(
        &mut self,
        case: &CaseId,
        finding: Option<&FindingId>,
    ) -> Result<Option<serde_json::Value>> {
        let by_id = finding.map(|f| f.0.clone()).unwrap_or_default();
        // The finding named by id first; among several naming the case, the first received
        // (SQLite takes the first inserted, by rowid, which PostgreSQL has no equal of).
        let Some(found) = self.opt_row(
            "SELECT id, data FROM findings WHERE id = $1 OR case_id = $2
             ORDER BY (id = $1) DESC, received_at, id LIMIT 1",
            &[&by_id, &case.0],
        )?
        else {
            return Ok(None);
        };
        let id: String = found.get(0);
        let mut value: serde_json::Value = json_column(&found.get::<_, String>(1))?;
        // The photo list may live in its own table rather than in the stored record.
        if value.get("photos").is_none_or(|p| !p.is_array()) {
            let photos: Vec<String> = self
                .rows(
                    "SELECT sha256 FROM finding_photos WHERE finding_id = $1 ORDER BY position",
                    &[&id],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
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
        let list: Vec<&str> = hashes.iter().map(PhotoHash::as_str).collect();
        let rows = self.rows(
            "SELECT sha256 FROM photos WHERE sha256 = ANY($1::text[])",
            &[&list],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| PhotoHash::parse(&r.get::<_, String>(0)))
            .collect())
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
        // `id` breaks ties in start time, which SQLite leaves in insertion order.
        // A subtree's grids, each read through `patrols_grid_started`: a county in a province
        // reads its own patrols, not the province's.
        let end = within.map(prefix_end);
        let rows = self.rows(
            "SELECT id, grid_id, worker_id, started_at, ended_at,
                    COALESCE(received_at, started_at), points FROM patrols
             WHERE started_at >= $1 AND started_at < $2
               AND ($3::text IS NULL OR grid_id IN (
                    SELECT g.id FROM grids g JOIN org_units o ON o.id = g.community_id
                    WHERE (o.path COLLATE \"C\") >= ($3::text COLLATE \"C\")
                      AND (o.path COLLATE \"C\") < ($4::text COLLATE \"C\")))
             ORDER BY started_at, id",
            &[&lo, &hi, &within, &end],
        )?;
        let mut out = vec![];
        for r in rows {
            let started_at = parse_ts(&r.get::<_, String>(3))?;
            if started_at < from || started_at >= to {
                continue;
            }
            let ended: Option<String> = r.get(4);
            out.push(PatrolFacts {
                patrol: Patrol {
                    id: r.get::<_, String>(0).into(),
                    grid_id: r.get::<_, String>(1).into(),
                    worker_id: r.get::<_, String>(2).into(),
                    started_at,
                    ended_at: ended.as_deref().map(parse_ts).transpose()?,
                },
                received_at: parse_ts(&r.get::<_, String>(5))?,
                track_points: r.get::<_, i64>(6).max(0) as u64,
            });
        }
        Ok(out)
    }

    fn grid_windows_on(
        &mut self,
        day: NaiveDate,
        within: Option<&str>,
    ) -> Result<Vec<(GridId, u8)>> {
        let end = within.map(prefix_end);
        let rows = self.rows(
            "SELECT w.grid_id, w.windows FROM grid_windows w
             WHERE w.day = $1 AND ($2::text IS NULL OR w.grid_id IN (
                   SELECT g.id FROM grids g JOIN org_units o ON o.id = g.community_id
                   WHERE (o.path COLLATE \"C\") >= ($2::text COLLATE \"C\")
                     AND (o.path COLLATE \"C\") < ($3::text COLLATE \"C\")))",
            &[&day.format("%Y-%m-%d").to_string(), &within, &end],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                let windows: i64 = r.get(1);
                (GridId::from(r.get::<_, String>(0)), (windows & 3) as u8)
            })
            .collect())
    }

    fn patrol_start_range(&mut self) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
        let r = self.one("SELECT min(started_at), max(started_at) FROM patrols", &[])?;
        let (first, last): (Option<String>, Option<String>) = (r.get(0), r.get(1));
        match (first, last) {
            (Some(a), Some(b)) => Ok(Some((parse_ts(&a)?, parse_ts(&b)?))),
            _ => Ok(None),
        }
    }

    fn display_names(&mut self, users: &[UserId]) -> Result<BTreeMap<UserId, String>> {
        if users.is_empty() {
            return Ok(BTreeMap::new());
        }
        let list: Vec<&str> = users.iter().map(|u| u.0.as_str()).collect();
        let rows = self.rows(
            "SELECT id, display_name FROM users WHERE id = ANY($1::text[])",
            &[&list],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| (UserId::from(r.get::<_, String>(0)), r.get::<_, String>(1)))
            .collect())
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
        let list: Vec<&str> = grids.iter().map(GridId::as_str).collect();
        let rows = self.rows(
            &format!(
                "SELECT {PATROL_COLUMNS} FROM patrols p
                 WHERE p.grid_id = ANY($1::text[])
                   AND p.started_at >= $2 AND p.started_at < $3
                 ORDER BY p.started_at, p.id"
            ),
            &[&list, &lo, &hi],
        )?;
        let mut out = vec![];
        for r in &rows {
            let row = patrol_from_row(r)?;
            if row.patrol.started_at >= from && row.patrol.started_at < to {
                out.push(row);
            }
        }
        Ok(out)
    }

    fn patrol_row(&mut self, id: &PatrolId) -> Result<Option<PatrolRow>> {
        self.opt_row(
            &format!("SELECT {PATROL_COLUMNS} FROM patrols p WHERE p.id = $1"),
            &[&id.0],
        )?
        .as_ref()
        .map(patrol_from_row)
        .transpose()
    }

    fn findings_of_patrol(&mut self, id: &PatrolId) -> Result<Vec<serde_json::Value>> {
        let rows = self.rows(
            "SELECT data, case_id FROM findings WHERE patrol_id = $1 ORDER BY observed_at, id",
            &[&id.0],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut v: serde_json::Value = json_column(&r.get::<_, String>(0))?;
            if let (Some(obj), Some(c)) = (v.as_object_mut(), r.get::<_, Option<String>>(1)) {
                obj.entry("case_id").or_insert(serde_json::Value::String(c));
            }
            out.push(v);
        }
        Ok(out)
    }

    fn categories_of_open_cases(&mut self) -> Result<BTreeSet<CategoryCode>> {
        let rows = self.rows(
            "SELECT DISTINCT category FROM cases WHERE state != 'closed'",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| CategoryCode(r.get::<_, String>(0)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_core::case::Channel;
    use yiwang_core::ids::{DepartmentId, OrgUnitId, UserId};

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

    #[test]
    fn every_placeholder_has_its_parameter() {
        let viewer = Viewer {
            path: Some("/1/2/".into()),
            grids: vec![GridId::from("g1"), GridId::from("g2")],
            department: Some(DepartmentId::from("power")),
            region: Some("/1/".into()),
            user: UserId::from("u"),
        };
        let filter = CaseFilter {
            states: vec![CaseState::Pending, CaseState::Closed],
            holder_unit: Some(OrgUnitId::from("2")),
            origin_within: vec!["/1/".into(), "/1/2/".into()],
            grid: Some(GridId::from("g1")),
            category: Some(CategoryCode::from("01")),
            department: Some(DepartmentId::from("power")),
            overdue: Some(false),
            supervised: Some(true),
            channel: Some(Channel::Grid),
            text: Some(" 50% ".into()),
            reported_from: Some(Utc::now()),
            reported_to: Some(Utc::now()),
            active_since: Some(Utc::now()),
            now: Utc::now(),
            ids: Some(vec![CaseId::from("c")]),
            extension_requested: Some(true),
            rating: Some(crate::storage::console::RatingFilter::Is(
                yiwang_core::case::Rating::Dissatisfied,
            )),
            charged: Some((DepartmentId::from("power"), true)),
        };
        let w = Where::new(&viewer, &filter);
        let sql = w.sql();
        let used: BTreeSet<usize> = sql
            .split('$')
            .skip(1)
            .map(|s| {
                let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().expect("a placeholder is numbered")
            })
            .collect();
        assert_eq!(w.params.len(), 23);
        assert_eq!(
            used,
            (1..=w.params.len()).collect(),
            "each parameter is used, and only those: {sql}"
        );
        assert!(!sql.contains('?'), "no SQLite placeholder is left");
    }
}
