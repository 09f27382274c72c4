//! A lake that knows what it is (issue 21): its recorded time zone and layout against runs
//! that ask for others (attacks 1 and 2), `migrate`, readers that decode each object with its
//! own layout, a record re-dated across the window's first day (attack 4), and a damaged
//! ledger file rebuilt from the lake (attack 9), all through the binary against the fake.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use oura_sync::datatype::DataType;
use oura_sync::store::silver::SilverTables;
use oura_sync::window::Window;
use serde_json::Value;

use crate::common::{TestEnv, daily, lake_contents, sample, stderr, stdout};

/// Heart-rate samples every 10 minutes (UTC) from `first` 00:00 to the end of `last`.
fn heart_rate(first: &str, last: &str) -> Vec<String> {
    let (first, last): (Date, Date) = (first.parse().unwrap(), last.parse().unwrap());
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        for minute in (0..24 * 60).step_by(10) {
            let at = format!("{day}T{:02}:{:02}:00+00:00", minute / 60, minute % 60);
            out.push(sample(&at, 60 + minute % 40, "awake"));
        }
        day = day.tomorrow().unwrap();
    }
    out
}

/// Every line of every bronze object of `data_type` (any layout: NDJSON lines or the
/// elements of a JSON array), as text.
fn lines_of(env: &TestEnv, data_type: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in lake_contents(env) {
        if !path.starts_with(&format!("{data_type}/")) || path.starts_with("_") {
            continue;
        }
        if path.ends_with(".json") {
            let records: Vec<Box<serde_json::value::RawValue>> =
                serde_json::from_str(&text).unwrap();
            out.extend(records.into_iter().map(|r| r.get().to_string()));
        } else {
            out.extend(text.lines().map(str::to_string));
        }
    }
    out
}

/// Asserts that no sample sits in the lake twice, and returns the distinct samples.
fn distinct_samples(env: &TestEnv, data_type: &str) -> BTreeSet<String> {
    let lines = lines_of(env, data_type);
    let distinct: BTreeSet<String> = lines.iter().cloned().collect();
    assert_eq!(lines.len(), distinct.len(), "{data_type}: samples filed twice");
    distinct
}

fn json_report(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(out)))
}

/// Attack 1, explicit zones: a lake synced with `OURA_TIMEZONE=America/New_York`, then a run
/// asking for `Asia/Tokyo` is refused (exit 2, naming both zones and the command), and the
/// lake is untouched; `migrate --timezone Asia/Tokyo` re-files every sample under its Tokyo
/// day, none twice and none lost, and the Tokyo sync then runs (before: both exit 0 and 929 of
/// the samples sat under two days).
#[test]
fn a_time_zone_change_is_refused_then_migrated_without_a_sample_twice() {
    let env = TestEnv::new();
    env.oura.add("heartrate", heart_rate("2026-11-29", "2026-12-04"));
    let args = ["sync", "2026-12-03", "--days", "3", "--types", "heartrate"];
    let ny = env.cmd().env("OURA_TIMEZONE", "America/New_York").args(args).output().unwrap();
    assert_eq!(ny.status.code(), Some(0), "{}", stderr(&ny));
    let before = lake_contents(&env);
    let held = distinct_samples(&env, "heartrate");
    assert!(held.len() > 400, "{}", held.len());

    let tokyo = env.cmd().env("OURA_TIMEZONE", "Asia/Tokyo").args(args).output().unwrap();
    assert_eq!(tokyo.status.code(), Some(2), "{}", stderr(&tokyo));
    let message = stderr(&tokyo);
    for needle in ["America/New_York", "Asia/Tokyo", "oura-sync migrate --timezone Asia/Tokyo"] {
        assert!(message.contains(needle), "{needle} missing from: {message}");
    }
    assert_eq!(lake_contents(&env), before, "a refused run changed the lake");

    let migrate = env.run(&["migrate", "--timezone", "Asia/Tokyo"]);
    assert_eq!(migrate.status.code(), Some(0), "{}", stderr(&migrate));
    assert!(stdout(&migrate).contains("time zone Asia/Tokyo"), "{}", stdout(&migrate));
    assert_eq!(distinct_samples(&env, "heartrate"), held, "the migration lost or added samples");
    // Every sample is under its Tokyo day.
    let tokyo_zone = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    for (path, text) in lake_contents(&env).into_iter().filter(|(p, _)| p.starts_with("heartrate/"))
    {
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let at: jiff::Timestamp = v["timestamp"].as_str().unwrap().parse().unwrap();
            let day = at.to_zoned_datetime(tokyo_zone.clone()).date().to_string();
            assert!(path.ends_with(&format!("heartrate_{day}.jsonl")), "{line} in {path}");
        }
    }
    let again =
        env.cmd().env("OURA_TIMEZONE", "Asia/Tokyo").args(args).arg("--json").output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(json_report(&again)["timezone"], "Asia/Tokyo");
    let after = distinct_samples(&env, "heartrate");
    assert!(after.is_superset(&held), "a sample the lake held was lost");
    println!(
        "time zone: {} samples held, {} after the Tokyo sync, none twice",
        held.len(),
        after.len()
    );
}

/// Attack 1, unset zone: with `OURA_TIMEZONE` unset, a first run under `TZ=America/New_York`
/// records that zone, and a later run under `TZ=UTC` (cron) files in the lake's zone and says
/// so: no sample twice (before: 333 duplicates).
#[test]
fn an_unset_zone_files_in_the_lakes_zone_whatever_the_machines() {
    let env = TestEnv::new();
    env.oura.add("heartrate", heart_rate("2026-11-29", "2026-12-04"));
    let args = ["sync", "2026-12-03", "--days", "3", "--types", "heartrate", "--json"];
    let run =
        |tz: &str| env.cmd().env_remove("OURA_TIMEZONE").env("TZ", tz).args(args).output().unwrap();
    let first = run("America/New_York");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(json_report(&first)["timezone"], "America/New_York");
    let held = distinct_samples(&env, "heartrate");
    let second = run("UTC");
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(json_report(&second)["timezone"], "America/New_York");
    assert!(
        stderr(&second).contains("the lake's time zone America/New_York"),
        "{}",
        stderr(&second)
    );
    assert_eq!(distinct_samples(&env, "heartrate"), held);
    let record: Value = serde_json::from_str(
        &std::fs::read_to_string(env.lake().join("_ledger/lake.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(record["timezone"], "America/New_York");
    assert_eq!(record["layout"], "hive-ndjson");
    assert_eq!(record["format_version"], 1);
}

/// Readiness documents on every day of October and November 2026.
fn seed_readiness(env: &TestEnv) -> Vec<String> {
    let mut days = Vec::new();
    let mut day = Date::constant(2026, 10, 1);
    while day <= Date::constant(2026, 11, 30) {
        days.push(day.to_string());
        day = day.tomorrow().unwrap();
    }
    env.oura.add("daily_readiness", days.iter().map(|d| daily("daily_readiness", d)));
    days
}

/// November's readiness rows in the silver tables under `silver`.
fn november_rows(silver: std::path::PathBuf) -> usize {
    let tables = SilverTables::local(silver);
    let november = Window::new(Date::constant(2026, 11, 1), Date::constant(2026, 11, 30));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime
        .block_on(oura_sync::silver::read_records(&tables, DataType::DailyReadiness, november))
        .unwrap()
        .len()
}

/// Attack 2: a hive lake synced again with `OURA_LAYOUT=bio-lakehouse` is refused (exit 2,
/// naming both layouts and `migrate --layout`), writing nothing; `migrate --layout
/// bio-lakehouse` moves every object (60 days, none left in the old form), the ledger names
/// the new keys, silver keeps November's 30 rows, and the bio-lakehouse sync then runs
/// (before: exit 0, and silver's November went from 30 rows to 3).
#[test]
fn a_layout_switch_is_refused_then_migrated_keeping_history() {
    let env = TestEnv::new();
    let days = seed_readiness(&env);
    let backfill =
        ["sync", "--from", "2026-10-01", "--to", "2026-11-30", "--types", "daily_readiness"];
    assert_eq!(env.run(&backfill).status.code(), Some(0));
    assert_eq!(november_rows(env.lake().join("_silver")), 30);
    let before = lake_contents(&env);

    let daily_run = ["sync", "2026-11-30", "--days", "3", "--types", "daily_readiness"];
    let bio = env.cmd().env("OURA_LAYOUT", "bio-lakehouse").args(daily_run).output().unwrap();
    assert_eq!(bio.status.code(), Some(2), "{}", stderr(&bio));
    let message = stderr(&bio);
    for needle in ["hive-ndjson", "bio-lakehouse", "oura-sync migrate --layout bio-lakehouse"] {
        assert!(message.contains(needle), "{needle} missing from: {message}");
    }
    assert_eq!(lake_contents(&env), before, "a refused run changed the lake");

    let migrate = env.run(&["migrate", "--layout", "bio-lakehouse"]);
    assert_eq!(migrate.status.code(), Some(0), "{}", stderr(&migrate));
    let files = lake_contents(&env);
    assert!(files.keys().all(|p| !p.ends_with(".jsonl")), "hive objects left: {files:?}");
    assert_eq!(lines_of_bio(&env).len(), days.len());
    let ledger = env.ledger_days("daily_readiness");
    assert!(
        ledger["2026-11-15"]["object_key"].as_str().unwrap().ends_with("readiness_2026-11-15.json")
    );
    let bio = env.cmd().env("OURA_LAYOUT", "bio-lakehouse").args(daily_run).output().unwrap();
    assert_eq!(bio.status.code(), Some(0), "{}", stderr(&bio));
    assert_eq!(november_rows(env.lake().join("_silver/oura_sync")), 30);
}

fn lines_of_bio(env: &TestEnv) -> Vec<String> {
    lines_of(env, "readiness")
}

/// Point 2 (readers use each object's own layout): a lake made before layouts were recorded
/// (no `_ledger/lake.json`), synced in hive, then once with `OURA_LAYOUT=bio-lakehouse`: the
/// run adopts bio-lakehouse and says so, and silver's November, rebuilt from days of both
/// layouts, still has 30 rows (before: 3, the hive days decoded as empty).
#[test]
fn a_lake_of_two_layouts_is_read_whole() {
    let env = TestEnv::new();
    seed_readiness(&env);
    let backfill =
        ["sync", "--from", "2026-10-01", "--to", "2026-11-30", "--types", "daily_readiness"];
    assert_eq!(env.run(&backfill).status.code(), Some(0));
    std::fs::remove_file(env.lake().join("_ledger/lake.json")).unwrap();
    let daily_run = ["sync", "2026-11-30", "--days", "3", "--types", "daily_readiness"];
    let bio = env.cmd().env("OURA_LAYOUT", "bio-lakehouse").args(daily_run).output().unwrap();
    assert_eq!(bio.status.code(), Some(0), "{}", stderr(&bio));
    assert!(stderr(&bio).contains("adopts this run's: layout bio-lakehouse"), "{}", stderr(&bio));
    assert_eq!(november_rows(env.lake().join("_silver/oura_sync")), 30);
    // The adoption is said once.
    let again = env.cmd().env("OURA_LAYOUT", "bio-lakehouse").args(daily_run).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(!stderr(&again).contains("adopts"), "{}", stderr(&again));
}

/// Point 2: a body that does not decode is an error naming its key, never an empty day: a
/// readiness object torn in the middle makes `silver` fail naming it, rather than rebuilding
/// the month without that day.
#[test]
fn a_body_that_does_not_decode_is_an_error_naming_its_key() {
    let env = TestEnv::new();
    seed_readiness(&env);
    let backfill =
        ["sync", "--from", "2026-11-01", "--to", "2026-11-30", "--types", "daily_readiness"];
    assert_eq!(env.run(&backfill).status.code(), Some(0));
    let key = "daily_readiness/year=2026/month=11/day=15/daily_readiness_2026-11-15.jsonl";
    std::fs::write(env.lake().join(key), b"{\"id\":\"daily_readiness-2026-11-15\",\"day\":")
        .unwrap();
    let out = env.run(&["silver", "--from", "2026-11-01", "--to", "2026-11-30"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(key) || stderr(&out).contains(key),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// Attack 4 (`hostile` "moving"): a tag on 11-28, then re-dated to 11-29 and synced with a
/// 2-day window starting 11-29: the 11-28 object loses it (removed, as it held nothing
/// else), so the tag sits in one day object (before: two files, two silver rows). A neighbour
/// that keeps other records is rewritten without the moved one.
#[test]
fn a_record_re_dated_across_the_windows_first_day_lives_in_one_day() {
    let env = TestEnv::new();
    let tag = |id: &str, day: &str| format!(r#"{{"id":"{id}","day":"{day}","text":"t"}}"#);
    env.oura
        .add("tag", [tag("moving", "2026-11-28"), tag("a", "2026-11-27"), tag("b", "2026-11-27")]);
    let first = env.run(&["sync", "2026-11-28", "--days", "2", "--types", "tag"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(env.lake_file("tag", "2026-11-28").is_some());
    env.oura.replace(
        "tag",
        [tag("moving", "2026-11-29"), tag("a", "2026-11-29"), tag("b", "2026-11-27")],
    );
    let out = env.run(&["sync", "2026-11-30", "--days", "2", "--types", "tag"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let holding = |id: &str| -> Vec<String> {
        lake_contents(&env)
            .into_iter()
            .filter(|(_, text)| text.contains(&format!(r#""id":"{id}""#)))
            .map(|(path, _)| path)
            .collect()
    };
    assert_eq!(holding("moving"), ["tag/year=2026/month=11/day=29/tag_2026-11-29.jsonl"]);
    assert_eq!(holding("a"), ["tag/year=2026/month=11/day=29/tag_2026-11-29.jsonl"]);
    assert!(env.lake_file("tag", "2026-11-28").is_none());
    assert_eq!(env.ledger_days("tag")["2026-11-28"]["record_count"], 0);
    // 11-27 kept "b" and lost "a".
    assert_eq!(env.lake_file("tag", "2026-11-27").unwrap(), tag("b", "2026-11-27") + "\n");
    assert_eq!(env.ledger_days("tag")["2026-11-27"]["record_count"], 1);
}

/// Attack 9: a truncated `_ledger/days/daily_sleep/2026.json` is rebuilt from the lake's objects
/// by the next sync, with a warning (the damaged file kept beside it): the ledger lists all 28
/// days again, `status` and `dashboard` run, and silver's November keeps its 28 rows (before:
/// the advice was to move the file away, after which the ledger held 7 days and silver 3
/// rows). `oura-sync repair` does the same on demand, and the advice says to run it.
#[test]
fn a_damaged_ledger_file_is_rebuilt_from_the_lake() {
    let env = TestEnv::new();
    let days: Vec<String> = (1..=28).map(|d| format!("2026-11-{d:02}")).collect();
    env.oura.add("daily_sleep", days.iter().map(|d| daily("daily_sleep", d)));
    let backfill = ["sync", "--from", "2026-11-01", "--to", "2026-11-28", "--types", "daily_sleep"];
    assert_eq!(env.run(&backfill).status.code(), Some(0));
    let ledger_file = env.lake().join("_ledger/days/daily_sleep/2026.json");
    let whole = std::fs::read(&ledger_file).unwrap();
    std::fs::write(&ledger_file, &whole[..whole.len() / 2]).unwrap();

    let out = env.run(&["sync", "2026-11-28", "--types", "daily_sleep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("rebuilt its day entries from the lake's objects"),
        "{}",
        stderr(&out)
    );
    let ledger = env.ledger_days("daily_sleep");
    assert_eq!(ledger.as_object().unwrap().len(), 28, "{ledger}");
    assert!(
        std::fs::read_dir(env.lake().join("_ledger/days/daily_sleep"))
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("2026.json.damaged-"))
    );
    let silver = SilverTables::local(env.lake().join("_silver"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let november = Window::new(Date::constant(2026, 11, 1), Date::constant(2026, 11, 30));
    let rows = runtime
        .block_on(oura_sync::silver::read_records(&silver, DataType::DailySleep, november))
        .unwrap();
    assert_eq!(rows.len(), 28);

    // The same by hand: `repair`, and `status` after it.
    std::fs::write(&ledger_file, &whole[..10]).unwrap();
    let repair = env.run(&["repair"]);
    assert_eq!(repair.status.code(), Some(0), "{}", stderr(&repair));
    assert!(stdout(&repair).contains("28 day entries rebuilt"), "{}", stdout(&repair));
    assert_eq!(env.ledger_days("daily_sleep").as_object().unwrap().len(), 28);
    let status = env.run(&["status"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    let _: BTreeMap<String, Value> =
        serde_json::from_value(env.ledger_days("daily_sleep")).unwrap();
}

/// `migrate` is resumable: a migration that stops half-way (here on a damaged battery object,
/// after heart rate was re-filed) leaves every sample in the lake, every sync is refused with
/// the command that finishes it, and running that command again (the object mended) finishes
/// the job with no sample twice and none lost.
#[test]
fn a_migration_stopped_half_way_is_finished_by_running_it_again() {
    let env = TestEnv::new();
    env.oura.add("heartrate", heart_rate("2026-12-01", "2026-12-03"));
    env.oura.add("ring_battery_level", heart_rate("2026-12-01", "2026-12-03"));
    let args = ["sync", "2026-12-03", "--days", "2", "--types", "heartrate,ring_battery_level"];
    let first = env.cmd().env("OURA_TIMEZONE", "America/New_York").args(args).output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let (heart, battery) =
        (distinct_samples(&env, "heartrate"), distinct_samples(&env, "ring_battery_level"));
    let damaged =
        lake_contents(&env).into_keys().find(|p| p.starts_with("ring_battery_level/")).unwrap();
    let whole = std::fs::read(env.lake().join(&damaged)).unwrap();
    std::fs::write(env.lake().join(&damaged), b"{\"bpm\":").unwrap();

    let stopped = env.run(&["migrate", "--timezone", "Asia/Tokyo"]);
    assert_ne!(stopped.status.code(), Some(0), "{}", stdout(&stopped));
    assert!(stderr(&stopped).contains(&damaged), "{}", stderr(&stopped));
    let refused = env.cmd().env_remove("OURA_TIMEZONE").args(args).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("oura-sync migrate --timezone Asia/Tokyo"),
        "{}",
        stderr(&refused)
    );
    let record = std::fs::read_to_string(env.lake().join("_ledger/lake.json")).unwrap();
    assert!(record.contains(r#""done":[""#) && record.contains("heartrate"), "{record}");

    std::fs::write(env.lake().join(&damaged), whole).unwrap();
    let finished = env.run(&["migrate", "--timezone", "Asia/Tokyo"]);
    assert_eq!(finished.status.code(), Some(0), "{}", stderr(&finished));
    assert_eq!(distinct_samples(&env, "heartrate"), heart);
    assert_eq!(distinct_samples(&env, "ring_battery_level"), battery);
    let after = env.cmd().env_remove("OURA_TIMEZONE").args(args).arg("--json").output().unwrap();
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
    assert_eq!(json_report(&after)["timezone"], "Asia/Tokyo");
    assert!(distinct_samples(&env, "heartrate").is_superset(&heart));
}

/// Attack 1 on AWS: an S3 lake with a pk/sk DynamoDB ledger records its zone as the item
/// `oura#lake`/`identity` (beside the `oura#run` and `oura#<type>` partitions it leaves as
/// they were); a run asking for another zone is exit 2, and `migrate` re-files the S3
/// objects with no sample twice.
#[tokio::test]
async fn an_s3_lake_records_its_zone_in_the_table_and_migrates() {
    let aws = crate::aws_env::clients().await;
    let bucket = crate::aws_env::new_bucket(&aws, "zone").await;
    let table = crate::aws_env::new_table(&aws, "zone").await;
    let env = TestEnv::new();
    env.oura.add("heartrate", heart_rate("2026-12-01", "2026-12-03"));
    let dest = format!("s3://{bucket}/oura");
    let run = |zone: &str, args: &[&str]| {
        env.cmd()
            .env("OURA_DYNAMODB_TABLE", &table)
            .env("OURA_DESTINATION", &dest)
            .env("OURA_TIMEZONE", zone)
            .args(args)
            .output()
            .unwrap()
    };
    let sync = ["sync", "2026-12-03", "--days", "2", "--types", "heartrate"];
    let first = run("America/New_York", &sync);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let item = aws
        .dynamodb
        .get_item()
        .table_name(&table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("oura#lake".into()))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("identity".into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the identity item");
    assert_eq!(item["timezone"].as_s().unwrap(), "America/New_York");
    assert_eq!(item["layout"].as_s().unwrap(), "hive-ndjson");

    let tokyo = run("Asia/Tokyo", &sync);
    assert_eq!(tokyo.status.code(), Some(2), "{}", stderr(&tokyo));
    assert!(
        stderr(&tokyo).contains("oura-sync migrate --timezone Asia/Tokyo"),
        "{}",
        stderr(&tokyo)
    );
    let samples = || async {
        let listed = aws
            .s3
            .list_objects_v2()
            .bucket(&bucket)
            .prefix("oura/heartrate/")
            .send()
            .await
            .unwrap();
        let mut lines = Vec::new();
        for object in listed.contents() {
            let body = aws
                .s3
                .get_object()
                .bucket(&bucket)
                .key(object.key().unwrap())
                .send()
                .await
                .unwrap();
            let text = String::from_utf8(body.body.collect().await.unwrap().to_vec()).unwrap();
            lines.extend(text.lines().map(str::to_string));
        }
        lines
    };
    let held = samples().await;
    let migrate = run("Asia/Tokyo", &["migrate", "--timezone", "Asia/Tokyo"]);
    assert_eq!(migrate.status.code(), Some(0), "{}", stderr(&migrate));
    let after = samples().await;
    let distinct: BTreeSet<&String> = after.iter().collect();
    assert_eq!(after.len(), distinct.len(), "samples filed twice");
    assert_eq!(distinct, held.iter().collect::<BTreeSet<_>>());
    assert_eq!(run("Asia/Tokyo", &sync).status.code(), Some(0));
}

/// In bio-lakehouse's `bio_ingestion_log` form the record is one item under `file_path`
/// `oura-sync:lake` (no object has that URI, as with the runs' `oura-sync:run`), `source`
/// `oura-sync` (bio-lakehouse's monitoring scan for `source = oura` never meets it),
/// `data_type` `lake`; a run asking for another zone is refused there too.
#[tokio::test]
async fn an_ingestion_log_keeps_the_record_under_a_path_no_object_has() {
    let aws = crate::aws_env::clients().await;
    let bucket = crate::aws_env::new_bucket(&aws, "zone-log").await;
    let table = crate::aws_env::new_ingestion_log_table(
        &aws,
        "zone-log",
        oura_sync::ledger::SortKey::Number,
    )
    .await;
    let env = TestEnv::new();
    env.oura.add("daily_sleep", [daily("daily_sleep", "2026-12-02")]);
    let run = |zone: &str| {
        env.cmd()
            .env("OURA_DYNAMODB_TABLE", &table)
            .env("OURA_DESTINATION", format!("s3://{bucket}/oura"))
            .env("OURA_TIMEZONE", zone)
            .args(["sync", "2026-12-03", "--days", "2", "--types", "daily_sleep"])
            .output()
            .unwrap()
    };
    let first = run("Europe/Berlin");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let item = aws
        .dynamodb
        .get_item()
        .table_name(&table)
        .key("file_path", aws_sdk_dynamodb::types::AttributeValue::S("oura-sync:lake".into()))
        .key("upload_timestamp", aws_sdk_dynamodb::types::AttributeValue::N("0".into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the identity item");
    assert_eq!(item["source"].as_s().unwrap(), "oura-sync");
    assert_eq!(item["data_type"].as_s().unwrap(), "lake");
    assert_eq!(item["timezone"].as_s().unwrap(), "Europe/Berlin");
    assert_eq!(run("Asia/Tokyo").status.code(), Some(2));
    assert_eq!(run("Europe/Berlin").status.code(), Some(0));
}

/// With `OURA_TIMEZONE` unset, `dashboard` shows the lake's days in the lake's recorded zone
/// too, whatever the machine's (the page names it).
#[test]
fn the_dashboard_reads_in_the_lakes_zone() {
    let env = TestEnv::new();
    seed_readiness(&env);
    let sync = env
        .cmd()
        .env_remove("OURA_TIMEZONE")
        .env("TZ", "Asia/Tokyo")
        .args(["sync", "2026-11-30", "--types", "daily_readiness"])
        .output()
        .unwrap();
    assert_eq!(sync.status.code(), Some(0), "{}", stderr(&sync));
    let page = env.dir.path().join("page.html");
    let out = env
        .cmd()
        .env_remove("OURA_TIMEZONE")
        .env("TZ", "UTC")
        .args(["dashboard", "--end", "2026-11-30", "--days", "7", "--out"])
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&page).unwrap().contains("Asia/Tokyo"));
}

/// With `OURA_TIMEZONE` unset, "today" is the lake's today too: a lake recorded in
/// Pacific/Kiritimati (UTC+14) synced by a machine in Pacific/Pago_Pago (UTC−11), whose dates
/// always differ, syncs the window ending on Kiritimati's date.
#[test]
fn today_is_the_lakes_today() {
    let env = TestEnv::new();
    let run = |tz: &str| {
        env.cmd()
            .env_remove("OURA_TIMEZONE")
            .env("TZ", tz)
            .args(["sync", "--days", "2", "--types", "daily_readiness", "--json"])
            .output()
            .unwrap()
    };
    let lake_today = || {
        jiff::Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::get("Pacific/Kiritimati").unwrap())
            .date()
            .to_string()
    };
    let first = run("Pacific/Kiritimati");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before = lake_today();
    let second = run("Pacific/Pago_Pago");
    let after = lake_today();
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let end = json_report(&second)["window"]["end"].as_str().unwrap().to_string();
    assert!(end == before || end == after, "window ends {end}, the lake's today is {before}");
}
