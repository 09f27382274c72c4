//! The ledger of a local lake, in `<lake>/_ledger/` (the leading `_` keeps Hive-style readers
//! such as Athena, Spark and DuckDB from taking it for data):
//!
//! - `runs.jsonl`: one run entry per line, appended (`pk`, `sk` and the attributes of
//!   CONTRACT §5);
//! - `days/<type>/<YYYY>.json`: the day entries, one file per type and year ([`days`]).
//!
//! Every write (the read-modify-write of a days file, the append of a run) holds an exclusive
//! OS lock on `_ledger/.write.lock`, so writers in other processes cannot lose each other's
//! entries; under it, temporary files left in `days/` by a killed writer are removed.
//!
//! Day entries are written by group commit: the pieces of a sync that finish while a write is
//! under way queue their entries, and the next writer writes every queued entry in one
//! rewrite of each days file, then answers each caller. Each caller still returns only once its
//! entries are on disk (or with the write's error), but a backfill of a few hundred pieces no
//! longer waits on a few hundred fsynced rewrites one after another, which on a disk with slow
//! fsyncs made the ledger the run's bottleneck.
//! `runs.jsonl` survives a torn or foreign line: an append starts on a fresh line, and a line
//! that cannot be read is skipped with one warning naming it.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, oneshot};

use super::{DayEntry, Ledger, RunEntry};
use crate::datatype::DataType;
use crate::fsutil;
use crate::window::Window;

mod days;
use days::expand;

/// The directory name of the ledger inside a local lake.
pub const LEDGER_DIR: &str = "_ledger";

/// Day entries waiting for the next write, each caller's with the channel of its answer.
type Queued = Vec<(Vec<DayEntry>, oneshot::Sender<Result<(), String>>)>;

/// A ledger kept as files in a directory.
#[derive(Debug)]
pub struct LocalLedger {
    dir: PathBuf,
    /// One writer at a time, so concurrent fetch units never lose each other's day entries.
    write_lock: Mutex<()>,
    /// The day entries the next writer writes (see the module doc).
    queued: std::sync::Mutex<Queued>,
    /// Stale temporary files are looked for once per process.
    cleaned: AtomicBool,
    /// Unreadable lines of `runs.jsonl` are warned about once per process.
    warned: AtomicBool,
}

/// The lake's identity record ([`super::identity`]) inside the ledger's directory.
pub const IDENTITY_FILE: &str = "lake.json";

/// The directory of the ledger's records ([`super::records`]), a subdirectory per kind.
pub const RECORDS_DIR: &str = "records";

/// The file whose OS lock every writer of the ledger holds.
const WRITE_LOCK_FILE: &str = ".write.lock";

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
        Self {
            dir: lake_root.join(LEDGER_DIR),
            write_lock: Mutex::new(()),
            queued: std::sync::Mutex::new(Vec::new()),
            cleaned: AtomicBool::new(false),
            warned: AtomicBool::new(false),
        }
    }

    /// Takes the ledger's cross-process write lock (waiting on a blocking thread until it is
    /// free), and removes stale temporary files the first time; held until dropped.
    async fn lock_for_writing(&self) -> anyhow::Result<std::fs::File> {
        let dir = self.dir.clone();
        let clean = !self.cleaned.swap(true, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || lock_dir(&dir, clean)).await?
    }

    fn runs_path(&self) -> PathBuf {
        self.dir.join("runs.jsonl")
    }
}

impl Ledger for LocalLedger {
    async fn identity(&self) -> anyhow::Result<Option<super::LakeIdentity>> {
        let path = self.dir.join(IDENTITY_FILE);
        match tokio::fs::read(&path).await {
            Ok(bytes) => {
                super::LakeIdentity::from_json(&bytes, &path.display().to_string()).map(Some)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    async fn put_identity(&self, identity: &super::LakeIdentity) -> anyhow::Result<()> {
        let _guard = self.write_lock.lock().await;
        let file_lock = self.lock_for_writing().await?;
        let path = self.dir.join(IDENTITY_FILE);
        let mut json = identity.to_json().into_bytes();
        json.push(b'\n');
        tokio::task::spawn_blocking(move || {
            let _file_lock = file_lock;
            fsutil::write_atomic(&path, &json, None)
        })
        .await?
    }

    async fn put_record(&self, kind: &str, name: &str, body: &str) -> anyhow::Result<()> {
        super::records::check(kind, name)?;
        let dir = self.dir.join(RECORDS_DIR).join(kind);
        let path = dir.join(format!("{name}.json"));
        let body = body.as_bytes().to_vec();
        // Each record is its own file, replaced atomically: writers of other names (another
        // process's included) never meet, so no ledger lock is needed.
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            fsutil::write_atomic(&path, &body, None)
        })
        .await?
    }

    async fn records(&self, kind: &str) -> anyhow::Result<Vec<super::Record>> {
        super::records::check(kind, "any")?;
        let dir = self.dir.join(RECORDS_DIR).join(kind);
        tokio::task::spawn_blocking(move || read_records(&dir)).await?
    }

    async fn delete_record(&self, kind: &str, name: &str) -> anyhow::Result<()> {
        super::records::check(kind, name)?;
        let path = self.dir.join(RECORDS_DIR).join(kind).join(format!("{name}.json"));
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
    }

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
            .read_days(name, Some(window))
            .await?
            .into_iter()
            .map(|(day, s)| (day, expand(name, day, s)))
            .collect())
    }

    async fn put_days(&self, entries: &[DayEntry], _window: Window) -> anyhow::Result<()> {
        let (answer, answered) = oneshot::channel();
        self.queued.lock().expect("never poisoned").push((entries.to_vec(), answer));
        {
            let _guard = self.write_lock.lock().await;
            // Everything queued by now, these entries too unless a writer before took them.
            let batch = std::mem::take(&mut *self.queued.lock().expect("never poisoned"));
            if !batch.is_empty() {
                let all: Vec<DayEntry> =
                    batch.iter().flat_map(|(entries, _)| entries.iter().cloned()).collect();
                let result = self.write_days(&all).await.map_err(|e| format!("{e:#}"));
                for (_, answer) in batch {
                    // A caller that stopped waiting needs no answer.
                    let _ = answer.send(result.clone());
                }
            }
        }
        match answered.await {
            Ok(result) => result.map_err(anyhow::Error::msg),
            // The writer that took these entries was stopped before it answered.
            Err(_) => anyhow::bail!("the write of these day entries was interrupted"),
        }
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
        let file_lock = self.lock_for_writing().await?;
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let _file_lock = file_lock;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            // A torn last line (a full disk, a kill mid-append, a truncation) must not swallow
            // this entry: start on a fresh line.
            if !ends_with_newline(&mut file)? {
                line.insert(0, b'\n');
            }
            // One write of a whole line: an append that is cut short leaves at most a torn
            // last line, which `recent_runs` skips.
            file.write_all(&line)
                .with_context(|| format!("cannot append to {}", path.display()))?;
            file.sync_all()?;
            Ok(())
        })
        .await?
    }

    async fn recent_runs(&self, limit: usize) -> anyhow::Result<Vec<RunEntry>> {
        let path = self.runs_path();
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let (runs, unreadable) = parse_runs(&bytes);
        if let Some(&first) = unreadable.first()
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                file = %path.display(),
                line = first,
                unreadable = unreadable.len(),
                "Skipped unreadable lines of the run log (torn or not written by oura-sync); \
                 the other runs are intact."
            );
        }
        let mut runs = runs;
        runs.sort_by_key(|run| std::cmp::Reverse(run.sk()));
        runs.truncate(limit);
        Ok(runs)
    }

    async fn last_day_with_records(&self, data_type: DataType) -> anyhow::Result<Option<DayEntry>> {
        self.newest_with_records(data_type.name()).await
    }

    fn form(&self) -> &'static str {
        "local"
    }

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}

/// Takes the write lock of the ledger in `dir` (blocking), after removing stale temporary
/// files of `days/` when `clean`.
fn lock_dir(dir: &Path, clean: bool) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(WRITE_LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    file.lock().with_context(|| format!("cannot lock {}", path.display()))?;
    if clean {
        let days = dir.join("days");
        let mut removed = fsutil::remove_temp_files(&days);
        for type_dir in std::fs::read_dir(&days).into_iter().flatten().flatten() {
            if type_dir.file_type().is_ok_and(|t| t.is_dir()) {
                removed += fsutil::remove_temp_files(&type_dir.path());
            }
        }
        if removed > 0 {
            tracing::info!(removed, "Removed temporary ledger files left by an interrupted run.");
        }
    }
    Ok(file)
}

/// The run entries of `runs.jsonl`'s bytes, and the (1-based) numbers of the non-empty lines
/// that are not one (torn, foreign, not UTF-8).
fn parse_runs(bytes: &[u8]) -> (Vec<RunEntry>, Vec<usize>) {
    let (mut runs, mut unreadable) = (Vec::new(), Vec::new());
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<StoredRun>(line) {
            Ok(stored) => runs.push(stored.run),
            Err(_) => unreadable.push(index + 1),
        }
    }
    (runs, unreadable)
}

/// True if and only if the file is empty or its last byte is a newline.
fn ends_with_newline(file: &mut std::fs::File) -> std::io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// The records in `dir` (`<name>.json` each), by name; none when it does not exist. Files of
/// other names (a writer's temporary file) are not records.
fn read_records(dir: &Path) -> anyhow::Result<Vec<super::Record>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut records = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str().and_then(|f| f.strip_suffix(".json")) else {
            continue;
        };
        if super::records::check("k", name).is_err() {
            continue;
        }
        let path = entry.path();
        match std::fs::read_to_string(&path) {
            Ok(body) => records.push(super::Record { name: name.to_string(), body }),
            // Removed between the listing and the read: it is no longer a record.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
    records.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn day_entry(data_type: &str, day: Date) -> DayEntry {
        DayEntry {
            data_type: data_type.into(),
            day,
            record_count: 1,
            object_key: format!("{data_type}/{day}"),
            sha256: "0".repeat(64),
            bytes: 1,
            run_id: "r".into(),
            synced_at: "2026-11-24T09:00:00Z".parse().unwrap(),
        }
    }

    /// Sixty pieces of two types recording their days at once (the group commit): every
    /// entry is in its days file when its caller returns, none lost to another's batch.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_each_return_with_their_entries_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = std::sync::Arc::new(LocalLedger::for_lake(dir.path()));
        let window = Window::new(jiff::civil::date(2026, 1, 1), jiff::civil::date(2026, 3, 1));
        let tasks: Vec<_> = (0..60)
            .map(|i| {
                let ledger = ledger.clone();
                tokio::spawn(async move {
                    let data_type = if i % 2 == 0 { "heartrate" } else { "daily_sleep" };
                    let day = jiff::civil::date(2026, 1, 1) + jiff::ToSpan::days(i);
                    ledger.put_days(&[day_entry(data_type, day)], window).await.unwrap();
                    // Returned: the entry must be readable now, by this process or another.
                    let days = LocalLedger::for_lake(ledger.dir.parent().unwrap())
                        .read_days(data_type, None)
                        .await
                        .unwrap();
                    assert!(days.contains_key(&day), "{data_type} {day} not on disk on return");
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        for (data_type, count) in [("heartrate", 30), ("daily_sleep", 30)] {
            assert_eq!(ledger.read_days(data_type, None).await.unwrap().len(), count);
        }
    }

    /// A write that fails (a file stands where `days/` must be) fails every caller whose
    /// entries were in it, with the cause; none returns as if recorded.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failed_group_write_fails_every_caller_in_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(LEDGER_DIR)).unwrap();
        std::fs::write(dir.path().join(LEDGER_DIR).join("days"), "not a directory").unwrap();
        let ledger = std::sync::Arc::new(LocalLedger::for_lake(dir.path()));
        let window = Window::new(jiff::civil::date(2026, 1, 1), jiff::civil::date(2026, 1, 31));
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let ledger = ledger.clone();
                tokio::spawn(async move {
                    let day = jiff::civil::date(2026, 1, 1) + jiff::ToSpan::days(i);
                    ledger.put_days(&[day_entry("heartrate", day)], window).await
                })
            })
            .collect();
        for task in tasks {
            let error = task.await.unwrap().expect_err("recorded into a file");
            assert!(format!("{error:#}").contains("days"), "{error:#}");
        }
    }

    #[test]
    fn torn_and_foreign_lines_are_skipped_and_named() {
        let good = r#"{"pk":"oura#run","sk":"s","run_id":"r","status":"success","window_start":"2026-11-17","window_end":"2026-11-23","started_at":"2026-11-24T09:00:00Z","finished_at":"2026-11-24T09:00:01Z","duration_ms":1,"counts":{},"failures":[],"objects_written":0,"notify_status":"disabled"}"#;
        let mut bytes = format!("{good}\n{{\"pk\":\"oura#ru\n\n").into_bytes();
        bytes.extend_from_slice(b"\xff\xfe not utf-8\n");
        bytes.extend_from_slice(good.as_bytes());
        let (runs, unreadable) = parse_runs(&bytes);
        assert_eq!(runs.len(), 2);
        assert_eq!(unreadable, [2, 4]);
    }
}
