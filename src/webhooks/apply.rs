//! Deliveries applied exactly: each document named is fetched (`/v2/usercollection/<type>/
//! <id>`), its day found by the pipeline's own day rules in the lake's zone, and the days
//! that held it before found in the lake; then each type is re-synced over those days through
//! the sync operation ([`crate::ops::sync::run`]: the same pipeline, silver and ledger as any
//! sync), so the day's object stays exact and an unchanged object is not rewritten.
//!
//! - `create`/`update`: the document's day; when that day's object does not hold its id yet
//!   and the event is an update, the days around it ([`MOVE_SEARCH_DAYS`] before, two after)
//!   that hold the id (a moved document), so the day it left is rewritten without it.
//! - `delete`, or a document Oura answers 404 for: the day holding the id, searched newest
//!   first from the event's day back [`DELETE_SEARCH_DAYS`] days. The id is given to the
//!   pipeline as gone, so a day left empty by it is removed rather than kept.
//! - Days of one type go into one window (the span of its days; a date collection answers a
//!   span of up to 90 days in one query), types with the same window into one run; a burst
//!   of deliveries about one day is one fetch per document and one run.
//!
//! Nothing is dropped: the work of a document that could not be fetched, of a type whose
//! re-sync failed, or of a batch that found the lake busy comes back as [`Applied::left`],
//! for the caller to record as pending ([`super::pending`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use super::data_type::EventType;
use super::pending;
use super::queue::{Batch, Work};
use crate::account::{Account, Login};
use crate::datatype::{DataType, RangeKind};
use crate::ledger::Ledger;
use crate::oura::day_merge::record_id;
use crate::oura::records::file_by_day;
use crate::oura::{FetchError, OuraClient};
use crate::pipeline::{RunTrigger, SyncJob};
use crate::report::{RunReport, TypeStatus};
use crate::runtime::Runtime;
use crate::store::ObjectStore;
use crate::window::{Window, local_day, start_of_day};

/// Days before a document's (or its event's) day searched for the day an updated document
/// left; two days after are searched too.
pub const MOVE_SEARCH_DAYS: i64 = 14;

/// Days before a delete's event searched for the day that held the document.
pub const DELETE_SEARCH_DAYS: i64 = 31;

/// The longest window of one re-sync (a date collection's one query).
const MAX_WINDOW_DAYS: i64 = crate::window::MAX_DATE_COLLECTION_DAYS;

/// What a batch came to.
#[derive(Debug, Default)]
pub struct Applied {
    /// The reports of the runs made, in order.
    pub reports: Vec<RunReport>,
    /// What is not applied yet (to record as pending).
    pub left: Batch,
    /// Requests sent to find the documents' days.
    pub fetched: usize,
    /// Why `left` is not applied, for its pending records.
    pub reason: String,
    /// Pending records written for `left` ([`Target::apply_recorded`]).
    pub recorded: usize,
}

/// Takes the lake's locks for a batch's runs (the caller knows the login's token store and
/// how long to wait); what it returns is held until the runs end.
#[allow(async_fn_in_trait)]
pub trait Gate {
    type Held;
    async fn enter(&self) -> anyhow::Result<Self::Held>;
}

/// Where the work happens: the process's runtime, the account (its notifiers should be the
/// quiet ones: a webhook run tells only of failures), and the poll's job as a template (its
/// sandbox, pieces in flight and dashboard setting).
pub struct Target<'a> {
    pub runtime: &'a Runtime,
    pub account: &'a Account,
    pub template: &'a SyncJob,
}

/// The days a batch's documents are on, per type, and the ids known gone from where they were.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    pub days: BTreeMap<DataType, BTreeSet<Date>>,
    pub gone: BTreeMap<DataType, BTreeSet<String>>,
    /// The day each document was found on (now, or last, for one that is gone).
    pub placed: BTreeMap<DataType, BTreeMap<String, Date>>,
}

impl Target<'_> {
    /// Applies `batch` (see the module doc), holding `gate`'s locks for the runs.
    pub async fn apply(&self, batch: Batch, gate: &impl Gate) -> Applied {
        let mut applied = Applied::default();
        let tokens = match &self.account.login {
            Login::Ready(tokens) => Arc::clone(tokens),
            Login::Needed(reason) => {
                tracing::error!(error = %reason, "No usable Oura login; the deliveries stay pending.");
                applied.left = batch;
                applied.reason = "no usable Oura login".into();
                return applied;
            }
        };
        let client = OuraClient::new(
            self.runtime.http.clone(),
            self.runtime.pacer.clone(),
            self.runtime.client.clone(),
            self.template.sandbox,
            tokens,
        )
        .stop_chains_on(self.runtime.cancel.clone());
        let mut resolved = Resolved::default();
        let mut held_ids = HeldIds::default();
        for (&data_type, work) in &batch.types {
            match self.resolve(&client, &mut held_ids, data_type, work).await {
                Ok(found) => {
                    resolved.days.entry(data_type).or_default().extend(found.days);
                    resolved.gone.entry(data_type).or_default().extend(found.gone);
                    resolved.placed.entry(data_type).or_default().extend(found.placed);
                }
                Err(cause) => {
                    tracing::warn!(r#type = %data_type, %cause, "Cannot find the days of a delivery yet; it stays pending.");
                    applied.left.types.insert(data_type, work.clone());
                    applied.reason = format!("cannot fetch the document: {cause}");
                }
            }
        }
        applied.fetched = client.requests() as usize;
        let jobs = jobs(&resolved, self.template);
        if jobs.is_empty() {
            return applied;
        }
        let held = tokio::select! {
            held = gate.enter() => held,
            () = self.runtime.cancel.cancelled() => Err(anyhow::anyhow!("the receiver stopped")),
        };
        let _held = match held {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "The lake is busy; the deliveries stay pending.");
                applied.reason =
                    format!("the lake was busy: {}", crate::text::one_line(&format!("{e:#}"), 200));
                let types = jobs.iter().flat_map(|j| j.types.iter());
                applied.left.merge(self.left_of(&batch, types, &resolved));
                return applied;
            }
        };
        for job in jobs {
            if self.runtime.cancel.is_cancelled() {
                applied.left.merge(self.left_of(&batch, job.types.iter(), &resolved));
                applied.reason = "the receiver stopped".into();
                continue;
            }
            tracing::info!(window = %job.window, types = ?job.types.iter().map(|t| t.name()).collect::<Vec<_>>(), "Applying deliveries.");
            let report = crate::ops::sync::run(self.runtime, self.account, &job).await;
            for &data_type in &job.types {
                // Skipped (Oura refuses the type) is as done as it gets: trying again would
                // only be refused again, and the poll says so.
                let ok = report.types.get(data_type.name()).is_some_and(|t| {
                    matches!(t.status, TypeStatus::Ok | TypeStatus::Empty | TypeStatus::Skipped)
                });
                if !ok || report.login_needed {
                    applied.reason = match report.types.get(data_type.name()) {
                        Some(t) => t.error.clone().unwrap_or_else(|| "the re-sync failed".into()),
                        None => "the re-sync failed".into(),
                    };
                    applied.left.merge(self.left_of(&batch, [data_type].iter(), &resolved));
                }
            }
            applied.reports.push(report);
        }
        applied
    }

    /// Applies `batch` with the pending records of earlier runs (see [`Self::apply`]), and
    /// keeps the ledger's account: the last delivery per type recorded, the pending records
    /// applied removed, what is left recorded as pending. `left` comes back empty once it is
    /// recorded; not empty, the ledger could not take it, and the caller must keep it.
    pub async fn apply_recorded(&self, batch: Batch, gate: &impl Gate) -> Applied {
        let ledger = &self.account.lake.ledger;
        let tz = &self.account.timezone;
        if let Err(e) = pending::record_last(ledger, &batch.last).await {
            tracing::warn!(error = %format!("{e:#}"), "Cannot record the last delivery.");
        }
        let (taken, mut all) = match pending::load(ledger, tz).await {
            Ok(loaded) => loaded,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "Cannot read the pending deliveries.");
                Default::default()
            }
        };
        if !taken.is_empty() {
            tracing::info!(pending = taken.len(), "Applying the deliveries left pending.");
        }
        all.merge(batch);
        all.last.clear();
        if all.is_empty() {
            return Applied::default();
        }
        let mut applied = self.apply(all, gate).await;
        if let Err(e) = pending::clear(ledger, &taken, &applied.left, tz).await {
            tracing::warn!(error = %format!("{e:#}"), "Cannot remove the pending deliveries applied; the next run applies them again.");
        }
        if !applied.left.is_empty() {
            let left = std::mem::take(&mut applied.left);
            match self.set_aside(&left, &applied.reason).await {
                Ok(count) => applied.recorded = count,
                Err(_) => applied.left = left,
            }
        }
        applied
    }

    /// Records `batch` as pending for `reason` (the next run applies it); the error is
    /// logged and returned.
    pub async fn set_aside(&self, batch: &Batch, reason: &str) -> anyhow::Result<usize> {
        let ledger = &self.account.lake.ledger;
        if let Err(e) = pending::record_last(ledger, &batch.last).await {
            tracing::warn!(error = %format!("{e:#}"), "Cannot record the last delivery.");
        }
        match pending::record(ledger, batch, &self.account.timezone, Timestamp::now(), reason).await
        {
            Ok(count) => {
                if count > 0 {
                    tracing::warn!(records = count, %reason, "Deliveries recorded as pending; the next run applies them.");
                }
                Ok(count)
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "Cannot record deliveries as pending.");
                Err(e)
            }
        }
    }

    /// The days one type's documents are on now and were on before, and the ids gone from a
    /// day; an error when a document cannot be fetched (Oura unreachable, a refusal).
    async fn resolve(
        &self,
        client: &OuraClient,
        held_ids: &mut HeldIds,
        data_type: DataType,
        work: &Work,
    ) -> Result<TypeDays, String> {
        let tz = &self.account.timezone;
        let mut days = work.days.clone();
        let mut gone = BTreeSet::new();
        let mut placed = BTreeMap::new();
        let snapshot = matches!(data_type.range(), RangeKind::Snapshot | RangeKind::BareSnapshot);
        for (id, named) in &work.objects {
            let event_day = local_day(named.at, tz);
            if snapshot {
                // A snapshot is filed under the day it is fetched on.
                days.insert(local_day(Timestamp::now(), tz));
                continue;
            }
            let document = match named.event {
                EventType::Delete => None,
                _ => match client.fetch_document(data_type, id).await {
                    Ok(document) => document,
                    // Refused (scope, membership): never pending, the poll reports it.
                    Err(FetchError::Denied { status, detail }) => {
                        tracing::warn!(r#type = %data_type, status, %detail, "Oura refuses a delivered document; left to the poll.");
                        continue;
                    }
                    Err(e) => return Err(e.to_string()),
                },
            };
            let Some(document) = document else {
                // Gone: the day that held it, newest first.
                let search =
                    Window::new(event_day - DELETE_SEARCH_DAYS.days(), event_day + 2.days());
                let found = self.days_holding(held_ids, data_type, id, search, true).await?;
                if let Some(&day) = found.first() {
                    placed.insert(id.clone(), day);
                }
                days.extend(found);
                gone.insert(id.clone());
                continue;
            };
            let filed = file_by_day(data_type, vec![document], Window::all_time(), tz);
            let Some(&day) = filed.by_day.keys().next() else {
                // A document the pipeline would quarantine: the poll of its day says so.
                tracing::warn!(r#type = %data_type, "A delivered document cannot be filed under a day.");
                days.insert(event_day);
                continue;
            };
            days.insert(day);
            placed.insert(id.clone(), day);
            if named.event == EventType::Create
                || !self
                    .days_holding(held_ids, data_type, id, Window::new(day, day), true)
                    .await?
                    .is_empty()
            {
                continue;
            }
            let search = Window::new(
                day.min(event_day) - MOVE_SEARCH_DAYS.days(),
                day.max(event_day) + 2.days(),
            );
            let before = self.days_holding(held_ids, data_type, id, search, false).await?;
            if !before.is_empty() {
                tracing::info!(r#type = %data_type, %day, from = ?before, "A delivered document moved; re-syncing the day it left too.");
                gone.insert(id.clone());
            }
            days.extend(before);
        }
        Ok(TypeDays { days, gone, placed })
    }

    /// The work of `types` in `batch`, to record as pending: each document under the day it
    /// was found on (so the record names the day whose data waits), else its event's.
    fn left_of<'a>(
        &self,
        batch: &Batch,
        types: impl Iterator<Item = &'a DataType>,
        resolved: &Resolved,
    ) -> Batch {
        let mut left = batch_of(batch, types);
        let tz = &self.account.timezone;
        for (data_type, work) in &mut left.types {
            let Some(placed) = resolved.placed.get(data_type) else { continue };
            for (id, named) in &mut work.objects {
                if let Some(&day) = placed.get(id) {
                    named.at = start_of_day(day, tz) + jiff::SignedDuration::from_hours(12);
                }
            }
        }
        left
    }

    /// The days of `window` whose objects hold `id` (newest first; only the first when
    /// `first`), each object read once per batch.
    async fn days_holding(
        &self,
        held_ids: &mut HeldIds,
        data_type: DataType,
        id: &str,
        window: Window,
        first: bool,
    ) -> Result<Vec<Date>, String> {
        let lake = &self.account.lake;
        let entries = lake
            .ledger
            .days(data_type, window)
            .await
            .map_err(|e| format!("cannot read the ledger: {e:#}"))?;
        let mut found = Vec::new();
        for (day, entry) in entries.into_iter().rev() {
            if entry.record_count == 0 || entry.object_key.is_empty() {
                continue;
            }
            let ids = match held_ids.0.get(&entry.object_key) {
                Some(ids) => ids,
                None => {
                    let records = lake
                        .store
                        .records(&entry.object_key)
                        .await
                        .map_err(|e| format!("{e:#}"))?
                        .unwrap_or_default();
                    let ids = records.iter().filter_map(|r| record_id(r)).collect();
                    held_ids.0.entry(entry.object_key.clone()).or_insert(ids)
                }
            };
            if ids.contains(id) {
                found.push(day);
                if first {
                    break;
                }
            }
        }
        Ok(found)
    }
}

/// What one type's documents came to (see [`Target::resolve`]).
struct TypeDays {
    days: BTreeSet<Date>,
    gone: BTreeSet<String>,
    placed: BTreeMap<String, Date>,
}

/// The ids each object read holds, by key (one read per object per batch).
#[derive(Default)]
struct HeldIds(HashMap<String, HashSet<String>>);

/// The part of `batch` about `types`.
fn batch_of<'a>(batch: &Batch, types: impl Iterator<Item = &'a DataType>) -> Batch {
    let mut part = Batch::default();
    for data_type in types {
        if let Some(work) = batch.types.get(data_type) {
            part.types.insert(*data_type, work.clone());
        }
    }
    part
}

/// The runs that apply `resolved`: per type, the span of its days (cut into windows of at
/// most [`MAX_WINDOW_DAYS`]), types with the same window in one run; each run is the
/// template's job over that window with those types, never resumed, with the gone ids.
pub fn jobs(resolved: &Resolved, template: &SyncJob) -> Vec<SyncJob> {
    let mut by_window: BTreeMap<Window, Vec<DataType>> = BTreeMap::new();
    for (&data_type, days) in &resolved.days {
        let (Some(&first), Some(&last)) = (days.first(), days.last()) else { continue };
        for window in Window::new(first, last).split(MAX_WINDOW_DAYS) {
            // Only the windows that hold a day to re-sync.
            if days.range(window.start..=window.end).next().is_some() {
                by_window.entry(window).or_default().push(data_type);
            }
        }
    }
    by_window
        .into_iter()
        .map(|(window, types)| {
            let gone = types
                .iter()
                .flat_map(|t| resolved.gone.get(t).into_iter().flatten().cloned())
                .collect();
            // A delivery's run: the safety net's poll records are the poll's alone.
            let trigger = RunTrigger::Webhook;
            SyncJob {
                window,
                types,
                dry_run: false,
                resume: false,
                gone,
                trigger,
                ..template.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn template() -> SyncJob {
        SyncJob {
            window: Window::new(date(2027, 1, 1), date(2027, 1, 1)),
            types: DataType::ALL.to_vec(),
            dry_run: false,
            sandbox: false,
            units_in_flight: 3,
            resume: true,
            dashboard_in_lake: false,
            trigger: RunTrigger::Poll,
            gone: Vec::new(),
        }
    }

    /// Types whose days span the same window share a run; each type's days become one
    /// window (a moved document's two days, the days between), never resumed, with the gone
    /// ids of its types.
    #[test]
    fn days_become_one_window_per_type_and_one_run_per_window() {
        let mut resolved = Resolved::default();
        let day = date(2027, 1, 15);
        resolved.days.insert(DataType::DailyActivity, [day].into());
        resolved.days.insert(DataType::DailySleep, [day].into());
        resolved.days.insert(DataType::Tag, [date(2027, 1, 10), day].into());
        resolved.gone.insert(DataType::Tag, ["t-1".to_string()].into());
        let jobs = jobs(&resolved, &template());
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].window, Window::new(date(2027, 1, 10), day));
        assert_eq!(jobs[0].types, [DataType::Tag]);
        assert_eq!(jobs[0].gone, ["t-1"]);
        assert_eq!(jobs[1].window, Window::new(day, day));
        assert_eq!(jobs[1].types, [DataType::DailyActivity, DataType::DailySleep]);
        assert!(jobs[1].gone.is_empty());
        assert!(jobs.iter().all(|j| !j.resume && !j.dry_run));
        // A delivery's runs are no poll: they record nothing for the safety net.
        assert!(jobs.iter().all(|j| j.trigger == RunTrigger::Webhook));
    }

    /// Days further apart than one query's span are cut into windows, and the windows in
    /// between with no day are left out.
    #[test]
    fn far_apart_days_are_separate_windows() {
        let mut resolved = Resolved::default();
        resolved.days.insert(DataType::Tag, [date(2026, 1, 1), date(2027, 1, 1)].into());
        let jobs = jobs(&resolved, &template());
        assert_eq!(jobs.len(), 2);
        assert!(jobs[0].window.contains(date(2026, 1, 1)));
        assert!(jobs[1].window.contains(date(2027, 1, 1)));
        assert!(jobs.iter().all(|j| j.window.len_days() <= MAX_WINDOW_DAYS));
    }
}
