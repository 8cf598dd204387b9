//! PostgreSQL: the audit log of sign-ins and administration (the port of `sqlite/audit_log.rs`).

use super::util::{parse_ts, ts};
use super::PgTx;
use crate::storage::audit_log::{AuditActor, AuditEntry, AuditFilter, AuditTx};
use crate::storage::{Result, StorageError};
use ::postgres::types::ToSql;
use ::postgres::Row;
use chrono::{DateTime, Utc};
use yiwang_core::org::Role;

const ENTRY_COLUMNS: &str =
    "id, at, actor_id, actor_username, actor_role, action, target, detail, address";

fn entry_row(r: &Row) -> Result<AuditEntry> {
    let actor = match (
        r.get::<_, Option<String>>(2),
        r.get::<_, Option<String>>(3),
        r.get::<_, Option<String>>(4),
    ) {
        (Some(id), Some(username), Some(role)) => Some(AuditActor {
            user_id: id.into(),
            username,
            role: Role::parse(&role)
                .ok_or_else(|| StorageError::Invalid(format!("unknown role {role}")))?,
        }),
        _ => None,
    };
    let detail: String = r.get(7);
    Ok(AuditEntry {
        id: r.get(0),
        at: parse_ts(&r.get::<_, String>(1))?,
        actor,
        action: r.get(5),
        target: r.get(6),
        detail: serde_json::from_str(&detail)?,
        address: r.get(8),
    })
}

impl AuditTx for PgTx<'_> {
    fn record_audit(&mut self, e: &AuditEntry) -> Result<i64> {
        let a = e.actor.as_ref();
        let row = self.one(
            "INSERT INTO audit_log(at, actor_id, actor_username, actor_role, action, target,
                detail, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             RETURNING id",
            &[
                &ts(e.at),
                &a.map(|a| a.user_id.0.as_str()),
                &a.map(|a| a.username.as_str()),
                &a.map(|a| a.role.as_str()),
                &e.action,
                &e.target,
                &serde_json::to_string(&e.detail)?,
                &e.address,
            ],
        )?;
        // Written through `one` for its RETURNING: count the row here.
        self.writes += 1;
        Ok(row.get(0))
    }

    fn audit_entries(&mut self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut sql = format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE TRUE");
        let mut args: Vec<Box<dyn ToSql + Sync>> = vec![];
        // Appends `clause` with its `?` standing for the next parameter, `v`.
        let mut arg = |sql: &mut String, clause: &str, v: Box<dyn ToSql + Sync>| {
            args.push(v);
            *sql += &clause.replace('?', &format!("${}", args.len()));
        };
        if let Some(b) = f.before {
            arg(&mut sql, " AND id < ?", Box::new(b));
        }
        if let Some(actor) = &f.actor {
            arg(
                &mut sql,
                " AND (actor_username = ? OR actor_id = ?)",
                Box::new(actor.clone()),
            );
        }
        if let Some(t) = f.since {
            arg(&mut sql, " AND at >= ?", Box::new(ts(t)));
        }
        if let Some(t) = f.until {
            arg(&mut sql, " AND at < ?", Box::new(ts(t)));
        }
        if !f.actions.is_empty() {
            arg(
                &mut sql,
                " AND action = ANY(?::text[])",
                Box::new(f.actions.clone()),
            );
        }
        arg(
            &mut sql,
            " ORDER BY id DESC LIMIT ?",
            Box::new(i64::from(f.limit)),
        );
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        let rows = self.rows_dynamic(&sql, &params)?;
        rows.iter().map(entry_row).collect()
    }

    fn prune_audit(&mut self, before: DateTime<Utc>, keep_failed: u64) -> Result<u64> {
        let old = self.exec("DELETE FROM audit_log WHERE at < $1", &[&ts(before)])?;
        let excess = self.exec(
            "DELETE FROM audit_log WHERE action = 'sign_in_failed' AND id < (
                 SELECT id FROM audit_log WHERE action = 'sign_in_failed'
                 ORDER BY id DESC LIMIT 1 OFFSET $1)",
            &[&(i64::try_from(keep_failed.max(1)).unwrap_or(i64::MAX) - 1)],
        )?;
        Ok(old + excess)
    }
}
