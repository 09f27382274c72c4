//! The subscription operations behind `webhooks subscribe|list|renew|delete`: what to
//! create, what is due for renewal, what to delete (pure decisions, tested beside them),
//! carried out through the [`SubscriptionClient`] and recorded in the ledger
//! ([`super::state::SUBSCRIPTION`]) so that `status` shows the expiry without credentials.
//!
//! Every subscription the operation concerned is a [`Line`] with its outcome, failures with
//! their one-line cause: nothing is left half-said, and a command's exit code is read from
//! the lines ([`Report::failed`]).

use std::collections::BTreeMap;

use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};

use super::answer::{Line, Outcome, Report};
use super::client::{ManageError, Subscription, SubscriptionClient, Wanted};
use super::data_type::{EventType, from_webhook_name, with_webhooks};
use super::state::{self, SubscriptionRecord};
use crate::datatype::DataType;
use crate::ledger::{AnyLedger, Ledger};
use crate::secret::Secret;

/// Renewal looks this many days ahead by default (`webhooks renew`, the daily sync): a
/// week of daily runs to get a renewal through before a subscription lapses.
pub const DEFAULT_RENEW_WITHIN_DAYS: u32 = 7;

/// Creations, renewals and deletions in flight at once: Oura calls the callback during each
/// creation, so a few at a time keeps a small receiver comfortable.
pub(super) const IN_FLIGHT: usize = 4;

/// The subscriptions `subscribe --url` wants: every type of `types` that has webhooks, for
/// each event type, in type order.
pub fn wanted(callback_url: &str, types: &[DataType]) -> Vec<Wanted> {
    with_webhooks(types)
        .into_iter()
        .flat_map(|data_type| {
            EventType::ALL.into_iter().map(move |event_type| Wanted {
                callback_url: callback_url.to_string(),
                event_type,
                data_type,
            })
        })
        .collect()
}

/// Splits `wanted` into those `existing` already has (same callback, event and type) and
/// those to create.
pub fn missing<'a>(
    wanted: &'a [Wanted],
    existing: &'a [Subscription],
) -> (Vec<&'a Subscription>, Vec<&'a Wanted>) {
    let mut have = Vec::new();
    let mut make = Vec::new();
    for w in wanted {
        match existing.iter().find(|s| s.matches(w)) {
            Some(s) => have.push(s),
            None => make.push(w),
        }
    }
    (have, make)
}

/// True when `subscription` expires before `now + within` (or has expired).
pub fn is_due(expiration_time: Timestamp, now: Timestamp, within: SignedDuration) -> bool {
    expiration_time <= now.saturating_add(within).unwrap_or(Timestamp::MAX)
}

/// The keys (`<event>.<type>`) of `types` with webhooks that no subscription of `existing`
/// covers, whatever its callback.
pub fn lacking(types: &[DataType], existing: &[Subscription]) -> Vec<String> {
    let have: std::collections::HashSet<String> = existing.iter().map(Subscription::key).collect();
    wanted("", types).iter().map(Wanted::key).filter(|k| !have.contains(k)).collect()
}

/// The window `within_days` days long.
pub fn days(within_days: u32) -> SignedDuration {
    SignedDuration::from_hours(24 * i64::from(within_days))
}

/// `subscribe --url`: creates the wanted subscriptions the app lacks, a few at a time,
/// renews those that exist but have expired, and records every subscription of the app. The list must be read first; a failure there
/// (credentials refused, Oura down) is the command's error.
pub async fn subscribe(
    client: &SubscriptionClient,
    ledger: &AnyLedger,
    verification_token: &Secret,
    callback_url: &str,
    types: &[DataType],
) -> Result<Report, ManageError> {
    let existing = client.list().await?;
    let wanted = wanted(callback_url, types);
    let (have, make) = missing(&wanted, &existing);
    // One that exists but has expired gets no deliveries: it is renewed, not left as is.
    let now = Timestamp::now();
    let (expired, live): (Vec<&Subscription>, Vec<&Subscription>) =
        have.into_iter().partition(|s| s.expiration_time <= now);
    let mut lines: Vec<Line> = live.iter().map(|s| Line::of(s, Outcome::Existing)).collect();
    let mut known: Vec<Subscription> =
        existing.iter().filter(|s| !expired.iter().any(|e| e.id == s.id)).cloned().collect();
    for (old, result) in renew_each(client, expired).await {
        match result {
            Ok(s) => {
                lines.push(Line::of(&s, Outcome::Renewed));
                known.push(s);
            }
            Err(e) => lines.push(Line::failed(old, crate::scrub::scrub(&e.to_string()))),
        }
    }
    let made: Vec<(&Wanted, Result<Subscription, ManageError>)> = futures_util::stream::iter(
        make.into_iter().map(|w| async move { (w, client.create(w, verification_token).await) }),
    )
    .buffered(IN_FLIGHT)
    .collect()
    .await;
    for (w, result) in made {
        match result {
            Ok(s) => {
                lines.push(Line::of(&s, Outcome::Created));
                known.push(s);
            }
            Err(e) => lines.push(Line {
                key: w.key(),
                outcome: Outcome::Failed,
                id: None,
                callback_url: Some(w.callback_url.clone()),
                expiration_time: None,
                error: Some(crate::scrub::scrub(&e.to_string())),
            }),
        }
    }
    let record_error = record_all(ledger, &known, Some(callback_url)).await.err();
    Ok(Report { lines, record_error })
}

/// `list`: every subscription of the app, then a `missing` line for each (event, type) of
/// `types` with webhooks that none covers; records them all.
pub async fn list(
    client: &SubscriptionClient,
    ledger: &AnyLedger,
    types: &[DataType],
) -> Result<Report, ManageError> {
    let existing = client.list().await?;
    let mut lines: Vec<Line> = existing.iter().map(|s| Line::of(s, Outcome::Existing)).collect();
    lines.extend(lacking(types, &existing).into_iter().map(|key| Line {
        key,
        outcome: Outcome::Missing,
        id: None,
        callback_url: None,
        expiration_time: None,
        error: None,
    }));
    let record_error = record_all(ledger, &existing, None).await.err();
    Ok(Report { lines, record_error })
}

/// `renew`: renews the app's subscriptions expiring within `within` of `now`, and records
/// them all.
pub async fn renew(
    client: &SubscriptionClient,
    ledger: &AnyLedger,
    within: SignedDuration,
    now: Timestamp,
) -> Result<Report, ManageError> {
    let existing = client.list().await?;
    let (due, not_due): (Vec<&Subscription>, Vec<&Subscription>) =
        existing.iter().partition(|s| is_due(s.expiration_time, now, within));
    let mut lines: Vec<Line> = not_due.iter().map(|s| Line::of(s, Outcome::NotDue)).collect();
    let mut known: Vec<Subscription> = not_due.into_iter().cloned().collect();
    for (old, result) in renew_each(client, due).await {
        match result {
            Ok(s) => {
                lines.push(Line::of(&s, Outcome::Renewed));
                known.push(s);
            }
            Err(e) => {
                // Gone at Oura: it is not recorded again.
                if !matches!(e, ManageError::NoSuchSubscription { .. }) {
                    known.push(old.clone());
                }
                lines.push(Line::failed(old, crate::scrub::scrub(&e.to_string())));
            }
        }
    }
    let record_error = record_all(ledger, &known, None).await.err();
    Ok(Report { lines, record_error })
}

/// Renews each of `due`, a few at a time.
async fn renew_each<'a>(
    client: &SubscriptionClient,
    due: Vec<&'a Subscription>,
) -> Vec<(&'a Subscription, Result<Subscription, ManageError>)> {
    futures_util::stream::iter(
        due.into_iter().map(|s| async move { (s, client.renew(&s.id).await) }),
    )
    .buffered(IN_FLIGHT)
    .collect()
    .await
}

/// Which subscriptions `delete` removes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteTarget {
    /// These ids.
    Ids(Vec<String>),
    /// Every subscription with this callback.
    Url(String),
    /// Every subscription of the app.
    All,
}

/// `delete`: removes the targeted subscriptions and records what is left. An id that the
/// list does not hold is tried all the same (Oura's 403 says it does not exist).
pub async fn delete(
    client: &SubscriptionClient,
    ledger: &AnyLedger,
    target: &DeleteTarget,
) -> Result<Report, ManageError> {
    let existing = client.list().await?;
    // Each id to delete, with what the list says of it (nothing for an id it does not hold).
    let chosen: Vec<(&str, Option<&Subscription>)> = match target {
        DeleteTarget::All => existing.iter().map(|s| (s.id.as_str(), Some(s))).collect(),
        DeleteTarget::Url(url) => existing
            .iter()
            .filter(|s| &s.callback_url == url)
            .map(|s| (s.id.as_str(), Some(s)))
            .collect(),
        DeleteTarget::Ids(ids) => {
            ids.iter().map(|id| (id.as_str(), existing.iter().find(|s| &s.id == id))).collect()
        }
    };
    let results = futures_util::stream::iter(
        chosen.into_iter().map(|(id, s)| async move { (id, s, client.delete(id).await) }),
    )
    .buffered(IN_FLIGHT)
    .collect::<Vec<_>>()
    .await;
    let mut lines = Vec::new();
    let mut gone = std::collections::HashSet::new();
    for (id, listed, result) in results {
        let mut line = match listed {
            Some(s) => Line::of(s, Outcome::Deleted),
            None => Line {
                key: format!("id {id}"),
                outcome: Outcome::Deleted,
                id: Some(id.to_string()),
                callback_url: None,
                expiration_time: None,
                error: None,
            },
        };
        match result {
            Ok(()) => {
                gone.insert(id.to_string());
            }
            Err(e) => {
                line.outcome = Outcome::Failed;
                line.error = Some(crate::scrub::scrub(&e.to_string()));
            }
        }
        lines.push(line);
    }
    let left: Vec<Subscription> =
        existing.iter().filter(|s| !gone.contains(&s.id)).cloned().collect();
    let record_error = record_all(ledger, &left, None).await.err();
    Ok(Report { lines, record_error })
}

/// One subscription record per (event, type) oura-sync syncs, from the app's whole list:
/// where several share a key, the one at `preferred_url`, else the one expiring last.
pub fn records_of(
    subscriptions: &[Subscription],
    preferred_url: Option<&str>,
    now: Timestamp,
) -> BTreeMap<String, SubscriptionRecord> {
    let mut best: BTreeMap<String, &Subscription> = BTreeMap::new();
    for s in subscriptions {
        if from_webhook_name(&s.data_type).is_none() || s.event_type.parse::<EventType>().is_err() {
            continue;
        }
        let rank =
            |s: &Subscription| (Some(s.callback_url.as_str()) == preferred_url, s.expiration_time);
        best.entry(s.key())
            .and_modify(|b| {
                if rank(s) > rank(b) {
                    *b = s;
                }
            })
            .or_insert(s);
    }
    best.into_iter()
        .map(|(name, s)| {
            // Only types we sync are here (filtered above); the record holds our name.
            let data_type = from_webhook_name(&s.data_type)
                .map_or_else(|| s.data_type.clone(), |t| t.name().into());
            let record = SubscriptionRecord {
                id: s.id.clone(),
                callback_url: s.callback_url.clone(),
                event_type: s.event_type.clone(),
                data_type,
                expiration_time: s.expiration_time,
                recorded_at: now,
                first_seen_at: Some(now),
            };
            (name, record)
        })
        .collect()
}

/// Makes the ledger's subscription records say what `subscriptions` (the app's whole list)
/// say: each written, and the records of subscriptions no longer there removed.
async fn record_all(
    ledger: &AnyLedger,
    subscriptions: &[Subscription],
    preferred_url: Option<&str>,
) -> Result<(), String> {
    let mut wanted = records_of(subscriptions, preferred_url, Timestamp::now());
    let result: anyhow::Result<()> = async {
        // A subscription already recorded keeps the time it was first seen.
        for (name, old) in state::all::<SubscriptionRecord>(ledger, state::SUBSCRIPTION).await? {
            if let Some(record) = wanted.get_mut(&name)
                && record.id == old.id
            {
                record.first_seen_at = Some(old.first_seen());
            }
        }
        for (name, record) in &wanted {
            state::put(ledger, state::SUBSCRIPTION, name, record).await?;
        }
        for old in ledger.records(state::SUBSCRIPTION).await? {
            if !wanted.contains_key(&old.name) {
                ledger.delete_record(state::SUBSCRIPTION, &old.name).await?;
            }
        }
        Ok(())
    }
    .await;
    result.map_err(|e| crate::scrub::scrub(&format!("{e:#}")))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A subscription as Oura lists it (also the answer module's tests' helper).
    pub(in crate::webhooks) fn sub(
        id: &str,
        url: &str,
        event: &str,
        data_type: &str,
        expires: &str,
    ) -> Subscription {
        Subscription {
            id: id.into(),
            callback_url: url.into(),
            event_type: event.into(),
            data_type: data_type.into(),
            expiration_time: expires.parse().unwrap(),
        }
    }

    /// Pins down that subscribe wants every type with webhooks × the three events (48 for
    /// all 19 types), and nothing for heartrate.
    #[test]
    fn every_type_with_webhooks_is_wanted_for_each_event() {
        let all = wanted("https://x/hook", DataType::ALL);
        assert_eq!(all.len(), 48);
        assert!(all.iter().all(|w| w.data_type != DataType::Heartrate));
        assert_eq!(wanted("u", &[DataType::Heartrate]).len(), 0);
        let keys: Vec<String> = wanted("u", &[DataType::Sleep]).iter().map(Wanted::key).collect();
        assert_eq!(keys, ["create.sleep", "update.sleep", "delete.sleep"]);
    }

    /// Pins down the comparison with the list: the same callback, event and type exists;
    /// another callback does not count.
    #[test]
    fn only_the_same_callback_event_and_type_counts_as_existing() {
        let want = wanted("https://x/hook", &[DataType::Tag]);
        let existing = [
            sub("1", "https://x/hook", "create", "tag", "2027-01-01T00:00:00Z"),
            sub("2", "https://old/hook", "update", "tag", "2027-01-01T00:00:00Z"),
        ];
        let (have, make) = missing(&want, &existing);
        assert_eq!(have.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["1"]);
        let make: Vec<String> = make.iter().map(|w| w.key()).collect();
        assert_eq!(make, ["update.tag", "delete.tag"]);
    }

    /// Pins down the renewal horizon: due when expiring within the window or already expired.
    #[test]
    fn due_means_expiring_within_the_window() {
        let now: Timestamp = "2026-12-05T00:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert!(is_due(at("2026-12-11T23:00:00Z"), now, days(7)));
        assert!(!is_due(at("2026-12-12T01:00:00Z"), now, days(7)));
        assert!(is_due(at("2026-12-01T00:00:00Z"), now, days(7)));
        assert!(!is_due(at("2026-12-05T01:00:00Z"), now, days(0)));
    }

    /// Pins down which (event, type) `list` reports missing, whatever the callback.
    #[test]
    fn lacking_lists_the_uncovered_pairs() {
        let existing = [
            sub("1", "https://a/", "create", "sleep", "2027-01-01T00:00:00Z"),
            sub("2", "https://b/", "update", "sleep", "2027-01-01T00:00:00Z"),
        ];
        assert_eq!(lacking(&[DataType::Sleep, DataType::Heartrate], &existing), ["delete.sleep"]);
    }

    /// Pins down the records: one per key, the preferred callback first, else the later
    /// expiry; types we do not sync (`meal`) are not recorded.
    #[test]
    fn one_record_per_key_preferring_the_callback_then_the_later_expiry() {
        let now: Timestamp = "2026-12-05T00:00:00Z".parse().unwrap();
        let subs = [
            sub("a", "https://old/", "create", "sleep", "2027-03-01T00:00:00Z"),
            sub("b", "https://new/", "create", "sleep", "2027-01-01T00:00:00Z"),
            sub("c", "https://old/", "update", "sleep", "2027-01-01T00:00:00Z"),
            sub("d", "https://old/", "update", "sleep", "2027-02-01T00:00:00Z"),
            sub("m", "https://new/", "create", "meal", "2027-02-01T00:00:00Z"),
        ];
        let preferred = records_of(&subs, Some("https://new/"), now);
        assert_eq!(preferred.keys().collect::<Vec<_>>(), ["create.sleep", "update.sleep"]);
        assert_eq!(preferred["create.sleep"].id, "b");
        assert_eq!(preferred["update.sleep"].id, "d");
        assert_eq!(records_of(&subs, None, now)["create.sleep"].id, "a");
        assert_eq!(preferred["create.sleep"].name(), "create.sleep");
    }

    /// Recording the app's list again keeps, for a subscription already recorded (same id),
    /// the time it was first seen; a new id under the same name starts from now.
    #[tokio::test]
    async fn a_subscription_keeps_the_time_it_was_first_seen() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = AnyLedger::Local(crate::ledger::local::LocalLedger::for_lake(dir.path()));
        let first = sub("a", "https://x/", "create", "sleep", "2027-01-01T00:00:00Z");
        record_all(&ledger, std::slice::from_ref(&first), None).await.unwrap();
        let read = || async {
            let all = state::all::<SubscriptionRecord>(&ledger, state::SUBSCRIPTION).await;
            all.unwrap().into_iter().next().unwrap().1
        };
        let seen = read().await.first_seen_at.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        record_all(&ledger, std::slice::from_ref(&first), None).await.unwrap();
        let again = read().await;
        assert_eq!(again.first_seen_at, Some(seen));
        assert!(again.recorded_at > seen);
        let replaced = sub("b", "https://x/", "create", "sleep", "2027-01-02T00:00:00Z");
        record_all(&ledger, &[replaced], None).await.unwrap();
        assert!(read().await.first_seen_at.unwrap() > seen);
    }
}
