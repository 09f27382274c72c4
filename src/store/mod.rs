//! Where the lake lives: the [`ObjectStore`] seam and its backends.
//!
//! A backend stores one object per (type, day); its [`Layout`] (one per store) decides the
//! key under the destination's prefix and the body, so the pipeline hands over the type, the
//! day and the records and never builds a key. The user picks the backend at run time
//! through `--dest`/`OURA_DESTINATION`, so the pipeline only ever sees [`AnyStore`].

pub mod byte_store;
pub mod lake;
pub mod layout;
pub mod local;
pub mod manifest;
#[cfg(feature = "aws")]
pub mod object_names;
pub mod place;
mod probe;
#[cfg(feature = "aws")]
pub mod s3;
pub mod silver;

use bytes::Bytes;
use jiff::civil::Date;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::datatype::DataType;
pub use lake::{Lake, LakeLock, RunLocks, lock_run};
pub use layout::Layout;

pub use local::LocalStore;
#[cfg(feature = "aws")]
pub use object_names::LakeNames;
#[cfg(feature = "aws")]
pub use s3::S3Store;

/// One (type, day) object, ready to store.
#[derive(Clone, Debug)]
pub struct DayObject {
    /// The key relative to the store's root (for S3 it includes the destination prefix).
    pub key: String,
    /// The day's records as the layout encodes them (NDJSON by default).
    pub body: Bytes,
    /// The body's media type.
    pub content_type: &'static str,
    /// Lower-case hex sha256 of `body`.
    pub sha256: String,
    /// How many records (lines) `body` holds.
    pub record_count: u64,
    /// The run that wrote it.
    pub run_id: String,
}

impl DayObject {
    /// The object of `data_type`'s `records` of `day` (each the exact bytes of one record, in
    /// the order given), as `layout` lays it out under `prefix`.
    pub fn new(
        layout: &dyn Layout,
        prefix: &str,
        data_type: DataType,
        day: Date,
        records: &[&str],
        run_id: &str,
    ) -> Self {
        let body = layout.encode(records);
        Self {
            key: layout::join_prefix(prefix, &layout.key(data_type, day)),
            sha256: sha256_hex(&body),
            body: Bytes::from(body),
            content_type: layout.content_type(),
            record_count: records.len() as u64,
            run_id: run_id.to_string(),
        }
    }
}

impl AnyStore {
    /// Stores the quarantine object of `data_type` for the run `run_id` (one line per record
    /// that could not be filed, see [`layout::rejected_key`]), durably, and returns its key.
    /// Each run has its own object, so nothing an earlier run set aside is overwritten.
    pub async fn put_rejected(
        &self,
        data_type: DataType,
        run_id: &str,
        lines: &[String],
    ) -> anyhow::Result<String> {
        let key = layout::join_prefix(self.key_prefix(), &layout::rejected_key(data_type, run_id));
        let mut body = Vec::new();
        for line in lines {
            body.extend_from_slice(line.as_bytes());
            body.push(b'\n');
        }
        let object = DayObject {
            key: key.clone(),
            sha256: sha256_hex(&body),
            body: Bytes::from(body),
            content_type: layout::hive_ndjson::CONTENT_TYPE,
            record_count: lines.len() as u64,
            run_id: run_id.to_string(),
        };
        self.put(&object, None).await?;
        self.flush().await?;
        Ok(key)
    }
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What a `put` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// The object was created or replaced.
    Written,
    /// The store already held exactly these bytes; nothing was written.
    Unchanged,
}

/// A place that holds the lake's objects.
///
/// Contract for every backend (checked by the store conformance suite):
/// - `put` replaces whatever the key held; a reader sees the old object or the new one,
///   never a mix or a partial body; a failed `put` leaves the old object as it was.
/// - `put` of a body whose sha256 equals the stored one writes nothing and says `Unchanged`.
/// - `get` of a key never written is `Ok(None)`.
/// - `delete` removes the object (a key not there is no error); `get` then reads `None`.
#[allow(async_fn_in_trait)]
pub trait ObjectStore {
    /// Checks, before any data moves, that the destination exists and can be written.
    async fn check(&self) -> anyhow::Result<()>;

    /// Stores `object`. `known_sha256` is the checksum the ledger records for this key, which
    /// a backend that cannot cheaply read its objects back may trust.
    async fn put(
        &self,
        object: &DayObject,
        known_sha256: Option<&str>,
    ) -> anyhow::Result<PutOutcome>;

    /// Makes every object put so far durable (a power loss keeps them); called before the
    /// ledger records them. A no-op where `put` is durable when it returns (S3).
    async fn flush(&self) -> anyhow::Result<()>;

    /// Reads an object back.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>>;

    /// Removes an object (a day whose records all moved to other days).
    async fn delete(&self, key: &str) -> anyhow::Result<()>;

    /// Every key under the folder `prefix` (a full key's start, ending in `/`).
    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<byte_store::Listed>>;

    /// True where an object is cheap to read back (a local disk), so that what it holds is
    /// checked against the ledger before a resumed backfill trusts it; an S3 lake keeps what
    /// it acknowledged, and `--force` refetches.
    fn reads_are_cheap(&self) -> bool;

    /// The destination as a user would write it (`./oura-lake`, `s3://bucket/prefix`).
    fn describe(&self) -> String;

    /// The layout of this store's objects.
    fn layout(&self) -> &dyn Layout;

    /// The prefix that keys start with (empty for a local directory).
    fn key_prefix(&self) -> &str;

    /// The key of `data_type`'s object for `day`.
    fn key(&self, data_type: DataType, day: Date) -> String {
        layout::join_prefix(self.key_prefix(), &self.layout().key(data_type, day))
    }

    /// The layout the object `key` was written with, read from the key's shape (a lake that
    /// switched layouts holds both), else this store's own.
    fn layout_of_key(&self, key: &str) -> std::sync::Arc<dyn Layout> {
        let relative = match self.key_prefix().trim_matches('/') {
            "" => key,
            prefix => key.strip_prefix(prefix).and_then(|k| k.strip_prefix('/')).unwrap_or(key),
        };
        match layout::of_key(relative) {
            Some((layout, _, _)) => layout,
            None => layout::by_name(self.layout().name()).unwrap_or_else(layout::default_layout),
        }
    }

    /// The records of the stored object `key`, decoded with the layout it was written with,
    /// `None` when there is no such object; a body that does not decode is an error naming
    /// the key (never an empty day).
    async fn records(&self, key: &str) -> anyhow::Result<Option<Vec<Box<RawValue>>>> {
        let Some(body) = self.get(key).await? else { return Ok(None) };
        let layout = self.layout_of_key(key);
        let records = layout.decode(&body).map_err(|cause| {
            anyhow::anyhow!("the lake object {key} is damaged: {cause} (as {})", layout.name())
        })?;
        Ok(Some(records))
    }

    /// The stored object `key` as NDJSON, with the sha256 of the bytes as stored: the body
    /// itself when it is NDJSON, the records re-encoded as lines in another layout; a body
    /// that does not decode is an error naming the key.
    async fn ndjson(&self, key: &str) -> anyhow::Result<Option<(String, Bytes)>> {
        let Some(body) = self.get(key).await? else { return Ok(None) };
        let sha256 = sha256_hex(&body);
        let layout = self.layout_of_key(key);
        let records = layout.decode(&body).map_err(|cause| {
            anyhow::anyhow!("the lake object {key} is damaged: {cause} (as {})", layout.name())
        })?;
        if layout.name() == layout::hive_ndjson::NAME {
            return Ok(Some((sha256, body)));
        }
        let lines: Vec<&str> = records.iter().map(|r| r.get()).collect();
        Ok(Some((sha256, Bytes::from(layout::HiveNdjson.encode(&lines)))))
    }

    /// The stored day objects of `data_type` within `window` found by listing the lake (for a
    /// lake with no ledger, or one made by another tool), by day: every key under the type's
    /// folder that the layout reads back as a day of this type.
    async fn day_keys(
        &self,
        data_type: DataType,
        window: crate::window::Window,
    ) -> anyhow::Result<Vec<(Date, String)>> {
        let folder = layout::join_prefix(self.key_prefix(), self.layout().folder(data_type));
        let strip = match self.key_prefix() {
            "" => String::new(),
            prefix => format!("{prefix}/"),
        };
        let mut days: Vec<(Date, String)> = self
            .list(&format!("{folder}/"))
            .await?
            .into_iter()
            .filter_map(|listed| {
                let relative = listed.key.strip_prefix(&strip)?;
                let (t, day) = self.layout().parse_key(relative)?;
                (t == data_type && window.contains(day)).then_some((day, listed.key))
            })
            .collect();
        days.sort();
        Ok(days)
    }

    /// The object to [`put`](ObjectStore::put) for `data_type`'s `records` of `day`.
    fn day_object(
        &self,
        data_type: DataType,
        day: Date,
        records: &[&str],
        run_id: &str,
    ) -> DayObject {
        DayObject::new(self.layout(), self.key_prefix(), data_type, day, records, run_id)
    }
}

/// The backend chosen at run time.
#[derive(Debug)]
pub enum AnyStore {
    Local(LocalStore),
    #[cfg(feature = "aws")]
    S3(S3Store),
}

impl ObjectStore for AnyStore {
    async fn check(&self) -> anyhow::Result<()> {
        match self {
            AnyStore::Local(s) => s.check().await,
            #[cfg(feature = "aws")]
            AnyStore::S3(s) => s.check().await,
        }
    }

    async fn put(
        &self,
        object: &DayObject,
        known_sha256: Option<&str>,
    ) -> anyhow::Result<PutOutcome> {
        match self {
            AnyStore::Local(s) => s.put(object, known_sha256).await,
            #[cfg(feature = "aws")]
            AnyStore::S3(s) => s.put(object, known_sha256).await,
        }
    }

    async fn flush(&self) -> anyhow::Result<()> {
        match self {
            AnyStore::Local(s) => s.flush().await,
            #[cfg(feature = "aws")]
            AnyStore::S3(s) => s.flush().await,
        }
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        match self {
            AnyStore::Local(s) => s.get(key).await,
            #[cfg(feature = "aws")]
            AnyStore::S3(s) => s.get(key).await,
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self {
            AnyStore::Local(s) => s.delete(key).await,
            #[cfg(feature = "aws")]
            AnyStore::S3(s) => s.delete(key).await,
        }
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<byte_store::Listed>> {
        match self {
            AnyStore::Local(s) => s.list(prefix).await,
            #[cfg(feature = "aws")]
            AnyStore::S3(s) => s.list(prefix).await,
        }
    }

    fn reads_are_cheap(&self) -> bool {
        match self {
            AnyStore::Local(s) => s.reads_are_cheap(),
            #[cfg(feature = "aws")]
            AnyStore::S3(s) => s.reads_are_cheap(),
        }
    }

    fn describe(&self) -> String {
        match self {
            AnyStore::Local(s) => s.describe(),
            #[cfg(feature = "aws")]
            AnyStore::S3(s) => s.describe(),
        }
    }

    fn layout(&self) -> &dyn Layout {
        match self {
            AnyStore::Local(s) => s.layout(),
            #[cfg(feature = "aws")]
            AnyStore::S3(s) => s.layout(),
        }
    }

    fn key_prefix(&self) -> &str {
        match self {
            AnyStore::Local(s) => s.key_prefix(),
            #[cfg(feature = "aws")]
            AnyStore::S3(s) => s.key_prefix(),
        }
    }
}
