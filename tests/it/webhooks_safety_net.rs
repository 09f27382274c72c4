//! The daily poll as the webhooks' safety net, at the wire: a real `sync` against the fake
//! Oura on a lake whose webhook records (subscriptions, last deliveries) are written through
//! the ledger API, as the subscription commands and the receiver write them; then what
//! `sync`, `status`, `status --json` and `doctor` say, and that a run a delivery triggered
//! records nothing of the kind.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use oura_sync::ledger::{AnyLedger, Ledger, LocalLedger};
use oura_sync::webhooks::state::{self, DeliveryRecord, SubscriptionRecord};

use crate::common::{TestEnv, daily, sleep, stderr, stdout};
use crate::toolbox::assert_matches_schema;

/// Yesterday (UTC, the tests' zone): the safety net looks at the last week only.
fn day() -> String {
    (Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date() - jiff::Span::new().days(1))
        .to_string()
}

fn ledger(env: &TestEnv) -> AnyLedger {
    AnyLedger::Local(LocalLedger::for_lake(&env.lake()))
}

fn ago(hours: i64) -> Timestamp {
    Timestamp::now() - SignedDuration::from_hours(hours)
}

/// Subscriptions (create and update) for sleep and daily_sleep, recorded a month ago and
/// live for a month more; sleep's last delivery three days ago, daily_sleep's an hour ago.
async fn webhooks_in_use(env: &TestEnv) {
    let ledger = ledger(env);
    for data_type in ["sleep", "daily_sleep"] {
        for event_type in ["create", "update"] {
            let record = SubscriptionRecord {
                id: format!("sub-{event_type}-{data_type}"),
                callback_url: "https://home.example.org/oura".into(),
                event_type: event_type.into(),
                data_type: data_type.into(),
                expiration_time: ago(-24 * 30),
                recorded_at: ago(24 * 30),
                first_seen_at: Some(ago(24 * 30)),
            };
            state::put(&ledger, state::SUBSCRIPTION, &record.name(), &record).await.unwrap();
        }
    }
    deliver(env, "sleep", 72).await;
    deliver(env, "daily_sleep", 1).await;
}

/// Records a delivery of `data_type` received `hours` ago, as the receiver does.
async fn deliver(env: &TestEnv, data_type: &str, hours: i64) {
    let record = DeliveryRecord {
        data_type: data_type.into(),
        event_type: "update".into(),
        object_id: format!("{data_type}-1"),
        event_time: ago(hours).to_string(),
        received_at: ago(hours),
    };
    state::put(&ledger(env), state::DELIVERY, &record.name(), &record).await.unwrap();
}

fn seed(env: &TestEnv) {
    let day = day();
    env.oura.add("sleep", [sleep("s-1", &day, &format!("{day}T00:10:00+00:00"))]);
    env.oura.add("daily_sleep", [daily("daily_sleep", &day)]);
}

fn poll_record(env: &TestEnv, data_type: &str) -> Option<serde_json::Value> {
    let path = env.lake().join(format!("_ledger/records/webhook_poll/{data_type}.json"));
    std::fs::read_to_string(path).ok().map(|t| serde_json::from_str(&t).unwrap())
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

/// A poll that writes a sleep day while sleep's last delivery is three days old: the run
/// succeeds and warns (stdout and `--json`) that deliveries have stopped, with what to do;
/// the poll record names the day; daily_sleep, delivered an hour ago, is not recorded. Then
/// `status`, `status --json` (schema) and `doctor` show per type the last delivery, the
/// expiry and the warning with its fix. A second poll that changes nothing adds no warning
/// but the record stands; a delivery after it ends the warning, and the next poll clears it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poll_says_when_deliveries_have_stopped() {
    let env = TestEnv::new();
    seed(&env);
    webhooks_in_use(&env).await;
    let day = day();

    let out = env.run(&["sync", &day, "--types", "sleep,daily_sleep", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_matches_schema(&out.stdout, "run-report.schema.json");
    assert_eq!(report["status"], "success");
    let warning = report["warnings"][0].as_str().unwrap();
    assert!(
        warning.starts_with("webhook deliveries have stopped: the poll wrote 1 day of sleep"),
        "{warning}"
    );
    assert!(warning.contains("`oura-sync webhooks subscribe --url URL` again"), "{warning}");
    let record = poll_record(&env, "sleep").expect("the poll record of sleep");
    assert_eq!(record["days"], serde_json::json!([day]));
    assert_eq!(poll_record(&env, "daily_sleep"), None);

    let status = env.run(&["status"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    let text = stdout(&status);
    let section = &text[text.find("Webhook deliveries (the last one;").unwrap()..];
    let line = |name: &str| section.lines().find(|l| l.starts_with(name)).unwrap().to_string();
    let sleep_line = line("  sleep ");
    assert!(sleep_line.contains("update 3 d ago") && sleep_line.ends_with("deliveries stopped"));
    let daily_line = line("  daily_sleep ");
    assert!(daily_line.contains(" min ago ("), "{text}");
    assert!(
        text.contains("⚠️ webhook deliveries have stopped for sleep: the daily sync"),
        "{text}"
    );

    let status = env.run(&["status", "--json"]);
    assert_matches_schema(&status.stdout, "status.schema.json");
    let status = json(&status);
    let webhooks = &status["webhook_deliveries"];
    assert_eq!(webhooks["types"]["sleep"]["deliveries_stopped"], true);
    assert_eq!(webhooks["types"]["sleep"]["poll_found"]["days"], serde_json::json!([day]));
    assert_eq!(webhooks["types"]["daily_sleep"]["deliveries_stopped"], false);
    assert_eq!(webhooks["types"]["daily_sleep"]["last_delivery"]["event_type"], "update");
    // The subscriptions themselves are the overview's (`webhooks`).
    let subscriptions = &status["webhooks"]["types"]["daily_sleep"]["subscriptions"];
    assert_eq!(subscriptions["create"]["id"], "sub-create-daily_sleep");
    assert_eq!(webhooks["warnings"].as_array().unwrap().len(), 1);

    let doctor = env.run(&["doctor", "--json"]);
    assert_matches_schema(&doctor.stdout, "doctor.schema.json");
    let doctor = json(&doctor);
    let check =
        doctor["checks"].as_array().unwrap().iter().find(|c| c["name"] == "webhook deliveries");
    let check = check.expect("a webhook deliveries check");
    assert_eq!(check["ok"], false, "{check}");
    assert!(check["fix"].as_str().unwrap().starts_with("run `oura-sync webhooks list`"), "{check}");

    // Nothing new: no warning in the run, the record stands.
    let again = env.run(&["sync", &day, "--types", "sleep,daily_sleep"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(!stdout(&again).contains("deliveries have stopped"), "{}", stdout(&again));
    assert!(poll_record(&env, "sleep").is_some());

    // Deliveries resumed: no warning any more; the next poll clears the record.
    deliver(&env, "sleep", 0).await;
    let status = json(&env.run(&["status", "--json"]));
    assert_eq!(status["webhook_deliveries"]["types"]["sleep"]["deliveries_stopped"], false);
    assert_eq!(status["webhook_deliveries"]["warnings"], serde_json::json!([]));
    let doctor = json(&env.run(&["doctor", "--json"]));
    let check =
        doctor["checks"].as_array().unwrap().iter().find(|c| c["name"] == "webhook deliveries");
    assert_eq!(check.unwrap()["ok"], true, "{doctor}");
    let cleared = env.run(&["sync", &day, "--types", "sleep,daily_sleep"]);
    assert_eq!(cleared.status.code(), Some(0), "{}", stderr(&cleared));
    assert_eq!(poll_record(&env, "sleep"), None);
}

/// A lake without webhook records: the sync neither warns nor records, and `status` and
/// `doctor` show no webhooks section or check (the poll alone keeps the lake).
#[test]
fn without_webhooks_nothing_is_said() {
    let env = TestEnv::new();
    seed(&env);
    let out = env.run(&["sync", &day(), "--types", "sleep", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out).get("warnings"), None);
    assert!(!env.lake().join("_ledger/records/webhook_poll").exists());
    let status = env.run(&["status", "--json"]);
    assert_eq!(json(&status).get("webhook_deliveries"), None);
    assert!(!stdout(&env.run(&["status"])).contains("Webhook deliveries"));
    let doctor = json(&env.run(&["doctor", "--json"]));
    assert!(doctor["checks"].as_array().unwrap().iter().all(|c| c["name"] != "webhook deliveries"));
}

/// A run a delivery triggered (`RunTrigger::Webhook`, what the receiver sets) writes the day
/// but records nothing for the safety net and warns of nothing, though the same run as a
/// poll would have.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_triggered_run_records_nothing() {
    use oura_sync::pipeline::{RunTrigger, SyncJob};
    let env = TestEnv::new();
    seed(&env);
    webhooks_in_use(&env).await;
    let runtime = oura_sync::runtime::Runtime {
        http: oura_sync::oura::http_client().unwrap(),
        pacer: Arc::new(oura_sync::oura::pacer::Pacer::new(100, std::time::Duration::from_secs(1))),
        cancel: tokio_util::sync::CancellationToken::new(),
        progress: Arc::new(oura_sync::runtime::NoProgress),
        client: oura_sync::oura::ClientOptions {
            api_base: env.oura.base_url.clone(),
            concurrency: 2,
            backoff_base: std::time::Duration::from_millis(10),
            attempt_timeout: std::time::Duration::from_secs(30),
        },
    };
    let account = crate::accounts::account(&env, "me", crate::common::TOKEN).await;
    let day = day().parse().unwrap();
    let job = SyncJob {
        window: oura_sync::window::Window::new(day, day),
        types: vec![oura_sync::datatype::DataType::Sleep],
        dry_run: false,
        sandbox: false,
        units_in_flight: 2,
        resume: false,
        dashboard_in_lake: false,
        trigger: RunTrigger::Webhook,
        gone: Vec::new(),
    };
    let report = oura_sync::ops::sync::run(&runtime, &account, &job).await;
    assert_eq!(report.types["sleep"].days_written, 1, "{}", report.summary());
    assert_eq!(report.types["sleep"].changed_days, vec![day]);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(poll_record(&env, "sleep"), None);
    assert!(ledger(&env).records(state::POLL).await.unwrap().is_empty());
}
