//! The ledger: one entry per run and one per (type, day) in the lake (CONTRACT §5), behind
//! the [`Ledger`] seam, so that a local lake keeps a local ledger and an S3 lake a DynamoDB one.
//!
//! The pipeline writes a day entry only after its object is stored, so the ledger never says a
//! day is in the lake when it is not.

#[cfg(feature = "aws")]
pub mod dynamodb;
pub mod identity;
#[cfg(feature = "aws")]
pub mod ingestion_log;
pub mod local;
pub mod records;

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::datatype::DataType;
use crate::window::Window;

#[cfg(feature = "aws")]
pub use dynamodb::{DynamoLedger, TableForm};
pub use identity::{LakeIdentity, Migration};
#[cfg(feature = "aws")]
pub use ingestion_log::{IngestionLog, SortKey};
pub use local::LocalLedger;
pub use records::Record;

/// What the lake holds for one (type, day). A day that was fetched and had no records has an
/// entry with `record_count` 0 and empty `object_key`/`sha256`, so "empty" and "never
/// fetched or failed" can be told apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    /// The type's name (the `oura#<type>` partition).
    #[serde(rename = "type")]
    pub data_type: String,
    pub day: Date,
    pub record_count: u64,
    pub object_key: String,
    pub sha256: String,
    pub bytes: u64,
    pub run_id: String,
    pub synced_at: Timestamp,
}

impl DayEntry {
    /// The entry of a day that was fetched whole and held no records (`record_count` 0, no
    /// object).
    pub fn empty(data_type: &str, day: Date, run_id: &str, synced_at: Timestamp) -> Self {
        DayEntry {
            data_type: data_type.to_string(),
            day,
            record_count: 0,
            object_key: String::new(),
            sha256: String::new(),
            bytes: 0,
            run_id: run_id.to_string(),
            synced_at,
        }
    }

    /// The entry of `object`, stored for `data_type`'s `day` by the run that made it.
    pub fn of_object(
        data_type: DataType,
        day: Date,
        object: &crate::store::DayObject,
        synced_at: Timestamp,
    ) -> Self {
        DayEntry {
            data_type: data_type.name().to_string(),
            day,
            record_count: object.record_count,
            object_key: object.key.clone(),
            sha256: object.sha256.clone(),
            bytes: object.body.len() as u64,
            run_id: object.run_id.clone(),
            synced_at,
        }
    }

    /// The DynamoDB partition key of this entry: `oura#<type>`.
    pub fn pk(&self) -> String {
        format!("oura#{}", self.data_type)
    }

    /// True if and only if the entry describes the same content as `other` (ignoring when and
    /// by which run it was written).
    pub fn same_content(&self, other: &DayEntry) -> bool {
        self.record_count == other.record_count
            && self.sha256 == other.sha256
            && self.object_key == other.object_key
    }
}

/// A type that failed in a run, and the one-line cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    #[serde(rename = "type")]
    pub data_type: String,
    pub error: String,
}

/// One sync run, as the ledger keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEntry {
    pub run_id: String,
    pub status: String,
    pub window_start: Date,
    pub window_end: Date,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub duration_ms: u64,
    pub counts: BTreeMap<String, u64>,
    pub failures: Vec<Failure>,
    pub objects_written: u64,
    pub notify_status: String,
    /// The types whose every day in the window was fetched (ok or empty: neither failed nor
    /// skipped). Only the ingestion-log form keeps it (as `types_complete`): it has no empty
    /// day entries, so it knows a day was empty from a run that fetched it whole.
    #[serde(skip)]
    pub complete_types: Vec<String>,
}

impl RunEntry {
    /// The DynamoDB partition key of every run entry.
    pub const PK: &'static str = "oura#run";

    /// The sort key: `<started_at>#<run_id>`, so runs sort by time. The time always has nine
    /// decimals (still RFC 3339, and the exact instant): with a varying number, `…:35Z` would
    /// sort after `…:35.5Z`.
    pub fn sk(&self) -> String {
        format!("{}#{}", self.started_at.strftime("%Y-%m-%dT%H:%M:%S%.9fZ"), self.run_id)
    }
}

/// A catalogue of runs and of what the lake holds.
///
/// Contract for every backend (checked by the ledger conformance suite):
/// - `put_days` upserts by (type, day): the last entry written for a key wins.
/// - `days` returns exactly the entries whose day lies in the window; an empty day (0
///   records) is known once the run that fetched it is recorded with the type among its
///   `complete_types` (the ingestion-log form learns empty days from runs only).
/// - `recent_runs` lists the newest runs first.
/// - `last_day_with_records` finds the latest day with records of the recorded runs.
#[allow(async_fn_in_trait)]
pub trait Ledger {
    /// Checks, before any data moves, that the ledger can be read and written.
    async fn check(&self) -> anyhow::Result<()>;

    /// The day entries of `data_type` within `window`, by day.
    async fn days(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<BTreeMap<Date, DayEntry>>;

    /// Records day entries (any types) written by a run over `window`.
    async fn put_days(&self, entries: &[DayEntry], window: Window) -> anyhow::Result<()>;

    /// Records a run.
    async fn put_run(&self, run: &RunEntry) -> anyhow::Result<()>;

    /// The newest `limit` runs, newest first.
    async fn recent_runs(&self, limit: usize) -> anyhow::Result<Vec<RunEntry>>;

    /// The latest day of `data_type` that holds records, if any.
    async fn last_day_with_records(&self, data_type: DataType) -> anyhow::Result<Option<DayEntry>>;

    /// The lake's recorded layout and time zone ([`identity`]), `None` before its first
    /// record.
    async fn identity(&self) -> anyhow::Result<Option<LakeIdentity>>;

    /// Records (replaces) the lake's layout and time zone.
    async fn put_identity(&self, identity: &LakeIdentity) -> anyhow::Result<()>;

    /// Writes (replaces) the record `name` of `kind` ([`records`]).
    async fn put_record(&self, kind: &str, name: &str, body: &str) -> anyhow::Result<()>;

    /// Every record of `kind`, by name.
    async fn records(&self, kind: &str) -> anyhow::Result<Vec<Record>>;

    /// Removes the record `name` of `kind`; removing one that does not exist is no error.
    async fn delete_record(&self, kind: &str, name: &str) -> anyhow::Result<()>;

    /// Where the ledger lives, for messages.
    fn describe(&self) -> String;

    /// The ledger's form, for `status`: `local`, `pk/sk` or `ingestion-log`.
    fn form(&self) -> &'static str;

    /// True when each object must be recorded as soon as it is stored rather than with the
    /// rest of its piece: the ingestion log, whose S3 trigger looks every new object up in
    /// the table moments after the put.
    fn records_each_object(&self) -> bool {
        false
    }
}

/// The backend chosen at run time.
#[derive(Debug)]
pub enum AnyLedger {
    Local(LocalLedger),
    #[cfg(feature = "aws")]
    Dynamo(DynamoLedger),
    #[cfg(feature = "aws")]
    IngestionLog(IngestionLog),
}

impl AnyLedger {
    /// True when every day entry of a type is read at once cheaply (the local ledger's year
    /// files), so that a repair can look at all of them, not only at the days the lake lists
    /// (a table is asked over that span: the ingestion log takes one `Query` per day).
    pub fn reads_every_day_at_once(&self) -> bool {
        matches!(self, AnyLedger::Local(_))
    }

    /// The types whose stored day entries cannot be read (a local days file torn, truncated
    /// or flipped), for a repair to rebuild; a table has no such damage to find.
    pub async fn damaged_types(&self) -> Vec<DataType> {
        match self {
            AnyLedger::Local(l) => l.damaged_types().await,
            #[allow(unreachable_patterns)]
            _ => Vec::new(),
        }
    }

    /// Moves the damaged stored day entries of `data_type` aside (kept for a person to look
    /// at) so that a rebuild starts from those that still read; returns where they went, none
    /// when nothing was damaged.
    pub async fn set_aside_damaged(&self, data_type: DataType) -> anyhow::Result<Vec<String>> {
        match self {
            AnyLedger::Local(l) => Ok(l
                .set_aside_damaged(data_type)
                .await?
                .iter()
                .map(|p| p.display().to_string())
                .collect()),
            #[allow(unreachable_patterns)]
            _ => Ok(Vec::new()),
        }
    }

    /// Every day entry of `data_type` the ledger holds, when it can give them in one read (the
    /// local ledger's file, one DynamoDB query); `None` for bio-lakehouse's ingestion log,
    /// which is asked day by day (silver then lists the lake instead).
    pub async fn all_days(
        &self,
        data_type: DataType,
    ) -> anyhow::Result<Option<BTreeMap<Date, DayEntry>>> {
        match self {
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(_) => Ok(None),
            #[allow(unreachable_patterns)]
            _ => Ok(Some(self.days(data_type, Window::all_time()).await?)),
        }
    }
}

impl Ledger for AnyLedger {
    async fn check(&self) -> anyhow::Result<()> {
        match self {
            AnyLedger::Local(l) => l.check().await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.check().await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.check().await,
        }
    }

    async fn days(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<BTreeMap<Date, DayEntry>> {
        match self {
            AnyLedger::Local(l) => l.days(data_type, window).await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.days(data_type, window).await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.days(data_type, window).await,
        }
    }

    async fn put_days(&self, entries: &[DayEntry], window: Window) -> anyhow::Result<()> {
        match self {
            AnyLedger::Local(l) => l.put_days(entries, window).await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.put_days(entries, window).await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.put_days(entries, window).await,
        }
    }

    async fn put_run(&self, run: &RunEntry) -> anyhow::Result<()> {
        match self {
            AnyLedger::Local(l) => l.put_run(run).await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.put_run(run).await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.put_run(run).await,
        }
    }

    async fn recent_runs(&self, limit: usize) -> anyhow::Result<Vec<RunEntry>> {
        match self {
            AnyLedger::Local(l) => l.recent_runs(limit).await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.recent_runs(limit).await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.recent_runs(limit).await,
        }
    }

    async fn last_day_with_records(&self, data_type: DataType) -> anyhow::Result<Option<DayEntry>> {
        match self {
            AnyLedger::Local(l) => l.last_day_with_records(data_type).await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.last_day_with_records(data_type).await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.last_day_with_records(data_type).await,
        }
    }

    async fn identity(&self) -> anyhow::Result<Option<LakeIdentity>> {
        match self {
            AnyLedger::Local(l) => l.identity().await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.identity().await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.identity().await,
        }
    }

    async fn put_identity(&self, identity: &LakeIdentity) -> anyhow::Result<()> {
        match self {
            AnyLedger::Local(l) => l.put_identity(identity).await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.put_identity(identity).await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.put_identity(identity).await,
        }
    }

    async fn put_record(&self, kind: &str, name: &str, body: &str) -> anyhow::Result<()> {
        match self {
            AnyLedger::Local(l) => l.put_record(kind, name, body).await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.put_record(kind, name, body).await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.put_record(kind, name, body).await,
        }
    }

    async fn records(&self, kind: &str) -> anyhow::Result<Vec<Record>> {
        match self {
            AnyLedger::Local(l) => l.records(kind).await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.records(kind).await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.records(kind).await,
        }
    }

    async fn delete_record(&self, kind: &str, name: &str) -> anyhow::Result<()> {
        match self {
            AnyLedger::Local(l) => l.delete_record(kind, name).await,
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.delete_record(kind, name).await,
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.delete_record(kind, name).await,
        }
    }

    fn describe(&self) -> String {
        match self {
            AnyLedger::Local(l) => l.describe(),
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.describe(),
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.describe(),
        }
    }

    fn form(&self) -> &'static str {
        match self {
            AnyLedger::Local(l) => l.form(),
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.form(),
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.form(),
        }
    }

    fn records_each_object(&self) -> bool {
        match self {
            AnyLedger::Local(l) => l.records_each_object(),
            #[cfg(feature = "aws")]
            AnyLedger::Dynamo(l) => l.records_each_object(),
            #[cfg(feature = "aws")]
            AnyLedger::IngestionLog(l) => l.records_each_object(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(started_at: &str) -> RunEntry {
        RunEntry {
            run_id: "r".into(),
            status: "success".into(),
            window_start: jiff::civil::date(2026, 11, 17),
            window_end: jiff::civil::date(2026, 11, 23),
            started_at: started_at.parse().unwrap(),
            finished_at: started_at.parse().unwrap(),
            duration_ms: 0,
            counts: BTreeMap::new(),
            failures: Vec::new(),
            objects_written: 0,
            notify_status: "disabled".into(),
            complete_types: Vec::new(),
        }
    }

    #[test]
    fn run_keys_sort_by_time_within_a_second() {
        let (whole, later) = (run("2026-11-24T09:00:35Z"), run("2026-11-24T09:00:35.5Z"));
        assert_eq!(whole.sk(), "2026-11-24T09:00:35.000000000Z#r");
        assert!(whole.sk() < later.sk());
    }
}
