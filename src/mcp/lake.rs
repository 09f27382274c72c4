//! The lake as the MCP tools read it: the store, the ledger and silver behind the health
//! view's [`LakeReader`], the days the lake holds, and raw records read a month at a time
//! until a call's bound is reached. Reads only; nothing here writes or calls Oura.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::metrics::SummaryData;
use crate::datatype::DataType;
use crate::health::data::{HealthData, HealthRecords};
use crate::health::reader::{BronzeReader, LakeReader, RecordReader};
use crate::health::records::DailyActivity;
use crate::ledger::{AnyLedger, DayEntry, Ledger, RunEntry};
use crate::store::silver::SilverTables;
use crate::window::Window;

/// The types `daily_summary` and `compare` read.
pub const SUMMARY_TYPES: [DataType; 6] = [
    DataType::DailyReadiness,
    DataType::DailySleep,
    DataType::Sleep,
    DataType::DailyActivity,
    DataType::DailyStress,
    DataType::DailyResilience,
];

/// Runs read for the lake's status and its first day: a year of daily runs and then some.
pub const RUNS_READ: usize = 1000;

/// A lake opened for reading.
pub struct Lake {
    pub store: crate::store::AnyStore,
    pub ledger: AnyLedger,
    /// The silver tables, when silver is on (read where current, bronze elsewhere).
    pub silver: Option<SilverTables>,
    /// `OURA_TIMEZONE`: "today", and clock times.
    pub timezone: TimeZone,
    /// Where the lake is, as the user wrote it (a path or `s3://bucket/prefix`).
    pub destination: String,
}

/// The records of `(day, record)` pairs.
fn values<T>(records: Vec<(Date, T)>) -> Vec<T> {
    records.into_iter().map(|(_, r)| r).collect()
}

/// `daily_activity` with its score, which the health view's record leaves out.
#[derive(Deserialize)]
struct ActivityWithScore {
    #[serde(flatten)]
    activity: DailyActivity,
    score: Option<f64>,
}

impl Lake {
    fn reader(&self) -> LakeReader<'_> {
        LakeReader {
            bronze: BronzeReader { store: &self.store, ledger: &self.ledger },
            silver: self.silver.as_ref(),
        }
    }

    /// Today in the user's time zone.
    pub fn today(&self) -> Date {
        jiff::Timestamp::now().to_zoned_datetime(self.timezone.clone()).date()
    }

    /// The summary's series over `window` from the `wanted` types (each read once, for
    /// exactly the window; the others stay empty).
    pub async fn summary(
        &self,
        window: Window,
        wanted: &[DataType],
    ) -> anyhow::Result<SummaryData> {
        async fn get<T: serde::de::DeserializeOwned>(
            reader: &LakeReader<'_>,
            wanted: &[DataType],
            data_type: DataType,
            window: Window,
        ) -> anyhow::Result<Vec<(Date, T)>> {
            if !wanted.contains(&data_type) {
                return Ok(Vec::new());
            }
            Box::pin(reader.records(data_type, window)).await
        }
        let reader = &self.reader();
        let (readiness, sleep_scores, sleep, activity, stress, resilience) = tokio::try_join!(
            Box::pin(get(reader, wanted, DataType::DailyReadiness, window)),
            Box::pin(get(reader, wanted, DataType::DailySleep, window)),
            Box::pin(get(reader, wanted, DataType::Sleep, window)),
            Box::pin(get::<ActivityWithScore>(reader, wanted, DataType::DailyActivity, window)),
            Box::pin(get(reader, wanted, DataType::DailyStress, window)),
            Box::pin(get(reader, wanted, DataType::DailyResilience, window)),
        )?;
        let activity_score =
            activity.iter().filter_map(|(_, a)| Some((a.activity.day, a.score?))).collect();
        let records = HealthRecords {
            readiness: values(readiness),
            sleep_scores: values(sleep_scores),
            sleep: values(sleep),
            activity: activity.into_iter().map(|(_, a)| a.activity).collect(),
            stress: values(stress),
            resilience: values(resilience),
            ..Default::default()
        };
        let health = HealthData::from_records(&records, window, &self.timezone);
        Ok(SummaryData { health, activity_score })
    }

    /// The ledger's day entries of `data_type` over `window`.
    pub async fn days(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<BTreeMap<Date, DayEntry>> {
        self.ledger.days(data_type, window).await
    }

    /// The newest runs, newest first.
    pub async fn runs(&self) -> anyhow::Result<Vec<RunEntry>> {
        self.ledger.recent_runs(RUNS_READ).await
    }

    /// The window the lake's days can lie in, or `None` before the first run: from the day
    /// Oura's history starts to today (or a later run's end). The ingestion-log ledger is
    /// asked day by day, so for it the window starts at the oldest run's first day instead
    /// (of the newest [`RUNS_READ`] runs).
    pub fn covered(runs: &[RunEntry], today: Date, per_day_ledger: bool) -> Option<Window> {
        let first = runs.iter().map(|r| r.window_start).min()?;
        let last = runs.iter().map(|r| r.window_end).max()?.max(today);
        let first = if per_day_ledger { first } else { crate::config::SILVER_EARLIEST };
        Some(Window::new(first.min(last), last))
    }

    /// [`Lake::covered`] for this lake's ledger.
    pub fn covered_by(&self, runs: &[RunEntry]) -> Option<Window> {
        Self::covered(runs, self.today(), self.ledger.form() == "ingestion-log")
    }

    /// The first and last day with records of any of `types`, or `None` for a lake without
    /// them.
    pub async fn span(&self, types: &[DataType]) -> anyhow::Result<Option<Window>> {
        let runs = self.runs().await?;
        let Some(covered) = self.covered_by(&runs) else {
            return Ok(None);
        };
        let (mut first, mut last) = (None::<Date>, None::<Date>);
        for &data_type in types {
            let days = self.days(data_type, covered).await?;
            let mut with_records = days.values().filter(|e| e.record_count > 0).map(|e| e.day);
            if let Some(day) = with_records.next() {
                first = Some(first.map_or(day, |f| f.min(day)));
            }
            if let Some(day) = days.values().rev().find(|e| e.record_count > 0).map(|e| e.day) {
                last = Some(last.map_or(day, |l| l.max(day)));
            }
        }
        Ok(first.zip(last).map(|(f, l)| Window::new(f, l)))
    }

    /// The records of `data_type` over `window` as stored, by day, read a month at a time
    /// until `keep` says stop (it sees each record's size in bytes and returns false to stop
    /// before taking it). Returns the records taken, and the day of the first one left out.
    ///
    /// Read from the bronze objects, never silver: the answer is each record's own text, as
    /// Oura sent it (silver renders a record back from its typed columns, which can spell a
    /// value differently, such as a nested timestamp without its `.000`).
    pub async fn raw_records(
        &self,
        data_type: DataType,
        window: Window,
        mut keep: impl FnMut(usize) -> bool,
    ) -> anyhow::Result<(Vec<Box<RawValue>>, Option<Date>)> {
        let reader = BronzeReader { store: &self.store, ledger: &self.ledger };
        let mut taken = Vec::new();
        let mut start = window.start;
        while start <= window.end {
            // To the end of `start`'s month: silver keeps a file per month.
            let month_end = start.last_of_month();
            let part = Window::new(start, month_end.min(window.end));
            for (day, record) in Box::pin(reader.records::<Box<RawValue>>(data_type, part)).await? {
                if !keep(record.get().len()) {
                    return Ok((taken, Some(day)));
                }
                taken.push(record);
            }
            start = month_end + 1.day();
        }
        Ok((taken, None))
    }

    /// The morning briefing of `day`, as the sync's summary gives it.
    pub async fn briefing(
        &self,
        day: Date,
    ) -> anyhow::Result<Option<crate::health::briefing::Briefing>> {
        use crate::health::briefing::{BRIEFING_TYPES, Briefing};
        Box::pin(Briefing::from_lake(&self.reader(), day, &BRIEFING_TYPES, &self.timezone)).await
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    /// The window starts where Oura's history does, or for a ledger asked day by day at the
    /// oldest run's first day; it ends today or at a later run's end.
    #[test]
    fn the_covered_window_spans_every_run() {
        let run = |start: Date, end: Date| RunEntry {
            run_id: "r".into(),
            status: "success".into(),
            window_start: start,
            window_end: end,
            started_at: jiff::Timestamp::UNIX_EPOCH,
            finished_at: jiff::Timestamp::UNIX_EPOCH,
            duration_ms: 0,
            counts: BTreeMap::new(),
            failures: Vec::new(),
            objects_written: 0,
            notify_status: String::new(),
            complete_types: Vec::new(),
        };
        let today = date(2026, 11, 23);
        assert_eq!(Lake::covered(&[], today, false), None);
        let runs =
            [run(date(2026, 11, 1), date(2026, 11, 7)), run(date(2024, 1, 1), date(2024, 2, 1))];
        let all = Lake::covered(&runs, today, false).unwrap();
        assert_eq!(all, Window::new(crate::config::SILVER_EARLIEST, today));
        assert_eq!(Lake::covered(&runs, today, true), Some(Window::new(date(2024, 1, 1), today)));
        let later = [run(date(2026, 11, 20), date(2026, 11, 30))];
        assert_eq!(Lake::covered(&later, today, true).unwrap().end, date(2026, 11, 30));
    }

    /// A record read as raw JSON from bronze keeps its exact text.
    #[test]
    fn raw_records_keep_their_text() {
        let text = r#"{"day":"2026-11-02","score":80.50,"z":1,"a":2}"#;
        let raw: Box<RawValue> = serde_json::from_str(text).unwrap();
        assert_eq!(raw.get(), text);
        // From silver the record comes as a JSON value: the same document, re-serialized.
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        let raw: Box<RawValue> = serde_json::from_value(value).unwrap();
        let back: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
        assert_eq!(back["score"], 80.5);
    }
}
