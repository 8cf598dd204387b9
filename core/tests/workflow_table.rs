//! Table test of the case workflow: every (state, action, role) triple.
//!
//! The expectation is written here a second time, straight from the table in docs/DESIGN.md §4, and
//! compared with what `workflow::decide` does: each allowed move must give the documented next
//! state and holder unit, each refused one its typed reason.

mod common;

use chrono::Duration;
use common::*;
use yiwang_core::case::{Action, ActionKind, Case, CaseState, Outcome, Rating, RatingSource};
use yiwang_core::ledger::verify_chain;
use yiwang_core::org::{Actor, Role};
use yiwang_core::workflow::{available_actions, decide, Refusal};

/// A case brought into a given state by the real workflow.
struct Fixture {
    name: &'static str,
    run: Run,
}

fn fixtures(w: &World) -> Vec<Fixture> {
    let h = Duration::hours(1);
    let worker = home_actor(Role::GridWorker);
    let m1 = home_actor(Role::Community);
    let t1 = home_actor(Role::Township);
    let c = home_actor(Role::Center);
    let dept = home_actor(Role::Department);
    let esc = |n: &str| Action::Escalate { note: note(n) };
    let dispatch = Action::Dispatch {
        deadline: None,
        department: None,
        note: None,
    };

    let pending_m1 = Run::report(w, "case-1", t0());
    let pending_t1 = pending_m1.clone().act(w, h, esc("社区无权限"), &m1);
    let pending_c = pending_t1.clone().act(w, h, esc("街道无权限"), &t1);
    let claimed_m1 = pending_m1
        .clone()
        .act(w, h, Action::Claim { note: None }, &m1);
    let claimed_t1 = pending_m1
        .clone()
        .act(w, h, Action::Claim { note: None }, &t1);
    let claimed_c = pending_m1
        .clone()
        .act(w, h, Action::Claim { note: None }, &c);
    let dispatched = claimed_t1.clone().act(w, h, dispatch, &t1);
    let ext_requested = dispatched.clone().act(
        w,
        h,
        Action::RequestExtension {
            until: t0() + Duration::days(20),
            note: note("需停电作业"),
        },
        &dept,
    );
    let in_progress = dispatched
        .clone()
        .act(w, h, Action::Accept { note: None }, &dept);
    let handled = in_progress.clone().act(
        w,
        h,
        Action::ReportHandled {
            note: note("已整改"),
            photos: vec![],
        },
        &dept,
    );
    let handled_here = claimed_m1.clone().act(
        w,
        h,
        Action::Resolve {
            note: note("社区已处理"),
            photos: vec![],
        },
        &m1,
    );
    let verifying = handled
        .clone()
        .act(w, h, Action::AssignVerify { note: None }, &t1);
    let verifying_here = handled_here
        .clone()
        .act(w, h, Action::AssignVerify { note: None }, &m1);
    let closed = verifying.clone().act(
        w,
        h,
        Action::VerifyPass {
            note: None,
            photos: vec![],
        },
        &worker,
    );
    let rated = closed.clone().act(
        w,
        h,
        Action::Rate {
            rating: Rating::Satisfied,
            source: RatingSource::Resident,
            note: None,
        },
        &m1,
    );
    let rated_both = rated.clone().act(
        w,
        h,
        Action::Rate {
            rating: Rating::BasicallySatisfied,
            source: RatingSource::Operator,
            note: None,
        },
        &t1,
    );
    // An 8890 call M1 registered itself, worked and closed at M1.
    let closed_by_intake = Run::report_with(w, "case-2", t0(), report_by_hotline("G1"), &m1)
        .act(w, h, Action::Claim { note: None }, &m1)
        .act(w, h, template(ActionKind::Resolve), &m1)
        .act(w, h, template(ActionKind::Close), &m1);
    // Merged at T1 into case-0 (an open case on G1), an hour ago.
    let merged_t1 = claimed_t1.clone().act(
        w,
        h,
        template(ActionKind::MergeDuplicate),
        &home_actor(Role::Township),
    );
    vec![
        Fixture {
            name: "merged@T1 as a duplicate",
            run: merged_t1,
        },
        Fixture {
            name: "pending@M1",
            run: pending_m1,
        },
        Fixture {
            name: "pending@T1",
            run: pending_t1,
        },
        Fixture {
            name: "pending@C",
            run: pending_c,
        },
        Fixture {
            name: "claimed@M1",
            run: claimed_m1,
        },
        Fixture {
            name: "claimed@T1",
            run: claimed_t1,
        },
        Fixture {
            name: "claimed@C",
            run: claimed_c,
        },
        Fixture {
            name: "dispatched",
            run: dispatched,
        },
        Fixture {
            name: "dispatched+extension requested",
            run: ext_requested,
        },
        Fixture {
            name: "in_progress",
            run: in_progress,
        },
        Fixture {
            name: "handled by department",
            run: handled,
        },
        Fixture {
            name: "handled at M1",
            run: handled_here,
        },
        Fixture {
            name: "verifying",
            run: verifying,
        },
        Fixture {
            name: "verifying, resolved at M1",
            run: verifying_here,
        },
        Fixture {
            name: "closed",
            run: closed,
        },
        Fixture {
            name: "closed and rated by the resident",
            run: rated,
        },
        Fixture {
            name: "closed and rated by resident and operator",
            run: rated_both,
        },
        Fixture {
            name: "closed, registered by M1",
            run: closed_by_intake,
        },
    ]
}

/// The input tried on a fixture: the template, but a rating from the source still missing (the
/// operator's once the resident's is there), as the console offers it.
fn table_action(c: &Case, kind: ActionKind) -> Action {
    match template(kind) {
        Action::Rate { rating, note, .. } if c.rating.is_some() => Action::Rate {
            rating,
            source: RatingSource::Operator,
            note,
        },
        a => a,
    }
}

/// docs/DESIGN.md §4, "who": the roles that may take each action.
fn spec_roles(kind: ActionKind) -> Vec<Role> {
    use ActionKind as K;
    use Role::*;
    let ops = vec![Community, Township, Center];
    match kind {
        K::Report => vec![GridWorker, Community, Township, Center],
        K::Claim | K::Resolve | K::Close | K::RejectInvalid | K::MergeDuplicate => ops,
        // Assigning verification falls to whoever holds the handled case, down to a community
        // that resolved it itself.
        K::AssignVerify => ops,
        // The county centre has no unit above it to escalate to.
        K::Escalate => vec![Community, Township],
        // "township or county operator"; the dispatcher grants or refuses extensions.
        K::Dispatch | K::ExtendDeadline | K::RefuseExtension => vec![Township, Center],
        K::Return | K::Accept | K::ReportHandled | K::RequestExtension => vec![Department],
        K::VerifyPass | K::VerifyFail => vec![GridWorker],
        K::Reopen => vec![Center],
        // "the centre and the case's township can undo a merge within 7 days" (issue 17).
        K::Unmerge => vec![Township, Center],
        K::Supervise => vec![Township, Center, Leader],
        K::Comment => vec![GridWorker, Community, Township, Center, Department, Leader],
        // Ratings are recorded by operators, never by a grid worker.
        K::Rate => ops,
    }
}

/// docs/DESIGN.md §4, "from".
fn spec_from(kind: ActionKind) -> Vec<CaseState> {
    use ActionKind as K;
    use CaseState::*;
    match kind {
        K::Report => vec![],
        K::Claim => vec![Pending],
        K::Escalate | K::RejectInvalid | K::MergeDuplicate => vec![Pending, Claimed],
        K::Dispatch | K::Resolve => vec![Claimed],
        K::Return | K::Accept => vec![Dispatched],
        K::ReportHandled => vec![InProgress],
        K::AssignVerify => vec![Handled],
        K::VerifyPass | K::VerifyFail => vec![Verifying],
        K::Close => vec![Handled, Verifying],
        K::Reopen | K::Rate | K::Unmerge => vec![Closed],
        K::Supervise => vec![Pending, Claimed, Dispatched, InProgress, Handled, Verifying],
        K::Comment => CaseState::ALL.to_vec(),
        K::RequestExtension | K::ExtendDeadline | K::RefuseExtension => {
            vec![Dispatched, InProgress]
        }
    }
}

fn parent(unit: &str) -> &'static str {
    match unit {
        "M1" => "T1",
        "M2" => "T2",
        _ => "C",
    }
}

/// Is `unit` the same as or above `holder` in the test county?
fn at_or_above(unit: &str, holder: &str) -> bool {
    unit == holder
        || unit == "C"
        || (unit == "T1" && holder == "M1")
        || (unit == "T2" && holder == "M2")
}

/// The documented outcome: `Ok((next state, next holder))` or the refusal's code.
fn expected(
    fx: &Fixture,
    kind: ActionKind,
    a: &Actor,
) -> Result<(CaseState, String), &'static str> {
    use ActionKind as K;
    let c = &fx.run.case;
    if kind == K::Report {
        return Err("case_exists");
    }
    if !spec_roles(kind).contains(&a.role) {
        return Err("forbidden_role");
    }
    let unit = a.unit().map(|u| u.as_str().to_owned()).unwrap_or_default();
    let holder = c.holder_unit.as_str().to_owned();
    // Who sees a case of grid G1 (lodged at M1)?
    let sees = match a.role {
        Role::GridWorker => a.grid_ids.iter().any(|g| g.as_str() == "G1"),
        Role::Department => a.department().is_some_and(|d| c.departments.contains(d)),
        _ => at_or_above(&unit, "M1") || at_or_above(&unit, &holder),
    };
    if !sees {
        return Err("out_of_jurisdiction");
    }
    if !spec_from(kind).contains(&c.state) {
        return Err("invalid_transition");
    }
    let with_me = match kind {
        K::Claim
        | K::AssignVerify
        | K::Close
        | K::ExtendDeadline
        | K::RefuseExtension
        | K::Reopen
        | K::Unmerge => at_or_above(&unit, &holder),
        K::Escalate | K::Dispatch | K::Resolve | K::RejectInvalid | K::MergeDuplicate => {
            unit == holder
        }
        K::Supervise => a.role == Role::Leader || at_or_above(&unit, &holder),
        K::Return | K::Accept | K::ReportHandled | K::RequestExtension => {
            a.department() == c.department.as_ref()
        }
        _ => true,
    };
    if !with_me {
        return Err("not_holder");
    }
    let same = Ok((c.state, holder.clone()));
    match kind {
        K::Report => unreachable!(),
        K::Claim => Ok((CaseState::Claimed, unit)),
        K::Escalate => Ok((CaseState::Pending, parent(&holder).to_owned())),
        K::Dispatch => Ok((CaseState::Dispatched, holder)),
        K::Return => Ok((CaseState::Claimed, holder)),
        K::Accept => Ok((CaseState::InProgress, holder)),
        K::ReportHandled | K::Resolve => Ok((CaseState::Handled, holder)),
        K::AssignVerify => Ok((CaseState::Verifying, holder)),
        K::VerifyPass | K::Close | K::RejectInvalid | K::MergeDuplicate => {
            Ok((CaseState::Closed, holder))
        }
        K::VerifyFail if c.department.is_some() => Ok((CaseState::Dispatched, holder)),
        K::VerifyFail => Ok((CaseState::Claimed, holder)),
        K::Reopen => Ok((CaseState::Claimed, "C".to_owned())),
        // Only a case merged as a duplicate has a merge to undo; it goes back claimed, where it was.
        K::Unmerge if c.outcome != Some(Outcome::Duplicate) => Err("invalid_transition"),
        K::Unmerge => Ok((CaseState::Claimed, holder)),
        // A duplicate is rated in the case it was merged into; not by whoever registered the
        // case; one resident and one operator rating at most.
        K::Rate if c.outcome == Some(Outcome::Duplicate) => Err("invalid_transition"),
        K::Rate if c.reported_by == a.user_id => Err("rating_not_allowed"),
        K::Rate if c.rating.is_some() && c.operator_rating.is_some() => Err("already_rated"),
        K::RefuseExtension if c.extension_requested.is_none() => Err("no_extension_requested"),
        K::Supervise
        | K::Comment
        | K::RequestExtension
        | K::ExtendDeadline
        | K::RefuseExtension
        | K::Rate => same,
    }
}

#[test]
fn every_state_action_role_triple_matches_the_design_table() {
    let w = World::new();
    let mut actors: Vec<Actor> = Role::ALL.into_iter().map(home_actor).collect();
    actors.extend(foreign_actors());
    let mut checked = 0;
    let mut allowed = 0;
    let mut states_seen = std::collections::BTreeSet::new();
    for fx in fixtures(&w) {
        states_seen.insert(fx.run.case.state);
        for kind in ActionKind::ALL {
            for a in &actors {
                let want = expected(&fx, kind, a);
                let now = fx.run.now + Duration::hours(1);
                let got = decide(
                    Some(&fx.run.case),
                    &fx.run.case.id,
                    fx.run.case.version,
                    &table_action(&fx.run.case, kind),
                    a,
                    &w.ctx(now),
                );
                let what = format!("{kind:?} by {} ({:?}) on {}", a.user_id, a.role, fx.name);
                match (&want, &got) {
                    (Ok((state, holder)), Ok(e)) => {
                        assert_eq!(e.effect.state, *state, "{what}: next state");
                        assert_eq!(e.effect.holder_unit.as_str(), holder, "{what}: next holder");
                        assert_eq!(
                            e.seq,
                            fx.run.case.version + 1,
                            "{what}: version moves by one"
                        );
                        let next = Case::apply(Some(fx.run.case.clone()), e)
                            .expect("a decided event applies");
                        assert!(
                            next.holder_on_origin_path(&w.org),
                            "{what}: the holder {} stays on the origin {}'s path",
                            next.holder_unit,
                            next.origin_unit
                        );
                        allowed += 1;
                    }
                    (Err(code), Err(r)) => assert_eq!(r.code(), *code, "{what}: refusal reason"),
                    _ => panic!("{what}: expected {want:?}, got {:?}", got.map(|e| e.effect)),
                }
                // The console's buttons agree with decide (for inputs that are valid).
                let offered = available_actions(&fx.run.case, a, &w.org).contains(&kind);
                assert_eq!(
                    offered,
                    want.is_ok(),
                    "{what}: offered as a button iff allowed"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(
        states_seen.len(),
        CaseState::ALL.len(),
        "the fixtures cover every state"
    );
    assert!(
        allowed > 60,
        "a real share of the triples are allowed moves ({allowed})"
    );
    assert_eq!(
        checked,
        18 * 22 * 11,
        "every fixture × action × actor was checked"
    );
}

#[test]
fn reports_are_checked_for_role_grid_and_input() {
    let w = World::new();
    let ctx = w.ctx(t0());
    let id = "new".into();
    let ok = |a: &Actor, action: &Action| decide(None, &id, 0, action, a, &ctx);
    let worker = home_actor(Role::GridWorker);
    let e = ok(&worker, &report_by_worker("G1")).expect("a worker reports on their own grid");
    assert_eq!(e.effect.state, CaseState::Pending);
    assert_eq!(
        e.effect.holder_unit.as_str(),
        "M1",
        "a grid report waits at the grid's community"
    );
    assert_eq!(
        ok(&worker, &report_by_worker("G2")).unwrap_err(),
        Refusal::OutOfJurisdiction,
        "not on someone else's grid"
    );
    for role in [Role::Department, Role::Leader, Role::Admin] {
        assert_eq!(
            ok(&home_actor(role), &report_by_worker("G1"))
                .unwrap_err()
                .code(),
            "forbidden_role"
        );
    }
    let t1 = home_actor(Role::Township);
    let hotline = |grid: Option<&str>, category: &str, text: &str| {
        Action::Report(yiwang_core::case::NewCase {
            channel: yiwang_core::case::Channel::Hotline8890,
            category: category.into(),
            urgent: true,
            description: text.into(),
            location: None,
            address: Some("钢都街道富丽社区3号楼".into()),
            grid_id: grid.map(Into::into),
            unit: None,
            finding_id: None,
            photos: vec![],
            contact: Some("王女士 138****0000".into()),
        })
    };
    let e =
        ok(&t1, &hotline(None, WIRES, "楼道电线裸露")).expect("an 8890 call taken by the street");
    assert_eq!(
        e.effect.holder_unit.as_str(),
        "T1",
        "without a grid it waits at the intake unit"
    );
    let e = ok(&t1, &hotline(Some("G1"), WIRES, "楼道电线裸露")).expect("with a grid");
    assert_eq!(
        e.effect.holder_unit.as_str(),
        "M1",
        "with a grid it waits at the grid's community"
    );
    assert_eq!(
        ok(&t1, &hotline(Some("G2"), WIRES, "x")).unwrap_err(),
        Refusal::OutOfJurisdiction,
        "T1 cannot lodge a case in T2's grid"
    );
    let r = ok(&t1, &hotline(None, WIRES, "  ")).unwrap_err();
    assert_eq!(r.code(), "invalid_input", "a case needs a description");
    let r = ok(&t1, &hotline(None, "01", "x")).unwrap_err();
    assert_eq!(r.code(), "invalid_input", "a top class is not a leaf");
}

#[test]
fn stale_decisions_are_refused_but_annotations_commute() {
    let w = World::new();
    let m1 = home_actor(Role::Community);
    let t1 = home_actor(Role::Township);
    let run =
        Run::report(&w, "c", t0()).act(&w, Duration::hours(1), Action::Claim { note: None }, &m1);
    // Decided offline on version 1 (pending), arriving after the claim (version 2).
    let ctx = w.ctx(run.now + Duration::hours(1));
    let stale = decide(
        Some(&run.case),
        &run.case.id,
        1,
        &template(ActionKind::RejectInvalid),
        &m1,
        &ctx,
    );
    assert_eq!(
        stale.unwrap_err(),
        Refusal::StaleState {
            base_version: 1,
            current_version: 2
        },
        "a decision made on an older version is never applied blindly"
    );
    let urge = decide(
        Some(&run.case),
        &run.case.id,
        1,
        &template(ActionKind::Supervise),
        &t1,
        &ctx,
    );
    assert!(
        urge.is_ok(),
        "urging does not depend on the state it was decided on"
    );
    let future = decide(
        Some(&run.case),
        &run.case.id,
        9,
        &template(ActionKind::Comment),
        &t1,
        &ctx,
    );
    assert_eq!(
        future.unwrap_err().code(),
        "stale_state",
        "a version from the future is refused too"
    );
}

#[test]
fn dispatch_takes_the_category_default_and_deadline() {
    let w = World::new();
    let t1 = home_actor(Role::Township);
    let run = Run::report(&w, "c", t0())
        .act(&w, Duration::zero(), Action::Claim { note: None }, &t1)
        .act(
            &w,
            Duration::zero(),
            Action::Dispatch {
                deadline: None,
                department: None,
                note: None,
            },
            &t1,
        );
    assert_eq!(
        run.case.department.as_ref().unwrap().as_str(),
        "power",
        "01.02 goes to power"
    );
    // Thursday 09:00 + 8 working hours (08:30–17:30) = Thursday 17:00.
    let want = chrono::DateTime::parse_from_rfc3339("2026-11-26T17:00:00+08:00").unwrap();
    assert_eq!(
        run.case.deadline.unwrap(),
        want,
        "the deadline counts working hours from dispatch"
    );
    let mut bad =
        Run::report(&w, "d", t0()).act(&w, Duration::zero(), Action::Claim { note: None }, &t1);
    let r = bad.try_act(
        &w,
        Duration::zero(),
        Action::Dispatch {
            deadline: None,
            department: Some("nowhere".into()),
            note: None,
        },
        &t1,
    );
    assert_eq!(
        r.unwrap_err().code(),
        "invalid_input",
        "an unknown department is refused"
    );
    assert_eq!(
        bad.case.version, 2,
        "a refused action leaves the case as it was"
    );
}

#[test]
fn the_story_of_the_article_closes_with_a_verified_chain() {
    // A worker finds bare wires; the street has no authority and escalates; the county
    // dispatches to the power company, which fixes it; the worker verifies on site.
    let w = World::new();
    let h = Duration::hours(1);
    let run = Run::report(&w, "story", t0())
        .act(
            &w,
            h,
            Action::Claim { note: None },
            &home_actor(Role::Community),
        )
        .act(
            &w,
            h,
            Action::Escalate {
                note: note("社区无处置权限"),
            },
            &home_actor(Role::Community),
        )
        .act(
            &w,
            h,
            Action::Escalate {
                note: note("街道无处置权限"),
            },
            &home_actor(Role::Township),
        )
        .act(
            &w,
            h,
            Action::Claim { note: None },
            &home_actor(Role::Center),
        )
        .act(
            &w,
            h,
            Action::Dispatch {
                deadline: None,
                department: None,
                note: None,
            },
            &home_actor(Role::Center),
        )
        .act(
            &w,
            h,
            Action::Accept { note: None },
            &home_actor(Role::Department),
        )
        .act(
            &w,
            h,
            template(ActionKind::ReportHandled),
            &home_actor(Role::Department),
        )
        .act(
            &w,
            h,
            Action::AssignVerify { note: None },
            &home_actor(Role::Center),
        )
        .act(
            &w,
            h,
            Action::VerifyPass {
                note: None,
                photos: vec![],
            },
            &home_actor(Role::GridWorker),
        )
        .act(
            &w,
            h,
            Action::Rate {
                rating: Rating::Satisfied,
                source: RatingSource::Resident,
                note: None,
            },
            &home_actor(Role::Center),
        );
    assert_eq!(run.case.state, CaseState::Closed);
    assert_eq!(
        run.case.outcome,
        Some(Outcome::Resolved),
        "verified on site means resolved"
    );
    assert_eq!(
        run.case.holder_unit.as_str(),
        "C",
        "the county centre held it to the end"
    );
    verify_chain(
        &run.case.id,
        &run.events,
        Some((run.case.version, &run.case.head_hash)),
    )
    .expect("the chain of an honest history verifies");
}

#[test]
fn a_handled_report_says_what_was_done_or_shows_it() {
    let w = World::new();
    let h = Duration::hours(1);
    let t1 = home_actor(Role::Township);
    let dept = home_actor(Role::Department);
    let in_progress = Run::report(&w, "case-h", t0())
        .act(&w, h, Action::Claim { note: None }, &t1)
        .act(
            &w,
            h,
            Action::Dispatch {
                deadline: None,
                department: None,
                note: None,
            },
            &t1,
        )
        .act(&w, h, Action::Accept { note: None }, &dept);
    for (note, photos, ok) in [
        (None, vec![], false),
        (Some("   "), vec![], false),
        (Some("已更换井盖"), vec![], true),
        (None, vec![yiwang_core::ids::PhotoHash::of(b"after")], true),
    ] {
        let mut run = in_progress.clone();
        let r = run.try_act(
            &w,
            h,
            Action::ReportHandled {
                note: note.map(str::to_owned),
                photos: photos.clone(),
            },
            &dept,
        );
        assert_eq!(
            r.is_ok(),
            ok,
            "note {note:?}, {} photo(s): {r:?}",
            photos.len()
        );
        if let Err(refusal) = r {
            assert_eq!(refusal.code(), "invalid_input", "{refusal}");
            assert_eq!(run.case.state, CaseState::InProgress, "nothing changed");
        }
    }
}
