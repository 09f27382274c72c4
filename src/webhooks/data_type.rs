//! Our [`DataType`] and Oura's webhook names: which types have webhooks, the `data_type`
//! name Oura uses in subscriptions and deliveries (`ExtApiV2DataType`), and the
//! `event_type`s (`WebhookOperation`).
//!
//! The webhook names are Oura's lower-case type names, which are also ours; they differ from
//! the REST path only for `vo2_max` (path `vO2_max`). Three synced types have no webhook:
//! `heartrate` (reference/oura-api.md §5: "There is no heartrate webhook"),
//! `ring_battery_level` and `personal_info` (absent from `ExtApiV2DataType`); the poll alone
//! keeps those fresh.

use std::fmt;
use std::str::FromStr;

use crate::datatype::DataType;

/// What happened to a document, as a subscription and a delivery name it (`WebhookOperation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A new document.
    Create,
    /// A document revised.
    Update,
    /// A document removed.
    Delete,
}

impl EventType {
    /// The three, in the order reports list them.
    pub const ALL: [EventType; 3] = [EventType::Create, EventType::Update, EventType::Delete];

    /// Oura's name (`create`, `update`, `delete`).
    pub fn name(self) -> &'static str {
        match self {
            EventType::Create => "create",
            EventType::Update => "update",
            EventType::Delete => "delete",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An `event_type` Oura sent that is none of the three.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown webhook event type `{0}`; known: create, update, delete")]
pub struct UnknownEventType(pub String);

impl FromStr for EventType {
    type Err = UnknownEventType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| UnknownEventType(s.to_string()))
    }
}

/// The webhook `data_type` name for `t`, or `None` when Oura has no webhook for it.
pub fn webhook_name(t: DataType) -> Option<&'static str> {
    match t {
        DataType::Heartrate | DataType::RingBatteryLevel | DataType::PersonalInfo => None,
        // Every other type's webhook name is its own name (`vo2_max`, not the path `vO2_max`).
        other => Some(other.name()),
    }
}

/// True when Oura sends webhooks for `t`.
pub fn has_webhooks(t: DataType) -> bool {
    webhook_name(t).is_some()
}

/// The type a webhook `data_type` name stands for, or `None` for a name oura-sync does not
/// sync (Oura's `meal`, the cycle types, a future type) or that has no webhook here.
/// Exact match: Oura sends the names in lower case.
pub fn from_webhook_name(name: &str) -> Option<DataType> {
    DataType::ALL.iter().copied().find(|&t| webhook_name(t) == Some(name))
}

/// The types among `types` that have webhooks, in their order.
pub fn with_webhooks(types: &[DataType]) -> Vec<DataType> {
    types.iter().copied().filter(|&t| has_webhooks(t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins down which of the 19 types have webhooks: all but heartrate, ring_battery_level
    /// and personal_info, i.e. 16, so a full `subscribe` makes 48 subscriptions.
    #[test]
    fn sixteen_types_have_webhooks() {
        let with = with_webhooks(DataType::ALL);
        assert_eq!(with.len(), 16);
        for t in [DataType::Heartrate, DataType::RingBatteryLevel, DataType::PersonalInfo] {
            assert!(!has_webhooks(t), "{t}");
        }
    }

    /// Pins down that the webhook name of vo2_max is `vo2_max` (the enum's), not the REST
    /// path `vO2_max`, and that names round-trip.
    #[test]
    fn webhook_names_round_trip_and_vo2_max_is_lower_case() {
        assert_eq!(webhook_name(DataType::Vo2Max), Some("vo2_max"));
        assert_eq!(from_webhook_name("vo2_max"), Some(DataType::Vo2Max));
        assert_eq!(from_webhook_name("vO2_max"), None);
        for t in with_webhooks(DataType::ALL) {
            assert_eq!(from_webhook_name(webhook_name(t).unwrap()), Some(t));
        }
        assert_eq!(from_webhook_name("meal"), None);
        assert_eq!(from_webhook_name("heartrate"), None);
    }

    /// Pins down every webhook name against the spec's `ExtApiV2DataType` enum (1.37), so a
    /// type is never subscribed under a name Oura would reject with 422.
    #[test]
    fn every_webhook_name_is_in_the_spec_enum() {
        const SPEC: &[&str] = &[
            "tag",
            "enhanced_tag",
            "workout",
            "session",
            "sleep",
            "daily_sleep",
            "daily_readiness",
            "daily_activity",
            "daily_spo2",
            "sleep_time",
            "rest_mode_period",
            "ring_configuration",
            "daily_stress",
            "daily_cardiovascular_age",
            "daily_resilience",
            "vo2_max",
            "meal",
        ];
        for t in with_webhooks(DataType::ALL) {
            assert!(SPEC.contains(&webhook_name(t).unwrap()), "{t}");
        }
    }

    /// Pins down the event type names and that anything else is refused.
    #[test]
    fn event_types_parse_by_oura_name() {
        assert_eq!("update".parse::<EventType>(), Ok(EventType::Update));
        assert_eq!(EventType::Delete.to_string(), "delete");
        assert!("Create".parse::<EventType>().is_err());
    }
}
