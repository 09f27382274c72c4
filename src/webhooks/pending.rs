//! What the ledger remembers of deliveries, in the shapes of [`super::state`]: events not
//! applied yet (`webhook_pending`, one record per (type, day)) and the last delivery per type
//! (`webhook_delivery`).
//!
//! A pending record holds the day (the event's day in the lake's zone) and the documents
//! named, so that the next run fetches them again and finds where they are now (a document
//! that is gone answers 404, which applies as a delete). Whoever applies pending records
//! removes each one only if its body is still what was read, and never one it is about to
//! write again: a record rewritten meanwhile stays for the next run, so nothing is dropped.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::data_type::EventType;
use super::queue::{Batch, Last, Named};
use super::state::{self, DELIVERY, DeliveryRecord, PENDING, PendingRecord};
use crate::datatype::DataType;
use crate::ledger::{AnyLedger, Ledger, Record};
use crate::window::{local_day, start_of_day};

/// The pending records of `batch`, by name: each document under its event's day in `tz`,
/// each day to re-sync under itself, with `reason`; `held` (the records already there under
/// those names) are merged in, so a name written again loses nothing.
pub fn to_records(
    batch: &Batch,
    tz: &TimeZone,
    now: Timestamp,
    reason: &str,
    held: &[(String, PendingRecord)],
) -> BTreeMap<String, PendingRecord> {
    let mut records: BTreeMap<String, PendingRecord> = held.iter().cloned().collect();
    let mut entry = |data_type: DataType, day| {
        let record = PendingRecord {
            data_type: data_type.name().to_string(),
            day,
            object_ids: Vec::new(),
            received_at: now,
            reason: reason.to_string(),
        };
        records.entry(record.name()).or_insert(record).object_ids.len()
    };
    let mut ids: Vec<(String, String)> = Vec::new();
    for (&data_type, work) in &batch.types {
        for &day in &work.days {
            entry(data_type, day);
        }
        for (id, named) in &work.objects {
            let day = local_day(named.at, tz);
            entry(data_type, day);
            ids.push((format!("{}.{day}", data_type.name()), id.clone()));
        }
    }
    for (name, id) in ids {
        let record = records.get_mut(&name).expect("made above");
        if !record.object_ids.contains(&id) {
            record.object_ids.push(id);
        }
    }
    records
}

/// The batch that pending `records` stand for: each day to re-sync, each document named as
/// updated at noon of its record's day (fetched again, it says where it is, or that it is
/// gone).
pub fn from_records(records: &[(String, PendingRecord)], tz: &TimeZone) -> Batch {
    let mut batch = Batch::default();
    for (name, record) in records {
        let Ok(data_type) = record.data_type.parse::<DataType>() else {
            tracing::warn!(%name, "A pending webhook record names an unknown type; left as it is.");
            continue;
        };
        batch.add_day(data_type, record.day);
        let noon = start_of_day(record.day, tz) + jiff::SignedDuration::from_hours(12);
        let work = batch.types.entry(data_type).or_default();
        for id in &record.object_ids {
            work.objects.entry(id.clone()).or_insert(Named { event: EventType::Update, at: noon });
        }
    }
    batch
}

/// The names `batch` would be recorded under.
fn names(batch: &Batch, tz: &TimeZone) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (&data_type, work) in &batch.types {
        names.extend(work.days.iter().map(|d| format!("{}.{d}", data_type.name())));
        names.extend(
            work.objects.values().map(|n| format!("{}.{}", data_type.name(), local_day(n.at, tz))),
        );
    }
    names
}

/// Records `batch` as pending, for `reason` (merged with what is already pending under the
/// same names); returns how many records were written.
pub async fn record(
    ledger: &AnyLedger,
    batch: &Batch,
    tz: &TimeZone,
    now: Timestamp,
    reason: &str,
) -> anyhow::Result<usize> {
    let wanted = names(batch, tz);
    if wanted.is_empty() {
        return Ok(0);
    }
    let held: Vec<(String, PendingRecord)> = state::all::<PendingRecord>(ledger, PENDING)
        .await?
        .into_iter()
        .filter(|(name, _)| wanted.contains(name))
        .collect();
    let records = to_records(batch, tz, now, reason, &held);
    for (name, record) in &records {
        state::put(ledger, PENDING, name, record).await?;
    }
    Ok(records.len())
}

/// Every pending record, as read (the raw records, to remove exactly those later), and the
/// batch they stand for.
pub async fn load(ledger: &AnyLedger, tz: &TimeZone) -> anyhow::Result<(Vec<Record>, Batch)> {
    let raw = ledger.records(PENDING).await?;
    let read = state::all::<PendingRecord>(ledger, PENDING).await?;
    let raw = raw.into_iter().filter(|r| read.iter().any(|(name, _)| name == &r.name)).collect();
    Ok((raw, from_records(&read, tz)))
}

/// Removes the pending records `applied`, each only if its body is still the one read and
/// it is not among `keep` (the names about to be written again).
pub async fn clear(
    ledger: &AnyLedger,
    applied: &[Record],
    keep: &Batch,
    tz: &TimeZone,
) -> anyhow::Result<()> {
    if applied.is_empty() {
        return Ok(());
    }
    let keep = names(keep, tz);
    let now: BTreeMap<String, String> =
        ledger.records(PENDING).await?.into_iter().map(|r| (r.name, r.body)).collect();
    for record in applied {
        if !keep.contains(&record.name) && now.get(&record.name) == Some(&record.body) {
            ledger.delete_record(PENDING, &record.name).await?;
        }
    }
    Ok(())
}

/// Records the last delivery of each type in `last`.
pub async fn record_last(
    ledger: &AnyLedger,
    last: &BTreeMap<DataType, Last>,
) -> anyhow::Result<()> {
    for (data_type, last) in last {
        let record = DeliveryRecord {
            data_type: data_type.name().to_string(),
            event_type: last.event.name().to_string(),
            object_id: last.object_id.clone(),
            event_time: last.event_time.clone(),
            received_at: last.received_at,
        };
        state::put(ledger, DELIVERY, &record.name(), &record).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::webhooks::receiver::Delivery;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn delivery(data_type: DataType, id: &str, event: EventType, time: &str) -> Delivery {
        Delivery {
            event,
            data_type,
            object_id: id.into(),
            event_time: at(time),
            event_time_sent: time.into(),
            received_at: at(time),
        }
    }

    /// A batch written as pending records and read back is the same work: documents under
    /// their event's local day, days under themselves, names `<type>.<day>`.
    #[test]
    fn pending_records_round_trip() {
        let mut batch = Batch::default();
        batch.add(&delivery(DataType::Sleep, "s-1", EventType::Delete, "2027-01-15T03:00:00Z"));
        batch.add_day(DataType::Tag, date(2027, 1, 10));
        let ny = TimeZone::get("America/New_York").unwrap();
        let records = to_records(&batch, &ny, at("2027-01-15T04:00:00Z"), "busy", &[]);
        let names: Vec<&str> = records.keys().map(String::as_str).collect();
        // 03:00 UTC is still the 14th in New York.
        assert_eq!(names, ["sleep.2027-01-14", "tag.2027-01-10"]);
        assert_eq!(records["sleep.2027-01-14"].object_ids, ["s-1"]);
        assert_eq!(records["sleep.2027-01-14"].reason, "busy");
        let records: Vec<(String, PendingRecord)> = records.into_iter().collect();
        let back = from_records(&records, &ny);
        let sleep = &back.types[&DataType::Sleep];
        assert!(sleep.objects.contains_key("s-1"));
        assert_eq!(local_day(sleep.objects["s-1"].at, &ny), date(2027, 1, 14));
        assert!(sleep.days.contains(&date(2027, 1, 14)));
        assert!(back.types[&DataType::Tag].days.contains(&date(2027, 1, 10)));
    }

    /// Writing a name again keeps the documents it held and its first time.
    #[test]
    fn a_name_written_again_keeps_what_it_held() {
        let mut first = Batch::default();
        first.add(&delivery(DataType::Tag, "a", EventType::Create, "2027-01-15T12:00:00Z"));
        let held: Vec<(String, PendingRecord)> =
            to_records(&first, &TimeZone::UTC, at("2027-01-15T12:00:00Z"), "busy", &[])
                .into_iter()
                .collect();
        let mut second = Batch::default();
        second.add(&delivery(DataType::Tag, "b", EventType::Delete, "2027-01-15T13:00:00Z"));
        let both = to_records(&second, &TimeZone::UTC, at("2027-01-15T13:00:00Z"), "stop", &held);
        let record = &both["tag.2027-01-15"];
        assert_eq!(record.object_ids, ["a", "b"]);
        assert_eq!(record.received_at, at("2027-01-15T12:00:00Z"));
    }
}
