//! The day entries of a local ledger: `days/<type>/<YYYY>.json`, one JSON object per type
//! and year mapping `YYYY-MM-DD` to that day's entry, each file replaced atomically on every
//! change. One file per year, not per type: a write rewrites only the years it touches, so
//! its cost (time, and memory while the file is parsed and written) stays that of a year
//! however old the lake grows, and a read of a window reads only its years. The single
//! `days/<type>.json` of 0.1.0 is still read, and the next write of the type folds it into
//! year files (see [`LocalLedger::fold_legacy`]). Writers hold the ledger's write lock (see
//! the parent module).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::LocalLedger;
use crate::datatype::DataType;
use crate::fsutil;
use crate::ledger::DayEntry;
use crate::window::Window;

/// The stored form of a day entry (the type and day are the file and the map key).
#[derive(Serialize, Deserialize)]
pub(super) struct StoredDay {
    record_count: u64,
    object_key: String,
    sha256: String,
    bytes: u64,
    run_id: String,
    synced_at: jiff::Timestamp,
}

impl LocalLedger {
    /// The directory of `data_type`'s year files.
    fn type_dir(&self, data_type: &str) -> PathBuf {
        self.dir.join("days").join(data_type)
    }

    /// The days file of `data_type` and `year`.
    fn year_path(&self, data_type: &str, year: i16) -> PathBuf {
        self.type_dir(data_type).join(format!("{year:04}.json"))
    }

    /// The single days file of `data_type` that versions before year files kept.
    fn legacy_path(&self, data_type: &str) -> PathBuf {
        self.dir.join("days").join(format!("{data_type}.json"))
    }

    /// The years `data_type` has a days file for, in order (other names in the directory, a
    /// file set aside or a writer's temporary file, are not year files).
    async fn years_of(&self, data_type: &str) -> anyhow::Result<Vec<i16>> {
        let dir = self.type_dir(data_type);
        let mut entries = match tokio::fs::read_dir(&dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
        };
        let mut years = Vec::new();
        while let Some(entry) =
            entries.next_entry().await.with_context(|| format!("cannot read {}", dir.display()))?
        {
            if let Some(year) = year_of_file_name(&entry.file_name().to_string_lossy()) {
                years.push(year);
            }
        }
        years.sort_unstable();
        Ok(years)
    }

    /// Every days file of `data_type` there is: the legacy one first, then the years in order.
    async fn days_files(&self, data_type: &str) -> anyhow::Result<Vec<PathBuf>> {
        let mut files = vec![self.legacy_path(data_type)];
        for year in self.years_of(data_type).await? {
            files.push(self.year_path(data_type, year));
        }
        Ok(files)
    }

    /// Writes `entries` into their days files, under the cross-process lock (the caller holds
    /// `write_lock`): per type, the legacy file folded first, then one rewrite per year touched.
    pub(super) async fn write_days(&self, entries: &[DayEntry]) -> anyhow::Result<()> {
        let _file_lock = self.lock_for_writing().await?;
        let mut by_year: BTreeMap<(&str, i16), Vec<&DayEntry>> = BTreeMap::new();
        for entry in entries {
            by_year.entry((&entry.data_type, entry.day.year())).or_default().push(entry);
        }
        let mut folded = std::collections::BTreeSet::new();
        for ((data_type, year), entries) in by_year {
            if folded.insert(data_type) {
                self.fold_legacy(data_type).await?;
            }
            // Read under the lock: another process's entries written meanwhile are kept.
            let path = self.year_path(data_type, year);
            let mut days = read_days_file(&path).await?.unwrap_or_default();
            for e in entries {
                days.insert(
                    e.day,
                    StoredDay {
                        record_count: e.record_count,
                        object_key: e.object_key.clone(),
                        sha256: e.sha256.clone(),
                        bytes: e.bytes,
                        run_id: e.run_id.clone(),
                        synced_at: e.synced_at,
                    },
                );
            }
            write_days_file(path, &days).await?;
        }
        Ok(())
    }

    /// Moves the entries of `data_type`'s legacy days file into its year files, then removes
    /// it (under the write lock). An entry a year file already holds is newer and stays: a
    /// fold killed half way leaves year files that hold the legacy entries of their year, and
    /// the legacy file, which reads merge the same way ([`Self::read_days`]) and the next write
    /// folds again.
    async fn fold_legacy(&self, data_type: &str) -> anyhow::Result<()> {
        let legacy = self.legacy_path(data_type);
        let Some(days) = read_days_file(&legacy).await? else { return Ok(()) };
        let mut by_year: BTreeMap<i16, Vec<(Date, StoredDay)>> = BTreeMap::new();
        for (day, stored) in days {
            by_year.entry(day.year()).or_default().push((day, stored));
        }
        for (year, entries) in by_year {
            let path = self.year_path(data_type, year);
            let mut days = read_days_file(&path).await?.unwrap_or_default();
            for (day, stored) in entries {
                days.entry(day).or_insert(stored);
            }
            write_days_file(path, &days).await?;
        }
        match tokio::fs::remove_file(&legacy).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove {}", legacy.display())),
        }
    }

    /// The types with a days file that cannot be read as one (torn, truncated, flipped): what
    /// [`crate::ops::repair`] rebuilds from the lake's objects.
    pub async fn damaged_types(&self) -> Vec<DataType> {
        let mut damaged = Vec::new();
        for &data_type in DataType::ALL {
            if !self.damaged_files(data_type.name()).await.is_empty() {
                damaged.push(data_type);
            }
        }
        damaged
    }

    /// The days files of `data_type` that exist and cannot be read as one.
    async fn damaged_files(&self, data_type: &str) -> Vec<PathBuf> {
        let mut damaged = Vec::new();
        // A directory that cannot be listed is not a damaged file: reads report it.
        for path in self.days_files(data_type).await.unwrap_or_default() {
            if let Ok(bytes) = tokio::fs::read(&path).await
                && serde_json::from_slice::<BTreeMap<Date, StoredDay>>(&bytes).is_err()
            {
                damaged.push(path);
            }
        }
        damaged
    }

    /// Moves each damaged days file of `data_type` aside (to `<file>.json.damaged-<unix
    /// seconds>` beside it, kept for a person to look at), under the write lock, so that a
    /// rebuild starts from the entries that still read; returns where they went, none when
    /// every file reads well.
    pub async fn set_aside_damaged(&self, data_type: DataType) -> anyhow::Result<Vec<PathBuf>> {
        let _guard = self.write_lock.lock().await;
        let _file_lock = self.lock_for_writing().await?;
        let now = jiff::Timestamp::now().as_second();
        let mut set_aside = Vec::new();
        for path in self.damaged_files(data_type.name()).await {
            let aside = path.with_extension(format!("json.damaged-{now}"));
            tokio::fs::rename(&path, &aside)
                .await
                .with_context(|| format!("cannot move {} aside", path.display()))?;
            set_aside.push(aside);
        }
        Ok(set_aside)
    }

    /// The entries of `data_type` whose day lies in `window` (every one without), from the
    /// year files it touches and the legacy file, a year file's entry winning over the
    /// legacy file's (see [`Self::fold_legacy`]).
    pub(super) async fn read_days(
        &self,
        data_type: &str,
        window: Option<Window>,
    ) -> anyhow::Result<BTreeMap<Date, StoredDay>> {
        let within = |day: &Date| window.is_none_or(|w| w.contains(*day));
        let mut days = read_days_file(&self.legacy_path(data_type)).await?.unwrap_or_default();
        days.retain(|day, _| within(day));
        for year in self.years_of(data_type).await? {
            if window.is_some_and(|w| year < w.start.year() || year > w.end.year()) {
                continue;
            }
            let path = self.year_path(data_type, year);
            let year_days = read_days_file(&path).await?.unwrap_or_default();
            days.extend(year_days.into_iter().filter(|(day, _)| within(day)));
        }
        Ok(days)
    }

    /// The newest day of `data_type` with records: from the newest year file that has one
    /// (older ones are not read), or from every file while a legacy one is not folded yet.
    pub(super) async fn newest_with_records(
        &self,
        data_type: &str,
    ) -> anyhow::Result<Option<DayEntry>> {
        let newest = |days: BTreeMap<Date, StoredDay>| {
            days.into_iter().rev().find(|(_, s)| s.record_count > 0)
        };
        let found = if tokio::fs::try_exists(self.legacy_path(data_type)).await.unwrap_or(true) {
            newest(self.read_days(data_type, None).await?)
        } else {
            let mut found = None;
            for year in self.years_of(data_type).await?.into_iter().rev() {
                let path = self.year_path(data_type, year);
                found = newest(read_days_file(&path).await?.unwrap_or_default());
                if found.is_some() {
                    break;
                }
            }
            found
        };
        Ok(found.map(|(day, s)| expand(data_type, day, s)))
    }
}

/// The year a days file's name stands for (`2026.json`), `None` for any other name.
fn year_of_file_name(name: &str) -> Option<i16> {
    let digits = name.strip_suffix(".json")?;
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The entries of the days file at `path`, `None` when there is none; a file that cannot be
/// read as one is an error that says how to rebuild it.
async fn read_days_file(path: &Path) -> anyhow::Result<Option<BTreeMap<Date, StoredDay>>> {
    match tokio::fs::read(path).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).with_context(|| {
            format!(
                "the ledger file {} is damaged; run `oura-sync repair` to rebuild it from the \
                 lake's objects",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Replaces the days file at `path` with `days`, durably.
async fn write_days_file(path: PathBuf, days: &BTreeMap<Date, StoredDay>) -> anyhow::Result<()> {
    let mut json = serde_json::to_vec_pretty(days)?;
    json.push(b'\n');
    tokio::task::spawn_blocking(move || fsutil::write_atomic(&path, &json, None)).await?
}

pub(super) fn expand(data_type: &str, day: Date, s: StoredDay) -> DayEntry {
    DayEntry {
        data_type: data_type.to_string(),
        day,
        record_count: s.record_count,
        object_key: s.object_key,
        sha256: s.sha256,
        bytes: s.bytes,
        run_id: s.run_id,
        synced_at: s.synced_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;
    use crate::ledger::local::LEDGER_DIR;
    use crate::ledger::local::tests::day_entry;

    /// The stored form of `entries` as a days file holds it.
    fn days_json(entries: &[DayEntry]) -> String {
        let map: BTreeMap<String, serde_json::Value> = entries
            .iter()
            .map(|e| {
                let stored = serde_json::json!({
                    "record_count": e.record_count, "object_key": e.object_key,
                    "sha256": e.sha256, "bytes": e.bytes, "run_id": e.run_id,
                    "synced_at": e.synced_at,
                });
                (e.day.to_string(), stored)
            })
            .collect();
        serde_json::to_string_pretty(&map).unwrap()
    }

    /// A lake written by a version that kept one `days/<type>.json` per type reads the same
    /// (its entries merged with the year files, a year file's winning), and the next write of
    /// the type folds it into year files and removes it, losing no entry.
    #[tokio::test]
    async fn a_legacy_days_file_is_read_and_folded_into_year_files() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = LocalLedger::for_lake(dir.path());
        let days_dir = dir.path().join(LEDGER_DIR).join("days");
        std::fs::create_dir_all(days_dir.join("daily_sleep")).unwrap();
        let old = |y, m, d| {
            let mut e = day_entry("daily_sleep", jiff::civil::date(y, m, d));
            e.run_id = "old".into();
            e
        };
        let legacy = [old(2024, 12, 31), old(2025, 6, 1), old(2026, 1, 2)];
        std::fs::write(days_dir.join("daily_sleep.json"), days_json(&legacy)).unwrap();
        // A fold killed half way: the 2026 file holds a newer entry of 2026-01-02.
        let mut newer = day_entry("daily_sleep", jiff::civil::date(2026, 1, 2));
        newer.run_id = "newer".into();
        std::fs::write(days_dir.join("daily_sleep/2026.json"), days_json(&[newer])).unwrap();

        let all = Window::new(jiff::civil::date(2024, 1, 1), jiff::civil::date(2026, 12, 31));
        let run_ids = |days: &BTreeMap<Date, DayEntry>| -> Vec<String> {
            days.iter().map(|(d, e)| format!("{d} {}", e.run_id)).collect()
        };
        let expected = ["2024-12-31 old", "2025-06-01 old", "2026-01-02 newer"];
        let before = ledger.days(DataType::DailySleep, all).await.unwrap();
        assert_eq!(run_ids(&before), expected);

        let added = day_entry("daily_sleep", jiff::civil::date(2026, 3, 1));
        ledger.put_days(std::slice::from_ref(&added), all).await.unwrap();
        assert!(!days_dir.join("daily_sleep.json").exists(), "the legacy file was folded");
        let mut files: Vec<String> = std::fs::read_dir(days_dir.join("daily_sleep"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, ["2024.json", "2025.json", "2026.json"]);
        let after = ledger.days(DataType::DailySleep, all).await.unwrap();
        assert_eq!(run_ids(&after), [&expected[..], &["2026-03-01 r"]].concat());
    }

    /// A write touches only the years of its entries, and a read of a window only the years it
    /// spans: a damaged 2019 file does not stop a 2026 sync from reading or recording its days
    /// (the damage is still found, for `repair` to rebuild), and the newest day with records
    /// is found in the newest year that has one.
    #[tokio::test]
    async fn years_are_written_and_read_apart() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = LocalLedger::for_lake(dir.path());
        let all = Window::all_time();
        let entries = [
            day_entry("workout", jiff::civil::date(2019, 5, 5)),
            day_entry("workout", jiff::civil::date(2025, 12, 31)),
            DayEntry { record_count: 0, ..day_entry("workout", jiff::civil::date(2026, 1, 1)) },
        ];
        ledger.put_days(&entries, all).await.unwrap();
        let type_dir = dir.path().join(LEDGER_DIR).join("days/workout");
        std::fs::write(type_dir.join("2019.json"), "{\"2019-05-0").unwrap();

        let january = Window::new(jiff::civil::date(2026, 1, 1), jiff::civil::date(2026, 1, 31));
        let days = ledger.days(DataType::Workout, january).await.unwrap();
        assert_eq!(days.keys().map(|d| d.to_string()).collect::<Vec<_>>(), ["2026-01-01"]);
        let newest = ledger.last_day_with_records(DataType::Workout).await.unwrap().unwrap();
        assert_eq!(newest.day, jiff::civil::date(2025, 12, 31));
        ledger
            .put_days(&[day_entry("workout", jiff::civil::date(2026, 1, 2))], january)
            .await
            .unwrap();
        assert_eq!(ledger.days(DataType::Workout, january).await.unwrap().len(), 2);

        let error = ledger.days(DataType::Workout, all).await.unwrap_err();
        assert!(format!("{error:#}").contains("2019.json is damaged"), "{error:#}");
        assert_eq!(ledger.damaged_types().await, [DataType::Workout]);
        let aside = ledger.set_aside_damaged(DataType::Workout).await.unwrap();
        assert_eq!(aside.len(), 1);
        assert!(aside[0].to_string_lossy().contains("2019.json.damaged-"), "{aside:?}");
        assert_eq!(ledger.days(DataType::Workout, all).await.unwrap().len(), 3);
    }
}
