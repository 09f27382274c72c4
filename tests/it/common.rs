//! The test environment: a temporary working directory, a fake Oura server, the binary with a
//! clean environment pointed at both, and record builders shaped like Oura's.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;

use crate::fake_oura::FakeOura;

/// The bearer the tests log in with; no output may ever contain it.
pub const TOKEN: &str = "tok-SECRET-4c1f9a";

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub oura: FakeOura,
}

impl TestEnv {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap(), oura: FakeOura::start() }
    }

    /// `oura-sync` run in the temporary directory, with no OURA_* setting inherited, aimed
    /// at the fake server, with a bare access token and UTC days.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oura-sync"));
        cmd.current_dir(self.dir.path());
        for name in inherited_settings() {
            cmd.env_remove(name);
        }
        cmd.env("OURA_API_BASE", &self.oura.base_url)
            .env("OURA_TIMEZONE", "UTC")
            .env("OURA_ACCESS_TOKEN", TOKEN);
        cmd
    }

    /// Runs `oura-sync` with `args` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    pub fn lake(&self) -> PathBuf {
        self.dir.path().join("oura-lake")
    }

    /// The lake file of a (type, day), if any.
    pub fn lake_file(&self, data_type: &str, day: &str) -> Option<String> {
        let (y, m, d) = (&day[..4], &day[5..7], &day[8..10]);
        let path = self
            .lake()
            .join(format!("{data_type}/year={y}/month={m}/day={d}/{data_type}_{day}.jsonl"));
        std::fs::read_to_string(path).ok()
    }

    /// Every file under the lake, relative, sorted.
    pub fn lake_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        let mut stack = vec![self.lake()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    files.push(path.strip_prefix(self.lake()).unwrap().display().to_string());
                }
            }
        }
        files.sort();
        files
    }

    /// The run entries of the local ledger.
    pub fn ledger_runs(&self) -> Vec<serde_json::Value> {
        let text =
            std::fs::read_to_string(self.lake().join("_ledger/runs.jsonl")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// The day entries of one type in the local ledger (its year files `days/<type>/<YYYY>.json`
    /// merged into one object); `Null` when it has none.
    pub fn ledger_days(&self, data_type: &str) -> serde_json::Value {
        ledger_days_of(&self.lake(), data_type)
    }
}

/// The variables of this process that would change how `oura-sync` runs (every `OURA_*`
/// setting, and `RUST_LOG`): a test's command removes them, so that only what it sets counts.
pub fn inherited_settings() -> Vec<String> {
    std::env::vars()
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("OURA_") || name == "RUST_LOG")
        .collect()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A daily document (daily_sleep, daily_readiness, …) stamped at midnight.
pub fn daily(kind: &str, day: &str) -> String {
    format!(
        r#"{{"id":"{kind}-{day}","day":"{day}","score":80,"timestamp":"{day}T00:00:00+00:00"}}"#
    )
}

/// A daily_activity document, stamped 04:00 local like Oura's.
pub fn activity(day: &str) -> String {
    format!(r#"{{"id":"act-{day}","day":"{day}","steps":9000,"timestamp":"{day}T04:00:00-05:00"}}"#)
}

/// A sleep period of `day` that started the evening before at 23:10.
pub fn sleep(id: &str, day: &str, bedtime_start: &str) -> String {
    format!(
        r#"{{"id":"{id}","day":"{day}","bedtime_start":"{bedtime_start}","type":"long_sleep","period":0}}"#
    )
}

/// A record filed by `start_day` (enhanced_tag, rest_mode_period).
pub fn start_day_record(kind: &str, day: &str) -> String {
    format!(r#"{{"id":"{kind}-{day}","start_day":"{day}","start_time":"{day}T12:00:00+00:00"}}"#)
}

/// A heart-rate or battery sample.
pub fn sample(timestamp: &str, value: u32, source: &str) -> String {
    format!(r#"{{"bpm":{value},"source":"{source}","timestamp":"{timestamp}"}}"#)
}

/// The day before `day` (YYYY-MM-DD).
pub fn day_before(day: &str) -> String {
    let d: jiff::civil::Date = day.parse().unwrap();
    d.yesterday().unwrap().to_string()
}

/// Records for every type on every day of `days`, the way the fake expects them.
pub fn seed_every_type(oura: &FakeOura, days: &[&str]) {
    for kind in crate::fake_oura::DAILY_DOCUMENT_PATHS {
        oura.add(kind, days.iter().map(|d| daily(kind, d)));
    }
    oura.add("daily_activity", days.iter().map(|d| activity(d)));
    oura.add(
        "sleep",
        days.iter()
            .map(|d| sleep(&format!("sleep-{d}"), d, &format!("{}T23:10:00+00:00", day_before(d)))),
    );
    oura.add("enhanced_tag", days.iter().map(|d| start_day_record("enhanced_tag", d)));
    oura.add("rest_mode_period", days.iter().map(|d| start_day_record("rest_mode_period", d)));
    for kind in ["heartrate", "ring_battery_level"] {
        oura.add(
            kind,
            days.iter().flat_map(|d| {
                ["00:00:00", "06:30:00", "23:55:00"]
                    .map(|t| sample(&format!("{d}T{t}+00:00"), 60, "rest"))
            }),
        );
    }
    oura.add("ring_configuration", [r#"{"id":"ring-1","color":"silver","size":9}"#.to_string()]);
    oura.lock().personal_info = Some(r#"{"id":"me","age":40,"email":"x@example.com"}"#.into());
}

/// Every bronze data file of the lake (the ledger and silver left out), path → content.
pub fn lake_contents(env: &TestEnv) -> std::collections::BTreeMap<String, String> {
    env.lake_files()
        .into_iter()
        .filter(|f| !f.starts_with("_ledger") && !f.starts_with("_silver"))
        .map(|f| {
            let text = std::fs::read_to_string(env.lake().join(&f)).unwrap();
            (f, text)
        })
        .collect()
}

/// The lake a sync of `days` (UTC) must write for what [`seed_every_type`] served: every
/// file, byte for byte; the snapshots under `last_day`.
pub fn expected_lake(days: &[&str], last_day: &str) -> std::collections::BTreeMap<String, String> {
    let path = |kind: &str, day: &str| {
        format!(
            "{kind}/year={}/month={}/day={}/{kind}_{day}.jsonl",
            &day[..4],
            &day[5..7],
            &day[8..10]
        )
    };
    let mut lake = std::collections::BTreeMap::new();
    for day in days {
        for kind in crate::fake_oura::DAILY_DOCUMENT_PATHS {
            lake.insert(path(&kind.to_lowercase(), day), daily(kind, day) + "\n");
        }
        lake.insert(path("daily_activity", day), activity(day) + "\n");
        let bedtime = format!("{}T23:10:00+00:00", day_before(day));
        lake.insert(path("sleep", day), sleep(&format!("sleep-{day}"), day, &bedtime) + "\n");
        for kind in ["enhanced_tag", "rest_mode_period"] {
            lake.insert(path(kind, day), start_day_record(kind, day) + "\n");
        }
        for kind in ["heartrate", "ring_battery_level"] {
            let samples: String = ["00:00:00", "06:30:00", "23:55:00"]
                .map(|t| sample(&format!("{day}T{t}+00:00"), 60, "rest") + "\n")
                .concat();
            lake.insert(path(kind, day), samples);
        }
    }
    lake.insert(
        path("ring_configuration", last_day),
        r#"{"id":"ring-1","color":"silver","size":9}"#.to_string() + "\n",
    );
    lake.insert(
        path("personal_info", last_day),
        r#"{"id":"me","age":40,"email":"x@example.com"}"#.to_string() + "\n",
    );
    lake
}

/// The day entries of `data_type` in the local ledger of `lake`: its year files
/// (`_ledger/days/<type>/<YYYY>.json`) merged into one object, `Null` when it has none.
pub fn ledger_days_of(lake: &std::path::Path, data_type: &str) -> serde_json::Value {
    let dir = lake.join("_ledger/days").join(data_type);
    let mut years: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
                .is_some_and(|year| year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    years.sort();
    if years.is_empty() {
        return serde_json::Value::Null;
    }
    let mut days = serde_json::Map::new();
    for path in years {
        let text = std::fs::read_to_string(&path).unwrap();
        let year: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
        days.extend(year);
    }
    serde_json::Value::Object(days)
}

/// The lines `child` writes to stderr, as they come, read on a thread of their own (so that a
/// chatty child never blocks on a full pipe); the channel ends when the child closes stderr.
pub fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead as _;
    let (send, lines) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().expect("stderr is piped");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    lines
}
