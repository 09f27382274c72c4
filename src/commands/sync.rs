//! `oura-sync sync`: check every argument and setting, pick the backends, run the pipeline,
//! record the run, print the summary (or the JSON report), and choose the exit code.

use std::io::Write;
use std::sync::Arc;

use jiff::ZonedDateTime;

use crate::auth::TokenProvider;
use crate::cli::SyncArgs;
use crate::config::{Settings, WindowArgs, resolve_types, resolve_window};
use crate::error::{EXIT_FAILED, EXIT_LOGIN, EXIT_OK, UserError};
use crate::ledger::Ledger;
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
    let concurrency = match settings.get("OURA_CONCURRENCY") {
        Some(text) => {
            text.parse::<usize>().ok().filter(|n| (1..=64).contains(n)).ok_or_else(|| {
                UserError::usage(format!("OURA_CONCURRENCY `{text}` must be a number from 1 to 64"))
            })?
        }
        None => DEFAULT_CONCURRENCY,
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
    };
    let engine = Engine { client: &client, tokens: &tokens, store: &store, ledger: &ledger };
    let mut report = engine.run(&job).await;

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
