//! One function instance: the settings checked once at its start, the [`Runtime`] its
//! invocations share (one HTTP client, one rate budget), and the handler that turns each event
//! into a sync and its report into Lambda's answer.
//!
//! An invocation is `sync --json` with the event's arguments, resolved from the function's
//! environment as the command line resolves it (same names, same checks). Its answer is the
//! run report; a run the command line would end with a non-zero exit is an invocation error
//! whose message is the summary's first line (so the `Errors` metric, the schedule's retries
//! and its dead-letter queue see it); a bad event is an invocation error naming what is
//! wrong, and the function goes on serving the next events.
//!
//! A Function URL event is an Oura webhook call instead ([`Function::receive`]): answered by
//! the receiver's one handler; a delivery is applied (or recorded as pending) before the
//! answer, within [`WEBHOOK_BUDGET`] of Oura's 10 s, and the answer is 2xx whenever the
//! delivery is safe in the lake or the ledger (503, which Oura retries, only when neither
//! could take it).

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::event::Request;
use super::{deadline, place};
use crate::auth::store::StoreUri;
use crate::cli::{Cli, Command};
use crate::commands::sync::{LakeGate, open, quiet_notifiers};
use crate::config::{CommandConfig, Config, EnvSnapshot, SyncConfig};
use crate::error::{EXIT_LOGIN, EXIT_OK, EXIT_USAGE, exit_code};
use crate::report::run_exit_code;
use crate::runtime::{LogProgress, Runtime};
use crate::webhooks::apply::Target;
use crate::webhooks::queue::Batch;
use crate::webhooks::receiver::{HttpRequest, HttpResponse};

/// The longest error message sent to Lambda (one line; a longer one is cut).
const MAX_MESSAGE: usize = 1000;

/// How long a webhook invocation may work before it answers: Oura waits 10 s. The run is
/// asked to stop at [`WEBHOOK_STOP`] (its pieces in flight finish); past the budget it is
/// dropped and the delivery recorded as pending.
pub const WEBHOOK_BUDGET: Duration = Duration::from_secs(8);
const WEBHOOK_STOP: Duration = Duration::from_secs(6);

/// How long a webhook invocation waits for another run's locks.
const WEBHOOK_LOCK_WAIT: Duration = Duration::from_secs(2);

/// How often a long run logs how far it is.
const PROGRESS_EVERY: Duration = Duration::from_secs(30);

/// A started function (see the module doc).
pub struct Function {
    /// The environment and env file, read once at the start.
    env: EnvSnapshot,
    /// Shared by every invocation; each gets its own cancellation token.
    runtime: Runtime,
}

impl Function {
    /// Reads the settings and checks them as `oura-sync sync` would at `now`, plus what a
    /// function may write to ([`place::check`]); the first problem is the error.
    pub fn start(env: EnvSnapshot, now: Timestamp) -> anyhow::Result<Self> {
        let config = resolve(&env, &Request::default(), now)?;
        let sync = sync_part(&config);
        let runtime = Runtime::new(
            sync.client.clone(),
            sync.rate_limit,
            Arc::new(LogProgress { every: PROGRESS_EVERY }),
        )?;
        Ok(Self { env, runtime })
    }

    /// Answers one event (see the module doc).
    pub async fn invoke(&self, event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
        let context = event.context;
        if let Some(http) = super::event::http_request(&event.payload) {
            let answer = match http {
                // Boxed: the receiver's future is deep, and the type's layout would be too.
                Ok(http) => Box::pin(self.receive(&http, context.deadline)).await,
                Err(answer) => answer,
            };
            return Ok(super::event::http_response(&answer));
        }
        let request = Request::from_event(&event.payload).map_err(|e| diagnostic(&e))?;
        tracing::info!(
            request_id = %context.request_id,
            event = request.kind.as_str(),
            "Invocation."
        );
        let config = resolve(&self.env, &request, Timestamp::now()).map_err(|e| diagnostic(&e))?;
        let sync = sync_part(&config);
        // A fresh token per invocation: a cancelled one stays cancelled.
        let runtime = Runtime { cancel: CancellationToken::new(), ..self.runtime.clone() };
        let remaining = Duration::from_millis(context.deadline)
            .saturating_sub(Duration::from_millis(Timestamp::now().as_millisecond().max(0) as u64));
        let stop = deadline::stop_after(remaining, sync.client.attempt_timeout);
        let timer = tokio::spawn(cancel_after(stop, runtime.cancel.clone()));
        let outcome = crate::commands::sync::run(&config, sync, &runtime, |_| {}).await;
        timer.abort();
        let report = outcome.map_err(|e| diagnostic(&e))?;
        let code = run_exit_code(&report);
        let summary = report.summary();
        let first = summary.lines().next().unwrap_or_default();
        if code == EXIT_OK {
            tracing::info!(summary = first, "Answered with the run report.");
            serde_json::to_value(&report).map_err(|e| diagnostic(&e.into()))
        } else {
            let cause = report.error.as_deref().unwrap_or_default();
            tracing::error!(summary = first, error = cause, "The run failed.");
            Err(Diagnostic { error_type: error_type(code).into(), error_message: first.into() })
        }
    }
}

impl Function {
    /// Answers one webhook call (see the module doc); `deadline` is the invocation's, in
    /// Unix milliseconds.
    async fn receive(&self, http: &HttpRequest, deadline: u64) -> HttpResponse {
        let receiver = crate::config::receiver_settings(&self.env);
        let (answer, delivery) = receiver.handle(http, Timestamp::now());
        let Some(delivery) = delivery else {
            tracing::info!(method = %http.method, status = answer.status, "Webhook call answered.");
            return answer;
        };
        tracing::info!(
            r#type = %delivery.data_type, event = %delivery.event, object_id = %delivery.object_id,
            "Delivery received."
        );
        let mut batch = Batch::default();
        batch.add(&delivery);
        match self.apply(batch, deadline).await {
            Ok(()) => answer,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "The delivery is neither applied nor recorded; Oura will send it again.");
                HttpResponse { status: 503, body: r#"{"detail":"try again"}"#.into() }
            }
        }
    }

    /// Applies `batch` within the budget, or records it as pending; an error only when it is
    /// neither applied nor recorded.
    async fn apply(&self, batch: Batch, deadline: u64) -> anyhow::Result<()> {
        let config = resolve(&self.env, &Request::default(), Timestamp::now())?;
        let sync = sync_part(&config);
        let runtime = Runtime { cancel: CancellationToken::new(), ..self.runtime.clone() };
        let remaining = Duration::from_millis(deadline)
            .saturating_sub(Duration::from_millis(Timestamp::now().as_millisecond().max(0) as u64));
        let budget = WEBHOOK_BUDGET.min(remaining.saturating_sub(Duration::from_secs(1)));
        let timer = tokio::spawn(cancel_after(WEBHOOK_STOP.min(budget), runtime.cancel.clone()));
        let mut opened = open(&config, sync, quiet_notifiers(sync)?).await?;
        // Renewing subscriptions is the daily sync's work, not every delivery's.
        opened.account.webhooks = None;
        let target = Target { runtime: &runtime, account: &opened.account, template: &opened.job };
        let gate = LakeGate {
            store: &opened.store,
            lake_lock: sync.lake_lock.as_ref(),
            wait: WEBHOOK_LOCK_WAIT,
        };
        let outcome =
            tokio::time::timeout(budget, target.apply_recorded(batch.clone(), &gate)).await;
        timer.abort();
        match outcome {
            Ok(applied) if applied.left.is_empty() => Ok(()),
            Ok(applied) => target.set_aside(&applied.left, &applied.reason).await.map(drop),
            Err(_) => target.set_aside(&batch, "the invocation's time ran out").await.map(drop),
        }
    }
}

/// The `sync --json` configuration of `request`, resolved and checked.
fn resolve(env: &EnvSnapshot, request: &Request, now: Timestamp) -> anyhow::Result<Config> {
    let cli = Cli {
        env_file: None,
        verbose: 0,
        quiet: false,
        command: Command::Sync(request.sync_args()),
    };
    let config = Config::resolve(&cli, env, now)?;
    // A login in Secrets Manager or DynamoDB writes no file; the tokens file must be in /tmp.
    let tokens_file = match &config.token_store {
        StoreUri::File(path) => Some(path.as_path()),
        StoreUri::SecretsManager(_) | StoreUri::DynamoDb(_) => None,
    };
    place::check(sync_part(&config), tokens_file)?;
    Ok(config)
}

fn sync_part(config: &Config) -> &SyncConfig {
    match &config.command {
        CommandConfig::Sync(sync) => sync,
        _ => unreachable!("a function's configuration is always a sync's"),
    }
}

/// Cancels `cancel` after `stop`: the run stops starting work and is recorded as interrupted.
async fn cancel_after(stop: Duration, cancel: CancellationToken) {
    tokio::time::sleep(stop).await;
    tracing::warn!("Stopping before the invocation's deadline; the next invocation resumes.");
    cancel.cancel();
}

/// The error type Lambda records for an exit code.
fn error_type(code: u8) -> &'static str {
    match code {
        EXIT_USAGE => "OuraSync.Usage",
        EXIT_LOGIN => "OuraSync.LoginNeeded",
        _ => "OuraSync.Failed",
    }
}

/// An error as Lambda's invocation (or init) error: its type from its exit code, its message
/// the one-line cause chain.
pub fn diagnostic(err: &anyhow::Error) -> Diagnostic {
    let message = crate::text::one_line(&crate::scrub::scrub(&format!("{err:#}")), MAX_MESSAGE);
    Diagnostic { error_type: error_type(exit_code(err)).into(), error_message: message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UserError;

    /// Each exit code has its own error type, so a metric filter or a DLQ consumer can tell a
    /// bad event or setting from a lapsed login from a failed run.
    #[test]
    fn errors_keep_their_kind_and_one_line() {
        let d = diagnostic(&UserError::usage("the event has an unknown field `x`"));
        assert_eq!(d.error_type, "OuraSync.Usage");
        assert_eq!(d.error_message, "the event has an unknown field `x`");
        assert_eq!(
            diagnostic(&UserError::login_needed("log in")).error_type,
            "OuraSync.LoginNeeded"
        );
        let d = diagnostic(&anyhow::anyhow!("disk\nfull").context("cannot write"));
        assert_eq!(d.error_type, "OuraSync.Failed");
        assert!(!d.error_message.contains('\n'), "{}", d.error_message);
    }
}
