//! One id, one day at the window's edges: a document that moves into the window from a day
//! outside it (Oura re-dated it) must leave that day's object, which no piece of this run
//! rewrites; and one that moves out of the window must not be lost with the rewrite of its
//! old day.
//!
//! Moving out: the date query is padded by a day on each side, so the answer holds the
//! records of the day just past each edge. Those are filed too ([`padded`]), and a record
//! among them whose `id` the lake holds on a window day this answer changes has moved out: it
//! is merged into its new day's object (by the sync's own rules, the new bytes winning) before
//! its old day is rewritten without it. Other records of that day are left alone: the padded
//! answer is not a whole day for every collection, so it never replaces one.
//!
//! How the old day is found: by reading the neighbouring days just outside the window
//! ([`EDGE_DAYS`] on each side) that the ledger lists with records, and taking out of each
//! the ids this answer files inside the window. Not a lake-wide index of ids: keeping one
//! would cost a read-modify-write of a big object on every sync, while Oura re-dates a
//! document by a day (a sleep's `day` is its wake-up date, a tag moved to the evening
//! before), and the date queries are already padded by a day for the same reason. Inside
//! the window the rule needs nothing more: every day of it is rewritten from the answer.
//!
//! The neighbour is rewritten without the moved records (or removed, when none is left)
//! only after the window's own days are stored, so an id is never in none of the objects.

use super::*;

/// How many days on each side of the window are looked at for records that moved into it.
pub(super) const EDGE_DAYS: i64 = 2;

/// A day outside the window that held records which this answer files inside it.
pub(super) struct EdgeFix {
    pub(super) day: Date,
    /// The object that holds the moved records now.
    pub(super) old_key: String,
    /// The day without them; `None` when nothing is left (the object is removed).
    pub(super) rest: Option<DayObject>,
    /// How many records moved out of it.
    pub(super) moved: usize,
}

/// `piece` with a day more on each side where it touches the window's edge: what the padded
/// date query of an edge piece files (see the module doc).
pub(super) fn padded(window: Window, piece: Window) -> Window {
    let start = match piece.start == window.start {
        true => piece.start.yesterday().unwrap_or(piece.start),
        false => piece.start,
    };
    let end = match piece.end == window.end {
        true => piece.end.tomorrow().unwrap_or(piece.end),
        false => piece.end,
    };
    Window::new(start, end)
}

/// Takes out of `by_day` the days outside `piece` (what [`padded`] added).
pub(super) fn split_outside(
    by_day: &mut BTreeMap<Date, Vec<Box<serde_json::value::RawValue>>>,
    piece: Window,
) -> BTreeMap<Date, Vec<Box<serde_json::value::RawValue>>> {
    let days: Vec<Date> = by_day.keys().copied().filter(|d| !piece.contains(*d)).collect();
    days.into_iter().filter_map(|d| by_day.remove_entry(&d)).collect()
}

/// The days just outside `window` on the sides that `piece` touches (a piece in the middle
/// of a backfill has no edge of its own).
pub(super) fn edge_days(window: Window, piece: Window) -> Vec<Window> {
    let mut sides = Vec::new();
    if piece.start == window.start
        && let (Some(first), Some(last)) = (
            window.start.checked_sub(jiff::Span::new().days(EDGE_DAYS)).ok(),
            window.start.yesterday().ok(),
        )
    {
        sides.push(Window::new(first, last));
    }
    if piece.end == window.end
        && let (Some(first), Some(last)) = (
            window.end.tomorrow().ok(),
            window.end.checked_add(jiff::Span::new().days(EDGE_DAYS)).ok(),
        )
    {
        sides.push(Window::new(first, last));
    }
    sides
}

/// The records of `held` whose id is not in `moved_in`, and how many were taken out.
pub(super) fn without_ids<'a>(
    held: &'a [Box<serde_json::value::RawValue>],
    moved_in: &std::collections::HashSet<String>,
) -> (Vec<&'a str>, usize) {
    let rest: Vec<&str> = held
        .iter()
        .filter(|r| record_id(r).is_none_or(|id| !moved_in.contains(&id)))
        .map(|r| r.get())
        .collect();
    let moved = held.len() - rest.len();
    (rest, moved)
}

/// One day past the window's edge with records that moved out of the window: its object,
/// and its records (for a later fix of the same day).
pub(super) type MovedOut = (Date, DayObject, Vec<Box<serde_json::value::RawValue>>);

impl Engine<'_> {
    /// The records of `outside` (the days past the window's edges of the padded answer) that
    /// moved out of the window: those whose id the lake holds on a window day that this
    /// answer changes (`objects` with other bytes than the ledger's, or `emptied`), merged
    /// into their new day's held object.
    pub(super) async fn moved_out(
        &self,
        data_type: DataType,
        outside: BTreeMap<Date, Vec<Box<serde_json::value::RawValue>>>,
        objects: &[(Date, DayObject)],
        emptied: &[(Date, &DayEntry)],
        known: &BTreeMap<Date, DayEntry>,
        filed_ids: &std::collections::HashSet<String>,
    ) -> Result<Vec<MovedOut>, FetchError> {
        let mut out = Vec::new();
        if outside.is_empty() {
            return Ok(out);
        }
        let mut changed: Vec<&str> = emptied.iter().map(|(_, e)| e.object_key.as_str()).collect();
        for (day, object) in objects {
            if let Some(entry) = known.get(day).filter(|e| e.record_count > 0)
                && entry.sha256 != object.sha256
            {
                changed.push(&entry.object_key);
            }
        }
        let mut held_ids = std::collections::HashSet::new();
        for key in changed {
            if let Some(records) =
                self.store.records(key).await.map_err(|e| FetchError::Failed(format!("{e:#}")))?
            {
                held_ids.extend(records.iter().filter_map(|r| record_id(r)));
            }
        }
        for (day, records) in outside {
            let moving: Vec<Box<serde_json::value::RawValue>> = records
                .into_iter()
                .filter(|r| {
                    record_id(r)
                        .is_some_and(|id| held_ids.contains(&id) && !filed_ids.contains(&id))
                })
                .collect();
            if moving.is_empty() {
                continue;
            }
            let held = self.ledger.days(data_type, Window::new(day, day)).await.map_err(|e| {
                FetchError::Failed(format!("cannot read the ledger around the window: {e:#}"))
            })?;
            let mut all = Vec::new();
            if let Some(entry) = held.get(&day).filter(|e| e.record_count > 0) {
                let records = self
                    .store
                    .records(&entry.object_key)
                    .await
                    .map_err(|e| FetchError::Failed(format!("{e:#}")))?;
                all.extend(records.unwrap_or_default());
            }
            // Last, so that their bytes win over the held ones of the same id.
            all.extend(moving);
            let mut filed = file_by_day(data_type, all, Window::new(day, day), self.timezone);
            let records = filed.by_day.remove(&day).unwrap_or_default();
            let lines: Vec<&str> = records.iter().map(|r| r.get()).collect();
            let object = self.store.day_object(data_type, day, &lines, self.run_id);
            out.push((day, object, records));
        }
        Ok(out)
    }

    /// The neighbouring days of the job's window that hold records this answer files inside
    /// it (see the module doc), with what each must become. `overrides` are days whose
    /// content this run already changed (records that moved out), read from there instead of
    /// the lake.
    pub(super) async fn edge_fixes(
        &self,
        job: &SyncJob,
        data_type: DataType,
        piece: Window,
        filed_ids: &std::collections::HashSet<String>,
        overrides: &BTreeMap<Date, Vec<Box<serde_json::value::RawValue>>>,
    ) -> Result<Vec<EdgeFix>, FetchError> {
        let mut fixes = Vec::new();
        if filed_ids.is_empty() {
            return Ok(fixes);
        }
        for side in edge_days(job.window, piece) {
            let held = self.ledger.days(data_type, side).await.map_err(|e| {
                FetchError::Failed(format!("cannot read the ledger around the window: {e:#}"))
            })?;
            for (day, entry) in held {
                if entry.record_count == 0 || entry.object_key.is_empty() {
                    continue;
                }
                let records = match overrides.get(&day) {
                    Some(records) => records.clone(),
                    None => match self.store.records(&entry.object_key).await {
                        Ok(Some(records)) => records,
                        Ok(None) => continue,
                        Err(e) => return Err(FetchError::Failed(format!("{e:#}"))),
                    },
                };
                let (rest, moved) = without_ids(&records, filed_ids);
                if moved == 0 {
                    continue;
                }
                let rest = (!rest.is_empty())
                    .then(|| self.store.day_object(data_type, day, &rest, self.run_id));
                fixes.push(EdgeFix { day, old_key: entry.object_key, rest, moved });
            }
        }
        Ok(fixes)
    }

    /// Applies `fixes` once the window's days are stored: each neighbour is rewritten without
    /// the moved records, or removed; returns the ledger entries to record.
    pub(super) async fn apply_edge_fixes(
        &self,
        data_type: DataType,
        fixes: Vec<EdgeFix>,
        synced_at: Timestamp,
    ) -> Result<Vec<DayEntry>, String> {
        let mut entries = Vec::new();
        for fix in fixes {
            let entry = match &fix.rest {
                Some(object) => {
                    self.store
                        .put(object, None)
                        .await
                        .map_err(|e| format!("cannot store {}: {e:#}", object.key))?;
                    if object.key != fix.old_key {
                        self.store
                            .delete(&fix.old_key)
                            .await
                            .map_err(|e| format!("cannot remove {}: {e:#}", fix.old_key))?;
                    }
                    DayEntry::of_object(data_type, fix.day, object, synced_at)
                }
                None => {
                    self.store
                        .delete(&fix.old_key)
                        .await
                        .map_err(|e| format!("cannot remove {}: {e:#}", fix.old_key))?;
                    DayEntry::empty(data_type.name(), fix.day, self.run_id, synced_at)
                }
            };
            tracing::info!(
                r#type = %data_type, day = %fix.day, moved = fix.moved,
                "Records moved into the window from a day outside it; rewrote that day without them."
            );
            entries.push(entry);
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    /// Only the pieces at the window's ends look outside it, two days on their side.
    #[test]
    fn the_edges_are_the_days_just_outside_the_window() {
        let window = Window::new(date(2026, 11, 29), date(2026, 11, 30));
        let sides = edge_days(window, window);
        assert_eq!(
            sides,
            [
                Window::new(date(2026, 11, 27), date(2026, 11, 28)),
                Window::new(date(2026, 12, 1), date(2026, 12, 2))
            ]
        );
        let backfill = Window::new(date(2026, 1, 1), date(2026, 3, 1));
        assert!(edge_days(backfill, Window::new(date(2026, 2, 1), date(2026, 2, 10))).is_empty());
    }

    /// A neighbour keeps every record but the ones that moved in, and records without an id.
    #[test]
    fn only_the_moved_ids_leave_the_neighbour() {
        let held: Vec<Box<serde_json::value::RawValue>> =
            [r#"{"id":"a","day":"2026-11-28"}"#, r#"{"id":"b","day":"2026-11-28"}"#, r#"{"x":1}"#]
                .iter()
                .map(|r| serde_json::value::RawValue::from_string(r.to_string()).unwrap())
                .collect();
        let moved: std::collections::HashSet<String> = ["a".to_string()].into();
        let (rest, count) = without_ids(&held, &moved);
        assert_eq!(rest, [r#"{"id":"b","day":"2026-11-28"}"#, r#"{"x":1}"#]);
        assert_eq!(count, 1);
    }
}
