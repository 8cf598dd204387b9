//! Sign-in and bearer tokens.
//!
//! Passwords are argon2id hashes. A token is 32 random bytes (base64url) handed out once at
//! sign-in, bound to the device that signed in, and stored only as its SHA-256, so it can be
//! revoked and a copy of the database does not leak sessions. Failed sign-ins are counted in
//! the ledger (not in memory), so throttling holds across server processes.

use crate::error::{ApiError, ApiResult, JsonBody};
use crate::state::{AppState, Metrics};
use crate::storage::auth::StoredUser;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine;
use chrono::Duration;
use rand::RngCore;
use sha2::{Digest, Sha256};
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::DeviceId;
use yiwang_core::org::Role;
use yiwang_core::sync::ErrorBody;
use yiwang_core::sync::{LoginRequest, LoginResponse, UserInfo};

/// Failed sign-ins for one user name allowed within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_FAILURES: u64 = 5;
pub const THROTTLE_WINDOW_MINUTES: i64 = 10;

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Checks a password against a PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
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

/// A hash to verify against when the user does not exist, so a wrong user name takes as long
/// as a wrong password.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not a password").expect("hashing works"))
}

/// The signed-in caller of a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: StoredUser,
    pub device_id: DeviceId,
    pub token_hash: String,
}

impl AuthUser {
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
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Unauthenticated)?;
        let hash = token_hash(token);
        let h = hash.clone();
        let found = state
            .ledger
            .read(move |tx| {
                let Some(t) = tx.token(&h)? else {
                    return Ok(None);
                };
                if t.revoked {
                    return Ok(None);
                }
                Ok(tx.user_by_id(&t.user_id)?.map(|u| (u, t.device_id)))
            })
            .await?;
        match found {
            Some((user, device_id)) if !user.disabled => Ok(AuthUser {
                user,
                device_id,
                token_hash: hash,
            }),
            _ => Err(ApiError::Unauthenticated),
        }
    }
}

/// `POST /api/v1/auth/login`
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
              (status = 401, body = ErrorBody, description = "bad_credentials"),
              (status = 422, body = ErrorBody, description = "invalid_body"),
              (status = 429, body = ErrorBody, description = "too_many_attempts")))]
pub async fn login(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    if req.username.trim().is_empty() || req.device_id.as_str().trim().is_empty() {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            "username and device_id are required",
        ));
    }
    let now = state.now();
    let since = now - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let username = req.username.clone();
    let (failures, user) = state
        .ledger
        .read(move |tx| {
            Ok((
                tx.login_failures_since(&username, since)?,
                tx.user_by_name(&username)?,
            ))
        })
        .await?;
    if failures >= MAX_FAILURES {
        return Err(ApiError::Throttled {
            retry_after_secs: THROTTLE_WINDOW_MINUTES as u64 * 60,
        });
    }
    let password = req.password.clone();
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || {
        verify_password(&password, phc.as_deref().unwrap_or_else(|| dummy_hash()))
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?;
    let demo_refused = user
        .as_ref()
        .is_some_and(|u| u.demo_password && !state.settings.demo_mode);
    let user = match user {
        Some(u) if ok && !u.disabled && !demo_refused => u,
        _ => {
            let username = req.username.clone();
            state
                .ledger
                .write(move |tx| tx.record_login_failure(&username, now))
                .await?;
            Metrics::add(&state.metrics.login_failures, 1);
            return Err(ApiError::BadCredentials);
        }
    };
    let token = new_token();
    let hash = token_hash(&token);
    let (uid, device, name, username) = (
        user.id.clone(),
        req.device_id.clone(),
        req.device_name.clone(),
        req.username.clone(),
    );
    state
        .ledger
        .write(move |tx| {
            tx.insert_token(&hash, &uid, &device, &name, now)?;
            tx.clear_login_failures(&username)
        })
        .await?;
    Metrics::add(&state.metrics.logins, 1);
    Ok(Json(LoginResponse {
        token,
        user: user.info(),
    }))
}

/// `POST /api/v1/auth/logout`: revokes the caller's token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody, description = "unauthenticated")))]
pub async fn logout(State(state): State<AppState>, me: AuthUser) -> ApiResult<StatusCode> {
    let now = state.now();
    state
        .ledger
        .write(move |tx| tx.revoke_token(&me.token_hash, now))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/auth/me`
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = UserInfo, description = "the signed-in user"),
              (status = 401, body = ErrorBody, description = "unauthenticated")))]
pub async fn me(me: AuthUser) -> Json<UserInfo> {
    Json(me.user.info())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("demo").unwrap();
        assert!(h.starts_with("$argon2id$"), "argon2id is the algorithm");
        assert!(verify_password("demo", &h));
        assert!(!verify_password("Demo", &h), "case matters");
        assert!(
            !verify_password("demo", "not a phc string"),
            "garbage never verifies"
        );
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
