//! The rules every component shares (issue 10): where a case stands against its deadline,
//! the finding rules, and who a user acts as.

mod common;

use chrono::Duration;
use common::*;
use yiwang_core::case::{Action, CaseState, DeadlineStatus};
use yiwang_core::category::CategoryTree;
use yiwang_core::field::{Disposition, FindingDraft, FindingRule};
use yiwang_core::ids::{CaseId, GridId, PhotoHash};
use yiwang_core::org::{Affiliation, Role};
use yiwang_core::sync::UserInfo;

/// A case at the power company: reported, claimed and dispatched by T1 (8 working hours).
fn dispatched(w: &World) -> Run {
    let t1 = home_actor(Role::Township);
    Run::report(w, "case-1", t0())
        .act(w, Duration::minutes(5), Action::Claim { note: None }, &t1)
        .act(
            w,
            Duration::minutes(5),
            template(yiwang_core::case::ActionKind::Dispatch),
            &t1,
        )
}

#[test]
fn a_dispatched_case_runs_then_is_overdue_past_its_deadline() {
    let w = World::new();
    let run = dispatched(&w);
    let deadline = run.case.deadline.expect("a dispatch sets a deadline");
    assert_eq!(run.case.deadline_status(deadline), DeadlineStatus::Running);
    assert!(
        !run.case.is_overdue(deadline),
        "at the deadline it is not yet late"
    );
    let after = deadline + Duration::seconds(1);
    assert!(run.case.is_overdue(after), "a second past it, it is");
    assert_eq!(run.case.deadline_status(after), DeadlineStatus::Overdue);
}

#[test]
fn a_case_handled_after_its_deadline_reads_handled_late_not_overdue() {
    let w = World::new();
    let dept = home_actor(Role::Department);
    let run = dispatched(&w);
    let deadline = run.case.deadline.unwrap();
    let run = run.act(
        &w,
        Duration::minutes(10),
        Action::Accept { note: None },
        &dept,
    );
    // Reported handled three hours after the deadline.
    let late = deadline - run.now + Duration::hours(3);
    let run = run.act(
        &w,
        late,
        template(yiwang_core::case::ActionKind::ReportHandled),
        &dept,
    );
    assert_eq!(run.case.state, CaseState::Handled);
    assert!(run.case.handled_at.is_some_and(|t| t > deadline));
    let much_later = deadline + Duration::days(30);
    assert!(
        !run.case.is_overdue(much_later),
        "a handled case is no longer at the department: not overdue"
    );
    assert_eq!(
        run.case.deadline_status(much_later),
        DeadlineStatus::HandledLate,
        "but it was handled after its deadline"
    );
    let center = home_actor(Role::Center);
    let run = run.act(
        &w,
        Duration::hours(1),
        Action::Close {
            outcome: None,
            note: None,
        },
        &center,
    );
    assert_eq!(
        run.case.deadline_status(much_later),
        DeadlineStatus::HandledLate,
        "closing later does not change when it was handled"
    );
}

#[test]
fn a_case_handled_in_time_stays_on_time_and_rework_clears_it() {
    let w = World::new();
    let dept = home_actor(Role::Department);
    let run = dispatched(&w)
        .act(
            &w,
            Duration::minutes(10),
            Action::Accept { note: None },
            &dept,
        )
        .act(
            &w,
            Duration::minutes(30),
            template(yiwang_core::case::ActionKind::ReportHandled),
            &dept,
        );
    let deadline = run.case.deadline.unwrap();
    assert_eq!(
        run.case.deadline_status(deadline + Duration::days(3)),
        DeadlineStatus::HandledOnTime
    );
    let center = home_actor(Role::Center);
    let worker = home_actor(Role::GridWorker);
    let run = run
        .act(
            &w,
            Duration::minutes(5),
            Action::AssignVerify { note: None },
            &center,
        )
        .act(
            &w,
            Duration::minutes(5),
            template(yiwang_core::case::ActionKind::VerifyFail),
            &worker,
        );
    assert_eq!(run.case.state, CaseState::Dispatched, "返工 sends it back");
    assert_eq!(run.case.handled_at, None, "it is no longer handled");
    assert_eq!(
        run.case.deadline_status(run.now),
        DeadlineStatus::Running,
        "with a fresh deadline"
    );
}

#[test]
fn a_case_without_a_deadline_has_none_to_miss() {
    let w = World::new();
    let run = Run::report(&w, "case-1", t0());
    assert_eq!(
        run.case.deadline_status(t0() + Duration::days(400)),
        DeadlineStatus::NoDeadline
    );
    assert!(!run.case.is_overdue(t0() + Duration::days(400)));
}

fn draft(description: &str, disposition: Disposition, photos: usize) -> FindingDraft {
    FindingDraft {
        grid_id: GridId::new("G1"),
        patrol_id: None,
        category_code: WIRES.into(),
        description: description.into(),
        lat: Some(40.6),
        lon: Some(122.5),
        accuracy_m: Some(5.0),
        mock_location: false,
        observed_at: t0(),
        disposition,
        photos: (0..photos)
            .map(|i| PhotoHash::of(&[u8::try_from(i).unwrap()]))
            .collect(),
        case_id: (disposition == Disposition::Report).then(|| CaseId::new("c")),
        urgent: false,
    }
}

#[test]
fn an_empty_description_is_fine_for_a_note_with_a_photo_but_never_for_a_report() {
    let tree = CategoryTree::builtin();
    assert_eq!(draft("", Disposition::Note, 1).problems(&tree), vec![]);
    assert_eq!(
        draft("", Disposition::ResolvedOnSpot, 1).problems(&tree),
        vec![]
    );
    assert_eq!(
        draft("", Disposition::Note, 0).problems(&tree),
        vec![FindingRule::DescriptionOrPhoto]
    );
    assert_eq!(
        draft("", Disposition::Report, 3).problems(&tree),
        vec![FindingRule::ReportNeedsDescription],
        "a case others must act on says what it is, photos or not"
    );
    assert_eq!(
        draft("井盖", Disposition::Report, 0).problems(&tree),
        vec![]
    );
}

#[test]
fn every_broken_rule_is_named_at_once() {
    let tree = CategoryTree::builtin();
    let mut d = draft(&"路".repeat(501), Disposition::Note, 10);
    d.category_code = "01".into();
    d.lon = None;
    d.case_id = Some(CaseId::new("x"));
    d.photos[1] = d.photos[0].clone();
    assert_eq!(
        d.problems(&tree),
        vec![
            FindingRule::CategoryNotLeaf,
            FindingRule::DescriptionTooLong,
            FindingRule::TooManyPhotos,
            FindingRule::DuplicatePhoto,
            FindingRule::LocationIncomplete,
            FindingRule::CaseIdUnexpected,
        ]
    );
    let mut r = draft("井盖缺失", Disposition::Report, 0);
    r.case_id = None;
    r.lat = Some(91.0);
    r.accuracy_m = Some(-1.0);
    assert_eq!(
        r.problems(&tree),
        vec![
            FindingRule::LocationInvalid,
            FindingRule::AccuracyInvalid,
            FindingRule::CaseIdMissing,
        ]
    );
}

#[test]
fn a_user_acts_for_their_department_or_their_unit() {
    let user = |role, unit: Option<&str>, dept: Option<&str>| UserInfo {
        id: "u".into(),
        username: "u".into(),
        display_name: "u".into(),
        role,
        org_unit_id: unit.map(Into::into),
        department_id: dept.map(Into::into),
        grid_ids: vec![],
    };
    assert_eq!(
        user(Role::Department, Some("C"), Some("power"))
            .actor()
            .affiliation,
        Affiliation::Department("power".into()),
        "a department handler acts for the department, whatever unit is on file"
    );
    assert_eq!(
        user(Role::Township, Some("T1"), Some("power"))
            .actor()
            .affiliation,
        Affiliation::Unit("T1".into()),
        "an operator acts for their unit"
    );
    assert_eq!(
        user(Role::Leader, None, None).actor().affiliation,
        Affiliation::Unit("".into()),
        "a user with neither belongs nowhere: no jurisdiction check lets them through"
    );
}
