use super::util::{json, ts};
use super::SqliteTx;
use crate::storage::cases::{departments_column, wire_name, CaseColumns, CaseTx, StoredFacts};
use crate::storage::changes::{ChangeLogTx, Scope};
use crate::storage::org::OrgTx;
use crate::storage::{Result, StorageError};
use rusqlite::{params, OptionalExtension};
use yiwang_core::case::{Case, CaseEvent};
use yiwang_core::ids::CaseId;
use yiwang_core::sync::Entity;

/// The pull id of an event: events have no id of their own.
pub fn event_change_id(e: &CaseEvent) -> String {
    format!("{}:{}", e.case_id, e.seq)
}

impl CaseTx for SqliteTx<'_> {
    fn case(&mut self, id: &CaseId) -> Result<Option<Case>> {
        let data: Option<String> = self
            .tx
            .prepare_cached("SELECT data FROM cases WHERE id = ?1")?
            .query_row([&id.0], |r| r.get(0))
            .optional()?;
        Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    fn duplicates_of(&mut self, id: &CaseId) -> Result<Vec<Case>> {
        // The expression and the condition of the `cases_duplicate_of` index (0013).
        let mut st = self.tx.prepare_cached(
            "SELECT data FROM cases
             WHERE outcome = 'duplicate' AND json_extract(data, '$.duplicate_of') = ?1
             ORDER BY closed_at, id",
        )?;
        let rows = st.query_map([&id.0], |r| r.get::<_, String>(0))?;
        let mut out = vec![];
        for row in rows {
            out.push(serde_json::from_str(&row?)?);
        }
        Ok(out)
    }

    fn case_events(&mut self, id: &CaseId) -> Result<Vec<CaseEvent>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT data FROM case_events WHERE case_id = ?1 ORDER BY seq")?;
        let rows = st.query_map([&id.0], |r| r.get::<_, String>(0))?;
        let mut out = vec![];
        for row in rows {
            out.push(serde_json::from_str(&row?)?);
        }
        Ok(out)
    }

    fn append_case_event(&mut self, case: &Case, event: &CaseEvent) -> Result<()> {
        if case.id != event.case_id || case.version != event.seq {
            return Err(StorageError::Invalid(format!(
                "case {} v{} does not follow event {}:{}",
                case.id, case.version, event.case_id, event.seq
            )));
        }
        let origin_path = self.unit_path(&case.origin_unit)?.ok_or_else(|| {
            StorageError::Invalid(format!(
                "case {}: unknown unit {}",
                case.id, case.origin_unit
            ))
        })?;
        let departments = departments_column(case);
        let case_json = json(case);
        let old: Option<(String, Option<String>, Option<String>)> = self
            .tx
            .prepare_cached("SELECT departments, facts, facts_until FROM cases WHERE id = ?1")?
            .query_row([&case.id.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let (old_departments, facts) = match old {
            None => (None, StoredFacts::after(None, event)),
            Some((departments, facts, until)) => (
                Some(departments),
                StoredFacts::after(
                    StoredFacts::from_columns(facts.as_deref(), until.as_deref()),
                    event,
                ),
            ),
        };
        let (facts, facts_until) = facts.map(|f| f.columns()).unzip();
        self.tx
            .prepare_cached(
                "INSERT INTO cases(id, version, head_hash, state, outcome, channel, category, urgent,
                    grid_id, origin_unit, origin_path, holder_unit, department, departments, deadline,
                    supervisions, reported_at, updated_at, closed_at, description, data, facts,
                    facts_until)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                    ?18, ?19, ?20, ?21, ?22, ?23)
                 ON CONFLICT(id) DO UPDATE SET version = ?2, head_hash = ?3, state = ?4,
                    outcome = ?5, holder_unit = ?12, department = ?13, departments = ?14,
                    deadline = ?15, supervisions = ?16, updated_at = ?18, closed_at = ?19,
                    data = ?21, facts = ?22, facts_until = ?23",
            )?
            .execute(params![
                case.id.0,
                case.version as i64,
                case.head_hash,
                case.state.as_str(),
                case.outcome.as_ref().and_then(wire_name),
                wire_name(&case.channel).unwrap_or_default(),
                case.category.0,
                case.urgent,
                case.grid_id.as_ref().map(|g| &g.0),
                case.origin_unit.0,
                origin_path,
                case.holder_unit.0,
                case.department.as_ref().map(|d| &d.0),
                departments,
                case.deadline.map(ts),
                i64::from(case.supervisions),
                ts(case.reported_at),
                ts(case.updated_at),
                case.closed_at.map(ts),
                case.description,
                case_json,
                facts,
                facts_until
            ])?;
        let event_json = json(event);
        // After the case row, which the event's foreign key names (a report creates both). The
        // primary key (case_id, seq) refuses a second event for the same version.
        self.tx
            .prepare_cached(
                "INSERT INTO case_events(case_id, seq, at, action, hash, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                event.case_id.0,
                event.seq as i64,
                ts(event.at),
                event.action.kind().as_str(),
                event.hash,
                event_json
            ])?;
        let scope = Scope::Area {
            path: origin_path,
            grid: case.grid_id.clone(),
            departments: case.departments.clone(),
        };
        self.record_change(
            Entity::Case,
            &case.id.0,
            &scope,
            &serde_json::to_value(case)?,
        )?;
        // A department the case reaches for the first time must see its whole history: re-log
        // the earlier events under the widened scope, so they get new sequence numbers too.
        if old_departments.is_some_and(|old| old != departments) {
            for e in self.case_events(&case.id)? {
                if e.seq < event.seq {
                    self.record_change(
                        Entity::CaseEvent,
                        &event_change_id(&e),
                        &scope,
                        &serde_json::to_value(&e)?,
                    )?;
                }
            }
        }
        self.record_change(
            Entity::CaseEvent,
            &event_change_id(event),
            &scope,
            &serde_json::from_str(&event_json)?,
        )?;
        Ok(())
    }

    fn rewrite_case_projection(&mut self, case: &Case) -> Result<()> {
        let data = json(case);
        self.tx
            .prepare_cached("UPDATE cases SET data = ?2 WHERE id = ?1")?
            .execute(params![case.id.0, data])?;
        self.tx
            .prepare_cached("UPDATE changes SET data = ?2 WHERE entity = 'case' AND id = ?1")?
            .execute(params![case.id.0, data])?;
        Ok(())
    }

    fn case_ids(&mut self) -> Result<Vec<CaseId>> {
        let mut st = self.tx.prepare("SELECT id FROM cases ORDER BY id")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0).map(CaseId))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn stored_case_facts(&mut self, id: &CaseId) -> Result<Option<StoredFacts>> {
        let row: Option<(Option<String>, Option<String>)> = self
            .tx
            .prepare_cached("SELECT facts, facts_until FROM cases WHERE id = ?1")?
            .query_row([&id.0], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(f, u)| StoredFacts::from_columns(f.as_deref(), u.as_deref())))
    }

    fn stored_case_columns(&mut self, id: &CaseId) -> Result<Option<CaseColumns>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT CAST(version AS TEXT), head_hash, state, outcome, channel, category,
                    CAST(urgent AS TEXT), grid_id, origin_unit, origin_path, holder_unit,
                    department, departments, deadline, CAST(supervisions AS TEXT), reported_at,
                    updated_at, closed_at
                 FROM cases WHERE id = ?1",
            )?
            .query_row([&id.0], |r| {
                let mut out = CaseColumns::default();
                for (i, v) in out.iter_mut().enumerate() {
                    *v = r.get(i)?;
                }
                Ok(out)
            })
            .optional()?)
    }

    fn set_case_facts(&mut self, id: &CaseId, facts: Option<&StoredFacts>) -> Result<()> {
        let (facts, until) = facts.map(StoredFacts::columns).unzip();
        self.tx
            .prepare_cached("UPDATE cases SET facts = ?2, facts_until = ?3 WHERE id = ?1")?
            .execute(params![id.0, facts, until])?;
        Ok(())
    }
}
