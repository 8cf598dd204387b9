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
}
