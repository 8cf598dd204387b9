//! The sign-in throttle's policy: a pure function of what the ledger counted before an attempt.
//!
//! Three counts decide ([`AttemptCounts`]):
//!
//! - **the account from this address** (the pair): [`PAIR_FREE`] failures are free; after them
//!   each further attempt waits [`FIRST_WAIT`] after the newest failure, doubling with every
//!   failure up to [`MAX_WAIT`]. A success clears the pair. Failures count for a day.
//! - **this address, any account** (spraying guesses over many user names): [`ADDRESS_FREE`]
//!   failures an hour are free, then the same doubling back-off.
//! - **this account, any address** (one account attacked from many addresses): once it has
//!   [`ACCOUNT_ALARM`] failures within the hour, an address that has already failed for it gets
//!   no free attempts, only the back-off.
//!
//! An address that has not failed is never held back, whatever happens to the account
//! elsewhere: an attacker can slow their own guesses, never lock the real user out.
//!
//! The counts include attempts whose password is being checked right now (`pending`): the
//! handler counts and reserves in one write transaction, so a burst of parallel guesses is
//! checked at most as many times as the policy allows. When the free attempts are used up and
//! some are still being checked, the next waits for them ([`PENDING_WAIT`]).

use crate::storage::auth::AttemptCounts;
use chrono::{DateTime, Duration, Utc};

/// Failed sign-ins of one account from one address before the back-off starts.
pub const PAIR_FREE: u32 = 5;
/// Failed sign-ins from one address (any account) within an hour before the back-off starts.
pub const ADDRESS_FREE: u32 = 30;
/// Failures of one account (from anywhere) within an hour that take the free attempts away
/// from the addresses that failed for it.
pub const ACCOUNT_ALARM: u32 = 20;
/// The first wait of the back-off; each further failure doubles it.
pub const FIRST_WAIT: Duration = Duration::minutes(1);
/// The longest wait.
pub const MAX_WAIT: Duration = Duration::hours(1);
/// The wait while the attempts that used up the free ones are still being checked.
pub const PENDING_WAIT: Duration = Duration::seconds(2);

/// May an attempt go ahead?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Not before this long (at least a second, so it fits `Retry-After`).
    Wait(Duration),
}

/// The verdict for an attempt at `now` after `counts`.
pub fn decide(counts: &AttemptCounts, now: DateTime<Utc>) -> Verdict {
    let pair_free = if counts.account_failures >= ACCOUNT_ALARM && counts.pair_failures > 0 {
        0
    } else {
        PAIR_FREE
    };
    let waits = [
        wait(
            counts.pair_failures,
            counts.pair_pending,
            counts.pair_last,
            pair_free,
            now,
        ),
        wait(
            counts.address_failures,
            counts.address_pending,
            counts.address_last,
            ADDRESS_FREE,
            now,
        ),
    ];
    match waits.into_iter().flatten().max() {
        None => Verdict::Allow,
        Some(w) => Verdict::Wait(w.max(Duration::seconds(1))),
    }
}

/// The back-off of one count: `None` when an attempt may go ahead.
fn wait(
    failures: u32,
    pending: u32,
    last: Option<DateTime<Utc>>,
    free: u32,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if failures + pending < free {
        return None;
    }
    if pending > 0 {
        return Some(PENDING_WAIT);
    }
    let over = failures.saturating_sub(free).min(12);
    let backoff = (FIRST_WAIT * 2i32.pow(over)).min(MAX_WAIT);
    let until = last? + backoff;
    (until > now).then(|| until - now)
}

/// The wait in whole seconds, rounded up, as `Retry-After` says it.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let ms = wait.num_milliseconds().max(0) as u64;
    ms.div_ceil(1000).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        "2026-03-02T08:00:00Z".parse().unwrap()
    }

    fn pair(failures: u32, last_ago_s: i64) -> AttemptCounts {
        AttemptCounts {
            pair_failures: failures,
            pair_last: (failures > 0).then(|| t0() - Duration::seconds(last_ago_s)),
            address_failures: failures,
            address_last: (failures > 0).then(|| t0() - Duration::seconds(last_ago_s)),
            account_failures: failures,
            ..AttemptCounts::default()
        }
    }

    #[test]
    fn five_free_failures_then_a_doubling_wait() {
        assert_eq!(decide(&pair(0, 0), t0()), Verdict::Allow);
        assert_eq!(decide(&pair(4, 0), t0()), Verdict::Allow);
        assert_eq!(
            decide(&pair(5, 0), t0()),
            Verdict::Wait(Duration::minutes(1))
        );
        assert_eq!(
            decide(&pair(5, 60), t0()),
            Verdict::Allow,
            "waited a minute"
        );
        assert_eq!(
            decide(&pair(6, 60), t0()),
            Verdict::Wait(Duration::minutes(1)),
            "two minutes after the sixth failure"
        );
        assert_eq!(
            decide(&pair(7, 0), t0()),
            Verdict::Wait(Duration::minutes(4))
        );
        assert_eq!(
            decide(&pair(40, 0), t0()),
            Verdict::Wait(MAX_WAIT),
            "never more than an hour"
        );
    }

    #[test]
    fn a_burst_is_checked_only_as_often_as_allowed() {
        let mut c = AttemptCounts::default();
        let mut allowed = 0;
        for _ in 0..60 {
            if decide(&c, t0()) == Verdict::Allow {
                allowed += 1;
                c.pair_pending += 1;
                c.address_pending += 1;
            }
        }
        assert_eq!(
            allowed, PAIR_FREE,
            "the reserved ones count while in flight"
        );
        assert_eq!(decide(&c, t0()), Verdict::Wait(PENDING_WAIT));
    }

    #[test]
    fn an_address_that_has_not_failed_is_never_held_back() {
        // The account is under attack from everywhere, and this address is clean.
        let c = AttemptCounts {
            account_failures: 10_000,
            ..AttemptCounts::default()
        };
        assert_eq!(decide(&c, t0()), Verdict::Allow);
    }

    #[test]
    fn an_attacked_account_takes_the_free_attempts_from_addresses_that_failed() {
        let mut c = pair(1, 10);
        assert_eq!(decide(&c, t0()), Verdict::Allow, "one failure: still free");
        c.account_failures = ACCOUNT_ALARM;
        assert_eq!(
            decide(&c, t0()),
            Verdict::Wait(Duration::minutes(2) - Duration::seconds(10))
        );
    }

    #[test]
    fn spraying_many_accounts_from_one_address_backs_off() {
        let c = AttemptCounts {
            address_failures: ADDRESS_FREE,
            address_last: Some(t0()),
            ..AttemptCounts::default()
        };
        assert_eq!(
            decide(&c, t0()),
            Verdict::Wait(FIRST_WAIT),
            "a new user name too"
        );
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::milliseconds(1)), 1);
        assert_eq!(retry_after_secs(Duration::milliseconds(1001)), 2);
        assert_eq!(retry_after_secs(Duration::minutes(1)), 60);
    }
}
