//! Cases in the console: the filtered list, one case's detail, actions on it, and intake of a
//! new case by an operator (hotline 8890, service hall, WeChat).
//!
//! The list's filters are parsed once ([`FilterSpec`]) and shared with the exports, so a CSV is
//! exactly the list the operator was looking at.

use super::figures::FigureQuery;
use super::{
    invalid_input, invalid_query, out_of_jurisdiction, parse_time, read, refusal_error, write,
    Bound, CaseLabels, Named, QueryParams,
};
use crate::auth::AuthUser;
use crate::limits::MAX_PAGE_SIZE;
use crate::error::{ApiError, ApiResult, JsonBody};
use crate::jurisdiction::viewer;
use crate::state::{AppState, Reference};
use crate::storage::changes::Viewer;
use crate::storage::console::{CaseFilter, CaseSort, SortKey, Window};
use crate::storage::LedgerTx;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use yiwang_core::case::{
    Action, ActionKind, Case, CaseEvent, CaseState, Channel, DeadlineStatus, Effect, GeoPoint,
    NewCase, Outcome, Rating,
};
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::{CaseId, CategoryCode, DepartmentId, GridId, OrgUnitId, PhotoHash, UserId};
use yiwang_core::ledger::verify_chain;
use yiwang_core::measures::key_of;
use yiwang_core::org::{Affiliation, Role};
use yiwang_core::sync::CaseActionData;
use yiwang_core::sync::ErrorBody;
use yiwang_core::workflow::{available_actions, can_see, decide};

pub const DEFAULT_PAGE_SIZE: u64 = 50;

/// Query parameters that filter and order cases (the list and the exports).
pub const FILTER_PARAMS: &[&str] = &[
    "state",
    "holder_unit",
    "township",
    "community",
    "grid",
    "category",
    "department",
    "overdue",
    "supervised",
    "channel",
    "q",
    "from",
    "to",
    "sort",
    "order",
    "measure",
    "dimension",
    "key",
];

/// The case filters as the query gives them; names are checked against the reference data in
/// [`FilterSpec::resolve`].
#[derive(Debug, Clone, Default)]
pub struct FilterSpec {
    pub states: Vec<CaseState>,
    pub holder_unit: Option<OrgUnitId>,
    pub township: Option<OrgUnitId>,
    pub community: Option<OrgUnitId>,
    pub grid: Option<GridId>,
    pub category: Option<CategoryCode>,
    pub department: Option<DepartmentId>,
    pub overdue: Option<bool>,
    pub supervised: Option<bool>,
    pub channel: Option<Channel>,
    pub text: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub sort: CaseSort,
    /// `measure=`: only the cases behind a dashboard figure; then `from` and `to` are the
    /// figure's period, as in `/api/v1/stats`, not the report dates.
    pub figure: Option<FigureQuery>,
}

/// Reads a snake_case enum value the way it travels in JSON.
fn parse_enum<T: serde::de::DeserializeOwned>(name: &str, v: &str) -> ApiResult<T> {
    serde_json::from_value(serde_json::Value::String(v.to_owned()))
        .map_err(|_| invalid_query(format!("{name}: unknown value {v:?}")))
}

fn parse_sort(q: &QueryParams) -> ApiResult<CaseSort> {
    let raw = q.get("sort").unwrap_or("reported_at");
    let (raw, desc_prefix) = match raw.strip_prefix('-') {
        Some(r) => (r, true),
        None => (raw, false),
    };
    let (field, dir) = match raw.split_once([':', '.', ' ']) {
        Some((f, d)) => (f, Some(d)),
        None => (raw, None),
    };
    let key = match field {
        "reported_at" => SortKey::ReportedAt,
        "updated_at" => SortKey::UpdatedAt,
        "deadline" => SortKey::Deadline,
        other => {
            return Err(invalid_query(format!(
                "sort: {other:?} is not reported_at, updated_at or deadline"
            )))
        }
    };
    let dir = dir.or(q.get("order")).or(desc_prefix.then_some("desc"));
    let descending = match dir {
        Some("desc") => true,
        Some("asc") => false,
        // Newest first for times of record; the most pressing deadline first.
        None => key != SortKey::Deadline,
        Some(d) => return Err(invalid_query(format!("order: {d:?} is not asc or desc"))),
    };
    Ok(CaseSort { key, descending })
}

impl FilterSpec {
    pub fn parse(q: &QueryParams, now: DateTime<Utc>) -> ApiResult<FilterSpec> {
        let figure = FigureQuery::parse(q, now)?;
        let states = q
            .all("state")
            .into_iter()
            .map(|s| {
                CaseState::parse(s).ok_or_else(|| {
                    invalid_query(format!(
                        "state: {s:?} is not one of {}",
                        CaseState::ALL.map(|s| s.as_str()).join(", ")
                    ))
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let (from, to) = if figure.is_some() {
            (None, None)
        } else {
            (
                q.get("from")
                    .map(|v| parse_time("from", v, Bound::Start))
                    .transpose()?,
                q.get("to")
                    .map(|v| parse_time("to", v, Bound::End))
                    .transpose()?,
            )
        };
        if let (Some(f), Some(t)) = (from, to) {
            if t <= f {
                return Err(invalid_query("to must be later than from"));
            }
        }
        Ok(FilterSpec {
            states,
            holder_unit: q.get("holder_unit").map(Into::into),
            township: q.get("township").map(Into::into),
            community: q.get("community").map(Into::into),
            grid: q.get("grid").map(Into::into),
            category: q.get("category").map(Into::into),
            department: q.get("department").map(Into::into),
            overdue: q.bool("overdue")?,
            supervised: q.bool("supervised")?,
            channel: q
                .get("channel")
                .map(|c| parse_enum("channel", c))
                .transpose()?,
            text: q.get("q").map(str::to_owned),
            from,
            to,
            sort: parse_sort(q)?,
            figure,
        })
    }

    /// Checks every name against the reference data and turns units into org paths; a figure
    /// becomes the ids of the cases `viewer` sees that it counts.
    pub fn resolve(
        &self,
        tx: &mut dyn LedgerTx,
        r: &Reference,
        viewer: &Viewer,
        now: DateTime<Utc>,
    ) -> ApiResult<CaseFilter> {
        let ids = match &self.figure {
            None => None,
            Some(fq) => Some(
                super::stats::case_facts(tx, viewer, fq.period, now)?
                    .into_iter()
                    .filter(|f| fq.figure.counts(f, fq.period, now))
                    .filter(|f| {
                        fq.dimension.as_ref().is_none_or(|(dim, key)| {
                            key_of(f, *dim, &r.org).as_deref() == Some(key.as_str())
                        })
                    })
                    .map(|f| f.case_id)
                    .collect(),
            ),
        };
        let mut origin_within = vec![];
        for (name, unit, level) in [
            (
                "township",
                &self.township,
                yiwang_core::org::OrgLevel::Township,
            ),
            (
                "community",
                &self.community,
                yiwang_core::org::OrgLevel::Community,
            ),
        ] {
            if let Some(id) = unit {
                if r.org.unit(id).is_none_or(|u| u.level != level) {
                    return Err(invalid_query(format!("{name}: there is no {name} {id}")));
                }
                let path = tx
                    .unit_path(id)?
                    .ok_or_else(|| invalid_query(format!("{name}: there is no {name} {id}")))?;
                origin_within.push(path);
            }
        }
        if let Some(u) = &self.holder_unit {
            if r.org.unit(u).is_none() {
                return Err(invalid_query(format!("holder_unit: there is no unit {u}")));
            }
        }
        if let Some(g) = &self.grid {
            if r.org.grid(g).is_none() {
                return Err(invalid_query(format!("grid: there is no grid {g}")));
            }
        }
        if let Some(c) = &self.category {
            if r.categories.get(c).is_none() {
                return Err(invalid_query(format!("category: there is no category {c}")));
            }
        }
        if let Some(d) = &self.department {
            if r.org.department(d).is_none() {
                return Err(invalid_query(format!(
                    "department: there is no department {d}"
                )));
            }
        }
        Ok(CaseFilter {
            states: self.states.clone(),
            holder_unit: self.holder_unit.clone(),
            origin_within,
            grid: self.grid.clone(),
            category: self.category.clone(),
            department: self.department.clone(),
            overdue: self.overdue,
            supervised: self.supervised,
            channel: self.channel,
            text: self.text.clone(),
            reported_from: self.from,
            reported_to: self.to,
            active_since: None,
            now,
            ids,
        })
    }
}

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
    pub overdue: bool,
    /// Where the case stands against its deadline (`Case::deadline_status`): a case handled
    /// after its deadline reads `handled_late`, not overdue.
    pub deadline_status: DeadlineStatus,
    pub supervisions: u32,
    pub extensions: u32,
    pub reworks: u32,
    pub rating: Option<Rating>,
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
            overdue: c.is_overdue(now),
            deadline_status: c.deadline_status(now),
            supervisions: c.supervisions,
            extensions: c.extensions,
            reworks: c.reworks,
            rating: c.rating,
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

/// The case filters of `GET /api/v1/cases` and the exports (documentation only: parsed by
/// [`FilterSpec::parse`], which also takes repeated `state`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query for the OpenAPI document; never constructed
pub struct CaseFilterQuery {
    /// pending, claimed, dispatched, in_progress, handled, verifying, closed: repeat or comma-separate.
    state: Option<String>,
    /// Cases held by this org unit now.
    holder_unit: Option<String>,
    /// Cases lodged in this township/street.
    township: Option<String>,
    /// Cases lodged in this village/community.
    community: Option<String>,
    grid: Option<String>,
    /// A leaf code (01.02) or a class code (01) for all its leaves.
    category: Option<String>,
    /// Cases ever dispatched to this department.
    department: Option<String>,
    /// true: at a department past the deadline; false: all others.
    overdue: Option<bool>,
    /// true: urged (督办) at least once.
    supervised: Option<bool>,
    /// grid, hotline8890, service_hall, wechat, open311.
    channel: Option<String>,
    /// Text in the description, address or case id.
    q: Option<String>,
    /// Reported at or after: RFC 3339, or YYYY-MM-DD (Beijing time, start of day).
    from: Option<String>,
    /// Reported before: RFC 3339, or YYYY-MM-DD (Beijing time, through the end of that day).
    to: Option<String>,
    /// reported_at (default), updated_at or deadline; `-field` or `field:desc` for descending.
    sort: Option<String>,
    /// asc or desc.
    order: Option<String>,
    /// Only the cases behind a figure of `/api/v1/stats` (closed, closure_rate, on_time_rate,
    /// overdue_now, intake, …); `from`/`to` are then the figure's period, as in `/stats`.
    measure: Option<String>,
    /// With `measure` and `key`: the cases of one breakdown row (township, department, …).
    dimension: Option<String>,
    /// The breakdown row's key, as `/stats` gives it.
    key: Option<String>,
}

/// The paging of `GET /api/v1/cases` (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query for the OpenAPI document; never constructed
pub struct PageQuery {
    /// From 1.
    page: Option<u64>,
    /// At most 200; default 50.
    page_size: Option<u64>,
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
    if page == 0 {
        return Err(invalid_query("page: pages count from 1"));
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
        let total = tx.count_cases(&viewer, &filter)?;
        let window = Window {
            offset: (page - 1).saturating_mul(page_size),
            limit: page_size,
        };
        let cases = tx.find_cases(&viewer, &filter, spec.sort, Some(window))?;
        let by_state = tx.count_cases_by_state(&viewer, &filter.without_states())?;
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

/// A photo a case shows, and whether its bytes have arrived.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PhotoView {
    pub sha256: PhotoHash,
    /// `stored` once uploaded and verified; `pending` while the device has not sent it yet.
    pub status: &'static str,
    pub url: String,
    pub thumb_url: String,
    /// Where the case refers to it: `report`, `finding`, or `event:{seq}`.
    pub sources: Vec<String>,
}

/// Who took an action, as the timeline shows them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActorView {
    pub user_id: UserId,
    pub display_name: Option<String>,
    pub role: Role,
    pub unit: Option<Named>,
    pub department: Option<Named>,
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub action: ActionKind,
    pub actor: ActorView,
    pub note: Option<String>,
    pub photos: Vec<PhotoHash>,
    /// The action as it was asked for, with all its fields.
    pub input: serde_json::Value,
    /// Where it left the case.
    pub effect: Effect,
    pub hash: String,
}

/// The hash chain of a case, checked on every read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChainStatus {
    Verified,
    Broken { error: String },
}

/// Answer to `GET /api/v1/cases/{id}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    pub case: Case,
    pub labels: CaseLabels,
    /// The finding the case came from, as the device sent it, once it has arrived.
    pub finding: Option<serde_json::Value>,
    pub photos: Vec<PhotoView>,
    pub events: Vec<EventView>,
    pub chain: ChainStatus,
    /// What the caller may do now: the buttons the console draws.
    pub available_actions: Vec<ActionKind>,
    pub deadline: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub deadline_status: DeadlineStatus,
    /// Working minutes left until the deadline on the working calendar; negative once past it.
    pub remaining_working_minutes: Option<i64>,
    /// When the caller may dispatch: the department the category sends it to and the deadline
    /// a dispatch now would set (the workflow's own decision, not stored).
    pub dispatch_preview: Option<DispatchPreview>,
}

/// What dispatching the case now would do, for the dispatch form.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DispatchPreview {
    /// The category's default department; `None` when the category names none (pick one).
    pub default_department: Option<DepartmentId>,
    pub default_department_name: Option<String>,
    /// The deadline the case would get (the same for every department: it comes from the
    /// category, the urgency and the working calendar).
    pub deadline: DateTime<Utc>,
    pub urgent: bool,
}

/// Asks the workflow what a dispatch by `me` now would decide, without storing anything.
fn dispatch_preview(
    case: &Case,
    actor: &yiwang_core::org::Actor,
    r: &Reference,
    now: DateTime<Utc>,
) -> Option<DispatchPreview> {
    let ctx = r.context(now);
    let try_with = |department: Option<DepartmentId>| {
        decide(
            Some(case),
            &case.id,
            case.version,
            &Action::Dispatch {
                department,
                note: None,
            },
            actor,
            &ctx,
        )
        .ok()
    };
    let (event, default) = match try_with(None) {
        Some(e) => {
            let d = e.effect.department.clone();
            (e, d)
        }
        None => (
            try_with(Some(r.org.departments().next()?.id.clone()))?,
            None,
        ),
    };
    Some(DispatchPreview {
        default_department_name: default
            .as_ref()
            .and_then(|d| r.org.department(d))
            .map(|d| d.name.clone()),
        default_department: default,
        deadline: event.effect.deadline?,
        urgent: case.urgent,
    })
}

fn photo_hashes_of(value: Option<&serde_json::Value>) -> Vec<PhotoHash> {
    value
        .and_then(|f| f.get("photos"))
        .and_then(|p| p.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|h| h.as_str().and_then(PhotoHash::parse))
                .collect()
        })
        .unwrap_or_default()
}

fn actor_view(e: &CaseEvent, r: &Reference, names: &BTreeMap<UserId, Option<String>>) -> ActorView {
    let (unit, department) = match &e.actor.affiliation {
        Affiliation::Unit(u) => (
            Some(Named {
                id: u.0.clone(),
                name: r.org.unit(u).map(|x| x.name.clone()).unwrap_or_default(),
            }),
            None,
        ),
        Affiliation::Department(d) => (
            None,
            Some(Named {
                id: d.0.clone(),
                name: r
                    .org
                    .department(d)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
            }),
        ),
    };
    ActorView {
        user_id: e.actor.user_id.clone(),
        display_name: names.get(&e.actor.user_id).cloned().flatten(),
        role: e.actor.role,
        unit,
        department,
    }
}

/// Builds the detail of a case the caller may see.
fn detail(
    tx: &mut dyn LedgerTx,
    r: &Reference,
    me: &AuthUser,
    case: Case,
    now: DateTime<Utc>,
) -> ApiResult<CaseDetail> {
    let actor = me.user.actor();
    let events = tx.case_events(&case.id)?;
    let chain = match verify_chain(&case.id, &events, Some((case.version, &case.head_hash))) {
        Ok(()) => ChainStatus::Verified,
        Err(e) => ChainStatus::Broken {
            error: e.to_string(),
        },
    };
    let finding = tx.finding_of_case(&case.id, case.finding_id.as_ref())?;

    // Every photo the case refers to, first mention first, with where it is mentioned.
    let mut order: Vec<PhotoHash> = vec![];
    let mut sources: BTreeMap<PhotoHash, Vec<String>> = BTreeMap::new();
    let mut mention = |h: &PhotoHash, source: String| {
        let s = sources.entry(h.clone()).or_default();
        if s.is_empty() {
            order.push(h.clone());
        }
        if !s.contains(&source) {
            s.push(source);
        }
    };
    for h in &case.photos {
        mention(h, "report".into());
    }
    for h in photo_hashes_of(finding.as_ref()) {
        mention(&h, "finding".into());
    }
    for e in &events {
        if e.seq > 1 {
            for h in e.action.photos() {
                mention(h, format!("event:{}", e.seq));
            }
        }
    }
    let stored = tx.stored_photos(&order)?;
    let photos = order
        .into_iter()
        .map(|h| PhotoView {
            status: if stored.contains(&h) {
                "stored"
            } else {
                "pending"
            },
            url: format!("/api/v1/photos/by-hash/{h}"),
            thumb_url: format!("/api/v1/photos/by-hash/{h}/thumb"),
            sources: sources.remove(&h).unwrap_or_default(),
            sha256: h,
        })
        .collect();

    let mut names: BTreeMap<UserId, Option<String>> = BTreeMap::new();
    for e in &events {
        if !names.contains_key(&e.actor.user_id) {
            let name = tx.user_by_id(&e.actor.user_id)?.map(|u| u.display_name);
            names.insert(e.actor.user_id.clone(), name);
        }
    }
    let events = events
        .iter()
        .map(|e| EventView {
            seq: e.seq,
            at: e.at,
            action: e.action.kind(),
            actor: actor_view(e, r, &names),
            note: e.action.note().map(str::to_owned),
            photos: e.action.photos().to_vec(),
            input: serde_json::to_value(&e.action).unwrap_or(serde_json::Value::Null),
            effect: e.effect.clone(),
            hash: e.hash.clone(),
        })
        .collect();
    let remaining_working_minutes = case
        .deadline
        .map(|d| r.calendar.working_minutes_left(now, d));
    let available_actions = available_actions(&case, &actor, &r.org);
    let dispatch_preview = if available_actions.contains(&ActionKind::Dispatch) {
        dispatch_preview(&case, &actor, r, now)
    } else {
        None
    };
    Ok(CaseDetail {
        labels: CaseLabels::of(&case, r),
        available_actions,
        dispatch_preview,
        deadline: case.deadline,
        overdue: case.is_overdue(now),
        deadline_status: case.deadline_status(now),
        remaining_working_minutes,
        finding,
        photos,
        events,
        chain,
        case,
    })
}

/// `GET /api/v1/cases/{id}`: a case with its finding, photos, timeline, chain status and the
/// actions the caller may take now.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "console",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseDetail), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 403, body = ErrorBody, description = "out_of_jurisdiction"),
              (status = 404, body = ErrorBody, description = "not_found")))]
pub async fn case_detail(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseDetail>> {
    let now = state.now();
    let st = state.clone();
    let d = read(&state, move |tx| {
        let reference = st.reference(tx)?;
        let case = tx
            .case(&CaseId(id))?
            .ok_or(ApiError::NotFound { what: "case" })?;
        if !can_see(&case, &me.user.actor(), &reference.org) {
            return Err(out_of_jurisdiction());
        }
        detail(tx, &reference, &me, case, now)
    })
    .await?;
    Ok(Json(d))
}

/// A case after an action, with the event that changed it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseChange {
    pub case: Case,
    pub event: CaseEvent,
}

/// `POST /api/v1/cases/{id}/actions`: takes an action on a case through the workflow, decided on
/// the version the caller saw.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "console",
    params(("id" = String, Path, description = "case id")),
    request_body = CaseActionData,
    responses((status = 200, body = CaseChange), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 403, body = ErrorBody, description = "forbidden_role, out_of_jurisdiction, not_holder"),
              (status = 404, body = ErrorBody, description = "not_found"),
              (status = 409, body = ErrorBody, description = "stale_state"),
              (status = 422, body = ErrorBody, description = "invalid_transition, invalid_input, already_rated, no_extension_requested, no_parent_unit, invalid_body")))]
pub async fn case_action(
    State(state): State<AppState>,
    me: AuthUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CaseActionData>,
) -> ApiResult<Json<CaseChange>> {
    if body.action.kind() == ActionKind::Report {
        return Err(invalid_input(
            "action: a case is reported with POST /api/v1/cases, not as an action",
        ));
    }
    let now = state.now();
    let st = state.clone();
    let change = write(&state, move |tx| {
        let reference = st.reference(tx)?;
        let actor = me.user.actor();
        match crate::casework::act(
            tx,
            &reference,
            &actor,
            &CaseId(id),
            body.base_version,
            &body.action,
            now,
        )? {
            Ok((case, event)) => Ok(CaseChange { case, event }),
            Err(refusal) => Err(refusal_error(refusal)),
        }
    })
    .await?;
    Ok(Json(change))
}

/// Body of `POST /api/v1/cases`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    /// hotline8890, service_hall or wechat.
    pub channel: Channel,
    pub category: CategoryCode,
    #[serde(default)]
    pub urgent: bool,
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub grid_id: Option<GridId>,
    /// The unit the case should wait at; otherwise the grid's community, or the operator's unit.
    pub unit_id: Option<OrgUnitId>,
    /// The citizen's name and phone.
    pub contact: Option<String>,
    #[serde(default)]
    pub photos: Vec<PhotoHash>,
}

/// `POST /api/v1/cases`: an operator lodges a case from the hotline 8890, a service hall or
/// WeChat. The server names the case (UUIDv7) and reports it through the workflow.
#[utoipa::path(post, path = "/api/v1/cases", tag = "console",
    request_body = IntakeRequest,
    responses((status = 201, body = CaseChange), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 403, body = ErrorBody, description = "forbidden, out_of_jurisdiction"),
              (status = 422, body = ErrorBody, description = "invalid_input, invalid_body")))]
pub async fn intake(
    State(state): State<AppState>,
    me: AuthUser,
    JsonBody(req): JsonBody<IntakeRequest>,
) -> ApiResult<Response> {
    me.require(&[Role::Community, Role::Township, Role::Center])?;
    if !matches!(
        req.channel,
        Channel::Hotline8890 | Channel::ServiceHall | Channel::Wechat
    ) {
        return Err(invalid_input(
            "channel: the console takes hotline8890, service_hall or wechat cases; grid cases come from the app, Open311 ones from /open311",
        ));
    }
    let location = match (req.lat, req.lon) {
        (Some(lat), Some(lon)) => Some(GeoPoint {
            lat,
            lon,
            accuracy_m: None,
        }),
        (None, None) => None,
        _ => return Err(invalid_input("lat and lon: give both or neither")),
    };
    let new = NewCase {
        channel: req.channel,
        category: req.category,
        urgent: req.urgent,
        description: req.description,
        location,
        address: req.address.filter(|a| !a.trim().is_empty()),
        grid_id: req.grid_id,
        unit: req.unit_id,
        finding_id: None,
        photos: req.photos,
        contact: req.contact.filter(|c| !c.trim().is_empty()),
    };
    let id = CaseId(uuid::Uuid::now_v7().to_string());
    let now = state.now();
    let st = state.clone();
    let change = write(&state, move |tx| {
        let reference = st.reference(tx)?;
        match crate::casework::act(
            tx,
            &reference,
            &me.user.actor(),
            &id,
            0,
            &Action::Report(new),
            now,
        )? {
            Ok((case, event)) => Ok(CaseChange { case, event }),
            Err(refusal) => Err(refusal_error(refusal)),
        }
    })
    .await?;
    let location = format!("/api/v1/cases/{}", change.case.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(change),
    )
        .into_response())
}

/// The cases `me` may see that match `spec`, in its order, for the exports.
pub fn all_matching(
    tx: &mut dyn LedgerTx,
    r: &Reference,
    me: &AuthUser,
    spec: &FilterSpec,
    now: DateTime<Utc>,
    limit: u64,
) -> ApiResult<Vec<Case>> {
    let viewer = viewer(tx, &me.user)?;
    let filter = spec.resolve(tx, r, &viewer, now)?;
    let n = tx.count_cases(&viewer, &filter)?;
    if n > limit {
        return Err(ApiError::unprocessable(
            ErrorCode::ExportTooLarge,
            format!(
                "{n} cases match; narrow the filter to at most {limit} (by date range or unit)"
            ),
        ));
    }
    Ok(tx.find_cases(&viewer, &filter, spec.sort, None)?)
}
