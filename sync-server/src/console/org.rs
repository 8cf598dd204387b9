//! `GET /api/v1/org`: the reference data a signed-in user works with — org units, departments
//! and categories (everyone's), and the grids in their jurisdiction (a grid worker's own grids,
//! a unit's grids below it, none for a department). Polygons are left out unless asked for:
//! the reference county's 1,798 polygons are most of the payload and a list page needs none.

use super::query::QueryParams;
use super::tx::read;
use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use yiwang_core::category::Category;
use yiwang_core::ids::{GridId, OrgUnitId, UserId};
use yiwang_core::org::{Department, Grid, GridKind, OrgLevel, OrgTree, OrgUnit};
use yiwang_core::sync::ErrorBody;

/// An org unit with its path (`/county/township/community/`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub id: OrgUnitId,
    pub parent_id: Option<OrgUnitId>,
    pub name: String,
    pub level: OrgLevel,
    pub path: String,
}

/// The org path of a unit, as storage writes it.
pub fn unit_path(org: &OrgTree, id: &OrgUnitId) -> String {
    let mut ids: Vec<&str> = org.ancestors_or_self(id).map(|u| u.id.as_str()).collect();
    ids.reverse();
    format!("/{}/", ids.join("/"))
}

impl UnitView {
    pub fn of(u: &OrgUnit, org: &OrgTree) -> UnitView {
        UnitView {
            id: u.id.clone(),
            parent_id: u.parent_id.clone(),
            name: u.name.clone(),
            level: u.level,
            path: unit_path(org, &u.id),
        }
    }
}

/// A grid, with its polygon only when asked for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridView {
    pub id: GridId,
    pub name: String,
    pub kind: GridKind,
    pub community_id: OrgUnitId,
    pub worker_id: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polygon: Option<serde_json::Value>,
}

impl GridView {
    pub fn of(g: &Grid, polygons: bool) -> GridView {
        GridView {
            id: g.id.clone(),
            name: g.name.clone(),
            kind: g.kind,
            community_id: g.community_id.clone(),
            worker_id: g.worker_id.clone(),
            polygon: polygons.then(|| g.polygon.clone()),
        }
    }
}

/// Answer to `GET /api/v1/org`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgResponse {
    pub units: Vec<UnitView>,
    pub grids: Vec<GridView>,
    pub departments: Vec<Department>,
    /// Flat, in tree order: each class followed by its leaves (`parent` names the class).
    pub categories: Vec<Category>,
}

/// The query of `GET /api/v1/org` (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query for the OpenAPI document; never constructed
pub struct OrgQuery {
    /// 1 to include each grid's GeoJSON polygon.
    polygons: Option<bool>,
}

/// `GET /api/v1/org`: units, departments and categories, and the grids in the caller's
/// jurisdiction.
#[utoipa::path(get, path = "/api/v1/org", tag = "console", params(OrgQuery),
    responses((status = 200, body = OrgResponse), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 400, body = ErrorBody, description = "invalid_query")))]
pub async fn org(
    State(state): State<AppState>,
    me: AuthUser,
    q: QueryParams,
) -> ApiResult<Json<OrgResponse>> {
    q.only(&["polygons"])?;
    let polygons = q.bool("polygons")?.unwrap_or(false);
    let st = state.clone();
    let out = read(&state, move |tx| {
        let r = st.reference(tx)?;
        let actor = me.user.actor();
        Ok(OrgResponse {
            units: r.org.units().map(|u| UnitView::of(u, &r.org)).collect(),
            grids: r
                .org
                .grids()
                .filter(|g| r.org.grid_in_jurisdiction(&actor, &g.id))
                .map(|g| GridView::of(g, polygons))
                .collect(),
            departments: r.org.departments().cloned().collect(),
            categories: r.categories.iter().cloned().collect(),
        })
    })
    .await?;
    Ok(Json(out))
}
