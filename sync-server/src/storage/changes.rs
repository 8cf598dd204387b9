//! The change log that `GET /api/v1/sync/pull` reads: each record once, latest form, in server
//! order, with who may see it.

use super::Result;
use yiwang_core::ids::{DepartmentId, GridId, UserId};
use yiwang_core::sync::{Change, Entity};

/// Who may see a logged record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every signed-in user (reference data: departments, categories, the units above the
    /// counties).
    All,
    /// Everyone in the county at this org path, and everyone above it: a county's own reference
    /// data (its org units). A worker in a province pulls their county's three hundred units,
    /// not the province's thirty thousand.
    Region(String),
    /// Users whose unit is on `path` (an org path `/c/t/m/`) or above it; and the workers of
    /// `grid`; and the given departments.
    Area {
        path: String,
        grid: Option<GridId>,
        departments: Vec<DepartmentId>,
    },
    /// One user (their own rejected ops).
    User(UserId),
}

/// Whose pull it is, reduced to what the change log filters on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The org path of the user's unit; `None` for grid workers and departments.
    pub path: Option<String>,
    pub grids: Vec<GridId>,
    pub department: Option<DepartmentId>,
    /// Where the user's region starts: `Scope::Region` records whose county path lies in the
    /// subtree of this path are theirs. The user's own unit path at or above a county (a city's
    /// user sees every county's), the county's path below it, the county (or the common
    /// ancestor) of a worker's grids, the root for a department (it serves every county).
    pub region: Option<String>,
    pub user: UserId,
}

/// The end of the range of org paths under `path` (exclusive), in byte order: every path that
/// starts with `path` sorts at or after `path` and before this. A pull walks that range of the
/// change log's path index instead of testing every row's prefix.
pub fn subtree_end(path: &str) -> String {
    let mut end = String::with_capacity(path.len() + 4);
    end.push_str(path);
    end.push(char::MAX);
    end
}

pub trait ChangeLogTx {
    /// Logs the current form of a record; returns its new sequence number.
    fn record_change(
        &mut self,
        entity: Entity,
        id: &str,
        scope: &Scope,
        data: &serde_json::Value,
    ) -> Result<i64>;
    /// Logs a record's deletion.
    fn record_deletion(&mut self, entity: Entity, id: &str, scope: &Scope) -> Result<i64>;
    /// Up to `limit` changes after `after` that `viewer` may see, and whether more follow.
    fn changes_since(
        &mut self,
        viewer: &Viewer,
        after: i64,
        limit: u32,
    ) -> Result<(Vec<Change>, bool)>;
    /// The highest sequence number handed out so far.
    fn max_change_seq(&mut self) -> Result<i64>;
    /// The sequence number of the last change (or deletion) recorded in this transaction since
    /// the previous call, if any; the next call starts afresh. Lets an op learn the seq its writes
    /// ended at without asking the database before and after.
    fn take_recorded_seq(&mut self) -> Option<i64>;
}

#[cfg(test)]
mod tests {
    use super::subtree_end;

    #[test]
    fn a_subtree_is_one_byte_range() {
        let end = subtree_end("/c/t1/");
        for inside in ["/c/t1/", "/c/t1/m3/", "/c/t1/\u{4e00}/", "/c/t1/~~~/"] {
            assert!(
                inside >= "/c/t1/" && inside < end.as_str(),
                "{inside} lies in the subtree's range"
            );
        }
        for outside in ["/c/t10/", "/c/t2/", "/c/t1", "/c/", "/d/t1/"] {
            assert!(
                !(outside >= "/c/t1/" && outside < end.as_str()),
                "{outside} lies outside it"
            );
        }
    }
}
