//! Who gets in: sign-in, bearer tokens and their lifetimes, the sign-in throttle, passwords.
//!
//! Passwords are argon2id hashes, hashed and checked a few at a time ([`passwords`]). A token is
//! 32 random bytes (base64url) handed out once at sign-in, bound to the device that signed in,
//! and stored only as its SHA-256, so it can be revoked and a copy of the database does not leak
//! sessions.
//!
//! Tokens end ([`token_is_live`]): a console session after [`CONSOLE_IDLE`] without use and
//! [`CONSOLE_MAX`] after sign-in at the latest; a device's sign-in after [`DEVICE_IDLE`]
//! without use (a worker's phone must keep syncing through weeks without signal, and the
//! county can revoke a lost one at once). Use is recorded at most every [`TOUCH_EVERY`].
//!
//! Sign-in attempts are counted in the ledger, not in memory, so the throttle ([`throttle`])
//! holds across server processes; the caller's address comes from [`address`].

pub mod address;
mod handlers;
pub mod passwords;
pub mod throttle;

pub use handlers::*;
pub use passwords::{hash_password, verify_password, PasswordGate};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::auth::{StoredUser, TokenRow};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use yiwang_core::ids::DeviceId;
use yiwang_core::org::Role;
use yiwang_core::sync::ClientKind;

/// A console session ends after this long without a request.
pub const CONSOLE_IDLE: Duration = Duration::hours(12);
/// A console session ends this long after sign-in, however much it is used.
pub const CONSOLE_MAX: Duration = Duration::days(7);
/// A device's sign-in ends after this long without a request.
pub const DEVICE_IDLE: Duration = Duration::days(90);
/// `last_used_at` is written when it is older than this (not on every request).
pub const TOUCH_EVERY: Duration = Duration::minutes(5);

/// Whether a token still signs requests in at `now`.
pub fn token_is_live(t: &TokenRow, now: DateTime<Utc>) -> bool {
    if t.revoked_at.is_some() {
        return false;
    }
    match t.kind {
        ClientKind::Console => {
            now < t.last_used_at + CONSOLE_IDLE && t.expires_at.is_none_or(|end| now < end)
        }
        ClientKind::Device => now < t.last_used_at + DEVICE_IDLE,
    }
}

/// The absolute end of a new token of `kind` issued at `now`.
pub fn token_expiry(kind: ClientKind, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match kind {
        ClientKind::Console => Some(now + CONSOLE_MAX),
        ClientKind::Device => None,
    }
}

/// SHA-256 of a bearer token, hex: what the ledger stores.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The signed-in caller of a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: StoredUser,
    pub device_id: DeviceId,
    pub kind: ClientKind,
    pub token_hash: String,
}

impl AuthUser {
    /// An audit record of `action` by this caller from `address` at `at`.
    pub fn audit(
        &self,
        at: DateTime<Utc>,
        action: &str,
        address: &str,
    ) -> crate::storage::audit_log::AuditEntry {
        crate::storage::audit_log::AuditEntry::new(
            at,
            Some(crate::storage::audit_log::AuditActor::of(&self.user)),
            action,
            address,
        )
    }

    /// Refuses with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs one of the roles {}",
                roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::Unauthenticated)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(ApiError::Unauthenticated)?;
        let hash = token_hash(token);
        let h = hash.clone();
        let now = state.now();
        let found = state
            .ledger
            .read(move |tx| {
                let Some(t) = tx.token(&h)? else {
                    return Ok(None);
                };
                if !token_is_live(&t, now) {
                    return Ok(None);
                }
                Ok(tx.user_by_id(&t.user_id)?.map(|u| (u, t)))
            })
            .await?;
        let Some((user, t)) = found.filter(|(u, _)| !u.disabled) else {
            return Err(ApiError::Unauthenticated);
        };
        if now - t.last_used_at >= TOUCH_EVERY {
            let h = hash.clone();
            if let Err(e) = state.ledger.write(move |tx| tx.touch_token(&h, now)).await {
                // The request goes on: the next one records the use.
                tracing::warn!(error = %e, "recording a token's use failed");
            }
        }
        Ok(AuthUser {
            user,
            device_id: t.device_id,
            kind: t.kind,
            token_hash: hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiwang_core::ids::UserId;

    fn row(kind: ClientKind, issued: DateTime<Utc>, used: DateTime<Utc>) -> TokenRow {
        TokenRow {
            user_id: UserId("u".into()),
            device_id: DeviceId("d".into()),
            device_name: String::new(),
            kind,
            created_at: issued,
            last_used_at: used,
            expires_at: token_expiry(kind, issued),
            revoked_at: None,
        }
    }

    #[test]
    fn console_sessions_end_when_idle_and_after_a_week() {
        let t0: DateTime<Utc> = "2026-03-02T08:00:00Z".parse().unwrap();
        let c = row(ClientKind::Console, t0, t0);
        assert!(token_is_live(&c, t0 + Duration::hours(11)));
        assert!(!token_is_live(&c, t0 + Duration::hours(12)), "idle 12 h");
        let used = row(
            ClientKind::Console,
            t0,
            t0 + Duration::days(7) - Duration::hours(1),
        );
        assert!(token_is_live(
            &used,
            t0 + Duration::days(7) - Duration::minutes(1)
        ));
        assert!(
            !token_is_live(&used, t0 + Duration::days(7)),
            "a week at the most, however busy"
        );
    }

    #[test]
    fn device_sign_ins_slide_and_revocation_ends_anything() {
        let t0: DateTime<Utc> = "2026-03-02T08:00:00Z".parse().unwrap();
        let d = row(ClientKind::Device, t0, t0 + Duration::days(300));
        assert!(token_is_live(&d, t0 + Duration::days(389)), "used lately");
        assert!(!token_is_live(&d, t0 + Duration::days(390)), "90 idle days");
        let mut r = row(ClientKind::Device, t0, t0);
        r.revoked_at = Some(t0);
        assert!(!token_is_live(&r, t0));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "32 bytes in unpadded base64url");
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a, "the stored form is not the token");
    }
}
