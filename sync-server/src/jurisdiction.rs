//! Who sees what (docs/DESIGN.md §1, §3), reduced to what storage filters on.
//!
//! A unit member (community, township, centre, leader, admin) sees the subtree of their unit:
//! every record whose org path starts with their unit's path. A grid worker sees their own
//! grids. A department sees the cases ever dispatched to it. Reference data is for everyone.

use crate::storage::auth::StoredUser;
use crate::storage::changes::Viewer;
use crate::storage::{LedgerTx, Result};
use yiwang_core::org::{Actor, Role};

/// The pull/list filter for `user`.
pub fn viewer(tx: &mut dyn LedgerTx, user: &StoredUser) -> Result<Viewer> {
    viewer_of(tx, &user.actor())
}

/// The pull/list filter for `actor` (what [`viewer`] gives for the user the actor acts for).
pub fn viewer_of(tx: &mut dyn LedgerTx, actor: &Actor) -> Result<Viewer> {
    let path = match (actor.role, actor.unit()) {
        (Role::GridWorker | Role::Department, _) | (_, None) => None,
        (_, Some(unit)) => tx.unit_path(unit)?,
    };
    Ok(Viewer {
        path,
        grids: if actor.role == Role::GridWorker {
            actor.grid_ids.clone()
        } else {
            vec![]
        },
        department: if actor.role == Role::Department {
            actor.department().cloned()
        } else {
            None
        },
        user: actor.user_id.clone(),
    })
}
