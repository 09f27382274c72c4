//! `oura-sync mcp` driven by the official MCP Python SDK (`tests/mcp_client.py`, with the
//! `mcp` package `scripts/test.sh` installs): a lake synced from the fake's realistic data
//! (`health_seed`), a hole and a failed type in it, then initialise, list the tools, call each
//! one, and every bad argument and a malformed request; then the same tools over an S3 lake
//! (moto) in bio-lakehouse's layout. Every number is checked against what the fake served,
//! computed here from the seed's functions, never by the library.

use std::collections::BTreeMap;
use std::process::Command as Process;

use jiff::ToSpan;
use jiff::civil::{Date, date};
use serde_json::{Value, json};

use crate::aws_env;
use crate::common::{TOKEN, TestEnv, stderr, stdout};
use crate::health_seed as seed;

/// The last day the fake serves data for.
const END: Date = date(2026, 11, 23);
/// The first day of the main sync (120 days ending on END).
const MAIN_FROM: Date = date(2026, 7, 27);

/// Three days synced apart from the rest, leaving a hole up to MAIN_FROM.
const EARLY: (Date, Date) = (date(2026, 7, 1), date(2026, 7, 3));
/// Three days after END whose `daily_stress` failed.
const FAILED: (Date, Date) = (date(2026, 11, 24), date(2026, 11, 26));

fn on(day: Date) -> bool {
    !seed::ring_off(day)
}

/// The day's value of each summary metric, as the fake served it (`None`: no record).
fn expected(metric: &str, day: Date) -> Option<f64> {
    if !on(day) {
        return None;
    }
    let [deep, rem, _light, awake] = seed::stages(day);
    let total = seed::total_sleep(day);
    let (stress_high, recovery_high) = seed::stress(day);
    Some(match metric {
        "readiness" => seed::readiness(day).into(),
        "sleep_score" => seed::sleep_score(day).into(),
        "total_sleep" => f64::from(total) / 3600.0,
        "deep_sleep" => f64::from(deep) / 3600.0,
        "rem_sleep" => f64::from(rem) / 3600.0,
        "efficiency" => f64::from(100 * total / (total + awake)),
        "hrv" => seed::average_hrv(day).into(),
        "lowest_heart_rate" => seed::lowest_heart_rate(day).into(),
        // The seed writes it with two decimals.
        "temperature_deviation" => {
            format!("{:.2}", (seed::unit(day, 24) - 0.5) * 0.8).parse().unwrap()
        }
        "activity_score" => seed::activity_score(day).into(),
        "steps" => seed::steps(day).into(),
        "active_calories" => seed::active_calories(day).into(),
        "stress_high" => f64::from(stress_high) / 3600.0,
        "recovery_high" => f64::from(recovery_high) / 3600.0,
        "resilience" => {
            let levels = ["limited", "adequate", "solid", "strong", "exceptional"];
            (levels.iter().position(|l| *l == seed::resilience(day)).unwrap() + 1) as f64
        }
        other => panic!("no expectation for {other}"),
    })
}

const METRICS: [&str; 15] = [
    "readiness",
    "sleep_score",
    "total_sleep",
    "deep_sleep",
    "rem_sleep",
    "efficiency",
    "hrv",
    "lowest_heart_rate",
    "temperature_deviation",
    "activity_score",
    "steps",
    "active_calories",
    "stress_high",
    "recovery_high",
    "resilience",
];

/// `a` equals `b` to the three decimals the server rounds to.
fn close(a: &Value, b: f64, what: &str) {
    let a = a.as_f64().unwrap_or_else(|| panic!("{what}: {a} is not a number"));
    assert!((a - b).abs() <= 0.0006, "{what}: got {a}, expected {b}");
}

/// Where `a` and `b` first differ (a JSON path), if they do.
fn difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{path}.{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| difference(p, q, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} against {b}")),
    }
}

fn days(from: Date, to: Date) -> Vec<Date> {
    from.series(1.day()).take_while(|d| *d <= to).collect()
}

/// Mean, median, min and max of the metric's values over the days, gaps left out.
fn stats(metric: &str, from: Date, to: Date) -> (usize, f64, f64, f64, f64) {
    let mut values: Vec<f64> =
        days(from, to).into_iter().filter_map(|d| expected(metric, d)).collect();
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    let median =
        if n.is_multiple_of(2) { (values[n / 2 - 1] + values[n / 2]) / 2.0 } else { values[n / 2] };
    (n, mean, median, values[0], values[n - 1])
}

/// The lake: 120 days ending on END, three early days (a hole between), and three days after
/// END whose `daily_stress` Oura refused with a 400 (failed).
fn synced_env() -> TestEnv {
    let env = TestEnv::new();
    seed::seed(&env.oura, END, 150);
    let out = env.run(&["sync", &END.to_string(), "--days", "120"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let (from, to) = (EARLY.0.to_string(), EARLY.1.to_string());
    let out = env.run(&["sync", "--from", &from, "--to", &to]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    env.oura.lock().refused.insert("daily_stress".into(), 400);
    let (from, to) = (FAILED.0.to_string(), FAILED.1.to_string());
    let out = env.run(&["sync", "--from", &from, "--to", &to]);
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    env
}

/// Runs the Python client against `env`'s lake with `calls` (and the `settings` given);
/// returns what it saw.
fn client(env: &TestEnv, calls: &[Value], settings: &[(&str, &str)]) -> (Value, String) {
    let python = std::env::var("OURA_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "OURA_TEST_PYTHON is not set: the MCP tests drive the server with the MCP Python \
             SDK; run them with scripts/test.sh (it installs `mcp` and sets it)"
        )
    });
    let calls_file = env.dir.path().join("calls.json");
    std::fs::write(&calls_file, serde_json::to_string(calls).unwrap()).unwrap();
    let mut cmd = Process::new(python);
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp_client.py"))
        .arg(env!("CARGO_BIN_EXE_oura-sync"))
        .arg(env.dir.path())
        .arg(&calls_file);
    for name in crate::common::inherited_settings() {
        cmd.env_remove(name);
    }
    // Aimed at the fake with a token, as a sync would be: the server must use neither.
    cmd.env("OURA_API_BASE", &env.oura.base_url)
        .env("OURA_TIMEZONE", "UTC")
        .env("OURA_ACCESS_TOKEN", TOKEN)
        .envs(settings.iter().copied());
    let out = cmd.output().expect("python runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the client failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_str(&text).unwrap(), text)
}

/// The calls made, in order; `call(name)` finds one's answer by a label.
fn calls() -> Vec<(&'static str, Value)> {
    let period = |a: &str, b: &str| json!({"from": a, "to": b});
    let mut calls = vec![
        ("status", json!({"tool": "lake_status", "arguments": {}})),
        (
            "november",
            json!({"tool": "daily_summary", "arguments": {"from": "2026-11-01", "to": "2026-11-23"}}),
        ),
        (
            "long",
            json!({"tool": "daily_summary", "arguments": {"from": "2026-07-27", "to": "2026-11-23"}}),
        ),
        (
            "gap",
            json!({"tool": "daily_summary", "arguments": {"from": "2026-07-10", "to": "2026-07-12"}}),
        ),
        (
            "readiness_records",
            json!({"tool": "records", "arguments": {"type": "daily_readiness", "from": "2026-11-01", "to": "2026-11-10"}}),
        ),
        (
            "heartrate_records",
            json!({"tool": "records", "arguments": {"type": "heartrate", "from": "2026-11-01", "to": "2026-11-30", "limit": 100}}),
        ),
        (
            "sleep_records",
            json!({"tool": "records", "arguments": {"type": "sleep", "from": "2026-08-01", "to": "2026-11-23", "limit": 500}}),
        ),
        ("briefing", json!({"tool": "briefing", "arguments": {"date": "2026-11-23"}})),
        // Each bad argument.
        (
            "bad_reversed",
            json!({"tool": "daily_summary", "arguments": {"from": "2026-11-23", "to": "2026-11-01"}}),
        ),
        (
            "bad_date",
            json!({"tool": "daily_summary", "arguments": {"from": "2026-13-01", "to": "2026-11-23"}}),
        ),
        ("bad_missing", json!({"tool": "daily_summary", "arguments": {"from": "2026-11-01"}})),
        ("bad_extra", json!({"tool": "lake_status", "arguments": {"verbose": true}})),
        (
            "bad_future",
            json!({"tool": "daily_summary", "arguments": {"from": "2027-01-01", "to": "2027-01-31"}}),
        ),
        (
            "bad_past",
            json!({"tool": "daily_summary", "arguments": {"from": "2020-01-01", "to": "2020-01-31"}}),
        ),
        (
            "bad_metric",
            json!({"tool": "compare", "arguments": {"metric": "mood", "period_a": period("2026-09-01", "2026-09-30"), "period_b": period("2026-10-01", "2026-10-31")}}),
        ),
        (
            "bad_period",
            json!({"tool": "compare", "arguments": {"metric": "hrv", "period_a": "2026-09", "period_b": period("2026-10-01", "2026-10-31")}}),
        ),
        (
            "bad_period_past",
            json!({"tool": "compare", "arguments": {"metric": "hrv", "period_a": period("2020-09-01", "2020-09-30"), "period_b": period("2026-10-01", "2026-10-31")}}),
        ),
        (
            "bad_type",
            json!({"tool": "records", "arguments": {"type": "naps", "from": "2026-11-01", "to": "2026-11-02"}}),
        ),
        (
            "bad_limit",
            json!({"tool": "records", "arguments": {"type": "sleep", "from": "2026-11-01", "to": "2026-11-02", "limit": 0}}),
        ),
        (
            "bad_records_past",
            json!({"tool": "records", "arguments": {"type": "heartrate", "from": "2026-01-01", "to": "2026-01-31"}}),
        ),
        ("bad_day_number", json!({"tool": "briefing", "arguments": {"date": 20261123}})),
        ("bad_briefing_past", json!({"tool": "briefing", "arguments": {"date": "2026-12-01"}})),
    ];
    for metric in METRICS {
        calls.push((
            metric,
            json!({"tool": "compare", "arguments": {"metric": metric, "period_a": period("2026-09-01", "2026-09-30"), "period_b": period("2026-10-01", "2026-10-31")}}),
        ));
    }
    calls
}

/// The client initialises, lists the five tools with their argument schemas, and every
/// answer holds exactly the fake's numbers; each bad argument is a tool error saying what is
/// accepted; an unknown tool and malformed requests are protocol errors the server survives;
/// Oura is never called and the token never comes back.
#[test]
fn an_mcp_client_gets_the_fakes_numbers_from_every_tool() {
    let env = synced_env();
    let requests_before = env.oura.request_count();
    let calls = calls();
    let (seen, raw_text) =
        client(&env, &calls.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(), &[]);
    assert_eq!(env.oura.request_count(), requests_before, "the MCP server called Oura");
    assert!(!raw_text.contains(TOKEN), "the token came back");
    let answers: BTreeMap<&str, &Value> =
        calls.iter().map(|(label, _)| *label).zip(seen["calls"].as_array().unwrap()).collect();
    let ok = |label: &str| {
        let a = answers[label];
        assert_eq!(a["is_error"], false, "{label}: {}", a["text"]);
        assert_eq!(
            serde_json::from_str::<Value>(a["text"].as_str().unwrap()).unwrap(),
            a["structured"]
        );
        &a["structured"]
    };
    let error = |label: &str| {
        let a = answers[label];
        assert_eq!(a["is_error"], true, "{label} should be a tool error: {}", a["structured"]);
        a["text"].as_str().unwrap().to_string()
    };

    // Initialise and list.
    let init = &seen["init"];
    assert_eq!(init["server_name"], "oura-sync");
    assert_eq!(init["tools_capability"], true);
    assert!(init["instructions"].as_str().unwrap().contains("lake_status"));
    let tools: Vec<&str> =
        seen["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(tools, ["lake_status", "daily_summary", "compare", "records", "briefing"]);
    for tool in seen["tools"].as_array().unwrap() {
        assert_eq!(tool["input_schema"]["type"], "object", "{tool}");
        assert_eq!(tool["read_only"], true, "{tool}");
    }
    let records_schema = &seen["tools"][3]["input_schema"];
    assert_eq!(records_schema["required"], json!(["type", "from", "to"]));
    assert!(
        records_schema["properties"]["type"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("vo2_max"))
    );
    assert_eq!(seen["tools"][2]["input_schema"]["properties"]["metric"]["enum"], json!(METRICS));

    // lake_status: first and last days, records, the hole, the failed days, the last run.
    let status = ok("status");
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let readiness = &status["types"]["daily_readiness"];
    let on_days: Vec<Date> =
        days(EARLY.0, EARLY.1).into_iter().chain(days(MAIN_FROM, END)).filter(|d| on(*d)).collect();
    assert_eq!(readiness["first_day"], on_days[0].to_string());
    assert_eq!(readiness["last_day"], on_days.last().unwrap().to_string());
    assert_eq!(readiness["days_with_records"], on_days.len());
    assert_eq!(readiness["records"], on_days.len());
    assert_eq!(readiness["days_since_last"], (today - *on_days.last().unwrap()).get_days());
    let hole = days(EARLY.1 + 1.day(), MAIN_FROM - 1.day());
    assert_eq!(readiness["missing_days"], hole.len());
    assert_eq!(
        readiness["missing"],
        json!([{"from": hole[0].to_string(), "to": hole.last().unwrap().to_string()}])
    );
    assert_eq!(readiness["failed_days"], 0);
    let heartrate = &status["types"]["heartrate"];
    assert_eq!(heartrate["records"], 96 * on_days.len());
    let stress = &status["types"]["daily_stress"];
    assert_eq!(stress["failed_days"], 3);
    assert_eq!(
        stress["failed"],
        json!([{"from": FAILED.0.to_string(), "to": FAILED.1.to_string()}])
    );
    assert_eq!(status["last_run"]["status"], "partial");
    assert_eq!(status["last_run"]["from"], FAILED.0.to_string());
    assert_eq!(status["last_run"]["failures"][0]["type"], "daily_stress");
    for t in ["tag", "sleep_time", "ring_battery_level"] {
        assert!(status["types_without_records"].as_array().unwrap().contains(&json!(t)), "{t}");
    }
    assert_eq!(status["timezone"], "UTC");
    assert_eq!(status["today"], today.to_string());

    // daily_summary: every field of every day, gaps where the ring was off.
    let november = ok("november");
    assert_eq!(november["units"]["total_sleep"], "hours");
    let rows = november["days"].as_array().unwrap();
    let expected_days: Vec<Date> =
        days(date(2026, 11, 1), END).into_iter().filter(|d| on(*d)).collect();
    assert_eq!(
        rows.iter().map(|r| r["day"].as_str().unwrap().parse().unwrap()).collect::<Vec<Date>>(),
        expected_days
    );
    for row in rows {
        let day: Date = row["day"].as_str().unwrap().parse().unwrap();
        for metric in METRICS {
            let what = format!("{metric} on {day}");
            if metric == "resilience" {
                assert_eq!(row[metric], seed::resilience(day), "{what}");
            } else {
                close(&row[metric], expected(metric, day).unwrap(), &what);
            }
        }
    }
    assert!(november.get("note").is_none());
    // Cut at 92 days, with where to go on.
    let long = ok("long");
    let long_days: Vec<&str> =
        long["days"].as_array().unwrap().iter().map(|r| r["day"].as_str().unwrap()).collect();
    let first_92: Vec<String> = days(MAIN_FROM, date(2026, 10, 26))
        .into_iter()
        .filter(|d| on(*d))
        .map(|d| d.to_string())
        .collect();
    assert_eq!(long_days, first_92);
    assert_eq!(long["next_from"], "2026-10-27");
    assert!(
        long["note"]
            .as_str()
            .unwrap()
            .starts_with("cut to the first 92 days (2026-07-27 to 2026-10-26)")
    );
    // Days inside the lake that no run stored: no rows, a note, not an error.
    let gap = ok("gap");
    assert_eq!(gap["days"], json!([]));
    assert!(gap["note"].as_str().unwrap().starts_with("no data from 2026-07-10 to 2026-07-12"));

    // compare: every metric, September against October.
    for metric in METRICS {
        let c = ok(metric);
        assert_eq!(c["metric"], metric);
        let (a, b) = (&c["period_a"], &c["period_b"]);
        let sa = stats(metric, date(2026, 9, 1), date(2026, 9, 30));
        let sb = stats(metric, date(2026, 10, 1), date(2026, 10, 31));
        for (got, want) in [(a, sa), (b, sb)] {
            assert_eq!(got["days_with_value"], want.0, "{metric}");
            close(&got["mean"], want.1, &format!("{metric} mean"));
            close(&got["median"], want.2, &format!("{metric} median"));
            close(&got["min"], want.3, &format!("{metric} min"));
            close(&got["max"], want.4, &format!("{metric} max"));
        }
        close(&c["difference"]["mean"], sb.1 - sa.1, &format!("{metric} difference"));
        close(&c["difference"]["median"], sb.2 - sa.2, &format!("{metric} difference"));
    }

    // records: exactly the fake's records.
    let served = |path: &str, from: Date, to: Date| -> Vec<Value> {
        env.oura.lock().records[path]
            .iter()
            .map(|r| serde_json::from_str::<Value>(&r.text).unwrap())
            .filter(|v| {
                let day: Date = v.get("day").or(v.get("timestamp")).unwrap().as_str().unwrap()
                    [..10]
                    .parse()
                    .unwrap();
                from <= day && day <= to
            })
            .collect()
    };
    let readiness = ok("readiness_records");
    let want = served("daily_readiness", date(2026, 11, 1), date(2026, 11, 10));
    assert_eq!(difference(&readiness["records"], &json!(want), "records"), None);
    assert_eq!(
        (readiness["total"].as_u64(), readiness["returned"].as_u64()),
        (Some(want.len() as u64), Some(want.len() as u64))
    );
    assert!(readiness.get("note").is_none());
    let heartrate = ok("heartrate_records");
    let want = served("heartrate", date(2026, 11, 1), END);
    assert_eq!(difference(&heartrate["records"], &json!(want[..100]), "records"), None);
    assert_eq!(heartrate["total"], want.len());
    let next = want[100]["timestamp"].as_str().unwrap()[..10].to_string();
    assert_eq!(heartrate["next_from"], next);
    assert!(
        heartrate["note"]
            .as_str()
            .unwrap()
            .starts_with(&format!("cut at 100 of {} records (limit 100)", want.len()))
    );
    // Cut by size before the limit: about 32 KB.
    let sleep = ok("sleep_records");
    let returned = sleep["returned"].as_u64().unwrap() as usize;
    let want = served("sleep", date(2026, 8, 1), END);
    assert!(returned < want.len() && returned > 1, "{returned}");
    let (got, want) = (&sleep["records"], &json!(want[..returned]));
    assert_eq!(difference(got, want, "records"), None);
    assert!(sleep["note"].as_str().unwrap().contains("about 32 KB per call"));
    assert!(answers["sleep_records"]["text"].as_str().unwrap().len() < 40 * 1024);

    // briefing: the day's figures against the 30 days before, and the text.
    let b = ok("briefing");
    assert_eq!(b["day"], "2026-11-23");
    for (field, metric) in [
        ("readiness", "readiness"),
        ("sleep_score", "sleep_score"),
        ("total_sleep", "total_sleep"),
        ("hrv", "hrv"),
        ("lowest_heart_rate", "lowest_heart_rate"),
    ] {
        let value = expected(metric, END).unwrap();
        let median = seed::baseline(END, |d| expected(metric, d)).unwrap();
        close(&b[field]["value"], value, field);
        close(&b[field]["median_30d"], median, field);
        close(&b[field]["delta"], value - median, field);
    }
    let text = b["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!("🌅 *Mon 23 Nov*: Readiness {} (", seed::readiness(END))),
        "{text}"
    );
    assert!(text.contains(&format!("💓 HRV {} ms", seed::average_hrv(END))), "{text}");

    // Every bad argument is a tool error that says what is accepted.
    assert_eq!(
        error("bad_reversed"),
        "`from` 2026-11-23 is after `to` 2026-11-01; give the earlier day first"
    );
    assert!(
        error("bad_date").starts_with(
            "`from` must be a day as YYYY-MM-DD (like 2026-11-23); got \"2026-13-01\""
        )
    );
    assert_eq!(error("bad_missing"), "daily_summary needs `to`: a day as YYYY-MM-DD");
    assert_eq!(error("bad_extra"), "lake_status does not take `verbose`; it takes no arguments");
    let lake_span = format!("from {} to {}", on_days[0], on_days.last().unwrap());
    for label in ["bad_future", "bad_past"] {
        let e = error(label);
        assert!(e.contains("is outside the lake: it holds daily_readiness, daily_sleep, sleep, daily_activity, daily_stress, daily_resilience"), "{e}");
        assert!(
            e.contains(&lake_span)
                || e.contains(&format!("to {}", FAILED.1))
                || e.contains("to 2026-11-23"),
            "{e}"
        );
    }
    assert!(
        error("bad_metric")
            .starts_with("unknown metric \"mood\"; the metrics are `readiness`, `sleep_score`, ")
    );
    assert!(error("bad_period").starts_with(
        "`period_a` must be a period {\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\"}"
    ));
    assert!(
        error("bad_period_past").starts_with(
            "period_a 2020-09-01 to 2020-09-30 is outside the lake: it holds sleep from"
        )
    );
    assert!(
        error("bad_type").starts_with("unknown type \"naps\"; the types are `daily_activity`, ")
    );
    assert!(
        error("bad_limit")
            .starts_with("`limit` must be a whole number from 1 to 500 (default 50); got 0")
    );
    assert!(error("bad_records_past").starts_with(
        "the range 2026-01-01 to 2026-01-31 is outside the lake: it holds heartrate from"
    ));
    assert!(
        error("bad_day_number")
            .starts_with("`date` must be a day as YYYY-MM-DD (like 2026-11-23); got 20261123")
    );
    assert!(error("bad_briefing_past").starts_with(
        "the day 2026-12-01 is outside the lake: it holds daily_readiness, daily_sleep, sleep from"
    ));

    // An unknown tool is a protocol error naming the tools; the session lives on.
    assert_eq!(seen["unknown_tool"]["raised"], true);
    assert_eq!(seen["unknown_tool"]["code"], -32602);
    assert!(
        seen["unknown_tool"]["message"]
            .as_str()
            .unwrap()
            .contains("the tools are lake_status, daily_summary")
    );
    assert_eq!(seen["ping_after"], true);

    // Malformed requests, straight on the wire: answered with JSON-RPC errors, then the server
    // still initialises and lists its tools, and exits when its input ends.
    let raw = &seen["raw"];
    assert_eq!(raw["timed_out"], false, "{raw}");
    let answers = raw["answers"].as_array().unwrap();
    let by_id = |id: i64| {
        answers.iter().find(|a| a["id"] == id).unwrap_or_else(|| panic!("no answer to {id}: {raw}"))
    };
    // The line that is not JSON gets no answer (it has no id to answer to) and ends nothing.
    assert!(answers.iter().all(|a| a["jsonrpc"] == "2.0" && a["id"].is_i64()), "{raw}");
    assert_eq!(by_id(1)["result"]["serverInfo"]["name"], "oura-sync", "{raw}");
    // A call whose params are not a call's (a number for a name, a string for arguments).
    for id in [2, 3] {
        let code = by_id(id)["error"]["code"].as_i64();
        assert!(matches!(code, Some(-32602..=-32600)), "{raw}");
    }
    assert_eq!(by_id(4)["result"]["tools"].as_array().unwrap().len(), 5, "{raw}");
    // Without any login (no token, no tokens file), the lake is served all the same.
    let status = &by_id(5)["result"];
    assert_eq!(status["isError"], false, "{raw}");
    assert_eq!(
        status["structuredContent"]["types"]["daily_readiness"]["first_day"],
        on_days[0].to_string()
    );
    assert_eq!(raw["exit_code"], 0, "{raw}");
}

/// A setting that is not valid stops `mcp` before any session: one line on stderr, exit 2,
/// and nothing on stdout (the protocol's channel).
#[test]
fn a_bad_setting_is_exit_2_before_any_session() {
    let env = TestEnv::new();
    for args in [vec!["mcp", "--layout", "csv"], vec!["mcp", "--dest", "ftp://lake"]] {
        let out = env.cmd().args(&args).write_stdin("").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{args:?}: {}", stderr(&out));
    }
}

/// The same tools over an S3 lake in bio-lakehouse's layout (one JSON array per day) with a
/// DynamoDB ledger, in moto: the numbers are the fake's, read through the same reader.
#[tokio::test(flavor = "multi_thread")]
async fn an_s3_lake_in_the_bio_lakehouse_layout_answers_the_same() {
    let aws = aws_env::clients().await;
    let bucket = aws_env::new_bucket(&aws, "mcp").await;
    let table = aws_env::new_table(&aws, "mcp").await;
    let env = TestEnv::new();
    seed::seed(&env.oura, END, 40);
    let dest = format!("s3://{bucket}/oura");
    let settings = [
        ("OURA_DESTINATION", dest.as_str()),
        ("OURA_DYNAMODB_TABLE", table.as_str()),
        ("OURA_LAYOUT", "bio-lakehouse"),
    ];
    let out =
        env.cmd().envs(settings).args(["sync", &END.to_string(), "--days", "35"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let calls = [
        json!({"tool": "lake_status", "arguments": {}}),
        json!({"tool": "daily_summary", "arguments": {"from": "2026-11-17", "to": "2026-11-23"}}),
        json!({"tool": "compare", "arguments": {"metric": "steps", "period_a": {"from": "2026-10-20", "to": "2026-11-05"}, "period_b": {"from": "2026-11-06", "to": "2026-11-23"}}}),
        json!({"tool": "records", "arguments": {"type": "daily_sleep", "from": "2026-11-20", "to": "2026-11-23"}}),
        json!({"tool": "briefing", "arguments": {"date": "2026-11-23"}}),
    ];
    let (seen, raw_text) = client(&env, &calls, &settings);
    assert!(!raw_text.contains(TOKEN));
    let answer = |i: usize| {
        let a = &seen["calls"][i];
        assert_eq!(a["is_error"], false, "{i}: {}", a["text"]);
        &a["structured"]
    };
    let status = answer(0);
    assert_eq!(status["destination"], dest);
    assert_eq!(status["layout"], "bio-lakehouse");
    assert_eq!(status["ledger"], "pk/sk");
    assert_eq!(status["silver"], false);
    let on_days: Vec<Date> = days(END - 34.days(), END).into_iter().filter(|d| on(*d)).collect();
    assert_eq!(status["types"]["daily_sleep"]["days_with_records"], on_days.len());
    let rows = answer(1)["days"].as_array().unwrap();
    let week: Vec<Date> = days(date(2026, 11, 17), END).into_iter().filter(|d| on(*d)).collect();
    assert_eq!(rows.len(), week.len());
    for (row, day) in rows.iter().zip(&week) {
        assert_eq!(row["day"], day.to_string());
        for metric in METRICS.iter().filter(|m| **m != "resilience") {
            close(&row[*metric], expected(metric, *day).unwrap(), &format!("{metric} on {day}"));
        }
    }
    let c = answer(2);
    let (a, b) = (
        stats("steps", date(2026, 10, 20), date(2026, 11, 5)),
        stats("steps", date(2026, 11, 6), END),
    );
    close(&c["period_a"]["mean"], a.1, "steps a");
    close(&c["period_b"]["median"], b.2, "steps b");
    close(&c["difference"]["mean"], b.1 - a.1, "steps difference");
    let want: Vec<Value> = env.oura.lock().records["daily_sleep"]
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.text).unwrap())
        .filter(|v| ("2026-11-20".."2026-11-24").contains(&v["day"].as_str().unwrap()))
        .collect();
    assert_eq!(answer(3)["records"], json!(want));
    let b = answer(4);
    close(&b["readiness"]["value"], expected("readiness", END).unwrap(), "readiness");
    let median = seed::baseline(END, |d| expected("readiness", d)).unwrap();
    close(&b["readiness"]["median_30d"], median, "readiness median");
}
