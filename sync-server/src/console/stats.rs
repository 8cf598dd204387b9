//! The county's figures (docs/DESIGN.md §4) and patrol coverage, computed from the ledger on every
//! request: the facts of the cases the caller may see (`CaseFacts`, kept with each case row and
//! brought forward by every event the ledger appends, so a request reads one row per case, not
//! every event) go through `yiwang_core::measures::{Measures, breakdown}`, and the patrols of
//! the caller's grids through `patrol_coverage`. The facts are a fold of the case's events, which
//! `verify-ledger` checks, so a figure cannot disagree with the ledger it summarises.

use super::figures::{parse_dimension, period_of};
use super::query::{invalid_query, QueryParams};
use super::time::{local_day, parse_day};
use super::tx::read;
use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::jurisdiction::viewer;
use crate::state::{AppState, Reference};
use crate::storage::changes::Viewer;
use crate::storage::console::CaseFilter;
use crate::storage::LedgerTx;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use yiwang_core::case::CaseState;
use yiwang_core::ids::{GridId, UserId};
use yiwang_core::measures::{coverage_of_windows, figures, CaseFacts, Dimension, Measures, Period};
use yiwang_core::org::{GridKind, OrgLevel, OrgUnit};
use yiwang_core::sync::ErrorBody;

pub use super::figures::{DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS};

/// One key of a breakdown with its figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatsRow {
    pub key: String,
    pub name: Option<String>,
    pub measures: Measures,
}

/// Intake and closures on one local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayRow {
    pub date: NaiveDate,
    pub intake: u64,
    pub closed: u64,
}

/// One dimension's breakdown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatsBreakdown {
    pub dimension: Dimension,
    pub rows: Vec<StatsRow>,
}

/// Answer to `GET /api/v1/stats`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatsResponse {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The instant the figures were computed at ("overdue now" is judged at it).
    pub now: DateTime<Utc>,
    /// The first dimension asked for.
    pub dimension: Option<Dimension>,
    /// Over every case the caller may see.
    pub total: Measures,
    /// The breakdown by the first dimension asked for.
    pub breakdown: Vec<StatsRow>,
    /// The breakdown by each dimension asked for, in the order asked: a screen showing several
    /// breakdowns asks once, and the cases' facts are read once.
    pub breakdowns: Vec<StatsBreakdown>,
    /// Intake and closed per Beijing-time day of the period; they add up to the totals.
    pub by_day: Vec<DayRow>,
}

fn key_name(r: &Reference, dim: Dimension, key: &str) -> Option<String> {
    match dim {
        Dimension::County | Dimension::Township | Dimension::Community => {
            r.org.unit(&key.into()).map(|u| u.name.clone())
        }
        Dimension::Grid => r.org.grid(&key.into()).map(|g| g.name.clone()),
        Dimension::Department => r.org.department(&key.into()).map(|d| d.name.clone()),
        Dimension::Category | Dimension::CategoryClass => {
            r.categories.get(&key.into()).map(|c| c.name.clone())
        }
    }
}

/// Intake and closures per local day, counted as `Measures` counts them, so the rows add up to
/// its `intake` and `closed`.
pub fn by_day(facts: &[CaseFacts], period: Period) -> Vec<DayRow> {
    let mut days: BTreeMap<NaiveDate, DayRow> = BTreeMap::new();
    let first = local_day(period.from);
    let last = local_day(period.to - Duration::microseconds(1));
    let mut d = first;
    while d <= last {
        days.insert(
            d,
            DayRow {
                date: d,
                intake: 0,
                closed: 0,
            },
        );
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    for f in facts {
        // Invalid and duplicate cases were never opened (不予立案): not intake, not closures.
        if !f.outcome.is_none_or(|o| o.counts_as_case()) {
            continue;
        }
        if period.contains(f.reported_at) {
            if let Some(row) = days.get_mut(&local_day(f.reported_at)) {
                row.intake += 1;
            }
        }
        if f.state == CaseState::Closed {
            if let Some(t) = f.closed_at.filter(|t| period.contains(*t)) {
                if let Some(row) = days.get_mut(&local_day(t)) {
                    row.closed += 1;
                }
            }
        }
    }
    days.into_values().collect()
}

/// `dimension=a,b,…`: one or more dimensions, each once.
fn parse_dimensions(list: &str) -> ApiResult<Vec<Dimension>> {
    let mut out: Vec<Dimension> = vec![];
    for d in list.split(',') {
        let dim = parse_dimension(d)?;
        if out.contains(&dim) {
            return Err(invalid_query(format!("dimension: {d} is asked for twice")));
        }
        out.push(dim);
    }
    Ok(out)
}

/// The facts of every case `viewer` may see that can add to a figure of `period`: the input of
/// `/stats` and of the case lists behind its figures alike.
pub fn case_facts(
    tx: &mut dyn LedgerTx,
    viewer: &Viewer,
    period: Period,
    now: DateTime<Utc>,
) -> ApiResult<Vec<CaseFacts>> {
    let filter = CaseFilter {
        active_since: Some(period.from),
        now,
        ..CaseFilter::default()
    };
    let mut out = vec![];
    for (id, stored) in tx.facts_of_cases(viewer, &filter)? {
        match stored {
            // The stored facts hold from the case's latest event on.
            Some(s) if s.until <= now => out.push(s.facts),
            // A case with an event after `now` (a clock set back, a device's clock ahead), or
            // without facts that read: its events up to `now`, as they were then.
            _ => out.extend(CaseFacts::from_events(&tx.case_events(&id)?, now)),
        }
    }
    // A department sees every case it ever worked (its history), but its figures count only
    // the cases charged to it: held now, or held when handled and closed; not one it returned.
    if let Some(d) = &viewer.department {
        out.retain(|f| f.department.as_ref() == Some(d));
    }
    Ok(out)
}

/// The query of `GET /api/v1/stats` (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query for the OpenAPI document; never constructed
pub struct StatsQuery {
    /// Start of the period: RFC 3339 or YYYY-MM-DD (Beijing time). Default: 30 days before `to`.
    #[param(
        pattern = r"^2[01][0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9]))?$"
    )]
    from: Option<String>,
    /// End of the period (exclusive; a date means through its end). Default: now.
    #[param(
        pattern = r"^2[01][0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9]))?$"
    )]
    to: Option<String>,
    /// county, township, community, grid, department, category or category_class; or several,
    /// separated by commas (each once), for a breakdown by each (`breakdowns`).
    #[param(
        pattern = r"^(county|township|community|grid|department|category|category_class)(,(county|township|community|grid|department|category|category_class)){0,6}$"
    )]
    dimension: Option<String>,
}

/// `GET /api/v1/stats`: the docs/DESIGN.md §4 measures over the cases the caller may see, broken
/// down by a dimension, with the daily intake/closure trend.
#[utoipa::path(get, path = "/api/v1/stats", tag = "console", params(StatsQuery),
    responses((status = 200, body = StatsResponse), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 400, body = ErrorBody, description = "invalid_query")))]
pub async fn stats(
    State(state): State<AppState>,
    me: AuthUser,
    q: QueryParams,
) -> ApiResult<Json<StatsResponse>> {
    q.only(&["from", "to", "dimension"])?;
    let now = state.now();
    let period = period_of(&q, now)?;
    let (from, to) = (period.from, period.to);
    let dimensions = match q.get("dimension") {
        None => vec![],
        Some(list) => parse_dimensions(list)?,
    };
    let st = state.clone();
    let out = read(&state, move |tx| {
        let reference = st.reference(tx)?;
        let viewer = viewer(tx, &me.user)?;
        let facts = case_facts(tx, &viewer, period, now)?;
        let (total, by) = figures(
            &facts,
            &dimensions,
            &reference.org,
            period,
            now,
            &reference.calendar,
        );
        let breakdowns: Vec<StatsBreakdown> = dimensions
            .iter()
            .zip(by)
            .map(|(&dim, rows)| StatsBreakdown {
                dimension: dim,
                rows: rows
                    .into_iter()
                    .map(|(key, measures)| StatsRow {
                        name: key_name(&reference, dim, &key),
                        key,
                        measures,
                    })
                    .collect(),
            })
            .collect();
        Ok(StatsResponse {
            from,
            to,
            now,
            dimension: dimensions.first().copied(),
            total,
            breakdown: breakdowns
                .first()
                .map(|b| b.rows.clone())
                .unwrap_or_default(),
            breakdowns,
            by_day: by_day(&facts, period),
        })
    })
    .await?;
    Ok(Json(out))
}

/// One grid's patrols on the day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageRow {
    pub grid_id: GridId,
    pub grid_name: String,
    pub kind: GridKind,
    pub community_id: String,
    pub community_name: Option<String>,
    pub township_id: Option<String>,
    pub township_name: Option<String>,
    pub worker_id: Option<UserId>,
    pub worker_name: Option<String>,
    /// Patrol windows (morning, afternoon) with a patrol: 0, 1 or 2; 2 is covered.
    pub windows: u8,
}

/// Coverage of a set of grids.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CoverageTotals {
    pub id: String,
    pub name: Option<String>,
    pub grids: u64,
    pub covered: u64,
    pub partial: u64,
    pub none: u64,
    /// 巡查率 = covered ÷ grids.
    pub rate: Option<f64>,
}

impl CoverageTotals {
    fn add(&mut self, windows: u8) {
        self.grids += 1;
        match windows {
            2 => self.covered += 1,
            1 => self.partial += 1,
            _ => self.none += 1,
        }
        self.rate = Some(self.covered as f64 / self.grids as f64);
    }
}

/// Answer to `GET /api/v1/coverage`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageResponse {
    pub date: NaiveDate,
    pub grids: u64,
    pub covered: u64,
    pub partial: u64,
    pub none: u64,
    pub rate: Option<f64>,
    /// Each grid (empty when asked with `rows=false`).
    pub rows: Vec<CoverageRow>,
    /// Totalled by county: one row in a county's own ledger, a row per county in a province's.
    pub by_county: Vec<CoverageTotals>,
    pub by_township: Vec<CoverageTotals>,
    /// Totalled by community (empty when asked with `rows=false`).
    pub by_community: Vec<CoverageTotals>,
}

/// The query of `GET /api/v1/coverage` (documentation only).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // describes the query for the OpenAPI document; never constructed
pub struct CoverageQuery {
    /// The Beijing-time day, YYYY-MM-DD. Default: today.
    #[param(pattern = r"^2[01][0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$")]
    date: Option<String>,
    /// `false`: the totals only, without a row per grid or community (a city's dashboard: a
    /// province has 180,000 grids). Default `true`.
    #[param(pattern = r"^(true|false)$")]
    rows: Option<String>,
}

/// `GET /api/v1/coverage`: patrol coverage (巡查率) of the caller's grids on a local day, per
/// grid and totalled by county, township and community.
#[utoipa::path(get, path = "/api/v1/coverage", tag = "console", params(CoverageQuery),
    responses((status = 200, body = CoverageResponse), (status = 401, body = ErrorBody, description = "unauthenticated"),
              (status = 400, body = ErrorBody, description = "invalid_query")))]
pub async fn coverage(
    State(state): State<AppState>,
    me: AuthUser,
    q: QueryParams,
) -> ApiResult<Json<CoverageResponse>> {
    q.only(&["date", "rows"])?;
    let with_rows = match q.get("rows") {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(invalid_query(format!(
                "rows: {other:?} is not true or false"
            )))
        }
    };
    let now = state.now();
    let date = match q.get("date") {
        None => local_day(now),
        Some(d) => parse_day("date", d)?,
    };
    date.succ_opt()
        .ok_or_else(|| invalid_query("date: out of range"))?;
    let st = state.clone();
    let out = read(&state, move |tx| {
        let reference = st.reference(tx)?;
        let actor = me.user.actor();
        let org = &reference.org;
        let grids: Vec<&yiwang_core::org::Grid> = org
            .grids()
            .filter(|g| org.grid_in_jurisdiction(&actor, &g.id))
            .collect();
        // Only the patrols of the caller's own part of the tree (none for a department).
        let viewer = viewer(tx, &me.user)?;
        let patrolled: HashMap<GridId, u8> = if grids.is_empty() {
            HashMap::new()
        } else {
            // The root's subtree is every grid: no test.
            let within = viewer
                .path
                .as_deref()
                .or(viewer.region.as_deref())
                .filter(|p| !crate::storage::console::is_root_path(p));
            tx.grid_windows_on(date, within)?.into_iter().collect()
        };
        let cov = coverage_of_windows(grids.iter().map(|g| &g.id), |g| {
            patrolled.get(g).copied().unwrap_or(0)
        });
        let workers: Vec<UserId> = if with_rows {
            grids
                .iter()
                .filter_map(|g| g.worker_id.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        } else {
            vec![]
        };
        let names = tx.display_names(&workers)?;
        let mut rows = vec![];
        let mut by_county: BTreeMap<String, CoverageTotals> = BTreeMap::new();
        type Units<'a> = (
            Option<&'a OrgUnit>,
            Option<&'a OrgUnit>,
            Option<&'a OrgUnit>,
        );
        let mut units: HashMap<&str, Units<'_>> = HashMap::new();
        let mut by_township: BTreeMap<String, CoverageTotals> = BTreeMap::new();
        let mut by_community: BTreeMap<String, CoverageTotals> = BTreeMap::new();
        for g in &grids {
            let windows = cov.by_grid.get(&g.id).copied().unwrap_or(0);
            // A community's units looked up once, not once per grid (a province has 180,000).
            let &mut (community, township, county) =
                units.entry(g.community_id.0.as_str()).or_insert_with(|| {
                    (
                        org.unit(&g.community_id),
                        org.ancestor_at(&g.community_id, OrgLevel::Township),
                        org.ancestor_at(&g.community_id, OrgLevel::County),
                    )
                });
            let entry =
                |map: &mut BTreeMap<String, CoverageTotals>, id: &str, name: Option<&str>| {
                    map.entry(id.to_owned())
                        .or_insert_with(|| CoverageTotals {
                            id: id.to_owned(),
                            name: name.map(str::to_owned),
                            ..CoverageTotals::default()
                        })
                        .add(windows);
                };
            if let Some(c) = county {
                entry(&mut by_county, &c.id.0, Some(c.name.as_str()));
            }
            if let Some(t) = township {
                entry(&mut by_township, &t.id.0, Some(t.name.as_str()));
            }
            if !with_rows {
                continue;
            }
            entry(
                &mut by_community,
                &g.community_id.0,
                community.map(|c| c.name.as_str()),
            );
            rows.push(CoverageRow {
                grid_id: g.id.clone(),
                grid_name: g.name.clone(),
                kind: g.kind,
                community_id: g.community_id.0.clone(),
                community_name: community.map(|c| c.name.clone()),
                township_id: township.map(|t| t.id.0.clone()),
                township_name: township.map(|t| t.name.clone()),
                worker_name: g.worker_id.as_ref().and_then(|w| names.get(w).cloned()),
                worker_id: g.worker_id.clone(),
                windows,
            });
        }
        Ok(CoverageResponse {
            date,
            grids: cov.grids,
            covered: cov.covered,
            partial: cov.partial,
            none: cov.none,
            rate: cov.rate,
            rows,
            by_county: by_county.into_values().collect(),
            by_township: by_township.into_values().collect(),
            by_community: by_community.into_values().collect(),
        })
    })
    .await?;
    Ok(Json(out))
}
