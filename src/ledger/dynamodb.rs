//! The ledger in a DynamoDB table (`OURA_DYNAMODB_TABLE`), with exactly the items of
//! CONTRACT §5 under the string keys `pk` and `sk`:
//!
//! - a run: `pk = oura#run`, `sk = <started_at>#<run_id>`, its attributes, `counts` as a map
//!   of numbers and `failures` as a list of `{type, error}` maps;
//! - a day: `pk = oura#<type>`, `sk = YYYY-MM-DD`, `record_count` and `bytes` as numbers,
//!   `object_key`, `sha256`, `run_id`, `synced_at` as strings.
//!
//! Day entries go in with `BatchWriteItem`, 25 to a request (DynamoDB's limit), and the items
//! DynamoDB hands back unprocessed (throttling) are retried with a bounded backoff. Reads use
//! `Query` on one partition: `sk BETWEEN` for a window, descending for the newest runs and the
//! last day with records. Reads are strongly consistent, so a run sees what the previous one
//! wrote.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeyType, PutRequest, ScalarAttributeType, TableStatus,
    WriteRequest,
};
use jiff::Timestamp;
use jiff::civil::Date;

use super::{DayEntry, Failure, Ledger, RunEntry};
use crate::aws::CallFailure;
use crate::datatype::DataType;
use crate::error::UserError;
use crate::window::Window;

/// The most items one `BatchWriteItem` may carry.
pub const BATCH_SIZE: usize = 25;
/// How many items one `Query` page asks for when scanning backwards.
pub const DEFAULT_PAGE_SIZE: i32 = 100;
/// How many times a batch's unprocessed items are sent again before the write fails.
pub const MAX_UNPROCESSED_RETRIES: u32 = 8;

pub(super) const BOOTSTRAP: &str = "scripts/aws-bootstrap.sh";
pub(super) const POLICY: &str = "scripts/iam-policy.json";

pub(super) type Item = HashMap<String, AttributeValue>;

/// A ledger kept in one DynamoDB table.
#[derive(Clone, Debug)]
pub struct DynamoLedger {
    client: Client,
    table: String,
    page_size: i32,
    /// The table's keys were read when the ledger was opened, so `check` need not ask again.
    described: bool,
}

impl DynamoLedger {
    /// The ledger in `table`.
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.to_string(), page_size: DEFAULT_PAGE_SIZE, described: false }
    }

    /// The ledger of a table whose keys were just read ([`TableForm::describe`]).
    pub fn described(mut self) -> Self {
        self.described = true;
        self
    }

    /// Uses `page_size` items per backward `Query` page (tests use a tiny one to exercise
    /// pagination).
    pub fn with_page_size(mut self, page_size: i32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The one-line error for a failed `action` that needed `permission`.
    fn call_error(&self, action: &str, permission: &str, failure: &CallFailure) -> anyhow::Error {
        call_error(&self.table, action, permission, failure)
    }

    /// Every item of the partition `pk` whose `sk` lies in `range` (all when `None`), in
    /// `sk` order (descending when `backwards`), `page` items a request (DynamoDB's 1 MB
    /// when `None`), until `keep` returns false.
    async fn query(
        &self,
        pk: &str,
        range: Option<(String, String)>,
        backwards: bool,
        page: Option<i32>,
        keep: impl FnMut(&Item) -> bool,
    ) -> anyhow::Result<()> {
        let request = query_of(&self.client, &self.table, backwards, page)
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_string()));
        let request = match range {
            Some((low, high)) => request
                .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
                .expression_attribute_values(":low", AttributeValue::S(low))
                .expression_attribute_values(":high", AttributeValue::S(high)),
            None => request.key_condition_expression("pk = :pk"),
        };
        query_pages(&self.table, request, keep).await
    }

    /// Sends `requests` (at most [`BATCH_SIZE`]) and resends what DynamoDB leaves unprocessed.
    async fn write_batch(&self, mut requests: Vec<WriteRequest>) -> anyhow::Result<()> {
        let mut attempt = 0;
        loop {
            let count = requests.len();
            let output = self
                .client
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await
                .map_err(|err| {
                    self.call_error(
                        &format!("recording {count} day entries"),
                        "dynamodb:BatchWriteItem",
                        &CallFailure::from_sdk(&err),
                    )
                })?;
            requests = output
                .unprocessed_items
                .and_then(|mut items| items.remove(&self.table))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            let Some(delay) = unprocessed_backoff(attempt) else {
                anyhow::bail!(
                    "DynamoDB table `{}` left {} day entries unprocessed after {} retries \
                     (throttled); run the sync again",
                    self.table,
                    requests.len(),
                    MAX_UNPROCESSED_RETRIES
                );
            };
            tracing::debug!(unprocessed = requests.len(), ?delay, "Retrying unprocessed items.");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

/// A strongly consistent `Query` of `table`, in sort key order (descending when `backwards`),
/// `page` items a request (DynamoDB's 1 MB when `None`); the caller adds the key condition.
pub(super) fn query_of(
    client: &Client,
    table: &str,
    backwards: bool,
    page: Option<i32>,
) -> QueryFluentBuilder {
    client
        .query()
        .table_name(table)
        .consistent_read(true)
        .scan_index_forward(!backwards)
        .set_limit(page)
}

/// Sends the query `request` page after page, each from where the last one stopped, and hands
/// every item to `keep` until it returns false or the pages end.
pub(super) async fn query_pages(
    table: &str,
    request: QueryFluentBuilder,
    mut keep: impl FnMut(&Item) -> bool,
) -> anyhow::Result<()> {
    let mut start_key = None;
    loop {
        let page = request.clone().set_exclusive_start_key(start_key.take()).send().await.map_err(
            |err| call_error(table, "querying", "dynamodb:Query", &CallFailure::from_sdk(&err)),
        )?;
        for item in page.items() {
            if !keep(item) {
                return Ok(());
            }
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start_key = Some(key),
            _ => return Ok(()),
        }
    }
}

/// The one-line error for a failed `action` on `table` that needed `permission`.
/// Removes the item of `key` from `table` (`what` names it in errors) through
/// `BatchWriteItem`, not `DeleteItem`: the sync's IAM policy grants the one already.
pub(super) async fn delete_item(
    client: &Client,
    table: &str,
    key: Item,
    what: &str,
) -> anyhow::Result<()> {
    let delete = DeleteRequest::builder().set_key(Some(key)).build()?;
    let request = WriteRequest::builder().delete_request(delete).build();
    let output =
        client.batch_write_item().request_items(table, vec![request]).send().await.map_err(
            |err| call_error(table, what, "dynamodb:BatchWriteItem", &CallFailure::from_sdk(&err)),
        )?;
    if output.unprocessed_items().is_some_and(|left| !left.is_empty()) {
        anyhow::bail!("DynamoDB throttled {what} in `{table}`; run again");
    }
    Ok(())
}

pub(super) fn call_error(
    table: &str,
    action: &str,
    permission: &str,
    failure: &CallFailure,
) -> anyhow::Error {
    if failure.is_access_denied() {
        anyhow::anyhow!(
            "DynamoDB denied {permission} on the table `{table}` while {action}; grant it as \
             {POLICY} does"
        )
    } else if failure.is_not_found() {
        anyhow::anyhow!(
            "the DynamoDB table `{table}` does not exist ({action}); create it with {BOOTSTRAP}"
        )
    } else {
        anyhow::anyhow!("DynamoDB table `{table}`: {action} failed: {}", failure.detail)
    }
}

/// The wait before resending unprocessed items for the `attempt`-th time (from 0): 50 ms,
/// doubling, at most 5 s; `None` once [`MAX_UNPROCESSED_RETRIES`] retries are spent.
pub fn unprocessed_backoff(attempt: u32) -> Option<Duration> {
    (attempt < MAX_UNPROCESSED_RETRIES)
        .then(|| Duration::from_millis(50u64 << attempt.min(16)).min(Duration::from_secs(5)))
}

/// The two key schemas a ledger table may have, as `DescribeTable` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableForm {
    /// String keys `pk` (partition) and `sk` (sort): the items of CONTRACT §5.
    PkSk,
    /// `file_path` (partition, string) and `upload_timestamp` (sort): bio-lakehouse's
    /// `bio_ingestion_log`, written in its own form ([`super::IngestionLog`]).
    IngestionLog(super::SortKey),
}

impl TableForm {
    /// Reads `table`'s key schema and status: a usage error (exit 2) when the table is
    /// missing, unreadable, not active, or keyed any other way.
    pub async fn describe(client: &Client, table: &str) -> anyhow::Result<Self> {
        let output = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|err| check_error(table, &CallFailure::from_sdk(&err)))?;
        let Some(description) = output.table else {
            anyhow::bail!("DynamoDB described no table `{table}`");
        };
        let keys: Vec<(&str, KeyType)> = description
            .key_schema()
            .iter()
            .map(|k| (k.attribute_name(), k.key_type().clone()))
            .collect();
        let types: HashMap<&str, ScalarAttributeType> = description
            .attribute_definitions()
            .iter()
            .map(|a| (a.attribute_name(), a.attribute_type().clone()))
            .collect();
        let Some(form) = Self::of_keys(&keys, &types) else {
            let found: Vec<String> = keys
                .iter()
                .map(|(name, kind)| {
                    let role = if *kind == KeyType::Hash { "partition" } else { "sort" };
                    format!("{name} ({role})")
                })
                .collect();
            return Err(UserError::usage(format!(
                "the DynamoDB table `{table}` has the keys {}; the ledger needs either the string \
                 keys pk (partition) and sk (sort), as {BOOTSTRAP} creates them, or file_path \
                 (partition, string) and upload_timestamp (sort, number or string), as \
                 bio-lakehouse's bio_ingestion_log has them",
                found.join(" and ")
            )));
        };
        match description.table_status() {
            Some(TableStatus::Active | TableStatus::Updating) | None => Ok(form),
            Some(status) => Err(UserError::usage(format!(
                "the DynamoDB table `{table}` is {}; wait until it is ACTIVE",
                status.as_str()
            ))),
        }
    }

    /// The form of a table with these keys (name, role) and key attribute types, if it is one.
    pub fn of_keys(
        keys: &[(&str, KeyType)],
        types: &HashMap<&str, ScalarAttributeType>,
    ) -> Option<Self> {
        let [(hash, KeyType::Hash), (range, KeyType::Range)] = keys else {
            return None;
        };
        let (hash_type, range_type) = (types.get(hash)?, types.get(range)?);
        match (*hash, *range, hash_type, range_type) {
            ("pk", "sk", ScalarAttributeType::S, ScalarAttributeType::S) => Some(TableForm::PkSk),
            ("file_path", "upload_timestamp", ScalarAttributeType::S, ScalarAttributeType::N) => {
                Some(TableForm::IngestionLog(super::SortKey::Number))
            }
            ("file_path", "upload_timestamp", ScalarAttributeType::S, ScalarAttributeType::S) => {
                Some(TableForm::IngestionLog(super::SortKey::String))
            }
            _ => None,
        }
    }
}

/// The usage error for a failed `DescribeTable` on `table`.
pub(super) fn check_error(table: &str, failure: &CallFailure) -> anyhow::Error {
    if failure.is_not_found() {
        UserError::usage(format!(
            "the DynamoDB table `{table}` (OURA_DYNAMODB_TABLE) does not exist in this region; \
             create it with {BOOTSTRAP}"
        ))
    } else if failure.is_access_denied() {
        UserError::usage(format!(
            "access to the DynamoDB table `{table}` is denied: these AWS credentials need \
             dynamodb:DescribeTable, Query, PutItem and BatchWriteItem on it; attach the policy \
             in {POLICY}"
        ))
    } else {
        UserError::usage(format!(
            "cannot reach the DynamoDB table `{table}` ({}); check the AWS credentials, \
             AWS_REGION and AWS_ENDPOINT_URL",
            failure.detail
        ))
    }
}

impl Ledger for DynamoLedger {
    async fn check(&self) -> anyhow::Result<()> {
        if self.described {
            return Ok(());
        }
        match TableForm::describe(&self.client, &self.table).await? {
            TableForm::PkSk => Ok(()),
            TableForm::IngestionLog(_) => anyhow::bail!(
                "the DynamoDB table `{}` is an ingestion log (file_path, upload_timestamp), not a \
                 pk/sk ledger",
                self.table
            ),
        }
    }

    async fn days(
        &self,
        data_type: DataType,
        window: Window,
    ) -> anyhow::Result<BTreeMap<Date, DayEntry>> {
        let name = data_type.name();
        let mut days = BTreeMap::new();
        let mut bad = None;
        let range = (window.start.to_string(), window.end.to_string());
        self.query(&day_pk(name), Some(range), false, None, |item| {
            match day_from_item(name, item) {
                Ok(entry) => {
                    days.insert(entry.day, entry);
                    true
                }
                Err(e) => {
                    bad = Some(e);
                    false
                }
            }
        })
        .await?;
        match bad {
            Some(e) => Err(e),
            None => Ok(days),
        }
    }

    async fn put_days(&self, entries: &[DayEntry], _window: Window) -> anyhow::Result<()> {
        // One batch may not name a key twice; the last entry for a key is the one that counts.
        let mut latest: BTreeMap<(&str, Date), &DayEntry> = BTreeMap::new();
        for entry in entries {
            latest.insert((&entry.data_type, entry.day), entry);
        }
        let requests: Vec<WriteRequest> = latest
            .values()
            .map(|entry| {
                let put = PutRequest::builder().set_item(Some(day_item(entry))).build()?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<anyhow::Result<_>>()?;
        let mut requests = requests.into_iter().peekable();
        while requests.peek().is_some() {
            self.write_batch(requests.by_ref().take(BATCH_SIZE).collect()).await?;
        }
        Ok(())
    }

    async fn identity(&self) -> anyhow::Result<Option<super::LakeIdentity>> {
        use super::identity::{PK, SK};
        // A `Query` of the one key, not `GetItem`: the sync's IAM policy grants `Query`.
        let mut found = None;
        self.query(PK, Some((SK.to_string(), SK.to_string())), false, Some(1), |item| {
            found = Some(item.clone());
            false
        })
        .await?;
        let what = format!("{PK}/{SK} in {}", self.table);
        found.map(|item| super::LakeIdentity::from_item(&item, &what)).transpose()
    }

    async fn put_identity(&self, identity: &super::LakeIdentity) -> anyhow::Result<()> {
        use super::identity::{PK, SK};
        let mut item = identity.attributes();
        item.insert("pk".into(), s(PK));
        item.insert("sk".into(), s(SK));
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(
            |err| {
                self.call_error(
                    "recording the lake's identity",
                    "dynamodb:PutItem",
                    &CallFailure::from_sdk(&err),
                )
            },
        )?;
        Ok(())
    }

    async fn put_record(&self, kind: &str, name: &str, body: &str) -> anyhow::Result<()> {
        super::records::check(kind, name)?;
        let item = HashMap::from([
            ("pk".to_string(), s(format!("{}{kind}", super::records::PK_PREFIX))),
            ("sk".to_string(), s(name)),
            ("body".to_string(), s(body)),
        ]);
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(
            |err| {
                self.call_error(
                    &format!("recording {kind} {name}"),
                    "dynamodb:PutItem",
                    &CallFailure::from_sdk(&err),
                )
            },
        )?;
        Ok(())
    }

    async fn records(&self, kind: &str) -> anyhow::Result<Vec<super::Record>> {
        super::records::check(kind, "any")?;
        let mut records = Vec::new();
        let pk = format!("{}{kind}", super::records::PK_PREFIX);
        self.query(&pk, None, false, None, |item| {
            if let (Some(AttributeValue::S(name)), Some(AttributeValue::S(body))) =
                (item.get("sk"), item.get("body"))
            {
                records.push(super::Record { name: name.clone(), body: body.clone() });
            }
            true
        })
        .await?;
        Ok(records)
    }

    async fn delete_record(&self, kind: &str, name: &str) -> anyhow::Result<()> {
        super::records::check(kind, name)?;
        let key = HashMap::from([
            ("pk".to_string(), s(format!("{}{kind}", super::records::PK_PREFIX))),
            ("sk".to_string(), s(name)),
        ]);
        delete_item(&self.client, &self.table, key, &format!("removing {kind} {name}")).await
    }

    async fn put_run(&self, run: &RunEntry) -> anyhow::Result<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(run_item(run)))
            .send()
            .await
            .map_err(|err| {
            self.call_error("recording the run", "dynamodb:PutItem", &CallFailure::from_sdk(&err))
        })?;
        Ok(())
    }

    async fn recent_runs(&self, limit: usize) -> anyhow::Result<Vec<RunEntry>> {
        let mut runs = Vec::new();
        if limit == 0 {
            return Ok(runs);
        }
        let mut bad = None;
        let page = i32::try_from(limit).unwrap_or(i32::MAX).min(self.page_size);
        self.query(RunEntry::PK, None, true, Some(page), |item| {
            match run_from_item(item) {
                Ok(run) => runs.push(run),
                Err(e) => bad = Some(e),
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
        let name = data_type.name();
        let mut found = None;
        self.query(&day_pk(name), None, true, Some(self.page_size), |item| {
            if number(item, "record_count").is_ok_and(|n| n > 0) {
                found = Some(day_from_item(name, item));
                return false;
            }
            true
        })
        .await?;
        found.transpose()
    }

    fn describe(&self) -> String {
        format!("DynamoDB table {}", self.table)
    }

    fn form(&self) -> &'static str {
        "pk/sk"
    }
}

fn day_pk(data_type: &str) -> String {
    format!("oura#{data_type}")
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The item of a day entry.
fn day_item(e: &DayEntry) -> Item {
    HashMap::from([
        ("pk".to_string(), s(e.pk())),
        ("sk".to_string(), s(e.day.to_string())),
        ("record_count".to_string(), n(e.record_count)),
        ("object_key".to_string(), s(&e.object_key)),
        ("sha256".to_string(), s(&e.sha256)),
        ("bytes".to_string(), n(e.bytes)),
        ("run_id".to_string(), s(&e.run_id)),
        ("synced_at".to_string(), s(e.synced_at.to_string())),
    ])
}

/// The item of a run entry.
pub(super) fn run_item(run: &RunEntry) -> Item {
    let counts = run.counts.iter().map(|(k, v)| (k.clone(), n(*v))).collect();
    let failures = run
        .failures
        .iter()
        .map(|f| {
            AttributeValue::M(HashMap::from([
                ("type".to_string(), s(&f.data_type)),
                ("error".to_string(), s(&f.error)),
            ]))
        })
        .collect();
    HashMap::from([
        ("pk".to_string(), s(RunEntry::PK)),
        ("sk".to_string(), s(run.sk())),
        ("run_id".to_string(), s(&run.run_id)),
        ("status".to_string(), s(&run.status)),
        ("window_start".to_string(), s(run.window_start.to_string())),
        ("window_end".to_string(), s(run.window_end.to_string())),
        ("started_at".to_string(), s(run.started_at.to_string())),
        ("finished_at".to_string(), s(run.finished_at.to_string())),
        ("duration_ms".to_string(), n(run.duration_ms)),
        ("counts".to_string(), AttributeValue::M(counts)),
        ("failures".to_string(), AttributeValue::L(failures)),
        ("objects_written".to_string(), n(run.objects_written)),
        ("notify_status".to_string(), s(&run.notify_status)),
    ])
}

pub(super) fn string(item: &Item, name: &str) -> anyhow::Result<String> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value.clone()),
        _ => anyhow::bail!("a ledger item has no string attribute `{name}`"),
    }
}

pub(super) fn number(item: &Item, name: &str) -> anyhow::Result<u64> {
    match item.get(name) {
        Some(AttributeValue::N(value)) => value
            .parse()
            .map_err(|_| anyhow::anyhow!("the ledger attribute `{name}` is not a count: {value}")),
        _ => anyhow::bail!("a ledger item has no number attribute `{name}`"),
    }
}

pub(super) fn parsed<T: std::str::FromStr>(item: &Item, name: &str) -> anyhow::Result<T> {
    let text = string(item, name)?;
    text.parse().map_err(|_| anyhow::anyhow!("the ledger attribute `{name}` is malformed: {text}"))
}

fn day_from_item(data_type: &str, item: &Item) -> anyhow::Result<DayEntry> {
    Ok(DayEntry {
        data_type: data_type.to_string(),
        day: parsed::<Date>(item, "sk")?,
        record_count: number(item, "record_count")?,
        object_key: string(item, "object_key")?,
        sha256: string(item, "sha256")?,
        bytes: number(item, "bytes")?,
        run_id: string(item, "run_id")?,
        synced_at: parsed::<Timestamp>(item, "synced_at")?,
    })
}

pub(super) fn run_from_item(item: &Item) -> anyhow::Result<RunEntry> {
    let counts = match item.get("counts") {
        Some(AttributeValue::M(map)) => map
            .iter()
            .map(|(k, v)| match v {
                AttributeValue::N(text) => text
                    .parse()
                    .map(|count| (k.clone(), count))
                    .map_err(|_| anyhow::anyhow!("a run's count for `{k}` is malformed: {text}")),
                _ => anyhow::bail!("a run's count for `{k}` is not a number"),
            })
            .collect::<anyhow::Result<_>>()?,
        _ => BTreeMap::new(),
    };
    let failures = match item.get("failures") {
        Some(AttributeValue::L(list)) => list
            .iter()
            .map(|value| match value {
                AttributeValue::M(map) => {
                    Ok(Failure { data_type: string(map, "type")?, error: string(map, "error")? })
                }
                _ => anyhow::bail!("a run's failure is not a map"),
            })
            .collect::<anyhow::Result<_>>()?,
        _ => Vec::new(),
    };
    Ok(RunEntry {
        run_id: string(item, "run_id")?,
        status: string(item, "status")?,
        window_start: parsed(item, "window_start")?,
        window_end: parsed(item, "window_end")?,
        started_at: parsed(item, "started_at")?,
        finished_at: parsed(item, "finished_at")?,
        duration_ms: number(item, "duration_ms")?,
        counts,
        failures,
        objects_written: number(item, "objects_written")?,
        notify_status: string(item, "notify_status")?,
        complete_types: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::error::{EXIT_USAGE, exit_code};

    #[test]
    fn unprocessed_items_back_off_exponentially_and_give_up() {
        assert_eq!(unprocessed_backoff(0), Some(Duration::from_millis(50)));
        assert_eq!(unprocessed_backoff(3), Some(Duration::from_millis(400)));
        assert_eq!(unprocessed_backoff(7), Some(Duration::from_secs(5)));
        assert_eq!(unprocessed_backoff(MAX_UNPROCESSED_RETRIES), None);
    }

    #[test]
    fn items_round_trip() {
        let run = RunEntry {
            run_id: "r1".into(),
            status: "partial".into(),
            window_start: date(2026, 2, 1),
            window_end: date(2026, 2, 7),
            started_at: "2026-02-07T06:00:00Z".parse().unwrap(),
            finished_at: "2026-02-07T06:00:03.5Z".parse().unwrap(),
            duration_ms: 3500,
            counts: BTreeMap::from([("daily_sleep".into(), 7), ("heartrate".into(), 0)]),
            failures: vec![Failure { data_type: "heartrate".into(), error: "HTTP 500".into() }],
            objects_written: 7,
            notify_status: "sent".into(),
            complete_types: Vec::new(),
        };
        let item = run_item(&run);
        assert_eq!(item["sk"], s("2026-02-07T06:00:00.000000000Z#r1"));
        assert_eq!(item["duration_ms"], AttributeValue::N("3500".into()));
        assert_eq!(run_from_item(&item).unwrap(), run);
        let day = DayEntry {
            data_type: "daily_sleep".into(),
            day: date(2026, 2, 3),
            record_count: 0,
            object_key: String::new(),
            sha256: String::new(),
            bytes: 0,
            run_id: "r1".into(),
            synced_at: "2026-02-07T06:00:01Z".parse().unwrap(),
        };
        let item = day_item(&day);
        assert_eq!((&item["pk"], &item["sk"]), (&s("oura#daily_sleep"), &s("2026-02-03")));
        assert_eq!(day_from_item("daily_sleep", &item).unwrap(), day);
    }

    #[test]
    fn a_missing_table_points_at_the_bootstrap_script() {
        let failure = CallFailure {
            status: Some(400),
            code: Some("ResourceNotFoundException".into()),
            detail: "x".into(),
        };
        let err = check_error("log", &failure);
        assert_eq!(exit_code(&err), EXIT_USAGE);
        let text = err.to_string();
        assert!(text.contains("`log`") && text.contains("scripts/aws-bootstrap.sh"), "{text}");
        let denied = CallFailure {
            status: Some(400),
            code: Some("AccessDeniedException".into()),
            detail: "x".into(),
        };
        assert!(check_error("log", &denied).to_string().contains("dynamodb:DescribeTable"));
    }
}
