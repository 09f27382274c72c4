//! `oura-sync sync` end to end into S3 and DynamoDB (moto), against the fake Oura server:
//! the lake's keys, bodies, headers and metadata, the ledger's items, a second run that
//! uploads nothing, health checks before any Oura request, and S3 failing halfway.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

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
    assert_eq!(status["types"]["workout"]["last_day"]["day"], "2026-11-22");
}

/// The AWS credential chain includes `credential_process`: a profile whose process prints the
/// emulator's keys syncs into S3 (bronze, ledger and S3 silver) with no keys in the
/// environment, and the process ran exactly once for the whole run: a process that prompts
/// (a password manager, an MFA code) asks the user once, not once per client or backend.
#[tokio::test]
async fn a_credential_process_profile_syncs_with_no_keys_in_the_environment() {
    let t = AwsSync::new("cred-process").await;
    let dir = t.env.dir.path();
    let marker = dir.join("process-ran");
    let script = dir.join("print-keys.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho ran >> '{}'\necho '{{\"Version\": 1, \"AccessKeyId\": \"test\", \"SecretAccessKey\": \"test\"}}'\n",
            marker.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = dir.join("aws-config");
    std::fs::write(
        &config,
        format!("[profile proc]\nregion = us-east-1\ncredential_process = {}\n", script.display()),
    )
    .unwrap();
    let dest = format!("s3://{}/oura", t.bucket);
    let out = t
        .env
        .cmd()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_PROFILE", "proc")
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .env("OURA_SILVER_DESTINATION", format!("s3://{}/silver", t.bucket))
        .args(["sync", "2026-11-23", "--days", "3", "--types", TYPES, "--dest", &dest])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let runs = std::fs::read_to_string(&marker).expect("the credential_process never ran");
    assert_eq!(
        runs.lines().count(),
        1,
        "the credential_process ran {} times",
        runs.lines().count()
    );
    let keys = t.keys().await;
    let bronze = keys.iter().filter(|k| k.starts_with("oura/") && !k.contains("_manifest")).count();
    assert!(keys.iter().any(|k| k.starts_with("silver/")), "no silver object: {keys:?}");
    assert_eq!(bronze, 7, "3 daily_sleep + 3 heartrate + 1 workout: {keys:?}");
}

/// Writes an AWS config file in `dir` with the profile `work`, as `aws configure sso` makes it
/// (account 123456789012, role `role`, the SSO session `corp`), and returns its path.
fn sso_profile(dir: &Path, role: &str) -> std::path::PathBuf {
    let config = dir.join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[profile work]\nsso_session = corp\nsso_account_id = 123456789012\n\
             sso_role_name = {role}\nregion = us-east-1\n\n[sso-session corp]\n\
             sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\
             sso_registration_scopes = sso:account:access\n"
        ),
    )
    .unwrap();
    config
}

/// A profile made by `aws configure sso` whose session is missing (never logged in, or
/// expired) stops before any Oura request with exit 2 and one line naming the profile and
/// `aws sso login --profile NAME`, and no SDK warning or debug dump on stderr.
#[tokio::test]
async fn an_sso_profile_without_a_session_names_the_login_command() {
    let t = AwsSync::new("sso").await;
    let dir = t.env.dir.path();
    let config = sso_profile(dir, "Reader");
    let out = t
        .env
        .cmd()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        // No ~/.aws/sso/cache: the home is the empty test directory.
        .env("HOME", dir)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_PROFILE", "work")
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .args(["sync", "--dest", &format!("s3://{}/oura", t.bucket)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("AWS profile `work` signs in with SSO"), "{err}");
    assert!(err.trim_end().ends_with("run `aws sso login --profile work`"), "{err}");
    assert!(!err.contains("WARN") && !err.contains("DEBUG"), "{err}");
    assert_eq!(t.env.oura.request_count(), 0);
}

/// A sync into a second S3 implementation (s3s-fs at AWS_ENDPOINT_URL_S3, the ledger still in
/// moto's DynamoDB) writes the same objects with the same bytes and metadata as into moto,
/// and a second run rewrites nothing: the S3 client keeps to what S3-compatible stores take
/// (path-style, checksums only where required).
#[tokio::test]
async fn a_sync_into_a_second_s3_implementation_writes_the_same_lake() {
    let t = AwsSync::new("compat").await;
    let compat = aws_env::compat_clients().await;
    let bucket = aws_env::new_bucket(&compat, "compat").await;
    let dest = format!("s3://{bucket}/oura");
    let sync = || {
        t.env
            .cmd()
            .env("AWS_ENDPOINT_URL_S3", aws_env::compat_endpoint())
            .env("OURA_DYNAMODB_TABLE", &t.table)
            .args([
                "sync",
                "2026-11-23",
                "--days",
                "3",
                "--types",
                TYPES,
                "--dest",
                &dest,
                "--json",
            ])
            .output()
            .unwrap()
    };
    let out = sync();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bodies = expected_bodies();
    let listed = compat.s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    let mut keys: Vec<String> =
        listed.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect();
    keys.sort();
    assert_eq!(keys, bodies.keys().cloned().collect::<Vec<_>>());
    for (key, body) in &bodies {
        let object = compat.s3.get_object().bucket(&bucket).key(key).send().await.unwrap();
        let metadata = object.metadata().cloned().unwrap_or_default();
        let bytes = object.body.collect().await.unwrap().to_vec();
        assert_eq!(String::from_utf8(bytes).unwrap(), *body, "{key}");
        assert_eq!(metadata.get("sha256"), Some(&sha256_hex(body.as_bytes())), "{key}");
    }
    let again = sync();
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["objects_written"], 0, "{report}");
}

/// No credentials anywhere, and an instance-metadata service that answers nonsense (as some
/// networks' catch-all servers do): exit 2 with one line, and none of the SDK's warnings with
/// their debug dumps of what it tried; `-v` shows them.
#[tokio::test]
async fn no_credentials_is_one_line_without_the_sdk_s_warnings() {
    let t = AwsSync::new("no-creds").await;
    let imds = crate::recorder::Recorder::always(crate::recorder::Reply::ok("not a token"));
    let run = |extra: &[&str]| {
        t.env
            .cmd()
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_EC2_METADATA_DISABLED")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.base)
            .env("HOME", t.env.dir.path())
            .env("OURA_DYNAMODB_TABLE", &t.table)
            .args(extra)
            .args(["sync", "--dest", &format!("s3://{}/oura", t.bucket)])
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.starts_with("error: cannot get AWS credentials"), "{err}");
    assert!(!err.contains("WARN") && !err.contains("ProviderError"), "{err}");
    assert_eq!(t.env.oura.request_count(), 0);
    let verbose = run(&["-v"]);
    assert_eq!(verbose.status.code(), Some(2));
    assert!(stderr(&verbose).contains("WARN"), "{}", stderr(&verbose));
}

/// After `aws sso login` (a cached SSO token in ~/.aws/sso/cache), an SSO profile syncs into
/// S3 with no extra step: the role's credentials come from the SSO portal (a recorder here,
/// at AWS_ENDPOINT_URL_SSO), asked with the cached token for the profile's account and role.
#[tokio::test]
async fn an_sso_profile_with_a_session_syncs_with_no_extra_step() {
    let t = AwsSync::new("sso-ok").await;
    let dir = t.env.dir.path();
    let config = sso_profile(dir, "Writer");
    // The token `aws sso login` caches, under the SHA-1 of the session name.
    let sha1 = std::process::Command::new("sh")
        .args(["-c", "printf corp | sha1sum | cut -d' ' -f1"])
        .output()
        .unwrap();
    let cache = dir.join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let expires = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(8))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    std::fs::write(
        cache.join(format!("{}.json", String::from_utf8_lossy(&sha1.stdout).trim())),
        format!(
            r#"{{"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
                "accessToken": "sso-SECRET-token", "expiresAt": "{}"}}"#,
            expires
        ),
    )
    .unwrap();
    let expiration_ms = (jiff::Timestamp::now().as_second() + 3600) * 1000;
    let portal = crate::recorder::Recorder::always(crate::recorder::Reply::ok(format!(
        r#"{{"roleCredentials": {{"accessKeyId": "test", "secretAccessKey": "test",
            "sessionToken": "session-SECRET", "expiration": {expiration_ms}}}}}"#
    )));
    let dest = format!("s3://{}/oura", t.bucket);
    let out = t
        .env
        .cmd()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("HOME", dir)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_PROFILE", "work")
        .env("AWS_ENDPOINT_URL_SSO", &portal.base)
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .args(["sync", "2026-11-23", "--days", "3", "--types", TYPES, "--dest", &dest])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(t.keys().await.len(), 7);
    // Once for the check before the sync, once more by the clients' shared credential cache.
    let asked = portal.requests();
    assert!((1..=2).contains(&asked.len()), "{asked:?}");
    assert_eq!(asked[0].header("x-amz-sso_bearer_token"), Some("sso-SECRET-token"));
    let query = asked[0].query_pairs();
    assert!(query.contains(&("role_name".into(), "Writer".into())), "{query:?}");
    assert!(query.contains(&("account_id".into(), "123456789012".into())), "{query:?}");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!text.contains("sso-SECRET") && !text.contains("session-SECRET"), "{text}");
}

/// S3 and DynamoDB requests go through the proxy of HTTP_PROXY/HTTPS_PROXY too (the Oura ones
/// as well), and straight to the server for a host in NO_PROXY.
#[tokio::test]
async fn aws_requests_honour_the_proxy_settings() {
    let t = AwsSync::new("proxy").await;
    let (proxy, relayed) = crate::toolbox::start_proxy();
    let out = t
        .env
        .cmd()
        .env("HTTP_PROXY", &proxy)
        .env_remove("NO_PROXY")
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .args(["sync", "2026-11-23", "--days", "3", "--types", TYPES])
        .args(["--dest", &format!("s3://{}/oura", t.bucket)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(t.keys().await.len(), 7);
    // moto serves S3 and DynamoDB on one port; the fake Oura server has its own.
    let moto = aws_env::endpoint().trim_start_matches("http://").to_string();
    let oura = t.env.oura.base_url.trim_start_matches("http://").to_string();
    let through_proxy = relayed.lock().unwrap().clone();
    assert!(through_proxy.contains(&moto), "{through_proxy:?}");
    assert!(through_proxy.contains(&oura), "{through_proxy:?}");

    let out = t
        .env
        .cmd()
        .env("HTTP_PROXY", &proxy)
        .env("NO_PROXY", "127.0.0.1")
        .env("OURA_DYNAMODB_TABLE", &t.table)
        .args(["sync", "2026-11-23", "--days", "3", "--types", TYPES])
        .args(["--dest", &format!("s3://{}/oura", t.bucket)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(*relayed.lock().unwrap(), through_proxy, "NO_PROXY was ignored");
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

/// On an ingestion-log table (bio-lakehouse's `bio_ingestion_log`, number sort key), a
/// backfill run again skips every settled day, with records or empty (a sparse type's empty
/// days are known from the run that fetched it whole): no Oura request for them, reported
/// unchanged with their records; nothing is written to S3 or the table but the run item.
#[tokio::test]
async fn a_resumed_backfill_on_the_ingestion_log_skips_settled_days() {
    use oura_sync::ledger::SortKey;
    let aws = aws_env::clients().await;
    let bucket = aws_env::new_bucket(&aws, "il-backfill").await;
    let table = aws_env::new_ingestion_log_table(&aws, "il-backfill", SortKey::Number).await;
    let env = TestEnv::new();
    let start: jiff::civil::Date = "2026-01-01".parse().unwrap();
    let days: Vec<String> =
        start.series(jiff::ToSpan::day(1)).take(40).map(|d| d.to_string()).collect();
    env.oura.add("daily_sleep", days.iter().map(|d| daily("daily_sleep", d)));
    env.oura.add("workout", [daily("workout", "2026-01-15")]);
    let dest = format!("s3://{bucket}/oura");
    let args = [
        "sync",
        "--from",
        "2026-01-01",
        "--to",
        "2026-02-09",
        "--types",
        "daily_sleep,workout",
        "--dest",
        &dest,
        "--json",
    ];
    let run = || env.cmd().env("OURA_DYNAMODB_TABLE", &table).args(args).output().unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fetched = env.oura.request_count();
    let items = aws.dynamodb.scan().table_name(&table).send().await.unwrap().count;
    assert_eq!(items, 41 + 2, "one item per object, one for the run, one for the lake's record");

    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.oura.request_count(), fetched, "settled days are not fetched again");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["objects_written"], 0);
    assert_eq!(report["types"]["daily_sleep"]["records"], 40);
    assert_eq!(report["types"]["daily_sleep"]["days_unchanged"], 40);
    assert_eq!(report["types"]["workout"]["records"], 1);
    let items = aws.dynamodb.scan().table_name(&table).send().await.unwrap().count;
    assert_eq!(items, 41 + 3, "the second run adds its run item only");
}
