//! `oura-sync sync` end to end into S3 and DynamoDB (moto), against the fake Oura server:
//! the lake's keys, bodies, headers and metadata, the ledger's items, a second run that
//! uploads nothing, health checks before any Oura request, and S3 failing halfway.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use oura_sync::aws::AwsClients;
use oura_sync::store::sha256_hex;

use crate::aws_env::{self, FailingS3Proxy};
use crate::common::*;

const DAYS: [&str; 3] = ["2026-11-21", "2026-11-22", "2026-11-23"];
const TYPES: &str = "daily_sleep,heartrate,workout";

type Item = HashMap<String, AttributeValue>;

/// A test environment with a fresh bucket and ledger table, and data for three days:
/// `daily_sleep` and `heartrate` (3 samples) every day, one `workout` on the middle day.
struct AwsSync {
    env: TestEnv,
    aws: AwsClients,
    bucket: String,
    table: String,
}

impl AwsSync {
    async fn new(tag: &str) -> Self {
        let aws = aws_env::clients().await;
        let bucket = aws_env::new_bucket(&aws, tag).await;
        let table = aws_env::new_table(&aws, tag).await;
        let env = TestEnv::new();
        env.oura.add("daily_sleep", DAYS.iter().map(|d| daily("daily_sleep", d)));
        env.oura.add(
            "heartrate",
            DAYS.iter().flat_map(|d| {
                ["00:00:00", "06:30:00", "23:55:00"]
                    .map(|t| sample(&format!("{d}T{t}+00:00"), 60, "rest"))
            }),
        );
        env.oura.add("workout", [daily("workout", "2026-11-22")]);
        Self { env, aws, bucket, table }
    }

    /// `sync` of the three days into `s3://<bucket>/oura` with the table as the ledger.
    fn sync(&self, extra: &[&str]) -> std::process::Output {
        let dest = format!("s3://{}/oura", self.bucket);
        let mut args = vec!["sync", "2026-11-23", "--days", "3", "--types", TYPES, "--dest", &dest];
        args.extend_from_slice(extra);
        self.env.cmd().env("OURA_DYNAMODB_TABLE", &self.table).args(&args).output().unwrap()
    }

    async fn keys(&self) -> Vec<String> {
        let listed = self.aws.s3.list_objects_v2().bucket(&self.bucket).send().await.unwrap();
        let mut keys: Vec<String> =
            listed.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect();
        keys.sort();
        keys
    }

    async fn body(&self, key: &str) -> String {
        let object = self.aws.s3.get_object().bucket(&self.bucket).key(key).send().await.unwrap();
        String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap()
    }

    async fn items(&self, pk: &str) -> Vec<Item> {
        let page = self
            .aws
            .dynamodb
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        page.items().to_vec()
    }
}

fn key(data_type: &str, day: &str) -> String {
    let (y, m, d) = (&day[..4], &day[5..7], &day[8..10]);
    format!("oura/{data_type}/year={y}/month={m}/day={d}/{data_type}_{day}.jsonl")
}

fn s(item: &Item, name: &str) -> String {
    match &item[name] {
        AttributeValue::S(value) => value.clone(),
        other => panic!("{name} is not a string: {other:?}"),
    }
}

fn n(item: &Item, name: &str) -> u64 {
    match &item[name] {
        AttributeValue::N(value) => value.parse().unwrap(),
        other => panic!("{name} is not a number: {other:?}"),
    }
}

/// The expected body of every (type, day) object of the seeded data.
fn expected_bodies() -> BTreeMap<String, String> {
    let mut bodies = BTreeMap::new();
    for day in DAYS {
        bodies.insert(key("daily_sleep", day), daily("daily_sleep", day) + "\n");
        let samples: String = ["00:00:00", "06:30:00", "23:55:00"]
            .map(|t| sample(&format!("{day}T{t}+00:00"), 60, "rest") + "\n")
            .concat();
        bodies.insert(key("heartrate", day), samples);
    }
    bodies.insert(key("workout", "2026-11-22"), daily("workout", "2026-11-22") + "\n");
    bodies
}

/// A sync into S3 writes exactly one object per (type, day) with records, under the
/// destination prefix, with the exact NDJSON bytes, the content type, AES256 encryption and
/// the metadata record-count/sha256/run-id; it records the run item and one day item per
/// (type, day), empty days included; a second run uploads nothing and exits 0.
#[tokio::test]
async fn a_sync_into_s3_writes_the_lake_and_the_ledger_and_a_second_run_uploads_nothing() {
    let t = AwsSync::new("e2e").await;
    let out = t.sync(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains(TOKEN) && !stdout(&out).contains(TOKEN));

    let bodies = expected_bodies();
    assert_eq!(t.keys().await, bodies.keys().cloned().collect::<Vec<_>>());
    let runs = t.items("oura#run").await;
    assert_eq!(runs.len(), 1);
    let run_id = s(&runs[0], "run_id");
    for (key, body) in &bodies {
        assert_eq!(&t.body(key).await, body, "{key}");
        let head = t.aws.s3.head_object().bucket(&t.bucket).key(key).send().await.unwrap();
        assert_eq!(head.content_type(), Some("application/x-ndjson"), "{key}");
        assert_eq!(
            head.server_side_encryption(),
            Some(&aws_sdk_s3::types::ServerSideEncryption::Aes256)
        );
        let meta = head.metadata().unwrap();
        assert_eq!(meta["record-count"], body.lines().count().to_string(), "{key}");
        assert_eq!(meta["sha256"], sha256_hex(body.as_bytes()), "{key}");
        assert_eq!(meta["run-id"], run_id, "{key}");
    }

    let run = &runs[0];
    // `<started_at>#<run_id>`, the time written with nine decimals so that runs sort.
    let sk = s(run, "sk");
    let (time, id) = sk.split_once('#').unwrap();
    assert_eq!(id, run_id);
    assert_eq!(
        time.parse::<jiff::Timestamp>().unwrap(),
        s(run, "started_at").parse::<jiff::Timestamp>().unwrap()
    );
    assert_eq!(s(run, "status"), "success");
    assert_eq!((s(run, "window_start"), s(run, "window_end")), (DAYS[0].into(), DAYS[2].into()));
    assert_eq!(n(run, "objects_written"), 7);
    let AttributeValue::M(counts) = &run["counts"] else { panic!("counts") };
    assert_eq!(counts["heartrate"], AttributeValue::N("9".into()));
    assert_eq!(counts["workout"], AttributeValue::N("1".into()));
    assert_eq!(run["failures"], AttributeValue::L(vec![]));

    let days = t.items("oura#heartrate").await;
    assert_eq!(days.iter().map(|d| s(d, "sk")).collect::<Vec<_>>(), DAYS);
    for day in &days {
        let key = key("heartrate", &s(day, "sk"));
        assert_eq!(s(day, "object_key"), key);
        assert_eq!(s(day, "sha256"), sha256_hex(bodies[&key].as_bytes()));
        assert_eq!(n(day, "bytes"), bodies[&key].len() as u64);
        assert_eq!((n(day, "record_count"), s(day, "run_id")), (3, run_id.clone()));
    }
    let workouts = t.items("oura#workout").await;
    let counts: Vec<u64> = workouts.iter().map(|d| n(d, "record_count")).collect();
    assert_eq!(counts, [0, 1, 0], "empty days are recorded as empty");
    assert_eq!(s(&workouts[0], "object_key"), "");

    // Second run: the ledger's checksums match, so nothing is uploaded or rewritten.
    let out = t.sync(&["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["objects_written"], 0);
    assert_eq!(report["destination"], format!("s3://{}/oura", t.bucket));
    assert_eq!(report["types"]["heartrate"]["days_unchanged"], 3);
    for key in bodies.keys() {
        let head = t.aws.s3.head_object().bucket(&t.bucket).key(key).send().await.unwrap();
        assert_eq!(head.metadata().unwrap()["run-id"], run_id, "{key} was rewritten");
    }
    assert_eq!(t.items("oura#run").await.len(), 2);
    assert!(t.items("oura#heartrate").await.iter().all(|d| s(d, "run_id") == run_id));
}

/// A missing bucket stops the sync before any Oura request: exit 2, one line naming the
/// bucket and the bootstrap script, nothing in the ledger.
#[tokio::test]
async fn a_missing_bucket_exits_2_before_any_oura_request() {
    let t = AwsSync::new("no-bucket").await;
    let missing = aws_env::unique_name("missing");
    let out = t
        .env
        .cmd()
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .args(["sync", "--dest", &format!("s3://{missing}/oura")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("`{missing}` does not exist")), "{err}");
    assert!(err.contains("scripts/aws-bootstrap.sh"), "{err}");
    assert_eq!(t.env.oura.request_count(), 0);
    assert!(t.items("oura#run").await.is_empty());
}

/// A missing ledger table stops the sync before any Oura request: exit 2, naming the table
/// and the bootstrap script, nothing in the lake.
#[tokio::test]
async fn a_missing_table_exits_2_before_any_oura_request() {
    let t = AwsSync::new("no-table").await;
    let missing = aws_env::unique_name("missing");
    let out = t
        .env
        .cmd()
        .env("OURA_DYNAMODB_TABLE", &missing)
        .args(["sync", "--dest", &format!("s3://{}/oura", t.bucket)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("`{missing}`")) && err.contains("aws-bootstrap.sh"), "{err}");
    assert_eq!(t.env.oura.request_count(), 0);
    assert!(t.keys().await.is_empty());
}

/// An S3 destination without OURA_DYNAMODB_TABLE is a usage error (exit 2) before any Oura
/// request, and so is an unknown OURA_S3_SSE.
#[tokio::test]
async fn an_s3_lake_needs_a_table_and_a_known_encryption() {
    let t = AwsSync::new("no-setting").await;
    let dest = format!("s3://{}/oura", t.bucket);
    let out = t.env.cmd().args(["sync", "--dest", &dest]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("needs OURA_DYNAMODB_TABLE"), "{}", stderr(&out));
    let out = t
        .env
        .cmd()
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .env("OURA_S3_SSE", "rot13")
        .args(["sync", "--dest", &dest])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("OURA_S3_SSE `rot13`"), "{}", stderr(&out));
    assert_eq!(t.env.oura.request_count(), 0);
}

/// S3 failing halfway (every PutObject after the first 3 gets a 500) leaves a correct lake
/// and ledger: each stored object is whole and right, each day item with records points at
/// a stored object with its checksum, no day item claims a failed day, the run is recorded
/// with its failures, and the exit code is 1. A later run with S3 healthy writes exactly
/// the missing objects and exits 0.
#[tokio::test]
async fn s3_failing_halfway_leaves_a_correct_lake_and_ledger() {
    let t = AwsSync::new("halfway").await;
    let proxy = FailingS3Proxy::start(3);
    let dest = format!("s3://{}/oura", t.bucket);
    let out = t
        .env
        .cmd()
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .env("AWS_ENDPOINT_URL_S3", &proxy.url)
        // One attempt per request, so the count of stored objects is exact.
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["sync", "2026-11-23", "--days", "3", "--types", TYPES, "--dest", &dest])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(proxy.refused_puts(), 4, "7 objects, 3 stored");
    let summary = stdout(&out);
    assert!(summary.contains("InternalError"), "{summary}");

    let bodies = expected_bodies();
    let stored = t.keys().await;
    assert_eq!(stored.len(), 3);
    for key in &stored {
        assert_eq!(t.body(key).await, bodies[key], "{key}");
    }
    for data_type in ["daily_sleep", "heartrate", "workout"] {
        for day in t.items(&format!("oura#{data_type}")).await {
            if n(&day, "record_count") > 0 {
                let key = s(&day, "object_key");
                assert!(stored.contains(&key), "the ledger claims {key}, which S3 does not hold");
                assert_eq!(s(&day, "sha256"), sha256_hex(bodies[&key].as_bytes()));
            }
        }
    }
    let runs = t.items("oura#run").await;
    assert_eq!(runs.len(), 1);
    assert!(["partial", "failed"].contains(&s(&runs[0], "status").as_str()));
    let AttributeValue::L(failures) = &runs[0]["failures"] else { panic!("failures") };
    assert!(!failures.is_empty());
    for failure in failures {
        let AttributeValue::M(failure) = failure else { panic!("a failure is a map") };
        let error = s(failure, "error");
        assert!(error.contains("InternalError") && !error.contains('\n'), "{error}");
    }

    // S3 is back: the next run writes exactly the four missing objects.
    let out = t.sync(&["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["objects_written"], 4);
    assert_eq!(t.keys().await, bodies.keys().cloned().collect::<Vec<_>>());
    for (key, body) in &bodies {
        assert_eq!(&t.body(key).await, body, "{key}");
    }
}

/// `status` reads an S3 lake's DynamoDB ledger: the run and each type's last day.
#[tokio::test]
async fn status_reads_the_dynamodb_ledger() {
    let t = AwsSync::new("status").await;
    assert_eq!(t.sync(&[]).status.code(), Some(0));
    let out = t
        .env
        .cmd()
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .args(["status", "--json", "--dest", &format!("s3://{}/oura", t.bucket)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["ledger"], format!("DynamoDB table {}", t.table));
    assert_eq!(status["runs"].as_array().unwrap().len(), 1);
    let workout = status["types"].as_array().unwrap().iter().find(|t| t["type"] == "workout");
    assert_eq!(workout.unwrap()["last_day"]["day"], "2026-11-22");
}

/// A record that cannot be filed goes, through the same store as the lake, to
/// `<prefix>/_rejected/<type>/<run_id>.jsonl` in the bucket, whole and with its reason; the
/// good records are written as always, the type fails, and the exit code is 1.
#[tokio::test]
async fn a_record_that_cannot_be_filed_is_quarantined_in_the_bucket() {
    let t = AwsSync::new("quarantine").await;
    let bad = r#"{"id":"x","day":null,"score":3}"#;
    t.env.oura.serve_once("daily_sleep", [bad.to_string()]);
    let out = t.sync(&["--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run_id = report["run_id"].as_str().unwrap();
    let key = format!("oura/_rejected/daily_sleep/{run_id}.jsonl");
    assert_eq!(report["types"]["daily_sleep"]["quarantine"], key);
    assert_eq!(report["types"]["daily_sleep"]["records"], 3);
    assert_eq!(
        t.body(&key).await,
        format!(
            "{{\"reason\":\"a daily_sleep record has no usable `day` (missing or null)\",\"record\":{bad}}}\n"
        )
    );
    let bodies = expected_bodies();
    let mut keys: Vec<String> = bodies.keys().cloned().collect();
    keys.push(key);
    keys.sort();
    assert_eq!(t.keys().await, keys);
    for (key, body) in &bodies {
        assert_eq!(&t.body(key).await, body, "{key}");
    }
}
