//! Grids and patrols in the console: the grid list with each grid's worker and the day's
//! patrols, the patrols of a day, and one patrol with its GPS track and findings for the map.
//!
//! Everything here is limited to the grids in the caller's jurisdiction
//! (`OrgTree::grid_in_jurisdiction`: a unit's grids below it, a grid worker's own grids, none
//! for a department). A grid or patrol outside it is 403 `out_of_jurisdiction`; one that does not
//! exist is 404. Days are Beijing-time days; a patrol counts for the window its start falls in.

use super::labels::Named;
use super::query::QueryParams;
use super::query::{invalid_query, no_such};
use super::time::{local_day, local_midnight, parse_day};
use super::tx::{out_of_jurisdiction, read};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::limits::{DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, TRACK_PAGE};
use crate::state::{AppState, Reference};
use crate::storage::console::PatrolRow;
use crate::storage::LedgerTx;
use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use yiwang_core::field::{PatrolWindow, PatrolWindows, TrackPoint};
use yiwang_core::ids::{GridId, PatrolId, UserId};
use yiwang_core::measures::patrol_coverage;
use yiwang_core::org::{Grid, GridKind, OrgLevel};
use yiwang_core::sync::ErrorBody;

/// A patrol as the console lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatrolView {
    pub id: PatrolId,
    pub grid_id: GridId,
    pub grid_name: Option<String>,
    pub worker_id: UserId,
    pub worker_name: Option<String>,
    pub started_at: DateTime<Utc>,
    /// `None` while the patrol is under way (or its end has not synced yet).
    pub ended_at: Option<DateTime<Utc>>,
    /// The local day and window its start counts for; `None` outside both windows.
    pub date: NaiveDate,
    pub window: Option<PatrolWindow>,
    /// Track points received.
    pub points: u64,
    /// Findings recorded on it, and how many of them opened a case.
    pub findings: u64,
    pub reported: u64,
    /// When the server received the patrol's start (the device cannot choose it).
    pub received_at: DateTime<Utc>,
    /// Whether it counts for coverage (巡查率): it has a track, and its start is not dated
    /// after it was received (`yiwang_core::measures::PatrolFacts::counts`).
    pub counts_for_coverage: bool,
}

fn patrol_view(row: &PatrolRow, r: &Reference, names: &BTreeMap<UserId, String>) -> PatrolView {
    let p = &row.patrol;
    PatrolView {
        id: p.id.clone(),
        grid_id: p.grid_id.clone(),
        grid_name: r.org.grid(&p.grid_id).map(|g| g.name.clone()),
        worker_id: p.worker_id.clone(),
        worker_name: names.get(&p.worker_id).cloned(),
        started_at: p.started_at,
        ended_at: p.ended_at,
        date: local_day(p.started_at),
        window: PatrolWindows::default()
            .classify(p.started_at)
            .map(|(_, w)| w),
        points: row.points,
        findings: row.findings,
        reported: row.reported,
        received_at: row.received_at,
        counts_for_coverage: row.facts().counts(),
    }
}

/// Display names of `ids`.
fn user_names(
    tx: &mut dyn LedgerTx,
    ids: impl IntoIterator<Item = UserId>,
) -> ApiResult<BTreeMap<UserId, String>> {
    let ids: BTreeSet<UserId> = ids.into_iter().collect();
    let mut out = BTreeMap::new();
    if ids.len() > 50 {
        // One scan beats a lookup per grid for a township's or the county's list.
        for u in tx.users()? {
            if ids.contains(&u.id) {
                out.insert(u.id, u.display_name);
            }
        }
        return Ok(out);
    }
    for id in ids {
        if let Some(u) = tx.user_by_id(&id)? {
            out.insert(id, u.display_name);
        }
    }
    Ok(out)
}

/// The day a query names (`date`, default today in Beijing) as `[start, end)`.
fn day_of(
    q: &QueryParams,
    now: DateTime<Utc>,
) -> ApiResult<(NaiveDate, DateTime<Utc>, DateTime<Utc>)> {
    let date = match q.get("date") {
        None => local_day(now),
        Some(d) => parse_day("date", d)?,
    };
    let next = date
        .succ_opt()
        .ok_or_else(|| invalid_query("date: out of range"))?;
    Ok((date, local_midnight(date), local_midnight(next)))
}

/// Answer to `GET /api/v1/patrols`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatrolList {
    pub date: NaiveDate,
    pub items: Vec<PatrolView>,
    /// Patrols that match, on every page.
    pub total: u64,
    /// The `offset` of the next page, when there is one.
    pub next_offset: Option<u64>,
}

/// The query of `GET /api/v1/patrols` (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query for the OpenAPI document; never constructed
pub struct PatrolsQuery {
    /// One grid; default: every grid in the caller's jurisdiction.
    #[param(min_length = 1, max_length = 128)]
    grid_id: Option<String>,
    /// The Beijing-time day, YYYY-MM-DD. Default: today.
    #[param(pattern = r"^2[01][0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    date: Option<String>,
    /// Patrols to skip (paging). Default 0.
    #[param(minimum = 0, maximum = 1000000)]
    offset: Option<u64>,
    /// Patrols in this page, 1 to 2,000. Default 500.
    #[param(minimum = 1, maximum = 2000)]
    limit: Option<u64>,
}

/// `GET /api/v1/patrols`: the patrols started on a day in one grid or in all the caller's
/// grids, in start order, with worker, window and findings count.
#[utoipa::path(get, path = "/api/v1/patrols", tag = "console", params(PatrolsQuery),
    responses((status = 200, body = PatrolList), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 400, body = ErrorBody, description = "invalid_query"),
              (status = 403, body = ErrorBody, description = "out_of_jurisdiction")))]
pub async fn list_patrols(
    State(state): State<AppState>,
    me: AuthUser,
    q: QueryParams,
) -> ApiResult<Json<PatrolList>> {
    q.only(&["grid_id", "date", "offset", "limit"])?;
    let (date, from, to) = day_of(&q, state.now())?;
    let (offset, limit) = page_params(&q, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT)?;
    let grid: Option<GridId> = q.get("grid_id").map(Into::into);
    let st = state.clone();
    let out = read(&state, move |tx| {
        let r = st.reference(tx)?;
        let actor = me.user.actor();
        let grids: Vec<GridId> = match grid {
            Some(g) => {
                if r.org.grid(&g).is_none() {
                    return Err(no_such(format!("grid_id: there is no grid {g}")));
                }
                if !r.org.grid_in_jurisdiction(&actor, &g) {
                    return Err(out_of_jurisdiction());
                }
                vec![g]
            }
            None => r
                .org
                .grids()
                .filter(|g| r.org.grid_in_jurisdiction(&actor, &g.id))
                .map(|g| g.id.clone())
                .collect(),
        };
        let rows = tx.patrol_rows(&grids, from, to)?;
        let total = rows.len() as u64;
        let page = window(&rows, offset, limit);
        let names = user_names(tx, page.iter().map(|p| p.patrol.worker_id.clone()))?;
        Ok(PatrolList {
            date,
            items: page.iter().map(|p| patrol_view(p, &r, &names)).collect(),
            total,
            next_offset: next_offset(offset, limit, total),
        })
    })
    .await?;
    Ok(Json(out))
}

/// Answer to `GET /api/v1/patrols/{id}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatrolDetail {
    #[serde(flatten)]
    pub patrol: PatrolView,
    /// The grid's GeoJSON polygon, for the map.
    pub grid_polygon: Option<serde_json::Value>,
    /// The first [`TRACK_PAGE`] track points received, in time order; the rest come from
    /// `GET /api/v1/patrols/{id}/track?offset=…` (see `track_next_offset`).
    pub track: Vec<TrackPoint>,
    /// Track points received in all.
    pub track_total: u64,
    /// The `offset` of the track's next page, when it has more points than `track` holds.
    pub track_next_offset: Option<u64>,
    /// The findings recorded on it, as the device sent them (with `case_id` when they opened a
    /// case): stored findings, served as they are stored.
    #[schema(value_type = Vec<yiwang_core::field::Finding>)]
    pub finding_list: Vec<serde_json::Value>,
}

/// `GET /api/v1/patrols/{id}`: one patrol with its track points and findings.
#[utoipa::path(get, path = "/api/v1/patrols/{id}", tag = "console",
    params(("id" = String, Path, description = "patrol id")),
    responses((status = 200, body = PatrolDetail), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 403, body = ErrorBody, description = "out_of_jurisdiction"),
              (status = 404, body = ErrorBody, description = "not_found")))]
pub async fn patrol_detail(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<PatrolDetail>> {
    let st = state.clone();
    let out = read(&state, move |tx| {
        let r = st.reference(tx)?;
        let id = PatrolId::from(id);
        let row = visible_patrol(tx, &r, &me, &id)?;
        let names = user_names(tx, [row.patrol.worker_id.clone()])?;
        let track = tx.track_page(&id, 0, TRACK_PAGE)?;
        let finding_list = tx.findings_of_patrol(&id)?;
        Ok(PatrolDetail {
            patrol: patrol_view(&row, &r, &names),
            grid_polygon: r.org.grid(&row.patrol.grid_id).map(|g| g.polygon.clone()),
            track,
            track_total: row.points,
            track_next_offset: next_offset(0, TRACK_PAGE, row.points),
            finding_list,
        })
    })
    .await?;
    Ok(Json(out))
}

/// Answer to `GET /api/v1/patrols/{id}/track`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackPage {
    pub items: Vec<TrackPoint>,
    /// Track points received in all.
    pub total: u64,
    /// The `offset` of the next page, when there is one.
    pub next_offset: Option<u64>,
}

/// The query of `GET /api/v1/patrols/{id}/track` (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query for the OpenAPI document; never constructed
pub struct TrackQuery {
    /// Points to skip. Default 0.
    #[param(minimum = 0, maximum = 1000000)]
    offset: Option<u64>,
    /// Points in this page, 1 to 2,000. Default 2,000.
    #[param(minimum = 1, maximum = 2000)]
    limit: Option<u64>,
}

/// `GET /api/v1/patrols/{id}/track`: a page of a patrol's track, in time order.
#[utoipa::path(get, path = "/api/v1/patrols/{id}/track", tag = "console",
    params(("id" = String, Path, description = "patrol id"), TrackQuery),
    responses((status = 200, body = TrackPage), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 400, body = ErrorBody, description = "invalid_query"),
              (status = 403, body = ErrorBody, description = "out_of_jurisdiction"),
              (status = 404, body = ErrorBody, description = "not_found")))]
pub async fn patrol_track(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
    q: QueryParams,
) -> ApiResult<Json<TrackPage>> {
    q.only(&["offset", "limit"])?;
    let (offset, limit) = page_params(&q, TRACK_PAGE, TRACK_PAGE)?;
    let st = state.clone();
    let out = read(&state, move |tx| {
        let r = st.reference(tx)?;
        let id = PatrolId::from(id);
        let row = visible_patrol(tx, &r, &me, &id)?;
        Ok(TrackPage {
            items: tx.track_page(&id, offset, limit)?,
            total: row.points,
            next_offset: next_offset(offset, limit, row.points),
        })
    })
    .await?;
    Ok(Json(out))
}

/// The most a list's `offset` may skip.
const MAX_OFFSET: u64 = 1_000_000;

/// `offset` and `limit` of a page: `limit` 1 to `max`, `default` when not given.
fn page_params(q: &QueryParams, default: u64, max: u64) -> ApiResult<(u64, u64)> {
    let offset = q.u64("offset")?.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(invalid_query(format!("offset: at most {MAX_OFFSET}")));
    }
    let limit = q.u64("limit")?.unwrap_or(default);
    if limit == 0 || limit > max {
        return Err(invalid_query(format!("limit: between 1 and {max}")));
    }
    Ok((offset, limit))
}

/// Patrol `id`, when `me` may see its grid.
fn visible_patrol(
    tx: &mut dyn LedgerTx,
    r: &Reference,
    me: &AuthUser,
    id: &PatrolId,
) -> ApiResult<PatrolRow> {
    let row = tx
        .patrol_row(id)?
        .ok_or(ApiError::NotFound { what: "patrol" })?;
    if !r
        .org
        .grid_in_jurisdiction(&me.user.actor(), &row.patrol.grid_id)
    {
        return Err(out_of_jurisdiction());
    }
    Ok(row)
}

/// The rows of one page.
fn window<T>(rows: &[T], offset: u64, limit: u64) -> &[T] {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(rows.len());
    let end = start
        .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
        .min(rows.len());
    &rows[start..end]
}

/// The next page's offset, if the list goes on past this page.
fn next_offset(offset: u64, limit: u64, total: u64) -> Option<u64> {
    let next = offset.saturating_add(limit);
    (next < total).then_some(next)
}

/// A grid in the console's grid list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridRow {
    pub id: GridId,
    pub name: String,
    pub kind: GridKind,
    pub community: Option<Named>,
    pub township: Option<Named>,
    pub worker_id: Option<UserId>,
    pub worker_name: Option<String>,
    /// Patrols started on the day.
    pub patrols: u64,
    /// Patrol windows (morning, afternoon) with a patrol that day that counts for coverage (it
    /// has a track and is not dated after it was received): 0, 1 or 2; 2 is covered.
    pub windows: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polygon: Option<serde_json::Value>,
}

/// Answer to `GET /api/v1/grids`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridList {
    pub date: NaiveDate,
    pub items: Vec<GridRow>,
    /// Grids that match, on every page.
    pub total: u64,
    /// The `offset` of the next page, when there is one.
    pub next_offset: Option<u64>,
}

/// The query of `GET /api/v1/grids` (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query for the OpenAPI document; never constructed
pub struct GridsQuery {
    /// The Beijing-time day whose patrols are counted, YYYY-MM-DD. Default: today.
    #[param(pattern = r"^2[01][0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    date: Option<String>,
    /// A township or community: only its grids.
    #[param(min_length = 1, max_length = 64)]
    unit: Option<String>,
    /// 1 to include each grid's GeoJSON polygon.
    polygons: Option<bool>,
    /// Grids to skip (paging). Default 0.
    #[param(minimum = 0, maximum = 1000000)]
    offset: Option<u64>,
    /// Grids in this page, 1 to 2,000. Default 500.
    #[param(minimum = 1, maximum = 2000)]
    limit: Option<u64>,
}

/// `GET /api/v1/grids`: the grids in the caller's jurisdiction with their worker and the day's
/// patrols (for every signed-in role; `/api/v1/admin/grids` is the admin's edit view).
#[utoipa::path(get, path = "/api/v1/grids", tag = "console", params(GridsQuery),
    responses((status = 200, body = GridList), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 400, body = ErrorBody, description = "invalid_query")))]
pub async fn list_grids(
    State(state): State<AppState>,
    me: AuthUser,
    q: QueryParams,
) -> ApiResult<Json<GridList>> {
    q.only(&["date", "unit", "polygons", "offset", "limit"])?;
    let (date, from, to) = day_of(&q, state.now())?;
    let (offset, limit) = page_params(&q, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT)?;
    let polygons = q.bool("polygons")?.unwrap_or(false);
    let unit = q.get("unit").map(yiwang_core::ids::OrgUnitId::from);
    let st = state.clone();
    let out = read(&state, move |tx| {
        let r = st.reference(tx)?;
        let org = &r.org;
        if let Some(u) = &unit {
            if org.unit(u).is_none() {
                return Err(no_such(format!("unit: there is no unit {u}")));
            }
        }
        let actor = me.user.actor();
        let grids: Vec<&Grid> = org
            .grids()
            .filter(|g| org.grid_in_jurisdiction(&actor, &g.id))
            .filter(|g| {
                unit.as_ref()
                    .is_none_or(|u| org.ancestors_or_self(&g.community_id).any(|a| &a.id == u))
            })
            .collect();
        let total = grids.len() as u64;
        let grids = window(&grids, offset, limit);
        let ids: Vec<GridId> = grids.iter().map(|g| g.id.clone()).collect();
        let rows = tx.patrol_rows(&ids, from, to)?;
        let mut patrols: BTreeMap<&GridId, u64> = BTreeMap::new();
        for p in &rows {
            *patrols.entry(&p.patrol.grid_id).or_default() += 1;
        }
        // The windows are coverage's own: only patrols that count (a track, not future-dated).
        let facts: Vec<_> = rows.iter().map(PatrolRow::facts).collect();
        let coverage = patrol_coverage(&ids, &facts, date, &PatrolWindows::default());
        let names = user_names(tx, grids.iter().filter_map(|g| g.worker_id.clone()))?;
        let named = |l: OrgLevel, g: &Grid| {
            org.ancestor_at(&g.community_id, l).map(|u| Named {
                id: u.id.0.clone(),
                name: u.name.clone(),
            })
        };
        let items = grids
            .iter()
            .map(|g| {
                let patrols = patrols.get(&g.id).copied().unwrap_or_default();
                GridRow {
                    id: g.id.clone(),
                    name: g.name.clone(),
                    kind: g.kind,
                    community: named(OrgLevel::Community, g),
                    township: named(OrgLevel::Township, g),
                    worker_name: g.worker_id.as_ref().and_then(|w| names.get(w).cloned()),
                    worker_id: g.worker_id.clone(),
                    patrols,
                    windows: coverage.by_grid.get(&g.id).copied().unwrap_or(0),
                    polygon: polygons.then(|| g.polygon.clone()),
                }
            })
            .collect();
        Ok(GridList {
            date,
            items,
            total,
            next_offset: next_offset(offset, limit, total),
        })
    })
    .await?;
    Ok(Json(out))
}
