//! The case list's filters: the query parameters `GET /api/v1/cases` and the exports take,
//! parsed once ([`FilterSpec`]) and resolved against the caller's jurisdiction, so a CSV is
//! exactly the list the operator was looking at.

use crate::auth::AuthUser;
use crate::console::figures::FigureQuery;
use crate::console::query::{invalid_query, no_such, QueryParams};
use crate::console::time::{parse_time, Bound};
use crate::error::{ApiError, ApiResult};
use crate::jurisdiction::viewer;
use crate::state::Reference;
use crate::storage::changes::Viewer;
use crate::storage::console::{CaseFilter, CaseSort, RatingFilter, SortKey};
use crate::storage::LedgerTx;
use chrono::{DateTime, Utc};
use yiwang_core::case::{CaseState, Channel};
use yiwang_core::error::ErrorCode;
use yiwang_core::ids::{CaseId, CategoryCode, DepartmentId, GridId, OrgUnitId};
use yiwang_core::measures::key_of;

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
    "extension_requested",
    "rating",
    "returned",
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
    pub extension_requested: Option<bool>,
    pub rating: Option<RatingFilter>,
    /// A department's cases it no longer has (退回); only for a department's own lists.
    pub returned: Option<bool>,
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
            extension_requested: q.bool("extension_requested")?,
            rating: q
                .get("rating")
                .map(|v| match v {
                    "unrated" => Ok(RatingFilter::Unrated),
                    other => parse_enum("rating", other).map(RatingFilter::Is),
                })
                .transpose()?,
            returned: q.bool("returned")?,
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
                crate::console::stats::case_facts(tx, viewer, fq.period, now)?
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
                    return Err(no_such(format!("{name}: there is no {name} {id}")));
                }
                let path = tx
                    .unit_path(id)?
                    .ok_or_else(|| no_such(format!("{name}: there is no {name} {id}")))?;
                origin_within.push(path);
            }
        }
        if let Some(u) = &self.holder_unit {
            if r.org.unit(u).is_none() {
                return Err(no_such(format!("holder_unit: there is no unit {u}")));
            }
        }
        if let Some(g) = &self.grid {
            if r.org.grid(g).is_none() {
                return Err(no_such(format!("grid: there is no grid {g}")));
            }
        }
        if let Some(c) = &self.category {
            if r.categories.get(c).is_none() {
                return Err(no_such(format!("category: there is no category {c}")));
            }
        }
        if let Some(d) = &self.department {
            if r.org.department(d).is_none() {
                return Err(no_such(format!("department: there is no department {d}")));
            }
        }
        // A department's lists are of the cases charged to it; `returned` asks for the others.
        let charged = match (&viewer.department, self.returned) {
            (Some(d), returned) => Some((d.clone(), returned.unwrap_or(false))),
            (None, Some(_)) => {
                return Err(invalid_query(
                    "returned: only a department's own lists have cases it returned",
                ))
            }
            (None, None) => None,
        };
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
            extension_requested: self.extension_requested,
            rating: self.rating,
            charged,
        })
    }
}

/// The case filters of `GET /api/v1/cases` and the exports (documentation only: parsed by
/// [`FilterSpec::parse`], which also takes repeated `state`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query for the OpenAPI document; never constructed
pub struct CaseFilterQuery {
    /// pending, claimed, dispatched, in_progress, handled, verifying, closed: repeat or comma-separate.
    #[param(
        pattern = r"^(pending|claimed|dispatched|in_progress|handled|verifying|closed)(,(pending|claimed|dispatched|in_progress|handled|verifying|closed))*$"
    )]
    state: Option<String>,
    /// Cases held by this org unit now.
    #[param(min_length = 1, max_length = 64)]
    holder_unit: Option<String>,
    /// Cases lodged in this township/street.
    #[param(min_length = 1, max_length = 64)]
    township: Option<String>,
    /// Cases lodged in this village/community.
    #[param(min_length = 1, max_length = 64)]
    community: Option<String>,
    #[param(min_length = 1, max_length = 128)]
    grid: Option<String>,
    /// A leaf code (01.02) or a class code (01) for all its leaves.
    #[param(pattern = r"^[0-9]{2}(\.[0-9]{2})?$")]
    category: Option<String>,
    /// Cases ever dispatched to this department.
    #[param(min_length = 1, max_length = 64)]
    department: Option<String>,
    /// true: at a department past the deadline; false: all others.
    overdue: Option<bool>,
    /// true: urged (督办) at least once.
    supervised: Option<bool>,
    /// true: a department asked for a later deadline that nobody has decided yet.
    extension_requested: Option<bool>,
    /// unrated (closed, not rated yet), satisfied, basically_satisfied or dissatisfied: the
    /// rating the satisfaction figure counts (the resident's, else the operator's).
    #[param(pattern = r"^(unrated|satisfied|basically_satisfied|dissatisfied)$")]
    rating: Option<String>,
    /// A department's own lists show the cases charged to it; true: the ones it returned (or
    /// that were taken back) instead. Only for a department.
    returned: Option<bool>,
    /// grid, hotline8890, service_hall, wechat, open311.
    #[param(pattern = r"^(grid|hotline8890|service_hall|wechat|open311)$")]
    channel: Option<String>,
    /// Text in the description, address, the caller's contact (name, phone) or case id.
    #[param(max_length = 500)]
    q: Option<String>,
    /// Reported at or after: RFC 3339, or YYYY-MM-DD (Beijing time, start of day).
    #[param(
        pattern = r"^2[01][0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9]))?$"
    )]
    from: Option<String>,
    /// Reported before: RFC 3339, or YYYY-MM-DD (Beijing time, through the end of that day).
    #[param(
        pattern = r"^2[01][0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9]))?$"
    )]
    to: Option<String>,
    /// reported_at (default), updated_at or deadline; `-field` or `field:desc` for descending.
    #[param(pattern = r"^-?(reported_at|updated_at|deadline)(:(asc|desc))?$")]
    sort: Option<String>,
    /// asc or desc.
    #[param(pattern = r"^(asc|desc)$")]
    order: Option<String>,
    /// Only the cases behind a figure of `/api/v1/stats` (closed, closure_rate, on_time_rate,
    /// overdue_now, intake, …); `from`/`to` are then the figure's period, as in `/stats`.
    #[param(pattern = r"^[a-z_]{1,32}$")]
    measure: Option<String>,
    /// With `measure` and `key`: the cases of one breakdown row (township, department, …).
    #[param(pattern = r"^(county|township|community|grid|department|category|category_class)$")]
    dimension: Option<String>,
    /// The breakdown row's key, as `/stats` gives it.
    #[param(min_length = 1, max_length = 128)]
    key: Option<String>,
}

/// The paging of `GET /api/v1/cases` (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query for the OpenAPI document; never constructed
pub struct PageQuery {
    /// From 1.
    #[param(minimum = 1, maximum = 1000000)]
    page: Option<u64>,
    /// At most 200; default 50.
    #[param(minimum = 1, maximum = 200)]
    page_size: Option<u64>,
}

/// The ids of the cases `me` may see that match `spec`, in its order, for the exports; refused
/// when more than `limit` match.
pub fn all_matching_ids(
    tx: &mut dyn LedgerTx,
    r: &Reference,
    me: &AuthUser,
    spec: &FilterSpec,
    now: DateTime<Utc>,
    limit: u64,
) -> ApiResult<Vec<CaseId>> {
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
    Ok(tx.find_case_ids(&viewer, &filter, spec.sort)?)
}
