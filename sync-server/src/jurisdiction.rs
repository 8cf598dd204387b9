//! Who sees what (docs/DESIGN.md §1, §3), reduced to what storage filters on.
//!
//! A unit member (community, township, centre, leader, admin) sees the subtree of their unit:
//! every record whose org path starts with their unit's path. A grid worker sees their own
//! grids. A department sees the cases ever dispatched to it. Reference data is for everyone.

use crate::storage::auth::StoredUser;
use crate::storage::changes::{Scope, Viewer};
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
    let region = match actor.role {
        // A department serves every county.
        Role::Department => Some("/".to_owned()),
        Role::GridWorker => {
            // The county of the worker's grids (the nearest common ancestor of their counties,
            // in the rare case they span two).
            let mut common: Option<String> = None;
            for grid in &actor.grid_ids {
                let Some(Scope::Area { path, .. }) = tx.grid_scope(grid)? else {
                    continue;
                };
                let region = tx.region_of_path(&path)?;
                common = Some(match common {
                    None => region,
                    Some(c) => common_path(&c, &region),
                });
            }
            common
        }
        _ => match &path {
            Some(p) => Some(tx.region_of_path(p)?),
            None => None,
        },
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
        region,
        user: actor.user_id.clone(),
    })
}

/// The longest org path both `a` and `b` lie under (`/` when they share no unit).
fn common_path(a: &str, b: &str) -> String {
    let mut out = String::from("/");
    for (x, y) in a
        .trim_matches('/')
        .split('/')
        .zip(b.trim_matches('/').split('/'))
    {
        if x != y || x.is_empty() {
            break;
        }
        out.push_str(x);
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::common_path;

    #[test]
    fn the_common_path_is_the_shared_ancestors() {
        assert_eq!(
            common_path("/2108/210883/", "/2108/210883/"),
            "/2108/210883/"
        );
        assert_eq!(common_path("/2108/210883/", "/2108/210884/"), "/2108/");
        assert_eq!(common_path("/a/", "/b/"), "/");
        assert_eq!(common_path("/a/bc/", "/a/b/"), "/a/");
    }
}
