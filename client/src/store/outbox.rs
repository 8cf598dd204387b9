//! The outbox: ops waiting for the server, and what the server said about each.
//!
//! An op is `waiting` until the server answers it: `applied` or `duplicate` make it `sent`,
//! `rejected` makes it `rejected` with the server's code and message. Nothing is deleted here:
//! a rejected op stays to be shown, and only `waiting` ops are pushed, so one rejection never
//! holds up the ops behind it.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row};
use serde::{Deserialize, Serialize};
use yiwang_core::case::Action;
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::{CaseId, OpId};
use yiwang_core::sync::{CaseActionData, Op, OpResult, OpStatus, OpType};
use yiwang_core::workflow::{MAX_PHOTOS, MAX_TEXT_CHARS};

use super::{enum_col, json_col, opt_ts_col, push_op, ts, ts_col, Result, Store, StoreError};

/// What a record's ops say about it, shown beside the record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncState {
    /// At least one op is still waiting for the server.
    Waiting,
    /// The server has every op (or the record came from the server).
    Sent,
    /// The server refused an op; the reason is the server's.
    Rejected { code: String, message: String },
}

/// Where an op is in the outbox (and, for a record, what its ops say: [`SyncState`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Waiting,
    Sent,
    Rejected,
}

/// How many ops are in each state: the numbers behind "3 waiting to sync".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxCounts {
    pub waiting: u64,
    pub sent: u64,
    pub rejected: u64,
}

/// One op with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Push order.
    pub seq: i64,
    pub op: Op,
    pub state: OutboxState,
    pub code: Option<String>,
    pub message: Option<String>,
    /// Pushes that reached the server or failed on the way.
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub acked_at: Option<DateTime<Utc>>,
}

/// What [`Store::acknowledge`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckSummary {
    /// Ops now `sent`.
    pub sent: usize,
    /// Ops now `rejected`.
    pub rejected: usize,
    /// Results naming an op this outbox never had (logged, otherwise ignored).
    pub unknown: usize,
}

/// Code stored when the server rejects an op without giving one.
const REJECTED_WITHOUT_CODE: &str = ErrorCode::Refused.as_str();

impl Store {
    /// Queues a decision on a case (op `case.action`, entity = the case). The case's ledger
    /// changes only when the server applies it and the change is pulled back: a decision made
    /// offline on a stale version is refused by the server and shown here as rejected.
    pub fn queue_case_action(&self, case_id: &CaseId, data: &CaseActionData) -> Result<OpId> {
        if case_id.as_str().trim().is_empty() {
            return Err(StoreError::invalid("case_id", "must not be empty"));
        }
        if matches!(data.action, Action::Report(_)) {
            return Err(StoreError::invalid(
                "action",
                "a case is reported by recording a finding with the disposition `report`",
            ));
        }
        if let Some(note) = data.action.note() {
            let chars = note.chars().count();
            if chars > MAX_TEXT_CHARS {
                return Err(StoreError::invalid(
                    "note",
                    format!("{chars} characters is too long; keep it within {MAX_TEXT_CHARS}"),
                ));
            }
        }
        let photos = data.action.photos();
        if photos.len() > MAX_PHOTOS {
            return Err(StoreError::invalid(
                "photos",
                format!(
                    "{} photos is too many; keep at most {MAX_PHOTOS}",
                    photos.len()
                ),
            ));
        }
        let now = self.now();
        self.write(|tx| {
            for h in photos {
                if super::photos::photo(tx, h)?.is_none() {
                    return Err(StoreError::invalid(
                        "photos",
                        format!("photo {h} was not saved on this device; take or pick it again"),
                    ));
                }
            }
            push_op(tx, OpType::CaseAction, case_id.as_str(), now, data)
        })
    }

    /// Up to `limit` waiting ops, in the order they were made: the next push.
    pub fn pending_ops(&self, limit: usize) -> Result<Vec<Op>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT op_id, type, entity_id, at, data FROM outbox
                 WHERE state = 'waiting' ORDER BY seq LIMIT ?1",
            )?;
            let ops = stmt
                .query_map([limit], op_row)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(ops)
        })
    }

    /// How many ops are waiting, sent and rejected.
    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
        self.read(|tx| {
            let mut counts = OutboxCounts::default();
            let mut stmt =
                // A rejection the worker dismissed no longer counts (it stays in the outbox).
                tx.prepare_cached(
                    "SELECT state, count(*) FROM outbox
                     WHERE state <> 'rejected' OR dismissed_at IS NULL GROUP BY state",
                )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (state, n) = row?;
                let n = u64::try_from(n).unwrap_or(0);
                match state.as_str() {
                    "waiting" => counts.waiting = n,
                    "sent" => counts.sent = n,
                    "rejected" => counts.rejected = n,
                    other => tracing::warn!(state = other, "unknown outbox state"),
                }
            }
            Ok(counts)
        })
    }

    /// This device's ops the server refused and the worker has not dismissed, oldest first,
    /// with their reasons.
    pub fn outbox_rejected(&self) -> Result<Vec<OutboxEntry>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM outbox
                 WHERE state = 'rejected' AND dismissed_at IS NULL ORDER BY seq"
            ))?;
            let rows = stmt
                .query_map([], entry_row)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// The worker has read why the server refused `op_id` ("知道了"): it leaves the lists and
    /// badges. The op stays rejected, so its record still reads as rejected. Only a rejected op
    /// can be dismissed.
    pub fn dismiss_rejected(&self, op_id: &OpId) -> Result<()> {
        let now = ts(self.now());
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE outbox SET dismissed_at = COALESCE(dismissed_at, ?2)
                 WHERE op_id = ?1 AND state = 'rejected'",
                params![op_id.as_str(), now],
            )?;
            if n == 0 {
                return Err(StoreError::not_found("rejected op", op_id.as_str()));
            }
            Ok(())
        })
    }

    /// Every op about one record, in order.
    pub fn outbox_for(&self, entity_id: &str) -> Result<Vec<OutboxEntry>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM outbox WHERE entity_id = ?1 ORDER BY seq"
            ))?;
            let rows = stmt
                .query_map([entity_id], entry_row)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// The sync state of any record (patrol, finding, case) by its id.
    pub fn sync_state(&self, entity_id: &str) -> Result<SyncState> {
        self.read(|tx| sync_state(tx, entity_id))
    }

    /// Records the server's answers to a push, all in one transaction. `applied` and
    /// `duplicate` mark the op sent; `rejected` marks it rejected with the server's code and
    /// message — the op stays in the outbox, never dropped in silence.
    pub fn acknowledge(&self, results: &[OpResult]) -> Result<AckSummary> {
        let now = ts(self.now());
        self.write(|tx| {
            let mut summary = AckSummary::default();
            let mut sent = tx.prepare_cached(
                "UPDATE outbox SET state = 'sent', acked_at = ?2, attempts = attempts + 1,
                    last_error = NULL
                 WHERE op_id = ?1 AND state = 'waiting'",
            )?;
            // A rejection overrides `sent` too: the server has the last word, and a rejection
            // must be seen.
            let mut rejected = tx.prepare_cached(
                "UPDATE outbox SET state = 'rejected', code = ?2, message = ?3, acked_at = ?4,
                    attempts = attempts + 1
                 WHERE op_id = ?1 AND state <> 'rejected'",
            )?;
            let mut exists =
                tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox WHERE op_id = ?1)")?;
            for r in results {
                let changed = match r.status {
                    OpStatus::Applied | OpStatus::Duplicate => {
                        let n = sent.execute(params![r.op_id.as_str(), now])?;
                        summary.sent += n;
                        n
                    }
                    OpStatus::Rejected => {
                        let code = r.code.as_ref().map_or(REJECTED_WITHOUT_CODE, |c| c.as_str());
                        let message =
                            r.message.as_deref().unwrap_or("the server refused this change");
                        let n = rejected.execute(params![r.op_id.as_str(), code, message, now])?;
                        summary.rejected += n;
                        n
                    }
                };
                if changed == 0 && !exists.query_row([r.op_id.as_str()], |row| row.get(0))? {
                    tracing::warn!(op_id = %r.op_id, "the server answered for an op this device never made");
                    summary.unknown += 1;
                }
            }
            Ok(summary)
        })
    }

    /// Notes a push that did not get an answer (network down, server error), so the UI can say
    /// how long an op has been stuck and why. The ops stay waiting.
    pub fn record_push_failure(&self, op_ids: &[OpId], error: &str) -> Result<()> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2
                 WHERE op_id = ?1 AND state = 'waiting'",
            )?;
            for id in op_ids {
                stmt.execute(params![id.as_str(), error])?;
            }
            Ok(())
        })
    }
}

/// A record's sync state from its ops: any rejected → rejected (the first rejection, the root
/// cause when later ops fail with it); else any waiting → waiting; else sent. A record with no
/// ops came from the server, so it is sent.
pub(super) fn sync_state(conn: &Connection, entity_id: &str) -> Result<SyncState> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, code, message FROM outbox
         WHERE entity_id = ?1 AND state <> 'sent'
         ORDER BY state = 'rejected' DESC, seq LIMIT 1",
    )?;
    let mut rows = stmt.query([entity_id])?;
    let Some(row) = rows.next()? else {
        return Ok(SyncState::Sent);
    };
    let state: String = row.get(0)?;
    Ok(if state == "rejected" {
        SyncState::Rejected {
            code: row
                .get::<_, Option<String>>(1)?
                .unwrap_or_else(|| REJECTED_WITHOUT_CODE.into()),
            message: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
        }
    } else {
        SyncState::Waiting
    })
}

fn op_row(r: &Row<'_>) -> rusqlite::Result<Op> {
    let type_text: String = r.get(1)?;
    let op_type = OpType::parse(&type_text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Text,
            format!("unknown op type {type_text:?}").into(),
        )
    })?;
    Ok(Op {
        op_id: OpId::new(r.get::<_, String>(0)?),
        op_type,
        entity_id: r.get(2)?,
        at: ts_col(r, 3)?,
        data: json_col(r, 4)?,
    })
}

pub(super) const ENTRY_COLUMNS: &str =
    "op_id, type, entity_id, at, data, seq, state, code, message, \
     attempts, last_error, created_at, acked_at";

pub(super) fn entry_row(r: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        op: op_row(r)?,
        seq: r.get(5)?,
        state: enum_col(r, 6)?,
        code: r.get(7)?,
        message: r.get(8)?,
        attempts: r.get(9)?,
        last_error: r.get(10)?,
        created_at: ts_col(r, 11)?,
        acked_at: opt_ts_col(r, 12)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_core::ids::GridId;
    use yiwang_core::org::Role;
    use yiwang_core::sync::UserInfo;

    fn store() -> Store {
        let store = Store::open_in_memory().unwrap();
        let user = UserInfo {
            id: "u1".into(),
            username: "worker-0001".into(),
            display_name: "网格员".into(),
            role: Role::GridWorker,
            org_unit_id: None,
            department_id: None,
            grid_ids: vec![GridId::new("G1")],
        };
        store.set_session("http://x", "t", &user).unwrap();
        store
    }

    fn result(op: &Op, status: OpStatus, code: Option<&str>) -> OpResult {
        OpResult {
            op_id: op.op_id.clone(),
            status,
            code: code.map(yiwang_core::error::ReceivedCode::parse),
            message: code.map(|c| format!("because {c}")),
            seq: None,
        }
    }

    #[test]
    fn sync_state_is_derived_from_every_op_of_the_record() {
        let store = store();
        assert_eq!(
            store.sync_state("nothing").unwrap(),
            SyncState::Sent,
            "no ops: pulled"
        );
        let p = store.start_patrol(&GridId::new("G1"), Utc::now()).unwrap();
        let t = yiwang_core::field::TrackPoint {
            t: Utc::now(),
            lat: 40.0,
            lon: 122.0,
            accuracy_m: Some(4.0),
            mock: false,
        };
        store.add_track_points(&p.id, &[t]).unwrap();
        store.add_track_points(&p.id, &[t]).unwrap();
        let ops = store.pending_ops(10).unwrap();
        assert_eq!(ops.len(), 3, "start and two tracks");

        store
            .acknowledge(&[result(&ops[0], OpStatus::Applied, None)])
            .unwrap();
        assert_eq!(
            store.sync_state(p.id.as_str()).unwrap(),
            SyncState::Waiting,
            "one op still waiting keeps the record waiting"
        );
        store
            .acknowledge(&[
                result(&ops[1], OpStatus::Rejected, Some("first")),
                result(&ops[2], OpStatus::Rejected, Some("second")),
            ])
            .unwrap();
        assert_eq!(
            store.sync_state(p.id.as_str()).unwrap(),
            SyncState::Rejected {
                code: "first".into(),
                message: "because first".into()
            },
            "the first rejection is shown: it is the root cause"
        );
        let counts = store.outbox_counts().unwrap();
        assert_eq!(
            (counts.waiting, counts.sent, counts.rejected),
            (0, 1, 2),
            "nothing dropped"
        );
    }

    #[test]
    fn a_failed_push_is_noted_and_the_ops_keep_waiting() {
        let store = store();
        store.start_patrol(&GridId::new("G1"), Utc::now()).unwrap();
        let ops = store.pending_ops(10).unwrap();
        let ids: Vec<_> = ops.iter().map(|o| o.op_id.clone()).collect();
        store.record_push_failure(&ids, "connection reset").unwrap();
        let entry = &store.outbox_for(&ops[0].entity_id).unwrap()[0];
        assert_eq!(
            entry.state,
            OutboxState::Waiting,
            "a failed push changes nothing for the op"
        );
        assert_eq!(entry.attempts, 1, "but the attempt is counted");
        assert_eq!(
            entry.last_error.as_deref(),
            Some("connection reset"),
            "with its reason"
        );
        assert_eq!(
            store.pending_ops(10).unwrap(),
            ops,
            "and it is pushed again"
        );
    }

    #[test]
    fn a_report_cannot_be_queued_as_a_case_action() {
        let store = store();
        let data: CaseActionData = serde_json::from_value(serde_json::json!({
            "action": "report", "base_version": 0, "channel": "grid", "category": "01.01",
            "description": "x"
        }))
        .unwrap();
        let err = store
            .queue_case_action(&CaseId::new("c1"), &data)
            .unwrap_err();
        assert_eq!(
            err.code(),
            "invalid_input",
            "reports travel as finding.create: {err}"
        );
        assert_eq!(
            store.outbox_counts().unwrap().waiting,
            0,
            "and nothing was queued"
        );
    }
}
