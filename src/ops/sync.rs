//! The sync operation, a function of `(Runtime, Account, SyncJob)`: run the pipeline over the
//! account's lake, bring silver up to date, then finish the run the one way every run finishes
//! (notify, record, and agree on the outcome), and return the report. It owns no process
//! state: interrupts arrive through the runtime's cancellation token.
//!
//! What the user reads on stdout, the last message they got, the ledger and the exit code
//! never contradict each other. The message goes out first (the ledger's `notify_status`
//! records what became of it); if the ledger then cannot record the run, the run counts as
//! failed, and the corrected summary is sent again on the same channels, so the last message
//! says what stdout says. Before any of that the report is scrubbed of every known secret
//! and control character (a server may have echoed one into a cause), so what is printed,
//! recorded and sent is the same clean text.
//!
//! A run that writes holds the login's lock and the lake's own ([`crate::store::lock_run`]),
//! taken by its caller; a run without a login writes nothing and needs neither.

use std::sync::Arc;

use jiff::Timestamp;
use tracing::Instrument;

use crate::account::{Account, Login};
use crate::dashboard::lake::LakePage;
use crate::datatype::DataType;
use crate::health::briefing::Briefing;
use crate::health::reader::{BronzeReader, LakeReader};
use crate::ledger::{AnyLedger, Ledger};
use crate::notify::{Notifiers, NotifyStatus};
use crate::oura::OuraClient;
use crate::pipeline::{Engine, RunTrigger, SyncJob};
use crate::report::{RunHead, RunReport, RunStatus, TypeStatus};
use crate::runtime::Runtime;
#[cfg(feature = "parquet")]
use crate::silver::Mode;
#[cfg(feature = "parquet")]
use crate::silver::bronze::BronzeSource;
use crate::store::{ObjectStore, manifest};
use crate::webhooks::client::SubscriptionClient;
use crate::webhooks::{renewal, subscriptions};

/// Runs one sync of `account` with what `runtime` shares, and returns its finished report
/// (already notified and recorded). Everything the run does happens inside its `run` span,
/// which carries the run id and the account. The caller holds the run's locks
/// ([`crate::store::lock_run`]) around it when the run writes.
pub async fn run(runtime: &Runtime, account: &Account, job: &SyncJob) -> RunReport {
    let run_id = uuid::Uuid::new_v4().to_string();
    let span = tracing::info_span!("run", %run_id, account = %account.name);
    run_as(runtime, account, job, run_id).instrument(span).await
}

async fn run_as(runtime: &Runtime, account: &Account, job: &SyncJob, run_id: String) -> RunReport {
    let started_at = Timestamp::now();
    let lake = &account.lake;
    let tokens = match &account.login {
        Login::Ready(tokens) => tokens.clone(),
        // No login at all: nothing was fetched or written, and nothing is recorded (the lake
        // may not even exist yet), but the run is announced, so a daily job does not fail
        // silently when the login lapses.
        Login::Needed(reason) => {
            tracing::error!(error = %reason, "No usable Oura login.");
            let report =
                stopped_report(&run_id, job, lake.store.describe(), started_at, reason.clone());
            return finish(report, None::<&AnyLedger>, &account.notifiers).await;
        }
    };
    let client = OuraClient::new(
        runtime.http.clone(),
        runtime.pacer.clone(),
        runtime.client.clone(),
        job.sandbox,
        Arc::clone(&tokens),
    )
    .stop_chains_on(runtime.cancel.clone());
    let progress = runtime.progress.start(&run_id);
    let engine = Engine {
        client: &client,
        tokens: &tokens,
        store: &lake.store,
        ledger: &lake.ledger,
        progress: progress.as_ref(),
        cancel: &runtime.cancel,
        run_id: &run_id,
        timezone: &account.timezone,
    };
    let mut report = engine.run(job).await;
    report.timezone = Some(crate::lake_identity::zone_name(&account.timezone));
    // The bar leaves the screen before the run's last log lines.
    drop(progress);
    if runtime.cancel.is_cancelled() {
        report.error.get_or_insert("interrupted; run the same command again to finish".into());
    }
    // The batch's manifest (bio-lakehouse layout), after all its objects: the S3 trigger
    // starts the normalizer once for it. Without it the objects are all there, but nothing
    // starts the normalizer, so the run says so.
    match manifest::write_for_run(&lake.store, &report).await {
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
    // the run records and announces how it went. (A build without Parquet has no silver.)
    #[cfg(feature = "parquet")]
    if let Some(silver) = &lake.silver
        && !job.dry_run
        && !report.login_needed
    {
        let types = report.fetched_types(&job.types);
        let source = BronzeSource::Ledger { ledger: &lake.ledger, store: &lake.store };
        let update = crate::silver::bio::update(silver, &source, &types, job.window, Mode::Update);
        report.add_silver(update.instrument(tracing::info_span!("silver")).await);
    }
    if !job.dry_run {
        report.briefing = briefing(&report, job, account).await;
    }
    if job.dashboard_in_lake && !job.dry_run && !report.login_needed {
        let page = LakePage {
            store: &lake.store,
            ledger: &lake.ledger,
            silver: lake.silver.as_ref(),
            end: job.window.end,
            timezone: &account.timezone,
            now: Timestamp::now(),
            run_id: &run_id,
        };
        crate::dashboard::lake::write_after_sync(page).await;
    }
    // The safety net: what the poll wrote that no webhook delivery brought.
    if job.trigger == RunTrigger::Poll && !job.dry_run && !report.login_needed {
        let found = crate::webhooks::poll::after_poll(&lake.ledger, &report, Timestamp::now());
        report.warnings.extend(found.instrument(tracing::info_span!("webhooks")).await);
    }
    // The renewal is the poll's (the daily sync's), not each delivery's.
    if let Some(app) = &account.webhooks
        && job.trigger == RunTrigger::Poll
        && !job.dry_run
        && !job.sandbox
        && !runtime.cancel.is_cancelled()
    {
        let renewal = renew_webhooks(runtime, app, &lake.ledger);
        report.webhooks = Some(renewal.instrument(tracing::info_span!("webhooks")).await);
    }
    let ledger = (!job.dry_run).then_some(&lake.ledger);
    finish(report, ledger, &account.notifiers).await
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
    let notify_status = notifiers
        .notify(&report, &report.summary())
        .instrument(tracing::info_span!("notify"))
        .await;
    if let Some(ledger) = ledger
        && let Err(e) = ledger
            .put_run(&report.to_run_entry(&notify_status.to_string()))
            .instrument(tracing::info_span!("ledger"))
            .await
    {
        tracing::error!(error = %format!("{e:#}"), "Cannot record the run in the ledger.");
        report.status = RunStatus::Failed;
        report.error.get_or_insert(format!("cannot record the run in the ledger: {e:#}"));
        report.scrub();
        if notify_status != NotifyStatus::Disabled {
            let summary = report.summary();
            let again = notifiers.notify(&report, &summary);
            again.instrument(tracing::info_span!("notify")).await;
        }
    }
    report
}

/// Renews the recorded webhook subscriptions that expire within the default horizon, with
/// the app's credentials: bounded ([`renewal::SYNC_RENEW_BUDGET`]) and stopped by an
/// interrupt, so a Lambda's deadline is never spent here; nothing due costs no request.
async fn renew_webhooks(
    runtime: &Runtime,
    app: &crate::webhooks::WebhookApp,
    ledger: &AnyLedger,
) -> renewal::RenewedBySync {
    let client = SubscriptionClient::new(
        runtime.http.clone(),
        runtime.pacer.clone(),
        runtime.client.clone(),
        app.clone(),
    );
    let within = subscriptions::days(subscriptions::DEFAULT_RENEW_WITHIN_DAYS);
    let renewal = renewal::renew_recorded(&client, ledger, within, Timestamp::now());
    tokio::select! {
        outcome = renewal => outcome,
        () = runtime.cancel.cancelled() => renewal::RenewedBySync {
            renewed: 0,
            warnings: vec!["interrupted before the webhook subscriptions were renewed; run \
                            `oura-sync webhooks renew`".into()],
        },
    }
}

/// The report of a run that stopped before fetching anything because there is no usable
/// login: failed, no type, `login_needed`.
fn stopped_report(
    run_id: &str,
    job: &SyncJob,
    destination: String,
    started_at: Timestamp,
    error: String,
) -> RunReport {
    let head = RunHead {
        run_id: run_id.to_string(),
        window: job.window,
        destination,
        dry_run: job.dry_run,
        sandbox: job.sandbox,
        started_at,
        finished_at: Timestamp::now(),
    };
    RunReport {
        status: RunStatus::Failed,
        error: Some(error),
        login_needed: true,
        ..RunReport::new(head, Default::default())
    }
}

/// The briefing of the window's last day from the lake, with the types this run synced (ok
/// or empty). A lake that cannot be read back costs the briefing only, never the run.
async fn briefing(report: &RunReport, job: &SyncJob, account: &Account) -> Option<Briefing> {
    let lake = &account.lake;
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
    let reader = LakeReader {
        bronze: BronzeReader { store: &lake.store, ledger: &lake.ledger },
        silver: lake.silver.as_ref(),
    };
    match Briefing::from_lake(&reader, job.window.end, &synced, &account.timezone).await {
        Ok(briefing) => briefing,
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "Cannot read the briefing back from the lake.");
            None
        }
    }
}
