//! The daily poll as the webhooks' safety net: after a run that the poll made (not a
//! delivery), what it changed that no delivery brought is recorded per type
//! ([`PollRecord`]), and the run warns when deliveries have stopped.
//!
//! The rule, for each type with a subscription record (webhooks in use for it):
//! - the type is *live* when one of its subscriptions expires after now;
//! - the type is *quiet* when its last delivery was received more than [`QUIET`] before now,
//!   or none ever was and its subscriptions have been recorded for longer than that (a type
//!   subscribed an hour ago has had no chance of a delivery yet);
//! - the poll *found* the days of the last [`RECENT_DAYS`] whose object of the type the run
//!   wrote, rewrote or removed: with working deliveries the receiver had already written
//!   them, so the poll changes nothing (older days, such as those a backfill writes for the
//!   first time, were never a delivery's to bring);
//! - a live, quiet type with found days gets its poll record: those days (and those of the
//!   record it had, while that one stands), found now; that is "deliveries have stopped",
//!   and the run says so in a warning (the run itself keeps its status);
//! - a record stands until a delivery of its type arrives after it was found (deliveries
//!   resumed) or the type has no live subscription any more (the expiry is then the thing to
//!   fix): the next poll clears it.
//!
//! A run a delivery triggered ([`crate::pipeline::RunTrigger::Webhook`]) writes no poll
//! record: what it changes is what a delivery brought. `status` and `doctor` read the records
//! through [`super::health`].

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use super::state::{self, DeliveryRecord, PollRecord, SubscriptionRecord};
use crate::ledger::{AnyLedger, Ledger};
use crate::report::RunReport;

/// How long without a delivery of a type, while the poll finds its records, before
/// deliveries count as stopped: a day, the poll's own period.
pub const QUIET: SignedDuration = SignedDuration::from_hours(24);

/// How far back a day the poll changed counts as one a delivery should have brought: a
/// delivery comes about 30 s after the phone syncs, about the days it synced.
pub const RECENT_DAYS: i64 = 7;

/// The most days a poll record keeps (the newest): enough to show, bounded however long
/// deliveries stay stopped.
pub const MAX_DAYS: usize = 31;

/// What to fix when deliveries have stopped, said after every "deliveries have stopped".
pub const FIX: &str = "run `oura-sync webhooks list`, check the receiver's URL and its logs, then \
                       `oura-sync webhooks subscribe --url URL` again; the daily sync keeps the \
                       lake complete meanwhile";

/// What the webhook records of a lake say, as the rule needs them.
#[derive(Clone, Debug, Default)]
pub struct Records {
    pub subscriptions: Vec<SubscriptionRecord>,
    pub deliveries: Vec<DeliveryRecord>,
    pub polls: Vec<PollRecord>,
}

impl Records {
    /// Reads the three kinds from `ledger`; without a subscription (webhooks not in use) the
    /// other two are not read: one read is all a lake without webhooks costs.
    pub async fn read(ledger: &AnyLedger) -> anyhow::Result<Self> {
        fn values<T>(named: Vec<(String, T)>) -> Vec<T> {
            named.into_iter().map(|(_, record)| record).collect()
        }
        let subscriptions = values(state::all(ledger, state::SUBSCRIPTION).await?);
        // Without subscriptions, deliveries do not matter; polls left behind are cleared.
        let polls = values(state::all(ledger, state::POLL).await?);
        if subscriptions.is_empty() {
            return Ok(Self { polls, ..Self::default() });
        }
        Ok(Self {
            subscriptions,
            deliveries: values(state::all(ledger, state::DELIVERY).await?),
            polls,
        })
    }

    /// The types with a subscription record, by name.
    pub fn subscribed_types(&self) -> BTreeSet<&str> {
        self.subscriptions.iter().map(|s| s.data_type.as_str()).collect()
    }

    /// True when one of `data_type`'s subscriptions expires after `now`.
    pub fn live(&self, data_type: &str, now: Timestamp) -> bool {
        self.subscriptions.iter().any(|s| s.data_type == data_type && s.expiration_time > now)
    }

    /// The last delivery of `data_type`, if any.
    pub fn last_delivery(&self, data_type: &str) -> Option<&DeliveryRecord> {
        self.deliveries.iter().find(|d| d.data_type == data_type)
    }

    /// The poll record of `data_type`, if any.
    pub fn poll(&self, data_type: &str) -> Option<&PollRecord> {
        self.polls.iter().find(|p| p.data_type == data_type)
    }

    /// True when no delivery of `data_type` was received within [`QUIET`] before `now`
    /// (none at all counts only once its subscriptions have been known for longer than
    /// that: since their first record, which a `list` or a renewal does not move).
    pub fn quiet(&self, data_type: &str, now: Timestamp) -> bool {
        let long_ago = now - QUIET;
        match self.last_delivery(data_type) {
            Some(last) => last.received_at < long_ago,
            None => self
                .subscriptions
                .iter()
                .filter(|s| s.data_type == data_type)
                .all(|s| s.first_seen() < long_ago),
        }
    }

    /// True when `data_type`'s poll record stands: its type is live and no delivery of it
    /// arrived after the poll found the record: deliveries have stopped.
    pub fn stopped(&self, data_type: &str, now: Timestamp) -> bool {
        let Some(poll) = self.poll(data_type) else { return false };
        self.live(data_type, now)
            && self.last_delivery(data_type).is_none_or(|d| d.received_at <= poll.found_at)
    }
}

/// What a poll changes in the poll records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// Records to write: deliveries have stopped for their types.
    pub put: Vec<PollRecord>,
    /// Types whose record to remove.
    pub clear: Vec<String>,
}

/// The poll records after a poll that changed `changed` (days per type name) at `now`, by the
/// rule of this module.
pub fn decide(
    records: &Records,
    changed: &BTreeMap<String, BTreeSet<Date>>,
    now: Timestamp,
) -> Decision {
    let mut decision = Decision::default();
    // In UTC: a day more or less at either end of the week does not matter here.
    let oldest =
        now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date() - jiff::Span::new().days(RECENT_DAYS);
    let mut types = records.subscribed_types();
    types.extend(records.polls.iter().map(|p| p.data_type.as_str()));
    for data_type in types {
        let found: Option<BTreeSet<Date>> = changed
            .get(data_type)
            .map(|days| days.range(oldest..).copied().collect())
            .filter(|days: &BTreeSet<Date>| !days.is_empty());
        let standing = records.stopped(data_type, now).then(|| records.poll(data_type)).flatten();
        if let Some(found) = found
            && records.live(data_type, now)
            && records.quiet(data_type, now)
        {
            let mut days: BTreeSet<Date> = found;
            days.extend(standing.iter().flat_map(|p| p.days.iter().copied()));
            let days: Vec<Date> = days.into_iter().rev().take(MAX_DAYS).rev().collect();
            decision.put.push(PollRecord { data_type: data_type.to_string(), days, found_at: now });
        } else if records.poll(data_type).is_some() && standing.is_none() {
            decision.clear.push(data_type.to_string());
        }
    }
    decision
}

/// The one warning line of a poll that found `put` (empty: none): which types, how many
/// days, the last delivery, and what to do.
pub fn warning(records: &Records, put: &[PollRecord]) -> Option<String> {
    if put.is_empty() {
        return None;
    }
    let days: usize = put.iter().map(|p| p.days.len()).sum();
    let types: Vec<&str> = put.iter().map(|p| p.data_type.as_str()).collect();
    let last =
        put.iter().filter_map(|p| records.last_delivery(&p.data_type)).map(|d| d.received_at).max();
    let last = match last {
        Some(at) => {
            format!("the last delivery of these arrived {}", at.strftime("%Y-%m-%d %H:%MZ"))
        }
        None => "none of these has had a delivery".to_string(),
    };
    Some(format!(
        "webhook deliveries have stopped: the poll wrote {} of {} that no delivery brought; \
         {last}; {FIX}",
        days_text(days),
        types.join(", ")
    ))
}

/// `1 day`, `3 days`.
pub fn days_text(days: usize) -> String {
    if days == 1 { "1 day".into() } else { format!("{days} days") }
}

/// After a poll's run: records what it found that no delivery brought ([`decide`]) and
/// returns the warnings for the run report. A lake without subscription records costs two
/// reads (subscriptions, and polls left by deleted ones); a ledger that cannot be read or written costs a warning, never the run.
pub async fn after_poll(ledger: &AnyLedger, report: &RunReport, now: Timestamp) -> Vec<String> {
    match record(ledger, report, now).await {
        Ok(warning) => warning.into_iter().collect(),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "Cannot record what the poll found for the webhooks.");
            vec![format!("cannot record what the poll found for the webhooks: {e:#}")]
        }
    }
}

async fn record(
    ledger: &AnyLedger,
    report: &RunReport,
    now: Timestamp,
) -> anyhow::Result<Option<String>> {
    let records = Records::read(ledger).await?;
    // Poll records left when the last subscription went (`webhooks delete --all`) are
    // cleared below: their types are no longer live.
    if records.subscriptions.is_empty() && records.polls.is_empty() {
        return Ok(None);
    }
    let changed: BTreeMap<String, BTreeSet<Date>> = report
        .types
        .iter()
        .map(|(name, t)| (name.clone(), t.changed_days.iter().copied().collect()))
        .collect();
    let decision = decide(&records, &changed, now);
    for poll in &decision.put {
        tracing::warn!(r#type = %poll.data_type, days = poll.days.len(), "The poll wrote days no webhook delivery brought.");
        state::put(ledger, state::POLL, &poll.name(), poll).await?;
    }
    for data_type in &decision.clear {
        tracing::info!(r#type = %data_type, "Webhook deliveries resumed or the subscription lapsed; cleared what the poll had found.");
        ledger.delete_record(state::POLL, data_type).await?;
    }
    Ok(warning(&records, &decision.put))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const NOW: &str = "2026-12-05T07:00:00Z";

    fn subscription(data_type: &str, expires: &str, recorded: &str) -> SubscriptionRecord {
        SubscriptionRecord {
            id: format!("id-{data_type}"),
            callback_url: "https://example.org/oura".into(),
            event_type: "create".into(),
            data_type: data_type.into(),
            expiration_time: at(expires),
            recorded_at: at(recorded),
            first_seen_at: None,
        }
    }

    /// A subscription of `data_type` live until 2027, recorded long before [`NOW`].
    fn live(data_type: &str) -> SubscriptionRecord {
        subscription(data_type, "2027-01-01T00:00:00Z", "2026-10-01T00:00:00Z")
    }

    fn delivery(data_type: &str, received: &str) -> DeliveryRecord {
        DeliveryRecord {
            data_type: data_type.into(),
            event_type: "update".into(),
            object_id: "o1".into(),
            event_time: received.into(),
            received_at: at(received),
        }
    }

    fn poll(data_type: &str, days: &[Date], found: &str) -> PollRecord {
        PollRecord { data_type: data_type.into(), days: days.to_vec(), found_at: at(found) }
    }

    fn changed(pairs: &[(&str, &[Date])]) -> BTreeMap<String, BTreeSet<Date>> {
        pairs.iter().map(|(t, days)| (t.to_string(), days.iter().copied().collect())).collect()
    }

    fn d(day: i8) -> Date {
        jiff::civil::date(2026, 12, day)
    }

    /// A live subscription whose type had its last delivery more than a day ago: the poll's
    /// changed days are recorded, found now, and the run warns with what to do.
    #[test]
    fn changes_after_a_quiet_day_are_recorded_and_warned() {
        let records = Records {
            subscriptions: vec![live("sleep")],
            deliveries: vec![delivery("sleep", "2026-12-03T06:00:00Z")],
            polls: vec![],
        };
        let decision = decide(&records, &changed(&[("sleep", &[d(4), d(5)])]), at(NOW));
        assert_eq!(decision.put, vec![poll("sleep", &[d(4), d(5)], NOW)]);
        assert!(decision.clear.is_empty());
        let text = warning(&records, &decision.put).unwrap();
        assert!(
            text.starts_with("webhook deliveries have stopped: the poll wrote 2 days of sleep"),
            "{text}"
        );
        assert!(text.contains("arrived 2026-12-03 06:00Z"), "{text}");
        assert!(text.contains("oura-sync webhooks subscribe --url"), "{text}");
    }

    /// A delivery within the day means deliveries work: the poll's changes (a delivery still
    /// in flight, a revision) are not recorded, and nothing warns.
    #[test]
    fn a_delivery_within_the_day_means_deliveries_work() {
        let records = Records {
            subscriptions: vec![live("sleep")],
            deliveries: vec![delivery("sleep", "2026-12-04T08:00:00Z")],
            polls: vec![],
        };
        let decision = decide(&records, &changed(&[("sleep", &[d(5)])]), at(NOW));
        assert_eq!(decision, Decision::default());
        assert_eq!(warning(&records, &decision.put), None);
    }

    /// A subscription first seen long ago but recorded again just now (a `webhooks list`, a
    /// renewal) is not "subscribed within the day": a type never delivered stays quiet, and
    /// the run says so, however often the records are rewritten.
    #[test]
    fn rewriting_a_record_does_not_restart_the_grace_of_a_type_never_delivered() {
        let rewritten = SubscriptionRecord {
            first_seen_at: Some(at("2026-12-01T00:00:00Z")),
            ..subscription("sleep", "2027-01-01T00:00:00Z", "2026-12-05T06:30:00Z")
        };
        let records = Records { subscriptions: vec![rewritten], ..Records::default() };
        let decision = decide(&records, &changed(&[("sleep", &[d(5)])]), at(NOW));
        assert_eq!(decision.put, vec![poll("sleep", &[d(5)], NOW)]);
    }

    /// A type never delivered counts as quiet only once subscribed for a day: right after
    /// `webhooks subscribe`, a sync's changes are no sign of anything.
    #[test]
    fn a_type_subscribed_within_the_day_is_not_quiet_yet() {
        let fresh = Records {
            subscriptions: vec![subscription(
                "sleep",
                "2027-01-01T00:00:00Z",
                "2026-12-05T06:30:00Z",
            )],
            ..Records::default()
        };
        let found = changed(&[("sleep", &[d(5)])]);
        assert_eq!(decide(&fresh, &found, at(NOW)), Decision::default());
        let old = Records {
            subscriptions: vec![subscription(
                "sleep",
                "2027-01-01T00:00:00Z",
                "2026-12-01T00:00:00Z",
            )],
            ..Records::default()
        };
        let decision = decide(&old, &found, at(NOW));
        assert_eq!(decision.put, vec![poll("sleep", &[d(5)], NOW)]);
        assert!(warning(&old, &decision.put).unwrap().contains("none of these has had a delivery"));
    }

    /// Days older than [`RECENT_DAYS`] (a backfill writing the past for the first time) are
    /// no sign of stopped deliveries: only the recent ones count.
    #[test]
    fn only_recent_days_count() {
        let records = Records { subscriptions: vec![live("sleep")], ..Records::default() };
        let old = jiff::civil::date(2026, 11, 27);
        assert_eq!(decide(&records, &changed(&[("sleep", &[old])]), at(NOW)), Decision::default());
        let decision = decide(&records, &changed(&[("sleep", &[old, d(1), d(5)])]), at(NOW));
        assert_eq!(decision.put, vec![poll("sleep", &[d(1), d(5)], NOW)]);
    }

    /// Types without a subscription (heartrate has no webhook) and expired subscriptions are
    /// never recorded: there is no delivery to expect.
    #[test]
    fn unsubscribed_and_expired_types_are_not_recorded() {
        let records = Records {
            subscriptions: vec![subscription(
                "sleep",
                "2026-12-04T00:00:00Z",
                "2026-11-01T00:00:00Z",
            )],
            ..Records::default()
        };
        let found = changed(&[("sleep", &[d(5)]), ("heartrate", &[d(5)])]);
        assert_eq!(decide(&records, &found, at(NOW)), Decision::default());
    }

    /// A standing record gains the new days (the newest [`MAX_DAYS`]) while deliveries stay
    /// stopped; a poll that changes nothing leaves it as it is.
    #[test]
    fn a_standing_record_grows_and_stays() {
        let mut records = Records {
            subscriptions: vec![live("sleep")],
            deliveries: vec![],
            polls: vec![poll("sleep", &[d(3)], "2026-12-04T07:00:00Z")],
        };
        let decision = decide(&records, &changed(&[("sleep", &[d(4), d(5)])]), at(NOW));
        assert_eq!(decision.put, vec![poll("sleep", &[d(3), d(4), d(5)], NOW)]);
        assert_eq!(decide(&records, &changed(&[]), at(NOW)), Decision::default());
        let many: Vec<Date> =
            (0..40).map(|n| jiff::civil::date(2026, 10, 1) + jiff::Span::new().days(n)).collect();
        records.polls = vec![poll("sleep", &many, "2026-12-04T07:00:00Z")];
        let decision = decide(&records, &changed(&[("sleep", &[d(5)])]), at(NOW));
        assert_eq!(decision.put[0].days.len(), MAX_DAYS);
        assert_eq!(decision.put[0].days.last(), Some(&d(5)));
    }

    /// A delivery after the record was found (deliveries resumed), or a subscription that
    /// lapsed, clears the record at the next poll; a record for a type no longer subscribed
    /// at all is cleared too.
    #[test]
    fn resumed_deliveries_or_lapsed_subscriptions_clear_the_record() {
        let standing = poll("sleep", &[d(3)], "2026-12-04T07:00:00Z");
        let resumed = Records {
            subscriptions: vec![live("sleep")],
            deliveries: vec![delivery("sleep", "2026-12-04T09:00:00Z")],
            polls: vec![standing.clone()],
        };
        assert!(!resumed.stopped("sleep", at(NOW)));
        let decision = decide(&resumed, &changed(&[("sleep", &[d(5)])]), at(NOW));
        assert_eq!(decision, Decision { put: vec![], clear: vec!["sleep".into()] });
        let lapsed = Records {
            subscriptions: vec![subscription(
                "sleep",
                "2026-12-05T00:00:00Z",
                "2026-10-01T00:00:00Z",
            )],
            polls: vec![standing.clone()],
            ..Records::default()
        };
        assert_eq!(decide(&lapsed, &changed(&[]), at(NOW)).clear, vec!["sleep".to_string()]);
        let gone = Records {
            subscriptions: vec![live("daily_sleep")],
            polls: vec![standing],
            ..Records::default()
        };
        assert_eq!(decide(&gone, &changed(&[]), at(NOW)).clear, vec!["sleep".to_string()]);
    }

    /// Several stopped types make one warning line naming them all, with the latest
    /// delivery among them.
    #[test]
    fn one_warning_names_every_stopped_type() {
        let records = Records {
            subscriptions: ["sleep", "daily_sleep", "workout"].map(live).to_vec(),
            deliveries: vec![
                delivery("sleep", "2026-12-01T06:00:00Z"),
                delivery("daily_sleep", "2026-12-02T06:00:00Z"),
            ],
            polls: vec![],
        };
        let found = changed(&[("sleep", &[d(5)]), ("daily_sleep", &[d(5)]), ("workout", &[])]);
        let decision = decide(&records, &found, at(NOW));
        let text = warning(&records, &decision.put).unwrap();
        assert!(text.contains("2 days of daily_sleep, sleep"), "{text}");
        assert!(text.contains("arrived 2026-12-02 06:00Z"), "{text}");
    }

    /// With every subscription deleted, what an earlier poll found is cleared by the next
    /// sync (it would otherwise stay in the ledger, and in `status`, for good), with no
    /// warning.
    #[tokio::test]
    async fn poll_records_go_with_the_last_subscription() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = AnyLedger::Local(crate::ledger::local::LocalLedger::for_lake(dir.path()));
        let found = poll("sleep", &[d(4)], "2026-12-04T07:00:00Z");
        state::put(&ledger, state::POLL, &found.name(), &found).await.unwrap();
        let head = crate::report::RunHead {
            run_id: "r".into(),
            window: crate::window::Window::new(d(5), d(5)),
            destination: "lake".into(),
            dry_run: false,
            sandbox: false,
            started_at: at(NOW),
            finished_at: at(NOW),
        };
        let report = RunReport::new(head, BTreeMap::new());
        assert!(after_poll(&ledger, &report, at(NOW)).await.is_empty());
        assert!(ledger.records(state::POLL).await.unwrap().is_empty());
    }
}
