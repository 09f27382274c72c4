//! The silver layer: every record of every type as typed Parquet tables, one file per type and
//! month (`<silver>/<type>/year=YYYY/month=MM/<type>_YYYY-MM.parquet`), built from the bronze
//! lake alone and kept up to date by each sync.
//!
//! - [`schema`]: the columns of each type, from Oura's OpenAPI record schemas;
//! - [`decode`]: records to rows (`_extra`, `_absent`) and rows to Arrow;
//! - [`render`]: rows back to Oura's records (the lossless proof, and readers);
//! - [`table`]: one month file (Parquet, with the digest of its bronze days);
//! - [`bronze`]: where a rebuild finds the bronze days; [`crate::store::silver`]: where
//!   silver lives (keys of a byte store, like bronze).
//!
//! A month file is rebuilt only when the digest of its bronze days (each day's sha256) differs
//! from the one in the file, so an unchanged month costs a ledger read and a footer read.
//! Silver never blocks bronze: it runs after bronze and the ledger are written, and a failure
//! is reported (exit 1) and repaired by the next sync or `oura-sync silver`.

#[cfg(feature = "parquet")]
pub mod bio;
#[cfg(feature = "parquet")]
pub mod bronze;
#[cfg(feature = "parquet")]
pub mod decode;
#[cfg(feature = "parquet")]
pub mod render;
#[cfg(feature = "parquet")]
pub mod schema;
#[cfg(feature = "parquet")]
pub mod table;

use std::collections::BTreeMap;
#[cfg(feature = "parquet")]
use std::collections::BTreeSet;

#[cfg(feature = "parquet")]
use futures_util::StreamExt;
use serde::Serialize;

#[cfg(feature = "parquet")]
use crate::datatype::DataType;
#[cfg(feature = "parquet")]
use crate::store::silver::{META_DIGEST, MonthFile, SilverTables};
#[cfg(feature = "parquet")]
use crate::window::Window;
#[cfg(feature = "parquet")]
use bronze::BronzeSource;
#[cfg(feature = "parquet")]
use table::{BronzeDay, MonthTable, YearMonth, bronze_digest, build_month, digest_of};
#[cfg(feature = "parquet")]
use tokio::sync::oneshot;

/// Month files built at once: one per core of a small machine; more only hold more months
/// of parsed records in memory at once.
#[cfg(feature = "parquet")]
const MONTHS_AT_ONCE: usize = 2;

/// Whether a month file is rewritten when its digest already matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// After a sync: only months whose bronze days changed.
    Update,
    /// `oura-sync silver`: every month, from the bronze bytes.
    Rebuild,
}

/// What a silver pass did (the `silver` part of the run report).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SilverReport {
    /// `ok` or `failed`.
    pub status: String,
    pub destination: String,
    pub months_written: u64,
    pub months_unchanged: u64,
    pub rows_written: u64,
    /// The first cause of a failure, on one line.
    pub error: Option<String>,
    /// Per type, the fields that went to `_extra` in the months written.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra_fields: BTreeMap<String, Vec<String>>,
}

impl SilverReport {
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

/// What became of one (type, month).
#[cfg(feature = "parquet")]
enum MonthOutcome {
    Written { rows: usize, misfits: BTreeSet<String> },
    Unchanged,
    Empty,
}

/// Brings the silver months of `types` within `window` up to date with `source`.
#[cfg(feature = "parquet")]
pub async fn update(
    silver: &SilverTables,
    source: &BronzeSource<'_>,
    types: &[DataType],
    window: Window,
    mode: Mode,
) -> SilverReport {
    let mut report = SilverReport { destination: silver.describe(), ..Default::default() };
    let mut jobs = Vec::new();
    for &data_type in types {
        match source.days_by_month(data_type, window).await {
            Ok(months) => jobs.extend(months.into_iter().map(|(m, days)| (data_type, m, days))),
            Err(e) => {
                report
                    .error
                    .get_or_insert(format!("{data_type}: cannot list its bronze days: {e:#}"));
            }
        }
    }
    let builders = Builders::start(MONTHS_AT_ONCE);
    let builders = &builders;
    let results: Vec<_> = futures_util::stream::iter(jobs)
        .map(|(data_type, month, days)| async move {
            let outcome = update_month(silver, source, builders, data_type, month, days, mode);
            (data_type, month, outcome.await)
        })
        .buffer_unordered(MONTHS_AT_ONCE)
        .collect()
        .await;
    let mut misfits: BTreeMap<DataType, BTreeSet<String>> = BTreeMap::new();
    // (where, cause), e.g. ("daily_sleep 2026-11", "cannot create …").
    let mut failures: Vec<(String, String)> = Vec::new();
    for (data_type, month, result) in results {
        match result {
            Ok(MonthOutcome::Written { rows, misfits: fields }) => {
                report.months_written += 1;
                report.rows_written += rows as u64;
                misfits.entry(data_type).or_default().extend(fields);
            }
            Ok(MonthOutcome::Unchanged) => report.months_unchanged += 1,
            Ok(MonthOutcome::Empty) => {}
            Err(e) => failures.push((format!("{data_type} {month}"), format!("{e:#}"))),
        }
    }
    failures.sort();
    if report.months_written > 0
        && let Err(e) = silver.flush().await
    {
        failures.push((silver.describe(), format!("cannot flush the month files: {e:#}")));
    }
    for (place, cause) in &failures {
        tracing::error!(%place, %cause, "Silver month failed.");
    }
    if let Some((place, cause)) = failures.first() {
        let more = match failures.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        report.error.get_or_insert(format!("{place}: {cause}{more}"));
    }
    for (data_type, fields) in misfits.into_iter().filter(|(_, f)| !f.is_empty()) {
        for field in &fields {
            tracing::warn!(r#type = %data_type, %field, "A field is not in the silver schema or does not fit its column; kept in _extra.");
        }
        report.extra_fields.insert(data_type.name().to_string(), fields.into_iter().collect());
    }
    report.status = if report.failed() { "failed" } else { "ok" }.to_string();
    tracing::info!(
        months_written = report.months_written,
        months_unchanged = report.months_unchanged,
        rows = report.rows_written,
        status = %report.status,
        "Silver updated."
    );
    report
}

#[cfg(feature = "parquet")]
async fn update_month(
    silver: &SilverTables,
    source: &BronzeSource<'_>,
    builders: &Builders,
    data_type: DataType,
    month: YearMonth,
    days: Vec<bronze::DayRef>,
    mode: Mode,
) -> anyhow::Result<MonthOutcome> {
    if days.is_empty() {
        return Ok(MonthOutcome::Empty);
    }
    if mode == Mode::Update {
        let known: Option<Vec<_>> =
            days.iter().map(|d| d.sha256.as_deref().map(|s| (d.day, s))).collect();
        if let Some(known) = known
            && stored_digest(silver, data_type, month).await? == Some(bronze_digest(known))
        {
            return Ok(MonthOutcome::Unchanged);
        }
    }
    let mut bronze = Vec::with_capacity(days.len());
    for day in &days {
        bronze.push(source.read(day).await?);
    }
    let table = builders.build(data_type, month, bronze).await?;
    let file = MonthFile { parquet: &table.parquet, digest: &table.digest, rows: table.rows };
    silver.put(data_type, month, file).await?;
    Ok(MonthOutcome::Written { rows: table.rows, misfits: table.misfits })
}

/// A month to build, and where its file goes back to.
#[cfg(feature = "parquet")]
type BuildJob = (DataType, YearMonth, Vec<BronzeDay>, oneshot::Sender<anyhow::Result<MonthTable>>);

/// A few long-lived threads that build month files. Not `spawn_blocking`: each new thread of
/// tokio's blocking pool gets its own malloc arena that keeps its peak, and a 3-year rebuild
/// over ever new threads peaked at 200 MB instead of 100.
#[cfg(feature = "parquet")]
struct Builders {
    jobs: std::sync::mpsc::Sender<BuildJob>,
}

#[cfg(feature = "parquet")]
impl Builders {
    fn start(threads: usize) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<BuildJob>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for _ in 0..threads {
            let queue = queue.clone();
            std::thread::spawn(move || {
                loop {
                    let job = queue.lock().map_err(|_| ()).and_then(|q| q.recv().map_err(|_| ()));
                    let Ok((data_type, month, bronze, done)) = job else { return };
                    let _ = done.send(build_month(data_type, month, &bronze));
                }
            });
        }
        Self { jobs }
    }

    async fn build(
        &self,
        data_type: DataType,
        month: YearMonth,
        bronze: Vec<BronzeDay>,
    ) -> anyhow::Result<MonthTable> {
        let (done, result) = oneshot::channel();
        self.jobs
            .send((data_type, month, bronze, done))
            .map_err(|_| anyhow::anyhow!("the silver builders stopped"))?;
        result.await.map_err(|_| anyhow::anyhow!("a silver builder stopped"))?
    }
}

/// Every record of `data_type` in silver whose day lies in `window`, rendered back to Oura's
/// JSON, in day order (the reading API for the dashboard and the tests).
#[cfg(feature = "parquet")]
pub async fn read_records(
    silver: &SilverTables,
    data_type: DataType,
    window: Window,
) -> anyhow::Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let mut out = Vec::new();
    for month in YearMonth::months_of(window) {
        let Some(bytes) = silver.get(data_type, month).await? else { continue };
        let rows = month_records(data_type, month, bytes).await?;
        out.extend(rows.into_iter().filter(|(day, _)| window.contains(*day)).map(|(_, r)| r));
    }
    Ok(out)
}

/// The rows of `data_type`'s month file for `month` (its `bytes`), each rendered back to
/// Oura's JSON with the day it is filed under, in file order.
#[cfg(feature = "parquet")]
async fn month_records(
    data_type: DataType,
    month: YearMonth,
    bytes: bytes::Bytes,
) -> anyhow::Result<Vec<(jiff::civil::Date, serde_json::Map<String, serde_json::Value>)>> {
    let batches = tokio::task::spawn_blocking(move || table::read_parquet(bytes)).await??;
    let mut out = Vec::new();
    for batch in &batches {
        let filed = batch.column_by_name(schema::DAY).ok_or_else(|| {
            anyhow::anyhow!("the silver file of {data_type} {month} has no `day` column")
        })?;
        let filed =
            arrow_array::cast::AsArray::as_primitive::<arrow_array::types::Date32Type>(filed);
        for (row, record) in render::batch_to_records(data_type, batch)?.into_iter().enumerate() {
            out.push((render::date_of_epoch_days(filed.value(row)), record));
        }
    }
    Ok(out)
}

/// The records of `data_type`'s month file with the day each is filed under, rendered back to
/// Oura's JSON, **only when the file was built from exactly the bronze days `days`** (each
/// day with its object's sha256, as the ledger lists the month); `None` when the file is
/// missing or stale, so that a reader falls back to bronze and never shows an older answer.
#[cfg(feature = "parquet")]
pub async fn read_current_month(
    silver: &SilverTables,
    data_type: DataType,
    month: YearMonth,
    days: &[(jiff::civil::Date, &str)],
) -> anyhow::Result<Option<Vec<(jiff::civil::Date, serde_json::Map<String, serde_json::Value>)>>> {
    if days.is_empty()
        || stored_digest(silver, data_type, month).await?
            != Some(bronze_digest(days.iter().copied()))
    {
        return Ok(None);
    }
    let Some(bytes) = silver.get(data_type, month).await? else { return Ok(None) };
    Ok(Some(month_records(data_type, month, bytes).await?))
}

/// The bronze digest `data_type`'s month file for `month` was built from: from the store's
/// metadata where it keeps some (one `HeadObject` on S3), else from the Parquet footer; `None`
/// when there is no file, or it is not Parquet (cut off, or foreign), so it is rebuilt.
#[cfg(feature = "parquet")]
async fn stored_digest(
    silver: &SilverTables,
    data_type: DataType,
    month: YearMonth,
) -> anyhow::Result<Option<String>> {
    let Some(head) = silver.head(data_type, month).await? else { return Ok(None) };
    if let Some(digest) = head.metadata.get(META_DIGEST) {
        return Ok(Some(digest.clone()));
    }
    let Some(bytes) = silver.get(data_type, month).await? else { return Ok(None) };
    let metadata = tokio::task::spawn_blocking(move || {
        parquet::file::metadata::ParquetMetaDataReader::new().parse_and_finish(&bytes).ok()
    })
    .await?;
    Ok(metadata.as_ref().and_then(digest_of))
}
