//! Silver as a checked function of bronze (issue 21): a run killed while it writes silver is
//! healed by the next daily sync, a damaged month file is never served and is rebuilt, numbers
//! no double holds are kept exactly without failing their month, and dates before Oura existed
//! are refused.

use std::path::Path;

use jiff::ToSpan;
use jiff::civil::date;
use oura_sync::datatype::DataType;
use serde_json::{Value, json};

use crate::backfill::{spawn, wait_for};
use crate::common::{TestEnv, activity, seed_every_type, stderr, stdout};
use crate::dashboard::without_footer;
use crate::health_seed as seed;
use crate::silver::{duckdb, silver_glob};

/// Every `.parquet` file under `dir`, at any depth.
fn parquet_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                found.push(path);
            }
        }
    }
    found
}

/// The bronze lines of `data_type` in the lake (one record each).
fn bronze_lines(env: &TestEnv, data_type: &str) -> usize {
    env.lake_files()
        .into_iter()
        .filter(|f| f.starts_with(&format!("{data_type}/")) && f.ends_with(".jsonl"))
        .map(|f| std::fs::read_to_string(env.lake().join(f)).unwrap().lines().count())
        .sum()
}

/// `status --json`'s months whose silver is not current, by type.
fn not_current(env: &TestEnv) -> serde_json::Map<String, Value> {
    let out = env.run(&["status", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status: Value = serde_json::from_str(&stdout(&out)).unwrap();
    status["types"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, t)| t["silver"]["not_current"].as_object().is_some_and(|m| !m.is_empty()))
        .map(|(name, t)| (name.clone(), t["silver"]["not_current"].clone()))
        .collect()
}

/// Attack 3: a backfill killed (SIGKILL) while it writes silver leaves months unbuilt and
/// unrecorded; `status` names them instead of calling silver current, and the next plain daily
/// sync, whose window touches none of them, builds every one: afterwards DuckDB counts in
/// silver exactly the records bronze holds, type by type.
#[test]
fn a_run_killed_during_silver_is_healed_by_the_next_daily_sync() {
    let env = TestEnv::new();
    let start = date(2026, 1, 1);
    let days: Vec<String> = start
        .series(1.day())
        .take_while(|d| *d <= date(2026, 11, 23))
        .map(|d| d.to_string())
        .collect();
    let days: Vec<&str> = days.iter().map(String::as_str).collect();
    seed_every_type(&env.oura, &days);
    let mut child = spawn(&env, &["sync", "--from", "2026-01-01", "--to", "2026-11-23"], &[]);
    let silver = env.lake().join("_silver");
    wait_for(|| !parquet_files(&silver).is_empty(), "silver month file");
    let status = std::process::Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = child.wait();
    // 17 types over 11 months, and the two snapshots under the window's last day.
    let months = 17 * 11 + 2;
    let built = parquet_files(&silver).len();
    assert!(built < months, "the kill came after silver was done ({built} files); nothing to heal");
    assert_eq!(env.ledger_runs().len(), 0, "the killed run recorded nothing");
    assert!(!not_current(&env).is_empty(), "status calls the unbuilt months current");

    let out = env.run(&["sync", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["silver"]["status"], "ok", "{report}");
    assert!(parquet_files(&silver).len() >= months);
    for &t in DataType::ALL {
        let rows = duckdb(&format!("select count(*) from '{}'", silver_glob(&env, t.name())));
        assert_eq!(rows, [[json!(bronze_lines(&env, t.name()))]], "{t}");
    }
    assert_eq!(not_current(&env), serde_json::Map::new());
}

/// (day, score) of every row of a daily_readiness month file, through the library's reader;
/// `None` when the bytes do not read as one (some damage makes the Arrow reader panic).
fn readiness_rows(bytes: &[u8]) -> Option<Vec<(String, Value)>> {
    let bytes = bytes.to_vec();
    std::panic::catch_unwind(move || read_readiness_rows(&bytes)).ok().flatten()
}

fn read_readiness_rows(bytes: &[u8]) -> Option<Vec<(String, Value)>> {
    let batches = oura_sync::silver::table::read_parquet(bytes.to_vec().into()).ok()?;
    let mut rows = Vec::new();
    for batch in &batches {
        let records =
            oura_sync::silver::render::batch_to_records(DataType::DailyReadiness, batch).ok()?;
        rows.extend(records.into_iter().map(|r| (r["day"].to_string(), r["score"].clone())));
    }
    Some(rows)
}

/// Attack 5: one flipped bit in a month file that still reads as Parquet, with other days and
/// scores in it. The dashboard does not serve it (the page equals the one read from bronze
/// alone) and warns; `status` names the month damaged; the next sync, whatever its window,
/// rebuilds the file to exactly the bytes it had, and DuckDB reads the bronze values again.
#[test]
fn a_flipped_bit_in_a_silver_month_is_never_served_and_is_rebuilt() {
    let env = TestEnv::new();
    let end = date(2026, 11, 23);
    seed::seed(&env.oura, end, 150);
    let out = env.run(&["sync", "2026-11-23", "--days", "120"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = env
        .lake()
        .join("_silver/daily_readiness/year=2026/month=11/daily_readiness_2026-11.parquet");
    let original = std::fs::read(&file).unwrap();
    let rows = readiness_rows(&original).unwrap();
    // The first bit whose flip leaves a readable file with other values: the worst damage,
    // the kind nothing but a digest notices.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let damaged = (4..original.len())
        .find_map(|at| {
            let mut bytes = original.clone();
            bytes[at] ^= 1;
            readiness_rows(&bytes).filter(|r| *r != rows).map(|_| bytes)
        })
        .expect("a bit whose flip changes a value");
    std::panic::set_hook(hook);
    std::fs::write(&file, &damaged).unwrap();

    let page = |silver: &str, name: &str| {
        let out = env
            .cmd()
            .env("OURA_SILVER", silver)
            .args(["dashboard", "--end", "2026-11-23", "--out", name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        (std::fs::read_to_string(env.dir.path().join(name)).unwrap(), stderr(&out))
    };
    let (bronze, _) = page("off", "bronze.html");
    let (served, warned) = page("on", "silver.html");
    assert_eq!(without_footer(&served), without_footer(&bronze));
    assert!(warned.contains("not the one written"), "{warned}");
    assert_eq!(
        not_current(&env),
        [("daily_readiness".to_string(), json!({"2026-11": "damaged"}))]
            .into_iter()
            .collect::<serde_json::Map<_, _>>()
    );

    let out = env.run(&["sync", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).unwrap(), original, "rebuilt to the bytes it had");
    let read = duckdb(&format!(
        "select cast(day as varchar), score from '{}' order by day",
        file.display()
    ));
    let expected: Vec<Vec<Value>> = rows
        .iter()
        .map(|(day, score)| vec![serde_json::from_str(day).unwrap(), score.clone()])
        .collect();
    assert_eq!(read, expected);
    assert_eq!(not_current(&env), serde_json::Map::new());
}

/// The week of daily_activity records, with `odd` (a record's text) on 2026-11-20 instead.
fn activity_week(env: &TestEnv, odd: &str) {
    let days = (17..=23).map(|d| format!("2026-11-{d}"));
    env.oura.add(
        "daily_activity",
        days.map(|d| if d == "2026-11-20" { odd.to_string() } else { activity(&d) }),
    );
}

/// `_extra` of silver's daily_activity row of 2026-11-20, as DuckDB reads its text.
fn extra_of_the_odd_day(env: &TestEnv) -> String {
    let rows = duckdb(&format!(
        "select _extra from '{}' where day = '2026-11-20'",
        silver_glob(env, "daily_activity")
    ));
    rows[0][0].as_str().unwrap().to_string()
}

/// Attack 6: a score of `1e400` (bronze keeps the text Oura sent) never fails its month:
/// the sync, the next one and `oura-sync silver` exit 0, the month holds all seven rows, the
/// record's other fields are typed, and `_extra` holds the number as exactly that text.
#[test]
fn a_number_beyond_a_double_is_kept_exactly_and_never_blocks_its_month() {
    let env = TestEnv::new();
    activity_week(
        &env,
        r#"{"id":"act-2026-11-20","day":"2026-11-20","score":1e400,"steps":9100,"timestamp":"2026-11-20T04:00:00-05:00"}"#,
    );
    let sync = ["sync", "2026-11-23", "--types", "daily_activity", "--json"];
    let out = env.run(&sync);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["silver"]["status"], "ok", "{report}");
    assert!(env.lake_file("daily_activity", "2026-11-20").unwrap().contains(r#""score":1e400"#));
    assert_eq!(extra_of_the_odd_day(&env), r#"{"score":1e400}"#);
    let rows = duckdb(&format!(
        "select count(*), count(score), sum(steps) from '{}'",
        silver_glob(&env, "daily_activity")
    ));
    assert_eq!(rows, [[json!(7), json!(0), json!(6 * 9000 + 9100)]]);
    let out = env.run(&sync);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env.run(&["silver", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(extra_of_the_odd_day(&env), r#"{"score":1e400}"#);
}

/// Attack 7: integers beyond 64 bits (23 digits of steps, a 21-digit workout distance) are
/// kept in `_extra` digit for digit, never as the nearest double.
#[test]
fn integers_beyond_64_bits_are_kept_digit_for_digit() {
    let env = TestEnv::new();
    activity_week(
        &env,
        r#"{"id":"act-2026-11-20","day":"2026-11-20","steps":12345678901234567890123,"timestamp":"2026-11-20T04:00:00-05:00"}"#,
    );
    env.oura.add(
        "workout",
        [r#"{"id":"w1","day":"2026-11-21","activity":"cycling","distance":123456789012345678901,"start_datetime":"2026-11-21T07:00:00+00:00","end_datetime":"2026-11-21T08:00:00+00:00"}"#.to_string()],
    );
    let out = env.run(&["sync", "2026-11-23", "--types", "daily_activity,workout", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(extra_of_the_odd_day(&env), r#"{"steps":12345678901234567890123}"#);
    let rows = duckdb(&format!("select _extra, activity from '{}'", silver_glob(&env, "workout")));
    assert_eq!(rows, [[json!(r#"{"distance":123456789012345678901}"#), json!("cycling")]]);
}

/// A date before Oura existed is a usage error (exit 2) with one line naming the first day
/// data can have, and nothing is asked of Oura or written.
#[test]
fn a_date_before_oura_existed_is_refused() {
    let env = TestEnv::new();
    for args in [
        &["sync", "--from", "1900-01-01"][..],
        &["sync", "1900-01-01"],
        &["sync", "2015-06-01", "--days", "3660"],
        &["dashboard", "--end", "1900-01-01"],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let message = stderr(&out);
        assert_eq!(message.trim_end().lines().count(), 1, "{message}");
        assert!(message.contains("2015-01-01"), "{message}");
    }
    assert!(env.oura.lock().log.is_empty(), "Oura was asked");
    assert!(!env.lake().exists());
}

/// Attack 10: a readiness score of `1e308` (a finite double that breaks a chart's
/// arithmetic) is not drawn: no coordinate or value on the page is `NaN` or infinite, the
/// readiness chart has no mark on that day and says one value was left out, and the other
/// days keep a readable scale.
#[test]
fn a_value_too_large_to_draw_is_left_out_of_its_chart_and_noted() {
    let env = TestEnv::new();
    let days = (10..=23).map(|d| format!("2026-11-{d}"));
    env.oura.add(
        "daily_readiness",
        days.map(|d| {
            let score = if d == "2026-11-20" { "1e308" } else { "80" };
            format!(
                r#"{{"id":"r-{d}","day":"{d}","score":{score},"timestamp":"{d}T00:00:00+00:00"}}"#
            )
        }),
    );
    let out = env.run(&["sync", "2026-11-23", "--days", "14", "--types", "daily_readiness"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env.run(&["dashboard", "--end", "2026-11-23"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = std::fs::read_to_string(env.dir.path().join("oura-dashboard.html")).unwrap();
    for bad in ["NaN", "=\"inf", "=\"-inf", " inf", "e308"] {
        assert!(!html.contains(bad), "the page holds `{bad}`");
    }
    let page = scraper::Html::parse_document(&html);
    let chart = scraper::Selector::parse(r#"svg[data-chart="readiness"]"#).unwrap();
    let chart = page.select(&chart).next().expect("a readiness chart").html();
    assert!(!chart.contains(r#"data-day="2026-11-20""#), "{chart}");
    assert!(chart.contains(r#"data-day="2026-11-19""#), "{chart}");
    assert!(chart.contains("1 value not drawn: out of range"), "{chart}");
}
