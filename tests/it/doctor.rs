//! `oura-sync doctor` through the binary, against the fake Oura server, recorders and moto:
//! a healthy setup passes every check and writes nothing; each broken part fails its own
//! check with the fix, and the exit code is 0 only when every check passes.

use std::collections::BTreeSet;

use crate::aws_env;
use crate::common::*;
use crate::recorder::{Recorder, Reply};

/// Writes a tokens file (mode `mode`) whose access token is `TOKEN`, expiring in `expires_in`
/// seconds, granting `scope`, refreshable or not.
fn tokens_file(env: &TestEnv, mode: u32, expires_in: i64, scope: &str, refreshable: bool) {
    let path = env.dir.path().join(".oura-tokens.json");
    let expires_at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(expires_in);
    let mut file = serde_json::json!({
        "access_token": TOKEN, "token_type": "bearer",
        "expires_at": expires_at.to_string(), "scope": scope,
    });
    if refreshable {
        file["refresh_token"] = "refresh-SECRET-77a1".into();
    }
    std::fs::write(&path, file.to_string()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every file and directory under the test directory, relative.
fn tree(env: &TestEnv) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![env.dir.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            found.insert(path.strip_prefix(env.dir.path()).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found
}

/// `doctor --json`, with the bare token removed unless a test sets it again.
fn doctor(
    env: &TestEnv,
    extra: &[(&str, &str)],
    args: &[&str],
) -> (Option<i32>, serde_json::Value, String) {
    let mut cmd = env.cmd();
    cmd.env_remove("OURA_ACCESS_TOKEN").env("OURA_TYPES", "daily_sleep,heartrate");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.arg("doctor").arg("--json").args(args).output().unwrap();
    crate::toolbox::assert_matches_schema(&out.stdout, "doctor.schema.json");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    for secret in [TOKEN, "cs-SECRET-1", "refresh-SECRET-77a1"] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{text}"));
    (out.status.code(), report, text)
}

/// The check named `name` of a doctor report.
fn check<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {report:#}"))
}

/// A healthy setup: every check passes (exit 0), each setting says where it came from, the
/// text form has one ✓ line per check, and nothing is created or changed.
#[test]
fn a_healthy_setup_passes_every_check_and_writes_nothing() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    std::fs::write(
        env.dir.path().join(".env.oura"),
        "OURA_DAYS=3\nOURA_CLIENT_SECRET=cs-SECRET-1\n",
    )
    .unwrap();
    let before = tree(&env);
    let (code, report, _) = doctor(&env, &[], &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["schema_version"], 1);
    for name in ["login", "oura api", "clock", "destination", "time zone", "notify"] {
        assert_eq!(check(&report, name)["ok"], true, "{name}: {report:#}");
    }
    let setting = |name: &str| {
        report["settings"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap().clone()
    };
    assert_eq!(setting("OURA_DAYS")["source"], "env file");
    assert_eq!(setting("OURA_TIMEZONE")["source"], "environment");
    assert_eq!(setting("OURA_DESTINATION")["source"], "default");
    assert_eq!(tree(&env), before, "doctor wrote something");
    assert_eq!(env.oura.request_count(), 1, "one cheap request");

    let out = env
        .cmd()
        .env_remove("OURA_ACCESS_TOKEN")
        .env("OURA_TYPES", "daily_sleep,heartrate")
        .arg("doctor")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains("✓ login: tokens file") && text.contains("All checks passed."), "{text}");
    assert!(!text.contains('✗'), "{text}");
}

/// No tokens file and no OURA_ACCESS_TOKEN: the login check fails with `oura-sync auth`, Oura
/// is not asked, exit 1.
#[test]
fn no_login_fails_the_login_check() {
    let env = TestEnv::new();
    let (code, report, _) = doctor(&env, &[], &[]);
    assert_eq!(code, Some(1));
    let login = check(&report, "login");
    assert_eq!(login["ok"], false);
    assert!(login["fix"].as_str().unwrap().contains("oura-sync auth"), "{login}");
    assert_eq!(env.oura.request_count(), 0);
}

/// A tokens file others can read fails with the chmod to run.
#[test]
fn a_tokens_file_readable_by_others_fails_with_chmod() {
    let env = TestEnv::new();
    tokens_file(&env, 0o644, 3600, "daily heartrate", true);
    let (code, report, _) = doctor(&env, &[], &[]);
    assert_eq!(code, Some(1));
    let login = check(&report, "login");
    assert!(login["detail"].as_str().unwrap().contains("mode 0644"), "{login}");
    assert!(login["fix"].as_str().unwrap().contains("chmod 600"), "{login}");
}

/// An expired access token without a refresh token fails; with one, it passes (the sync will
/// refresh it) and the doctor refreshes nothing.
#[test]
fn an_expired_login_fails_only_without_a_refresh_token() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, -60, "daily heartrate", false);
    let (code, report, _) = doctor(&env, &[], &[]);
    assert_eq!(code, Some(1));
    assert!(check(&report, "login")["detail"].as_str().unwrap().contains("no refresh token"));
    tokens_file(&env, 0o600, -60, "daily heartrate", true);
    let before = std::fs::read(env.dir.path().join(".oura-tokens.json")).unwrap();
    let (_, report, _) = doctor(&env, &[], &[]);
    assert_eq!(check(&report, "login")["ok"], true, "{report:#}");
    assert_eq!(std::fs::read(env.dir.path().join(".oura-tokens.json")).unwrap(), before);
}

/// A scope the types need that the login does not seem to grant is named in the login line,
/// as a hint: the check passes (the sync asks anyway, and skips a type Oura refuses).
#[test]
fn a_scope_that_seems_missing_is_named_but_does_not_fail() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily", true);
    let (code, report, _) = doctor(&env, &[], &[]);
    assert_eq!(code, Some(0), "{report:#}");
    let login = check(&report, "login");
    let detail = login["detail"].as_str().unwrap();
    assert!(detail.contains("seem not granted: heartrate") && detail.contains("OURA_SCOPES"));
}

/// Oura refusing the access token fails the Oura check with what to run.
#[test]
fn a_refused_token_fails_the_oura_check() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    env.oura.lock().valid_tokens = Some(["another-token".to_string()].into());
    let (code, report, _) = doctor(&env, &[], &[]);
    assert_eq!(code, Some(1));
    let api = check(&report, "oura api");
    assert!(api["detail"].as_str().unwrap().contains("HTTP 401"), "{api}");
    assert!(api["fix"].as_str().unwrap().contains("oura-sync refresh"), "{api}");
}

/// Oura unreachable fails the Oura check with the network/proxy hint.
#[test]
fn an_unreachable_oura_fails_with_the_network_hint() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let (code, report, _) = doctor(&env, &[("OURA_API_BASE", &base)], &[]);
    assert_eq!(code, Some(1));
    let api = check(&report, "oura api");
    assert!(api["detail"].as_str().unwrap().starts_with("cannot reach 127.0.0.1"), "{api}");
    assert!(api["fix"].as_str().unwrap().contains("HTTPS_PROXY"), "{api}");
}

/// A clock far from Oura's (its Date header) fails the clock check with the NTP fix.
#[test]
fn a_wrong_clock_fails_the_clock_check() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    let oura = Recorder::always(
        Reply::ok(r#"{"data":[],"next_token":null}"#)
            .header("date", "Mon, 01 Jan 2001 00:00:00 GMT"),
    );
    let (code, report, _) = doctor(&env, &[("OURA_API_BASE", &oura.base)], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(check(&report, "oura api")["ok"], true);
    let clock = check(&report, "clock");
    assert_eq!(clock["ok"], false);
    assert!(clock["fix"].as_str().unwrap().contains("NTP"), "{clock}");
}

/// A destination that is a file fails the destination check.
#[test]
fn a_destination_that_is_a_file_fails() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    std::fs::write(env.dir.path().join("lake"), "x").unwrap();
    let (code, report, _) = doctor(&env, &[("OURA_DESTINATION", "lake")], &[]);
    assert_eq!(code, Some(1));
    let dest = check(&report, "destination");
    assert!(dest["detail"].as_str().unwrap().contains("is a file, not a directory"), "{dest}");
}

/// A missing bucket, and a missing ledger table, fail the destination check naming the fix.
#[tokio::test]
async fn a_missing_bucket_or_table_fails_the_destination_check() {
    let aws = aws_env::clients().await;
    let bucket = aws_env::new_bucket(&aws, "doctor").await;
    let table = aws_env::new_table(&aws, "doctor").await;
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    let missing = aws_env::unique_name("missing");
    let dest = format!("s3://{missing}/oura");
    let (code, report, _) =
        doctor(&env, &[("OURA_DESTINATION", &dest), ("OURA_DYNAMODB_TABLE", &table)], &[]);
    assert_eq!(code, Some(1));
    let check_ = check(&report, "destination");
    assert!(check_["detail"].as_str().unwrap().contains("does not exist"), "{check_}");
    let dest = format!("s3://{bucket}/oura");
    let (code, report, _) =
        doctor(&env, &[("OURA_DESTINATION", &dest), ("OURA_DYNAMODB_TABLE", &missing)], &[]);
    assert_eq!(code, Some(1));
    assert!(check(&report, "destination")["detail"].as_str().unwrap().contains(&missing));
    let (code, report, _) =
        doctor(&env, &[("OURA_DESTINATION", &dest), ("OURA_DYNAMODB_TABLE", &table)], &[]);
    assert_eq!(code, Some(0), "{report:#}");
}

/// An invalid setting (an unknown time zone) is the one failed check, exit 2.
#[test]
fn an_invalid_time_zone_is_a_failed_settings_check() {
    let env = TestEnv::new();
    let (code, report, _) = doctor(&env, &[("OURA_TIMEZONE", "Mars/Olympus")], &[]);
    assert_eq!(code, Some(2));
    let settings = check(&report, "settings");
    assert!(settings["detail"].as_str().unwrap().contains("Mars/Olympus"), "{settings}");
}

/// A channel without its settings fails the notify check, naming what to set.
#[test]
fn an_incomplete_channel_fails_the_notify_check() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    let (code, report, _) = doctor(&env, &[("OURA_NOTIFY", "whatsapp")], &[]);
    assert_eq!(code, Some(1));
    let notify = check(&report, "notify");
    assert!(notify["detail"].as_str().unwrap().contains("WHATSAPP_"), "{notify}");
}

/// Without --send-test nothing is sent; with it, a test message goes out on each channel,
/// and a channel that refuses it fails its check.
#[test]
fn send_test_sends_a_test_message_and_reports_a_refusal() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    let hook = Recorder::always(Reply::ok("{}"));
    let url = format!("{}/hook", hook.base);
    let settings = [("OURA_NOTIFY", "webhook"), ("NOTIFY_WEBHOOK_URL", url.as_str())];
    let (code, report, _) = doctor(&env, &settings, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert!(hook.requests().is_empty(), "sent without --send-test");
    let (code, report, _) = doctor(&env, &settings, &["--send-test"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(check(&report, "notify webhook")["detail"], "test message sent");
    assert_eq!(hook.requests().len(), 1);

    let refusing = Recorder::always(Reply::new(400, "bad hook"));
    let url = format!("{}/hook", refusing.base);
    let settings = [("OURA_NOTIFY", "webhook"), ("NOTIFY_WEBHOOK_URL", url.as_str())];
    let (code, report, _) = doctor(&env, &settings, &["--send-test"]);
    assert_eq!(code, Some(1));
    let webhook = check(&report, "notify webhook");
    assert!(
        webhook["detail"].as_str().unwrap().starts_with("the test message failed"),
        "{webhook}"
    );
}

/// Every invalid setting is its own failed `settings` line in one run (it stopped at the
/// first), and the checks that do not depend on them still run; exit 2.
#[test]
fn every_invalid_setting_is_reported_in_one_run() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    let bad = [
        ("OURA_TIMEZONE", "Mars/Olympus"),
        ("OURA_CONCURRENCY", "999"),
        ("OURA_LAYOUT", "nope"),
        ("OURA_NOTIFY_ON", "sometimes"),
    ];
    let (code, report, _) = doctor(&env, &bad, &[]);
    assert_eq!(code, Some(2), "{report:#}");
    let settings: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"] == "settings")
        .map(|c| c["detail"].as_str().unwrap())
        .collect();
    assert_eq!(settings.len(), 4, "{settings:#?}");
    for (name, value) in bad {
        assert!(settings.iter().any(|s| s.contains(value)), "{name}={value}: {settings:#?}");
    }
    assert_eq!(check(&report, "login")["ok"], true, "the login is still checked");
    assert_eq!(check(&report, "oura api")["ok"], true, "Oura is still asked");
}

/// With nothing set up, the login's next step sets the Oura app's two settings first (`auth`
/// alone would stop on them); with them set, it is `oura-sync auth`.
#[test]
fn with_no_setup_the_login_hint_names_the_app_settings_first() {
    let env = TestEnv::new();
    let (_, report, _) = doctor(&env, &[], &[]);
    let fix = check(&report, "login")["fix"].as_str().unwrap().to_string();
    assert!(fix.starts_with("set OURA_CLIENT_ID and OURA_CLIENT_SECRET"), "{fix}");
    assert!(fix.contains("then run `oura-sync auth`"), "{fix}");
    let app = [("OURA_CLIENT_ID", "my-app"), ("OURA_CLIENT_SECRET", "cs-SECRET-1")];
    let (_, report, _) = doctor(&env, &app, &[]);
    let fix = check(&report, "login")["fix"].as_str().unwrap().to_string();
    assert!(fix.starts_with("run `oura-sync auth`"), "{fix}");
}

/// A bare OURA_ACCESS_TOKEN that Oura refuses is not told to run `refresh` (it cannot be
/// refreshed, as the login line says): set another, or log in.
#[test]
fn a_refused_bare_token_is_not_told_to_refresh() {
    let env = TestEnv::new();
    env.oura.lock().valid_tokens = Some(["another-token".to_string()].into());
    let (code, report, _) = doctor(&env, &[("OURA_ACCESS_TOKEN", TOKEN)], &[]);
    assert_eq!(code, Some(1));
    let fix = check(&report, "oura api")["fix"].as_str().unwrap().to_string();
    assert!(!fix.contains("oura-sync refresh"), "{fix}");
    assert!(fix.contains("OURA_ACCESS_TOKEN cannot be refreshed"), "{fix}");
}

/// Oura unreachable is worded as a sync words it: the host, the cause without the URL, and
/// the proxy settings (it said "error sending request for url").
#[test]
fn an_unreachable_oura_is_worded_as_sync_words_it() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let (_, report, _) = doctor(&env, &[("OURA_API_BASE", &base)], &[]);
    let api = check(&report, "oura api");
    let detail = api["detail"].as_str().unwrap();
    assert!(detail.starts_with("cannot reach 127.0.0.1: cannot connect"), "{api}");
    assert!(!detail.contains("error sending request"), "{api}");
    assert_eq!(api["fix"], "check the network or proxy (HTTPS_PROXY, NO_PROXY)");
}

/// `doctor` takes the lake flags of `status` (it refused `--dest`): the destination checked is
/// the flag's, recorded as coming from the flag.
#[test]
fn doctor_takes_the_lake_flags_of_status() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    std::fs::create_dir(env.dir.path().join("other-lake")).unwrap();
    let flags = ["--dest", "other-lake", "--layout", "bio-lakehouse", "--silver-dest", "silver"];
    let (code, report, _) = doctor(&env, &[], &flags);
    assert_eq!(code, Some(0), "{report:#}");
    assert!(check(&report, "destination")["detail"].as_str().unwrap().contains("other-lake"));
    let source = |name: &str| {
        report["settings"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()["source"]
            .clone()
    };
    assert_eq!(source("OURA_DESTINATION"), "flag --dest");
    assert_eq!(source("OURA_LAYOUT"), "flag --layout");
}

/// A destination whose permission bits say writable but which refuses writes fails at the
/// probe write, with the cause (it passed: the check read the bits). The place is
/// `/sys/kernel/oura-lake`: `/sys/kernel` is mode 0755, so the bits pass for its owner root and
/// for anyone else alike, and sysfs refuses to create anything in it, even for root (as a
/// read-only mount would; a tmpfs mount is not available to every test run).
#[test]
fn a_destination_that_refuses_writes_fails_at_the_probe() {
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    let (code, report, _) = doctor(&env, &[], &["--dest", "/sys/kernel/oura-lake"]);
    assert_eq!(code, Some(1), "{report:#}");
    let dest = check(&report, "destination");
    let detail = dest["detail"].as_str().unwrap();
    assert!(detail.contains("does not take writes: cannot write a probe object"), "{dest}");
    assert!(
        ["Operation not permitted", "Permission denied", "Read-only file system"]
            .iter()
            .any(|cause| detail.contains(cause)),
        "the cause is named: {dest}"
    );
    assert!(dest["fix"].as_str().unwrap().contains("read-only mount"), "{dest}");
}

/// On S3 the probe is written and removed (the bucket holds nothing after a healthy doctor),
/// and a bucket that refuses `PutObject` (a proxy answering 500 to every put in front of moto,
/// while `HeadBucket` passes) fails the destination check with S3's answer.
#[tokio::test]
async fn the_s3_probe_leaves_nothing_and_a_refused_put_fails() {
    let aws = aws_env::clients().await;
    let bucket = aws_env::new_bucket(&aws, "doctor-probe").await;
    let table = aws_env::new_table(&aws, "doctor-probe").await;
    let env = TestEnv::new();
    tokens_file(&env, 0o600, 3600, "daily heartrate", true);
    let dest = format!("s3://{bucket}/oura");
    let lake = [("OURA_DESTINATION", dest.as_str()), ("OURA_DYNAMODB_TABLE", table.as_str())];
    let (code, report, _) = doctor(&env, &lake, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    let detail = check(&report, "destination")["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("a probe object written and removed"), "{detail}");
    let listed = aws.s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
    assert_eq!(listed.key_count(), Some(0), "{listed:?}");

    let proxy = aws_env::FailingS3Proxy::start(0);
    let refusing = [lake[0], lake[1], ("AWS_ENDPOINT_URL_S3", proxy.url.as_str())];
    let (code, report, _) = doctor(&env, &refusing, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    let dest = check(&report, "destination");
    assert!(dest["detail"].as_str().unwrap().contains("does not take writes"), "{dest}");
    assert!(proxy.refused_puts() >= 1);
}
