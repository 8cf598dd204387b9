//! The console API (docs/DESIGN.md §6): what the county's web console reads and does.
//!
//! - [`cases`]: the case list with its filters, a case's detail (finding, photos, timeline, chain
//!   status, the actions the caller may take now), actions, and intake by an operator.
//! - [`stats`]: the county's measures (docs/DESIGN.md §4) by unit, department, category and day, and
//!   patrol coverage for a day — computed from the ledger on every request, never stored.
//! - [`exports`]: the case list as CSV (for Excel and WPS) and as GeoJSON.
//! - [`admin`]: users, org units, grids ([`grids_geojson`] import) and categories; admins only.
//! - [`org`]: the reference data a signed-in user may see.
//! - [`patrols`]: the grid list with the day's patrols, and patrols with their tracks.
//! - [`figures`]: which cases a dashboard figure counts, so each figure links to its cases.
//!
//! Jurisdiction is the rule of `yiwang_core::workflow::can_see` everywhere: lists are filtered by
//! it in SQL (`crate::storage::console`), single cases are checked with it, and case actions are
//! decided by the workflow itself through [`crate::casework::act`]. Out of jurisdiction is 403
//! `out_of_jurisdiction`; a case that does not exist is 404.
//!
//! Local times (query dates, CSV columns, days of the trend) are Asia/Shanghai, UTC+8 all year.

pub mod admin;
pub mod cases;
pub mod exports;
pub mod figures;
pub mod grids_geojson;
pub mod org;
pub mod patrols;
pub mod stats;

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Reference};
use crate::storage::{LedgerTx, StorageError};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use yiwang_core::case::{Case, CaseState};
use yiwang_core::error::ErrorCode;
use yiwang_core::org::OrgLevel;
use yiwang_core::workflow::Refusal;

/// Every console route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cases::list_cases, cases::intake))
        .routes(routes!(cases::case_detail))
        .routes(routes!(cases::case_action))
        .routes(routes!(stats::stats))
        .routes(routes!(stats::coverage))
        .routes(routes!(exports::cases_csv))
        .routes(routes!(exports::cases_geojson))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(admin::disable_user))
        .routes(routes!(admin::list_units, admin::upsert_unit))
        .routes(routes!(admin::list_grids))
        .routes(routes!(admin::import_grids))
        .routes(routes!(admin::get_categories, admin::put_categories))
        .routes(routes!(org::org))
        .routes(routes!(patrols::list_patrols))
        .routes(routes!(patrols::patrol_detail))
        .routes(routes!(patrols::list_grids))
}

/// Asia/Shanghai: UTC+8, no daylight saving time.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The instant a local day starts.
pub fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    shanghai()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

/// The local day of an instant.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

/// `2026-11-26 09:00:00`, local time, for people and spreadsheets.
pub fn local_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Which end of a period a query time names: a bare date means the start of that day for
/// `from` and the end of it (the next midnight) for `to`, so `from=D&to=D` is the whole day D.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Start,
    End,
}

/// Query dates are accepted within these years: the ledger holds nothing outside them, and
/// date arithmetic near chrono's limits would overflow.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2199;

/// Parses a query day, `YYYY-MM-DD`, within [`YEARS`].
pub fn parse_day(name: &str, value: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            invalid_query(format!(
                "{name}: {value:?} is not a date YYYY-MM-DD between {} and {}",
                YEARS.start(),
                YEARS.end()
            ))
        })
}

/// Parses a query time: RFC 3339, or `YYYY-MM-DD` as a local day, within [`YEARS`].
pub fn parse_time(name: &str, value: &str, bound: Bound) -> ApiResult<DateTime<Utc>> {
    let value = value.trim();
    // A `+` in a query string arrives as a space when the client did not escape it.
    let rfc = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc));
    let t = match rfc(value).or_else(|_| rfc(&value.replace(' ', "+"))) {
        Ok(t) => Some(t),
        Err(_) => NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .ok()
            .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
            .and_then(|d| match bound {
                Bound::Start => Some(d),
                Bound::End => d.succ_opt(),
            })
            .map(local_midnight),
    };
    t.filter(|t| YEARS.contains(&chrono::Datelike::year(&local_day(*t))))
        .ok_or_else(|| {
            invalid_query(format!(
                "{name}: give a date (2026-11-26, Beijing time) or an RFC 3339 time (2026-11-26T09:00:00+08:00) between {} and {}",
                YEARS.start(),
                YEARS.end()
            ))
        })
}

/// 400 `invalid_query`: a query parameter the server cannot use.
pub fn invalid_query(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidQuery, message)
}

/// 422 `invalid_input`: a body field the server will not accept.
pub fn invalid_input(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidInput, message)
}

/// The query string as name/value pairs, in order; repeated names are kept. Refusals use our
/// error envelope.
#[derive(Debug, Clone, Default)]
pub struct QueryParams(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|q| QueryParams(q.0))
            .map_err(|e| invalid_query(e.body_text()))
    }
}

impl QueryParams {
    /// Refuses names outside `known`, so a misspelt filter is an error, not a silent no-op.
    pub fn only(&self, known: &[&str]) -> ApiResult<()> {
        for (k, _) in &self.0 {
            if !known.contains(&k.as_str()) {
                return Err(invalid_query(format!(
                    "unknown query parameter {k:?}; known: {}",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The last non-empty value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// Every value of `name`, repeated or comma-separated.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some("1" | "true" | "yes") => Ok(Some(true)),
            Some("0" | "false" | "no") => Ok(Some(false)),
            Some(v) => Err(invalid_query(format!("{name}: {v:?} is not true or false"))),
        }
    }

    pub fn u64(&self, name: &str) -> ApiResult<Option<u64>> {
        self.get(name)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| invalid_query(format!("{name}: {v:?} is not a whole number")))
            })
            .transpose()
    }
}

/// Runs `f` in a read transaction; storage errors become `ApiError`s.
pub async fn read<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut dyn LedgerTx) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    state.ledger.read(move |tx| Ok(f(tx))).await?
}

/// Runs `f` in a write transaction that commits only when `f` succeeds: any error, a refusal
/// included, rolls back everything `f` wrote, so bad input changes nothing stored.
pub async fn write<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut dyn LedgerTx) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let refusal: Arc<Mutex<Option<ApiError>>> = Arc::new(Mutex::new(None));
    let slot = refusal.clone();
    let out = state
        .ledger
        .write(move |tx| match f(tx) {
            Ok(v) => Ok(v),
            Err(e) => {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                Err(StorageError::Invalid("refused; rolled back".into()))
            }
        })
        .await;
    match out {
        Ok(v) => Ok(v),
        Err(e) => Err(refusal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(|| e.into())),
    }
}

/// The answer to a workflow refusal: 409 for a stale decision, 403 when the case is not the
/// caller's to act on, 404 for an unknown case, 422 for everything else; the code is the
/// refusal's own.
pub fn refusal_error(r: Refusal) -> ApiError {
    let code = r.code();
    let message = r.to_string();
    match r {
        Refusal::StaleState { .. } | Refusal::CaseExists => ApiError::Conflict { code, message },
        Refusal::ForbiddenRole { .. } | Refusal::OutOfJurisdiction | Refusal::NotHolder => {
            ApiError::denied(code, message)
        }
        Refusal::UnknownCase => ApiError::NotFound { what: "case" },
        Refusal::InvalidTransition { .. }
        | Refusal::NoParentUnit
        | Refusal::AlreadyRated
        | Refusal::NoExtensionRequested
        | Refusal::InvalidInput { .. } => ApiError::unprocessable(code, message),
    }
}

/// 403 `out_of_jurisdiction`.
pub fn out_of_jurisdiction() -> ApiError {
    refusal_error(Refusal::OutOfJurisdiction)
}

/// Something with an id and a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// Display names for a case's codes, resolved against the current reference data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseLabels {
    pub category_name: Option<String>,
    pub category_class: Option<Named>,
    pub grid_name: Option<String>,
    pub community: Option<Named>,
    pub township: Option<Named>,
    pub holder_unit_name: Option<String>,
    pub department_name: Option<String>,
}

impl CaseLabels {
    pub fn of(case: &Case, r: &Reference) -> CaseLabels {
        let level = |l: OrgLevel| {
            r.org.ancestor_at(&case.origin_unit, l).map(|u| Named {
                id: u.id.0.clone(),
                name: u.name.clone(),
            })
        };
        CaseLabels {
            category_name: r.categories.get(&case.category).map(|c| c.name.clone()),
            category_class: r.categories.class_of(&case.category).map(|c| Named {
                id: c.code.0.clone(),
                name: c.name.clone(),
            }),
            grid_name: case
                .grid_id
                .as_ref()
                .and_then(|g| r.org.grid(g))
                .map(|g| g.name.clone()),
            community: level(OrgLevel::Community),
            township: level(OrgLevel::Township),
            holder_unit_name: r.org.unit(&case.holder_unit).map(|u| u.name.clone()),
            department_name: case
                .department
                .as_ref()
                .and_then(|d| r.org.department(d))
                .map(|d| d.name.clone()),
        }
    }
}

/// 待受理, 已认领, … as the county's forms print them.
pub fn state_label(s: CaseState) -> &'static str {
    match s {
        CaseState::Pending => "待受理",
        CaseState::Claimed => "已认领",
        CaseState::Dispatched => "已分派",
        CaseState::InProgress => "办理中",
        CaseState::Handled => "已处置",
        CaseState::Verifying => "待核查",
        CaseState::Closed => "已结案",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_dates_are_beijing_days() {
        let from = parse_time("from", "2026-11-26", Bound::Start).unwrap();
        let to = parse_time("to", "2026-11-26", Bound::End).unwrap();
        assert_eq!(
            from.to_rfc3339(),
            "2026-11-25T16:00:00+00:00",
            "a day starts at local midnight, 16:00 UTC the day before"
        );
        assert_eq!(
            (to - from).num_hours(),
            24,
            "from=D&to=D covers the whole day D"
        );
        let t = parse_time("from", "2026-11-26T09:00:00 08:00", Bound::Start).unwrap();
        assert_eq!(
            t.to_rfc3339(),
            "2026-11-26T01:00:00+00:00",
            "an unescaped + that arrived as a space is read as +"
        );
        assert!(
            parse_time("from", "26/11/2026", Bound::Start).is_err(),
            "other formats are refused, not guessed"
        );
        for far in ["-200000-01-01", "262143-12-31", "9999-12-31T23:59:59Z"] {
            assert!(
                parse_time("to", far, Bound::End).is_err(),
                "{far}: dates far out are refused, before any arithmetic can overflow"
            );
        }
    }

    #[test]
    fn query_lists_take_repeats_and_commas() {
        let q = QueryParams(vec![
            ("state".into(), "pending,claimed".into()),
            ("state".into(), "closed".into()),
            ("overdue".into(), "maybe".into()),
        ]);
        assert_eq!(q.all("state"), ["pending", "claimed", "closed"]);
        assert!(q.bool("overdue").is_err(), "a bool is true or false");
        assert!(
            q.only(&["state"]).is_err(),
            "an unknown name is refused, so a typo is not a silent no-op"
        );
    }
}
