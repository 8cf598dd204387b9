//! PostgreSQL: the org tree, grids, departments and categories, and the key-value meta (the
//! port of `sqlite/org.rs`).

use super::util::json;
use super::PgTx;
use crate::storage::changes::{ChangeLogTx, Scope};
use crate::storage::org::OrgTx;
use crate::storage::{Result, StorageError};
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

impl PgTx<'_> {
    fn bump_org_version(&mut self) -> Result<()> {
        // Every write to the org tree ends here: forget the grid paths looked up so far.
        self.grid_paths.clear();
        self.exec(
            "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'org_version'",
            &[],
        )?;
        Ok(())
    }
}

impl OrgTx for PgTx<'_> {
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
        self.exec(
            "INSERT INTO org_units(id, parent_id, name, level, path) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET parent_id = $2, name = $3, level = $4, path = $5",
            &[
                &u.id.0,
                &u.parent_id.as_ref().map(|p| p.0.as_str()),
                &u.name,
                &level_str(u.level),
                &path,
            ],
        )?;
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
        self.exec(
            "INSERT INTO grids(id, name, kind, community_id, polygon, worker_id)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET name = $2, kind = $3, community_id = $4,
                polygon = $5, worker_id = $6",
            &[
                &g.id.0,
                &g.name,
                &g.kind.as_str(),
                &g.community_id.0,
                &json(&g.polygon),
                &g.worker_id.as_ref().map(|w| w.0.as_str()),
            ],
        )?;
        let scope = Scope::Area {
            path,
            grid: Some(g.id.clone()),
            departments: vec![],
        };
        self.record_change(Entity::Grid, &g.id.0, &scope, &serde_json::to_value(g)?)?;
        self.bump_org_version()
    }

    fn upsert_department(&mut self, d: &Department) -> Result<()> {
        self.exec(
            "INSERT INTO departments(id, name) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET name = $2",
            &[&d.id.0, &d.name],
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
        // In code order, as SQLite reads them (through the primary key's covering index): the
        // deletions below are logged in this order.
        let old: Vec<String> = self
            .rows("SELECT code FROM categories ORDER BY code", &[])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        self.exec("DELETE FROM categories", &[])?;
        for (i, c) in tree.iter().enumerate() {
            self.exec(
                "INSERT INTO categories(code, position, data) VALUES ($1, $2, $3)",
                &[&c.code.0, &(i as i64), &json(c)],
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
        let units: Vec<OrgUnit> = self
            .rows("SELECT id, parent_id, name, level FROM org_units", &[])?
            .iter()
            .map(|r| {
                let level = match r.get::<_, &str>(3) {
                    "city" => OrgLevel::City,
                    "county" => OrgLevel::County,
                    "township" => OrgLevel::Township,
                    _ => OrgLevel::Community,
                };
                OrgUnit {
                    id: r.get::<_, String>(0).into(),
                    parent_id: r.get::<_, Option<String>>(1).map(Into::into),
                    name: r.get(2),
                    level,
                }
            })
            .collect();
        let grids: Vec<Grid> = {
            let rows = self.rows(
                "SELECT id, name, kind, community_id, polygon, worker_id FROM grids",
                &[],
            )?;
            let mut v = vec![];
            for r in &rows {
                let id: String = r.get(0);
                let kind: &str = r.get(2);
                let kind = GridKind::ALL
                    .into_iter()
                    .find(|k| k.as_str() == kind)
                    .ok_or_else(|| bad(format!("grid {id}: unknown kind {kind}")))?;
                v.push(Grid {
                    id: id.into(),
                    name: r.get(1),
                    kind,
                    community_id: r.get::<_, String>(3).into(),
                    polygon: serde_json::from_str(r.get::<_, &str>(4))?,
                    worker_id: r.get::<_, Option<String>>(5).map(Into::into),
                });
            }
            v
        };
        let departments: Vec<Department> = self
            .rows("SELECT id, name FROM departments", &[])?
            .iter()
            .map(|r| Department {
                id: r.get::<_, String>(0).into(),
                name: r.get(1),
            })
            .collect();
        if units.is_empty() {
            return Ok(OrgTree::default());
        }
        OrgTree::new(units, grids, departments).map_err(|e| bad(e.to_string()))
    }

    fn load_categories(&mut self) -> Result<CategoryTree> {
        let rows = self.rows("SELECT data FROM categories ORDER BY position", &[])?;
        let mut nodes: Vec<Category> = vec![];
        for r in &rows {
            nodes.push(serde_json::from_str(r.get::<_, &str>(0))?);
        }
        CategoryTree::from_nodes(nodes).map_err(|e| bad(e.to_string()))
    }

    fn unit_path(&mut self, id: &OrgUnitId) -> Result<Option<String>> {
        Ok(self
            .opt_row("SELECT path FROM org_units WHERE id = $1", &[&id.0])?
            .map(|r| r.get(0)))
    }

    fn unit_is_county(&mut self, id: &OrgUnitId) -> Result<bool> {
        Ok(self
            .opt_row(
                "SELECT 1 FROM org_units WHERE id = $1 AND level = 'county'",
                &[&id.0],
            )?
            .is_some())
    }

    fn org_version(&mut self) -> Result<i64> {
        let v: Option<String> = self.meta_get("org_version")?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    fn meta_get(&mut self, key: &str) -> Result<Option<String>> {
        Ok(self
            .opt_row("SELECT value FROM meta WHERE key = $1", &[&key])?
            .map(|r| r.get(0)))
    }

    fn meta_set(&mut self, key: &str, value: &str) -> Result<()> {
        self.exec(
            "INSERT INTO meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
            &[&key, &value],
        )?;
        Ok(())
    }
}
