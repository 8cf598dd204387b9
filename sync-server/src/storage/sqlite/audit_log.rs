use super::util::{parse_ts, ts};
use super::SqliteTx;
use crate::storage::audit_log::{AuditActor, AuditEntry, AuditFilter, AuditTx};
use crate::storage::Result;
use chrono::{DateTime, Utc};
use rusqlite::types::Value as Sql;
use rusqlite::{params, Row};
use yiwang_core::org::Role;

fn entry_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let actor = match (
        r.get::<_, Option<String>>(2)?,
        r.get::<_, Option<String>>(3)?,
        r.get::<_, Option<String>>(4)?,
    ) {
        (Some(id), Some(username), Some(role)) => Some(AuditActor {
            user_id: id.into(),
            username,
            role: Role::parse(&role).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    4,
                    rusqlite::types::Type::Text,
                    format!("unknown role {role}").into(),
                )
            })?,
        }),
        _ => None,
    };
    let detail: String = r.get(7)?;
    Ok(AuditEntry {
        id: r.get(0)?,
        at: parse_ts(&r.get::<_, String>(1)?)?,
        actor,
        action: r.get(5)?,
        target: r.get(6)?,
        detail: serde_json::from_str(&detail).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?,
        address: r.get(8)?,
    })
}

impl AuditTx for SqliteTx<'_> {
    fn record_audit(&mut self, e: &AuditEntry) -> Result<i64> {
        let a = e.actor.as_ref();
        self.tx
            .prepare_cached(
                "INSERT INTO audit_log(at, actor_id, actor_username, actor_role, action, target,
                    detail, address) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                ts(e.at),
                a.map(|a| &a.user_id.0),
                a.map(|a| &a.username),
                a.map(|a| a.role.as_str()),
                e.action,
                e.target,
                serde_json::to_string(&e.detail)?,
                e.address,
            ])?;
        Ok(self.tx.last_insert_rowid())
    }

    fn audit_entries(&mut self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut sql = String::from(
            "SELECT id, at, actor_id, actor_username, actor_role, action, target, detail, address
             FROM audit_log WHERE 1 = 1",
        );
        let mut args: Vec<Sql> = vec![];
        let mut arg = |sql: &mut String, clause: &str, v: Sql| {
            args.push(v);
            *sql += &clause.replace('?', &format!("?{}", args.len()));
        };
        if let Some(b) = f.before {
            arg(&mut sql, " AND id < ?", Sql::Integer(b));
        }
        if let Some(actor) = &f.actor {
            arg(
                &mut sql,
                " AND (actor_username = ?",
                Sql::Text(actor.clone()),
            );
            arg(&mut sql, " OR actor_id = ?)", Sql::Text(actor.clone()));
        }
        if let Some(t) = f.since {
            arg(&mut sql, " AND at >= ?", Sql::Text(ts(t)));
        }
        if let Some(t) = f.until {
            arg(&mut sql, " AND at < ?", Sql::Text(ts(t)));
        }
        if !f.actions.is_empty() {
            sql += " AND action IN (";
            for (i, a) in f.actions.iter().enumerate() {
                arg(
                    &mut sql,
                    if i == 0 { "?" } else { ", ?" },
                    Sql::Text(a.clone()),
                );
            }
            sql += ")";
        }
        arg(
            &mut sql,
            " ORDER BY id DESC LIMIT ?",
            Sql::Integer(f.limit.into()),
        );
        let mut st = self.tx.prepare(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(args), entry_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn prune_audit(&mut self, before: DateTime<Utc>, keep_failed: u64) -> Result<u64> {
        let old = self
            .tx
            .execute("DELETE FROM audit_log WHERE at < ?1", [ts(before)])?;
        let excess = self.tx.execute(
            "DELETE FROM audit_log WHERE action = 'sign_in_failed' AND id < (
                 SELECT id FROM audit_log WHERE action = 'sign_in_failed'
                 ORDER BY id DESC LIMIT 1 OFFSET ?1)",
            [i64::try_from(keep_failed.max(1)).unwrap_or(i64::MAX) - 1],
        )?;
        Ok((old + excess) as u64)
    }
}
