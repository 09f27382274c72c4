//! What the lake already holds, weighed against a new answer for the same days: pure
//! functions for the two rules that keep a day from silently shrinking or an `id` from
//! sitting in two day objects.
//!
//! - Time series (`heartrate`, `ring_battery_level`): a day fetched again keeps every sample
//!   the lake holds. The stored samples and the new ones are merged by identity (the instant
//!   and the `source`); where both have a sample, the new bytes win. The merged day is in the
//!   same order as a fresh one (time, source, bytes).
//! - Documents: a day the lake holds that the new answer leaves empty is emptied only when
//!   every `id` it holds now sits under another day of the same answer (the records moved);
//!   otherwise it is kept, since an empty answer alone proves nothing.

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct SampleFields<'a> {
    #[serde(borrow, default)]
    timestamp: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    source: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
struct IdField<'a> {
    #[serde(borrow, default)]
    id: Option<std::borrow::Cow<'a, str>>,
}

/// A day's samples after a merge.
#[derive(Debug)]
pub struct Merged {
    /// Every sample, in the order of a fresh day.
    pub records: Vec<Box<RawValue>>,
    /// Samples the lake held that the new answer did not have (kept).
    pub kept_from_lake: usize,
}

/// The identity and place of a sample: its instant (nanoseconds) and source.
fn sample_key(record: &RawValue) -> Option<(i128, String)> {
    let fields: SampleFields<'_> = serde_json::from_str(record.get()).ok()?;
    let at = fields.timestamp?.parse::<Timestamp>().ok()?;
    Some((at.as_nanosecond(), fields.source.as_deref().unwrap_or("").to_string()))
}

/// The NDJSON lines of a stored day object (the default layout), each as a record; lines
/// that are not JSON are left out (a damaged file cannot be kept, only replaced). Other
/// layouts read their bodies with [`crate::store::layout::Layout::decode`].
pub fn stored_records(body: &[u8]) -> Vec<Box<RawValue>> {
    body.split(|b| *b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .filter_map(|line| std::str::from_utf8(line).ok())
        .filter_map(|line| RawValue::from_string(line.to_string()).ok())
        .collect()
}

/// The samples of one identity, and whether they are the lake's (`true`) or the new answer's.
type HeldOrFresh = (bool, Vec<Box<RawValue>>);

/// Merges the samples the lake holds for a day (`held`, its object's records) with the new
/// answer's samples for it (`fresh`): every held sample is kept unless the new answer has one
/// with the same identity, whose bytes then win.
pub fn merge_samples(held: Vec<Box<RawValue>>, fresh: Vec<Box<RawValue>>) -> Merged {
    // Per identity, every sample of it: two samples of one instant and source with different
    // values are both kept (see `records`), so neither may overwrite the other here.
    let mut by_key: BTreeMap<(i128, String), HeldOrFresh> = BTreeMap::new();
    let mut unkeyed = Vec::new();
    for record in held {
        match sample_key(&record) {
            Some(key) => by_key.entry(key).or_insert_with(|| (true, Vec::new())).1.push(record),
            None => unkeyed.push(record),
        }
    }
    for record in fresh {
        match sample_key(&record) {
            Some(key) => {
                let entry = by_key.entry(key).or_insert_with(|| (false, Vec::new()));
                if entry.0 {
                    // The new answer has this instant: its samples replace the held ones.
                    *entry = (false, Vec::new());
                }
                entry.1.push(record);
            }
            None => unkeyed.push(record),
        }
    }
    let kept_from_lake = by_key.values().filter(|(held, _)| *held).map(|(_, r)| r.len()).sum();
    let mut keyed: Vec<((i128, String), Box<RawValue>)> = by_key
        .into_iter()
        .flat_map(|(key, (_, records))| records.into_iter().map(move |r| (key.clone(), r)))
        .collect();
    keyed.sort_by(|(a, ra), (b, rb)| a.cmp(b).then_with(|| ra.get().cmp(rb.get())));
    let mut records: Vec<Box<RawValue>> = keyed.into_iter().map(|(_, r)| r).collect();
    records.extend(unkeyed);
    Merged { records, kept_from_lake }
}

/// The `id` of a record, when it has one.
pub fn record_id(record: &RawValue) -> Option<String> {
    let fields: IdField<'_> = serde_json::from_str(record.get()).ok()?;
    fields.id.map(|id| id.into_owned()).filter(|id| !id.is_empty())
}

/// True if and only if every record of the stored day object `records` has an `id` found in
/// `elsewhere` (the ids the new answer files under other days): its records all moved.
pub fn all_moved(records: &[Box<RawValue>], elsewhere: &HashSet<String>) -> bool {
    !records.is_empty()
        && records.iter().all(|r| record_id(r).is_some_and(|id| elsewhere.contains(&id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(records: &[&str]) -> Vec<Box<RawValue>> {
        records.iter().map(|r| RawValue::from_string(r.to_string()).unwrap()).collect()
    }

    #[test]
    fn a_smaller_answer_keeps_the_held_samples_and_new_bytes_win() {
        let held = concat!(
            r#"{"bpm":60,"source":"rest","timestamp":"2026-11-23T00:00:00+00:00"}"#,
            "\n",
            r#"{"bpm":61,"source":"rest","timestamp":"2026-11-23T00:05:00+00:00"}"#,
            "\n",
            r#"{"bpm":62,"source":"rest","timestamp":"2026-11-23T00:10:00+00:00"}"#,
            "\n",
        );
        let fresh = raw(&[
            r#"{"bpm":99,"source":"rest","timestamp":"2026-11-23T01:05:00+01:00"}"#,
            r#"{"bpm":70,"source":"awake","timestamp":"2026-11-23T00:05:00+00:00"}"#,
        ]);
        let merged = merge_samples(stored_records(held.as_bytes()), fresh);
        let texts: Vec<&str> = merged.records.iter().map(|r| r.get()).collect();
        assert_eq!(
            texts,
            [
                r#"{"bpm":60,"source":"rest","timestamp":"2026-11-23T00:00:00+00:00"}"#,
                r#"{"bpm":70,"source":"awake","timestamp":"2026-11-23T00:05:00+00:00"}"#,
                r#"{"bpm":99,"source":"rest","timestamp":"2026-11-23T01:05:00+01:00"}"#,
                r#"{"bpm":62,"source":"rest","timestamp":"2026-11-23T00:10:00+00:00"}"#,
            ]
        );
        assert_eq!(merged.kept_from_lake, 2);
    }

    #[test]
    fn two_different_samples_of_one_instant_both_survive_a_merge() {
        let one = r#"{"bpm":60,"source":"rest","timestamp":"2026-01-01T10:00:00+00:00"}"#;
        let other = r#"{"bpm":64,"source":"rest","timestamp":"2026-01-01T10:00:00+00:00"}"#;
        let held = format!("{one}\n{other}\n");
        let again = vec![
            RawValue::from_string(one.to_string()).unwrap(),
            RawValue::from_string(other.to_string()).unwrap(),
        ];
        let merged = merge_samples(stored_records(held.as_bytes()), again);
        let texts: Vec<&str> = merged.records.iter().map(|r| r.get()).collect();
        assert_eq!(texts, [one, other]);
        assert_eq!(merged.kept_from_lake, 0);
        // Held alone (Oura did not send that instant again), both are kept too.
        let merged = merge_samples(stored_records(held.as_bytes()), Vec::new());
        assert_eq!((merged.records.len(), merged.kept_from_lake), (2, 2));
    }

    #[test]
    fn the_same_answer_again_merges_to_the_same_day() {
        let line = r#"{"bpm":60,"source":"rest","timestamp":"2026-11-23T00:00:00+00:00"}"#;
        let merged = merge_samples(stored_records(format!("{line}\n").as_bytes()), raw(&[line]));
        assert_eq!(merged.records.len(), 1);
        assert_eq!(merged.kept_from_lake, 0);
    }

    #[test]
    fn a_day_is_emptied_only_when_all_its_ids_moved() {
        let held =
            b"{\"id\":\"a\",\"day\":\"2026-11-22\"}\n{\"id\":\"b\",\"day\":\"2026-11-22\"}\n";
        let moved: HashSet<String> = ["a".to_string(), "b".to_string()].into();
        let held = stored_records(held);
        assert!(all_moved(&held, &moved));
        let partly: HashSet<String> = ["a".to_string()].into();
        assert!(!all_moved(&held, &partly));
        assert!(!all_moved(&stored_records(b""), &moved));
        assert!(!all_moved(&stored_records(b"{\"day\":\"2026-11-22\"}\n"), &moved));
    }
}
