//! A small county for workflow tests: county C; townships T1, T2; communities M1 (in T1) and
//! M2 (in T2); grids G1 (in M1) and G2 (in M2); the built-in departments and categories.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use yiwang_core::calendar::WorkingCalendar;
use yiwang_core::case::{
    Action, ActionKind, Case, CaseEvent, Channel, NewCase, Rating, RatingSource,
};
use yiwang_core::category::{builtin_departments, CategoryTree};
use yiwang_core::ids::{CaseId, CategoryCode};
use yiwang_core::org::{Actor, Affiliation, Grid, GridKind, OrgLevel, OrgTree, OrgUnit, Role};
use yiwang_core::workflow::{decide, Context, Refusal};

/// 01.02 电线裸露或私拉乱接: power, 8 working hours (2 when urgent).
pub const WIRES: &str = "01.02";

pub struct World {
    pub org: OrgTree,
    pub categories: CategoryTree,
    pub calendar: WorkingCalendar,
    /// `case-0`: an open case on G1, the case a merge names (see [`template`]).
    pub merge_target: Option<Case>,
}

fn unit(id: &str, parent: Option<&str>, level: OrgLevel) -> OrgUnit {
    OrgUnit {
        id: id.into(),
        parent_id: parent.map(Into::into),
        name: id.into(),
        level,
    }
}

fn grid(id: &str, community: &str) -> Grid {
    Grid {
        id: id.into(),
        name: id.into(),
        kind: GridKind::UrbanRural,
        community_id: community.into(),
        polygon: serde_json::Value::Null,
        worker_id: None,
    }
}

impl World {
    pub fn new() -> World {
        let org = OrgTree::new(
            [
                unit("C", None, OrgLevel::County),
                unit("T1", Some("C"), OrgLevel::Township),
                unit("T2", Some("C"), OrgLevel::Township),
                unit("M1", Some("T1"), OrgLevel::Community),
                unit("M2", Some("T2"), OrgLevel::Community),
            ],
            [grid("G1", "M1"), grid("G2", "M2")],
            builtin_departments(),
        )
        .expect("the test county is well formed");
        let mut w = World {
            org,
            categories: CategoryTree::builtin(),
            calendar: WorkingCalendar::default(),
            merge_target: None,
        };
        w.merge_target = Some(Run::report(&w, "case-0", t0() - Duration::days(1)).case);
        w
    }

    pub fn ctx(&self, now: DateTime<Utc>) -> Context<'_> {
        Context {
            org: &self.org,
            categories: &self.categories,
            calendar: &self.calendar,
            now,
            // Only a merge naming `case-0` consults it.
            related: self.merge_target.as_ref(),
        }
    }
}

pub fn actor(name: &str, role: Role, aff: Affiliation, grids: &[&str]) -> Actor {
    Actor {
        user_id: name.into(),
        role,
        affiliation: aff,
        grid_ids: grids.iter().map(|g| (*g).into()).collect(),
    }
}

pub fn at_unit(u: &str) -> Affiliation {
    Affiliation::Unit(u.into())
}

pub fn at_dept(d: &str) -> Affiliation {
    Affiliation::Department(d.into())
}

/// The actors whose jurisdiction covers G1's cases, one per role.
pub fn home_actor(role: Role) -> Actor {
    match role {
        Role::GridWorker => actor("worker-g1", role, at_unit("M1"), &["G1"]),
        Role::Community => actor("op-m1", role, at_unit("M1"), &[]),
        Role::Township => actor("op-t1", role, at_unit("T1"), &[]),
        Role::Center => actor("op-c", role, at_unit("C"), &[]),
        Role::Department => actor("dept-power", role, at_dept("power"), &[]),
        Role::Leader => actor("leader", role, at_unit("C"), &[]),
        Role::Admin => actor("admin", role, at_unit("C"), &[]),
    }
}

/// Actors of the same roles elsewhere in the county: G1's cases are not theirs.
pub fn foreign_actors() -> Vec<Actor> {
    vec![
        actor("worker-g2", Role::GridWorker, at_unit("M2"), &["G2"]),
        actor("op-m2", Role::Community, at_unit("M2"), &[]),
        actor("op-t2", Role::Township, at_unit("T2"), &[]),
        actor("dept-housing", Role::Department, at_dept("housing"), &[]),
    ]
}

/// Thursday 2026-11-26 09:00 Beijing time.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T09:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn report_by_worker(grid: &str) -> Action {
    Action::Report(NewCase {
        channel: Channel::Grid,
        category: CategoryCode::from(WIRES),
        urgent: false,
        description: "电线裸露，离地面不足两米".into(),
        location: None,
        address: None,
        grid_id: Some(grid.into()),
        unit: None,
        finding_id: None,
        photos: vec![],
        contact: None,
    })
}

/// An 8890 call on `grid`, registered by an operator (intake).
pub fn report_by_hotline(grid: &str) -> Action {
    Action::Report(NewCase {
        channel: Channel::Hotline8890,
        category: CategoryCode::from(WIRES),
        urgent: false,
        description: "市民来电：楼道电线裸露".into(),
        location: None,
        address: None,
        grid_id: Some(grid.into()),
        unit: None,
        finding_id: None,
        photos: vec![],
        contact: Some("王女士 138****0000".into()),
    })
}

/// A case and its events, driven through the real workflow.
#[derive(Clone)]
pub struct Run {
    pub case: Case,
    pub events: Vec<CaseEvent>,
    pub now: DateTime<Utc>,
}

impl Run {
    /// Reports a case on G1 by its worker at `now`.
    pub fn report(w: &World, id: &str, now: DateTime<Utc>) -> Run {
        Run::report_with(
            w,
            id,
            now,
            report_by_worker("G1"),
            &home_actor(Role::GridWorker),
        )
    }

    pub fn report_with(w: &World, id: &str, now: DateTime<Utc>, a: Action, by: &Actor) -> Run {
        let e = decide(None, &CaseId::from(id), 0, &a, by, &w.ctx(now)).expect("report accepted");
        let case = Case::apply(None, &e).expect("first event is a report");
        Run {
            case,
            events: vec![e],
            now,
        }
    }

    /// Tries an action `after` the previous one, on the current version.
    pub fn try_act(
        &mut self,
        w: &World,
        after: Duration,
        a: Action,
        by: &Actor,
    ) -> Result<(), Refusal> {
        let now = self.now + after;
        let e = decide(
            Some(&self.case),
            &self.case.id,
            self.case.version,
            &a,
            by,
            &w.ctx(now),
        )?;
        self.case = Case::apply(Some(self.case.clone()), &e).expect("decided events apply");
        self.events.push(e);
        self.now = now;
        Ok(())
    }

    /// Takes an action that must be accepted.
    pub fn act(mut self, w: &World, after: Duration, a: Action, by: &Actor) -> Run {
        let kind = a.kind();
        if let Err(r) = self.try_act(w, after, a, by) {
            panic!("{kind:?} by {} refused: {r}", by.user_id);
        }
        self
    }
}

pub fn note(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// A valid input for each action kind.
pub fn template(kind: ActionKind) -> Action {
    use ActionKind as K;
    let later = t0() + Duration::days(30);
    match kind {
        K::Report => report_by_worker("G1"),
        K::Claim => Action::Claim { note: None },
        K::Escalate => Action::Escalate {
            note: note("无处置权限"),
        },
        K::Dispatch => Action::Dispatch {
            deadline: None,
            department: None,
            note: None,
        },
        K::Return => Action::Return {
            note: note("非本部门职责"),
        },
        K::Accept => Action::Accept { note: None },
        K::ReportHandled => Action::ReportHandled {
            note: note("已处置"),
            photos: vec![],
        },
        K::Resolve => Action::Resolve {
            note: note("已处置"),
            photos: vec![],
        },
        K::AssignVerify => Action::AssignVerify { note: None },
        K::VerifyPass => Action::VerifyPass {
            note: None,
            photos: vec![],
        },
        K::VerifyFail => Action::VerifyFail {
            note: note("仍有裸露"),
            photos: vec![],
        },
        K::Close => Action::Close {
            outcome: None,
            note: None,
        },
        K::RejectInvalid => Action::RejectInvalid {
            note: note("非管辖事项"),
        },
        K::MergeDuplicate => Action::MergeDuplicate {
            duplicate_of: "case-0".into(),
            note: None,
        },
        K::Unmerge => Action::Unmerge {
            note: note("不是同一处"),
        },
        K::Reopen => Action::Reopen {
            note: note("群众反映未解决"),
        },
        K::Supervise => Action::Supervise {
            note: note("请尽快处置"),
        },
        K::Comment => Action::Comment {
            note: note("已电话联系"),
            photos: vec![],
        },
        K::RequestExtension => Action::RequestExtension {
            until: later,
            note: note("需协调"),
        },
        K::ExtendDeadline => Action::ExtendDeadline {
            until: Some(later),
            note: None,
        },
        K::RefuseExtension => Action::RefuseExtension {
            note: note("请按原时限办结"),
        },
        K::Rate => Action::Rate {
            rating: Rating::BasicallySatisfied,
            source: RatingSource::Resident,
            note: None,
        },
    }
}
