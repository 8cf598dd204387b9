//! Administration (admins only; everyone else gets 403 before the body is read): users, org
//! units, grids and the category tree. Every org change goes through `OrgTx`, which logs it for
//! pull and moves `org_version`, so devices and every server process pick it up.
//!
//! Changes that would strand existing records are refused rather than half-applied: a unit
//! cannot move to another parent (the org paths stored with its cases would go stale), and a
//! category tree cannot drop a leaf that open cases still carry.

use super::grids_geojson::{self, ImportRefused, ImportSummary};
use super::org::{GridView, UnitView};
use super::query::{invalid_input, QueryParams};
use super::tx::{read, write};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, JsonBody};
use crate::state::AppState;
use crate::storage::auth::StoredUser;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use yiwang_core::category::CategoryTree;
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::{DepartmentId, GridId, OrgUnitId, UserId};
use yiwang_core::org::{OrgLevel, OrgTree, OrgUnit, Role};
use yiwang_core::sync::ErrorBody;
use yiwang_core::sync::UserInfo;

/// Shortest password an admin may set.
pub const MIN_PASSWORD_CHARS: usize = 8;

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
    pub username: String,
    pub display_name: Option<String>,
    pub password: String,
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
        Role::Center | Role::Admin => Some(OrgLevel::County),
        // A leader reads the subtree of whichever unit they lead.
        Role::Leader | Role::Department => None,
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
    _admin: Admin,
    JsonBody(req): JsonBody<CreateUser>,
) -> ApiResult<Response> {
    let username = req.username.trim().to_owned();
    if username.is_empty()
        || username.chars().count() > 64
        || username
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid_input(
            "username: 1 to 64 characters, without spaces",
        ));
    }
    let role = Role::parse(&req.role).ok_or_else(|| {
        invalid_input(format!(
            "role: {:?} is not one of {}",
            req.role,
            Role::ALL.map(|r| r.as_str()).join(", ")
        ))
    })?;
    if req.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::unprocessable(
            ErrorCode::WeakPassword,
            format!("password: at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let password = req.password.clone();
    let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))??;
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
        let revoked_tokens = tx.revoke_user_tokens(&id, now)?;
        Ok(Disabled {
            user: AdminUserView::from(&user),
            revoked_tokens,
        })
    })
    .await?;
    Ok(Json(out))
}

/// `GET /api/v1/admin/units`
#[utoipa::path(get, path = "/api/v1/admin/units", tag = "admin",
    responses((status = 200, body = Vec<UnitView>), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden")))]
pub async fn list_units(
    State(state): State<AppState>,
    _admin: Admin,
) -> ApiResult<Json<Vec<UnitView>>> {
    let st = state.clone();
    let units = read(&state, move |tx| {
        let r = st.reference(tx)?;
        Ok(r.org.units().map(|u| UnitView::of(u, &r.org)).collect())
    })
    .await?;
    Ok(Json(units))
}

/// Answer to `POST /api/v1/admin/units`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitSaved {
    pub unit: UnitView,
    pub created: bool,
}

/// `POST /api/v1/admin/units`: creates a unit or renames one. Moving a unit (a new parent or
/// level) is refused: its cases' stored org paths would no longer say where they belong.
#[utoipa::path(post, path = "/api/v1/admin/units", tag = "admin",
    request_body = OrgUnit,
    responses((status = 200, body = UnitSaved), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 422, body = ErrorBody, description = "invalid_input, invalid_body")))]
pub async fn upsert_unit(
    State(state): State<AppState>,
    _admin: Admin,
    JsonBody(mut unit): JsonBody<OrgUnit>,
) -> ApiResult<Json<UnitSaved>> {
    unit.id = unit.id.0.trim().into();
    unit.name = unit.name.trim().to_owned();
    if unit.id.0.is_empty() || unit.id.0.contains('/') || unit.id.0.chars().any(char::is_whitespace)
    {
        return Err(invalid_input("id: a unit code, without spaces or slashes"));
    }
    if unit.name.is_empty() {
        return Err(invalid_input("name: required"));
    }
    let st = state.clone();
    let saved = write(&state, move |tx| {
        let r = st.reference(tx)?;
        let existing = r.org.unit(&unit.id).cloned();
        if let Some(old) = &existing {
            if old.parent_id != unit.parent_id || old.level != unit.level {
                return Err(invalid_input(format!(
                    "unit {} already sits under {} as a {:?}; units cannot be moved, only renamed",
                    unit.id,
                    old.parent_id.as_ref().map_or("nothing", |p| p.as_str()),
                    old.level
                )));
            }
        }
        // The tree with this unit must still be a tree: one county, townships under it,
        // communities under townships.
        let units = r
            .org
            .units()
            .filter(|u| u.id != unit.id)
            .cloned()
            .chain([unit.clone()]);
        let grids = r.org.grids().cloned();
        let departments = r.org.departments().cloned();
        let tree = OrgTree::new(units, grids, departments)
            .map_err(|e| invalid_input(format!("the org tree would be invalid: {e}")))?;
        tx.upsert_unit(&unit)?;
        Ok(UnitSaved {
            unit: UnitView::of(&unit, &tree),
            created: existing.is_none(),
        })
    })
    .await?;
    Ok(Json(saved))
}

/// `GET /api/v1/admin/grids?polygons=1`
#[utoipa::path(get, path = "/api/v1/admin/grids", tag = "admin", operation_id = "admin_list_grids",
    params(("polygons" = Option<bool>, Query, description = "1 to include polygons")),
    responses((status = 200, body = Vec<GridView>), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 400, body = ErrorBody, description = "invalid_query")))]
pub async fn list_grids(
    State(state): State<AppState>,
    _admin: Admin,
    q: QueryParams,
) -> ApiResult<Json<Vec<GridView>>> {
    q.only(&["polygons"])?;
    let polygons = q.bool("polygons")?.unwrap_or(false);
    let st = state.clone();
    let grids = read(&state, move |tx| {
        let r = st.reference(tx)?;
        Ok(r.org.grids().map(|g| GridView::of(g, polygons)).collect())
    })
    .await?;
    Ok(Json(grids))
}

/// A refused grid file: 422 `invalid_grids`, in the usual envelope plus every problem found.
pub struct GridsRefused(pub ImportRefused);

impl IntoResponse for GridsRefused {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": {
                "code": "invalid_grids",
                "message": self.0.summary(),
                "file": self.0.file,
                "features": self.0.features,
            }
        });
        (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
    }
}

/// `POST /api/v1/admin/grids/import`: a GeoJSON FeatureCollection of grids, imported whole or
/// not at all.
#[utoipa::path(post, path = "/api/v1/admin/grids/import", tag = "admin",
    request_body(content = serde_json::Value, description = "GeoJSON FeatureCollection; properties {id, name, kind, community_id, worker?}"),
    responses((status = 200, body = ImportSummary), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 422, body = ErrorBody, description = "invalid_grids, with error.features: [{index, id, errors}]")))]
pub async fn import_grids(
    State(state): State<AppState>,
    _admin: Admin,
    JsonBody(doc): JsonBody<Value>,
) -> Result<Json<ImportSummary>, Response> {
    let out = write(&state, move |tx| Ok(grids_geojson::import(tx, &doc)?))
        .await
        .map_err(IntoResponse::into_response)?;
    match out {
        Ok(summary) => Ok(Json(summary)),
        Err(refused) => Err(GridsRefused(refused).into_response()),
    }
}

/// The category tree in core's file format: `{"classes": [{code, name, name_en, leaves}]}`.
pub fn category_file(tree: &CategoryTree) -> Value {
    let classes: Vec<Value> = tree
        .classes()
        .map(|c| {
            let leaves: Vec<Value> = tree
                .children(&c.code)
                .map(|l| {
                    serde_json::json!({
                        "code": l.code, "name": l.name, "name_en": l.name_en,
                        "deadline": l.deadline, "department": l.department,
                    })
                })
                .collect();
            serde_json::json!({"code": c.code, "name": c.name, "name_en": c.name_en, "leaves": leaves})
        })
        .collect();
    serde_json::json!({ "classes": classes })
}

/// `GET /api/v1/admin/categories`: the whole tree, in the format `PUT` takes.
#[utoipa::path(get, path = "/api/v1/admin/categories", tag = "admin",
    responses((status = 200, body = serde_json::Value, description = "{classes: [{code, name, name_en, leaves: [{code, name, name_en, deadline, department}]}]}"),
              (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden")))]
pub async fn get_categories(
    State(state): State<AppState>,
    _admin: Admin,
) -> ApiResult<Json<Value>> {
    let st = state.clone();
    let tree = read(&state, move |tx| {
        Ok(category_file(&st.reference(tx)?.categories))
    })
    .await?;
    Ok(Json(tree))
}

/// `PUT /api/v1/admin/categories`: replaces the whole tree, after checking it (core's rules,
/// departments that exist, and every category an open case carries still a leaf).
#[utoipa::path(put, path = "/api/v1/admin/categories", tag = "admin",
    request_body(content = serde_json::Value, description = "the whole tree in the format GET returns"),
    responses((status = 200, body = serde_json::Value, description = "the stored tree"), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 422, body = ErrorBody, description = "invalid_categories, category_in_use")))]
pub async fn put_categories(
    State(state): State<AppState>,
    _admin: Admin,
    JsonBody(doc): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let tree = CategoryTree::from_json(&doc.to_string())
        .map_err(|e| ApiError::unprocessable(ErrorCode::InvalidCategories, e.to_string()))?;
    let st = state.clone();
    let stored = write(&state, move |tx| {
        let r = st.reference(tx)?;
        for leaf in tree.leaves() {
            if let Some(d) = &leaf.department {
                if r.org.department(d).is_none() {
                    return Err(ApiError::unprocessable(
                        ErrorCode::InvalidCategories,
                        format!("category {}: there is no department {d}", leaf.code),
                    ));
                }
            }
        }
        let stranded: Vec<String> = tx
            .categories_of_open_cases()?
            .into_iter()
            .filter(|c| tree.leaf(c).is_none())
            .map(|c| c.0)
            .collect();
        if !stranded.is_empty() {
            return Err(ApiError::unprocessable(
                ErrorCode::CategoryInUse,
                format!(
                    "open cases carry the categories {}; keep them as leaves until those cases are closed",
                    stranded.join(", ")
                ),
            ));
        }
        tx.replace_categories(&tree)?;
        Ok(category_file(&tree))
    })
    .await?;
    Ok(Json(stored))
}
