//! The subscription operations behind `webhooks subscribe|list|renew|delete` and the daily
//! sync's renewal: what to create, what is due for renewal, what to delete (pure decisions,
//! tested beside them), carried out through the [`SubscriptionClient`] and recorded in the
//! ledger ([`super::state::SUBSCRIPTION`]) so that `status` shows the expiry without
//! credentials.
//!
//! Every subscription the operation concerned is a [`Line`] with its outcome, failures with
//! their one-line cause: nothing is left half-said, and a command's exit code is read from
//! the lines ([`Outcome::failed`]).

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

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
const IN_FLIGHT: usize = 4;

/// How long the daily sync's renewal may take in all: it runs after the sync's own work, so
/// it must leave room before a Lambda's deadline (whose wrap-up allows 15 s).
pub const SYNC_RENEW_BUDGET: Duration = Duration::from_secs(10);

/// What happened to one subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Made now.
    Created,
    /// There already (`subscribe`, `list`).
    Existing,
    /// Renewed now.
    Renewed,
    /// Not due for renewal.
    NotDue,
    /// Deleted now.
    Deleted,
    /// A type that has webhooks has no subscription for this event (`list`).
    Missing,
    /// Oura said no, after the retries: see `error`.
    Failed,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Existing => "exists",
            Outcome::Renewed => "renewed",
            Outcome::NotDue => "not due",
            Outcome::Deleted => "deleted",
            Outcome::Missing => "missing",
            Outcome::Failed => "failed",
        }
    }
}

/// One subscription's line of a command's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    /// `<event_type>.<data_type>`.
    pub key: String,
    pub outcome: Outcome,
    /// Oura's id (absent for one that is missing or failed to be made).
    pub id: Option<String>,
    pub callback_url: Option<String>,
    pub expiration_time: Option<Timestamp>,
    /// The one-line cause of a failure.
    pub error: Option<String>,
}

impl Line {
    fn of(subscription: &Subscription, outcome: Outcome) -> Self {
        Line {
            key: subscription.key(),
            outcome,
            id: Some(subscription.id.clone()),
            callback_url: Some(subscription.callback_url.clone()),
            expiration_time: Some(subscription.expiration_time),
            error: None,
        }
    }

    fn failed(subscription: &Subscription, error: String) -> Self {
        Line { error: Some(error), ..Line::of(subscription, Outcome::Failed) }
    }
}

/// What an operation did: a line per subscription, and whether the ledger took it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub lines: Vec<Line>,
    /// Why the subscriptions could not be recorded in the ledger (`status` and the daily
    /// renewal then know less than Oura does).
    pub record_error: Option<String>,
}

impl Report {
    /// True when a subscription failed or the ledger could not record them: exit 1.
    pub fn failed(&self) -> bool {
        self.record_error.is_some() || self.lines.iter().any(|l| l.outcome == Outcome::Failed)
    }

    /// How many lines have `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.lines.iter().filter(|l| l.outcome == outcome).count()
    }

    /// The human answer: a line of counts, then one line per subscription (failures first,
    /// each with its cause).
    pub fn render(&self, head: &str, now: Timestamp) -> String {
        let mut counts: Vec<String> = Vec::new();
        for outcome in [
            Outcome::Created,
            Outcome::Existing,
            Outcome::Renewed,
            Outcome::NotDue,
            Outcome::Deleted,
            Outcome::Missing,
            Outcome::Failed,
        ] {
            let n = self.count(outcome);
            if n > 0 {
                counts.push(format!("{n} {}", outcome.label()));
            }
        }
        let icon = if self.failed() {
            "❌"
        } else if self.count(Outcome::Missing) > 0 {
            "⚠️"
        } else {
            "✅"
        };
        let counts = if counts.is_empty() { "none".to_string() } else { counts.join(", ") };
        let mut out = format!("{icon} {head}: {counts}\n");
        let mut lines: Vec<&Line> = self.lines.iter().collect();
        lines.sort_by_key(|l| (l.outcome != Outcome::Failed, l.key.clone()));
        for line in lines {
            let mut text = format!("  {:<8} {}", line.outcome.label(), line.key);
            if let Some(at) = line.expiration_time {
                text.push_str(&format!(", {}", expiry_phrase(at, now)));
            }
            if let Some(url) = &line.callback_url {
                text.push_str(&format!(", → {url}"));
            }
            if let Some(id) = &line.id {
                text.push_str(&format!(" (id {id})"));
            }
            if let Some(error) = &line.error {
                text.push_str(&format!(": {}", crate::text::one_line(error, 240)));
            }
            out.push_str(&text);
            out.push('\n');
        }
        if let Some(error) = &self.record_error {
            out.push_str(&format!(
                "❌ not recorded in the ledger: {error}; `oura-sync webhooks list` records them again\n"
            ));
        }
        out
    }
}

/// "expires 2026-12-30T10:00:00Z (in 25 days)" or "expired … (2 days ago)".
pub fn expiry_phrase(at: Timestamp, now: Timestamp) -> String {
    let at_text = at.strftime("%Y-%m-%dT%H:%M:%SZ");
    if at > now {
        format!("expires {at_text} (in {})", span_words(now.duration_until(at)))
    } else {
        format!("expired {at_text} ({} ago)", span_words(at.duration_until(now)))
    }
}

/// A duration in the largest whole unit that fits: days, hours or minutes.
fn span_words(d: SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    let (n, unit) = match secs {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s => (s / 60, "minute"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

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
    let wanted = records_of(subscriptions, preferred_url, Timestamp::now());
    let result: anyhow::Result<()> = async {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, url: &str, event: &str, data_type: &str, expires: &str) -> Subscription {
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

    /// Pins down the human answer: counts first, failures before the rest, each with cause.
    #[test]
    fn the_answer_counts_then_lists_failures_first() {
        let now: Timestamp = "2026-12-05T00:00:00Z".parse().unwrap();
        let ok = sub("1", "https://x/", "create", "tag", "2027-01-04T00:00:00Z");
        let report = Report {
            lines: vec![
                Line::of(&ok, Outcome::Created),
                Line {
                    key: "delete.tag".into(),
                    outcome: Outcome::Failed,
                    id: None,
                    callback_url: Some("https://x/".into()),
                    expiration_time: None,
                    error: Some("HTTP 400: verification failed".into()),
                },
            ],
            record_error: None,
        };
        assert!(report.failed());
        let text = report.render("webhooks subscribe", now);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "❌ webhooks subscribe: 1 created, 1 failed");
        assert!(lines[1].starts_with("  failed   delete.tag, → https://x/"), "{text}");
        assert!(lines[1].ends_with(": HTTP 400: verification failed"), "{text}");
        assert!(lines[2].contains("expires 2027-01-04T00:00:00Z (in 30 days)"), "{text}");
    }
}
