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
use std::collections::{BTreeMap, BTreeSet};

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
    /// The last department the case was dispatched to.
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
pub const CASE_FACTS_VERSION: u32 = 1;

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
            _ => {}
        }
        if e.effect.department.is_some() {
            f.department = e.effect.department.clone();
        }
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
        let mut m = Measures::default();
        let mut hours_to_close = 0.0;
        for f in facts {
            if period.contains(f.reported_at) {
                m.reported += 1;
                if f.is_real_case() {
                    m.intake += 1;
                }
            }
            if !f.is_real_case() {
                continue;
            }
            if f.closed_in(&period) {
                let closed_at = f.closed_at.expect("closed_in checks it");
                m.closed += 1;
                m.due += 1;
                if f.deadline.is_none_or(|d| closed_at <= d) {
                    m.closed_on_time += 1;
                }
                hours_to_close += calendar
                    .working_time_between(f.reported_at, closed_at)
                    .num_seconds() as f64
                    / 3600.0;
            } else if let Some(d) = f.deadline {
                let closed_before = f.closed_at.is_some_and(|c| c < period.from);
                if period.contains(d) && d <= now && !closed_before {
                    m.due += 1;
                }
            }
            let verified: Vec<bool> = f
                .verifications
                .iter()
                .filter(|(t, _)| period.contains(*t))
                .map(|(_, pass)| *pass)
                .collect();
            if !verified.is_empty() {
                m.verified += 1;
                if verified.contains(&false) {
                    m.reworked += 1;
                }
            }
            if f.dispatched_at.is_some_and(|t| period.contains(t)) {
                m.dispatched += 1;
                if f.extended {
                    m.extended += 1;
                }
            }
            if let Some((r, t)) = f.counted_rating() {
                if period.contains(t) {
                    m.rated += 1;
                    if r.is_satisfied() {
                        m.satisfied += 1;
                    }
                }
            }
            if crate::case::is_overdue(f.state, f.deadline, now) {
                m.overdue_now += 1;
            }
        }
        m.closure_rate = ratio(m.closed, m.due);
        m.on_time_rate = ratio(m.closed_on_time, m.due);
        m.rework_rate = ratio(m.reworked, m.verified);
        m.extension_rate = ratio(m.extended, m.dispatched);
        m.satisfaction_rate = ratio(m.satisfied, m.rated);
        m.mean_hours_to_close = (m.closed > 0).then(|| hours_to_close / m.closed as f64);
        m
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
    let level = |l: OrgLevel| org.ancestor_at(&f.origin_unit, l).map(|u| u.id.0.clone());
    match dim {
        Dimension::County => level(OrgLevel::County),
        Dimension::Township => level(OrgLevel::Township),
        Dimension::Community => level(OrgLevel::Community),
        Dimension::Grid => f.grid_id.as_ref().map(|g| g.0.clone()),
        Dimension::Department => f.department.as_ref().map(|d| d.0.clone()),
        Dimension::Category => Some(f.category.0.clone()),
        Dimension::CategoryClass => Some(
            f.category
                .0
                .split('.')
                .next()
                .unwrap_or(&f.category.0)
                .to_owned(),
        ),
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
    let mut groups: BTreeMap<String, Vec<&CaseFacts>> = BTreeMap::new();
    for f in facts {
        if let Some(k) = key_of(f, dim, org) {
            groups.entry(k).or_default().push(f);
        }
    }
    groups
        .into_iter()
        .map(|(k, fs)| (k, Measures::compute(fs, period, now, calendar)))
        .collect()
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

/// 巡查率 of `grids` on `day`: a grid counts when patrols that [count](PatrolFacts::counts)
/// started in both the morning and the afternoon window of that local day.
pub fn patrol_coverage<'a>(
    grids: impl IntoIterator<Item = &'a GridId>,
    patrols: impl IntoIterator<Item = &'a PatrolFacts>,
    day: NaiveDate,
    windows: &PatrolWindows,
) -> Coverage {
    let mut seen: BTreeMap<&GridId, BTreeSet<PatrolWindow>> = BTreeMap::new();
    for f in patrols.into_iter().filter(|f| f.counts()) {
        if let Some((d, w)) = windows.classify(f.patrol.started_at) {
            if d == day {
                seen.entry(&f.patrol.grid_id).or_default().insert(w);
            }
        }
    }
    let mut c = Coverage::default();
    for g in grids {
        let n = seen.get(g).map_or(0, |s| s.len()) as u8;
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
