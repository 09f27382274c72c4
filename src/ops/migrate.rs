//! `oura-sync migrate`: re-filing a lake's objects exactly under a new time zone or layout,
//! resumably.
//!
//! - **Time zone**: the days of `heartrate` and `ring_battery_level` are local dates of each
//!   sample's instant, so every object of those types is read, the samples re-filed under
//!   their dates in the new zone by the sync's own rules ([`file_by_day`]: a sample sent twice
//!   is kept once, two values of one instant and source are both kept), each new day written,
//!   then each old day that no sample is filed under any more removed. Documents are filed
//!   by their own `day` and do not move.
//! - **Layout**: every object of every type is read in the old layout and written in the new
//!   one, recorded in the ledger under its new key, then the old object is removed.
//!
//! Progress lives in the lake's identity record ([`crate::ledger::Migration`]): the target,
//! and each type once it is done. A migration killed half-way leaves every sample in at least
//! one object (new days are written before old ones are removed), and running the same
//! command again re-reads what is there and finishes: re-filing the union of what the objects
//! hold is the same whatever part was done before. Until it is finished, every sync is
//! refused (exit 2) with the command that finishes it.

use std::collections::BTreeMap;

use anyhow::Context;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::value::RawValue;

use super::repair::listed_days;
use crate::datatype::DataType;
use crate::error::UserError;
use crate::lake_identity::zone_name;
use crate::ledger::{AnyLedger, DayEntry, LakeIdentity, Ledger, Migration};
use crate::oura::records::file_by_day;
use crate::store::{AnyStore, ObjectStore};
use crate::window::Window;

/// The lake as it is and as it will be: for a time-zone migration both are the same store.
pub struct Sides<'a> {
    pub old_store: &'a AnyStore,
    pub new_store: &'a AnyStore,
    /// The ledger under the new layout's names (the same ledger for a local or pk/sk table).
    pub ledger: &'a AnyLedger,
}

/// What a migration did, per type: objects written and objects removed.
#[derive(Debug, Default)]
pub struct MigrateReport {
    pub from: (String, String),
    pub to: (String, String),
    pub written: u64,
    pub removed: u64,
    /// The types re-filed (the silver tables of these are rebuilt after).
    pub types: Vec<DataType>,
    /// The first and last day of the objects re-filed.
    pub span: Option<Window>,
}

/// Migrates the lake recorded as `identity` to `layout` and `timezone` (see the module doc),
/// writing progress into the identity record as it goes.
pub async fn run(
    sides: &Sides<'_>,
    mut identity: LakeIdentity,
    layout: &str,
    timezone: &TimeZone,
    run_id: &str,
) -> anyhow::Result<MigrateReport> {
    let zone = zone_name(timezone);
    let target = Migration { layout: layout.to_string(), timezone: zone.clone(), done: Vec::new() };
    match &identity.migration {
        Some(under_way)
            if (&under_way.layout, &under_way.timezone) != (&target.layout, &target.timezone) =>
        {
            return Err(UserError::usage(format!(
                "another migration of this lake (to layout {}, time zone {}) is under way; \
                 finish it first with `{}`",
                under_way.layout,
                under_way.timezone,
                crate::lake_identity::migrate_command(
                    &identity,
                    &under_way.layout,
                    &under_way.timezone
                )
            )));
        }
        Some(_) => tracing::info!("Resuming the migration under way."),
        None => {
            identity.migration = Some(target);
            sides.ledger.put_identity(&identity).await.context("cannot record the migration")?;
        }
    }
    let mut report = MigrateReport {
        from: (identity.layout.clone(), identity.timezone.clone()),
        to: (layout.to_string(), zone.clone()),
        ..Default::default()
    };
    let relayout = identity.layout != layout;
    let rezone = zone_name(&TimeZone::get(&identity.timezone).unwrap_or(TimeZone::UTC)) != zone;
    for &data_type in DataType::ALL {
        let done = identity
            .migration
            .as_ref()
            .is_some_and(|m| m.done.iter().any(|t| t == data_type.name()));
        if !done {
            let (written, removed, span) = if relayout {
                relayout_type(sides, data_type, run_id).await?
            } else if rezone && data_type.is_series() {
                rezone_type(sides, data_type, timezone, run_id).await?
            } else {
                (0, 0, None)
            };
            if let Some(span) = span {
                report.span = super::repair::widen(report.span, [span.start, span.end]);
            }
            if written + removed > 0 {
                report.types.push(data_type);
            }
            report.written += written;
            report.removed += removed;
            identity.migration.as_mut().expect("set above").done.push(data_type.name().to_string());
            sides
                .ledger
                .put_identity(&identity)
                .await
                .context("cannot record the migration's progress")?;
        }
    }
    identity.layout = layout.to_string();
    identity.timezone = zone;
    identity.migration = None;
    identity.recorded_at = Timestamp::now();
    sides.ledger.put_identity(&identity).await.context("cannot record the lake's new values")?;
    Ok(report)
}

/// Reads every record of the objects `keys` of `store`; a body that does not decode stops
/// the migration, naming its key (a damaged object must not be re-filed as fewer records).
async fn read_all(
    store: &AnyStore,
    keys: impl Iterator<Item = &String>,
) -> anyhow::Result<Vec<Box<RawValue>>> {
    let mut records = Vec::new();
    for key in keys {
        if let Some(held) = store.records(key).await? {
            records.extend(held);
        }
    }
    Ok(records)
}

/// Re-files one series type's samples under their dates in `timezone`.
async fn rezone_type(
    sides: &Sides<'_>,
    data_type: DataType,
    timezone: &TimeZone,
    run_id: &str,
) -> anyhow::Result<(u64, u64, Option<Window>)> {
    let store = sides.new_store;
    let old = listed_days(store, data_type).await?;
    let (Some(first), Some(last)) = (old.keys().next(), old.keys().next_back()) else {
        return Ok((0, 0, None));
    };
    // A local date moves by at most a day between zones; two on each side spare any doubt.
    let keep = Window::new(
        first.saturating_sub(jiff::Span::new().days(2)),
        last.saturating_add(jiff::Span::new().days(2)),
    );
    let records = read_all(store, old.values()).await?;
    let filed = file_by_day(data_type, records, keep, timezone);
    if let Some(first) = filed.rejected.first() {
        anyhow::bail!(
            "a {data_type} record held in the lake cannot be re-filed ({}); nothing of this type was changed",
            first.reason
        );
    }
    let synced_at = Timestamp::now();
    let mut entries = Vec::new();
    let mut written = 0;
    for (day, records) in &filed.by_day {
        let lines: Vec<&str> = records.iter().map(|r| r.get()).collect();
        let object = store.day_object(data_type, *day, &lines, run_id);
        if store.put(&object, None).await.with_context(|| format!("cannot store {}", object.key))?
            == crate::store::PutOutcome::Written
        {
            written += 1;
        }
        entries.push(DayEntry::of_object(data_type, *day, &object, synced_at));
    }
    store.flush().await?;
    // Old days no sample is filed under any more go, only once every new day is stored.
    let mut removed = 0;
    for (day, key) in &old {
        if !filed.by_day.contains_key(day) {
            store.delete(key).await.with_context(|| format!("cannot remove {key}"))?;
            removed += 1;
            entries.push(DayEntry::empty(data_type.name(), *day, run_id, synced_at));
        }
    }
    // The window an ingestion log records as the items' `date_range`: the days re-filed.
    sides.ledger.put_days(&entries, keep).await?;
    Ok((written, removed, Some(keep)))
}

/// Moves one type's objects from the old layout to the new.
async fn relayout_type(
    sides: &Sides<'_>,
    data_type: DataType,
    run_id: &str,
) -> anyhow::Result<(u64, u64, Option<Window>)> {
    let listed = listed_days(sides.old_store, data_type).await?;
    let new_layout = sides.new_store.layout().name();
    let moving: BTreeMap<_, _> = listed
        .into_iter()
        .filter(|(_, key)| sides.new_store.layout_of_key(key).name() != new_layout)
        .collect();
    let synced_at = Timestamp::now();
    let mut entries = Vec::new();
    for (day, key) in &moving {
        let Some(records) = sides.old_store.records(key).await? else { continue };
        let lines: Vec<&str> = records.iter().map(|r| r.get()).collect();
        let object = sides.new_store.day_object(data_type, *day, &lines, run_id);
        sides
            .new_store
            .put(&object, None)
            .await
            .with_context(|| format!("cannot store {}", object.key))?;
        entries.push(DayEntry::of_object(data_type, *day, &object, synced_at));
    }
    sides.new_store.flush().await?;
    let span = super::repair::widen(None, moving.keys().copied());
    if let Some(span) = span {
        sides.ledger.put_days(&entries, span).await?;
    }
    for key in moving.values() {
        sides.old_store.delete(key).await.with_context(|| format!("cannot remove {key}"))?;
    }
    Ok((entries.len() as u64, moving.len() as u64, span))
}
