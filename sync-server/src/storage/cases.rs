//! Cases and their events: the ledger proper.

use super::Result;
use yiwang_core::case::{Case, CaseEvent};
use yiwang_core::ids::CaseId;

pub trait CaseTx {
    fn case(&mut self, id: &CaseId) -> Result<Option<Case>>;
    fn case_events(&mut self, id: &CaseId) -> Result<Vec<CaseEvent>>;
    /// Appends `event` to its case's chain and stores `case` (the projection after it) in the
    /// same transaction; logs both for pull. Fails if the event's sequence number is taken.
    fn append_case_event(&mut self, case: &Case, event: &CaseEvent) -> Result<()>;
    /// Every case id, in id order (for `verify-ledger`).
    fn case_ids(&mut self) -> Result<Vec<CaseId>>;
    /// Stores `case` as the projection of its unchanged events, in the case row and in its
    /// change-log record (keeping the record's sequence number): a newer binary projecting the
    /// same events into more fields ([`upgrade_case_projections`]).
    fn rewrite_case_projection(&mut self, case: &Case) -> Result<()>;
}

/// The version of the stored case projection this binary writes. 2: `handled_at` (issue 10).
pub const CASE_PROJECTION: u32 = 2;

/// A case as projection version 1 stored it: without the fields later versions added.
fn as_projection_1(case: &Case) -> Case {
    Case {
        handled_at: None,
        ..case.clone()
    }
}

/// Brings every stored case row up to [`CASE_PROJECTION`], replaying each case's events: a case
/// row is a projection of its events, so a binary that projects more (a new field of `Case`)
/// rewrites the rows once, as it opens the ledger, and `verify-ledger` (which compares each row
/// with the replay of its events) stays true. Only a row equal to its replay but for the new
/// fields is rewritten: a row someone edited stays as it is, for `verify-ledger` to name.
/// Returns how many rows changed.
pub fn upgrade_case_projections(tx: &mut dyn super::LedgerTx) -> Result<usize> {
    let done = tx
        .meta_get("case_projection")?
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(1);
    if done >= CASE_PROJECTION {
        return Ok(0);
    }
    let mut changed = 0;
    for id in tx.case_ids()? {
        let events = tx.case_events(&id)?;
        let Some(stored) = tx.case(&id)? else {
            continue;
        };
        // A chain that does not replay is left as it is, for `verify-ledger` to report.
        if let Ok(replayed) = Case::replay(&events) {
            if replayed != stored && as_projection_1(&replayed) == stored {
                tx.rewrite_case_projection(&replayed)?;
                changed += 1;
            }
        }
    }
    tx.meta_set("case_projection", &CASE_PROJECTION.to_string())?;
    Ok(changed)
}
