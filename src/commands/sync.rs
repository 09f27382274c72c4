//! `oura-sync sync`: build the backends of the resolved configuration (checking the
//! notification channels and the destination before any data moves), take the sync lock,
//! run the sync operation, and print its summary (or the JSON report).

use std::sync::Arc;

use crate::account::{Account, Login};
use crate::auth::{AnyTokenStore, TokenProvider, TokenStore};
use crate::config::{Config, LakeConfig, SyncConfig};
use crate::lake_identity::{self, Asked};
use crate::logging::Screen;
use crate::notify::{Notifiers, NotifyConfig, NotifyOn};
use crate::ops;
use crate::pipeline::SyncJob;
use crate::report::{RunReport, run_exit_code};
use crate::runtime::Runtime;
use crate::store::layout::by_name;
use crate::store::{Lake, LakeLock, ObjectStore, RunLocks, lock_run};
use crate::webhooks::apply::{Gate, Target};
use crate::webhooks::queue::Batch;

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
/// Lambda function cancels at its deadline instead). Webhook deliveries left pending by the
/// receiver are applied after the run, under its locks, sending a message only if they fail.
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
    let Opened { mut account, store, job } = open(config, sync, notifiers).await?;
    // One sync per login at a time; held until this function returns. A run with no login
    // fetches and records nothing, so it takes no lock and leaves no lock file behind; nor
    // does a dry run, which writes nothing anywhere (not even `./.oura-sync.lock`).
    let _locks = match &account.login {
        Login::Needed(_) => None,
        Login::Ready(_) if sync.job.dry_run => {
            locked(runtime.cancel.clone());
            None
        }
        Login::Ready(_) => {
            let login_lock = store.lock_runs(sync.lock_timeout).await?;
            tracing::debug!(lock = %login_lock.describe(), "Holding the sync lock.");
            let locks = lock_run(login_lock, sync.lake_lock.as_ref()).await?;
            locked(runtime.cancel.clone());
            Some(locks)
        }
    };
    let report = ops::sync::run(runtime, &account, &job).await;
    // (The channels were built once already from the same settings, so they build again.)
    if _locks.is_some()
        && !runtime.cancel.is_cancelled()
        && let Ok(quiet) = quiet_notifiers(sync)
    {
        account.notifiers = quiet;
        account.webhooks = None;
        let target = Target { runtime, account: &account, template: &job };
        target.apply_recorded(Batch::default(), &Held).await;
    }
    Ok(report)
}

/// A sync's account, opened: its lake checked (and a damaged ledger healed), its login, the
/// lake's own layout and zone settled; the token store that holds the login's lock; and the
/// job with "today" in the lake's zone.
pub struct Opened {
    pub account: Account,
    pub store: AnyTokenStore,
    pub job: SyncJob,
}

/// Opens the account of `sync` with `notifiers` (see [`Opened`]).
pub async fn open(
    config: &Config,
    sync: &SyncConfig,
    notifiers: Notifiers,
) -> anyhow::Result<Opened> {
    let aws = super::Aws::new(&config.aws);
    let lake = Lake::open(&sync.lake, sync.silver.as_ref(), &aws).await?;
    // A damaged ledger file is rebuilt from the lake's objects (with a warning), never by
    // dropping history; a dry run writes nothing, so it leaves that to the next run.
    if !sync.job.dry_run {
        crate::ops::repair::heal_damaged(&lake.store, &lake.ledger).await?;
    }

    let store = super::token_store(config, &aws).await?;
    let login = Login::from_loaded(
        TokenProvider::with_refresh(
            sync.job.sandbox,
            store.clone(),
            config.access_token.clone(),
            &config.oauth,
        )
        .await,
    )?;
    // The lake's own layout and zone (exit 2 for another asked explicitly); recorded on the
    // first run that writes.
    let asked = Asked {
        layout: sync.lake.layout.name().to_string(),
        layout_explicit: sync.lake.layout_explicit,
        timezone: sync.timezone.clone(),
        timezone_explicit: sync.timezone_explicit,
        destination: lake.store.describe(),
    };
    let writes = !sync.job.dry_run && matches!(login, Login::Ready(_));
    let settled = lake_identity::settle(&lake.ledger, &asked, writes).await?;
    let lake = match by_name(&settled.layout) {
        Some(layout) if layout.name() != sync.lake.layout.name() => {
            let config = LakeConfig { layout, ..sync.lake.clone() };
            Lake::open(&config, sync.silver.as_ref(), &aws).await?
        }
        _ => lake,
    };
    // "Today" is the lake's today: a window that ends today ends on the lake zone's date.
    let mut job = sync.job.clone();
    if let Some(from_given) = sync.ends_today {
        let today = jiff::Timestamp::now().to_zoned_datetime(settled.timezone.clone()).date();
        if today != job.window.end {
            job.window = match from_given {
                true => crate::window::Window::new(job.window.start.min(today), today),
                false => crate::window::Window::ending_on(today, job.window.len_days() as u32),
            };
        }
    }
    let account = Account {
        name: "default".into(),
        login,
        lake,
        notifiers,
        timezone: settled.timezone,
        webhooks: sync.webhooks.as_ref().map(|w| w.app.clone()),
    };
    Ok(Opened { account, store, job })
}

/// The channels of `sync` for a webhook-triggered run: a message only when it fails
/// (`OURA_NOTIFY_ON=failure`), so the morning message stays the daily run's.
pub fn quiet_notifiers(sync: &SyncConfig) -> anyhow::Result<Notifiers> {
    match &sync.notify {
        Some(notify) => Notifiers::new(&NotifyConfig { on: NotifyOn::Failure, ..notify.clone() }),
        None => Ok(Notifiers::disabled()),
    }
}

/// The locks of a webhook run: the login's, then the lake's, waiting up to `wait` for each.
pub struct LakeGate<'a> {
    pub store: &'a AnyTokenStore,
    pub lake_lock: Option<&'a LakeLock>,
    pub wait: std::time::Duration,
}

impl Gate for LakeGate<'_> {
    type Held = RunLocks;

    async fn enter(&self) -> anyhow::Result<RunLocks> {
        let login = self.store.lock_runs(self.wait).await?;
        let lake = self.lake_lock.map(|lock| LakeLock { wait: self.wait, ..lock.clone() });
        lock_run(login, lake.as_ref()).await
    }
}

/// The locks a run already holds.
pub struct Held;

impl Gate for Held {
    type Held = ();

    async fn enter(&self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The summary or the JSON report, on stdout. The summary is the very text the last message
/// carried (an OpenClaw job announces stdout as it is), but plain text at a terminal, where
/// the message's `*bold*` markup would show as stars.
fn print_report(report: &RunReport, json: bool) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let terminal = std::io::stdout().is_terminal();
    crate::stdout::print_with(|out| {
        if json {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
        } else if terminal {
            writeln!(out, "{}", crate::text::without_markup(&report.summary()))?;
        } else {
            writeln!(out, "{}", report.summary())?;
        }
        Ok(())
    })
}
