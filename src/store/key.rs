//! The lake's key layout (CONTRACT §4), as a pure function.

use jiff::civil::Date;

use crate::datatype::DataType;

/// The key of the object holding `data_type`'s records of `day`, under `prefix`.
///
/// `object_key("oura", DataType::DailySleep, 2026-02-18)` is
/// `oura/daily_sleep/year=2026/month=02/day=18/daily_sleep_2026-02-18.jsonl`; an empty prefix
/// (a local lake) drops the leading segment. Slashes around the prefix are trimmed.
pub fn object_key(prefix: &str, data_type: DataType, day: Date) -> String {
    let name = data_type.name();
    let partition = format!(
        "{name}/year={:04}/month={:02}/day={:02}/{name}_{day}.jsonl",
        day.year(),
        day.month(),
        day.day()
    );
    match prefix.trim_matches('/') {
        "" => partition,
        prefix => format!("{prefix}/{partition}"),
    }
}

/// The key of the quarantine object of `data_type` for the run `run_id`: the records of that
/// type that could not be filed, one per line with the reason (CONTRACT §4).
///
/// `rejected_key("oura", DataType::DailySleep, "r1")` is `oura/_rejected/daily_sleep/r1.jsonl`.
/// The leading `_` keeps Athena, Spark and DuckDB from reading it as data, and it lies outside
/// every type's folder, so no bronze table or glob (`<type>/year=*/…`) ever reaches it.
pub fn rejected_key(prefix: &str, data_type: DataType, run_id: &str) -> String {
    let name = format!("_rejected/{}/{run_id}.jsonl", data_type.name());
    match prefix.trim_matches('/') {
        "" => name,
        prefix => format!("{prefix}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn keys_are_hive_partitioned_by_the_records_day() {
        assert_eq!(
            object_key("oura", DataType::DailySleep, date(2026, 2, 18)),
            "oura/daily_sleep/year=2026/month=02/day=18/daily_sleep_2026-02-18.jsonl"
        );
        assert_eq!(
            object_key("/a/b/", DataType::Vo2Max, date(2025, 12, 1)),
            "a/b/vo2_max/year=2025/month=12/day=01/vo2_max_2025-12-01.jsonl"
        );
        assert_eq!(
            object_key("", DataType::Heartrate, date(2024, 1, 5)),
            "heartrate/year=2024/month=01/day=05/heartrate_2024-01-05.jsonl"
        );
    }

    #[test]
    fn quarantine_keys_sit_apart_from_the_data() {
        assert_eq!(
            rejected_key("oura/", DataType::DailySleep, "r1"),
            "oura/_rejected/daily_sleep/r1.jsonl"
        );
        assert_eq!(rejected_key("", DataType::Vo2Max, "r2"), "_rejected/vo2_max/r2.jsonl");
    }
}
