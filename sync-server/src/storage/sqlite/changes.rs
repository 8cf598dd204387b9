use super::SqliteTx;
use crate::storage::changes::{subtree_end, ChangeLogTx, Scope, Viewer};
use crate::storage::Result;
use rusqlite::params;
use yiwang_core::sync::{Change, Entity};

/// The entity's name as the wire spells it (`Entity`'s serde name), without going through JSON.
pub(crate) fn entity_str(e: Entity) -> &'static str {
    match e {
        Entity::OrgUnit => "org_unit",
        Entity::Grid => "grid",
        Entity::Department => "department",
        Entity::Category => "category",
        Entity::Patrol => "patrol",
        Entity::Finding => "finding",
        Entity::Photo => "photo",
        Entity::Case => "case",
        Entity::CaseEvent => "case_event",
        Entity::RejectedOp => "rejected_op",
    }
}

fn parse_entity(s: &str) -> rusqlite::Result<Entity> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl SqliteTx<'_> {
    /// Logs a record already serialised as `data` (JSON text); returns its new seq. `None`
    /// logs a finding without copying it: a pull reads it from `findings.data` (see migration
    /// 0002), which is only right for a record that is never changed after it is written.
    pub(super) fn log(
        &mut self,
        entity: Entity,
        id: &str,
        scope: &Scope,
        deleted: bool,
        data: Option<&str>,
    ) -> Result<i64> {
        debug_assert!(
            data.is_some() || (entity == Entity::Finding && !deleted),
            "only a finding's record may stay in its own table"
        );
        let (all, path, grid, depts, user, region) = match scope {
            Scope::All => (true, None, None, None, None, None),
            Scope::Region(county) => (false, None, None, None, None, Some(county.as_str())),
            Scope::Area {
                path,
                grid,
                departments,
            } => {
                let depts = if departments.is_empty() {
                    None
                } else {
                    Some(format!(
                        ",{},",
                        departments
                            .iter()
                            .map(|d| d.0.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    ))
                };
                (
                    false,
                    Some(path.as_str()),
                    grid.as_ref().map(|g| g.0.as_str()),
                    depts,
                    None,
                    None,
                )
            }
            Scope::User(u) => (false, None, None, None, Some(u.0.as_str()), None),
        };
        let entity = entity_str(entity);
        // Replace the record's row: `REPLACE` deletes the row holding (entity, id), if any, and
        // inserts the new one, which gets the next sequence number (AUTOINCREMENT never reuses
        // one) — a delete and an insert in one statement.
        self.tx
            .prepare_cached(
                "REPLACE INTO changes(entity, id, deleted, scope_all, scope_path, scope_grid,
                                      scope_depts, scope_user, scope_region, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                entity, id, deleted, all, path, grid, depts, user, region, data
            ])?;
        let seq = self.tx.last_insert_rowid();
        self.recorded_seq = Some(seq);
        Ok(seq)
    }
}

impl ChangeLogTx for SqliteTx<'_> {
    fn record_change(
        &mut self,
        entity: Entity,
        id: &str,
        scope: &Scope,
        data: &serde_json::Value,
    ) -> Result<i64> {
        self.log(entity, id, scope, false, Some(&data.to_string()))
    }

    fn record_deletion(&mut self, entity: Entity, id: &str, scope: &Scope) -> Result<i64> {
        self.log(entity, id, scope, true, Some("null"))
    }

    fn changes_since(
        &mut self,
        viewer: &Viewer,
        after: i64,
        limit: u32,
    ) -> Result<(Vec<Change>, bool)> {
        let grids = serde_json::to_string(&viewer.grids)?;
        let path_end = viewer.path.as_deref().map(subtree_end);
        let region_end = viewer.region.as_deref().map(subtree_end);
        // Each scope the viewer has is one walk of its own index (migration 0009) for the first
        // `limit + 1` seqs after the cursor; the page is the smallest of those, in seq order. A
        // row can match more than one scope, so the walks are merged with UNION.
        let mut st = self.tx.prepare_cached(
            "WITH picked(seq) AS (
                 SELECT seq FROM (SELECT seq FROM changes
                                  WHERE scope_all = 1 AND seq > ?1 ORDER BY seq LIMIT ?6)
                 UNION
                 SELECT seq FROM (SELECT seq FROM changes
                                  WHERE ?2 IS NOT NULL AND scope_path IS NOT NULL
                                    AND scope_path >= ?2 AND scope_path < ?7 AND seq > ?1
                                  ORDER BY seq LIMIT ?6)
                 UNION
                 SELECT seq FROM (SELECT seq FROM changes
                                  WHERE scope_grid IS NOT NULL
                                    AND scope_grid IN (SELECT value FROM json_each(?3))
                                    AND seq > ?1
                                  ORDER BY seq LIMIT ?6)
                 UNION
                 SELECT seq FROM (SELECT seq FROM changes
                                  WHERE ?4 IS NOT NULL AND scope_depts IS NOT NULL AND seq > ?1
                                    AND instr(scope_depts, ',' || ?4 || ',') > 0
                                  ORDER BY seq LIMIT ?6)
                 UNION
                 SELECT seq FROM (SELECT seq FROM changes
                                  WHERE scope_user IS NOT NULL AND scope_user = ?5 AND seq > ?1
                                  ORDER BY seq LIMIT ?6)
                 UNION
                 SELECT seq FROM (SELECT seq FROM changes
                                  WHERE ?8 IS NOT NULL AND scope_region IS NOT NULL
                                    AND scope_region >= ?8 AND scope_region < ?9 AND seq > ?1
                                  ORDER BY seq LIMIT ?6))
             SELECT seq, entity, id, deleted,
                    coalesce(data, CASE WHEN entity = 'finding'
                                        THEN (SELECT f.data FROM findings f WHERE f.id = changes.id)
                                   END)
             FROM changes
             WHERE seq IN (SELECT seq FROM picked ORDER BY seq LIMIT ?6)
             ORDER BY seq",
        )?;
        let rows = st.query_map(
            params![
                after,
                viewer.path,
                grids,
                viewer.department.as_ref().map(|d| &d.0),
                viewer.user.0,
                i64::from(limit) + 1,
                path_end,
                viewer.region,
                region_end
            ],
            |r| {
                let data: String = r.get(4)?;
                Ok(Change {
                    seq: r.get(0)?,
                    entity: parse_entity(&r.get::<_, String>(1)?)?,
                    id: r.get(2)?,
                    deleted: r.get(3)?,
                    data: serde_json::from_str(&data).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            4,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    })?,
                })
            },
        )?;
        let mut changes = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        let has_more = changes.len() > limit as usize;
        changes.truncate(limit as usize);
        Ok((changes, has_more))
    }

    fn max_change_seq(&mut self) -> Result<i64> {
        // sqlite_sequence remembers the highest seq ever handed out, even if its row was replaced.
        Ok(self
            .tx
            .prepare_cached(
                "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)",
            )?
            .query_row([], |r| r.get(0))?)
    }

    fn take_recorded_seq(&mut self) -> Option<i64> {
        self.recorded_seq.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_names_are_the_wire_names() {
        use Entity::*;
        for e in [
            OrgUnit, Grid, Department, Category, Patrol, Finding, Photo, Case, CaseEvent,
            RejectedOp,
        ] {
            assert_eq!(
                serde_json::to_value(e).unwrap(),
                serde_json::Value::from(entity_str(e)),
                "the change log stores the entity as the wire names it, so pull parses it back"
            );
            assert_eq!(parse_entity(entity_str(e)).unwrap(), e, "{e:?} reads back");
        }
    }
}
