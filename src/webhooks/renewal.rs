//! The renewal a sync does by itself after its own work, when webhooks are configured: the
//! subscriptions the ledger records that expire within the horizon are renewed and their
//! records updated, bounded in time, and each problem becomes a warning of the run report
//! (never a failed sync).

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::answer::span_words;
use super::client::{ManageError, SubscriptionClient};
use super::state::{self, SubscriptionRecord};
use super::subscriptions::{IN_FLIGHT, is_due};
use crate::ledger::{AnyLedger, Ledger};

/// How long the daily sync's renewal may take in all: it runs after the sync's own work, so
/// it must leave room before a Lambda's deadline (whose wrap-up allows 15 s).
pub const SYNC_RENEW_BUDGET: Duration = Duration::from_secs(10);

/// The renewal a sync does after its own work: the recorded subscriptions due within
/// `within` are renewed (at most [`SYNC_RENEW_BUDGET`] in all), and their records updated.
/// Nothing recorded, nothing due: no request at all. Returns one warning line per problem.
pub async fn renew_recorded(
    client: &SubscriptionClient,
    ledger: &AnyLedger,
    within: SignedDuration,
    now: Timestamp,
) -> RenewedBySync {
    let mut outcome = RenewedBySync::default();
    let recorded: Vec<(String, SubscriptionRecord)> = match state::all(ledger, state::SUBSCRIPTION)
        .await
    {
        Ok(recorded) => recorded,
        Err(e) => {
            outcome.warnings.push(format!("cannot read the recorded webhook subscriptions: {e:#}"));
            return outcome;
        }
    };
    let due: Vec<&(String, SubscriptionRecord)> =
        recorded.iter().filter(|(_, r)| is_due(r.expiration_time, now, within)).collect();
    if due.is_empty() {
        return outcome;
    }
    let work = futures_util::stream::iter(
        due.iter()
            .map(|(name, record)| async move { (name, record, client.renew(&record.id).await) }),
    )
    .buffered(IN_FLIGHT)
    .collect::<Vec<_>>();
    let Ok(results) = tokio::time::timeout(SYNC_RENEW_BUDGET, work).await else {
        outcome.warnings.push(format!(
            "renewing {} webhook subscriptions took longer than {} s; run `oura-sync webhooks renew`",
            due.len(),
            SYNC_RENEW_BUDGET.as_secs()
        ));
        return outcome;
    };
    // One warning per cause, naming every subscription it stopped, so a refused credential
    // is one line, not 48.
    let mut failed: BTreeMap<String, Vec<(&String, Timestamp)>> = BTreeMap::new();
    for (name, record, result) in results {
        let written = match result {
            Ok(s) => {
                outcome.renewed += 1;
                let record = SubscriptionRecord {
                    expiration_time: s.expiration_time,
                    recorded_at: Timestamp::now(),
                    ..record.clone()
                };
                state::put(ledger, state::SUBSCRIPTION, name, &record).await
            }
            Err(ManageError::NoSuchSubscription { .. }) => {
                outcome.warnings.push(format!(
                    "webhook subscription {name} no longer exists at Oura; run `oura-sync webhooks \
                     subscribe --url {}`",
                    record.callback_url
                ));
                ledger.delete_record(state::SUBSCRIPTION, name).await
            }
            Err(e) => {
                failed.entry(e.to_string()).or_default().push((name, record.expiration_time));
                Ok(())
            }
        };
        if let Err(e) = written {
            outcome.warnings.push(format!("cannot record webhook subscription {name}: {e:#}"));
        }
    }
    for (cause, names) in failed {
        let first = names.iter().map(|(_, at)| *at).min().unwrap_or(now);
        let names: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        let when = if first > now {
            format!("the first expires in {}", span_words(now.duration_until(first)))
        } else {
            format!("the first expired {} ago", span_words(first.duration_until(now)))
        };
        outcome.warnings.push(format!(
            "cannot renew webhook subscription{} {} ({when}): {cause}; run `oura-sync webhooks renew`",
            if names.len() == 1 { "" } else { "s" },
            names.join(", "),
        ));
    }
    outcome.warnings = outcome.warnings.iter().map(|w| crate::scrub::scrub(w)).collect();
    outcome
}

/// What the sync's renewal did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RenewedBySync {
    /// Subscriptions renewed.
    pub renewed: usize,
    /// One line per problem (the run's outcome does not change).
    pub warnings: Vec<String>,
}
