//! The figures of the health view, as pure functions: medians and 30-day baselines, daily
//! heart-rate aggregates, the main sleep of a night and its stages, clock times, weekly sums,
//! and the completeness calendar of the ledger.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use super::records::SleepPeriod;
use crate::ledger::{DayEntry, RunEntry};
use crate::window::Window;

/// One value per day; a day without a value is absent (a gap, never a zero).
pub type Series = BTreeMap<Date, f64>;

/// How many days back a baseline looks: the 30 days before the day itself.
pub const BASELINE_DAYS: i64 = 30;

/// The fewest values a baseline needs; with fewer, a median says little and none is shown.
pub const MIN_BASELINE_VALUES: usize = 5;

/// The median of `values` (the mean of the middle two for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// The 30-day baseline of `day`: the median of the values on the [`BASELINE_DAYS`] days before
/// it (the day itself left out, so that a day is compared with what came before), or `None`
/// with fewer than [`MIN_BASELINE_VALUES`] values there.
pub fn baseline(series: &Series, day: Date) -> Option<f64> {
    let first = day - BASELINE_DAYS.days();
    let values: Vec<f64> = series.range(first..day).map(|(_, v)| *v).collect();
    if values.len() < MIN_BASELINE_VALUES { None } else { median(&values) }
}

/// The baseline of every day of `window` that has one: the faint line under each chart.
pub fn rolling_baseline(series: &Series, window: Window) -> Series {
    window.days().filter_map(|day| Some((day, baseline(series, day)?))).collect()
}

/// A day's heart rate: lowest, median and highest sample, and how many samples.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HeartRateDay {
    pub min: f64,
    pub median: f64,
    pub max: f64,
    pub samples: usize,
}

/// Daily heart-rate aggregates, each sample on its local date in `tz` (a sample whose time
/// cannot be read is left out).
pub fn daily_heart_rate<'a>(
    samples: impl IntoIterator<Item = (&'a str, f64)>,
    tz: &TimeZone,
) -> BTreeMap<Date, HeartRateDay> {
    let mut by_day: BTreeMap<Date, Vec<f64>> = BTreeMap::new();
    for (time, bpm) in samples {
        if let Ok(ts) = time.parse::<Timestamp>() {
            by_day.entry(tz.to_datetime(ts).date()).or_default().push(bpm);
        }
    }
    by_day
        .into_iter()
        .filter_map(|(day, values)| {
            let median = median(&values)?;
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Some((day, HeartRateDay { min, median, max, samples: values.len() }))
        })
        .collect()
}

/// The main sleep among a day's periods: the longest `long_sleep` (by total sleep), if any.
pub fn main_sleep<'a>(
    periods: impl IntoIterator<Item = &'a SleepPeriod>,
) -> Option<&'a SleepPeriod> {
    periods.into_iter().filter(|p| p.kind.as_deref() == Some("long_sleep")).max_by(|a, b| {
        a.total_sleep_duration.unwrap_or(0.0).total_cmp(&b.total_sleep_duration.unwrap_or(0.0))
    })
}

/// A night's sleep stages, in hours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct StageHours {
    pub total: Option<f64>,
    pub deep: Option<f64>,
    pub rem: Option<f64>,
    pub light: Option<f64>,
    pub awake: Option<f64>,
}

/// The stages of `period` in hours (Oura gives seconds).
pub fn stage_hours(period: &SleepPeriod) -> StageHours {
    let hours = |seconds: Option<f64>| seconds.map(|s| s / 3600.0);
    StageHours {
        total: hours(period.total_sleep_duration),
        deep: hours(period.deep_sleep_duration),
        rem: hours(period.rem_sleep_duration),
        light: hours(period.light_sleep_duration),
        awake: hours(period.awake_time),
    }
}

/// The local clock time of an RFC 3339 instant in `tz`, in hours after midnight; with
/// `evening_negative`, times from noon on count back from midnight (23:30 is -0.5), so that
/// bedtimes either side of midnight sit next to each other on an axis.
pub fn clock_hours(time: &str, tz: &TimeZone, evening_negative: bool) -> Option<f64> {
    let local = tz.to_datetime(time.parse::<Timestamp>().ok()?);
    let hours = f64::from(local.hour())
        + f64::from(local.minute()) / 60.0
        + f64::from(local.second()) / 3600.0;
    Some(if evening_negative && hours >= 12.0 { hours - 24.0 } else { hours })
}

/// Minutes between two RFC 3339 instants, if both can be read and the end is not before the
/// start.
pub fn minutes_between(start: &str, end: &str) -> Option<f64> {
    let (start, end) = (start.parse::<Timestamp>().ok()?, end.parse::<Timestamp>().ok()?);
    let seconds = start.duration_until(end).as_secs_f64();
    (seconds >= 0.0).then_some(seconds / 60.0)
}

/// The Monday that starts the ISO week of `day`.
pub fn week_start(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day - back.days()
}

/// Totals of one kind of activity in one week.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct WeekTotal {
    pub count: u32,
    pub minutes: f64,
    pub calories: f64,
}

/// Sums `(day, kind, minutes, calories)` items per week (by its Monday) and per kind.
pub fn weekly_totals<'a>(
    items: impl IntoIterator<Item = (Date, &'a str, f64, f64)>,
) -> BTreeMap<Date, BTreeMap<String, WeekTotal>> {
    let mut weeks: BTreeMap<Date, BTreeMap<String, WeekTotal>> = BTreeMap::new();
    for (day, kind, minutes, calories) in items {
        let total = weeks.entry(week_start(day)).or_default().entry(kind.to_string()).or_default();
        total.count += 1;
        total.minutes += minutes;
        total.calories += calories;
    }
    weeks
}

/// One week of a daily series: the median of its days and the band of their middle half.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct WeekStats {
    pub median: f64,
    /// The first and third quartiles (linear between the sorted values).
    pub low: f64,
    pub high: f64,
    /// Days of the week with a value.
    pub days: usize,
}

/// The `q`-quantile (0..=1) of sorted values, linear between neighbours.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let (below, above) = (at.floor() as usize, at.ceil() as usize);
    sorted[below] + (sorted[above] - sorted[below]) * (at - below as f64)
}

/// The weeks (by Monday) of the days of `window` in `series` that have a value: a week
/// without one is absent (a gap, as a day is).
pub fn weekly_stats(series: &Series, window: Window) -> BTreeMap<Date, WeekStats> {
    let mut weeks: BTreeMap<Date, Vec<f64>> = BTreeMap::new();
    for (day, v) in series.range(window.start..=window.end) {
        if v.is_finite() {
            weeks.entry(week_start(*day)).or_default().push(*v);
        }
    }
    weeks
        .into_iter()
        .map(|(monday, mut values)| {
            values.sort_by(f64::total_cmp);
            let stats = WeekStats {
                median: quantile(&values, 0.5),
                low: quantile(&values, 0.25),
                high: quantile(&values, 0.75),
                days: values.len(),
            };
            (monday, stats)
        })
        .collect()
}

/// What the ledger knows of one (type, day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayState {
    /// Synced, and the lake holds records for it.
    Records,
    /// Synced, and Oura had nothing for it.
    Empty,
    /// The last run that covered it failed this type, and no run has stored it.
    Failed,
    /// No run has stored it or tried to.
    NeverSynced,
}

/// The completeness of one type over `window`, day by day: a day with a ledger entry is
/// [`DayState::Records`] or [`DayState::Empty`]; a day without one is [`DayState::Failed`] if
/// the newest run whose window held the day and that tried the type failed it, else
/// [`DayState::NeverSynced`].
pub fn completeness(
    data_type: &str,
    window: Window,
    entries: &BTreeMap<Date, DayEntry>,
    runs: &[RunEntry],
) -> Vec<(Date, DayState)> {
    // Oldest run first, so that a newer run's outcome for a day overrides an older one's.
    let mut runs: Vec<&RunEntry> = runs
        .iter()
        .filter(|r| {
            r.counts.contains_key(data_type) || r.failures.iter().any(|f| f.data_type == data_type)
        })
        .collect();
    runs.sort_by_key(|r| r.sk());
    let mut failed: BTreeSet<Date> = BTreeSet::new();
    for run in runs {
        if run.window_start > window.end || run.window_end < window.start {
            continue;
        }
        let tried = Window::new(run.window_start.max(window.start), run.window_end.min(window.end));
        let did_fail = run.failures.iter().any(|f| f.data_type == data_type);
        for day in tried.days() {
            if did_fail {
                failed.insert(day);
            } else {
                failed.remove(&day);
            }
        }
    }
    window
        .days()
        .map(|day| {
            let state = match entries.get(&day) {
                Some(entry) if entry.record_count > 0 => DayState::Records,
                Some(_) => DayState::Empty,
                None if failed.contains(&day) => DayState::Failed,
                None => DayState::NeverSynced,
            };
            (day, state)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::ledger::Failure;

    fn series(start: Date, values: &[Option<f64>]) -> Series {
        values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((start + (i as i64).days(), (*v)?)))
            .collect()
    }

    #[test]
    fn medians_of_odd_even_and_empty_sets() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN, 7.0]), Some(7.0));
    }

    #[test]
    fn a_baseline_is_the_median_of_the_thirty_days_before() {
        // Days 1..=31 of 2026-10 hold 1, 2, …, 31; the baseline of Oct 31 looks at Oct 1..=30,
        // whose median is (15 + 16) / 2 = 15.5; the day itself (31) is left out.
        let values: Vec<Option<f64>> = (1..=31).map(|v| Some(f64::from(v))).collect();
        let s = series(date(2026, 10, 1), &values);
        assert_eq!(baseline(&s, date(2026, 10, 31)), Some(15.5));
        // Nov 1 looks at Oct 2..=31: median of 2..=31 = (16 + 17) / 2.
        assert_eq!(baseline(&s, date(2026, 11, 1)), Some(16.5));
        // Oct 6 has only Oct 1..=5 behind it: 5 values, median 3.
        assert_eq!(baseline(&s, date(2026, 10, 6)), Some(3.0));
        // Oct 5 has four: too few.
        assert_eq!(baseline(&s, date(2026, 10, 5)), None);
    }

    #[test]
    fn a_baseline_skips_gaps_instead_of_counting_zeros() {
        // 10, gap, 20, gap, 30, 40, 50 before the day: median of the five values is 30.
        let s = series(
            date(2026, 1, 1),
            &[Some(10.0), None, Some(20.0), None, Some(30.0), Some(40.0), Some(50.0)],
        );
        assert_eq!(baseline(&s, date(2026, 1, 8)), Some(30.0));
        let rolling = rolling_baseline(&s, Window::new(date(2026, 1, 7), date(2026, 1, 8)));
        // Jan 7 sees 10, 20, 30, 40: four values, no baseline.
        assert_eq!(rolling.len(), 1);
        assert_eq!(rolling[&date(2026, 1, 8)], 30.0);
    }

    #[test]
    fn heart_rate_is_aggregated_per_local_day() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let samples = [
            // 2026-11-24 03:30 UTC is 22:30 on the 23rd in New York.
            ("2026-11-24T03:30:00+00:00", 50.0),
            ("2026-11-23T15:00:00+00:00", 70.0),
            ("2026-11-23T16:00:00+00:00", 90.0),
            ("2026-11-23T17:00:00+00:00", 60.0),
            // 05:00 UTC on the 24th is midnight in New York: the 24th.
            ("2026-11-24T05:00:00+00:00", 80.0),
            ("not a time", 1.0),
        ];
        let days = daily_heart_rate(samples, &tz);
        assert_eq!(days.len(), 2);
        assert_eq!(
            days[&date(2026, 11, 23)],
            HeartRateDay { min: 50.0, median: 65.0, max: 90.0, samples: 4 }
        );
        assert_eq!(
            days[&date(2026, 11, 24)],
            HeartRateDay { min: 80.0, median: 80.0, max: 80.0, samples: 1 }
        );
    }

    fn period(kind: &str, total: f64) -> SleepPeriod {
        SleepPeriod {
            day: date(2026, 11, 23),
            kind: Some(kind.into()),
            bedtime_start: None,
            bedtime_end: None,
            total_sleep_duration: Some(total),
            deep_sleep_duration: Some(5400.0),
            rem_sleep_duration: Some(6300.0),
            light_sleep_duration: Some(14_400.0),
            awake_time: Some(1800.0),
            efficiency: Some(90.0),
            ..Default::default()
        }
    }

    #[test]
    fn the_main_sleep_is_the_longest_long_sleep() {
        let nap = period("late_nap", 40_000.0);
        let (short, long) = (period("long_sleep", 3600.0), period("long_sleep", 26_100.0));
        let periods = [nap, short, long];
        assert_eq!(main_sleep(&periods).unwrap().total_sleep_duration, Some(26_100.0));
        assert!(main_sleep(&periods[..1]).is_none());
    }

    #[test]
    fn stages_are_hours() {
        let hours = stage_hours(&period("long_sleep", 26_100.0));
        assert_eq!(hours.total, Some(7.25));
        assert_eq!(hours.deep, Some(1.5));
        assert_eq!(hours.rem, Some(1.75));
        assert_eq!(hours.light, Some(4.0));
        assert_eq!(hours.awake, Some(0.5));
    }

    #[test]
    fn clock_hours_put_bedtimes_around_midnight() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        // 22:30 UTC is 23:30 in Paris in November.
        assert_eq!(clock_hours("2026-11-22T22:30:00+00:00", &tz, true), Some(-0.5));
        assert_eq!(clock_hours("2026-11-22T22:30:00+00:00", &tz, false), Some(23.5));
        assert_eq!(clock_hours("2026-11-23T06:45:00+01:00", &tz, true), Some(6.75));
        assert_eq!(clock_hours("nonsense", &tz, true), None);
        assert_eq!(
            minutes_between("2026-11-23T06:00:00+01:00", "2026-11-23T06:45:30+01:00"),
            Some(45.5)
        );
    }

    #[test]
    fn weeks_start_on_monday_and_sum_per_kind() {
        // 2026-11-23 is a Monday.
        assert_eq!(week_start(date(2026, 11, 29)), date(2026, 11, 23));
        assert_eq!(week_start(date(2026, 11, 23)), date(2026, 11, 23));
        let weeks = weekly_totals([
            (date(2026, 11, 23), "running", 30.0, 300.0),
            (date(2026, 11, 25), "running", 45.0, 420.0),
            (date(2026, 11, 29), "cycling", 60.0, 500.0),
            (date(2026, 11, 30), "running", 20.0, 200.0),
        ]);
        let first = &weeks[&date(2026, 11, 23)];
        assert_eq!(first["running"], WeekTotal { count: 2, minutes: 75.0, calories: 720.0 });
        assert_eq!(first["cycling"], WeekTotal { count: 1, minutes: 60.0, calories: 500.0 });
        assert_eq!(weeks[&date(2026, 11, 30)]["running"].count, 1);
    }

    /// A week's median and quartiles come from its own days only; a week without a value is
    /// left out, and the window's edges cut its first and last weeks.
    #[test]
    fn weekly_stats_are_medians_with_the_middle_half() {
        // Mon 2 Nov 2026 .. Sun 8 Nov hold 1..=7; Mon 9 holds 100; the week of 16 Nov none.
        let mut s =
            series(date(2026, 11, 2), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 100.0].map(Some));
        s.insert(date(2026, 11, 1), 50.0);
        let weeks = weekly_stats(&s, Window::new(date(2026, 11, 2), date(2026, 11, 22)));
        assert_eq!(weeks.len(), 2);
        assert_eq!(
            weeks[&date(2026, 11, 2)],
            WeekStats { median: 4.0, low: 2.5, high: 5.5, days: 7 }
        );
        assert_eq!(
            weeks[&date(2026, 11, 9)],
            WeekStats { median: 100.0, low: 100.0, high: 100.0, days: 1 }
        );
        let cut = weekly_stats(&s, Window::new(date(2026, 11, 5), date(2026, 11, 6)));
        assert_eq!(cut[&date(2026, 11, 2)].median, 4.5);
    }

    fn entry(day: Date, records: u64) -> DayEntry {
        DayEntry {
            data_type: "sleep".into(),
            day,
            record_count: records,
            object_key: if records > 0 { "k".into() } else { String::new() },
            sha256: String::new(),
            bytes: 0,
            run_id: "r".into(),
            synced_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn run(at: &str, start: Date, end: Date, failed: bool) -> RunEntry {
        RunEntry {
            run_id: at.into(),
            status: "partial".into(),
            window_start: start,
            window_end: end,
            started_at: at.parse().unwrap(),
            finished_at: at.parse().unwrap(),
            duration_ms: 0,
            counts: [("sleep".to_string(), 0)].into(),
            failures: if failed {
                vec![Failure { data_type: "sleep".into(), error: "HTTP 502".into() }]
            } else {
                Vec::new()
            },
            objects_written: 0,
            notify_status: "disabled".into(),
            complete_types: Vec::new(),
        }
    }

    #[test]
    fn the_calendar_tells_records_empty_failed_and_never_synced_apart() {
        let d = |n| date(2026, 11, n);
        let window = Window::new(d(1), d(6));
        let entries: BTreeMap<_, _> = [(d(1), entry(d(1), 3)), (d(2), entry(d(2), 0))].into();
        let runs = [
            // Nov 1-4 failed on the 5th; Nov 4 was tried again on the 6th and was fine (but
            // nothing recorded, as a dry run would leave it); Nov 5-6 never tried.
            run("2026-11-05T09:00:00Z", d(1), d(4), true),
            run("2026-11-06T09:00:00Z", d(4), d(4), false),
        ];
        let states: Vec<DayState> =
            completeness("sleep", window, &entries, &runs).into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            states,
            [
                DayState::Records,
                DayState::Empty,
                DayState::Failed,
                DayState::NeverSynced,
                DayState::NeverSynced,
                DayState::NeverSynced
            ]
        );
        // Another type's failures do not count.
        let states = completeness("workout", window, &BTreeMap::new(), &runs);
        assert!(states.iter().all(|(_, s)| *s == DayState::NeverSynced));
    }
}
