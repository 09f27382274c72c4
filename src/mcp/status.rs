//! `lake_status`: per type the first and last day with records, how fresh it is, the days
//! missing or failed in the ledger, and the last run. Built by a pure function from the
//! ledger's entries, so that it is tested without a lake.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::datatype::{DataType, RangeKind};
use crate::health::figures::{DayState, completeness};
use crate::ledger::{DayEntry, RunEntry};
use crate::window::Window;

/// The most day ranges listed per type and kind (missing, failed); the count is always whole.
pub const MAX_RANGES: usize = 10;
/// The longest a run's error is quoted.
const MAX_ERROR_CHARS: usize = 200;

/// The whole answer.
#[derive(Debug, Serialize)]
pub struct LakeStatus {
    /// Where the lake is.
    pub destination: String,
    pub layout: &'static str,
    /// The ledger's form: `local`, `pk/sk` or `ingestion-log`.
    pub ledger: &'static str,
    pub silver: bool,
    pub timezone: String,
    /// Today in that time zone.
    pub today: String,
    /// The types with records, by name.
    pub types: BTreeMap<&'static str, TypeStatus>,
    /// Types no run has stored a record of.
    pub types_without_records: Vec<&'static str>,
    pub last_run: Option<RunSummary>,
    /// Present when a list above was cut.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One type.
#[derive(Debug, Serialize)]
pub struct TypeStatus {
    pub first_day: String,
    pub last_day: String,
    pub days_with_records: usize,
    pub records: u64,
    /// Days from the last day with records to today.
    pub days_since_last: i64,
    /// When the newest of its days was written, in the user's time zone.
    pub last_synced_at: String,
    /// Days between the first and the last day that no run has stored (snapshots: none).
    pub missing_days: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<DayRange>,
    /// Days from the first day to today whose last run failed this type, and not stored since.
    pub failed_days: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<DayRange>,
}

/// Consecutive days, both ends included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayRange {
    pub from: String,
    pub to: String,
}

/// The newest run.
#[derive(Debug, Serialize)]
pub struct RunSummary {
    pub run_id: String,
    /// `success`, `partial` or `failed`.
    pub status: String,
    pub from: String,
    pub to: String,
    pub started_at: String,
    pub duration_ms: u64,
    pub records: u64,
    pub failures: Vec<RunFailure>,
}

#[derive(Debug, Serialize)]
pub struct RunFailure {
    #[serde(rename = "type")]
    pub data_type: String,
    pub error: String,
}

/// What the lake is, for the answer's header.
pub struct LakeInfo<'a> {
    pub destination: &'a str,
    pub layout: &'static str,
    pub ledger: &'static str,
    pub silver: bool,
    pub timezone: &'a TimeZone,
    pub today: Date,
}

/// `instant` in `tz`, to the second, with its offset.
fn local_time(instant: jiff::Timestamp, tz: &TimeZone) -> String {
    instant.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Runs of consecutive days among `days` (sorted), as ranges.
pub fn ranges(days: &[Date]) -> Vec<DayRange> {
    let mut out: Vec<(Date, Date)> = Vec::new();
    for &day in days {
        match out.last_mut() {
            Some((_, end)) if end.tomorrow().ok() == Some(day) => *end = day,
            _ => out.push((day, day)),
        }
    }
    out.into_iter().map(|(f, t)| DayRange { from: f.to_string(), to: t.to_string() }).collect()
}

/// The status of a lake from the ledger's `days` per type (over at least the days the runs
/// covered) and its `runs`, newest first.
pub fn lake_status(
    info: &LakeInfo<'_>,
    days: &BTreeMap<DataType, BTreeMap<Date, DayEntry>>,
    runs: &[RunEntry],
) -> LakeStatus {
    let mut types = BTreeMap::new();
    let mut without = Vec::new();
    let mut cut = false;
    for &data_type in DataType::ALL {
        let entries = days.get(&data_type);
        let with_records: Vec<&DayEntry> =
            entries.into_iter().flat_map(|e| e.values()).filter(|e| e.record_count > 0).collect();
        let (Some(first), Some(last)) = (with_records.first(), with_records.last()) else {
            without.push(data_type.name());
            continue;
        };
        let snapshot = matches!(data_type.range(), RangeKind::Snapshot | RangeKind::BareSnapshot);
        let (mut missing, mut failed) = (Vec::new(), Vec::new());
        if !snapshot {
            let span = Window::new(first.day, info.today.max(last.day));
            let empty = BTreeMap::new();
            for (day, state) in
                completeness(data_type.name(), span, entries.unwrap_or(&empty), runs)
            {
                match state {
                    DayState::NeverSynced if day <= last.day => missing.push(day),
                    DayState::Failed => failed.push(day),
                    _ => {}
                }
            }
        }
        let mut bounded = |days: &[Date]| {
            let mut r = ranges(days);
            if r.len() > MAX_RANGES {
                r.truncate(MAX_RANGES);
                cut = true;
            }
            r
        };
        let status = TypeStatus {
            first_day: first.day.to_string(),
            last_day: last.day.to_string(),
            days_with_records: with_records.len(),
            records: with_records.iter().map(|e| e.record_count).sum(),
            days_since_last: (info.today - last.day).get_days().into(),
            last_synced_at: with_records
                .iter()
                .map(|e| e.synced_at)
                .max()
                .map(|t| local_time(t, info.timezone))
                .unwrap_or_default(),
            missing_days: missing.len(),
            missing: bounded(&missing),
            failed_days: failed.len(),
            failed: bounded(&failed),
        };
        types.insert(data_type.name(), status);
    }
    let last_run = runs.first().map(|run| RunSummary {
        run_id: run.run_id.clone(),
        status: run.status.clone(),
        from: run.window_start.to_string(),
        to: run.window_end.to_string(),
        started_at: local_time(run.started_at, info.timezone),
        duration_ms: run.duration_ms,
        records: run.counts.values().sum(),
        failures: run
            .failures
            .iter()
            .map(|f| RunFailure {
                data_type: f.data_type.clone(),
                // The ledger's errors were scrubbed when written; scrub again all the same.
                error: crate::text::one_line(&crate::scrub::scrub(&f.error), MAX_ERROR_CHARS),
            })
            .collect(),
    });
    LakeStatus {
        destination: info.destination.to_string(),
        layout: info.layout,
        ledger: info.ledger,
        silver: info.silver,
        timezone: info.timezone.iana_name().unwrap_or("the system's zone").to_string(),
        today: info.today.to_string(),
        types,
        types_without_records: without,
        last_run,
        note: cut.then(|| {
            format!(
                "`missing` and `failed` list the first {MAX_RANGES} ranges of days only; \
                 `missing_days` and `failed_days` count them all"
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::ledger::Failure;

    fn entry(data_type: &str, day: Date, records: u64) -> DayEntry {
        DayEntry {
            data_type: data_type.into(),
            day,
            record_count: records,
            object_key: "k".into(),
            sha256: String::new(),
            bytes: 0,
            run_id: "r1".into(),
            synced_at: "2026-11-05T09:00:00Z".parse().unwrap(),
        }
    }

    /// Consecutive days fold into ranges.
    #[test]
    fn days_fold_into_ranges() {
        let d = |n| date(2026, 11, n);
        let r = ranges(&[d(1), d(2), d(3), d(5), d(7), d(8)]);
        let pairs: Vec<(String, String)> = r.into_iter().map(|r| (r.from, r.to)).collect();
        assert_eq!(
            pairs,
            [
                ("2026-11-01", "2026-11-03"),
                ("2026-11-05", "2026-11-05"),
                ("2026-11-07", "2026-11-08")
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    /// First and last day, records, freshness, a hole never synced, days a run failed, the
    /// last run with its failure, and types without records listed apart.
    #[test]
    fn the_status_tells_holes_from_failures() {
        let d = |n| date(2026, 11, n);
        let sleep: BTreeMap<Date, DayEntry> = [
            (d(1), entry("daily_sleep", d(1), 1)),
            (d(2), entry("daily_sleep", d(2), 0)),
            (d(4), entry("daily_sleep", d(4), 1)),
        ]
        .into();
        let days = [(DataType::DailySleep, sleep)].into();
        let run = RunEntry {
            run_id: "r2".into(),
            status: "partial".into(),
            window_start: d(5),
            window_end: d(6),
            started_at: "2026-11-06T09:00:00Z".parse().unwrap(),
            finished_at: "2026-11-06T09:00:01Z".parse().unwrap(),
            duration_ms: 1000,
            counts: [("daily_sleep".to_string(), 0)].into(),
            failures: vec![Failure { data_type: "daily_sleep".into(), error: "HTTP 502".into() }],
            objects_written: 0,
            notify_status: "disabled".into(),
            complete_types: Vec::new(),
        };
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let info = LakeInfo {
            destination: "/lake",
            layout: "hive-ndjson",
            ledger: "local",
            silver: true,
            timezone: &tz,
            today: d(7),
        };
        let status = lake_status(&info, &days, std::slice::from_ref(&run));
        let sleep = &status.types["daily_sleep"];
        assert_eq!(
            (sleep.first_day.as_str(), sleep.last_day.as_str()),
            ("2026-11-01", "2026-11-04")
        );
        assert_eq!((sleep.days_with_records, sleep.records, sleep.days_since_last), (2, 2, 3));
        assert_eq!(sleep.last_synced_at, "2026-11-05T10:00:00+01:00");
        assert_eq!(sleep.missing_days, 1);
        assert_eq!(
            sleep.missing[0],
            DayRange { from: "2026-11-03".into(), to: "2026-11-03".into() }
        );
        assert_eq!(sleep.failed_days, 2);
        assert_eq!(
            sleep.failed[0],
            DayRange { from: "2026-11-05".into(), to: "2026-11-06".into() }
        );
        assert!(status.types_without_records.contains(&"heartrate"));
        let last = status.last_run.unwrap();
        assert_eq!((last.status.as_str(), last.records), ("partial", 0));
        assert_eq!(last.failures[0].error, "HTTP 502");
        assert_eq!(last.started_at, "2026-11-06T10:00:00+01:00");
        assert!(status.note.is_none());
    }
}
