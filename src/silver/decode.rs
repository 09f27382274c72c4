//! Bronze records to silver rows: each record split against its type's schema into the values
//! that fit their columns, `_extra` (unknown fields and values that do not fit, as Oura sent
//! them) and `_absent` (schema fields the record lacks), then decoded into one Arrow batch by
//! `arrow-json`.
//!
//! "Fits" is strict, so that every row renders back to exactly the record it came from: an
//! integer column takes only whole numbers that fit in 64 bits, a float column any number
//! that a double holds exactly, a datetime only RFC 3339 with a `Z` or `±HH:MM` offset and at
//! most microseconds, a list only when every item fits (else the whole list goes to `_extra`).

use std::collections::{BTreeMap, BTreeSet};

use arrow_array::RecordBatch;
use jiff::civil::Date;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::exact::ParsedRecord;
use super::schema::{
    ABSENT, BRONZE_SHA256, DAY, EXTRA, Field, Kind, day_is_oura_field, offset_column,
    record_fields, table_schema,
};
use crate::datatype::DataType;

/// The largest integer a double holds exactly (2^53).
const MAX_EXACT_IN_DOUBLE: u64 = 1 << 53;

/// Days from 1970-01-01 to `day` (Arrow's and Parquet's DATE).
pub fn epoch_days(day: Date) -> i32 {
    day.since(Date::constant(1970, 1, 1)).map(|span| span.get_days()).unwrap_or(0)
}

/// Parses an RFC 3339 datetime into UTC microseconds and its offset in minutes, or `None`
/// when it has no offset, an offset that is not `Z`/`±HH:MM`, or sub-microsecond digits.
pub fn parse_datetime(text: &str) -> Option<(i64, i32)> {
    let instant: jiff::Timestamp = text.parse().ok()?;
    if instant.subsec_nanosecond() % 1000 != 0 {
        return None;
    }
    Some((instant.as_microsecond(), offset_minutes(text)?))
}

fn offset_minutes(text: &str) -> Option<i32> {
    if text.ends_with(['Z', 'z']) {
        return Some(0);
    }
    let tail = text.get(text.len().checked_sub(6)?..)?.as_bytes();
    let digit = |b: u8| b.is_ascii_digit().then(|| i32::from(b - b'0'));
    let sign = match tail[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if tail[3] != b':' {
        return None;
    }
    let hours = digit(tail[1])? * 10 + digit(tail[2])?;
    let minutes = digit(tail[4])? * 10 + digit(tail[5])?;
    (hours < 24 && minutes < 60).then_some(sign * (hours * 60 + minutes))
}

fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    (bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-').then_some(())?;
    text.parse().ok()
}

/// A value converted for its column, with the offset of a datetime.
struct Converted {
    value: Value,
    offset: Option<i32>,
}

/// Converts `value` for a column of `kind` when it fits exactly (no field left over, none
/// missing, at any depth), else `None`. `null` is handled by the caller.
fn convert_exact(kind: Kind, value: &Value) -> Option<Converted> {
    let plain = |value: Value| Some(Converted { value, offset: None });
    match kind {
        Kind::Str => value.is_string().then(|| value.clone()).and_then(plain),
        Kind::Int => value.as_i64().map(Value::from).and_then(plain),
        Kind::Float => {
            let n = value.as_number()?;
            let exact = n.is_f64()
                || n.as_u64().is_some_and(|u| u <= MAX_EXACT_IN_DOUBLE)
                || n.as_i64().is_some_and(|i| i.unsigned_abs() <= MAX_EXACT_IN_DOUBLE);
            exact.then(|| value.clone()).and_then(plain)
        }
        Kind::Bool => value.is_boolean().then(|| value.clone()).and_then(plain),
        Kind::Date => plain(Value::from(epoch_days(parse_date(value.as_str()?)?))),
        Kind::DateTime => {
            let (micros, offset) = parse_datetime(value.as_str()?)?;
            Some(Converted { value: Value::from(micros), offset: Some(offset) })
        }
        Kind::Struct(fields) => {
            let object = value.as_object()?;
            if object.keys().any(|k| !fields.iter().any(|f| f.name == k)) {
                return None;
            }
            let mut out = Map::new();
            for field in fields {
                match object.get(field.name)? {
                    Value::Null => {}
                    v => put(&mut out, field, convert_exact(field.kind, v)?),
                }
            }
            plain(Value::Object(out))
        }
        Kind::List(item) => {
            let items = value.as_array()?;
            let mut out = Vec::with_capacity(items.len());
            for v in items {
                out.push(match v {
                    Value::Null => Value::Null,
                    v => {
                        let converted = convert_exact(*item, v)?;
                        // A bare list of datetimes has no offset column: only UTC fits.
                        if converted.offset.is_some_and(|o| o != 0) {
                            return None;
                        }
                        converted.value
                    }
                });
            }
            plain(Value::Array(out))
        }
    }
}

fn put(out: &mut Map<String, Value>, field: &Field, converted: Converted) {
    if let Some(offset) = converted.offset {
        out.insert(offset_column(field.name), Value::from(offset));
    }
    out.insert(field.name.to_string(), converted.value);
}

/// What splitting one record left over besides its row and its `_extra`.
#[derive(Debug, Default)]
struct Leftovers {
    absent: Vec<String>,
    /// Dotted paths of the fields that went to `_extra`, for the warnings.
    notes: BTreeSet<String>,
}

/// Splits `object` against `fields` into `out` (what fits), and the extra and absent fields.
fn split(
    fields: &[Field],
    mut object: Map<String, Value>,
    path: &str,
    out: &mut Map<String, Value>,
    left: &mut Leftovers,
) -> Map<String, Value> {
    let mut extra = Map::new();
    for field in fields {
        let Some(value) = object.remove(field.name) else {
            left.absent.push(format!("{path}{}", field.name));
            continue;
        };
        if value.is_null() {
            continue;
        }
        if let (Kind::Struct(inner), Value::Object(nested)) = (field.kind, &value) {
            // A struct keeps whatever of it fits; only its misfits go to `_extra`.
            let nested = nested.clone();
            let mut nested_out = Map::new();
            let nested_extra =
                split(inner, nested, &format!("{path}{}.", field.name), &mut nested_out, left);
            if !nested_extra.is_empty() {
                extra.insert(field.name.to_string(), Value::Object(nested_extra));
            }
            out.insert(field.name.to_string(), Value::Object(nested_out));
            continue;
        }
        match convert_exact(field.kind, &value) {
            Some(converted) => put(out, field, converted),
            None => {
                left.notes.insert(format!("{path}{}", field.name));
                extra.insert(field.name.to_string(), value);
            }
        }
    }
    for (name, value) in object {
        left.notes.insert(format!("{path}{name}"));
        extra.insert(name, value);
    }
    extra
}

/// One bronze record as a silver row (a JSON object keyed by column), and the dotted paths of
/// its fields that went to `_extra`.
pub fn record_to_row(
    data_type: DataType,
    record: Map<String, Value>,
    day: Date,
    bronze_sha256: &str,
) -> (Map<String, Value>, BTreeSet<String>) {
    let parsed = ParsedRecord { typed: record, raw: BTreeMap::new() };
    parsed_to_row(data_type, parsed, day, bronze_sha256)
}

/// [`record_to_row`] for a record whose `raw` fields hold numbers a JSON value would change
/// ([`super::exact`]): each goes to `_extra` as its exact text, its column left null.
pub fn parsed_to_row(
    data_type: DataType,
    parsed: ParsedRecord,
    day: Date,
    bronze_sha256: &str,
) -> (Map<String, Value>, BTreeSet<String>) {
    let ParsedRecord { typed: mut record, raw } = parsed;
    // A null stands in for each raw field: its column stays null and it is not `_absent`.
    for name in raw.keys() {
        record.insert(name.clone(), Value::Null);
    }
    let mut row = Map::new();
    let mut left = Leftovers::default();
    left.notes.extend(raw.keys().cloned());
    let day_value = Value::from(epoch_days(day));
    let original_day = record.get(DAY).cloned();
    let mut extra = split(record_fields(data_type), record, "", &mut row, &mut left);
    if day_is_oura_field(data_type) {
        // The column holds the filing day; a record whose own `day` says otherwise (it
        // cannot, as records are filed by it, but nothing is assumed) keeps it in `_extra`.
        if let Some(original) = original_day
            && row.get(DAY) != Some(&day_value)
            && !extra.contains_key(DAY)
        {
            left.notes.insert(DAY.to_string());
            extra.insert(DAY.to_string(), original);
        }
    }
    row.insert(DAY.to_string(), day_value);
    if !raw.is_empty() {
        row.insert(EXTRA.to_string(), Value::String(extra_text(extra, raw)));
    } else if !extra.is_empty() {
        row.insert(EXTRA.to_string(), Value::String(Value::Object(extra).to_string()));
    }
    if !left.absent.is_empty() {
        row.insert(ABSENT.to_string(), Value::from(left.absent));
    }
    row.insert(BRONZE_SHA256.to_string(), Value::String(bronze_sha256.to_string()));
    (row, left.notes)
}

/// `_extra`'s text from its values and the raw fields (which win), each raw field written as
/// exactly the JSON text it came as.
fn extra_text(extra: Map<String, Value>, raw: BTreeMap<String, Box<RawValue>>) -> String {
    let mut all: BTreeMap<String, Box<RawValue>> = extra
        .into_iter()
        .filter_map(|(name, value)| Some((name, serde_json::value::to_raw_value(&value).ok()?)))
        .collect();
    all.extend(raw);
    serde_json::to_string(&all).expect("raw JSON values always serialize")
}

/// Decodes silver rows of `data_type` into one Arrow batch of its table schema.
pub fn rows_to_batch(
    data_type: DataType,
    rows: &[Map<String, Value>],
) -> anyhow::Result<RecordBatch> {
    let mut decoder = RowDecoder::new(data_type, rows.len())?;
    Ok(decoder.decode(rows)?.unwrap_or_else(|| RecordBatch::new_empty(table_schema(data_type))))
}

/// Decodes silver rows of one type into Arrow batches of its table schema, a chunk of rows at
/// a time (a month file is built from a few thousand rows at once, never a month of them).
pub struct RowDecoder {
    decoder: arrow_json::reader::Decoder,
}

impl RowDecoder {
    /// A decoder for chunks of at most `rows_at_once` rows of `data_type`.
    pub fn new(data_type: DataType, rows_at_once: usize) -> anyhow::Result<Self> {
        let decoder = arrow_json::ReaderBuilder::new(table_schema(data_type))
            .with_strict_mode(true)
            .with_batch_size(rows_at_once.max(1))
            .build_decoder()?;
        Ok(Self { decoder })
    }

    /// The batch of `rows` (at most `rows_at_once` of them), `None` when there are none.
    pub fn decode(&mut self, rows: &[Map<String, Value>]) -> anyhow::Result<Option<RecordBatch>> {
        self.decoder.serialize(rows)?;
        Ok(self.decoder.flush()?)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn datetimes_keep_their_instant_and_offset() {
        let (micros, offset) = parse_datetime("2024-10-10T01:01:59+02:00").unwrap();
        assert_eq!(micros, 1_728_514_919_000_000);
        assert_eq!(offset, 120);
        assert_eq!(parse_datetime("2023-09-17T14:15:22Z").unwrap().1, 0);
        assert_eq!(parse_datetime("2024-01-01T00:00:00.123456-05:30").unwrap().1, -330);
        // No offset, a sub-microsecond instant, an offset with seconds: not a fit.
        assert!(parse_datetime("2024-01-01T00:00:00").is_none());
        assert!(parse_datetime("2024-01-01T00:00:00.1234567+00:00").is_none());
        assert!(parse_datetime("2024-01-01T00:00:00+00:00:30").is_none());
    }

    #[test]
    fn a_fitting_record_has_no_extra_and_lists_what_it_lacks() {
        let record = object(json!({
            "id": "r1", "day": "2024-10-10", "score": 71,
            "contributors": {"hrv_balance": 80, "sleep_balance": null},
            "timestamp": "2024-10-10T00:00:00+02:00"
        }));
        let (row, notes) = record_to_row(DataType::DailyReadiness, record, date(2024, 10, 10), "s");
        assert!(notes.is_empty());
        assert!(!row.contains_key(EXTRA));
        assert_eq!(row["timestamp_offset_minutes"], json!(120));
        assert_eq!(row[DAY], json!(epoch_days(date(2024, 10, 10))));
        let absent: Vec<&str> =
            row[ABSENT].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(absent.contains(&"temperature_deviation"));
        assert!(absent.contains(&"contributors.activity_balance"));
        assert!(!absent.contains(&"contributors.sleep_balance"));
        let batch = rows_to_batch(DataType::DailyReadiness, &[row]).unwrap();
        assert_eq!(batch.num_rows(), 1);
    }

    #[test]
    fn unknown_fields_and_misfits_go_to_extra() {
        let record = object(json!({
            "id": "r1", "day": "2024-10-10", "score": "high", "mood": "great",
            "contributors": {"hrv_balance": 80.5, "new_one": 3},
            "timestamp": "yesterday"
        }));
        let (row, notes) = record_to_row(DataType::DailyReadiness, record, date(2024, 10, 10), "s");
        let extra: Value = serde_json::from_str(row[EXTRA].as_str().unwrap()).unwrap();
        assert_eq!(
            extra,
            json!({"score": "high", "mood": "great", "timestamp": "yesterday",
                   "contributors": {"hrv_balance": 80.5, "new_one": 3}})
        );
        let notes: Vec<_> = notes.into_iter().collect();
        assert_eq!(
            notes,
            ["contributors.hrv_balance", "contributors.new_one", "mood", "score", "timestamp"]
        );
        rows_to_batch(DataType::DailyReadiness, &[row]).unwrap();
    }

    #[test]
    fn numbers_fit_only_where_nothing_is_lost() {
        assert!(convert_exact(Kind::Int, &json!(5)).is_some());
        assert!(convert_exact(Kind::Int, &json!(5.0)).is_none());
        assert!(convert_exact(Kind::Int, &json!(u64::MAX)).is_none());
        assert!(convert_exact(Kind::Float, &json!(38)).is_some());
        assert!(convert_exact(Kind::Float, &json!((1u64 << 53) + 1)).is_none());
        let list = Kind::List(&Kind::Float);
        assert!(convert_exact(list, &json!([1.0, null, 2])).is_some());
        assert!(convert_exact(list, &json!([1.0, "x"])).is_none());
    }

    #[test]
    fn a_series_row_gets_the_filing_day_as_a_column() {
        let record =
            object(json!({"bpm": 61, "source": "awake", "timestamp": "2024-12-13T23:30:00-05:00"}));
        let (row, _) = record_to_row(DataType::Heartrate, record, date(2024, 12, 13), "s");
        assert_eq!(row[DAY], json!(epoch_days(date(2024, 12, 13))));
        assert_eq!(row[ABSENT], json!(["timestamp_unix"]));
        assert!(!row.contains_key(EXTRA));
    }
}
