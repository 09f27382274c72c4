//! `oura-sync sync`: build the backends of the resolved configuration (checking the
//! notification channels and the destination before any data moves), take the sync lock,
//! run the sync operation, and print its summary (or the JSON report).

use std::sync::Arc;

use crate::account::{Account, Login};
use crate::auth::{TokenProvider, TokenStore};
use crate::config::{Config, SyncConfig};
use crate::logging::Screen;
use crate::notify::Notifiers;
use crate::ops;
use crate::report::{RunReport, run_exit_code};
use crate::runtime::Runtime;
use crate::store::{Lake, lock_run};

/// Runs `sync` and returns the exit code.
pub async fn exec(config: &Config, sync: &SyncConfig, screen: &Screen) -> anyhow::Result<u8> {
    let runtime = Runtime::new(sync.client.clone(), sync.rate_limit, Arc::new(screen.clone()))?;
    let screen = screen.clone();
    let report = run(config, sync, &runtime, move |cancel| {
        // Left running to the end: a second interrupt, even while notifying, stops at once.
        tokio::spawn(super::interrupt::watch(cancel, screen));
    })
    .await?;
    print_report(&report, sync.json)?;
    Ok(run_exit_code(&report))
}

/// Builds the account of the resolved configuration, takes the run's locks, runs the sync
/// with `runtime` and returns its report. `locked` is called once the locks are held, with
/// the run's cancellation token (the command line starts watching for interrupts there; a
/// Lambda function cancels at its deadline instead).
pub async fn run(
    config: &Config,
    sync: &SyncConfig,
    runtime: &Runtime,
    locked: impl FnOnce(tokio_util::sync::CancellationToken),
) -> anyhow::Result<RunReport> {
    let notifiers = match &sync.notify {
        Some(notify) => Notifiers::new(notify)?,
        None => Notifiers::disabled(),
    };
    let aws = super::Aws::new(&config.aws);
    let lake = Lake::open(&sync.lake, sync.silver.as_ref(), &aws).await?;

    let store = super::token_store(config);
    let login = Login::from_loaded(
        TokenProvider::with_refresh(
            sync.job.sandbox,
            store.clone(),
            config.access_token.clone(),
            &config.oauth,
        )
        .await,
    )?;
    let account =
        Account { name: "default".into(), login, lake, notifiers, timezone: sync.timezone.clone() };
    // One sync per login at a time; held until this function returns. A run with no login
    // fetches and records nothing, so it takes no lock and leaves no lock file behind.
    let _locks = match &account.login {
        Login::Needed(_) => None,
        Login::Ready(_) => {
            let login_lock = store.lock_runs(sync.lock_timeout).await?;
            tracing::debug!(lock = %login_lock.describe(), "Holding the sync lock.");
            let locks = lock_run(login_lock, sync.lake_lock.as_ref()).await?;
            locked(runtime.cancel.clone());
            Some(locks)
        }
    };
    Ok(ops::sync::run(runtime, &account, &sync.job).await)
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
