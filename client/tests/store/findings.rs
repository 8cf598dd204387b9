//! A finding and its op: a finding, its photos and its op are written together, a rejected op is
//! kept with its reason, patrols queue their ops, and invalid findings are refused before
//! anything is written.

use yiwang_client::store::{FindingFilter, Store, StoreError, SyncState, UploadState};
use yiwang_core::field::{
    Disposition, FindingDraft, FindingRule, TrackPoint, MAX_DESCRIPTION_CHARS,
};
use yiwang_core::ids::{GridId, OpId, PhotoHash};
use yiwang_core::sync::{FindingCreateData, OpResult, OpStatus, OpType};

use crate::common::{
    applied, new_finding, only_op, open_signed_in, record_photo, rejected, t, worker, GRID,
};

#[test]
fn a_finding_its_photos_and_its_op_are_written_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    let p1 = record_photo(&store, dir.path(), 1);
    let p2 = record_photo(&store, dir.path(), 2);

    let finding = store
        .create_finding(new_finding(
            vec![p2.clone(), p1.clone()],
            Disposition::Report,
        ))
        .expect("a valid finding is recorded");

    let row = store.finding(&finding.id).expect("the finding reads back");
    assert_eq!(row.finding, finding, "what was returned is what was stored");
    assert_eq!(
        row.finding.photos,
        vec![p2.clone(), p1.clone()],
        "photos keep the worker's order"
    );
    assert_eq!(
        row.finding.worker_id,
        worker().id,
        "the finding is the signed-in worker's"
    );
    assert!(
        row.finding.case_id.is_some(),
        "a `report` names its case on the device"
    );
    assert_eq!(
        row.sync,
        SyncState::Waiting,
        "nothing has reached the server yet"
    );

    let entry = only_op(&store, finding.id.as_str());
    assert_eq!(
        entry.op.op_type,
        OpType::FindingCreate,
        "the op is a finding.create"
    );
    let data: FindingCreateData =
        serde_json::from_value(entry.op.data.clone()).expect("op data is FindingCreateData");
    assert_eq!(
        data.photos, finding.photos,
        "the op names the same photos, in order"
    );
    assert_eq!(
        data.case_id, finding.case_id,
        "the op carries the device-made case id"
    );
    assert_eq!(
        data.observed_at, finding.observed_at,
        "the op carries the stored time"
    );
    assert_eq!(
        (data.lat, data.lon, data.accuracy_m),
        (Some(40.6312), Some(122.5031), Some(6.5)),
        "the location travels in the record itself"
    );
    assert_eq!(
        store.pending_ops(100).unwrap(),
        vec![entry.op.clone()],
        "the op is the one thing waiting to be pushed"
    );

    let photo = store.photo(&p1).unwrap().expect("photo is known");
    assert_eq!(
        photo.meta.finding_id.as_ref(),
        Some(&finding.id),
        "the upload will name the finding the photo belongs to"
    );
    let waiting: Vec<_> = store
        .photos_waiting_upload()
        .unwrap()
        .into_iter()
        .map(|p| p.meta.sha256)
        .collect();
    assert_eq!(
        waiting,
        vec![p1.clone(), p2.clone()],
        "both files wait for upload"
    );

    let summary = store.acknowledge(&[applied(&entry.op.op_id)]).unwrap();
    assert_eq!(summary.sent, 1, "the applied op was marked sent");
    assert_eq!(
        store.sync_state(finding.id.as_str()).unwrap(),
        SyncState::Sent,
        "acked → sent"
    );
    assert!(
        store.pending_ops(100).unwrap().is_empty(),
        "a sent op is not pushed again"
    );
    let counts = store.outbox_counts().unwrap();
    assert_eq!(
        (counts.waiting, counts.sent, counts.rejected),
        (0, 1, 0),
        "the op is kept as sent"
    );

    store.mark_photo_uploaded(&p1).unwrap();
    let p1_row = store.photo(&p1).unwrap().expect("photo is known");
    assert_eq!(
        p1_row.upload_state,
        UploadState::Uploaded,
        "the server has p1's file"
    );
    assert_eq!(
        store.photos_waiting_upload().unwrap().len(),
        1,
        "only p2 still has to be uploaded"
    );
}

#[test]
fn a_rejected_op_is_kept_with_its_reason_and_blocks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    let a = store
        .create_finding(new_finding(vec![], Disposition::Note))
        .unwrap();
    let b = store
        .create_finding(new_finding(vec![], Disposition::ResolvedOnSpot))
        .unwrap();
    let ops = store.pending_ops(10).unwrap();
    assert_eq!(
        ops.iter().map(|o| o.entity_id.as_str()).collect::<Vec<_>>(),
        vec![a.id.as_str(), b.id.as_str()],
        "ops wait in the order the findings were made"
    );

    store
        .acknowledge(&[rejected(&ops[0].op_id, "invalid_category", "该分类已停用")])
        .unwrap();
    assert_eq!(
        store.finding(&a.id).unwrap().sync,
        SyncState::Rejected {
            code: "invalid_category".into(),
            message: "该分类已停用".into()
        },
        "the finding shows the server's reason"
    );
    assert_eq!(
        store.pending_ops(10).unwrap(),
        vec![ops[1].clone()],
        "the rejected op no longer waits and the one behind it still goes"
    );
    let kept = store.outbox_rejected().unwrap();
    assert_eq!(
        kept.len(),
        1,
        "the rejected op stays in the outbox to be shown"
    );
    assert_eq!(kept[0].op, ops[0], "it is the op that was refused");
    assert_eq!(
        kept[0].code.as_deref(),
        Some("invalid_category"),
        "with the server's code"
    );

    let again = OpResult {
        status: OpStatus::Duplicate,
        ..applied(&ops[0].op_id)
    };
    store.acknowledge(&[again, applied(&ops[1].op_id)]).unwrap();
    assert!(
        matches!(
            store.sync_state(a.id.as_str()).unwrap(),
            SyncState::Rejected { .. }
        ),
        "a later `duplicate` does not wash out a rejection"
    );
    assert_eq!(
        store.sync_state(b.id.as_str()).unwrap(),
        SyncState::Sent,
        "b went through"
    );

    let unknown = store
        .acknowledge(&[applied(&OpId::new("not-ours"))])
        .unwrap();
    assert_eq!(
        unknown.unknown, 1,
        "an answer for an op we never made is counted, not applied"
    );
}

#[test]
fn patrol_start_track_and_end_each_queue_their_op() {
    let dir = tempfile::tempdir().unwrap();
    let now = t("2026-11-26T01:30:00Z"); // 09:30 in the county
    let store = open_signed_in(dir.path()).with_clock(move || now);

    let patrol = store
        .start_patrol(&GridId::new(GRID), t("2026-11-26T01:00:00Z"))
        .unwrap();
    let again = store.start_patrol(&GridId::new(GRID), t("2026-11-26T01:01:00Z"));
    assert!(
        matches!(again, Err(StoreError::PatrolStillOpen { ref id }) if *id == patrol.id),
        "a double tap does not start a second patrol: {again:?}"
    );
    assert_eq!(
        store.open_patrol().unwrap().map(|p| p.patrol.id),
        Some(patrol.id.clone()),
        "the open patrol can be resumed"
    );

    let points = [
        TrackPoint {
            t: t("2026-11-26T01:05:00Z"),
            lat: 40.631,
            lon: 122.503,
            accuracy_m: Some(5.0),
            mock: false,
        },
        TrackPoint {
            t: t("2026-11-26T01:06:00Z"),
            lat: 40.632,
            lon: 122.504,
            accuracy_m: Some(0.0),
            mock: true,
        },
    ];
    store.add_track_points(&patrol.id, &points).unwrap();
    assert_eq!(
        store.add_track_points(&patrol.id, &[]).unwrap(),
        None,
        "no points, no op"
    );
    assert_eq!(
        store.track(&patrol.id).unwrap(),
        points.to_vec(),
        "the track reads back as given"
    );

    let ended = store
        .end_patrol(&patrol.id, t("2026-11-26T02:00:00Z"))
        .unwrap();
    assert_eq!(
        ended.ended_at,
        Some(t("2026-11-26T02:00:00Z")),
        "the patrol has its end"
    );
    let twice = store.end_patrol(&patrol.id, t("2026-11-26T02:05:00Z"));
    assert!(
        matches!(twice, Err(StoreError::PatrolAlreadyEnded { .. })),
        "a patrol ends once: {twice:?}"
    );
    let late = store.add_track_points(&patrol.id, &points[..1]);
    assert!(
        matches!(late, Err(StoreError::PatrolAlreadyEnded { .. })),
        "no points after the end"
    );

    let ops = store.outbox_for(patrol.id.as_str()).unwrap();
    let types: Vec<_> = ops.iter().map(|e| e.op.op_type).collect();
    assert_eq!(
        types,
        vec![OpType::PatrolStart, OpType::PatrolTrack, OpType::PatrolEnd],
        "one op per change, none for the refused ones"
    );
    assert_eq!(ops[0].op.at, now, "an op is stamped with the store's clock");
    assert_eq!(
        ops[1].op.data["points"].as_array().map(Vec::len),
        Some(2),
        "patrol.track carries exactly the points added"
    );
    assert_eq!(
        ops[1].op.data["points"][1]["mock"], true,
        "a mock fix stays marked on the wire"
    );

    // Yesterday evening in the county (23:00 local) is not today; 01:00 local today is.
    let yesterday = store
        .start_patrol(&GridId::new(GRID), t("2026-11-25T15:00:00Z"))
        .unwrap();
    store
        .end_patrol(&yesterday.id, t("2026-11-25T15:30:00Z"))
        .unwrap();
    let early = store
        .start_patrol(&GridId::new(GRID), t("2026-11-25T17:00:00Z"))
        .unwrap();
    let today: Vec<_> = store
        .patrols_today()
        .unwrap()
        .into_iter()
        .map(|p| p.patrol.id)
        .collect();
    assert_eq!(
        today,
        vec![early.id, patrol.id],
        "today is the county's local day, oldest first"
    );
}

#[test]
fn invalid_findings_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("yiwang.db")).unwrap();
    let not_signed_in = store.create_finding(new_finding(vec![], Disposition::Note));
    assert!(
        matches!(not_signed_in, Err(StoreError::NotLoggedIn)),
        "a finding needs a worker: {not_signed_in:?}"
    );
    store.set_session("http://x", "tok", &worker()).unwrap();

    let cases: Vec<(&str, FindingDraft)> = vec![
        (
            "description",
            FindingDraft {
                description: "  ".into(),
                ..new_finding(vec![], Disposition::Note)
            },
        ),
        (
            "description",
            FindingDraft {
                description: "字".repeat(MAX_DESCRIPTION_CHARS + 1),
                ..new_finding(vec![], Disposition::Note)
            },
        ),
        (
            "photos",
            new_finding(
                (0..10)
                    .map(|n| record_photo(&store, dir.path(), n))
                    .collect(),
                Disposition::Note,
            ),
        ),
        (
            "photos",
            new_finding(vec![PhotoHash::of(b"never recorded")], Disposition::Note),
        ),
        (
            "location",
            FindingDraft {
                lat: Some(91.0),
                ..new_finding(vec![], Disposition::Note)
            },
        ),
        (
            "location",
            FindingDraft {
                lon: None,
                ..new_finding(vec![], Disposition::Note)
            },
        ),
        (
            "category",
            FindingDraft {
                category_code: "01".into(),
                ..new_finding(vec![], Disposition::Note)
            },
        ),
    ];
    for (field, new) in cases {
        match store.create_finding(new) {
            Err(StoreError::Invalid { field: f, .. }) => {
                assert_eq!(f, field, "the refusal names the field at fault")
            }
            // Core's finding rules name the field of the first rule broken.
            Err(StoreError::FindingRules(p)) => assert_eq!(
                serde_json::to_value(p.first().field()).unwrap(),
                field,
                "the refusal names the field at fault: {p}"
            ),
            other => panic!("expected a refusal of {field}, got {other:?}"),
        }
    }
    let ok = store
        .create_finding(FindingDraft {
            description: "字".repeat(MAX_DESCRIPTION_CHARS),
            ..new_finding(vec![], Disposition::Note)
        })
        .expect("500 characters is the limit, not over it");
    assert!(ok.case_id.is_none(), "only a report opens a case");
    // The form's rule is the store's (core's): a photo alone records a note.
    let photo = record_photo(&store, dir.path(), 42);
    store
        .create_finding(FindingDraft {
            description: String::new(),
            ..new_finding(vec![photo.clone()], Disposition::Note)
        })
        .expect("a note may rest on a photo alone");
    assert!(
        matches!(
            store.create_finding(FindingDraft {
                description: String::new(),
                ..new_finding(vec![photo], Disposition::Report)
            }),
            Err(StoreError::FindingRules(p)) if p.0 == [FindingRule::ReportNeedsDescription]
        ),
        "a report never does"
    );
    let counts = store.outbox_counts().unwrap();
    assert_eq!(counts.waiting, 2, "refused findings left no ops behind");
    assert_eq!(
        store.findings(&FindingFilter::default()).unwrap().len(),
        2,
        "nor findings"
    );
}
