//! The device store on real SQLite files: a local change and its op are one, the outbox keeps
//! what the server refused, pulls land with their cursor, and a database from a newer app is
//! left alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use yiwang_client::store::{
    CaseFilter, FindingFilter, Store, StoreError, SyncState, UploadState, SCHEMA_VERSION,
};
use yiwang_core::case::{Action, Case, CaseEvent, CaseState, Channel, Effect, NewCase};
use yiwang_core::category::Category;
use yiwang_core::field::{
    Disposition, FindingDraft, FindingRule, Patrol, PhotoMeta, TrackPoint, MAX_DESCRIPTION_CHARS,
};
use yiwang_core::ids::{CaseId, GridId, OpId, OrgUnitId, PhotoHash, UserId};
use yiwang_core::org::{Actor, Affiliation, Department, Grid, GridKind, OrgLevel, OrgUnit, Role};
use yiwang_core::sync::{
    CaseActionData, Change, Entity, FindingCreateData, OpResult, OpStatus, OpType, RejectedOp,
    UserInfo,
};

// ---------------------------------------------------------------------------------------------
// Fixtures

const GRID: &str = "G-0001";
/// A leaf of the built-in category tree (missing or broken manhole cover).
const CATEGORY: &str = "01.01";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("fixture time is RFC 3339")
        .to_utc()
}

fn worker() -> UserInfo {
    UserInfo {
        id: UserId::new("u-worker-0001"),
        username: "worker-0001".into(),
        display_name: "张网格".into(),
        role: Role::GridWorker,
        org_unit_id: Some(OrgUnitId::new("C-001")),
        department_id: None,
        grid_ids: vec![GridId::new(GRID)],
    }
}

/// A file-backed store in `dir` with the worker signed in.
fn open_signed_in(dir: &Path) -> Store {
    let store = Store::open(dir.join("yiwang.db")).expect("a new store opens");
    store
        .set_session("http://127.0.0.1:8080", "token-1", &worker())
        .expect("login is stored");
    store
}

/// Records a photo whose content is `n`, as the photo pipeline would after storing the file.
fn record_photo(store: &Store, dir: &Path, n: u32) -> PhotoHash {
    let hash = PhotoHash::of(format!("photo {n}").as_bytes());
    let meta = PhotoMeta {
        sha256: hash.clone(),
        finding_id: None,
        width: 2048,
        height: 1536,
        bytes: 512_000,
        taken_at: None,
        exif_lat: Some(40.63),
        exif_lon: Some(122.5),
    };
    let path = dir.join(format!("{hash}.jpg"));
    let thumb = dir.join(format!("{hash}.thumb.jpg"));
    store
        .record_photo(&meta, &path, &thumb)
        .expect("photo metadata is recorded");
    hash
}

fn new_finding(photos: Vec<PhotoHash>, disposition: Disposition) -> FindingDraft {
    FindingDraft {
        grid_id: GridId::new(GRID),
        patrol_id: None,
        category_code: CATEGORY.into(),
        description: "人行道井盖缺失，有行人跌落风险".into(),
        lat: Some(40.6312),
        lon: Some(122.5031),
        accuracy_m: Some(6.5),
        mock_location: false,
        observed_at: t("2026-11-26T01:30:00.123456Z"),
        disposition,
        photos,
        case_id: None,
        urgent: true,
    }
}

fn applied(op_id: &OpId) -> OpResult {
    OpResult {
        op_id: op_id.clone(),
        status: OpStatus::Applied,
        code: None,
        message: None,
        seq: Some(1),
    }
}

fn rejected(op_id: &OpId, code: &str, message: &str) -> OpResult {
    OpResult {
        op_id: op_id.clone(),
        status: OpStatus::Rejected,
        code: Some(code.into()),
        message: Some(message.into()),
        seq: None,
    }
}

/// The one op of an entity, asserting it is the only one.
fn only_op(store: &Store, entity_id: &str) -> yiwang_client::store::OutboxEntry {
    let ops = store.outbox_for(entity_id).expect("outbox is readable");
    assert_eq!(
        ops.len(),
        1,
        "entity {entity_id} has exactly one op: {ops:?}"
    );
    ops.into_iter().next().expect("length checked")
}

fn raw(dir: &Path) -> Connection {
    Connection::open(dir.join("yiwang.db")).expect("a second connection opens the file")
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0))
        .expect("count query runs")
}

fn change(seq: i64, entity: Entity, id: &str, data: impl serde::Serialize) -> Change {
    Change {
        seq,
        entity,
        id: id.into(),
        deleted: false,
        data: serde_json::to_value(data).expect("fixture serialises"),
    }
}

fn deleted(seq: i64, entity: Entity, id: &str) -> Change {
    Change {
        seq,
        entity,
        id: id.into(),
        deleted: true,
        data: serde_json::Value::Null,
    }
}

fn pulled_case(id: &str, version: u64, state: CaseState) -> Case {
    Case {
        id: CaseId::new(id),
        version,
        head_hash: "ab".repeat(32),
        state,
        outcome: None,
        channel: Channel::Hotline8890,
        category: CATEGORY.into(),
        urgent: false,
        description: "路灯不亮".into(),
        location: None,
        address: Some("幸福路 12 号".into()),
        grid_id: Some(GridId::new(GRID)),
        origin_unit: OrgUnitId::new("C-001"),
        holder_unit: OrgUnitId::new("C-001"),
        department: None,
        departments: vec![],
        deadline: None,
        extension_requested: None,
        extensions: 0,
        supervisions: 0,
        reworks: 0,
        rating: None,
        finding_id: None,
        photos: vec![],
        contact: None,
        reported_by: UserId::new("u-hotline"),
        reported_at: t("2026-11-20T02:00:00Z"),
        updated_at: t("2026-11-20T02:00:00Z") + Duration::hours(version as i64),
        closed_at: None,
        handled_at: None,
    }
}

fn pulled_event(case_id: &str, seq: u64) -> CaseEvent {
    CaseEvent {
        case_id: CaseId::new(case_id),
        seq,
        at: t("2026-11-20T02:00:00Z"),
        actor: Actor {
            user_id: UserId::new("u-hotline"),
            role: Role::Center,
            affiliation: Affiliation::Unit(OrgUnitId::new("county")),
            grid_ids: vec![],
        },
        action: Action::Report(NewCase {
            channel: Channel::Hotline8890,
            category: CATEGORY.into(),
            urgent: false,
            description: "路灯不亮".into(),
            location: None,
            address: None,
            grid_id: Some(GridId::new(GRID)),
            unit: None,
            finding_id: None,
            photos: vec![],
            contact: None,
        }),
        effect: Effect {
            state: CaseState::Pending,
            holder_unit: OrgUnitId::new("C-001"),
            department: None,
            deadline: None,
            outcome: None,
        },
        prev_hash: "0".repeat(64),
        hash: "ab".repeat(32),
    }
}

/// One page of every kind of reference and pulled record.
fn full_page() -> Vec<Change> {
    let county = OrgUnit {
        id: OrgUnitId::new("county"),
        parent_id: None,
        name: "示例县".into(),
        level: OrgLevel::County,
    };
    let grid = Grid {
        id: GridId::new(GRID),
        name: "幸福社区第一网格".into(),
        kind: GridKind::UrbanRural,
        community_id: OrgUnitId::new("C-001"),
        polygon: serde_json::json!({"type": "Polygon", "coordinates": [[[122.5, 40.63], [122.51, 40.63], [122.51, 40.64], [122.5, 40.63]]]}),
        worker_id: Some(UserId::new("u-worker-0001")),
    };
    let dept = Department {
        id: "power".into(),
        name: "供电公司".into(),
    };
    let class = Category {
        code: "01".into(),
        name: "公共设施".into(),
        name_en: "Public facilities".into(),
        parent: None,
        deadline: None,
        department: None,
    };
    let leaf = Category {
        code: CATEGORY.into(),
        name: "井盖缺失或破损".into(),
        name_en: "Missing or broken manhole cover".into(),
        parent: Some("01".into()),
        deadline: Some(yiwang_core::category::DeadlineRule {
            unit: yiwang_core::category::DeadlineUnit::WorkingHours,
            normal: 24,
            urgent: 4,
        }),
        department: Some("urban_mgmt".into()),
    };
    let others_patrol = Patrol {
        id: "p-other".into(),
        grid_id: GridId::new("G-0002"),
        worker_id: UserId::new("u-worker-0002"),
        started_at: t("2026-11-26T00:00:00Z"),
        ended_at: Some(t("2026-11-26T01:00:00Z")),
    };
    let photo = PhotoMeta {
        sha256: PhotoHash::of(b"someone else's photo"),
        finding_id: None,
        width: 800,
        height: 600,
        bytes: 90_000,
        taken_at: None,
        exif_lat: None,
        exif_lon: None,
    };
    vec![
        change(1, Entity::OrgUnit, "county", &county),
        change(2, Entity::Grid, GRID, &grid),
        change(3, Entity::Department, "power", &dept),
        change(4, Entity::Category, "01", &class),
        change(5, Entity::Category, CATEGORY, &leaf),
        change(6, Entity::CaseEvent, "case-1:1", pulled_event("case-1", 1)),
        change(
            7,
            Entity::Case,
            "case-1",
            pulled_case("case-1", 1, CaseState::Pending),
        ),
        change(8, Entity::Patrol, "p-other", &others_patrol),
        change(9, Entity::Photo, photo.sha256.as_str(), &photo),
    ]
}

// ---------------------------------------------------------------------------------------------
// Housekeeping

#[test]
fn housekeeping_frees_only_what_the_server_has_held_since_before_the_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    let up = record_photo(&store, dir.path(), 1);
    let waiting = record_photo(&store, dir.path(), 2);
    let sent = store
        .create_finding(new_finding(vec![up.clone()], Disposition::Note))
        .unwrap();
    let refused = store
        .create_finding(new_finding(vec![], Disposition::Note))
        .unwrap();
    let pending = store
        .create_finding(new_finding(vec![waiting.clone()], Disposition::Note))
        .unwrap();
    let sent_op = only_op(&store, sent.id.as_str()).op.op_id;
    let refused_op = only_op(&store, refused.id.as_str()).op.op_id;
    store
        .acknowledge(&[
            applied(&sent_op),
            rejected(&refused_op, "invalid_input", "description: too long"),
        ])
        .unwrap();
    store.mark_photo_uploaded(&up).unwrap();
    let up_row = store.photo(&up).unwrap().unwrap();

    // A cut-off before the acknowledgements: nothing is old enough.
    let early = store.prune_synced(t("2020-01-01T00:00:00Z")).unwrap();
    assert_eq!(early, Default::default(), "nothing goes before its time");

    let later = chrono::Utc::now() + Duration::minutes(1);
    let pruned = store.prune_synced(later).unwrap();
    assert_eq!(
        pruned.photo_files,
        vec![up_row.path.clone().unwrap()],
        "only the uploaded photo's file goes"
    );
    assert_eq!(pruned.sent_ops, 1, "only the acknowledged op goes");
    let after = store.photo(&up).unwrap().expect("the photo's record stays");
    assert_eq!(after.path, None, "its file is no longer named");
    assert_eq!(after.thumb_path, up_row.thumb_path, "its thumbnail stays");
    assert_eq!(after.upload_state, UploadState::Uploaded);
    assert!(
        store.photo(&waiting).unwrap().unwrap().path.is_some(),
        "a photo waiting for upload keeps its file"
    );
    assert_eq!(
        store.sync_state(sent.id.as_str()).unwrap(),
        SyncState::Sent,
        "a finding whose op was pruned still reads as sent"
    );
    assert!(
        matches!(
            store.sync_state(refused.id.as_str()).unwrap(),
            SyncState::Rejected { .. }
        ),
        "a rejected op stays, with its reason"
    );
    assert_eq!(
        store.sync_state(pending.id.as_str()).unwrap(),
        SyncState::Waiting,
        "a waiting op stays"
    );
    let counts = store.outbox_counts().unwrap();
    assert_eq!((counts.waiting, counts.sent, counts.rejected), (1, 0, 1));
    assert_eq!(
        store.prune_synced(later).unwrap(),
        Default::default(),
        "a second pass finds nothing more"
    );
}

#[test]
fn a_dismissed_refusal_leaves_the_lists_but_its_record_stays_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    let refused = store
        .create_finding(new_finding(vec![], Disposition::Note))
        .unwrap();
    let waiting = store
        .create_finding(new_finding(vec![], Disposition::Note))
        .unwrap();
    let op = only_op(&store, refused.id.as_str()).op.op_id;
    let waiting_op = only_op(&store, waiting.id.as_str()).op.op_id;
    store
        .acknowledge(&[rejected(&op, "invalid_input", "description: too long")])
        .unwrap();
    assert_eq!(store.outbox_counts().unwrap().rejected, 1);
    assert!(
        matches!(
            store.dismiss_rejected(&waiting_op),
            Err(StoreError::NotFound { .. })
        ),
        "only a refused op can be dismissed"
    );
    store.dismiss_rejected(&op).expect("dismissed");
    assert_eq!(store.outbox_counts().unwrap().rejected, 0, "off the badge");
    assert!(store.outbox_rejected().unwrap().is_empty(), "off the list");
    assert!(
        matches!(
            store.sync_state(refused.id.as_str()).unwrap(),
            SyncState::Rejected { .. }
        ),
        "the record still reads as rejected, never as sent"
    );
    assert_eq!(
        store.pending_ops(10).unwrap().len(),
        1,
        "the waiting op is untouched"
    );
}

// ---------------------------------------------------------------------------------------------
// A finding and its op

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

// ---------------------------------------------------------------------------------------------
// Interrupted transactions

#[test]
fn a_failing_outbox_insert_leaves_no_finding_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    let p1 = record_photo(&store, dir.path(), 1);

    // A trigger made through a second connection applies to the store's connection too: the
    // outbox insert, the last write of create_finding, fails.
    let side = raw(dir.path());
    side.execute_batch(
        "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'boom'); END",
    )
    .unwrap();

    let err = store
        .create_finding(new_finding(vec![p1.clone()], Disposition::Report))
        .expect_err("the injected failure reaches the caller");
    assert_eq!(
        err.code(),
        "storage_error",
        "a database failure, not a validation one: {err}"
    );
    assert!(
        err.to_string().contains("boom"),
        "the cause is the injected one: {err}"
    );

    assert_eq!(
        count(&side, "SELECT count(*) FROM findings"),
        0,
        "no finding without its op"
    );
    assert_eq!(
        count(&side, "SELECT count(*) FROM finding_photos"),
        0,
        "no photo links either"
    );
    assert_eq!(count(&side, "SELECT count(*) FROM outbox"), 0, "and no op");
    assert_eq!(
        count(
            &side,
            "SELECT count(*) FROM photos WHERE finding_id IS NOT NULL"
        ),
        0,
        "the photo was not tied to the finding that never was"
    );
    assert!(
        store
            .findings(&FindingFilter::default())
            .unwrap()
            .is_empty(),
        "the store agrees"
    );

    side.execute_batch("DROP TRIGGER fail_outbox").unwrap();
    store
        .create_finding(new_finding(vec![p1], Disposition::Report))
        .expect("without the injected failure the same finding is recorded");
    assert_eq!(
        count(&side, "SELECT count(*) FROM outbox"),
        1,
        "with exactly one op"
    );
}

/// Set to a database path, the ignored `crash_child_writer` test becomes the child process of
/// `a_killed_writer_leaves_no_half_written_finding`.
const CRASH_CHILD_ENV: &str = "YIWANG_STORE_CRASH_CHILD_DB";

#[test]
#[ignore = "runs only as the child process that a_killed_writer_leaves_no_half_written_finding kills"]
fn crash_child_writer() {
    let Some(path) = std::env::var_os(CRASH_CHILD_ENV) else {
        panic!("set {CRASH_CHILD_ENV}; this test is the crash test's child process");
    };
    let path = PathBuf::from(path);
    let dir = path
        .parent()
        .expect("the database lies in a folder")
        .to_path_buf();
    let store = Store::open(&path).expect("the child opens the store");
    // The same three photos on every finding (recording is idempotent), so the loop is nothing
    // but create_finding and the kill lands in or between its transactions.
    let photos: Vec<_> = (0..3).map(|k| record_photo(&store, &dir, k)).collect();
    let start = std::time::Instant::now();
    // The parent kills us long before this; the limit only stops an orphan.
    for n in 0u32.. {
        if start.elapsed() > std::time::Duration::from_secs(60) {
            break;
        }
        store
            .create_finding(new_finding(photos.clone(), Disposition::Report))
            .expect("child writes");
        println!("crash-child written={n}");
    }
}

#[cfg(unix)]
#[test]
fn a_killed_writer_leaves_no_half_written_finding() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    use std::sync::mpsc;

    let dir = tempfile::tempdir().unwrap();
    drop(open_signed_in(dir.path()));
    let db = dir.path().join("yiwang.db");

    // Rounds killed at different points, each reopening what the last left. After seeing
    // enough findings the parent waits a little, a different while each round, so the kill
    // lands at varied places in the child's loop rather than always just after a print.
    let mut written_before = 0usize;
    for round in 0u32..12 {
        let kill_after = 10 + 5 * round;
        let delay = std::time::Duration::from_micros(u64::from(round * 173 % 900));
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "crash_child_writer",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CRASH_CHILD_ENV, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the test binary re-runs itself as the child");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line.split("written=").nth(1) {
                    if tx.send(n.trim().parse::<u32>().unwrap_or(0)).is_err() {
                        break;
                    }
                }
            }
        });
        let mut last = None;
        while last.is_none_or(|n| n < kill_after) {
            match rx.recv_timeout(std::time::Duration::from_secs(60)) {
                Ok(n) => last = Some(n),
                Err(e) => {
                    let _ = child.kill();
                    panic!("the child stopped reporting before {kill_after} findings: {e}");
                }
            }
        }
        std::thread::sleep(delay);
        child
            .kill()
            .expect("the child is still running, so it can be killed");
        let status = child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "the child died by SIGKILL, mid-way: {status:?}"
        );
        let reported = last.expect("loop ran") as usize + 1;

        let store = Store::open(&db).expect("the store opens after a crash");
        let findings = store.findings(&FindingFilter::default()).unwrap();
        assert!(
            findings.len() >= written_before + reported,
            "every finding the child reported committed survived the kill ({} < {} + {})",
            findings.len(),
            written_before,
            reported
        );
        let ops: HashMap<String, _> = store
            .pending_ops(1_000_000)
            .unwrap()
            .into_iter()
            .map(|op| (op.entity_id.clone(), op))
            .collect();
        assert_eq!(
            ops.len(),
            findings.len(),
            "as many finding.create ops as findings, no more"
        );
        for row in &findings {
            let f = &row.finding;
            assert_eq!(
                store.outbox_for(f.id.as_str()).unwrap().len(),
                1,
                "finding {} has exactly one op",
                f.id
            );
            let op = ops
                .get(f.id.as_str())
                .expect("every finding has its op waiting");
            let data: FindingCreateData = serde_json::from_value(op.data.clone()).unwrap();
            assert_eq!(
                data.photos, f.photos,
                "finding {} has all its photo links",
                f.id
            );
            assert_eq!(f.photos.len(), 3, "no finding is missing photo links");
        }
        let conn = Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "the database file is sound after the kill");
        written_before = findings.len();
    }
}

// ---------------------------------------------------------------------------------------------
// Opening and migrations

fn sidecars(db: &Path) -> [PathBuf; 2] {
    let s = db.to_string_lossy();
    [
        PathBuf::from(format!("{s}-wal")),
        PathBuf::from(format!("{s}-shm")),
    ]
}

#[test]
fn a_database_from_a_newer_app_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("yiwang.db");
    drop(open_signed_in(dir.path()));
    {
        let conn = Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    for f in sidecars(&db) {
        assert!(
            !f.exists(),
            "closing the last connection removed {}",
            f.display()
        );
    }
    let before = std::fs::read(&db).unwrap();

    match Store::open(&db) {
        Err(StoreError::NewerSchema { found, supported }) => {
            assert_eq!(
                found,
                SCHEMA_VERSION + 1,
                "the error names the version found"
            );
            assert_eq!(supported, SCHEMA_VERSION, "and the newest this app knows");
        }
        other => panic!("a newer schema must be refused, got {other:?}"),
    }
    let err = Store::open(&db).expect_err("refused every time");
    assert_eq!(err.code(), "newer_schema", "the UI branches on the code");
    assert!(
        err.to_string().contains("update the app"),
        "the message says what to do: {err}"
    );

    assert!(
        std::fs::read(&db).unwrap() == before,
        "the file is byte-for-byte unchanged"
    );
    for f in sidecars(&db) {
        assert!(!f.exists(), "refusing created no {}", f.display());
    }
}

#[test]
fn a_newer_database_in_rollback_mode_is_not_switched_to_wal() {
    // A newer app may have left WAL; switching it back would rewrite the header. The version
    // must be checked before the journal mode is touched.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("yiwang.db");
    drop(open_signed_in(dir.path()));
    {
        let conn = Connection::open(&db).unwrap();
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete", "the fixture left WAL mode");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 7)
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let opened = Store::open(&db);
    assert!(
        matches!(opened, Err(StoreError::NewerSchema { .. })),
        "refused: {opened:?}"
    );
    assert!(
        std::fs::read(&db).unwrap() == before,
        "not even the journal mode byte changed"
    );
    for f in sidecars(&db) {
        assert!(!f.exists(), "refusing created no {}", f.display());
    }
}

#[test]
fn a_newer_schema_still_in_the_wal_is_refused_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("yiwang.db");
    drop(open_signed_in(dir.path()));
    // The newer app's migration is committed to the WAL but not yet checkpointed into the
    // file, so the header still shows the old version.
    let newer = Connection::open(&db).unwrap();
    newer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    newer
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();

    let opened = Store::open(&db);
    assert!(
        matches!(opened, Err(StoreError::NewerSchema { .. })),
        "SQLite's own answer is checked after the header's: {opened:?}"
    );
    let v: i64 = newer
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION + 1, "the newer schema was left as it was");
}

#[test]
fn reopening_keeps_data_and_runs_no_migration_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (device, finding) = {
        let store = open_signed_in(dir.path());
        let f = store
            .create_finding(new_finding(vec![], Disposition::Note))
            .unwrap();
        (store.device().unwrap(), f)
    };
    let store = Store::open(dir.path().join("yiwang.db")).expect("an existing store reopens");
    assert_eq!(
        store.schema_version().unwrap(),
        SCHEMA_VERSION,
        "the schema is current"
    );
    assert_eq!(
        store.device().unwrap(),
        device,
        "the device keeps its id across restarts"
    );
    assert_eq!(
        store.finding(&finding.id).unwrap().finding,
        finding,
        "the finding survived"
    );
    assert_eq!(
        store.outbox_counts().unwrap().waiting,
        1,
        "so did its op, once"
    );
    assert_eq!(
        store.session().unwrap().map(|s| s.user),
        Some(worker()),
        "the worker stays signed in"
    );
    drop(store);
    let conn = raw(dir.path());
    assert_eq!(
        count(&conn, "SELECT count(*) FROM device"),
        1,
        "one device row, not one per open"
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM sync_meta"),
        1,
        "one sync row, too"
    );
}

#[test]
fn clearing_the_token_keeps_the_user_and_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_signed_in(dir.path());
    store
        .create_finding(new_finding(vec![], Disposition::Note))
        .unwrap();
    store.clear_token().unwrap();
    let session = store.session().unwrap().expect("the session row stays");
    assert_eq!(session.token, None, "the token is gone");
    assert_eq!(session.user, worker(), "the user is remembered");
    assert_eq!(
        store.outbox_counts().unwrap().waiting,
        1,
        "the outbox waits for the next login"
    );
    store
        .create_finding(new_finding(vec![], Disposition::Note))
        .expect("field work goes on offline after a 401");
}

// ---------------------------------------------------------------------------------------------
// Pulls

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
