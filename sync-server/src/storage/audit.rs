//! The ledger audit behind `verify-ledger`: every case's hash chain, and its row (the figures'
//! facts and the query columns kept with it too) against the replay of its events. Backend-agnostic: it reads through [`LedgerTx`].

use super::cases::{case_columns, first_column_difference, StoredFacts};
use super::{LedgerTx, Result};
use yiwang_core::case::{Case, CaseEvent};
use yiwang_core::ids::CaseId;

/// What `verify-ledger` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerCheck {
    pub cases: usize,
    pub events: usize,
    /// Each failing case with the first thing wrong with it.
    pub failures: Vec<(CaseId, String)>,
}

/// Checks every case of the ledger: its events chain (sequence, links, hashes) up to the head
/// its row records, and replaying them gives exactly that row. A case whose stored JSON does
/// not even read fails too, with the reason; the others are still checked.
pub fn check_ledger(tx: &mut dyn LedgerTx) -> Result<LedgerCheck> {
    let mut check = LedgerCheck::default();
    for id in tx.case_ids()? {
        check.cases += 1;
        let problem = match (tx.case_events(&id), tx.case(&id)) {
            (Err(e), _) => Some(format!("its events cannot be read: {e}")),
            (_, Err(e)) => Some(format!("its case row cannot be read: {e}")),
            (Ok(_), Ok(None)) => Some("its case row is missing".to_owned()),
            (Ok(events), Ok(Some(case))) => {
                check.events += events.len();
                match verify_case(&id, &events, &case) {
                    Some(p) => Some(p),
                    None => match verify_facts(&events, tx.stored_case_facts(&id)?) {
                        Some(p) => Some(p),
                        None => verify_columns(tx, &case)?,
                    },
                }
            }
        };
        if let Some(p) = problem {
            check.failures.push((id, p));
        }
    }
    Ok(check)
}

fn verify_case(id: &CaseId, events: &[CaseEvent], case: &Case) -> Option<String> {
    let head = Some((case.version, case.head_hash.as_str()));
    if let Err(e) = yiwang_core::ledger::verify_chain(id, events, head) {
        return Some(e.to_string());
    }
    match Case::replay(events) {
        Err(e) => Some(format!("its events do not replay: {e}")),
        Ok(replayed) if replayed != *case => Some(
            "the case row differs from the replay of its events: the row was edited".to_owned(),
        ),
        Ok(_) => None,
    }
}

/// The figures' facts stored with a case against the fold of its events.
fn verify_facts(events: &[CaseEvent], stored: Option<StoredFacts>) -> Option<String> {
    (StoredFacts::of_events(events) != stored).then(|| {
        "the figures' facts stored with the case differ from its events: the row was edited"
            .to_owned()
    })
}

/// The columns the queries read (state, holder, origin path, departments, times, …) against
/// the case row they were written from: a column edited on its own moves the case between
/// queues, or into another unit's sight, while its JSON and chain stay intact.
fn verify_columns(tx: &mut dyn LedgerTx, case: &Case) -> Result<Option<String>> {
    let Some(stored) = tx.stored_case_columns(&case.id)? else {
        return Ok(Some("its case row is missing".to_owned()));
    };
    let Some(path) = tx.unit_path(&case.origin_unit)? else {
        return Ok(Some(format!(
            "its origin unit {} is not in the org tree",
            case.origin_unit
        )));
    };
    Ok(
        first_column_difference(&case_columns(case, &path), &stored).map(|(name, want, got)| {
            let show = |v: Option<String>| v.map_or("NULL".to_owned(), |s| format!("'{s}'"));
            format!(
                "its column {name} holds {} where its events say {}: the row was edited",
                show(got),
                show(want)
            )
        }),
    )
}
