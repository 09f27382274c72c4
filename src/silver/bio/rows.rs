//! bio-lakehouse's three Oura tables row by row: their columns (names, order and types as
//! `glue/oura_normalizer.py` writes them), a bronze record flattened to their strings as its
//! `_flatten_json_record` does, the casts of its `process_*`, its dedup on `id` and its
//! forward fill of readiness scores, and the Parquet month file that holds them.

use std::collections::HashSet;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType as ArrowType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::python::{Py, met_summary};
use super::spark::{cast_double, cast_int};
use crate::datatype::DataType;
use crate::silver::table::{BronzeDay, DIGEST_KEY};

/// What a column holds once `process_*` has cast it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Left as the flattened string (Spark `StringType`).
    Text,
    /// `cast("integer")` (Spark `IntegerType`, Parquet INT32).
    Int,
    /// `cast("double")` (Spark `DoubleType`).
    Double,
}

/// One of the three tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BioTable {
    /// The folder under the silver root, and the table's name in `bio_silver`.
    pub name: &'static str,
    /// The Oura type it is built from.
    pub data_type: DataType,
    /// The columns in order, with their kinds.
    pub columns: &'static [(&'static str, Kind)],
    /// Whether missing scores are forward-filled (readiness).
    pub fills_score: bool,
}

use Kind::{Double, Int, Text};

/// `oura_daily_readiness`: `READINESS_COLUMNS`, `score` cast to integer and forward-filled.
pub const READINESS: BioTable = BioTable {
    name: "oura_daily_readiness",
    data_type: DataType::DailyReadiness,
    columns: &[
        ("id", Text),
        ("day", Text),
        ("score", Int),
        ("temperature_deviation", Text),
        ("temperature_trend_deviation", Text),
        ("timestamp", Text),
        ("contributors_activity_balance", Text),
        ("contributors_body_temperature", Text),
        ("contributors_hrv_balance", Text),
        ("contributors_previous_day_activity", Text),
        ("contributors_previous_night", Text),
        ("contributors_recovery_index", Text),
        ("contributors_resting_heart_rate", Text),
        ("contributors_sleep_balance", Text),
        ("contributors_sleep_regularity", Text),
    ],
    fills_score: true,
};

/// `oura_daily_sleep`: `SLEEP_COLUMNS`, `score` cast to integer.
pub const SLEEP: BioTable = BioTable {
    name: "oura_daily_sleep",
    data_type: DataType::DailySleep,
    columns: &[
        ("id", Text),
        ("day", Text),
        ("score", Int),
        ("timestamp", Text),
        ("contributors_deep_sleep", Text),
        ("contributors_efficiency", Text),
        ("contributors_latency", Text),
        ("contributors_rem_sleep", Text),
        ("contributors_restfulness", Text),
        ("contributors_timing", Text),
        ("contributors_total_sleep", Text),
    ],
    fills_score: false,
};

/// `oura_daily_activity`: `ACTIVITY_COLUMNS`, the score and counts cast to integer, the MET
/// mean and maximum to double.
pub const ACTIVITY: BioTable = BioTable {
    name: "oura_daily_activity",
    data_type: DataType::DailyActivity,
    columns: &[
        ("id", Text),
        ("day", Text),
        ("score", Int),
        ("timestamp", Text),
        ("active_calories", Int),
        ("steps", Int),
        ("high_activity_time", Int),
        ("medium_activity_time", Int),
        ("low_activity_time", Int),
        ("sedentary_time", Int),
        ("total_calories", Int),
        ("met_interval", Text),
        ("met_avg", Double),
        ("met_max", Double),
        ("met_count", Text),
    ],
    fills_score: false,
};

/// The three tables.
pub const TABLES: [BioTable; 3] = [READINESS, SLEEP, ACTIVITY];

/// One cast value.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(Option<i32>),
    Double(Option<f64>),
}

/// One row: its cells in column order.
pub type Row = Vec<Cell>;

impl BioTable {
    /// The table of `data_type`, if it is one of the three.
    pub fn of(data_type: DataType) -> Option<BioTable> {
        TABLES.into_iter().find(|t| t.data_type == data_type)
    }

    fn position(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|(c, _)| *c == column)
    }

    /// The Arrow schema of the table's files: every column nullable, as Spark writes them.
    pub fn schema(&self) -> Schema {
        Schema::new(
            self.columns
                .iter()
                .map(|(name, kind)| {
                    let t = match kind {
                        Text => ArrowType::Utf8,
                        Int => ArrowType::Int32,
                        Double => ArrowType::Float64,
                    };
                    Field::new(*name, t, true)
                })
                .collect::<Vec<_>>(),
        )
    }

    /// `_flatten_json_record(record, data_type)`: the table's columns as strings. `None` when
    /// their code would raise on this record (a `met.items` that is not a list of numbers).
    pub fn flatten(&self, record: &Py) -> Option<Vec<String>> {
        let mut flat: Vec<Option<String>> = vec![None; self.columns.len()];
        let py_str = |v: &Py| if *v == Py::None { String::new() } else { v.str() };
        // Top-level fields named like a column.
        for (i, (column, _)) in self.columns.iter().enumerate() {
            if let Some(value) = record.get(column) {
                flat[i] = Some(py_str(value));
            }
        }
        // `record.get("contributors") or {}`, flattened to `contributors_<key>`.
        if let Some(Py::Dict(contributors)) = record.get("contributors").filter(|c| c.truthy()) {
            for (key, value) in contributors {
                if let Some(i) = self.position(&format!("contributors_{key}")) {
                    flat[i] = Some(py_str(value));
                }
            }
        }
        if self.data_type == DataType::DailyActivity {
            let met = record.get("met").filter(|m| m.truthy()).unwrap_or(&Py::None);
            let summary = met_summary(met)?;
            for (column, value) in
                ["met_interval", "met_avg", "met_max", "met_count"].iter().zip(summary)
            {
                flat[self.position(column).expect("an activity column")] = Some(value);
            }
        }
        Some(flat.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// The casts of `process_*` over a flattened row.
    pub fn cast(&self, flat: Vec<String>) -> Row {
        self.columns
            .iter()
            .zip(flat)
            .map(|((_, kind), text)| match kind {
                Text => Cell::Text(text),
                Int => Cell::Int(cast_int(&text)),
                Double => Cell::Double(cast_double(&text)),
            })
            .collect()
    }
}

/// The rows of one month from its bronze days (in day order): every record flattened and
/// cast, the first of each `id` kept. A record their job could not flatten is left out and
/// counted in the second value.
pub fn month_rows(table: &BioTable, days: &[BronzeDay]) -> anyhow::Result<(Vec<Row>, usize)> {
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    let mut unreadable = 0;
    for day in days {
        let text = std::str::from_utf8(&day.body)
            .map_err(|_| anyhow::anyhow!("the bronze object of {} is not UTF-8", day.day))?;
        for line in text.lines().filter(|l| !l.is_empty()) {
            let record = Py::parse(line)
                .map_err(|e| anyhow::anyhow!("a record of {} is not JSON: {e}", day.day))?;
            let Some(flat) = table.flatten(&record) else {
                unreadable += 1;
                continue;
            };
            // `dropDuplicates(["id"])`: an id lives in one day of the lake, so this only
            // guards against a record sent twice.
            if seen.insert(flat[0].clone()) {
                rows.push(table.cast(flat));
            }
        }
    }
    Ok((rows, unreadable))
}

/// `forward_fill(df, None, "day", ["score"])`: in day order, a null score takes the last
/// non-null score before it (`carry_in`, the one before this month, for the month's first
/// rows). Returns the last non-null score after the month (the next month's carry).
pub fn forward_fill(table: &BioTable, rows: &mut [Row], carry_in: Option<i32>) -> Option<i32> {
    let (Some(score), Some(day)) = (table.position("score"), table.position("day")) else {
        return carry_in;
    };
    // Spark's window sorts by `day`; records of one day keep the bronze order.
    rows.sort_by(|a, b| text_of(&a[day]).cmp(text_of(&b[day])));
    let mut last = carry_in;
    for row in rows.iter_mut() {
        match row[score] {
            Cell::Int(Some(s)) => last = Some(s),
            Cell::Int(None) => row[score] = Cell::Int(last),
            _ => {}
        }
    }
    last
}

/// Whether the month's first row (by day) has no score of its own, so that it takes the
/// score carried in from the months before.
pub fn needs_carry(table: &BioTable, rows: &[Row]) -> bool {
    let (Some(score), Some(day)) = (table.position("score"), table.position("day")) else {
        return false;
    };
    rows.iter()
        .min_by(|a, b| text_of(&a[day]).cmp(text_of(&b[day])))
        .is_some_and(|first| first[score] == Cell::Int(None))
}

fn text_of(cell: &Cell) -> &str {
    match cell {
        Cell::Text(t) => t,
        _ => "",
    }
}

/// The month file: the rows as Parquet (snappy, one row group), with `meta` (the month's
/// bronze digest and carries) in the footer under the silver digest key.
pub fn to_parquet(table: &BioTable, rows: &[Row], meta: &str) -> anyhow::Result<Vec<u8>> {
    let schema = Arc::new(table.schema());
    let columns: Vec<ArrayRef> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| -> ArrayRef {
            match kind {
                Text => {
                    Arc::new(StringArray::from_iter_values(rows.iter().map(|r| text_of(&r[i]))))
                }
                Int => Arc::new(Int32Array::from_iter(rows.iter().map(|r| match r[i] {
                    Cell::Int(v) => v,
                    _ => None,
                }))),
                Double => Arc::new(Float64Array::from_iter(rows.iter().map(|r| match r[i] {
                    Cell::Double(v) => v,
                    _ => None,
                }))),
            }
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), columns)?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_key_value_metadata(Some(vec![KeyValue::new(DIGEST_KEY.to_string(), meta.to_string())]))
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), schema, Some(properties))?;
    writer.write(&batch)?;
    Ok(writer.into_inner()?)
}

/// The statements that make the three tables in `database` over the silver destination's
/// root `root` (`bucket/prefix`), with the columns and types their Glue job gives them.
pub fn athena_statements(database: &str, root: &str) -> Vec<String> {
    use crate::store::layout::athena;
    let mut out = vec![athena::create_database(database)];
    for table in TABLES {
        let columns: Vec<String> = table
            .columns
            .iter()
            .map(|(name, kind)| {
                let t = match kind {
                    Text => "string",
                    Int => "int",
                    Double => "double",
                };
                format!("  `{name}` {t}")
            })
            .collect();
        out.push(athena::parquet_month_table(database, table.name, &columns, root));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATHENA_HEADER: &str = r#"-- Athena tables over bio-lakehouse's Oura silver tables as oura-sync writes them (OURA_LAYOUT=bio-lakehouse
-- with a silver destination): oura_daily_readiness, oura_daily_sleep, oura_daily_activity, with the
-- columns and types bio-lakehouse's Glue job glue/oura_normalizer.py gives them and its crawler
-- infers (strings as it writes them, `score` and the activity counts int, met_avg/met_max double),
-- Parquet under <silver>/<table>/year=YYYY/month=MM/. Generated from src/silver/bio/rows.rs (a unit
-- test keeps them equal; the integration test checks them against their job's output).
--
-- A database whose crawler already made these tables needs none of this. Otherwise
-- `oura-sync athena` prints these statements ready to run for the configured lake (bucket,
-- prefix, layout and databases filled in); the README shows the loop that runs them with the
-- AWS CLI. By hand instead: replace SILVER_BUCKET (and prepend the prefix of OURA_SILVER_DESTINATION to each path, if it has one):
--   sed -e 's/SILVER_BUCKET/bio-lakehouse-silver-123456789012/g' scripts/athena/bio_silver_tables.sql
-- Partitions come from partition projection on year=/month=: no crawler, no MSCK REPAIR.
-- The typed tables (scripts/athena/silver_tables.sql) are under <silver>/oura_sync/ with this layout.

"#;

    fn athena_ddl() -> String {
        ATHENA_HEADER.to_string() + &athena_statements("bio_silver", "SILVER_BUCKET").join("\n")
    }

    /// scripts/athena/bio_silver_tables.sql is exactly the three tables' columns (regenerate
    /// it with `OURA_WRITE_ATHENA_DDL=1 cargo test --lib bio_silver_ddl`).
    #[test]
    fn bio_silver_ddl_matches_the_tables() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/athena/bio_silver_tables.sql");
        let ddl = athena_ddl();
        if std::env::var_os("OURA_WRITE_ATHENA_DDL").is_some() {
            std::fs::write(path, &ddl).unwrap();
        }
        assert_eq!(std::fs::read_to_string(path).unwrap_or_default(), ddl);
    }

    fn row(table: &BioTable, json: &str) -> Row {
        table.cast(table.flatten(&Py::parse(json).unwrap()).unwrap())
    }

    /// A readiness record flattens to the normalizer's strings: floats as Python prints
    /// them, null contributors empty, a missing field empty, the score an integer.
    #[test]
    fn a_readiness_record_flattens_and_casts_as_their_job_does() {
        let r = row(
            &READINESS,
            r#"{"id":"a","day":"2026-02-01","score":null,"temperature_deviation":0.0,"timestamp":"2026-02-01T00:00:00+00:00","contributors":{"hrv_balance":null,"activity_balance":88,"sleep_regularity":70.0}}"#,
        );
        assert_eq!(r[2], Cell::Int(None));
        assert_eq!(r[3], Cell::Text("0.0".into()));
        assert_eq!(r[4], Cell::Text(String::new()));
        assert_eq!(r[6], Cell::Text("88".into()));
        assert_eq!(r[8], Cell::Text(String::new()));
        assert_eq!(r[14], Cell::Text("70.0".into()));
    }

    /// Activity: counts cast to integers (a float truncated), the MET summary doubles.
    #[test]
    fn activity_counts_and_met_summary_are_cast() {
        let r = row(
            &ACTIVITY,
            r#"{"id":"b","day":"2026-02-01","score":95,"steps":9120.7,"met":{"interval":60,"items":[0.9,1.1,3]}}"#,
        );
        assert_eq!(r[5], Cell::Int(Some(9120)));
        assert_eq!(r[4], Cell::Int(None));
        assert_eq!(r[11], Cell::Text("60".into()));
        assert_eq!(r[12], Cell::Double(Some(1.67)));
        assert_eq!(r[13], Cell::Double(Some(3.0)));
        assert_eq!(r[14], Cell::Text("3".into()));
    }

    /// Missing scores take the last score before them, across the month's start too.
    #[test]
    fn readiness_scores_are_forward_filled_in_day_order() {
        let mk = |day: &str, score: Option<i32>| {
            let mut r = vec![Cell::Text(String::new()); READINESS.columns.len()];
            r[1] = Cell::Text(day.into());
            r[2] = Cell::Int(score);
            r
        };
        let mut rows =
            vec![mk("2026-02-03", None), mk("2026-02-01", None), mk("2026-02-02", Some(70))];
        assert!(needs_carry(&READINESS, &rows));
        let out = forward_fill(&READINESS, &mut rows, Some(60));
        let scores: Vec<_> = rows.iter().map(|r| r[2].clone()).collect();
        assert_eq!(scores, [Cell::Int(Some(60)), Cell::Int(Some(70)), Cell::Int(Some(70))]);
        assert_eq!(out, Some(70));
    }
}
