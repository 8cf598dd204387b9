//! What devices send, as the ledger keeps it: every op by its id (so a re-sent op is answered
//! from here and never applied twice), the devices that sent them, and the field records the ops
//! carry — patrols with their track points, findings with their photo hashes.
//!
//! Writing a patrol or a finding also logs it for pull, scoped to its grid and the grid's
//! community (`Scope::Area`), like every other record the ledger hands out.

use super::changes::Scope;
use super::Result;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use yiwang_core::error::ReceivedCode;
use yiwang_core::field::{Finding, Patrol, TrackPoint};
use yiwang_core::ids::{DeviceId, FindingId, GridId, OpId, PatrolId, UserId};
use yiwang_core::sync::{OpType, RejectedOp};

/// What became of an op the first time it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpFate {
    Applied,
    Rejected,
}

impl OpFate {
    pub fn as_str(self) -> &'static str {
        match self {
            OpFate::Applied => "applied",
            OpFate::Rejected => "rejected",
        }
    }
}

/// One received op as stored in the `ops` table.
#[derive(Debug, Clone, PartialEq)]
pub struct OpRecord {
    pub op_id: OpId,
    pub device_id: DeviceId,
    pub user_id: UserId,
    pub op_type: OpType,
    pub entity_id: String,
    /// When the device made the op.
    pub at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub fate: OpFate,
    /// Why it was rejected (`None` when applied).
    pub code: Option<ReceivedCode>,
    pub message: Option<String>,
    /// The change-log sequence number of the last record the op wrote (for a rejected op: of
    /// its `rejected_op` record).
    pub seq: Option<i64>,
    /// The op's `data`, kept for rejected ops so a supervisor can read what was refused.
    pub data: Option<serde_json::Value>,
    /// The org path of the sender's unit when the op arrived: whose supervisors see it.
    pub unit_path: Option<String>,
}

/// Which rejected ops a caller may list: their own, and those of users whose unit lies within
/// `path` (a supervisor's subtree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedFilter {
    pub user: UserId,
    pub path: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

pub trait SyncTx {
    /// Opens a savepoint for one op (or for a whole push tried at once): what is written after
    /// it can be undone without ending the transaction. Savepoints opened here never nest.
    fn op_savepoint(&mut self) -> Result<()>;
    /// Keeps what was written since [`SyncTx::op_savepoint`].
    fn op_release(&mut self) -> Result<()>;
    /// Undoes everything written since [`SyncTx::op_savepoint`] and closes it.
    fn op_rollback(&mut self) -> Result<()>;
    /// A count that grows with every row this transaction inserts, updates or deletes (and
    /// only then): an op that leaves it unchanged wrote nothing.
    fn write_count(&mut self) -> u64;

    /// The op with this id, if it was ever received.
    fn op(&mut self, id: &OpId) -> Result<Option<OpRecord>>;
    /// Those of `ids` that were received before, in one look-up.
    fn ops_seen(&mut self, ids: &[OpId]) -> Result<HashMap<OpId, OpRecord>>;
    /// Records an op; `false` (and nothing written) when its id is already taken, which is how
    /// a second copy racing the first is recognised.
    fn insert_op(&mut self, op: &OpRecord) -> Result<bool>;
    /// Notes that `device` of `user` was heard from at `now`.
    fn touch_device(&mut self, device: &DeviceId, user: &UserId, now: DateTime<Utc>) -> Result<()>;
    /// Rejected ops the filter admits, newest first, and whether more follow.
    fn rejected_ops(&mut self, filter: &RejectedFilter) -> Result<(Vec<RejectedOp>, bool)>;

    /// The pull scope of a grid's field records: its community's subtree and its workers.
    fn grid_scope(&mut self, grid: &GridId) -> Result<Option<Scope>>;
    /// The pull scope of a finding (and of its photos' metadata).
    fn finding_scope(&mut self, finding: &FindingId) -> Result<Option<Scope>>;

    fn patrol(&mut self, id: &PatrolId) -> Result<Option<Patrol>>;
    /// Stores a new patrol and logs it for pull.
    fn insert_patrol(&mut self, patrol: &Patrol, received_at: DateTime<Utc>) -> Result<()>;
    /// Appends points to a patrol's track; returns how many points the track has now.
    fn append_track(&mut self, id: &PatrolId, points: &[TrackPoint]) -> Result<u64>;
    /// When the server received a patrol's start (its start time where that was not kept).
    fn patrol_received_at(&mut self, id: &PatrolId) -> Result<Option<DateTime<Utc>>>;
    /// Adds `windows` (`PatrolWindow::bit`s) to the windows `grid` was patrolled in on the
    /// local day `day` (table `grid_windows`).
    fn add_grid_windows(&mut self, grid: &GridId, day: NaiveDate, windows: u8) -> Result<()>;
    /// A patrol's track in time order.
    fn track(&mut self, id: &PatrolId) -> Result<Vec<TrackPoint>>;
    /// Up to `limit` points of a patrol's track in time order, after skipping `offset`.
    fn track_page(&mut self, id: &PatrolId, offset: u64, limit: u64) -> Result<Vec<TrackPoint>>;
    /// Records a patrol's end and logs the patrol again.
    fn end_patrol(&mut self, id: &PatrolId, ended_at: DateTime<Utc>) -> Result<()>;

    fn finding(&mut self, id: &FindingId) -> Result<Option<Finding>>;
    /// Stores a new finding with its photo hashes and logs it for pull; `false` (and nothing
    /// written) when its id is already taken. (The metadata of its photos that have already
    /// landed is re-logged by the caller through `crate::storage::photo_log::log_photo`, which knows every
    /// record that shows a photo.)
    fn insert_finding(&mut self, finding: &Finding, received_at: DateTime<Utc>) -> Result<bool>;
}
