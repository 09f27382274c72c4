//! Filing records under days: which day a record belongs to (CONTRACT §3), which records are
//! the same record seen twice, and the stable order of a day's records. Pure functions over
//! the raw records; the bytes of every record are kept exactly as Oura sent them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::datatype::{DataType, DayRule};
use crate::window::{Window, local_day};

/// The few fields oura-sync reads from a record (the rest is never parsed).
#[derive(Deserialize, Default)]
struct Fields<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    day: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    start_day: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    bedtime_start: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    start_datetime: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    start_time: Option<Cow<'a, str>>,
}

/// The records of a fetch, filed by day.
#[derive(Debug, Default)]
pub struct Filed {
    /// Every day of the kept window that has records, with its records in stable order.
    pub by_day: BTreeMap<Date, Vec<Box<RawValue>>>,
    /// Records seen more than once (by `id`, or by timestamp and source for series).
    pub duplicates: usize,
    /// Records whose day lies outside the kept window (the padding of the query).
    pub outside: usize,
}

/// Files `records` of `data_type` under their days, keeping only days in `keep`.
/// Snapshots (`ring_configuration`, `personal_info`) go under `keep.end`; series samples under
/// the date of their `timestamp` in `tz`; every other record under its `day`/`start_day`.
pub fn file_by_day(
    data_type: DataType,
    records: Vec<Box<RawValue>>,
    keep: Window,
    tz: &TimeZone,
) -> Result<Filed, String> {
    let mut filed = Filed::default();
    let mut seen = HashSet::new();
    let mut keyed: BTreeMap<Date, Vec<(SortKey, Box<RawValue>)>> = BTreeMap::new();
    for record in records {
        let fields: Fields<'_> = serde_json::from_str(record.get()).map_err(|e| {
            format!("a {data_type} record is not an object with the usual fields: {e}")
        })?;
        let day = record_day(data_type, &fields, keep, tz)?;
        let (identity, sort) = identity_and_order(data_type, &fields, &record)?;
        if !seen.insert(identity) {
            filed.duplicates += 1;
            continue;
        }
        if !keep.contains(day) {
            filed.outside += 1;
            continue;
        }
        keyed.entry(day).or_default().push((sort, record));
    }
    for (day, mut records) in keyed {
        records.sort_by(|(a, ra), (b, rb)| a.cmp(b).then_with(|| ra.get().cmp(rb.get())));
        filed.by_day.insert(day, records.into_iter().map(|(_, r)| r).collect());
    }
    Ok(filed)
}

/// The day a record belongs to.
fn record_day(
    data_type: DataType,
    fields: &Fields<'_>,
    keep: Window,
    tz: &TimeZone,
) -> Result<Date, String> {
    match data_type.day_rule() {
        DayRule::WindowEnd => Ok(keep.end),
        DayRule::LocalTimestamp => Ok(local_day(sample_time(data_type, fields)?, tz)),
        DayRule::Field(name) => {
            let value = match name {
                "start_day" => fields.start_day.as_deref(),
                _ => fields.day.as_deref(),
            };
            let value =
                value.ok_or_else(|| format!("a {data_type} record has no `{name}` field"))?;
            value.parse::<Date>().map_err(|_| {
                format!("a {data_type} record has `{name}` = `{value}`, which is not a date")
            })
        }
    }
}

fn sample_time(data_type: DataType, fields: &Fields<'_>) -> Result<Timestamp, String> {
    let text = fields
        .timestamp
        .as_deref()
        .ok_or_else(|| format!("a {data_type} sample has no `timestamp`"))?;
    text.parse::<Timestamp>().map_err(|_| {
        format!("a {data_type} sample has `timestamp` = `{text}`, which is not a time")
    })
}

/// How records of a day are ordered: by their time when they have one, then by identity.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    at: Option<Timestamp>,
    tie: String,
}

/// What makes two records the same record, and where a record sorts.
fn identity_and_order(
    data_type: DataType,
    fields: &Fields<'_>,
    record: &RawValue,
) -> Result<(String, SortKey), String> {
    if data_type.is_series() {
        let at = sample_time(data_type, fields)?;
        let source = fields.source.as_deref().unwrap_or("");
        // The same instant may be written with different offsets; the instant is the identity.
        let identity = format!("{}|{source}", at.as_nanosecond());
        return Ok((identity, SortKey { at: Some(at), tie: source.to_string() }));
    }
    let at = [&fields.bedtime_start, &fields.start_datetime, &fields.start_time, &fields.timestamp]
        .into_iter()
        .flatten()
        .find_map(|text| text.parse::<Timestamp>().ok());
    match fields.id.as_deref() {
        Some(id) if !id.is_empty() => Ok((format!("id|{id}"), SortKey { at, tie: id.to_string() })),
        // A record without an id is identified by its bytes.
        _ => Ok((format!("raw|{}", record.get()), SortKey { at, tie: String::new() })),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn raw(records: &[&str]) -> Vec<Box<RawValue>> {
        records.iter().map(|r| RawValue::from_string(r.to_string()).unwrap()).collect()
    }

    fn texts(filed: &Filed, day: Date) -> Vec<&str> {
        filed.by_day[&day].iter().map(|r| r.get()).collect()
    }

    #[test]
    fn documents_go_under_their_day_and_padding_days_are_dropped() {
        let w = Window::new(date(2026, 11, 17), date(2026, 11, 23));
        let records = raw(&[
            r#"{"id":"b","day":"2026-11-23","bedtime_start":"2026-11-22T23:10:00-05:00"}"#,
            r#"{"id":"a","day":"2026-11-23","bedtime_start":"2026-11-23T13:00:00-05:00"}"#,
            r#"{"id":"c","day":"2026-11-16"}"#,
            r#"{"id":"d","day":"2026-11-24"}"#,
            r#"{"id":"b","day":"2026-11-23","bedtime_start":"2026-11-22T23:10:00-05:00"}"#,
        ]);
        let filed = file_by_day(DataType::Sleep, records, w, &TimeZone::UTC).unwrap();
        assert_eq!(filed.by_day.len(), 1);
        // The night's sleep (earlier bedtime) sorts before the afternoon nap.
        let day = texts(&filed, date(2026, 11, 23));
        assert!(day[0].contains(r#""id":"b""#) && day[1].contains(r#""id":"a""#));
        assert_eq!((filed.duplicates, filed.outside), (1, 2));
    }

    #[test]
    fn bytes_are_kept_exactly() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 1));
        let odd = r#"{ "day" : "2026-01-01", "id":"x", "text":"caf\u00e9 ☕", "n": 1.50 }"#;
        let filed = file_by_day(DataType::Tag, raw(&[odd]), w, &TimeZone::UTC).unwrap();
        assert_eq!(texts(&filed, date(2026, 1, 1)), vec![odd]);
    }

    #[test]
    fn enhanced_tags_and_rest_mode_use_start_day() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 2));
        let r = raw(&[r#"{"id":"t","start_day":"2026-01-02","end_day":"2026-01-05"}"#]);
        let filed = file_by_day(DataType::EnhancedTag, r, w, &TimeZone::UTC).unwrap();
        assert!(filed.by_day.contains_key(&date(2026, 1, 2)));
    }

    #[test]
    fn series_samples_go_under_their_local_date_and_dedupe_by_instant_and_source() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let w = Window::new(date(2026, 11, 23), date(2026, 11, 23));
        let records = raw(&[
            r#"{"bpm":60,"source":"rest","timestamp":"2026-11-24T04:55:00+00:00"}"#,
            r#"{"bpm":61,"source":"rest","timestamp":"2026-11-23T05:00:00+00:00"}"#,
            r#"{"bpm":61,"source":"rest","timestamp":"2026-11-23T00:00:00-05:00"}"#,
            r#"{"bpm":62,"source":"awake","timestamp":"2026-11-23T05:00:00+00:00"}"#,
            r#"{"bpm":59,"source":"rest","timestamp":"2026-11-23T04:59:59+00:00"}"#,
        ]);
        let filed = file_by_day(DataType::Heartrate, records, w, &ny).unwrap();
        let day = texts(&filed, date(2026, 11, 23));
        assert_eq!(day.len(), 3);
        assert!(day[0].contains(r#""source":"awake""#));
        assert!(day[2].contains("2026-11-24T04:55:00"));
        assert_eq!((filed.duplicates, filed.outside), (1, 1));
    }

    #[test]
    fn snapshots_go_under_the_window_end() {
        let w = Window::new(date(2026, 11, 17), date(2026, 11, 23));
        let r = raw(&[r#"{"id":"ring","set_up_at":"2024-01-01T00:00:00+00:00"}"#]);
        let filed = file_by_day(DataType::RingConfiguration, r, w, &TimeZone::UTC).unwrap();
        assert_eq!(filed.by_day.keys().copied().collect::<Vec<_>>(), vec![date(2026, 11, 23)]);
    }

    #[test]
    fn a_record_without_its_day_fails_loudly() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 1));
        let err = file_by_day(DataType::DailySleep, raw(&[r#"{"id":"x"}"#]), w, &TimeZone::UTC)
            .unwrap_err();
        assert_eq!(err, "a daily_sleep record has no `day` field");
    }
}
