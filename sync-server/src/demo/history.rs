//! The reference county's past, as data: how much history to make ([`HistorySpec`]) and what
//! came of it ([`HistoryReport`]), who acts on cases ([`People`]), and what turns up where (the
//! categories each kind of grid sees, the places, details and callers of the cases).
//! `super::seed_history` drives the cases with `super::driver`.

use crate::seed::Seeded;
use crate::storage::auth::StoredUser;
use crate::storage::{Result, StorageError};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::{BTreeMap, HashMap};
use yiwang_core::case::CaseState;
use yiwang_core::category::Category;
use yiwang_core::ids::{DepartmentId, GridId, OrgUnitId};
use yiwang_core::org::{Actor, GridKind, Role};

/// How much history to make.
#[derive(Debug, Clone)]
pub struct HistorySpec {
    /// Cases reported over the period.
    pub cases: usize,
    /// Days of history before `now`.
    pub days: i64,
    /// Findings resolved on the spot (现场处置) over the period, besides those made on patrols.
    pub on_spot_findings: usize,
    /// Days of patrols up to `now` (today included): two rounds a day on most grids.
    pub patrol_days: i64,
    pub seed: u64,
}

impl Default for HistorySpec {
    /// The reference county's first months: 11,050 cases over 90 days, and a week of patrols.
    fn default() -> Self {
        HistorySpec {
            cases: 11_050,
            days: 90,
            on_spot_findings: 3_000,
            patrol_days: 7,
            seed: 8890,
        }
    }
}

/// What [`seed_history`] made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryReport {
    pub cases: usize,
    pub events: usize,
    /// Cases by the state they were left in.
    pub states: BTreeMap<CaseState, usize>,
    pub reworked: usize,
    pub rated: usize,
    pub supervised: usize,
    /// Findings recorded through `finding.create` ops (a grid worker's case opens with one).
    pub findings: usize,
    /// Patrols started through `patrol.start` ops.
    pub patrols: usize,
    /// Ops pushed through the sync engine ([`crate::sync::apply_ops`]).
    pub ops: usize,
    /// Actions the workflow (or ops the sync engine) refused. The simulation means every one of
    /// them, so this should be zero; a refusal leaves its case where it was.
    pub refused: usize,
    pub first_refusal: Option<String>,
}

impl HistoryReport {
    /// Adds another county's history to this one.
    pub fn absorb(&mut self, other: HistoryReport) {
        self.cases += other.cases;
        self.events += other.events;
        for (state, n) in other.states {
            *self.states.entry(state).or_default() += n;
        }
        self.reworked += other.reworked;
        self.rated += other.rated;
        self.supervised += other.supervised;
        self.findings += other.findings;
        self.patrols += other.patrols;
        self.ops += other.ops;
        self.refused += other.refused;
        if self.first_refusal.is_none() {
            self.first_refusal = other.first_refusal;
        }
    }
}

/// The people who act on cases, by where they sit.
pub(super) struct People {
    pub(super) workers: HashMap<GridId, Actor>,
    /// The same workers as stored users: their devices push ops.
    pub(super) worker_users: HashMap<GridId, StoredUser>,
    /// Community, township and centre operators, by their unit.
    pub(super) operators: HashMap<OrgUnitId, Actor>,
    pub(super) departments: HashMap<DepartmentId, Actor>,
    pub(super) center: Actor,
    pub(super) leader: Actor,
}

pub(super) fn missing(what: String) -> StorageError {
    StorageError::Invalid(format!("the seeded users have no {what}"))
}

impl People {
    pub(super) fn new(seeded: &Seeded) -> Result<People> {
        let mut workers = HashMap::new();
        let mut worker_users = HashMap::new();
        let mut operators = HashMap::new();
        let mut departments = HashMap::new();
        let (mut center, mut leader) = (None, None);
        for u in &seeded.users {
            let a = u.actor();
            match (u.role, &u.org_unit_id, &u.department_id) {
                (Role::GridWorker, _, _) => {
                    for g in &u.grid_ids {
                        workers.insert(g.clone(), a.clone());
                        worker_users.insert(g.clone(), u.clone());
                    }
                }
                (Role::Community | Role::Township, Some(unit), _) => {
                    operators.insert(unit.clone(), a);
                }
                (Role::Center, Some(unit), _) => {
                    operators.entry(unit.clone()).or_insert_with(|| a.clone());
                    center.get_or_insert(a);
                }
                (Role::Leader, _, _) => {
                    leader.get_or_insert(a);
                }
                (Role::Department, _, Some(d)) => {
                    departments.insert(d.clone(), a);
                }
                _ => {}
            }
        }
        Ok(People {
            workers,
            worker_users,
            operators,
            departments,
            center: center.ok_or_else(|| missing("centre dispatcher".into()))?,
            leader: leader.ok_or_else(|| missing("leader".into()))?,
        })
    }

    pub(super) fn worker(&self, grid: &GridId) -> Result<Actor> {
        self.workers
            .get(grid)
            .cloned()
            .ok_or_else(|| missing(format!("worker for grid {grid}")))
    }

    pub(super) fn worker_user(&self, grid: &GridId) -> Result<StoredUser> {
        self.worker_users
            .get(grid)
            .cloned()
            .ok_or_else(|| missing(format!("worker for grid {grid}")))
    }

    pub(super) fn operator(&self, unit: &OrgUnitId) -> Result<Actor> {
        self.operators
            .get(unit)
            .cloned()
            .ok_or_else(|| missing(format!("operator for unit {unit}")))
    }

    pub(super) fn department(&self, d: &DepartmentId) -> Result<Actor> {
        self.departments
            .get(d)
            .cloned()
            .ok_or_else(|| missing(format!("handler for department {d}")))
    }
}

/// A leaf category with its weight for a kind of grid.
pub(super) struct Weighted<'a> {
    pub(super) leaf: &'a Category,
    pub(super) weight: f64,
}

/// How often each top class (01–15 of the built-in tree) turns up on a kind of grid: street
/// order and appearance on urban-rural grids, safety and public security around schools,
/// safety, pollution and wage disputes at enterprises. Classes a county adds weigh nothing.
pub(super) fn class_weight(kind: GridKind, class: &str) -> f64 {
    #[rustfmt::skip]
    let row: [f64; 15] = match kind {
        //                     01   02    03   04   05   06   07   08   09   10    11   12   13   14   15
        GridKind::UrbanRural => [8.0, 7.0, 14.0, 5.0, 5.0, 5.0, 4.0, 0.6, 9.0, 8.0,  8.0, 5.0, 6.0, 5.0, 2.0],
        GridKind::School     => [3.0, 6.0,  3.0, 0.0, 0.0, 0.0, 0.0, 0.4, 5.0, 0.0, 12.0, 6.0, 3.0, 4.0, 0.0],
        GridKind::Enterprise => [3.0, 2.0,  8.0, 0.0, 2.0, 0.0, 6.0, 0.6, 0.0, 5.0, 12.0, 0.0, 0.0, 0.0, 3.0],
    };
    class
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| row.get(i))
        .copied()
        .unwrap_or(0.0)
}

pub(super) fn pick<'a, T>(
    rng: &mut StdRng,
    items: &'a [T],
    weight: impl Fn(&T) -> f64,
) -> Option<&'a T> {
    let sum: f64 = items.iter().map(&weight).sum();
    if sum <= 0.0 {
        return None;
    }
    let mut r = rng.gen_range(0.0..sum);
    for it in items {
        let w = weight(it);
        if r < w {
            return Some(it);
        }
        r -= w;
    }
    items.last()
}

pub(super) const PLACES: &[&str] = &[
    "小区东门附近",
    "3号楼北侧",
    "主干道与支路交叉口",
    "村委会西侧路边",
    "农贸市场南口",
    "公交站台旁",
    "学校门口",
    "桥头东侧",
    "居民楼后院",
    "沿河路段",
    "厂区围墙外",
    "商铺门前",
    "健身广场边",
    "老旧小区院内",
];
pub(super) const DETAILS: &[&str] = &[
    "现场已拍照取证",
    "居民多次反映",
    "影响群众出行",
    "存在安全隐患",
    "需相关部门协调处置",
    "请尽快安排处理",
];
pub(super) const CALLERS: &[&str] = &[
    "王女士",
    "李先生",
    "张女士",
    "刘先生",
    "赵女士",
    "孙先生",
    "陈女士",
    "杨先生",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::seed_history;
    use crate::seed::small_plan;
    use crate::state::Reference;
    use chrono::{DateTime, Utc};

    use crate::seed::seed_county;
    use crate::storage::Ledger;
    use chrono::Duration;
    use std::collections::BTreeSet;
    use yiwang_core::calendar::WorkingCalendar;

    /// An empty ledger in a folder of its own (kept alive by the first value), and the moment the
    /// histories are drawn up to.
    fn fresh_ledger() -> (tempfile::TempDir, Ledger, DateTime<Utc>) {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&format!(
            "sqlite:{}",
            dir.path().join("ledger.sqlite").display()
        ))
        .unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-26T15:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        (dir, ledger, now)
    }

    #[test]
    fn the_history_drives_the_real_workflow_without_a_refusal() {
        let (_dir, ledger, now) = fresh_ledger();
        let spec = HistorySpec {
            cases: 400,
            days: 40,
            on_spot_findings: 20,
            patrol_days: 2,
            seed: 7,
        };
        let (report, check, states_recent) = ledger
            .write_blocking(move |tx| {
                let seeded = seed_county(tx, &small_plan(), "not a real hash", true, now)?;
                let reference = Reference::load(tx, WorkingCalendar::china())?;
                let report = seed_history(tx, &reference, &seeded, &spec, now, &|_| {})?;
                let check = crate::storage::audit::check_ledger(tx)?;
                let mut recent = BTreeSet::new();
                for id in tx.case_ids()? {
                    let c = tx.case(&id)?.expect("listed cases exist");
                    assert!(
                        c.holder_on_origin_path(&reference.org),
                        "case {}: held by {} off its origin {}'s path",
                        c.id,
                        c.holder_unit,
                        c.origin_unit
                    );
                    if c.reported_at > now - Duration::days(3) {
                        recent.insert(c.state);
                    }
                }
                Ok((report, check, recent))
            })
            .unwrap();
        assert_eq!(
            (report.refused, report.first_refusal.as_deref()),
            (0, None),
            "every simulated action is one the workflow permits"
        );
        assert_eq!(report.cases, 400, "every planned case was reported");
        assert!(
            check.failures.is_empty() && check.cases == 400,
            "every chain verifies: {:?}",
            check.failures
        );
        assert_eq!(check.events, report.events, "each event counted once");
        let closed = report.states.get(&CaseState::Closed).copied().unwrap_or(0);
        assert!(
            closed > 340 && closed < 400,
            "most cases are closed, some are still open: {closed}"
        );
        assert!(
            states_recent.len() >= 3,
            "the last days leave work in several states: {states_recent:?}"
        );
        assert!(
            report.reworked > 0 && report.rated > 200 && report.supervised > 0,
            "rework, ratings and 督办 all happen: {report:?}"
        );
        assert!(
            report.findings >= 320 && report.patrols > 20,
            "grid cases open with findings, and grids are patrolled: {report:?}"
        );
    }

    /// Two counties under a city (`seed_city`): each county's history is drawn from its own
    /// seed, stays in its own grids and is worked by its own people. (That a county centre never
    /// escalates to the city is `OrgTree::escalation_target`'s test in core.)
    #[test]
    fn a_province_history_keeps_each_county_to_itself() {
        use crate::seed::{county_prefix, seed_city, CityPlan, CountyPlan};
        use yiwang_core::org::OrgLevel;
        let (_dir, ledger, now) = fresh_ledger();
        // The small plan again under another code: every id renamed.
        let other = |p: &CountyPlan| -> CountyPlan {
            let mut q = p.clone();
            q.id = "210883".into();
            q.name = "示范县002".into();
            for t in &mut q.townships {
                t.id = t.id.0.replacen("210882", "210883", 1).into();
                for c in &mut t.communities {
                    c.id = c.id.0.replacen("210882", "210883", 1).into();
                    for g in &mut c.grids {
                        g.id = g.id.0.replacen("210882", "210883", 1).into();
                    }
                }
            }
            q
        };
        let first = small_plan();
        let city = CityPlan {
            id: "2108".into(),
            name: "营口市".into(),
            counties: vec![first.clone(), other(&first)],
        };
        let (reports, cases) = ledger
            .write_blocking(move |tx| {
                let people = seed_city(tx, &city, "not a real hash", true, now)?;
                let reference = Reference::load(tx, WorkingCalendar::china())?;
                let mut reports = vec![];
                for (k, seeded) in people.iter().enumerate() {
                    let spec = HistorySpec {
                        cases: 120,
                        days: 30,
                        on_spot_findings: 5,
                        patrol_days: 1,
                        seed: 7 + k as u64,
                    };
                    reports.push(seed_history(tx, &reference, seeded, &spec, now, &|_| {})?);
                }
                let mut cases = vec![];
                for id in tx.case_ids()? {
                    cases.push(tx.case(&id)?.expect("listed cases exist"));
                }
                // What each kind of user pulls and lists: the org units and the case ids.
                let mut seen = vec![];
                for name in [
                    "leader",
                    "dept-01",
                    "c001-center",
                    "c002-township-01",
                    "c001-community-001",
                    "c002-worker-0001",
                ] {
                    let user = tx.user_by_name(name)?.expect("seeded user");
                    let viewer = crate::jurisdiction::viewer(tx, &user)?;
                    let mut units = BTreeSet::new();
                    let mut after = 0;
                    loop {
                        let (page, more) = tx.changes_since(&viewer, after, 500)?;
                        after = page.last().map_or(after, |c| c.seq);
                        units.extend(
                            page.iter()
                                .filter(|c| c.entity == yiwang_core::sync::Entity::OrgUnit)
                                .map(|c| c.id.clone()),
                        );
                        if !more {
                            break;
                        }
                    }
                    let listed: BTreeSet<String> = tx
                        .find_case_ids(&viewer, &Default::default(), Default::default())?
                        .into_iter()
                        .map(|c| c.0)
                        .collect();
                    seen.push((user, units, listed));
                }
                Ok((reports, (cases, reference, seen)))
            })
            .unwrap();
        let (cases, reference, seen) = cases;
        // Pulls carry the user's county's units (and the city), never the other county's; the
        // console lists exactly the cases the workflow lets them see.
        let county_of = |unit: &yiwang_core::ids::OrgUnitId| {
            reference
                .org
                .ancestor_at(unit, OrgLevel::County)
                .map(|c| c.id.clone())
        };
        let all_units: BTreeSet<String> = reference.org.units().map(|u| u.id.0.clone()).collect();
        for (user, units, listed) in &seen {
            let actor = user.actor();
            let home = match (actor.unit(), actor.grid_ids.first()) {
                (Some(u), _) => county_of(u),
                (None, Some(g)) => county_of(reference.org.community_of(g).unwrap()),
                (None, None) => None,
            };
            let want: BTreeSet<String> = match home {
                Some(county) => reference
                    .org
                    .units()
                    .filter(|u| {
                        u.level == OrgLevel::City || county_of(&u.id) == Some(county.clone())
                    })
                    .map(|u| u.id.0.clone())
                    .collect(),
                // The city's people and the departments serve every county.
                None => all_units.clone(),
            };
            assert_eq!(units, &want, "{} pulls their region's units", user.username);
            let can: BTreeSet<String> = cases
                .iter()
                .filter(|c| yiwang_core::workflow::can_see(c, &actor, &reference.org))
                .map(|c| c.id.0.clone())
                .collect();
            assert_eq!(listed, &can, "{} lists what can_see allows", user.username);
            assert!(!can.is_empty(), "{} sees some case", user.username);
        }
        assert!(
            seen[4].1.len() < all_units.len() / 2 + 2,
            "a county's user pulls about half the units of two counties"
        );
        assert_eq!(reference.org.root().unwrap().level, OrgLevel::City);
        for r in &reports {
            assert_eq!((r.refused, r.cases), (0, 120), "{r:?}");
        }
        assert_eq!(cases.len(), 240, "two histories, no id drawn twice");
        for c in &cases {
            let county = reference
                .org
                .ancestor_at(&c.origin_unit, OrgLevel::County)
                .expect("every case starts in a county");
            let holder = reference
                .org
                .ancestor_at(&c.holder_unit, OrgLevel::County)
                .expect("and is held inside one");
            assert_eq!(county.id, holder.id, "case {} stays in its county", c.id);
            let grid_county = c.grid_id.as_ref().map(|g| {
                let community = reference.org.community_of(g).unwrap();
                reference
                    .org
                    .ancestor_at(community, OrgLevel::County)
                    .unwrap()
                    .id
                    .clone()
            });
            assert!(grid_county.is_none_or(|g| g == county.id));
            let reporter = c.reported_by.as_str();
            let prefix = county_prefix(usize::from(county.id.as_str() == "210883"));
            assert!(
                !reporter.starts_with('c') || reporter.starts_with(&prefix),
                "case {} in {} reported by {reporter}",
                c.id,
                county.id
            );
        }
    }
}
