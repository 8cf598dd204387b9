//! The cases behind a dashboard figure: `GET /api/v1/cases?measure=closed&from=…&to=…` lists
//! exactly the cases `GET /api/v1/stats` with the same period counts for that figure.
//!
//! [`Figure::counts`] states, case by case, the rule `yiwang_core::measures::Measures::compute`
//! applies when it adds one to a count; a rate links to its numerator (结案率 → closed), and
//! the mean time to close to the closed cases it averages over. The console tests check, on a
//! history with every kind of case, that each figure's list is as long as the figure.

use super::query::{invalid_query, no_such, QueryParams};
use super::time::{parse_time, Bound};
use crate::error::ApiResult;
use chrono::{DateTime, Duration, Utc};
use yiwang_core::case::CaseState;
use yiwang_core::measures::{CaseFacts, Dimension, Period};

/// The period `/stats` covers when the query names none.
pub const DEFAULT_PERIOD_DAYS: i64 = 30;
/// The longest period one request may ask for (the trend has a row per day).
pub const MAX_PERIOD_DAYS: i64 = 731;

/// The period of a `/stats`-style query: `from`, `to` (exclusive; a date means through its
/// end), by default the 30 days up to `now`.
pub fn period_of(q: &QueryParams, now: DateTime<Utc>) -> ApiResult<Period> {
    let to = q
        .get("to")
        .map(|v| parse_time("to", v, Bound::End))
        .transpose()?
        .unwrap_or(now);
    let from = q
        .get("from")
        .map(|v| parse_time("from", v, Bound::Start))
        .transpose()?
        .unwrap_or(to - Duration::days(DEFAULT_PERIOD_DAYS));
    if to <= from {
        return Err(invalid_query("to must be later than from"));
    }
    if to - from > Duration::days(MAX_PERIOD_DAYS) {
        return Err(invalid_query(format!(
            "the period may be at most {MAX_PERIOD_DAYS} days"
        )));
    }
    Ok(Period { from, to })
}

/// A breakdown dimension as the query names it.
pub fn parse_dimension(d: &str) -> ApiResult<Dimension> {
    serde_json::from_value(serde_json::Value::String(d.to_owned())).map_err(|_| {
        invalid_query(format!(
            "dimension: {d:?} is not county, township, community, grid, department, category or category_class"
        ))
    })
}

/// A count of `Measures` whose cases can be listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Reported,
    Intake,
    Due,
    Closed,
    ClosedOnTime,
    Verified,
    Reworked,
    Dispatched,
    Extended,
    Rated,
    Satisfied,
    OverdueNow,
    /// Due in the period and not closed on time: the cases 按期结案率 misses.
    NotOnTime,
    /// Rated in the period and not satisfied: the cases 满意率 misses.
    Dissatisfied,
}

/// Every name `measure=` takes: the counts of `Measures`, and its rates and mean, which list the
/// cases of their numerator.
pub const FIGURE_NAMES: &[(&str, Figure)] = &[
    ("reported", Figure::Reported),
    ("intake", Figure::Intake),
    ("due", Figure::Due),
    ("closed", Figure::Closed),
    ("closure_rate", Figure::Closed),
    ("mean_hours_to_close", Figure::Closed),
    ("closed_on_time", Figure::ClosedOnTime),
    ("on_time", Figure::ClosedOnTime),
    ("on_time_rate", Figure::ClosedOnTime),
    ("verified", Figure::Verified),
    ("reworked", Figure::Reworked),
    ("rework_rate", Figure::Reworked),
    ("dispatched", Figure::Dispatched),
    ("extended", Figure::Extended),
    ("extension_rate", Figure::Extended),
    ("rated", Figure::Rated),
    ("satisfied", Figure::Satisfied),
    ("satisfaction_rate", Figure::Satisfied),
    ("overdue_now", Figure::OverdueNow),
    ("not_on_time", Figure::NotOnTime),
    ("dissatisfied", Figure::Dissatisfied),
];

impl Figure {
    pub fn parse(name: &str) -> ApiResult<Figure> {
        FIGURE_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                no_such(format!(
                    "measure: there is no figure {name:?}; the figures are {}",
                    FIGURE_NAMES
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    /// Whether `Measures::compute(…, period, now, …)` counts case `f` in this figure.
    pub fn counts(self, f: &CaseFacts, p: Period, now: DateTime<Utc>) -> bool {
        let real = f.outcome.is_none_or(|o| o.counts_as_case());
        let closed_in =
            f.state == CaseState::Closed && real && f.closed_at.is_some_and(|t| p.contains(t));
        let in_p = |t: DateTime<Utc>| p.contains(t);
        match self {
            Figure::Reported => in_p(f.reported_at),
            Figure::Intake => in_p(f.reported_at) && real,
            _ if !real => false,
            Figure::Closed => closed_in,
            Figure::ClosedOnTime => {
                closed_in
                    && f.closed_at
                        .is_some_and(|c| f.deadline.is_none_or(|d| c <= d))
            }
            Figure::Due => {
                closed_in
                    || f.deadline.is_some_and(|d| {
                        in_p(d) && d <= now && f.closed_at.is_none_or(|c| c >= p.from)
                    })
            }
            Figure::Verified => f.verifications.iter().any(|(t, _)| in_p(*t)),
            Figure::Reworked => f.verifications.iter().any(|(t, pass)| in_p(*t) && !pass),
            Figure::Dispatched => f.dispatched_at.is_some_and(in_p),
            Figure::Extended => f.dispatched_at.is_some_and(in_p) && f.extended,
            Figure::Rated => f.counted_rating().is_some_and(|(_, t)| in_p(t)),
            Figure::Satisfied => f
                .counted_rating()
                .is_some_and(|(r, t)| in_p(t) && r.is_satisfied()),
            Figure::OverdueNow => yiwang_core::case::is_overdue(f.state, f.deadline, now),
            Figure::NotOnTime => {
                Figure::Due.counts(f, p, now) && !Figure::ClosedOnTime.counts(f, p, now)
            }
            Figure::Dissatisfied => {
                Figure::Rated.counts(f, p, now) && !Figure::Satisfied.counts(f, p, now)
            }
        }
    }
}

/// `measure=…` with its period and, for a breakdown row, `dimension=…&key=…`.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureQuery {
    pub figure: Figure,
    pub period: Period,
    pub dimension: Option<(Dimension, String)>,
}

impl FigureQuery {
    /// Reads `measure`, `from`, `to`, `dimension` and `key`; `None` when there is no `measure`.
    pub fn parse(q: &QueryParams, now: DateTime<Utc>) -> ApiResult<Option<FigureQuery>> {
        let Some(name) = q.get("measure") else {
            if q.get("dimension").is_some() || q.get("key").is_some() {
                return Err(no_such(
                    "dimension and key name a breakdown row of a measure: without measure there \
                     is no such row",
                ));
            }
            return Ok(None);
        };
        let figure = Figure::parse(name)?;
        let dimension = match (q.get("dimension"), q.get("key")) {
            (None, None) => None,
            (Some(d), Some(k)) => Some((parse_dimension(d)?, k.to_owned())),
            _ => {
                return Err(no_such(
                    "dimension and key go together: a breakdown row needs both",
                ))
            }
        };
        Ok(Some(FigureQuery {
            figure,
            period: period_of(q, now)?,
            dimension,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rate_links_to_its_numerator() {
        for (rate, count) in [
            ("closure_rate", "closed"),
            ("on_time_rate", "closed_on_time"),
            ("rework_rate", "reworked"),
            ("extension_rate", "extended"),
            ("satisfaction_rate", "satisfied"),
            ("mean_hours_to_close", "closed"),
        ] {
            assert_eq!(
                Figure::parse(rate).unwrap(),
                Figure::parse(count).unwrap(),
                "{rate} lists the cases of {count}"
            );
        }
        assert!(
            Figure::parse("closure").is_err(),
            "an unknown measure is refused, not read as no filter"
        );
    }
}
