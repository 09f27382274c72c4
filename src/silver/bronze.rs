//! Where a silver rebuild finds the bronze days of a (type, month): the ledger's day entries
//! (their object keys and sha256, so an unchanged month costs one ledger read and no object
//! read), or the lake's own listing (a lake with no ledger, or one made by another tool).
//! Either way the days are read through the lake's store, which alone knows their keys.

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::table::{BronzeDay, YearMonth};
use crate::datatype::DataType;
use crate::ledger::{AnyLedger, Ledger};
use crate::store::{AnyStore, ObjectStore};
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
    /// The store's own listing, read without a ledger.
    Listing { store: &'a AnyStore },
}

impl BronzeSource<'_> {
    fn store(&self) -> &AnyStore {
        match self {
            BronzeSource::Ledger { store, .. } | BronzeSource::Listing { store } => store,
        }
    }

    /// The bronze days of `data_type` that hold records, by month, for every month `window`
    /// touches (whole months): one ledger read (or one listing) per type, however many months.
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
            BronzeSource::Listing { store } => {
                for (day, key) in store.day_keys(data_type, whole).await? {
                    out.entry(YearMonth::of(day)).or_default().push(DayRef {
                        day,
                        key,
                        sha256: None,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Reads one day's object, with the sha256 of the bytes read, its records as NDJSON (a
    /// layout whose bodies are not NDJSON, such as bio-lakehouse's JSON arrays, is decoded
    /// through the layout; the sha256 stays that of the object as stored).
    pub async fn read(&self, day: &DayRef) -> anyhow::Result<BronzeDay> {
        let (sha256, body) = self.store().ndjson(&day.key).await?.ok_or_else(|| {
            anyhow::anyhow!("the bronze object {} is missing; sync its day again", day.key)
        })?;
        if day.sha256.as_deref().is_some_and(|known| known != sha256) {
            tracing::warn!(key = %day.key, "The bronze object differs from the ledger's sha256; silver follows the object.");
        }
        Ok(BronzeDay { day: day.day, sha256, body })
    }
}
