//! Deliveries waiting to be applied, coalesced: per data type, the documents named (each id
//! once, its latest event winning) and the days to re-sync as they are (events recorded as
//! pending by an earlier process). A burst of 100 deliveries about one document is one entry;
//! about one day, one re-sync of that day ([`super::apply`]).
//!
//! [`Batch`] is the pure value; [`Queue`] shares one between the receiver (which adds) and the
//! lake's worker (which takes everything gathered so far at once).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use jiff::Timestamp;
use jiff::civil::Date;
use tokio::sync::Notify;

use super::data_type::EventType;
use super::receiver::Delivery;
use crate::datatype::DataType;

/// One document named by deliveries: its latest event, and when that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub event: EventType,
    pub at: Timestamp,
}

/// What one data type needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Work {
    /// Documents whose days are still to be found, by id.
    pub objects: BTreeMap<String, Named>,
    /// Days to re-sync whatever the documents say.
    pub days: BTreeSet<Date>,
}

/// The last delivery of a type, for the ledger's `webhook_delivery` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Last {
    pub event: EventType,
    pub object_id: String,
    /// Oura's `event_time` as sent.
    pub event_time: String,
    pub received_at: Timestamp,
}

/// Deliveries gathered and coalesced (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    pub types: BTreeMap<DataType, Work>,
    /// The newest delivery per type among those added.
    pub last: BTreeMap<DataType, Last>,
    /// Deliveries added (before coalescing), for the log.
    pub deliveries: usize,
}

impl Batch {
    /// Adds one delivery: its document joins its type's, the later event of an id winning.
    pub fn add(&mut self, delivery: &Delivery) {
        self.deliveries += 1;
        let work = self.types.entry(delivery.data_type).or_default();
        let named = Named { event: delivery.event, at: delivery.event_time };
        match work.objects.get(&delivery.object_id) {
            Some(held) if held.at > named.at => {}
            _ => {
                work.objects.insert(delivery.object_id.clone(), named);
            }
        }
        let last = Last {
            event: delivery.event,
            object_id: delivery.object_id.clone(),
            event_time: delivery.event_time_sent.clone(),
            received_at: delivery.received_at,
        };
        match self.last.get(&delivery.data_type) {
            Some(held) if held.received_at > last.received_at => {}
            _ => {
                self.last.insert(delivery.data_type, last);
            }
        }
    }

    /// Adds a day to re-sync for `data_type` (a pending event of an earlier run).
    pub fn add_day(&mut self, data_type: DataType, day: Date) {
        self.types.entry(data_type).or_default().days.insert(day);
    }

    /// Takes in everything `other` holds.
    pub fn merge(&mut self, other: Batch) {
        self.deliveries += other.deliveries;
        for (data_type, work) in other.types {
            let mine = self.types.entry(data_type).or_default();
            mine.days.extend(work.days);
            for (id, named) in work.objects {
                match mine.objects.get(&id) {
                    Some(held) if held.at > named.at => {}
                    _ => {
                        mine.objects.insert(id, named);
                    }
                }
            }
        }
        for (data_type, last) in other.last {
            match self.last.get(&data_type) {
                Some(held) if held.received_at > last.received_at => {}
                _ => {
                    self.last.insert(data_type, last);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.types.values().all(|w| w.objects.is_empty() && w.days.is_empty())
            && self.last.is_empty()
    }
}

/// A [`Batch`] shared between the receiver and the worker.
#[derive(Default)]
pub struct Queue {
    batch: Mutex<Batch>,
    added: Notify,
}

impl Queue {
    pub fn push(&self, delivery: &Delivery) {
        self.batch.lock().unwrap_or_else(|e| e.into_inner()).add(delivery);
        self.added.notify_one();
    }

    /// Puts work back (a batch that could not be applied yet), without waking the worker.
    pub fn put_back(&self, batch: Batch) {
        self.batch.lock().unwrap_or_else(|e| e.into_inner()).merge(batch);
    }

    /// Everything gathered so far, leaving the queue empty.
    pub fn take(&self) -> Batch {
        std::mem::take(&mut *self.batch.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn is_empty(&self) -> bool {
        self.batch.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }

    /// Resolves when something was pushed since the last call (at once if it already was).
    pub async fn added(&self) {
        self.added.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn delivery(data_type: DataType, id: &str, event: EventType, second: i64) -> Delivery {
        let at = Timestamp::from_second(1_800_000_000 + second).unwrap();
        Delivery {
            event,
            data_type,
            object_id: id.into(),
            event_time: at,
            event_time_sent: at.to_string(),
            received_at: at,
        }
    }

    /// A hundred deliveries about two documents of one type are two entries; the later
    /// event of an id wins whatever order they came in.
    #[test]
    fn repeated_deliveries_coalesce_per_document() {
        let mut batch = Batch::default();
        for i in 0..100 {
            let id = if i % 2 == 0 { "a" } else { "b" };
            batch.add(&delivery(DataType::DailyActivity, id, EventType::Update, i));
        }
        batch.add(&delivery(DataType::DailyActivity, "a", EventType::Create, -5));
        assert_eq!(batch.deliveries, 101);
        let work = &batch.types[&DataType::DailyActivity];
        assert_eq!(work.objects.len(), 2);
        assert_eq!(work.objects["a"].event, EventType::Update);
        assert_eq!(batch.last[&DataType::DailyActivity].event, EventType::Update);
    }

    /// Merging keeps every document and day of both, the later event winning.
    #[test]
    fn batches_merge_without_losing_anything() {
        let mut one = Batch::default();
        one.add(&delivery(DataType::Tag, "t1", EventType::Create, 1));
        one.add_day(DataType::Sleep, date(2027, 1, 1));
        let mut two = Batch::default();
        two.add(&delivery(DataType::Tag, "t1", EventType::Delete, 2));
        two.add(&delivery(DataType::Tag, "t2", EventType::Create, 2));
        two.add_day(DataType::Sleep, date(2027, 1, 2));
        one.merge(two);
        assert_eq!(one.types[&DataType::Tag].objects.len(), 2);
        assert_eq!(one.types[&DataType::Tag].objects["t1"].event, EventType::Delete);
        assert_eq!(one.types[&DataType::Sleep].days.len(), 2);
        assert_eq!(one.deliveries, 3);
        assert!(!one.is_empty());
        assert!(Batch::default().is_empty());
    }
}
