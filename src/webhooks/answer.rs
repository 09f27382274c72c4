//! What a `webhooks` command answers: one [`Line`] per subscription with its [`Outcome`]
//! (and the cause of a failure), gathered in a [`Report`] that is printed as text or JSON and
//! gives the exit code ([`Report::failed`]), and the words of an expiry.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::client::Subscription;

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
    /// The line of `subscription` with `outcome`.
    pub fn of(subscription: &Subscription, outcome: Outcome) -> Self {
        Line {
            key: subscription.key(),
            outcome,
            id: Some(subscription.id.clone()),
            callback_url: Some(subscription.callback_url.clone()),
            expiration_time: Some(subscription.expiration_time),
            error: None,
        }
    }

    /// The failed line of `subscription`, with the cause.
    pub fn failed(subscription: &Subscription, error: String) -> Self {
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
pub fn span_words(d: SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    let (n, unit) = match secs {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s => (s / 60, "minute"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::subscriptions::tests::sub;

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
