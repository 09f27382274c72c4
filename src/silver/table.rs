//! One silver month file: a type's rows of one month built from its bronze days, written as
//! Parquet (snappy, dictionary-encoded, one row group per file up to [`ROW_GROUP_ROWS`]), with
//! the digest of the bronze days it was built from in the file's key-value metadata, so that
//! a later sync can tell whether the month is up to date by reading the footer alone.

use std::collections::BTreeSet;

use arrow_array::RecordBatch;
use bytes::Bytes;
use jiff::civil::Date;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use sha2::{Digest, Sha256};

use super::decode::{RowDecoder, parsed_to_row};
use super::exact::parse_record;
use super::schema::{SILVER_VERSION, table_schema};
use crate::datatype::DataType;

/// Rows per row group: a month of any type fits in one (heart rate every 5 minutes is ~9,000
/// rows a month), and engines read a few large row groups fastest.
pub const ROW_GROUP_ROWS: usize = 1 << 20;

/// The key of the footer metadata entry that holds the bronze digest.
pub const DIGEST_KEY: &str = "oura_sync.bronze_digest";

pub use crate::window::YearMonth;

/// One bronze day object: its day, the sha256 of its bytes, and the NDJSON itself.
#[derive(Clone, Debug)]
pub struct BronzeDay {
    pub day: Date,
    pub sha256: String,
    pub body: Bytes,
}

/// The digest of the bronze days a month is built from (and of the silver version): equal
/// digests mean an identical month file.
pub fn bronze_digest<'a>(days: impl IntoIterator<Item = (Date, &'a str)>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("silver v{SILVER_VERSION}\n"));
    for (day, sha256) in days {
        hasher.update(format!("{day} {sha256}\n"));
    }
    hex::encode(hasher.finalize())
}

/// A month file, ready to store.
#[derive(Debug)]
pub struct MonthTable {
    pub month: YearMonth,
    pub parquet: Vec<u8>,
    pub rows: usize,
    pub digest: String,
    /// Dotted paths of the fields that went to `_extra` in some row.
    pub misfits: BTreeSet<String>,
}

/// Rows decoded into Arrow and handed to the Parquet writer at a time. A month is built a
/// chunk at a time so that only the chunk's rows are held as JSON values (a month of them, ten
/// times the size of its bronze NDJSON, was most of a backfill's peak memory); the writer
/// keeps the month in one row group, as encoded pages.
const ROWS_AT_ONCE: usize = 1024;

/// Builds `data_type`'s month file from its bronze days (in day order).
pub fn build_month(
    data_type: DataType,
    month: YearMonth,
    days: &[BronzeDay],
) -> anyhow::Result<MonthTable> {
    let digest = bronze_digest(days.iter().map(|d| (d.day, d.sha256.as_str())));
    let mut writer =
        ArrowWriter::try_new(Vec::new(), table_schema(data_type), Some(properties(&digest)))?;
    let mut decoder = RowDecoder::new(data_type, ROWS_AT_ONCE)?;
    let mut rows = Vec::with_capacity(ROWS_AT_ONCE);
    let (mut misfits, mut total) = (BTreeSet::new(), 0);
    for day in days {
        let text = std::str::from_utf8(&day.body)
            .map_err(|_| anyhow::anyhow!("the bronze object of {} is not UTF-8", day.day))?;
        for (line_no, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
            let Some(record) = parse_record(line) else {
                anyhow::bail!(
                    "line {} of the bronze object of {} is not a JSON object",
                    line_no + 1,
                    day.day
                )
            };
            let (row, notes) = parsed_to_row(data_type, record, day.day, &day.sha256);
            misfits.extend(notes);
            rows.push(row);
            if rows.len() == ROWS_AT_ONCE {
                total += write_rows(&mut decoder, &mut rows, &mut writer)?;
            }
        }
    }
    total += write_rows(&mut decoder, &mut rows, &mut writer)?;
    let rows = total;
    let parquet = writer.into_inner()?;
    Ok(MonthTable { month, parquet, rows, digest, misfits })
}

/// Decodes `rows` into one batch, hands it to `writer` and empties `rows`; returns how many
/// rows it wrote.
fn write_rows(
    decoder: &mut RowDecoder,
    rows: &mut Vec<serde_json::Map<String, serde_json::Value>>,
    writer: &mut ArrowWriter<Vec<u8>>,
) -> anyhow::Result<usize> {
    let written = match decoder.decode(rows)? {
        Some(batch) => {
            writer.write(&batch)?;
            batch.num_rows()
        }
        None => 0,
    };
    rows.clear();
    Ok(written)
}

/// How a month file is written: snappy, page statistics, one row group, the bronze digest in
/// the footer.
fn properties(digest: &str) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_key_value_metadata(Some(vec![KeyValue::new(
            DIGEST_KEY.to_string(),
            digest.to_string(),
        )]))
        .build()
}

/// Reads a month file's rows.
pub fn read_parquet(bytes: Bytes) -> anyhow::Result<Vec<RecordBatch>> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)?.with_batch_size(8192).build()?;
    Ok(reader.collect::<Result<Vec<_>, _>>()?)
}

/// The bronze digest in a month file's footer metadata, if any.
pub fn digest_of(metadata: &parquet::file::metadata::ParquetMetaData) -> Option<String> {
    metadata
        .file_metadata()
        .key_value_metadata()?
        .iter()
        .find(|kv| kv.key == DIGEST_KEY)
        .and_then(|kv| kv.value.clone())
}

#[cfg(test)]
mod tests {
    use crate::window::Window;
    use jiff::civil::date;

    use super::*;
    use crate::silver::render::batch_to_records;
    use crate::store::sha256_hex;

    #[test]
    fn a_window_touches_each_of_its_months_once() {
        let months = YearMonth::months_of(Window::new(date(2025, 12, 30), date(2026, 2, 1)));
        let names: Vec<_> = months.iter().map(|m| m.to_string()).collect();
        assert_eq!(names, ["2025-12", "2026-01", "2026-02"]);
        assert_eq!(YearMonth::of(date(2024, 2, 3)).last_day(), date(2024, 2, 29));
    }

    #[test]
    fn a_month_file_reads_back_with_its_rows_and_digest() {
        let body = "{\"id\":\"a\",\"day\":\"2026-02-01\",\"score\":80}\n{\"id\":\"b\",\"day\":\"2026-02-01\",\"score\":81}\n";
        let day = BronzeDay {
            day: date(2026, 2, 1),
            sha256: sha256_hex(body.as_bytes()),
            body: Bytes::from(body),
        };
        let month = YearMonth::of(day.day);
        let table = build_month(DataType::DailySleep, month, std::slice::from_ref(&day)).unwrap();
        assert_eq!(table.rows, 2);
        let bytes = Bytes::from(table.parquet);
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes.clone()).unwrap();
        assert_eq!(digest_of(builder.metadata()), Some(table.digest.clone()));
        let batches = read_parquet(bytes).unwrap();
        let records = batch_to_records(DataType::DailySleep, &batches[0]).unwrap();
        assert_eq!(
            serde_json::Value::Object(records[1].clone()),
            serde_json::json!({"id":"b","day":"2026-02-01","score":81})
        );
        // The same days give the same digest; a changed day another.
        assert_eq!(table.digest, bronze_digest([(day.day, day.sha256.as_str())]));
        assert_ne!(table.digest, bronze_digest([(day.day, "other")]));
    }
}
