//! `oura-sync sync`: check every argument and setting (notification channels included), pick
//! the backends, take the sync lock, run the pipeline, notify, record the run, print the
//! summary (or the JSON report), and choose the exit code.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::{Timestamp, ZonedDateTime};

use crate::auth::TokenProvider;
use crate::cli::SyncArgs;
use crate::config::{Settings, WindowArgs, resolve_types, resolve_window};
use crate::error::{self, EXIT_FAILED, EXIT_LOGIN, EXIT_OK, UserError};
use crate::ledger::{AnyLedger, Ledger};
use crate::lock::RunLock;
use crate::notify::Notifiers;
use crate::oura::pacer::{DEFAULT_LIMIT, OURA_LIMIT};
use crate::oura::{ClientOptions, DEFAULT_CONCURRENCY, OuraClient};
use crate::pipeline::{Engine, SyncJob};
use crate::report::{RunReport, RunStatus};
use crate::store::ObjectStore;

/// Runs `sync` and returns the exit code.
pub async fn exec(args: &SyncArgs, settings: &Settings) -> anyhow::Result<u8> {
    // Every argument and setting is checked before anything is fetched or written.
    let timezone = settings.timezone()?;
    let today = ZonedDateTime::now().with_time_zone(timezone.clone()).date();
    let window_args = WindowArgs {
        date: args.date.as_deref(),
        days: args.days.as_deref(),
        from: args.from.as_deref(),
        to: args.to.as_deref(),
    };
    let window = resolve_window(&window_args, settings, today)?;
    let types = resolve_types(args.types.as_deref(), settings)?;
    let destination = settings.destination(args.dest.as_deref())?;
    let concurrency = match (&args.concurrency, settings.get("OURA_CONCURRENCY")) {
        (Some(text), _) => parse_count("--concurrency", text, 1..=64)?,
        (None, Some(text)) => parse_count("OURA_CONCURRENCY", &text, 1..=64)?,
        (None, None) => DEFAULT_CONCURRENCY,
    };
    let rate_limit = match settings.get("OURA_RATE_LIMIT") {
        Some(text) => parse_count("OURA_RATE_LIMIT", &text, 1..=OURA_LIMIT)?,
        None => DEFAULT_LIMIT,
    };
    // Notification settings are checked here, with the others, before any data moves.
    let notifiers =
        if args.no_notify { Notifiers::disabled() } else { Notifiers::from_settings(settings)? };
    let lock_wait = RunLock::timeout_from(settings)?;
    let (store, ledger) = super::backends(&destination, settings).await?;
    store.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
    ledger.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;

    let started_at = Timestamp::now();
    let job = SyncJob {
        run_id: uuid::Uuid::new_v4().to_string(),
        window,
        types,
        timezone,
        dry_run: args.dry_run,
        sandbox: args.sandbox,
        // More pieces than requests, so pieces writing their days do not hold up the next
        // fetches; not many more, as each piece in flight holds up to ~1 MB of records.
        units_in_flight: concurrency + concurrency / 2,
        // A backfill started again goes on where it stopped; a rolling window always refetches.
        resume: args.from.is_some() && !args.force,
    };
    let tokens = match TokenProvider::from_settings(settings, args.sandbox) {
        Ok(tokens) => Arc::new(tokens),
        // No login at all: nothing was fetched or written, and nothing is recorded (the lake
        // may not even exist yet), but the run is announced, so a daily job does not fail
        // silently when the login lapses.
        Err(e) if error::exit_code(&e) == EXIT_LOGIN => {
            tracing::error!(error = %format!("{e:#}"), "No usable Oura login.");
            let report = stopped_report(&job, store.describe(), started_at, format!("{e:#}"));
            return finish(report, None, &notifiers, args.json).await;
        }
        Err(e) => return Err(e),
    };

    // One sync at a time; held until this function returns. Taken after the login check, so
    // a run that has no login leaves no lock file behind.
    let lock = RunLock::acquire(&RunLock::path_for(&settings.tokens_file()), lock_wait).await?;
    tracing::debug!(lock = %lock.path().display(), "Holding the sync lock.");

    let client = OuraClient::new(
        ClientOptions {
            api_base: settings.api_base(),
            sandbox: args.sandbox,
            concurrency,
            backoff_base: std::time::Duration::from_millis(500),
            rate_limit,
        },
        tokens.clone(),
    )?;
    let progress = progress_bar();
    let interrupted = Arc::new(AtomicBool::new(false));
    // Left running to the end: a second interrupt, even while notifying, stops at once.
    tokio::spawn(watch_interrupts(interrupted.clone()));
    let engine = Engine {
        client: &client,
        tokens: &tokens,
        store: &store,
        ledger: &ledger,
        progress: &progress,
        interrupted: &interrupted,
    };
    let mut report = engine.run(&job).await;
    progress.finish_and_clear();
    crate::logging::set_progress(None);
    if interrupted.load(Ordering::Relaxed) {
        report.error.get_or_insert("interrupted; run the same command again to finish".into());
    }
    let ledger = (!job.dry_run).then_some(&ledger);
    finish(report, ledger, &notifiers, args.json).await
}

/// The end of every run: notify, record the run in `ledger` (when given) with what became of
/// the notification, print the summary (the very text that was sent) or the JSON report, and
/// pick the exit code. A failed notification changes nothing but `notify_status`.
async fn finish(
    mut report: RunReport,
    ledger: Option<&AnyLedger>,
    notifiers: &Notifiers,
    json: bool,
) -> anyhow::Result<u8> {
    let mut summary = report.summary();
    let notify_status = notifiers.notify(&report, &summary).await;
    if let Some(ledger) = ledger
        && let Err(e) = ledger.put_run(&report.to_run_entry(&notify_status.to_string())).await
    {
        tracing::error!(error = %format!("{e:#}"), "Cannot record the run in the ledger.");
        report.status = RunStatus::Failed;
        report.error.get_or_insert(format!("cannot record the run in the ledger: {e:#}"));
        summary = report.summary();
    }
    print_report(&report, json, &summary)?;
    Ok(exit_code(&report))
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
        window: RunReport::window_of(&job.window),
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
    }
}

/// On the first Ctrl-C or SIGTERM, lets the pieces in flight finish (so every file and ledger
/// entry is whole) and starts no more; on the second, stops at once.
async fn watch_interrupts(interrupted: Arc<AtomicBool>) {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    for round in 0.. {
        #[cfg(unix)]
        let term_signal = async {
            match term.as_mut() {
                Some(term) => term.recv().await.map(|_| ()),
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let term_signal = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term_signal => {}
        }
        if round > 0 {
            crate::logging::clear_progress();
            eprintln!("error: interrupted twice; stopped at once");
            std::process::exit(130);
        }
        interrupted.store(true, Ordering::Relaxed);
        tracing::warn!(
            "Interrupted: finishing the pieces in flight; interrupt again to stop at once."
        );
    }
}

/// Parses a whole number setting within `range`.
fn parse_count(
    what: &str,
    text: &str,
    range: std::ops::RangeInclusive<usize>,
) -> anyhow::Result<usize> {
    text.trim().parse::<usize>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
        UserError::usage(format!(
            "{what} `{text}` must be a whole number from {} to {}",
            range.start(),
            range.end()
        ))
    })
}

/// A bar of fetch pieces done on stderr, drawn only when stderr is a terminal. It has no
/// colour (so `NO_COLOR` has nothing to take away), says "planning" until the first pieces are
/// known rather than `0/0`, and shows its rate with one decimal.
fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pieces} · {rate} · {eta} left",
        )
        .expect("the template is valid")
        .with_key("pieces", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = match state.len() {
                None | Some(0) => write!(w, "planning"),
                Some(len) => write!(w, "{}/{len} pieces", state.pos()),
            };
        })
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1} pieces/s", state.per_sec());
            },
        ),
    );
    crate::logging::set_progress(Some(bar.clone()));
    bar
}

/// The exit code a report stands for (CONTRACT §6).
pub fn exit_code(report: &RunReport) -> u8 {
    if report.login_needed {
        EXIT_LOGIN
    } else if report.status == RunStatus::Success {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

fn print_report(report: &RunReport, json: bool, summary: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{summary}")?;
    }
    Ok(())
}
