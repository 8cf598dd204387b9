//! Ratings (回访评价): operators only, never the user who registered the case, and at most one
//! resident and one operator rating per case; a resident rating is stored as ratings were
//! before sources existed.

mod common;

use chrono::Duration;
use common::*;
use yiwang_core::case::{Action, ActionKind, Case, Rating, RatingSource};
use yiwang_core::ledger::verify_chain;
use yiwang_core::org::Role;
use yiwang_core::workflow::{available_actions, rating_sources, Refusal};

/// A closed case reported by the worker of G1 and closed after verification on site.
fn closed_case(w: &World) -> Run {
    let h = Duration::hours(1);
    let m1 = home_actor(Role::Community);
    Run::report(w, "case-r", t0())
        .act(w, h, Action::Claim { note: None }, &m1)
        .act(w, h, template(ActionKind::Resolve), &m1)
        .act(w, h, template(ActionKind::AssignVerify), &m1)
        .act(
            w,
            h,
            template(ActionKind::VerifyPass),
            &home_actor(Role::GridWorker),
        )
}

fn rate(rating: Rating, source: RatingSource) -> Action {
    Action::Rate {
        rating,
        source,
        note: None,
    }
}

#[test]
fn a_grid_worker_never_rates() {
    let w = World::new();
    let mut run = closed_case(&w);
    let worker = home_actor(Role::GridWorker);
    for source in RatingSource::ALL {
        let r = run.try_act(
            &w,
            Duration::hours(1),
            rate(Rating::Satisfied, source),
            &worker,
        );
        assert_eq!(
            r.unwrap_err().code(),
            "forbidden_role",
            "the worker of the case's own grid may not rate it ({source:?})"
        );
    }
    assert!(
        !available_actions(&run.case, &worker, &w.org).contains(&ActionKind::Rate),
        "the app offers no rating"
    );
    assert_eq!(run.case.rating, None, "nothing was recorded");
}

#[test]
fn the_operator_who_registered_a_case_may_not_rate_it() {
    let w = World::new();
    let h = Duration::hours(1);
    let m1 = home_actor(Role::Community);
    let mut run = Run::report_with(&w, "case-i", t0(), report_by_hotline("G1"), &m1)
        .act(&w, h, Action::Claim { note: None }, &m1)
        .act(&w, h, template(ActionKind::Resolve), &m1)
        .act(&w, h, template(ActionKind::Close), &m1);
    for source in RatingSource::ALL {
        let r = run.try_act(&w, h, rate(Rating::Satisfied, source), &m1);
        assert_eq!(
            r.unwrap_err(),
            Refusal::RatingNotAllowed,
            "the intake operator may not rate their own case ({source:?})"
        );
    }
    assert!(
        !available_actions(&run.case, &m1, &w.org).contains(&ActionKind::Rate),
        "the console draws no Rate button for them"
    );
    run.try_act(
        &w,
        h,
        rate(Rating::Satisfied, RatingSource::Resident),
        &home_actor(Role::Township),
    )
    .expect("a colleague above records the resident's answer");
    assert_eq!(run.case.rating, Some(Rating::Satisfied));
}

#[test]
fn one_resident_and_one_operator_rating_per_case() {
    let w = World::new();
    let h = Duration::hours(1);
    let (m1, t1, c) = (
        home_actor(Role::Community),
        home_actor(Role::Township),
        home_actor(Role::Center),
    );
    let mut run = closed_case(&w);
    run.try_act(
        &w,
        h,
        rate(Rating::Dissatisfied, RatingSource::Resident),
        &m1,
    )
    .expect("the resident's answer from the callback");
    let r = run.try_act(&w, h, rate(Rating::Satisfied, RatingSource::Resident), &t1);
    assert_eq!(
        r.unwrap_err(),
        Refusal::AlreadyRated,
        "a second resident rating, even by another operator, is refused"
    );
    assert!(
        available_actions(&run.case, &t1, &w.org).contains(&ActionKind::Rate),
        "Rate is still offered: the operator rating is missing"
    );
    assert_eq!(
        rating_sources(&run.case, &t1, &w.org),
        vec![RatingSource::Operator],
        "the dialog offers only the operator rating now"
    );
    run.try_act(&w, h, rate(Rating::Satisfied, RatingSource::Operator), &t1)
        .expect("the operator's own rating is still open");
    assert_eq!(
        (run.case.rating, run.case.operator_rating),
        (Some(Rating::Dissatisfied), Some(Rating::Satisfied)),
        "both ratings are kept, each in its place"
    );
    let r = run.try_act(&w, h, rate(Rating::Satisfied, RatingSource::Operator), &c);
    assert_eq!(r.unwrap_err(), Refusal::AlreadyRated, "one operator rating");
    assert!(
        !available_actions(&run.case, &c, &w.org).contains(&ActionKind::Rate),
        "nothing left to rate"
    );
    let replayed = Case::replay(&run.events).expect("the events replay");
    assert_eq!(
        replayed, run.case,
        "the ratings are a projection of the events"
    );
    run.try_act(&w, h, template(ActionKind::Reopen), &c)
        .expect("reopened at the centre");
    assert_eq!(
        (run.case.rating, run.case.operator_rating),
        (None, None),
        "reopening clears both ratings"
    );
}

#[test]
fn a_rating_stored_without_source_reads_as_the_residents() {
    let w = World::new();
    let mut run = closed_case(&w);
    run.try_act(
        &w,
        Duration::hours(1),
        rate(Rating::Satisfied, RatingSource::Resident),
        &home_actor(Role::Community),
    )
    .unwrap();
    let last = run.events.last().unwrap();
    let json = serde_json::to_value(last).unwrap();
    assert!(
        json.get("source").is_none(),
        "a resident rating is stored as ratings were before sources existed"
    );
    let back: yiwang_core::case::CaseEvent = serde_json::from_value(json).unwrap();
    assert!(
        matches!(
            back.action,
            Action::Rate {
                source: RatingSource::Resident,
                ..
            }
        ),
        "read back as the resident's"
    );
    verify_chain(
        &run.case.id,
        &run.events,
        Some((run.case.version, &run.case.head_hash)),
    )
    .expect("its hash is the hash an old binary computed");
}

#[test]
fn a_case_merged_as_a_duplicate_is_rated_in_the_case_it_joined() {
    let w = World::new();
    let h = Duration::hours(1);
    let m1 = home_actor(Role::Community);
    let mut merged =
        Run::report(&w, "dup", t0()).act(&w, h, template(ActionKind::MergeDuplicate), &m1);
    for role in [Role::Community, Role::Township, Role::Center] {
        let operator = home_actor(role);
        assert!(
            !available_actions(&merged.case, &operator, &w.org).contains(&ActionKind::Rate),
            "{role:?} is offered no 回访评价 on a merged duplicate"
        );
        assert!(rating_sources(&merged.case, &operator, &w.org).is_empty());
        for source in RatingSource::ALL {
            let r = merged.try_act(&w, h, rate(Rating::Dissatisfied, source), &operator);
            assert_eq!(
                r.unwrap_err().code(),
                "invalid_transition",
                "{role:?} {source:?}"
            );
        }
    }
    // A case closed as resolved is still rated: the refusal is about the merge, not the state.
    let closed = closed_case(&w);
    assert!(
        available_actions(&closed.case, &home_actor(Role::Center), &w.org)
            .contains(&ActionKind::Rate)
    );
}
