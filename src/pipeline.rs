//! The sync engine: for every requested type, fetch the window (in pieces that run at once),
//! file the records under their days, store each day's object, and record it in the ledger;
//! then add the outcomes up into the run report.
//!
//! It sees only the seams ([`ObjectStore`], [`Ledger`]) and the Oura client. One type failing
//! never stops the others. An object is always stored before its ledger entry is written, so
//! the ledger never claims a day the lake does not hold.
//!
//! A day fetched again never silently shrinks and an `id` lives in one day object
//! ([`crate::oura::day_merge`]): a time-series day keeps the samples the lake holds, merged
//! with the new ones; a document day that the answer leaves empty is removed only when all its
//! records moved to other days of the answer (after those days are stored), else kept.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use futures_util::future::join_all;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tokio::sync::Semaphore;

use crate::auth::TokenProvider;
use crate::datatype::{DataType, RangeKind};
use crate::ledger::{AnyLedger, DayEntry, Ledger};
use crate::oura::day_merge::{all_moved, merge_samples, record_id};
use crate::oura::records::file_by_day;
use crate::oura::{FetchError, OuraClient};
use crate::report::{RunReport, TypeReport, TypeStatus, overall_status};
use crate::store::{AnyStore, ObjectStore, PutOutcome};
use crate::window::{MAX_DATE_COLLECTION_DAYS, Window, local_day, utc_param};

/// Objects of one fetch unit stored at once.
const PUTS_PER_UNIT: usize = 8;

/// Days after a day before its data count as settled, so that a resumed backfill may skip it:
/// the ring syncs when the app is opened, and Oura revises records for a while after.
pub const SETTLE_DAYS: i64 = 2;

/// What to sync.
#[derive(Debug, Clone)]
pub struct SyncJob {
    pub run_id: String,
    pub window: Window,
    pub types: Vec<DataType>,
    pub timezone: TimeZone,
    pub dry_run: bool,
    pub sandbox: bool,
    /// Fetch units (windows of one type) in flight at once; bounds memory in a backfill.
    pub units_in_flight: usize,
    /// Skip the days the ledger already holds, settled (a resumed backfill).
    pub resume: bool,
}

/// What the engine works with.
pub struct Engine<'a> {
    pub client: &'a OuraClient,
    pub tokens: &'a TokenProvider,
    pub store: &'a AnyStore,
    pub ledger: &'a AnyLedger,
    /// Counts fetch units done (drawn only on a terminal).
    pub progress: &'a indicatif::ProgressBar,
    /// Set when the user interrupts: pieces not started yet are left for the next run.
    pub interrupted: &'a std::sync::atomic::AtomicBool,
}

/// One query of one type: the days it files records under, and its query parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchUnit {
    pub keep: Window,
    pub params: Vec<(&'static str, String)>,
}

/// Splits the window into the queries that fetch `data_type`:
/// - date collections: pieces of at most [`MAX_DATE_COLLECTION_DAYS`] days, each asked for
///   with a day of padding on both sides, because the end date means midnight for some
///   collections and `sleep` filters on the bedtime's date (reference/oura-api.md §1.3);
/// - time series: pieces of at most 30 days of UTC time covering the local days in `tz`;
/// - snapshots: one query with no range, filed under the window's last day.
pub fn fetch_units(data_type: DataType, window: Window, tz: &TimeZone) -> Vec<FetchUnit> {
    use jiff::ToSpan;
    match data_type.range() {
        RangeKind::Date => window
            .split(MAX_DATE_COLLECTION_DAYS)
            .into_iter()
            .map(|keep| FetchUnit {
                keep,
                params: vec![
                    ("start_date", (keep.start - 1.day()).to_string()),
                    ("end_date", (keep.end + 1.day()).to_string()),
                ],
            })
            .collect(),
        RangeKind::DateTime => window
            .series_chunks(tz)
            .into_iter()
            .map(|keep| {
                let (from, to) = keep.utc_bounds(tz);
                FetchUnit {
                    keep,
                    params: vec![
                        ("start_datetime", utc_param(from)),
                        ("end_datetime", utc_param(to)),
                    ],
                }
            })
            .collect(),
        RangeKind::Snapshot | RangeKind::BareSnapshot => {
            vec![FetchUnit { keep: Window::new(window.end, window.end), params: Vec::new() }]
        }
    }
}

/// Why a type is not fetched at all, if it is not.
pub fn skip_reason(
    data_type: DataType,
    sandbox: bool,
    granted: Option<&std::collections::BTreeSet<String>>,
) -> Option<String> {
    if sandbox && data_type == DataType::PersonalInfo {
        return Some("Oura's sandbox has no personal_info".into());
    }
    let scope = data_type.scope();
    match granted {
        Some(granted) if !granted.contains(scope) => Some(format!(
            "scope `{scope}` not granted; run `oura-sync auth` with {scope} in OURA_SCOPES"
        )),
        _ => None,
    }
}

/// The runs of consecutive days of `window` that still need fetching. Without `resume`, the
/// whole window. With it, the days the ledger holds (with records or known empty) from a sync
/// made at least [`SETTLE_DAYS`] after the day are left out.
pub fn pending_runs(
    window: Window,
    known: &BTreeMap<Date, DayEntry>,
    tz: &TimeZone,
    resume: bool,
) -> Vec<Window> {
    use jiff::ToSpan;
    if !resume {
        return vec![window];
    }
    let settled = |day: Date| {
        known.get(&day).is_some_and(|e| local_day(e.synced_at, tz) >= day + SETTLE_DAYS.days())
    };
    let mut runs: Vec<Window> = Vec::new();
    for day in window.days().filter(|d| !settled(*d)) {
        match runs.last_mut() {
            Some(run) if run.end + 1.day() == day => run.end = day,
            _ => runs.push(Window::new(day, day)),
        }
    }
    runs
}

/// What one fetch unit did.
#[derive(Debug, Default)]
struct UnitOutcome {
    records: u64,
    days_written: u64,
    days_unchanged: u64,
}

/// What one type did, with what the run needs to know beyond the report line.
struct TypeOutcome {
    report: TypeReport,
    refused_token: bool,
    login_needed: Option<String>,
}

impl Engine<'_> {
    /// Runs the job and returns its report. Never fails as a whole: every problem ends up in
    /// the report, per type.
    pub async fn run(&self, job: &SyncJob) -> RunReport {
        let started_at = Timestamp::now();
        let clock = Instant::now();
        let units = Arc::new(Semaphore::new(job.units_in_flight.max(1)));
        tracing::info!(
            run_id = %job.run_id,
            window = %job.window,
            types = job.types.len(),
            destination = %self.store.describe(),
            dry_run = job.dry_run,
            "Sync started."
        );
        let outcomes =
            join_all(job.types.iter().map(|&t| self.sync_type(job, t, units.clone()))).await;

        let mut types = BTreeMap::new();
        let (mut refused, mut fetched, mut login_needed) = (0, 0, None);
        for (data_type, outcome) in job.types.iter().zip(outcomes) {
            if outcome.report.reason.is_none() || outcome.refused_token {
                fetched += 1;
            }
            refused += usize::from(outcome.refused_token);
            login_needed = login_needed.or(outcome.login_needed);
            types.insert(data_type.name().to_string(), outcome.report);
        }
        // A token that every type refuses is a dead login, not a missing scope.
        if login_needed.is_none() && !job.sandbox && fetched > 0 && refused == fetched {
            login_needed = Some(format!(
                "Oura refused the access token for every data type; {}",
                crate::auth::LOGIN_HINT
            ));
        }
        let mut status = overall_status(types.values());
        let mut error = None;
        if login_needed.is_some() {
            status = crate::report::RunStatus::Failed;
        } else if let Some(line) = self.client.unreachable() {
            // One line for the whole run, not one per type.
            tracing::error!("{line}");
            error = Some(line.to_string());
        } else if job.sandbox && fetched > 0 && refused == fetched {
            // The sandbox needs no login, so a refusal of everything is no "skipped" matter.
            status = crate::report::RunStatus::Failed;
            error = Some("Oura's sandbox refused every request (HTTP 401); try again later".into());
        }
        let objects_written = types.values().map(|t| t.days_written).sum();
        let report = RunReport {
            schema_version: crate::report::SCHEMA_VERSION,
            run_id: job.run_id.clone(),
            status,
            window: job.window.into(),
            started_at,
            finished_at: Timestamp::now(),
            duration_ms: clock.elapsed().as_millis() as u64,
            destination: self.store.describe(),
            dry_run: job.dry_run,
            sandbox: job.sandbox,
            types,
            objects_written: if job.dry_run { 0 } else { objects_written },
            requests: self.client.requests(),
            login_needed: login_needed.is_some(),
            error: login_needed.or(error),
            briefing: None,
        };
        tracing::info!(
            run_id = %report.run_id,
            status = report.status.as_str(),
            objects_written = report.objects_written,
            requests = report.requests,
            duration_ms = report.duration_ms,
            "Sync finished."
        );
        report
    }

    #[tracing::instrument(name = "type", skip_all, fields(r#type = %data_type))]
    async fn sync_type(
        &self,
        job: &SyncJob,
        data_type: DataType,
        units: Arc<Semaphore>,
    ) -> TypeOutcome {
        let plain = |report| TypeOutcome { report, refused_token: false, login_needed: None };
        if let Some(reason) =
            skip_reason(data_type, job.sandbox, self.tokens.granted_scopes().as_ref())
        {
            tracing::info!(r#type = %data_type, %reason, "Type skipped.");
            return plain(TypeReport::skipped(reason));
        }
        let known = match self.ledger.days(data_type, job.window).await {
            Ok(known) if job.resume => self.days_still_in_lake(known).await,
            Ok(known) => known,
            Err(e) => return plain(TypeReport::failed(format!("cannot read the ledger: {e:#}"))),
        };
        let snapshot = matches!(data_type.range(), RangeKind::Snapshot | RangeKind::BareSnapshot);
        let plan: Vec<FetchUnit> = if snapshot {
            fetch_units(data_type, job.window, &job.timezone)
        } else {
            pending_runs(job.window, &known, &job.timezone, job.resume)
                .into_iter()
                .flat_map(|run| fetch_units(data_type, run, &job.timezone))
                .collect()
        };
        // Days a resumed backfill does not fetch again count as unchanged, with their records.
        let mut total = UnitOutcome::default();
        if job.resume && !snapshot {
            for (day, entry) in &known {
                if !plan.iter().any(|u| u.keep.contains(*day)) {
                    total.records += entry.record_count;
                    total.days_unchanged += u64::from(entry.record_count > 0);
                }
            }
        }
        self.progress.inc_length(plan.len() as u64);
        let results = join_all(plan.into_iter().map(|unit| {
            let units = units.clone();
            let known = &known;
            async move {
                let _slot = units.acquire_owned().await.expect("never closed");
                if self.interrupted.load(std::sync::atomic::Ordering::Relaxed) {
                    return Err(FetchError::Failed(
                        "interrupted before it was fetched; run the same command again".into(),
                    ));
                }
                let result = self.sync_unit(job, data_type, unit, known).await;
                self.progress.inc(1);
                result
            }
        }))
        .await;

        let (mut failure, mut denial, mut login_needed) = (None, None, None);
        for result in results {
            match result {
                Ok(unit) => {
                    total.records += unit.records;
                    total.days_written += unit.days_written;
                    total.days_unchanged += unit.days_unchanged;
                }
                Err(FetchError::Failed(cause)) => {
                    failure.get_or_insert(cause);
                }
                Err(FetchError::Denied { status, detail }) => {
                    denial.get_or_insert((status, detail));
                }
                Err(FetchError::LoginNeeded(message)) => {
                    failure.get_or_insert(message.clone());
                    login_needed = Some(message);
                }
            }
        }
        let mut report = TypeReport {
            status: if total.records > 0 { TypeStatus::Ok } else { TypeStatus::Empty },
            records: total.records,
            days_written: total.days_written,
            days_unchanged: total.days_unchanged,
            error: None,
            reason: None,
        };
        let mut refused_token = false;
        if let Some(cause) = failure {
            if self.client.unreachable() == Some(cause.as_str()) {
                // Said once for the run (see `run`).
                tracing::debug!(r#type = %data_type, %cause, "Type failed.");
            } else {
                tracing::error!(r#type = %data_type, %cause, "Type failed.");
            }
            report.status = TypeStatus::Failed;
            report.error = Some(cause);
        } else if let Some((status, detail)) = denial {
            refused_token = status == 401;
            let reason = if status == 401 {
                format!(
                    "Oura refused the token for it (HTTP 401: {detail}); if its scope `{}` was not granted, run `oura-sync auth` with it in OURA_SCOPES",
                    data_type.scope()
                )
            } else {
                format!("Oura refused it (HTTP {status}: {detail})")
            };
            tracing::warn!(r#type = %data_type, %reason, "Type skipped.");
            report.status = TypeStatus::Skipped;
            report.reason = Some(reason);
        } else {
            tracing::info!(
                r#type = %data_type,
                records = report.records,
                days_written = report.days_written,
                days_unchanged = report.days_unchanged,
                "Type synced."
            );
        }
        TypeOutcome { report, refused_token, login_needed }
    }

    /// Merges, into each series day of `days` that the lake holds, the samples it holds, so a
    /// smaller answer never drops them.
    async fn merge_held_samples(
        &self,
        data_type: DataType,
        by_day: &mut BTreeMap<Date, Vec<Box<serde_json::value::RawValue>>>,
        days: &[Date],
        known: &BTreeMap<Date, DayEntry>,
    ) -> Result<(), FetchError> {
        for day in days {
            let Some(entry) = known.get(day).filter(|e| e.record_count > 0) else { continue };
            let held = self.store.get(&entry.object_key).await.map_err(|e| {
                FetchError::Failed(format!(
                    "cannot read the stored {data_type} day {day} to merge it: {e:#}"
                ))
            })?;
            let Some(held) = held else { continue };
            let merged = merge_samples(&held, by_day.remove(day).unwrap_or_default());
            if merged.kept_from_lake > 0 {
                tracing::info!(
                    r#type = %data_type, %day, kept = merged.kept_from_lake,
                    "Kept samples the lake holds that Oura did not send again."
                );
            }
            if !merged.records.is_empty() {
                by_day.insert(*day, merged.records);
            }
        }
        Ok(())
    }

    /// True if and only if every record of the stored object `key` has its `id` in `ids`.
    async fn records_moved(&self, key: &str, ids: &std::collections::HashSet<String>) -> bool {
        match self.store.get(key).await {
            Ok(Some(held)) => all_moved(&held, ids),
            _ => false,
        }
    }

    /// The ledger's days whose object a local lake still holds, byte for byte, so that a
    /// resumed backfill fetches again a day whose file is gone or damaged. An S3 lake's
    /// objects are not read back: S3 keeps what it acknowledged, and `--force` refetches.
    async fn days_still_in_lake(
        &self,
        known: BTreeMap<Date, DayEntry>,
    ) -> BTreeMap<Date, DayEntry> {
        if !matches!(self.store, AnyStore::Local(_)) {
            return known;
        }
        futures_util::stream::iter(known)
            .map(|(day, entry)| async move {
                if entry.record_count == 0 {
                    return Some((day, entry));
                }
                match self.store.get(&entry.object_key).await {
                    Ok(Some(body)) if crate::store::sha256_hex(&body) == entry.sha256 => {
                        Some((day, entry))
                    }
                    _ => {
                        tracing::warn!(
                            key = %entry.object_key,
                            "The ledger lists a day whose lake file is missing or changed; fetching it again."
                        );
                        None
                    }
                }
            })
            .buffer_unordered(PUTS_PER_UNIT)
            .filter_map(std::future::ready)
            .collect()
            .await
    }

    /// Fetches one unit, stores its days, and records them in the ledger.
    #[tracing::instrument(name = "piece", skip_all, fields(days = %unit.keep))]
    async fn sync_unit(
        &self,
        job: &SyncJob,
        data_type: DataType,
        unit: FetchUnit,
        known: &BTreeMap<Date, DayEntry>,
    ) -> Result<UnitOutcome, FetchError> {
        let records = self.client.fetch_records(data_type, &unit.params).await?;
        let mut filed = file_by_day(data_type, records, unit.keep, &job.timezone)
            .map_err(FetchError::Failed)?;
        if filed.duplicates > 0 {
            tracing::debug!(r#type = %data_type, duplicates = filed.duplicates, "Dropped repeated records.");
        }
        let days: Vec<Date> = match data_type.range() {
            RangeKind::Snapshot | RangeKind::BareSnapshot => vec![unit.keep.end],
            _ => unit.keep.days().collect(),
        };
        if data_type.is_series() {
            self.merge_held_samples(data_type, &mut filed.by_day, &days, known).await?;
        }
        // The ids this answer files under any day: a held day left empty whose ids all sit
        // elsewhere now has had its records moved.
        let fetched_ids: std::collections::HashSet<String> = if data_type.range() == RangeKind::Date
        {
            filed.by_day.values().flatten().filter_map(|r| record_id(r)).collect()
        } else {
            Default::default()
        };
        let synced_at = Timestamp::now();
        let mut outcome = UnitOutcome::default();
        let mut empty_entries = Vec::new();
        let mut moved_away: Vec<(Date, String)> = Vec::new();
        let mut objects = Vec::new();
        for day in days {
            let records = filed.by_day.remove(&day).unwrap_or_default();
            if records.is_empty() {
                match known.get(&day) {
                    Some(entry)
                        if entry.record_count > 0
                            && !fetched_ids.is_empty()
                            && self.records_moved(&entry.object_key, &fetched_ids).await =>
                    {
                        moved_away.push((day, entry.object_key.clone()));
                    }
                    // Never let an empty answer erase a day the lake holds: keep it as it is.
                    Some(entry) if entry.record_count > 0 => tracing::warn!(
                        r#type = %data_type, %day, held = entry.record_count,
                        "Oura returned no records for a day the lake holds; kept the stored day."
                    ),
                    Some(entry) if entry.object_key.is_empty() => {}
                    _ => empty_entries.push(DayEntry {
                        data_type: data_type.name().to_string(),
                        day,
                        record_count: 0,
                        object_key: String::new(),
                        sha256: String::new(),
                        bytes: 0,
                        run_id: job.run_id.clone(),
                        synced_at,
                    }),
                }
                continue;
            }
            let records: Vec<&str> = records.iter().map(|r| r.get()).collect();
            let object = self.store.day_object(data_type, day, &records, &job.run_id);
            outcome.records += object.record_count;
            objects.push((day, object));
        }
        drop(filed);

        if job.dry_run {
            outcome.days_written += moved_away.len() as u64;
            for (day, object) in &objects {
                match known.get(day) {
                    Some(entry) if entry.sha256 == object.sha256 => outcome.days_unchanged += 1,
                    _ => outcome.days_written += 1,
                }
            }
            return Ok(outcome);
        }

        let results: Vec<_> = futures_util::stream::iter(objects)
            .map(|(day, object)| async move {
                let known_sha = known.get(&day).map(|e| e.sha256.as_str());
                let result = self.store.put(&object, known_sha).await;
                (day, object, result)
            })
            .buffer_unordered(PUTS_PER_UNIT)
            .collect()
            .await;
        let mut entries = empty_entries;
        let mut first_error = None;
        for (day, object, result) in results {
            match result {
                Ok(put) => {
                    let entry = DayEntry {
                        data_type: data_type.name().to_string(),
                        day,
                        record_count: object.record_count,
                        object_key: object.key.clone(),
                        sha256: object.sha256.clone(),
                        bytes: object.body.len() as u64,
                        run_id: job.run_id.clone(),
                        synced_at,
                    };
                    match put {
                        PutOutcome::Written => outcome.days_written += 1,
                        PutOutcome::Unchanged => outcome.days_unchanged += 1,
                    }
                    if known.get(&day).is_none_or(|k| !k.same_content(&entry)) {
                        entries.push(entry);
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(format!("cannot store {}: {e:#}", object.key));
                }
            }
        }
        // A day whose records all moved goes only once the days they moved to are stored, and
        // only when all were: an id never sits in two objects, nor in none.
        if first_error.is_none() {
            for (day, key) in moved_away {
                match self.store.delete(&key).await {
                    Ok(()) => {
                        tracing::info!(r#type = %data_type, %day, "Every record of the day moved to another day; removed its object.");
                        outcome.days_written += 1;
                        entries.push(DayEntry {
                            data_type: data_type.name().to_string(),
                            day,
                            record_count: 0,
                            object_key: String::new(),
                            sha256: String::new(),
                            bytes: 0,
                            run_id: job.run_id.clone(),
                            synced_at,
                        });
                    }
                    Err(e) => {
                        first_error.get_or_insert(format!("cannot remove {key}: {e:#}"));
                    }
                }
            }
        }
        // Record what was stored even when another day of the unit failed, once it is durable.
        if outcome.days_written > 0 {
            self.store.flush().await.map_err(|e| {
                FetchError::Failed(format!("stored the days but cannot flush them to disk: {e:#}"))
            })?;
        }
        if !entries.is_empty() {
            entries.sort_by_key(|e| e.day);
            self.ledger.put_days(&entries).await.map_err(|e| {
                FetchError::Failed(format!(
                    "stored the days but cannot record them in the ledger: {e:#}"
                ))
            })?;
        }
        match first_error {
            Some(cause) => Err(FetchError::Failed(cause)),
            None => Ok(outcome),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use jiff::civil::date;

    use super::*;

    #[test]
    fn date_collections_are_padded_by_a_day_on_each_side() {
        let w = Window::new(date(2026, 11, 17), date(2026, 11, 23));
        let units = fetch_units(DataType::DailyActivity, w, &TimeZone::UTC);
        assert_eq!(
            units,
            vec![FetchUnit {
                keep: w,
                params: vec![
                    ("start_date", "2026-11-16".to_string()),
                    ("end_date", "2026-11-24".to_string())
                ],
            }]
        );
    }

    #[test]
    fn long_windows_split_into_quarters_and_series_into_thirty_days() {
        let w = Window::new(date(2024, 1, 1), date(2026, 12, 31));
        let units = fetch_units(DataType::DailySleep, w, &TimeZone::UTC);
        assert_eq!(units.len(), 13);
        let series = fetch_units(DataType::Heartrate, w, &TimeZone::UTC);
        assert_eq!(series.len(), 37);
        assert_eq!(series[0].params[0], ("start_datetime", "2024-01-01T00:00:00Z".to_string()));
        assert_eq!(series[0].params[1], ("end_datetime", "2024-01-31T00:00:00Z".to_string()));
    }

    #[test]
    fn series_bounds_are_the_local_days_in_utc() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let w = Window::new(date(2026, 11, 23), date(2026, 11, 23));
        let units = fetch_units(DataType::RingBatteryLevel, w, &ny);
        assert_eq!(units[0].params[0].1, "2026-11-23T05:00:00Z");
        assert_eq!(units[0].params[1].1, "2026-11-24T05:00:00Z");
    }

    #[test]
    fn snapshots_are_one_query_filed_under_the_last_day() {
        let w = Window::new(date(2026, 11, 17), date(2026, 11, 23));
        let units = fetch_units(DataType::PersonalInfo, w, &TimeZone::UTC);
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].keep, Window::new(date(2026, 11, 23), date(2026, 11, 23)));
        assert!(units[0].params.is_empty());
    }

    fn entry(day: Date, synced: &str) -> DayEntry {
        DayEntry {
            data_type: "daily_sleep".into(),
            day,
            record_count: 1,
            object_key: "k".into(),
            sha256: "s".into(),
            bytes: 1,
            run_id: "r".into(),
            synced_at: synced.parse().unwrap(),
        }
    }

    #[test]
    fn a_resumed_backfill_fetches_only_the_days_not_settled() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 10));
        let mut known = BTreeMap::new();
        for d in 1..=4 {
            known.insert(date(2026, 1, d), entry(date(2026, 1, d), "2026-01-20T00:00:00Z"));
        }
        known.insert(date(2026, 1, 7), entry(date(2026, 1, 7), "2026-01-20T00:00:00Z"));
        // Synced the day after: not settled yet, so fetched again.
        known.insert(date(2026, 1, 10), entry(date(2026, 1, 10), "2026-01-11T09:00:00Z"));
        let runs = pending_runs(w, &known, &TimeZone::UTC, true);
        assert_eq!(
            runs,
            vec![
                Window::new(date(2026, 1, 5), date(2026, 1, 6)),
                Window::new(date(2026, 1, 8), date(2026, 1, 10)),
            ]
        );
        assert_eq!(pending_runs(w, &known, &TimeZone::UTC, false), vec![w]);
    }

    #[test]
    fn skips_follow_the_sandbox_and_the_granted_scopes() {
        assert!(skip_reason(DataType::PersonalInfo, true, None).is_some());
        assert!(skip_reason(DataType::DailySleep, true, None).is_none());
        let granted: BTreeSet<String> = ["daily".to_string()].into();
        assert!(skip_reason(DataType::DailySleep, false, Some(&granted)).is_none());
        let reason = skip_reason(DataType::Heartrate, false, Some(&granted)).unwrap();
        assert!(reason.contains("scope `heartrate` not granted"), "{reason}");
    }
}
