//! Where a silver rebuild finds the bronze days of a (type, month): the ledger's day entries
//! (their object keys and sha256, so an unchanged month costs one ledger read and no object
//! read), or, for a local lake, the lake's own folders (a lake with no ledger, or one made by
//! another tool).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use jiff::civil::Date;

use super::table::{BronzeDay, YearMonth};
use crate::datatype::DataType;
use crate::ledger::{AnyLedger, Ledger};
use crate::store::layout::hive_ndjson::NAME as HIVE_NDJSON;
use crate::store::layout::{HiveNdjson, Layout};
use crate::store::{AnyStore, ObjectStore, sha256_hex};
use crate::window::Window;

/// One bronze day object as a source lists it: the ledger's sha256 when the ledger gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayRef {
    pub day: Date,
    pub key: String,
    pub sha256: Option<String>,
}

/// The bronze lake as a rebuild reads it.
pub enum BronzeSource<'a> {
    /// The ledger says which days hold records; the store holds their objects.
    Ledger { ledger: &'a AnyLedger, store: &'a AnyStore },
    /// A local lake's folders, read without a ledger.
    Folders { store: &'a AnyStore, root: PathBuf },
}

impl BronzeSource<'_> {
    /// The months within `window` that hold at least one bronze day of `data_type`.
    pub async fn months(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<Vec<YearMonth>> {
        match self {
            BronzeSource::Ledger { ledger, .. } => {
                let days = ledger.days(data_type, window).await?;
                let months: BTreeSet<YearMonth> = days
                    .values()
                    .filter(|e| e.record_count > 0)
                    .map(|e| YearMonth::of(e.day))
                    .collect();
                Ok(months.into_iter().collect())
            }
            BronzeSource::Folders { store, root } => {
                let dir = root.join(store.layout().folder(data_type));
                let candidates = YearMonth::months_of(window);
                tokio::task::spawn_blocking(move || {
                    candidates
                        .into_iter()
                        .filter(|m| {
                            dir.join(format!("year={:04}/month={:02}", m.year, m.month)).is_dir()
                        })
                        .collect()
                })
                .await
                .map_err(Into::into)
            }
        }
    }

    /// The bronze days of `data_type` in `month` that hold records, in day order.
    pub async fn days(&self, data_type: DataType, month: YearMonth) -> anyhow::Result<Vec<DayRef>> {
        match self {
            BronzeSource::Ledger { ledger, .. } => {
                let days = ledger.days(data_type, month.window()).await?;
                Ok(days
                    .into_values()
                    .filter(|e| e.record_count > 0 && !e.object_key.is_empty())
                    .map(|e| DayRef { day: e.day, key: e.object_key, sha256: Some(e.sha256) })
                    .collect())
            }
            BronzeSource::Folders { store, root } => {
                // Every file under the month's folder that the lake's layout reads back as a
                // day of this type (every layout keeps `<folder>/year=YYYY/month=MM/`).
                let dir = root
                    .join(store.layout().folder(data_type))
                    .join(format!("year={:04}/month={:02}", month.year, month.month));
                let mut days = Vec::new();
                let mut stack = vec![dir];
                while let Some(dir) = stack.pop() {
                    let Ok(entries) = std::fs::read_dir(&dir) else { continue };
                    for entry in entries.flatten() {
                        let path = entry.path();
                        if path.is_dir() {
                            stack.push(path);
                            continue;
                        }
                        let Some(key) = path.strip_prefix(root).ok().and_then(|p| p.to_str())
                        else {
                            continue;
                        };
                        let key = key.replace(std::path::MAIN_SEPARATOR, "/");
                        if let Some((t, day)) = store.layout().parse_key(&key)
                            && t == data_type
                            && YearMonth::of(day) == month
                        {
                            days.push(DayRef { day, key, sha256: None });
                        }
                    }
                }
                days.sort_by_key(|d| d.day);
                Ok(days)
            }
        }
    }

    /// The bronze days of `data_type` that hold records, by month, for every month `window`
    /// touches (whole months): one ledger read per type, however many months.
    pub async fn days_by_month(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<BTreeMap<YearMonth, Vec<DayRef>>> {
        let months = YearMonth::months_of(window);
        let (Some(first), Some(last)) = (months.first(), months.last()) else {
            return Ok(BTreeMap::new());
        };
        let whole = Window::new(first.first_day(), last.last_day());
        let mut out: BTreeMap<YearMonth, Vec<DayRef>> = BTreeMap::new();
        match self {
            BronzeSource::Ledger { ledger, .. } => {
                for entry in ledger.days(data_type, whole).await?.into_values() {
                    if entry.record_count > 0 && !entry.object_key.is_empty() {
                        out.entry(YearMonth::of(entry.day)).or_default().push(DayRef {
                            day: entry.day,
                            key: entry.object_key,
                            sha256: Some(entry.sha256),
                        });
                    }
                }
            }
            BronzeSource::Folders { .. } => {
                for month in self.months(data_type, whole).await? {
                    let days = self.days(data_type, month).await?;
                    if !days.is_empty() {
                        out.insert(month, days);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Reads one day's object, with the sha256 of the bytes read, its records as NDJSON (a
    /// layout whose bodies are not NDJSON, such as bio-lakehouse's JSON arrays, is decoded
    /// through the layout; the sha256 stays that of the object as stored).
    pub async fn read(&self, day: &DayRef) -> anyhow::Result<BronzeDay> {
        let store = match self {
            BronzeSource::Ledger { store, .. } | BronzeSource::Folders { store, .. } => store,
        };
        let body = store.get(&day.key).await?.ok_or_else(|| {
            anyhow::anyhow!("the bronze object {} is missing; sync its day again", day.key)
        })?;
        let sha256 = sha256_hex(&body);
        if day.sha256.as_deref().is_some_and(|known| known != sha256) {
            tracing::warn!(key = %day.key, "The bronze object differs from the ledger's sha256; silver follows the object.");
        }
        let layout = store.layout();
        let body = if layout.name() == HIVE_NDJSON {
            body
        } else {
            let records = layout.decode(&body);
            let lines: Vec<&str> = records.iter().map(|r| r.get()).collect();
            bytes::Bytes::from(HiveNdjson.encode(&lines))
        };
        Ok(BronzeDay { day: day.day, sha256, body })
    }
}
