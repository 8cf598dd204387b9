//! Cases in the console: the filtered list, one case's detail, actions on it, and intake of a
//! new case by an operator (hotline 8890, service hall, WeChat).
//!
//! The list's filters are parsed once ([`FilterSpec`]) and shared with the exports, so a CSV is
//! exactly the list the operator was looking at.

pub mod actions;
pub mod detail;
pub mod filter;
pub mod intake;
pub mod list;

pub use actions::CaseChange;
pub use detail::{CaseDetail, PhotoView};
pub use filter::{all_matching_ids, CaseFilterQuery, FilterSpec, FILTER_PARAMS};
pub use list::{CaseList, CaseSummary};
