//! The hash chain over a case's events.
//!
//! `hash = sha256(prev_hash ‖ canonical event)`, where the canonical event is the event's JSON
//! without its `hash` field, with object keys sorted and no insignificant whitespace. Keys are
//! sorted here, not by relying on serde_json's map type, because a dependency enabling
//! serde_json's `preserve_order` feature would otherwise change every hash in the ledger.
//!
//! [`verify_chain`] proves nothing was rewritten: an edited event no longer matches its hash, a
//! dropped or reordered one breaks the sequence or the links, and a dropped last event no longer
//! matches the head recorded in the case row.

use crate::case::{Action, CaseEvent, Effect};
use crate::ids::CaseId;
use crate::org::Actor;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of a case's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Writes `v` as canonical JSON: sorted keys, no whitespace.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The hash an event should carry, computed from everything but its `hash` field.
pub fn event_hash(e: &CaseEvent) -> String {
    let mut v = serde_json::to_value(e).expect("events serialise");
    if let Value::Object(map) = &mut v {
        map.remove("hash");
    }
    let mut h = Sha256::new();
    h.update(e.prev_hash.as_bytes());
    h.update(canonical_json(&v).as_bytes());
    hex::encode(h.finalize())
}

/// Builds an event and computes its hash.
pub fn seal(
    case_id: CaseId,
    seq: u64,
    at: DateTime<Utc>,
    actor: Actor,
    action: Action,
    effect: Effect,
    prev_hash: Option<&str>,
) -> CaseEvent {
    let mut e = CaseEvent {
        case_id,
        seq,
        at,
        actor,
        action,
        effect,
        prev_hash: prev_hash.unwrap_or(GENESIS_HASH).to_owned(),
        hash: String::new(),
    };
    e.hash = event_hash(&e);
    e
}

/// What is wrong with a chain, at the first event where it goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("the case has no events")]
    Empty,
    #[error("event at position {index} belongs to case {found}, not {expected}")]
    WrongCase {
        index: usize,
        expected: CaseId,
        found: CaseId,
    },
    #[error("event at position {index} has sequence number {found}, expected {expected}: an event was dropped, inserted or moved")]
    Sequence {
        index: usize,
        expected: u64,
        found: u64,
    },
    #[error("event {seq} does not link to the hash of the event before it")]
    BrokenLink { seq: u64 },
    #[error("event {seq} does not match its hash: it was edited after it was written")]
    Tampered { seq: u64 },
    #[error("the chain ends at version {found_seq} ({found_hash}) but the case records version {expected_seq} ({expected_hash}): events were dropped from its end")]
    HeadMismatch {
        expected_seq: u64,
        expected_hash: String,
        found_seq: u64,
        found_hash: String,
    },
}

/// Checks a case's events: sequence 1..n, each linked to the one before, each matching its hash,
/// and, when the case row's `(version, head_hash)` is given, ending where the row says.
pub fn verify_chain(
    case_id: &CaseId,
    events: &[CaseEvent],
    expected_head: Option<(u64, &str)>,
) -> Result<(), ChainError> {
    if events.is_empty() {
        return Err(ChainError::Empty);
    }
    let mut prev = GENESIS_HASH;
    for (i, e) in events.iter().enumerate() {
        if &e.case_id != case_id {
            return Err(ChainError::WrongCase {
                index: i,
                expected: case_id.clone(),
                found: e.case_id.clone(),
            });
        }
        let expected = i as u64 + 1;
        if e.seq != expected {
            return Err(ChainError::Sequence {
                index: i,
                expected,
                found: e.seq,
            });
        }
        if e.prev_hash != prev {
            return Err(ChainError::BrokenLink { seq: e.seq });
        }
        if event_hash(e) != e.hash {
            return Err(ChainError::Tampered { seq: e.seq });
        }
        prev = &e.hash;
    }
    if let Some((seq, hash)) = expected_head {
        let last = events.last().expect("non-empty");
        if last.seq != seq || last.hash != hash {
            return Err(ChainError::HeadMismatch {
                expected_seq: seq,
                expected_hash: hash.to_owned(),
                found_seq: last.seq,
                found_hash: last.hash.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v: Value =
            serde_json::from_str(r#"{"b":1,"a":{"z":[{"y":2,"x":1}],"c":"中"}}"#).unwrap();
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"中","z":[{"x":1,"y":2}]},"b":1}"#,
            "key order must not depend on how the JSON was written"
        );
    }
}
