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
pub mod labels;
pub mod org;
pub mod patrols;
pub mod query;
pub mod stats;
pub mod time;
pub mod tx;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every console route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cases::list::list_cases, cases::intake::intake))
        .routes(routes!(cases::detail::case_detail))
        .routes(routes!(cases::actions::case_action))
        .routes(routes!(stats::stats))
        .routes(routes!(stats::coverage))
        .routes(routes!(exports::cases_csv))
        .routes(routes!(exports::cases_geojson))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(admin::disable_user))
        .routes(routes!(admin::enable_user))
        .routes(routes!(admin::reset_password))
        .routes(routes!(admin::list_devices))
        .routes(routes!(admin::revoke_device))
        .routes(routes!(admin::list_units, admin::upsert_unit))
        .routes(routes!(admin::list_grids))
        .routes(routes!(admin::import_grids))
        .routes(routes!(admin::get_categories, admin::put_categories))
        .routes(routes!(admin::audit_log))
        .routes(routes!(org::org))
        .routes(routes!(patrols::list_patrols))
        .routes(routes!(patrols::patrol_detail))
        .routes(routes!(patrols::patrol_track))
        .routes(routes!(patrols::list_grids))
}
