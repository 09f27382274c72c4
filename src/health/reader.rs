//! Reading a type's records back from the lake for a window: the [`RecordReader`] seam, so
//! that the dashboard and the briefing do not care whether the records come from the bronze
//! NDJSON objects or, later, from typed tables.
//!
//! [`BronzeReader`] finds a window's objects through the ledger (its day entries name each
//! object's key) and reads them through the [`ObjectStore`], so it works on a local lake and
//! an S3 lake alike, with a bounded number of reads in flight. [`LakeReader`] reads a month
//! from its silver file when that file was built from exactly the bronze days the ledger lists
//! (one Parquet read instead of a month of objects), and from bronze otherwise: the records
//! are the same either way (silver renders back to its bronze records losslessly).

#[cfg(feature = "parquet")]
use std::collections::BTreeMap;

use anyhow::Context;
use futures_util::{StreamExt, TryStreamExt};
use jiff::civil::Date;
use serde::de::DeserializeOwned;

use crate::datatype::DataType;
use crate::ledger::{AnyLedger, Ledger};
#[cfg(feature = "parquet")]
use crate::silver::index::DayNow;
use crate::store::silver::SilverTables;
use crate::store::{AnyStore, ObjectStore};
use crate::window::Window;
#[cfg(feature = "parquet")]
use crate::window::YearMonth;

/// Objects read at once (an S3 lake answers each in a round trip).
const READS_AT_ONCE: usize = 16;

/// A source of a type's records, by day.
#[allow(async_fn_in_trait)]
pub trait RecordReader {
    /// Every record of `data_type` filed under a day of `window`, with that day, by day and
    /// in the lake's order within a day. A record that does not fit `T` is left out (and
    /// counted in a warning), so that one odd record never hides the rest.
    async fn records<T: DeserializeOwned>(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<Vec<(Date, T)>>;
}

/// The bronze lake: the objects the sync writes, in the store's layout, found through the
/// ledger.
#[derive(Clone, Copy, Debug)]
pub struct BronzeReader<'a> {
    pub store: &'a AnyStore,
    pub ledger: &'a AnyLedger,
}

impl RecordReader for BronzeReader<'_> {
    async fn records<T: DeserializeOwned>(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<Vec<(Date, T)>> {
        let entries = self.ledger.days(data_type, window).await?;
        let keys: Vec<(Date, String)> = entries
            .into_values()
            .filter(|e| e.record_count > 0 && !e.object_key.is_empty())
            .map(|e| (e.day, e.object_key))
            .collect();
        type Held = Option<Vec<Box<serde_json::value::RawValue>>>;
        let bodies: Vec<(Date, String, Held)> =
            futures_util::stream::iter(keys.into_iter().map(|(day, key)| async move {
                // The store's layout reads its own bodies (NDJSON lines, or one JSON array).
                let body = self.store.records(&key).await?;
                anyhow::Ok((day, key, body))
            }))
            .buffered(READS_AT_ONCE)
            .try_collect()
            .await
            .with_context(|| format!("cannot read {data_type} from the lake"))?;
        let (mut records, mut unreadable) = (Vec::new(), 0usize);
        for (day, key, body) in bodies {
            let Some(body) = body else {
                tracing::warn!(r#type = %data_type, %day, key, "The ledger lists an object the lake does not hold; run the sync for that day again.");
                continue;
            };
            for record in body {
                match serde_json::from_str::<T>(record.get()) {
                    Ok(record) => records.push((day, record)),
                    Err(_) => unreadable += 1,
                }
            }
        }
        if unreadable > 0 {
            tracing::warn!(r#type = %data_type, unreadable, "Left out records the health view cannot read.");
        }
        Ok(records)
    }
}

/// Silver where it is current, bronze elsewhere (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct LakeReader<'a> {
    pub bronze: BronzeReader<'a>,
    /// The silver tables, when silver is on.
    pub silver: Option<&'a SilverTables>,
}

#[cfg(feature = "parquet")]
impl RecordReader for LakeReader<'_> {
    async fn records<T: DeserializeOwned>(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<Vec<(Date, T)>> {
        let Some(silver) = self.silver else {
            return self.bronze.records(data_type, window).await;
        };
        let months = YearMonth::months_of(window);
        let (Some(first), Some(last)) = (months.first(), months.last()) else {
            return Ok(Vec::new());
        };
        // The ledger's days of every whole month the window touches: a month file's digest
        // covers its whole month.
        let whole = Window::new(first.first_day(), last.last_day());
        let entries = self.bronze.ledger.days(data_type, whole).await?;
        let index = crate::silver::read_index(silver, data_type).await?;
        let (mut records, mut unreadable) = (Vec::new(), 0usize);
        for month in months {
            // What the ledger says of the month's days now: silver is read only where its
            // month file was built from exactly these.
            let now: BTreeMap<Date, DayNow> = entries
                .values()
                .filter(|e| YearMonth::of(e.day) == month)
                .map(|e| match e.record_count > 0 && !e.object_key.is_empty() {
                    true => (e.day, DayNow::Object(Some(e.sha256.clone()))),
                    false => (e.day, DayNow::Empty),
                })
                .collect();
            let part =
                Window::new(month.first_day().max(window.start), month.last_day().min(window.end));
            let current = crate::silver::read_current_month(silver, &index, data_type, month, &now);
            match current.await {
                Ok(Some(rows)) => {
                    for (day, record) in rows.into_iter().filter(|(day, _)| part.contains(*day)) {
                        match serde_json::from_value::<T>(serde_json::Value::Object(record)) {
                            Ok(record) => records.push((day, record)),
                            Err(_) => unreadable += 1,
                        }
                    }
                }
                Ok(None) => records.extend(self.bronze.records(data_type, part).await?),
                Err(e) => {
                    tracing::warn!(r#type = %data_type, %month, error = %format!("{e:#}"), "Cannot read the silver month; reading bronze.");
                    records.extend(self.bronze.records(data_type, part).await?);
                }
            }
        }
        if unreadable > 0 {
            tracing::warn!(r#type = %data_type, unreadable, "Left out records the health view cannot read.");
        }
        records.sort_by_key(|(day, _)| *day);
        Ok(records)
    }
}

/// A build without Parquet has no silver: the bronze lake alone.
#[cfg(not(feature = "parquet"))]
impl RecordReader for LakeReader<'_> {
    async fn records<T: DeserializeOwned>(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<Vec<(Date, T)>> {
        self.bronze.records(data_type, window).await
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::ledger::{DayEntry, LocalLedger};
    use crate::store::LocalStore;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Score {
        day: Date,
        score: u32,
    }

    fn entry(day: Date, records: u64, key: String) -> DayEntry {
        DayEntry {
            data_type: "daily_sleep".into(),
            day,
            record_count: records,
            object_key: key,
            sha256: String::new(),
            bytes: 0,
            run_id: "r1".into(),
            synced_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn bronze_records_come_by_day_and_odd_ones_are_left_out() {
        records_by_day_in(crate::store::layout::default_layout()).await;
    }

    /// The same, from a lake in the bio-lakehouse layout (each day one JSON array).
    #[tokio::test]
    async fn bronze_records_are_read_in_the_bio_lakehouse_layout_too() {
        records_by_day_in(std::sync::Arc::new(crate::store::layout::BioLakehouse)).await;
    }

    async fn records_by_day_in(layout: std::sync::Arc<dyn crate::store::layout::Layout>) {
        let dir = tempfile::tempdir().unwrap();
        let store = AnyStore::Local(LocalStore::new(dir.path()).with_layout(layout));
        let ledger = AnyLedger::Local(LocalLedger::for_lake(dir.path()));
        let (nov1, nov2, nov3, nov4) =
            (date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4));
        let days = [
            (
                nov2,
                vec![r#"{"day":"2026-11-02","score":80}"#, r#"{"day":"2026-11-02","score":"x"}"#],
            ),
            (nov1, vec![r#"{"day":"2026-11-01","score":70}"#]),
        ];
        let mut entries = Vec::new();
        for (day, lines) in days {
            let object = store.day_object(DataType::DailySleep, day, &lines, "r1");
            store.put(&object, None).await.unwrap();
            entries.push(entry(day, object.record_count, object.key.clone()));
        }
        // A day synced empty, and a day the ledger lists but the lake does not hold.
        entries.push(entry(nov3, 0, String::new()));
        entries.push(entry(nov4, 1, store.key(DataType::DailySleep, nov4)));
        ledger.put_days(&entries, Window::new(nov1, nov4)).await.unwrap();

        let reader = BronzeReader { store: &store, ledger: &ledger };
        let november = Window::new(nov1, date(2026, 11, 30));
        let records: Vec<(Date, Score)> =
            reader.records(DataType::DailySleep, november).await.unwrap();
        assert_eq!(
            records,
            [(nov1, Score { day: nov1, score: 70 }), (nov2, Score { day: nov2, score: 80 })]
        );
        let december = Window::new(date(2026, 12, 1), date(2026, 12, 31));
        assert!(reader.records::<Score>(DataType::DailySleep, december).await.unwrap().is_empty());
    }
}
