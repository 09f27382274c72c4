//! `oura-sync sync`: check every argument and setting, pick the backends, run the pipeline,
//! record the run, print the summary (or the JSON report), and choose the exit code.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::ZonedDateTime;

use crate::auth::TokenProvider;
use crate::cli::SyncArgs;
use crate::config::{Settings, WindowArgs, resolve_types, resolve_window};
use crate::error::{EXIT_FAILED, EXIT_LOGIN, EXIT_OK, UserError};
use crate::ledger::Ledger;
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
    let tokens = Arc::new(TokenProvider::load(
        args.sandbox,
        settings.tokens_file(),
        settings.secret("OURA_ACCESS_TOKEN"),
    )?);
    let (store, ledger) = super::backends(&destination, settings).await?;
    store.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
    ledger.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;

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
    let job = SyncJob {
        run_id: uuid::Uuid::new_v4().to_string(),
        window,
        types,
        timezone,
        dry_run: args.dry_run,
        sandbox: args.sandbox,
        units_in_flight: concurrency,
        // A backfill started again goes on where it stopped; a rolling window always refetches.
        resume: args.from.is_some() && !args.force,
    };
    let progress = progress_bar();
    let interrupted = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn(watch_interrupts(interrupted.clone()));
    let engine = Engine {
        client: &client,
        tokens: &tokens,
        store: &store,
        ledger: &ledger,
        progress: &progress,
        interrupted: &interrupted,
    };
    let mut report = engine.run(&job).await;
    watcher.abort();
    progress.finish_and_clear();
    crate::logging::set_progress(None);
    if interrupted.load(Ordering::Relaxed) {
        report.error.get_or_insert("interrupted; run the same command again to finish".into());
    }

    if !job.dry_run
        && let Err(e) = ledger.put_run(&report.to_run_entry("none")).await
    {
        tracing::error!(error = %format!("{e:#}"), "Cannot record the run in the ledger.");
        report.status = RunStatus::Failed;
        report.error.get_or_insert(format!("cannot record the run in the ledger: {e:#}"));
    }
    print_report(&report, args.json)?;
    Ok(exit_code(&report))
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

/// A bar of fetch pieces done on stderr, drawn only when stderr is a terminal.
fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} pieces · {per_sec} · {eta} left",
        )
        .expect("the template is valid"),
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

fn print_report(report: &RunReport, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}", report.summary())?;
    }
    Ok(())
}
