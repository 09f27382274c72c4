//! bio-lakehouse's `bio_silver` Oura tables, written by oura-sync instead of that project's
//! Glue job (`glue/oura_normalizer.py`): with the `bio-lakehouse` layout, the silver
//! destination holds `oura_daily_readiness`, `oura_daily_sleep` and `oura_daily_activity` at
//! its root, column for column and type for type as the job writes them
//! (`<table>/year=YYYY/month=MM/<table>_YYYY-MM.parquet`), and the 19 typed tables under
//! [`TYPED_PREFIX`] beside them.
//!
//! - [`python`]: JSON values as Python's `json.loads` and `str()` give them;
//! - [`spark`]: the two Spark casts the job applies;
//! - [`rows`]: the tables' columns, a record to a row, the dedup and the forward fill, the
//!   Parquet file;
//! - [`objects`]: listing and deleting in the silver store.
//!
//! A month is rewritten only when its bronze days changed (the digest of their sha256, kept in
//! the file's metadata, as for the typed tables) or, for readiness, when the score carried
//! into it from the months before changed (the forward fill crosses months). Writing a month
//! first deletes every other file in its partition (their job's `part-*.parquet`), so that a
//! partition holds exactly its month's rows once, whoever wrote it before.

pub mod objects;
pub mod python;
pub mod rows;
pub mod spark;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::bronze::{BronzeSource, DayRef};
use super::table::{BronzeDay, MonthTable, YearMonth};
use super::{Mode, SilverReport};
use crate::datatype::DataType;
use crate::store::ObjectStore;
use crate::store::layout::bio_lakehouse;
use crate::store::place::SilverPlace;
use crate::store::silver::SilverTables;
use crate::window::Window;
use rows::{BioTable, Row, TABLES};

/// The folder, under the silver destination, that holds the 19 typed tables when the three
/// bio-lakehouse tables take the destination's root.
pub const TYPED_PREFIX: &str = "oura_sync";

/// Bumped when the rows this module writes change, so that every month is rewritten.
const BIO_VERSION: u32 = 1;

/// Where the typed tables go for a lake laid out as `layout` (its name): under
/// [`TYPED_PREFIX`] of the destination for the bio-lakehouse layout, else the destination.
pub fn typed_place(place: SilverPlace, layout: &str) -> SilverPlace {
    if layout != bio_lakehouse::NAME {
        return place;
    }
    match place {
        SilverPlace::Local(root) => SilverPlace::Local(root.join(TYPED_PREFIX)),
        SilverPlace::S3 { bucket, prefix, encryption } => {
            let prefix = match prefix.trim_matches('/') {
                "" => TYPED_PREFIX.to_string(),
                p => format!("{p}/{TYPED_PREFIX}"),
            };
            SilverPlace::S3 { bucket, prefix, encryption }
        }
    }
}

/// Brings silver up to date: the typed tables ([`super::update`]), then, when the lake has the
/// bio-lakehouse layout, the three tables of the types among `types`, in the same report.
pub async fn update(
    typed: &SilverTables,
    source: &BronzeSource<'_>,
    types: &[DataType],
    window: Window,
    mode: Mode,
) -> SilverReport {
    let mut report = super::update(typed, source, types, window, mode).await;
    let store = match source {
        BronzeSource::Ledger { store, .. } | BronzeSource::Listing { store } => store,
    };
    if store.layout().name() != bio_lakehouse::NAME {
        return report;
    }
    let Some(root) = objects::parent_of(typed, TYPED_PREFIX) else { return report };
    for table in TABLES.into_iter().filter(|t| types.contains(&t.data_type)) {
        let mut run = TableRun { root: &root, source, table, mode, counts: Counts::default() };
        let result = run.update(window).await;
        report.months_written += run.counts.written;
        report.months_unchanged += run.counts.unchanged;
        report.rows_written += run.counts.rows;
        if let Err(e) = result {
            tracing::error!(table = table.name, error = %format!("{e:#}"), "A bio-lakehouse table failed.");
            report.error.get_or_insert(format!("{}: {e:#}", table.name));
        }
        if run.counts.unreadable > 0 {
            tracing::warn!(
                table = table.name,
                records = run.counts.unreadable,
                "Records whose met.items are not numbers are left out, as their job leaves them out."
            );
        }
    }
    if report.failed() {
        report.status = "failed".into();
    }
    tracing::info!(destination = %root.describe(), "bio-lakehouse tables updated.");
    report
}

/// The metadata of a month file: the digest of the bronze days it was built from, the score
/// carried into it (`-` when its first day had a score of its own), the one it carries out.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Meta {
    bronze: String,
    carry_in: Option<Option<i32>>,
    carry_out: Option<i32>,
}

impl Meta {
    fn render(&self) -> String {
        let score = |s: Option<i32>| s.map_or_else(|| "none".to_string(), |s| s.to_string());
        let carry_in = self.carry_in.map_or_else(|| "-".to_string(), score);
        format!(
            "bio-v{BIO_VERSION} bronze={} carry_in={carry_in} carry_out={}",
            self.bronze,
            score(self.carry_out)
        )
    }

    fn parse(text: &str) -> Option<Meta> {
        let mut parts = text.split(' ');
        (parts.next()? == format!("bio-v{BIO_VERSION}")).then_some(())?;
        let bronze = parts.next()?.strip_prefix("bronze=")?.to_string();
        let score = |s: &str| if s == "none" { Some(None) } else { s.parse().ok().map(Some) };
        let carry_in = match parts.next()?.strip_prefix("carry_in=")? {
            "-" => None,
            s => Some(score(s)?),
        };
        let carry_out = score(parts.next()?.strip_prefix("carry_out=")?)?;
        Some(Meta { bronze, carry_in, carry_out })
    }
}

/// The digest of the bronze days a month is built from.
fn bronze_digest<'a>(days: impl IntoIterator<Item = (jiff::civil::Date, &'a str)>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("bio silver v{BIO_VERSION}\n"));
    for (day, sha256) in days {
        hasher.update(format!("{day} {sha256}\n"));
    }
    hex::encode(hasher.finalize())
}

/// The key of a month file: `oura_daily_sleep/year=2026/month=02/oura_daily_sleep_2026-02.parquet`.
pub fn file_key(table: &BioTable, month: YearMonth) -> String {
    format!("{}/{}/{}_{month}.parquet", table.name, partition(month), table.name)
}

/// `year=2026/month=02`, as Spark writes the job's `F.substring("day", 1, 4)` and `(6, 2)`.
fn partition(month: YearMonth) -> String {
    format!("year={:04}/month={:02}", month.year, month.month)
}

/// The month of a key under a table's folder (`<table>/year=YYYY/month=MM/…`).
fn month_of(key: &str) -> Option<YearMonth> {
    let mut parts = key.split('/').skip(1);
    let year = parts.next()?.strip_prefix("year=")?.parse().ok()?;
    let month = parts.next()?.strip_prefix("month=")?.parse().ok()?;
    parts.next()?;
    (1..=12).contains(&month).then_some(YearMonth { year, month })
}

#[derive(Default)]
struct Counts {
    written: u64,
    unchanged: u64,
    rows: u64,
    unreadable: usize,
}

/// One table brought up to date.
struct TableRun<'a, 'b> {
    root: &'a SilverTables,
    source: &'a BronzeSource<'b>,
    table: BioTable,
    mode: Mode,
    counts: Counts,
}

impl TableRun<'_, '_> {
    async fn update(&mut self, window: Window) -> anyhow::Result<()> {
        // Every object of the table, by partition: one listing per table and run.
        let mut partitions: BTreeMap<YearMonth, Vec<String>> = BTreeMap::new();
        for key in objects::list(self.root, self.table.name).await? {
            if let Some(month) = month_of(&key) {
                partitions.entry(month).or_default().push(key);
            }
        }
        let months = self.source.days_by_month(self.table.data_type, window).await?;
        // A month of the window that no longer has a bronze day holds no row.
        for month in YearMonth::months_of(window) {
            if !months.contains_key(&month)
                && let Some(keys) = partitions.remove(&month)
            {
                for key in keys {
                    objects::delete(self.root, &key).await?;
                }
            }
        }
        // The score carried out of the month before (known once a month is done).
        let mut carry: Option<Option<i32>> = None;
        let mut last = None;
        for (month, days) in months {
            let files = partitions.get(&month).cloned().unwrap_or_default();
            let (out, _) = self.month(month, &days, &files, carry, &partitions, None).await?;
            carry = Some(out);
            last = Some(month);
        }
        // The forward fill crosses months: a later month (outside the window) whose first
        // days took their score from the months before is rewritten when that score changed.
        if let (true, Some(mut carry), Some(last)) = (self.table.fills_score, carry, last) {
            for (&month, files) in partitions.range(last..).skip_while(|(m, _)| **m == last) {
                let key = file_key(&self.table, month);
                let meta = if files.contains(&key) { self.meta(&key).await? } else { None };
                match meta.and_then(|m| m.carry_in) {
                    Some(carried) if carried != carry => {
                        let days = self.source.days_by_month(self.table.data_type, month.window());
                        let days = days.await?.remove(&month).unwrap_or_default();
                        let (out, _) = self
                            .month(month, &days, files, Some(carry), &partitions, Some(carry))
                            .await?;
                        carry = out;
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }

    async fn meta(&self, key: &str) -> anyhow::Result<Option<Meta>> {
        Ok(objects::digest(self.root, key).await?.as_deref().and_then(Meta::parse))
    }

    /// Brings one month up to date and returns the score it carries out (and whether it was
    /// written). `carry` is the score carried out of the month before when known;
    /// `force_carry` rewrites the month with that carry whatever its file says.
    async fn month(
        &mut self,
        month: YearMonth,
        days: &[DayRef],
        files: &[String],
        carry: Option<Option<i32>>,
        partitions: &BTreeMap<YearMonth, Vec<String>>,
        force_carry: Option<Option<i32>>,
    ) -> anyhow::Result<(Option<i32>, bool)> {
        let key = file_key(&self.table, month);
        let foreign: Vec<&String> = files.iter().filter(|k| **k != key).collect();
        if days.is_empty() {
            for key in files {
                objects::delete(self.root, key).await?;
            }
            return Ok((carry.flatten(), true));
        }
        let known: Option<Vec<(jiff::civil::Date, &str)>> =
            days.iter().map(|d| d.sha256.as_deref().map(|s| (d.day, s))).collect();
        let old = if files.contains(&key) { self.meta(&key).await? } else { None };
        if self.mode == Mode::Update
            && force_carry.is_none()
            && foreign.is_empty()
            && let (Some(old), Some(known)) = (&old, known)
            && old.bronze == bronze_digest(known)
        {
            let carry_same = match old.carry_in {
                None => true,
                Some(used) => used == self.carry_before(month, carry, partitions).await?,
            };
            if carry_same {
                self.counts.unchanged += 1;
                return Ok((old.carry_out, false));
            }
        }
        let mut bronze: Vec<BronzeDay> = Vec::with_capacity(days.len());
        for day in days {
            bronze.push(self.source.read(day).await?);
        }
        let (mut rows, unreadable) = rows::month_rows(&self.table, &bronze)?;
        self.counts.unreadable += unreadable;
        let carry_in = if self.table.fills_score && rows::needs_carry(&self.table, &rows) {
            Some(match force_carry {
                Some(c) => c,
                None => self.carry_before(month, carry, partitions).await?,
            })
        } else {
            None
        };
        let carry_out = self.fill(&mut rows, carry_in.flatten());
        let meta = Meta {
            bronze: bronze_digest(bronze.iter().map(|d| (d.day, d.sha256.as_str()))),
            carry_in,
            carry_out,
        };
        let parquet = rows::to_parquet(&self.table, &rows, &meta.render())?;
        // Their job's files (or any other) first: the partition must never hold a row twice.
        for other in foreign {
            objects::delete(self.root, other).await?;
        }
        let file = MonthTable {
            month,
            parquet,
            rows: rows.len(),
            digest: meta.render(),
            misfits: Default::default(),
        };
        objects::put(self.root, &key, &file).await?;
        self.counts.written += 1;
        self.counts.rows += rows.len() as u64;
        Ok((carry_out, true))
    }

    /// The forward fill (readiness), or the rows put in day order (the others).
    fn fill(&self, rows: &mut [Row], carry_in: Option<i32>) -> Option<i32> {
        if self.table.fills_score { rows::forward_fill(&self.table, rows, carry_in) } else { None }
    }

    /// The last score before `month`: the carry of the month before when this run knows it,
    /// else that of the newest earlier partition (from its file's metadata, or from its
    /// bronze when another writer's file holds it), going back until one has a score.
    async fn carry_before(
        &self,
        month: YearMonth,
        carry: Option<Option<i32>>,
        partitions: &BTreeMap<YearMonth, Vec<String>>,
    ) -> anyhow::Result<Option<i32>> {
        if let Some(carry) = carry {
            return Ok(carry);
        }
        for (&earlier, files) in partitions.range(..month).rev() {
            let key = file_key(&self.table, earlier);
            if files.contains(&key)
                && let Some(meta) = self.meta(&key).await?
            {
                return Ok(meta.carry_out);
            }
            let days = self.source.days_by_month(self.table.data_type, earlier.window()).await?;
            let mut bronze = Vec::new();
            for day in days.get(&earlier).map(Vec::as_slice).unwrap_or_default() {
                bronze.push(self.source.read(day).await?);
            }
            let (mut rows, _) = rows::month_rows(&self.table, &bronze)?;
            if let Some(score) = rows::forward_fill(&self.table, &mut rows, None) {
                return Ok(Some(score));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::byte_store::Encryption;

    /// The metadata reads back, with each form of carry.
    #[test]
    fn month_metadata_round_trips() {
        for (carry_in, carry_out) in
            [(None, Some(80)), (Some(None), None), (Some(Some(71)), Some(71))]
        {
            let meta = Meta { bronze: "ab12".into(), carry_in, carry_out };
            assert_eq!(Meta::parse(&meta.render()), Some(meta));
        }
        assert_eq!(Meta::parse("0123abcd"), None);
    }

    /// Keys and partitions as the job writes them, and the typed tables one folder down.
    #[test]
    fn keys_partitions_and_the_typed_prefix() {
        let month = YearMonth { year: 2026, month: 2 };
        let key = file_key(&rows::SLEEP, month);
        assert_eq!(key, "oura_daily_sleep/year=2026/month=02/oura_daily_sleep_2026-02.parquet");
        assert_eq!(month_of(&key), Some(month));
        assert_eq!(
            month_of("oura_daily_sleep/year=2026/month=02/part-0-c000.snappy.parquet"),
            Some(month)
        );
        assert_eq!(month_of("oura_daily_sleep/_SUCCESS"), None);
        let s3 = |prefix: &str| SilverPlace::S3 {
            bucket: "silver".into(),
            prefix: prefix.into(),
            encryption: Encryption::Aes256,
        };
        assert_eq!(typed_place(s3(""), "bio-lakehouse"), s3("oura_sync"));
        assert_eq!(typed_place(s3("x/"), "bio-lakehouse"), s3("x/oura_sync"));
        assert_eq!(typed_place(s3("x"), "hive-ndjson"), s3("x"));
    }
}
