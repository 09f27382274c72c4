//! What `status` and `doctor` show of the webhooks, from the ledger alone (no credentials):
//! per type with webhooks, its recorded subscription per event type and their expiry, and a
//! warning for any expired or expiring within a day, with the command to run. The per-type
//! entry is where more of a type's webhook state goes (the last delivery).

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::answer::expiry_phrase;
use super::data_type::{EventType, from_webhook_name};
use super::state::{self, SubscriptionRecord};
use crate::ledger::AnyLedger;

/// A subscription expiring within this is warned about (the daily sync renews a week ahead,
/// so one this close means the renewals are failing or the sync is not running).
pub const EXPIRY_WARNING: SignedDuration = SignedDuration::from_hours(24);

/// The webhooks of a lake, as its ledger records them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Overview {
    /// Per type with a recorded subscription, keyed by the type's name.
    pub types: BTreeMap<String, TypeWebhooks>,
    /// One line per problem, each with the command to run.
    pub warnings: Vec<String>,
}

/// One type's webhooks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TypeWebhooks {
    /// Per event type (`create`, `update`, `delete`), the recorded subscription or `null`.
    pub subscriptions: BTreeMap<&'static str, Option<SubscriptionRecord>>,
}

impl TypeWebhooks {
    /// The earliest expiry of its subscriptions.
    pub fn first_expiry(&self) -> Option<Timestamp> {
        self.subscriptions.values().flatten().map(|s| s.expiration_time).min()
    }

    /// The event types that have a subscription, in order (`create update delete`).
    pub fn events(&self) -> Vec<&'static str> {
        EventType::ALL
            .iter()
            .map(|e| e.name())
            .filter(|e| self.subscriptions.get(e).is_some_and(Option::is_some))
            .collect()
    }
}

/// Reads the subscription records; `None` when there are none (webhooks not in use).
pub async fn read(ledger: &AnyLedger, now: Timestamp) -> anyhow::Result<Option<Overview>> {
    let records: Vec<SubscriptionRecord> =
        state::all(ledger, state::SUBSCRIPTION).await?.into_iter().map(|(_, r)| r).collect();
    Ok(of_records(records, now))
}

/// The overview of `records` at `now`; `None` when there are none.
pub fn of_records(records: Vec<SubscriptionRecord>, now: Timestamp) -> Option<Overview> {
    if records.is_empty() {
        return None;
    }
    let mut overview = Overview::default();
    let (mut expired, mut expiring): (Vec<&SubscriptionRecord>, Vec<&SubscriptionRecord>) =
        (Vec::new(), Vec::new());
    for record in &records {
        if record.expiration_time <= now {
            expired.push(record);
        } else if record.expiration_time <= now.saturating_add(EXPIRY_WARNING).unwrap_or(now) {
            expiring.push(record);
        }
    }
    if let Some(first) = expired.iter().map(|r| r.expiration_time).max() {
        let urls: std::collections::BTreeSet<&str> =
            expired.iter().map(|r| r.callback_url.as_str()).collect();
        let commands: Vec<String> =
            urls.iter().map(|u| format!("`oura-sync webhooks subscribe --url {u}`")).collect();
        overview.warnings.push(format!(
            "webhook subscription{} {} {}: Oura sends no deliveries for {}; run {}",
            plural(expired.len()),
            names(&expired),
            expiry_phrase(first, now),
            if expired.len() == 1 { "it" } else { "them" },
            commands.join(" and ")
        ));
    }
    if let Some(first) = expiring.iter().map(|r| r.expiration_time).min() {
        overview.warnings.push(format!(
            "webhook subscription{} {} {}; run `oura-sync webhooks renew` (a sync renews them \
             when it runs with OURA_WEBHOOK_TOKEN, OURA_CLIENT_ID and OURA_CLIENT_SECRET set)",
            plural(expiring.len()),
            names(&expiring),
            expiry_phrase(first, now),
        ));
    }
    for record in records {
        let Some(data_type) = from_webhook_name(&record.data_type) else { continue };
        let Ok(event) = record.event_type.parse::<EventType>() else { continue };
        let entry =
            overview.types.entry(data_type.name().to_string()).or_insert_with(|| TypeWebhooks {
                subscriptions: EventType::ALL.iter().map(|e| (e.name(), None)).collect(),
            });
        entry.subscriptions.insert(event.name(), Some(record));
    }
    Some(overview)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn names(records: &[&SubscriptionRecord]) -> String {
    let mut names: Vec<String> = records.iter().map(|r| r.name()).collect();
    names.sort();
    if names.len() > 4 {
        let more = names.len() - 3;
        names.truncate(3);
        names.push(format!("and {more} more"));
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(event: &str, data_type: &str, expires: Timestamp) -> SubscriptionRecord {
        SubscriptionRecord {
            id: format!("{event}-{data_type}"),
            callback_url: "https://x.org/hook".into(),
            event_type: event.into(),
            data_type: data_type.into(),
            expiration_time: expires,
            recorded_at: expires,
            first_seen_at: Some(expires),
        }
    }

    /// Pins down the overview: nothing recorded is `None`; per type, each event's record
    /// or `null`; healthy subscriptions give no warning.
    #[test]
    fn records_group_by_type_and_event() {
        let now: Timestamp = "2026-12-05T00:00:00Z".parse().unwrap();
        assert_eq!(of_records(Vec::new(), now), None);
        let later = now + SignedDuration::from_hours(24 * 20);
        let overview = of_records(
            vec![record("create", "sleep", later), record("delete", "sleep", later)],
            now,
        )
        .unwrap();
        let sleep = &overview.types["sleep"];
        assert_eq!(sleep.events(), ["create", "delete"]);
        assert_eq!(sleep.subscriptions["update"], None);
        assert_eq!(sleep.first_expiry(), Some(later));
        assert!(overview.warnings.is_empty());
    }

    /// Pins down the warnings: expired ones name the subscribe command with their callback,
    /// those expiring within a day the renew command.
    #[test]
    fn expired_and_expiring_subscriptions_are_warned_about_with_the_command() {
        let now: Timestamp = "2026-12-05T00:00:00Z".parse().unwrap();
        let overview = of_records(
            vec![
                record("create", "sleep", now - SignedDuration::from_hours(3)),
                record("update", "sleep", now + SignedDuration::from_hours(5)),
                record("delete", "sleep", now + SignedDuration::from_hours(48)),
            ],
            now,
        )
        .unwrap();
        assert_eq!(overview.warnings.len(), 2, "{:?}", overview.warnings);
        assert_eq!(
            overview.warnings[0],
            "webhook subscription create.sleep expired 2026-12-04T21:00:00Z (3 hours ago): Oura \
             sends no deliveries for it; run `oura-sync webhooks subscribe --url https://x.org/hook`"
        );
        assert!(
            overview.warnings[1].starts_with(
                "webhook subscription update.sleep expires 2026-12-05T05:00:00Z (in 5 hours); run \
                 `oura-sync webhooks renew`"
            ),
            "{}",
            overview.warnings[1]
        );
    }
}
