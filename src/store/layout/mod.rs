//! How a lake lays its objects out: the [`Layout`] seam, a small pure type per layout, and
//! the registry that picks one by name.
//!
//! A layout decides, for one (type, day), the key under the destination's prefix, how the
//! day's records become the object's body, and the body's content type; and it can read a
//! key back into its (type, day), for listings. The store joins the prefix and writes; the
//! pipeline never builds a key. A new layout is one new file here plus its row in
//! [`by_name`].

pub mod athena;
pub mod bio_lakehouse;
pub mod hive_ndjson;

use std::sync::Arc;

use jiff::civil::Date;

use crate::datatype::DataType;

pub use bio_lakehouse::BioLakehouse;
pub use hive_ndjson::HiveNdjson;

/// One way of laying out the lake's objects. Implementations are pure (no I/O).
pub trait Layout: std::fmt::Debug + Send + Sync {
    /// The layout's name, as a setting would spell it (`hive-ndjson`).
    fn name(&self) -> &'static str;

    /// The key of `data_type`'s object for `day`, relative to the store's prefix (no leading
    /// slash).
    fn key(&self, data_type: DataType, day: Date) -> String;

    /// The (type, day) that a relative key of this layout stands for; `None` for any other key.
    fn parse_key(&self, key: &str) -> Option<(DataType, Date)>;

    /// The object's body for the day's records (each the exact bytes of one JSON record, in
    /// the order given).
    fn encode(&self, records: &[&str]) -> Vec<u8>;

    /// The body's media type (S3 `Content-Type`).
    fn content_type(&self) -> &'static str;

    /// The records of a stored body of this layout, each its exact bytes, or why the body is
    /// not one of this layout's (a damaged or foreign object): never an empty day for a body
    /// that does not decode.
    fn decode(&self, body: &[u8]) -> Result<Vec<Box<serde_json::value::RawValue>>, String>;

    /// The folder (first key segment) of `data_type`'s objects, which an ingestion log
    /// records as the object's `data_type`.
    fn folder(&self, data_type: DataType) -> &'static str {
        data_type.name()
    }

    /// True when each run that wrote objects also writes its batch manifest
    /// ([`crate::store::manifest`]) for an S3 trigger that starts jobs per batch.
    fn writes_manifest(&self) -> bool {
        false
    }
}

/// The layout names [`by_name`] knows.
pub const NAMES: &[&str] = &[hive_ndjson::NAME, bio_lakehouse::NAME];

/// The layout called `name`, if there is one.
pub fn by_name(name: &str) -> Option<Arc<dyn Layout>> {
    match name {
        hive_ndjson::NAME => Some(Arc::new(HiveNdjson)),
        bio_lakehouse::NAME => Some(Arc::new(BioLakehouse)),
        _ => None,
    }
}

/// The layout whose keys look like `relative` (a key under the store's prefix), with the
/// (type, day) it stands for: how a reader knows which layout an object was written with,
/// whatever layout the lake uses today.
pub fn of_key(relative: &str) -> Option<(Arc<dyn Layout>, DataType, Date)> {
    NAMES.iter().filter_map(|name| by_name(name)).find_map(|layout| {
        let (data_type, day) = layout.parse_key(relative)?;
        Some((layout, data_type, day))
    })
}

/// The layout of CONTRACT §4, used when nothing else is asked for.
pub fn default_layout() -> Arc<dyn Layout> {
    Arc::new(HiveNdjson)
}

/// `relative` under `prefix` (slashes around the prefix trimmed; an empty prefix adds
/// nothing).
pub fn join_prefix(prefix: &str, relative: &str) -> String {
    match prefix.trim_matches('/') {
        "" => relative.to_string(),
        prefix => format!("{prefix}/{relative}"),
    }
}

/// The key of the quarantine object of `data_type` for the run `run_id`, relative to the
/// store's prefix, whatever the layout: the records of that type that could not be filed,
/// one per line with the reason (CONTRACT §4). `rejected_key(DataType::DailySleep, "r1")` is
/// `_rejected/daily_sleep/r1.jsonl`. The leading `_` keeps Athena, Spark and DuckDB from
/// reading it as data, and it lies outside every type's folder, so no bronze table or glob
/// (`<type>/year=*/…`) reaches it; no layout's `parse_key` reads it as a day.
pub fn rejected_key(data_type: DataType, run_id: &str) -> String {
    format!("_rejected/{}/{run_id}.jsonl", data_type.name())
}

/// The `year=YYYY/month=MM/day=DD` partition of `day`, which the Hive-style layouts share.
pub fn day_partition(day: Date) -> String {
    format!("year={:04}/month={:02}/day={:02}", day.year(), day.month(), day.day())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn every_name_resolves_to_its_layout() {
        for name in NAMES {
            assert_eq!(by_name(name).unwrap().name(), *name);
        }
        assert!(by_name("parquet").is_none());
        assert_eq!(default_layout().name(), "hive-ndjson");
    }

    #[test]
    fn quarantine_keys_sit_apart_from_the_data() {
        let key = join_prefix("oura/", &rejected_key(DataType::DailySleep, "r1"));
        assert_eq!(key, "oura/_rejected/daily_sleep/r1.jsonl");
        assert_eq!(rejected_key(DataType::Vo2Max, "r2"), "_rejected/vo2_max/r2.jsonl");
        assert!(default_layout().parse_key(&rejected_key(DataType::Heartrate, "r3")).is_none());
    }

    /// A key names the layout it was written with, so a lake that switched layouts reads
    /// each object with its own.
    #[test]
    fn a_key_names_its_layout() {
        let day = date(2026, 11, 3);
        for name in NAMES {
            let layout = by_name(name).unwrap();
            let (found, t, d) = of_key(&layout.key(DataType::DailyReadiness, day)).unwrap();
            assert_eq!((found.name(), t, d), (*name, DataType::DailyReadiness, day));
        }
        assert!(of_key("_ledger/lake.json").is_none());
    }

    #[test]
    fn prefixes_join_without_stray_slashes() {
        assert_eq!(join_prefix("/a/b/", "k"), "a/b/k");
        assert_eq!(join_prefix("", "k"), "k");
        assert_eq!(day_partition(date(2025, 1, 5)), "year=2025/month=01/day=05");
    }
}
