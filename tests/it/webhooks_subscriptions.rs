//! `webhooks subscribe|list|renew|delete` and the daily sync's renewal, against the fake
//! Oura's subscription routes, with a receiver (a small axum route here) that answers Oura's
//! verification challenge: what is created, what exists, what fails and why, the exit codes,
//! the ledger's records, and that neither the verification token nor the client secret shows
//! anywhere.

use std::collections::HashMap;
use std::process::Output;

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::{SignedDuration, Timestamp};

use crate::common::{TestEnv, seed_every_type, stderr, stdout};
use crate::fake_oura::serve_in_background;
use crate::fake_oura::subscriptions::{CLIENT_ID, CLIENT_SECRET, CreateFault};

/// The verification token the tests configure; no output may ever contain it.
const WEBHOOK_TOKEN: &str = "whk-SECRET-5b8e07a1";

/// Types with webhooks among all 19: every one but heartrate, ring_battery_level and
/// personal_info.
const TYPES_WITH_WEBHOOKS: usize = 16;

/// A receiver answering Oura's challenge for `token` (any path), and its callback URL.
fn receiver(token: &'static str) -> String {
    let app = Router::new().fallback(move |Query(q): Query<HashMap<String, String>>| async move {
        match (q.get("verification_token"), q.get("challenge")) {
            (Some(t), Some(c)) if t == token => {
                let body = serde_json::json!({ "challenge": c }).to_string();
                (StatusCode::OK, [("content-type", "application/json")], body).into_response()
            }
            _ => StatusCode::UNAUTHORIZED.into_response(),
        }
    });
    format!("{}/oura/hook", serve_in_background(app))
}

/// A receiver that fails its first `cold` challenges (a Lambda starting), then answers them.
fn cold_receiver(token: &'static str, cold: usize) -> String {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = Router::new().fallback(move |Query(q): Query<HashMap<String, String>>| {
        let seen = seen.clone();
        async move {
            if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < cold {
                return StatusCode::BAD_GATEWAY.into_response();
            }
            match (q.get("verification_token"), q.get("challenge")) {
                (Some(t), Some(c)) if t == token => {
                    let body = serde_json::json!({ "challenge": c }).to_string();
                    (StatusCode::OK, [("content-type", "application/json")], body).into_response()
                }
                _ => StatusCode::UNAUTHORIZED.into_response(),
            }
        }
    });
    format!("{}/oura/hook", serve_in_background(app))
}

/// A receiver that is up but never answers the challenge (a wrong route, a proxy's 404).
fn deaf_receiver() -> String {
    let app = Router::new().fallback(|| async { StatusCode::NOT_FOUND });
    format!("{}/oura/hook", serve_in_background(app))
}

/// `oura-sync` with the app's credentials and the verification token set.
fn run(env: &TestEnv, args: &[&str]) -> Output {
    env.cmd()
        .env("OURA_CLIENT_ID", CLIENT_ID)
        .env("OURA_CLIENT_SECRET", CLIENT_SECRET)
        .env("OURA_WEBHOOK_TOKEN", WEBHOOK_TOKEN)
        .args(args)
        .output()
        .unwrap()
}

/// `oura-sync` with the app's id and `client_secret` (a wrong one, say), and no token.
fn run_with_secret(env: &TestEnv, client_secret: &str, args: &[&str]) -> Output {
    env.cmd()
        .env("OURA_CLIENT_ID", CLIENT_ID)
        .env("OURA_CLIENT_SECRET", client_secret)
        .args(args)
        .output()
        .unwrap()
}

/// The ledger's subscription records, name → body.
fn records(env: &TestEnv) -> HashMap<String, serde_json::Value> {
    let dir = env.lake().join("_ledger/records/webhook_subscription");
    let Ok(entries) = std::fs::read_dir(dir) else { return HashMap::new() };
    entries
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().trim_end_matches(".json").to_string();
            let body = serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
            (name, body)
        })
        .collect()
}

fn expiry(record: &serde_json::Value) -> Timestamp {
    record["expiration_time"].as_str().unwrap().parse().unwrap()
}

/// Fails if the verification token or the client secret is in an output or a lake file.
fn assert_no_webhook_secret(env: &TestEnv, outputs: &[&Output]) {
    for out in outputs {
        for text in [stdout(out), stderr(out)] {
            for secret in [WEBHOOK_TOKEN, CLIENT_SECRET] {
                assert!(!text.contains(secret), "a secret leaked into:\n{text}");
            }
        }
    }
    for file in env.lake_files() {
        let text =
            String::from_utf8_lossy(&std::fs::read(env.lake().join(&file)).unwrap()).into_owned();
        assert!(!text.contains(WEBHOOK_TOKEN) && !text.contains(CLIENT_SECRET), "{file}");
    }
}

/// `subscribe` makes create, update and delete subscriptions for every type with webhooks
/// (48), says so, records them, and a second `subscribe` makes none and says they exist; the
/// token went to Oura, and neither secret shows in any output or the lake (at debug level).
#[test]
fn subscribe_creates_what_is_missing_and_then_nothing() {
    let env = TestEnv::new();
    let url = receiver(WEBHOOK_TOKEN);
    let first = run(&env, &["-v", "webhooks", "subscribe", "--url", &url]);
    assert_eq!(first.status.code(), Some(0), "{}{}", stdout(&first), stderr(&first));
    let text = stdout(&first);
    let want = 3 * TYPES_WITH_WEBHOOKS;
    assert!(text.starts_with(&format!("✅ webhooks subscribe {url}: {want} created\n")), "{text}");
    assert!(text.contains("created  update.vo2_max, expires "), "{text}");
    {
        let fake = env.oura.webhooks.lock().unwrap();
        assert_eq!(fake.subs.len(), want);
        assert!(fake.by_key("create.heartrate").is_none());
        assert!(fake.by_key("delete.vo2_max").is_some());
        assert!(fake.tokens_seen.iter().all(|t| t == WEBHOOK_TOKEN));
    }
    let recorded = records(&env);
    assert_eq!(recorded.len(), want);
    assert_eq!(recorded["create.daily_sleep"]["callback_url"], url.as_str());

    let second = run(&env, &["webhooks", "subscribe", "--url", &url, "--json"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    crate::toolbox::assert_matches_schema(&second.stdout, "webhooks.schema.json");
    let doc: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(doc["action"], "subscribe");
    let lines = doc["lines"].as_array().unwrap();
    assert_eq!(lines.len(), want);
    assert!(lines.iter().all(|l| l["outcome"] == "existing"), "{doc}");
    assert_eq!(env.oura.webhooks.lock().unwrap().count("POST", "/subscription"), want);
    assert_no_webhook_secret(&env, &[&first, &second]);
}

/// A receiver that does not answer the challenge makes Oura refuse each creation (400, tried
/// three times in case the receiver was starting): every subscription is reported failed
/// with the cause, nothing is recorded as made, exit 1.
#[test]
fn a_receiver_that_does_not_answer_the_challenge_fails_each_subscription() {
    let env = TestEnv::new();
    let url = deaf_receiver();
    let out = run(&env, &["webhooks", "subscribe", "--url", &url, "--types", "sleep,heartrate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.starts_with(&format!("❌ webhooks subscribe {url}: 3 failed\n")), "{text}");
    for key in ["create.sleep", "update.sleep", "delete.sleep"] {
        let line = text.lines().find(|l| l.contains(key)).unwrap_or_else(|| panic!("{text}"));
        assert!(line.starts_with("  failed"), "{line}");
        assert!(line.contains("HTTP 400: Callback URL verification failed"), "{line}");
        assert!(line.ends_with("(gave up after 3 attempts)"), "{line}");
    }
    let fake = env.oura.webhooks.lock().unwrap();
    assert!(fake.subs.is_empty());
    assert_eq!(fake.count("POST", "/subscription"), 9, "three tries each");
    drop(fake);
    assert!(records(&env).is_empty());
    assert_no_webhook_secret(&env, &[&out]);
}

/// Oura's 500 and 504 on creation are retried and then succeed; a 504 after Oura made the
/// subscription is not retried into a second one (the list shows it was made).
#[test]
fn creation_faults_are_retried_without_making_duplicates() {
    let env = TestEnv::new();
    let url = receiver(WEBHOOK_TOKEN);
    env.oura.webhooks.lock().unwrap().create_faults.extend([
        CreateFault::Status(500),
        CreateFault::Status(504),
        CreateFault::MadeThen(504),
    ]);
    let out = run(&env, &["webhooks", "subscribe", "--url", &url, "--types", "tag"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains(": 3 created\n"), "{}", stdout(&out));
    assert!(stderr(&out).contains("Retrying a webhook subscription"), "{}", stderr(&out));
    let fake = env.oura.webhooks.lock().unwrap();
    assert_eq!(fake.subs.len(), 3, "{:?}", fake.subs);
    // Three creations, two failed before Oura made anything, one made then answered 504.
    assert_eq!(fake.count("POST", "/subscription"), 5);
}

/// A receiver that fails Oura's first check (starting cold) gets the subscription on a
/// later try of the same creation.
#[test]
fn a_receiver_starting_cold_gets_its_subscription_on_a_later_try() {
    let env = TestEnv::new();
    let url = cold_receiver(WEBHOOK_TOKEN, 1);
    let out = run(&env, &["webhooks", "subscribe", "--url", &url, "--types", "workout"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains(": 3 created\n"), "{}", stdout(&out));
    assert_eq!(env.oura.webhooks.lock().unwrap().subs.len(), 3);
}

/// `renew` renews only the subscriptions expiring within the window (default 7 days), and
/// `--within-days` widens it; the ledger follows.
#[test]
fn renew_extends_only_the_expiring_ones() {
    let env = TestEnv::new();
    let url = receiver(WEBHOOK_TOKEN);
    let out = run(&env, &["webhooks", "subscribe", "--url", &url, "--types", "tag,sleep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let soon = Timestamp::now() + SignedDuration::from_hours(48);
    let later = Timestamp::now() + SignedDuration::from_hours(24 * 10);
    {
        let mut fake = env.oura.webhooks.lock().unwrap();
        fake.set_expiry("create.tag", soon);
        fake.set_expiry("delete.sleep", Timestamp::now() - SignedDuration::from_hours(1));
        fake.set_expiry("update.sleep", later);
    }
    let out = run(&env, &["webhooks", "renew"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("✅ webhooks renew (expiring within 7 days): 2 renewed, 4 not due"),
        "{text}"
    );
    let fake = env.oura.webhooks.lock().unwrap();
    assert_eq!(fake.count("PUT", "/renew/"), 2);
    let month = Timestamp::now() + SignedDuration::from_hours(24 * 29);
    assert!(fake.by_key("create.tag").unwrap().expiration_time > month);
    assert!(fake.by_key("delete.sleep").unwrap().expiration_time > month);
    assert_eq!(fake.by_key("update.sleep").unwrap().expiration_time, later);
    drop(fake);
    assert!(expiry(&records(&env)["delete.sleep"]) > month);

    let out = run(&env, &["webhooks", "renew", "--within-days", "14"]);
    assert!(stdout(&out).contains(": 1 renewed, 5 not due"), "{}", stdout(&out));
}

/// The daily sync renews the recorded subscriptions due within 7 days after its own work,
/// says so in the summary, and a renewal Oura refuses is a warning with the command to run,
/// not a failed sync.
#[test]
fn the_daily_sync_renews_and_warns_without_failing() {
    let env = TestEnv::new();
    let today = Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string();
    seed_every_type(&env.oura, &[&today]);
    let url = receiver(WEBHOOK_TOKEN);
    let out = run(&env, &["webhooks", "subscribe", "--url", &url, "--types", "sleep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // Nothing due: the sync asks Oura's management routes nothing.
    let out = run(&env, &["sync", "--days", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(env.oura.webhooks.lock().unwrap().count("PUT", "/renew/"), 0);

    // One due (as `list` learns it), one gone at Oura (recorded, but deleted there).
    {
        let mut fake = env.oura.webhooks.lock().unwrap();
        fake.set_expiry("create.sleep", Timestamp::now() + SignedDuration::from_hours(20));
        fake.set_expiry("delete.sleep", Timestamp::now() + SignedDuration::from_hours(20));
    }
    assert_eq!(run(&env, &["webhooks", "list"]).status.code(), Some(0));
    env.oura.webhooks.lock().unwrap().subs.retain(|s| s.event_type != "delete");

    let out = run(&env, &["sync", "--days", "1", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    crate::toolbox::assert_matches_schema(&out.stdout, "run-report.schema.json");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "success");
    assert_eq!(report["webhooks"]["renewed"], 1, "{report}");
    let warning = report["webhooks"]["warnings"][0].as_str().unwrap();
    assert!(warning.starts_with("webhook subscription delete.sleep no longer exists at Oura; run `oura-sync webhooks subscribe --url "), "{warning}");
    assert_eq!(env.oura.webhooks.lock().unwrap().count("PUT", "/renew/"), 2);
    let recorded = records(&env);
    assert!(
        expiry(&recorded["create.sleep"]) > Timestamp::now() + SignedDuration::from_hours(24 * 29)
    );
    assert!(!recorded.contains_key("delete.sleep"), "the gone one is no longer recorded");

    let out = run(&env, &["sync", "--days", "1"]);
    assert!(!stdout(&out).contains("⚠️ webhooks"), "{}", stdout(&out));
    assert_no_webhook_secret(&env, &[&out]);
}

/// The daily sync's renewal warning reaches the summary (and so the message) as a line of
/// its own, and the run still exits 0.
#[test]
fn a_renewal_oura_fails_is_a_warning_in_the_summary() {
    let env = TestEnv::new();
    let today = Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string();
    seed_every_type(&env.oura, &[&today]);
    let url = receiver(WEBHOOK_TOKEN);
    let out = run(&env, &["webhooks", "subscribe", "--url", &url, "--types", "tag"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    env.oura.webhooks.lock().unwrap().set_expiry("update.tag", Timestamp::now());
    assert_eq!(run(&env, &["webhooks", "list"]).status.code(), Some(0));
    // Wrong credentials now: Oura refuses the renewal.
    let out = env
        .cmd()
        .env("OURA_CLIENT_ID", CLIENT_ID)
        .env("OURA_CLIENT_SECRET", "not-the-app-secret")
        .env("OURA_WEBHOOK_TOKEN", WEBHOOK_TOKEN)
        .args(["sync", "--days", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("⚠️ webhooks: cannot renew webhook subscription update.tag"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("HTTP 401") && line.contains("run `oura-sync webhooks renew`"), "{line}");
    assert!(text.starts_with("✅"), "{text}");
}

/// `list` shows each subscription with its expiry and the (event, type) pairs that lack one
/// (a warning icon, still exit 0).
#[test]
fn list_shows_expiry_and_what_is_missing() {
    let env = TestEnv::new();
    let url = receiver(WEBHOOK_TOKEN);
    run(&env, &["webhooks", "subscribe", "--url", &url, "--types", "workout"]);
    let out = run(&env, &["webhooks", "list", "--types", "workout,session"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("⚠️ webhooks list: 3 exists, 3 missing\n"), "{text}");
    assert!(text.contains("  exists   create.workout, expires "), "{text}");
    assert!(text.contains("(in 29 days)") || text.contains("(in 30 days)"), "{text}");
    assert!(text.contains("  missing  delete.session\n"), "{text}");
}

/// `delete --url` removes that callback's subscriptions and their records; an unknown id
/// is Oura's 403, reported, exit 1; `delete` with nothing to choose is a usage error.
#[test]
fn delete_removes_subscriptions_and_records() {
    let env = TestEnv::new();
    let url = receiver(WEBHOOK_TOKEN);
    run(&env, &["webhooks", "subscribe", "--url", &url, "--types", "session"]);
    assert_eq!(records(&env).len(), 3);
    let out = run(&env, &["webhooks", "delete", "--url", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("✅ webhooks delete: 3 deleted\n"), "{}", stdout(&out));
    assert!(env.oura.webhooks.lock().unwrap().subs.is_empty());
    assert!(records(&env).is_empty());

    let out = run(&env, &["webhooks", "delete", "5d3fe17b-0000-4d93-b9b6-afbfb76c1e78"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out)
            .contains("Oura has no subscription 5d3fe17b-0000-4d93-b9b6-afbfb76c1e78 (HTTP 403"),
        "{}",
        stdout(&out)
    );

    let out = run(&env, &["webhooks", "delete"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// A missing setting is a usage error naming it (nothing asked of Oura), and credentials
/// Oura refuses are exit 2 saying which settings to check, without the secret.
#[test]
fn missing_or_refused_settings_are_usage_errors_naming_them() {
    let env = TestEnv::new();
    let url = receiver(WEBHOOK_TOKEN);
    let out = run_with_secret(&env, CLIENT_SECRET, &["webhooks", "subscribe", "--url", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("OURA_WEBHOOK_TOKEN is not set"), "{}", stderr(&out));
    let out = env.cmd().args(["webhooks", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("OURA_CLIENT_ID is not set"), "{}", stderr(&out));
    assert!(env.oura.webhooks.lock().unwrap().log.is_empty());

    let wrong = "wrong-SECRET-000111";
    let out = run_with_secret(&env, wrong, &["webhooks", "list"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("check OURA_CLIENT_ID and OURA_CLIENT_SECRET"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(wrong) && !stdout(&out).contains(wrong));

    let out = run(&env, &["webhooks", "subscribe", "--url", "oura.example.org/hook"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--url `oura.example.org/hook` is not an http(s) URL"),
        "{}",
        stderr(&out)
    );
}

/// `status` shows per type the recorded subscriptions and their expiry from the ledger
/// alone (no credentials set), `status --json` matches its schema, and both `status` and
/// `doctor` warn about an expired subscription and one expiring within a day, with the
/// command to run.
#[test]
fn status_and_doctor_show_expiry_and_warn_without_credentials() {
    let env = TestEnv::new();
    let url = receiver(WEBHOOK_TOKEN);
    let out = run(&env, &["webhooks", "subscribe", "--url", &url, "--types", "sleep,tag"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let out = env.run(&["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Webhooks (subscriptions the ledger records; first expiry):"), "{text}");
    let section = text.split("Webhooks (").nth(1).unwrap();
    let sleep =
        section.lines().find(|l| l.starts_with("  sleep ")).unwrap_or_else(|| panic!("{text}"));
    assert!(sleep.contains("create update delete") && sleep.contains("expires "), "{sleep}");
    assert!(!text.contains("⚠️"), "{text}");
    let json = env.run(&["status", "--json"]);
    crate::toolbox::assert_matches_schema(&json.stdout, "status.schema.json");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        doc["webhooks"]["types"]["tag"]["subscriptions"]["delete"]["callback_url"],
        url.as_str()
    );
    let doctor = env.run(&["doctor"]);
    assert!(
        stdout(&doctor)
            .contains("✓ webhooks: 6 subscriptions recorded for 2 types, the first expires "),
        "{}",
        stdout(&doctor)
    );

    {
        let mut fake = env.oura.webhooks.lock().unwrap();
        fake.set_expiry("create.sleep", Timestamp::now() - SignedDuration::from_hours(3));
        fake.set_expiry("update.tag", Timestamp::now() + SignedDuration::from_hours(5));
    }
    assert_eq!(run(&env, &["webhooks", "list"]).status.code(), Some(0));
    let text = stdout(&env.run(&["status"]));
    let expired = "⚠️ webhook subscription create.sleep expired ";
    let line = text.lines().find(|l| l.starts_with(expired)).unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with(&format!("run `oura-sync webhooks subscribe --url {url}`")), "{line}");
    assert!(text.contains("⚠️ webhook subscription update.tag expires "), "{text}");
    assert!(text.contains("run `oura-sync webhooks renew`"), "{text}");
    let json = env.run(&["status", "--json"]);
    crate::toolbox::assert_matches_schema(&json.stdout, "status.schema.json");
    let doctor = env.run(&["doctor"]);
    let line = stdout(&doctor)
        .lines()
        .find(|l| l.starts_with("✗ webhooks: webhook subscription create.sleep expired "))
        .map(str::to_string);
    assert!(line.is_some(), "{}", stdout(&doctor));

    // `subscribe` again renews the expired one rather than calling it existing.
    let out = run(&env, &["webhooks", "subscribe", "--url", &url, "--types", "sleep,tag"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("  renewed  create.sleep, expires "), "{}", stdout(&out));
}

/// The doctor names OURA_WEBHOOK_TOKEN set without the app's credentials as a setting to
/// fix (a sync would renew nothing).
#[test]
fn the_doctor_flags_a_webhook_token_without_the_app() {
    let env = TestEnv::new();
    let out = env.cmd().env("OURA_WEBHOOK_TOKEN", WEBHOOK_TOKEN).args(["doctor"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stdout(&out).contains("✗ settings: OURA_CLIENT_ID is not set (webhook subscriptions are managed with your Oura app's credentials)"), "{}", stdout(&out));
    assert!(!stdout(&out).contains(WEBHOOK_TOKEN) && !stderr(&out).contains(WEBHOOK_TOKEN));
}

/// With an S3 lake and a DynamoDB ledger (moto), `subscribe` records the subscriptions as
/// pk/sk items (`oura#webhook_subscription`, one per `<event>.<type>`), `status` shows them
/// from there, and `delete` removes them.
#[tokio::test]
async fn an_s3_lake_records_the_subscriptions_in_its_table() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let aws = crate::aws_env::clients().await;
    let bucket = crate::aws_env::new_bucket(&aws, "webhooks").await;
    let table = crate::aws_env::new_table(&aws, "webhooks").await;
    let env = TestEnv::new();
    let url = receiver(WEBHOOK_TOKEN);
    let dest = format!("s3://{bucket}/oura");
    let with_table = |args: &[&str]| {
        env.cmd()
            .env("OURA_CLIENT_ID", CLIENT_ID)
            .env("OURA_CLIENT_SECRET", CLIENT_SECRET)
            .env("OURA_WEBHOOK_TOKEN", WEBHOOK_TOKEN)
            .env("OURA_DYNAMODB_TABLE", &table)
            .env("OURA_DESTINATION", &dest)
            .args(args)
            .output()
            .unwrap()
    };
    let out = with_table(&["webhooks", "subscribe", "--url", &url, "--types", "daily_sleep"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let items = aws
        .dynamodb
        .query()
        .table_name(&table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S("oura#webhook_subscription".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> =
        items.items().iter().filter_map(|i| i.get("sk")?.as_s().ok().map(String::as_str)).collect();
    assert_eq!(names, ["create.daily_sleep", "delete.daily_sleep", "update.daily_sleep"]);

    let status = with_table(&["status", "--json"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    let doc: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let subs = &doc["webhooks"]["types"]["daily_sleep"]["subscriptions"];
    assert_eq!(subs["update"]["callback_url"], url.as_str(), "{doc}");

    let out = with_table(&["webhooks", "delete", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let status = with_table(&["status", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(doc.get("webhooks").is_none(), "{doc}");
    assert_no_webhook_secret(&env, &[&out, &status]);
}
