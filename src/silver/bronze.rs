//! Where a silver rebuild finds the bronze days of a (type, month): the ledger's day entries
//! (their object keys and sha256, so an unchanged month costs one ledger read and no object
//! read), or the lake's own listing (a lake with no ledger, or one made by another tool).
//! Either way the days are read through the lake's store, which alone knows their keys.
//!
//! [`BronzeView`] is what a sync compares silver with: what bronze says now of every day of a
//! type it knows (the ledger's sha256s, no object read), completed by a listing of the lake
//! before any month is rebuilt, so that a month is never built from fewer days than the lake
//! holds (a ledger that lost entries lists fewer).

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::index::DayNow;
use super::table::{BronzeDay, YearMonth};
use crate::datatype::DataType;
use crate::ledger::{AnyLedger, DayEntry, Ledger};
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

    /// What bronze says now of every day of `data_type` it knows (see [`BronzeView`]): the
    /// ledger's every entry where it gives them in one read, else its entries for the months
    /// `window` touches and a listing of the lake; with no ledger, the listing.
    pub async fn view(&self, data_type: DataType, window: Window) -> anyhow::Result<BronzeView> {
        let mut view = BronzeView::default();
        match self {
            BronzeSource::Ledger { ledger, store } => match ledger.all_days(data_type).await? {
                Some(entries) => entries.into_values().for_each(|e| view.add_entry(e)),
                None => {
                    let months = YearMonth::months_of(window);
                    if let (Some(first), Some(last)) = (months.first(), months.last()) {
                        let whole = Window::new(first.first_day(), last.last_day());
                        let entries = ledger.days(data_type, whole).await?;
                        entries.into_values().for_each(|e| view.add_entry(e));
                    }
                    view.add_listing(store.day_keys(data_type, Window::all_time()).await?);
                }
            },
            BronzeSource::Listing { store } => {
                view.add_listing(store.day_keys(data_type, Window::all_time()).await?);
            }
        }
        Ok(view)
    }

    /// Adds the lake's listing to `view` unless it has it already: the days of a month to
    /// rebuild are every day object the lake holds, not only those the ledger lists.
    pub async fn complete(&self, view: &mut BronzeView, data_type: DataType) -> anyhow::Result<()> {
        if !view.listed {
            view.add_listing(self.store().day_keys(data_type, Window::all_time()).await?);
        }
        Ok(())
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

/// What bronze says of a type's days, by month (see [`BronzeSource::view`]).
#[derive(Debug, Default)]
pub struct BronzeView {
    /// What bronze says now of each day it mentions.
    pub now: BTreeMap<YearMonth, BTreeMap<Date, DayNow>>,
    /// The day objects known, to read when a month is rebuilt.
    pub objects: BTreeMap<YearMonth, BTreeMap<Date, DayRef>>,
    /// Whether the lake's listing is in.
    listed: bool,
}

impl BronzeView {
    fn add_entry(&mut self, entry: DayEntry) {
        let month = YearMonth::of(entry.day);
        let now = self.now.entry(month).or_default();
        if entry.record_count > 0 && !entry.object_key.is_empty() {
            now.insert(entry.day, DayNow::Object(Some(entry.sha256.clone())));
            let day = DayRef { day: entry.day, key: entry.object_key, sha256: Some(entry.sha256) };
            self.objects.entry(month).or_default().insert(entry.day, day);
        } else {
            now.entry(entry.day).or_insert(DayNow::Empty);
        }
    }

    /// Adds the listed day objects: a day the ledger did not give (or said was empty) is an
    /// object of unknown sha256.
    fn add_listing(&mut self, listed: Vec<(Date, String)>) {
        self.listed = true;
        for (day, key) in listed {
            let month = YearMonth::of(day);
            let now = self.now.entry(month).or_default().entry(day).or_insert(DayNow::Empty);
            if *now == DayNow::Empty {
                *now = DayNow::Object(None);
            }
            let objects = self.objects.entry(month).or_default();
            objects.entry(day).or_insert(DayRef { day, key, sha256: None });
        }
    }

    /// The day objects of `month`, in day order.
    pub fn days_of(&self, month: YearMonth) -> Vec<DayRef> {
        self.objects.get(&month).map(|days| days.values().cloned().collect()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    /// The listing adds the days a ledger lost and overrides a ledger's "empty" for a day
    /// whose object is there, and never hides a sha256 the ledger gave.
    #[test]
    fn a_listing_completes_what_the_ledger_says() {
        let mut view = BronzeView::default();
        let (d1, d2, d3) = (date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3));
        let mut entry = DayEntry::empty("daily_sleep", d1, "r", jiff::Timestamp::UNIX_EPOCH);
        view.add_entry(DayEntry {
            record_count: 1,
            object_key: "k1".into(),
            sha256: "a".into(),
            ..entry.clone()
        });
        entry.day = d2;
        view.add_entry(entry);
        view.add_listing(vec![(d1, "k1".into()), (d2, "k2".into()), (d3, "k3".into())]);
        let month = YearMonth::of(d1);
        let now = &view.now[&month];
        assert_eq!(now[&d1], DayNow::Object(Some("a".into())));
        assert_eq!(now[&d2], DayNow::Object(None));
        assert_eq!(now[&d3], DayNow::Object(None));
        let days: Vec<_> = view.days_of(month).into_iter().map(|d| (d.day, d.key)).collect();
        assert_eq!(days, [(d1, "k1".into()), (d2, "k2".into()), (d3, "k3".to_string())]);
    }
}
