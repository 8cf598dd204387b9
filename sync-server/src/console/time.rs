//! Local time for the console: query dates and times are Asia/Shanghai days (UTC+8 all year),
//! read strictly (`YYYY-MM-DD` or RFC 3339) and bounded to years a ledger can hold.

use super::query::invalid_query;
use crate::error::ApiResult;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

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
}
