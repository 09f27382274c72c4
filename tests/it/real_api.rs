//! Holding up against the real API (issue 12): scope names as Oura grants them, records that
//! cannot be filed set aside without costing their neighbours, records sent twice with other
//! content, and Oura's own recorded responses replayed through `sync`.

use crate::common::*;

const WEEK: [&str; 7] = [
    "2026-11-17",
    "2026-11-18",
    "2026-11-19",
    "2026-11-20",
    "2026-11-21",
    "2026-11-22",
    "2026-11-23",
];

fn report_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

/// A login granted `extapi:spo2Daily` (an app made before export 1.40) gets `daily_spo2`
/// like one granted `spo2`; a type whose scope seems missing is asked for anyway: refused
/// (403) it is skipped naming the scope to grant, answered it is written with a note saying
/// so; `personal_info` is fetched whatever the scopes. Exit 0.
#[test]
fn scopes_are_a_hint_and_every_type_is_asked_for() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &WEEK);
    std::fs::write(
        env.dir.path().join(".oura-tokens.json"),
        format!(r#"{{"access_token":"{TOKEN}","scope":"extapi:daily extapi:spo2Daily"}}"#),
    )
    .unwrap();
    env.oura.lock().refused.insert("daily_stress".into(), 403);
    let types = "daily_sleep,daily_spo2,daily_stress,daily_resilience,personal_info";
    let out = env.run(&["sync", "2026-11-23", "--types", types, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = report_of(&out);
    let t = &report["types"];
    assert_eq!(t["daily_spo2"]["status"], "ok");
    assert_eq!(t["daily_spo2"]["records"], 7);
    assert!(t["daily_spo2"].get("note").is_none(), "{}", t["daily_spo2"]);
    assert_eq!(t["daily_stress"]["status"], "skipped");
    assert_eq!(
        t["daily_stress"]["reason"],
        "scope `stress` not granted, and Oura refused it (HTTP 403: Forbidden: requires \
         additional permissions); run `oura-sync auth` with stress in OURA_SCOPES"
    );
    assert_eq!(t["daily_resilience"]["status"], "ok");
    assert_eq!(
        t["daily_resilience"]["note"],
        "scope `stress` is not among the granted scopes; asked anyway, and Oura answered"
    );
    assert_eq!(t["personal_info"]["status"], "ok");
    assert_eq!(env.lake_file("personal_info", "2026-11-23").unwrap().lines().count(), 1);
    for path in ["daily_stress", "daily_resilience", "personal_info", "daily_spo2"] {
        assert!(!env.oura.requests_to(path).is_empty(), "{path} was asked for");
    }
    let summary = env.run(&["sync", "2026-11-23", "--types", types]);
    assert!(stdout(&summary).contains("daily_stress: skipped, scope `stress` not granted"));
}

/// A record with a null `day`, one without any, one that is not an object, and a sample
/// without a timestamp cost nothing to their neighbours: every good record is written; the
/// bad ones are kept whole, with their reasons, in `_rejected/<type>/<run_id>.jsonl` under
/// the lake (not under any type's folder, not in the ledger's days); the types fail with the
/// count and the key, the summary says so, and the exit code is 1.
#[test]
fn a_record_that_cannot_be_filed_is_quarantined_and_its_neighbours_written() {
    let env = TestEnv::new();
    let good = [daily("daily_sleep", "2026-11-22"), daily("daily_sleep", "2026-11-23")];
    let bad = [
        r#"{"id":"no-day","day":null,"score":70}"#.to_string(),
        r#"{"id":"lost","score":71}"#.to_string(),
        "42".to_string(),
    ];
    env.oura.add("daily_sleep", good.iter().cloned());
    let samples = [
        sample("2026-11-23T10:00:00+00:00", 60, "rest"),
        r#"{"bpm":61,"source":"rest"}"#.to_string(),
        sample("2026-11-23T10:05:00+00:00", 62, "rest"),
    ];
    env.oura.add("heartrate", [samples[0].clone(), samples[2].clone()]);
    // Served amid the good ones, whatever the query (the fake filters on the fields they lack).
    env.oura.serve_once("daily_sleep", bad.iter().cloned());
    env.oura.serve_once("heartrate", [samples[1].clone()]);

    let out = env.run(&[
        "sync",
        "2026-11-23",
        "--days",
        "2",
        "--types",
        "daily_sleep,heartrate",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = report_of(&out);
    let run_id = report["run_id"].as_str().unwrap();
    assert_eq!(report["status"], "failed");

    let sleep = &report["types"]["daily_sleep"];
    assert_eq!(sleep["status"], "failed");
    assert_eq!(sleep["records"], 2);
    assert_eq!(sleep["rejected"], 3);
    let key = format!("_rejected/daily_sleep/{run_id}.jsonl");
    assert_eq!(sleep["quarantine"], key);
    let error = sleep["error"].as_str().unwrap();
    let head = format!("3 records could not be filed; kept whole in {key} (a daily_sleep record");
    assert!(error.starts_with(&head), "{error}");
    assert_eq!(env.lake_file("daily_sleep", "2026-11-22").unwrap(), good[0].clone() + "\n");
    assert_eq!(env.lake_file("daily_sleep", "2026-11-23").unwrap(), good[1].clone() + "\n");

    // Every bad record, whole, once per run, with its reason.
    let quarantined = std::fs::read_to_string(env.lake().join(&key)).unwrap();
    let lines: Vec<serde_json::Value> =
        quarantined.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut records: Vec<String> = lines.iter().map(|l| l["record"].to_string()).collect();
    records.sort();
    let mut expected: Vec<String> = bad
        .iter()
        .map(|b| serde_json::from_str::<serde_json::Value>(b).unwrap().to_string())
        .collect();
    expected.sort();
    assert_eq!(records, expected);
    assert!(
        quarantined.contains(r#""record":{"id":"no-day","day":null,"score":70}"#),
        "{quarantined}"
    );
    assert!(
        lines.iter().all(|l| l["reason"].as_str().unwrap().starts_with("a daily_sleep record"))
    );
    assert!(!quarantined.contains(TOKEN) && !stderr(&out).contains(TOKEN));

    let heart = &report["types"]["heartrate"];
    assert_eq!((heart["status"].as_str(), heart["records"].as_u64()), (Some("failed"), Some(2)));
    let heart_key = format!("_rejected/heartrate/{run_id}.jsonl");
    let heart_lines = std::fs::read_to_string(env.lake().join(&heart_key)).unwrap();
    assert_eq!(
        heart_lines,
        format!(
            "{{\"reason\":\"a heartrate sample has no usable `timestamp` (missing or null)\",\"record\":{}}}\n",
            samples[1]
        )
    );
    assert_eq!(env.lake_file("heartrate", "2026-11-23").unwrap().lines().count(), 2);

    // The quarantine is no data: the ledger's days know nothing of it.
    let days = env.ledger_days("daily_sleep").to_string();
    assert!(!days.contains("_rejected"), "{days}");
    assert_eq!(env.ledger_runs()[0]["failures"].as_array().unwrap().len(), 2);

    env.oura.serve_once("daily_sleep", bad.iter().cloned());
    let out = env.run(&["sync", "2026-11-23", "--days", "2", "--types", "daily_sleep"]);
    assert_eq!(out.status.code(), Some(1));
    let summary = stdout(&out);
    assert!(summary.contains("❌ daily_sleep: 3 records could not be filed"), "{summary}");
    // A second run keeps its own quarantine object; the first one's is still there.
    assert_eq!(
        env.lake_files().iter().filter(|f| f.starts_with("_rejected/daily_sleep/")).count(),
        2
    );
    assert!(env.lake().join(&key).exists());
}

/// A quarantine object that cannot be stored (here `_rejected` is a file, not a folder) still
/// loses nothing without a trace: the type fails saying so, and every record that could not
/// be filed is in the error log, whole; the good records are written.
#[test]
fn records_that_cannot_be_quarantined_go_to_the_error_log() {
    let env = TestEnv::new();
    env.oura.add("daily_sleep", [daily("daily_sleep", "2026-11-23")]);
    let bad = r#"{"id":"no-day","day":null}"#;
    env.oura.serve_once("daily_sleep", [bad.to_string()]);
    std::fs::create_dir_all(env.lake()).unwrap();
    std::fs::write(env.lake().join("_rejected"), "in the way").unwrap();
    let out = env.run(&["sync", "2026-11-23", "--days", "1", "--types", "daily_sleep", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let error = report_of(&out)["types"]["daily_sleep"]["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("nor kept in quarantine") && error.ends_with("they are in the error log"),
        "{error}"
    );
    let log = stderr(&out);
    assert!(log.contains("A record that could not be filed nor kept."), "{log}");
    assert!(log.contains(r#"{"id":"no-day","day":null}"#), "{log}");
    assert_eq!(
        env.lake_file("daily_sleep", "2026-11-23").unwrap(),
        daily("daily_sleep", "2026-11-23") + "\n"
    );
}

/// Records Oura sends twice with other content are never dropped in silence: a document
/// revised between two pages (same `id`) is written in its later version, and two samples of
/// one instant and source with different `bpm` are both kept; each is logged as a warning
/// with its count, and the report counts them.
#[test]
fn records_sent_twice_with_other_content_follow_the_documented_rules() {
    let env = TestEnv::new();
    let first = r#"{"id":"ds-1","day":"2026-11-23","score":70}"#;
    let later = r#"{"id":"ds-1","day":"2026-11-23","score":74}"#;
    // Two records a page: the revision comes on the second page.
    env.oura.add(
        "daily_sleep",
        [first.to_string(), daily("daily_sleep", "2026-11-22"), later.to_string()],
    );
    let one = sample("2026-11-23T10:00:00+00:00", 60, "rest");
    let other = sample("2026-11-23T10:00:00+00:00", 64, "rest");
    env.oura.add(
        "heartrate",
        [one.clone(), other.clone(), sample("2026-11-23T10:05:00+00:00", 61, "rest")],
    );

    let out = env.run(&[
        "sync",
        "2026-11-23",
        "--days",
        "2",
        "--types",
        "daily_sleep,heartrate",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.lake_file("daily_sleep", "2026-11-23").unwrap(), format!("{later}\n"));
    let heart = env.lake_file("heartrate", "2026-11-23").unwrap();
    assert_eq!(heart.lines().collect::<Vec<_>>()[..2], [one.as_str(), other.as_str()]);
    assert_eq!(heart.lines().count(), 3);
    let report = report_of(&out);
    assert_eq!(report["types"]["daily_sleep"]["revised"], 1);
    assert_eq!(report["types"]["heartrate"]["conflicting"], 1);
    let log = stderr(&out);
    assert!(log.contains("kept the later version of each") && log.contains("revised=1"), "{log}");
    assert!(log.contains("kept all of them") && log.contains("conflicting=1"), "{log}");
    // Synced again, the day the lake holds is merged with the new answer: both still there.
    let again = env.run(&["sync", "2026-11-23", "--days", "2", "--types", "heartrate"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(env.lake_file("heartrate", "2026-11-23").unwrap(), heart);
}

/// `../shared/real-oura` beside the clone: Oura's OpenAPI exports and real recorded
/// responses, read at run time and never copied into the project. Absent (a clone outside
/// the project), the tests that need it say they are skipped, and why; under CI
/// (`CI=true`) its absence fails them, so there they always run.
fn real_oura() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-oura");
    if dir.is_dir() {
        return Some(dir);
    }
    let why = format!(
        "{} is missing: the real-response tests need the project's shared folder beside the clone",
        dir.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why} (required under CI)");
    eprintln!("skipped: {why}");
    None
}

/// The records of one recorded answer, each as the exact text Oura sent: the `data` of an
/// envelope, or the bare object (`personal_info`).
fn recorded_records(text: &str) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        data: Vec<&'a serde_json::value::RawValue>,
    }
    match serde_json::from_str::<Envelope<'_>>(text) {
        Ok(page) => page.data.iter().map(|r| r.get().to_string()).collect(),
        Err(_) => vec![text.trim().to_string()],
    }
}

/// The day a recorded record belongs to in `tz` (CONTRACT §3), or `None` for the snapshots.
fn day_of(path: &str, record: &str, tz: &jiff::tz::TimeZone) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(record).unwrap();
    match path {
        "ring_configuration" | "personal_info" => None,
        "heartrate" | "ring_battery_level" => {
            let at: jiff::Timestamp = value["timestamp"].as_str().unwrap().parse().unwrap();
            Some(tz.to_datetime(at).date().to_string())
        }
        "enhanced_tag" | "rest_mode_period" => Some(value["start_day"].as_str()?.to_string()),
        _ => Some(value["day"].as_str()?.to_string()),
    }
}

/// Oura's recorded answers for all 19 collections (`samples/`), served the way the live API
/// pages them (small pages with `next_token`, inclusive dates with its end-date traps,
/// datetimes for the series), synced over the whole span they cover in New York time: every
/// record is in the lake exactly once, byte for byte, in the object of its day (heart rate on
/// its New York date, the snapshots on the last day), and the lake holds nothing else.
#[test]
fn oura_recorded_answers_replayed_land_once_byte_for_byte_on_their_day() {
    let Some(real) = real_oura() else { return };
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let env = TestEnv::new();
    {
        let mut inner = env.oura.lock();
        inner.page_size = 25;
        inner.series_page_size = 100;
    }
    let mut served: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(real.join("samples")).unwrap() {
        let file = entry.unwrap().path();
        let path = file.file_stem().unwrap().to_str().unwrap().to_string();
        let records = recorded_records(&std::fs::read_to_string(&file).unwrap());
        if path == "personal_info" {
            env.oura.lock().personal_info = Some(records[0].clone());
        } else {
            env.oura.add(&path, records.iter().cloned());
        }
        served.extend(records.into_iter().map(|r| (path.clone(), r)));
    }
    let paths: std::collections::BTreeSet<&str> = served.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths.len(), 19, "{paths:?}");
    let days: Vec<String> = served.iter().filter_map(|(p, r)| day_of(p, r, &tz)).collect();
    let (first, last) = (days.iter().min().unwrap().clone(), days.iter().max().unwrap().clone());

    let out = env
        .cmd()
        .env("OURA_TIMEZONE", "America/New_York")
        .args(["sync", "--from", &first, "--to", &last, "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // (type, day, line) of what was served, and of what the lake holds.
    let mut expected: Vec<(String, String, String)> = served
        .iter()
        .map(|(path, record)| {
            let day = day_of(path, record, &tz).unwrap_or_else(|| last.clone());
            (path.to_lowercase(), day, record.clone())
        })
        .collect();
    let mut lake: Vec<(String, String, String)> = Vec::new();
    for (file, text) in lake_contents(&env) {
        let data_type = file.split('/').next().unwrap().to_string();
        let day = file.rsplit('_').next().unwrap().trim_end_matches(".jsonl").to_string();
        assert!(text.ends_with('\n'), "{file}");
        lake.extend(text.lines().map(|line| (data_type.clone(), day.clone(), line.to_string())));
    }
    expected.sort();
    lake.sort();
    assert_eq!(lake.len(), expected.len());
    for (held, sent) in lake.iter().zip(&expected) {
        assert_eq!(held, sent);
    }
    let report = report_of(&out);
    assert_eq!(report["status"], "success");
    for (name, t) in report["types"].as_object().unwrap() {
        assert_eq!(t["status"], "ok", "{name}: {t}");
    }
}

/// The newest OpenAPI export in `spec/`: its name carries the export number
/// (`…openapi-1.37.json`); a file without one ranks below every numbered one.
fn newest_export(spec_dir: &std::path::Path) -> std::path::PathBuf {
    let number = |path: &std::path::Path| -> Vec<u32> {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let tail = stem.rsplit('-').next().unwrap();
        tail.split('.')
            .map(|part| part.parse().ok())
            .collect::<Option<Vec<u32>>>()
            .unwrap_or_default()
    };
    std::fs::read_dir(spec_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .max_by_key(|p| number(p))
        .expect("an OpenAPI export in spec/")
}

/// The spec check: the newest export has no `/v2/usercollection/` list route that oura-sync
/// neither syncs nor lists as deliberately left out (so the next export's new collection is
/// noticed), still has every route oura-sync syncs, and declares no OAuth scope that the
/// default `OURA_SCOPES` does not ask for under one of its names.
#[test]
fn the_newest_oura_export_has_no_collection_oura_sync_ignores() {
    let Some(real) = real_oura() else { return };
    let file = newest_export(&real.join("spec"));
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let list_routes: std::collections::BTreeSet<String> = spec["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|p| p.strip_prefix("/v2/usercollection/"))
        .filter(|rest| !rest.contains('/'))
        .map(str::to_string)
        .collect();
    let synced: std::collections::BTreeSet<String> =
        oura_sync::datatype::DataType::ALL.iter().map(|t| t.api_path().to_string()).collect();
    let left_out: std::collections::BTreeSet<String> =
        oura_sync::datatype::LEFT_OUT_COLLECTIONS.iter().map(|(p, _)| p.to_string()).collect();
    let unknown: Vec<&String> =
        list_routes.iter().filter(|r| !synced.contains(*r) && !left_out.contains(*r)).collect();
    assert!(
        unknown.is_empty(),
        "{} has collections oura-sync neither syncs nor lists in LEFT_OUT_COLLECTIONS: {unknown:?}",
        file.display()
    );
    let gone: Vec<&String> = synced.iter().filter(|p| !list_routes.contains(*p)).collect();
    assert!(gone.is_empty(), "{} no longer has {gone:?}", file.display());

    let declared =
        spec["components"]["securitySchemes"]["OAuth2"]["flows"]["authorizationCode"]["scopes"]
            .as_object()
            .expect("the export declares its OAuth scopes");
    let asked = oura_sync::auth::normalize_scopes(oura_sync::auth::oauth::DEFAULT_SCOPES);
    for scope in declared.keys() {
        assert!(
            oura_sync::scope::covers(&asked, scope),
            "{} declares scope `{scope}`, which the default OURA_SCOPES does not ask for",
            file.display()
        );
    }
}
