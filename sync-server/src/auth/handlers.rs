//! `POST /api/v1/auth/login`, `logout`, `password` and `GET /api/v1/auth/me`.

use super::address::{ClientAddr, ClientIp};
use super::throttle::{self, Verdict};
use super::{new_token, token_expiry, token_hash, AuthUser};
use crate::error::{ApiError, ApiResult, JsonBody};
use crate::limits::{MAX_DEVICE_NAME_CHARS, MAX_ID_CHARS, MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS};
use crate::state::{AppState, Metrics};
use crate::storage::audit_log::{AuditActor, AuditEntry};
use crate::storage::auth::{AttemptEnd, NewToken, StoredUser};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use yiwang_core::error::ErrorCode;
use yiwang_core::sync::{ClientKind, ErrorBody, LoginRequest, LoginResponse, UserInfo};

/// Shortest password anyone may set.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest new password, in characters (256 four-byte characters fill `MAX_PASSWORD_BYTES`).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Sign-in attempts are kept this long.
pub const ATTEMPTS_KEPT: Duration = Duration::days(1);

/// Checks the sizes of a sign-in's fields before anything is counted or hashed.
fn check_login(req: &LoginRequest) -> ApiResult<()> {
    let bad = |m: String| Err(ApiError::unprocessable(ErrorCode::InvalidBody, m));
    let name = req.username.trim();
    if name.is_empty() || name.chars().count() > MAX_USERNAME_CHARS {
        return bad(format!("username: 1 to {MAX_USERNAME_CHARS} characters"));
    }
    if name.chars().any(char::is_control) {
        return bad("username: no control characters".into());
    }
    if req.password.len() > MAX_PASSWORD_BYTES {
        return bad(format!("password: at most {MAX_PASSWORD_BYTES} bytes"));
    }
    let device = req.device_id.as_str().trim();
    if device.is_empty() || device.chars().count() > MAX_ID_CHARS {
        return bad(format!("device_id: 1 to {MAX_ID_CHARS} characters"));
    }
    if req.device_name.chars().count() > MAX_DEVICE_NAME_CHARS {
        return bad(format!(
            "device_name: at most {MAX_DEVICE_NAME_CHARS} characters"
        ));
    }
    Ok(())
}

/// An attempt reserved in the ledger. Ended explicitly; one dropped on the way (the password
/// gate was full, the client went away) is removed, so it counts against nobody.
struct Attempt {
    state: AppState,
    id: Option<i64>,
}

impl Attempt {
    /// Ends the attempt; `audit` is recorded in the same transaction.
    async fn end(mut self, end: AttemptEnd, audit: Option<AuditEntry>) -> ApiResult<()> {
        let id = self.id.take().expect("an attempt ends once");
        self.state
            .ledger
            .write(move |tx| {
                tx.end_login_attempt(id, end)?;
                if let Some(a) = &audit {
                    tx.record_audit(a)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let ledger = self.state.ledger.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    if let Err(e) = ledger
                        .write(move |tx| tx.end_login_attempt(id, AttemptEnd::Abandoned))
                        .await
                    {
                        // Counted as a failure once it is two minutes old.
                        tracing::warn!(error = %e, "removing an unchecked sign-in attempt failed");
                    }
                });
            }
        }
    }
}

/// The throttle's verdict as the ledger stands, without reserving anything: turns a throttled
/// caller away before it waits for a hashing turn.
async fn precheck(
    state: &AppState,
    username: &str,
    address: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let (username, address) = (username.to_owned(), address.to_owned());
    let counts = state
        .ledger
        .read(move |tx| tx.login_counts(&username, &address, now))
        .await?;
    match throttle::decide(&counts, now) {
        Verdict::Allow => Ok(()),
        Verdict::Wait(wait) => Err(throttled(state, wait)),
    }
}

fn throttled(state: &AppState, wait: Duration) -> ApiError {
    Metrics::add(&state.metrics.logins_throttled, 1);
    ApiError::Throttled {
        retry_after_secs: throttle::retry_after_secs(wait),
    }
}

/// Checks a password under the sign-in throttle: turns a throttled caller away, waits for a
/// hashing turn, then — holding it — counts the attempts before this one and reserves this one
/// in one write transaction (so parallel attempts see each other, and at most as many are in
/// flight as there are hashing threads), and checks. Prunes attempts older than a day.
async fn checked_attempt(
    state: &AppState,
    username: &str,
    address: &str,
    password: String,
    phc: Option<String>,
) -> ApiResult<(Attempt, bool)> {
    let now = state.now();
    precheck(state, username, address, now).await?;
    let slot = state.passwords.slot().await?;
    let (name, addr) = (username.to_owned(), address.to_owned());
    let reserved = state
        .ledger
        .write(move |tx| {
            tx.prune_login_attempts(now - ATTEMPTS_KEPT)?;
            let counts = tx.login_counts(&name, &addr, now)?;
            match throttle::decide(&counts, now) {
                Verdict::Wait(wait) => Ok(Err(wait)),
                Verdict::Allow => Ok(Ok(tx.begin_login_attempt(&name, &addr, now)?)),
            }
        })
        .await?;
    let attempt = match reserved {
        Ok(id) => Attempt {
            state: state.clone(),
            id: Some(id),
        },
        Err(wait) => return Err(throttled(state, wait)),
    };
    let ok = slot.verify(password, phc).await?;
    Ok((attempt, ok))
}

/// `POST /api/v1/auth/login`
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
              (status = 401, body = ErrorBody, description = "bad_credentials"),
              (status = 422, body = ErrorBody, description = "invalid_body"),
              (status = 429, body = ErrorBody, description = "too_many_attempts (Retry-After)"),
              (status = 503, body = ErrorBody, description = "unavailable: too many sign-ins at once (Retry-After)")))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ClientIp(ip): ClientIp,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    check_login(&req)?;
    let username = req.username.trim().to_owned();
    let name = username.clone();
    let user = state.ledger.read(move |tx| tx.user_by_name(&name)).await?;
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    let (attempt, ok) = checked_attempt(&state, &username, &address, req.password, phc).await?;
    let now = state.now();
    let demo_refused = user
        .as_ref()
        .is_some_and(|u| u.demo_password && !state.settings.demo_mode);
    let user = match user {
        Some(u) if ok && !u.disabled && !demo_refused => u,
        _ => {
            // Only attempts the throttle let through get here: a throttled flood writes nothing.
            let reason = match &user {
                None => "unknown_user",
                Some(_) if !ok => "wrong_password",
                Some(u) if u.disabled => "disabled",
                Some(_) => "demo_password",
            };
            let audit = AuditEntry::new(now, None, "sign_in_failed", &ip)
                .target(username.as_str())
                .detail(serde_json::json!({
                    "reason": reason, "client": req.client, "device_id": req.device_id,
                }));
            attempt.end(AttemptEnd::Failed, Some(audit)).await?;
            Metrics::add(&state.metrics.login_failures, 1);
            return Err(ApiError::BadCredentials);
        }
    };
    attempt.end(AttemptEnd::Succeeded, None).await?;
    let token = new_token();
    let audit = AuditEntry::new(now, Some(AuditActor::of(&user)), "sign_in", &ip)
        .target(user.id.0.as_str())
        .detail(serde_json::json!({
            "client": req.client, "device_id": req.device_id, "device_name": req.device_name.trim(),
        }));
    let hash = token_hash(&token);
    let (uid, device, name, kind) = (
        user.id.clone(),
        req.device_id.clone(),
        req.device_name.trim().to_owned(),
        req.client,
    );
    state
        .ledger
        .write(move |tx| {
            tx.insert_token(
                &NewToken {
                    token_hash: &hash,
                    user: &uid,
                    device: &device,
                    device_name: &name,
                    kind,
                    expires_at: token_expiry(kind, now),
                },
                now,
            )?;
            tx.record_audit(&audit)?;
            Ok(())
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
pub async fn logout(
    State(state): State<AppState>,
    me: AuthUser,
    ClientIp(ip): ClientIp,
) -> ApiResult<StatusCode> {
    let now = state.now();
    let audit = me
        .audit(now, "sign_out", &ip)
        .target(me.user.id.0.as_str())
        .detail(serde_json::json!({"client": me.kind, "device_id": me.device_id}));
    state
        .ledger
        .write(move |tx| {
            tx.revoke_token(&me.token_hash, now)?;
            tx.record_audit(&audit)?;
            Ok(())
        })
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

/// Checks a new password's length: `422 weak_password` or `invalid_body`.
pub fn check_new_password(password: &str) -> ApiResult<()> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            format!("password: at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(ApiError::unprocessable(
            ErrorCode::InvalidBody,
            format!("password: at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::unprocessable(
            ErrorCode::WeakPassword,
            format!("password: at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Body of `POST /api/v1/auth/password`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Answer to a password change or reset.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PasswordChanged {
    /// Sign-ins ended by the change.
    pub revoked_tokens: u64,
}

/// Stores a new password hash for `user` (no longer the demo password) and revokes tokens of
/// `kind` (all kinds when `None`) but `except`.
pub fn store_password(
    tx: &mut dyn crate::storage::LedgerTx,
    user: &StoredUser,
    hash: String,
    revoke: Option<ClientKind>,
    except: Option<&str>,
    now: DateTime<Utc>,
) -> crate::storage::Result<u64> {
    let mut user = user.clone();
    user.password_hash = hash;
    user.demo_password = false;
    tx.update_user(&user)?;
    tx.revoke_user_tokens(&user.id, revoke, except, now)
}

/// `POST /api/v1/auth/password`: the caller changes their own password. The current one is
/// checked under the sign-in throttle (a stolen session must not become a guessing oracle);
/// the caller's other console sessions end, their devices stay signed in.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth",
    request_body = ChangePassword,
    responses((status = 200, body = PasswordChanged),
              (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 403, body = ErrorBody, description = "wrong_password"),
              (status = 422, body = ErrorBody, description = "weak_password, invalid_body"),
              (status = 429, body = ErrorBody, description = "too_many_attempts (Retry-After)"),
              (status = 503, body = ErrorBody, description = "unavailable (Retry-After)")))]
pub async fn change_password(
    State(state): State<AppState>,
    me: AuthUser,
    ClientAddr(address): ClientAddr,
    ClientIp(ip): ClientIp,
    JsonBody(req): JsonBody<ChangePassword>,
) -> ApiResult<Json<PasswordChanged>> {
    check_new_password(&req.new_password)?;
    if req.current_password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::Denied {
            code: ErrorCode::WrongPassword,
            message: "the current password is wrong".into(),
        });
    }
    if req.new_password == req.current_password {
        return Err(ApiError::unprocessable(
            ErrorCode::WeakPassword,
            "the new password must differ from the current one",
        ));
    }
    let phc = me.user.password_hash.clone();
    let (attempt, ok) = checked_attempt(
        &state,
        &me.user.username,
        &address,
        req.current_password,
        Some(phc),
    )
    .await?;
    if !ok {
        attempt.end(AttemptEnd::Failed, None).await?;
        return Err(ApiError::Denied {
            code: ErrorCode::WrongPassword,
            message: "the current password is wrong".into(),
        });
    }
    attempt.end(AttemptEnd::Succeeded, None).await?;
    let hash = state.passwords.hash(req.new_password).await?;
    let now = state.now();
    let audit = me
        .audit(now, "password_change", &ip)
        .target(me.user.id.0.as_str());
    let revoked_tokens = state
        .ledger
        .write(move |tx| {
            // As stored now, not as read at the start of the request.
            let user = tx
                .user_by_id(&me.user.id)?
                .ok_or(crate::storage::StorageError::NotFound("user"))?;
            let revoked = store_password(
                tx,
                &user,
                hash,
                Some(ClientKind::Console),
                Some(&me.token_hash),
                now,
            )?;
            tx.record_audit(&audit.detail(serde_json::json!({"revoked_tokens": revoked})))?;
            Ok(revoked)
        })
        .await?;
    Ok(Json(PasswordChanged { revoked_tokens }))
}
