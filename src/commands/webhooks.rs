//! `oura-sync webhooks subscribe|list|renew|delete`: the app's webhook subscriptions at
//! Oura ([`crate::webhooks::subscriptions`]), recorded in the lake's ledger, printed as one
//! line per subscription (or `--json`). A subscription that failed exits 1; credentials
//! Oura refuses exit 2.

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

use crate::config::{Config, WebhooksConfig, WebhooksWork};
use crate::error::{EXIT_FAILED, EXIT_OK, UserError};
use crate::oura::pacer::{Pacer, RATE_WINDOW};
use crate::webhooks::answer::Report;
use crate::webhooks::client::{ManageError, SubscriptionClient};
use crate::webhooks::subscriptions::{self, days};

/// The version of `webhooks … --json` (docs/webhooks.schema.json), raised when a field is
/// renamed or removed.
pub const SCHEMA_VERSION: u32 = 1;

/// What `webhooks … --json` prints.
#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    /// `subscribe`, `list`, `renew` or `delete`.
    action: &'static str,
    #[serde(flatten)]
    report: &'a Report,
}

/// Runs a `webhooks` command and returns the exit code.
pub async fn exec(config: &Config, webhooks: &WebhooksConfig) -> anyhow::Result<u8> {
    let aws = super::Aws::new(&config.aws);
    // The ledger first: a lake that cannot be opened stops the command before Oura is asked.
    let (_store, ledger) = super::backends(&webhooks.lake, &aws).await?;
    let client = SubscriptionClient::new(
        crate::oura::http_client()?,
        Arc::new(Pacer::new(webhooks.rate_limit, RATE_WINDOW)),
        webhooks.client.clone(),
        webhooks.app.clone(),
    );
    let now = Timestamp::now();
    let (action, head, result) = match &webhooks.action {
        WebhooksWork::Subscribe { url, types, verification_token } => (
            "subscribe",
            format!("webhooks subscribe {url}"),
            subscriptions::subscribe(&client, &ledger, verification_token, url, types).await,
        ),
        WebhooksWork::List { types } => (
            "list",
            "webhooks list".to_string(),
            subscriptions::list(&client, &ledger, types).await,
        ),
        WebhooksWork::Renew { within_days } => (
            "renew",
            format!("webhooks renew (expiring within {within_days} days)"),
            subscriptions::renew(&client, &ledger, days(*within_days), now).await,
        ),
        WebhooksWork::Delete(target) => (
            "delete",
            "webhooks delete".to_string(),
            subscriptions::delete(&client, &ledger, target).await,
        ),
    };
    let report = result.map_err(|e| match e {
        ManageError::Refused { .. } => UserError::usage(crate::scrub::scrub(&e.to_string())),
        other => anyhow::anyhow!(
            "cannot list the webhook subscriptions: {}; try again later",
            crate::scrub::scrub(&other.to_string())
        ),
    })?;
    if webhooks.json {
        let document = Document { schema_version: SCHEMA_VERSION, action, report: &report };
        crate::stdout::print(&format!("{}\n", serde_json::to_string_pretty(&document)?))?;
    } else {
        crate::stdout::print(&report.render(&head, now))?;
    }
    Ok(if report.failed() { EXIT_FAILED } else { EXIT_OK })
}
