//! The default layout (CONTRACT §4): `<type>/year=YYYY/month=MM/day=DD/<type>_YYYY-MM-DD.jsonl`,
//! every record of the day on its own line (NDJSON, `application/x-ndjson`), each line the
//! exact bytes Oura sent.

use jiff::civil::Date;

use super::{Layout, day_partition};
use crate::datatype::DataType;

/// The layout's name.
pub const NAME: &str = "hive-ndjson";
/// The content type of every object (one JSON document per line).
pub const CONTENT_TYPE: &str = "application/x-ndjson";

/// Hive-partitioned NDJSON, one object per (type, day).
#[derive(Clone, Copy, Debug, Default)]
pub struct HiveNdjson;

impl Layout for HiveNdjson {
    fn name(&self) -> &'static str {
        NAME
    }

    fn key(&self, data_type: DataType, day: Date) -> String {
        let name = data_type.name();
        format!("{name}/{}/{name}_{day}.jsonl", day_partition(day))
    }

    fn parse_key(&self, key: &str) -> Option<(DataType, Date)> {
        let (folder, rest) = key.split_once('/')?;
        let data_type: DataType = folder.parse().ok()?;
        let file = rest.rsplit('/').next()?;
        let day: Date =
            file.strip_prefix(folder)?.strip_prefix('_')?.strip_suffix(".jsonl")?.parse().ok()?;
        (self.key(data_type, day) == key).then_some((data_type, day))
    }

    fn encode(&self, records: &[&str]) -> Vec<u8> {
        let mut body = Vec::with_capacity(records.iter().map(|r| r.len() + 1).sum());
        for record in records {
            body.extend_from_slice(record.as_bytes());
            body.push(b'\n');
        }
        body
    }

    fn content_type(&self) -> &'static str {
        CONTENT_TYPE
    }

    fn decode(&self, body: &[u8]) -> Result<Vec<Box<serde_json::value::RawValue>>, String> {
        let mut records = Vec::new();
        for (number, line) in body.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let text = std::str::from_utf8(line)
                .map_err(|_| format!("line {} is not UTF-8", number + 1))?;
            let record = serde_json::value::RawValue::from_string(text.to_string())
                .map_err(|e| format!("line {} is not a JSON record ({e})", number + 1))?;
            records.push(record);
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::store::layout::join_prefix;

    #[test]
    fn keys_are_hive_partitioned_by_the_records_day() {
        let key = |prefix, t, d| join_prefix(prefix, &HiveNdjson.key(t, d));
        assert_eq!(
            key("oura", DataType::DailySleep, date(2026, 2, 18)),
            "oura/daily_sleep/year=2026/month=02/day=18/daily_sleep_2026-02-18.jsonl"
        );
        assert_eq!(
            key("/a/b/", DataType::Vo2Max, date(2025, 12, 1)),
            "a/b/vo2_max/year=2025/month=12/day=01/vo2_max_2025-12-01.jsonl"
        );
        assert_eq!(
            key("", DataType::Heartrate, date(2024, 1, 5)),
            "heartrate/year=2024/month=01/day=05/heartrate_2024-01-05.jsonl"
        );
    }

    #[test]
    fn keys_read_back_into_their_type_and_day() {
        let day = date(2026, 2, 18);
        for &t in DataType::ALL {
            assert_eq!(HiveNdjson.parse_key(&HiveNdjson.key(t, day)), Some((t, day)));
        }
        assert_eq!(
            HiveNdjson
                .parse_key("daily_sleep/year=2026/month=02/day=19/daily_sleep_2026-02-18.jsonl"),
            None
        );
        assert_eq!(HiveNdjson.parse_key("_ledger/runs.jsonl"), None);
    }

    /// A body with a line that is not JSON (torn, flipped, another layout's array) is an
    /// error naming the line, never fewer records in silence.
    #[test]
    fn a_damaged_body_does_not_decode() {
        let good = HiveNdjson.decode(b"{\"a\":1}\n\n{\"b\":2}\n").unwrap();
        assert_eq!(good.len(), 2);
        assert!(HiveNdjson.decode(b"{\"a\":1}\n{\"b\":").unwrap_err().contains("line 2"));
        assert!(HiveNdjson.decode(b"[\n{\"a\":1}\n]\n").is_err());
    }

    #[test]
    fn bodies_are_one_record_per_line() {
        assert_eq!(HiveNdjson.encode(&[r#"{"a":1}"#, r#"{"b" : 2}"#]), b"{\"a\":1}\n{\"b\" : 2}\n");
        assert!(HiveNdjson.encode(&[]).is_empty());
    }
}
