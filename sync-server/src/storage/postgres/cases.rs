//! PostgreSQL: cases and their events, the ledger proper (the port of `sqlite/cases.rs`).

use super::util::{json, ts};
use super::PgTx;
use crate::storage::cases::{departments_column, wire_name, CaseColumns, CaseTx, StoredFacts};
use crate::storage::changes::{ChangeLogTx, Scope};
use crate::storage::org::OrgTx;
use crate::storage::{Result, StorageError};
use yiwang_core::case::{Case, CaseEvent};
use yiwang_core::ids::CaseId;
use yiwang_core::sync::Entity;

/// The pull id of an event: events have no id of their own. (The same as SQLite's
/// `event_change_id`, whose module is private to `sqlite`.)
fn event_change_id(e: &CaseEvent) -> String {
    format!("{}:{}", e.case_id, e.seq)
}

impl CaseTx for PgTx<'_> {
    fn case(&mut self, id: &CaseId) -> Result<Option<Case>> {
        self.opt_row("SELECT data FROM cases WHERE id = $1", &[&id.0])?
            .map(|r| Ok(serde_json::from_str(r.get::<_, &str>(0))?))
            .transpose()
    }

    fn duplicates_of(&mut self, id: &CaseId) -> Result<Vec<Case>> {
        // The expression and the condition of the `cases_duplicate_of` index (0013).
        self.json_rows(
            "SELECT data FROM cases
             WHERE outcome = 'duplicate' AND (data::jsonb ->> 'duplicate_of') = $1
             ORDER BY closed_at, id",
            &id.0,
        )
    }

    fn case_events(&mut self, id: &CaseId) -> Result<Vec<CaseEvent>> {
        self.json_rows(
            "SELECT data FROM case_events WHERE case_id = $1 ORDER BY seq",
            &id.0,
        )
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
        let old = self.opt_row(
            "SELECT departments, facts, facts_until FROM cases WHERE id = $1",
            &[&case.id.0],
        )?;
        let (old_departments, facts) = match old {
            None => (None, StoredFacts::after(None, event)),
            Some(r) => (
                Some(r.get::<_, String>(0)),
                StoredFacts::after(StoredFacts::from_columns(r.get(1), r.get(2)), event),
            ),
        };
        let (facts, facts_until) = facts.map(|f| f.columns()).unzip();
        let outcome = case.outcome.as_ref().and_then(wire_name);
        let channel = wire_name(&case.channel).unwrap_or_default();
        self.exec(
            "INSERT INTO cases(id, version, head_hash, state, outcome, channel, category, urgent,
                grid_id, origin_unit, origin_path, holder_unit, department, departments, deadline,
                supervisions, reported_at, updated_at, closed_at, description, data, facts,
                facts_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                $18, $19, $20, $21, $22, $23)
             ON CONFLICT (id) DO UPDATE SET version = $2, head_hash = $3, state = $4,
                outcome = $5, holder_unit = $12, department = $13, departments = $14,
                deadline = $15, supervisions = $16, updated_at = $18, closed_at = $19,
                data = $21, facts = $22, facts_until = $23",
            &[
                &case.id.0,
                &(case.version as i64),
                &case.head_hash,
                &case.state.as_str(),
                &outcome,
                &channel,
                &case.category.0,
                &case.urgent,
                &case.grid_id.as_ref().map(|g| g.0.as_str()),
                &case.origin_unit.0,
                &origin_path,
                &case.holder_unit.0,
                &case.department.as_ref().map(|d| d.0.as_str()),
                &departments,
                &case.deadline.map(ts),
                &i64::from(case.supervisions),
                &ts(case.reported_at),
                &ts(case.updated_at),
                &case.closed_at.map(ts),
                &case.description,
                &case_json,
                &facts,
                &facts_until,
            ],
        )?;
        let event_json = json(event);
        // After the case row, which the event's foreign key names (a report creates both). The
        // primary key (case_id, seq) refuses a second event for the same version (an error
        // that aborts the transaction, or the op's savepoint).
        self.exec(
            "INSERT INTO case_events(case_id, seq, at, action, hash, data)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &event.case_id.0,
                &(event.seq as i64),
                &ts(event.at),
                &event.action.kind().as_str(),
                &event.hash,
                &event_json,
            ],
        )?;
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
        self.exec(
            "UPDATE cases SET data = $2 WHERE id = $1",
            &[&case.id.0, &data],
        )?;
        self.exec(
            "UPDATE changes SET data = $2 WHERE entity = 'case' AND id = $1",
            &[&case.id.0, &data],
        )?;
        Ok(())
    }

    fn case_ids(&mut self) -> Result<Vec<CaseId>> {
        Ok(self
            .rows("SELECT id FROM cases ORDER BY id", &[])?
            .iter()
            .map(|r| CaseId(r.get(0)))
            .collect())
    }

    fn stored_case_facts(&mut self, id: &CaseId) -> Result<Option<StoredFacts>> {
        Ok(self
            .opt_row(
                "SELECT facts, facts_until FROM cases WHERE id = $1",
                &[&id.0],
            )?
            .and_then(|r| StoredFacts::from_columns(r.get(0), r.get(1))))
    }

    fn stored_case_columns(&mut self, id: &CaseId) -> Result<Option<CaseColumns>> {
        let row = self.opt_row(
            "SELECT version::text, head_hash, state, outcome, channel, category,
                    CASE WHEN urgent THEN '1' ELSE '0' END, grid_id, origin_unit, origin_path,
                    holder_unit, department, departments, deadline, supervisions::text,
                    reported_at, updated_at, closed_at
             FROM cases WHERE id = $1",
            &[&id.0],
        )?;
        Ok(row.map(|r| std::array::from_fn(|i| r.get::<_, Option<String>>(i))))
    }

    fn set_case_facts(&mut self, id: &CaseId, facts: Option<&StoredFacts>) -> Result<()> {
        let (facts, until) = facts.map(StoredFacts::columns).unzip();
        self.exec(
            "UPDATE cases SET facts = $2, facts_until = $3 WHERE id = $1",
            &[&id.0, &facts, &until],
        )?;
        Ok(())
    }
}

impl PgTx<'_> {
    /// The rows of a one-column query over `data`, parsed (the query takes one text parameter).
    fn json_rows<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        param: &str,
    ) -> Result<Vec<T>> {
        let rows = self.rows(sql, &[&param])?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(serde_json::from_str(row.get::<_, &str>(0))?);
        }
        Ok(out)
    }
}
