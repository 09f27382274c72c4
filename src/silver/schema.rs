//! The silver tables' columns: one record schema per data type, written from the record
//! schemas of Oura's OpenAPI export (1.35/1.37: `PublicDailyActivity`, `PublicModifiedSleepModel`,
//! `PublicHeartRateRow`, …), and their Arrow form.
//!
//! Every table has Oura's fields under Oura's names, then:
//! - for each datetime `x`, `x` as a UTC timestamp (microseconds) and `x_offset_minutes`, the
//!   offset Oura sent it with (so a bedtime's local clock time is kept);
//! - `day`, the day the record is filed under (CONTRACT §3), added where Oura has no `day`;
//! - `_extra`: the record's fields the schema does not know or whose value does not fit its
//!   column, as JSON text (null when there are none);
//! - `_absent`: the schema's fields the record did not have at all (as opposed to `null`);
//! - `_bronze_sha256`: the sha256 of the bronze day object the row came from.

use std::sync::Arc;

use arrow_schema::{
    DataType as ArrowType, Field as ArrowField, Fields, Schema, SchemaRef, TimeUnit,
};

use crate::datatype::{DataType, DayRule};

/// The version of silver's schemas and encoding (kept beside the index, which judges by it).
pub use super::index::SILVER_VERSION;

/// The suffix of the column that keeps a datetime's UTC offset.
pub const OFFSET_SUFFIX: &str = "_offset_minutes";
/// The column of unknown or unfitting fields (JSON text).
pub const EXTRA: &str = "_extra";
/// The column of schema fields the record did not have.
pub const ABSENT: &str = "_absent";
/// The column of the bronze object's sha256.
pub const BRONZE_SHA256: &str = "_bronze_sha256";
/// The partition day column.
pub const DAY: &str = "day";

/// The type of one field, as the OpenAPI export gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A string; enums are strings too.
    Str,
    /// A whole number (INT64).
    Int,
    /// A number (DOUBLE).
    Float,
    Bool,
    /// `YYYY-MM-DD` (DATE).
    Date,
    /// RFC 3339 with an offset: a UTC timestamp plus its offset in minutes.
    DateTime,
    /// A nested object (a struct column).
    Struct(&'static [Field]),
    /// An array (a list column).
    List(&'static Kind),
}

/// One field of a record schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
}

const fn f(name: &'static str, kind: Kind) -> Field {
    Field { name, kind }
}

use Kind::{Bool, Date, DateTime, Float, Int, Str};

/// `PublicSample`: a series at a fixed interval from `timestamp`.
const SAMPLE: Kind =
    Kind::Struct(&[f("interval", Float), f("items", Kind::List(&Float)), f("timestamp", DateTime)]);

const READINESS_CONTRIBUTORS: Kind = Kind::Struct(&[
    f("activity_balance", Int),
    f("body_temperature", Int),
    f("hrv_balance", Int),
    f("previous_day_activity", Int),
    f("previous_night", Int),
    f("recovery_index", Int),
    f("resting_heart_rate", Int),
    f("sleep_balance", Int),
    f("sleep_regularity", Int),
]);

const DAILY_ACTIVITY: &[Field] = &[
    f("id", Str),
    f("active_calories", Int),
    f("average_met_minutes", Float),
    f("class_5_min", Str),
    f(
        "contributors",
        Kind::Struct(&[
            f("meet_daily_targets", Int),
            f("move_every_hour", Int),
            f("recovery_time", Int),
            f("stay_active", Int),
            f("training_frequency", Int),
            f("training_volume", Int),
        ]),
    ),
    f("day", Date),
    f("equivalent_walking_distance", Int),
    f("high_activity_met_minutes", Int),
    f("high_activity_time", Int),
    f("inactivity_alerts", Int),
    f("low_activity_met_minutes", Int),
    f("low_activity_time", Int),
    f("medium_activity_met_minutes", Int),
    f("medium_activity_time", Int),
    f("met", SAMPLE),
    f("meters_to_target", Int),
    f("non_wear_time", Int),
    f("resting_time", Int),
    f("score", Int),
    f("sedentary_met_minutes", Int),
    f("sedentary_time", Int),
    f("steps", Int),
    f("target_calories", Int),
    f("target_meters", Int),
    f("timestamp", DateTime),
    f("total_calories", Int),
];

const DAILY_READINESS: &[Field] = &[
    f("id", Str),
    f("contributors", READINESS_CONTRIBUTORS),
    f("day", Date),
    f("score", Int),
    f("temperature_deviation", Float),
    f("temperature_trend_deviation", Float),
    f("timestamp", DateTime),
];

const DAILY_SLEEP: &[Field] = &[
    f("id", Str),
    f(
        "contributors",
        Kind::Struct(&[
            f("deep_sleep", Int),
            f("efficiency", Int),
            f("latency", Int),
            f("rem_sleep", Int),
            f("restfulness", Int),
            f("timing", Int),
            f("total_sleep", Int),
        ]),
    ),
    f("day", Date),
    f("score", Int),
    f("timestamp", DateTime),
];

const SLEEP: &[Field] = &[
    f("id", Str),
    f("average_breath", Float),
    f("average_heart_rate", Float),
    f("average_hrv", Int),
    f("awake_time", Int),
    f("bedtime_end", DateTime),
    f("bedtime_start", DateTime),
    f("day", Date),
    f("deep_sleep_duration", Int),
    f("efficiency", Int),
    f("heart_rate", SAMPLE),
    f("hrv", SAMPLE),
    f("latency", Int),
    f("light_sleep_duration", Int),
    f("low_battery_alert", Bool),
    f("lowest_heart_rate", Int),
    f("movement_30_sec", Str),
    f("period", Int),
    f(
        "readiness",
        Kind::Struct(&[
            f("contributors", READINESS_CONTRIBUTORS),
            f("score", Int),
            f("temperature_deviation", Float),
            f("temperature_trend_deviation", Float),
        ]),
    ),
    f("readiness_score_delta", Int),
    f("rem_sleep_duration", Int),
    f("restless_periods", Int),
    f("sleep_algorithm_version", Str),
    f("sleep_analysis_reason", Str),
    f("sleep_phase_30_sec", Str),
    f("sleep_phase_5_min", Str),
    f("sleep_score_delta", Int),
    f("time_in_bed", Int),
    f("total_sleep_duration", Int),
    f("type", Str),
    f("ring_id", Str),
    f("app_sleep_phase_5_min", Str),
];

const SLEEP_TIME: &[Field] = &[
    f("id", Str),
    f("day", Date),
    f(
        "optimal_bedtime",
        Kind::Struct(&[f("day_tz", Int), f("end_offset", Int), f("start_offset", Int)]),
    ),
    f("recommendation", Str),
    f("status", Str),
];

const DAILY_SPO2: &[Field] = &[
    f("id", Str),
    f("breathing_disturbance_index", Int),
    f("day", Date),
    f("spo2_percentage", Kind::Struct(&[f("average", Float)])),
];

const DAILY_STRESS: &[Field] = &[
    f("id", Str),
    f("day", Date),
    f("day_summary", Str),
    f("recovery_high", Int),
    f("stress_high", Int),
];

const DAILY_RESILIENCE: &[Field] = &[
    f("id", Str),
    f("day", Date),
    f(
        "contributors",
        Kind::Struct(&[
            f("sleep_recovery", Float),
            f("daytime_recovery", Float),
            f("stress", Float),
        ]),
    ),
    f("level", Str),
];

const DAILY_CARDIOVASCULAR_AGE: &[Field] =
    &[f("id", Str), f("day", Date), f("pulse_wave_velocity", Float), f("vascular_age", Int)];

const VO2_MAX: &[Field] =
    &[f("id", Str), f("day", Date), f("timestamp", DateTime), f("vo2_max", Int)];

const WORKOUT: &[Field] = &[
    f("id", Str),
    f("activity", Str),
    f("calories", Float),
    f("day", Date),
    f("distance", Float),
    f("end_datetime", DateTime),
    f("intensity", Str),
    f("label", Str),
    f("source", Str),
    f("start_datetime", DateTime),
];

const SESSION: &[Field] = &[
    f("id", Str),
    f("day", Date),
    f("end_datetime", DateTime),
    f("heart_rate", SAMPLE),
    f("heart_rate_variability", SAMPLE),
    f("mood", Str),
    f("motion_count", SAMPLE),
    f("start_datetime", DateTime),
    f("type", Str),
];

const TAG: &[Field] = &[
    f("id", Str),
    f("day", Date),
    f("text", Str),
    f("timestamp", DateTime),
    f("tags", Kind::List(&Str)),
];

const ENHANCED_TAG: &[Field] = &[
    f("id", Str),
    f("tag_type_code", Str),
    f("start_time", DateTime),
    f("end_time", DateTime),
    f("start_day", Date),
    f("end_day", Date),
    f("comment", Str),
    f("custom_name", Str),
];

const REST_MODE_PERIOD: &[Field] = &[
    f("id", Str),
    f("end_day", Date),
    f("end_time", DateTime),
    f(
        "episodes",
        Kind::List(&Kind::Struct(&[f("tags", Kind::List(&Str)), f("timestamp", DateTime)])),
    ),
    f("start_day", Date),
    f("start_time", DateTime),
];

const HEARTRATE: &[Field] =
    &[f("timestamp", DateTime), f("timestamp_unix", Int), f("bpm", Int), f("source", Str)];

const RING_BATTERY_LEVEL: &[Field] = &[
    f("timestamp", DateTime),
    f("timestamp_unix", Int),
    f("charging", Bool),
    f("in_charger", Bool),
    f("level", Int),
];

const RING_CONFIGURATION: &[Field] = &[
    f("id", Str),
    f("color", Str),
    f("design", Str),
    f("firmware_version", Str),
    f("hardware_type", Str),
    f("set_up_at", DateTime),
    f("size", Int),
];

const PERSONAL_INFO: &[Field] = &[
    f("id", Str),
    f("age", Int),
    f("weight", Float),
    f("height", Float),
    f("biological_sex", Str),
    f("email", Str),
];

/// The record schema of `data_type`: Oura's fields, in the export's order.
pub fn record_fields(data_type: DataType) -> &'static [Field] {
    match data_type {
        DataType::DailyActivity => DAILY_ACTIVITY,
        DataType::DailyReadiness => DAILY_READINESS,
        DataType::DailySleep => DAILY_SLEEP,
        DataType::Sleep => SLEEP,
        DataType::SleepTime => SLEEP_TIME,
        DataType::DailySpo2 => DAILY_SPO2,
        DataType::DailyStress => DAILY_STRESS,
        DataType::DailyResilience => DAILY_RESILIENCE,
        DataType::DailyCardiovascularAge => DAILY_CARDIOVASCULAR_AGE,
        DataType::Vo2Max => VO2_MAX,
        DataType::Workout => WORKOUT,
        DataType::Session => SESSION,
        DataType::Tag => TAG,
        DataType::EnhancedTag => ENHANCED_TAG,
        DataType::RestModePeriod => REST_MODE_PERIOD,
        DataType::Heartrate => HEARTRATE,
        DataType::RingBatteryLevel => RING_BATTERY_LEVEL,
        DataType::RingConfiguration => RING_CONFIGURATION,
        DataType::PersonalInfo => PERSONAL_INFO,
    }
}

/// True when Oura's own `day` field is the day the record is filed under, so the table's
/// `day` column is Oura's; otherwise `day` is a column silver adds.
pub fn day_is_oura_field(data_type: DataType) -> bool {
    data_type.day_rule() == DayRule::Field(DAY)
}

/// The Arrow type of a field's main column.
fn arrow_type(kind: Kind) -> ArrowType {
    match kind {
        Str => ArrowType::Utf8,
        Int => ArrowType::Int64,
        Float => ArrowType::Float64,
        Bool => ArrowType::Boolean,
        Date => ArrowType::Date32,
        DateTime => ArrowType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())),
        Kind::Struct(fields) => ArrowType::Struct(arrow_fields(fields)),
        Kind::List(item) => {
            ArrowType::List(Arc::new(ArrowField::new("item", arrow_type(*item), true)))
        }
    }
}

/// The Arrow columns of `fields`: one per field, and an offset column after each datetime.
pub fn arrow_fields(fields: &[Field]) -> Fields {
    let mut out = Vec::with_capacity(fields.len() + 2);
    for field in fields {
        out.push(ArrowField::new(field.name, arrow_type(field.kind), true));
        if field.kind == DateTime {
            out.push(ArrowField::new(offset_column(field.name), ArrowType::Int32, true));
        }
    }
    out.into()
}

/// `bedtime_start` → `bedtime_start_offset_minutes`.
pub fn offset_column(name: &str) -> String {
    format!("{name}{OFFSET_SUFFIX}")
}

/// The full Arrow schema of `data_type`'s silver table.
pub fn table_schema(data_type: DataType) -> SchemaRef {
    let mut fields: Vec<Arc<ArrowField>> =
        arrow_fields(record_fields(data_type)).iter().cloned().collect();
    if !day_is_oura_field(data_type) {
        fields.push(Arc::new(ArrowField::new(DAY, ArrowType::Date32, false)));
    }
    fields.push(Arc::new(ArrowField::new(EXTRA, ArrowType::Utf8, true)));
    fields.push(Arc::new(ArrowField::new(
        ABSENT,
        ArrowType::List(Arc::new(ArrowField::new("item", ArrowType::Utf8, true))),
        true,
    )));
    fields.push(Arc::new(ArrowField::new(BRONZE_SHA256, ArrowType::Utf8, false)));
    Arc::new(Schema::new(fields))
}

/// The statements that make every silver table in `database` over the silver destination
/// at `root` (`bucket/prefix`): the database, then one Parquet month table per type, its
/// columns the schema's (struct field names quoted: `interval` and `timestamp` are reserved
/// words of Athena's DDL).
pub fn athena_statements(database: &str, root: &str) -> Vec<String> {
    use crate::store::layout::athena;
    let mut out = vec![athena::create_database(database)];
    for &t in DataType::ALL {
        let columns: Vec<String> = table_schema(t)
            .fields()
            .iter()
            .map(|f| format!("  `{}` {}", f.name(), hive_type(f.data_type())))
            .collect();
        out.push(athena::parquet_month_table(database, t.name(), &columns, root));
    }
    out
}

/// The Hive (Athena DDL) type of an Arrow column type.
fn hive_type(data_type: &ArrowType) -> String {
    match data_type {
        ArrowType::Utf8 => "string".into(),
        ArrowType::Int64 => "bigint".into(),
        ArrowType::Int32 => "int".into(),
        ArrowType::Float64 => "double".into(),
        ArrowType::Boolean => "boolean".into(),
        ArrowType::Date32 => "date".into(),
        ArrowType::Timestamp(..) => "timestamp".into(),
        ArrowType::List(item) => format!("array<{}>", hive_type(item.data_type())),
        ArrowType::Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                // Quoted: `interval` and `timestamp` are reserved words of Athena's DDL.
                .map(|f| format!("`{}`:{}", f.name(), hive_type(f.data_type())))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => panic!("no Hive type for {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_schema_with_day_and_the_bookkeeping_columns() {
        for &t in DataType::ALL {
            let schema = table_schema(t);
            for column in [DAY, EXTRA, ABSENT, BRONZE_SHA256] {
                assert!(schema.field_with_name(column).is_ok(), "{t} lacks {column}");
            }
            let names: Vec<_> = schema.fields().iter().map(|f| f.name().clone()).collect();
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{t} repeats a column");
            // No partition column of the folders may also be a data column.
            assert!(!names.iter().any(|n| n == "year" || n == "month"), "{t}");
        }
    }

    #[test]
    fn datetimes_are_utc_microseconds_with_an_offset_column() {
        let schema = table_schema(DataType::Sleep);
        assert_eq!(
            schema.field_with_name("bedtime_start").unwrap().data_type(),
            &ArrowType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()))
        );
        assert_eq!(
            schema.field_with_name("bedtime_start_offset_minutes").unwrap().data_type(),
            &ArrowType::Int32
        );
        assert_eq!(schema.field_with_name("day").unwrap().data_type(), &ArrowType::Date32);
    }

    const ATHENA_HEADER: &str = r#"-- Athena tables over the oura-sync silver layer: one table per data type, each row one record
-- (one sample for heartrate and ring_battery_level), typed from Oura's OpenAPI record schemas,
-- stored as Parquet month files <silver>/<type>/year=YYYY/month=MM/<type>_YYYY-MM.parquet.
-- This file is generated from the schemas in src/silver/schema.rs (a unit test keeps them equal).
--
-- Columns: Oura's fields under Oura's names; each datetime as a UTC `timestamp` plus
-- `<name>_offset_minutes`, the offset Oura sent it with (local time = the timestamp plus that
-- many minutes); `day` (the record's filing day, a date); `_extra` (JSON text of the fields the
-- schema does not know or whose value does not fit, read with json_extract); `_absent` (schema
-- fields the record lacked); `_bronze_sha256` (the bronze object the row came from).
--
-- Partitions come from partition projection on year=/month=: no crawler, no MSCK REPAIR.
-- Filter on year (and month) so that Athena reads only those files.
--
-- `oura-sync athena` prints these statements ready to run for the configured lake (bucket,
-- prefix, layout and databases filled in); the README shows the loop that runs them with the
-- AWS CLI. By hand instead: replace BUCKET_NAME and SILVER_PREFIX (the path of OURA_SILVER_DESTINATION,
-- e.g. `silver/oura` for s3://my-lake/silver/oura), for example:
--   sed -e 's/BUCKET_NAME/my-lake/g' -e 's#SILVER_PREFIX#silver/oura#g' scripts/athena/silver_tables.sql
-- Athena runs one statement per query: paste them one by one.

"#;

    /// The Athena DDL of every silver table, as `scripts/athena/silver_tables.sql` holds it.
    fn athena_ddl() -> String {
        ATHENA_HEADER.to_string()
            + &athena_statements("oura_silver", "BUCKET_NAME/SILVER_PREFIX").join("\n")
    }

    /// The Athena tables in scripts/ are exactly the silver schemas (regenerate the file with
    /// `OURA_WRITE_ATHENA_DDL=1 cargo test --lib athena` after a schema change).
    #[test]
    fn the_athena_tables_match_the_silver_schemas() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/athena/silver_tables.sql");
        let ddl = athena_ddl();
        if std::env::var_os("OURA_WRITE_ATHENA_DDL").is_some() {
            std::fs::write(path, &ddl).unwrap();
        }
        assert_eq!(std::fs::read_to_string(path).unwrap(), ddl);
    }

    #[test]
    fn day_is_oura_s_own_field_only_where_it_files_the_record() {
        assert!(day_is_oura_field(DataType::DailySleep));
        assert!(!day_is_oura_field(DataType::EnhancedTag));
        assert!(!day_is_oura_field(DataType::Heartrate));
        assert!(!day_is_oura_field(DataType::PersonalInfo));
    }
}
