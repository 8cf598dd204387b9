//! Administration (admins only; everyone else gets 403 before the body is read): users and
//! their sign-ins ([`users`]), org units, grids and the category tree ([`org`]), and the audit
//! log ([`audit`]), to which every admin action adds a record in the same transaction as its change. Every org
//! change goes through `OrgTx`, which logs it for pull and moves `org_version`, so devices and
//! every server process pick it up.
//!
//! Changes that would strand existing records are refused rather than half-applied: a unit
//! cannot move to another parent (the org paths stored with its cases would go stale), and a
//! category tree cannot drop a leaf that open cases still carry.

mod audit;
mod org;
mod users;

pub use audit::*;
pub use org::*;
pub use users::*;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use yiwang_core::org::Role;

/// The signed-in caller, who must be an admin: checked before the request body is read, so a
/// non-admin learns nothing from validation errors.
pub struct Admin(pub AuthUser);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let me = AuthUser::from_request_parts(parts, state).await?;
        me.require(&[Role::Admin])?;
        Ok(Admin(me))
    }
}
