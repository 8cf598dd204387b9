//! Applying a device's ops to the ledger (docs/DESIGN.md §5): each op once, in order.
//!
//! For every op: an op id already in the `ops` table is answered `duplicate` with what it got the
//! first time. Otherwise the op is checked and applied; what it wrote is kept only if it is
//! applied whole — a refused op leaves no partial writes, and the ops behind it still run.
//! Either way the op is recorded in `ops` in the same transaction as its effects: an
//! acknowledged op and its effects are durable together.
//!
//! Two ways give exactly that, and [`apply_ops`] takes the cheaper one it can:
//! - **at once** ([`apply_ops_at_once`]): the whole push inside one savepoint, the duplicates
//!   found in one look-up, no savepoint per op. An op refused before it wrote anything (most
//!   refusals: unknown patrol, invalid category, out of jurisdiction…) needs nothing undone, so
//!   it is simply rejected. If an op is refused after it wrote something (a report whose case
//!   is refused by the workflow), or a storage step fails, or an op id repeats within the push,
//!   everything the push wrote is rolled back and it goes the other way;
//! - **one by one** ([`apply_ops_one_by_one`]): each op in its own savepoint, rolled back alone
//!   when it is refused.
//!
//! A refused op is kept with its reason (the `ops` row keeps its data) and logged for pull as a
//! `rejected_op` record seen by its sender, so nothing is dropped in silence. Case decisions go
//! through [`crate::casework::act`], so a decision made offline on a stale case is refused by the
//! workflow (`stale_state`) like any other refusal.

use crate::casework;
use crate::limits::{MAX_ID_CHARS, MAX_PATROL_TRACK_POINTS, MAX_TRACK_POINTS};
use crate::state::Reference;
use crate::storage::auth::StoredUser;
use crate::storage::changes::Scope;
use crate::storage::sync::{OpFate, OpRecord};
use crate::storage::{LedgerTx, Result, StorageError};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use yiwang_core::case::{Action, GeoPoint, NewCase};
use yiwang_core::error::ErrorCode;
use yiwang_core::field::{is_accuracy, is_wgs84, Finding, Patrol, TrackPoint};
use yiwang_core::ids::{CaseId, DeviceId, FindingId, OpId, PatrolId, PhotoHash};
use yiwang_core::org::Actor;
use yiwang_core::sync::{
    CaseActionData, Entity, FindingCreateData, Op, OpResult, OpStatus, OpType, PatrolEndData,
    PatrolStartData, PatrolTrackData, RejectedOp,
};

/// Why an op was refused: a stable code and a message for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRefusal {
    pub code: ErrorCode,
    pub message: String,
}

impl OpRefusal {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        OpRefusal {
            code,
            message: message.into(),
        }
    }
}

/// What stops an op: a refusal (the op is rejected, the push goes on) or a storage failure
/// (the whole push fails and nothing of it is kept).
enum Stop {
    Refused(OpRefusal),
    Storage(StorageError),
}

impl From<StorageError> for Stop {
    fn from(e: StorageError) -> Self {
        Stop::Storage(e)
    }
}

impl From<OpRefusal> for Stop {
    fn from(r: OpRefusal) -> Self {
        Stop::Refused(r)
    }
}

type Step<T = ()> = std::result::Result<T, Stop>;

fn refuse<T>(code: ErrorCode, message: impl Into<String>) -> Step<T> {
    Err(Stop::Refused(OpRefusal::new(code, message)))
}

/// True when a storage error comes from what an op carries rather than from the database: it
/// rejects that op (kept, readable) instead of failing the push, which the device would resend
/// for ever.
fn caused_by_the_op(e: &StorageError) -> bool {
    match e {
        StorageError::Invalid(_) | StorageError::Json(_) => true,
        StorageError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
            f.code == rusqlite::ErrorCode::ConstraintViolation
        }
        // Class 23: integrity constraint violation.
        StorageError::Postgres(e) => e.code().is_some_and(|c| c.code().starts_with("23")),
        _ => false,
    }
}

/// Everything an op is judged against.
struct Sender<'a> {
    reference: &'a Reference,
    user: &'a StoredUser,
    actor: Actor,
    device: &'a DeviceId,
    unit_path: Option<String>,
    now: DateTime<Utc>,
}

impl Sender<'_> {
    fn record(&self, op: &Op, fate: OpFate) -> OpRecord {
        OpRecord {
            op_id: op.op_id.clone(),
            device_id: self.device.clone(),
            user_id: self.user.id.clone(),
            op_type: op.op_type,
            entity_id: op.entity_id.clone(),
            at: op.at,
            received_at: self.now,
            fate,
            code: None,
            message: None,
            seq: None,
            data: None,
            unit_path: self.unit_path.clone(),
        }
    }
}

/// Applies a device's ops in order inside `tx`; one result per op. An op seen before is
/// answered `duplicate`; a refused one is kept with its reason and never blocks the ones after.
pub fn apply_ops(
    tx: &mut dyn LedgerTx,
    reference: &Reference,
    user: &StoredUser,
    device: &DeviceId,
    ops: &[Op],
    now: DateTime<Utc>,
) -> Result<Vec<OpResult>> {
    let sender = Sender::new(tx, reference, user, device, now)?;
    if ops.len() > 1 {
        if let Some(results) = at_once(tx, &sender, ops)? {
            return Ok(results);
        }
    }
    ops.iter().map(|op| apply_one(tx, &sender, op)).collect()
}

/// [`apply_ops`] the way that puts every op in its own savepoint. The results and what is
/// stored are the same as [`apply_ops`]'; tests compare the two.
pub fn apply_ops_one_by_one(
    tx: &mut dyn LedgerTx,
    reference: &Reference,
    user: &StoredUser,
    device: &DeviceId,
    ops: &[Op],
    now: DateTime<Utc>,
) -> Result<Vec<OpResult>> {
    let sender = Sender::new(tx, reference, user, device, now)?;
    ops.iter().map(|op| apply_one(tx, &sender, op)).collect()
}

/// [`apply_ops`] the way that applies the whole push at once; `None` when it had to give up,
/// having rolled back everything the ops wrote (the device is still noted as heard from).
pub fn apply_ops_at_once(
    tx: &mut dyn LedgerTx,
    reference: &Reference,
    user: &StoredUser,
    device: &DeviceId,
    ops: &[Op],
    now: DateTime<Utc>,
) -> Result<Option<Vec<OpResult>>> {
    let sender = Sender::new(tx, reference, user, device, now)?;
    at_once(tx, &sender, ops)
}

impl<'a> Sender<'a> {
    /// Notes the device as heard from and gathers what its ops are judged against.
    fn new(
        tx: &mut dyn LedgerTx,
        reference: &'a Reference,
        user: &'a StoredUser,
        device: &'a DeviceId,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        tx.touch_device(device, &user.id, now)?;
        let unit_path = match &user.org_unit_id {
            Some(u) => tx.unit_path(u)?,
            None => None,
        };
        Ok(Sender {
            reference,
            user,
            actor: user.actor(),
            device,
            unit_path,
            now,
        })
    }
}

/// Why the push cannot be applied at once; it is then applied one op at a time.
#[derive(Debug)]
enum GiveUp {
    /// An op id appears twice in the push: the second is answered from the first's record.
    RepeatedOpId,
    /// An op was refused after it had written something, which only its own savepoint undoes.
    RefusedAfterWriting,
    /// A storage step failed; the op-by-op way tells an op's own fault from the database's.
    Storage(StorageError),
    /// The op id was recorded meanwhile (cannot happen under the single writer, but if it did
    /// the op-by-op way answers it from the record).
    Raced,
}

impl From<StorageError> for GiveUp {
    fn from(e: StorageError) -> Self {
        GiveUp::Storage(e)
    }
}

fn at_once(
    tx: &mut dyn LedgerTx,
    sender: &Sender<'_>,
    ops: &[Op],
) -> Result<Option<Vec<OpResult>>> {
    let mut ids = HashSet::with_capacity(ops.len());
    if !ops.iter().all(|op| ids.insert(&op.op_id)) {
        tracing::debug!(reason = ?GiveUp::RepeatedOpId, "push applied op by op");
        return Ok(None);
    }
    let ids: Vec<OpId> = ops.iter().map(|op| op.op_id.clone()).collect();
    let mut seen = tx.ops_seen(&ids)?;
    tx.op_savepoint()?;
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        match at_once_one(tx, sender, op, &mut seen) {
            Ok(r) => results.push(r),
            Err(reason) => {
                tx.op_rollback()?;
                tx.take_recorded_seq();
                let reason = match reason {
                    GiveUp::Storage(e) => format!("storage: {e}"),
                    other => format!("{other:?}"),
                };
                tracing::debug!(op_id = %op.op_id, %reason, "push applied op by op");
                return Ok(None);
            }
        }
    }
    tx.op_release()?;
    Ok(Some(results))
}

/// One op of a push applied at once: the same steps as [`apply_one`] without its savepoint,
/// which is only needed to undo an op refused after it wrote.
fn at_once_one(
    tx: &mut dyn LedgerTx,
    sender: &Sender<'_>,
    op: &Op,
    seen: &mut HashMap<OpId, OpRecord>,
) -> std::result::Result<OpResult, GiveUp> {
    if let Some(seen) = seen.remove(&op.op_id) {
        return Ok(duplicate(seen));
    }
    tx.take_recorded_seq();
    let before = tx.write_count();
    match apply_op(tx, sender, op) {
        Ok(()) => {
            let mut record = sender.record(op, OpFate::Applied);
            record.seq = tx.take_recorded_seq();
            if !tx.insert_op(&record)? {
                return Err(GiveUp::Raced);
            }
            Ok(OpResult {
                op_id: op.op_id.clone(),
                status: OpStatus::Applied,
                code: None,
                message: None,
                seq: record.seq,
            })
        }
        // Refused before writing anything: there is nothing to undo.
        Err(Stop::Refused(r)) if tx.write_count() == before => {
            keep_rejected(tx, sender, op, r)?.ok_or(GiveUp::Raced)
        }
        Err(Stop::Refused(_)) => Err(GiveUp::RefusedAfterWriting),
        Err(Stop::Storage(e)) => Err(GiveUp::Storage(e)),
    }
}

fn duplicate(seen: OpRecord) -> OpResult {
    OpResult {
        op_id: seen.op_id,
        status: OpStatus::Duplicate,
        code: seen.code,
        message: seen.message,
        seq: seen.seq,
    }
}

/// The first answer of an op that a racing copy recorded first.
fn recorded_duplicate(tx: &mut dyn LedgerTx, op: &Op) -> Result<OpResult> {
    tx.op(&op.op_id)?.map(duplicate).ok_or_else(|| {
        StorageError::Invalid(format!(
            "op {} collided with a copy that is not recorded",
            op.op_id
        ))
    })
}

fn apply_one(tx: &mut dyn LedgerTx, sender: &Sender<'_>, op: &Op) -> Result<OpResult> {
    if let Some(seen) = tx.op(&op.op_id)? {
        return Ok(duplicate(seen));
    }
    tx.op_savepoint()?;
    // Forget what was logged before this op: what is taken after it is the op's own last seq.
    tx.take_recorded_seq();
    let refusal = match apply_op(tx, sender, op) {
        Ok(()) => None,
        Err(Stop::Refused(r)) => Some(r),
        Err(Stop::Storage(e)) if caused_by_the_op(&e) => {
            tracing::warn!(op_id = %op.op_id, error = %e, "op refused by the ledger's own checks");
            // The detail stays in the log; the worker and the supervisor read the refusal.
            Some(OpRefusal::new(
                ErrorCode::InvalidOp,
                "the ledger cannot store this op; it is kept for a supervisor to look at",
            ))
        }
        // The transaction is abandoned with the whole push; the device sends it again. The
        // savepoint is closed first for a caller that would go on in the same transaction.
        Err(Stop::Storage(e)) => {
            let _ = tx.op_rollback();
            return Err(e);
        }
    };
    match refusal {
        None => {
            let mut record = sender.record(op, OpFate::Applied);
            // Changes get increasing seqs, so the last one logged is the highest.
            record.seq = tx.take_recorded_seq();
            // The op id's primary key is the last guard against a copy racing this one.
            if !tx.insert_op(&record)? {
                tx.op_rollback()?;
                return recorded_duplicate(tx, op);
            }
            tx.op_release()?;
            Ok(OpResult {
                op_id: op.op_id.clone(),
                status: OpStatus::Applied,
                code: None,
                message: None,
                seq: record.seq,
            })
        }
        Some(r) => {
            tx.op_rollback()?;
            reject(tx, sender, op, r)
        }
    }
}

/// Keeps a refused op with its reason and logs it for its sender's devices.
fn reject(tx: &mut dyn LedgerTx, sender: &Sender<'_>, op: &Op, r: OpRefusal) -> Result<OpResult> {
    tx.op_savepoint()?;
    match keep_rejected(tx, sender, op, r)? {
        Some(result) => {
            tx.op_release()?;
            Ok(result)
        }
        None => {
            tx.op_rollback()?;
            recorded_duplicate(tx, op)
        }
    }
}

/// Writes a refused op's `rejected_op` record and its `ops` row; `None` when the op id turned
/// out to be recorded already (what was written is then for the caller to undo).
fn keep_rejected(
    tx: &mut dyn LedgerTx,
    sender: &Sender<'_>,
    op: &Op,
    r: OpRefusal,
) -> Result<Option<OpResult>> {
    let kept = RejectedOp {
        op_id: op.op_id.clone(),
        device_id: sender.device.clone(),
        user_id: sender.user.id.clone(),
        op_type: op.op_type,
        entity_id: op.entity_id.clone(),
        code: r.code.into(),
        message: r.message.clone(),
        at: op.at,
        received_at: sender.now,
        data: op.data.clone(),
    };
    let seq = tx.record_change(
        Entity::RejectedOp,
        op.op_id.as_str(),
        &Scope::User(sender.user.id.clone()),
        &serde_json::to_value(&kept)?,
    )?;
    let mut record = sender.record(op, OpFate::Rejected);
    record.code = Some(r.code.into());
    record.message = Some(r.message.clone());
    record.seq = Some(seq);
    record.data = Some(kept.data);
    if !tx.insert_op(&record)? {
        return Ok(None);
    }
    Ok(Some(OpResult {
        op_id: op.op_id.clone(),
        status: OpStatus::Rejected,
        code: Some(r.code.into()),
        message: Some(r.message),
        seq: Some(seq),
    }))
}

fn data<'d, T: Deserialize<'d>>(op: &'d Op) -> Step<T> {
    // Read from the borrowed JSON tree: same answers and errors as `from_value`, no copy.
    T::deserialize(&op.data).or_else(|e| {
        refuse(
            ErrorCode::InvalidOp,
            format!(
                "the data of this {} op is not valid: {e}",
                op.op_type.as_str()
            ),
        )
    })
}

fn apply_op(tx: &mut dyn LedgerTx, sender: &Sender<'_>, op: &Op) -> Step {
    let chars = op.entity_id.chars().count();
    if op.entity_id.trim().is_empty() || chars > MAX_ID_CHARS {
        return refuse(
            ErrorCode::InvalidOp,
            format!("entity_id must have 1 to {MAX_ID_CHARS} characters"),
        );
    }
    match op.op_type {
        OpType::PatrolStart => patrol_start(tx, sender, op, data(op)?),
        OpType::PatrolTrack => patrol_track(tx, sender, op, data(op)?),
        OpType::PatrolEnd => patrol_end(tx, sender, op, data(op)?),
        OpType::FindingCreate => finding_create(tx, sender, op, data(op)?),
        OpType::CaseAction => case_action(tx, sender, op, data(op)?),
    }
}

fn patrol_start(tx: &mut dyn LedgerTx, sender: &Sender<'_>, op: &Op, d: PatrolStartData) -> Step {
    let id = PatrolId(op.entity_id.clone());
    if !sender.user.grid_ids.contains(&d.grid_id) || sender.reference.org.grid(&d.grid_id).is_none()
    {
        return refuse(
            ErrorCode::OutOfJurisdiction,
            format!(
                "grid {} is not one of your grids; patrol your own grid",
                d.grid_id
            ),
        );
    }
    if let Some(p) = tx.patrol(&id)? {
        // A patrol re-sent under a new op id (an outbox rebuilt after a crash) is the same
        // patrol: nothing to do.
        if p.worker_id == sender.user.id && p.grid_id == d.grid_id {
            return Ok(());
        }
        return refuse(
            ErrorCode::IdConflict,
            format!("patrol id {id} is already used by another patrol"),
        );
    }
    // The receipt time is the server's: coverage refuses a start dated after it (measures.rs).
    tx.insert_patrol(
        &Patrol {
            id,
            grid_id: d.grid_id,
            worker_id: sender.user.id.clone(),
            started_at: d.started_at,
            ended_at: None,
        },
        sender.now,
    )?;
    Ok(())
}

/// The sender's own patrol `id`.
fn own_patrol(tx: &mut dyn LedgerTx, sender: &Sender<'_>, id: &PatrolId) -> Step<Patrol> {
    match tx.patrol(id)? {
        None => refuse(
            ErrorCode::UnknownPatrol,
            format!("patrol {id} has not been started on the server; its start must come first"),
        ),
        Some(p) if p.worker_id != sender.user.id => refuse(
            ErrorCode::NotOwner,
            format!("patrol {id} belongs to another worker"),
        ),
        Some(p) => Ok(p),
    }
}

fn check_position(field: &str, lat: f64, lon: f64, accuracy_m: Option<f64>) -> Step {
    if !is_wgs84(lat, lon) {
        return refuse(
            ErrorCode::InvalidInput,
            format!("{field}: ({lat}, {lon}) is not a WGS-84 latitude and longitude"),
        );
    }
    if !is_accuracy(accuracy_m) {
        return refuse(
            ErrorCode::InvalidInput,
            format!("{field}: accuracy_m must be a distance in metres, zero or more"),
        );
    }
    Ok(())
}

fn patrol_track(tx: &mut dyn LedgerTx, sender: &Sender<'_>, op: &Op, d: PatrolTrackData) -> Step {
    let id = PatrolId(op.entity_id.clone());
    own_patrol(tx, sender, &id)?;
    if d.points.is_empty() || d.points.len() > MAX_TRACK_POINTS {
        return refuse(
            ErrorCode::InvalidInput,
            format!("points: send 1 to {MAX_TRACK_POINTS} points per op"),
        );
    }
    for (i, p) in d.points.iter().enumerate() {
        let TrackPoint {
            lat,
            lon,
            accuracy_m,
            ..
        } = *p;
        check_position(&format!("points[{i}]"), lat, lon, accuracy_m)?;
    }
    let total = tx.append_track(&id, &d.points)?;
    if total > MAX_PATROL_TRACK_POINTS {
        // Refused after writing: the push is applied again op by op and this op's points undone.
        return refuse(
            ErrorCode::TooLarge,
            format!(
                "points: the patrol's track would hold {total} points, more than the \
                 {MAX_PATROL_TRACK_POINTS} one patrol may have; end this patrol and start another"
            ),
        );
    }
    Ok(())
}

fn patrol_end(tx: &mut dyn LedgerTx, sender: &Sender<'_>, op: &Op, d: PatrolEndData) -> Step {
    let id = PatrolId(op.entity_id.clone());
    let p = own_patrol(tx, sender, &id)?;
    if d.ended_at < p.started_at {
        return refuse(
            ErrorCode::InvalidInput,
            format!(
                "ended_at: {} is before the patrol started ({})",
                d.ended_at, p.started_at
            ),
        );
    }
    match p.ended_at {
        None => {
            tx.end_patrol(&id, d.ended_at)?;
            Ok(())
        }
        Some(t) if t == d.ended_at => Ok(()),
        Some(t) => refuse(
            ErrorCode::PatrolEnded,
            format!("patrol {id} already ended at {t}"),
        ),
    }
}

fn finding_create(
    tx: &mut dyn LedgerTx,
    sender: &Sender<'_>,
    op: &Op,
    d: FindingCreateData,
) -> Step {
    let id = FindingId(op.entity_id.clone());
    let org = &sender.reference.org;
    if org.grid(&d.grid_id).is_none() || !org.grid_in_jurisdiction(&sender.actor, &d.grid_id) {
        return refuse(
            ErrorCode::OutOfJurisdiction,
            format!(
                "grid {} is not in your jurisdiction; record findings on your own grid",
                d.grid_id
            ),
        );
    }
    if let Some(p) = &d.patrol_id {
        own_patrol(tx, sender, p)?;
    }
    if let Some(c) = &d.case_id {
        // A case id is a key, a URL segment and an export cell: only a UUID, never free text.
        if !c.is_canonical() {
            return refuse(
                ErrorCode::InvalidInput,
                "case_id: must be a UUID made on the device (lower-case, hyphenated)",
            );
        }
    }
    // The finding rules, as the device applied them when it was recorded.
    let finding = match Finding::record(
        id.clone(),
        sender.user.id.clone(),
        d,
        &sender.reference.categories,
    ) {
        Ok(f) => f,
        Err(problems) => return refuse(ErrorCode::InvalidInput, problems.to_string()),
    };
    // The naming rule, before anything is written (the report's `casework::act` checks again).
    if let Some(h) =
        crate::photos::unnameable(tx, sender.reference, &sender.actor, &finding.photos)?
    {
        return refuse(
            ErrorCode::UnknownPhoto,
            format!("photos: photo {h} is not one you uploaded or may see; attach your own photos"),
        );
    }
    // Stored only if the id is free; if it is taken, nothing was written.
    if !tx.insert_finding(&finding, sender.now)? {
        // The same finding re-sent under a new op id is already here, with its case.
        if tx.finding(&id)?.is_some_and(|existing| existing == finding) {
            return Ok(());
        }
        return refuse(
            ErrorCode::IdConflict,
            format!("finding id {id} is already used by another finding"),
        );
    }
    if let Some(case_id) = &finding.case_id {
        let location = match (finding.lat, finding.lon) {
            (Some(lat), Some(lon)) => Some(GeoPoint {
                lat,
                lon,
                accuracy_m: finding.accuracy_m,
            }),
            _ => None,
        };
        let report = Action::Report(NewCase {
            channel: yiwang_core::case::Channel::Grid,
            category: finding.category_code.clone(),
            urgent: finding.urgent,
            description: finding.description.clone(),
            location,
            address: None,
            grid_id: Some(finding.grid_id.clone()),
            unit: None,
            finding_id: Some(id),
            photos: finding.photos.clone(),
            contact: None,
        });
        // The report logs the photos again, now that a case carries them (`casework::act`).
        return decide(tx, sender, case_id, 0, &report);
    }
    log_photos(tx, &finding.photos)
}

/// Photos that landed before the record naming them become visible where that record is.
fn log_photos(tx: &mut dyn LedgerTx, photos: &[PhotoHash]) -> Step {
    for h in photos {
        crate::storage::photo_log::log_photo(tx, h)?;
    }
    Ok(())
}

fn case_action(tx: &mut dyn LedgerTx, sender: &Sender<'_>, op: &Op, d: CaseActionData) -> Step {
    if matches!(d.action, Action::Report(_)) {
        return refuse(
            ErrorCode::InvalidOp,
            "a case is reported by a finding.create op with the disposition `report`",
        );
    }
    decide(
        tx,
        sender,
        &CaseId(op.entity_id.clone()),
        d.base_version,
        &d.action,
    )
}

/// Takes a case action through the workflow; a refusal rejects the op with the workflow's code.
fn decide(
    tx: &mut dyn LedgerTx,
    sender: &Sender<'_>,
    case: &CaseId,
    base_version: u64,
    action: &Action,
) -> Step {
    match casework::act(
        tx,
        sender.reference,
        &sender.actor,
        case,
        base_version,
        action,
        sender.now,
    )? {
        Ok(_) => Ok(()),
        Err(refusal) => refuse(refusal.code(), refusal.to_string()),
    }
}
