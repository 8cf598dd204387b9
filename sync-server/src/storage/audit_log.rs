//! The audit log as stored: who signed in (or failed to), changed a password, administered the
//! county or exported its cases, when, from which address. Written in the same transaction as
//! the change it records, so an admin action and its audit row commit together or not at all.
//! Not to be confused with [`super::audit`], the hash-chain check behind `verify-ledger`.

use super::Result;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;
use yiwang_core::ids::UserId;
use yiwang_core::org::Role;

/// Audit rows are kept this long (six months: what China's Cybersecurity Law asks of network
/// logs at the least).
pub const AUDIT_KEPT: Duration = Duration::days(180);
/// Failed sign-ins kept at the most, newest first: the only rows someone without an account can
/// cause. The sign-in throttle bounds how fast they come; this bounds how many stay.
pub const FAILED_SIGN_INS_KEPT: u64 = 100_000;

/// Who did it: the signed-in user, as they were at the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditActor {
    pub user_id: UserId,
    pub username: String,
    pub role: Role,
}

impl AuditActor {
    pub fn of(user: &super::auth::StoredUser) -> AuditActor {
        AuditActor {
            user_id: user.id.clone(),
            username: user.username.clone(),
            role: user.role,
        }
    }
}

/// One audit record, as `GET /api/v1/admin/audit` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Increases with every record: the paging cursor (`before`).
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `null` for a failed sign-in (the name tried is the `target`).
    pub actor: Option<AuditActor>,
    /// A stable snake_case word: `sign_in`, `sign_in_failed`, `sign_out`, `password_change`,
    /// `password_reset`, `user_create`, `user_disable`, `user_enable`, `device_revoke`,
    /// `unit_save`, `grids_import`, `categories_replace`, `export_cases_csv`,
    /// `export_cases_geojson`.
    pub action: String,
    /// What it was done to: a user id, a unit id, a user name tried, …
    pub target: Option<String>,
    /// A JSON object with the particulars (an export's filter, a failure's reason, …).
    #[schema(value_type = Object)]
    pub detail: Value,
    /// The client's address, as the sign-in throttle resolves it (`--trusted-proxy`), or `cli`.
    pub address: String,
}

impl AuditEntry {
    /// A record of `action` by `actor` from `address` at `at`, with no target and no detail yet.
    pub fn new(
        at: DateTime<Utc>,
        actor: Option<AuditActor>,
        action: &str,
        address: &str,
    ) -> AuditEntry {
        AuditEntry {
            id: 0,
            at,
            actor,
            action: action.to_owned(),
            target: None,
            detail: Value::Object(Default::default()),
            address: address.to_owned(),
        }
    }

    pub fn target(mut self, target: impl Into<String>) -> AuditEntry {
        self.target = Some(target.into());
        self
    }

    pub fn detail(mut self, detail: Value) -> AuditEntry {
        self.detail = detail;
        self
    }
}

/// Which records to list: newest first, below `before`, at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub before: Option<i64>,
    pub limit: u32,
    /// Any of these actions (all when empty).
    pub actions: Vec<String>,
    /// The actor's user name or user id.
    pub actor: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

pub trait AuditTx {
    /// Appends `entry` (its `id` is ignored); returns the id it got.
    fn record_audit(&mut self, entry: &AuditEntry) -> Result<i64>;
    /// The records `filter` selects, newest first.
    fn audit_entries(&mut self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
    /// Removes records older than `before`, and failed sign-ins beyond the newest
    /// `keep_failed_sign_ins`; returns how many went.
    fn prune_audit(&mut self, before: DateTime<Utc>, keep_failed_sign_ins: u64) -> Result<u64>;
}
