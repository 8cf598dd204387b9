//! The org tree, grids, departments and categories as stored, and a little key-value meta.

use super::Result;
use yiwang_core::category::CategoryTree;
use yiwang_core::ids::OrgUnitId;
use yiwang_core::org::{Department, Grid, OrgTree, OrgUnit};

pub trait OrgTx {
    /// Inserts or replaces a unit (its parent must exist) and logs the change for pull.
    fn upsert_unit(&mut self, u: &OrgUnit) -> Result<()>;
    /// Inserts or replaces a grid (its community must exist) and logs the change for pull.
    fn upsert_grid(&mut self, g: &Grid) -> Result<()>;
    fn upsert_department(&mut self, d: &Department) -> Result<()>;
    /// Replaces the whole category tree and logs the change for pull.
    fn replace_categories(&mut self, tree: &CategoryTree) -> Result<()>;
    fn load_org(&mut self) -> Result<OrgTree>;
    fn load_categories(&mut self) -> Result<CategoryTree>;
    /// `/county/township/community/` for a unit.
    fn unit_path(&mut self, id: &OrgUnitId) -> Result<Option<String>>;
    /// Whether the unit exists and is a county.
    fn unit_is_county(&mut self, id: &OrgUnitId) -> Result<bool>;
    /// The region (`changes::Scope::Region`) of the unit at org path `path`: the path of its
    /// county (itself or an ancestor), or `path` itself for a unit above every county.
    fn region_of_path(&mut self, path: &str) -> Result<String> {
        let mut prefix = String::from("/");
        for id in path.trim_matches('/').split('/').filter(|s| !s.is_empty()) {
            prefix.push_str(id);
            prefix.push('/');
            if self.unit_is_county(&OrgUnitId(id.to_owned()))? {
                return Ok(prefix);
            }
        }
        Ok(path.to_owned())
    }
    /// Moves on whenever org units, grids, departments or categories change, so that every
    /// server process knows when to reload its cached tree.
    fn org_version(&mut self) -> Result<i64>;
    fn meta_get(&mut self, key: &str) -> Result<Option<String>>;
    fn meta_set(&mut self, key: &str, value: &str) -> Result<()>;
}
