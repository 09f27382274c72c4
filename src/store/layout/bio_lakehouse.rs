//! The layout of bio-lakehouse's bronze bucket, the one its `oura-sync.sh` wrote and its Oura
//! normalizer reads (`OURA_LAYOUT=bio-lakehouse`): the script's folders (`readiness`, `sleep`,
//! `activity`, `heartrate`, `spo2`; `sleep_periods` for our `sleep`, whose name is taken;
//! every other type under its own name), one object per (type, day) at
//! `<folder>/year=YYYY/month=MM/day=DD/<folder>_YYYY-MM-DD.json`, holding a JSON array of the
//! day's records, each record's bytes exactly as Oura sent them, one per line.
//!
//! The normalizer lists every `.json` object under `oura/readiness/`, `oura/sleep/` and
//! `oura/activity/` and parses each as an array (or one object) of records, so these objects
//! are read as they are, and the objects the script left (`readiness_<timestamp>.json`, a
//! week in one partition) stay beside them; its dedup on `id` absorbs the overlap.

use jiff::civil::Date;

use super::{Layout, day_partition};
use crate::datatype::DataType;

/// The layout's name.
pub const NAME: &str = "bio-lakehouse";
/// The content type of every object (one JSON array).
pub const CONTENT_TYPE: &str = "application/json";

/// bio-lakehouse's bronze layout.
#[derive(Clone, Copy, Debug, Default)]
pub struct BioLakehouse;

/// The folder of `data_type`: the replaced script's name for its five types, `sleep_periods`
/// for `sleep` (the script's `sleep` is `daily_sleep`), else the type's own name.
pub fn folder(data_type: DataType) -> &'static str {
    match data_type {
        DataType::DailyReadiness => "readiness",
        DataType::DailySleep => "sleep",
        DataType::DailyActivity => "activity",
        DataType::DailySpo2 => "spo2",
        DataType::Sleep => "sleep_periods",
        other => other.name(),
    }
}

/// The type whose folder is `name`.
fn type_of_folder(name: &str) -> Option<DataType> {
    DataType::ALL.iter().copied().find(|t| folder(*t) == name)
}

impl Layout for BioLakehouse {
    fn name(&self) -> &'static str {
        NAME
    }

    fn key(&self, data_type: DataType, day: Date) -> String {
        let folder = folder(data_type);
        format!("{folder}/{}/{folder}_{day}.json", day_partition(day))
    }

    fn parse_key(&self, key: &str) -> Option<(DataType, Date)> {
        let (folder, rest) = key.split_once('/')?;
        let data_type = type_of_folder(folder)?;
        let file = rest.rsplit('/').next()?;
        let day: Date =
            file.strip_prefix(folder)?.strip_prefix('_')?.strip_suffix(".json")?.parse().ok()?;
        (self.key(data_type, day) == key).then_some((data_type, day))
    }

    fn encode(&self, records: &[&str]) -> Vec<u8> {
        // `[`, the records one per line separated by commas, `]`: a JSON array whose every
        // element is the record's bytes as sent.
        let mut body = Vec::with_capacity(records.iter().map(|r| r.len() + 2).sum::<usize>() + 4);
        body.extend_from_slice(b"[\n");
        for (i, record) in records.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(b",\n");
            }
            body.extend_from_slice(record.as_bytes());
        }
        body.extend_from_slice(b"\n]\n");
        body
    }

    fn content_type(&self) -> &'static str {
        CONTENT_TYPE
    }

    fn decode(&self, body: &[u8]) -> Result<Vec<Box<serde_json::value::RawValue>>, String> {
        // The array's elements keep their exact bytes; a body that is not one array (a
        // damaged object, or another layout's lines) is an error, never an empty day.
        serde_json::from_slice::<Vec<Box<serde_json::value::RawValue>>>(body)
            .map_err(|e| format!("not a JSON array of records ({e})"))
    }

    fn folder(&self, data_type: DataType) -> &'static str {
        folder(data_type)
    }

    fn writes_manifest(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn the_replaced_scripts_folders_and_one_json_file_per_day() {
        let day = date(2026, 2, 18);
        assert_eq!(
            BioLakehouse.key(DataType::DailyReadiness, day),
            "readiness/year=2026/month=02/day=18/readiness_2026-02-18.json"
        );
        let folders: Vec<&str> = [
            DataType::DailySleep,
            DataType::DailyActivity,
            DataType::Heartrate,
            DataType::DailySpo2,
            DataType::Sleep,
            DataType::Workout,
        ]
        .into_iter()
        .map(folder)
        .collect();
        assert_eq!(folders, ["sleep", "activity", "heartrate", "spo2", "sleep_periods", "workout"]);
    }

    #[test]
    fn every_type_has_its_own_folder_and_keys_read_back() {
        let day = date(2026, 2, 18);
        let mut seen = std::collections::BTreeSet::new();
        for &t in DataType::ALL {
            assert!(seen.insert(folder(t)), "two types share the folder {}", folder(t));
            assert_eq!(BioLakehouse.parse_key(&BioLakehouse.key(t, day)), Some((t, day)));
        }
        // What the replaced script left is not ours.
        assert_eq!(
            BioLakehouse
                .parse_key("readiness/year=2026/month=02/day=17/readiness_20260218_090000.json"),
            None
        );
        assert_eq!(BioLakehouse.parse_key("_manifests/r_manifest.json"), None);
    }

    #[test]
    fn bodies_are_a_json_array_of_the_records_as_sent() {
        let records = [r#"{"id":"a","score":1}"#, r#"{"id" : "b"}"#];
        let body = BioLakehouse.encode(&records);
        assert_eq!(body, b"[\n{\"id\":\"a\",\"score\":1},\n{\"id\" : \"b\"}\n]\n");
        let parsed: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed.len(), 2);
        let one: Vec<serde_json::Value> =
            serde_json::from_slice(&BioLakehouse.encode(&records[..1])).unwrap();
        assert_eq!(one[0]["id"], "a");
    }

    #[test]
    fn stored_bodies_decode_into_the_records_as_sent() {
        let records = [r#"{"id":"a","score":1}"#, r#"{"id" : "b"}"#, r#"{"c":[1, 2]}"#];
        let decoded = BioLakehouse.decode(&BioLakehouse.encode(&records)).unwrap();
        let texts: Vec<&str> = decoded.iter().map(|r| r.get()).collect();
        assert_eq!(texts, records);
        assert!(BioLakehouse.decode(b"[\n{\"id\":\"a\"},\n").is_err(), "a torn body");
        assert!(BioLakehouse.decode(b"{\"id\":\"a\"}\n").is_err(), "NDJSON is not ours");
        assert!(BioLakehouse.decode(&BioLakehouse.encode(&[])).unwrap().is_empty());
    }
}
