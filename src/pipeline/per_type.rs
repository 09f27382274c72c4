//! One type of a sync: plan its pieces, run them a few at a time, and add their outcomes up
//! into the type's report line (quarantining what cannot be filed).

use super::*;

/// What one type did, with what the run needs to know beyond the report line.
pub(super) struct TypeOutcome {
    pub(super) report: TypeReport,
    pub(super) refused_token: bool,
    pub(super) login_needed: Option<String>,
}

impl Engine<'_> {
    #[tracing::instrument(name = "type", skip_all, fields(r#type = %data_type))]
    pub(super) async fn sync_type(
        &self,
        job: &SyncJob,
        data_type: DataType,
        units: Arc<Semaphore>,
    ) -> TypeOutcome {
        let plain = |report| TypeOutcome { report, refused_token: false, login_needed: None };
        if let Some(reason) = skip_reason(data_type, job.sandbox) {
            tracing::info!(r#type = %data_type, %reason, "Type skipped.");
            return plain(TypeReport::skipped(reason));
        }
        let known = match self.ledger.days(data_type, job.window).await {
            Ok(known) if job.resume => self.days_still_in_lake(known).await,
            Ok(known) => known,
            Err(e) => return plain(TypeReport::failed(format!("cannot read the ledger: {e:#}"))),
        };
        let snapshot = matches!(data_type.range(), RangeKind::Snapshot | RangeKind::BareSnapshot);
        let runs = if snapshot {
            Vec::new()
        } else {
            pending_runs(job.window, &known, self.timezone, job.resume)
        };
        let pieces = if snapshot {
            Pieces::Fixed(fetch_units(data_type, job.window, self.timezone).into())
        } else if data_type.is_series() {
            Pieces::Series(SeriesPlan::new(runs.clone(), self.timezone))
        } else {
            Pieces::Fixed(
                runs.iter().flat_map(|run| fetch_units(data_type, *run, self.timezone)).collect(),
            )
        };
        // Days a resumed backfill does not fetch again count as unchanged, with their records.
        let mut total = UnitOutcome::default();
        if job.resume && !snapshot {
            for (day, entry) in &known {
                if !runs.iter().any(|run| run.contains(*day)) {
                    total.records += entry.record_count;
                    total.days_unchanged += u64::from(entry.record_count > 0);
                }
            }
        }
        self.progress.add_days(pieces.days_left() as u64);
        let workers = match &pieces {
            Pieces::Fixed(queue) => queue.len().min(job.units_in_flight.max(1)),
            Pieces::Series(_) => job.units_in_flight.max(1),
        };
        let pieces = std::sync::Mutex::new(pieces);
        let rejected = std::sync::Mutex::new(Vec::new());
        // Each worker takes a slot, then the next piece (sized with all that is known by
        // then), until none is left.
        let results: Vec<Result<UnitOutcome, FetchError>> = join_all((0..workers).map(|_| {
            let (units, known, rejected, pieces) = (units.clone(), &known, &rejected, &pieces);
            async move {
                let mut results = Vec::new();
                loop {
                    let _slot = units.clone().acquire_owned().await.expect("never closed");
                    let next = pieces.lock().expect("no worker panicked").next(self.timezone);
                    let Some(unit) = next else { break };
                    if self.cancel.is_cancelled() {
                        results.push(Err(FetchError::Failed(
                            "interrupted before it was fetched; run the same command again".into(),
                        )));
                        break;
                    }
                    let keep = unit.keep;
                    let result = self.sync_unit(job, data_type, unit, known, rejected).await;
                    if let Ok(done) = &result {
                        pieces.lock().expect("no worker panicked").learn(keep, done.seen);
                    }
                    self.progress.days_done(keep.len_days() as u64);
                    results.push(result);
                }
                results
            }
        }))
        .await
        .into_iter()
        .flatten()
        .collect();

        let (mut failure, mut denial, mut login_needed) = (None, None, None);
        for result in results {
            match result {
                Ok(unit) => {
                    total.records += unit.records;
                    total.days_written += unit.days_written;
                    total.days_unchanged += unit.days_unchanged;
                    total.revised += unit.revised;
                    total.conflicting += unit.conflicting;
                    total.changed.extend(unit.changed);
                }
                Err(FetchError::Failed(cause)) => {
                    failure.get_or_insert(cause);
                }
                Err(FetchError::Denied { status, detail }) => {
                    denial.get_or_insert((status, detail));
                }
                Err(FetchError::LoginNeeded(message)) => {
                    failure.get_or_insert(message.clone());
                    login_needed = Some(message);
                }
            }
        }
        total.changed.sort_unstable();
        total.changed.dedup();
        let mut report = TypeReport {
            records: total.records,
            days_written: total.days_written,
            days_unchanged: total.days_unchanged,
            revised: total.revised,
            conflicting: total.conflicting,
            changed_days: std::mem::take(&mut total.changed),
            ..TypeReport::with_status(if total.records > 0 {
                TypeStatus::Ok
            } else {
                TypeStatus::Empty
            })
        };
        let rejected = rejected.into_inner().expect("no task panicked holding it");
        if !rejected.is_empty() {
            let (cause, key) = self.quarantine(job, data_type, &rejected).await;
            report.rejected = rejected.len() as u64;
            report.quarantine = key;
            failure = Some(match failure {
                Some(other) => format!("{cause}; and {other}"),
                None => cause,
            });
        }
        let missing_scope =
            crate::scope::seems_missing(self.tokens.granted_scopes().as_ref(), data_type.scope());
        let mut refused_token = false;
        if let Some(cause) = failure {
            if self.client.unreachable() == Some(cause.as_str()) {
                // Said once for the run (see `run`).
                tracing::debug!(r#type = %data_type, %cause, "Type failed.");
            } else {
                tracing::error!(r#type = %data_type, %cause, "Type failed.");
            }
            report.status = TypeStatus::Failed;
            report.error = Some(cause);
        } else if let Some((status, detail)) = denial {
            refused_token = status == 401;
            let reason = refusal_reason(data_type, status, &detail, missing_scope);
            tracing::warn!(r#type = %data_type, %reason, "Type skipped.");
            report.status = TypeStatus::Skipped;
            report.reason = Some(reason);
        } else {
            tracing::info!(
                r#type = %data_type,
                records = report.records,
                days_written = report.days_written,
                days_unchanged = report.days_unchanged,
                "Type synced."
            );
        }
        if let Some(scope) = missing_scope
            && report.status != TypeStatus::Skipped
        {
            let note = format!(
                "scope `{scope}` is not among the granted scopes; asked anyway, and Oura answered"
            );
            tracing::info!(r#type = %data_type, %note, "Type fetched without its scope.");
            report.note = Some(note);
        }
        TypeOutcome { report, refused_token, login_needed }
    }

    /// Keeps the records of `data_type` that could not be filed in the run's quarantine object
    /// and returns the type's failure cause, with the object's key when it was stored. When
    /// even that fails, the records go to the error log, so that none is lost without a trace.
    pub(super) async fn quarantine(
        &self,
        job: &SyncJob,
        data_type: DataType,
        rejected: &[Rejected],
    ) -> (String, Option<String>) {
        let count = rejected.len();
        let what = if count == 1 { "record" } else { "records" };
        let first = &rejected[0].reason;
        if job.dry_run {
            return (
                format!("{count} {what} could not be filed ({first}); a dry run keeps nothing"),
                None,
            );
        }
        let lines: Vec<String> = rejected.iter().map(Rejected::to_line).collect();
        match self.store.put_rejected(data_type, self.run_id, &lines).await {
            // The key before the reason, so that a summary line cut short still shows it.
            Ok(key) => (
                format!("{count} {what} could not be filed; kept whole in {key} ({first})"),
                Some(key),
            ),
            Err(e) => {
                for line in &lines {
                    tracing::error!(r#type = %data_type, %line, "A record that could not be filed nor kept.");
                }
                (
                    format!(
                        "{count} {what} could not be filed ({first}) nor kept in quarantine ({e:#}); they are in the error log"
                    ),
                    None,
                )
            }
        }
    }

    /// The ledger's days whose object a local lake still holds, byte for byte, so that a
    /// resumed backfill fetches again a day whose file is gone or damaged. An S3 lake's
    /// objects are not read back: S3 keeps what it acknowledged, and `--force` refetches.
    pub(super) async fn days_still_in_lake(
        &self,
        known: BTreeMap<Date, DayEntry>,
    ) -> BTreeMap<Date, DayEntry> {
        if !self.store.reads_are_cheap() {
            return known;
        }
        futures_util::stream::iter(known)
            .map(|(day, entry)| async move {
                if entry.record_count == 0 {
                    return Some((day, entry));
                }
                match self.store.get(&entry.object_key).await {
                    Ok(Some(body)) if crate::store::sha256_hex(&body) == entry.sha256 => {
                        Some((day, entry))
                    }
                    _ => {
                        tracing::warn!(
                            key = %entry.object_key,
                            "The ledger lists a day whose lake file is missing or changed; fetching it again."
                        );
                        None
                    }
                }
            })
            .buffer_unordered(PUTS_PER_UNIT)
            .filter_map(std::future::ready)
            .collect()
            .await
    }
}
