//! Cases (案件) and their events: the ledger.
//!
//! Every change of a case is an appended [`CaseEvent`]; the [`Case`] row is a projection of its
//! events, rebuilt by [`Case::replay`]. An event records the [`Action`] as it was asked for, who
//! asked, and its [`Effect`] — the state, holder, department, deadline and outcome it left — so
//! replaying needs no org tree, category table or calendar: those were consulted once, when the
//! workflow decided.

use crate::ids::{CaseId, CategoryCode, DepartmentId, FindingId, GridId, OrgUnitId, PhotoHash};
use crate::org::Actor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a case is in its life (docs/DESIGN.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// 待受理: waiting at a holder unit.
    Pending,
    /// 已认领
    Claimed,
    /// 已分派: at a department, with a deadline.
    Dispatched,
    /// 办理中
    InProgress,
    /// 已处置
    Handled,
    /// 待核查: the grid worker checks on site.
    Verifying,
    /// 已结案
    Closed,
}

impl CaseState {
    pub const ALL: [CaseState; 7] = [
        CaseState::Pending,
        CaseState::Claimed,
        CaseState::Dispatched,
        CaseState::InProgress,
        CaseState::Handled,
        CaseState::Verifying,
        CaseState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Pending => "pending",
            CaseState::Claimed => "claimed",
            CaseState::Dispatched => "dispatched",
            CaseState::InProgress => "in_progress",
            CaseState::Handled => "handled",
            CaseState::Verifying => "verifying",
            CaseState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// How a closed case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Resolved,
    ResolvedOnSpot,
    /// Not a case (不予立案).
    Invalid,
    /// Merged into another case.
    Duplicate,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Resolved,
        Outcome::ResolvedOnSpot,
        Outcome::Invalid,
        Outcome::Duplicate,
    ];

    /// Invalid and duplicate cases were never really opened (不予立案): the measures leave them
    /// out of intake, closure and on-time figures.
    pub fn counts_as_case(self) -> bool {
        matches!(self, Outcome::Resolved | Outcome::ResolvedOnSpot)
    }
}

pub use crate::rating::{Rating, RatingSource};

/// How the case reached the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A grid worker's finding.
    Grid,
    /// The 8890 citizen hotline.
    Hotline8890,
    /// A service hall counter.
    ServiceHall,
    Wechat,
    Open311,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Grid,
        Channel::Hotline8890,
        Channel::ServiceHall,
        Channel::Wechat,
        Channel::Open311,
    ];
}

/// A WGS-84 position with its reported accuracy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
}

/// What is known of a case when it is reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCase {
    pub channel: Channel,
    pub category: CategoryCode,
    #[serde(default)]
    pub urgent: bool,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<GeoPoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_id: Option<GridId>,
    /// The unit the case should wait at, when an operator chooses one; otherwise the grid's
    /// community, or the operator's own unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<OrgUnitId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_id: Option<FindingId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoHash>,
    /// The citizen's name and phone for hotline and hall cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// What someone asked to do to a case, with the input they gave (docs/DESIGN.md §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Report(NewCase),
    Claim {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// 上报: no authority here; send it up to the parent unit. The note is the reason.
    Escalate {
        note: Option<String>,
    },
    /// 分派: to a department (the category's default when not given), with a deadline.
    Dispatch {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        department: Option<DepartmentId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// A deadline shorter than the category's, for a case that cannot wait (absent: the
        /// category's).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline: Option<DateTime<Utc>>,
    },
    /// 退回: the department says the case is not theirs. The note is the reason.
    Return {
        note: Option<String>,
    },
    Accept {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// 处理反馈
    ReportHandled {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<PhotoHash>,
    },
    /// Handled at this level, without a department.
    Resolve {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<PhotoHash>,
    },
    /// Ask the grid worker to check the fix on site.
    AssignVerify {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    VerifyPass {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<PhotoHash>,
    },
    /// 返工: the fix did not hold. The note says what is wrong.
    VerifyFail {
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<PhotoHash>,
    },
    Close {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<Outcome>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Not a case (不予立案). The note is the reason.
    RejectInvalid {
        note: Option<String>,
    },
    MergeDuplicate {
        duplicate_of: CaseId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// 撤销合并: a merge was a slip; the case goes back to the unit that merged it, claimed.
    Unmerge {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Back to work at the county centre. The note is the reason.
    Reopen {
        note: Option<String>,
    },
    /// 督办: urge the holder on.
    Supervise {
        note: Option<String>,
    },
    Comment {
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        photos: Vec<PhotoHash>,
    },
    /// 延期申请: the department asks for a later deadline.
    RequestExtension {
        until: DateTime<Utc>,
        note: Option<String>,
    },
    /// The dispatcher moves the deadline (granting a request when `until` is not given).
    ExtendDeadline {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The dispatcher refuses a requested extension.
    RefuseExtension {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// 回访评价
    Rate {
        rating: Rating,
        /// Whose verdict it is; absent means the resident's (see [`RatingSource`]).
        #[serde(default, skip_serializing_if = "RatingSource::is_resident")]
        source: RatingSource,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

/// The name of an action, without its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Report,
    Claim,
    Escalate,
    Dispatch,
    Return,
    Accept,
    ReportHandled,
    Resolve,
    AssignVerify,
    VerifyPass,
    VerifyFail,
    Close,
    RejectInvalid,
    MergeDuplicate,
    Unmerge,
    Reopen,
    Supervise,
    Comment,
    RequestExtension,
    ExtendDeadline,
    RefuseExtension,
    Rate,
}

impl ActionKind {
    pub const ALL: [ActionKind; 22] = [
        ActionKind::Report,
        ActionKind::Claim,
        ActionKind::Escalate,
        ActionKind::Dispatch,
        ActionKind::Return,
        ActionKind::Accept,
        ActionKind::ReportHandled,
        ActionKind::Resolve,
        ActionKind::AssignVerify,
        ActionKind::VerifyPass,
        ActionKind::VerifyFail,
        ActionKind::Close,
        ActionKind::RejectInvalid,
        ActionKind::MergeDuplicate,
        ActionKind::Unmerge,
        ActionKind::Reopen,
        ActionKind::Supervise,
        ActionKind::Comment,
        ActionKind::RequestExtension,
        ActionKind::ExtendDeadline,
        ActionKind::RefuseExtension,
        ActionKind::Rate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Report => "report",
            ActionKind::Claim => "claim",
            ActionKind::Escalate => "escalate",
            ActionKind::Dispatch => "dispatch",
            ActionKind::Return => "return",
            ActionKind::Accept => "accept",
            ActionKind::ReportHandled => "report_handled",
            ActionKind::Resolve => "resolve",
            ActionKind::AssignVerify => "assign_verify",
            ActionKind::VerifyPass => "verify_pass",
            ActionKind::VerifyFail => "verify_fail",
            ActionKind::Close => "close",
            ActionKind::RejectInvalid => "reject_invalid",
            ActionKind::MergeDuplicate => "merge_duplicate",
            ActionKind::Unmerge => "unmerge",
            ActionKind::Reopen => "reopen",
            ActionKind::Supervise => "supervise",
            ActionKind::Comment => "comment",
            ActionKind::RequestExtension => "request_extension",
            ActionKind::ExtendDeadline => "extend_deadline",
            ActionKind::RefuseExtension => "refuse_extension",
            ActionKind::Rate => "rate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Annotations leave the state alone and commute with everything else, so a device may
    /// send them on an older version of the case without being refused as stale.
    pub fn is_annotation(self) -> bool {
        matches!(self, ActionKind::Comment | ActionKind::Supervise)
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Report(_) => ActionKind::Report,
            Action::Claim { .. } => ActionKind::Claim,
            Action::Escalate { .. } => ActionKind::Escalate,
            Action::Dispatch { .. } => ActionKind::Dispatch,
            Action::Return { .. } => ActionKind::Return,
            Action::Accept { .. } => ActionKind::Accept,
            Action::ReportHandled { .. } => ActionKind::ReportHandled,
            Action::Resolve { .. } => ActionKind::Resolve,
            Action::AssignVerify { .. } => ActionKind::AssignVerify,
            Action::VerifyPass { .. } => ActionKind::VerifyPass,
            Action::VerifyFail { .. } => ActionKind::VerifyFail,
            Action::Close { .. } => ActionKind::Close,
            Action::RejectInvalid { .. } => ActionKind::RejectInvalid,
            Action::MergeDuplicate { .. } => ActionKind::MergeDuplicate,
            Action::Unmerge { .. } => ActionKind::Unmerge,
            Action::Reopen { .. } => ActionKind::Reopen,
            Action::Supervise { .. } => ActionKind::Supervise,
            Action::Comment { .. } => ActionKind::Comment,
            Action::RequestExtension { .. } => ActionKind::RequestExtension,
            Action::ExtendDeadline { .. } => ActionKind::ExtendDeadline,
            Action::RefuseExtension { .. } => ActionKind::RefuseExtension,
            Action::Rate { .. } => ActionKind::Rate,
        }
    }

    /// The free-text note of the action, if it has one.
    pub fn note(&self) -> Option<&str> {
        match self {
            Action::Report(n) => Some(n.description.as_str()),
            Action::Claim { note }
            | Action::Escalate { note }
            | Action::Dispatch { note, .. }
            | Action::Return { note }
            | Action::Accept { note }
            | Action::ReportHandled { note, .. }
            | Action::Resolve { note, .. }
            | Action::AssignVerify { note }
            | Action::VerifyPass { note, .. }
            | Action::VerifyFail { note, .. }
            | Action::Close { note, .. }
            | Action::RejectInvalid { note }
            | Action::MergeDuplicate { note, .. }
            | Action::Unmerge { note }
            | Action::Reopen { note }
            | Action::Supervise { note }
            | Action::Comment { note, .. }
            | Action::RequestExtension { note, .. }
            | Action::ExtendDeadline { note, .. }
            | Action::RefuseExtension { note }
            | Action::Rate { note, .. } => note.as_deref(),
        }
    }

    /// The photos attached to the action.
    pub fn photos(&self) -> &[PhotoHash] {
        match self {
            Action::Report(n) => &n.photos,
            Action::ReportHandled { photos, .. }
            | Action::Resolve { photos, .. }
            | Action::VerifyPass { photos, .. }
            | Action::VerifyFail { photos, .. }
            | Action::Comment { photos, .. } => photos,
            _ => &[],
        }
    }
}

/// Where an event left the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Effect {
    pub state: CaseState,
    /// The unit responsible for the case: where it waits, or the unit that dispatched it.
    pub holder_unit: OrgUnitId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<DepartmentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// One appended, hash-chained entry of a case's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseEvent {
    pub case_id: CaseId,
    /// 1 for the report; the case's version after this event.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    #[serde(flatten)]
    pub action: Action,
    pub effect: Effect,
    /// The previous event's hash ([`crate::ledger::GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// `sha256(prev_hash ‖ canonical event)`, hex.
    pub hash: String,
}

/// The current record of a case: a projection of its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: CaseId,
    /// Number of events; an action names the version it was decided on.
    pub version: u64,
    /// Hash of the last event: the chain's head.
    pub head_hash: String,
    pub state: CaseState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The case this one was merged into (合并重复件), while it stays merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<CaseId>,
    pub channel: Channel,
    pub category: CategoryCode,
    pub urgent: bool,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<GeoPoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_id: Option<GridId>,
    /// Where the case was first lodged (the grid's community, or the intake unit).
    pub origin_unit: OrgUnitId,
    pub holder_unit: OrgUnitId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<DepartmentId>,
    /// Every department the case was ever dispatched to: they keep seeing it.
    #[serde(default)]
    pub departments: Vec<DepartmentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
    /// A deadline the department asked for, awaiting the dispatcher.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_requested: Option<DateTime<Utc>>,
    pub extensions: u32,
    pub supervisions: u32,
    pub reworks: u32,
    /// 群众评价: the resident's rating (the satisfaction figure counts it first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// 办理人员评价: the operator's own rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_rating: Option<Rating>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_id: Option<FindingId>,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub reported_by: crate::ids::UserId,
    pub reported_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    /// When the case was last reported handled (处理反馈, or resolved at its level): the moment
    /// its deadline is judged at. Cleared when it goes back to work (返工, 退回, reopened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled_at: Option<DateTime<Utc>>,
}

/// Where a case stands against its deadline (处置时限). One rule for the console's lists and
/// figures and for the phone (issue 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// No deadline runs: not dispatched yet, returned, or closed without one.
    NoDeadline,
    /// At a department, with time left.
    Running,
    /// 已超期: at a department (dispatched or in progress) past its deadline.
    Overdue,
    /// Handled no later than its deadline.
    HandledOnTime,
    /// 超期办结: handled, but after its deadline. Not overdue any more; not on time either.
    HandledLate,
}

impl DeadlineStatus {
    pub const ALL: [DeadlineStatus; 5] = [
        DeadlineStatus::NoDeadline,
        DeadlineStatus::Running,
        DeadlineStatus::Overdue,
        DeadlineStatus::HandledOnTime,
        DeadlineStatus::HandledLate,
    ];
}

impl CaseState {
    /// Dispatched or in progress: a department holds the case and its deadline runs.
    pub fn at_department(self) -> bool {
        matches!(self, CaseState::Dispatched | CaseState::InProgress)
    }
}

/// The overdue rule (docs/DESIGN.md §4 "overdue now"): a case is overdue when it is at a department
/// (dispatched or in progress) past its deadline. [`Case::is_overdue`] and the measures'
/// "overdue now" both ask this; the ledger's SQL filter spells the same test.
pub fn is_overdue(state: CaseState, deadline: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    state.at_department() && deadline.is_some_and(|d| d < now)
}

/// Why a list of events cannot be replayed into a case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("the first event of a case must be its report")]
    NoReport,
    #[error("event {seq} is a report, but the case was already reported")]
    SecondReport { seq: u64 },
    #[error("event {found} follows version {expected}")]
    OutOfOrder { expected: u64, found: u64 },
}

impl Case {
    /// Applies one event to the case it follows (`None` before the report).
    pub fn apply(case: Option<Case>, e: &CaseEvent) -> Result<Case, ReplayError> {
        let expected = case.as_ref().map_or(1, |c| c.version + 1);
        if e.seq != expected {
            return Err(ReplayError::OutOfOrder {
                expected,
                found: e.seq,
            });
        }
        let mut c = match (case, &e.action) {
            (None, Action::Report(n)) => Case {
                id: e.case_id.clone(),
                version: 0,
                head_hash: String::new(),
                state: e.effect.state,
                outcome: None,
                duplicate_of: None,
                channel: n.channel,
                category: n.category.clone(),
                urgent: n.urgent,
                description: n.description.clone(),
                location: n.location,
                address: n.address.clone(),
                grid_id: n.grid_id.clone(),
                origin_unit: e.effect.holder_unit.clone(),
                holder_unit: e.effect.holder_unit.clone(),
                department: None,
                departments: vec![],
                deadline: None,
                extension_requested: None,
                extensions: 0,
                supervisions: 0,
                reworks: 0,
                rating: None,
                operator_rating: None,
                finding_id: n.finding_id.clone(),
                photos: n.photos.clone(),
                contact: n.contact.clone(),
                reported_by: e.actor.user_id.clone(),
                reported_at: e.at,
                updated_at: e.at,
                closed_at: None,
                handled_at: None,
            },
            (None, _) => return Err(ReplayError::NoReport),
            (Some(_), Action::Report(_)) => return Err(ReplayError::SecondReport { seq: e.seq }),
            (Some(c), _) => c,
        };
        match &e.action {
            Action::Supervise { .. } => c.supervisions += 1,
            Action::VerifyFail { .. } => c.reworks += 1,
            Action::RequestExtension { until, .. } => c.extension_requested = Some(*until),
            Action::ExtendDeadline { .. } => {
                c.extensions += 1;
                c.extension_requested = None;
            }
            Action::RefuseExtension { .. } | Action::Return { .. } => {
                c.extension_requested = None;
            }
            Action::Rate { rating, source, .. } => *c.rating_slot(*source) = Some(*rating),
            Action::Reopen { .. } => {
                c.rating = None;
                c.operator_rating = None;
                c.closed_at = None;
                c.duplicate_of = None;
            }
            Action::MergeDuplicate { duplicate_of, .. } => {
                c.duplicate_of = Some(duplicate_of.clone())
            }
            Action::Unmerge { .. } => {
                c.closed_at = None;
                c.duplicate_of = None;
            }
            _ => {}
        }
        c.state = e.effect.state;
        c.holder_unit = e.effect.holder_unit.clone();
        c.department = e.effect.department.clone();
        if let Some(d) = &c.department {
            if !c.departments.contains(d) {
                c.departments.push(d.clone());
            }
        }
        c.deadline = e.effect.deadline;
        c.outcome = e.effect.outcome;
        match c.state {
            CaseState::Handled if c.handled_at.is_none() => c.handled_at = Some(e.at),
            CaseState::Pending
            | CaseState::Claimed
            | CaseState::Dispatched
            | CaseState::InProgress => c.handled_at = None,
            _ => {}
        }
        if c.state == CaseState::Closed && c.closed_at.is_none() {
            c.closed_at = Some(e.at);
        }
        c.version = e.seq;
        c.head_hash = e.hash.clone();
        c.updated_at = e.at;
        Ok(c)
    }

    /// The case's rating from `source`, if given.
    pub fn rating_by(&self, source: RatingSource) -> Option<Rating> {
        match source {
            RatingSource::Resident => self.rating,
            RatingSource::Operator => self.operator_rating,
        }
    }

    fn rating_slot(&mut self, source: RatingSource) -> &mut Option<Rating> {
        match source {
            RatingSource::Resident => &mut self.rating,
            RatingSource::Operator => &mut self.operator_rating,
        }
    }

    /// Whether the holder is the origin unit or one of its ancestors. Every move of the workflow
    /// keeps this (a report starts at the origin; claiming, escalating and reopening only go up
    /// the origin's path), and the ledger's visibility SQL relies on it: "held in my subtree"
    /// then implies "lodged in my subtree", so one range of origin paths is `can_see` for a
    /// unit member (`storage/*/console.rs`). Tested over the design table and the demo history.
    pub fn holder_on_origin_path(&self, org: &crate::org::OrgTree) -> bool {
        org.is_within(&self.origin_unit, &self.holder_unit)
    }

    /// Whether the case is overdue at `now` (see [`is_overdue`]).
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        is_overdue(self.state, self.deadline, now)
    }

    /// Where the case stands against its deadline at `now`. A handled, verifying or closed
    /// case is judged at the moment it was handled (for a record from before `handled_at` was
    /// kept: its closure, else its last change).
    pub fn deadline_status(&self, now: DateTime<Utc>) -> DeadlineStatus {
        let Some(deadline) = self.deadline else {
            return DeadlineStatus::NoDeadline;
        };
        match self.state {
            CaseState::Dispatched | CaseState::InProgress => {
                if self.is_overdue(now) {
                    DeadlineStatus::Overdue
                } else {
                    DeadlineStatus::Running
                }
            }
            CaseState::Handled | CaseState::Verifying | CaseState::Closed => {
                let handled = self
                    .handled_at
                    .or(self.closed_at)
                    .unwrap_or(self.updated_at);
                if handled <= deadline {
                    DeadlineStatus::HandledOnTime
                } else {
                    DeadlineStatus::HandledLate
                }
            }
            CaseState::Pending | CaseState::Claimed => DeadlineStatus::NoDeadline,
        }
    }

    /// Rebuilds a case from all its events, in order.
    pub fn replay<'a>(
        events: impl IntoIterator<Item = &'a CaseEvent>,
    ) -> Result<Case, ReplayError> {
        let mut case = None;
        for e in events {
            case = Some(Case::apply(case, e)?);
        }
        case.ok_or(ReplayError::NoReport)
    }
}
