//! The app's views: what crosses the boundary between the Rust side and the window.
//!
//! Every type here is named in the worker app contract (issue 5) field by field, derives
//! `serde` (snake_case on the wire, as written) and `ts_rs::TS`, and is generated into
//! `ui/src/backend/generated/` by `client/tests/ts_types.rs`. Numbers are `u32` or `f64`, never
//! 64-bit integers (TypeScript would see a `bigint`); times are RFC 3339 strings.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use yiwang_core::case::{ActionKind, CaseState, DeadlineStatus, Outcome};
use yiwang_core::error::ReceivedCode;
use yiwang_core::field::{Disposition, LocationQuality, PatrolWindow};
use yiwang_core::ids::{CaseId, CategoryCode, FindingId, GridId, OpId, PatrolId, PhotoHash};
use yiwang_core::org::{GridKind, Role};
use yiwang_core::sync::OpType;

use crate::store::OutboxState;
use crate::sync::Phase;

/// The error every app method returns: a stable `code` the UI branches on (and translates),
/// and an English `message` that says what to do next. The code is one of core's `ErrorCode`s,
/// or, passed on from a newer server, one this build does not know: the UI then shows the
/// message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    #[ts(type = "ErrorCode | (string & {})")]
    pub code: ReceivedCode,
    pub message: String,
}

/// A demo account the login form is filled in with (`make demo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemoLogin {
    pub server_url: String,
    pub username: String,
    pub password: String,
}

/// This installation, who is signed in, and the settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AppInfo {
    pub device_id: String,
    pub device_name: String,
    pub version: String,
    pub session: Option<SessionView>,
    pub settings: Settings,
    pub demo_login: Option<DemoLogin>,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SessionView {
    pub server_url: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// No token: signed in offline, or the server answered 401. Field work goes on; sync waits
    /// for an online login.
    pub needs_login: bool,
}

/// What the worker can change in the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    pub language: Language,
    /// Burn the evidence watermark (time, grid, place, worker) into new photos.
    pub watermark: bool,
    /// The server the login form proposes.
    pub server_url: String,
    /// Allow plain `http://` to a public address (off: only `https://`, this device and the
    /// local network; see `yiwang_client::sync::server_url`).
    #[serde(default)]
    pub insecure_http: bool,
}

/// The languages the app speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum Language {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::ZhCn => "zh-CN",
            Language::En => "en",
        }
    }

    /// The language a stored setting names; Chinese for anything else.
    pub fn parse(s: &str) -> Language {
        if s == "en" {
            Language::En
        } else {
            Language::ZhCn
        }
    }
}

/// The worker's grid, with the names of its community and township as pulled; their ids
/// before the first pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GridView {
    pub id: GridId,
    pub name: String,
    /// `None` before the first pull.
    pub kind: Option<GridKind>,
    pub community_name: String,
    pub township_name: String,
}

/// One of today's two patrol windows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PatrolSlot {
    pub window: PatrolWindow,
    pub done: bool,
    pub in_progress: bool,
    pub patrol_id: Option<PatrolId>,
}

/// The home screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HomeView {
    pub display_name: String,
    pub grid: Option<GridView>,
    /// Morning, then afternoon.
    pub today: Vec<PatrolSlot>,
    pub open_patrol: Option<PatrolView>,
    /// Ops waiting for the server.
    pub waiting_sync: u32,
    /// Ops the server refused.
    pub rejected: u32,
    pub online: bool,
    pub last_sync_at: Option<String>,
    pub verification_tasks: u32,
    pub my_open_cases: u32,
}

/// A GPS fix from the webview's geolocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TrackPointInput {
    /// RFC 3339.
    pub t: String,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
    pub mock: bool,
}

/// A patrol with its track and findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PatrolView {
    pub id: PatrolId,
    pub grid_id: GridId,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// Until the end, or until now while it goes on.
    pub elapsed_seconds: u32,
    /// Along the track, point to point (haversine).
    pub distance_m: f64,
    pub points: u32,
    /// `[lat, lon]` pairs in time order.
    pub track: Vec<[f64; 2]>,
    pub findings: Vec<FindingView>,
    pub sync: OutboxState,
}

/// A node of the category tree, with what the picker searches on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CategoryView {
    pub code: CategoryCode,
    pub name: String,
    pub parent_code: Option<CategoryCode>,
    pub leaf: bool,
    /// `市容环境 / 乱堆乱放`.
    pub path: String,
    /// Toneless pinyin of the name, no spaces: `luanduiluanfang`.
    pub pinyin: String,
    /// First letters: `ldlf`.
    pub initials: String,
    pub default_department: Option<String>,
    /// The normal handling deadline when the category counts it in working days.
    pub deadline_days: Option<u32>,
}

/// A photo's metadata and, when asked, its picture as a data URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PhotoView {
    pub sha256: PhotoHash,
    pub width: u32,
    pub height: u32,
    pub bytes: u32,
    /// `data:image/jpeg;base64,…` of the thumbnail (of the full picture from `photo`); `None`
    /// when only the metadata is on the device.
    pub thumb_data_url: Option<String>,
}

/// What the new-finding form sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FindingInput {
    pub patrol_id: Option<PatrolId>,
    pub category_code: String,
    pub description: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub mock_location: bool,
    pub disposition: Disposition,
    /// Hashes from `add_photo`, at most 9.
    pub photos: Vec<String>,
    pub urgent: bool,
}

/// A finding as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FindingView {
    pub id: FindingId,
    pub category_code: CategoryCode,
    pub category_name: String,
    pub description: String,
    pub disposition: Disposition,
    pub observed_at: String,
    pub location_quality: LocationQuality,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub photos: Vec<PhotoView>,
    pub sync: OutboxState,
    pub sync_error: Option<String>,
    pub case_id: Option<CaseId>,
}

/// A case as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CaseSummary {
    pub id: CaseId,
    pub state: CaseState,
    pub category_name: String,
    pub description: String,
    pub reported_at: String,
    pub deadline: Option<String>,
    /// At a department past its deadline (`Case::is_overdue`, the console's rule too).
    pub overdue: bool,
    /// Where the case stands against its deadline: `handled_late` for a case handled after it.
    pub deadline_status: DeadlineStatus,
    /// Reported as urgent (紧急): shorter deadlines, first in the queue.
    pub urgent: bool,
    /// How many times it was urged (督办).
    pub supervised: u32,
    pub holder_unit_name: String,
    pub department_name: Option<String>,
    pub version: u32,
    /// `waiting` while an op of mine about it waits, `rejected` if the server refused one,
    /// else `sent`.
    pub sync: OutboxState,
}

/// One event of a case's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TimelineEntry {
    pub seq: u32,
    pub at: String,
    pub action: ActionKind,
    pub actor_name: String,
    pub actor_role: Role,
    pub unit_name: Option<String>,
    pub note: Option<String>,
    pub photos: Vec<PhotoView>,
    pub deadline: Option<String>,
    pub outcome: Option<Outcome>,
    /// 3 satisfied, 2 basically satisfied, 1 dissatisfied.
    pub rating: Option<u32>,
}

/// A case page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CaseDetail {
    pub summary: CaseSummary,
    pub outcome: Option<Outcome>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub grid_name: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    /// The pulled events chain up to the case's head hash.
    pub chain_verified: bool,
    /// The case is verifying and I am its grid worker (the workflow permits it).
    pub can_verify: bool,
    /// My queued ops on this case that the server has not taken.
    pub pending: Vec<OutboxItem>,
}

/// What the verify screen sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VerifyInput {
    pub case_id: CaseId,
    pub passed: bool,
    /// Required when the check failed.
    pub note: String,
    pub photos: Vec<String>,
}

/// One op in the outbox, as the sync screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OutboxItem {
    pub op_id: OpId,
    pub kind: OpType,
    /// Short human text in the app's language, e.g. category and description.
    pub label: String,
    pub created_at: String,
    pub state: OutboxState,
    /// The server's code for a refusal (one this build may not know: then show `error`).
    #[ts(type = "ErrorCode | (string & {}) | null")]
    pub error_code: Option<ReceivedCode>,
    pub error: Option<String>,
}

/// The sync screen and the `sync-progress` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncView {
    pub phase: Phase,
    pub ops_done: u32,
    pub ops_total: u32,
    pub bytes_done: f64,
    pub bytes_total: f64,
    pub last_error: Option<String>,
    pub last_sync_at: Option<String>,
    pub online: bool,
    pub needs_login: bool,
    pub waiting: Vec<OutboxItem>,
    pub rejected: Vec<OutboxItem>,
    pub photos_waiting: u32,
}
