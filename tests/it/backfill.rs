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
    // The first piece is 46 pages of two: its 41st request waits here, so the interrupt comes
    // with that piece surely in flight and the next surely not started, however slow the
    // machine.
    const HELD: usize = 40;
    env.oura.lock().hold_from = Some(HELD);
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
    let mut child = spawn(&env, &args, &[]);
    let lines = stderr_lines(&mut child);
    wait_for(|| env.oura.requests_to("daily_sleep").len() > HELD, "the held request");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // Released once the run says it was interrupted: the rest of the piece goes at once.
    wait_for_line(&lines, "Interrupted: finishing the pieces in flight");
    env.oura.lock().hold_from = None;
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert!(out.contains("interrupted"), "{out}");

    let files: Vec<_> =
        env.lake_files().into_iter().filter(|f| f.starts_with("daily_sleep/")).collect();
    assert_eq!(files.len(), 90, "the piece in flight was finished, the next not started");
    assert!(env.lake_files().iter().all(|f| !f.contains(".tmp")), "{:?}", env.lake_files());
    assert_eq!(env.ledger_days("daily_sleep").as_object().unwrap().len(), 90);
    assert_eq!(env.ledger_runs().len(), 1);
    let fetched_before = env.oura.requests_to("daily_sleep").len();

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
/// minutes, a sync that needs 6 requests sends 5, then says it waits minutes for the sixth
/// turn (judged by what it says and what the fake saw, not by a clock), and the fake sees no
/// 429 at all.
#[test]
fn requests_are_paced_under_the_rate_limit() {
    let env = TestEnv::new();
    env.oura
        .add("daily_sleep", days_from("2026-11-10", 14).iter().map(|d| daily("daily_sleep", d)));
    env.oura.lock().rate_limit = Some((5, Duration::from_secs(300)));
    let args = ["-v", "sync", "2026-11-23", "--days", "10", "--types", "daily_sleep"];
    let mut child = spawn(&env, &args, &[("OURA_RATE_LIMIT", "5")]);
    let lines = stderr_lines(&mut child);
    let pacing = wait_for_line(&lines, "Pacing under the rate limit.");
    let _ = child.kill();
    let _ = child.wait();
    // `wait=299.98s`: the sixth turn comes when the first request leaves the 5-minute window.
    let wait: f64 = pacing
        .split("wait=")
        .nth(1)
        .and_then(|w| w.split('s').next())
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no wait in {pacing}"));
    assert!(wait > 240.0, "{pacing}");
    assert_eq!(env.oura.requests_to("daily_sleep").len(), 5);
    assert_eq!(env.oura.lock().rate_limited, 0);
}

/// `oura-sync` with `args` started as `TestEnv::cmd` sets it up (the fake server, a bare
/// token, UTC days, the lake in the test's directory), with `extra` settings, its stderr piped
/// to be read while it runs.
pub(crate) fn spawn(env: &TestEnv, args: &[&str], extra: &[(&str, &str)]) -> std::process::Child {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_oura-sync"));
    for name in inherited_settings() {
        command.env_remove(name);
    }
    command
        .current_dir(env.dir.path())
        .env("OURA_API_BASE", &env.oura.base_url)
        .env("OURA_TIMEZONE", "UTC")
        .env("OURA_ACCESS_TOKEN", TOKEN)
        .envs(extra.iter().copied())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// The child's stderr, line by line, as it comes (read on a thread of its own, so the child
/// never blocks on a full pipe).
fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    let stderr = child.stderr.take().unwrap();
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    lines
}

/// The first line (within a minute) that contains `text`.
fn wait_for_line(lines: &std::sync::mpsc::Receiver<String>, text: &str) -> String {
    loop {
        let line = lines.recv_timeout(Duration::from_secs(60));
        match line {
            Ok(line) if line.contains(text) => return line,
            Ok(_) => {}
            Err(e) => panic!("no line with `{text}` within a minute: {e}"),
        }
    }
}

/// Waits (up to a minute, polling) until `done` holds.
pub(crate) fn wait_for(done: impl Fn() -> bool, what: &str) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(60), "no {what} within a minute");
        std::thread::sleep(Duration::from_millis(10));
    }
}
