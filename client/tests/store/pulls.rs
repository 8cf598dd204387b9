//! Pulls: a pull page and its cursor land together, pulled categories replace the built-in
//! tree, a pulled rejection corrects a lost answer, and a reset keeps the outbox.

use yiwang_client::store::{CaseFilter, StoreError, SyncState};
use yiwang_core::case::{Action, CaseState};
use yiwang_core::field::{Disposition, FindingDraft, FindingRule, Patrol};
use yiwang_core::ids::{CaseId, GridId, PhotoHash};
use yiwang_core::sync::{CaseActionData, Change, Entity, OpResult, OpStatus, OpType, RejectedOp};

use crate::common::{
    applied, change, deleted, full_page, new_finding, open_signed_in, pulled_case, record_photo, t,
    worker, CATEGORY, GRID,
};

#[test]
fn a_pull_page_and_its_cursor_land_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    assert_eq!(
        store.cursor().unwrap(),
        None,
        "a new device pulls from the start"
    );

    store.apply_pull(&full_page(), "c1").unwrap();
    assert_eq!(
        store.cursor().unwrap().as_deref(),
        Some("c1"),
        "the cursor moved with the page"
    );
    assert_eq!(store.org_units().unwrap().len(), 1, "org units stored");
    let grids = store.grids().unwrap();
    assert_eq!(grids.len(), 1, "grids stored");
    assert_eq!(grids[0].polygon["type"], "Polygon", "with their polygon");
    assert_eq!(store.departments().unwrap().len(), 1, "departments stored");
    let cats = store.categories().unwrap();
    assert_eq!(
        cats.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
        vec!["01", CATEGORY],
        "categories stored, class before leaf"
    );
    let case_id = CaseId::new("case-1");
    assert_eq!(store.case(&case_id).unwrap().version, 1, "the case stored");
    assert_eq!(
        store.case_events(&case_id).unwrap().len(),
        1,
        "its event stored"
    );
    assert_eq!(
        store.patrol(&"p-other".into()).unwrap().sync,
        SyncState::Sent,
        "a pulled record has no ops: it is the server's"
    );
    let photo = store
        .photo(&PhotoHash::of(b"someone else's photo"))
        .unwrap()
        .expect("stored");
    assert_eq!(
        photo.path, None,
        "pulled photo metadata comes without a file"
    );
    assert!(
        store.photos_waiting_upload().unwrap().is_empty(),
        "and is never uploaded from here"
    );

    // A page whose last change is malformed stores nothing, and the cursor stays.
    let bad = vec![
        change(
            10,
            Entity::Case,
            "case-1",
            pulled_case("case-1", 2, CaseState::Claimed),
        ),
        Change {
            seq: 11,
            entity: Entity::Grid,
            id: "G-9".into(),
            deleted: false,
            data: serde_json::json!({"id": "G-9"}),
        },
    ];
    let err = store
        .apply_pull(&bad, "c2")
        .expect_err("a malformed record fails the page");
    assert_eq!(
        err.code(),
        "bad_record",
        "the failure says the data was bad: {err}"
    );
    assert_eq!(
        store.cursor().unwrap().as_deref(),
        Some("c1"),
        "the cursor did not move"
    );
    assert_eq!(
        store.case(&case_id).unwrap().state,
        CaseState::Pending,
        "the good change of the failed page was not kept either"
    );

    let next = vec![
        change(
            10,
            Entity::Case,
            "case-1",
            pulled_case("case-1", 2, CaseState::Claimed),
        ),
        change(
            11,
            Entity::Case,
            "case-1",
            pulled_case("case-1", 1, CaseState::Pending),
        ),
        deleted(12, Entity::Department, "power"),
    ];
    store.apply_pull(&next, "c2").unwrap();
    assert_eq!(
        store.cursor().unwrap().as_deref(),
        Some("c2"),
        "the cursor moved"
    );
    assert_eq!(
        store.case(&case_id).unwrap().state,
        CaseState::Claimed,
        "an older version never rolls a case back"
    );
    assert_eq!(
        store
            .cases(&CaseFilter {
                state: Some(CaseState::Claimed),
                ..Default::default()
            })
            .unwrap()
            .len(),
        1,
        "cases filter by state"
    );
    assert!(
        store.departments().unwrap().is_empty(),
        "a deleted change removes the record"
    );
}

#[test]
fn pulled_categories_replace_the_builtin_tree_for_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    let builtin_only = FindingDraft {
        category_code: "01.02".into(),
        ..new_finding(vec![], Disposition::Note)
    };
    store
        .create_finding(builtin_only.clone())
        .expect("before any pull the built-in tree holds");
    store.apply_pull(&full_page(), "c1").unwrap();
    let refused = store.create_finding(builtin_only);
    assert!(
        matches!(
            &refused,
            Err(StoreError::FindingRules(p)) if p.0 == [FindingRule::CategoryNotLeaf]
        ),
        "after a pull only the county's own categories count: {refused:?}"
    );
}

#[test]
fn a_pulled_rejection_corrects_a_lost_answer() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    let case_id = CaseId::new("case-1");
    let action = CaseActionData {
        base_version: 3,
        action: Action::VerifyPass {
            note: Some("已修复".into()),
            photos: vec![],
        },
    };
    let op_id = store.queue_case_action(&case_id, &action).unwrap();
    assert_eq!(
        store.sync_state("case-1").unwrap(),
        SyncState::Waiting,
        "the decision waits"
    );
    let op = &store.pending_ops(10).unwrap()[0];
    assert_eq!(op.op_type, OpType::CaseAction, "a case.action op");
    assert_eq!(
        op.data["action"], "verify_pass",
        "the action's name travels in `action`"
    );
    assert_eq!(
        op.data["base_version"], 3,
        "with the version it was decided on"
    );

    // The rejection's answer was lost; the resend was answered `duplicate`.
    store
        .acknowledge(&[OpResult {
            status: OpStatus::Duplicate,
            ..applied(&op_id)
        }])
        .unwrap();
    assert_eq!(
        store.sync_state("case-1").unwrap(),
        SyncState::Sent,
        "as far as the device knew"
    );

    let r = RejectedOp {
        op_id: op_id.clone(),
        device_id: store.device_id().unwrap(),
        user_id: worker().id,
        op_type: OpType::CaseAction,
        entity_id: "case-1".into(),
        code: "stale_state".into(),
        message: "案件已被重新打开".into(),
        at: t("2026-11-26T01:00:00Z"),
        received_at: t("2026-11-26T01:10:00Z"),
        data: serde_json::to_value(&action).unwrap(),
    };
    store
        .apply_pull(&[change(1, Entity::RejectedOp, op_id.as_str(), &r)], "c1")
        .unwrap();
    assert_eq!(
        store.rejected_ops().unwrap(),
        vec![r],
        "the server's record is kept"
    );
    assert_eq!(
        store.sync_state("case-1").unwrap(),
        SyncState::Rejected {
            code: "stale_state".into(),
            message: "案件已被重新打开".into()
        },
        "the device's op now shows the rejection it missed"
    );
}

#[test]
fn a_reset_forgets_pulled_data_but_keeps_the_outbox_and_local_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    let p1 = record_photo(&store, dir.path(), 1);
    let mine = store
        .create_finding(new_finding(vec![p1.clone()], Disposition::Report))
        .unwrap();
    let patrol = store
        .start_patrol(&GridId::new(GRID), t("2026-11-26T01:00:00Z"))
        .unwrap();
    store
        .end_patrol(&patrol.id, t("2026-11-26T02:00:00Z"))
        .unwrap();

    // The server sends the device's own records back, and the patrol without its end (the
    // patrol.end op has not reached it yet).
    let mut page = full_page();
    page.push(change(20, Entity::Finding, mine.id.as_str(), &mine));
    page.push(change(
        21,
        Entity::Patrol,
        patrol.id.as_str(),
        Patrol {
            ended_at: None,
            ..patrol.clone()
        },
    ));
    store.apply_pull(&page, "c1").unwrap();
    assert!(
        store.patrol(&patrol.id).unwrap().patrol.ended_at.is_some(),
        "a pull does not reopen a patrol ended here"
    );
    let outbox_before = store.outbox_counts().unwrap();

    store.reset_pulled().unwrap();
    assert_eq!(
        store.cursor().unwrap(),
        None,
        "the next pull starts from scratch"
    );
    assert!(store.grids().unwrap().is_empty(), "reference data is gone");
    assert!(store.categories().unwrap().is_empty(), "categories too");
    assert!(
        store.cases(&CaseFilter::default()).unwrap().is_empty(),
        "pulled cases are gone"
    );
    assert!(
        store.case_events(&"case-1".into()).unwrap().is_empty(),
        "and their events"
    );
    assert!(
        matches!(
            store.patrol(&"p-other".into()),
            Err(StoreError::NotFound { .. })
        ),
        "a pulled patrol is gone"
    );
    assert!(
        store
            .photo(&PhotoHash::of(b"someone else's photo"))
            .unwrap()
            .is_none(),
        "pulled photo metadata too"
    );
    assert_eq!(
        store.outbox_counts().unwrap(),
        outbox_before,
        "the outbox is untouched"
    );
    assert_eq!(
        store.finding(&mine.id).unwrap().finding,
        mine,
        "the device's own finding stays"
    );
    assert!(
        store.patrol(&patrol.id).unwrap().patrol.ended_at.is_some(),
        "so does its patrol"
    );
    assert!(
        store.photo(&p1).unwrap().is_some(),
        "and the photo whose file is here"
    );
}
