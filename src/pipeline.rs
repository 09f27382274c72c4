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

use anyhow::Context;
use futures_util::StreamExt;
use futures_util::future::join_all;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::auth::TokenProvider;
use crate::datatype::{DataType, RangeKind};
use crate::ledger::{AnyLedger, DayEntry, Ledger};
use crate::oura::day_merge::{all_moved, merge_samples, record_id};
use crate::oura::records::{Filed, Rejected, file_by_day};
use crate::oura::{FetchError, OuraClient};
use crate::pieces::{PageStats, SeriesPlan};
use crate::report::{RunHead, RunReport, TypeReport, TypeStatus, overall_status};
use crate::runtime::RunProgress;
use crate::store::{AnyStore, DayObject, ObjectStore, PutOutcome};
use crate::window::{MAX_DATE_COLLECTION_DAYS, Window, local_day, utc_param};

/// Objects of one fetch unit stored at once.
const PUTS_PER_UNIT: usize = 8;

/// Days after a day before its data count as settled, so that a resumed backfill may skip it:
/// the ring syncs when the app is opened, and Oura revises records for a while after.
pub const SETTLE_DAYS: i64 = 2;

/// What to sync: the days, the types, and how (the account's time zone decides the days).
#[derive(Debug, Clone)]
pub struct SyncJob {
    pub window: Window,
    pub types: Vec<DataType>,
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
    /// Counts the days fetched, of every type.
    pub progress: &'a dyn RunProgress,
    /// Cancelled when the user interrupts: pieces not started yet are left for the next run.
    pub cancel: &'a CancellationToken,
    pub run_id: &'a str,
    /// The account's time zone: it decides the days.
    pub timezone: &'a TimeZone,
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
/// - time series: pieces of at most 30 days of UTC time covering the local days in `tz`, as
///   [`SeriesPlan`] cuts them before any answer has come (a sync sizes the later ones from
///   the pages it gets);
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
        RangeKind::DateTime => {
            // The pieces a sync starts with, before any answer sizes the rest.
            let mut plan = SeriesPlan::new(vec![window], tz);
            std::iter::from_fn(|| plan.next_piece()).map(|keep| series_unit(keep, tz)).collect()
        }
        RangeKind::Snapshot | RangeKind::BareSnapshot => {
            vec![FetchUnit { keep: Window::new(window.end, window.end), params: Vec::new() }]
        }
    }
}

/// The query of a series piece: UTC datetimes bounding its local days in `tz`.
fn series_unit(keep: Window, tz: &TimeZone) -> FetchUnit {
    let (from, to) = keep.utc_bounds(tz);
    FetchUnit {
        keep,
        params: vec![("start_datetime", utc_param(from)), ("end_datetime", utc_param(to))],
    }
}

/// The pieces of one type still to fetch, handed out as slots free up.
enum Pieces {
    /// Known from the start: date collections and snapshots.
    Fixed(std::collections::VecDeque<FetchUnit>),
    /// Sized from the pages that come back (see [`crate::pieces`]).
    Series(SeriesPlan),
}

impl Pieces {
    fn next(&mut self, tz: &TimeZone) -> Option<FetchUnit> {
        match self {
            Pieces::Fixed(queue) => queue.pop_front(),
            Pieces::Series(plan) => plan.next_piece().map(|keep| series_unit(keep, tz)),
        }
    }

    fn learn(&mut self, keep: Window, seen: PageStats) {
        if let Pieces::Series(plan) = self {
            plan.learn(keep, seen);
        }
    }

    /// The days not handed out yet (what the progress bar counts).
    fn days_left(&self) -> i64 {
        match self {
            Pieces::Fixed(queue) => queue.iter().map(|u| u.keep.len_days()).sum(),
            Pieces::Series(plan) => plan.days_left(),
        }
    }
}

/// Why a type is not fetched at all, if it is not. The granted scopes are no reason: they are
/// a hint (see [`crate::scope`]), so every type is asked for and Oura's answer decides.
pub fn skip_reason(data_type: DataType, sandbox: bool) -> Option<String> {
    (sandbox && data_type == DataType::PersonalInfo)
        .then(|| "Oura's sandbox has no personal_info".into())
}

/// Why Oura refused `data_type` (HTTP `status`), and what to do, naming the scope the
/// granted scopes did not seem to cover (`missing_scope`) when there is one.
pub fn refusal_reason(
    data_type: DataType,
    status: u16,
    detail: &str,
    missing_scope: Option<&str>,
) -> String {
    match (missing_scope, status) {
        (Some(scope), _) => format!(
            "scope `{scope}` not granted, and Oura refused it (HTTP {status}: {detail}); run `oura-sync auth` with {scope} in OURA_SCOPES"
        ),
        (None, 401) => format!(
            "Oura refused the token for it (HTTP 401: {detail}); if its scope `{}` was not granted, run `oura-sync auth` with it in OURA_SCOPES",
            data_type.scope()
        ),
        (None, _) => format!("Oura refused it (HTTP {status}: {detail})"),
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
    revised: u64,
    conflicting: u64,
    /// What the fetch showed about the server's pages.
    seen: PageStats,
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
            run_id = %self.run_id,
            window = %job.window,
            types = job.types.len(),
            destination = %self.store.describe(),
            dry_run = job.dry_run,
            "Sync started."
        );
        // The series first: their pieces are chains of pages, the longest work, so they start
        // before the one-page pieces that fill the slots around them.
        let mut order = job.types.clone();
        order.sort_by_key(|t| !t.is_series());
        let outcomes = join_all(order.iter().map(|&t| self.sync_type(job, t, units.clone()))).await;

        let mut types = BTreeMap::new();
        let (mut refused, mut fetched, mut login_needed) = (0, 0, None);
        for (data_type, outcome) in order.iter().zip(outcomes) {
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
        let head = RunHead {
            run_id: self.run_id.to_string(),
            window: job.window,
            destination: self.store.describe(),
            dry_run: job.dry_run,
            sandbox: job.sandbox,
            started_at,
            finished_at: Timestamp::now(),
        };
        let report = RunReport {
            status,
            duration_ms: clock.elapsed().as_millis() as u64,
            objects_written: if job.dry_run { 0 } else { objects_written },
            requests: self.client.requests(),
            login_needed: login_needed.is_some(),
            error: login_needed.or(error),
            ..RunReport::new(head, types)
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
        if let Some(reason) = skip_reason(data_type, job.sandbox) {
            tracing::info!(r#type = %data_type, %reason, "Type skipped.");
            return plain(TypeReport::skipped(reason));
        }
        let known = match self.ledger.days(data_type, job.window).await {
            Ok(known) if job.resume => self.days_still_in_lake(known).await,
            Ok(known) => known,
            Err(e) => return plain(TypeReport::failed(format!("cannot read the ledger: {e:#}"))),
        };
        let snapshot = matches!(data_type.range(), RangeKind::Snapshot | RangeKind::BareSnapshot);
        let runs = if snapshot {
            Vec::new()
        } else {
            pending_runs(job.window, &known, self.timezone, job.resume)
        };
        let pieces = if snapshot {
            Pieces::Fixed(fetch_units(data_type, job.window, self.timezone).into())
        } else if data_type.is_series() {
            Pieces::Series(SeriesPlan::new(runs.clone(), self.timezone))
        } else {
            Pieces::Fixed(
                runs.iter().flat_map(|run| fetch_units(data_type, *run, self.timezone)).collect(),
            )
        };
        // Days a resumed backfill does not fetch again count as unchanged, with their records.
        let mut total = UnitOutcome::default();
        if job.resume && !snapshot {
            for (day, entry) in &known {
                if !runs.iter().any(|run| run.contains(*day)) {
                    total.records += entry.record_count;
                    total.days_unchanged += u64::from(entry.record_count > 0);
                }
            }
        }
        self.progress.add_days(pieces.days_left() as u64);
        let workers = match &pieces {
            Pieces::Fixed(queue) => queue.len().min(job.units_in_flight.max(1)),
            Pieces::Series(_) => job.units_in_flight.max(1),
        };
        let pieces = std::sync::Mutex::new(pieces);
        let rejected = std::sync::Mutex::new(Vec::new());
        // Each worker takes a slot, then the next piece (sized with all that is known by
        // then), until none is left.
        let results: Vec<Result<UnitOutcome, FetchError>> = join_all((0..workers).map(|_| {
            let (units, known, rejected, pieces) = (units.clone(), &known, &rejected, &pieces);
            async move {
                let mut results = Vec::new();
                loop {
                    let _slot = units.clone().acquire_owned().await.expect("never closed");
                    let next = pieces.lock().expect("no worker panicked").next(self.timezone);
                    let Some(unit) = next else { break };
                    if self.cancel.is_cancelled() {
                        results.push(Err(FetchError::Failed(
                            "interrupted before it was fetched; run the same command again".into(),
                        )));
                        break;
                    }
                    let keep = unit.keep;
                    let result = self.sync_unit(job, data_type, unit, known, rejected).await;
                    if let Ok(done) = &result {
                        pieces.lock().expect("no worker panicked").learn(keep, done.seen);
                    }
                    self.progress.days_done(keep.len_days() as u64);
                    results.push(result);
                }
                results
            }
        }))
        .await
        .into_iter()
        .flatten()
        .collect();

        let (mut failure, mut denial, mut login_needed) = (None, None, None);
        for result in results {
            match result {
                Ok(unit) => {
                    total.records += unit.records;
                    total.days_written += unit.days_written;
                    total.days_unchanged += unit.days_unchanged;
                    total.revised += unit.revised;
                    total.conflicting += unit.conflicting;
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
            records: total.records,
            days_written: total.days_written,
            days_unchanged: total.days_unchanged,
            revised: total.revised,
            conflicting: total.conflicting,
            ..TypeReport::with_status(if total.records > 0 {
                TypeStatus::Ok
            } else {
                TypeStatus::Empty
            })
        };
        let rejected = rejected.into_inner().expect("no task panicked holding it");
        if !rejected.is_empty() {
            let (cause, key) = self.quarantine(job, data_type, &rejected).await;
            report.rejected = rejected.len() as u64;
            report.quarantine = key;
            failure = Some(match failure {
                Some(other) => format!("{cause}; and {other}"),
                None => cause,
            });
        }
        let missing_scope =
            crate::scope::seems_missing(self.tokens.granted_scopes().as_ref(), data_type.scope());
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
            let reason = refusal_reason(data_type, status, &detail, missing_scope);
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
        if let Some(scope) = missing_scope
            && report.status != TypeStatus::Skipped
        {
            let note = format!(
                "scope `{scope}` is not among the granted scopes; asked anyway, and Oura answered"
            );
            tracing::info!(r#type = %data_type, %note, "Type fetched without its scope.");
            report.note = Some(note);
        }
        TypeOutcome { report, refused_token, login_needed }
    }

    /// Keeps the records of `data_type` that could not be filed in the run's quarantine object
    /// and returns the type's failure cause, with the object's key when it was stored. When
    /// even that fails, the records go to the error log, so that none is lost without a trace.
    async fn quarantine(
        &self,
        job: &SyncJob,
        data_type: DataType,
        rejected: &[Rejected],
    ) -> (String, Option<String>) {
        let count = rejected.len();
        let what = if count == 1 { "record" } else { "records" };
        let first = &rejected[0].reason;
        if job.dry_run {
            return (
                format!("{count} {what} could not be filed ({first}); a dry run keeps nothing"),
                None,
            );
        }
        let lines: Vec<String> = rejected.iter().map(Rejected::to_line).collect();
        match self.store.put_rejected(data_type, self.run_id, &lines).await {
            // The key before the reason, so that a summary line cut short still shows it.
            Ok(key) => (
                format!("{count} {what} could not be filed; kept whole in {key} ({first})"),
                Some(key),
            ),
            Err(e) => {
                for line in &lines {
                    tracing::error!(r#type = %data_type, %line, "A record that could not be filed nor kept.");
                }
                (
                    format!(
                        "{count} {what} could not be filed ({first}) nor kept in quarantine ({e:#}); they are in the error log"
                    ),
                    None,
                )
            }
        }
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
            let held = self.store.records(&entry.object_key).await.map_err(|e| {
                FetchError::Failed(format!(
                    "cannot read the stored {data_type} day {day} to merge it: {e:#}"
                ))
            })?;
            let Some(held) = held else { continue };
            let merged = merge_samples(held, by_day.remove(day).unwrap_or_default());
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
        match self.store.records(key).await {
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
        if !self.store.reads_are_cheap() {
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
        rejected: &std::sync::Mutex<Vec<Rejected>>,
    ) -> Result<UnitOutcome, FetchError> {
        let fetched = self.client.fetch_records(data_type, &unit.params).await?;
        let seen = PageStats {
            records: fetched.records.len() as u64,
            full_page: fetched.full_page.map(|n| n as u64),
        };
        let mut filed = file_by_day(data_type, fetched.records, unit.keep, self.timezone);
        log_repeats(data_type, unit.keep, &filed);
        if !filed.rejected.is_empty() {
            tracing::error!(
                r#type = %data_type,
                piece = %unit.keep,
                rejected = filed.rejected.len(),
                first = %filed.rejected[0].reason,
                "Records that cannot be filed were set aside."
            );
            rejected.lock().expect("no task panicked holding it").append(&mut filed.rejected);
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
        let mut outcome = UnitOutcome {
            revised: filed.revised as u64,
            conflicting: filed.conflicting as u64,
            seen,
            ..UnitOutcome::default()
        };
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
                    _ => empty_entries.push(DayEntry::empty(
                        data_type.name(),
                        day,
                        self.run_id,
                        synced_at,
                    )),
                }
                continue;
            }
            let records: Vec<&str> = records.iter().map(|r| r.get()).collect();
            let object = self.store.day_object(data_type, day, &records, self.run_id);
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

        // The ingestion log's S3 trigger looks each new object up in the table moments after
        // its put, so there each object is recorded as soon as it is durable.
        let at_once = self.ledger.records_each_object();
        let entry_of = |day: Date, object: &DayObject| DayEntry {
            data_type: data_type.name().to_string(),
            day,
            record_count: object.record_count,
            object_key: object.key.clone(),
            sha256: object.sha256.clone(),
            bytes: object.body.len() as u64,
            run_id: self.run_id.to_string(),
            synced_at,
        };
        let results: Vec<_> = futures_util::stream::iter(objects)
            .map(|(day, object)| async move {
                // A checksum recorded for another key (a lake that changed layout) says nothing
                // about this one.
                let known_sha = known
                    .get(&day)
                    .filter(|e| e.object_key == object.key)
                    .map(|e| e.sha256.as_str());
                let mut result = match self.store.put(&object, known_sha).await {
                    Ok(put) => Ok((put, false)),
                    Err(e) => Err(format!("cannot store {}: {e:#}", object.key)),
                };
                if at_once && let Ok((PutOutcome::Written, recorded)) = &mut result {
                    let entry = entry_of(day, &object);
                    if let Err(e) = self.record_now(&entry, job.window).await {
                        let cause = format!("stored {} but cannot record it: {e:#}", object.key);
                        return (day, object, Err(cause));
                    }
                    *recorded = true;
                }
                (day, object, result)
            })
            .buffer_unordered(PUTS_PER_UNIT)
            .collect()
            .await;
        let mut entries = empty_entries;
        let mut first_error = None;
        for (day, object, result) in results {
            match result {
                Ok((put, recorded)) => {
                    let entry = entry_of(day, &object);
                    match put {
                        PutOutcome::Written => outcome.days_written += 1,
                        PutOutcome::Unchanged => outcome.days_unchanged += 1,
                    }
                    if !recorded && known.get(&day).is_none_or(|k| !k.same_content(&entry)) {
                        entries.push(entry);
                    }
                }
                Err(cause) => {
                    first_error.get_or_insert(cause);
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
                        entries.push(DayEntry::empty(
                            data_type.name(),
                            day,
                            self.run_id,
                            synced_at,
                        ));
                    }
                    Err(e) => {
                        first_error.get_or_insert(format!("cannot remove {key}: {e:#}"));
                    }
                }
            }
        }
        // Record what was stored even when another day of the unit failed, once it is durable.
        if outcome.days_written > 0 && !at_once {
            self.store.flush().await.map_err(|e| {
                FetchError::Failed(format!("stored the days but cannot flush them to disk: {e:#}"))
            })?;
        }
        if !entries.is_empty() {
            entries.sort_by_key(|e| e.day);
            self.ledger.put_days(&entries, job.window).await.map_err(|e| {
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

/// Logs the records Oura sent more than once: exact repeats quietly, revisions and
/// conflicting samples as warnings with their counts (the rules are in [`crate::oura::records`]).
fn log_repeats(data_type: DataType, piece: Window, filed: &Filed) {
    if filed.duplicates > 0 {
        tracing::debug!(r#type = %data_type, %piece, duplicates = filed.duplicates, "Dropped repeated records.");
    }
    if filed.revised > 0 {
        tracing::warn!(
            r#type = %data_type, %piece, revised = filed.revised,
            "Oura sent documents again with other content; kept the later version of each."
        );
    }
    if filed.conflicting > 0 {
        tracing::warn!(
            r#type = %data_type, %piece, conflicting = filed.conflicting,
            "Oura sent different samples for the same instant and source; kept all of them."
        );
    }
}

impl Engine<'_> {
    /// Makes one stored object durable and records it at once (see `records_each_object`).
    async fn record_now(&self, entry: &DayEntry, window: Window) -> anyhow::Result<()> {
        self.store.flush().await.context("cannot flush it to disk")?;
        self.ledger.put_days(std::slice::from_ref(entry), window).await.context("the ledger")
    }
}

#[cfg(test)]
mod tests {
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
    fn long_windows_split_into_quarters_and_series_into_first_pieces_of_four_days() {
        let w = Window::new(date(2024, 1, 1), date(2026, 12, 31));
        let units = fetch_units(DataType::DailySleep, w, &TimeZone::UTC);
        assert_eq!(units.len(), 13);
        let series = fetch_units(DataType::Heartrate, w, &TimeZone::UTC);
        assert_eq!(series.len(), 274);
        assert_eq!(series[0].params[0], ("start_datetime", "2024-01-01T00:00:00Z".to_string()));
        assert_eq!(series[0].params[1], ("end_datetime", "2024-01-05T00:00:00Z".to_string()));
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
    fn only_the_sandbox_personal_info_is_skipped_without_asking() {
        assert!(skip_reason(DataType::PersonalInfo, true).is_some());
        assert!(skip_reason(DataType::PersonalInfo, false).is_none());
        assert!(skip_reason(DataType::DailySleep, true).is_none());
    }

    #[test]
    fn a_refusal_names_the_scope_to_grant_when_it_seemed_missing() {
        let reason = refusal_reason(DataType::DailySpo2, 401, "Unauthorized", Some("spo2"));
        assert_eq!(
            reason,
            "scope `spo2` not granted, and Oura refused it (HTTP 401: Unauthorized); run `oura-sync auth` with spo2 in OURA_SCOPES"
        );
        let reason = refusal_reason(DataType::PersonalInfo, 403, "Subscription expired", None);
        assert_eq!(reason, "Oura refused it (HTTP 403: Subscription expired)");
        let reason = refusal_reason(DataType::DailyStress, 401, "no", None);
        assert!(reason.contains("scope `stress` was not granted"), "{reason}");
    }
}
