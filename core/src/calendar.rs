//! The working calendar (工作日历): which days are working days and which hours of them count,
//! so that deadlines (处置时限) in working hours or working days land where a county's standard
//! tables say they do.
//!
//! A working day is Monday to Friday unless it is a public holiday, plus the weekend days the
//! State Council declares working days (调休). Working time is one window per working day,
//! 08:30–17:30 local time by default; the lunch break is not subtracted, as most county
//! standard tables count whole office days. Deadlines start at dispatch.
//!
//! All arithmetic takes UTC instants and works in the calendar's fixed local offset (China has
//! no daylight saving time; Asia/Shanghai is UTC+8 all year).

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A span of working time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "unit", content = "n")]
pub enum WorkDuration {
    WorkingHours(u32),
    WorkingDays(u32),
}

/// The built-in holiday file: China's public holidays and make-up working days.
pub const BUILTIN_CALENDAR_JSON: &str = include_str!("../data/calendar-cn.json");

/// Which days and hours count as working time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkingCalendar {
    /// Offset of local time from UTC, in seconds (28,800 for China).
    pub utc_offset_seconds: i32,
    pub day_start: NaiveTime,
    pub day_end: NaiveTime,
    /// Days off that would otherwise be working days.
    #[serde(default)]
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days that are working days (调休上班).
    #[serde(default)]
    pub workdays: BTreeSet<NaiveDate>,
}

impl Default for WorkingCalendar {
    /// Weekdays 08:30–17:30 at UTC+8, no holidays.
    fn default() -> Self {
        WorkingCalendar {
            utc_offset_seconds: 8 * 3600,
            day_start: NaiveTime::from_hms_opt(8, 30, 0).expect("valid time"),
            day_end: NaiveTime::from_hms_opt(17, 30, 0).expect("valid time"),
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
        }
    }
}

/// Why a calendar file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the calendar file is not valid: {0}")]
    Format(String),
    #[error("the working day must start before it ends")]
    EmptyDay,
    #[error("{0} is listed both as a holiday and as a working day")]
    Both(NaiveDate),
}

impl WorkingCalendar {
    /// China's calendar with the holidays of `core/data/calendar-cn.json`.
    pub fn china() -> Self {
        Self::from_json(BUILTIN_CALENDAR_JSON).expect("the built-in calendar file is valid")
    }

    pub fn from_json(json: &str) -> Result<Self, CalendarError> {
        let cal: WorkingCalendar =
            serde_json::from_str(json).map_err(|e| CalendarError::Format(e.to_string()))?;
        if cal.day_start >= cal.day_end {
            return Err(CalendarError::EmptyDay);
        }
        if let Some(d) = cal.holidays.intersection(&cal.workdays).next() {
            return Err(CalendarError::Both(*d));
        }
        if FixedOffset::east_opt(cal.utc_offset_seconds).is_none() {
            return Err(CalendarError::Format(
                "utc_offset_seconds out of range".into(),
            ));
        }
        Ok(cal)
    }

    fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_seconds).expect("offset checked on load")
    }

    /// The local calendar date of an instant.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.offset()).date_naive()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.holidays.contains(&d) {
            return false;
        }
        if self.workdays.contains(&d) {
            return true;
        }
        d.weekday().number_from_monday() <= 5
    }

    /// The first working day strictly after `d`.
    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut n = d.succ_opt().expect("date in range");
        // A year never has more than a few weeks off in a row; the bound keeps a misconfigured
        // calendar (every day a holiday) from looping for ever.
        for _ in 0..3660 {
            if self.is_working_day(n) {
                return n;
            }
            n = n.succ_opt().expect("date in range");
        }
        n
    }

    fn at(&self, d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
        self.offset()
            .from_local_datetime(&d.and_time(t))
            .single()
            .expect("a fixed offset has no gaps")
            .with_timezone(&Utc)
    }

    /// Start and end of working time on `d`, if it is a working day.
    pub fn window(&self, d: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.is_working_day(d)
            .then(|| (self.at(d, self.day_start), self.at(d, self.day_end)))
    }

    /// The deadline for work that starts at `start` and may take `span`.
    ///
    /// Working days: the end of the n-th working day after the day of `start` (the day of
    /// dispatch does not count, as 「3个工作日内」 is read in the standard tables). Working
    /// hours: n hours of working time counted from `start` (or from the next window's start).
    /// Either way the deadline falls inside a working day's window.
    pub fn deadline(&self, start: DateTime<Utc>, span: WorkDuration) -> DateTime<Utc> {
        match span {
            WorkDuration::WorkingDays(n) => {
                let mut d = self.local_date(start);
                for _ in 0..n.max(1) {
                    d = self.next_working_day(d);
                }
                self.at(d, self.day_end)
            }
            WorkDuration::WorkingHours(n) => {
                self.add_working_time(start, Duration::hours(i64::from(n.max(1))))
            }
        }
    }

    /// `start` plus `d` of working time: counted from `start` (or from the next window's
    /// start), skipping nights, weekends and holidays. Deadlines in working hours, and the demo
    /// county's office-hours delays, are this.
    pub fn add_working_time(&self, start: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
        let mut remaining = d.max(Duration::zero());
        let mut day = self.local_date(start);
        let mut cursor = start;
        // Bounded: ten years of days is far beyond any deadline or delay.
        for _ in 0..3660 {
            if let Some((open, close)) = self.window(day) {
                let from = cursor.max(open);
                if from < close {
                    let available = close - from;
                    if remaining <= available {
                        return from + remaining;
                    }
                    remaining -= available;
                }
            }
            day = self.next_working_day(day);
            cursor = self.at(day, self.day_start);
        }
        cursor + remaining
    }

    /// Working time between two instants (zero if `to` is not after `from`).
    pub fn working_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let mut total = Duration::zero();
        let mut d = self.local_date(from);
        let last = self.local_date(to);
        while d <= last {
            if let Some((open, close)) = self.window(d) {
                let a = from.max(open);
                let b = to.min(close);
                if b > a {
                    total += b - a;
                }
            }
            d = d.succ_opt().expect("date in range");
        }
        total
    }

    /// Working minutes from `now` to `deadline`: positive while time is left, negative (the
    /// working time overrun) once it has passed: the console's countdown.
    pub fn working_minutes_left(&self, now: DateTime<Utc>, deadline: DateTime<Utc>) -> i64 {
        if deadline >= now {
            self.working_time_between(now, deadline).num_minutes()
        } else {
            -self.working_time_between(deadline, now).num_minutes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn added_working_time_skips_nights_and_weekends() {
        let cal = WorkingCalendar::default();
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Friday 2026-11-27 16:30 Beijing + 2 working hours = Monday 09:30 (the day ends 17:30).
        assert_eq!(
            cal.add_working_time(t("2026-11-27T16:30:00+08:00"), Duration::hours(2)),
            t("2026-11-30T09:30:00+08:00"),
            "one hour on Friday, one on Monday"
        );
        assert_eq!(
            cal.add_working_time(t("2026-11-28T10:00:00+08:00"), Duration::minutes(30)),
            t("2026-11-30T09:00:00+08:00"),
            "a Saturday start waits for Monday's opening"
        );
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn working_days_skip_the_dispatch_day_and_the_weekend() {
        let cal = WorkingCalendar::default();
        // Thursday 2026-11-26 10:00 Beijing time; 3 working days → Tuesday 12-01 17:30.
        let d = cal.deadline(
            utc("2026-11-26T10:00:00+08:00"),
            WorkDuration::WorkingDays(3),
        );
        assert_eq!(
            d,
            utc("2026-12-01T17:30:00+08:00"),
            "Fri, Mon, Tue are the three days"
        );
    }

    #[test]
    fn working_hours_carry_over_to_the_next_working_day() {
        let cal = WorkingCalendar::default();
        // Friday 16:30 + 4 h: 1 h on Friday, 3 h on Monday from 08:30.
        let d = cal.deadline(
            utc("2026-11-27T16:30:00+08:00"),
            WorkDuration::WorkingHours(4),
        );
        assert_eq!(
            d,
            utc("2026-11-30T11:30:00+08:00"),
            "weekend hours do not count"
        );
        // Saturday night: counting starts Monday 08:30.
        let d = cal.deadline(
            utc("2026-11-28T23:00:00+08:00"),
            WorkDuration::WorkingHours(2),
        );
        assert_eq!(d, utc("2026-11-30T10:30:00+08:00"));
    }

    #[test]
    fn holidays_and_make_up_days_from_the_builtin_file() {
        let cal = WorkingCalendar::china();
        let oct1 = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        assert!(!cal.is_working_day(oct1), "National Day is a holiday");
        let make_up = NaiveDate::from_ymd_opt(2026, 10, 10).unwrap();
        assert!(
            cal.is_working_day(make_up),
            "Saturday 10-10 is a make-up working day"
        );
        // Dispatched on 09-30 with 1 working day: the holiday week is skipped; 10-08 is next.
        let d = cal.deadline(
            utc("2026-09-30T09:00:00+08:00"),
            WorkDuration::WorkingDays(1),
        );
        assert_eq!(d, utc("2026-10-08T17:30:00+08:00"));
    }

    #[test]
    fn working_time_between_counts_only_windows() {
        let cal = WorkingCalendar::default();
        let t = cal.working_time_between(
            utc("2026-11-27T16:30:00+08:00"),
            utc("2026-11-30T09:30:00+08:00"),
        );
        assert_eq!(t, Duration::hours(2), "1 h Friday + 1 h Monday");
    }

    #[test]
    fn bad_calendar_files_are_refused() {
        let both = r#"{"utc_offset_seconds":28800,"day_start":"08:30:00","day_end":"17:30:00",
            "holidays":["2026-01-01"],"workdays":["2026-01-01"]}"#;
        assert!(matches!(
            WorkingCalendar::from_json(both),
            Err(CalendarError::Both(_))
        ));
        let empty = r#"{"utc_offset_seconds":28800,"day_start":"17:30:00","day_end":"08:30:00"}"#;
        assert_eq!(
            WorkingCalendar::from_json(empty),
            Err(CalendarError::EmptyDay)
        );
    }

    proptest! {
        /// Property: whatever the start and the span, a deadline never falls on a non-working
        /// day, and never before its start.
        #[test]
        fn deadlines_never_fall_on_a_non_working_day(
            start_secs in 1_735_660_800i64..1_798_732_800i64, // 2025-01-01 .. 2026-12-31
            hours in 1u32..200,
            days in 1u32..40,
            use_days in any::<bool>(),
        ) {
            let cal = WorkingCalendar::china();
            let start = DateTime::<Utc>::from_timestamp(start_secs, 0).unwrap();
            let span = if use_days { WorkDuration::WorkingDays(days) } else { WorkDuration::WorkingHours(hours) };
            let d = cal.deadline(start, span);
            prop_assert!(cal.is_working_day(cal.local_date(d)), "deadline {d} is on a working day");
            prop_assert!(d > start, "deadline after start");
            if let WorkDuration::WorkingHours(h) = span {
                prop_assert_eq!(cal.working_time_between(start, d), Duration::hours(i64::from(h)),
                    "exactly the asked working hours lie between start and deadline");
            }
        }
    }
}
