//! Silver rows back to Oura's JSON records: every schema field from its column (a datetime
//! with its offset), the fields in `_absent` left out, `_extra` merged back in, and silver's own
//! `day` column dropped where it is not Oura's. The round-trip tests hold each rendered row
//! against its bronze record; readers (the dashboard) get records in Oura's shape.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::{Map, Value};

use super::schema::{
    ABSENT, DAY, EXTRA, Field, Kind, day_is_oura_field, offset_column, record_fields,
};
use crate::datatype::DataType;

/// The date `days` after 1970-01-01.
pub fn date_of_epoch_days(days: i32) -> Date {
    Date::constant(1970, 1, 1).checked_add(days.days()).unwrap_or(Date::MAX)
}

/// Formats UTC microseconds at an offset of `minutes`: `2024-10-10T01:01:59+02:00`.
pub fn format_datetime(micros: i64, minutes: i32) -> Option<String> {
    let instant = jiff::Timestamp::from_microsecond(micros).ok()?;
    let offset = jiff::tz::Offset::from_seconds(minutes * 60).ok()?;
    Some(instant.display_with_offset(offset).to_string())
}

/// Every row of `batch` (a silver table of `data_type`) as Oura's record.
pub fn batch_to_records(
    data_type: DataType,
    batch: &RecordBatch,
) -> anyhow::Result<Vec<Map<String, Value>>> {
    let fields = record_fields(data_type);
    let column = |name: &str| batch.column_by_name(name).cloned();
    let columns: Vec<Option<ArrayRef>> = columns_of(fields, column);
    let extra = batch.column_by_name(EXTRA).map(|c| c.as_string::<i32>().clone());
    let absent = batch.column_by_name(ABSENT).map(|c| c.as_list::<i32>().clone());
    let mut records = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let mut record = render_fields(fields, &columns, row);
        if !day_is_oura_field(data_type) {
            record.remove(DAY);
        }
        if let Some(absent) = &absent
            && absent.is_valid(row)
        {
            let paths = absent.value(row);
            for path in paths.as_string::<i32>().iter().flatten() {
                remove_path(&mut record, path);
            }
        }
        if let Some(extra) = &extra
            && extra.is_valid(row)
        {
            merge(&mut record, extra_fields(extra.value(row))?);
        }
        records.push(record);
    }
    Ok(records)
}

/// The columns of `fields` (and the offset column after each datetime), in the order
/// [`render_fields`] reads them.
fn columns_of(
    fields: &[Field],
    column: impl Fn(&str) -> Option<ArrayRef>,
) -> Vec<Option<ArrayRef>> {
    let mut out = Vec::new();
    for field in fields {
        out.push(column(field.name));
        if field.kind == Kind::DateTime {
            out.push(column(&offset_column(field.name)));
        }
    }
    out
}

fn render_fields(fields: &[Field], columns: &[Option<ArrayRef>], row: usize) -> Map<String, Value> {
    let mut record = Map::new();
    let mut columns = columns.iter();
    for field in fields {
        let main = columns.next().and_then(Option::as_ref);
        let value = if field.kind == Kind::DateTime {
            let offset = columns.next().and_then(Option::as_ref);
            datetime_at(main, offset, row)
        } else {
            main.map_or(Value::Null, |array| value_at(field.kind, array.as_ref(), row))
        };
        record.insert(field.name.to_string(), value);
    }
    record
}

fn datetime_at(main: Option<&ArrayRef>, offset: Option<&ArrayRef>, row: usize) -> Value {
    let Some(main) = main.filter(|a| a.is_valid(row)) else { return Value::Null };
    let micros = main.as_primitive::<TimestampMicrosecondType>().value(row);
    let minutes =
        offset.filter(|a| a.is_valid(row)).map_or(0, |a| a.as_primitive::<Int32Type>().value(row));
    format_datetime(micros, minutes).map_or(Value::Null, Value::String)
}

fn value_at(kind: Kind, array: &dyn Array, row: usize) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match kind {
        Kind::Str => Value::String(array.as_string::<i32>().value(row).to_string()),
        Kind::Int => Value::from(array.as_primitive::<Int64Type>().value(row)),
        Kind::Float => serde_json::Number::from_f64(array.as_primitive::<Float64Type>().value(row))
            .map_or(Value::Null, Value::Number),
        Kind::Bool => Value::Bool(array.as_boolean().value(row)),
        Kind::Date => Value::String(
            date_of_epoch_days(array.as_primitive::<Date32Type>().value(row)).to_string(),
        ),
        Kind::DateTime => {
            // Only inside lists (a struct's datetimes go through `render_fields`).
            let micros = array.as_primitive::<TimestampMicrosecondType>().value(row);
            format_datetime(micros, 0).map_or(Value::Null, Value::String)
        }
        Kind::Struct(fields) => {
            let array = array.as_struct();
            let columns = columns_of(fields, |name| array.column_by_name(name).cloned());
            Value::Object(render_fields(fields, &columns, row))
        }
        Kind::List(item) => {
            let items = array.as_list::<i32>().value(row);
            Value::Array((0..items.len()).map(|i| value_at(*item, items.as_ref(), i)).collect())
        }
    }
}

/// The fields of an `_extra` text. A field whose number no JSON value holds (`1e400`, kept
/// as its exact text, see [`super::exact`]) is given as that text in a string, so that a typed
/// reader leaves its record out as it does reading the bronze line, and never sees another
/// number; an integer beyond 64 bits reads as the nearest double, as it does from bronze.
fn extra_fields(text: &str) -> anyhow::Result<Map<String, Value>> {
    if let Ok(Value::Object(fields)) = serde_json::from_str(text) {
        return Ok(fields);
    }
    let raw: std::collections::BTreeMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_str(text)
            .map_err(|_| anyhow::anyhow!("an `_extra` value is not a JSON object"))?;
    Ok(raw
        .into_iter()
        .map(|(name, raw)| {
            let value = serde_json::from_str(raw.get())
                .unwrap_or_else(|_| Value::String(raw.get().to_string()));
            (name, value)
        })
        .collect())
}

/// Removes the field at a dotted path (`contributors.hrv_balance`).
fn remove_path(record: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            record.remove(path);
        }
        Some((head, rest)) => {
            if let Some(Value::Object(inner)) = record.get_mut(head) {
                remove_path(inner, rest);
            }
        }
    }
}

/// Merges `extra` into `record`: objects into objects (a struct's misfits into the struct),
/// anything else replacing what is there.
fn merge(record: &mut Map<String, Value>, extra: Map<String, Value>) {
    for (name, value) in extra {
        match (record.get_mut(&name), value) {
            (Some(Value::Object(target)), Value::Object(inner)) => merge(target, inner),
            (_, value) => {
                record.insert(name, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use serde_json::json;

    use super::*;
    use crate::silver::decode::{record_to_row, rows_to_batch};

    fn round_trip(data_type: DataType, record: Value, day: Date) -> Value {
        let (row, _) = record_to_row(data_type, record.as_object().unwrap().clone(), day, "s");
        let batch = rows_to_batch(data_type, &[row]).unwrap();
        Value::Object(batch_to_records(data_type, &batch).unwrap().remove(0))
    }

    #[test]
    fn datetimes_format_at_their_offset() {
        assert_eq!(
            format_datetime(1_728_514_919_000_000, 120).unwrap(),
            "2024-10-10T01:01:59+02:00"
        );
        assert_eq!(format_datetime(1_000_500, -330).unwrap(), "1969-12-31T18:30:01.0005-05:30");
    }

    #[test]
    fn a_record_renders_back_to_itself() {
        let record = json!({
            "id": "s1", "day": "2024-10-10", "average_hrv": 38, "average_breath": 14.5,
            "bedtime_start": "2024-10-10T01:01:59+02:00", "low_battery_alert": false,
            "heart_rate": {"interval": 300.0, "items": [76.0, null, 71.0], "timestamp": "2024-10-10T01:01:59+02:00"},
            "readiness": {"contributors": {"hrv_balance": 80}, "score": null},
            "type": "long_sleep", "sleep_phase_5_min": "4244", "brand_new": {"x": [1, 2]},
            "lowest_heart_rate": "sixty"
        });
        assert_eq!(round_trip(DataType::Sleep, record.clone(), date(2024, 10, 10)), record);
    }

    #[test]
    fn a_series_sample_renders_without_silver_s_day() {
        let record =
            json!({"bpm": 61, "source": "awake", "timestamp": "2024-12-13T23:30:00+00:00"});
        assert_eq!(round_trip(DataType::Heartrate, record.clone(), date(2024, 12, 13)), record);
        let rest = json!({"id": "r", "start_day": "2024-01-01", "start_time": null,
                          "episodes": [{"tags": ["a"], "timestamp": "2024-01-01T08:00:00+01:00"}]});
        assert_eq!(round_trip(DataType::RestModePeriod, rest.clone(), date(2024, 1, 1)), rest);
    }

    #[test]
    fn a_record_whose_day_is_null_keeps_its_null() {
        let record = json!({"id": "x", "day": null, "score": 3});
        assert_eq!(round_trip(DataType::DailySleep, record.clone(), date(2024, 1, 1)), record);
    }
}
