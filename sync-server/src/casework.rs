//! Taking an action on a case inside a ledger transaction: load the case, let
//! `yiwang_core::workflow::decide` decide, append the event and the new projection. The sync
//! push, the console and the demo history all go through [`act`], so there is one way a case
//! changes — and one place where the photos an action carries are logged again for whoever sees
//! the case (a photo uploaded from the console is visible only to its uploader until a case
//! event names it).

use crate::state::Reference;
use crate::storage::{LedgerTx, Result};
use chrono::{DateTime, Utc};
use yiwang_core::case::{Action, Case, CaseEvent};
use yiwang_core::ids::CaseId;
use yiwang_core::org::Actor;
use yiwang_core::workflow::{decide, Refusal};

/// Decides `action` by `actor` on case `id`, decided on `base_version`, at `now`; on success
/// the event is appended and the case updated in `tx`. A refusal changes nothing.
pub fn act(
    tx: &mut dyn LedgerTx,
    reference: &Reference,
    actor: &Actor,
    id: &CaseId,
    base_version: u64,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<Result<(Case, CaseEvent), Refusal>> {
    let current = tx.case(id)?;
    // The other case an action names (a merge's target), as the ledger has it now.
    let related = match action {
        Action::MergeDuplicate { duplicate_of, .. } if duplicate_of != id => {
            tx.case(duplicate_of)?
        }
        _ => None,
    };
    // The naming rule: naming a stored photo must not be a way to see it (issue 13).
    if let Some(h) = crate::photos::unnameable(tx, reference, actor, action.photos())? {
        return Ok(Err(Refusal::UnknownPhoto {
            sha256: h.to_string(),
        }));
    }
    let event = match decide(
        current.as_ref(),
        id,
        base_version,
        action,
        actor,
        &reference.context(now).with_related(related.as_ref()),
    ) {
        Ok(e) => e,
        Err(r) => return Ok(Err(r)),
    };
    let case = Case::apply(current, &event).map_err(|e| {
        crate::storage::StorageError::Invalid(format!("decided event does not apply: {e}"))
    })?;
    tx.append_case_event(&case, &event)?;
    for photo in action.photos() {
        crate::storage::photo_log::log_photo(tx, photo)?;
    }
    Ok(Ok((case, event)))
}
