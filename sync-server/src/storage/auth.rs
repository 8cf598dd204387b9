//! Users, bearer tokens and sign-in throttling.

use super::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use yiwang_core::ids::{DepartmentId, DeviceId, GridId, OrgUnitId, UserId};
use yiwang_core::org::{Actor, Role};
use yiwang_core::sync::{ClientKind, UserInfo};

/// A user as stored (with the password hash, which never leaves the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_unit_id: Option<OrgUnitId>,
    pub department_id: Option<DepartmentId>,
    pub grid_ids: Vec<GridId>,
    #[serde(skip_serializing)]
    pub password_hash: String,
    /// Seeded by `demo` with the well-known password; refused outside demo mode.
    pub demo_password: bool,
    pub disabled: bool,
}

impl StoredUser {
    /// The user as the workflow sees them.
    pub fn actor(&self) -> Actor {
        Actor::new(
            self.id.clone(),
            self.role,
            self.org_unit_id.clone(),
            self.department_id.clone(),
            self.grid_ids.clone(),
        )
    }

    /// The user as devices and the console see them.
    pub fn info(&self) -> UserInfo {
        UserInfo {
            id: self.id.clone(),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            org_unit_id: self.org_unit_id.clone(),
            department_id: self.department_id.clone(),
            grid_ids: self.grid_ids.clone(),
        }
    }
}

/// A bearer token's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub user_id: UserId,
    pub device_id: DeviceId,
    pub device_name: String,
    pub kind: ClientKind,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    /// A console session's absolute end; `None` for a device.
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// How a new token is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken<'a> {
    pub token_hash: &'a str,
    pub user: &'a UserId,
    pub device: &'a DeviceId,
    pub device_name: &'a str,
    pub kind: ClientKind,
    pub expires_at: Option<DateTime<Utc>>,
}

/// How a sign-in attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptEnd {
    Succeeded,
    Failed,
    /// The password was never checked.
    Abandoned,
}

/// What the sign-in throttle counts before an attempt ([`crate::auth::throttle`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttemptCounts {
    /// This account from this address, since the last success, within the day: failures (a
    /// pending attempt older than two minutes counts as one: its process died), the newest
    /// failure, and attempts being checked now.
    pub pair_failures: u32,
    pub pair_last: Option<DateTime<Utc>>,
    pub pair_pending: u32,
    /// This address, any account, within the hour.
    pub address_failures: u32,
    pub address_last: Option<DateTime<Utc>>,
    pub address_pending: u32,
    /// This account, any address, within the hour.
    pub account_failures: u32,
}

pub trait AuthTx {
    fn insert_user(&mut self, u: &StoredUser, now: DateTime<Utc>) -> Result<()>;
    fn update_user(&mut self, u: &StoredUser) -> Result<()>;
    fn user_by_name(&mut self, username: &str) -> Result<Option<StoredUser>>;
    fn user_by_id(&mut self, id: &UserId) -> Result<Option<StoredUser>>;
    fn users(&mut self) -> Result<Vec<StoredUser>>;
    fn insert_token(&mut self, t: &NewToken<'_>, now: DateTime<Utc>) -> Result<()>;
    /// Looks a token up by its hash.
    fn token(&mut self, token_hash: &str) -> Result<Option<TokenRow>>;
    /// Records that a token was used at `now`.
    fn touch_token(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<()>;
    /// Revokes one token; false when there was no live token with that hash.
    fn revoke_token(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<bool>;
    /// Revokes a user's live tokens of `kind` (every kind when `None`), but `except`.
    fn revoke_user_tokens(
        &mut self,
        user: &UserId,
        kind: Option<ClientKind>,
        except: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<u64>;
    /// Revokes every live token one device of a user holds.
    fn revoke_device(
        &mut self,
        user: &UserId,
        device: &DeviceId,
        now: DateTime<Utc>,
    ) -> Result<u64>;
    /// Every token a user was ever given, newest first.
    fn user_tokens(&mut self, user: &UserId) -> Result<Vec<TokenRow>>;
    /// The throttle's counts for a sign-in as `username` from `address` at `now`.
    fn login_counts(
        &mut self,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<AttemptCounts>;
    /// Reserves an attempt (`pending`): its id.
    fn begin_login_attempt(
        &mut self,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<i64>;
    /// Ends an attempt: a failure stays as `failed`; a success removes it and the failures of
    /// the same account from the same address; an attempt never checked (the server was too busy,
    /// the client went away) is removed.
    fn end_login_attempt(&mut self, id: i64, end: AttemptEnd) -> Result<()>;
    /// Removes attempts made before `before`: how many.
    fn prune_login_attempts(&mut self, before: DateTime<Utc>) -> Result<u64>;
}
