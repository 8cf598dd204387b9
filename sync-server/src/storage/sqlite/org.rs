use super::util::json;
use super::SqliteTx;
use crate::storage::changes::{ChangeLogTx, Scope};
use crate::storage::org::OrgTx;
use crate::storage::{Result, StorageError};
use rusqlite::{params, OptionalExtension};
use yiwang_core::category::{Category, CategoryTree};
use yiwang_core::ids::OrgUnitId;
use yiwang_core::org::{Department, Grid, GridKind, OrgLevel, OrgTree, OrgUnit};
use yiwang_core::sync::Entity;

fn level_str(l: OrgLevel) -> &'static str {
    match l {
        OrgLevel::City => "city",
        OrgLevel::County => "county",
        OrgLevel::Township => "township",
        OrgLevel::Community => "community",
    }
}

fn bad(what: String) -> StorageError {
    StorageError::Invalid(what)
}

impl SqliteTx<'_> {
    fn bump_org_version(&mut self) -> Result<()> {
        // Every write to the org tree ends here: forget the grid paths looked up so far.
        self.grid_paths.clear();
        self.tx.execute(
            "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'org_version'",
            [],
        )?;
        Ok(())
    }
}

impl OrgTx for SqliteTx<'_> {
    fn upsert_unit(&mut self, u: &OrgUnit) -> Result<()> {
        let path = match &u.parent_id {
            None => format!("/{}/", u.id),
            Some(p) => {
                let parent = self
                    .unit_path(p)?
                    .ok_or_else(|| bad(format!("unit {}: parent {p} does not exist", u.id)))?;
                format!("{parent}{}/", u.id)
            }
        };
        self.tx
            .prepare_cached(
                "INSERT INTO org_units(id, parent_id, name, level, path) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET parent_id = ?2, name = ?3, level = ?4, path = ?5",
            )?
            .execute(params![u.id.0, u.parent_id.as_ref().map(|p| &p.0), u.name, level_str(u.level), path])?;
        // A county's units are its own reference data (`Scope::Region`); the city above them
        // is everyone's.
        let scope = if u.level == OrgLevel::City {
            Scope::All
        } else {
            Scope::Region(self.region_of_path(&path)?)
        };
        self.record_change(Entity::OrgUnit, &u.id.0, &scope, &serde_json::to_value(u)?)?;
        self.bump_org_version()
    }

    fn upsert_grid(&mut self, g: &Grid) -> Result<()> {
        let path = self.unit_path(&g.community_id)?.ok_or_else(|| {
            bad(format!(
                "grid {}: community {} does not exist",
                g.id, g.community_id
            ))
        })?;
        self.tx
            .prepare_cached(
                "INSERT INTO grids(id, name, kind, community_id, polygon, worker_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(id) DO UPDATE SET name = ?2, kind = ?3, community_id = ?4,
                    polygon = ?5, worker_id = ?6",
            )?
            .execute(params![
                g.id.0,
                g.name,
                g.kind.as_str(),
                g.community_id.0,
                json(&g.polygon),
                g.worker_id.as_ref().map(|w| &w.0)
            ])?;
        let scope = Scope::Area {
            path,
            grid: Some(g.id.clone()),
            departments: vec![],
        };
        self.record_change(Entity::Grid, &g.id.0, &scope, &serde_json::to_value(g)?)?;
        self.bump_org_version()
    }

    fn upsert_department(&mut self, d: &Department) -> Result<()> {
        self.tx.execute(
            "INSERT INTO departments(id, name) VALUES (?1, ?2)
             ON CONFLICT(id) DO UPDATE SET name = ?2",
            params![d.id.0, d.name],
        )?;
        self.record_change(
            Entity::Department,
            &d.id.0,
            &Scope::All,
            &serde_json::to_value(d)?,
        )?;
        self.bump_org_version()
    }

    fn replace_categories(&mut self, tree: &CategoryTree) -> Result<()> {
        let old: Vec<String> = {
            let mut st = self.tx.prepare("SELECT code FROM categories")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        self.tx.execute("DELETE FROM categories", [])?;
        for (i, c) in tree.iter().enumerate() {
            self.tx.execute(
                "INSERT INTO categories(code, position, data) VALUES (?1, ?2, ?3)",
                params![c.code.0, i as i64, json(c)],
            )?;
            self.record_change(
                Entity::Category,
                &c.code.0,
                &Scope::All,
                &serde_json::to_value(c)?,
            )?;
        }
        for code in old {
            if tree.get(&code.clone().into()).is_none() {
                self.record_deletion(Entity::Category, &code, &Scope::All)?;
            }
        }
        self.bump_org_version()
    }

    fn load_org(&mut self) -> Result<OrgTree> {
        let units: Vec<OrgUnit> = {
            let mut st = self
                .tx
                .prepare("SELECT id, parent_id, name, level FROM org_units")?;
            let rows = st.query_map([], |r| {
                let level: String = r.get(3)?;
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    level,
                ))
            })?;
            let mut v = vec![];
            for row in rows {
                let (id, parent, name, level) = row?;
                let level = match level.as_str() {
                    "city" => OrgLevel::City,
                    "county" => OrgLevel::County,
                    "township" => OrgLevel::Township,
                    _ => OrgLevel::Community,
                };
                v.push(OrgUnit {
                    id: id.into(),
                    parent_id: parent.map(Into::into),
                    name,
                    level,
                });
            }
            v
        };
        let grids: Vec<Grid> = {
            let mut st = self
                .tx
                .prepare("SELECT id, name, kind, community_id, polygon, worker_id FROM grids")?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })?;
            let mut v = vec![];
            for row in rows {
                let (id, name, kind, community, polygon, worker) = row?;
                let kind = GridKind::ALL
                    .into_iter()
                    .find(|k| k.as_str() == kind)
                    .ok_or_else(|| bad(format!("grid {id}: unknown kind {kind}")))?;
                v.push(Grid {
                    id: id.into(),
                    name,
                    kind,
                    community_id: community.into(),
                    polygon: serde_json::from_str(&polygon)?,
                    worker_id: worker.map(Into::into),
                });
            }
            v
        };
        let departments: Vec<Department> = {
            let mut st = self.tx.prepare("SELECT id, name FROM departments")?;
            let rows = st.query_map([], |r| {
                Ok(Department {
                    id: r.get::<_, String>(0)?.into(),
                    name: r.get(1)?,
                })
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if units.is_empty() {
            return Ok(OrgTree::default());
        }
        OrgTree::new(units, grids, departments).map_err(|e| bad(e.to_string()))
    }

    fn load_categories(&mut self) -> Result<CategoryTree> {
        let mut st = self
            .tx
            .prepare("SELECT data FROM categories ORDER BY position")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut nodes: Vec<Category> = vec![];
        for row in rows {
            nodes.push(serde_json::from_str(&row?)?);
        }
        CategoryTree::from_nodes(nodes).map_err(|e| bad(e.to_string()))
    }

    fn unit_path(&mut self, id: &OrgUnitId) -> Result<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT path FROM org_units WHERE id = ?1")?
            .query_row([&id.0], |r| r.get(0))
            .optional()?)
    }

    fn unit_is_county(&mut self, id: &OrgUnitId) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM org_units WHERE id = ?1 AND level = 'county'")?
            .exists([&id.0])?)
    }

    fn org_version(&mut self) -> Result<i64> {
        let v: Option<String> = self.meta_get("org_version")?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    fn meta_get(&mut self, key: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn meta_set(&mut self, key: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }
}
