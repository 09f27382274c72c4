//! Arguments and settings: every bad input gets one line saying what to do, the contract's
//! exit code, and nothing created or changed.

use crate::common::*;

/// Each bad argument exits 2 with a one-line error and creates nothing, and no request is
/// made to Oura.
#[test]
fn bad_arguments_exit_2_with_one_line_and_touch_nothing() {
    let env = TestEnv::new();
    let cases: &[(&[&str], &str)] = &[
        (&["sync", "2026-02-30"], "is not a date; write it as YYYY-MM-DD"),
        (&["sync", "2099-01-01"], "is after today"),
        (&["sync", "--from", "2026-11-10", "--to", "2026-11-01"], "is after --to"),
        (&["sync", "--days", "0"], "from 1 to 3660"),
        (&["sync", "--days", "3661"], "from 1 to 3660"),
        (&["sync", "--types", "daily_sleep,steps"], "unknown data type `steps`"),
        (&["sync", "--dest", "ftp://host/x"], "neither a local directory nor s3://"),
        (&["sync", "--layout", "parquet"], "--layout `parquet` is not a layout"),
        (&["status", "--layout", "csv"], "use hive-ndjson or bio-lakehouse"),
    ];
    for (args, wanted) in cases {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(wanted), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
    assert!(!env.lake().exists());
    assert_eq!(env.oura.request_count(), 0);
}

/// A bad setting is caught the same way: an unknown time zone or a bad OURA_DAYS.
#[test]
fn bad_settings_exit_2() {
    let env = TestEnv::new();
    let out = env.cmd().env("OURA_TIMEZONE", "Mars/Olympus").args(["sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a known IANA time zone"));
    let out = env.cmd().env("OURA_DAYS", "many").args(["sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("OURA_DAYS `many`"));
    assert!(!env.lake().exists());
}

/// Without a tokens file or OURA_ACCESS_TOKEN, `sync` exits 3 and says to run `oura-sync auth`.
#[test]
fn no_login_exits_3_with_what_to_do() {
    let env = TestEnv::new();
    let out = env.cmd().env_remove("OURA_ACCESS_TOKEN").args(["sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("run `oura-sync auth`"), "{}", stderr(&out));
    assert!(!env.lake().exists());
    assert_eq!(env.oura.request_count(), 0);
}

/// A malformed tokens file exits 3 without quoting the file, and is left as it was.
#[test]
fn a_malformed_tokens_file_exits_3_and_is_not_quoted() {
    let env = TestEnv::new();
    let path = env.dir.path().join(".oura-tokens.json");
    std::fs::write(&path, r#"{"refresh_token":"r-SECRET-77","access_token":"#).unwrap();
    let out = env.run(&["sync"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("is not usable"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("r-SECRET-77"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        r#"{"refresh_token":"r-SECRET-77","access_token":"#
    );
    assert_eq!(env.oura.request_count(), 0);
}

/// Precedence: the flag beats the environment, which beats the env file, which beats the
/// default; a missing default env file is fine, a missing explicit one is exit 2.
#[test]
fn flag_beats_environment_beats_env_file() {
    let env = TestEnv::new();
    env.oura.add("daily_sleep", (10..=23).map(|d| daily("daily_sleep", &format!("2026-11-{d}"))));
    std::fs::write(env.dir.path().join(".env.oura"), "OURA_DAYS=2\nOURA_TYPES=daily_sleep\n")
        .unwrap();
    let days_of = |out: &std::process::Output| -> u64 {
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["types"]["daily_sleep"]["records"].as_u64().unwrap()
    };
    let args = ["sync", "2026-11-23", "--json", "--dry-run"];
    assert_eq!(days_of(&env.run(&args)), 2, "env file");
    let out = env.cmd().env("OURA_DAYS", "3").args(args).output().unwrap();
    assert_eq!(days_of(&out), 3, "environment over env file");
    let out = env.cmd().env("OURA_DAYS", "3").args(args).args(["--days", "4"]).output().unwrap();
    assert_eq!(days_of(&out), 4, "flag over environment");

    let out = env.run(&["--env-file", "missing.env", "sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the env file missing.env does not exist"), "{}", stderr(&out));
}

/// A malformed env file exits 2 without echoing its lines (they may hold secrets).
#[test]
fn a_malformed_env_file_is_refused_without_quoting_it() {
    let env = TestEnv::new();
    std::fs::write(env.dir.path().join("bad.env"), "OURA_CLIENT_SECRET='cs-SECRET-9\n").unwrap();
    let out = env.run(&["--env-file", "bad.env", "sync"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("cs-SECRET-9"), "{}", stderr(&out));
}

/// A value with spaces left unquoted (the old example file's `OURA_SCOPES` line, uncommented)
/// is exit 2 with the file, the line number and what to do, and the line is not quoted.
#[test]
fn a_malformed_env_file_line_is_named_by_its_number() {
    let env = TestEnv::new();
    std::fs::write(
        env.dir.path().join("bad.env"),
        "# settings\nOURA_DAYS=7\n\nOURA_SCOPES=email personal-SECRETISH daily\n",
    )
    .unwrap();
    let out = env.run(&["--env-file", "bad.env", "sync"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("the env file bad.env is malformed at line 4, character"), "{err}");
    assert!(err.contains("KEY='a b'"), "{err}");
    assert!(!err.contains("SECRETISH"), "{err}");
}

/// `status` sees a bare `OURA_ACCESS_TOKEN` given in the env file, not only one in the
/// environment (it used to read the environment alone and said "Login: none").
#[test]
fn status_sees_an_access_token_from_the_env_file() {
    let env = TestEnv::new();
    std::fs::write(env.dir.path().join(".env.oura"), format!("OURA_ACCESS_TOKEN={TOKEN}\n"))
        .unwrap();
    let out = env.cmd().env_remove("OURA_ACCESS_TOKEN").arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Login: OURA_ACCESS_TOKEN (cannot be refreshed)"), "{text}");
    assert!(!text.contains(TOKEN) && !stderr(&out).contains(TOKEN));
}

/// `OURA_DESTINATION=~/my-lake` in the env file (which no shell expands) is the lake in the
/// home directory, not a folder literally named `~` in the working directory.
#[test]
fn a_tilde_in_an_env_file_path_is_the_home_directory() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &["2026-11-22", "2026-11-23"]);
    let home = env.dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(env.dir.path().join(".env.oura"), "OURA_DESTINATION=~/my-lake\n").unwrap();
    let out = env
        .cmd()
        .env("HOME", &home)
        .args(["sync", "2026-11-23", "--days", "2", "--types", "daily_sleep"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(home.join("my-lake/daily_sleep").is_dir(), "{}", stdout(&out));
    assert!(!env.dir.path().join("~").exists());
}

/// `status` of a lake the user named that does not exist (a typo in `--dest` or
/// `OURA_DESTINATION`) is exit 2 with one line, as `silver` is, and creates nothing; with the
/// default destination not made yet, status still shows the login and "Runs: none yet".
#[test]
fn status_of_a_named_lake_that_does_not_exist_is_exit_2() {
    let env = TestEnv::new();
    let out = env.run(&["status", "--dest", "./typo-lake"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("there is no lake at ./typo-lake"), "{}", stderr(&out));
    let out = env.cmd().env("OURA_DESTINATION", "typo-lake").arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(!env.dir.path().join("typo-lake").exists());
    let fresh = env.run(&["status"]);
    assert_eq!(fresh.status.code(), Some(0), "{}", stderr(&fresh));
    assert!(stdout(&fresh).contains("none yet"), "{}", stdout(&fresh));
}
