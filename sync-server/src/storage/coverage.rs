//! Each grid's patrolled windows per local day (table `grid_windows`): what a day's coverage
//! (巡查率) reads, one row per grid patrolled, instead of every patrol of the day. A patrol is
//! added as it comes to count, which is when its first track points are stored (`append_track`
//! of either backend calls [`count_patrol`]: its start and receipt never change after); a
//! ledger from before the table is filled from its patrols once, as it opens.

use super::{LedgerTx, Result};
use chrono::{Duration, NaiveDate};
use std::collections::HashMap;
use yiwang_core::field::PatrolWindows;
use yiwang_core::ids::{GridId, PatrolId};
use yiwang_core::measures::{counted_window, PatrolFacts};

/// The version of `grid_windows` this binary keeps (meta `grid_windows`).
pub const GRID_WINDOWS_VERSION: u32 = 1;

/// Adds patrol `id`, whose track has `track_points` points now, to its grid's windows of the
/// day if it counts. Called as a patrol's first points are stored.
pub(crate) fn count_patrol(tx: &mut dyn LedgerTx, id: &PatrolId, track_points: u64) -> Result<()> {
    let Some(patrol) = tx.patrol(id)? else {
        return Ok(());
    };
    let received_at = tx.patrol_received_at(id)?.unwrap_or(patrol.started_at);
    let facts = PatrolFacts {
        patrol,
        received_at,
        track_points,
    };
    if let Some((day, window)) = counted_window(&facts, &PatrolWindows::default()) {
        tx.add_grid_windows(&facts.patrol.grid_id, day, window.bit())?;
    }
    Ok(())
}

/// Fills `grid_windows` from every stored patrol, unless the ledger's meta says it is kept
/// already; returns how many (day, grid) rows it wrote. The patrols are read a quarter of a
/// day at a time (a province's day is 336,000 patrols).
pub fn fill_grid_windows(tx: &mut dyn LedgerTx) -> Result<usize> {
    let done = tx
        .meta_get("grid_windows")?
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if done >= GRID_WINDOWS_VERSION {
        return Ok(0);
    }
    let mut written = 0;
    if let Some((first, last)) = tx.patrol_start_range()? {
        let windows = PatrolWindows::default();
        let step = Duration::hours(6);
        let mut from = first;
        while from <= last {
            let to = from + step;
            let mut seen: HashMap<(NaiveDate, GridId), u8> = HashMap::new();
            for f in tx.patrols_started_between(from, to, None)? {
                if let Some((day, w)) = counted_window(&f, &windows) {
                    *seen.entry((day, f.patrol.grid_id.clone())).or_default() |= w.bit();
                }
            }
            for ((day, grid), bits) in seen {
                tx.add_grid_windows(&grid, day, bits)?;
                written += 1;
            }
            from = to;
        }
    }
    tx.meta_set("grid_windows", &GRID_WINDOWS_VERSION.to_string())?;
    Ok(written)
}
