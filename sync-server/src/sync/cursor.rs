//! The pull cursor: `v1.<epoch>.<seq>`, opaque to devices.
//!
//! `seq` is the last change-log sequence number the device has; `epoch` names the ledger it came
//! from (a random value made when the ledger was created). A cursor from another ledger, from
//! before a rebuild, or naming a sequence number the ledger never handed out cannot be honoured:
//! the device would silently miss records. It is refused (412 `cursor_invalid`) and the device
//! pulls again from the empty cursor.

/// Why a cursor cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("the cursor is not one this server made")]
    Malformed,
    #[error("the cursor belongs to another ledger")]
    OtherEpoch,
    #[error("the cursor is ahead of the ledger")]
    Ahead,
}

const VERSION: &str = "v1";

/// The cursor for "everything up to `seq`" on the ledger of `epoch`.
pub fn encode(epoch: &str, seq: i64) -> String {
    format!("{VERSION}.{epoch}.{seq}")
}

/// The sequence number to pull after, for `cursor` on the ledger of `epoch` whose highest
/// sequence number is `max_seq`. An absent or empty cursor is the start.
pub fn resolve(cursor: Option<&str>, epoch: &str, max_seq: i64) -> Result<i64, CursorError> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(0);
    };
    let mut parts = cursor.split('.');
    let (Some(VERSION), Some(e), Some(seq), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CursorError::Malformed);
    };
    if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CursorError::Malformed);
    }
    let seq: i64 = seq.parse().map_err(|_| CursorError::Malformed)?;
    if e != epoch {
        return Err(CursorError::OtherEpoch);
    }
    if seq > max_seq {
        return Err(CursorError::Ahead);
    }
    Ok(seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_resolves_to_its_sequence_number_on_its_own_ledger() {
        let c = encode("abc", 42);
        assert_eq!(c, "v1.abc.42");
        assert_eq!(
            resolve(Some(&c), "abc", 42),
            Ok(42),
            "the last seq is honoured"
        );
        assert_eq!(resolve(None, "abc", 42), Ok(0), "no cursor is the start");
        assert_eq!(resolve(Some(""), "abc", 42), Ok(0), "empty is the start");
    }

    #[test]
    fn forged_cursors_are_refused() {
        for bad in [
            "garbage",
            "v1.abc",
            "v1.abc.",
            "v1.abc.-1",
            "v1.abc.+1",
            "v1.abc.1.2",
            "v2.abc.1",
            "v1.abc.99999999999999999999",
        ] {
            assert_eq!(
                resolve(Some(bad), "abc", 10),
                Err(CursorError::Malformed),
                "{bad:?} is not a cursor"
            );
        }
        assert_eq!(
            resolve(Some("v1.other.3"), "abc", 10),
            Err(CursorError::OtherEpoch),
            "another ledger's cursor would skip records"
        );
        assert_eq!(
            resolve(Some("v1.abc.11"), "abc", 10),
            Err(CursorError::Ahead),
            "a seq beyond the end was never handed out"
        );
    }
}
