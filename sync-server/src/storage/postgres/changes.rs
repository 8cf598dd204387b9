//! PostgreSQL: the change log for pull. Sequence numbers come from `changes_seq` under the
//! ledger's write lock, so they become visible in order (see the module docs of `postgres`).

use super::PgTx;
use crate::storage::changes::{subtree_end, ChangeLogTx, Scope, Viewer};
use crate::storage::sqlite::entity_str;
use crate::storage::{Result, StorageError};
use yiwang_core::sync::{Change, Entity};

impl PgTx<'_> {
    /// Logs a record already serialised as `data` (JSON text); returns its new seq. `None`
    /// logs a finding without copying it: a pull reads it from `findings.data`.
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
                let depts = (!departments.is_empty()).then(|| {
                    format!(
                        ",{},",
                        departments
                            .iter()
                            .map(|d| d.0.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    )
                });
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
        // One row per record: a record logged again takes the next seq (its old row is
        // replaced in place), as SQLite's REPLACE does.
        let row = self.one(
            "INSERT INTO changes(seq, entity, id, deleted, scope_all, scope_path, scope_grid,
                                 scope_depts, scope_user, scope_region, data)
             VALUES (nextval('changes_seq'), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (entity, id) DO UPDATE SET
                 seq = excluded.seq, deleted = excluded.deleted, scope_all = excluded.scope_all,
                 scope_path = excluded.scope_path, scope_grid = excluded.scope_grid,
                 scope_depts = excluded.scope_depts, scope_user = excluded.scope_user,
                 scope_region = excluded.scope_region, data = excluded.data
             RETURNING seq",
            &[
                &entity, &id, &deleted, &all, &path, &grid, &depts, &user, &region, &data,
            ],
        )?;
        self.writes += 1;
        let seq: i64 = row.get(0);
        self.recorded_seq = Some(seq);
        Ok(seq)
    }
}

impl ChangeLogTx for PgTx<'_> {
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
        let grids: Vec<&str> = viewer.grids.iter().map(|g| g.0.as_str()).collect();
        let dept = viewer.department.as_ref().map(|d| d.0.as_str());
        let path_end = viewer.path.as_deref().map(subtree_end);
        let region_end = viewer.region.as_deref().map(subtree_end);
        // Each scope the viewer has is one walk of its own index (migration 0009) for the first
        // `limit + 1` seqs after the cursor; the page is the smallest of those, in seq order. A
        // row can match more than one scope, so the walks are merged with UNION.
        let rows = self.rows(
            "WITH picked AS (
                 (SELECT seq FROM changes WHERE scope_all AND seq > $1 ORDER BY seq LIMIT $6)
                 UNION
                 (SELECT seq FROM changes
                  WHERE $2::text IS NOT NULL AND scope_path IS NOT NULL
                    AND (scope_path COLLATE \"C\") >= ($2::text COLLATE \"C\")
                    AND (scope_path COLLATE \"C\") < ($7::text COLLATE \"C\")
                    AND seq > $1
                  ORDER BY seq LIMIT $6)
                 UNION
                 (SELECT seq FROM changes
                  WHERE scope_grid IS NOT NULL AND scope_grid = ANY($3::text[]) AND seq > $1
                  ORDER BY seq LIMIT $6)
                 UNION
                 (SELECT seq FROM changes
                  WHERE $4::text IS NOT NULL AND scope_depts IS NOT NULL AND seq > $1
                    AND strpos(scope_depts, ',' || $4::text || ',') > 0
                  ORDER BY seq LIMIT $6)
                 UNION
                 (SELECT seq FROM changes
                  WHERE scope_user IS NOT NULL AND scope_user = $5 AND seq > $1
                  ORDER BY seq LIMIT $6)
                 UNION
                 (SELECT seq FROM changes
                  WHERE $8::text IS NOT NULL AND scope_region IS NOT NULL
                    AND (scope_region COLLATE \"C\") >= ($8::text COLLATE \"C\")
                    AND (scope_region COLLATE \"C\") < ($9::text COLLATE \"C\")
                    AND seq > $1
                  ORDER BY seq LIMIT $6))
             SELECT seq, entity, id, deleted,
                    coalesce(data, CASE WHEN entity = 'finding'
                                        THEN (SELECT f.data FROM findings f WHERE f.id = changes.id)
                                   END)
             FROM changes
             WHERE seq IN (SELECT seq FROM picked ORDER BY seq LIMIT $6)
             ORDER BY seq",
            &[
                &after,
                &viewer.path,
                &grids,
                &dept,
                &viewer.user.0,
                &(i64::from(limit) + 1),
                &path_end,
                &viewer.region,
                &region_end,
            ],
        )?;
        let mut changes = Vec::with_capacity(rows.len());
        for r in rows {
            let entity: String = r.get(1);
            let data: Option<String> = r.get(4);
            changes.push(Change {
                seq: r.get(0),
                entity: serde_json::from_value(serde_json::Value::String(entity))?,
                id: r.get(2),
                deleted: r.get(3),
                data: serde_json::from_str(data.as_deref().ok_or_else(|| {
                    StorageError::Invalid("a logged finding has no record".into())
                })?)?,
            });
        }
        let has_more = changes.len() > limit as usize;
        changes.truncate(limit as usize);
        Ok((changes, has_more))
    }

    fn max_change_seq(&mut self) -> Result<i64> {
        // The highest seq this snapshot can see. Not the sequence's own counter, which counts
        // writes not yet committed: a cursor moved there could pass a change still to appear.
        // A replaced row keeps the highest seq it was given, so the maximum row is the head.
        Ok(self
            .one("SELECT coalesce(max(seq), 0) FROM changes", &[])?
            .get(0))
    }

    fn take_recorded_seq(&mut self) -> Option<i64> {
        self.recorded_seq.take()
    }
}
