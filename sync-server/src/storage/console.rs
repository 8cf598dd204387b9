//! Queries behind the console: case lists with filters, the events the measures are computed
//! from, a case's finding and which of its photos have landed, patrols for coverage, and the
//! categories open cases still use.
//!
//! Every case query takes the caller's [`Viewer`] and returns only cases it may see, by the same
//! rule as `yiwang_core::workflow::can_see`: a unit member sees cases lodged from or held in
//! their subtree (org path prefix), a grid worker the cases of their grids, a department the
//! cases ever dispatched to it.

use super::cases::StoredFacts;
use super::changes::Viewer;
use super::Result;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};
use yiwang_core::case::{Case, CaseState, Channel};
use yiwang_core::field::Patrol;
use yiwang_core::ids::{
    CaseId, CategoryCode, DepartmentId, FindingId, GridId, OrgUnitId, PatrolId, PhotoHash, UserId,
};
use yiwang_core::measures::PatrolFacts;

/// What the console filters cases by. Every field narrows; an empty filter is "every case the
/// viewer may see".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    /// Any of these states (none: any state).
    pub states: Vec<CaseState>,
    pub holder_unit: Option<OrgUnitId>,
    /// Org paths (`/county/township/…/`) the case's origin unit must lie under, all of them.
    pub origin_within: Vec<String>,
    pub grid: Option<GridId>,
    /// A leaf code, or a top class code matching all its leaves.
    pub category: Option<CategoryCode>,
    /// Cases ever dispatched to this department.
    pub department: Option<DepartmentId>,
    /// `Some(true)`: at a department (dispatched or in progress) past the deadline at `now`;
    /// `Some(false)`: every other case.
    pub overdue: Option<bool>,
    /// `Some(true)`: urged (督办) at least once.
    pub supervised: Option<bool>,
    pub channel: Option<Channel>,
    /// Text contained in the description, the address, the caller's contact (name, phone) or the id.
    pub text: Option<String>,
    /// Reported at or after.
    pub reported_from: Option<DateTime<Utc>>,
    /// Reported before.
    pub reported_to: Option<DateTime<Utc>>,
    /// Only cases that are open, or that changed at or after this instant. Closed cases last
    /// touched before a period cannot add to its figures, so the measures skip them.
    pub active_since: Option<DateTime<Utc>>,
    /// The instant `overdue` is judged at.
    pub now: DateTime<Utc>,
    /// Only these cases (the cases behind a dashboard figure); `None`: no such limit.
    pub ids: Option<Vec<CaseId>>,
    /// `Some(true)`: a department asked for a later deadline and nobody has decided yet.
    pub extension_requested: Option<bool>,
    /// The rating the satisfaction figure counts (the resident's, else the operator's).
    pub rating: Option<RatingFilter>,
    /// A department's own lists: only the cases charged to it now (it holds them, or held them
    /// when they were handled and closed), or with `returned` the ones it no longer has (退回,
    /// or taken back) — never both, so a returned case is in no open or overdue count of it.
    pub charged: Option<(DepartmentId, bool)>,
}

/// Which closed cases by their rating (回访).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingFilter {
    /// Closed as a real case (not invalid, not a duplicate) and not rated at all yet.
    Unrated,
    /// Rated this way (the resident's rating, else the operator's).
    Is(yiwang_core::case::Rating),
}

impl RatingFilter {
    /// The rating's wire name (`satisfied`, …); `None` for unrated.
    pub fn rating_name(self) -> Option<String> {
        match self {
            RatingFilter::Unrated => None,
            RatingFilter::Is(r) => serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned)),
        }
    }
}

/// Whether `path` is the root unit's (one segment, `/id/`). The org tree has exactly one root
/// (`OrgTree::new` refuses anything else), so its subtree holds every case: a viewer there needs
/// no test at all.
pub fn is_root_path(path: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|p| p.strip_suffix('/'))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Every state but closed, as a list of SQL literals (`'reported', 'claimed', …`): the states
/// a case is still worked in, spelled so that an index on `state` can serve the test.
pub fn open_states_sql() -> String {
    CaseState::ALL
        .into_iter()
        .filter(|s| *s != CaseState::Closed)
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A patrol as the console lists it: the stored patrol with its track size and findings.
#[derive(Debug, Clone, PartialEq)]
pub struct PatrolRow {
    pub patrol: Patrol,
    /// Track points received so far.
    pub points: u64,
    /// Findings recorded on the patrol, and how many of them opened a case.
    pub findings: u64,
    pub reported: u64,
    /// When the server received the patrol's start.
    pub received_at: DateTime<Utc>,
}

impl PatrolRow {
    /// What coverage needs of the patrol (`yiwang_core::measures::patrol_coverage`).
    pub fn facts(&self) -> PatrolFacts {
        PatrolFacts {
            patrol: self.patrol.clone(),
            received_at: self.received_at,
            track_points: self.points,
        }
    }
}

impl CaseFilter {
    /// The filter with `states` dropped: what `counts_by_state` counts over.
    pub fn without_states(&self) -> CaseFilter {
        CaseFilter {
            states: vec![],
            ..self.clone()
        }
    }
}

/// What a case list is ordered by; ties are broken by case id so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    ReportedAt,
    UpdatedAt,
    /// Cases without a deadline come last in either direction.
    Deadline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseSort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for CaseSort {
    /// Newest reports first.
    fn default() -> Self {
        CaseSort {
            key: SortKey::ReportedAt,
            descending: true,
        }
    }
}

/// A window of a sorted list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: u64,
    pub limit: u64,
}

pub trait ConsoleTx {
    /// The cases `viewer` may see that match `filter`, in `sort` order, within `window` (all of
    /// them when `None`).
    fn find_cases(
        &mut self,
        viewer: &Viewer,
        filter: &CaseFilter,
        sort: CaseSort,
        window: Option<Window>,
    ) -> Result<Vec<Case>>;
    /// The ids of the cases `find_cases` would return without a window, in the same order: an
    /// export's list, read once and then streamed a page at a time.
    fn find_case_ids(
        &mut self,
        viewer: &Viewer,
        filter: &CaseFilter,
        sort: CaseSort,
    ) -> Result<Vec<CaseId>>;
    /// How many cases `find_cases` would return without a window.
    fn count_cases(&mut self, viewer: &Viewer, filter: &CaseFilter) -> Result<u64>;
    /// How many of them are in each state (states with none are absent).
    fn count_cases_by_state(
        &mut self,
        viewer: &Viewer,
        filter: &CaseFilter,
    ) -> Result<BTreeMap<CaseState, u64>>;
    /// Every matching case, in no particular order, with the figures' facts stored with it
    /// (`None` where the row has none that read).
    fn facts_of_cases(
        &mut self,
        viewer: &Viewer,
        filter: &CaseFilter,
    ) -> Result<Vec<(CaseId, Option<StoredFacts>)>>;
    /// The finding a case was opened from, as the device sent it (by the case's `finding_id`, or
    /// by the finding naming the case). `None` when there is none, or it has not arrived yet.
    fn finding_of_case(
        &mut self,
        case: &CaseId,
        finding: Option<&FindingId>,
    ) -> Result<Option<serde_json::Value>>;
    /// Which of `hashes` are in the photo store's index (uploaded and verified).
    fn stored_photos(&mut self, hashes: &[PhotoHash]) -> Result<BTreeSet<PhotoHash>>;
    /// Patrols that started in `[from, to)` on the grids under the org path `within` (all grids
    /// when `None`), with their receipt time and track length: what coverage counts them by.
    fn patrols_started_between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        within: Option<&str>,
    ) -> Result<Vec<PatrolFacts>>;
    /// The windows (`PatrolWindow::bit`s) each grid under the org path `within` (every grid
    /// when `None`) was patrolled in on the local day `day`; grids not patrolled are absent.
    fn grid_windows_on(
        &mut self,
        day: NaiveDate,
        within: Option<&str>,
    ) -> Result<Vec<(GridId, u8)>>;
    /// The earliest and the latest start of a stored patrol (`None` when there is none).
    fn patrol_start_range(&mut self) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>>;
    /// The display names of these users (those that exist).
    fn display_names(&mut self, users: &[UserId]) -> Result<BTreeMap<UserId, String>>;
    /// Patrols of `grids` that started in `[from, to)`, in start order, with their counts.
    fn patrol_rows(
        &mut self,
        grids: &[GridId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<PatrolRow>>;
    /// One patrol with its counts.
    fn patrol_row(&mut self, id: &PatrolId) -> Result<Option<PatrolRow>>;
    /// The findings recorded on a patrol, as the devices sent them, in observation order.
    fn findings_of_patrol(&mut self, id: &PatrolId) -> Result<Vec<serde_json::Value>>;
    /// The categories of cases that are not closed: a category tree without them would strand
    /// those cases (their deadline and default department come from the category).
    fn categories_of_open_cases(&mut self) -> Result<BTreeSet<CategoryCode>>;
}

#[cfg(test)]
mod tests {
    use super::{is_root_path, open_states_sql};

    #[test]
    fn only_a_one_segment_path_is_the_root() {
        assert!(is_root_path("/2108/"));
        assert!(is_root_path("/210882/"));
        for not_root in ["/2108/210883/", "/", "//", "2108/", "/2108", ""] {
            assert!(!is_root_path(not_root), "{not_root:?}");
        }
    }

    #[test]
    fn the_open_states_are_every_state_but_closed() {
        let list = open_states_sql();
        assert!(list.contains("'pending'") && list.contains("'verifying'"));
        assert!(!list.contains("closed"), "{list}");
        assert_eq!(list.matches('\'').count(), 2 * 6, "{list}");
    }
}
