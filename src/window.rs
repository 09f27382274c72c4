//! The sync window (a run of whole local days) and the pure date decisions around it: which
//! days it holds, how it is split into date-collection pieces (series pieces: [`crate::pieces`]),
//! and which UTC instants bound its days in
//! `OURA_TIMEZONE` (where a day on which clocks change has 23 or 25 hours).

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The longest span, in days, that one `heartrate` or `ring_battery_level` request may cover.
pub const MAX_SERIES_DAYS: i64 = 30;

/// Days per request for date collections during a long backfill. Oura's FAQ suggests asking
/// for history "1-3 months at a time"; a quarter also keeps the records held in memory small.
pub const MAX_DATE_COLLECTION_DAYS: i64 = 90;

/// Both ends inclusive, `start <= end`.
/// The first day Oura data can exist on. The first Oura ring shipped to its Kickstarter
/// backers in 2015 (and the cloud API came years later), so no record can be filed on an
/// earlier day; a date before this is a usage error, not a long run that finds nothing.
pub const OURA_EPOCH: Date = Date::constant(2015, 1, 1);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    pub start: Date,
    pub end: Date,
}

impl Window {
    /// A window from `start` to `end`, both included. Panics if `start > end`, which the
    /// argument checks rule out before a window is built.
    pub fn new(start: Date, end: Date) -> Self {
        assert!(start <= end, "window start {start} is after its end {end}");
        Self { start, end }
    }

    /// Every day Oura data can have: from [`OURA_EPOCH`] to the end of the calendar (a ledger
    /// or a listing asked for "everything").
    pub fn all_time() -> Self {
        Self::new(OURA_EPOCH, Date::MAX)
    }

    /// The `days` days that end on `end`, both ends included.
    pub fn ending_on(end: Date, days: u32) -> Self {
        let start = end - (i64::from(days) - 1).days();
        Self::new(start, end)
    }

    /// How many days the window holds.
    pub fn len_days(&self) -> i64 {
        i64::from((self.end - self.start).get_days()) + 1
    }

    /// True if and only if `day` lies in the window.
    pub fn contains(&self, day: Date) -> bool {
        self.start <= day && day <= self.end
    }

    /// Every day of the window, in order.
    pub fn days(&self) -> impl Iterator<Item = Date> + use<> {
        let end = self.end;
        self.start.series(1.day()).take_while(move |d| *d <= end)
    }

    /// Consecutive windows of at most `max_days` days that together cover this one.
    pub fn split(&self, max_days: i64) -> Vec<Window> {
        assert!(max_days >= 1);
        let mut parts = Vec::new();
        let mut start = self.start;
        loop {
            let end = (start + (max_days - 1).days()).min(self.end);
            parts.push(Window::new(start, end));
            if end >= self.end {
                return parts;
            }
            start = end + 1.day();
        }
    }

    /// The instants that bound the window's local days in `tz`: the first instant of its
    /// first day and the first instant of the day after its last day (exclusive).
    pub fn utc_bounds(&self, tz: &TimeZone) -> (Timestamp, Timestamp) {
        (start_of_day(self.start, tz), start_of_day(self.end + 1.day(), tz))
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// The first instant of `day` in `tz` (not always 00:00: some zones skip midnight).
pub fn start_of_day(day: Date, tz: &TimeZone) -> Timestamp {
    day.to_zoned_datetime(tz.clone())
        .and_then(|z| z.start_of_day())
        .map(|z| z.timestamp())
        .expect("a date between years 1 and 9999 has a start in every zone")
}

/// The local date of `instant` in `tz`.
pub fn local_day(instant: Timestamp, tz: &TimeZone) -> Date {
    tz.to_datetime(instant).date()
}

/// `instant` in the `YYYY-MM-DDTHH:MM:SSZ` form the API takes without any `+` to encode.
pub fn utc_param(instant: Timestamp) -> String {
    instant.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i16,
    pub month: i8,
}

impl YearMonth {
    pub fn of(day: Date) -> Self {
        Self { year: day.year(), month: day.month() }
    }

    pub fn first_day(self) -> Date {
        Date::new(self.year, self.month, 1).expect("a valid month")
    }

    pub fn last_day(self) -> Date {
        self.first_day().last_of_month()
    }

    /// The whole month as a window.
    pub fn window(self) -> Window {
        Window::new(self.first_day(), self.last_day())
    }

    /// The months that `window` touches, in order.
    pub fn months_of(window: Window) -> Vec<YearMonth> {
        let mut months = Vec::new();
        let mut month = YearMonth::of(window.start);
        while month.first_day() <= window.end {
            months.push(month);
            month = YearMonth::of(month.first_day() + 1.month());
        }
        months
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;
    use jiff::civil::date;

    use super::*;

    fn ny() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    #[test]
    fn a_seven_day_window_ends_on_its_date_inclusive() {
        let w = Window::ending_on(date(2026, 11, 23), 7);
        assert_eq!(w.start, date(2026, 11, 17));
        assert_eq!(w.len_days(), 7);
        assert_eq!(w.days().count(), 7);
        assert!(w.contains(date(2026, 11, 23)) && !w.contains(date(2026, 11, 24)));
    }

    #[test]
    fn split_covers_the_window_without_overlap() {
        let w = Window::new(date(2024, 1, 1), date(2024, 12, 31));
        let parts = w.split(90);
        assert_eq!(parts.len(), 5);
        assert_eq!(parts[0], Window::new(date(2024, 1, 1), date(2024, 3, 30)));
        assert_eq!(parts.iter().map(Window::len_days).sum::<i64>(), 366);
        for pair in parts.windows(2) {
            assert_eq!(pair[0].end + 1.day(), pair[1].start);
        }
    }

    #[test]
    fn utc_bounds_follow_the_zone_and_a_dst_day_has_25_hours() {
        // 2026-11-01 is the day New York falls back: 25 hours long.
        let w = Window::new(date(2026, 11, 1), date(2026, 11, 1));
        let (from, to) = w.utc_bounds(&ny());
        assert_eq!(utc_param(from), "2026-11-01T04:00:00Z");
        assert_eq!(utc_param(to), "2026-11-02T05:00:00Z");
        assert_eq!(from.duration_until(to), SignedDuration::from_hours(25));
        // 2026-03-08 springs forward: 23 hours.
        let w = Window::new(date(2026, 3, 8), date(2026, 3, 8));
        let (from, to) = w.utc_bounds(&ny());
        assert_eq!(from.duration_until(to), SignedDuration::from_hours(23));
    }

    #[test]
    fn local_day_uses_the_zone() {
        let ts: Timestamp = "2026-11-24T03:30:00Z".parse().unwrap();
        assert_eq!(local_day(ts, &ny()), date(2026, 11, 23));
        assert_eq!(local_day(ts, &TimeZone::UTC), date(2026, 11, 24));
    }
}
