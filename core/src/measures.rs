//! The county's figures (docs/DESIGN.md §4), computed from each case's facts, a fold of its events
//! ([`CaseFacts`]); only the facts are kept (with each case row, by the server), never a figure.
//!
//! For a period `P = [from, to)`, evaluated at `now` (events after `now` do not exist yet):
//!
//! - **reported**: cases whose report falls in P; **intake** 立案数: of those, the ones not
//!   closed as invalid or duplicate (不予立案 is not a case).
//! - **closed** 结案数: cases now closed (resolved or resolved on the spot) whose closure falls in P.
//! - **due** 应结案数: cases closed in P, plus open-or-later-closed cases whose deadline fell in P
//!   before `now`. **closure rate** 结案率 = closed ÷ due.
//! - **on time** 按期结案: closed in P no later than the deadline they had (a case closed
//!   without ever getting a deadline is on time). **on-time rate** 按期结案率 = on time ÷ due.
//! - **rework rate** 返工率 = cases with a `verify_fail` in P ÷ cases verified (pass or fail) in P.
//! - **extension rate** 延期率 = cases dispatched in P that got an extension ÷ cases dispatched in P.
//! - **satisfaction** 满意率 = (满意 + 基本满意) ÷ cases rated in P. A case counts one rating:
//!   the resident's (群众评价) where there is one, else the operator's (办理人员评价), at the
//!   time it was given.
//! - **overdue now**: cases at a department (dispatched or in progress) past their deadline.
//! - **mean working hours to close**: from report to closure, on the working calendar, over
//!   the cases closed in P.
//! - **patrol coverage** 巡查率 = grids with a morning and an afternoon patrol on a day ÷ grids.
//!   Only a patrol that [counts](PatrolFacts::counts) is seen: one with a track, whose claimed
//!   start is not later than the server received it plus [`MAX_PATROL_START_LEAD`].

use crate::calendar::WorkingCalendar;
use crate::case::{Action, CaseEvent, CaseState, Outcome};
use crate::field::{Patrol, PatrolWindow, PatrolWindows};
use crate::ids::{CaseId, CategoryCode, DepartmentId, GridId, OrgUnitId};
use crate::org::{OrgLevel, OrgTree};
use crate::rating::{Rating, RatingSource};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A half-open time range `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && t < self.to
    }
}

/// What the measures need to know of one case, read off its events.
///
/// A fold over the case's chain ([`CaseFacts::begin`], then [`CaseFacts::apply`] per event):
/// the server keeps each case's facts current as events are appended, so a figure reads one
/// row per case instead of replaying every event of the county on each request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFacts {
    pub case_id: CaseId,
    pub category: CategoryCode,
    pub grid_id: Option<GridId>,
    pub origin_unit: OrgUnitId,
    /// The department the case is charged to: the one holding it now, or the one that held it
    /// when it was handled and closed. A department that returned the case (退回) is not
    /// charged with it any more: returned, the case has none until it is dispatched again.
    pub department: Option<DepartmentId>,
    pub state: CaseState,
    pub outcome: Option<Outcome>,
    pub reported_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub extended: bool,
    /// Times of verification results: `true` for a pass, `false` for a fail.
    pub verifications: Vec<(DateTime<Utc>, bool)>,
    /// The resident's rating (群众评价) and when it was given.
    pub resident_rating: Option<(Rating, DateTime<Utc>)>,
    /// The operator's own rating (办理人员评价) and when it was given.
    pub operator_rating: Option<(Rating, DateTime<Utc>)>,
}

/// The version of [`CaseFacts`] as the server stores it: a binary whose facts read more off the
/// events raises it, and stored facts of an older version are recomputed from the events.
/// 2: `department` follows the case (none after a return or a reopening), no longer the last
/// department it was ever dispatched to (issue 17).
pub const CASE_FACTS_VERSION: u32 = 2;

impl CaseFacts {
    /// Reads the facts off a case's events (in order), ignoring events after `now`.
    pub fn from_events(events: &[CaseEvent], now: DateTime<Utc>) -> Option<CaseFacts> {
        let mut it = events.iter().take_while(|e| e.at <= now);
        let mut f = CaseFacts::begin(it.next()?)?;
        for e in it {
            f.apply(e);
        }
        Some(f)
    }

    /// The facts after a case's first event, its report; `None` for any other event.
    pub fn begin(first: &CaseEvent) -> Option<CaseFacts> {
        let Action::Report(new) = &first.action else {
            return None;
        };
        Some(CaseFacts {
            case_id: first.case_id.clone(),
            category: new.category.clone(),
            grid_id: new.grid_id.clone(),
            origin_unit: first.effect.holder_unit.clone(),
            department: None,
            state: first.effect.state,
            outcome: None,
            reported_at: first.at,
            closed_at: None,
            deadline: None,
            dispatched_at: None,
            extended: false,
            verifications: vec![],
            resident_rating: None,
            operator_rating: None,
        })
    }

    /// The facts after one more event of the case (any event after the report).
    pub fn apply(&mut self, e: &CaseEvent) {
        let f = self;
        match &e.action {
            Action::Dispatch { .. } if f.dispatched_at.is_none() => f.dispatched_at = Some(e.at),
            Action::ExtendDeadline { .. } => f.extended = true,
            Action::VerifyPass { .. } => f.verifications.push((e.at, true)),
            Action::VerifyFail { .. } => f.verifications.push((e.at, false)),
            Action::Rate { rating, source, .. } => {
                let slot = match source {
                    RatingSource::Resident => &mut f.resident_rating,
                    RatingSource::Operator => &mut f.operator_rating,
                };
                *slot = Some((*rating, e.at));
            }
            Action::Reopen { .. } => {
                f.resident_rating = None;
                f.operator_rating = None;
                f.closed_at = None;
            }
            Action::Unmerge { .. } => f.closed_at = None,
            _ => {}
        }
        // As the case holds it: set by a dispatch, kept while the case is handled, verified and
        // closed, cleared by a return or a reopening.
        f.department = e.effect.department.clone();
        if e.effect.state == CaseState::Closed && f.state != CaseState::Closed {
            f.closed_at = Some(e.at);
        }
        f.state = e.effect.state;
        f.outcome = e.effect.outcome;
        f.deadline = e.effect.deadline;
    }

    /// The rating the satisfaction figure counts: the resident's where there is one, else the
    /// operator's.
    pub fn counted_rating(&self) -> Option<(Rating, DateTime<Utc>)> {
        self.resident_rating.or(self.operator_rating)
    }

    fn is_real_case(&self) -> bool {
        self.outcome.is_none_or(Outcome::counts_as_case)
    }

    fn closed_in(&self, p: &Period) -> bool {
        self.state == CaseState::Closed
            && self.is_real_case()
            && self.closed_at.is_some_and(|t| p.contains(t))
    }
}

/// The figures for one set of cases and one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measures {
    pub reported: u64,
    pub intake: u64,
    pub due: u64,
    pub closed: u64,
    pub closed_on_time: u64,
    pub closure_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub verified: u64,
    pub reworked: u64,
    pub rework_rate: Option<f64>,
    pub dispatched: u64,
    pub extended: u64,
    pub extension_rate: Option<f64>,
    pub rated: u64,
    pub satisfied: u64,
    pub satisfaction_rate: Option<f64>,
    pub overdue_now: u64,
    pub mean_hours_to_close: Option<f64>,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl Measures {
    /// Computes the figures over `facts` for `period`, as of `now`.
    pub fn compute<'a>(
        facts: impl IntoIterator<Item = &'a CaseFacts>,
        period: Period,
        now: DateTime<Utc>,
        calendar: &WorkingCalendar,
    ) -> Measures {
        let mut t = Tally::default();
        for f in facts {
            t.add(&Tally::of(f, period, now, calendar));
        }
        t.measures()
    }
}

/// What one case adds to the figures of a period, or a set of cases' sum of it: every figure
/// is a sum over cases (then a ratio of sums), so a case's part is computed once and added to
/// the total and to each breakdown it falls in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    reported: u64,
    intake: u64,
    due: u64,
    closed: u64,
    closed_on_time: u64,
    verified: u64,
    reworked: u64,
    dispatched: u64,
    extended: u64,
    rated: u64,
    satisfied: u64,
    overdue_now: u64,
    /// Working seconds from report to closure, over the cases closed in the period (whole
    /// seconds, so a sum does not depend on the order it was added in).
    seconds_to_close: i64,
}

impl Tally {
    /// One case's part in the figures of `period`, as of `now`.
    pub fn of(
        f: &CaseFacts,
        period: Period,
        now: DateTime<Utc>,
        calendar: &WorkingCalendar,
    ) -> Tally {
        let mut t = Tally::default();
        if period.contains(f.reported_at) {
            t.reported = 1;
            if f.is_real_case() {
                t.intake = 1;
            }
        }
        if !f.is_real_case() {
            return t;
        }
        if f.closed_in(&period) {
            let closed_at = f.closed_at.expect("closed_in checks it");
            t.closed = 1;
            t.due = 1;
            if f.deadline.is_none_or(|d| closed_at <= d) {
                t.closed_on_time = 1;
            }
            t.seconds_to_close = calendar
                .working_time_between(f.reported_at, closed_at)
                .num_seconds();
        } else if let Some(d) = f.deadline {
            let closed_before = f.closed_at.is_some_and(|c| c < period.from);
            if period.contains(d) && d <= now && !closed_before {
                t.due = 1;
            }
        }
        let mut verified = f
            .verifications
            .iter()
            .filter(|(at, _)| period.contains(*at));
        if let Some(first) = verified.next() {
            t.verified = 1;
            if !first.1 || verified.any(|(_, pass)| !pass) {
                t.reworked = 1;
            }
        }
        if f.dispatched_at.is_some_and(|at| period.contains(at)) {
            t.dispatched = 1;
            if f.extended {
                t.extended = 1;
            }
        }
        if let Some((r, at)) = f.counted_rating() {
            if period.contains(at) {
                t.rated = 1;
                if r.is_satisfied() {
                    t.satisfied = 1;
                }
            }
        }
        if crate::case::is_overdue(f.state, f.deadline, now) {
            t.overdue_now = 1;
        }
        t
    }

    pub fn add(&mut self, o: &Tally) {
        self.reported += o.reported;
        self.intake += o.intake;
        self.due += o.due;
        self.closed += o.closed;
        self.closed_on_time += o.closed_on_time;
        self.verified += o.verified;
        self.reworked += o.reworked;
        self.dispatched += o.dispatched;
        self.extended += o.extended;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
        self.overdue_now += o.overdue_now;
        self.seconds_to_close += o.seconds_to_close;
    }

    /// The figures of the cases summed.
    pub fn measures(&self) -> Measures {
        Measures {
            reported: self.reported,
            intake: self.intake,
            due: self.due,
            closed: self.closed,
            closed_on_time: self.closed_on_time,
            closure_rate: ratio(self.closed, self.due),
            on_time_rate: ratio(self.closed_on_time, self.due),
            verified: self.verified,
            reworked: self.reworked,
            rework_rate: ratio(self.reworked, self.verified),
            dispatched: self.dispatched,
            extended: self.extended,
            extension_rate: ratio(self.extended, self.dispatched),
            rated: self.rated,
            satisfied: self.satisfied,
            satisfaction_rate: ratio(self.satisfied, self.rated),
            overdue_now: self.overdue_now,
            mean_hours_to_close: (self.closed > 0)
                .then(|| self.seconds_to_close as f64 / 3600.0 / self.closed as f64),
        }
    }
}

/// What to break the figures down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    County,
    Township,
    Community,
    Grid,
    Department,
    Category,
    /// The category's top class.
    CategoryClass,
}

/// The key a case falls under for `dim`, if any (a case never dispatched has no department).
pub fn key_of(f: &CaseFacts, dim: Dimension, org: &OrgTree) -> Option<String> {
    key_ref(f, dim, org).map(str::to_owned)
}

/// [`key_of`], borrowed from the case's facts or the tree.
fn key_ref<'a>(f: &'a CaseFacts, dim: Dimension, org: &'a OrgTree) -> Option<&'a str> {
    let level = |l: OrgLevel| org.ancestor_at(&f.origin_unit, l).map(|u| u.id.0.as_str());
    match dim {
        Dimension::County => level(OrgLevel::County),
        Dimension::Township => level(OrgLevel::Township),
        Dimension::Community => level(OrgLevel::Community),
        Dimension::Grid => f.grid_id.as_ref().map(|g| g.0.as_str()),
        Dimension::Department => f.department.as_ref().map(|d| d.0.as_str()),
        Dimension::Category => Some(f.category.0.as_str()),
        Dimension::CategoryClass => f.category.0.split('.').next(),
    }
}

/// The figures for each key of `dim`.
pub fn breakdown(
    facts: &[CaseFacts],
    dim: Dimension,
    org: &OrgTree,
    period: Period,
    now: DateTime<Utc>,
    calendar: &WorkingCalendar,
) -> BTreeMap<String, Measures> {
    let (_, mut by) = figures(facts, &[dim], org, period, now, calendar);
    by.pop().unwrap_or_default()
}

/// The figures over all of `facts`, and for each key of each of `dims` (in their order): each
/// case's part is computed once, however many breakdowns it is added to.
pub fn figures(
    facts: &[CaseFacts],
    dims: &[Dimension],
    org: &OrgTree,
    period: Period,
    now: DateTime<Utc>,
    calendar: &WorkingCalendar,
) -> (Measures, Vec<BTreeMap<String, Measures>>) {
    let mut total = Tally::default();
    let mut groups: Vec<HashMap<&str, Tally>> = vec![HashMap::new(); dims.len()];
    // A unit level's key is the origin unit's ancestor: looked up once per origin unit, not
    // once per case (a province's half a million cases come from 30,000 units).
    let mut ancestors: Vec<HashMap<&str, Option<&str>>> = vec![HashMap::new(); dims.len()];
    for f in facts {
        let t = Tally::of(f, period, now, calendar);
        total.add(&t);
        for ((dim, group), memo) in dims.iter().zip(groups.iter_mut()).zip(ancestors.iter_mut()) {
            let key = match dim {
                Dimension::County | Dimension::Township | Dimension::Community => *memo
                    .entry(f.origin_unit.0.as_str())
                    .or_insert_with(|| key_ref(f, *dim, org)),
                _ => key_ref(f, *dim, org),
            };
            if let Some(k) = key {
                group.entry(k).or_default().add(&t);
            }
        }
    }
    let by = groups
        .into_iter()
        .map(|g| {
            g.into_iter()
                .map(|(k, t)| (k.to_owned(), t.measures()))
                .collect()
        })
        .collect();
    (total.measures(), by)
}

/// Patrol coverage of a set of grids on one local day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coverage {
    pub grids: u64,
    /// Both windows patrolled.
    pub covered: u64,
    /// Exactly one window patrolled.
    pub partial: u64,
    /// No patrol.
    pub none: u64,
    pub rate: Option<f64>,
    /// Windows patrolled per grid (0, 1 or 2), for tables and maps.
    pub by_grid: BTreeMap<GridId, u8>,
}

/// How far a patrol's claimed start may lie after the moment the server received its start: a
/// device clock a little fast is forgiven, a patrol dated into the future never counts.
pub const MAX_PATROL_START_LEAD: Duration = Duration::minutes(5);

/// What coverage needs to know of one patrol: what the device claimed, when the server received
/// its start (a time the device cannot choose) and how many track points have arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct PatrolFacts {
    pub patrol: Patrol,
    /// When the server received the patrol's start.
    pub received_at: DateTime<Utc>,
    /// Track points received so far.
    pub track_points: u64,
}

impl PatrolFacts {
    /// Whether the patrol counts for coverage: it has a track, and its claimed start is no later
    /// than its receipt plus [`MAX_PATROL_START_LEAD`]. (A start claimed long *before* receipt is
    /// an offline patrol synced later, and still counts.)
    pub fn counts(&self) -> bool {
        self.track_points > 0 && self.patrol.started_at <= self.received_at + MAX_PATROL_START_LEAD
    }
}

/// The local day and window a patrol counts for (none when it does not
/// [count](PatrolFacts::counts), or starts outside both windows). The server keeps each grid's
/// windows per day as patrols come to count (`grid_windows`), with this same rule.
pub fn counted_window(
    f: &PatrolFacts,
    windows: &PatrolWindows,
) -> Option<(NaiveDate, PatrolWindow)> {
    if !f.counts() {
        return None;
    }
    windows.classify(f.patrol.started_at)
}

/// 巡查率 of `grids` on `day`: a grid counts when patrols that [count](PatrolFacts::counts)
/// started in both the morning and the afternoon window of that local day.
pub fn patrol_coverage<'a>(
    grids: impl IntoIterator<Item = &'a GridId>,
    patrols: impl IntoIterator<Item = &'a PatrolFacts>,
    day: NaiveDate,
    windows: &PatrolWindows,
) -> Coverage {
    // The windows seen per grid, one bit each.
    let mut seen: HashMap<&GridId, u8> = HashMap::new();
    for f in patrols {
        if let Some((d, w)) = counted_window(f, windows) {
            if d == day {
                *seen.entry(&f.patrol.grid_id).or_default() |= w.bit();
            }
        }
    }
    coverage_of_windows(grids, |g| seen.get(g).copied().unwrap_or(0))
}

/// 巡查率 of `grids` from the windows patrolled on each (a set of [`PatrolWindow::bit`]s).
pub fn coverage_of_windows<'a>(
    grids: impl IntoIterator<Item = &'a GridId>,
    windows_of: impl Fn(&GridId) -> u8,
) -> Coverage {
    let mut c = Coverage::default();
    for g in grids {
        let n = windows_of(g).count_ones() as u8;
        c.grids += 1;
        match n {
            2 => c.covered += 1,
            1 => c.partial += 1,
            _ => c.none += 1,
        }
        c.by_grid.insert(g.clone(), n);
    }
    c.rate = ratio(c.covered, c.grids);
    c
}
