//! The measures against a hand-worked week of 22 cases.
//!
//! Period P: Monday 2026-11-23 00:00 to Monday 2026-11-30 00:00, Beijing time; figures taken
//! at Tuesday 2026-12-01 12:00. Working time 08:30–17:30 on weekdays. Category 01.02 (bare
//! wires, power) has 8 working hours; 01.03 (street lights, urban management) 3 working days.
//! Every case below is driven through the real workflow; the expected figures were counted by
//! hand from the comments, not computed.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::*;
use yiwang_core::case::{Action, Rating, RatingSource};
use yiwang_core::field::{Patrol, PatrolWindows};
use yiwang_core::ids::GridId;
use yiwang_core::measures::{
    breakdown, patrol_coverage, CaseFacts, Dimension, Measures, PatrolFacts, Period,
    MAX_PATROL_START_LEAD,
};
use yiwang_core::org::{Actor, Role};

fn bj(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
        .unwrap()
        .with_timezone(&Utc)
}

/// Steps at absolute Beijing times.
struct Script<'w> {
    w: &'w World,
    run: Run,
}

impl<'w> Script<'w> {
    fn report(w: &'w World, id: &str, at: &str) -> Self {
        Script {
            w,
            run: Run::report(w, id, bj(at)),
        }
    }
    fn report_as(w: &'w World, id: &str, at: &str, grid: &str, by: &Actor) -> Self {
        Script {
            w,
            run: Run::report_with(w, id, bj(at), report_by_worker(grid), by),
        }
    }
    fn streetlight(w: &'w World, id: &str, at: &str) -> Self {
        let Action::Report(mut n) = report_by_worker("G1") else {
            unreachable!()
        };
        n.category = "01.03".into();
        n.description = "路灯不亮".into();
        let by = home_actor(Role::GridWorker);
        Script {
            w,
            run: Run::report_with(w, id, bj(at), Action::Report(n), &by),
        }
    }
    fn at(mut self, t: &str, a: Action, by: Role) -> Self {
        let after = bj(t) - self.run.now;
        assert!(after >= Duration::zero(), "script steps go forward in time");
        self.run = self.run.act(self.w, after, a, &home_actor(by));
        self
    }
    fn by(mut self, t: &str, a: Action, by: &Actor) -> Self {
        let after = bj(t) - self.run.now;
        self.run = self.run.act(self.w, after, a, by);
        self
    }
    fn facts(&self, now: DateTime<Utc>) -> CaseFacts {
        CaseFacts::from_events(&self.run.events, now).expect("a reported case has facts")
    }
}

use Role::{Center as C, Community as M, Department as D, GridWorker as G, Township as T};

fn claim() -> Action {
    Action::Claim { note: None }
}
fn dispatch() -> Action {
    Action::Dispatch {
        deadline: None,
        department: None,
        note: None,
    }
}
fn accept() -> Action {
    Action::Accept { note: None }
}
fn handled() -> Action {
    Action::ReportHandled {
        note: note("已处置"),
        photos: vec![],
    }
}
fn assign() -> Action {
    Action::AssignVerify { note: None }
}
fn pass() -> Action {
    Action::VerifyPass {
        note: None,
        photos: vec![],
    }
}
fn fail() -> Action {
    Action::VerifyFail {
        note: note("未整改到位"),
        photos: vec![],
    }
}
fn rate(r: Rating) -> Action {
    rate_as(r, RatingSource::Resident)
}
fn rate_as(r: Rating, source: RatingSource) -> Action {
    Action::Rate {
        rating: r,
        source,
        note: None,
    }
}
fn resolve() -> Action {
    Action::Resolve {
        note: note("社区处置"),
        photos: vec![],
    }
}
fn close() -> Action {
    Action::Close {
        outcome: None,
        note: None,
    }
}

/// Dispatched to power at `t` (by T1, claimed half an hour before).
fn dispatched<'w>(w: &'w World, id: &str, day: &str) -> Script<'w> {
    Script::report(w, id, &format!("{day}T09:00:00"))
        .at(&format!("{day}T09:30:00"), claim(), T)
        .at(&format!("{day}T10:00:00"), dispatch(), T)
}

fn the_week(w: &World) -> Vec<Script<'_>> {
    let housing = actor("dept-housing", Role::Department, at_dept("housing"), &[]);
    let worker_g2 = actor("worker-g2", Role::GridWorker, at_unit("M2"), &["G2"]);
    vec![
        // c01: deadline Tue 09:00, verified and closed Mon 16:00: on time; 7 h; 满意.
        dispatched(w, "c01", "2026-11-23")
            .at("2026-11-23T11:00:00", accept(), D)
            .at("2026-11-23T15:00:00", handled(), D)
            .at("2026-11-23T15:30:00", assign(), T)
            .at("2026-11-23T16:00:00", pass(), G)
            .at("2026-11-24T10:00:00", rate(Rating::Satisfied), T),
        // c02: deadline Tue 09:00, closed Wed 11:00: late; 8.5 + 9 + 2.5 = 20 h; 不满意.
        dispatched(w, "c02", "2026-11-23")
            .at("2026-11-23T11:00:00", accept(), D)
            .at("2026-11-25T10:00:00", handled(), D)
            .at("2026-11-25T10:30:00", assign(), T)
            .at("2026-11-25T11:00:00", pass(), G)
            .at("2026-11-25T12:00:00", rate(Rating::Dissatisfied), T),
        // c03: resolved by the community, no deadline: on time; 1.5 h; 基本满意.
        Script::report(w, "c03", "2026-11-23T09:00:00")
            .at("2026-11-23T09:10:00", claim(), M)
            .at("2026-11-23T10:00:00", resolve(), M)
            .at("2026-11-23T10:30:00", close(), M)
            .at("2026-11-23T11:00:00", rate(Rating::BasicallySatisfied), M),
        // c04: not a case.
        Script::report(w, "c04", "2026-11-23T09:00:00").at(
            "2026-11-23T09:30:00",
            Action::RejectInvalid {
                note: note("非本辖区事项"),
            },
            M,
        ),
        // c05: a duplicate of case-0 (the world's open case on G1).
        Script::report(w, "c05", "2026-11-23T09:00:00").at(
            "2026-11-23T09:30:00",
            Action::MergeDuplicate {
                duplicate_of: "case-0".into(),
                note: None,
            },
            M,
        ),
        // c06: deadline Wed 09:00, still in progress: due, overdue.
        dispatched(w, "c06", "2026-11-24").at("2026-11-24T11:00:00", accept(), D),
        // c07: deadline Wed 09:00, never accepted: due, overdue.
        dispatched(w, "c07", "2026-11-24"),
        // c08: extended to Mon 11-30 17:30, closed Mon 11-30 12:00: neither due nor closed in P.
        dispatched(w, "c08", "2026-11-25")
            .at("2026-11-25T10:30:00", accept(), D)
            .at(
                "2026-11-25T11:00:00",
                Action::RequestExtension {
                    until: bj("2026-11-30T17:30:00"),
                    note: note("需停电"),
                },
                D,
            )
            .at(
                "2026-11-25T11:30:00",
                Action::ExtendDeadline {
                    until: None,
                    note: None,
                },
                T,
            )
            .at("2026-11-30T10:00:00", handled(), D)
            .at("2026-11-30T11:00:00", assign(), T)
            .at("2026-11-30T12:00:00", pass(), G),
        // c09: reworked Wed 15:00 (new deadline Thu 14:00), closed Thu 11:00: on time; 11 h.
        dispatched(w, "c09", "2026-11-25")
            .at("2026-11-25T10:30:00", accept(), D)
            .at("2026-11-25T14:00:00", handled(), D)
            .at("2026-11-25T14:30:00", assign(), T)
            .at("2026-11-25T15:00:00", fail(), G)
            .at("2026-11-26T08:40:00", accept(), D)
            .at("2026-11-26T10:00:00", handled(), D)
            .at("2026-11-26T10:30:00", assign(), T)
            .at("2026-11-26T11:00:00", pass(), G),
        // c10: deadline Fri 09:00, closed Thu 14:00: on time; 5 h; 满意.
        dispatched(w, "c10", "2026-11-26")
            .at("2026-11-26T11:00:00", accept(), D)
            .at("2026-11-26T12:00:00", handled(), D)
            .at("2026-11-26T13:00:00", assign(), T)
            .at("2026-11-26T14:00:00", pass(), G)
            .at("2026-11-27T10:00:00", rate(Rating::Satisfied), T),
        // c11: resolved by the community: on time; 1.5 h; not rated.
        Script::report(w, "c11", "2026-11-27T09:00:00")
            .at("2026-11-27T09:30:00", claim(), M)
            .at("2026-11-27T10:00:00", resolve(), M)
            .at("2026-11-27T10:30:00", close(), M),
        // c12: reported on a Sunday in T2's grid, still pending.
        Script::report_as(w, "c12", "2026-11-29T10:00:00", "G2", &worker_g2),
        // c13: reported before P, deadline Mon 11-23 09:00, closed Mon 11:00: late; 11 h.
        dispatched(w, "c13", "2026-11-20")
            .at("2026-11-20T11:00:00", accept(), D)
            .at("2026-11-23T10:00:00", handled(), D)
            .at("2026-11-23T10:30:00", assign(), T)
            .at("2026-11-23T11:00:00", pass(), G),
        // c14: closed before P, rated in P: 满意.
        dispatched(w, "c14", "2026-11-19")
            .at("2026-11-19T11:00:00", accept(), D)
            .at("2026-11-20T08:45:00", handled(), D)
            .at("2026-11-20T09:00:00", assign(), T)
            .at("2026-11-20T09:30:00", pass(), G)
            .at("2026-11-23T10:00:00", rate(Rating::Satisfied), T),
        // c15: deadline Fri 11-20 09:00, before P; still in progress: overdue only.
        dispatched(w, "c15", "2026-11-19").at("2026-11-19T11:00:00", accept(), D),
        // c16: street light, 3 working days: deadline Tue 12-01 17:30; not yet overdue.
        Script::streetlight(w, "c16", "2026-11-26T09:00:00")
            .at("2026-11-26T09:30:00", claim(), T)
            .at("2026-11-26T10:00:00", dispatch(), T)
            .by(
                "2026-11-26T11:00:00",
                accept(),
                &actor("dept-urban", Role::Department, at_dept("urban_mgmt"), &[]),
            ),
        // c17: deadline Tue 14:00, closed from handled Tue 11:30: on time; 3.5 + 3 = 6.5 h.
        Script::report(w, "c17", "2026-11-23T14:00:00")
            .at("2026-11-23T14:30:00", claim(), T)
            .at("2026-11-23T15:00:00", dispatch(), T)
            .at("2026-11-23T15:30:00", accept(), D)
            .at("2026-11-24T11:00:00", handled(), D)
            .at("2026-11-24T11:30:00", close(), T),
        // c18: returned by power, re-dispatched to housing Tue 09:00 (deadline Tue 17:00),
        // closed Tue 16:00: on time; 3.5 + 7.5 = 11 h.
        Script::report(w, "c18", "2026-11-23T14:00:00")
            .at("2026-11-23T14:30:00", claim(), T)
            .at("2026-11-23T15:00:00", dispatch(), T)
            .at(
                "2026-11-23T16:00:00",
                Action::Return {
                    note: note("非供电设施"),
                },
                D,
            )
            .at(
                "2026-11-24T09:00:00",
                Action::Dispatch {
                    deadline: None,
                    department: Some("housing".into()),
                    note: None,
                },
                T,
            )
            .by("2026-11-24T10:00:00", accept(), &housing)
            .by("2026-11-24T15:00:00", handled(), &housing)
            .at("2026-11-24T16:00:00", close(), T),
        // c19: escalated twice, dispatched by the county Tue 12:00 (deadline Wed 11:00),
        // closed Wed 11:30: late; 8.5 + 3 = 11.5 h; 满意.
        Script::report(w, "c19", "2026-11-24T09:00:00")
            .at("2026-11-24T09:30:00", claim(), M)
            .at(
                "2026-11-24T10:00:00",
                Action::Escalate {
                    note: note("无权限"),
                },
                M,
            )
            .at("2026-11-24T10:30:00", claim(), T)
            .at(
                "2026-11-24T11:00:00",
                Action::Escalate {
                    note: note("无权限"),
                },
                T,
            )
            .at("2026-11-24T11:30:00", claim(), C)
            .at("2026-11-24T12:00:00", dispatch(), C)
            .at("2026-11-24T13:00:00", accept(), D)
            .at("2026-11-25T10:00:00", handled(), D)
            .at("2026-11-25T10:30:00", assign(), C)
            .at("2026-11-25T11:30:00", pass(), G)
            .at("2026-11-25T14:00:00", rate(Rating::Satisfied), C),
        // c20: dispatched Fri 16:00, deadline Mon 11-30 15:00 (after P): overdue only.
        Script::report(w, "c20", "2026-11-27T15:00:00")
            .at("2026-11-27T15:30:00", claim(), T)
            .at("2026-11-27T16:00:00", dispatch(), T)
            .at("2026-11-27T16:30:00", accept(), D),
        // c21: reported on a Saturday, claimed after P.
        Script::report(w, "c21", "2026-11-28T10:00:00").at("2026-11-30T09:00:00", claim(), T),
        // c22: reworked twice; deadline now Wed 10:00, still in progress: due, overdue.
        dispatched(w, "c22", "2026-11-23")
            .at("2026-11-23T11:00:00", accept(), D)
            .at("2026-11-23T14:00:00", handled(), D)
            .at("2026-11-23T14:30:00", assign(), T)
            .at("2026-11-23T15:00:00", fail(), G)
            .at("2026-11-23T16:00:00", accept(), D)
            .at("2026-11-24T10:00:00", handled(), D)
            .at("2026-11-24T10:30:00", assign(), T)
            .at("2026-11-24T11:00:00", fail(), G)
            .at("2026-11-24T12:00:00", accept(), D),
    ]
}

#[test]
fn a_hand_worked_week_gives_the_hand_counted_figures() {
    let w = World::new();
    let now = bj("2026-12-01T12:00:00");
    let period = Period {
        from: bj("2026-11-23T00:00:00"),
        to: bj("2026-11-30T00:00:00"),
    };
    let week = the_week(&w);
    assert_eq!(week.len(), 22, "the example has 22 cases");
    let facts: Vec<CaseFacts> = week.iter().map(|s| s.facts(now)).collect();
    let m = Measures::compute(&facts, period, now, &w.calendar);

    assert_eq!(
        m.reported, 19,
        "c01–c12 and c16–c22 were reported in the week"
    );
    assert_eq!(
        m.intake, 17,
        "c04 (invalid) and c05 (duplicate) are not cases"
    );
    assert_eq!(
        m.closed, 10,
        "c01 c02 c03 c09 c10 c11 c13 c17 c18 c19 closed in the week"
    );
    assert_eq!(
        m.due, 13,
        "the 10 closed, plus c06 c07 c22 whose deadlines passed in the week"
    );
    assert_eq!(
        m.closed_on_time, 7,
        "c02, c13 and c19 closed after their deadlines"
    );
    assert_eq!(m.closure_rate, Some(10.0 / 13.0));
    assert_eq!(m.on_time_rate, Some(7.0 / 13.0));
    assert_eq!(
        m.verified, 7,
        "c01 c02 c09 c10 c13 c19 c22 had verifications in the week"
    );
    assert_eq!(m.reworked, 2, "c09 and c22 failed verification");
    assert_eq!(m.rework_rate, Some(2.0 / 7.0));
    assert_eq!(
        m.dispatched, 13,
        "first dispatched in the week: all but c03-05 c11-15 c21"
    );
    assert_eq!(m.extended, 1, "only c08 got an extension");
    assert_eq!(m.extension_rate, Some(1.0 / 13.0));
    assert_eq!(m.rated, 6, "c01 c02 c03 c10 c14 c19 were rated in the week");
    assert_eq!(m.satisfied, 5, "all but c02 were 满意 or 基本满意");
    assert_eq!(m.satisfaction_rate, Some(5.0 / 6.0));
    assert_eq!(
        m.overdue_now, 5,
        "c06 c07 c15 c20 c22 are at a department past their deadline"
    );
    let mean = m.mean_hours_to_close.expect("some cases closed");
    assert!(
        (mean - 8.6).abs() < 1e-9,
        "(7+20+1.5+11+5+1.5+11+6.5+11+11.5)/10 = 8.6 h, got {mean}"
    );

    let by_dept = breakdown(
        &facts,
        Dimension::Department,
        &w.org,
        period,
        now,
        &w.calendar,
    );
    let housing = &by_dept["housing"];
    assert_eq!(
        (housing.closed, housing.due, housing.closed_on_time),
        (1, 1, 1),
        "c18 went to housing"
    );
    let urban = &by_dept["urban_mgmt"];
    assert_eq!(
        (urban.dispatched, urban.due, urban.overdue_now),
        (1, 0, 0),
        "c16 is not due yet"
    );
    let by_township = breakdown(
        &facts,
        Dimension::Township,
        &w.org,
        period,
        now,
        &w.calendar,
    );
    assert_eq!(by_township["T2"].reported, 1, "only c12 was lodged in T2");
    assert_eq!(by_township["T1"].reported, 18);
    assert_eq!(
        by_township["T1"].closed, m.closed,
        "every closed case is T1's"
    );
}

#[test]
fn nothing_counts_before_it_happened() {
    // Seen from Monday 11-23 12:00, c01 is not yet closed and c02's report is the only thing
    // that happened to it: the figures are those of the ledger as it stood then.
    let w = World::new();
    let now = bj("2026-11-23T12:00:00");
    let period = Period {
        from: bj("2026-11-23T00:00:00"),
        to: bj("2026-11-30T00:00:00"),
    };
    let week = the_week(&w);
    let facts: Vec<CaseFacts> = week
        .iter()
        .filter_map(|s| CaseFacts::from_events(&s.run.events, now))
        .collect();
    let m = Measures::compute(&facts, period, now, &w.calendar);
    assert_eq!(
        m.closed, 2,
        "by Monday noon only c03 (10:30) and c13 (11:00) were closed"
    );
    assert_eq!(m.reported, 6, "c01–c05 and c22 were reported Monday 09:00");
    assert_eq!(m.intake, 4, "c04 and c05 were already rejected by 09:30");
}

/// A patrol of `grid` started (as claimed) at Beijing time `t`, received then, with a track.
fn patrol(grid: &str, t: &str) -> PatrolFacts {
    PatrolFacts {
        patrol: Patrol {
            id: format!("{grid}-{t}").into(),
            grid_id: grid.into(),
            worker_id: "w".into(),
            started_at: bj(t),
            ended_at: None,
        },
        received_at: bj(t),
        track_points: 12,
    }
}

#[test]
fn patrol_coverage_needs_both_windows() {
    let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let patrols = [
        patrol("G1", "2026-11-26T08:00:00"),
        patrol("G1", "2026-11-26T15:00:00"),
        patrol("G2", "2026-11-26T07:00:00"),
        patrol("G2", "2026-11-26T10:00:00"),
        patrol("G3", "2026-11-25T15:00:00"),
        patrol("G3", "2026-11-26T22:00:00"),
    ];
    let grids: Vec<GridId> = ["G1", "G2", "G3"].into_iter().map(Into::into).collect();
    let c = patrol_coverage(&grids, &patrols, day, &PatrolWindows::default());
    assert_eq!(
        (c.covered, c.partial, c.none),
        (1, 1, 1),
        "G1 both, G2 two mornings, G3 none that day"
    );
    assert_eq!(c.rate, Some(1.0 / 3.0));
    assert_eq!(
        c.by_grid[&GridId::from("G2")],
        1,
        "two morning patrols are still one window"
    );
}

#[test]
fn future_dated_or_trackless_patrols_never_count() {
    let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let grids: Vec<GridId> = ["G1", "G2", "G3", "G4"]
        .into_iter()
        .map(Into::into)
        .collect();
    let morning = |g: &str| patrol(g, "2026-11-26T08:00:00");
    let afternoon = |g: &str| patrol(g, "2026-11-26T15:00:00");
    // G1: the afternoon start was sent in the morning, dated 15:00: a patrol in the future.
    let mut future = afternoon("G1");
    future.received_at = bj("2026-11-26T08:05:00");
    // G2: an afternoon start with no track at all.
    let mut trackless = afternoon("G2");
    trackless.track_points = 0;
    // G3: a device clock 5 minutes fast is forgiven; G4: started offline, synced in the evening.
    let mut fast = afternoon("G3");
    fast.received_at = fast.patrol.started_at - MAX_PATROL_START_LEAD;
    let mut late = afternoon("G4");
    late.received_at = bj("2026-11-26T21:30:00");
    let patrols = [
        morning("G1"),
        future.clone(),
        morning("G2"),
        trackless.clone(),
        morning("G3"),
        fast.clone(),
        morning("G4"),
        late.clone(),
    ];
    assert!(!future.counts(), "started_at after receipt + 5 min");
    assert!(!trackless.counts(), "no track point");
    assert!(fast.counts(), "exactly 5 minutes ahead still counts");
    let mut too_fast = fast.clone();
    too_fast.received_at -= chrono::Duration::seconds(1);
    assert!(!too_fast.counts(), "a second more is future-dated");
    assert!(
        late.counts(),
        "a start received later than claimed is an offline patrol"
    );
    let c = patrol_coverage(&grids, &patrols, day, &PatrolWindows::default());
    assert_eq!(
        (
            c.by_grid[&GridId::from("G1")],
            c.by_grid[&GridId::from("G2")]
        ),
        (1, 1),
        "the future-dated and the trackless afternoon patrols leave only the morning"
    );
    assert_eq!(
        (c.covered, c.partial),
        (2, 2),
        "G3 and G4 are covered, G1 and G2 half"
    );
}

/// Whatever the patrols, a patrol that does not count never changes coverage: adding any
/// number of future-dated or trackless patrols to a set leaves the figure as it was.
#[test]
fn patrols_that_do_not_count_never_change_coverage() {
    let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let grids: Vec<GridId> = ["G1", "G2", "G3"].into_iter().map(Into::into).collect();
    // A small deterministic generator: every (grid, hour, flaw) combination, in many mixes.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..200 {
        let mut honest = vec![];
        let mut all = vec![];
        for i in 0..(next() % 8) {
            let grid = ["G1", "G2", "G3"][(next() % 3) as usize];
            let hour = 5 + next() % 17;
            let mut p = patrol(grid, &format!("2026-11-26T{hour:02}:00:00"));
            p.patrol.id = format!("p{round}-{i}").into();
            match next() % 3 {
                0 => honest.push(p.clone()),
                1 => p.track_points = 0,
                _ => {
                    p.received_at = p.patrol.started_at
                        - MAX_PATROL_START_LEAD
                        - chrono::Duration::minutes(1 + (next() % 600) as i64)
                }
            }
            all.push(p);
        }
        let w = PatrolWindows::default();
        assert_eq!(
            patrol_coverage(&grids, &all, day, &w),
            patrol_coverage(&grids, &honest, day, &w),
            "round {round}: only patrols that count make coverage"
        );
    }
}

#[test]
fn satisfaction_counts_the_residents_rating_before_the_operators() {
    let w = World::new();
    let period = Period {
        from: bj("2026-11-23T00:00:00"),
        to: bj("2026-11-30T00:00:00"),
    };
    let now = bj("2026-12-01T12:00:00");
    let closed = |id: &str| {
        Script::report(&w, id, "2026-11-23T09:00:00")
            .at("2026-11-23T09:30:00", claim(), M)
            .at("2026-11-23T10:00:00", resolve(), M)
            .at("2026-11-23T10:30:00", close(), M)
    };
    use Rating::{Dissatisfied as Bad, Satisfied as Good};
    use RatingSource::{Operator, Resident};
    let cases = [
        // r1: the operator thought it went well; the resident, called back later, did not.
        closed("r1")
            .at("2026-11-24T09:00:00", rate_as(Good, Operator), T)
            .at("2026-11-25T09:00:00", rate_as(Bad, Resident), C),
        // r2: the resident first, then the operator: still the resident's verdict.
        closed("r2")
            .at("2026-11-24T09:00:00", rate_as(Good, Resident), C)
            .at("2026-11-25T09:00:00", rate_as(Bad, Operator), T),
        // r3: only the operator's rating: it counts.
        closed("r3").at("2026-11-24T09:00:00", rate_as(Bad, Operator), T),
    ];
    let facts: Vec<CaseFacts> = cases.iter().map(|s| s.facts(now)).collect();
    assert_eq!(
        facts[0].counted_rating().map(|(r, _)| r),
        Some(Bad),
        "r1 counts the resident's 不满意"
    );
    let m = Measures::compute(&facts, period, now, &w.calendar);
    assert_eq!(m.rated, 3, "one rating per rated case, not one per rating");
    assert_eq!(m.satisfied, 1, "only r2's resident was satisfied");
    assert_eq!(m.satisfaction_rate, Some(1.0 / 3.0));
    // Before the resident was called back, r1 counted the operator's rating.
    let before = CaseFacts::from_events(&cases[0].run.events, bj("2026-11-24T12:00:00")).unwrap();
    assert_eq!(before.counted_rating().map(|(r, _)| r), Some(Good));
}

/// The server keeps each case's facts by folding its events one at a time as they are appended
/// (`begin`, then `apply`), and stores them as JSON: after every event of every case of the
/// week, the kept facts are those read off the whole chain so far, and they read back equal.
#[test]
fn facts_kept_event_by_event_equal_the_facts_of_the_chain() {
    let w = World::new();
    let mut checked = 0;
    for script in the_week(&w) {
        let events = &script.run.events;
        let mut kept: Option<CaseFacts> = None;
        for (i, e) in events.iter().enumerate() {
            kept = match kept {
                None => CaseFacts::begin(e),
                Some(mut f) => {
                    f.apply(e);
                    Some(f)
                }
            };
            let whole = CaseFacts::from_events(&events[..=i], e.at);
            assert_eq!(kept, whole, "{} after event {}", e.case_id, e.seq);
            let json = serde_json::to_string(&kept).unwrap();
            let back: Option<CaseFacts> = serde_json::from_str(&json).unwrap();
            assert_eq!(back, kept, "{} facts survive JSON", e.case_id);
            checked += 1;
        }
    }
    assert!(checked > 100, "the week has many events ({checked})");
    // Only a report begins a case's facts.
    let week = the_week(&w);
    assert!(CaseFacts::begin(&week[0].run.events[1]).is_none());
}

#[test]
fn a_department_that_returned_a_case_is_not_charged_with_it() {
    let w = World::new();
    let power = home_actor(D);
    let housing = actor("dept-housing", D, at_dept("housing"), &[]);
    // Dispatched to power (the category's default), returned by power the same morning.
    let returned = dispatched(&w, "R", "2026-11-16").by(
        "2026-11-16T11:00:00",
        Action::Return {
            note: note("不属本部门职责"),
        },
        &power,
    );
    let now = bj("2026-11-17T09:00:00");
    let f = returned.facts(now);
    assert_eq!(f.department, None, "returned: no department is charged");
    // Sent on to housing, which lets its deadline pass.
    let resent = returned.at(
        "2026-11-17T08:00:00",
        Action::Dispatch {
            deadline: None,
            department: Some("housing".into()),
            note: None,
        },
        T,
    );
    let later = bj("2026-12-10T09:00:00");
    let f = resent.facts(later);
    assert_eq!(
        f.department,
        Some("housing".into()),
        "charged to housing now"
    );
    let period = Period {
        from: bj("2026-11-01T00:00:00"),
        to: later,
    };
    let by = breakdown(
        std::slice::from_ref(&f),
        Dimension::Department,
        &w.org,
        period,
        later,
        &w.calendar,
    );
    assert_eq!(by["housing"].overdue_now, 1, "overdue at housing");
    assert!(
        !by.contains_key("power"),
        "power is charged with nothing: {by:?}"
    );
    // Accepted and handled by housing, verified on site (which closes it): still housing's.
    let closed = resent
        .by("2026-12-11T09:00:00", accept(), &housing)
        .by("2026-12-11T10:00:00", handled(), &housing)
        .at("2026-12-11T11:00:00", assign(), T)
        .at("2026-12-11T12:00:00", pass(), G);
    let f = closed.facts(bj("2026-12-12T09:00:00"));
    assert_eq!(
        f.state,
        yiwang_core::case::CaseState::Closed,
        "verified, it closed"
    );
    assert_eq!(
        f.department,
        Some("housing".into()),
        "closed, it stays housing's"
    );
}
