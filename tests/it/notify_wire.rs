//! What each notification channel puts on the wire, called through the library
//! ([`Notifiers`]) against recorder servers and a fake `openclaw` program: method, path,
//! headers, body, form fields and query; retries; failure-only mode; the length limit; and
//! that no secret reaches a cause.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use oura_sync::config::{EnvSnapshot, notify_config};
use oura_sync::datatype::DataType;
use oura_sync::notify::{Notifiers, NotifyStatus};
use oura_sync::report::{RunHead, RunReport, SUMMARY_LIMIT, TypeReport, TypeStatus};
use serde_json::json;

use crate::recorder::{Recorder, Reply};

const TO: &str = "+15551234567";
const META_TOKEN: &str = "EAAG-meta-secret-token";
const TWILIO_TOKEN: &str = "twilio-secret-token";
const CALLMEBOT_KEY: &str = "9988776";
const HOOK_TOKEN: &str = "hook-secret-token";

/// The notifiers `sync` builds when the env file holds `pairs`.
fn notifiers(pairs: &[(&str, &str)]) -> Notifiers {
    let config = notify_config(&EnvSnapshot::from_pairs(&[], pairs)).expect("valid settings");
    Notifiers::new(&config)
        .expect("valid notification settings")
        .with_retry_delay(Duration::from_millis(20))
}

fn ok(records: u64) -> TypeReport {
    TypeReport {
        records,
        days_written: 1,
        ..TypeReport::with_status(if records > 0 { TypeStatus::Ok } else { TypeStatus::Empty })
    }
}

/// A run report: daily_sleep and heartrate fine, plus `failed` types with their causes.
pub fn report(failed: &[(&str, &str)]) -> RunReport {
    let mut types = BTreeMap::new();
    types.insert("daily_sleep".to_string(), ok(7));
    types.insert("heartrate".to_string(), ok(2016));
    for (name, cause) in failed {
        types.insert(name.to_string(), TypeReport::failed(*cause));
    }
    let head = RunHead {
        run_id: "run-1".into(),
        window: oura_sync::window::Window::new(
            jiff::civil::date(2026, 11, 17),
            jiff::civil::date(2026, 11, 23),
        ),
        destination: "./oura-lake".into(),
        dry_run: false,
        sandbox: false,
        started_at: Timestamp::UNIX_EPOCH,
        finished_at: Timestamp::UNIX_EPOCH,
    };
    RunReport { duration_ms: 1400, objects_written: 3, requests: 5, ..RunReport::new(head, types) }
}

fn no_newline_tab_or_space_run(text: &str) {
    assert!(
        !text.contains('\n') && !text.contains('\t') && !text.contains("     "),
        "not a valid template parameter: {text:?}"
    );
}

/// The Meta Cloud API text message: POST to `{base}/{version}/{phone id}/messages` with the
/// bearer token and the exact JSON body Meta documents, the summary as the text body.
#[tokio::test]
async fn whatsapp_sends_a_text_message_to_the_graph_api() {
    let meta = Recorder::always(Reply::ok(r#"{"messages":[{"id":"wamid.1"}]}"#));
    let n = notifiers(&[
        ("OURA_NOTIFY", "whatsapp"),
        ("WHATSAPP_API_BASE", &meta.base),
        ("WHATSAPP_ACCESS_TOKEN", META_TOKEN),
        ("WHATSAPP_PHONE_NUMBER_ID", "1234567890"),
        ("WHATSAPP_TO", TO),
    ]);
    let report = report(&[]);
    let text = report.summary();
    assert_eq!(n.notify(&report, &text).await, NotifyStatus::Sent);

    let requests = meta.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v24.0/1234567890/messages");
    assert_eq!(r.header("authorization"), Some(format!("Bearer {META_TOKEN}").as_str()));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": TO,
            "type": "text",
            "text": {"preview_url": false, "body": text},
        })
    );
}

/// With `WHATSAPP_TEMPLATE`, Meta gets the approved template in `WHATSAPP_TEMPLATE_LANG` with
/// two body parameters, flattened: no newline, tab or run of more than four spaces (Meta
/// refuses those), even when a failure cause holds them.
#[tokio::test]
async fn whatsapp_template_parameters_are_flattened() {
    let meta = Recorder::always(Reply::ok("{}"));
    let n = notifiers(&[
        ("OURA_NOTIFY", "whatsapp"),
        ("WHATSAPP_API_BASE", &meta.base),
        ("WHATSAPP_API_VERSION", "v26.0"),
        ("WHATSAPP_ACCESS_TOKEN", META_TOKEN),
        ("WHATSAPP_PHONE_NUMBER_ID", "1234567890"),
        ("WHATSAPP_TO", TO),
        ("WHATSAPP_TEMPLATE", "oura_sync_report"),
        ("WHATSAPP_TEMPLATE_LANG", "de"),
    ]);
    let report = report(&[("sleep", "HTTP 500\n\tafter      5 attempts")]);
    let text = report.summary();
    assert!(text.contains('\n'));
    assert_eq!(n.notify(&report, &text).await, NotifyStatus::Sent);

    let r = &meta.requests()[0];
    assert_eq!(r.path, "/v26.0/1234567890/messages");
    let body = r.json();
    assert_eq!(body["type"], "template");
    assert_eq!(body["to"], TO);
    assert_eq!(body["template"]["name"], "oura_sync_report");
    assert_eq!(body["template"]["language"], json!({"code": "de"}));
    let components = body["template"]["components"].as_array().unwrap();
    assert_eq!(components.len(), 1);
    assert_eq!(components[0]["type"], "body");
    let params = components[0]["parameters"].as_array().unwrap();
    assert_eq!(params.len(), 2);
    let texts: Vec<&str> = params.iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert!(params.iter().all(|p| p["type"] == "text"));
    texts.iter().for_each(|t| no_newline_tab_or_space_run(t));
    assert_eq!(texts[0], "⚠️ *Oura sync partial* 2026-11-17 → 2026-11-23 (1.4 s)");
    assert_eq!(texts[1], "❌ sleep: HTTP 500 after 5 attempts · daily_sleep: 7 · heartrate: 2016");
}

/// Twilio: a form POST to `/2010-04-01/Accounts/{SID}/Messages.json` with HTTP basic auth and
/// `From`/`To` as `whatsapp:+…` (the prefix added when the setting lacks it) and `Body`.
#[tokio::test]
async fn twilio_posts_a_form_with_basic_auth() {
    let twilio = Recorder::always(Reply::new(201, r#"{"sid":"SM1","status":"queued"}"#));
    let n = notifiers(&[
        ("OURA_NOTIFY", "twilio"),
        ("TWILIO_API_BASE", &twilio.base),
        ("TWILIO_ACCOUNT_SID", "AC0123456789"),
        ("TWILIO_AUTH_TOKEN", TWILIO_TOKEN),
        ("TWILIO_WHATSAPP_FROM", "+14155238886"),
        ("WHATSAPP_TO", TO),
    ]);
    let report = report(&[]);
    let text = report.summary();
    assert_eq!(n.notify(&report, &text).await, NotifyStatus::Sent);

    let r = &twilio.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/2010-04-01/Accounts/AC0123456789/Messages.json");
    // base64("AC0123456789:twilio-secret-token")
    assert_eq!(
        r.header("authorization"),
        Some("Basic QUMwMTIzNDU2Nzg5OnR3aWxpby1zZWNyZXQtdG9rZW4=")
    );
    assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(
        r.form(),
        [
            ("From".to_string(), "whatsapp:+14155238886".to_string()),
            ("To".to_string(), format!("whatsapp:{TO}")),
            ("Body".to_string(), text),
        ]
    );
}

/// Twilio with `TWILIO_CONTENT_SID`: `ContentSid` and `ContentVariables` (`{"1","2"}`,
/// flattened) replace `Body`.
#[tokio::test]
async fn twilio_content_template_replaces_the_body() {
    let twilio = Recorder::always(Reply::new(201, "{}"));
    let n = notifiers(&[
        ("OURA_NOTIFY", "twilio"),
        ("TWILIO_API_BASE", &twilio.base),
        ("TWILIO_ACCOUNT_SID", "AC0123456789"),
        ("TWILIO_AUTH_TOKEN", TWILIO_TOKEN),
        ("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886"),
        ("TWILIO_CONTENT_SID", "HX0123"),
        ("WHATSAPP_TO", TO),
    ]);
    let report = report(&[("sleep", "boom")]);
    assert_eq!(n.notify(&report, &report.summary()).await, NotifyStatus::Sent);

    let form = twilio.requests()[0].form();
    let names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["From", "To", "ContentSid", "ContentVariables"]);
    assert_eq!(form[0].1, "whatsapp:+14155238886");
    assert_eq!(form[2].1, "HX0123");
    let vars: serde_json::Value = serde_json::from_str(&form[3].1).unwrap();
    no_newline_tab_or_space_run(vars["1"].as_str().unwrap());
    no_newline_tab_or_space_run(vars["2"].as_str().unwrap());
    assert!(vars["1"].as_str().unwrap().starts_with("⚠️ *Oura sync partial*"));
    assert_eq!(vars["2"], "❌ sleep: boom · daily_sleep: 7 · heartrate: 2016");
}

/// A Twilio error answer becomes `failed: twilio: <code> <message> (HTTP 400)`, is not
/// retried (a 400 will not fix itself), and never quotes the auth token.
#[tokio::test]
async fn twilio_errors_carry_the_code_not_the_token() {
    let twilio = Recorder::always(Reply::new(
        400,
        format!(
            r#"{{"code":21211,"message":"Invalid 'To' Phone Number (token {TWILIO_TOKEN})","more_info":"https://www.twilio.com/docs/errors/21211","status":400}}"#
        ),
    ));
    let n = notifiers(&[
        ("OURA_NOTIFY", "twilio"),
        ("TWILIO_API_BASE", &twilio.base),
        ("TWILIO_ACCOUNT_SID", "AC0123456789"),
        ("TWILIO_AUTH_TOKEN", TWILIO_TOKEN),
        ("TWILIO_WHATSAPP_FROM", "+14155238886"),
        ("WHATSAPP_TO", TO),
    ]);
    let report = report(&[]);
    let status = n.notify(&report, &report.summary()).await.to_string();
    assert_eq!(
        status,
        "failed: twilio: 21211 Invalid 'To' Phone Number (token (redacted)) (HTTP 400)"
    );
    assert_eq!(twilio.requests().len(), 1);
}

/// CallMeBot: a GET to `/whatsapp.php` whose query holds the phone, the URL-encoded summary
/// (newlines, emoji, `*`) and the API key; "Message queued" counts as sent.
#[tokio::test]
async fn callmebot_gets_with_the_text_in_the_query() {
    let bot = Recorder::always(Reply::ok("Message queued. You will receive it in a few seconds."));
    let n = notifiers(&[
        ("OURA_NOTIFY", "callmebot"),
        ("CALLMEBOT_API_BASE", &bot.base),
        ("CALLMEBOT_APIKEY", CALLMEBOT_KEY),
        ("WHATSAPP_TO", TO),
    ]);
    let report = report(&[]);
    let text = report.summary();
    assert_eq!(n.notify(&report, &text).await, NotifyStatus::Sent);

    let r = &bot.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/whatsapp.php");
    assert!(r.body.is_empty());
    assert!(r.query.contains("phone=%2B15551234567"), "{}", r.query);
    assert_eq!(
        r.query_pairs(),
        [
            ("phone".to_string(), TO.to_string()),
            ("text".to_string(), text),
            ("apikey".to_string(), CALLMEBOT_KEY.to_string()),
        ]
    );
}

/// A CallMeBot answer that does not say "queued" (an HTML error page, even with 200) is a
/// failure, and neither the cause nor the status holds the API key, not even when the page
/// echoes it or the connection fails (reqwest errors quote the URL, which holds the key).
#[tokio::test]
async fn callmebot_without_queued_fails_and_hides_the_key() {
    let bot = Recorder::always(Reply::ok(format!(
        "<html><body><p>APIKey {CALLMEBOT_KEY} is invalid.</p></body></html>"
    )));
    let n = notifiers(&[
        ("OURA_NOTIFY", "callmebot"),
        ("CALLMEBOT_API_BASE", &bot.base),
        ("CALLMEBOT_APIKEY", CALLMEBOT_KEY),
        ("WHATSAPP_TO", TO),
    ]);
    let report = report(&[]);
    let status = n.notify(&report, &report.summary()).await.to_string();
    assert!(status.starts_with("failed: callmebot: the answer does not say"), "{status}");
    assert!(status.contains("APIKey (redacted) is invalid"), "{status}");
    assert!(!status.contains(CALLMEBOT_KEY), "{status}");

    // Nothing listens on port 9 (discard) here: a transport error.
    let n = notifiers(&[
        ("OURA_NOTIFY", "callmebot"),
        ("CALLMEBOT_API_BASE", "http://127.0.0.1:9"),
        ("CALLMEBOT_APIKEY", CALLMEBOT_KEY),
        ("WHATSAPP_TO", TO),
    ]);
    let status = n.notify(&report, &report.summary()).await.to_string();
    assert!(status.starts_with("failed: callmebot: "), "{status}");
    assert!(!status.contains(CALLMEBOT_KEY) && !status.contains("apikey"), "{status}");
}

/// The webhook: the run report as JSON (CONTRACT §5 fields plus `summary`), with the bearer
/// token when one is set.
#[tokio::test]
async fn webhook_posts_the_run_report() {
    let hook = Recorder::always(Reply::new(204, ""));
    let url = format!("{}/hooks/oura", hook.base);
    let n = notifiers(&[
        ("OURA_NOTIFY", "webhook"),
        ("NOTIFY_WEBHOOK_URL", &url),
        ("NOTIFY_WEBHOOK_TOKEN", HOOK_TOKEN),
    ]);
    let report = report(&[("sleep", "HTTP 500")]);
    let text = report.summary();
    assert_eq!(n.notify(&report, &text).await, NotifyStatus::Sent);

    let r = &hook.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/hooks/oura");
    assert_eq!(r.header("authorization"), Some(format!("Bearer {HOOK_TOKEN}").as_str()));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    let mut expected = serde_json::to_value(&report).unwrap();
    expected["summary"] = json!(text);
    assert_eq!(body, expected);
    for field in ["run_id", "status", "window", "started_at", "finished_at", "duration_ms"] {
        assert!(body.get(field).is_some(), "{field}");
    }
    assert_eq!(body["types"]["sleep"]["status"], "failed");
    assert_eq!(body["status"], "partial");
}

/// Without `NOTIFY_WEBHOOK_TOKEN` the webhook sends no `Authorization` header.
#[tokio::test]
async fn webhook_without_a_token_sends_no_authorization() {
    let hook = Recorder::always(Reply::ok("ok"));
    let n = notifiers(&[("OURA_NOTIFY", "webhook"), ("NOTIFY_WEBHOOK_URL", &hook.base)]);
    let report = report(&[]);
    assert_eq!(n.notify(&report, &report.summary()).await, NotifyStatus::Sent);
    assert_eq!(hook.requests()[0].header("authorization"), None);
}

/// A fake `openclaw` program: records its argument vector (NUL-separated) in `argv`, prints
/// `stdout`, exits with `code`, after `sleep` seconds when given.
fn fake_openclaw(dir: &Path, stdout: &str, code: i32, sleep: Option<u32>) -> PathBuf {
    let bin = dir.join("openclaw");
    let argv = dir.join("argv");
    let sleep = sleep.map(|s| format!("exec sleep {s}\n")).unwrap_or_default();
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> '{}'\n{sleep}printf '%s\\n' '{stdout}'\nexit {code}\n",
        argv.display()
    );
    std::fs::write(&bin, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

fn recorded_argv(dir: &Path) -> Vec<String> {
    let raw = std::fs::read_to_string(dir.join("argv")).unwrap_or_default();
    raw.split_terminator('\0').map(str::to_string).collect()
}

/// OpenClaw: the program runs with exactly `message send --channel whatsapp --target TO
/// --message TEXT --json` as separate arguments (no shell: the multi-line text with `*`
/// and backquotes arrives intact as one argument).
#[tokio::test]
async fn openclaw_runs_message_send_as_an_argument_vector() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_openclaw(dir.path(), r#"{"ok":true,"result":{"messageId":"m1"}}"#, 0, None);
    let n = notifiers(&[
        ("OURA_NOTIFY", "openclaw"),
        ("OPENCLAW_BIN", bin.to_str().unwrap()),
        ("WHATSAPP_TO", TO),
    ]);
    let mut report = report(&[("sleep", "`$(touch pwned)` failed; rm -rf ~")]);
    report.login_needed = true;
    let text = report.summary();
    assert_eq!(n.notify(&report, &text).await, NotifyStatus::Sent);
    assert_eq!(
        recorded_argv(dir.path()),
        [
            "message",
            "send",
            "--channel",
            "whatsapp",
            "--target",
            TO,
            "--message",
            text.as_str(),
            "--json"
        ]
    );
    assert!(!dir.path().join("pwned").exists());
}

/// OpenClaw failures: a non-zero exit with `{"ok":false,…}` on stdout, and `"ok": false`
/// even with exit 0, are failures whose cause is OpenClaw's own message; neither is retried.
#[tokio::test]
async fn openclaw_failures_carry_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let refusal =
        r#"{"ok":false,"error":{"type":"cli_error","message":"No active WhatsApp listener"}}"#;
    let bin = fake_openclaw(dir.path(), refusal, 1, None);
    let n = notifiers(&[
        ("OURA_NOTIFY", "openclaw"),
        ("OPENCLAW_BIN", bin.to_str().unwrap()),
        ("WHATSAPP_TO", TO),
    ]);
    let report = report(&[]);
    let status = n.notify(&report, &report.summary()).await.to_string();
    assert_eq!(
        status,
        "failed: openclaw: openclaw exited with status 1: cli_error: No active WhatsApp listener"
    );
    assert_eq!(recorded_argv(dir.path()).iter().filter(|a| *a == "send").count(), 1);

    let dir = tempfile::tempdir().unwrap();
    let bin = fake_openclaw(dir.path(), refusal, 0, None);
    let n = notifiers(&[
        ("OURA_NOTIFY", "openclaw"),
        ("OPENCLAW_BIN", bin.to_str().unwrap()),
        ("WHATSAPP_TO", TO),
    ]);
    let status = n.notify(&report, &report.summary()).await.to_string();
    assert!(status.starts_with("failed: openclaw: openclaw answered \"ok\": false"), "{status}");
}

/// A send that hangs is cut at the timeout (the child is killed), retried once, then
/// reported as timed out: the run does not wait for ever.
#[tokio::test]
async fn a_hanging_openclaw_times_out_and_is_retried_once() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_openclaw(dir.path(), "{}", 0, Some(30));
    let n = notifiers(&[
        ("OURA_NOTIFY", "openclaw"),
        ("OPENCLAW_BIN", bin.to_str().unwrap()),
        ("WHATSAPP_TO", TO),
    ])
    .with_timeout(Duration::from_millis(500));
    let report = report(&[]);
    let started = Instant::now();
    let status = n.notify(&report, &report.summary()).await.to_string();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(status, "failed: openclaw: no answer within 500 ms");
    assert_eq!(recorded_argv(dir.path()).iter().filter(|a| *a == "send").count(), 2);
}

/// One retry on 5xx (and 429, honouring `Retry-After`): a provider that fails once and then
/// accepts ends as `sent` after exactly two requests.
#[tokio::test]
async fn a_5xx_or_429_is_retried_once() {
    let meta = Recorder::start(|_, i| {
        if i == 0 {
            Reply::new(503, r#"{"error":{"message":"busy","code":2}}"#)
        } else {
            Reply::ok("{}")
        }
    });
    let hook = Recorder::start(|_, i| {
        if i == 0 { Reply::new(429, "slow down").header("retry-after", "1") } else { Reply::ok("") }
    });
    let n = notifiers(&[
        ("OURA_NOTIFY", "whatsapp,webhook"),
        ("WHATSAPP_API_BASE", &meta.base),
        ("WHATSAPP_ACCESS_TOKEN", META_TOKEN),
        ("WHATSAPP_PHONE_NUMBER_ID", "1"),
        ("WHATSAPP_TO", TO),
        ("NOTIFY_WEBHOOK_URL", &hook.base),
    ]);
    let report = report(&[]);
    assert_eq!(n.notify(&report, &report.summary()).await, NotifyStatus::Sent);
    assert_eq!(meta.requests().len(), 2);
    let hits = hook.requests();
    assert_eq!(hits.len(), 2);
    assert!(hits[1].at - hits[0].at >= Duration::from_millis(900), "Retry-After was not honoured");
}

/// A provider that keeps failing is tried twice, then reported with its code; other
/// channels of the same run are still sent and listed.
#[tokio::test]
async fn a_channel_that_keeps_failing_is_reported_beside_those_sent() {
    let meta = Recorder::always(Reply::new(
        500,
        r#"{"error":{"message":"(#131000) Something went wrong","code":131000,"fbtrace_id":"T1"}}"#,
    ));
    let hook = Recorder::always(Reply::ok(""));
    let n = notifiers(&[
        ("OURA_NOTIFY", "whatsapp,webhook"),
        ("WHATSAPP_API_BASE", &meta.base),
        ("WHATSAPP_ACCESS_TOKEN", META_TOKEN),
        ("WHATSAPP_PHONE_NUMBER_ID", "1"),
        ("WHATSAPP_TO", TO),
        ("NOTIFY_WEBHOOK_URL", &hook.base),
    ]);
    let report = report(&[]);
    let status = n.notify(&report, &report.summary()).await.to_string();
    assert_eq!(
        status,
        "failed: whatsapp: 131000 (#131000) Something went wrong (fbtrace_id T1) (HTTP 500); sent: webhook"
    );
    assert_eq!(meta.requests().len(), 2);
    assert_eq!(hook.requests().len(), 1);
}

/// `OURA_NOTIFY_ON=failure`: a successful run sends nothing (`not_needed`); a partial run and
/// a run that needs a new login are sent.
#[tokio::test]
async fn failure_only_mode_is_silent_on_success() {
    let hook = Recorder::always(Reply::ok(""));
    let n = notifiers(&[
        ("OURA_NOTIFY", "webhook"),
        ("OURA_NOTIFY_ON", "failure"),
        ("NOTIFY_WEBHOOK_URL", &hook.base),
    ]);
    let fine = report(&[]);
    assert_eq!(n.notify(&fine, &fine.summary()).await, NotifyStatus::NotNeeded);
    assert!(hook.requests().is_empty());

    let partial = report(&[("sleep", "HTTP 500")]);
    assert_eq!(n.notify(&partial, &partial.summary()).await, NotifyStatus::Sent);
    let mut login = report(&[]);
    login.login_needed = true;
    assert_eq!(n.notify(&login, &login.summary()).await, NotifyStatus::Sent);
    assert_eq!(hook.requests().len(), 2);
}

/// A report with many long failures is cut under the 1,000-character limit with
/// "… and N more", status line first, and that cut text is what a channel sends.
#[tokio::test]
async fn a_long_report_is_cut_under_the_limit() {
    let cause = "x".repeat(300);
    let failed: Vec<(&str, &str)> =
        DataType::ALL.iter().map(|t| (t.name(), cause.as_str())).collect();
    let report = report(&failed);
    let text = report.summary();
    assert!(text.chars().count() < SUMMARY_LIMIT, "{} characters", text.chars().count());
    assert!(text.lines().next().unwrap().starts_with("❌ *Oura sync failed*"), "{text}");
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("… and ") && last.ends_with(" more"), "{last}");

    let bot = Recorder::always(Reply::ok("Message queued."));
    let n = notifiers(&[
        ("OURA_NOTIFY", "callmebot"),
        ("CALLMEBOT_API_BASE", &bot.base),
        ("CALLMEBOT_APIKEY", CALLMEBOT_KEY),
        ("WHATSAPP_TO", TO),
    ]);
    assert_eq!(n.notify(&report, &text).await, NotifyStatus::Sent);
    let sent = bot.requests()[0].query_pairs()[1].1.clone();
    assert_eq!(sent, text);
}

/// No channel configured: nothing is sent and the status is `disabled`.
#[tokio::test]
async fn no_channel_is_disabled() {
    let n = notifiers(&[]);
    let report = report(&[]);
    assert_eq!(n.notify(&report, &report.summary()).await, NotifyStatus::Disabled);
}

/// A ledger whose every write of a run entry fails (and that holds nothing).
struct RunEntryRefused;

impl oura_sync::ledger::Ledger for RunEntryRefused {
    async fn check(&self) -> anyhow::Result<()> {
        Ok(())
    }
    async fn days(
        &self,
        _: DataType,
        _: oura_sync::window::Window,
    ) -> anyhow::Result<BTreeMap<jiff::civil::Date, oura_sync::ledger::DayEntry>> {
        Ok(BTreeMap::new())
    }
    async fn put_days(
        &self,
        _: &[oura_sync::ledger::DayEntry],
        _: oura_sync::window::Window,
    ) -> anyhow::Result<()> {
        Ok(())
    }
    async fn put_run(&self, _: &oura_sync::ledger::RunEntry) -> anyhow::Result<()> {
        anyhow::bail!("ProvisionedThroughputExceededException: slow down")
    }
    async fn recent_runs(&self, _: usize) -> anyhow::Result<Vec<oura_sync::ledger::RunEntry>> {
        Ok(Vec::new())
    }
    async fn last_day_with_records(
        &self,
        _: DataType,
    ) -> anyhow::Result<Option<oura_sync::ledger::DayEntry>> {
        Ok(None)
    }
    async fn identity(&self) -> anyhow::Result<Option<oura_sync::ledger::LakeIdentity>> {
        Ok(None)
    }
    async fn put_identity(&self, _: &oura_sync::ledger::LakeIdentity) -> anyhow::Result<()> {
        Ok(())
    }
    async fn put_record(&self, _: &str, _: &str, _: &str) -> anyhow::Result<()> {
        Ok(())
    }
    async fn records(&self, _: &str) -> anyhow::Result<Vec<oura_sync::ledger::Record>> {
        Ok(Vec::new())
    }
    async fn delete_record(&self, _: &str, _: &str) -> anyhow::Result<()> {
        Ok(())
    }
    fn describe(&self) -> String {
        "refusing ledger".into()
    }
    fn form(&self) -> &'static str {
        "refusing"
    }
}

/// When the ledger cannot record the run after the message went out, the run counts as
/// failed (exit 1), and the corrected summary goes out again: the last message says exactly
/// what stdout prints, and neither claims a success the ledger does not hold.
#[tokio::test]
async fn a_run_the_ledger_cannot_record_ends_failed_in_the_last_message_too() {
    let hook = Recorder::always(Reply::new(204, ""));
    let url = format!("{}/hooks/oura", hook.base);
    let n = notifiers(&[("OURA_NOTIFY", "webhook"), ("NOTIFY_WEBHOOK_URL", &url)]);
    let finished = oura_sync::ops::sync::finish(report(&[]), Some(&RunEntryRefused), &n).await;

    assert_eq!(finished.status, oura_sync::report::RunStatus::Failed);
    assert_eq!(oura_sync::report::run_exit_code(&finished), 1);
    let error = finished.error.clone().unwrap();
    assert!(error.starts_with("cannot record the run in the ledger: Provisioned"), "{error}");
    let sent = hook.requests();
    assert_eq!(sent.len(), 2, "the run's message, then its correction");
    assert_eq!(sent[0].json()["status"], "success");
    let last = sent[1].json();
    assert_eq!(last["status"], "failed");
    assert_eq!(last["summary"], json!(finished.summary()));
    assert!(finished.summary().contains("cannot record the run in the ledger"));
}

/// With `OURA_NOTIFY_ON=failure`, the successful run sends nothing, but once the ledger cannot
/// record it, the failed run is announced once.
#[tokio::test]
async fn a_run_the_ledger_cannot_record_is_announced_in_failure_only_mode() {
    let hook = Recorder::always(Reply::new(204, ""));
    let url = format!("{}/hooks/oura", hook.base);
    let n = notifiers(&[
        ("OURA_NOTIFY", "webhook"),
        ("OURA_NOTIFY_ON", "failure"),
        ("NOTIFY_WEBHOOK_URL", &url),
    ]);
    let finished = oura_sync::ops::sync::finish(report(&[]), Some(&RunEntryRefused), &n).await;
    let sent = hook.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["status"], "failed");
    assert_eq!(sent[0].json()["summary"], json!(finished.summary()));
}
