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
//! - [`index`]: what each month file was built from and its own sha256, and whether it still
//!   stands.
//!
//! Silver is a function of bronze, checked every sync: each month bronze knows is compared with
//! the index (the ledger's sha256s against those the file was built from, and the file's bytes
//! against the sha256 written; no bronze object is read), and a month that is missing, stale
//! or damaged is rebuilt from every day object the lake holds for it, whatever the sync's
//! window. Silver never blocks bronze: it runs after bronze and the ledger are written, and a
//! failure is reported (exit 1) and repaired by the next sync or `oura-sync silver`.

#[cfg(feature = "parquet")]
pub mod bio;
#[cfg(feature = "parquet")]
pub mod bronze;
#[cfg(feature = "parquet")]
pub mod decode;
#[cfg(feature = "parquet")]
pub mod exact;
pub mod index;
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
use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;

#[cfg(feature = "parquet")]
use crate::datatype::DataType;
#[cfg(feature = "parquet")]
use anyhow::Context as _;

#[cfg(feature = "parquet")]
use crate::store::silver::{MonthFile, SilverTables};
#[cfg(feature = "parquet")]
use crate::window::Window;
#[cfg(feature = "parquet")]
use bronze::BronzeSource;
#[cfg(feature = "parquet")]
use index::{DayNow, MonthEntry, TypeIndex, Verdict};
#[cfg(feature = "parquet")]
use table::{BronzeDay, MonthTable, YearMonth, build_month};

/// Month files in work at once: while one is built, the next ones' days are read and the
/// previous one is stored (builds themselves take turns: see [`build_here`]). Three keeps a
/// 10-year rebuild as fast as two builder threads were (8.4 s against 8.1-8.8 s).
#[cfg(feature = "parquet")]
const MONTHS_AT_ONCE: usize = 3;
/// Bronze day objects of a month read at once (each read is a blocking-pool round trip on a
/// local lake, a `GetObject` on S3).
#[cfg(feature = "parquet")]
const READS_AT_ONCE: usize = 8;
/// Month files checked at once (a read of each local file, a `HeadObject` on S3).
#[cfg(feature = "parquet")]
const CHECKS_AT_ONCE: usize = 8;

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

#[cfg(feature = "parquet")]
/// Brings the silver months of `types` up to date with `source`: with [`Mode::Update`], every
/// month bronze or the index knows is judged ([`index::judge`]) and those not current are
/// rebuilt, whatever `window` is (a run killed during silver is healed by the next); with
/// [`Mode::Rebuild`], every month `window` touches is rebuilt.
pub async fn update(
    silver: &SilverTables,
    source: &BronzeSource<'_>,
    types: &[DataType],
    window: Window,
    mode: Mode,
) -> SilverReport {
    let mut report = SilverReport { destination: silver.describe(), ..Default::default() };
    let mut misfits: BTreeMap<DataType, BTreeSet<String>> = BTreeMap::new();
    // (where, cause), e.g. ("daily_sleep 2026-11", "cannot create …").
    let mut failures: Vec<(String, String)> = Vec::new();
    for &data_type in types {
        let run = TypeRun { silver, source, data_type };
        match run.update(window, mode).await {
            Ok(done) => {
                report.months_written += done.written;
                report.months_unchanged += done.unchanged;
                report.rows_written += done.rows;
                misfits.entry(data_type).or_default().extend(done.misfits);
                failures.extend(done.failures);
            }
            Err(e) => failures.push((data_type.to_string(), format!("{e:#}"))),
        }
    }
    failures.sort();
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
/// What one type's pass did.
#[derive(Default)]
struct TypeDone {
    written: u64,
    unchanged: u64,
    rows: u64,
    misfits: BTreeSet<String>,
    failures: Vec<(String, String)>,
}

#[cfg(feature = "parquet")]
/// One type's silver pass.
struct TypeRun<'a> {
    silver: &'a SilverTables,
    source: &'a BronzeSource<'a>,
    data_type: DataType,
}

#[cfg(feature = "parquet")]
impl TypeRun<'_> {
    /// Judges (or, rebuilding, takes) the months, rebuilds those not current, then records
    /// them in the type's index once their files are durable: a run killed before that leaves
    /// them unrecorded, and the next run rebuilds them.
    async fn update(&self, window: Window, mode: Mode) -> anyhow::Result<TypeDone> {
        let data_type = self.data_type;
        let mut index = read_index(self.silver, data_type).await?;
        let mut view = self.source.view(data_type, window).await?;
        let mut months: BTreeSet<YearMonth> = view.now.keys().copied().collect();
        months.extend(index.month_list());
        if mode == Mode::Rebuild {
            let wanted: BTreeSet<YearMonth> = YearMonth::months_of(window).into_iter().collect();
            months.retain(|m| wanted.contains(m));
        }
        let mut done = TypeDone::default();
        let mut rebuild = Vec::new();
        let empty = BTreeMap::new();
        let verdicts: Vec<_> = futures_util::stream::iter(months)
            .map(|month| {
                let now = view.now.get(&month).unwrap_or(&empty);
                let entry = index.month(month);
                async move {
                    if mode == Mode::Rebuild {
                        return (month, Ok(Verdict::Stale));
                    }
                    let file = self.silver.file_sha256(data_type, month).await;
                    (month, file.map(|file| index::judge(entry, now, file.as_deref())))
                }
            })
            .buffer_unordered(CHECKS_AT_ONCE)
            .collect()
            .await;
        for (month, verdict) in verdicts {
            let verdict = verdict.unwrap_or_else(|e| {
                tracing::warn!(r#type = %data_type, %month, error = %format!("{e:#}"), "Cannot check the silver month file; rebuilding it.");
                Verdict::Stale
            });
            match verdict {
                Verdict::Current => done.unchanged += 1,
                Verdict::Damaged => {
                    tracing::warn!(r#type = %data_type, %month, "The silver month file is not the one written (damaged or replaced); rebuilding it from bronze.");
                    rebuild.push(month);
                }
                Verdict::Missing | Verdict::Stale => rebuild.push(month),
            }
        }
        if rebuild.is_empty() {
            return Ok(done);
        }
        self.source.complete(&mut view, data_type).await?;
        let view = &view;
        let results: Vec<_> = futures_util::stream::iter(rebuild)
            .map(|month| async move { (month, self.rebuild(month, view.days_of(month)).await) })
            .buffer_unordered(MONTHS_AT_ONCE)
            .collect()
            .await;
        for (month, result) in results {
            match result {
                Ok(Some((entry, misfits))) => {
                    done.written += 1;
                    done.rows += entry.rows;
                    done.misfits.extend(misfits);
                    index.set(month, Some(entry));
                }
                Ok(None) => index.set(month, None),
                Err(e) => {
                    index.set(month, None);
                    done.failures.push((format!("{data_type} {month}"), format!("{e:#}")));
                }
            }
        }
        self.silver.flush().await.context("cannot flush the month files")?;
        self.silver.put_index(data_type, index.to_bytes()).await?;
        self.silver.flush().await.context("cannot flush the silver index")?;
        Ok(done)
    }

    /// Builds and stores the month file of `month` from `days` (all the day objects the lake
    /// holds for it); a month with none loses its file. Returns its index entry.
    async fn rebuild(
        &self,
        month: YearMonth,
        days: Vec<bronze::DayRef>,
    ) -> anyhow::Result<Option<(MonthEntry, BTreeSet<String>)>> {
        if days.is_empty() {
            self.silver.delete(self.data_type, month).await?;
            return Ok(None);
        }
        // In day order: the file's rows follow it.
        let bronze: Vec<BronzeDay> = futures_util::stream::iter(&days)
            .map(|day| self.source.read(day))
            .buffered(READS_AT_ONCE)
            .try_collect()
            .await?;
        let built_from = bronze.iter().map(|d| (d.day, d.sha256.clone())).collect();
        let table = build_here(self.data_type, month, &bronze)?;
        let file = MonthFile { parquet: &table.parquet, digest: &table.digest, rows: table.rows };
        let file_sha256 = self.silver.put(self.data_type, month, file).await?;
        let entry = MonthEntry {
            silver_version: schema::SILVER_VERSION,
            bronze: built_from,
            file_sha256,
            rows: table.rows as u64,
        };
        Ok(Some((entry, table.misfits)))
    }
}

#[cfg(feature = "parquet")]
/// The index of `data_type`'s month files; a damaged one is reported and read as empty, so
/// that every month of the type is rebuilt rather than trusted.
pub async fn read_index(silver: &SilverTables, data_type: DataType) -> anyhow::Result<TypeIndex> {
    let Some(bytes) = silver.get_index(data_type).await? else { return Ok(TypeIndex::default()) };
    Ok(TypeIndex::parse(&bytes).unwrap_or_else(|e| {
        tracing::warn!(r#type = %data_type, error = %format!("{e:#}"), "The silver index is damaged; every month of the type is rebuilt.");
        TypeIndex::default()
    }))
}

#[cfg(feature = "parquet")]
/// What each month of `data_type` in silver is worth against `source` (`status`): the months
/// bronze or the index knows, with their verdict.
pub async fn survey(
    silver: &SilverTables,
    source: &BronzeSource<'_>,
    data_type: DataType,
) -> anyhow::Result<BTreeMap<YearMonth, Verdict>> {
    let index = read_index(silver, data_type).await?;
    // No window: an ingestion-log ledger is then not asked day by day, the lake is listed.
    let epoch = crate::window::OURA_EPOCH;
    let view = source.view(data_type, Window::new(epoch, epoch)).await?;
    let mut months: BTreeSet<YearMonth> = view.now.keys().copied().collect();
    months.extend(index.month_list());
    let (empty, index, view) = (BTreeMap::new(), &index, &view);
    let judged: Vec<anyhow::Result<(YearMonth, Verdict)>> = futures_util::stream::iter(months)
        .map(|month| {
            let now = view.now.get(&month).unwrap_or(&empty);
            async move {
                let file = silver.file_sha256(data_type, month).await?;
                Ok((month, index::judge(index.month(month), now, file.as_deref())))
            }
        })
        .buffer_unordered(CHECKS_AT_ONCE)
        .collect()
        .await;
    judged.into_iter().collect()
}

/// Builds the month file on the thread that runs the silver pass, letting the runtime move
/// its other tasks elsewhere meanwhile ([`tokio::task::block_in_place`]; a single-threaded
/// runtime simply runs it). Not on threads of its own nor on the blocking pool: glibc gives
/// each thread its own malloc arena and keeps what a thread freed in it, and a backfill's
/// bronze pass leaves its freed memory in the arenas of the threads that ran it. Builders of
/// their own added their peak to that (a 10-year backfill with silver peaked at 68-70 MB,
/// 54-56 MB built here), and the blocking pool's 8 threads each grew to a build's peak
/// (104-116 MB).
#[cfg(feature = "parquet")]
fn build_here(
    data_type: DataType,
    month: YearMonth,
    bronze: &[BronzeDay],
) -> anyhow::Result<MonthTable> {
    match tokio::runtime::Handle::current().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| build_month(data_type, month, bronze))
        }
        _ => build_month(data_type, month, bronze),
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

#[cfg(feature = "parquet")]
/// The records of `data_type`'s month file with the day each is filed under, rendered back to
/// Oura's JSON, **only when the file stands for what bronze holds**: `index` records it as built
/// from the bronze days `now` says (what the ledger lists of the month) and the bytes read
/// hash to the sha256 it recorded. `None` when the file is missing, stale or damaged (a
/// damaged one is reported), so that a reader falls back to bronze and never shows an older
/// or a corrupted answer.
pub async fn read_current_month(
    silver: &SilverTables,
    index: &TypeIndex,
    data_type: DataType,
    month: YearMonth,
    now: &BTreeMap<jiff::civil::Date, DayNow>,
) -> anyhow::Result<Option<Vec<(jiff::civil::Date, serde_json::Map<String, serde_json::Value>)>>> {
    let Some(entry) = index.month(month) else { return Ok(None) };
    if now.is_empty()
        || index::judge(Some(entry), now, Some(&entry.file_sha256)) != Verdict::Current
    {
        return Ok(None);
    }
    let Some(bytes) = silver.get(data_type, month).await? else { return Ok(None) };
    if crate::store::sha256_hex(&bytes) != entry.file_sha256 {
        tracing::warn!(r#type = %data_type, %month, "The silver month file is not the one written (damaged or replaced); reading bronze instead. The next sync rebuilds it.");
        return Ok(None);
    }
    Ok(Some(month_records(data_type, month, bytes).await?))
}

#[cfg(all(test, feature = "parquet"))]
mod tests {
    use super::*;

    fn one_day() -> (YearMonth, Vec<BronzeDay>) {
        let body = "{\"id\":\"a\",\"day\":\"2026-02-01\",\"score\":80}\n";
        let day = BronzeDay {
            day: jiff::civil::date(2026, 2, 1),
            sha256: crate::store::sha256_hex(body.as_bytes()),
            body: bytes::Bytes::from(body),
        };
        (YearMonth::of(day.day), vec![day])
    }

    /// A month builds where the silver pass runs on the CLI's multi-threaded runtime (through
    /// `block_in_place`, which lets the runtime's other tasks move on)…
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_month_builds_on_a_multi_threaded_runtime() {
        let (month, days) = one_day();
        let table = tokio::spawn(async move { build_here(DataType::DailySleep, month, &days) })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(table.rows, 1);
    }

    /// …and on a single-threaded one (a test's, a tool's), where `block_in_place` would panic.
    #[tokio::test]
    async fn a_month_builds_on_a_single_threaded_runtime() {
        let (month, days) = one_day();
        assert_eq!(build_here(DataType::DailySleep, month, &days).unwrap().rows, 1);
    }
}
