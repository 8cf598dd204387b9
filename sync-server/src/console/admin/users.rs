//! Users: list, create, disable and enable; reset a password; list a user's signed-in
//! devices and revoke one.

use super::Admin;
use crate::auth::address::ClientIp;
use crate::auth::{check_new_password, store_password, PasswordChanged};
use crate::console::query::invalid_input;
use crate::console::tx::{read, write};
use crate::error::{ApiError, ApiResult, JsonBody};
use crate::limits::{MAX_DISPLAY_NAME_CHARS, MAX_USERNAME_CHARS};
use crate::state::AppState;
use crate::storage::auth::{StoredUser, TokenRow};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::{DepartmentId, DeviceId, GridId, OrgUnitId, UserId};
use yiwang_core::org::{OrgLevel, OrgTree, Role};
use yiwang_core::sync::{ClientKind, ErrorBody, UserInfo};

/// A user as the admin pages show them (never the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AdminUserView {
    #[serde(flatten)]
    pub user: UserInfo,
    pub disabled: bool,
    pub demo_password: bool,
}

impl From<&StoredUser> for AdminUserView {
    fn from(u: &StoredUser) -> Self {
        AdminUserView {
            user: u.info(),
            disabled: u.disabled,
            demo_password: u.demo_password,
        }
    }
}

/// `GET /api/v1/admin/users`
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    responses((status = 200, body = Vec<AdminUserView>), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden")))]
pub async fn list_users(
    State(state): State<AppState>,
    _admin: Admin,
) -> ApiResult<Json<Vec<AdminUserView>>> {
    let users = read(&state, |tx| Ok(tx.users()?)).await?;
    Ok(Json(users.iter().map(AdminUserView::from).collect()))
}

/// Body of `POST /api/v1/admin/users`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(min_length = 1, max_length = 64, pattern = r"^[^\s\x00-\x1f\x7f]+$")]
    pub username: String,
    #[schema(max_length = 64)]
    pub display_name: Option<String>,
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
    #[schema(value_type = yiwang_core::org::Role)]
    pub role: String,
    pub org_unit_id: Option<OrgUnitId>,
    pub department_id: Option<DepartmentId>,
    #[serde(default)]
    pub grid_ids: Vec<GridId>,
}

/// The org level a role's unit must be at (`None`: any level).
fn unit_level_for(role: Role) -> Option<OrgLevel> {
    match role {
        Role::GridWorker | Role::Community => Some(OrgLevel::Community),
        Role::Township => Some(OrgLevel::Township),
        Role::Center => Some(OrgLevel::County),
        // A leader reads the subtree of whichever unit they lead; an admin belongs to the root
        // (the county, or the city above a province's counties), checked by the caller.
        Role::Leader | Role::Department | Role::Admin => None,
    }
}

/// Checks a new user's affiliation against the org tree.
fn check_affiliation(req: &CreateUser, role: Role, org: &OrgTree) -> ApiResult<()> {
    if role == Role::Department {
        let d = req
            .department_id
            .as_ref()
            .ok_or_else(|| invalid_input("department_id: required for a department user"))?;
        if org.department(d).is_none() {
            return Err(invalid_input(format!(
                "department_id: there is no department {d}"
            )));
        }
        if req.org_unit_id.is_some() {
            return Err(invalid_input(
                "org_unit_id: a department user belongs to a department, not an org unit",
            ));
        }
    } else {
        if req.department_id.is_some() {
            return Err(invalid_input(
                "department_id: only department users belong to a department",
            ));
        }
        let unit_id = req
            .org_unit_id
            .as_ref()
            .ok_or_else(|| invalid_input("org_unit_id: required"))?;
        let unit = org
            .unit(unit_id)
            .ok_or_else(|| invalid_input(format!("org_unit_id: there is no unit {unit_id}")))?;
        if role == Role::Admin && org.root().map(|r| &r.id) != Some(unit_id) {
            return Err(invalid_input(format!(
                "org_unit_id: an admin belongs to the root unit, and {unit_id} is below it"
            )));
        }
        if let Some(level) = unit_level_for(role) {
            if unit.level != level {
                return Err(invalid_input(format!(
                    "org_unit_id: a {} belongs to a {level:?} unit, and {unit_id} is a {:?}",
                    role.as_str(),
                    unit.level
                )));
            }
        }
    }
    if role == Role::GridWorker {
        if req.grid_ids.is_empty() {
            return Err(invalid_input("grid_ids: a grid worker needs a grid"));
        }
        for g in &req.grid_ids {
            match org.community_of(g) {
                None => return Err(invalid_input(format!("grid_ids: there is no grid {g}"))),
                Some(c) if Some(c) != req.org_unit_id.as_ref() => {
                    return Err(invalid_input(format!(
                        "grid_ids: grid {g} is not in the worker's community"
                    )))
                }
                Some(_) => {}
            }
        }
    } else if !req.grid_ids.is_empty() {
        return Err(invalid_input("grid_ids: only grid workers own grids"));
    }
    Ok(())
}

/// `POST /api/v1/admin/users`: creates a user with an argon2id password. A grid worker becomes
/// the worker of the grids named (and they leave any previous worker's list).
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin",
    request_body = CreateUser,
    responses((status = 201, body = AdminUserView), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 409, body = ErrorBody, description = "username_taken"),
              (status = 422, body = ErrorBody, description = "invalid_input, weak_password, invalid_body")))]
pub async fn create_user(
    State(state): State<AppState>,
    Admin(me): Admin,
    ClientIp(ip): ClientIp,
    JsonBody(req): JsonBody<CreateUser>,
) -> ApiResult<Response> {
    let username = req.username.trim().to_owned();
    if username.is_empty()
        || username.chars().count() > MAX_USERNAME_CHARS
        || username
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid_input(format!(
            "username: 1 to {MAX_USERNAME_CHARS} characters, without spaces"
        )));
    }
    if let Some(d) = &req.display_name {
        if d.trim().chars().count() > MAX_DISPLAY_NAME_CHARS {
            return Err(invalid_input(format!(
                "display_name: at most {MAX_DISPLAY_NAME_CHARS} characters"
            )));
        }
    }
    let role = Role::parse(&req.role).ok_or_else(|| {
        invalid_input(format!(
            "role: {:?} is not one of {}",
            req.role,
            Role::ALL.map(|r| r.as_str()).join(", ")
        ))
    })?;
    check_new_password(&req.password)?;
    let hash = state.passwords.hash(req.password.clone()).await?;
    let now = state.now();
    let st = state.clone();
    let user = write(&state, move |tx| {
        let reference = st.reference(tx)?;
        check_affiliation(&req, role, &reference.org)?;
        let id = UserId(username.clone());
        if tx.user_by_name(&username)?.is_some() || tx.user_by_id(&id)?.is_some() {
            return Err(ApiError::Conflict {
                code: ErrorCode::UsernameTaken,
                message: format!("the user name {username} is taken; choose another"),
            });
        }
        let user = StoredUser {
            id: id.clone(),
            display_name: req
                .display_name
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .unwrap_or(&username)
                .to_owned(),
            username,
            role,
            org_unit_id: req.org_unit_id.clone(),
            department_id: req.department_id.clone(),
            grid_ids: req.grid_ids.clone(),
            password_hash: hash,
            demo_password: false,
            disabled: false,
        };
        tx.insert_user(&user, now)?;
        let audit = me
            .audit(now, "user_create", &ip)
            .target(user.id.0.as_str())
            .detail(serde_json::json!({
                "username": user.username, "role": user.role, "org_unit_id": user.org_unit_id,
                "department_id": user.department_id, "grid_ids": user.grid_ids,
            }));
        tx.record_audit(&audit)?;
        // One worker per grid: the new worker takes the grids over.
        for g in &user.grid_ids {
            if let Some(grid) = reference.org.grid(g) {
                let mut grid = grid.clone();
                grid.worker_id = Some(id.clone());
                tx.upsert_grid(&grid)?;
            }
        }
        if !user.grid_ids.is_empty() {
            for mut other in tx.users()? {
                if other.id != id && other.grid_ids.iter().any(|g| user.grid_ids.contains(g)) {
                    other.grid_ids.retain(|g| !user.grid_ids.contains(g));
                    tx.update_user(&other)?;
                }
            }
        }
        Ok(user)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(AdminUserView::from(&user))).into_response())
}

/// Answer to `POST /api/v1/admin/users/{id}/disable`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Disabled {
    pub user: AdminUserView,
    /// Live tokens revoked: the user's devices are signed out now.
    pub revoked_tokens: u64,
}

/// `POST /api/v1/admin/users/{id}/disable`: the user can no longer sign in, and every token
/// they hold stops working.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/disable", tag = "admin",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = Disabled), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 404, body = ErrorBody, description = "not_found"),
              (status = 422, body = ErrorBody, description = "cannot_disable_self")))]
pub async fn disable_user(
    State(state): State<AppState>,
    Admin(me): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<Json<Disabled>> {
    let id = UserId(id);
    if id == me.user.id {
        return Err(ApiError::unprocessable(
            ErrorCode::CannotDisableSelf,
            "you cannot disable your own account; ask another admin",
        ));
    }
    let now = state.now();
    let out = write(&state, move |tx| {
        let mut user = tx
            .user_by_id(&id)?
            .ok_or(ApiError::NotFound { what: "user" })?;
        user.disabled = true;
        tx.update_user(&user)?;
        let revoked_tokens = tx.revoke_user_tokens(&id, None, None, now)?;
        let audit = me
            .audit(now, "user_disable", &ip)
            .target(id.0.as_str())
            .detail(serde_json::json!({"revoked_tokens": revoked_tokens}));
        tx.record_audit(&audit)?;
        Ok(Disabled {
            user: AdminUserView::from(&user),
            revoked_tokens,
        })
    })
    .await?;
    Ok(Json(out))
}

/// `POST /api/v1/admin/users/{id}/enable`: a disabled user may sign in again (their old
/// sign-ins stay ended).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/enable", tag = "admin",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = AdminUserView), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 404, body = ErrorBody, description = "not_found")))]
pub async fn enable_user(
    State(state): State<AppState>,
    Admin(me): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminUserView>> {
    let id = UserId(id);
    let now = state.now();
    let user = write(&state, move |tx| {
        let mut user = tx
            .user_by_id(&id)?
            .ok_or(ApiError::NotFound { what: "user" })?;
        let was_disabled = user.disabled;
        if user.disabled {
            user.disabled = false;
            tx.update_user(&user)?;
        }
        let audit = me
            .audit(now, "user_enable", &ip)
            .target(id.0.as_str())
            .detail(serde_json::json!({"was_disabled": was_disabled}));
        tx.record_audit(&audit)?;
        Ok(user)
    })
    .await?;
    Ok(Json(AdminUserView::from(&user)))
}

/// Body of `POST /api/v1/admin/users/{id}/password`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
    /// Also sign the user's devices out (a lost or stolen phone). Their console sessions always
    /// end.
    #[serde(default)]
    pub revoke_devices: bool,
}

/// `POST /api/v1/admin/users/{id}/password`: sets a user's password (a forgotten one, or one
/// that leaked). The user's console sessions end; their devices stay signed in unless
/// `revoke_devices` says otherwise, so a worker in the field keeps syncing.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/password", tag = "admin",
    params(("id" = String, Path, description = "user id")),
    request_body = ResetPassword,
    responses((status = 200, body = PasswordChanged), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 404, body = ErrorBody, description = "not_found"),
              (status = 422, body = ErrorBody, description = "weak_password, invalid_body"),
              (status = 503, body = ErrorBody, description = "unavailable (Retry-After)")))]
pub async fn reset_password(
    State(state): State<AppState>,
    Admin(me): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<ResetPassword>,
) -> ApiResult<Json<PasswordChanged>> {
    check_new_password(&req.password)?;
    let id = UserId(id);
    let i = id.clone();
    read(&state, move |tx| {
        tx.user_by_id(&i)?
            .map(|_| ())
            .ok_or(ApiError::NotFound { what: "user" })
    })
    .await?;
    let hash = state.passwords.hash(req.password).await?;
    let now = state.now();
    let revoke = (!req.revoke_devices).then_some(ClientKind::Console);
    // An admin resetting their own password keeps the session they do it from.
    let keep = (id == me.user.id).then(|| me.token_hash.clone());
    let revoke_devices = req.revoke_devices;
    let revoked_tokens =
        write(&state, move |tx| {
            let user = tx
                .user_by_id(&id)?
                .ok_or(ApiError::NotFound { what: "user" })?;
            let revoked = store_password(tx, &user, hash, revoke, keep.as_deref(), now)?;
            let audit = me.audit(now, "password_reset", &ip).target(id.0.as_str()).detail(
            serde_json::json!({"revoke_devices": revoke_devices, "revoked_tokens": revoked}),
        );
            tx.record_audit(&audit)?;
            Ok(revoked)
        })
        .await?;
    Ok(Json(PasswordChanged { revoked_tokens }))
}

/// A device or browser a user signed in on, as `GET /api/v1/admin/users/{id}/devices` lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignedInDevice {
    pub device_id: DeviceId,
    pub device_name: String,
    pub kind: ClientKind,
    /// The newest sign-in on it.
    pub signed_in_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    /// Whether a sign-in on it still works (not revoked, not expired).
    pub active: bool,
    /// Sign-ins on it that still work.
    pub active_tokens: u32,
}

/// One entry per device, newest use first.
fn devices_of(tokens: &[TokenRow], now: DateTime<Utc>) -> Vec<SignedInDevice> {
    let mut out: Vec<SignedInDevice> = Vec::new();
    for t in tokens {
        let live = crate::auth::token_is_live(t, now);
        match out.iter_mut().find(|d| d.device_id == t.device_id) {
            Some(d) => {
                if t.created_at > d.signed_in_at {
                    d.signed_in_at = t.created_at;
                    d.device_name = t.device_name.clone();
                    d.kind = t.kind;
                }
                d.last_used_at = d.last_used_at.max(t.last_used_at);
                d.active |= live;
                d.active_tokens += u32::from(live);
            }
            None => out.push(SignedInDevice {
                device_id: t.device_id.clone(),
                device_name: t.device_name.clone(),
                kind: t.kind,
                signed_in_at: t.created_at,
                last_used_at: t.last_used_at,
                active: live,
                active_tokens: u32::from(live),
            }),
        }
    }
    out.sort_by_key(|d| std::cmp::Reverse(d.last_used_at));
    out
}

/// `GET /api/v1/admin/users/{id}/devices`: where the user is (or was) signed in.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}/devices", tag = "admin",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = Vec<SignedInDevice>), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 404, body = ErrorBody, description = "not_found")))]
pub async fn list_devices(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<SignedInDevice>>> {
    let id = UserId(id);
    let now = state.now();
    let devices = read(&state, move |tx| {
        tx.user_by_id(&id)?
            .ok_or(ApiError::NotFound { what: "user" })?;
        Ok(devices_of(&tx.user_tokens(&id)?, now))
    })
    .await?;
    Ok(Json(devices))
}

/// Answer to revoking a device.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceRevoked {
    pub device_id: DeviceId,
    /// Sign-ins ended (0 when the device was already signed out).
    pub revoked_tokens: u64,
}

/// `POST /api/v1/admin/users/{id}/devices/{device_id}/revoke`: signs one device out (a lost
/// phone). What it recorded and synced stays; what it still holds unsynced waits until the
/// worker signs in on it again.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/devices/{device_id}/revoke", tag = "admin",
    params(("id" = String, Path, description = "user id"), ("device_id" = String, Path, description = "device id")),
    responses((status = 200, body = DeviceRevoked), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 404, body = ErrorBody, description = "not_found: no such user, or the user never signed in on that device")))]
pub async fn revoke_device(
    State(state): State<AppState>,
    Admin(me): Admin,
    ClientIp(ip): ClientIp,
    Path((id, device_id)): Path<(String, String)>,
) -> ApiResult<Json<DeviceRevoked>> {
    let (id, device) = (UserId(id), DeviceId(device_id));
    let now = state.now();
    let out = write(&state, move |tx| {
        tx.user_by_id(&id)?
            .ok_or(ApiError::NotFound { what: "user" })?;
        if !tx.user_tokens(&id)?.iter().any(|t| t.device_id == device) {
            return Err(ApiError::NotFound { what: "device" });
        }
        let revoked_tokens = tx.revoke_device(&id, &device, now)?;
        let audit = me
            .audit(now, "device_revoke", &ip)
            .target(id.0.as_str())
            .detail(serde_json::json!({"device_id": device, "revoked_tokens": revoked_tokens}));
        tx.record_audit(&audit)?;
        Ok(DeviceRevoked {
            device_id: device,
            revoked_tokens,
        })
    })
    .await?;
    Ok(Json(out))
}
