//! The ledger of a local lake, in `<lake>/_ledger/` (the leading `_` keeps Hive-style readers
//! such as Athena, Spark and DuckDB from taking it for data):
//!
//! - `runs.jsonl`: one run entry per line, appended (`pk`, `sk` and the attributes of
//!   CONTRACT §5);
//! - `days/<type>.json`: one JSON object per type, mapping `YYYY-MM-DD` to that day's entry,
//!   replaced atomically on every change.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::{DayEntry, Ledger, RunEntry};
use crate::datatype::DataType;
use crate::fsutil;
use crate::window::Window;

/// The directory name of the ledger inside a local lake.
pub const LEDGER_DIR: &str = "_ledger";

/// A ledger kept as files in a directory.
#[derive(Debug)]
pub struct LocalLedger {
    dir: PathBuf,
    /// One writer at a time, so concurrent fetch units never lose each other's day entries.
    write_lock: Mutex<()>,
}

/// The stored form of a day entry (the type and day are the file and the map key).
#[derive(Serialize, Deserialize)]
struct StoredDay {
    record_count: u64,
    object_key: String,
    sha256: String,
    bytes: u64,
    run_id: String,
    synced_at: jiff::Timestamp,
}

/// The stored form of a run entry: the DynamoDB keys, then the attributes.
#[derive(Serialize, Deserialize)]
struct StoredRun {
    pk: String,
    sk: String,
    #[serde(flatten)]
    run: RunEntry,
}

impl LocalLedger {
    /// The ledger of the lake in `lake_root`.
    pub fn for_lake(lake_root: &Path) -> Self {
        Self { dir: lake_root.join(LEDGER_DIR), write_lock: Mutex::new(()) }
    }

    fn days_path(&self, data_type: &str) -> PathBuf {
        self.dir.join("days").join(format!("{data_type}.json"))
    }

    fn runs_path(&self) -> PathBuf {
        self.dir.join("runs.jsonl")
    }

    async fn read_days(&self, data_type: &str) -> anyhow::Result<BTreeMap<Date, StoredDay>> {
        let path = self.days_path(data_type);
        match tokio::fs::read(&path).await {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!("the ledger file {} is damaged; move it away to rebuild it", path.display())
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

impl Ledger for LocalLedger {
    async fn check(&self) -> anyhow::Result<()> {
        // Reading what exists proves the files are not damaged before any data moves.
        self.recent_runs(1).await.map(|_| ())
    }

    async fn days(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<BTreeMap<Date, DayEntry>> {
        let name = data_type.name();
        Ok(self
            .read_days(name)
            .await?
            .into_iter()
            .filter(|(day, _)| window.contains(*day))
            .map(|(day, s)| (day, expand(name, day, s)))
            .collect())
    }

    async fn put_days(&self, entries: &[DayEntry], _window: Window) -> anyhow::Result<()> {
        let _guard = self.write_lock.lock().await;
        let mut by_type: BTreeMap<&str, Vec<&DayEntry>> = BTreeMap::new();
        for entry in entries {
            by_type.entry(&entry.data_type).or_default().push(entry);
        }
        for (data_type, entries) in by_type {
            let mut days = self.read_days(data_type).await?;
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
            let mut json = serde_json::to_vec_pretty(&days)?;
            json.push(b'\n');
            let path = self.days_path(data_type);
            tokio::task::spawn_blocking(move || fsutil::write_atomic(&path, &json, None)).await??;
        }
        Ok(())
    }

    async fn put_run(&self, run: &RunEntry) -> anyhow::Result<()> {
        let _guard = self.write_lock.lock().await;
        let mut line = serde_json::to_vec(&StoredRun {
            pk: RunEntry::PK.into(),
            sk: run.sk(),
            run: run.clone(),
        })?;
        line.push(b'\n');
        let path = self.runs_path();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            std::fs::create_dir_all(path.parent().expect("runs.jsonl has a parent"))?;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            // One write of a whole line: an append that is cut short leaves at most a torn
            // last line, which `recent_runs` skips.
            file.write_all(&line)?;
            file.sync_all()?;
            Ok(())
        })
        .await?
    }

    async fn recent_runs(&self, limit: usize) -> anyhow::Result<Vec<RunEntry>> {
        let path = self.runs_path();
        let text = match tokio::fs::read_to_string(&path).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let mut runs: Vec<RunEntry> = text
            .lines()
            .filter_map(|line| serde_json::from_str::<StoredRun>(line).ok())
            .map(|stored| stored.run)
            .collect();
        runs.sort_by_key(|run| std::cmp::Reverse(run.sk()));
        runs.truncate(limit);
        Ok(runs)
    }

    async fn last_day_with_records(&self, data_type: DataType) -> anyhow::Result<Option<DayEntry>> {
        let name = data_type.name();
        Ok(self
            .read_days(name)
            .await?
            .into_iter()
            .rev()
            .find(|(_, s)| s.record_count > 0)
            .map(|(day, s)| expand(name, day, s)))
    }

    fn form(&self) -> &'static str {
        "local"
    }

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}

fn expand(data_type: &str, day: Date, s: StoredDay) -> DayEntry {
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
