//! What the ledger remembers of deliveries: events not applied yet (`webhook_pending`, one
//! record per (type, day), named `<type>.<day>`) and the last delivery per type
//! (`webhook_delivery`, named `<type>`), as ledger records ([`crate::ledger::records`]).
//!
//! A pending record holds the day (the event's day in the lake's zone, or the day an earlier
//! attempt had found) and the documents named, so that the next run fetches them again and
//! finds where they are now. Whoever applies pending records removes each one only if its
//! body is still what was read (a record rewritten meanwhile by a receiver stays for the next
//! run: nothing is dropped).

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::data_type::EventType;
use super::queue::{Batch, Last, Named};
use crate::datatype::DataType;
use crate::ledger::{Ledger, Record};
use crate::window::local_day;

/// The kind of the records of events not applied yet.
pub const PENDING: &str = "webhook_pending";
/// The kind of the records of the last delivery per type.
pub const DELIVERY: &str = "webhook_delivery";

/// A `webhook_pending` record's body.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct PendingBody {
    data_type: String,
    day: Date,
    #[serde(default)]
    objects: Vec<PendingObject>,
    /// When it was first recorded.
    since: Timestamp,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct PendingObject {
    id: String,
    event: String,
    at: Timestamp,
}

/// A `webhook_delivery` record's body: the last delivery of a type.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeliveryBody {
    pub data_type: String,
    pub event_type: String,
    pub received_at: Timestamp,
}

/// The pending records of `batch`, by name: each document under its event's day in `tz`,
/// each day to re-sync under itself; `held` (the records already there) are merged in, so a
/// name written again loses nothing.
pub fn to_records(
    batch: &Batch,
    tz: &TimeZone,
    now: Timestamp,
    held: &[Record],
) -> BTreeMap<String, String> {
    let mut bodies: BTreeMap<String, PendingBody> = BTreeMap::new();
    for record in held {
        if let Ok(body) = serde_json::from_str::<PendingBody>(&record.body) {
            bodies.insert(record.name.clone(), body);
        }
    }
    fn entry(
        bodies: &mut BTreeMap<String, PendingBody>,
        data_type: DataType,
        day: Date,
        now: Timestamp,
    ) -> &mut PendingBody {
        bodies.entry(format!("{}.{day}", data_type.name())).or_insert_with(|| PendingBody {
            data_type: data_type.name().to_string(),
            day,
            objects: Vec::new(),
            since: now,
        })
    }
    for (&data_type, work) in &batch.types {
        for &day in &work.days {
            entry(&mut bodies, data_type, day, now);
        }
        for (id, named) in &work.objects {
            let body = entry(&mut bodies, data_type, local_day(named.at, tz), now);
            body.objects.retain(|o| &o.id != id);
            body.objects.push(PendingObject {
                id: id.clone(),
                event: named.event.name().to_string(),
                at: named.at,
            });
        }
    }
    bodies
        .into_iter()
        .map(|(name, body)| (name, serde_json::to_string(&body).expect("a body serializes")))
        .collect()
}

/// The batch that `records` stand for (a record that cannot be read is skipped with a
/// warning: it is left in the ledger, never applied wrongly).
pub fn from_records(records: &[Record]) -> Batch {
    let mut batch = Batch::default();
    for record in records {
        let Ok(body) = serde_json::from_str::<PendingBody>(&record.body) else {
            tracing::warn!(name = %record.name, "A pending webhook record cannot be read; left as it is.");
            continue;
        };
        let Ok(data_type) = body.data_type.parse::<DataType>() else { continue };
        batch.add_day(data_type, body.day);
        let work = batch.types.entry(data_type).or_default();
        for object in body.objects {
            let Ok(event) = object.event.parse::<EventType>() else { continue };
            work.objects.insert(object.id, Named { event, at: object.at });
        }
    }
    batch
}

/// Records `batch` as pending (merged with what is already pending under the same names).
pub async fn record<L: Ledger>(
    ledger: &L,
    batch: &Batch,
    tz: &TimeZone,
    now: Timestamp,
) -> anyhow::Result<usize> {
    let held = ledger.records(PENDING).await?;
    let mut touched = std::collections::BTreeSet::new();
    for (&data_type, work) in &batch.types {
        touched.extend(work.days.iter().map(|d| format!("{}.{d}", data_type.name())));
        touched.extend(
            work.objects.values().map(|n| format!("{}.{}", data_type.name(), local_day(n.at, tz))),
        );
    }
    let held: Vec<Record> = held.into_iter().filter(|r| touched.contains(&r.name)).collect();
    let records = to_records(batch, tz, now, &held);
    for (name, body) in &records {
        ledger.put_record(PENDING, name, body).await?;
    }
    Ok(records.len())
}

/// Every pending record.
pub async fn load<L: Ledger>(ledger: &L) -> anyhow::Result<Vec<Record>> {
    ledger.records(PENDING).await
}

/// Removes the pending records `applied`, each only if its body is still the one read.
pub async fn clear<L: Ledger>(ledger: &L, applied: &[Record]) -> anyhow::Result<()> {
    if applied.is_empty() {
        return Ok(());
    }
    let now: BTreeMap<String, String> =
        ledger.records(PENDING).await?.into_iter().map(|r| (r.name, r.body)).collect();
    for record in applied {
        if now.get(&record.name) == Some(&record.body) {
            ledger.delete_record(PENDING, &record.name).await?;
        }
    }
    Ok(())
}

/// Records the last delivery of each type in `last`.
pub async fn record_last<L: Ledger>(
    ledger: &L,
    last: &BTreeMap<DataType, Last>,
) -> anyhow::Result<()> {
    for (data_type, last) in last {
        let body = DeliveryBody {
            data_type: data_type.name().to_string(),
            event_type: last.event.name().to_string(),
            received_at: last.received_at,
        };
        let body = serde_json::to_string(&body).expect("a body serializes");
        ledger.put_record(DELIVERY, data_type.name(), &body).await?;
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

    /// A batch written as pending records and read back is the same work: documents under
    /// their event's local day, days under themselves, names `<type>.<day>`.
    #[test]
    fn pending_records_round_trip() {
        let mut batch = Batch::default();
        let delivery = Delivery {
            event: EventType::Update,
            data_type: DataType::Sleep,
            object_id: "s-1".into(),
            event_time: at("2027-01-15T03:00:00Z"),
            received_at: at("2027-01-15T03:00:01Z"),
        };
        batch.add(&delivery);
        batch.add_day(DataType::Tag, date(2027, 1, 10));
        let ny = TimeZone::get("America/New_York").unwrap();
        let records = to_records(&batch, &ny, at("2027-01-15T04:00:00Z"), &[]);
        let names: Vec<&str> = records.keys().map(String::as_str).collect();
        // 03:00 UTC is still the 14th in New York.
        assert_eq!(names, ["sleep.2027-01-14", "tag.2027-01-10"]);
        let records: Vec<Record> =
            records.into_iter().map(|(name, body)| Record { name, body }).collect();
        let back = from_records(&records);
        assert_eq!(back.types[&DataType::Sleep].objects["s-1"].event, EventType::Update);
        assert!(back.types[&DataType::Sleep].days.contains(&date(2027, 1, 14)));
        assert!(back.types[&DataType::Tag].days.contains(&date(2027, 1, 10)));
    }

    /// Writing a name again keeps the documents it held and its first time.
    #[test]
    fn a_name_written_again_keeps_what_it_held() {
        let mut first = Batch::default();
        first.add(&Delivery {
            event: EventType::Create,
            data_type: DataType::Tag,
            object_id: "a".into(),
            event_time: at("2027-01-15T12:00:00Z"),
            received_at: at("2027-01-15T12:00:00Z"),
        });
        let held = to_records(&first, &TimeZone::UTC, at("2027-01-15T12:00:00Z"), &[]);
        let held: Vec<Record> =
            held.into_iter().map(|(name, body)| Record { name, body }).collect();
        let mut second = Batch::default();
        second.add(&Delivery {
            event: EventType::Delete,
            data_type: DataType::Tag,
            object_id: "b".into(),
            event_time: at("2027-01-15T13:00:00Z"),
            received_at: at("2027-01-15T13:00:00Z"),
        });
        let both = to_records(&second, &TimeZone::UTC, at("2027-01-15T13:00:00Z"), &held);
        let body = &both["tag.2027-01-15"];
        assert!(body.contains(r#""id":"a""#) && body.contains(r#""id":"b""#), "{body}");
        assert!(body.contains("2027-01-15T12:00:00Z"), "{body}");
    }
}
