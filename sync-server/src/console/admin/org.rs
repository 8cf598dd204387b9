//! Org units, grids (one by one and from GeoJSON) and the category tree.

use super::Admin;
use crate::auth::address::ClientIp;
use crate::console::grids_geojson::{self, ImportRefused, ImportSummary};
use crate::console::org::{GridView, UnitView};
use crate::console::query::{invalid_input, QueryParams};
use crate::console::tx::{read, write};
use crate::error::{ApiError, ApiResult, JsonBody};
use crate::limits::{
    MAX_CATEGORY_CODE_CHARS, MAX_CATEGORY_NAME_CHARS, MAX_UNIT_ID_CHARS, MAX_UNIT_NAME_CHARS,
};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use yiwang_core::category::CategoryTree;
use yiwang_core::error::ErrorCode;
use yiwang_core::org::{OrgTree, OrgUnit};
use yiwang_core::sync::ErrorBody;

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
    Admin(me): Admin,
    ClientIp(ip): ClientIp,
    JsonBody(mut unit): JsonBody<OrgUnit>,
) -> ApiResult<Json<UnitSaved>> {
    unit.id = unit.id.0.trim().into();
    unit.name = unit.name.trim().to_owned();
    if unit.id.0.is_empty() || unit.id.0.contains('/') || unit.id.0.chars().any(char::is_whitespace)
    {
        return Err(invalid_input("id: a unit code, without spaces or slashes"));
    }
    if unit.id.0.chars().count() > MAX_UNIT_ID_CHARS {
        return Err(invalid_input(format!(
            "id: at most {MAX_UNIT_ID_CHARS} characters"
        )));
    }
    if unit.name.is_empty() || unit.name.chars().count() > MAX_UNIT_NAME_CHARS {
        return Err(invalid_input(format!(
            "name: 1 to {MAX_UNIT_NAME_CHARS} characters"
        )));
    }
    let st = state.clone();
    let now = state.now();
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
        let audit = me
            .audit(now, "unit_save", &ip)
            .target(unit.id.0.as_str())
            .detail(serde_json::json!({"unit": unit, "created": existing.is_none()}));
        tx.record_audit(&audit)?;
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
    request_body(content = Object, description = "GeoJSON FeatureCollection; properties {id, name, kind, community_id, worker?}"),
    responses((status = 200, body = ImportSummary), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 422, body = ErrorBody, description = "invalid_grids, with error.features: [{index, id, errors}]")))]
pub async fn import_grids(
    State(state): State<AppState>,
    Admin(me): Admin,
    ClientIp(ip): ClientIp,
    JsonBody(doc): JsonBody<Value>,
) -> Result<Json<ImportSummary>, Response> {
    let now = state.now();
    let out = write(&state, move |tx| {
        let out = grids_geojson::import(tx, &doc)?;
        if let Ok(summary) = &out {
            let audit = me.audit(now, "grids_import", &ip).detail(serde_json::json!({
                "grids": summary.grids.len(), "created": summary.created, "updated": summary.updated,
            }));
            tx.record_audit(&audit)?;
        }
        Ok(out)
    })
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
    request_body(content = Object, description = "the whole tree in the format GET returns"),
    responses((status = 200, body = serde_json::Value, description = "the stored tree"), (status = 401, body = ErrorBody, description = "unauthenticated"), (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 422, body = ErrorBody, description = "invalid_categories, category_in_use")))]
pub async fn put_categories(
    State(state): State<AppState>,
    Admin(me): Admin,
    ClientIp(ip): ClientIp,
    JsonBody(doc): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    let tree = CategoryTree::from_json(&doc.to_string())
        .map_err(|e| ApiError::unprocessable(ErrorCode::InvalidCategories, e.to_string()))?;
    check_category_texts(&tree)?;
    let st = state.clone();
    let now = state.now();
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
        let audit = me.audit(now, "categories_replace", &ip).detail(serde_json::json!({
            "classes": tree.classes().count(), "leaves": tree.leaves().count(),
        }));
        tx.record_audit(&audit)?;
        Ok(category_file(&tree))
    })
    .await?;
    Ok(Json(stored))
}

/// Refuses a category tree whose codes or names are longer than the limits.
fn check_category_texts(tree: &CategoryTree) -> ApiResult<()> {
    let too_long = |field: &str, text: &str, max: usize| {
        (text.chars().count() > max).then(|| {
            ApiError::unprocessable(
                ErrorCode::InvalidInput,
                format!("{field}: at most {max} characters"),
            )
        })
    };
    for c in tree.iter() {
        let checks = [
            too_long("code", c.code.as_str(), MAX_CATEGORY_CODE_CHARS),
            too_long("name", &c.name, MAX_CATEGORY_NAME_CHARS),
            too_long("name_en", &c.name_en, MAX_CATEGORY_NAME_CHARS),
        ];
        if let Some(e) = checks.into_iter().flatten().next() {
            return Err(e);
        }
    }
    Ok(())
}
