//! Filing records under days: which day a record belongs to (CONTRACT §3), which records are
//! the same record seen twice, what happens to a record that cannot be filed, and the stable
//! order of a day's records. Pure functions over the raw records; the bytes of every record
//! are kept exactly as Oura sent them.
//!
//! The rules for records seen more than once in one fetch:
//! - the same bytes again: one is kept (pages that overlap, or a record sent twice);
//! - a document with the same `id` but other bytes: Oura revised it between two pages, so the
//!   one sent later wins ([`Filed::revised`] counts them);
//! - a sample with the same instant and source but another value (two `bpm` for one moment):
//!   neither can be told to be the wrong one, so both are kept ([`Filed::conflicting`]); a
//!   sample whose only difference is how its instant is written (another UTC offset) is the
//!   same sample.
//!
//! A record that cannot be filed (not a JSON object, or no usable `day`/`start_day`/
//! `timestamp`) never stops the others: it is set aside whole, with the reason, in
//! [`Filed::rejected`], for the quarantine object.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::datatype::{DataType, DayRule};
use crate::window::{Window, local_day};

/// The few fields oura-sync reads from a record (the rest is never parsed). Each is kept raw,
/// so that a field of an unexpected type makes only that field unusable, not the record.
#[derive(Deserialize, Default)]
struct Fields<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    day: Option<&'a RawValue>,
    #[serde(borrow, default)]
    start_day: Option<&'a RawValue>,
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow, default)]
    source: Option<&'a RawValue>,
    #[serde(borrow, default)]
    bedtime_start: Option<&'a RawValue>,
    #[serde(borrow, default)]
    start_datetime: Option<&'a RawValue>,
    #[serde(borrow, default)]
    start_time: Option<&'a RawValue>,
}

/// The text of a string field; `None` when it is absent, null or not a string.
fn text<'a>(field: Option<&'a RawValue>) -> Option<Cow<'a, str>> {
    field.and_then(|raw| serde_json::from_str::<Cow<'a, str>>(raw.get()).ok())
}

/// A record that could not be filed, kept whole.
#[derive(Debug)]
pub struct Rejected {
    pub record: Box<RawValue>,
    /// Why, in one line (`a daily_sleep record has no usable `day` (null)`).
    pub reason: String,
}

impl Rejected {
    /// The record's line in the quarantine object: `{"reason":"…","record":<the record>}`,
    /// the record's bytes exactly as sent.
    pub fn to_line(&self) -> String {
        #[derive(serde::Serialize)]
        struct Line<'a> {
            reason: &'a str,
            record: &'a RawValue,
        }
        serde_json::to_string(&Line { reason: &self.reason, record: &self.record })
            .expect("a string and a JSON value always serialize")
    }
}

/// The records of a fetch, filed by day.
#[derive(Debug, Default)]
pub struct Filed {
    /// Every day of the kept window that has records, with its records in stable order.
    pub by_day: BTreeMap<Date, Vec<Box<RawValue>>>,
    /// Records sent again with the same bytes (or, for samples, the same values): one kept.
    pub duplicates: usize,
    /// Documents sent again under the same `id` with other bytes: the later one kept.
    pub revised: usize,
    /// Samples of the same instant and source with other values: all of them kept.
    pub conflicting: usize,
    /// Records whose day lies outside the kept window (the padding of the query).
    pub outside: usize,
    /// Records that could not be filed, in the order they came.
    pub rejected: Vec<Rejected>,
}

/// One record, read.
struct Entry {
    day: Date,
    sort: SortKey,
    record: Box<RawValue>,
}

/// What makes two records the same record.
#[derive(PartialEq, Eq, Hash)]
enum Identity {
    /// A document with an `id`.
    Id(String),
    /// A time-series sample: its instant (in nanoseconds) and its source.
    Sample(i128, String),
    /// A document without an `id`: its bytes.
    Bytes(String),
}

/// Files `records` of `data_type` under their days, keeping only days in `keep`.
/// Snapshots (`ring_configuration`, `personal_info`) go under `keep.end`; series samples under
/// the date of their `timestamp` in `tz`; every other record under its `day`/`start_day`.
/// `records` come in the order Oura sent them (that decides which revision is the later).
pub fn file_by_day(
    data_type: DataType,
    records: Vec<Box<RawValue>>,
    keep: Window,
    tz: &TimeZone,
) -> Filed {
    let mut filed = Filed::default();
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen: HashMap<Identity, Vec<usize>> = HashMap::new();
    for record in records {
        let (identity, entry) = match read(data_type, record, keep, tz) {
            Ok(read) => read,
            Err(rejected) => {
                filed.rejected.push(rejected);
                continue;
            }
        };
        let Some(earlier) = seen.get_mut(&identity) else {
            seen.insert(identity, vec![entries.len()]);
            entries.push(entry);
            continue;
        };
        match identity {
            Identity::Sample(..) => {
                if earlier.iter().any(|&i| same_sample(&entries[i].record, &entry.record)) {
                    filed.duplicates += 1;
                } else {
                    filed.conflicting += 1;
                    earlier.push(entries.len());
                    entries.push(entry);
                }
            }
            Identity::Id(_) | Identity::Bytes(_) => {
                let i = earlier[0];
                if entries[i].record.get() == entry.record.get() {
                    filed.duplicates += 1;
                } else {
                    filed.revised += 1;
                    entries[i] = entry;
                }
            }
        }
    }
    let mut keyed: BTreeMap<Date, Vec<(SortKey, Box<RawValue>)>> = BTreeMap::new();
    for Entry { day, sort, record } in entries {
        if keep.contains(day) {
            keyed.entry(day).or_default().push((sort, record));
        } else {
            filed.outside += 1;
        }
    }
    for (day, mut records) in keyed {
        records.sort_by(|(a, ra), (b, rb)| a.cmp(b).then_with(|| ra.get().cmp(rb.get())));
        filed.by_day.insert(day, records.into_iter().map(|(_, r)| r).collect());
    }
    filed
}

/// Reads one record: its identity, day and place in the order, or why it cannot be filed.
fn read(
    data_type: DataType,
    record: Box<RawValue>,
    keep: Window,
    tz: &TimeZone,
) -> Result<(Identity, Entry), Rejected> {
    let fields = if record.get().trim_start().starts_with('{') {
        serde_json::from_str::<Fields<'_>>(record.get()).ok()
    } else {
        None
    };
    let outcome = match &fields {
        None => Err(format!("a {data_type} record is not a JSON object")),
        Some(fields) => record_day(data_type, fields, keep, tz).and_then(|day| {
            let (identity, sort) = identity_and_order(data_type, fields, &record)?;
            Ok((identity, day, sort))
        }),
    };
    match outcome {
        Ok((identity, day, sort)) => Ok((identity, Entry { day, sort, record })),
        Err(reason) => Err(Rejected { record, reason }),
    }
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
            let raw = match name {
                "start_day" => fields.start_day,
                _ => fields.day,
            };
            let value = text(raw).ok_or_else(|| {
                format!("a {data_type} record has no usable `{name}` ({})", shown(raw))
            })?;
            value.parse::<Date>().map_err(|_| {
                format!("a {data_type} record has `{name}` = `{value}`, which is not a date")
            })
        }
    }
}

fn sample_time(data_type: DataType, fields: &Fields<'_>) -> Result<Timestamp, String> {
    let value = text(fields.timestamp).ok_or_else(|| {
        format!("a {data_type} sample has no usable `timestamp` ({})", shown(fields.timestamp))
    })?;
    value.parse::<Timestamp>().map_err(|_| {
        format!("a {data_type} sample has `timestamp` = `{value}`, which is not a time")
    })
}

/// How a field that is not a usable string looks, for a reason line.
fn shown(field: Option<&RawValue>) -> String {
    match field {
        // serde reads a JSON null as an absent field.
        None => "missing or null".into(),
        Some(raw) => {
            let text: String = raw.get().chars().take(40).collect();
            format!("it is {text}")
        }
    }
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
) -> Result<(Identity, SortKey), String> {
    if data_type.is_series() {
        let at = sample_time(data_type, fields)?;
        let source = text(fields.source).map(Cow::into_owned).unwrap_or_default();
        // The same instant may be written with different offsets; the instant is the identity.
        let identity = Identity::Sample(at.as_nanosecond(), source.clone());
        return Ok((identity, SortKey { at: Some(at), tie: source }));
    }
    let at = [fields.bedtime_start, fields.start_datetime, fields.start_time, fields.timestamp]
        .into_iter()
        .find_map(|field| text(field)?.parse::<Timestamp>().ok());
    let id = match fields.id {
        Some(raw) => text(Some(raw)).map(Cow::into_owned).or_else(|| match raw.get() {
            "null" => None,
            // An id that is not a string (a number) is still an id.
            other => Some(other.to_string()),
        }),
        None => None,
    };
    match id {
        Some(id) if !id.is_empty() => Ok((Identity::Id(id.clone()), SortKey { at, tie: id })),
        // A record without an id is identified by its bytes.
        _ => Ok((Identity::Bytes(record.get().to_string()), SortKey { at, tie: String::new() })),
    }
}

/// True if two samples of the same instant and source say the same: the same bytes, or the
/// same fields once the spelling of the instant is set aside.
fn same_sample(a: &RawValue, b: &RawValue) -> bool {
    if a.get() == b.get() {
        return true;
    }
    let values = |raw: &RawValue| {
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw.get()).ok().map(
            |mut map| {
                map.remove("timestamp");
                map
            },
        )
    };
    matches!((values(a), values(b)), (Some(a), Some(b)) if a == b)
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
        let filed = file_by_day(DataType::Sleep, records, w, &TimeZone::UTC);
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
        let filed = file_by_day(DataType::Tag, raw(&[odd]), w, &TimeZone::UTC);
        assert_eq!(texts(&filed, date(2026, 1, 1)), vec![odd]);
    }

    #[test]
    fn enhanced_tags_and_rest_mode_use_start_day() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 2));
        let r = raw(&[r#"{"id":"t","start_day":"2026-01-02","end_day":"2026-01-05"}"#]);
        let filed = file_by_day(DataType::EnhancedTag, r, w, &TimeZone::UTC);
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
        let filed = file_by_day(DataType::Heartrate, records, w, &ny);
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
        let filed = file_by_day(DataType::RingConfiguration, r, w, &TimeZone::UTC);
        assert_eq!(filed.by_day.keys().copied().collect::<Vec<_>>(), vec![date(2026, 11, 23)]);
    }

    #[test]
    fn a_record_that_cannot_be_filed_is_set_aside_and_its_neighbours_are_kept() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 2));
        let records = raw(&[
            r#"{"id":"a","day":"2026-01-01"}"#,
            r#"{"id":"x","day":null}"#,
            r#"{"id":"y"}"#,
            r#"{"id":"z","day":"last tuesday"}"#,
            r#"{"id":"n","day":20260101}"#,
            r#"null"#,
            r#"["2026-01-01"]"#,
            r#"{"id":"b","day":"2026-01-02"}"#,
        ]);
        let filed = file_by_day(DataType::DailySleep, records, w, &TimeZone::UTC);
        assert_eq!(texts(&filed, date(2026, 1, 1)), vec![r#"{"id":"a","day":"2026-01-01"}"#]);
        assert_eq!(texts(&filed, date(2026, 1, 2)), vec![r#"{"id":"b","day":"2026-01-02"}"#]);
        let reasons: Vec<_> = filed.rejected.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "a daily_sleep record has no usable `day` (missing or null)",
                "a daily_sleep record has no usable `day` (missing or null)",
                "a daily_sleep record has `day` = `last tuesday`, which is not a date",
                "a daily_sleep record has no usable `day` (it is 20260101)",
                "a daily_sleep record is not a JSON object",
                "a daily_sleep record is not a JSON object",
            ]
        );
        // Each is kept whole, exactly as sent.
        assert_eq!(filed.rejected[0].record.get(), r#"{"id":"x","day":null}"#);
        assert_eq!(filed.rejected[5].record.get(), r#"["2026-01-01"]"#);
    }

    #[test]
    fn a_quarantine_line_holds_the_reason_and_the_record_as_sent() {
        let rejected = Rejected {
            record: RawValue::from_string(r#"{ "id":"x", "day" : null }"#.into()).unwrap(),
            reason: "a daily_sleep record has no usable `day` (it is null)".into(),
        };
        assert_eq!(
            rejected.to_line(),
            r#"{"reason":"a daily_sleep record has no usable `day` (it is null)","record":{ "id":"x", "day" : null }}"#
        );
    }

    #[test]
    fn a_sample_without_a_usable_timestamp_is_set_aside() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 1));
        let records = raw(&[
            r#"{"bpm":60,"source":"rest","timestamp":"2026-01-01T10:00:00+00:00"}"#,
            r#"{"bpm":61,"source":"rest"}"#,
            r#"{"bpm":62,"source":"rest","timestamp":"soon"}"#,
        ]);
        let filed = file_by_day(DataType::Heartrate, records, w, &TimeZone::UTC);
        assert_eq!(filed.by_day[&date(2026, 1, 1)].len(), 1);
        assert_eq!(filed.rejected.len(), 2);
        assert!(filed.rejected[1].reason.contains("`soon`, which is not a time"));
    }

    #[test]
    fn a_document_revised_between_pages_keeps_the_later_version() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 2));
        let records = raw(&[
            r#"{"id":"s","day":"2026-01-01","score":70}"#,
            r#"{"id":"t","day":"2026-01-01","score":50}"#,
            r#"{"id":"s","day":"2026-01-02","score":72}"#,
            r#"{"id":"t","day":"2026-01-01","score":50}"#,
        ]);
        let filed = file_by_day(DataType::DailySleep, records, w, &TimeZone::UTC);
        // The later `s` moved to the 2nd; the repeat of `t` was the same bytes.
        assert_eq!(
            texts(&filed, date(2026, 1, 1)),
            vec![r#"{"id":"t","day":"2026-01-01","score":50}"#]
        );
        assert_eq!(
            texts(&filed, date(2026, 1, 2)),
            vec![r#"{"id":"s","day":"2026-01-02","score":72}"#]
        );
        assert_eq!((filed.revised, filed.duplicates, filed.conflicting), (1, 1, 0));
    }

    #[test]
    fn two_different_samples_of_one_instant_are_both_kept_and_counted() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 1));
        let records = raw(&[
            r#"{"bpm":61,"source":"rest","timestamp":"2026-01-01T10:00:00+00:00"}"#,
            r#"{"bpm":64,"source":"rest","timestamp":"2026-01-01T10:00:00+00:00"}"#,
            // The first again, its instant written with another offset: the same sample.
            r#"{"bpm":61,"source":"rest","timestamp":"2026-01-01T05:00:00-05:00"}"#,
            r#"{"bpm":64,"source":"rest","timestamp":"2026-01-01T10:00:00+00:00"}"#,
        ]);
        let filed = file_by_day(DataType::Heartrate, records, w, &TimeZone::UTC);
        let day = texts(&filed, date(2026, 1, 1));
        assert_eq!(
            day,
            vec![
                r#"{"bpm":61,"source":"rest","timestamp":"2026-01-01T10:00:00+00:00"}"#,
                r#"{"bpm":64,"source":"rest","timestamp":"2026-01-01T10:00:00+00:00"}"#,
            ]
        );
        assert_eq!((filed.conflicting, filed.duplicates, filed.revised), (1, 2, 0));
    }

    #[test]
    fn records_without_an_id_are_told_apart_by_their_bytes() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 1));
        let records = raw(&[
            r#"{"day":"2026-01-01","vascular_age":40}"#,
            r#"{"day":"2026-01-01","vascular_age":41}"#,
            r#"{"day":"2026-01-01","vascular_age":40}"#,
        ]);
        let filed = file_by_day(DataType::DailyCardiovascularAge, records, w, &TimeZone::UTC);
        assert_eq!(filed.by_day[&date(2026, 1, 1)].len(), 2);
        assert_eq!((filed.duplicates, filed.revised), (1, 0));
    }
}
