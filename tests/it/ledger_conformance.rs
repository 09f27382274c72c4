//! The ledger conformance suite (the contract on [`Ledger`]), run on the local ledger, on a
//! pk/sk DynamoDB table, and on ingestion-log tables created as bio-lakehouse's
//! `bronze-stack.yaml` creates them (sort key a string, and a number), each pre-filled with
//! other tools' items that must survive every case untouched; and the DynamoDB-only checks:
//! the exact items of CONTRACT §5, health checks.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use jiff::civil::{Date, date};
use oura_sync::datatype::DataType;
use oura_sync::error::{EXIT_USAGE, exit_code};
use oura_sync::ledger::{
    DayEntry, DynamoLedger, Failure, IngestionLog, Ledger, Record, RunEntry, SortKey,
};
use oura_sync::store::LakeNames;
use oura_sync::store::layout::{BioLakehouse, Layout, join_prefix};
use oura_sync::window::Window;

use crate::aws_env;

/// The key of a (type, day) in the bio-lakehouse layout, the one the ingestion-log fixtures
/// name their objects in (the other backends take any key).
fn object_key(prefix: &str, data_type: DataType, day: Date) -> String {
    join_prefix(prefix, &BioLakehouse.key(data_type, day))
}

fn day(data_type: DataType, day: Date, record_count: u64, run_id: &str) -> DayEntry {
    let empty = record_count == 0;
    DayEntry {
        data_type: data_type.name().to_string(),
        day,
        record_count,
        object_key: if empty { String::new() } else { object_key("oura", data_type, day) },
        sha256: if empty { String::new() } else { format!("{:064x}", record_count) },
        bytes: record_count * 10,
        run_id: run_id.to_string(),
        synced_at: "2026-02-20T06:00:01Z".parse().unwrap(),
    }
}

fn run(run_id: &str, started_at: &str, status: &str) -> RunEntry {
    let started_at: Timestamp = started_at.parse().unwrap();
    RunEntry {
        run_id: run_id.to_string(),
        status: status.to_string(),
        window_start: date(2026, 2, 12),
        window_end: date(2026, 2, 18),
        started_at,
        finished_at: started_at + jiff::SignedDuration::from_millis(2500),
        duration_ms: 2500,
        counts: BTreeMap::from([("daily_sleep".into(), 7), ("heartrate".into(), 0)]),
        failures: if status == "success" {
            Vec::new()
        } else {
            vec![Failure { data_type: "heartrate".into(), error: "HTTP 500 from Oura".into() }]
        },
        objects_written: 7,
        notify_status: "none".into(),
        complete_types: Vec::new(),
    }
}

/// A successful run over `window` that fetched `complete` whole, with `counts`.
fn run_over(
    run_id: &str,
    started_at: &str,
    window: Window,
    counts: &[(&str, u64)],
    complete: &[&str],
) -> RunEntry {
    RunEntry {
        window_start: window.start,
        window_end: window.end,
        counts: counts.iter().map(|(t, c)| (t.to_string(), *c)).collect(),
        complete_types: complete.iter().map(|t| t.to_string()).collect(),
        ..run(run_id, started_at, "success")
    }
}

const STAMP: &str = "2026-02-20T06:00:01Z";

/// An empty ledger has no runs and no days.
async fn an_empty_ledger_has_nothing<L: Ledger>(ledger: &L) {
    assert!(ledger.recent_runs(5).await.unwrap().is_empty());
    let window = Window::new(date(2026, 1, 1), date(2026, 12, 31));
    assert!(ledger.days(DataType::DailySleep, window).await.unwrap().is_empty());
    assert_eq!(ledger.last_day_with_records(DataType::DailySleep).await.unwrap(), None);
    ledger.check().await.unwrap();
}

/// put_days upserts by (type, day): the last entry written wins, also within one call.
async fn day_entries_upsert_by_type_and_day<L: Ledger>(ledger: &L) {
    let d = date(2026, 2, 18);
    let w = Window::new(d, d);
    ledger.put_days(&[day(DataType::DailySleep, d, 3, "r1")], w).await.unwrap();
    ledger
        .put_days(
            &[day(DataType::DailySleep, d, 4, "r2"), day(DataType::DailySleep, d, 5, "r2")],
            w,
        )
        .await
        .unwrap();
    let days = ledger.days(DataType::DailySleep, Window::new(d, d)).await.unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[&d], day(DataType::DailySleep, d, 5, "r2"));
}

/// days() returns exactly the entries of its type whose day lies in the window (the empty
/// ones once their run is recorded), and more than one batch (25) of entries goes in at once.
async fn days_returns_exactly_the_window<L: Ledger>(ledger: &L) {
    let start = date(2026, 1, 1);
    let all: Vec<DayEntry> = (0..40)
        .map(|i| day(DataType::DailySleep, start + jiff::Span::new().days(i), (i % 3) as u64, "r1"))
        .chain([day(DataType::Sleep, date(2026, 1, 15), 9, "r1")])
        .collect();
    let fetched = Window::new(start, date(2026, 2, 9));
    ledger.put_days(&all, fetched).await.unwrap();
    let counts = [("daily_sleep", 39), ("sleep", 9)];
    ledger.put_run(&run_over("r1", STAMP, fetched, &counts, &["daily_sleep"])).await.unwrap();
    let window = Window::new(date(2026, 1, 10), date(2026, 1, 20));
    let days = ledger.days(DataType::DailySleep, window).await.unwrap();
    let wanted: BTreeMap<Date, DayEntry> = all
        .iter()
        .filter(|e| e.data_type == "daily_sleep" && window.contains(e.day))
        .map(|e| (e.day, e.clone()))
        .collect();
    assert_eq!(days, wanted);
    assert_eq!(days.len(), 11);
    let everything = Window::new(date(2025, 12, 1), date(2026, 3, 31));
    assert_eq!(ledger.days(DataType::DailySleep, everything).await.unwrap().len(), 40);
    assert_eq!(ledger.days(DataType::Sleep, everything).await.unwrap().len(), 1);
}

/// An empty day (0 records, no object) round-trips once its run is recorded, so "empty"
/// differs from "never synced"; a type the run did not fetch whole (skipped, failed) has no
/// empty days.
async fn empty_days_round_trip<L: Ledger>(ledger: &L) {
    let d = date(2026, 2, 1);
    let w = Window::new(d, d);
    let entry = day(DataType::Workout, d, 0, "r1");
    ledger.put_days(std::slice::from_ref(&entry), w).await.unwrap();
    ledger
        .put_run(&run_over("r1", STAMP, w, &[("workout", 0), ("tag", 0)], &["workout"]))
        .await
        .unwrap();
    let days = ledger.days(DataType::Workout, w).await.unwrap();
    assert_eq!(days[&d], entry);
    assert!(ledger.days(DataType::Tag, w).await.unwrap().is_empty());
}

/// recent_runs lists the newest runs first, at most `limit`, each exactly as recorded.
async fn runs_are_listed_newest_first<L: Ledger>(ledger: &L) {
    let runs = [
        run("b", "2026-02-18T06:00:00Z", "partial"),
        run("c", "2026-02-19T06:00:00Z", "success"),
        run("a", "2026-02-17T06:00:00Z", "success"),
        run("d", "2026-02-19T07:00:00Z", "failed"),
        run("e", "2026-02-16T06:00:00Z", "success"),
    ];
    for r in &runs {
        ledger.put_run(r).await.unwrap();
    }
    let recent = ledger.recent_runs(3).await.unwrap();
    let ids: Vec<_> = recent.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["d", "c", "b"]);
    assert_eq!(recent[0], runs[3]);
    assert_eq!(recent[2], runs[0]);
    assert_eq!(ledger.recent_runs(10).await.unwrap().len(), 5);
}

/// last_day_with_records finds the latest day holding records, past any number of later
/// empty days (the DynamoDB fixture reads 4 items a page, so this crosses pages).
async fn last_day_with_records_skips_empty_days<L: Ledger>(ledger: &L) {
    let start = date(2026, 3, 1);
    let entries: Vec<DayEntry> = (0..30)
        .map(|i| {
            day(DataType::Heartrate, start + jiff::Span::new().days(i), u64::from(i < 5), "r1")
        })
        .collect();
    let w = Window::new(start, date(2026, 3, 30));
    ledger.put_days(&entries, w).await.unwrap();
    let counts = [("heartrate", 5), ("sleep", 0)];
    let complete = ["heartrate", "sleep"];
    ledger.put_run(&run_over("r1", "2026-03-31T06:00:00Z", w, &counts, &complete)).await.unwrap();
    let last = ledger.last_day_with_records(DataType::Heartrate).await.unwrap().unwrap();
    assert_eq!(last, entries[4]);
    assert_eq!(ledger.last_day_with_records(DataType::Sleep).await.unwrap(), None);
}

/// Records: written, replaced, listed by name within their kind only, removed (twice without
/// error); ten names written at once are all kept (each is its own item, across pages of the
/// DynamoDB fixture's 4 items); they are neither runs nor days; a name that could leave its
/// kind (`../x`) is refused.
async fn records_round_trip_by_kind_and_name<L: Ledger>(ledger: &L) {
    assert!(ledger.records("webhook_pending").await.unwrap().is_empty());
    ledger.put_record("webhook_pending", "sleep.2026-12-01", r#"{"v":1}"#).await.unwrap();
    ledger.put_record("webhook_pending", "sleep.2026-12-01", r#"{"v":2}"#).await.unwrap();
    ledger.put_record("webhook_delivery", "sleep", r#"{"at":"x"}"#).await.unwrap();
    let writes = (0..10).map(|i| {
        let name = format!("workout.2026-11-{:02}", 20 - i);
        async move { ledger.put_record("webhook_pending", &name, &format!("{{\"i\":{i}}}")).await }
    });
    for result in futures_util::future::join_all(writes).await {
        result.unwrap();
    }
    let pending = ledger.records("webhook_pending").await.unwrap();
    let names: Vec<&str> = pending.iter().map(|r| r.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "records come by name");
    assert_eq!(names.len(), 11);
    assert_eq!(pending[0].name, "sleep.2026-12-01");
    assert_eq!(pending[0].body, r#"{"v":2}"#);
    assert_eq!(pending[10].name, "workout.2026-11-20");
    assert_eq!(pending[10].body, r#"{"i":0}"#);
    let delivered = ledger.records("webhook_delivery").await.unwrap();
    assert_eq!(delivered, [Record { name: "sleep".into(), body: r#"{"at":"x"}"#.into() }]);

    ledger.delete_record("webhook_pending", "sleep.2026-12-01").await.unwrap();
    ledger.delete_record("webhook_pending", "sleep.2026-12-01").await.unwrap();
    let pending = ledger.records("webhook_pending").await.unwrap();
    assert_eq!(pending.len(), 10);
    assert!(pending.iter().all(|r| r.name.starts_with("workout.")));
    assert_eq!(ledger.records("webhook_delivery").await.unwrap().len(), 1);

    assert!(ledger.recent_runs(10).await.unwrap().is_empty(), "records are not runs");
    assert!(ledger.last_day_with_records(DataType::Sleep).await.unwrap().is_none());
    assert!(ledger.put_record("webhook_pending", "../x", "{}").await.is_err());
    assert!(ledger.records("Bad Kind").await.is_err());
}

/// Runs every case of the suite on each backend, one test per (backend, case).
macro_rules! ledger_suite {
    ($($(#[$doc:meta])* $case:ident,)*) => {
        mod local {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let ledger = oura_sync::ledger::LocalLedger::for_lake(dir.path());
                    super::$case(&ledger).await;
                }
            )*
        }
        mod dynamodb {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let (ledger, _) = super::dynamo_ledger(stringify!($case)).await;
                    super::$case(&ledger).await;
                }
            )*
        }
        mod ingestion_log_string_sort_key {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let log = super::IngestionLogFixture::new(stringify!($case), SortKey::String).await;
                    super::$case(&log.ledger).await;
                    log.assert_foreign_items_untouched().await;
                }
            )*
            use oura_sync::ledger::SortKey;
        }
        mod ingestion_log_number_sort_key {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let log = super::IngestionLogFixture::new(stringify!($case), SortKey::Number).await;
                    super::$case(&log.ledger).await;
                    log.assert_foreign_items_untouched().await;
                }
            )*
            use oura_sync::ledger::SortKey;
        }
    };
}

ledger_suite! {
    /// Empty: a new ledger has no runs, no days, and passes its health check.
    an_empty_ledger_has_nothing,
    /// Upsert: the last day entry for a (type, day) wins, also within one put_days call.
    day_entries_upsert_by_type_and_day,
    /// Window: days() returns exactly that type's entries in the window (across batches).
    days_returns_exactly_the_window,
    /// Empty days: a 0-record entry round-trips with its empty key and checksum.
    empty_days_round_trip,
    /// Run order: newest first, limited, each run exactly as recorded.
    runs_are_listed_newest_first,
    /// Freshness: the last day with records, found past later empty days.
    last_day_with_records_skips_empty_days,
    /// Records: named JSON documents per kind, replaced, listed, removed, never lost.
    records_round_trip_by_kind_and_name,
}

/// A DynamoDB ledger in a fresh table, reading 4 items per backward page.
async fn dynamo_ledger(tag: &str) -> (DynamoLedger, oura_sync::aws::AwsClients) {
    let aws = aws_env::clients().await;
    let table = aws_env::new_table(&aws, tag).await;
    (DynamoLedger::new(aws.dynamodb.clone(), &table).with_page_size(4), aws)
}

/// The bucket the ingestion-log fixtures name their objects in.
pub const BRONZE_BUCKET: &str = "bio-lakehouse-bronze-123456789012";

/// An ingestion-log table created as `bronze-stack.yaml` creates it, holding other tools'
/// items: a Peloton object's, a `drift-alert:` one, and the S3 trigger's own item under the
/// URI of one of our objects (newer than anything a case writes), and a ledger on it reading 4
/// runs a page.
pub struct IngestionLogFixture {
    pub ledger: IngestionLog,
    pub aws: oura_sync::aws::AwsClients,
    pub foreign: Vec<std::collections::HashMap<String, AttributeValue>>,
}

impl IngestionLogFixture {
    pub async fn new(tag: &str, sort_key: SortKey) -> Self {
        let aws = aws_env::clients().await;
        let table = aws_env::new_ingestion_log_table(&aws, tag, sort_key).await;
        let foreign = aws_env::put_foreign_items(
            &aws,
            &table,
            sort_key,
            &format!(
                "s3://{BRONZE_BUCKET}/{}",
                object_key("oura", DataType::DailySleep, date(2026, 2, 18))
            ),
        )
        .await;
        let names = LakeNames::s3(BRONZE_BUCKET, "oura", std::sync::Arc::new(BioLakehouse));
        let ledger =
            IngestionLog::new(aws.dynamodb.clone(), &table, sort_key, names).with_page_size(4);
        Self { ledger, aws, foreign }
    }

    /// Every foreign item is still there, exactly as it was.
    pub async fn assert_foreign_items_untouched(&self) {
        aws_env::assert_items_present(&self.aws, self.ledger.table(), &self.foreign).await;
    }
}

fn attribute_names(item: &std::collections::HashMap<String, AttributeValue>) -> Vec<&str> {
    let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

/// DynamoDB items are exactly CONTRACT §5: the keys, every attribute, and its type (numbers
/// as N, `counts` a map of N, `failures` a list of {type, error} maps).
#[tokio::test]
async fn dynamodb_items_are_exactly_the_contract() {
    let (ledger, aws) = dynamo_ledger("items").await;
    let r = run("run-9", "2026-02-18T06:00:00Z", "partial");
    ledger.put_run(&r).await.unwrap();
    let w = Window::new(date(2026, 2, 12), date(2026, 2, 18));
    ledger.put_days(&[day(DataType::DailySleep, date(2026, 2, 18), 2, "run-9")], w).await.unwrap();

    let get = |pk: &str, sk: &str| {
        aws.dynamodb
            .get_item()
            .table_name(ledger.table())
            .key("pk", AttributeValue::S(pk.into()))
            .key("sk", AttributeValue::S(sk.into()))
            .consistent_read(true)
            .send()
    };
    let item = get("oura#run", "2026-02-18T06:00:00.000000000Z#run-9")
        .await
        .unwrap()
        .item
        .expect("run item");
    assert_eq!(
        attribute_names(&item),
        [
            "counts",
            "duration_ms",
            "failures",
            "finished_at",
            "notify_status",
            "objects_written",
            "pk",
            "run_id",
            "sk",
            "started_at",
            "status",
            "window_end",
            "window_start"
        ]
    );
    assert_eq!(item["duration_ms"], AttributeValue::N("2500".into()));
    assert_eq!(item["objects_written"], AttributeValue::N("7".into()));
    assert_eq!(item["window_start"], AttributeValue::S("2026-02-12".into()));
    assert_eq!(item["started_at"], AttributeValue::S("2026-02-18T06:00:00Z".into()));
    let AttributeValue::M(counts) = &item["counts"] else { panic!("counts is not a map") };
    assert_eq!(counts["daily_sleep"], AttributeValue::N("7".into()));
    let AttributeValue::L(failures) = &item["failures"] else { panic!("failures is not a list") };
    let AttributeValue::M(failure) = &failures[0] else { panic!("a failure is not a map") };
    assert_eq!(failure["type"], AttributeValue::S("heartrate".into()));
    assert_eq!(failure["error"], AttributeValue::S("HTTP 500 from Oura".into()));

    let item = get("oura#daily_sleep", "2026-02-18").await.unwrap().item.expect("day item");
    assert_eq!(
        attribute_names(&item),
        ["bytes", "object_key", "pk", "record_count", "run_id", "sha256", "sk", "synced_at"]
    );
    assert_eq!(item["record_count"], AttributeValue::N("2".into()));
    assert_eq!(item["bytes"], AttributeValue::N("20".into()));
    assert_eq!(item["synced_at"], AttributeValue::S("2026-02-20T06:00:01Z".into()));
}

/// DynamoDB health check: a missing table is a one-line usage error (exit 2) naming the
/// table and the bootstrap script.
#[tokio::test]
async fn dynamodb_a_missing_table_is_a_usage_error_naming_the_fix() {
    let aws = aws_env::clients().await;
    let table = aws_env::unique_name("never-created");
    let err = DynamoLedger::new(aws.dynamodb.clone(), &table).check().await.unwrap_err();
    assert_eq!(exit_code(&err), EXIT_USAGE, "{err:#}");
    let text = format!("{err:#}");
    assert!(text.contains(&format!("`{table}`")) && text.contains("does not exist"), "{text}");
    assert!(text.contains("scripts/aws-bootstrap.sh") && !text.contains('\n'), "{text}");
}

/// DynamoDB health check: a table without the string keys pk/sk is refused before use.
#[tokio::test]
async fn dynamodb_a_table_with_other_keys_is_refused() {
    let aws = aws_env::clients().await;
    let table = aws_env::new_table_with_keys(&aws, "other-keys", "id", None).await;
    let err = DynamoLedger::new(aws.dynamodb.clone(), &table).check().await.unwrap_err();
    assert_eq!(exit_code(&err), EXIT_USAGE);
    let text = err.to_string();
    assert!(text.contains("has the keys id (partition)"), "{text}");
    assert!(text.contains("pk (partition) and sk (sort)"), "{text}");
    assert!(text.contains("file_path") && text.contains("upload_timestamp"), "{text}");
    assert!(text.contains("scripts/aws-bootstrap.sh") && !text.contains('\n'), "{text}");
}

/// DynamoDB: a failed write (the table is gone) is an error with a one-line cause.
#[tokio::test]
async fn dynamodb_a_failed_write_reports_a_one_line_cause() {
    let aws = aws_env::clients().await;
    let ledger = DynamoLedger::new(aws.dynamodb.clone(), &aws_env::unique_name("gone"));
    let w = Window::new(date(2026, 1, 1), date(2026, 1, 1));
    let err =
        ledger.put_days(&[day(DataType::Sleep, date(2026, 1, 1), 1, "r")], w).await.unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("does not exist") && !text.contains('\n'), "{text}");
    let err = ledger.put_run(&run("r", "2026-01-01T00:00:00Z", "success")).await.unwrap_err();
    assert!(format!("{err:#}").contains("does not exist"), "{err:#}");
}

/// Ingestion log: the object item is exactly the replaced script's item plus our `day`,
/// `sha256`, `bytes` and `run_id` (numbers as N; the sort key a number or its digits, as the
/// table declares it), and the run item sits under `oura-sync:run` at the run's start with
/// `source` = `oura`, `data_type` = `run` and the run attributes of CONTRACT §5.
#[tokio::test]
async fn ingestion_log_items_are_the_scripts_items_plus_ours() {
    for sort_key in [SortKey::Number, SortKey::String] {
        let log = IngestionLogFixture::new("il-items", sort_key).await;
        let d = date(2026, 2, 18);
        let w = Window::new(date(2026, 2, 12), d);
        let entry = day(DataType::DailySleep, d, 2, "run-9");
        log.ledger.put_days(std::slice::from_ref(&entry), w).await.unwrap();
        let mut r = run("run-9", "2026-02-18T06:00:00.25Z", "partial");
        r.complete_types = vec!["daily_sleep".into()];
        log.ledger.put_run(&r).await.unwrap();

        let get = |file_path: &str, second: i64| {
            log.aws
                .dynamodb
                .get_item()
                .table_name(log.ledger.table())
                .key("file_path", AttributeValue::S(file_path.into()))
                .key("upload_timestamp", sort_key.value(second))
                .consistent_read(true)
                .send()
        };
        let uri = format!("s3://{BRONZE_BUCKET}/{}", object_key("oura", DataType::DailySleep, d));
        let synced = entry.synced_at.as_second();
        let item = get(&uri, synced).await.unwrap().item.expect("object item");
        assert_eq!(
            attribute_names(&item),
            [
                "bytes",
                "data_type",
                "date_range",
                "day",
                "file_path",
                "record_count",
                "run_id",
                "sha256",
                "source",
                "status",
                "upload_timestamp",
                "upload_timestamp_iso"
            ]
        );
        let s = |v: &str| AttributeValue::S(v.into());
        assert_eq!(item["source"], s("oura"));
        assert_eq!(item["data_type"], s("sleep"), "the folder of daily_sleep");
        assert_eq!(item["status"], s("completed"));
        assert_eq!(item["record_count"], AttributeValue::N("2".into()));
        assert_eq!(item["bytes"], AttributeValue::N("20".into()));
        assert_eq!(item["upload_timestamp_iso"], s("2026-02-20T06:00:01Z"));
        assert_eq!(item["date_range"], s("2026-02-12 to 2026-02-18"));
        assert_eq!(item["day"], s("2026-02-18"));

        let start = r.started_at.as_second();
        let item = get("oura-sync:run", start).await.unwrap().item.expect("run item");
        for name in [
            "run_id",
            "status",
            "window_start",
            "window_end",
            "started_at",
            "finished_at",
            "duration_ms",
            "counts",
            "failures",
            "objects_written",
            "notify_status",
        ] {
            assert!(item.contains_key(name), "the run item has no {name}");
        }
        assert_eq!(item["source"], s("oura"));
        assert_eq!(item["data_type"], s("run"));
        assert_eq!(item["started_at"], s("2026-02-18T06:00:00.25Z"));
        assert_eq!(item["types_complete"], AttributeValue::L(vec![s("daily_sleep")]));
        assert_eq!(log.ledger.recent_runs(1).await.unwrap(), vec![r]);
        log.assert_foreign_items_untouched().await;
    }
}

/// Ingestion log: two runs that start within the same second are both kept (the later one
/// takes the next second), newest first.
#[tokio::test]
async fn ingestion_log_runs_in_one_second_are_both_kept() {
    let log = IngestionLogFixture::new("il-same-second", SortKey::Number).await;
    let first = run("first", "2026-02-18T06:00:00.1Z", "success");
    let second = run("second", "2026-02-18T06:00:00.7Z", "failed");
    log.ledger.put_run(&first).await.unwrap();
    log.ledger.put_run(&second).await.unwrap();
    assert_eq!(log.ledger.recent_runs(5).await.unwrap(), vec![second, first]);
}

/// Ingestion log: bio-lakehouse's S3 trigger skips a `file_path` that has an item newer than
/// 300 s (`is_recently_processed`). Queried exactly as it queries (`file_path = :fp AND
/// upload_timestamp > :ts`, `:ts` a number, `Limit=1`), a number sort key finds the item of
/// an object just recorded; a string sort key refuses the numeric condition, as that Lambda's
/// query fails there (what the README says the trigger then does).
#[tokio::test]
async fn ingestion_log_the_triggers_duplicate_guard_sees_each_new_object() {
    for sort_key in [SortKey::Number, SortKey::String] {
        let log = IngestionLogFixture::new("il-guard", sort_key).await;
        let d = date(2026, 2, 18);
        let mut entry = day(DataType::DailyReadiness, d, 1, "r");
        entry.synced_at = Timestamp::now();
        log.ledger.put_days(std::slice::from_ref(&entry), Window::new(d, d)).await.unwrap();
        let uri = format!("s3://{BRONZE_BUCKET}/{}", entry.object_key);
        let cutoff = Timestamp::now().as_second() - 300;
        let answer = log
            .aws
            .dynamodb
            .query()
            .table_name(log.ledger.table())
            .key_condition_expression("file_path = :fp AND upload_timestamp > :ts")
            .expression_attribute_values(":fp", AttributeValue::S(uri))
            .expression_attribute_values(":ts", AttributeValue::N(cutoff.to_string()))
            .limit(1)
            .send()
            .await;
        match sort_key {
            SortKey::Number => assert_eq!(answer.unwrap().items().len(), 1),
            SortKey::String => {
                assert!(answer.is_err(), "a numeric condition on a string sort key was accepted")
            }
        }
    }
}

/// Ingestion log health check: both sort key types are recognised; DescribeTable's keys
/// decide the form.
#[tokio::test]
async fn ingestion_log_tables_are_recognised_by_their_keys() {
    use oura_sync::ledger::TableForm;
    let aws = aws_env::clients().await;
    for sort_key in [SortKey::Number, SortKey::String] {
        let table = aws_env::new_ingestion_log_table(&aws, "il-form", sort_key).await;
        let form = TableForm::describe(&aws.dynamodb, &table).await.unwrap();
        assert_eq!(form, TableForm::IngestionLog(sort_key));
    }
    let table = aws_env::new_table(&aws, "pksk-form").await;
    assert_eq!(TableForm::describe(&aws.dynamodb, &table).await.unwrap(), TableForm::PkSk);
}
