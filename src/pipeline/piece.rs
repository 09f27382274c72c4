//! One piece of a type: fetch it, file its records by day, merge what the lake holds, store
//! each day's object, and record it in the ledger (an object always before its entry).

use tracing::Instrument;

use super::*;

/// What one fetch unit did.
#[derive(Debug, Default)]
pub(super) struct UnitOutcome {
    pub(super) records: u64,
    pub(super) days_written: u64,
    pub(super) days_unchanged: u64,
    pub(super) revised: u64,
    pub(super) conflicting: u64,
    /// The days whose object was written, rewritten or removed ([`TypeReport::changed_days`]).
    pub(super) changed: Vec<Date>,
    /// What the fetch showed about the server's pages.
    pub(super) seen: PageStats,
}

impl Engine<'_> {
    /// Fetches one unit, stores its days, and records them in the ledger.
    #[tracing::instrument(name = "piece", skip_all, fields(days = %unit.keep))]
    pub(super) async fn sync_unit(
        &self,
        job: &SyncJob,
        data_type: DataType,
        unit: FetchUnit,
        known: &BTreeMap<Date, DayEntry>,
        rejected: &std::sync::Mutex<Vec<Rejected>>,
    ) -> Result<UnitOutcome, FetchError> {
        let fetched = self.client.fetch_records(data_type, &unit.params).await?;
        let seen = PageStats {
            records: fetched.records.len() as u64,
            full_page: fetched.full_page.map(|n| n as u64),
        };
        // Documents are filed a day past the window's edges too (the padding of the query
        // covers it), to follow a record that moves out of the window (see `edge`).
        let reach = match data_type.range() {
            RangeKind::Date => edge::padded(job.window, unit.keep),
            _ => unit.keep,
        };
        let mut filed = file_by_day(data_type, fetched.records, reach, self.timezone);
        let outside = edge::split_outside(&mut filed.by_day, unit.keep);
        log_repeats(data_type, unit.keep, &filed);
        if !filed.rejected.is_empty() {
            tracing::error!(
                r#type = %data_type,
                piece = %unit.keep,
                rejected = filed.rejected.len(),
                first = %filed.rejected[0].reason,
                "Records that cannot be filed were set aside."
            );
            rejected.lock().expect("no task panicked holding it").append(&mut filed.rejected);
        }
        let days: Vec<Date> = match data_type.range() {
            RangeKind::Snapshot | RangeKind::BareSnapshot => vec![unit.keep.end],
            _ => unit.keep.days().collect(),
        };
        if data_type.is_series() {
            self.merge_held_samples(data_type, &mut filed.by_day, &days, known).await?;
        }
        // The ids this answer files under any day: a held day left empty whose ids all sit
        // elsewhere now has had its records moved.
        let fetched_ids: std::collections::HashSet<String> = if data_type.range() == RangeKind::Date
        {
            filed.by_day.values().flatten().filter_map(|r| record_id(r)).collect()
        } else {
            Default::default()
        };
        let synced_at = Timestamp::now();
        let mut outcome = UnitOutcome {
            revised: filed.revised as u64,
            conflicting: filed.conflicting as u64,
            seen,
            ..UnitOutcome::default()
        };
        let mut empty_entries = Vec::new();
        let mut emptied: Vec<(Date, &DayEntry)> = Vec::new();
        let mut objects = Vec::new();
        for day in days {
            let records = filed.by_day.remove(&day).unwrap_or_default();
            if records.is_empty() {
                match known.get(&day) {
                    Some(entry) if entry.record_count > 0 => emptied.push((day, entry)),
                    Some(entry) if entry.object_key.is_empty() => {}
                    _ => empty_entries.push(DayEntry::empty(
                        data_type.name(),
                        day,
                        self.run_id,
                        synced_at,
                    )),
                }
                continue;
            }
            let records: Vec<&str> = records.iter().map(|r| r.get()).collect();
            let object = self.store.day_object(data_type, day, &records, self.run_id);
            outcome.records += object.record_count;
            objects.push((day, object));
        }
        drop(filed);
        // Records that moved out of the window, to the day past its edge they moved to; then
        // the days just outside the window that hold records this answer files inside it.
        let moved_out =
            self.moved_out(data_type, outside, &objects, &emptied, known, &fetched_ids).await?;
        let overrides: BTreeMap<Date, Vec<Box<serde_json::value::RawValue>>> =
            moved_out.iter().map(|(day, _, records)| (*day, records.clone())).collect();
        let edge_fixes =
            self.edge_fixes(job, data_type, unit.keep, &fetched_ids, &overrides).await?;
        // A held day the answer leaves empty goes only when every id it held is filed
        // elsewhere now (inside the window, or moved out of it).
        let mut elsewhere = fetched_ids.clone();
        elsewhere.extend(job.gone.iter().cloned());
        for (_, _, records) in &moved_out {
            elsewhere.extend(records.iter().filter_map(|r| record_id(r)));
        }
        let mut moved_away: Vec<(Date, String)> = Vec::new();
        for (day, entry) in emptied {
            if !elsewhere.is_empty() && self.records_moved(&entry.object_key, &elsewhere).await {
                moved_away.push((day, entry.object_key.clone()));
            } else {
                // Never let an empty answer erase a day the lake holds: keep it as it is.
                tracing::warn!(
                    r#type = %data_type, %day, held = entry.record_count,
                    "Oura returned no records for a day the lake holds; kept the stored day."
                );
            }
        }

        if job.dry_run {
            outcome.days_written += (moved_away.len() + edge_fixes.len() + moved_out.len()) as u64;
            for (day, object) in &objects {
                match known.get(day) {
                    Some(entry) if entry.sha256 == object.sha256 => outcome.days_unchanged += 1,
                    _ => outcome.days_written += 1,
                }
            }
            return Ok(outcome);
        }

        // The ingestion log's S3 trigger looks each new object up in the table moments after
        // its put, so there each object is recorded as soon as it is durable.
        let at_once = self.ledger.records_each_object();
        let entry_of =
            |day: Date, object: &DayObject| DayEntry::of_object(data_type, day, object, synced_at);
        // A record that moved out goes into its new day before its old day is rewritten
        // without it: for a moment in two objects, never in none.
        let mut entries = Vec::new();
        for (day, object, _) in &moved_out {
            self.store
                .put(object, None)
                .await
                .map_err(|e| FetchError::Failed(format!("cannot store {}: {e:#}", object.key)))?;
            outcome.days_written += 1;
            outcome.changed.push(*day);
            tracing::info!(r#type = %data_type, %day, "Records moved out of the window to this day; filed them there.");
            entries.push(entry_of(*day, object));
        }
        if !moved_out.is_empty() {
            self.store.flush().await.map_err(|e| FetchError::Failed(format!("{e:#}")))?;
        }
        let results: Vec<_> = futures_util::stream::iter(objects)
            .map(|(day, object)| async move {
                // A checksum recorded for another key (a lake that changed layout) says nothing
                // about this one.
                let known_sha = known
                    .get(&day)
                    .filter(|e| e.object_key == object.key)
                    .map(|e| e.sha256.as_str());
                let mut result = match self.store.put(&object, known_sha).await {
                    Ok(put) => Ok((put, false)),
                    Err(e) => Err(format!("cannot store {}: {e:#}", object.key)),
                };
                if at_once && let Ok((PutOutcome::Written, recorded)) = &mut result {
                    let entry = entry_of(day, &object);
                    if let Err(e) = self.record_now(&entry, job.window).await {
                        let cause = format!("stored {} but cannot record it: {e:#}", object.key);
                        return (day, object, Err(cause));
                    }
                    *recorded = true;
                }
                (day, object, result)
            })
            .buffer_unordered(PUTS_PER_UNIT)
            .collect()
            .await;
        entries.extend(empty_entries);
        let mut first_error = None;
        for (day, object, result) in results {
            match result {
                Ok((put, recorded)) => {
                    let entry = entry_of(day, &object);
                    match put {
                        PutOutcome::Written => {
                            outcome.days_written += 1;
                            outcome.changed.push(day);
                        }
                        PutOutcome::Unchanged => outcome.days_unchanged += 1,
                    }
                    if !recorded && known.get(&day).is_none_or(|k| !k.same_content(&entry)) {
                        entries.push(entry);
                    }
                }
                Err(cause) => {
                    first_error.get_or_insert(cause);
                }
            }
        }
        // A day whose records all moved goes only once the days they moved to are stored, and
        // only when all were: an id never sits in two objects, nor in none.
        if first_error.is_none() {
            for (day, key) in moved_away {
                match self.store.delete(&key).await {
                    Ok(()) => {
                        tracing::info!(r#type = %data_type, %day, "Every record of the day moved to another day; removed its object.");
                        outcome.days_written += 1;
                        outcome.changed.push(day);
                        entries.push(DayEntry::empty(
                            data_type.name(),
                            day,
                            self.run_id,
                            synced_at,
                        ));
                    }
                    Err(e) => {
                        first_error.get_or_insert(format!("cannot remove {key}: {e:#}"));
                    }
                }
            }
        }
        // The neighbours outside the window, once the days their records moved to are stored.
        if first_error.is_none() && !edge_fixes.is_empty() {
            outcome.days_written += edge_fixes.len() as u64;
            outcome.changed.extend(edge_fixes.iter().map(|fix| fix.day));
            match self.apply_edge_fixes(data_type, edge_fixes, synced_at).await {
                Ok(fixed) => entries.extend(fixed),
                Err(cause) => {
                    first_error.get_or_insert(cause);
                }
            }
        }
        // Record what was stored even when another day of the unit failed, once it is durable.
        if outcome.days_written > 0 && !at_once {
            self.store.flush().await.map_err(|e| {
                FetchError::Failed(format!("stored the days but cannot flush them to disk: {e:#}"))
            })?;
        }
        if !entries.is_empty() {
            entries.sort_by_key(|e| e.day);
            let put = self.ledger.put_days(&entries, job.window);
            put.instrument(tracing::debug_span!("ledger", days = entries.len())).await.map_err(
                |e| {
                    FetchError::Failed(format!(
                        "stored the days but cannot record them in the ledger: {e:#}"
                    ))
                },
            )?;
        }
        match first_error {
            Some(cause) => Err(FetchError::Failed(cause)),
            None => Ok(outcome),
        }
    }

    /// Merges, into each series day of `days` that the lake holds, the samples it holds, so a
    /// smaller answer never drops them.
    pub(super) async fn merge_held_samples(
        &self,
        data_type: DataType,
        by_day: &mut BTreeMap<Date, Vec<Box<serde_json::value::RawValue>>>,
        days: &[Date],
        known: &BTreeMap<Date, DayEntry>,
    ) -> Result<(), FetchError> {
        for day in days {
            let Some(entry) = known.get(day).filter(|e| e.record_count > 0) else { continue };
            let key = &entry.object_key;
            let body = self.store.get(key).await.map_err(|e| {
                FetchError::Failed(format!(
                    "cannot read the stored {data_type} day {day} to merge it: {e:#}"
                ))
            })?;
            let Some(body) = body else { continue };
            let held = match self.store.layout_of_key(key).decode(&body) {
                Ok(held) => held,
                // A damaged object cannot be kept, only replaced: what still reads of it is
                // merged, the fresh answer gives the rest, and the user is told which.
                Err(cause) => {
                    tracing::warn!(%key, %cause, "A stored day object is damaged; merged what still reads of it into the new answer.");
                    crate::oura::day_merge::stored_records(&body)
                }
            };
            let merged = merge_samples(held, by_day.remove(day).unwrap_or_default());
            if merged.kept_from_lake > 0 {
                tracing::info!(
                    r#type = %data_type, %day, kept = merged.kept_from_lake,
                    "Kept samples the lake holds that Oura did not send again."
                );
            }
            if !merged.records.is_empty() {
                by_day.insert(*day, merged.records);
            }
        }
        Ok(())
    }

    /// True if and only if every record of the stored object `key` has its `id` in `ids`.
    pub(super) async fn records_moved(
        &self,
        key: &str,
        ids: &std::collections::HashSet<String>,
    ) -> bool {
        match self.store.records(key).await {
            Ok(Some(held)) => all_moved(&held, ids),
            _ => false,
        }
    }
}

/// Logs the records Oura sent more than once: exact repeats quietly, revisions and
/// conflicting samples as warnings with their counts (the rules are in [`crate::oura::records`]).
pub(super) fn log_repeats(data_type: DataType, piece: Window, filed: &Filed) {
    if filed.duplicates > 0 {
        tracing::debug!(r#type = %data_type, %piece, duplicates = filed.duplicates, "Dropped repeated records.");
    }
    if filed.revised > 0 {
        tracing::warn!(
            r#type = %data_type, %piece, revised = filed.revised,
            "Oura sent documents again with other content; kept the later version of each."
        );
    }
    if filed.conflicting > 0 {
        tracing::warn!(
            r#type = %data_type, %piece, conflicting = filed.conflicting,
            "Oura sent different samples for the same instant and source; kept all of them."
        );
    }
}

impl Engine<'_> {
    /// Makes one stored object durable and records it at once (see `records_each_object`).
    pub(super) async fn record_now(&self, entry: &DayEntry, window: Window) -> anyhow::Result<()> {
        self.store.flush().await.context("cannot flush it to disk")?;
        self.ledger
            .put_days(std::slice::from_ref(entry), window)
            .instrument(tracing::debug_span!("ledger", days = 1))
            .await
            .context("the ledger")
    }
}
