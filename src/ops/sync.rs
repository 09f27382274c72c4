//! The sync operation: run the pipeline over the built backends, bring silver up to date,
//! then finish the run the one way every run finishes (notify, record, and agree on the outcome), and return the report.
//!
//! What the user reads on stdout, the last message they got, the ledger and the exit code
//! never contradict each other. The message goes out first (the ledger's `notify_status`
//! records what became of it); if the ledger then cannot record the run, the run counts as
//! failed, and the corrected summary is sent again on the same channels, so the last message
//! says what stdout says. Before any of that the report is scrubbed of every known secret
//! and control character (a server may have echoed one into a cause), so what is printed,
//! recorded and sent is the same clean text.
//!
//! A local lake's own lock ([`LakeLock`]) is taken after the login check (a run without a
//! login writes nothing, and the lake may not exist yet) and held to the end of the run.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::auth::TokenProvider;
use crate::dashboard::lake::LakePage;
use crate::datatype::DataType;
use crate::error::{EXIT_LOGIN, exit_code};
use crate::health::briefing::Briefing;
use crate::health::reader::{BronzeReader, LakeReader};
use crate::ledger::{AnyLedger, Ledger};
use crate::lock::RunLock;
use crate::notify::{Notifiers, NotifyStatus};
use crate::oura::{ClientOptions, OuraClient};
use crate::pipeline::{Engine, SyncJob};
use crate::report::{RunReport, RunStatus, TypeStatus};
use crate::silver::Mode;
use crate::silver::bronze::BronzeSource;
use crate::silver::store::AnySilver;
use crate::store::{AnyStore, ObjectStore, manifest};
use crate::window::Window;

/// What one sync does.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub window: Window,
    pub types: Vec<DataType>,
    /// `OURA_TIMEZONE` (or the system's): decides the days.
    pub timezone: TimeZone,
    pub dry_run: bool,
    pub sandbox: bool,
    /// Print the JSON report instead of the summary.
    pub json: bool,
    /// Skip the settled days the ledger holds (a backfill without `--force`).
    pub resume: bool,
    /// Fetch pieces in flight at once (bounds memory in a backfill).
    pub units_in_flight: usize,
    /// The lake's own lock, when it has one and the run writes (`None` for a dry run).
    pub lake_lock: Option<LakeLock>,
    /// `OURA_DASHBOARD_IN_LAKE`: write the dashboard into the lake after the run.
    pub dashboard_in_lake: bool,
}

/// The lock of one local lake: one writer at a time, whatever tokens file a run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeLock {
    /// `<lake>/_ledger/.oura-sync.lock`.
    pub path: PathBuf,
    /// `OURA_LOCK_TIMEOUT`: how long to wait for another run to release it.
    pub wait: Duration,
}

/// What a sync works with, built by the command from the configuration.
pub struct Deps<'a> {
    pub store: &'a AnyStore,
    pub ledger: &'a AnyLedger,
    /// Where silver goes; `None` when it is off.
    pub silver: Option<&'a AnySilver>,
    pub notifiers: &'a Notifiers,
    /// The login, or why there is none (a login-needed error is a run of its own; any other
    /// error ends the command).
    pub tokens: anyhow::Result<TokenProvider>,
}

/// Runs one sync and returns its finished report (already notified and recorded).
pub async fn run(
    options: &SyncOptions,
    client: ClientOptions,
    deps: Deps<'_>,
) -> anyhow::Result<RunReport> {
    let job = SyncJob {
        run_id: uuid::Uuid::new_v4().to_string(),
        window: options.window,
        types: options.types.clone(),
        timezone: options.timezone.clone(),
        dry_run: options.dry_run,
        sandbox: options.sandbox,
        units_in_flight: options.units_in_flight,
        resume: options.resume,
    };
    let started_at = Timestamp::now();
    let tokens = match deps.tokens {
        Ok(tokens) => Arc::new(tokens),
        // No login at all: nothing was fetched or written, and nothing is recorded (the lake
        // may not even exist yet), but the run is announced, so a daily job does not fail
        // silently when the login lapses.
        Err(e) if exit_code(&e) == EXIT_LOGIN => {
            tracing::error!(error = %format!("{e:#}"), "No usable Oura login.");
            let report = stopped_report(&job, deps.store.describe(), started_at, format!("{e:#}"));
            return Ok(finish(report, None::<&AnyLedger>, deps.notifiers).await);
        }
        Err(e) => return Err(e),
    };
    // Held until the run is recorded and announced.
    let _lake_lock = match &options.lake_lock {
        Some(lock) => Some(RunLock::acquire(&lock.path, lock.wait).await?),
        None => None,
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    let client = OuraClient::new(client, tokens.clone())?.stop_chains_on(interrupted.clone());
    let progress = progress_bar();
    // Left running to the end: a second interrupt, even while notifying, stops at once.
    tokio::spawn(super::interrupt::watch(interrupted.clone()));
    let engine = Engine {
        client: &client,
        tokens: &tokens,
        store: deps.store,
        ledger: deps.ledger,
        progress: &progress,
        interrupted: &interrupted,
    };
    let mut report = engine.run(&job).await;
    progress.finish_and_clear();
    crate::logging::set_progress(None);
    if interrupted.load(Ordering::Relaxed) {
        report.error.get_or_insert("interrupted; run the same command again to finish".into());
    }
    // The batch's manifest (bio-lakehouse layout), after all its objects: the S3 trigger
    // starts the normalizer once for it. Without it the objects are all there, but nothing
    // starts the normalizer, so the run says so.
    match manifest::write_for_run(deps.store, &report).await {
        Ok(Some(key)) => tracing::info!(%key, "Wrote the batch manifest."),
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "Cannot write the batch manifest.");
            if report.status == RunStatus::Success {
                report.status = RunStatus::Partial;
            }
            report.error.get_or_insert(format!(
                "every object is stored, but the batch manifest is not ({e:#}); the next sync \
                 that writes an object starts the normalizer"
            ));
        }
    }
    // Silver after bronze and its ledger entries: it can fail, but never cost a bronze day;
    // the run records and announces how it went.
    if let Some(silver) = deps.silver
        && !job.dry_run
        && !report.login_needed
    {
        let types = crate::silver::types_to_update(&report, &job.types);
        let source = BronzeSource::Ledger { ledger: deps.ledger, store: deps.store };
        report.add_silver(
            crate::silver::bio::update(silver, &source, &types, job.window, Mode::Update).await,
        );
    }
    if !job.dry_run {
        report.briefing = briefing(&report, &job, deps.store, deps.ledger, deps.silver).await;
    }
    if options.dashboard_in_lake && !job.dry_run && !report.login_needed {
        let (store, ledger, silver) = (deps.store, deps.ledger, deps.silver);
        let (end, timezone, now, run_id) =
            (job.window.end, &job.timezone, Timestamp::now(), job.run_id.as_str());
        let page = LakePage { store, ledger, silver, end, timezone, now, run_id };
        crate::dashboard::lake::write_after_sync(page).await;
    }
    let ledger = (!job.dry_run).then_some(deps.ledger);
    Ok(finish(report, ledger, deps.notifiers).await)
}

/// The end of every run: scrub the report, notify, record the run in `ledger` (when given)
/// with what became of the notification, and return the report as it stands. A failed
/// notification changes nothing but `notify_status`; a ledger that cannot record the run
/// makes it failed, and the corrected summary goes out again.
pub async fn finish<L: Ledger>(
    mut report: RunReport,
    ledger: Option<&L>,
    notifiers: &Notifiers,
) -> RunReport {
    report.scrub();
    let notify_status = notifiers.notify(&report, &report.summary()).await;
    if let Some(ledger) = ledger
        && let Err(e) = ledger.put_run(&report.to_run_entry(&notify_status.to_string())).await
    {
        tracing::error!(error = %format!("{e:#}"), "Cannot record the run in the ledger.");
        report.status = RunStatus::Failed;
        report.error.get_or_insert(format!("cannot record the run in the ledger: {e:#}"));
        report.scrub();
        if notify_status != NotifyStatus::Disabled {
            notifiers.notify(&report, &report.summary()).await;
        }
    }
    report
}

/// The report of a run that stopped before fetching anything because there is no usable
/// login: failed, no type, `login_needed`.
fn stopped_report(
    job: &SyncJob,
    destination: String,
    started_at: Timestamp,
    error: String,
) -> RunReport {
    let finished_at = Timestamp::now();
    RunReport {
        schema_version: crate::report::SCHEMA_VERSION,
        run_id: job.run_id.clone(),
        status: RunStatus::Failed,
        window: job.window.into(),
        started_at,
        finished_at,
        duration_ms: finished_at.duration_since(started_at).as_millis().max(0) as u64,
        destination,
        dry_run: job.dry_run,
        sandbox: job.sandbox,
        types: Default::default(),
        objects_written: 0,
        requests: 0,
        error: Some(error),
        login_needed: true,
        silver: None,
        briefing: None,
    }
}

/// The briefing of the window's last day from the lake, with the types this run synced (ok
/// or empty). A lake that cannot be read back costs the briefing only, never the run.
async fn briefing(
    report: &RunReport,
    job: &SyncJob,
    store: &AnyStore,
    ledger: &AnyLedger,
    silver: Option<&AnySilver>,
) -> Option<Briefing> {
    let synced: Vec<DataType> = job
        .types
        .iter()
        .copied()
        .filter(|t| {
            report
                .types
                .get(t.name())
                .is_some_and(|r| matches!(r.status, TypeStatus::Ok | TypeStatus::Empty))
        })
        .collect();
    let reader = LakeReader { bronze: BronzeReader { store, ledger }, silver };
    match Briefing::from_lake(&reader, job.window.end, &synced, &job.timezone).await {
        Ok(briefing) => briefing,
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "Cannot read the briefing back from the lake.");
            None
        }
    }
}

/// A bar of the days fetched (of every type) on stderr, drawn only when stderr is a terminal.
/// It has no colour (so `NO_COLOR` has nothing to take away), says "planning" until the first
/// days are known rather than `0/0`, and shows its rate with one decimal.
fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {days} · {rate} · {eta} left",
        )
        .expect("the template is valid")
        .with_key("days", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = match state.len() {
                None | Some(0) => write!(w, "planning"),
                Some(len) => write!(w, "{}/{len} days", state.pos()),
            };
        })
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1} days/s", state.per_sec());
            },
        ),
    );
    crate::logging::set_progress(Some(bar.clone()));
    bar
}
