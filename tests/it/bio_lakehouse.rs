//! Dropping into bio-lakehouse's lake (`OURA_LAYOUT=bio-lakehouse`) end to end, against moto:
//! a versioned bronze bucket and `bio_ingestion_log` tables created as that project's
//! `bronze-stack.yaml` creates them (one with a string and one with a number sort key), each
//! holding other tools' items. The user's cron line changes only its program name
//! (`oura-sync sync 2026-11-23`, `.env.oura` as bio-lakehouse's example has it,
//! `BRONZE_BUCKET`).
//!
//! The Oura normalizer (`glue/oura_normalizer.py`) and the S3 trigger are not run here (they
//! need Glue and Spark); instead the lake is read exactly as the normalizer's
//! `read_bronze_json` reads it (list every `.json` key under `oura/readiness/`, `oura/sleep/`,
//! `oura/activity/`, parse each body as a JSON array or one object, flatten `id`, `day`,
//! `score`), and the ingestion log is queried exactly as the trigger's `is_recently_processed`
//! queries it (in `ledger_conformance`).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::AttributeValue;
use oura_sync::aws::AwsClients;
use oura_sync::ledger::SortKey;

use crate::aws_env::{self, Item};
use crate::common::*;

const DAYS: [&str; 7] = [
    "2026-11-17",
    "2026-11-18",
    "2026-11-19",
    "2026-11-20",
    "2026-11-21",
    "2026-11-22",
    "2026-11-23",
];

/// The folder the bio-lakehouse layout gives a type (written out here, not taken from the
/// code under test).
fn folder(data_type: &str) -> &str {
    match data_type {
        "daily_readiness" => "readiness",
        "daily_sleep" => "sleep",
        "daily_activity" => "activity",
        "daily_spo2" => "spo2",
        "sleep" => "sleep_periods",
        other => other,
    }
}

/// The bio-lakehouse lake a week of [`seed_every_type`] must give under `oura/`: every key
/// and its exact body (a JSON array, each record's bytes as served, one per line).
fn expected_bronze() -> BTreeMap<String, String> {
    expected_lake(&DAYS, "2026-11-23")
        .into_iter()
        .map(|(path, ndjson)| {
            let (data_type, rest) = path.split_once('/').unwrap();
            let day = &path[path.len() - 16..path.len() - 6];
            let partition = &rest[..rest.rfind('/').unwrap()];
            let f = folder(data_type);
            let lines: Vec<&str> = ndjson.lines().collect();
            (
                format!("oura/{f}/{partition}/{f}_{day}.json"),
                format!("[\n{}\n]\n", lines.join(",\n")),
            )
        })
        .collect()
}

/// A bronze bucket (versioned, as the template makes it), an ingestion-log table with other
/// tools' items in it, and a week of every type on the fake Oura server.
struct Bronze {
    env: TestEnv,
    aws: AwsClients,
    bucket: String,
    table: String,
    foreign: Vec<Item>,
}

impl Bronze {
    async fn new(tag: &str, sort_key: SortKey) -> Self {
        let aws = aws_env::clients().await;
        let bucket = aws_env::new_bucket(&aws, tag).await;
        aws.s3
            .put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let table = aws_env::new_ingestion_log_table(&aws, tag, sort_key).await;
        let ours = format!(
            "s3://{bucket}/oura/readiness/year=2026/month=11/day=23/readiness_2026-11-23.json"
        );
        let foreign = aws_env::put_foreign_items(&aws, &table, sort_key, &ours).await;
        let env = TestEnv::new();
        seed_every_type(&env.oura, &DAYS);
        // bio-lakehouse's .env.oura, as its .env.oura.example lists it.
        std::fs::write(
            env.dir.path().join(".env.oura"),
            format!(
                "OURA_CLIENT_ID=your-client-id-here\nOURA_CLIENT_SECRET=your-client-secret-here\n\
                 OURA_REDIRECT_URI=http://localhost:8080/callback\nOURA_ACCESS_TOKEN={TOKEN}\n"
            ),
        )
        .unwrap();
        Self { env, aws, bucket, table, foreign }
    }

    /// The replaced script's cron line with only the program name changed:
    /// `oura-sync sync 2026-11-23`, the bucket from `BRONZE_BUCKET`.
    fn sync(&self) -> std::process::Output {
        self.env
            .cmd()
            .env_remove("OURA_ACCESS_TOKEN")
            .env("BRONZE_BUCKET", &self.bucket)
            .env("OURA_LAYOUT", "bio-lakehouse")
            .env("OURA_DYNAMODB_TABLE", &self.table)
            .args(["sync", "2026-11-23"])
            .output()
            .unwrap()
    }

    async fn keys(&self, prefix: &str) -> Vec<String> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .aws
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .unwrap();
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_string)));
            match page.next_continuation_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        keys.sort();
        keys
    }

    async fn body(&self, key: &str) -> String {
        let object = self.aws.s3.get_object().bucket(&self.bucket).key(key).send().await.unwrap();
        String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap()
    }

    async fn versions(&self) -> usize {
        let listed = self.aws.s3.list_object_versions().bucket(&self.bucket).send().await.unwrap();
        listed.versions().len()
    }

    /// bio-lakehouse's documented monitoring query: a scan filtered on `source = oura`.
    async fn monitoring_scan(&self) -> Vec<Item> {
        let page = self
            .aws
            .dynamodb
            .scan()
            .table_name(&self.table)
            .filter_expression("#src = :source")
            .expression_attribute_names("#src", "source")
            .expression_attribute_values(":source", AttributeValue::S("oura".into()))
            .send()
            .await
            .unwrap();
        assert!(page.last_evaluated_key.is_none(), "the test table fits one scan page");
        page.items().to_vec()
    }

    /// The lake as the normalizer's `read_bronze_json` reads `oura/<folder>/`: every `.json`
    /// key under it, each body a JSON array (or one object) of records, flattened to
    /// (`id`, `day`, `score`).
    async fn normalizer_rows(&self, folder: &str) -> Vec<(String, String, String)> {
        let mut rows = Vec::new();
        for key in self.keys(&format!("oura/{folder}/")).await {
            if !key.ends_with(".json") {
                continue;
            }
            let data: serde_json::Value = serde_json::from_str(&self.body(&key).await).unwrap();
            let records = match data {
                serde_json::Value::Array(records) => records,
                one => vec![one],
            };
            let text = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            for r in records {
                rows.push((text(&r["id"]), text(&r["day"]), text(&r["score"])));
            }
        }
        rows
    }
}

/// Every item of `table` (a test's own table, so a scan is fine here).
async fn scan_all(aws: &AwsClients, table: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = aws
            .dynamodb
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("scan");
        items.extend(page.items().iter().cloned());
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return items,
        }
    }
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

/// A week in the bio-lakehouse layout, on a table of each sort key type: every key and body
/// byte for byte (a JSON array of exactly that day's records), JSON content type, AES256, the
/// metadata; one object item per object and one run item, as the monitoring scan shows them;
/// the other tools' items untouched; one manifest naming each folder; the normalizer's read
/// finds every record of the window once. A second run writes no object, no object version,
/// no object item and no manifest.
#[tokio::test]
async fn a_week_drops_into_the_bio_lakehouse_bucket_and_table() {
    for sort_key in [SortKey::String, SortKey::Number] {
        let t = Bronze::new("bio-week", sort_key).await;
        let out = t.sync();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(!stdout(&out).contains(TOKEN) && !stderr(&out).contains(TOKEN));

        let expected = expected_bronze();
        let keys = t.keys("oura/").await;
        let (manifests, data): (Vec<String>, Vec<String>) =
            keys.into_iter().partition(|k| k.starts_with("oura/_manifests/"));
        assert_eq!(data, expected.keys().cloned().collect::<Vec<_>>());
        for (key, body) in &expected {
            assert_eq!(&t.body(key).await, body, "{key}");
            let records: Vec<serde_json::Value> = serde_json::from_str(body).unwrap();
            assert!(!records.is_empty());
            let head = t.aws.s3.head_object().bucket(&t.bucket).key(key).send().await.unwrap();
            assert_eq!(head.content_type(), Some("application/json"), "{key}");
            assert_eq!(
                head.server_side_encryption(),
                Some(&aws_sdk_s3::types::ServerSideEncryption::Aes256)
            );
            let meta = head.metadata().unwrap();
            assert_eq!(meta["record-count"], records.len().to_string(), "{key}");
            assert_eq!(meta["sha256"], oura_sync::store::sha256_hex(body.as_bytes()));
        }

        // The monitoring scan: one item per object, plus the run.
        let items = t.monitoring_scan().await;
        let (runs, objects): (Vec<&Item>, Vec<&Item>) =
            items.iter().partition(|i| s(i, "data_type") == "run");
        assert_eq!(runs.len(), 1);
        assert_eq!(objects.len(), expected.len());
        let run_id = s(runs[0], "run_id");
        assert_eq!(s(runs[0], "file_path"), "oura-sync:run");
        assert_eq!(s(runs[0], "status"), "success");
        assert_eq!(n(runs[0], "objects_written"), expected.len() as u64);
        for item in &objects {
            let uri = s(item, "file_path");
            let key = uri.strip_prefix(&format!("s3://{}/", t.bucket)).expect("an s3 URI");
            let body = &expected[key];
            let records: Vec<serde_json::Value> = serde_json::from_str(body).unwrap();
            assert_eq!(s(item, "data_type"), key.split('/').nth(1).unwrap());
            assert_eq!(s(item, "status"), "completed");
            assert_eq!(n(item, "record_count"), records.len() as u64);
            assert_eq!(n(item, "bytes"), body.len() as u64);
            assert_eq!(s(item, "sha256"), oura_sync::store::sha256_hex(body.as_bytes()));
            assert_eq!(s(item, "date_range"), "2026-11-17 to 2026-11-23");
            assert_eq!(s(item, "run_id"), run_id);
            assert!(key.contains(&s(item, "day")), "{key}");
            assert!(s(item, "upload_timestamp_iso").ends_with('Z'));
            match (&item["upload_timestamp"], sort_key) {
                (AttributeValue::N(_), SortKey::Number)
                | (AttributeValue::S(_), SortKey::String) => {}
                (other, _) => panic!("upload_timestamp {other:?} on a {sort_key:?} table"),
            }
        }
        aws_env::assert_items_present(&t.aws, &t.table, &t.foreign).await;
        assert!(!format!("{:?}", scan_all(&t.aws, &t.table).await).contains(TOKEN));

        // One manifest, for the trigger.
        assert_eq!(manifests, [format!("oura/_manifests/{run_id}_manifest.json")]);
        let manifest: serde_json::Value =
            serde_json::from_str(&t.body(&manifests[0]).await).unwrap();
        assert_eq!(manifest["batch_id"], run_id.as_str());
        assert_eq!(manifest["file_count"], expected.len());
        let folders: BTreeSet<String> =
            expected.keys().map(|k| format!("oura/{}", k.split('/').nth(1).unwrap())).collect();
        assert_eq!(manifest["source_types"], serde_json::json!(folders));
        assert_eq!(manifest["window_start"], "2026-11-17");
        assert_eq!(manifest["window_end"], "2026-11-23");

        // The normalizer's read: every record of the window, once.
        for (folder, kind) in
            [("readiness", "daily_readiness"), ("sleep", "daily_sleep"), ("activity", "")]
        {
            let rows = t.normalizer_rows(folder).await;
            let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
            let wanted: Vec<String> = DAYS
                .iter()
                .map(|d| if kind.is_empty() { format!("act-{d}") } else { format!("{kind}-{d}") })
                .collect();
            assert_eq!(ids, wanted, "{folder}");
            for (row, day) in rows.iter().zip(DAYS) {
                assert_eq!(row.1, day);
                assert_eq!(row.2, if kind.is_empty() { "" } else { "80" });
            }
        }

        // Again: nothing to write, nothing new but the run item.
        let versions = t.versions().await;
        let again = t.sync();
        assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
        assert_eq!(t.versions().await, versions, "a needless put made a new version");
        assert_eq!(
            t.keys("oura/_manifests/").await.len(),
            1,
            "a run that wrote nothing has no manifest"
        );
        let items = t.monitoring_scan().await;
        assert_eq!(items.len(), expected.len() + 2, "the second run adds its run item only");
        aws_env::assert_items_present(&t.aws, &t.table, &t.foreign).await;
    }
}

/// The objects the replaced script left (`readiness_<timestamp>.json`, a week in one
/// partition) are left alone, and the normalizer's dedup on `id` reads each record once.
#[tokio::test]
async fn the_replaced_scripts_objects_stay_and_the_normalizers_dedup_absorbs_them() {
    let t = Bronze::new("bio-legacy", SortKey::Number).await;
    let legacy = "oura/readiness/year=2026/month=11/day=22/readiness_20261123_090012.json";
    let week: Vec<String> = DAYS[..6].iter().map(|d| daily("daily_readiness", d)).collect();
    let legacy_body = format!("[{}]", week.join(","));
    t.aws
        .s3
        .put_object()
        .bucket(&t.bucket)
        .key(legacy)
        .body(legacy_body.clone().into_bytes().into())
        .send()
        .await
        .unwrap();
    let out = t.sync();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(t.body(legacy).await, legacy_body);
    let rows = t.normalizer_rows("readiness").await;
    assert_eq!(rows.len(), 7 + 6, "ours and the script's, before the dedup");
    let distinct: BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(distinct.len(), 7, "after the dedup on id, each record once");
}

/// A table keyed any other way is exit 2, naming both forms and the bootstrap script, before
/// any Oura request; nothing is written to the bucket or the table.
#[tokio::test]
async fn a_table_with_other_keys_exits_2_having_written_nothing() {
    let aws = aws_env::clients().await;
    let bucket = aws_env::new_bucket(&aws, "bio-other-keys").await;
    let table = aws_env::new_table_with_keys(&aws, "bio-other-keys", "id", Some("ts")).await;
    let env = TestEnv::new();
    seed_every_type(&env.oura, &DAYS);
    let out = env
        .cmd()
        .env("BRONZE_BUCKET", &bucket)
        .env("OURA_LAYOUT", "bio-lakehouse")
        .env("OURA_DYNAMODB_TABLE", &table)
        .args(["sync", "2026-11-23"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("pk (partition) and sk (sort)") && err.contains("file_path"), "{err}");
    assert!(err.contains("scripts/aws-bootstrap.sh"), "{err}");
    assert_eq!(env.oura.request_count(), 0);
    let listed = aws.s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert!(listed.contents().is_empty());
    assert!(scan_all(&aws, &table).await.is_empty());
}

/// `status` says which layout and ledger form the lake uses.
#[tokio::test]
async fn status_shows_the_layout_and_the_ledger_form() {
    let t = Bronze::new("bio-status", SortKey::String).await;
    assert_eq!(t.sync().status.code(), Some(0));
    let out = t
        .env
        .cmd()
        .env("BRONZE_BUCKET", &t.bucket)
        .env("OURA_LAYOUT", "bio-lakehouse")
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["layout"], "bio-lakehouse");
    assert_eq!(status["ledger_form"], "ingestion-log");
    assert_eq!(status["runs"].as_array().unwrap().len(), 1);
    let readiness = &status["types"]["daily_readiness"];
    assert_eq!(readiness["last_day"]["day"], "2026-11-23");
    assert_eq!(readiness["last_day"]["record_count"], 1);
    let text = t
        .env
        .cmd()
        .env("BRONZE_BUCKET", &t.bucket)
        .env("OURA_LAYOUT", "bio-lakehouse")
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .arg("status")
        .output()
        .unwrap();
    let text = stdout(&text);
    assert!(text.contains("Layout: bio-lakehouse"), "{text}");
    assert!(text.contains("ingestion log"), "{text}");
}

/// A local lake with an ingestion-log table: items name objects `file://` + the lake's
/// absolute path. Synced in the default layout, a run in the bio-lakehouse one is refused
/// (exit 2, nothing written: the lake records its layout); `migrate --layout bio-lakehouse`
/// moves every object to the new keys (each recorded under its `file://` path), and the next
/// bio-lakehouse run writes nothing.
#[tokio::test]
async fn a_local_lake_switching_layouts_migrates_and_names_files_by_path() {
    let aws = aws_env::clients().await;
    let table = aws_env::new_ingestion_log_table(&aws, "bio-switch", SortKey::Number).await;
    let env = TestEnv::new();
    seed_every_type(&env.oura, &DAYS);
    let sync = |layout: &str| {
        env.cmd()
            .env("OURA_DYNAMODB_TABLE", &table)
            .env("OURA_LAYOUT", layout)
            .args(["sync", "2026-11-23", "--json"])
            .output()
            .unwrap()
    };
    let out = sync("hive-ndjson");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let hive = lake_contents(&env);
    assert_eq!(hive, expected_lake(&DAYS, "2026-11-23"));
    let out = sync("bio-lakehouse");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("oura-sync migrate --layout bio-lakehouse"), "{}", stderr(&out));
    assert_eq!(lake_contents(&env), hive, "a refused run wrote");

    let migrate = env
        .cmd()
        .env("OURA_DYNAMODB_TABLE", &table)
        .args(["migrate", "--layout", "bio-lakehouse"])
        .output()
        .unwrap();
    assert_eq!(migrate.status.code(), Some(0), "{}", stderr(&migrate));
    let moved = lake_contents(&env);
    for (key, body) in expected_bronze() {
        assert_eq!(&moved[key.strip_prefix("oura/").unwrap()], &body, "{key}");
    }
    assert_eq!(moved.len(), hive.len(), "no object of the old layout left");

    let root = std::fs::canonicalize(env.lake()).unwrap();
    let items = scan_all(&aws, &table).await;
    let paths: Vec<String> = items
        .iter()
        .filter(|i| !["run", "lake"].contains(&s(i, "data_type").as_str()))
        .map(|i| s(i, "file_path"))
        .collect();
    let base = format!("file://{}/", root.display());
    assert!(paths.iter().all(|p| p.starts_with(&base)), "{:?}", &paths[..2]);
    assert!(
        paths.contains(&format!(
            "{base}readiness/year=2026/month=11/day=23/readiness_2026-11-23.json"
        ))
    );

    let again = sync("bio-lakehouse");
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["objects_written"], 0, "{}", stderr(&again));
    assert_eq!(lake_contents(&env).len(), moved.len(), "no manifest for a run that wrote nothing");
}

/// In the bio-lakehouse layout too, a heart-rate day fetched again with fewer samples keeps
/// the samples the lake holds: the stored JSON array is read back record by record.
#[test]
fn a_smaller_answer_keeps_the_held_records_in_this_layout() {
    let env = TestEnv::new();
    let day = "2026-11-23";
    let times = ["00:00:00", "06:30:00", "23:55:00"];
    env.oura.add("heartrate", times.map(|t| sample(&format!("{day}T{t}+00:00"), 60, "rest")));
    let sync = || {
        env.cmd()
            .env("OURA_LAYOUT", "bio-lakehouse")
            .args(["sync", day, "--days", "1", "--types", "heartrate"])
            .output()
            .unwrap()
    };
    assert_eq!(sync().status.code(), Some(0));
    let path = env.lake().join(format!("heartrate/year=2026/month=11/day=23/heartrate_{day}.json"));
    let first = std::fs::read_to_string(&path).unwrap();
    env.oura.replace("heartrate", [sample(&format!("{day}T06:30:00+00:00"), 60, "rest")]);
    let out = sync();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), first, "the held samples were dropped");
    let records: Vec<serde_json::Value> = serde_json::from_str(&first).unwrap();
    assert_eq!(records.len(), 3);
}
