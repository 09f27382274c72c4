//! `oura-sync sync` end to end against the fake Oura server and the local lake.

use crate::common::*;
use crate::fake_oura::Fault;

const WEEK: [&str; 7] = [
    "2026-11-17",
    "2026-11-18",
    "2026-11-19",
    "2026-11-20",
    "2026-11-21",
    "2026-11-22",
    "2026-11-23",
];

/// A 7-day sync of all 19 types writes one file per (type, day) holding exactly that day's
/// records, the padding days' records nowhere, the snapshots under the last day; it records
/// the run and every day in the ledger, prints the summary, and exits 0.
#[test]
fn a_week_of_every_type_lands_in_the_lake_exactly() {
    let env = TestEnv::new();
    // Records on the days around the window too: they must not be written.
    seed_every_type(&env.oura, &["2026-11-16", "2026-11-24"]);
    seed_every_type(&env.oura, &WEEK);
    let out = env.run(&["sync", "2026-11-23", "--days", "7"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.starts_with("✅ *Oura sync success* 2026-11-17 → 2026-11-23"), "{summary}");
    assert!(summary.contains("heartrate: 21"), "{summary}");
    assert!(summary.contains("daily_sleep: 7"), "{summary}");
    assert!(summary.chars().count() < 1000);

    // Every file of the lake, byte for byte: each day's records, nothing else.
    assert_eq!(lake_contents(&env), expected_lake(&WEEK, "2026-11-23"));
    // The exact bytes, a newline after each record.
    assert_eq!(
        env.lake_file("daily_sleep", "2026-11-20").unwrap(),
        daily("daily_sleep", "2026-11-20") + "\n"
    );
    // The padding days were fetched but not written.
    assert!(env.lake_file("daily_sleep", "2026-11-16").is_none());
    assert!(env.lake_file("daily_sleep", "2026-11-24").is_none());
    // Snapshots under the last day only.
    assert!(env.lake_file("ring_configuration", "2026-11-23").is_some());
    assert!(env.lake_file("personal_info", "2026-11-23").unwrap().contains(r#""id":"me""#));
    assert_eq!(env.lake_files().iter().filter(|f| f.starts_with("ring_configuration/")).count(), 1);
    // 17 dated types × 7 days + 2 snapshots, plus the ledger's and silver's files.
    let data_files = env
        .lake_files()
        .into_iter()
        .filter(|f| !f.starts_with("_ledger") && !f.starts_with("_silver"))
        .count();
    assert_eq!(data_files, 17 * 7 + 2);

    let runs = env.ledger_runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["pk"], "oura#run");
    assert_eq!(runs[0]["status"], "success");
    assert_eq!(runs[0]["objects_written"], 121);
    assert_eq!(runs[0]["counts"]["heartrate"], 21);
    assert!(runs[0]["sk"].as_str().unwrap().ends_with(runs[0]["run_id"].as_str().unwrap()));
    let days = env.ledger_days("daily_sleep");
    assert_eq!(days.as_object().unwrap().len(), 7);
    let entry = &days["2026-11-20"];
    assert_eq!(entry["record_count"], 1);
    assert_eq!(
        entry["object_key"],
        "daily_sleep/year=2026/month=11/day=20/daily_sleep_2026-11-20.jsonl"
    );
    assert_eq!(entry["sha256"].as_str().unwrap().len(), 64);
}

/// The end-date traps: `daily_activity` of the last day (left out by a date-only end) and a
/// sleep whose bedtime was the evening before the first day (left out by a query starting on
/// that day) are both in the lake, because every date query is padded by a day.
#[test]
fn the_last_days_activity_and_the_first_nights_sleep_are_not_lost() {
    let env = TestEnv::new();
    env.oura.add("daily_activity", [activity("2026-11-23")]);
    env.oura.add("sleep", [sleep("s1", "2026-11-17", "2026-11-16T22:45:00-05:00")]);
    let out = env.run(&["sync", "2026-11-23", "--types", "daily_activity,sleep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(env.lake_file("daily_activity", "2026-11-23").is_some());
    assert!(env.lake_file("sleep", "2026-11-17").is_some());
    let query = &env.oura.requests_to("daily_activity")[0].query;
    assert_eq!(query["start_date"], "2026-11-16");
    assert_eq!(query["end_date"], "2026-11-24");
}

/// Every page is followed: with two records per page, seven days of daily_sleep take four
/// requests, each after the first sending the `next_token` it was given.
#[test]
fn every_page_is_followed_to_the_end() {
    let env = TestEnv::new();
    env.oura.add("daily_sleep", WEEK.iter().map(|d| daily("daily_sleep", d)));
    let out = env.run(&["sync", "2026-11-23", "--types", "daily_sleep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let requests = env.oura.requests_to("daily_sleep");
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[1].query["next_token"], "page-2");
    assert_eq!(requests[1].query["start_date"], "2026-11-16");
    assert_eq!(env.lake_files().iter().filter(|f| f.starts_with("daily_sleep/")).count(), 7);
}

/// Heart-rate samples are asked for with UTC datetimes covering the local days of
/// OURA_TIMEZONE, filed under their local date (a sample at 03:00Z is the evening before in
/// New York; on the 25-hour day of a clock change, all 25 hours), deduplicated, and a long
/// window is split into pieces of at most 30 days of UTC time that meet end to end.
#[test]
fn heart_rate_follows_the_time_zone_and_the_thirty_day_limit() {
    let env = TestEnv::new();
    env.oura.add(
        "heartrate",
        [
            sample("2026-11-23T03:00:00+00:00", 61, "rest"),
            sample("2026-11-23T05:30:00+00:00", 62, "awake"),
            sample("2026-11-23T05:30:00+00:00", 62, "awake"),
            sample("2026-10-01T12:00:00+00:00", 70, "rest"),
            // Around the clock change of 2026-11-01 (EDT → EST, a 25-hour day):
            // 23:30 EDT on Oct 31, 00:30 EDT and 23:30 EST on Nov 1, 00:30 EST on Nov 2.
            sample("2026-11-01T03:30:00+00:00", 63, "rest"),
            sample("2026-11-01T04:30:00+00:00", 64, "rest"),
            sample("2026-11-02T04:30:00+00:00", 65, "rest"),
            sample("2026-11-02T05:30:00+00:00", 66, "rest"),
        ],
    );
    let out = env
        .cmd()
        .env("OURA_TIMEZONE", "America/New_York")
        .args(["sync", "2026-11-23", "--days", "300", "--types", "heartrate"])
        .output()
        .unwrap();
    // The fake answers 400 to any piece over 30 days, which would fail the type.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let requests = env.oura.requests_to("heartrate");
    let spans: Vec<(jiff::Timestamp, jiff::Timestamp)> = requests
        .iter()
        .map(|r| {
            assert!(!r.query.contains_key("start_date"));
            assert!(r.query["start_datetime"].ends_with('Z'));
            (r.query["start_datetime"].parse().unwrap(), r.query["end_datetime"].parse().unwrap())
        })
        .collect();
    assert!(requests.len() >= 10, "300 days in pieces of at most 30: {}", requests.len());
    let thirty_days = jiff::SignedDuration::from_hours(24 * 30);
    assert!(spans.iter().all(|(from, to)| from.duration_until(*to) <= thirty_days));
    // Pieces run at once, so they arrive in any order; together they cover the window's local
    // days (2026-01-28 to 2026-11-23 in New York), end to end.
    let mut sorted = spans.clone();
    sorted.sort();
    assert_eq!(sorted[0].0.to_string(), "2026-01-28T05:00:00Z");
    assert_eq!(sorted.last().unwrap().1.to_string(), "2026-11-24T05:00:00Z");
    assert!(sorted.windows(2).all(|w| w[0].1 == w[1].0), "pieces meet without gap or overlap");
    assert_eq!(env.lake_file("heartrate", "2026-11-22").unwrap().lines().count(), 1);
    assert_eq!(env.lake_file("heartrate", "2026-11-23").unwrap().lines().count(), 1);
    assert!(env.lake_file("heartrate", "2026-10-01").is_some());
    assert!(env.lake_file("heartrate", "2026-10-31").unwrap().contains(r#""bpm":63"#));
    let nov_1 = env.lake_file("heartrate", "2026-11-01").unwrap();
    assert_eq!(nov_1.lines().count(), 2, "{nov_1}");
    assert!(nov_1.contains(r#""bpm":64"#) && nov_1.contains(r#""bpm":65"#));
    assert!(env.lake_file("heartrate", "2026-11-02").unwrap().contains(r#""bpm":66"#));
}

/// A second run over the same data rewrites nothing: every day is reported unchanged, the
/// files keep their modification times, and the ledger's day entries keep their first run.
#[test]
fn a_second_run_rewrites_nothing() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    assert_eq!(env.run(&["sync", "2026-11-23"]).status.code(), Some(0));
    let file =
        env.lake().join("daily_sleep/year=2026/month=11/day=20/daily_sleep_2026-11-20.jsonl");
    let before = std::fs::metadata(&file).unwrap().modified().unwrap();
    let first_run = env.ledger_days("daily_sleep")["2026-11-20"]["run_id"].clone();

    let out = env.run(&["sync", "2026-11-23", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["objects_written"], 0);
    assert_eq!(report["types"]["daily_sleep"]["days_unchanged"], 7);
    assert_eq!(report["types"]["daily_sleep"]["days_written"], 0);
    assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), before);
    assert_eq!(env.ledger_days("daily_sleep")["2026-11-20"]["run_id"], first_run);
    assert_eq!(env.ledger_runs().len(), 2);
}

/// A record revised by Oura replaces its day's object, and a record deleted from a day that
/// still has others shrinks it: re-syncing a day overwrites it, nothing is duplicated.
#[test]
fn a_revised_day_is_overwritten_not_duplicated() {
    let env = TestEnv::new();
    env.oura.add("workout", [daily("workout", "2026-11-20")]);
    assert_eq!(env.run(&["sync", "2026-11-23", "--types", "workout"]).status.code(), Some(0));
    let revised = daily("workout", "2026-11-20").replace("\"score\":80", "\"score\":91");
    env.oura.replace("workout", [revised.clone()]);
    assert_eq!(env.run(&["sync", "2026-11-23", "--types", "workout"]).status.code(), Some(0));
    assert_eq!(env.lake_file("workout", "2026-11-20").unwrap(), revised + "\n");
}

/// Passing faults are retried: a 500, a 429 with `Retry-After: 1` and a body cut off in the
/// middle each cost one more request, and the sync writes exactly the lake it writes
/// without faults.
#[test]
fn passing_faults_are_retried_until_the_answer_is_whole() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    env.oura.fault("daily_sleep", [Fault::Status(500), Fault::Status(503)]);
    env.oura.fault("heartrate", [Fault::RateLimited(1)]);
    env.oura.fault("daily_readiness", [Fault::CutOff]);
    let started = std::time::Instant::now();
    let out = env.run(&["sync", "2026-11-23"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "Retry-After was honoured");
    // Exactly the lake a sync without faults writes.
    assert_eq!(lake_contents(&env), expected_lake(&WEEK, "2026-11-23"));
    assert_eq!(env.oura.requests_to("daily_sleep").len(), 4 + 2);
    // A week of heart rate is seven one-day pieces, one of which met the 429 first.
    assert_eq!(env.oura.requests_to("heartrate").len(), 7 + 1);
    assert_eq!(env.oura.requests_to("daily_readiness").len(), 4 + 1);
    assert_eq!(env.lake_files().iter().filter(|f| f.starts_with("daily_readiness/")).count(), 7);
}

/// A type that keeps failing fails alone: the others are written, the summary names it with
/// a one-line cause, the ledger lists the failure, and the exit code is 1.
#[test]
fn one_failing_type_does_not_stop_the_others() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    env.oura.fault("sleep", std::iter::repeat_n(Fault::Status(502), 10));
    let out = env.run(&["sync", "2026-11-23"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.starts_with("⚠️ *Oura sync partial*"), "{summary}");
    assert!(
        summary.contains("❌ sleep: HTTP 502: Injected failure (gave up after 6 attempts)"),
        "{summary}"
    );
    assert!(env.lake_file("daily_sleep", "2026-11-23").is_some());
    assert!(env.lake_files().iter().all(|f| !f.starts_with("sleep/")));
    let run = &env.ledger_runs()[0];
    assert_eq!(run["status"], "partial");
    assert_eq!(run["failures"][0]["type"], "sleep");
    // No day entry claims a sleep day.
    assert!(env.ledger_days("sleep").is_null());
}

/// A 403 (scope or membership) on one type while the others succeed makes it skipped with
/// the reason, not failed: exit 0.
#[test]
fn a_refused_type_is_skipped_with_its_reason() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    env.oura.lock().refused.insert("daily_spo2".into(), 403);
    let out = env.run(&["sync", "2026-11-23", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "success");
    assert_eq!(report["types"]["daily_spo2"]["status"], "skipped");
    assert!(report["types"]["daily_spo2"]["reason"].as_str().unwrap().contains("HTTP 403"));
    assert_eq!(report["types"]["daily_sleep"]["status"], "ok");
}

/// A token that Oura refuses for every type is a dead login: exit 3, and the summary says to
/// run `oura-sync auth`.
#[test]
fn a_token_refused_everywhere_asks_for_a_new_login() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    env.oura.lock().valid_tokens = Some(["another-token".to_string()].into());
    let out = env.run(&["sync", "2026-11-23"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stdout(&out).contains("run `oura-sync auth`"), "{}", stdout(&out));
    assert_eq!(env.ledger_runs()[0]["status"], "failed");
}

/// `--dry-run` fetches and reports but writes nothing anywhere: no lake, no ledger.
#[test]
fn a_dry_run_writes_nothing() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let out = env.run(&["sync", "2026-11-23", "--dry-run", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["types"]["daily_sleep"]["records"], 7);
    assert_eq!(report["types"]["daily_sleep"]["days_written"], 7);
    assert!(!env.lake().exists());
}

/// `--sandbox` reads the sandbox routes without a login, skips `personal_info` (the sandbox
/// has none), and otherwise writes the lake like a real sync.
#[test]
fn the_sandbox_needs_no_login() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let out = env
        .cmd()
        .env_remove("OURA_ACCESS_TOKEN")
        .args(["sync", "2026-11-23", "--sandbox"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("personal_info: skipped, Oura's sandbox has no personal_info"));
    assert!(env.oura.lock().log.iter().all(|l| l.path.starts_with("/v2/sandbox/usercollection/")));
    assert!(env.lake_file("daily_sleep", "2026-11-23").is_some());
}

/// No secret reaches stdout, stderr (at the most verbose level), the lake or the ledger.
#[test]
fn the_token_never_leaks() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    env.oura.fault("daily_sleep", [Fault::Status(500)]);
    env.oura.lock().refused.insert("workout".into(), 401);
    let out = env.run(&["-vv", "sync", "2026-11-23"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains(TOKEN) && !stderr(&out).contains(TOKEN));
    assert!(stderr(&out).contains("Retrying a request."), "the log is verbose");
    for file in env.lake_files() {
        let text =
            String::from_utf8_lossy(&std::fs::read(env.lake().join(&file)).unwrap()).into_owned();
        assert!(!text.contains(TOKEN), "{file}");
    }
    // The token was sent where it belongs.
    assert_eq!(
        env.oura.requests_to("daily_sleep")[0].authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

/// `status` reads the ledger: the last runs and, per type, the last day with records.
#[test]
fn status_shows_runs_and_freshness() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    assert_eq!(env.run(&["sync", "2026-11-23"]).status.code(), Some(0));
    let out = env.run(&["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Last runs:") && text.contains("success"), "{text}");
    assert!(text.contains("daily_sleep") && text.contains("2026-11-23"), "{text}");
    let out = env.run(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["runs"][0]["status"], "success");
    assert_eq!(status["schema_version"], 1);
    let heartrate = &status["types"]["heartrate"];
    assert_eq!(heartrate["last_day"]["day"], "2026-11-23");
    assert_eq!(heartrate["last_day"]["record_count"], 3);
}

/// A refused token that cannot be refreshed (no OURA_CLIENT_ID/SECRET to do it with) needs
/// the user: exit 3, and the summary says what to set or to log in again.
#[test]
fn a_refused_token_without_app_credentials_asks_the_user_to_act() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    env.oura.lock().valid_tokens = Some(["fresh-token".to_string()].into());
    std::fs::write(
        env.dir.path().join(".oura-tokens.json"),
        format!(r#"{{"access_token":"{TOKEN}","refresh_token":"r-1","expires_in":86400}}"#),
    )
    .unwrap();
    let out = env.run(&["sync", "2026-11-23", "--types", "daily_sleep,heartrate"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.contains("set OURA_CLIENT_ID and OURA_CLIENT_SECRET"), "{summary}");
    assert!(!summary.contains(TOKEN) && !stderr(&out).contains(TOKEN));
}

/// A sandbox that refuses every request is a failed run (exit 1, said on the first lines),
/// never a quiet success with every type skipped.
#[test]
fn a_sandbox_refusing_everything_fails_loudly() {
    let env = TestEnv::new();
    for kind in ["daily_sleep", "heartrate"] {
        env.oura.lock().refused.insert(kind.into(), 401);
    }
    let out = env.run(&["sync", "2026-11-23", "--sandbox", "--types", "daily_sleep,heartrate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.starts_with("❌ *Oura sync failed*"), "{summary}");
    assert!(summary.contains("sandbox refused every request"), "{summary}");
}

/// With `-vv`, every log line of a run says which run (its id, as the report has it, and the
/// account), and the lines of a type, a piece and silver say so too, through their spans.
#[test]
fn log_lines_carry_the_run_type_piece_and_silver_spans() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &["2026-11-23"]);
    let out = env.run(&["-vv", "sync", "2026-11-23", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let run = format!("run{{run_id={} account=default}}", report["run_id"].as_str().unwrap());
    let err = stderr(&out);
    let has = |needle: &str| err.lines().any(|l| l.contains(&run) && l.contains(needle));
    assert!(has("Sync started."), "{err}");
    assert!(has("type{type=daily_sleep}:piece{days="), "{err}");
    assert!(has(":silver:"), "{err}");
}
