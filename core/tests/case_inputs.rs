//! Issue 17's rules in the workflow: a merge names a real case the actor sees (and is undone
//! within a week by the township above or the centre), a dispatch may shorten the category's
//! deadline, 本级办结 says or shows what was done, and input refusals carry the field, the
//! rule and the limit.

mod common;

use chrono::Duration;
use common::*;
use yiwang_core::case::{Action, ActionKind, Case, CaseState, Outcome};
use yiwang_core::input::{InputField, InputRule};
use yiwang_core::org::{Actor, Role};
use yiwang_core::workflow::{decide, Refusal};

fn input_refusal(r: Refusal) -> (InputField, InputRule, Option<String>) {
    match r {
        Refusal::InvalidInput { field, rule, limit } => (field, rule, limit),
        other => panic!("expected an input refusal, got {other:?}"),
    }
}

/// A case on G1 that M1 claimed and escalated and T1 claimed: T1 may dispatch it.
fn claimed_at_township(w: &World, id: &str) -> Run {
    let h = Duration::hours(1);
    let m1 = home_actor(Role::Community);
    Run::report(w, id, t0())
        .act(w, h, Action::Claim { note: None }, &m1)
        .act(
            w,
            h,
            Action::Escalate {
                note: note("需部门处置"),
            },
            &m1,
        )
        .act(
            w,
            h,
            Action::Claim { note: None },
            &home_actor(Role::Township),
        )
}

fn merge_into(id: &str) -> Action {
    Action::MergeDuplicate {
        duplicate_of: id.into(),
        note: None,
    }
}

#[test]
fn a_merge_names_a_case_that_exists_is_seen_is_another_and_was_not_merged_elsewhere() {
    let w = World::new();
    let h = Duration::hours(1);
    let m1 = home_actor(Role::Community);
    let t1 = home_actor(Role::Township);
    let claimed = Run::report(&w, "dup", t0()).act(&w, h, Action::Claim { note: None }, &m1);
    let now = claimed.now + h;
    let try_merge = |run: &Run, action: &Action, by: &Actor, related: Option<&Case>| {
        decide(
            Some(&run.case),
            &run.case.id,
            run.case.version,
            action,
            by,
            &w.ctx(now).with_related(related),
        )
    };
    // A short id as the queue shows it, or any text, names no case.
    let r = try_merge(&claimed, &merge_into("a044aa7d"), &m1, None).unwrap_err();
    assert_eq!(
        input_refusal(r),
        (InputField::DuplicateOf, InputRule::Unknown, None)
    );
    // The case named must be the one given (the caller looked up that id).
    let target = w.merge_target.clone().expect("case-0");
    let r = try_merge(&claimed, &merge_into("other"), &m1, Some(&target)).unwrap_err();
    assert_eq!(input_refusal(r).1, InputRule::Unknown);
    // Itself.
    let r = try_merge(&claimed, &merge_into("dup"), &m1, Some(&claimed.case)).unwrap_err();
    assert_eq!(input_refusal(r).1, InputRule::SameCase);
    // A case in M2 is not M1's to see: unknown to M1 (no more said).
    let foreign = Run::report_with(
        &w,
        "far",
        t0(),
        report_by_worker("G2"),
        &actor("worker-g2", Role::GridWorker, at_unit("M2"), &["G2"]),
    );
    let r = try_merge(&claimed, &merge_into("far"), &m1, Some(&foreign.case)).unwrap_err();
    assert_eq!(input_refusal(r).1, InputRule::Unknown);
    // A case itself merged into case-0: pick case-0 instead (the refusal names it).
    let merged_elsewhere =
        Run::report(&w, "merged", t0()).act(&w, h, template(ActionKind::MergeDuplicate), &m1);
    assert_eq!(merged_elsewhere.case.duplicate_of, Some("case-0".into()));
    let r = try_merge(
        &claimed,
        &merge_into("merged"),
        &m1,
        Some(&merged_elsewhere.case),
    )
    .unwrap_err();
    assert_eq!(
        input_refusal(r),
        (
            InputField::DuplicateOf,
            InputRule::MergedElsewhere,
            Some("case-0".to_owned())
        )
    );
    // The real one: closed as a duplicate of case-0, which it names.
    let e = try_merge(&claimed, &template(ActionKind::MergeDuplicate), &t1, None);
    assert!(e.is_err(), "T1 does not hold the case claimed at M1");
    let merged = claimed.act(&w, h, template(ActionKind::MergeDuplicate), &m1);
    assert_eq!(merged.case.state, CaseState::Closed);
    assert_eq!(merged.case.outcome, Some(Outcome::Duplicate));
    assert_eq!(merged.case.duplicate_of, Some("case-0".into()));
}

#[test]
fn a_merge_is_undone_by_the_township_or_the_centre_within_a_week() {
    let w = World::new();
    let h = Duration::hours(1);
    let m1 = home_actor(Role::Community);
    let merged = Run::report(&w, "dup", t0())
        .act(&w, h, Action::Claim { note: None }, &m1)
        .act(&w, h, template(ActionKind::MergeDuplicate), &m1);
    let undo = Action::Unmerge {
        note: note("合并错了"),
    };
    // The community that merged it may not undo it; nor may a township elsewhere.
    let mut tried = merged.clone();
    assert_eq!(
        tried
            .try_act(&w, h, undo.clone(), &m1)
            .unwrap_err()
            .code()
            .as_str(),
        "forbidden_role"
    );
    let t2 = foreign_actors()
        .into_iter()
        .find(|a| a.user_id.as_str() == "op-t2")
        .unwrap();
    assert_eq!(
        tried
            .try_act(&w, h, undo.clone(), &t2)
            .unwrap_err()
            .code()
            .as_str(),
        "out_of_jurisdiction"
    );
    // Undoing another desk's decision says why.
    let r = tried
        .try_act(
            &w,
            h,
            Action::Unmerge { note: None },
            &home_actor(Role::Township),
        )
        .unwrap_err();
    assert_eq!(
        input_refusal(r),
        (InputField::Note, InputRule::Required, None)
    );
    // T1, six days on: back to M1, claimed, no longer a duplicate, not closed.
    for by in [home_actor(Role::Township), home_actor(Role::Center)] {
        let undone = merged.clone().act(&w, Duration::days(6), undo.clone(), &by);
        assert_eq!(undone.case.state, CaseState::Claimed);
        assert_eq!(undone.case.holder_unit.as_str(), "M1");
        assert_eq!(undone.case.outcome, None);
        assert_eq!(undone.case.duplicate_of, None);
        assert_eq!(undone.case.closed_at, None);
        // Worked again as any case: M1 may resolve it.
        undone.act(&w, h, template(ActionKind::Resolve), &m1);
    }
    // Eight days on: too late, for the centre too.
    let mut late = merged.clone();
    let r = late
        .try_act(
            &w,
            Duration::days(8),
            undo.clone(),
            &home_actor(Role::Center),
        )
        .unwrap_err();
    assert_eq!(r, Refusal::UndoWindowPassed { days: 7 });
    // A case closed any other way has no merge to undo.
    let mut rejected =
        Run::report(&w, "inv", t0()).act(&w, h, template(ActionKind::RejectInvalid), &m1);
    assert_eq!(
        rejected
            .try_act(&w, h, undo, &home_actor(Role::Center))
            .unwrap_err()
            .code()
            .as_str(),
        "invalid_transition"
    );
}

#[test]
fn a_dispatch_may_shorten_the_categorys_deadline_but_not_lengthen_it() {
    let w = World::new();
    let h = Duration::hours(1);
    let t1 = home_actor(Role::Township);
    let claimed = claimed_at_township(&w, "urgent");
    let dispatch = |deadline| Action::Dispatch {
        department: None,
        note: None,
        deadline,
    };
    // The category's: 8 working hours from now.
    let by_category = claimed.clone().act(&w, h, dispatch(None), &t1);
    let category_deadline = by_category.case.deadline.expect("a deadline");
    // Two hours from now: taken as given.
    let now = claimed.now + h;
    let soon = now + Duration::hours(2);
    let shortened = claimed.clone().act(&w, h, dispatch(Some(soon)), &t1);
    assert_eq!(shortened.case.deadline, Some(soon));
    // Later than the category's: refused, naming the category's deadline.
    let mut longer = claimed.clone();
    let r = longer
        .try_act(
            &w,
            h,
            dispatch(Some(category_deadline + Duration::minutes(1))),
            &t1,
        )
        .unwrap_err();
    assert_eq!(
        input_refusal(r),
        (
            InputField::Deadline,
            InputRule::LaterThanCategoryDeadline,
            Some(category_deadline.to_rfc3339())
        )
    );
    // Already past: refused.
    let r = longer
        .try_act(&w, h, dispatch(Some(now - Duration::minutes(1))), &t1)
        .unwrap_err();
    assert_eq!(input_refusal(r).1, InputRule::NotInFuture);
    assert_eq!(longer.case.version, claimed.case.version, "nothing changed");
}

#[test]
fn resolving_at_the_unit_says_or_shows_what_was_done_as_a_department_must() {
    let w = World::new();
    let h = Duration::hours(1);
    let m1 = home_actor(Role::Community);
    let mut claimed = Run::report(&w, "here", t0()).act(&w, h, Action::Claim { note: None }, &m1);
    let r = claimed
        .try_act(
            &w,
            h,
            Action::Resolve {
                note: note("  "),
                photos: vec![],
            },
            &m1,
        )
        .unwrap_err();
    assert_eq!(
        input_refusal(r),
        (InputField::Note, InputRule::NoteOrPhoto, None)
    );
}

#[test]
fn an_extension_not_after_the_deadline_names_the_deadline() {
    let w = World::new();
    let h = Duration::hours(1);
    let run = claimed_at_township(&w, "ext").act(
        &w,
        h,
        template(ActionKind::Dispatch),
        &home_actor(Role::Township),
    );
    let deadline = run.case.deadline.expect("dispatched");
    let mut tried = run.clone();
    let r = tried
        .try_act(
            &w,
            h,
            Action::RequestExtension {
                until: deadline,
                note: note("需协调"),
            },
            &home_actor(Role::Department),
        )
        .unwrap_err();
    assert_eq!(
        input_refusal(r),
        (
            InputField::Until,
            InputRule::NotAfterDeadline,
            Some(deadline.to_rfc3339())
        )
    );
    assert!(
        tried_message(&run, deadline, &w).contains(&deadline.to_rfc3339()),
        "the server's message names the limit too"
    );
}

fn tried_message(run: &Run, deadline: chrono::DateTime<chrono::Utc>, w: &World) -> String {
    let mut r = run.clone();
    r.try_act(
        w,
        Duration::hours(1),
        Action::ExtendDeadline {
            until: Some(deadline),
            note: None,
        },
        &home_actor(Role::Township),
    )
    .unwrap_err()
    .to_string()
}
