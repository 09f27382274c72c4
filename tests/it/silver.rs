//! The silver layer end to end: `sync` and `silver` through the binary, the Parquet tables
//! read back by DuckDB (the Python package `scripts/test.sh` installs) and by the library's
//! reader, the lossless round trip over the fake's three years and Oura's recorded samples,
//! incremental updates, failures that leave bronze whole, and S3 silver in moto.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use jiff::civil::Date;
use oura_sync::datatype::DataType;
use oura_sync::silver::decode::parse_datetime;
use oura_sync::store::silver::SilverTables;
use oura_sync::window::Window;
use serde_json::{Value, json};

use crate::common::{TOKEN, TestEnv, seed_every_type, stderr, stdout};

const WEEK: [&str; 7] = [
    "2026-11-17",
    "2026-11-18",
    "2026-11-19",
    "2026-11-20",
    "2026-11-21",
    "2026-11-22",
    "2026-11-23",
];

/// Runs `sql` in DuckDB (Python) and returns the rows as JSON arrays.
pub(crate) fn duckdb(sql: &str) -> Vec<Vec<Value>> {
    let python = std::env::var("OURA_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "OURA_TEST_PYTHON is not set: the silver tests query Parquet with DuckDB; run them \
             with scripts/test.sh (it installs duckdb and sets it)"
        )
    });
    let script = "import duckdb, json, sys\n\
                  rows = duckdb.sql(sys.argv[1]).fetchall()\n\
                  print(json.dumps([[v if isinstance(v, (int, float, str, bool, type(None))) else str(v) for v in r] for r in rows]))";
    let out = Process::new(python).args(["-c", script, sql]).output().expect("python runs");
    assert!(
        out.status.success(),
        "duckdb failed on {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub(crate) fn silver_glob(env: &TestEnv, data_type: &str) -> String {
    format!("{}/_silver/{data_type}/**/*.parquet", env.lake().display())
}

/// Every bronze record of a lake: type → (day, record) in file order.
fn bronze_records(lake: &Path) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for &t in DataType::ALL {
        let mut files = Vec::new();
        let mut stack = vec![lake.join(t.name())];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "jsonl") {
                    files.push(path);
                }
            }
        }
        files.sort();
        for file in files {
            for line in std::fs::read_to_string(&file).unwrap().lines() {
                out.entry(t.name().to_string())
                    .or_default()
                    .push(serde_json::from_str(line).unwrap());
            }
        }
    }
    out
}

/// A record with numbers as numbers (38 = 38.0) and datetimes as (instant, offset), so that
/// two renderings of the same data compare equal.
fn normal(value: &Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_f64()),
        Value::String(s) => match parse_datetime(s) {
            Some((micros, offset)) if s.len() >= 20 => json!({"instant": micros, "offset": offset}),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(normal).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normal(v))).collect())
        }
        other => other.clone(),
    }
}

/// Reads every silver record of every type back through the library and holds each against
/// its bronze record: same keys, same values.
fn assert_lossless(lake: &Path, silver_root: &Path) -> usize {
    let bronze = bronze_records(lake);
    let silver = SilverTables::local(silver_root);
    let window = Window::new(Date::constant(2013, 1, 1), Date::constant(2030, 12, 31));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut compared = 0;
    for &t in DataType::ALL {
        let records = runtime
            .block_on(oura_sync::silver::read_records(&silver, t, window))
            .unwrap_or_else(|e| panic!("{t}: {e:#}"));
        let expected = bronze.get(t.name()).cloned().unwrap_or_default();
        assert_eq!(records.len(), expected.len(), "{t}: rows in silver vs records in bronze");
        for (row, record) in records.into_iter().zip(&expected) {
            assert_eq!(
                normal(&Value::Object(row)),
                normal(record),
                "{t}: a row differs from its record"
            );
            compared += 1;
        }
    }
    compared
}

/// A week of all 19 types gives one silver table per type that DuckDB reads with no setting:
/// one row per record (per sample for heart rate and battery), typed columns (INTEGER scores,
/// DATE days, UTC timestamps with their offsets), the bronze sha256 on every row, and no
/// secret anywhere in the files.
#[test]
fn a_week_of_every_type_is_a_typed_silver_lake_that_duckdb_reads() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let out = env.run(&["sync", "2026-11-23", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["silver"]["status"], "ok", "{report}");
    let bronze = bronze_records(&env.lake());
    for &t in DataType::ALL {
        let rows = duckdb(&format!("select count(*) from '{}'", silver_glob(&env, t.name())));
        assert_eq!(rows[0][0], json!(bronze[t.name()].len()), "{t}");
    }
    let types = duckdb(&format!(
        "select column_name, column_type from (describe select * from '{}')",
        silver_glob(&env, "daily_readiness")
    ));
    let types: BTreeMap<String, String> = types
        .into_iter()
        .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(types["score"], "BIGINT");
    assert_eq!(types["day"], "DATE");
    assert_eq!(types["timestamp"], "TIMESTAMP WITH TIME ZONE");
    assert_eq!(types["timestamp_offset_minutes"], "INTEGER");
    assert!(types["contributors"].starts_with("STRUCT(activity_balance BIGINT"), "{types:?}");
    let rows = duckdb(&format!(
        "select min(day)::varchar, max(day)::varchar, sum(score), count(distinct _bronze_sha256) from '{}'",
        silver_glob(&env, "daily_readiness")
    ));
    assert_eq!(rows[0], [json!("2026-11-17"), json!("2026-11-23"), json!(560), json!(7)]);
    let rows = duckdb(&format!(
        "select epoch(timestamp)::bigint, timestamp_offset_minutes, steps from '{}' order by day limit 1",
        silver_glob(&env, "daily_activity")
    ));
    // 2026-11-17T04:00:00-05:00
    assert_eq!(rows[0], [json!(1_794_906_000), json!(-300), json!(9000)]);
    let rows = duckdb(&format!(
        "select day::varchar, count(*), min(bpm), max(bpm) from '{}' group by day order by day",
        silver_glob(&env, "heartrate")
    ));
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[0], [json!("2026-11-17"), json!(3), json!(60), json!(60)]);
    let rows = duckdb(&format!(
        "select year, month, count(*) from '{}' group by all",
        silver_glob(&env, "sleep")
    ));
    assert_eq!(rows[0], [json!(2026), json!(11), json!(7)]);
    for file in env.lake_files().iter().filter(|f| f.ends_with(".parquet")) {
        let bytes = std::fs::read(env.lake().join(file)).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(TOKEN), "{file} holds the token");
    }
}

/// Every record of the fake's three years (all 19 types, heart rate every 5 minutes) renders
/// back from silver to exactly its bronze record: the lossless proof of issue 14.
#[test]
fn every_record_of_three_years_renders_back_to_its_bronze_record() {
    let env = TestEnv::new();
    {
        // The benchmark's page sizes: small pages would only test pagination, slowly.
        let mut inner = env.oura.lock();
        inner.page_size = 100;
        inner.series_page_size = 10_000;
    }
    crate::fake_oura::seed_years(
        &env.oura,
        Date::constant(2023, 11, 24),
        Date::constant(2026, 11, 23),
    );
    let out = env.run(&["-q", "sync", "--from", "2023-11-24", "--to", "2026-11-23", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let compared = assert_lossless(&env.lake(), &env.lake().join("_silver"));
    assert!(compared > 400_000, "{compared}");
}

/// The path of the real samples, or `None` (with the reason) when `../shared` is absent;
/// absent under CI it is a failure.
fn real_samples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-oura/samples");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs {}", dir.display());
    eprintln!("skipped: {} is absent (the project's shared folder)", dir.display());
    None
}

/// Oura's recorded responses (every type) written as a bronze lake with no ledger, rebuilt
/// by `oura-sync silver`, render back record for record: real records, real nulls, the
/// missing `id` of `daily_cardiovascular_age`, in silver without loss.
#[test]
fn the_real_samples_replay_through_silver_losslessly() {
    let Some(samples) = real_samples() else { return };
    let env = TestEnv::new();
    let mut files: BTreeMap<PathBuf, String> = BTreeMap::new();
    for &t in DataType::ALL {
        let text = std::fs::read_to_string(samples.join(format!("{}.json", t.api_path()))).unwrap();
        let body: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
        let raw: Vec<Box<serde_json::value::RawValue>> = match body.get("data") {
            Some(_) => {
                #[derive(serde::Deserialize)]
                struct Page {
                    data: Vec<Box<serde_json::value::RawValue>>,
                }
                serde_json::from_str::<Page>(&text).unwrap().data
            }
            None => {
                vec![serde_json::value::RawValue::from_string(text.trim().to_string()).unwrap()]
            }
        };
        for record in raw {
            let value: Value = serde_json::from_str(record.get()).unwrap();
            let day = match t.day_rule() {
                oura_sync::datatype::DayRule::Field(f) => value[f].as_str().unwrap().to_string(),
                oura_sync::datatype::DayRule::LocalTimestamp => {
                    value["timestamp"].as_str().unwrap()[..10].to_string()
                }
                oura_sync::datatype::DayRule::WindowEnd => "2024-12-14".to_string(),
            };
            let key = oura_sync::store::layout::default_layout().key(t, day.parse().unwrap());
            let file = files.entry(env.lake().join(key)).or_default();
            file.push_str(record.get());
            file.push('\n');
        }
    }
    for (path, body) in &files {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    let out = env.run(&["silver", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(report["months_written"].as_u64().unwrap() > 100, "{report}");
    // No ledger was needed nor written (only the lake's lock file, which `silver` holds).
    assert!(!env.lake().join("_ledger/days").exists());
    assert!(!env.lake().join("_ledger/runs.jsonl").exists());
    let compared = assert_lossless(&env.lake(), &env.lake().join("_silver"));
    assert_eq!(compared, 7_412, "every sample record");
    let rows = duckdb(&format!(
        "select count(*), round(avg(score), 2) from '{}'",
        silver_glob(&env, "daily_readiness")
    ));
    assert_eq!(rows[0][0], json!(2141));
}

/// The modification time of every silver file, by path.
fn silver_files(env: &TestEnv) -> BTreeMap<String, (std::time::SystemTime, Vec<u8>)> {
    env.lake_files()
        .into_iter()
        .filter(|f| f.starts_with("_silver/"))
        .map(|f| {
            let path = env.lake().join(&f);
            let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
            (f, (modified, std::fs::read(path).unwrap()))
        })
        .collect()
}

/// A second sync of the same data rewrites no silver file; a changed day rewrites exactly the
/// month file of its type and month, and the change is in it.
#[test]
fn silver_is_rewritten_only_for_the_months_whose_bronze_changed() {
    let env = TestEnv::new();
    let days = ["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"];
    seed_every_type(&env.oura, &days);
    assert_eq!(env.run(&["sync", "2026-11-02", "--days", "4"]).status.code(), Some(0));
    let first = silver_files(&env);
    assert_eq!(first.keys().filter(|k| k.starts_with("_silver/daily_sleep/")).count(), 2);
    let out = env.run(&["sync", "2026-11-02", "--days", "4", "--json"]);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["silver"]["months_written"], 0, "{report}");
    assert_eq!(silver_files(&env), first);

    env.oura.replace(
        "daily_sleep",
        days.iter().map(|d| {
            let score = if *d == "2026-10-31" { 55 } else { 80 };
            format!(r#"{{"id":"daily_sleep-{d}","day":"{d}","score":{score},"timestamp":"{d}T00:00:00+00:00"}}"#)
        }),
    );
    let out = env.run(&["sync", "2026-11-02", "--days", "4", "--json"]);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["silver"]["months_written"], 1, "{report}");
    let second = silver_files(&env);
    let changed: Vec<_> = second.keys().filter(|k| second[*k] != first[*k]).collect();
    assert_eq!(
        changed,
        [
            "_silver/_index/daily_sleep.json",
            "_silver/daily_sleep/year=2026/month=10/daily_sleep_2026-10.parquet"
        ]
    );
    let rows = duckdb(&format!(
        "select score from '{}' where day = '2026-10-31'",
        silver_glob(&env, "daily_sleep")
    ));
    assert_eq!(rows, [[json!(55)]]);
}

/// A silver month that cannot be written (a file stands where its folder must go) leaves
/// bronze and the ledger complete, reports silver failed with its cause and exits 1; once the
/// obstacle is gone, the next sync (with nothing new in bronze) writes the missing month.
#[test]
fn a_silver_failure_keeps_bronze_whole_exits_1_and_the_next_sync_heals_it() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let blocker = env.lake().join("_silver/daily_sleep");
    std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
    std::fs::write(&blocker, "not a folder").unwrap();
    let out = env.run(&["sync", "2026-11-23", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["status"], "partial");
    assert_eq!(report["silver"]["status"], "failed");
    assert!(
        report["silver"]["error"].as_str().unwrap().starts_with("daily_sleep 2026-11"),
        "{report}"
    );
    let bronze: Vec<_> = env
        .lake_files()
        .into_iter()
        .filter(|f| f.ends_with(".jsonl") && !f.starts_with('_'))
        .collect();
    assert_eq!(bronze.len(), 7 * 17 + 2);
    assert_eq!(env.ledger_days("daily_sleep").as_object().unwrap().len(), 7);
    assert_eq!(env.ledger_runs()[0]["failures"][0]["type"], "silver");

    std::fs::remove_file(&blocker).unwrap();
    let out = env.run(&["sync", "2026-11-23", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["silver"]["months_written"], 1, "{report}");
    assert_eq!(
        duckdb(&format!("select count(*) from '{}'", silver_glob(&env, "daily_sleep"))),
        [[json!(7)]]
    );
}

/// A field Oura adds and a value of the wrong type are kept in `_extra` as Oura sent them,
/// the typed column is null, the run warns once per type and field, and the row still renders
/// back to the record.
#[test]
fn an_unknown_field_and_a_misfit_value_land_in_extra() {
    let env = TestEnv::new();
    env.oura.add(
        "daily_readiness",
        WEEK.iter().map(|d| {
            format!(r#"{{"id":"r-{d}","day":"{d}","score":"high","new_metric":{{"x":1}},"timestamp":"{d}T00:00:00+00:00"}}"#)
        }),
    );
    let out = env.run(&["sync", "2026-11-23", "--types", "daily_readiness"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = duckdb(&format!(
        "select score, _extra from '{}' where day = '2026-11-20'",
        silver_glob(&env, "daily_readiness")
    ));
    assert_eq!(rows[0][0], Value::Null);
    let extra: Value = serde_json::from_str(rows[0][1].as_str().unwrap()).unwrap();
    assert_eq!(extra, json!({"score": "high", "new_metric": {"x": 1}}));
    let err = stderr(&out);
    assert_eq!(err.matches("field=new_metric").count(), 1, "{err}");
    assert_eq!(err.matches("field=score").count(), 1, "{err}");
    assert_lossless(&env.lake(), &env.lake().join("_silver"));
}

/// `OURA_SILVER=off` writes no silver; `silver` on a lake with no ledger rebuilds it from
/// the folders alone, with no Oura request; `status` shows each type's newest silver month.
#[test]
fn silver_can_be_off_rebuilt_from_the_folders_and_shown_by_status() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let out = env.cmd().env("OURA_SILVER", "off").args(["sync", "2026-11-23"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!env.lake().join("_silver").exists());
    std::fs::remove_dir_all(env.lake().join("_ledger")).unwrap();
    let requests = env.oura.request_count();
    let out = env.run(&["silver", "--from", "2026-11-01", "--types", "heartrate,sleep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("2 month files written"), "{}", stdout(&out));
    assert_eq!(env.oura.request_count(), requests);
    assert_eq!(
        duckdb(&format!("select count(*) from '{}'", silver_glob(&env, "heartrate"))),
        [[json!(21)]]
    );
    let out = env.run(&["status"]);
    assert!(stdout(&out).contains("silver: 2026-11"), "{}", stdout(&out));
    let out = env.run(&["silver", "--from", "2026-11-30", "--to", "2026-11-01"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A week of all 19 types into an S3 lake with `OURA_SILVER_DESTINATION=s3://…` (moto): one
/// encrypted Parquet object per type and month with its `bronze-digest`, which DuckDB reads
/// (downloaded) with the same counts as a local lake, and the library renders back losslessly;
/// a second sync puts no silver object.
#[tokio::test(flavor = "multi_thread")]
async fn a_week_into_s3_gives_s3_silver_that_duckdb_reads() {
    let aws = crate::aws_env::clients().await;
    let bucket = crate::aws_env::new_bucket(&aws, "silver").await;
    let table = crate::aws_env::new_table(&aws, "silver").await;
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let sync = || {
        env.cmd()
            .env("OURA_DYNAMODB_TABLE", &table)
            .env("OURA_SILVER_DESTINATION", format!("s3://{bucket}/silver/oura"))
            .args(["sync", "2026-11-23", "--json", "--dest", &format!("s3://{bucket}/oura")])
            .output()
            .unwrap()
    };
    let out = sync();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["silver"]["months_written"], 19, "{report}");
    let listed =
        aws.s3.list_objects_v2().bucket(&bucket).prefix("silver/oura/").send().await.unwrap();
    let (indexes, keys): (Vec<String>, Vec<String>) = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .partition(|k| k.starts_with("silver/oura/_index/"));
    assert_eq!(keys.len(), 19, "{keys:?}");
    assert_eq!(indexes.len(), 19, "one index per type: {indexes:?}");
    assert!(keys.contains(&"silver/oura/sleep/year=2026/month=11/sleep_2026-11.parquet".into()));
    let local = env.dir.path().join("downloaded");
    for key in &keys {
        let object = aws.s3.get_object().bucket(&bucket).key(key).send().await.unwrap();
        assert_eq!(object.server_side_encryption().map(|s| s.as_str()), Some("AES256"));
        assert!(object.metadata().unwrap().contains_key("bronze-digest"));
        let body = object.body.collect().await.unwrap().into_bytes();
        let path = local.join(key.strip_prefix("silver/oura/").unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    let rows = duckdb(&format!(
        "select count(*), sum(bpm) from '{}/heartrate/**/*.parquet'",
        local.display()
    ));
    assert_eq!(rows[0], [json!(21), json!(21 * 60)]);
    let silver = SilverTables::s3(
        aws.s3.clone(),
        &bucket,
        "silver/oura",
        oura_sync::store::s3::Encryption::Aes256,
    );
    let window = Window::new(Date::constant(2026, 11, 17), Date::constant(2026, 11, 23));
    let records = oura_sync::silver::read_records(&silver, DataType::Sleep, window).await.unwrap();
    assert_eq!(records.len(), 7);
    assert_eq!(records[0]["bedtime_start"], "2026-11-16T23:10:00+00:00");

    let out = sync();
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["silver"]["months_written"], 0, "{report}");
    assert_eq!(report["silver"]["months_unchanged"], 19, "{report}");
}

/// Silver reads bronze through the lake's layout: a local lake in the `bio-lakehouse` layout
/// (JSON arrays under renamed folders such as `readiness/`) gives, after `sync` and again
/// after `silver` rebuilds it from the folders alone, exactly the silver rows of the same week
/// in the default layout.
#[test]
fn a_bio_lakehouse_lake_gives_the_same_silver_as_the_default_layout() {
    let default = TestEnv::new();
    seed_every_type(&default.oura, &WEEK);
    let out = default.run(&["sync", "2026-11-23"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let bio = TestEnv::new();
    seed_every_type(&bio.oura, &WEEK);
    let sync = || {
        bio.cmd()
            .env("OURA_LAYOUT", "bio-lakehouse")
            .args(["sync", "2026-11-23", "--json"])
            .output()
            .unwrap()
    };
    let out = sync();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["silver"]["status"], "ok", "{report}");
    assert!(
        bio.lake().join("readiness/year=2026/month=11/day=23/readiness_2026-11-23.json").exists()
    );

    // With this layout the typed tables are under `_silver/oura_sync/` (issue 24).
    let rows = |env: &TestEnv, t: &str| {
        let glob = if std::ptr::eq(env, &bio) {
            format!("{}/_silver/oura_sync/{t}/**/*.parquet", env.lake().display())
        } else {
            silver_glob(env, t)
        };
        duckdb(&format!(
            "select columns(* exclude (_bronze_sha256))::varchar from '{glob}' order by all"
        ))
    };
    for &t in DataType::ALL {
        let expected = rows(&default, t.name());
        assert!(!expected.is_empty(), "{t}");
        assert_eq!(rows(&bio, t.name()), expected, "{t} after sync");
    }
    std::fs::remove_dir_all(bio.lake().join("_silver")).unwrap();
    std::fs::remove_dir_all(bio.lake().join("_ledger")).unwrap();
    let out = bio
        .cmd()
        .env("OURA_LAYOUT", "bio-lakehouse")
        .args(["silver", "--from", "2026-11-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for &t in DataType::ALL {
        assert_eq!(rows(&bio, t.name()), rows(&default, t.name()), "{t} after silver");
    }
}

/// `silver` takes the lake's own lock: while a sync with another tokens file (so another
/// login lock) is writing the lake, `silver` with `OURA_LOCK_TIMEOUT=0` gives up at once (exit
/// 1, naming the lake's lock file, no silver written); once the sync has finished, it runs.
#[test]
fn silver_waits_for_a_sync_of_the_same_lake_whatever_its_tokens_file() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    let out = env.cmd().env("OURA_SILVER", "off").args(["sync", "2026-11-23"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    env.oura.lock().delay = std::time::Duration::from_millis(1500);
    let other_login = tempfile::tempdir().unwrap();
    let mut sync = std::process::Command::new(env!("CARGO_BIN_EXE_oura-sync"));
    for name in crate::common::inherited_settings() {
        sync.env_remove(name);
    }
    let sync = sync
        .current_dir(env.dir.path())
        .env("OURA_API_BASE", &env.oura.base_url)
        .env("OURA_TIMEZONE", "UTC")
        .env("OURA_ACCESS_TOKEN", TOKEN)
        .env("OURA_SILVER", "off")
        .env("OURA_TOKENS_FILE", other_login.path().join("tokens.json"))
        .args(["sync", "2026-11-23", "--days", "1", "--types", "sleep"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let requests = env.oura.request_count();
    let start = std::time::Instant::now();
    // Its one request is in flight: it holds the lake's lock.
    while env.oura.request_count() == requests {
        assert!(start.elapsed().as_secs() < 30, "the sync never fetched");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    let out = env.cmd().env("OURA_LOCK_TIMEOUT", "0").args(["silver"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("oura-lake/_ledger/.oura-sync.lock"), "{}", stderr(&out));
    assert!(!env.lake().join("_silver").exists(), "silver written beside a running sync");

    let synced = sync.wait_with_output().unwrap();
    assert_eq!(synced.status.code(), Some(0), "{}", stderr(&synced));
    let out = env.cmd().env("OURA_LOCK_TIMEOUT", "0").args(["silver"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(env.lake().join("_silver/sleep").exists());
}

/// `silver` on a local lake that does not exist (a mistyped `--dest`) is exit 2 with one line
/// naming the directory and the setting to fix, and creates nothing there.
#[test]
fn silver_of_a_lake_that_does_not_exist_is_exit_2_and_creates_nothing() {
    let env = TestEnv::new();
    let missing = env.dir.path().join("no-such-lake");
    let out = env.cmd().arg("silver").arg("--dest").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("there is no lake at") && err.contains("--dest"), "{err}");
    assert!(!missing.exists(), "silver created the missing lake's folder");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}
