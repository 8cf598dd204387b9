//! Wire types of sync protocol v1 (docs/DESIGN.md §5), shared by the device and the server.
//!
//! Fields may be added to these types; none may be renamed. Every op carries a UUIDv7 `op_id`
//! made on the device, so a re-sent op is recognised and answered `duplicate`.

use crate::case::{Action, Case, CaseEvent};
use crate::category::Category;
use crate::error::ReceivedCode;
use crate::field::{Finding, FindingDraft, Patrol, PhotoMeta, TrackPoint};
use crate::ids::{DeviceId, GridId, OpId, OrgUnitId, UserId};
use crate::org::{Actor, Department, Grid, OrgUnit, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most ops in one push.
pub const MAX_PUSH_OPS: usize = 500;
/// Most changes in one pull page.
pub const MAX_PULL_LIMIT: u32 = 1000;

/// `POST /api/v1/auth/login`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[^\x00-\x1f\x7f-\x9f]+$")
    )]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub password: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1, max_length = 128, pattern = r"^\S(.*\S)?$"))]
    pub device_id: DeviceId,
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 128, pattern = r"^\S(.*\S)?$")
    )]
    pub device_name: String,
    /// What signs in: the web console (a session that ends after 12 idle hours, 7 days at the
    /// most) or a device (a sign-in that lasts while it is used, 90 idle days). An older app
    /// sends nothing: a device.
    #[serde(default)]
    pub client: ClientKind,
}

/// What a sign-in is for (see [`LoginRequest::client`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    Console,
    #[default]
    Device,
}

impl ClientKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::Console => "console",
            ClientKind::Device => "device",
        }
    }

    pub fn parse(s: &str) -> Option<ClientKind> {
        match s {
            "console" => Some(ClientKind::Console),
            "device" => Some(ClientKind::Device),
            _ => None,
        }
    }
}

/// The signed-in user, as the device keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_unit_id: Option<OrgUnitId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<crate::ids::DepartmentId>,
    #[serde(default)]
    pub grid_ids: Vec<GridId>,
}

impl UserInfo {
    /// The user as the workflow sees them: their unit, or their department. The one place an
    /// [`Actor`] is made from a user, on the device and on the server.
    pub fn actor(&self) -> Actor {
        Actor::new(
            self.id.clone(),
            self.role,
            self.org_unit_id.clone(),
            self.department_id.clone(),
            self.grid_ids.clone(),
        )
    }
}

/// Answer to `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: String,
    pub user: UserInfo,
}

/// The kinds of op a device sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OpType {
    #[serde(rename = "patrol.start")]
    PatrolStart,
    #[serde(rename = "patrol.track")]
    PatrolTrack,
    #[serde(rename = "patrol.end")]
    PatrolEnd,
    #[serde(rename = "finding.create")]
    FindingCreate,
    #[serde(rename = "case.action")]
    CaseAction,
}

impl OpType {
    pub fn as_str(self) -> &'static str {
        match self {
            OpType::PatrolStart => "patrol.start",
            OpType::PatrolTrack => "patrol.track",
            OpType::PatrolEnd => "patrol.end",
            OpType::FindingCreate => "finding.create",
            OpType::CaseAction => "case.action",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::PatrolStart,
            Self::PatrolTrack,
            Self::PatrolEnd,
            Self::FindingCreate,
            Self::CaseAction,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// One operation of a device's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Op {
    pub op_id: OpId,
    #[serde(rename = "type")]
    pub op_type: OpType,
    pub entity_id: String,
    pub at: DateTime<Utc>,
    pub data: serde_json::Value,
}

/// `data` of `patrol.start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatrolStartData {
    pub grid_id: GridId,
    pub started_at: DateTime<Utc>,
}

/// `data` of `patrol.track`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatrolTrackData {
    pub points: Vec<TrackPoint>,
}

/// `data` of `patrol.end`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatrolEndData {
    pub ended_at: DateTime<Utc>,
}

/// `data` of `finding.create`: the finding as the worker entered it ([`FindingDraft`], whose
/// rules the server applies as the device did).
pub type FindingCreateData = FindingDraft;

/// `data` of `case.action`: the action (its name in `action`, its fields beside it) and the case
/// version it was decided on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseActionData {
    pub base_version: u64,
    #[serde(flatten)]
    pub action: Action,
}

/// `POST /api/v1/sync/push`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub device_id: DeviceId,
    pub ops: Vec<Op>,
}

/// What became of one pushed op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    Applied,
    /// Seen before: already applied (or already rejected) once, not applied again.
    Duplicate,
    /// Refused; kept server-side with its reason.
    Rejected,
}

/// One entry of a [`PushResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    pub op_id: OpId,
    pub status: OpStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ReceivedCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

/// Answer to `POST /api/v1/sync/push`: one result per op, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<OpResult>,
}

/// The kinds of record a pull returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    OrgUnit,
    Grid,
    Department,
    Category,
    Patrol,
    Finding,
    Photo,
    Case,
    CaseEvent,
    /// An op of this device that the server rejected, with its reason.
    RejectedOp,
}

/// One changed record in a pull. `id` is the record's own id (a case id, a grid code, a photo's
/// SHA-256…); case events, which have none, use `"{case_id}:{seq}"`, and rejected ops their op id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub seq: i64,
    pub entity: Entity,
    pub id: String,
    #[serde(default)]
    pub deleted: bool,
    /// The full current record (absent when deleted).
    #[serde(default)]
    pub data: serde_json::Value,
}

/// Answer to `GET /api/v1/sync/pull?cursor=C&limit=N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub changes: Vec<Change>,
    pub cursor: String,
    pub has_more: bool,
}

/// A rejected op as the server keeps and shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedOp {
    pub op_id: OpId,
    pub device_id: DeviceId,
    pub user_id: UserId,
    #[serde(rename = "type")]
    pub op_type: OpType,
    pub entity_id: String,
    pub code: ReceivedCode,
    pub message: String,
    pub at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub data: serde_json::Value,
}

/// The error envelope of every non-2xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ReceivedCode,
    pub message: String,
    /// For `invalid_input` from the case workflow: the field, the rule it breaks and the limit
    /// where one helps, so a client can say it in its own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<crate::input::InputField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<crate::input::InputRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// The typed form of a pulled record, for code that wants more than JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    OrgUnit(OrgUnit),
    Grid(Grid),
    Department(Department),
    Category(Category),
    Patrol(Patrol),
    Finding(Finding),
    Photo(PhotoMeta),
    Case(Box<Case>),
    CaseEvent(Box<CaseEvent>),
    RejectedOp(Box<RejectedOp>),
}

impl Change {
    /// Parses `data` as the record its `entity` names.
    pub fn record(&self) -> Result<Record, serde_json::Error> {
        let d = self.data.clone();
        Ok(match self.entity {
            Entity::OrgUnit => Record::OrgUnit(serde_json::from_value(d)?),
            Entity::Grid => Record::Grid(serde_json::from_value(d)?),
            Entity::Department => Record::Department(serde_json::from_value(d)?),
            Entity::Category => Record::Category(serde_json::from_value(d)?),
            Entity::Patrol => Record::Patrol(serde_json::from_value(d)?),
            Entity::Finding => Record::Finding(serde_json::from_value(d)?),
            Entity::Photo => Record::Photo(serde_json::from_value(d)?),
            Entity::Case => Record::Case(Box::new(serde_json::from_value(d)?)),
            Entity::CaseEvent => Record::CaseEvent(Box::new(serde_json::from_value(d)?)),
            Entity::RejectedOp => Record::RejectedOp(Box::new(serde_json::from_value(d)?)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Rating, RatingSource};

    #[test]
    fn case_action_data_is_flat_on_the_wire() {
        let json = r#"{"action":"rate","base_version":7,"rating":"satisfied","note":"好"}"#;
        let d: CaseActionData = serde_json::from_str(json).unwrap();
        assert_eq!(d.base_version, 7);
        assert_eq!(
            d.action,
            Action::Rate {
                rating: Rating::Satisfied,
                source: RatingSource::Resident,
                note: Some("好".into())
            },
            "a rating without a source is the resident's"
        );
        let back: serde_json::Value = serde_json::to_value(&d).unwrap();
        assert_eq!(
            back["action"], "rate",
            "the action name travels in `action`"
        );
        assert!(
            back.get("source").is_none(),
            "a resident rating is written as before, so old events keep their hashes"
        );
        let json =
            r#"{"action":"rate","base_version":7,"rating":"dissatisfied","source":"operator"}"#;
        let d: CaseActionData = serde_json::from_str(json).unwrap();
        assert!(
            matches!(
                d.action,
                Action::Rate {
                    source: RatingSource::Operator,
                    ..
                }
            ),
            "an operator rating says so: {:?}",
            d.action
        );
        assert_eq!(serde_json::to_value(&d).unwrap()["source"], "operator");
    }

    #[test]
    fn op_types_use_dotted_names() {
        let op: Op = serde_json::from_str(
            r#"{"op_id":"x","type":"patrol.start","entity_id":"p","at":"2026-11-26T01:00:00Z","data":{}}"#,
        )
        .unwrap();
        assert_eq!(op.op_type, OpType::PatrolStart);
        assert_eq!(OpType::parse("case.action"), Some(OpType::CaseAction));
        assert!(
            serde_json::from_str::<OpType>("\"case.delete\"").is_err(),
            "unknown types refused"
        );
    }
}
