//! `oura-sync sync`: build the backends of the resolved configuration (checking the
//! notification channels and the destination before any data moves), take the sync lock,
//! run the sync operation, and print its summary (or the JSON report).

use crate::auth::{TokenProvider, TokenStore};
use crate::config::{Config, SyncConfig};
use crate::error::{EXIT_LOGIN, UserError, exit_code, run_exit_code};
use crate::ledger::Ledger;
use crate::notify::Notifiers;
use crate::ops;
use crate::report::RunReport;
use crate::store::ObjectStore;

/// Runs `sync` and returns the exit code.
pub async fn exec(config: &Config, sync: &SyncConfig) -> anyhow::Result<u8> {
    let notifiers = match &sync.notify {
        Some(notify) => Notifiers::new(notify)?,
        None => Notifiers::disabled(),
    };
    let aws = super::Aws::new(&config.aws);
    let (store, ledger) = super::backends(&sync.lake, &aws).await?;
    store.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
    ledger.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
    let silver = match &sync.silver {
        Some(place) => Some(super::silver_backend(place, &aws).await?),
        None => None,
    };

    let login = super::token_store(config);
    let tokens = TokenProvider::with_refresh(
        sync.options.sandbox,
        login.clone(),
        config.access_token.clone(),
        &config.oauth,
    )
    .await;
    // One sync per login at a time; held until this function returns. A run with no login
    // fetches and records nothing, so it takes no lock and leaves no lock file behind.
    let _lock = match &tokens {
        Err(e) if exit_code(e) == EXIT_LOGIN => None,
        _ => {
            let lock = login.lock_runs(sync.lock_timeout).await?;
            tracing::debug!(lock = %lock.describe(), "Holding the sync lock.");
            Some(lock)
        }
    };
    let deps = ops::sync::Deps {
        store: &store,
        ledger: &ledger,
        silver: silver.as_ref(),
        notifiers: &notifiers,
        tokens,
    };
    let report = ops::sync::run(&sync.options, sync.client.clone(), deps).await?;
    print_report(&report, sync.options.json)?;
    Ok(run_exit_code(&report))
}

/// The summary (the very text the last message carried) or the JSON report, on stdout.
fn print_report(report: &RunReport, json: bool) -> anyhow::Result<()> {
    crate::stdout::print_with(|out| {
        if json {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
        } else {
            writeln!(out, "{}", report.summary())?;
        }
        Ok(())
    })
}
