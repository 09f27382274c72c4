//! The ledger in a table keyed `file_path` + `upload_timestamp` (bio-lakehouse's
//! `bio_ingestion_log`), written in that table's own form, beside the items other tools keep
//! there (their Lambdas' items, `drift-alert:…`), which are never changed, deleted or read as
//! ours:
//!
//! - every object written adds an item: `file_path` = the object's URI (`s3://BUCKET/KEY`, or
//!   `file://` + the absolute path of a local lake; [`LakeNames`] in `store/` makes it from
//!   the object's key), `upload_timestamp` = Unix seconds of the
//!   write (a number, or its decimal digits when the table's sort key is a string),
//!   `source` = `oura`, `data_type` = the object's folder, `status` = `completed`,
//!   `record_count`, `upload_timestamp_iso`, `date_range` = `START to END` of the run's
//!   window, and our `day`, `sha256`, `bytes`, `run_id`;
//! - every run adds an item under `file_path` = [`RUN_FILE_PATH`] (no object has that URI),
//!   `upload_timestamp` = its start, `source` = `oura`, `data_type` = `run`, the run
//!   attributes of CONTRACT §5 and `types_complete`.
//!
//! There is no day item: a day with records is the newest object item of ours under the URI
//! the layout gives that (type, day), found with one `Query` on that one `file_path`; an empty
//! day is a day in the window of a recorded run that fetched the type whole
//! (`types_complete`) and has no object. Reads never `Scan`: the table holds other sources'
//! items.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use futures_util::StreamExt;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use super::dynamodb::{
    Item, call_error, n, number, parsed, query_of, query_pages, run_from_item, run_item, s, string,
};
use super::{DayEntry, Ledger, RunEntry, TableForm};
use crate::aws::CallFailure;
use crate::datatype::DataType;
use crate::store::LakeNames;
use crate::window::{Window, local_day, start_of_day};

/// The `file_path` of every run item: a URI no object can have.
pub const RUN_FILE_PATH: &str = "oura-sync:run";
/// The `source` of every item this tool writes (the one the monitoring scan filters on).
pub const SOURCE: &str = "oura";
/// The `status` of an object item, as the replaced script wrote it.
pub const OBJECT_STATUS: &str = "completed";
/// The `data_type` of a run item.
pub const RUN_DATA_TYPE: &str = "run";
/// Queries (one per day) in flight at once.
const QUERIES_AT_ONCE: usize = 16;
/// Items per page when reading one object's items, newest first.
const OBJECT_PAGE: i32 = 8;
/// Seconds tried after a run's start when another run already holds that second.
const RUN_KEY_TRIES: i64 = 10;

/// How the table's sort key `upload_timestamp` is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// `N`: what bio-lakehouse's script and Lambdas write.
    Number,
    /// `S`: what its CloudFormation template declares; we write the decimal digits.
    String,
}

impl SortKey {
    /// The sort key value for Unix second `seconds`.
    pub fn value(self, seconds: i64) -> AttributeValue {
        match self {
            SortKey::Number => AttributeValue::N(seconds.to_string()),
            SortKey::String => AttributeValue::S(seconds.to_string()),
        }
    }

    /// The Unix second a sort key value stands for (a number with decimals is cut to the
    /// second), if it is one.
    pub fn seconds(value: &AttributeValue) -> Option<i64> {
        let text = match value {
            AttributeValue::N(text) | AttributeValue::S(text) => text,
            _ => return None,
        };
        text.parse::<i64>().ok().or_else(|| text.parse::<f64>().ok().map(|f| f.floor() as i64))
    }

    fn name(self) -> &'static str {
        match self {
            SortKey::Number => "number",
            SortKey::String => "string",
        }
    }
}

/// The runs that started at or after a Unix second.
type RunsSince = (i64, Vec<RunEntry>);

/// A ledger kept in an ingestion-log table.
#[derive(Clone, Debug)]
pub struct IngestionLog {
    client: Client,
    table: String,
    sort_key: SortKey,
    names: LakeNames,
    page_size: i32,
    /// The table's keys were read when the ledger was opened, so `check` need not ask again.
    described: bool,
    /// The runs read for the window starting at the first second, shared by the types of a
    /// sync (they all ask for the same window); dropped when a run is recorded.
    runs: std::sync::Arc<tokio::sync::Mutex<Option<RunsSince>>>,
}

impl IngestionLog {
    /// The ledger in `table`, whose sort key is typed `sort_key`, for the lake `names`.
    pub fn new(client: Client, table: &str, sort_key: SortKey, names: LakeNames) -> Self {
        Self {
            client,
            table: table.to_string(),
            sort_key,
            names,
            page_size: super::dynamodb::DEFAULT_PAGE_SIZE,
            described: false,
            runs: Default::default(),
        }
    }

    /// The ledger of a table whose keys were just read ([`TableForm::describe`]).
    pub fn described(mut self) -> Self {
        self.described = true;
        self
    }

    /// Uses `page_size` items per page when reading runs (tests use a tiny one).
    pub fn with_page_size(mut self, page_size: i32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The names this ledger gives the lake's objects.
    pub fn names(&self) -> &LakeNames {
        &self.names
    }

    /// Every item under `file_path` (with `upload_timestamp >= since` when given), in sort
    /// key order (descending when `backwards`), `page` items a request, until `keep` says
    /// false.
    async fn query(
        &self,
        file_path: &str,
        since: Option<i64>,
        backwards: bool,
        page: Option<i32>,
        keep: impl FnMut(&Item) -> bool,
    ) -> anyhow::Result<()> {
        let request = query_of(&self.client, &self.table, backwards, page)
            .expression_attribute_values(":fp", s(file_path));
        let request = match since {
            Some(second) => request
                .key_condition_expression("file_path = :fp AND upload_timestamp >= :since")
                .expression_attribute_values(":since", self.sort_key.value(second)),
            None => request.key_condition_expression("file_path = :fp"),
        };
        query_pages(&self.table, request, keep).await
    }

    /// The newest object item of ours for `data_type`'s `day`, as a day entry.
    async fn object_day(&self, data_type: DataType, day: Date) -> anyhow::Result<Option<DayEntry>> {
        let key = self.names.key_of(data_type, day);
        let mut found = None;
        self.query(&self.names.uri_of_key(&key), None, true, Some(OBJECT_PAGE), |item| {
            found = object_entry(data_type, day, &key, item);
            found.is_none()
        })
        .await?;
        Ok(found)
    }

    /// The object items of ours for every day in `days`, queried at once.
    async fn object_days(
        &self,
        data_type: DataType,
        days: impl Iterator<Item = Date>,
    ) -> anyhow::Result<BTreeMap<Date, DayEntry>> {
        let answers: Vec<anyhow::Result<Option<DayEntry>>> = futures_util::stream::iter(days)
            .map(|day| self.object_day(data_type, day))
            .buffer_unordered(QUERIES_AT_ONCE)
            .collect()
            .await;
        let mut found = BTreeMap::new();
        for answer in answers {
            if let Some(entry) = answer? {
                found.insert(entry.day, entry);
            }
        }
        Ok(found)
    }

    /// Every run of ours that started at or after Unix second `since`, oldest first; read once
    /// for all the types of a sync.
    async fn runs_since(&self, since: i64) -> anyhow::Result<Vec<RunEntry>> {
        let mut cached = self.runs.lock().await;
        if let Some((from, runs)) = cached.as_ref()
            && *from == since
        {
            return Ok(runs.clone());
        }
        let runs = self.read_runs_since(since).await?;
        *cached = Some((since, runs.clone()));
        Ok(runs)
    }

    async fn read_runs_since(&self, since: i64) -> anyhow::Result<Vec<RunEntry>> {
        let mut runs = Vec::new();
        let mut bad = None;
        self.query(RUN_FILE_PATH, Some(since), false, None, |item| {
            match run_of_ours(item) {
                Some(Ok(run)) => runs.push(run),
                Some(Err(e)) => bad = Some(e),
                None => {}
            }
            bad.is_none()
        })
        .await?;
        match bad {
            Some(e) => Err(e),
            None => Ok(runs),
        }
    }

    /// The item of the object a day entry describes.
    fn object_item(&self, entry: &DayEntry, data_type: DataType, window: Window) -> Item {
        let second = entry.synced_at.as_second();
        HashMap::from([
            ("file_path".to_string(), s(self.names.uri_of_key(&entry.object_key))),
            ("upload_timestamp".to_string(), self.sort_key.value(second)),
            ("source".to_string(), s(SOURCE)),
            ("data_type".to_string(), s(self.names.folder(data_type))),
            ("status".to_string(), s(OBJECT_STATUS)),
            ("record_count".to_string(), n(entry.record_count)),
            ("upload_timestamp_iso".to_string(), s(iso_second(entry.synced_at))),
            ("date_range".to_string(), s(date_range(window))),
            ("day".to_string(), s(entry.day.to_string())),
            ("sha256".to_string(), s(&entry.sha256)),
            ("bytes".to_string(), n(entry.bytes)),
            ("run_id".to_string(), s(&entry.run_id)),
        ])
    }

    async fn put_item(&self, item: Item, what: &str) -> anyhow::Result<()> {
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(
            |err| call_error(&self.table, what, "dynamodb:PutItem", &CallFailure::from_sdk(&err)),
        )?;
        Ok(())
    }
}

/// `2026-02-18T06:00:01Z`: the replaced script's `upload_timestamp_iso`.
fn iso_second(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `START to END`: the replaced script's `date_range`.
pub fn date_range(window: Window) -> String {
    format!("{} to {}", window.start, window.end)
}

/// The day entry of `item` if it is an object item of ours for `day` (another tool's item
/// under the same URI, such as the S3 trigger's, is not).
fn object_entry(data_type: DataType, day: Date, key: &str, item: &Item) -> Option<DayEntry> {
    if string(item, "source").ok()? != SOURCE || parsed::<Date>(item, "day").ok()? != day {
        return None;
    }
    Some(DayEntry {
        data_type: data_type.name().to_string(),
        day,
        record_count: number(item, "record_count").ok()?,
        object_key: key.to_string(),
        sha256: string(item, "sha256").ok()?,
        bytes: number(item, "bytes").ok()?,
        run_id: string(item, "run_id").ok()?,
        synced_at: Timestamp::from_second(SortKey::seconds(item.get("upload_timestamp")?)?).ok()?,
    })
}

/// The run of `item` if it is a run item of ours (`None` for anyone else's item).
fn run_of_ours(item: &Item) -> Option<anyhow::Result<RunEntry>> {
    let ours = string(item, "source").is_ok_and(|v| v == SOURCE)
        && string(item, "data_type").is_ok_and(|v| v == RUN_DATA_TYPE);
    ours.then(|| {
        let mut run = run_from_item(item)?;
        if let Some(AttributeValue::L(types)) = item.get("types_complete") {
            run.complete_types = types
                .iter()
                .filter_map(|t| match t {
                    AttributeValue::S(name) => Some(name.clone()),
                    _ => None,
                })
                .collect();
        }
        Ok(run)
    })
}

/// The first Unix second of `day` in UTC, a day early: local days run up to 14 hours ahead of
/// UTC, so a run over `day` started no earlier than this.
fn earliest_second_of(day: Date) -> i64 {
    let earlier = day.saturating_sub(1.day());
    start_of_day(earlier, &jiff::tz::TimeZone::UTC).as_second()
}

/// Tomorrow in UTC: no object is dated later (local days run at most a day ahead).
fn latest_possible_day() -> Date {
    local_day(Timestamp::now(), &jiff::tz::TimeZone::UTC).saturating_add(1.day())
}

/// The days of `window` that an object can have, latest first.
fn possible_days(window: Window) -> Vec<Date> {
    let last = window.end.min(latest_possible_day());
    let mut days: Vec<Date> = window.days().take_while(|d| *d <= last).collect();
    days.reverse();
    days
}

impl Ledger for IngestionLog {
    async fn check(&self) -> anyhow::Result<()> {
        if self.described {
            return Ok(());
        }
        match TableForm::describe(&self.client, &self.table).await? {
            TableForm::IngestionLog(sort_key) if sort_key == self.sort_key => Ok(()),
            _ => anyhow::bail!(
                "the DynamoDB table `{}` is no longer keyed as it was when this run began",
                self.table
            ),
        }
    }

    async fn days(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<BTreeMap<Date, DayEntry>> {
        let candidates = possible_days(window);
        let runs = self.runs_since(earliest_second_of(window.start)).await?;
        let mut days = self.object_days(data_type, candidates.iter().copied()).await?;
        // A day with no object is empty if a run fetched the type whole over it (the newest
        // such run says when).
        let name = data_type.name();
        for day in candidates {
            if days.contains_key(&day) {
                continue;
            }
            let fetched = runs.iter().rev().find(|r| {
                r.window_start <= day
                    && day <= r.window_end
                    && r.complete_types.iter().any(|t| t == name)
            });
            if let Some(run) = fetched {
                days.insert(day, DayEntry::empty(name, day, &run.run_id, run.started_at));
            }
        }
        Ok(days)
    }

    async fn put_days(&self, entries: &[DayEntry], window: Window) -> anyhow::Result<()> {
        // Only objects have items; the last entry for a (type, day) is the one that counts.
        let mut latest: BTreeMap<(&str, Date), &DayEntry> = BTreeMap::new();
        for entry in entries.iter().filter(|e| e.record_count > 0) {
            latest.insert((&entry.data_type, entry.day), entry);
        }
        let items: Vec<Item> = latest
            .values()
            .map(|entry| {
                let data_type: DataType = entry.data_type.parse()?;
                Ok(self.object_item(entry, data_type, window))
            })
            .collect::<anyhow::Result<_>>()?;
        let results: Vec<anyhow::Result<()>> = futures_util::stream::iter(items)
            .map(|item| self.put_item(item, "recording an object"))
            .buffer_unordered(QUERIES_AT_ONCE)
            .collect()
            .await;
        results.into_iter().collect()
    }

    async fn identity(&self) -> anyhow::Result<Option<super::LakeIdentity>> {
        use super::identity::FILE_PATH;
        // A `Query` of the one path, not `GetItem`: the sync's IAM policy grants `Query`.
        let mut found = None;
        self.query(FILE_PATH, None, true, Some(1), |item| {
            found = Some(item.clone());
            false
        })
        .await?;
        let what = format!("{FILE_PATH} in {}", self.table);
        found.map(|item| super::LakeIdentity::from_item(&item, &what)).transpose()
    }

    async fn put_identity(&self, identity: &super::LakeIdentity) -> anyhow::Result<()> {
        use super::identity::{DATA_TYPE, FILE_PATH};
        let mut item = identity.attributes();
        item.insert("file_path".into(), s(FILE_PATH));
        item.insert("upload_timestamp".into(), self.sort_key.value(0));
        // Not `oura`: a scan for the ingested Oura objects and runs never meets it.
        item.insert("source".into(), s(super::identity::SOURCE));
        item.insert("data_type".into(), s(DATA_TYPE));
        item.insert("status".into(), s("recorded"));
        self.put_item(item, "recording the lake's identity").await
    }

    async fn put_record(&self, kind: &str, name: &str, body: &str) -> anyhow::Result<()> {
        use super::records::{FILE_PATH_PREFIX, SOURCE, check, name_slot};
        check(kind, name)?;
        let item = HashMap::from([
            ("file_path".to_string(), s(format!("{FILE_PATH_PREFIX}{kind}"))),
            ("upload_timestamp".to_string(), self.sort_key.value(name_slot(name))),
            // Not `oura`: a scan for the ingested Oura objects and runs never meets it.
            ("source".to_string(), s(SOURCE)),
            ("data_type".to_string(), s(kind)),
            ("status".to_string(), s("recorded")),
            ("name".to_string(), s(name)),
            ("body".to_string(), s(body)),
        ]);
        self.put_item(item, &format!("recording {kind} {name}")).await
    }

    async fn records(&self, kind: &str) -> anyhow::Result<Vec<super::Record>> {
        use super::records::{FILE_PATH_PREFIX, check};
        check(kind, "any")?;
        let mut records = Vec::new();
        self.query(&format!("{FILE_PATH_PREFIX}{kind}"), None, false, None, |item| {
            if let (Some(AttributeValue::S(name)), Some(AttributeValue::S(body))) =
                (item.get("name"), item.get("body"))
            {
                records.push(super::Record { name: name.clone(), body: body.clone() });
            }
            true
        })
        .await?;
        // The items come in slot order; callers read records by name.
        records.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(records)
    }

    async fn delete_record(&self, kind: &str, name: &str) -> anyhow::Result<()> {
        use super::records::{FILE_PATH_PREFIX, check, name_slot};
        check(kind, name)?;
        let key = HashMap::from([
            ("file_path".to_string(), s(format!("{FILE_PATH_PREFIX}{kind}"))),
            ("upload_timestamp".to_string(), self.sort_key.value(name_slot(name))),
        ]);
        super::dynamodb::delete_item(
            &self.client,
            &self.table,
            key,
            &format!("removing {kind} {name}"),
        )
        .await
    }

    async fn put_run(&self, run: &RunEntry) -> anyhow::Result<()> {
        *self.runs.lock().await = None;
        let mut item = run_item(run);
        item.remove("pk");
        item.remove("sk");
        let window = Window::new(run.window_start, run.window_end);
        let types = run.complete_types.iter().map(|t| s(t.as_str())).collect();
        item.extend([
            ("file_path".to_string(), s(RUN_FILE_PATH)),
            ("source".to_string(), s(SOURCE)),
            ("data_type".to_string(), s(RUN_DATA_TYPE)),
            ("types_complete".to_string(), AttributeValue::L(types)),
            // What the monitoring scan shows per item: here, the run's records of every type.
            ("record_count".to_string(), n(run.counts.values().sum())),
            ("upload_timestamp_iso".to_string(), s(iso_second(run.started_at))),
            ("date_range".to_string(), s(date_range(window))),
        ]);
        // Two runs may start within one second: the later takes the next free second, so
        // neither replaces the other (its `started_at` keeps the exact time).
        let start = run.started_at.as_second();
        for second in start..start + RUN_KEY_TRIES {
            item.insert("upload_timestamp".to_string(), self.sort_key.value(second));
            let answer = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item.clone()))
                .condition_expression("attribute_not_exists(file_path)")
                .send()
                .await;
            match answer {
                Ok(_) => return Ok(()),
                Err(err) => {
                    let failure = CallFailure::from_sdk(&err);
                    if failure.code.as_deref() != Some("ConditionalCheckFailedException") {
                        return Err(call_error(
                            &self.table,
                            "recording the run",
                            "dynamodb:PutItem",
                            &failure,
                        ));
                    }
                }
            }
        }
        anyhow::bail!(
            "DynamoDB table `{}`: {RUN_KEY_TRIES} runs are recorded in the seconds after this \
             run's start; run the sync again",
            self.table
        )
    }

    async fn recent_runs(&self, limit: usize) -> anyhow::Result<Vec<RunEntry>> {
        let mut runs = Vec::new();
        if limit == 0 {
            return Ok(runs);
        }
        let mut bad = None;
        let page = i32::try_from(limit).unwrap_or(i32::MAX).min(self.page_size);
        self.query(RUN_FILE_PATH, None, true, Some(page), |item| {
            match run_of_ours(item) {
                Some(Ok(run)) => runs.push(run),
                Some(Err(e)) => bad = Some(e),
                None => {}
            }
            bad.is_none() && runs.len() < limit
        })
        .await?;
        match bad {
            Some(e) => Err(e),
            None => Ok(runs),
        }
    }

    async fn last_day_with_records(&self, data_type: DataType) -> anyhow::Result<Option<DayEntry>> {
        // Runs newest first; each that counted records of the type has them somewhere in its
        // window. A run cannot hold a day after the day it started, so once the latest day
        // found is past the start of the next older run, no older run can beat it.
        let name = data_type.name();
        let mut best: Option<DayEntry> = None;
        let mut probed = std::collections::BTreeSet::new();
        let mut start_key = None;
        loop {
            let mut page_runs = Vec::new();
            let mut bad = None;
            let answer = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .scan_index_forward(false)
                .key_condition_expression("file_path = :fp")
                .expression_attribute_values(":fp", s(RUN_FILE_PATH))
                .set_exclusive_start_key(start_key.take())
                .limit(self.page_size)
                .send()
                .await
                .map_err(|err| {
                    call_error(
                        &self.table,
                        "querying",
                        "dynamodb:Query",
                        &CallFailure::from_sdk(&err),
                    )
                })?;
            for item in answer.items() {
                match run_of_ours(item) {
                    Some(Ok(run)) => page_runs.push(run),
                    Some(Err(e)) => bad = Some(e),
                    None => {}
                }
            }
            if let Some(e) = bad {
                return Err(e);
            }
            for run in page_runs {
                let started = local_day(run.started_at, &jiff::tz::TimeZone::UTC);
                if best.as_ref().is_some_and(|b| b.day > started.saturating_add(1.day())) {
                    return Ok(best);
                }
                if run.counts.get(name).is_none_or(|c| *c == 0) {
                    continue;
                }
                let days: Vec<Date> = possible_days(Window::new(run.window_start, run.window_end))
                    .into_iter()
                    .filter(|d| best.as_ref().is_none_or(|b| *d > b.day) && probed.insert(*d))
                    .collect();
                // Latest first: the last two days alone (where a daily run's records usually
                // are), then a batch at a time.
                let (first, rest) = days.split_at(days.len().min(2));
                for batch in std::iter::once(first).chain(rest.chunks(QUERIES_AT_ONCE)) {
                    let found = self.object_days(data_type, batch.iter().copied()).await?;
                    if let Some((_, entry)) = found.into_iter().next_back() {
                        best = Some(entry);
                        break;
                    }
                }
            }
            match answer.last_evaluated_key {
                Some(key) if !key.is_empty() => start_key = Some(key),
                _ => return Ok(best),
            }
        }
    }

    fn describe(&self) -> String {
        format!("DynamoDB table {} (ingestion log, {} sort key)", self.table, self.sort_key.name())
    }

    fn form(&self) -> &'static str {
        "ingestion-log"
    }

    fn records_each_object(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn sort_keys_are_unix_seconds_as_numbers_or_digits() {
        assert_eq!(SortKey::Number.value(1771567201), AttributeValue::N("1771567201".into()));
        assert_eq!(SortKey::String.value(1771567201), AttributeValue::S("1771567201".into()));
        assert_eq!(SortKey::seconds(&AttributeValue::N("1771567201".into())), Some(1771567201));
        assert_eq!(SortKey::seconds(&AttributeValue::N("1771567201.75".into())), Some(1771567201));
        assert_eq!(SortKey::seconds(&AttributeValue::S("later".into())), None);
    }

    #[test]
    fn runs_are_looked_for_from_a_day_before_the_window() {
        assert_eq!(earliest_second_of(date(1970, 1, 2)), 0);
        assert_eq!(
            date_range(Window::new(date(2026, 2, 12), date(2026, 2, 18))),
            "2026-02-12 to 2026-02-18"
        );
    }

    #[test]
    fn only_our_items_are_read_as_objects() {
        let d = date(2026, 2, 18);
        let mut item: Item = HashMap::from([
            ("file_path".to_string(), s("s3://b/k")),
            ("upload_timestamp".to_string(), AttributeValue::N("1771567201".into())),
            ("source".to_string(), s("oura")),
            ("day".to_string(), s("2026-02-18")),
            ("record_count".to_string(), n(2)),
            ("sha256".to_string(), s("ab")),
            ("bytes".to_string(), n(20)),
            ("run_id".to_string(), s("r")),
        ]);
        let entry = object_entry(DataType::DailySleep, d, "k", &item).unwrap();
        assert_eq!(entry.synced_at, "2026-02-20T06:00:01Z".parse().unwrap());
        // The S3 trigger's item under the same URI: another source, no checksum.
        item.insert("source".to_string(), s("oura/readiness"));
        assert!(object_entry(DataType::DailySleep, d, "k", &item).is_none());
    }
}
