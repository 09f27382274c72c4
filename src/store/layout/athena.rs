//! The Athena DDL of the bronze lake in each layout (`scripts/athena/tables.sql` for
//! `hive-ndjson`, `scripts/athena/tables-bio-lakehouse.sql` for `bio-lakehouse`), generated
//! from the layouts' folders and key partitions, so that a layout change cannot leave its
//! tables behind (a unit test keeps the files equal to what this writes; regenerate them with
//! `OURA_WRITE_ATHENA_DDL=1 cargo test --lib athena`).

use super::{Layout, bio_lakehouse};
use crate::datatype::DataType;

/// The file of `layout`'s DDL, under `scripts/athena/`.
pub fn file_name(layout: &dyn Layout) -> String {
    match layout.name() {
        bio_lakehouse::NAME => "tables-bio-lakehouse.sql".into(),
        _ => "tables.sql".into(),
    }
}

/// The DDL of every bronze table of `layout`, as `scripts/athena/` holds it: the header's
/// notes, then [`bronze_statements`] into the database `oura` with the placeholders
/// `BUCKET_NAME/LAKE_PREFIX` (`oura-sync athena` fills them in from the configured lake).
pub fn bronze_ddl(layout: &dyn Layout) -> String {
    let arrays = layout.name() == bio_lakehouse::NAME;
    let notes = if arrays { BIO_LAKEHOUSE_HEADER } else { HIVE_NDJSON_HEADER };
    notes.to_string() + &bronze_statements(layout, "oura", "BUCKET_NAME/LAKE_PREFIX").join("\n")
}

/// The statements that make the bronze tables of `layout` in `database`, over the lake at
/// `root` (`bucket/prefix`, or `bucket` for a lake at the bucket's root), each ending in `;`
/// and a newline: the database, a text table per type over its folder, with partition
/// projection on the keys' `year=/month=/day=`; in a layout whose objects are JSON arrays (one
/// record per line), a raw table of lines per type and a view of its records.
pub fn bronze_statements(layout: &dyn Layout, database: &str, root: &str) -> Vec<String> {
    let arrays = layout.name() == bio_lakehouse::NAME;
    let mut out = vec![create_database(database)];
    for &data_type in DataType::ALL {
        let name = data_type.name();
        let location = format!("{root}/{}", layout.folder(data_type));
        if arrays {
            out.push(text_table(database, &format!("{name}_lines"), "line", &location));
            out.push(format!(
                "CREATE OR REPLACE VIEW {database}.{name} AS\n\
                 SELECT regexp_replace(line, ',$', '') AS record, year, month, day\n\
                 FROM {database}.{name}_lines\n\
                 WHERE line LIKE '{{%';\n"
            ));
        } else {
            out.push(text_table(database, name, "record", &location));
        }
    }
    out
}

/// `CREATE DATABASE IF NOT EXISTS <name>;`, the first statement of each group of tables.
pub fn create_database(name: &str) -> String {
    format!("CREATE DATABASE IF NOT EXISTS {name};\n")
}

/// One text table `<database>.<table>` of one string column over `s3://<location>/`,
/// partitioned by day.
fn text_table(database: &str, table: &str, column: &str, location: &str) -> String {
    format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS {database}.{table} (\n\
         \x20 {column} string\n\
         )\n\
         PARTITIONED BY (`year` string, `month` string, `day` string)\n\
         ROW FORMAT DELIMITED\n\
         LINES TERMINATED BY '\\n'\n\
         STORED AS TEXTFILE\n\
         LOCATION 's3://{location}/'\n{}",
        projected(2015, &format!("s3://{location}/year=${{year}}/month=${{month}}/day=${{day}}/"))
    )
}

/// One Athena table `<database>.<name>` of `columns` (each `` `name` type ``) over the Parquet
/// month files under `s3://<root>/<name>/year=YYYY/month=MM/`, partitions by projection: the
/// form of every silver table, the typed ones and bio-lakehouse's.
pub fn parquet_month_table(database: &str, name: &str, columns: &[String], root: &str) -> String {
    format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS {database}.{name} (\n{}\n)\n\
         PARTITIONED BY (`year` string, `month` string)\n\
         STORED AS PARQUET\n\
         LOCATION 's3://{root}/{name}/'\n{}",
        columns.join(",\n"),
        projected(2013, &format!("s3://{root}/{name}/year=${{year}}/month=${{month}}/"))
    )
}

/// The `TBLPROPERTIES` that end a table partitioned by projection (no crawler, no `MSCK
/// REPAIR`): years from `first_year` to 2035, months, and days where `template` (the
/// partitions' location) has them.
fn projected(first_year: u16, template: &str) -> String {
    let mut parts =
        vec![("year", format!("{first_year},2035"), 4), ("month", "1,12".to_string(), 2)];
    if template.contains("${day}") {
        parts.push(("day", "1,31".to_string(), 2));
    }
    let mut out = String::from("TBLPROPERTIES (\n  'projection.enabled' = 'true',\n");
    for (part, range, digits) in parts {
        out.push_str(&format!(
            "  'projection.{part}.type' = 'integer',\n  'projection.{part}.range' = '{range}',\n  \
             'projection.{part}.digits' = '{digits}',\n"
        ));
    }
    out + &format!("  'storage.location.template' = '{template}'\n);\n")
}

const HIVE_NDJSON_HEADER: &str = r#"-- Athena tables over the oura-sync lake: one table per data type (CONTRACT §3), each row one
-- record, the column `record` holding the record's JSON exactly as the lake stores it (one
-- line of the NDJSON object). Read fields with json_extract_scalar(record, '$.field'), so a
-- field Oura adds tomorrow is queryable without changing any table.
-- This file is generated from the layout in src/store/layout/ (a unit test keeps them equal).
--
-- Partitions come from partition projection on the lake's year=/month=/day= keys: no
-- crawler, no MSCK REPAIR TABLE, and a day synced a minute ago is visible at once. Filter on
-- year (and month, day) so that Athena reads only those prefixes.
--
-- `oura-sync athena` prints these statements ready to run for the configured lake (bucket,
-- prefix, layout and databases filled in); the README shows the loop that runs them with the
-- AWS CLI. By hand instead: replace BUCKET_NAME and LAKE_PREFIX (the path of OURA_DESTINATION, e.g.
-- `oura` for s3://my-lake/oura), for example:
--   sed -e 's/BUCKET_NAME/my-lake/g' -e 's#LAKE_PREFIX#oura#g' scripts/athena/tables.sql
-- (for a lake at the bucket's root, use -e 's#LAKE_PREFIX/##g' instead)
-- Athena runs one statement per query: paste them one by one, or loop over them with
-- `aws athena start-query-execution`. The year range runs to 2035; widen it if needed.
--
-- The default field delimiter of a text table is Ctrl-A (\u0001), which JSON text never
-- contains raw, so each whole line lands in `record`.

"#;

const BIO_LAKEHOUSE_HEADER: &str = r#"-- Athena tables over a lake in the bio-lakehouse layout (OURA_LAYOUT=bio-lakehouse): the
-- same tables and columns as tables.sql (one row per record, its JSON in `record`, partitions
-- year/month/day by projection), so examples.sql runs unchanged on either layout.
-- This file is generated from the layout in src/store/layout/ (a unit test keeps them equal).
--
-- This layout stores each day as one JSON array, one record per line:
--   [
--   {...},
--   {...}
--   ]
-- so each type has a raw table `oura.<type>_lines` over its folder (one row per line) and a
-- view `oura.<type>` that keeps the lines that start with `{` (a record) and drops the comma
-- after each record but the last: every row of the view is one record's JSON, exactly as
-- Oura sent it. The folders are the replaced script's: readiness, sleep (daily_sleep),
-- activity, spo2, sleep_periods (our sleep), every other type under its own name. The
-- objects the replaced oura-sync.sh left in the same folders (readiness_<timestamp>.json)
-- were pretty-printed by jq, so none of their lines starts with `{` and the views leave them
-- out (the normalizer still reads them, and deduplicates on id).
--
-- `oura-sync athena` prints these statements ready to run for the configured lake (bucket,
-- prefix, layout and databases filled in); the README shows the loop that runs them with the
-- AWS CLI. By hand instead: replace BUCKET_NAME and LAKE_PREFIX (the path of the destination, `oura`
-- for s3://bio-lakehouse-bronze-ACCOUNT/oura), for example:
--   sed -e 's/BUCKET_NAME/bio-lakehouse-bronze-123456789012/g' -e 's#LAKE_PREFIX#oura#g' \
--     scripts/athena/tables-bio-lakehouse.sql
-- Athena runs one statement per query. The year range runs to 2035; widen it if needed.

"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// The bronze Athena tables in scripts/ are exactly what each layout's folders and keys
    /// give (regenerate with `OURA_WRITE_ATHENA_DDL=1 cargo test --lib athena`).
    #[test]
    fn the_bronze_athena_tables_match_the_layouts() {
        for name in super::super::NAMES {
            let layout = super::super::by_name(name).expect("a known layout");
            let path = format!(
                "{}/scripts/athena/{}",
                env!("CARGO_MANIFEST_DIR"),
                file_name(layout.as_ref())
            );
            let ddl = bronze_ddl(layout.as_ref());
            if std::env::var_os("OURA_WRITE_ATHENA_DDL").is_some() {
                std::fs::write(&path, &ddl).unwrap();
            }
            assert_eq!(std::fs::read_to_string(&path).unwrap(), ddl, "{path}");
        }
    }
}
