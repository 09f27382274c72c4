//! The webhooks as `status` and `doctor` show them, from the lake's webhook records alone (no
//! credentials, no request): per subscribed type the last delivery and the subscriptions'
//! expiry, and the warnings with what to do: deliveries that stopped (the poll found records
//! no delivery brought, [`super::poll`]) and subscriptions that expired. One pure function
//! ([`Health::of`]) gives the JSON of `status --json`, the lines of `status` and the checks of
//! `doctor`, so the three never disagree.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::poll::{FIX, Records, days_text};
use super::state::SubscriptionRecord;
use crate::datatype::DataType;
use crate::doctor::Check;
use crate::text::age;

/// What to do when a subscription expired.
const RENEW: &str = "run `oura-sync webhooks renew` (a daily sync renews those due within a \
                     week), or `oura-sync webhooks subscribe --url URL` again";

/// The webhooks of a lake: `status --json`'s `webhooks` object (README, Webhooks).
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
    /// Its subscriptions by event type (`create`, `update`, `delete`), as recorded; `null`
    /// for an event type without one (the shape of `i23m`'s overview, so the two fold).
    pub subscriptions: BTreeMap<String, Option<SubscriptionRecord>>,
    /// The earliest expiry among them.
    pub expires_at: Timestamp,
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
            let subscriptions: BTreeMap<String, Option<SubscriptionRecord>> = EVENT_TYPES
                .iter()
                .map(|event| {
                    let record = records
                        .subscriptions
                        .iter()
                        .find(|s| s.data_type == data_type && s.event_type == *event);
                    (event.to_string(), record.cloned())
                })
                .collect();
            let expires_at = records
                .subscriptions
                .iter()
                .filter(|s| s.data_type == data_type)
                .map(|s| s.expiration_time)
                .min()
                .expect("a subscribed type has a subscription");
            let stopped = records.stopped(data_type, now);
            let health = TypeHealth {
                subscriptions,
                expires_at,
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
        let warnings = warnings(&types, now);
        Some(Health { types, warnings })
    }

    /// The lines of `status`: a heading, one line per type (in the canonical order), then
    /// the warnings.
    pub fn lines(&self, now: Timestamp) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Webhooks (last delivery; subscriptions expire; the daily sync is the safety net):"
        );
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
            let expiry = if t.expires_at > now {
                format!(
                    "expires {} (in {})",
                    t.expires_at.strftime("%Y-%m-%d"),
                    age(now, t.expires_at)
                )
            } else {
                format!(
                    "expired {} ({} ago)",
                    t.expires_at.strftime("%Y-%m-%d"),
                    age(t.expires_at, now)
                )
            };
            let stopped = if t.deliveries_stopped { "  deliveries stopped" } else { "" };
            let _ = writeln!(out, "  {name:<26} {last:<40} {expiry}{stopped}");
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "⚠️ {warning}");
        }
        out
    }

    /// The checks of `doctor`: one that passes with the count of subscriptions and the
    /// newest delivery when all is well, else one failed check per warning, with its fix.
    pub fn checks(&self, now: Timestamp) -> Vec<Check> {
        const NAME: &str = "webhooks";
        if self.warnings.is_empty() {
            let subscriptions: usize =
                self.types.values().map(|t| t.subscriptions.values().flatten().count()).sum();
            let newest = self
                .types
                .iter()
                .filter_map(|(name, t)| t.last_delivery.as_ref().map(|d| (d.received_at, name)))
                .max();
            let last = match newest {
                Some((at, name)) => format!("last delivery {} ago ({name})", age(at, now)),
                None => "no delivery yet".to_string(),
            };
            return vec![Check::pass(
                NAME,
                format!(
                    "{subscriptions} subscriptions for {} types, none expired; {last}",
                    self.types.len()
                ),
            )];
        }
        self.warnings
            .iter()
            .map(|warning| match warning.split_once("; run ") {
                Some((detail, fix)) => Check::fail(NAME, detail, format!("run {fix}")),
                None => Check::fail(NAME, warning.as_str(), FIX),
            })
            .collect()
    }

    /// The types in the canonical order of [`DataType::ALL`] (unknown names last).
    fn ordered(&self) -> impl Iterator<Item = (&str, &TypeHealth)> {
        let mut types: Vec<_> = self.types.iter().map(|(n, t)| (n.as_str(), t)).collect();
        types.sort_by_key(|(n, _)| DataType::rank_of(n));
        types.into_iter()
    }
}

/// The event types a subscription is for, in the order shown.
const EVENT_TYPES: [&str; 3] = ["create", "update", "delete"];

/// The warnings of `types`: one for the types whose deliveries stopped, one for those whose
/// subscriptions expired. Each ends in `; run …` (what to do).
fn warnings(types: &BTreeMap<String, TypeHealth>, now: Timestamp) -> Vec<String> {
    let mut warnings = Vec::new();
    let stopped: Vec<(&String, &TypeHealth)> =
        types.iter().filter(|(_, t)| t.deliveries_stopped).collect();
    if !stopped.is_empty() {
        let names: Vec<&str> = stopped.iter().map(|(n, _)| n.as_str()).collect();
        let days: usize =
            stopped.iter().filter_map(|(_, t)| t.poll_found.as_ref()).map(|p| p.days.len()).sum();
        let found =
            stopped.iter().filter_map(|(_, t)| t.poll_found.as_ref()).map(|p| p.found_at).max();
        let last = stopped
            .iter()
            .filter_map(|(_, t)| t.last_delivery.as_ref())
            .map(|d| d.received_at)
            .max();
        let last = match last {
            Some(at) => format!("the last delivery of these arrived {} ago", age(at, now)),
            None => "none of these has had a delivery".to_string(),
        };
        let found = found.map(|at| format!(" ({} ago)", age(at, now))).unwrap_or_default();
        warnings.push(format!(
            "webhook deliveries have stopped for {}: the daily sync{found} wrote {} that no \
             delivery brought; {last}; {FIX}",
            names.join(", "),
            days_text(days)
        ));
    }
    let expired: Vec<&str> =
        types.iter().filter(|(_, t)| t.expires_at <= now).map(|(n, _)| n.as_str()).collect();
    if !expired.is_empty() {
        warnings.push(format!(
            "webhook subscriptions expired for {}: Oura sends them no delivery; {RENEW}",
            expired.join(", ")
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::state::{DeliveryRecord, PollRecord};

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

    /// All well: per type its subscriptions in event order, the earliest expiry and the last
    /// delivery; no warning; doctor passes with the counts.
    #[test]
    fn working_webhooks_show_their_last_delivery_and_expiry() {
        let health = Health::of(&records(), at(NOW)).unwrap();
        let sleep = &health.types["sleep"];
        assert_eq!(sleep.subscriptions["create"].as_ref().unwrap().id, "create-sleep");
        assert_eq!(sleep.subscriptions["delete"], None);
        assert_eq!(sleep.expires_at, at("2027-01-03T00:00:00Z"));
        assert_eq!(sleep.last_delivery.as_ref().unwrap().event_type, "update");
        assert!(!sleep.deliveries_stopped && sleep.poll_found.is_none());
        assert_eq!(health.types["daily_sleep"].last_delivery, None);
        assert!(health.warnings.is_empty());
        let text = health.lines(at(NOW));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("  daily_sleep "), "{text}");
        assert!(
            lines[1].contains("no delivery yet")
                && lines[1].contains("expires 2027-01-03 (in 28 d)"),
            "{text}"
        );
        assert!(lines[2].contains("update 119 min ago (2026-12-05 05:00Z)"), "{text}");
        let checks = health.checks(at(NOW));
        assert_eq!(checks.len(), 1);
        assert!(checks[0].ok, "{checks:?}");
        assert_eq!(
            checks[0].detail,
            "3 subscriptions for 2 types, none expired; last delivery 119 min ago (sleep)"
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

    /// An expired subscription is shown as expired and warned about, with the renewal.
    #[test]
    fn an_expired_subscription_warns_with_the_renewal() {
        let mut records = records();
        records.subscriptions[2].expiration_time = at("2026-12-04T00:00:00Z");
        let health = Health::of(&records, at(NOW)).unwrap();
        assert_eq!(health.warnings.len(), 1);
        assert!(health.warnings[0].starts_with("webhook subscriptions expired for daily_sleep"));
        assert!(health.lines(at(NOW)).contains("expired 2026-12-04 (31 h ago)"));
        let check = &health.checks(at(NOW))[0];
        assert_eq!(check.fix.as_deref(), Some(RENEW));
    }
}
