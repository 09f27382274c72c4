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
//!
//! The parts: `plan` (the queries and pieces of a type), `per_type` (one type's pieces run
//! and added up), `piece` (one piece fetched, filed, stored and recorded); this file adds the
//! types up into the run report.

mod edge;
mod per_type;
mod piece;
mod plan;

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

use piece::UnitOutcome;
use plan::Pieces;
pub use plan::{FetchUnit, fetch_units, pending_runs, refusal_reason, skip_reason};

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
    /// `OURA_DASHBOARD_IN_LAKE`: write the dashboard into the lake after the run.
    pub dashboard_in_lake: bool,
    /// What started the run: the poll, or a webhook delivery (the receiver's runs).
    pub trigger: RunTrigger,
    /// Document ids known to have left the days they were in (a webhook's `delete`, or a
    /// document Oura moved to another day): a held day the answer leaves empty is removed
    /// when every id it held is here or filed elsewhere by the answer. Empty for a poll.
    pub gone: Vec<String>,
}

/// What started a run. Only the poll records what it wrote that no webhook delivery brought
/// (the safety net, [`crate::webhooks::poll`]); a run a delivery triggered writes what a
/// delivery brought, so it records nothing of the kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RunTrigger {
    /// `sync` by hand or on a schedule, the Lambda's scheduled or date events: the poll.
    #[default]
    Poll,
    /// The webhook receiver, applying deliveries.
    Webhook,
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
}
