//! Users, bearer tokens and sign-in throttling.

use super::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use yiwang_core::ids::{DepartmentId, DeviceId, GridId, OrgUnitId, UserId};
use yiwang_core::org::{Actor, Role};
use yiwang_core::sync::UserInfo;

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
    pub revoked: bool,
}

pub trait AuthTx {
    fn insert_user(&mut self, u: &StoredUser, now: DateTime<Utc>) -> Result<()>;
    fn update_user(&mut self, u: &StoredUser) -> Result<()>;
    fn user_by_name(&mut self, username: &str) -> Result<Option<StoredUser>>;
    fn user_by_id(&mut self, id: &UserId) -> Result<Option<StoredUser>>;
    fn users(&mut self) -> Result<Vec<StoredUser>>;
    fn insert_token(
        &mut self,
        token_hash: &str,
        user: &UserId,
        device: &DeviceId,
        device_name: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Looks a token up by its hash.
    fn token(&mut self, token_hash: &str) -> Result<Option<TokenRow>>;
    /// Revokes one token; false when there was no live token with that hash.
    fn revoke_token(&mut self, token_hash: &str, now: DateTime<Utc>) -> Result<bool>;
    /// Revokes every token of a user (password change, disabling).
    fn revoke_user_tokens(&mut self, user: &UserId, now: DateTime<Utc>) -> Result<u64>;
    fn record_login_failure(&mut self, username: &str, now: DateTime<Utc>) -> Result<()>;
    fn login_failures_since(&mut self, username: &str, since: DateTime<Utc>) -> Result<u64>;
    fn clear_login_failures(&mut self, username: &str) -> Result<()>;
}
