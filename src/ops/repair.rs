//! Rebuilding the ledger's day entries from the lake's own objects: `oura-sync repair`, and
//! the automatic rebuild of a local ledger file that cannot be read.
//!
//! The objects are the truth: every day object the lake holds (listed in each layout's
//! folders, so a lake that switched layouts is read whole) gets an entry with its key,
//! record count, sha256 and size, where the ledger has none or another. Nothing is dropped:
//! an entry whose object is gone is kept (and said), a damaged days file is moved aside
//! (kept for a person), never deleted, and an object that does not decode is named and left
//! unlisted (exit 1) rather than counted as an empty day.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::datatype::DataType;
use crate::ledger::{AnyLedger, DayEntry, Ledger};
use crate::store::layout::{self, join_prefix};
use crate::store::{AnyStore, ObjectStore, sha256_hex};
use crate::window::Window;

/// Every day a lake can hold: the ledger and listings are read over this window.
pub fn all_days() -> Window {
    Window::new(Date::constant(2000, 1, 1), Date::constant(2199, 12, 31))
}

/// What a rebuild did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RepairReport {
    /// Entries written (missing or different in the ledger).
    pub entries_written: u64,
    /// Objects the ledger already listed as they are.
    pub entries_kept: u64,
    /// Ledger entries whose object the lake no longer holds (kept, and said).
    pub missing_objects: Vec<String>,
    /// Objects that do not decode in their layout, with the cause.
    pub damaged_objects: Vec<String>,
    /// Days files that could not be read, moved aside to these paths.
    pub set_aside: Vec<String>,
    /// The first and last day the lake holds an object of (what silver is brought up to
    /// date over after), if any.
    pub span: Option<Window>,
}

/// Widens `span` to take in `days`.
pub fn widen(span: Option<Window>, days: impl IntoIterator<Item = Date>) -> Option<Window> {
    days.into_iter().fold(span, |span, day| match span {
        None => Some(Window::new(day, day)),
        Some(w) => Some(Window::new(w.start.min(day), w.end.max(day))),
    })
}

/// Every day object of `data_type` the store holds, in any layout (a day held in two layouts
/// is listed under the store's own), by day.
pub async fn listed_days(
    store: &AnyStore,
    data_type: DataType,
) -> anyhow::Result<BTreeMap<Date, String>> {
    let own = store.layout().name();
    let mut folders: Vec<(&'static str, bool)> = Vec::new();
    for name in layout::NAMES {
        let layout = layout::by_name(name).expect("every name resolves");
        let folder = layout.folder(data_type);
        if !folders.iter().any(|(f, _)| *f == folder) {
            folders.push((folder, *name == own));
        }
    }
    let strip = match store.key_prefix().trim_matches('/') {
        "" => String::new(),
        prefix => format!("{prefix}/"),
    };
    let mut days: BTreeMap<Date, String> = BTreeMap::new();
    for (folder, _) in folders {
        let prefix = join_prefix(store.key_prefix(), folder);
        for listed in store.list(&format!("{prefix}/")).await? {
            let Some(relative) = listed.key.strip_prefix(&strip) else { continue };
            let Some((found, t, day)) = layout::of_key(relative) else { continue };
            if t != data_type {
                continue;
            }
            match days.get(&day) {
                // The store's own layout wins over an older one for the same day.
                Some(_) if found.name() != own => {}
                _ => {
                    days.insert(day, listed.key);
                }
            }
        }
    }
    Ok(days)
}

/// Rebuilds the day entries of `types` from the objects of `store` into `ledger` (see the
/// module doc), recording them as written by `run_id`.
pub async fn rebuild(
    store: &AnyStore,
    ledger: &AnyLedger,
    types: &[DataType],
    run_id: &str,
) -> anyhow::Result<RepairReport> {
    let mut report = RepairReport::default();
    for &data_type in types {
        let listed = listed_days(store, data_type).await?;
        // A table is read over the days the lake holds (the ingestion log asks one `Query`
        // per day); the local ledger's files are read whole.
        let window = if ledger.reads_every_day_at_once() {
            all_days()
        } else {
            match widen(None, listed.keys().copied()) {
                Some(span) => span,
                None => continue,
            }
        };
        report.span = widen(report.span, listed.keys().copied());
        let known = match ledger.days(data_type, window).await {
            Ok(known) => known,
            Err(e) => {
                let aside = ledger.set_aside_damaged(data_type).await?;
                if aside.is_empty() {
                    return Err(e);
                }
                report.set_aside.extend(aside);
                // The years whose files still read keep their entries.
                ledger.days(data_type, window).await?
            }
        };
        let synced_at = Timestamp::now();
        let mut entries = Vec::new();
        for (day, key) in &listed {
            let Some(body) = store.get(key).await? else { continue };
            let records = match store.layout_of_key(key).decode(&body) {
                Ok(records) => records,
                Err(cause) => {
                    report.damaged_objects.push(format!("{key}: {cause}"));
                    continue;
                }
            };
            if records.is_empty() {
                continue;
            }
            let entry = DayEntry {
                data_type: data_type.name().to_string(),
                day: *day,
                record_count: records.len() as u64,
                object_key: key.clone(),
                sha256: sha256_hex(&body),
                bytes: body.len() as u64,
                run_id: run_id.to_string(),
                synced_at,
            };
            match known.get(day) {
                Some(held) if held.same_content(&entry) => report.entries_kept += 1,
                _ => entries.push(entry),
            }
        }
        for (day, entry) in &known {
            if entry.record_count > 0 && !listed.contains_key(day) {
                report.missing_objects.push(entry.object_key.clone());
            }
        }
        if !entries.is_empty() {
            report.entries_written += entries.len() as u64;
            ledger.put_days(&entries, window).await?;
        }
    }
    Ok(report)
}

/// Rebuilds, with a warning, every days file of a local ledger that cannot be read (a
/// truncated or flipped file), so that no command stops on it and no history is lost; other
/// ledgers have no such file. Returns the types rebuilt.
pub async fn heal_damaged(store: &AnyStore, ledger: &AnyLedger) -> anyhow::Result<Vec<DataType>> {
    let damaged = ledger.damaged_types().await;
    if damaged.is_empty() {
        return Ok(damaged);
    }
    let run_id = format!("repair-{}", uuid::Uuid::new_v4());
    let report = rebuild(store, ledger, &damaged, &run_id).await?;
    for aside in &report.set_aside {
        tracing::warn!(
            kept_as = %aside,
            entries = report.entries_written,
            "A ledger file was damaged; rebuilt its day entries from the lake's objects (the damaged file is kept)."
        );
    }
    for object in &report.damaged_objects {
        tracing::error!(%object, "A lake object does not decode; it is not listed in the ledger.");
    }
    Ok(damaged)
}
