//! Notifications and the sync lock through the `oura-sync` binary: the fake Oura of
//! [`crate::fake_oura`], recorder servers for the channels, and the local lake and ledger in
//! the test's directory. These pin the outcome a user sees: exit codes, stdout, stderr, and
//! `notify_status` in the ledger's run entry.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

use crate::common::{TOKEN, TestEnv, daily, stderr, stdout};
use crate::fake_oura::Fault;
use crate::recorder::{Recorder, Reply};

const TO: &str = "+15551234567";

/// A test environment whose Oura has one `daily_sleep` record on 2026-01-10; `heartrate`
/// answers its first request with 400 when `fail_heartrate`.
fn env(fail_heartrate: bool) -> TestEnv {
    let env = TestEnv::new();
    env.oura.add("daily_sleep", [daily("daily_sleep", "2026-01-10")]);
    if fail_heartrate {
        env.oura.fault("heartrate", [Fault::Status(400)]);
    }
    env
}

/// A sync of 2026-01-10, daily_sleep and heartrate only, with `vars` set.
fn sync(env: &TestEnv, vars: &[(&str, &str)]) -> Command {
    let mut cmd = env.cmd();
    cmd.args(["sync", "2026-01-10", "--days", "1", "--types", "daily_sleep,heartrate"]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

/// Runs `cmd`: its exit code, stdout and stderr.
fn run(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.output().expect("the binary runs");
    (output.status.code().expect("an exit code"), stdout(&output), stderr(&output))
}

fn webhook_vars(hook: &Recorder) -> [(&'static str, String); 2] {
    [("OURA_NOTIFY", "webhook".into()), ("NOTIFY_WEBHOOK_URL", format!("{}/hook", hook.base))]
}

fn vars<'a>(
    owned: &'a [(&'static str, String)],
    more: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut all: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend_from_slice(more);
    all
}

/// A channel that refuses the message does not change the outcome: exit 0, the summary on
/// stdout, a warning with the provider's cause on stderr, and `failed: …` as the run entry's
/// `notify_status`.
#[test]
fn a_failing_channel_leaves_exit_0_and_records_the_failure() {
    let env = env(false);
    let hook = Recorder::always(Reply::new(400, "no such hook"));
    let owned = webhook_vars(&hook);
    let (code, stdout, stderr) = run(&mut sync(&env, &vars(&owned, &[])));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("✅ *Oura sync success* 2026-01-10 → 2026-01-10"), "{stdout}");
    assert!(stderr.contains("WARN") && stderr.contains("Notification failed"), "{stderr}");
    assert!(stderr.contains("HTTP 400: no such hook"), "{stderr}");
    let runs = env.ledger_runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["notify_status"], "failed: webhook: HTTP 400: no such hook");
    assert_eq!(hook.requests().len(), 1);
}

/// The text on stdout is exactly the text sent (an OpenClaw command job can announce stdout
/// as is), and a delivered message is recorded as `sent`.
#[test]
fn stdout_is_the_message_and_sent_is_recorded() {
    let env = env(false);
    let hook = Recorder::always(Reply::ok(""));
    let owned = webhook_vars(&hook);
    let (code, stdout, stderr) = run(&mut sync(&env, &vars(&owned, &[])));
    assert_eq!(code, 0, "{stderr}");
    let body = hook.requests()[0].json();
    assert_eq!(format!("{}\n", body["summary"].as_str().unwrap()), stdout);
    assert!(stdout.contains("daily_sleep: 1"), "{stdout}");
    assert_eq!(body["status"], "success");
    assert_eq!(body["types"]["daily_sleep"]["records"], 1);
    assert_eq!(env.ledger_runs()[0]["notify_status"], "sent");
}

/// `OURA_NOTIFY_ON=failure`: a successful run sends nothing and records `not_needed`; a
/// partial run (exit 1) is sent, with the failed type and its cause in the message.
#[test]
fn failure_only_mode_is_silent_on_success() {
    let env = env(false);
    let hook = Recorder::always(Reply::ok(""));
    let owned = webhook_vars(&hook);
    let only_failures = vars(&owned, &[("OURA_NOTIFY_ON", "failure")]);

    let (code, _, stderr) = run(&mut sync(&env, &only_failures));
    assert_eq!(code, 0, "{stderr}");
    assert!(hook.requests().is_empty());
    assert_eq!(env.ledger_runs()[0]["notify_status"], "not_needed");

    env.oura.fault("heartrate", [Fault::Status(400)]);
    let (code, stdout, stderr) = run(&mut sync(&env, &only_failures));
    assert_eq!(code, 1, "{stderr}");
    let sent = hook.requests();
    assert_eq!(sent.len(), 1);
    let summary = sent[0].json()["summary"].as_str().unwrap().to_string();
    assert!(summary.starts_with("⚠️ *Oura sync partial*"), "{summary}");
    assert!(summary.contains("❌ heartrate: "), "{summary}");
    assert_eq!(format!("{summary}\n"), stdout);
    assert_eq!(env.ledger_runs()[1]["notify_status"], "sent");
}

/// A run that needs a new login (exit 3) notifies, even in failure-only mode, telling the
/// user to run `oura-sync auth`: both with no login at all (announced, not recorded: it never
/// started) and with a token Oura refuses (announced and recorded).
#[test]
fn a_login_needed_run_notifies() {
    let env = env(false);
    let hook = Recorder::always(Reply::ok(""));
    let owned = webhook_vars(&hook);
    let only_failures = vars(&owned, &[("OURA_NOTIFY_ON", "failure")]);
    let (code, stdout, stderr) = run(sync(&env, &only_failures).env_remove("OURA_ACCESS_TOKEN"));
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(env.oura.request_count(), 0, "nothing is fetched without a login");
    assert!(stdout.contains("run `oura-sync auth`"), "{stdout}");
    assert!(stderr.contains("oura-sync auth"), "{stderr}");
    let body = hook.requests()[0].json();
    assert_eq!(body["login_needed"], true);
    assert_eq!(body["status"], "failed");
    assert_eq!(format!("{}\n", body["summary"].as_str().unwrap()), stdout);
    assert!(!env.lake().exists(), "a run that never started records nothing");

    // A token that Oura refuses for every type is a dead login too, and that run is recorded.
    env.oura.lock().valid_tokens = Some(HashSet::new());
    let (code, stdout, stderr) = run(&mut sync(&env, &only_failures));
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.contains("run `oura-sync auth`"), "{stdout}");
    assert_eq!(hook.requests().len(), 2);
    assert_eq!(hook.requests()[1].json()["login_needed"], true);
    let runs = env.ledger_runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "failed");
    assert_eq!(runs[0]["notify_status"], "sent");
}

/// `--no-notify` sends nothing and records `disabled`, even with channels configured.
#[test]
fn no_notify_sends_nothing() {
    let env = env(false);
    let hook = Recorder::always(Reply::ok(""));
    let owned = webhook_vars(&hook);
    let (code, _, stderr) = run(sync(&env, &vars(&owned, &[])).arg("--no-notify"));
    assert_eq!(code, 0, "{stderr}");
    assert!(hook.requests().is_empty());
    assert_eq!(env.ledger_runs()[0]["notify_status"], "disabled");
}

/// An unknown channel, or a channel without its settings, is a usage error (exit 2) that
/// names the problem, found before anything is fetched or written.
#[test]
fn bad_notification_settings_stop_the_run_before_any_data_moves() {
    let env = env(false);
    let (code, _, stderr) = run(&mut sync(&env, &[("OURA_NOTIFY", "whatsapp,signal")]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown channel `signal`"), "{stderr}");

    let (code, _, stderr) = run(&mut sync(
        &env,
        &[("OURA_NOTIFY", "twilio"), ("TWILIO_ACCOUNT_SID", "AC1"), ("WHATSAPP_TO", TO)],
    ));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM are not set"), "{stderr}");

    assert_eq!(env.oura.request_count(), 0);
    assert!(!env.lake().exists());
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Two overlapping syncs never interleave: while one runs, a second with
/// `OURA_LOCK_TIMEOUT=0` gives up at once (exit 1, saying why, nothing fetched or recorded),
/// and a third that may wait starts only after the first has finished.
#[test]
fn overlapping_syncs_do_not_interleave() {
    let env = env(false);
    env.oura.lock().delay = Duration::from_millis(1500);
    let mut first_cmd = sync(&env, &[]);
    let first = std::thread::spawn(move || first_cmd.output().unwrap());
    // Both of its requests (daily_sleep, heartrate) are in flight: it holds the lock.
    wait_until("the first sync to fetch", Duration::from_secs(30), || {
        env.oura.request_count() == 2
    });

    let (code, stdout, stderr) = run(&mut sync(&env, &[("OURA_LOCK_TIMEOUT", "0")]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("another `oura-sync sync` or `silver`"), "{stderr}");
    assert!(stderr.contains(".oura-sync.lock"), "{stderr}");

    let mut third_cmd = sync(&env, &[("OURA_LOCK_TIMEOUT", "60")]);
    let third = std::thread::spawn(move || third_cmd.output().unwrap());
    let first = first.join().unwrap();
    assert!(first.status.success(), "{}", crate::common::stderr(&first));
    let third = third.join().unwrap();
    assert!(third.status.success(), "{}", crate::common::stderr(&third));

    let runs = env.ledger_runs();
    assert_eq!(runs.len(), 2, "the run that gave up records nothing");
    let time = |v: &Value| v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    let (a, c) = if time(&runs[0]["started_at"]) < time(&runs[1]["started_at"]) {
        (&runs[0], &runs[1])
    } else {
        (&runs[1], &runs[0])
    };
    assert!(time(&a["finished_at"]) <= time(&c["started_at"]), "the runs overlapped: {runs:?}");
    // Two requests per run that ran; none from the one that gave up.
    assert_eq!(env.oura.request_count(), 4);
}

/// No secret (Oura token, Meta token, Twilio auth token, CallMeBot key, webhook token)
/// appears in stdout, stderr (at trace level), the ledger or the lake, although every
/// provider fails and some echo the secret back.
#[test]
fn no_secret_in_any_captured_output() {
    const SECRETS: [&str; 5] =
        [TOKEN, "EAAG-meta-secret", "twilio-secret", "5544332", "hook-secret"];
    let env = env(true);
    let meta = Recorder::always(Reply::new(
        401,
        r#"{"error":{"message":"Error validating access token EAAG-meta-secret","type":"OAuthException","code":190,"fbtrace_id":"X"}}"#,
    ));
    let twilio = Recorder::always(Reply::new(
        401,
        r#"{"code":20003,"message":"Authenticate twilio-secret","status":401}"#,
    ));
    let bot = Recorder::always(Reply::ok("<p>APIKey 5544332 is invalid</p>"));
    let hook = Recorder::always(Reply::new(403, "token hook-secret refused"));
    let openclaw = env.dir.path().join("openclaw");
    std::fs::write(&openclaw, "#!/bin/sh\necho 'gateway not running' >&2\nexit 3\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&openclaw, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let hook_url = format!("{}/hook", hook.base);
    let vars = [
        ("OURA_NOTIFY", "whatsapp,twilio,callmebot,openclaw,webhook"),
        ("WHATSAPP_TO", TO),
        ("WHATSAPP_API_BASE", meta.base.as_str()),
        ("WHATSAPP_ACCESS_TOKEN", "EAAG-meta-secret"),
        ("WHATSAPP_PHONE_NUMBER_ID", "1"),
        ("TWILIO_API_BASE", twilio.base.as_str()),
        ("TWILIO_ACCOUNT_SID", "AC1"),
        ("TWILIO_AUTH_TOKEN", "twilio-secret"),
        ("TWILIO_WHATSAPP_FROM", "+14155238886"),
        ("CALLMEBOT_API_BASE", bot.base.as_str()),
        ("CALLMEBOT_APIKEY", "5544332"),
        ("OPENCLAW_BIN", openclaw.to_str().unwrap()),
        ("NOTIFY_WEBHOOK_URL", hook_url.as_str()),
        ("NOTIFY_WEBHOOK_TOKEN", "hook-secret"),
    ];
    let (code, stdout, stderr) = run(sync(&env, &vars).arg("-vv"));
    assert_eq!(code, 1, "{stderr}");
    let runs = env.ledger_runs();
    let status = runs[0]["notify_status"].as_str().unwrap();
    for channel in
        ["whatsapp: 190", "twilio: 20003", "callmebot: ", "openclaw: ", "webhook: HTTP 403"]
    {
        assert!(status.contains(channel), "{channel} missing from {status}");
    }
    assert!(status.contains("gateway not running"), "{status}");
    let mut captured = format!("{stdout}\n{stderr}\n");
    for file in walk(&env.lake()) {
        captured.push_str(&String::from_utf8_lossy(&std::fs::read(file).unwrap()));
    }
    for secret in SECRETS {
        assert!(!captured.contains(secret), "`{secret}` leaked:\n{captured}");
    }
    // The providers did get their secrets: the test would prove nothing otherwise.
    assert!(meta.requests()[0].header("authorization").unwrap().contains("EAAG-meta-secret"));
    assert!(bot.requests()[0].query.contains("5544332"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
