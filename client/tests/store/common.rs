//! Fixtures shared by the store tests: the signed-in worker, a file-backed store, recorded
//! photos, finding drafts, server answers, raw SQL access, and pulled pages of every kind.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use yiwang_client::store::Store;
use yiwang_core::case::{Action, Case, CaseEvent, CaseState, Channel, Effect, NewCase};
use yiwang_core::category::Category;
use yiwang_core::field::{Disposition, FindingDraft, Patrol, PhotoMeta};
use yiwang_core::ids::{CaseId, GridId, OpId, OrgUnitId, PhotoHash, UserId};
use yiwang_core::org::{Actor, Affiliation, Department, Grid, GridKind, OrgLevel, OrgUnit, Role};
use yiwang_core::sync::{Change, Entity, OpResult, OpStatus, UserInfo};

pub const GRID: &str = "G-0001";
/// A leaf of the built-in category tree (missing or broken manhole cover).
pub const CATEGORY: &str = "01.01";

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("fixture time is RFC 3339")
        .to_utc()
}

pub fn worker() -> UserInfo {
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
pub fn open_signed_in(dir: &Path) -> Store {
    let store = Store::open(dir.join("yiwang.db")).expect("a new store opens");
    store
        .set_session("http://127.0.0.1:8080", "token-1", &worker())
        .expect("login is stored");
    store
}

/// Records a photo whose content is `n`, as the photo pipeline would after storing the file.
pub fn record_photo(store: &Store, dir: &Path, n: u32) -> PhotoHash {
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

pub fn new_finding(photos: Vec<PhotoHash>, disposition: Disposition) -> FindingDraft {
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

pub fn applied(op_id: &OpId) -> OpResult {
    OpResult {
        op_id: op_id.clone(),
        status: OpStatus::Applied,
        code: None,
        message: None,
        seq: Some(1),
    }
}

pub fn rejected(op_id: &OpId, code: &str, message: &str) -> OpResult {
    OpResult {
        op_id: op_id.clone(),
        status: OpStatus::Rejected,
        code: Some(code.into()),
        message: Some(message.into()),
        seq: None,
    }
}

/// The one op of an entity, asserting it is the only one.
pub fn only_op(store: &Store, entity_id: &str) -> yiwang_client::store::OutboxEntry {
    let ops = store.outbox_for(entity_id).expect("outbox is readable");
    assert_eq!(
        ops.len(),
        1,
        "entity {entity_id} has exactly one op: {ops:?}"
    );
    ops.into_iter().next().expect("length checked")
}

pub fn raw(dir: &Path) -> Connection {
    Connection::open(dir.join("yiwang.db")).expect("a second connection opens the file")
}

pub fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0))
        .expect("count query runs")
}

pub fn change(seq: i64, entity: Entity, id: &str, data: impl serde::Serialize) -> Change {
    Change {
        seq,
        entity,
        id: id.into(),
        deleted: false,
        data: serde_json::to_value(data).expect("fixture serialises"),
    }
}

pub fn deleted(seq: i64, entity: Entity, id: &str) -> Change {
    Change {
        seq,
        entity,
        id: id.into(),
        deleted: true,
        data: serde_json::Value::Null,
    }
}

pub fn pulled_case(id: &str, version: u64, state: CaseState) -> Case {
    Case {
        id: CaseId::new(id),
        version,
        head_hash: "ab".repeat(32),
        state,
        outcome: None,
        duplicate_of: None,
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
        operator_rating: None,
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

pub fn pulled_event(case_id: &str, seq: u64) -> CaseEvent {
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
pub fn full_page() -> Vec<Change> {
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
