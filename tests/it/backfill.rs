//! Backfills: long windows in pieces, resumed after an interruption, `--force`.

use std::time::Duration;

use crate::common::*;

fn days_from(start: &str, count: usize) -> Vec<String> {
    let start: jiff::civil::Date = start.parse().unwrap();
    start.series(jiff::ToSpan::day(1)).take(count).map(|d| d.to_string()).collect()
}

/// A backfill run again skips every day the ledger holds settled (no request at all for
/// them) and reports them unchanged; `--force` fetches them again. With stderr not a
/// terminal, no progress bar is drawn.
#[test]
fn a_backfill_run_again_skips_what_it_holds_unless_forced() {
    let env = TestEnv::new();
    let days = days_from("2026-01-01", 120);
    env.oura.add("daily_sleep", days.iter().map(|d| daily("daily_sleep", d)));
    let args =
        ["sync", "--from", "2026-01-01", "--to", "2026-04-30", "--types", "daily_sleep", "--json"];
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.lake_files().iter().filter(|f| f.starts_with("daily_sleep/")).count(), 120);
    // stderr is a pipe here, as in a cron log: log lines, and no progress bar.
    assert!(stderr(&out).contains("Sync finished."), "{}", stderr(&out));
    assert!(!stderr(&out).contains("pieces") && !stderr(&out).contains('█'), "{}", stderr(&out));
    let first = env.oura.requests_to("daily_sleep").len();
    assert!(first > 0);

    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.oura.requests_to("daily_sleep").len(), first, "nothing fetched again");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["types"]["daily_sleep"]["records"], 120);
    assert_eq!(report["types"]["daily_sleep"]["days_unchanged"], 120);

    let out = env.cmd().args(args).arg("--force").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.oura.requests_to("daily_sleep").len(), 2 * first);
}

/// A backfill interrupted with Ctrl-C finishes the pieces in flight, starts no more, leaves
/// only whole files (no temporary file) each recorded in the ledger, records the run, and
/// exits 1; started again, it fetches only what is missing and completes the lake.
#[test]
fn an_interrupted_backfill_resumes_to_a_complete_lake() {
    let env = TestEnv::new();
    // 120 days: pieces of 90 and 30 days; `--concurrency 1` has one piece in flight.
    let days = days_from("2026-01-01", 120);
    env.oura.add("daily_sleep", days.iter().map(|d| daily("daily_sleep", d)));
    env.oura.lock().delay = Duration::from_millis(40);
    let args = [
        "sync",
        "--from",
        "2026-01-01",
        "--to",
        "2026-04-30",
        "--types",
        "daily_sleep",
        "--concurrency",
        "1",
    ];
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_oura-sync"));
    for name in inherited_settings() {
        command.env_remove(name);
    }
    let child = command
        .current_dir(env.dir.path())
        .env("OURA_API_BASE", &env.oura.base_url)
        .env("OURA_TIMEZONE", "UTC")
        .env("OURA_ACCESS_TOKEN", TOKEN)
        .env_remove("OURA_DESTINATION")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first piece (90 days, 46 pages of two) is in flight after half a second.
    std::thread::sleep(Duration::from_millis(500));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("interrupted"), "{}", stdout(&out));

    let files: Vec<_> =
        env.lake_files().into_iter().filter(|f| f.starts_with("daily_sleep/")).collect();
    assert_eq!(files.len(), 90, "the piece in flight was finished, the next not started");
    assert!(env.lake_files().iter().all(|f| !f.contains(".tmp")), "{:?}", env.lake_files());
    assert_eq!(env.ledger_days("daily_sleep").as_object().unwrap().len(), 90);
    assert_eq!(env.ledger_runs().len(), 1);
    let fetched_before = env.oura.requests_to("daily_sleep").len();

    env.oura.lock().delay = Duration::ZERO;
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.lake_files().iter().filter(|f| f.starts_with("daily_sleep/")).count(), 120);
    for day in &days {
        assert_eq!(env.lake_file("daily_sleep", day).unwrap(), daily("daily_sleep", day) + "\n");
    }
    // Only the missing 30 days were asked for: 16 pages of two (with a day of padding).
    assert_eq!(env.oura.requests_to("daily_sleep").len() - fetched_before, 16);
}

/// A client-side pace under the rate limit: with OURA_RATE_LIMIT at 5 requests per 5
/// minutes, the sixth request would wait minutes, so a sync that needs 6 requests does not
/// finish within seconds, and the fake sees no 429 at all.
#[test]
fn requests_are_paced_under_the_rate_limit() {
    let env = TestEnv::new();
    env.oura
        .add("daily_sleep", days_from("2026-11-10", 14).iter().map(|d| daily("daily_sleep", d)));
    env.oura.lock().rate_limit = Some((5, Duration::from_secs(300)));
    let out = env
        .cmd()
        .env("OURA_RATE_LIMIT", "5")
        .args(["sync", "2026-11-23", "--days", "10", "--types", "daily_sleep"])
        .timeout(Duration::from_secs(3))
        .output()
        .unwrap();
    // Killed by the timeout while waiting for its sixth turn.
    assert_eq!(out.status.code(), None, "{}", stderr(&out));
    assert_eq!(env.oura.requests_to("daily_sleep").len(), 5);
    assert_eq!(env.oura.lock().rate_limited, 0);
}
