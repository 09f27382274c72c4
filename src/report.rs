//! The run report (CONTRACT §5): what `--json` prints and the webhook posts, the human summary
//! printed on stdout (and sent as the notification), and the ledger's run entry; the one
//! constructor ([`RunReport::new`]) and the exit code a run stands for ([`run_exit_code`]).
//! Over 500 lines with its tests: the report and the text made of it change together.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use crate::datatype::DataType;
use crate::health::briefing::Briefing;
use crate::ledger::{Failure, RunEntry};
use crate::silver::SilverReport;
use crate::text::one_line;
use crate::webhooks::renewal::RenewedBySync;
use crate::window::Window;

/// Where the login command must run, in the login-needed line of the summary.
const LOGIN_COMMAND_NOTE: &str = "on the machine that runs the sync";

/// The version of the `--json` documents (the run report and `status --json`), raised when a
/// field is renamed or removed; adding a field keeps it. Their JSON Schemas are in `docs/`.
pub const SCHEMA_VERSION: u32 = 1;

/// The longest summary, in characters (a WhatsApp message must stay under 1,000).
pub const SUMMARY_LIMIT: usize = 1000;

/// The outcome of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Every type is ok, empty or skipped.
    Success,
    /// Some types failed, others were written.
    Partial,
    /// Nothing was written: every type failed, or the run stopped before fetching.
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
        }
    }
}

/// The outcome of one type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeStatus {
    /// Records were fetched (and written, unless a dry run).
    Ok,
    /// The type was fetched and had no record in the window.
    Empty,
    /// Not fetched, or refused by Oura for scope or membership: see `reason`.
    Skipped,
    /// Fetching or writing failed: see `error`.
    Failed,
}

/// One type's line of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TypeReport {
    pub status: TypeStatus,
    pub records: u64,
    pub days_written: u64,
    pub days_unchanged: u64,
    /// The one-line cause of a failure.
    pub error: Option<String>,
    /// Why a type was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Records that could not be filed (no usable day), set aside in `quarantine`.
    #[serde(skip_serializing_if = "is_zero")]
    pub rejected: u64,
    /// The key of the quarantine object under the lake (`_rejected/<type>/<run_id>.jsonl`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<String>,
    /// Documents Oura sent again under the same `id` with other bytes: the later one kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub revised: u64,
    /// Samples of one instant and source with different values: all of them kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub conflicting: u64,
    /// How the type went against the granted scopes, when they did not seem to cover it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The days whose object the run wrote, rewrote or removed (not in the JSON): what the
    /// webhooks' safety net compares with the deliveries ([`crate::webhooks::poll`]).
    #[serde(skip)]
    pub changed_days: Vec<Date>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl TypeReport {
    /// A line with `status` and nothing counted yet.
    pub fn with_status(status: TypeStatus) -> Self {
        Self {
            status,
            records: 0,
            days_written: 0,
            days_unchanged: 0,
            error: None,
            reason: None,
            rejected: 0,
            quarantine: None,
            revised: 0,
            conflicting: 0,
            note: None,
            changed_days: Vec::new(),
        }
    }

    pub fn skipped(reason: impl Into<String>) -> Self {
        Self { reason: Some(reason.into()), ..Self::with_status(TypeStatus::Skipped) }
    }

    pub fn failed(error: impl Into<String>) -> Self {
        Self { error: Some(error.into()), ..Self::with_status(TypeStatus::Failed) }
    }
}

/// The window of a run, its first and last day (`YYYY-MM-DD` in JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WindowReport {
    pub start: Date,
    pub end: Date,
}

impl From<Window> for WindowReport {
    fn from(window: Window) -> Self {
        Self { start: window.start, end: window.end }
    }
}

/// The whole report of a run.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    pub run_id: String,
    pub status: RunStatus,
    pub window: WindowReport,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub duration_ms: u64,
    pub destination: String,
    /// The time zone the run filed days in (the lake's recorded one; absent for a run that
    /// stopped before it was known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    pub dry_run: bool,
    pub sandbox: bool,
    pub types: BTreeMap<String, TypeReport>,
    pub objects_written: u64,
    pub requests: u64,
    /// A cause that stopped the whole run (login needed, destination unusable).
    pub error: Option<String>,
    /// True when the run needs a new `oura-sync auth` (exit 3).
    pub login_needed: bool,
    /// What the silver update after bronze did (absent when silver is off or nothing ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silver: Option<SilverReport>,
    /// The morning briefing of the window's last day, from the lake (`null` for a dry run, a
    /// run that stopped, or one that synced none of the briefing's types).
    pub briefing: Option<Briefing>,
    /// What the user should know though the run's status does not show it (webhook
    /// deliveries that stopped, …), one line each; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The renewal of the webhook subscriptions after the sync (absent when webhooks are not
    /// configured): its warnings are shown, never a change of status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhooks: Option<RenewedBySync>,
}

/// Which run a report is of, and when it ran: what every run report starts from.
#[derive(Clone, Debug)]
pub struct RunHead {
    pub run_id: String,
    pub window: Window,
    /// The lake as a user would write it.
    pub destination: String,
    pub dry_run: bool,
    pub sandbox: bool,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
}

impl RunReport {
    /// The report of `head`'s run with `types`: its status added up from them
    /// ([`overall_status`]), its duration from its two times, and nothing written, requested,
    /// failed as a whole or built after bronze; the caller sets whatever else it knows.
    pub fn new(head: RunHead, types: BTreeMap<String, TypeReport>) -> Self {
        let duration = head.finished_at.duration_since(head.started_at);
        Self {
            schema_version: SCHEMA_VERSION,
            run_id: head.run_id,
            status: overall_status(types.values()),
            window: head.window.into(),
            started_at: head.started_at,
            finished_at: head.finished_at,
            duration_ms: duration.as_millis().max(0) as u64,
            destination: head.destination,
            timezone: None,
            dry_run: head.dry_run,
            sandbox: head.sandbox,
            types,
            objects_written: 0,
            requests: 0,
            error: None,
            login_needed: false,
            silver: None,
            briefing: None,
            warnings: Vec::new(),
            webhooks: None,
        }
    }
}

/// The run status that a set of type outcomes adds up to.
pub fn overall_status<'a>(types: impl IntoIterator<Item = &'a TypeReport>) -> RunStatus {
    let (mut failed, mut fine) = (0, 0);
    for t in types {
        match t.status {
            TypeStatus::Failed => failed += 1,
            TypeStatus::Ok | TypeStatus::Empty => fine += 1,
            TypeStatus::Skipped => {}
        }
    }
    match (failed, fine) {
        (0, _) => RunStatus::Success,
        (_, 0) => RunStatus::Failed,
        _ => RunStatus::Partial,
    }
}

/// The exit code a finished run stands for: 3 when it needs a new login, 0 when it
/// succeeded, 1 otherwise.
pub fn run_exit_code(report: &RunReport) -> u8 {
    if report.login_needed {
        crate::error::EXIT_LOGIN
    } else if report.status == RunStatus::Success {
        crate::error::EXIT_OK
    } else {
        crate::error::EXIT_FAILED
    }
}

impl RunReport {
    /// The types of `types` that were fetched (a failed type may still have written some
    /// days), none that was skipped: those whose silver months a sync brings up to date.
    pub fn fetched_types(&self, types: &[DataType]) -> Vec<DataType> {
        types
            .iter()
            .copied()
            .filter(|t| self.types.get(t.name()).is_some_and(|r| r.status != TypeStatus::Skipped))
            .collect()
    }

    /// Removes every known secret and control character from the report's texts (causes and
    /// reasons may quote a server), before it is printed, stored or sent.
    pub fn scrub(&mut self) {
        let clean = |text: &mut Option<String>| {
            if let Some(t) = text {
                *t = crate::scrub::scrub(t);
            }
        };
        clean(&mut self.error);
        for t in self.types.values_mut() {
            clean(&mut t.error);
            clean(&mut t.reason);
        }
        if let Some(silver) = &mut self.silver {
            clean(&mut silver.error);
        }
        for warning in &mut self.warnings {
            *warning = crate::scrub::scrub(warning);
        }
        if let Some(webhooks) = &mut self.webhooks {
            for warning in &mut webhooks.warnings {
                *warning = crate::scrub::scrub(warning);
            }
        }
    }

    /// Types that failed, with their causes, in report order, then silver (as type `silver`)
    /// when it failed.
    pub fn failures(&self) -> Vec<Failure> {
        let mut failures: Vec<Failure> = self
            .ordered_types()
            .filter(|(_, t)| t.status == TypeStatus::Failed)
            .map(|(name, t)| Failure {
                data_type: name.to_string(),
                error: t.error.clone().unwrap_or_default(),
            })
            .collect();
        if let Some(error) = self.silver.as_ref().and_then(|s| s.error.clone()) {
            failures.push(Failure { data_type: "silver".into(), error });
        }
        failures
    }

    /// Adds the silver update's outcome: a silver failure makes a successful run partial
    /// (bronze is written; exit 1 so that it is seen, and the next run repairs it).
    pub fn add_silver(&mut self, silver: SilverReport) {
        if silver.failed() && self.status == RunStatus::Success {
            self.status = RunStatus::Partial;
        }
        self.silver = Some(silver);
    }

    /// The types in the canonical order of [`DataType::ALL`] (unknown names last).
    fn ordered_types(&self) -> impl Iterator<Item = (&str, &TypeReport)> {
        let mut types: Vec<_> = self.types.iter().map(|(n, t)| (n.as_str(), t)).collect();
        types.sort_by_key(|(n, _)| DataType::rank_of(n));
        types.into_iter()
    }

    /// The ledger's run entry for this report.
    pub fn to_run_entry(&self, notify_status: &str) -> RunEntry {
        RunEntry {
            run_id: self.run_id.clone(),
            status: self.status.as_str().to_string(),
            window_start: self.window.start,
            window_end: self.window.end,
            started_at: self.started_at,
            finished_at: self.finished_at,
            duration_ms: self.duration_ms,
            counts: self.types.iter().map(|(n, t)| (n.clone(), t.records)).collect(),
            failures: self.failures(),
            objects_written: self.objects_written,
            notify_status: notify_status.to_string(),
            complete_types: self
                .types
                .iter()
                .filter(|(_, t)| matches!(t.status, TypeStatus::Ok | TypeStatus::Empty))
                .map(|(name, _)| name.clone())
                .collect(),
        }
    }

    /// The short human summary: the status first, then records per type, then what was
    /// skipped and what failed with its cause; under [`SUMMARY_LIMIT`] characters, in WhatsApp
    /// markup (`*bold*`), the same text on stdout and in a notification.
    pub fn summary(&self) -> String {
        let icon = match self.status {
            RunStatus::Success => "✅",
            RunStatus::Partial => "⚠️",
            RunStatus::Failed => "❌",
        };
        let mut head = format!(
            "{icon} *Oura sync {}* {} → {} ({:.1} s)",
            self.status.as_str(),
            self.window.start,
            self.window.end,
            self.duration_ms as f64 / 1000.0
        );
        if self.dry_run {
            head.push_str(" [dry run: nothing written]");
        }
        if self.sandbox {
            head.push_str(" [sandbox]");
        }
        let mut lines = vec![head];
        if let Some(briefing) = &self.briefing {
            lines.extend(briefing.lines());
        }
        if self.login_needed {
            // The one thing to do, on a line of its own so a cut error line cannot hide it.
            lines.push(format!("🔑 *Login needed:* run `oura-sync auth` ({LOGIN_COMMAND_NOTE})"));
        }
        if let Some(error) = &self.error {
            lines.push(format!("❌ {}", one_line(error, 200)));
        }
        let mut counts = Vec::new();
        let mut notes = Vec::new();
        // Types that failed with the run's own error are counted, not each given its line.
        let mut failed_with_run_error = 0;
        for (name, t) in self.ordered_types() {
            if t.status == TypeStatus::Failed && self.error.is_some() && t.error == self.error {
                failed_with_run_error += 1;
                continue;
            }
            match t.status {
                TypeStatus::Ok | TypeStatus::Empty => counts.push(format!("{name}: {}", t.records)),
                TypeStatus::Skipped => notes.push(format!(
                    "⏭️ {name}: skipped, {}",
                    one_line(t.reason.as_deref().unwrap_or("no reason given"), 100)
                )),
                TypeStatus::Failed => notes.push(format!(
                    "❌ {name}: {}",
                    one_line(t.error.as_deref().unwrap_or("failed"), 140)
                )),
            }
        }
        match &self.silver {
            Some(silver) if silver.failed() => notes.push(format!(
                "❌ silver: {}; run `oura-sync silver` or the next sync to repair it",
                one_line(silver.error.as_deref().unwrap_or("failed"), 140)
            )),
            Some(silver) if silver.months_written > 0 => {
                counts.push(format!("silver: {} month files updated", silver.months_written))
            }
            _ => {}
        }
        if let Some(webhooks) = &self.webhooks {
            // Warnings, not failures: listed after them, and the status stands.
            for warning in &webhooks.warnings {
                notes.push(format!("⚠️ webhooks: {}", one_line(warning, 400)));
            }
            if webhooks.renewed > 0 {
                counts.push(format!("webhooks: {} subscriptions renewed", webhooks.renewed));
            }
        }
        if failed_with_run_error > 0 {
            let types = if failed_with_run_error == 1 { "type" } else { "types" };
            notes.push(format!("❌ {failed_with_run_error} {types} failed with it"));
        }
        notes.extend(self.warnings.iter().map(|w| format!("⚠️ {}", one_line(w, 400))));
        // Failures matter more than counts when space runs out: list them first after the head.
        notes.sort_by_key(|n| !n.starts_with('❌'));
        lines.extend(notes);
        lines.extend(counts);
        fit_lines(lines, SUMMARY_LIMIT)
    }
}

/// Joins lines, dropping the last ones (and saying how many) when the text would reach `limit`
/// characters.
fn fit_lines(lines: Vec<String>, limit: usize) -> String {
    let total = lines.len();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let left = total - i - 1;
        let tail = if left > 0 { format!("\n… and {} more", left + 1) } else { String::new() };
        let needed = out.chars().count() + line.chars().count() + 1;
        if i > 0 && needed + tail.chars().count() >= limit {
            let _ = write!(out, "\n… and {} more", total - i);
            return out;
        }
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(records: u64) -> TypeReport {
        TypeReport {
            records,
            days_written: 1,
            ..TypeReport::with_status(if records > 0 { TypeStatus::Ok } else { TypeStatus::Empty })
        }
    }

    fn report(types: BTreeMap<String, TypeReport>) -> RunReport {
        let head = RunHead {
            run_id: "r1".into(),
            window: Window::new(jiff::civil::date(2026, 11, 17), jiff::civil::date(2026, 11, 23)),
            destination: "./oura-lake".into(),
            dry_run: false,
            sandbox: false,
            started_at: Timestamp::UNIX_EPOCH,
            finished_at: Timestamp::UNIX_EPOCH,
        };
        RunReport {
            duration_ms: 1400,
            objects_written: 3,
            requests: 5,
            ..RunReport::new(head, types)
        }
    }

    #[test]
    fn status_adds_up_from_the_types() {
        let fail = TypeReport::failed("boom");
        let skip = TypeReport::skipped("scope");
        assert_eq!(overall_status([&ok(1), &skip]), RunStatus::Success);
        assert_eq!(overall_status([&ok(1), &fail]), RunStatus::Partial);
        assert_eq!(overall_status([&skip, &fail]), RunStatus::Failed);
        assert_eq!(overall_status([&ok(0)]), RunStatus::Success);
    }

    #[test]
    fn summary_puts_status_first_then_failures_then_counts() {
        let mut types = BTreeMap::new();
        types.insert("heartrate".into(), ok(2016));
        types.insert("daily_sleep".into(), ok(7));
        types.insert("sleep".into(), TypeReport::failed("HTTP 500 after 5 attempts\nbody"));
        let text = report(types).summary();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[0], "⚠️ *Oura sync partial* 2026-11-17 → 2026-11-23 (1.4 s)");
        assert_eq!(lines[1], "❌ sleep: HTTP 500 after 5 attempts body");
        assert_eq!(lines[2], "daily_sleep: 7");
        assert_eq!(lines[3], "heartrate: 2016");
    }

    #[test]
    fn a_long_summary_is_cut_under_the_limit_with_a_count() {
        let mut types = BTreeMap::new();
        for t in DataType::ALL {
            types.insert(t.name().to_string(), TypeReport::failed("x".repeat(300)));
        }
        let text = report(types).summary();
        assert!(text.chars().count() < SUMMARY_LIMIT, "{}", text.chars().count());
        assert!(text.lines().last().unwrap().starts_with("… and "), "{text}");
        assert!(text.lines().next().unwrap().contains("failed"));
    }

    #[test]
    fn the_briefing_follows_the_status_line_and_survives_a_long_summary() {
        let mut types = BTreeMap::new();
        for t in DataType::ALL {
            types.insert(t.name().to_string(), TypeReport::failed("x".repeat(300)));
        }
        let mut r = report(types);
        let figure = |value| crate::health::briefing::Figure {
            value: Some(value),
            median_30d: Some(value - 2.0),
            delta: Some(2.0),
        };
        r.briefing = Some(Briefing {
            day: jiff::civil::date(2026, 11, 23),
            readiness: Some(figure(82.0)),
            sleep_score: None,
            total_sleep_hours: None,
            average_hrv_ms: Some(figure(45.0)),
            lowest_heart_rate_bpm: None,
            energy: None,
            stale: None,
        });
        let text = r.summary();
        assert!(text.chars().count() < SUMMARY_LIMIT, "{}", text.chars().count());
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[1], "🌅 *Mon 23 Nov*: Readiness 82 (+2)");
        assert_eq!(lines[2], "💓 HRV 45 ms (+2)");
        assert!(lines[3].starts_with("❌ daily_activity: "), "{text}");
    }

    #[test]
    fn a_login_needed_run_says_to_run_auth_on_the_second_line() {
        let mut r = report(BTreeMap::new());
        r.status = RunStatus::Failed;
        r.login_needed = true;
        r.error =
            Some(format!("Oura refused the refresh token (invalid_grant); {}", "x".repeat(300)));
        let text = r.summary();
        let lines: Vec<_> = text.lines().collect();
        assert!(lines[0].starts_with("❌ *Oura sync failed*"), "{text}");
        assert!(lines[1].contains("run `oura-sync auth`"), "{text}");
        assert!(lines[2].starts_with("❌ Oura refused the refresh token"), "{text}");
    }

    /// Pins down that a webhook renewal warning is shown after the failures and before the
    /// counts, and leaves the run's status as it was.
    #[test]
    fn a_webhook_warning_is_listed_without_changing_the_status() {
        let mut types = BTreeMap::new();
        types.insert("daily_sleep".into(), ok(7));
        let mut r = report(types);
        r.webhooks = Some(RenewedBySync {
            renewed: 2,
            warnings: vec!["cannot renew webhook subscription create.sleep: HTTP 500".into()],
        });
        assert_eq!(r.status, RunStatus::Success);
        let text = r.summary();
        let lines: Vec<_> = text.lines().collect();
        assert!(lines[0].starts_with("✅"), "{text}");
        assert_eq!(
            lines[1],
            "⚠️ webhooks: cannot renew webhook subscription create.sleep: HTTP 500"
        );
        assert!(text.contains("webhooks: 2 subscriptions renewed"), "{text}");
    }

    #[test]
    fn a_silver_failure_makes_the_run_partial_and_is_listed() {
        let mut types = BTreeMap::new();
        types.insert("daily_sleep".into(), ok(7));
        let mut r = report(types);
        r.add_silver(SilverReport { error: Some("disk full".into()), ..Default::default() });
        assert_eq!(r.status, RunStatus::Partial);
        assert!(r.summary().contains("❌ silver: disk full"), "{}", r.summary());
        assert_eq!(r.failures()[0].data_type, "silver");
    }

    /// A warning (webhook deliveries that stopped) reaches the summary, after the failures,
    /// without changing the run's status.
    #[test]
    fn warnings_reach_the_summary_without_changing_the_status() {
        let mut types = BTreeMap::new();
        types.insert("daily_sleep".into(), ok(7));
        let mut r = report(types);
        r.warnings.push("webhook deliveries have stopped: …".into());
        assert_eq!(r.status, RunStatus::Success);
        let text = r.summary();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[1], "⚠️ webhook deliveries have stopped: …", "{text}");
        assert_eq!(lines[2], "daily_sleep: 7");
    }
}
