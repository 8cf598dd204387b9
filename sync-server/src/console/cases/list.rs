//! `GET /api/v1/cases`: the cases the caller may see, filtered, sorted and paged, each as a row
//! ([`CaseSummary`]) with its labels and counts by state.

use super::filter::*;
use crate::auth::AuthUser;
use crate::console::labels::CaseLabels;
use crate::console::query::{invalid_query, QueryParams};
use crate::console::tx::read;
use crate::error::ApiResult;
use crate::jurisdiction::viewer;
use crate::limits::MAX_PAGE_SIZE;
use crate::state::{AppState, Reference};
use crate::storage::console::Window;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use yiwang_core::case::{Case, CaseState, Channel, DeadlineStatus, GeoPoint, Outcome, Rating};
use yiwang_core::ids::{CaseId, CategoryCode, DepartmentId, GridId, OrgUnitId};
use yiwang_core::sync::ErrorBody;

/// One row of the case list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: CaseId,
    pub version: u64,
    pub state: CaseState,
    pub outcome: Option<Outcome>,
    pub channel: Channel,
    pub category: CategoryCode,
    pub urgent: bool,
    pub description: String,
    pub address: Option<String>,
    pub location: Option<GeoPoint>,
    pub grid_id: Option<GridId>,
    pub origin_unit: OrgUnitId,
    pub holder_unit: OrgUnitId,
    pub department: Option<DepartmentId>,
    pub deadline: Option<DateTime<Utc>>,
    /// A later deadline a department asked for, awaiting a decision (延期申请).
    pub extension_requested: Option<DateTime<Utc>>,
    /// The case this one was merged into (合并重复件).
    pub duplicate_of: Option<CaseId>,
    pub overdue: bool,
    /// Where the case stands against its deadline (`Case::deadline_status`): a case handled
    /// after its deadline reads `handled_late`, not overdue.
    pub deadline_status: DeadlineStatus,
    pub supervisions: u32,
    pub extensions: u32,
    pub reworks: u32,
    /// 群众评价: the resident's rating (回访).
    pub rating: Option<Rating>,
    /// 办理人员评价: the operator's own rating.
    pub operator_rating: Option<Rating>,
    pub reported_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub labels: CaseLabels,
}

impl CaseSummary {
    pub fn of(c: &Case, r: &Reference, now: DateTime<Utc>) -> CaseSummary {
        CaseSummary {
            id: c.id.clone(),
            version: c.version,
            state: c.state,
            outcome: c.outcome,
            channel: c.channel,
            category: c.category.clone(),
            urgent: c.urgent,
            description: c.description.clone(),
            address: c.address.clone(),
            location: c.location,
            grid_id: c.grid_id.clone(),
            origin_unit: c.origin_unit.clone(),
            holder_unit: c.holder_unit.clone(),
            department: c.department.clone(),
            deadline: c.deadline,
            extension_requested: c.extension_requested,
            duplicate_of: c.duplicate_of.clone(),
            overdue: c.is_overdue(now),
            deadline_status: c.deadline_status(now),
            supervisions: c.supervisions,
            extensions: c.extensions,
            reworks: c.reworks,
            rating: c.rating,
            operator_rating: c.operator_rating,
            reported_at: c.reported_at,
            updated_at: c.updated_at,
            closed_at: c.closed_at,
            labels: CaseLabels::of(c, r),
        }
    }
}

/// Answer to `GET /api/v1/cases`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseSummary>,
    /// Cases matching the filter, over all pages.
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    /// Cases matching every filter but `state`, per state (all seven states, zeros included),
    /// for the tabs above the list.
    pub counts_by_state: BTreeMap<&'static str, u64>,
}

/// `GET /api/v1/cases`: the cases the caller may see, filtered, sorted and paged.
#[utoipa::path(get, path = "/api/v1/cases", tag = "console", params(CaseFilterQuery, PageQuery),
    responses((status = 200, body = CaseList),
              (status = 400, body = ErrorBody, description = "invalid_query"), (status = 401, body = ErrorBody, description = "unauthenticated")))]
pub async fn list_cases(
    State(state): State<AppState>,
    me: AuthUser,
    q: QueryParams,
) -> ApiResult<Json<CaseList>> {
    let known: Vec<&str> = FILTER_PARAMS
        .iter()
        .copied()
        .chain(["page", "page_size"])
        .collect();
    q.only(&known)?;
    let now = state.now();
    let spec = FilterSpec::parse(&q, now)?;
    let page = q.u64("page")?.unwrap_or(1);
    let page_size = q.u64("page_size")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if page == 0 || page > 1_000_000 {
        return Err(invalid_query("page: pages count from 1, up to 1,000,000"));
    }
    if page_size == 0 || page_size > MAX_PAGE_SIZE {
        return Err(invalid_query(format!(
            "page_size: between 1 and {MAX_PAGE_SIZE}"
        )));
    }
    let st = state.clone();
    let list = read(&state, move |tx| {
        let reference = st.reference(tx)?;
        let viewer = viewer(tx, &me.user)?;
        let filter = spec.resolve(tx, &reference, &viewer, now)?;
        let window = Window {
            offset: (page - 1).saturating_mul(page_size),
            limit: page_size,
        };
        let cases = tx.find_cases(&viewer, &filter, spec.sort, Some(window))?;
        let by_state = tx.count_cases_by_state(&viewer, &filter.without_states())?;
        // The filter is the tabs' filter plus its states: its total is their sum, without a
        // second count over the same cases (a city's queue counts a province).
        let total = by_state
            .iter()
            .filter(|(s, _)| filter.states.is_empty() || filter.states.contains(s))
            .map(|(_, n)| n)
            .sum();
        let counts_by_state = CaseState::ALL
            .into_iter()
            .map(|s| (s.as_str(), by_state.get(&s).copied().unwrap_or(0)))
            .collect();
        Ok(CaseList {
            items: cases
                .iter()
                .map(|c| CaseSummary::of(c, &reference, now))
                .collect(),
            total,
            page,
            page_size,
            counts_by_state,
        })
    })
    .await?;
    Ok(Json(list))
}
