//! What a lake remembers of its webhooks between runs, as ledger records
//! ([`crate::ledger::records`]): the subscriptions and their expiry, the last delivery per
//! type, the events not yet applied, and what the poll found that no delivery brought. The
//! kinds and the names of the records are fixed here, so every writer and reader (the
//! subscription commands, the receiver, the daily sync, `status`, `doctor`) agrees on them.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::ledger::{AnyLedger, Ledger};

/// The kind of a subscription record, named `<event_type>.<data_type>`.
pub const SUBSCRIPTION: &str = "webhook_subscription";
/// The kind of a last-delivery record, named `<data_type>`.
pub const DELIVERY: &str = "webhook_delivery";
/// The kind of a pending record (events received but not applied yet), named
/// `<data_type>.<YYYY-MM-DD>`.
pub const PENDING: &str = "webhook_pending";
/// The kind of a poll record (the daily poll found records no delivery brought), named
/// `<data_type>`.
pub const POLL: &str = "webhook_poll";

/// One subscription at Oura, as last learnt from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRecord {
    /// Oura's id of the subscription.
    pub id: String,
    pub callback_url: String,
    /// `create`, `update` or `delete`.
    pub event_type: String,
    /// Our type name ([`crate::datatype::DataType::name`]).
    pub data_type: String,
    pub expiration_time: Timestamp,
    /// When this was learnt from Oura (again: every `list`, `subscribe` and renewal writes it).
    pub recorded_at: Timestamp,
    /// When oura-sync first learnt of this subscription (its id), kept through every rewrite:
    /// a subscription's grace before "no delivery yet" is a warning counts from here. `None`
    /// in records written before it was kept, which count from `recorded_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen_at: Option<Timestamp>,
}

impl SubscriptionRecord {
    /// Since when oura-sync has known this subscription ([`Self::first_seen_at`]).
    pub fn first_seen(&self) -> Timestamp {
        self.first_seen_at.unwrap_or(self.recorded_at)
    }

    /// The record's name.
    pub fn name(&self) -> String {
        format!("{}.{}", self.event_type, self.data_type)
    }
}

/// The last delivery received for a type (signature checked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    /// Our type name.
    pub data_type: String,
    pub event_type: String,
    pub object_id: String,
    /// Oura's `event_time`, as sent.
    pub event_time: String,
    /// When the receiver accepted it.
    pub received_at: Timestamp,
}

impl DeliveryRecord {
    /// The record's name.
    pub fn name(&self) -> String {
        self.data_type.clone()
    }
}

/// Events for one (type, day) received but not applied yet: the next run applies them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRecord {
    /// Our type name.
    pub data_type: String,
    pub day: Date,
    /// The documents the events were about (a delete's day is known only from here).
    #[serde(default)]
    pub object_ids: Vec<String>,
    /// When the first of them was received.
    pub received_at: Timestamp,
    /// Why it was not applied at once (the lake was busy, the process stopped, a failure).
    pub reason: String,
}

impl PendingRecord {
    /// The record's name.
    pub fn name(&self) -> String {
        format!("{}.{}", self.data_type, self.day)
    }
}

/// The daily poll found records of a type that no delivery brought.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollRecord {
    /// Our type name.
    pub data_type: String,
    /// The days whose objects the poll changed without a delivery before it.
    pub days: Vec<Date>,
    /// When the poll found them.
    pub found_at: Timestamp,
}

impl PollRecord {
    /// The record's name.
    pub fn name(&self) -> String {
        self.data_type.clone()
    }
}

/// Writes `value` as the record `name` of `kind`.
pub async fn put<T: Serialize>(
    ledger: &AnyLedger,
    kind: &str,
    name: &str,
    value: &T,
) -> anyhow::Result<()> {
    let body = serde_json::to_string(value).expect("plain data serialises");
    ledger.put_record(kind, name, &body).await
}

/// Every record of `kind` that reads as a `T`, by name. A record that does not read (written
/// by a newer version, or damaged) is left in the ledger and named in one warning, never
/// taken for absent silently.
pub async fn all<T: DeserializeOwned>(
    ledger: &AnyLedger,
    kind: &str,
) -> anyhow::Result<Vec<(String, T)>> {
    let mut read = Vec::new();
    for record in ledger.records(kind).await? {
        match serde_json::from_str(&record.body) {
            Ok(value) => read.push((record.name, value)),
            Err(err) => tracing::warn!(
                kind,
                name = %record.name,
                error = %err,
                "A webhook record of the ledger cannot be read; it is left as it is."
            ),
        }
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record's name is one the ledger accepts, for every type name we have (including
    /// `vo2_max` style names with digits and underscores).
    #[test]
    fn record_names_are_valid_ledger_names() {
        let at: Timestamp = "2026-12-05T06:00:00Z".parse().unwrap();
        for data_type in crate::datatype::DataType::ALL.iter().copied() {
            let t = data_type.name().to_string();
            let names = [
                SubscriptionRecord {
                    id: "id".into(),
                    callback_url: "https://x".into(),
                    event_type: "create".into(),
                    data_type: t.clone(),
                    expiration_time: at,
                    recorded_at: at,
                    first_seen_at: None,
                }
                .name(),
                DeliveryRecord {
                    data_type: t.clone(),
                    event_type: "update".into(),
                    object_id: "o".into(),
                    event_time: "2026-12-05T05:59:30+00:00".into(),
                    received_at: at,
                }
                .name(),
                PendingRecord {
                    data_type: t.clone(),
                    day: jiff::civil::date(2026, 12, 4),
                    object_ids: vec![],
                    received_at: at,
                    reason: "busy".into(),
                }
                .name(),
                PollRecord { data_type: t.clone(), days: vec![], found_at: at }.name(),
            ];
            for (kind, name) in [SUBSCRIPTION, DELIVERY, PENDING, POLL].into_iter().zip(names) {
                crate::ledger::records::check(kind, &name).unwrap();
            }
        }
    }
}
