//! Who sees what (docs/DESIGN.md §1, §3), reduced to what storage filters on.
//!
//! A unit member (community, township, centre, leader, admin) sees the subtree of their unit:
//! every record whose org path starts with their unit's path. A grid worker sees their own
//! grids. A department sees the cases ever dispatched to it. Reference data is for everyone.

use crate::storage::auth::StoredUser;
use crate::storage::changes::Viewer;
use crate::storage::{LedgerTx, Result};
use yiwang_core::org::Role;

/// The pull/list filter for `user`.
pub fn viewer(tx: &mut dyn LedgerTx, user: &StoredUser) -> Result<Viewer> {
    let path = match (user.role, &user.org_unit_id) {
        (Role::GridWorker | Role::Department, _) | (_, None) => None,
        (_, Some(unit)) => tx.unit_path(unit)?,
    };
    Ok(Viewer {
        path,
        grids: if user.role == Role::GridWorker {
            user.grid_ids.clone()
        } else {
            vec![]
        },
        department: if user.role == Role::Department {
            user.department_id.clone()
        } else {
            None
        },
        user: user.id.clone(),
    })
}
