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
}
