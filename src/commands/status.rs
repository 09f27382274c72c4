//! `oura-sync status`: the login's expiry, the last runs, and per data type the last day in
//! the lake with its record count and age, read from the ledger.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use serde::Serialize;

use crate::auth::TokenStore;
use crate::auth::store::load_if_any;
use crate::config::{Config, StatusConfig};
use crate::datatype::DataType;
use crate::error::UserError;
use crate::ledger::{DayEntry, Ledger, RunEntry};
#[cfg(feature = "parquet")]
use crate::silver::bronze::BronzeSource;
use crate::silver::index::Verdict;
use crate::store::ObjectStore;
use crate::text::age;
use crate::webhooks::health::Health;
use crate::webhooks::poll::Records;

/// Runs shown by `status`.
const RECENT_RUNS: usize = 5;

/// `status --json` (docs/status.schema.json): per type, an entry keyed by the type's name,
/// as in the run report.
#[derive(Serialize)]
struct Status {
    schema_version: u32,
    /// Where the login is kept (the tokens file's path).
    tokens_file: String,
    login: Option<Login>,
    /// `OURA_ACCESS_TOKEN` is set (in the environment or the env file).
    #[serde(skip)]
    access_token_set: bool,
    ledger: String,
    /// The layout the lake is read and written in (`OURA_LAYOUT`).
    layout: &'static str,
    /// The ledger's form: `local`, `pk/sk` or `ingestion-log`.
    ledger_form: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    silver: Option<String>,
    runs: Vec<RunEntry>,
    types: BTreeMap<&'static str, TypeFreshness>,
    /// The webhook subscriptions the ledger records, per type, with warnings (absent when
    /// none is recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    webhooks: Option<crate::webhooks::overview::Overview>,
    /// The webhook deliveries and the daily sync as their safety net (README, Webhooks: the
    /// daily sync is the safety net); absent when the lake has no subscription.
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_deliveries: Option<Health>,
}

#[derive(Serialize)]
struct Login {
    expires_at: Option<Timestamp>,
    can_refresh: bool,
    scope: Option<String>,
}

#[derive(Serialize)]
struct TypeFreshness {
    last_day: Option<DayEntry>,
    /// The newest silver month file (absent when silver is off).
    #[serde(skip_serializing_if = "Option::is_none")]
    silver: Option<SilverFreshness>,
}

#[derive(Serialize)]
struct SilverFreshness {
    /// `YYYY-MM` of the newest month file, if any.
    last_month: Option<String>,
    written_at: Option<Timestamp>,
    /// The months whose file does not stand for bronze, and why (the next sync rebuilds them).
    not_current: BTreeMap<String, Verdict>,
}

/// Runs `status` and returns the exit code.
pub async fn exec(config: &Config, status: &StatusConfig) -> anyhow::Result<u8> {
    // A destination the user named (flag or setting) that does not exist is a typo: exit 2. The
    // default `./oura-lake` missing means "nothing synced yet", and status still shows the
    // login and "Runs: none yet", which is what a new user checks right after `auth`.
    super::require_named_lake(&status.lake.place)?;
    let aws = super::Aws::new(&config.aws);
    let (store, ledger) = super::backends(&status.lake, &aws).await?;
    // A destination that is a file, a missing bucket or table, or an unreadable ledger is a
    // configuration error (exit 2), said as plainly as `sync` says it. Both checks only read.
    store.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
    ledger.check().await.map_err(|e| UserError::usage(format!("{e:#}")))?;
    // A damaged ledger file is rebuilt from the lake's objects (with a warning), not a stop.
    crate::ops::repair::heal_damaged(&store, &ledger).await?;
    let login_store = super::token_store(config, &aws).await?;
    let login = load_if_any(&login_store).await?.map(|v| v.tokens).map(|t| Login {
        expires_at: t.expires_at,
        can_refresh: t.refresh_token.is_some(),
        scope: t.scopes().map(|s| s.into_iter().collect::<Vec<_>>().join(" ")),
    });
    let silver = match &status.silver {
        Some(place) => Some(super::silver_backend(place, &aws).await?),
        None => None,
    };
    let runs = ledger.recent_runs(RECENT_RUNS).await?;
    let mut types = BTreeMap::new();
    for &data_type in DataType::ALL {
        let silver = match &silver {
            None => None,
            #[cfg(not(feature = "parquet"))]
            Some(_) => None,
            #[cfg(feature = "parquet")]
            Some(silver) => {
                let latest = silver.latest(data_type).await?;
                let source = BronzeSource::Ledger { ledger: &ledger, store: &store };
                let not_current = crate::silver::survey(silver, &source, data_type)
                    .await?
                    .into_iter()
                    .filter(|(_, verdict)| *verdict != Verdict::Current)
                    .map(|(month, verdict)| (month.to_string(), verdict))
                    .collect();
                Some(SilverFreshness {
                    last_month: latest.as_ref().map(|l| l.month.to_string()),
                    written_at: latest.and_then(|l| l.written_at),
                    not_current,
                })
            }
        };
        let last_day = ledger.last_day_with_records(data_type).await?;
        types.insert(data_type.name(), TypeFreshness { last_day, silver });
    }
    let webhooks = crate::webhooks::overview::read(&ledger, Timestamp::now()).await?;
    let webhook_deliveries = Health::of(&Records::read(&ledger).await?, Timestamp::now());
    let report = Status {
        schema_version: crate::report::SCHEMA_VERSION,
        tokens_file: login_store.location(),
        login,
        access_token_set: config.access_token.is_some(),
        ledger: ledger.describe(),
        layout: status.lake.layout.name(),
        ledger_form: ledger.form(),
        silver: silver.as_ref().map(|s| s.describe()),
        runs,
        types,
        webhooks,
        webhook_deliveries,
    };
    if status.json {
        crate::stdout::print(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        crate::stdout::print(&render(&report, Timestamp::now()))?;
    }
    Ok(0)
}

fn render(status: &Status, now: Timestamp) -> String {
    let mut out = String::new();
    match &status.login {
        None if status.access_token_set => {
            let _ = writeln!(out, "Login: OURA_ACCESS_TOKEN (cannot be refreshed)");
        }
        // The lake's runs logged in some other way (another machine, OURA_ACCESS_TOKEN in
        // their environment): say so, rather than only that a login is missing.
        None if !status.runs.is_empty() => {
            let _ = writeln!(
                out,
                "Login: none here ({} missing; the runs below had theirs, such as an \
                 OURA_ACCESS_TOKEN not set now); to sync from here, run `oura-sync auth`",
                status.tokens_file
            );
        }
        None => {
            let _ =
                writeln!(out, "Login: none ({} missing); run `oura-sync auth`", status.tokens_file);
        }
        Some(login) => {
            let expiry = match login.expires_at {
                Some(at) if at > now => format!("expires {at} (in {})", age(now, at)),
                Some(at) => format!("expired {at} ({} ago)", age(at, now)),
                None => "expiry unknown".to_string(),
            };
            let refresh = if login.can_refresh { "refreshable" } else { "no refresh token" };
            let _ =
                writeln!(out, "Login: {}, access token {expiry}, {refresh}", status.tokens_file);
        }
    }
    let _ = writeln!(out, "Layout: {}", status.layout);
    let _ = writeln!(out, "Ledger: {}", status.ledger);
    if status.runs.is_empty() {
        let _ = writeln!(out, "Runs: none yet; run `oura-sync sync`");
    } else {
        let _ = writeln!(out, "Last runs:");
        for run in &status.runs {
            let records: u64 = run.counts.values().sum();
            let _ = writeln!(
                out,
                "  {}  {:<7}  {}..{}  {:>6} records  {:.1} s{}{}",
                run.started_at.strftime("%Y-%m-%d %H:%M:%SZ"),
                run.status,
                run.window_start,
                run.window_end,
                records,
                run.duration_ms as f64 / 1000.0,
                match run.notify_status.as_str() {
                    "disabled" | "none" | "" => String::new(),
                    status => format!("  notify: {status}"),
                },
                if run.failures.is_empty() {
                    String::new()
                } else {
                    format!(
                        "  failed: {}",
                        run.failures
                            .iter()
                            .map(|f| f.data_type.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            );
        }
    }
    match &status.silver {
        Some(silver) => {
            let _ = writeln!(out, "Silver: {silver}");
        }
        None => {
            let _ = writeln!(out, "Silver: off");
        }
    }
    let _ = writeln!(out, "Data types (last day with records; newest silver month):");
    for (name, t) in
        DataType::ALL.iter().filter_map(|d| Some(d.name()).zip(status.types.get(d.name())))
    {
        let silver = match &t.silver {
            None => String::new(),
            Some(SilverFreshness { last_month: None, not_current, .. }) => {
                format!("  silver: none{}", not_current_text(not_current))
            }
            Some(SilverFreshness { last_month: Some(month), written_at, not_current }) => format!(
                "  silver: {month}{}{}",
                written_at.map(|at| format!(", built {} ago", age(at, now))).unwrap_or_default(),
                not_current_text(not_current)
            ),
        };
        match &t.last_day {
            Some(d) => {
                let _ = writeln!(
                    out,
                    "  {:<26} {}  {:>5} records  synced {} ago{silver}",
                    name,
                    d.day,
                    d.record_count,
                    age(d.synced_at, now)
                );
            }
            None => {
                let _ = writeln!(out, "  {name:<26} never{silver}");
            }
        }
    }
    if let Some(webhooks) = &status.webhooks {
        render_webhooks(&mut out, webhooks, now);
    }
    if let Some(deliveries) = &status.webhook_deliveries {
        out.push_str(&deliveries.lines(now));
    }
    out
}

/// The webhooks section: per type its subscribed events and their first expiry, then the
/// warnings.
fn render_webhooks(
    out: &mut String,
    webhooks: &crate::webhooks::overview::Overview,
    now: Timestamp,
) {
    let _ = writeln!(out, "Webhooks (subscriptions the ledger records; first expiry):");
    for (name, t) in &webhooks.types {
        let events = t.events().join(" ");
        let expiry = t
            .first_expiry()
            .map(|at| crate::webhooks::answer::expiry_phrase(at, now))
            .unwrap_or_default();
        let _ = writeln!(out, "  {name:<26} {events:<20} {expiry}");
    }
    for warning in &webhooks.warnings {
        let _ = writeln!(out, "⚠️ {warning}");
    }
}

/// `; 2 months not current (2026-01 missing, 2026-11 damaged): the next sync rebuilds them`,
/// or nothing when every month is current.
fn not_current_text(months: &BTreeMap<String, Verdict>) -> String {
    if months.is_empty() {
        return String::new();
    }
    let listed: Vec<String> = months
        .iter()
        .take(3)
        .map(|(month, verdict)| format!("{month} {}", verdict_name(*verdict)))
        .collect();
    let more = if months.len() > 3 { ", …" } else { "" };
    let count = match months.len() {
        1 => "1 month".to_string(),
        n => format!("{n} months"),
    };
    format!("; {count} not current ({}{more}): the next sync rebuilds them", listed.join(", "))
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Current => "current",
        Verdict::Missing => "missing",
        Verdict::Stale => "stale",
        Verdict::Damaged => "damaged",
    }
}
