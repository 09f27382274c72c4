//! The webhook deliveries as `status` and `doctor` show them, from the lake's webhook records
//! alone (no credentials, no request): per subscribed type the last delivery, and the daily
//! sync as their safety net: what it found that no delivery brought ([`super::poll`]), and
//! the warning that deliveries have stopped, with what to do. (The subscriptions and their
//! expiry are [`super::overview`]'s.) One pure function ([`Health::of`]) gives the JSON of
//! `status --json` (`webhook_deliveries`), the lines of `status` and the check of `doctor`,
//! so the three never disagree.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::poll::{FIX, Records, days_text};
use crate::datatype::DataType;
use crate::doctor::Check;
use crate::text::age;

/// The name of the doctor's check.
const CHECK: &str = "webhook deliveries";

/// The deliveries of a lake: `status --json`'s `webhook_deliveries` object (README, Webhooks:
/// the daily sync is the safety net).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Health {
    /// Per subscribed type (by name, as in the run report).
    pub types: BTreeMap<String, TypeHealth>,
    /// What needs doing, one line each with its fix; empty when all is well.
    pub warnings: Vec<String>,
}

/// One subscribed type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TypeHealth {
    /// The last delivery received, or null.
    pub last_delivery: Option<LastDelivery>,
    /// What the poll found that no delivery brought, while that stands; null otherwise.
    pub poll_found: Option<PollFound>,
    /// True when deliveries have stopped: the poll found records no delivery brought and
    /// none arrived since, while a subscription is live.
    pub deliveries_stopped: bool,
}

/// The last delivery of a type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LastDelivery {
    pub received_at: Timestamp,
    pub event_type: String,
    /// Oura's `event_time`, as sent.
    pub event_time: String,
}

/// What the poll found of a type that no delivery brought.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PollFound {
    pub found_at: Timestamp,
    pub days: Vec<Date>,
}

impl Health {
    /// The health of the webhooks `records` describe at `now`; `None` when the lake has no
    /// subscription record (webhooks not in use: the poll alone keeps it).
    pub fn of(records: &Records, now: Timestamp) -> Option<Health> {
        if records.subscriptions.is_empty() {
            return None;
        }
        let mut types = BTreeMap::new();
        for data_type in records.subscribed_types() {
            let stopped = records.stopped(data_type, now);
            let health = TypeHealth {
                last_delivery: records.last_delivery(data_type).map(|d| LastDelivery {
                    received_at: d.received_at,
                    event_type: d.event_type.clone(),
                    event_time: d.event_time.clone(),
                }),
                poll_found: records
                    .poll(data_type)
                    .filter(|_| stopped)
                    .map(|p| PollFound { found_at: p.found_at, days: p.days.clone() }),
                deliveries_stopped: stopped,
            };
            types.insert(data_type.to_string(), health);
        }
        let warnings = stopped_warning(&types, now).into_iter().collect();
        Some(Health { types, warnings })
    }

    /// The lines of `status`: a heading, one line per type (in the canonical order), then
    /// the warnings.
    pub fn lines(&self, now: Timestamp) -> String {
        let mut out = String::new();
        let _ =
            writeln!(out, "Webhook deliveries (the last one; the daily sync is the safety net):");
        for (name, t) in self.ordered() {
            let last = match &t.last_delivery {
                Some(d) => format!(
                    "{} {} ago ({})",
                    d.event_type,
                    age(d.received_at, now),
                    d.received_at.strftime("%Y-%m-%d %H:%MZ")
                ),
                None => "no delivery yet".to_string(),
            };
            let stopped = if t.deliveries_stopped { "  deliveries stopped" } else { "" };
            let _ = writeln!(out, "  {name:<26} {last}{stopped}");
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "⚠️ {warning}");
        }
        out
    }

    /// The check of `doctor`: passed with the newest delivery, or failed with the warning
    /// and its fix.
    pub fn checks(&self, now: Timestamp) -> Vec<Check> {
        if let Some(warning) = self.warnings.first() {
            return vec![match warning.split_once("; run ") {
                Some((detail, fix)) => Check::fail(CHECK, detail, format!("run {fix}")),
                None => Check::fail(CHECK, warning.as_str(), FIX),
            }];
        }
        let newest = self
            .types
            .iter()
            .filter_map(|(name, t)| t.last_delivery.as_ref().map(|d| (d.received_at, name)))
            .max();
        let last = match newest {
            Some((at, name)) => format!("the last {} ago ({name})", age(at, now)),
            None => "none yet".to_string(),
        };
        vec![Check::pass(
            CHECK,
            format!(
                "{last}; the daily sync found nothing they missed in {} types",
                self.types.len()
            ),
        )]
    }

    /// The types in the canonical order of [`DataType::ALL`] (unknown names last).
    fn ordered(&self) -> impl Iterator<Item = (&str, &TypeHealth)> {
        let mut types: Vec<_> = self.types.iter().map(|(n, t)| (n.as_str(), t)).collect();
        types.sort_by_key(|(n, _)| DataType::rank_of(n));
        types.into_iter()
    }
}

/// The warning for the types whose deliveries stopped, ending in `; run …` (what to do).
fn stopped_warning(types: &BTreeMap<String, TypeHealth>, now: Timestamp) -> Option<String> {
    let stopped: Vec<(&String, &TypeHealth)> =
        types.iter().filter(|(_, t)| t.deliveries_stopped).collect();
    if stopped.is_empty() {
        return None;
    }
    let names: Vec<&str> = stopped.iter().map(|(n, _)| n.as_str()).collect();
    let polls = || stopped.iter().filter_map(|(_, t)| t.poll_found.as_ref());
    let days: usize = polls().map(|p| p.days.len()).sum();
    let found = polls().map(|p| p.found_at).max();
    let last =
        stopped.iter().filter_map(|(_, t)| t.last_delivery.as_ref()).map(|d| d.received_at).max();
    let last = match last {
        Some(at) => format!("the last delivery of these arrived {} ago", age(at, now)),
        None => "none of these has had a delivery".to_string(),
    };
    let found = found.map(|at| format!(" ({} ago)", age(at, now))).unwrap_or_default();
    Some(format!(
        "webhook deliveries have stopped for {}: the daily sync{found} wrote {} that no \
         delivery brought; {last}; {FIX}",
        names.join(", "),
        days_text(days)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::state::{DeliveryRecord, PollRecord, SubscriptionRecord};

    const NOW: &str = "2026-12-05T07:00:00Z";

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn subscription(event_type: &str, data_type: &str, expires: &str) -> SubscriptionRecord {
        SubscriptionRecord {
            id: format!("{event_type}-{data_type}"),
            callback_url: "https://example.org/oura".into(),
            event_type: event_type.into(),
            data_type: data_type.into(),
            expiration_time: at(expires),
            recorded_at: at("2026-11-01T00:00:00Z"),
            first_seen_at: None,
        }
    }

    fn records() -> Records {
        Records {
            subscriptions: vec![
                subscription("update", "sleep", "2027-01-04T00:00:00Z"),
                subscription("create", "sleep", "2027-01-03T00:00:00Z"),
                subscription("create", "daily_sleep", "2027-01-03T00:00:00Z"),
            ],
            deliveries: vec![DeliveryRecord {
                data_type: "sleep".into(),
                event_type: "update".into(),
                object_id: "o1".into(),
                event_time: "2026-12-05T05:00:00+00:00".into(),
                received_at: at("2026-12-05T05:00:30Z"),
            }],
            polls: vec![],
        }
    }

    /// No subscription record: webhooks are not in use and status/doctor show nothing of
    /// them.
    #[test]
    fn no_subscription_means_no_section() {
        assert_eq!(Health::of(&Records::default(), at(NOW)), None);
    }

    /// All well: per type the last delivery (or none yet); no warning; doctor passes with
    /// the newest delivery.
    #[test]
    fn working_webhooks_show_their_last_delivery() {
        let health = Health::of(&records(), at(NOW)).unwrap();
        let sleep = &health.types["sleep"];
        assert_eq!(sleep.last_delivery.as_ref().unwrap().event_type, "update");
        assert!(!sleep.deliveries_stopped && sleep.poll_found.is_none());
        assert_eq!(health.types["daily_sleep"].last_delivery, None);
        assert!(health.warnings.is_empty());
        let text = health.lines(at(NOW));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "  daily_sleep                no delivery yet", "{text}");
        assert_eq!(
            lines[2], "  sleep                      update 119 min ago (2026-12-05 05:00Z)",
            "{text}"
        );
        let checks = health.checks(at(NOW));
        assert_eq!(checks.len(), 1);
        assert!(checks[0].ok, "{checks:?}");
        assert_eq!(
            checks[0].detail,
            "the last 119 min ago (sleep); the daily sync found nothing they missed in 2 types"
        );
    }

    /// A standing poll record of a live type is "deliveries have stopped": the type says
    /// so, the warning names what to do, and doctor fails with that fix.
    #[test]
    fn a_standing_poll_record_warns_that_deliveries_stopped() {
        let mut records = records();
        records.deliveries[0].received_at = at("2026-12-02T05:00:00Z");
        records.polls.push(PollRecord {
            data_type: "sleep".into(),
            days: vec![jiff::civil::date(2026, 12, 4), jiff::civil::date(2026, 12, 5)],
            found_at: at("2026-12-05T06:00:00Z"),
        });
        let health = Health::of(&records, at(NOW)).unwrap();
        assert!(health.types["sleep"].deliveries_stopped);
        assert_eq!(health.types["sleep"].poll_found.as_ref().unwrap().days.len(), 2);
        assert_eq!(health.warnings.len(), 1);
        let warning = &health.warnings[0];
        assert!(
            warning.starts_with("webhook deliveries have stopped for sleep: the daily sync (60 min ago) wrote 2 days"),
            "{warning}"
        );
        assert!(warning.contains("last delivery of these arrived 3 d ago"), "{warning}");
        assert!(
            health
                .lines(at(NOW))
                .contains("deliveries stopped\n⚠️ webhook deliveries have stopped")
        );
        let check = &health.checks(at(NOW))[0];
        assert!(!check.ok);
        assert!(
            check.fix.as_deref().unwrap().starts_with("run `oura-sync webhooks list`"),
            "{check:?}"
        );
    }

    /// A delivery after the poll's find means deliveries resumed: no warning, though the
    /// record is still there until the next poll clears it.
    #[test]
    fn a_delivery_after_the_find_ends_the_warning() {
        let mut records = records();
        records.polls.push(PollRecord {
            data_type: "sleep".into(),
            days: vec![jiff::civil::date(2026, 12, 4)],
            found_at: at("2026-12-05T04:00:00Z"),
        });
        let health = Health::of(&records, at(NOW)).unwrap();
        assert!(!health.types["sleep"].deliveries_stopped);
        assert!(health.warnings.is_empty());
    }
}
