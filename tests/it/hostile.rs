//! Hostile servers, concurrent runs, full disks and torn state, through the binary: bodies
//! without end, slow drips, looping `next_token` chains, redirected token calls, echoed
//! secrets, two syncs into one lake, a full disk at refresh time, torn and foreign run-log
//! lines, and the smaller traps of the tokens file and the lake's files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::auth::Login;
use crate::common::*;
use crate::fake_oauth::CLIENT_SECRET;
use crate::fake_oura::serve_in_background;
use crate::recorder::{Recorder, Reply};

const BIN: &str = env!("CARGO_BIN_EXE_oura-sync");

/// `oura-sync` as a plain process in `dir`, with no OURA_* setting inherited, aimed at
/// `api_base` with the test's bare token and UTC days.
fn process(dir: &Path, api_base: &str) -> StdCommand {
    let mut cmd = StdCommand::new(BIN);
    cmd.current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("OURA_") || name == "RUST_LOG" {
            cmd.env_remove(name);
        }
    }
    cmd.env("OURA_API_BASE", api_base)
        .env("OURA_TIMEZONE", "UTC")
        .env("OURA_ACCESS_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// The peak resident memory (VmHWM) of a running child, in bytes, polled until it exits;
/// returns it with the child's output.
fn wait_with_peak_rss(mut child: Child) -> (std::process::Output, u64) {
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    // Read stdout and stderr on threads, so a full pipe never stalls the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut buf).unwrap();
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut buf).unwrap();
        buf
    });
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
            peak = peak.max(kb * 1024);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = child.wait().unwrap();
    let output = std::process::Output {
        status,
        stdout: out_thread.join().unwrap(),
        stderr: err_thread.join().unwrap(),
    };
    (output, peak)
}

/// A page of heart-rate-like samples that never ends, in 64 KiB chunks, as fast as the
/// connection takes them.
async fn endless_body() -> Body {
    let sample = r#"{"bpm":60,"source":"rest","timestamp":"2026-11-23T00:00:00+00:00"},"#;
    let chunk = bytes::Bytes::from(sample.repeat(65536 / sample.len()));
    let head = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(br#"{"data":["#))
    });
    let tail = futures_util::stream::repeat_with(move || Ok(chunk.clone()));
    Body::from_stream(futures_util::StreamExt::chain(head, tail))
}

/// A body that drips one space every 200 ms and never ends.
async fn dripping_body() -> Body {
    let head = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(br#"{"data":["#))
    });
    let drip = futures_util::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        Some((Ok(bytes::Bytes::from_static(b" ")), ()))
    });
    Body::from_stream(futures_util::StreamExt::chain(head, drip))
}

/// Every collection answers with a body that never ends: each answer is cut at the 8 MiB cap
/// and fails like a cut-off body, no retry starts after the request deadline (2 x
/// `OURA_HTTP_TIMEOUT`), the run exits 1 with every type failed, peak memory stays under
/// 256 MB, and the run is recorded in the ledger and announced on the webhook.
#[test]
fn a_never_ending_body_is_cut_at_the_cap_and_the_run_is_recorded_and_announced() {
    let base =
        serve_in_background(Router::new().route("/v2/usercollection/{kind}", get(endless_body)));
    let hook = Recorder::always(Reply::ok("{}"));
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let child = process(dir.path(), &base)
        .env("OURA_HTTP_TIMEOUT", "2")
        .env("OURA_NOTIFY", "webhook")
        .env("NOTIFY_WEBHOOK_URL", format!("{}/hook", hook.base))
        .args(["sync", "2026-11-23", "--days", "7"])
        .spawn()
        .unwrap();
    let (out, peak) = wait_with_peak_rss(child);
    let took = started.elapsed();
    println!("never-ending bodies: peak RSS {} MB, exit after {took:.1?}", peak / 1_000_000);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(peak < 256_000_000, "peak RSS {peak} bytes");
    assert!(stdout(&out).contains("larger than 8 MiB"), "{}", stdout(&out));
    let runs = std::fs::read_to_string(dir.path().join("oura-lake/_ledger/runs.jsonl")).unwrap();
    let run: serde_json::Value = serde_json::from_str(runs.lines().last().unwrap()).unwrap();
    assert_eq!(run["status"], "failed");
    assert_eq!(run["failures"].as_array().unwrap().len(), 19);
    let sent = hook.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["status"], "failed");
}

/// A server that drips its answer a byte at a time never holds a piece for long: each attempt
/// ends at `OURA_HTTP_TIMEOUT` (body included) and no retry starts after twice that, so the
/// type fails in seconds ("timed out"), not after six full timeouts.
#[test]
fn a_slow_drip_fails_the_type_within_the_request_deadline() {
    let base =
        serve_in_background(Router::new().route("/v2/usercollection/{kind}", get(dripping_body)));
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = process(dir.path(), &base)
        .env("OURA_HTTP_TIMEOUT", "1")
        .args(["sync", "2026-11-23", "--days", "1", "--types", "daily_sleep"])
        .output()
        .unwrap();
    let took = started.elapsed();
    println!("slow drip: the type failed after {took:.1?}");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("timed out"), "{}", stdout(&out));
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

/// A tiny Oura that serves `daily_sleep` pages from `next(query_token, index)`, an empty page
/// elsewhere, with `delay` per answer.
fn chain_server(
    next: impl Fn(Option<&str>, usize) -> Option<String> + Send + Sync + 'static,
    delay: Duration,
) -> Recorder {
    Recorder::start(move |req, index| {
        std::thread::sleep(delay);
        if !req.path.ends_with("/daily_sleep") {
            return Reply::ok(r#"{"data":[],"next_token":null}"#);
        }
        let token = req.query_pairs().into_iter().find(|(k, _)| k == "next_token").map(|(_, v)| v);
        let next =
            next(token.as_deref(), index).map_or("null".to_string(), |t| format!(r#""{t}""#));
        Reply::ok(format!(r#"{{"data":[],"next_token":{next}}}"#))
    })
}

fn daily_sleep_requests(server: &Recorder) -> usize {
    server.requests().iter().filter(|r| r.path.ends_with("/daily_sleep")).count()
}

/// `next_token` chains that never end: an A/B/A/B cycle stops at the first repeated token
/// (three requests), and a chain of ever-new tokens stops at the page bound of its window
/// (a one-day sync asks for three days: 100 + 3 x 100 = 400 pages), each with a clear error
/// and exit 1.
#[test]
fn next_token_cycles_and_endless_chains_stop_with_a_clear_error() {
    let cycle = chain_server(
        |token, _| Some(if token == Some("A") { "B" } else { "A" }.to_string()),
        Duration::ZERO,
    );
    let dir = tempfile::tempdir().unwrap();
    let out = process(dir.path(), &cycle.base)
        .args(["sync", "2026-11-23", "--days", "1", "--types", "daily_sleep"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("had sent before"), "{}", stdout(&out));
    assert_eq!(daily_sleep_requests(&cycle), 3);

    let endless = chain_server(|_, index| Some(format!("t{index}")), Duration::ZERO);
    let started = Instant::now();
    let out = process(dir.path(), &endless.base)
        .args(["sync", "2026-11-23", "--days", "1", "--types", "daily_sleep"])
        .output()
        .unwrap();
    println!(
        "endless chain: stopped after {} pages in {:.1?}",
        daily_sleep_requests(&endless),
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("past 400 pages"), "{}", stdout(&out));
    assert_eq!(daily_sleep_requests(&endless), 400);
}

/// One SIGTERM reaches a piece in the middle of an endless chain: it stops within the 3 s
/// grace, the run exits 1 and is recorded as interrupted.
#[test]
fn one_sigterm_stops_a_piece_in_a_chain_within_seconds() {
    let endless = chain_server(|_, index| Some(format!("t{index}")), Duration::from_millis(50));
    let dir = tempfile::tempdir().unwrap();
    let child = process(dir.path(), &endless.base)
        .args(["sync", "2026-11-23", "--days", "1", "--types", "daily_sleep"])
        .spawn()
        .unwrap();
    let wait = Instant::now();
    while daily_sleep_requests(&endless) < 10 {
        assert!(wait.elapsed() < Duration::from_secs(20), "the chain never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let signalled = Instant::now();
    // The shell's own `kill`: no procps needed.
    let kill =
        StdCommand::new("sh").args(["-c", &format!("kill -TERM {}", child.id())]).status().unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let took = signalled.elapsed();
    println!("SIGTERM: the run ended {took:.1?} after the signal");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(took < Duration::from_secs(6), "took {took:?}");
    let runs = std::fs::read_to_string(dir.path().join("oura-lake/_ledger/runs.jsonl")).unwrap();
    assert!(runs.contains("interrupted"), "{runs}");
}

/// The token endpoint answers a refresh with a 307 to another host: the redirect is not
/// followed (the other host never sees the client secret or the refresh token), `refresh`
/// exits 1 naming the status, and the tokens file is untouched.
#[test]
fn the_token_endpoint_redirect_is_never_followed() {
    let elsewhere = Recorder::always(Reply::ok(
        r#"{"access_token":"stolen-access","refresh_token":"stolen-refresh","expires_in":86400}"#,
    ));
    let location = format!("{}/steal", elsewhere.base);
    let token = Recorder::always(Reply::new(307, "").header("location", location));
    let t = Login::new();
    t.logged_in(3600);
    let before = std::fs::read(t.tokens_path()).unwrap();
    let out = t
        .cmd()
        .env("OURA_TOKEN_URL", format!("{}/oauth/token", token.base))
        .env("OURA_TOKEN_FALLBACK_URL", format!("{}/oauth/token", token.base))
        .arg("refresh")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("HTTP 307"), "{}", stderr(&out));
    assert_eq!(token.requests().len(), 1);
    assert!(elsewhere.requests().is_empty(), "the redirect was followed");
    assert_eq!(std::fs::read(t.tokens_path()).unwrap(), before);
}

/// An Oura error `detail` that echoes the bearer token wrapped in ANSI escapes: the token and
/// the escapes reach neither stdout, stderr (at -v), `runs.jsonl` nor the webhook body; the
/// cause is still there, with `(redacted)` in the token's place.
#[test]
fn a_bearer_echoed_by_the_api_is_scrubbed_everywhere() {
    let oura = Recorder::start(|req, _| {
        if req.path.ends_with("/daily_sleep") {
            Reply::new(
                400,
                format!(r#"{{"detail":"token \u001b[31m{TOKEN}\u001b[0m is not allowed here"}}"#),
            )
        } else if req.path.ends_with("/personal_info") {
            Reply::ok(r#"{"id":"me"}"#)
        } else {
            Reply::ok(r#"{"data":[],"next_token":null}"#)
        }
    });
    let hook = Recorder::always(Reply::ok("{}"));
    let dir = tempfile::tempdir().unwrap();
    let out = process(dir.path(), &oura.base)
        .env("OURA_NOTIFY", "webhook")
        .env("NOTIFY_WEBHOOK_URL", format!("{}/hook", hook.base))
        .args(["-v", "sync", "2026-11-23", "--days", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let runs = std::fs::read_to_string(dir.path().join("oura-lake/_ledger/runs.jsonl")).unwrap();
    let webhook = hook.requests()[0].body_text();
    for (name, text) in [
        ("stdout", stdout(&out)),
        ("stderr", stderr(&out)),
        ("runs.jsonl", runs),
        ("webhook", webhook),
    ] {
        assert!(!text.contains(TOKEN), "the token reached {name}:\n{text}");
        assert!(!text.contains('\u{1b}') && !text.contains("\\u001b"), "an escape reached {name}");
        assert!(text.contains("is not allowed here"), "the cause is missing from {name}:\n{text}");
        assert!(text.contains("(redacted)"), "{name}:\n{text}");
    }
}

/// A token endpoint whose `error_description` echoes the refresh token and the client secret
/// it was sent: `refresh` and a `sync` that must refresh (the access token has expired) say
/// what failed, and neither secret reaches stdout, stderr, `runs.jsonl` or the webhook body.
#[test]
fn secrets_echoed_by_the_token_endpoint_are_scrubbed_everywhere() {
    let token = Recorder::start(|req, _| {
        let form: BTreeMap<String, String> = req.form().into_iter().collect();
        Reply::new(
            400,
            serde_json::json!({
                "error": "invalid_request",
                "error_description": format!(
                    "refresh_token {} with client_secret {} is unknown",
                    form.get("refresh_token").cloned().unwrap_or_default(),
                    form.get("client_secret").cloned().unwrap_or_default()
                ),
            })
            .to_string(),
        )
    });
    let hook = Recorder::always(Reply::ok("{}"));
    let t = Login::new();
    let (_, refresh) = t.logged_in(-60);
    let cmd = |args: &[&str]| {
        t.cmd()
            .env("OURA_TOKEN_URL", format!("{}/oauth/token", token.base))
            .env("OURA_TOKEN_FALLBACK_URL", format!("{}/oauth/v2/ext/oauth-token", token.base))
            .env("OURA_NOTIFY", "webhook")
            .env("NOTIFY_WEBHOOK_URL", format!("{}/hook", hook.base))
            .args(args)
            .output()
            .unwrap()
    };
    let refreshed = cmd(&["refresh"]);
    assert_eq!(refreshed.status.code(), Some(1), "{}", stderr(&refreshed));
    let synced = cmd(&["sync", "2026-11-23", "--days", "3"]);
    assert_eq!(synced.status.code(), Some(1), "{}", stderr(&synced));
    let runs = std::fs::read_to_string(t.env.lake().join("_ledger/runs.jsonl")).unwrap();
    let webhook = hook.requests()[0].body_text();
    let outputs = [stderr(&refreshed), stdout(&synced), stderr(&synced), runs, webhook];
    for (index, text) in outputs.iter().enumerate() {
        // The summary (index 1) cuts long causes short; the others keep them whole.
        if index != 1 {
            assert!(
                text.contains("is unknown (redacted)") || text.contains("is unknown"),
                "the cause is missing:\n{text}"
            );
            assert!(text.contains("(redacted)"), "{text}");
        }
        assert!(
            !text.contains(&refresh) && !text.contains(CLIENT_SECRET),
            "a secret leaked:\n{text}"
        );
    }
    t.assert_no_secret_in(&outputs.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
}

/// The days of `from..=to`, as YYYY-MM-DD.
fn days_between(from: &str, to: &str) -> Vec<String> {
    let (mut day, to): (jiff::civil::Date, jiff::civil::Date) =
        (from.parse().unwrap(), to.parse().unwrap());
    let mut days = Vec::new();
    while day <= to {
        days.push(day.to_string());
        day = day.tomorrow().unwrap();
    }
    days
}

/// Every lake file of `lake` (ledger left out), by (type, day), with its sha256.
fn lake_shas(lake: &Path) -> BTreeMap<(String, String), String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![lake.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "_ledger" {
                    stack.push(path);
                }
            } else if let Some(stem) = name.strip_suffix(".jsonl") {
                let (kind, day) = stem.rsplit_once('_').unwrap();
                let sha = hex::encode(Sha256::digest(std::fs::read(&path).unwrap()));
                files.insert((kind.to_string(), day.to_string()), sha);
            }
        }
    }
    files
}

/// The ledger's day entries with records, by (type, day), with their sha256.
fn ledger_shas(lake: &Path) -> BTreeMap<(String, String), String> {
    let mut days = BTreeMap::new();
    for entry in std::fs::read_dir(lake.join("_ledger/days")).unwrap().flatten() {
        let kind = entry.file_name().to_string_lossy().into_owned();
        let map = ledger_days_of(lake, &kind);
        for (day, e) in map.as_object().unwrap() {
            if e["record_count"].as_u64().unwrap() > 0 {
                days.insert((kind.to_string(), day.clone()), e["sha256"].as_str().unwrap().into());
            }
        }
    }
    days
}

/// Two syncs with different tokens files (run from different directories) backfill one local
/// lake at the same time, each its own months: the lake's own lock makes one wait for the
/// other, both succeed, and the ledger lists exactly the lake's files, checksums included (no
/// entry lost to the other run's read-modify-write of a days file).
#[test]
fn two_syncs_with_different_tokens_files_into_one_lake_keep_every_ledger_entry() {
    let env = TestEnv::new();
    let days = days_between("2026-08-01", "2026-11-23");
    seed_every_type(&env.oura, &days.iter().map(String::as_str).collect::<Vec<_>>());
    let lake = env.dir.path().join("shared-lake");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let start = |dir: &Path, from: &str, to: &str| {
        process(dir, &env.oura.base_url)
            .args(["sync", "--from", from, "--to", to, "--dest"])
            .arg(&lake)
            .env("OURA_TOKENS_FILE", dir.join("tokens.json"))
            .spawn()
            .unwrap()
    };
    let first = start(a.path(), "2026-08-01", "2026-09-30");
    let second = start(b.path(), "2026-10-01", "2026-11-23");
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let (in_lake, in_ledger) = (lake_shas(&lake), ledger_shas(&lake));
    println!(
        "two syncs into one lake: {} lake files, {} ledger entries",
        in_lake.len(),
        in_ledger.len()
    );
    // Each run files the two snapshots under its own last day.
    assert_eq!(in_lake.len(), 17 * days.len() + 4);
    let lost: Vec<_> = in_lake.iter().filter(|(k, sha)| in_ledger.get(*k) != Some(sha)).collect();
    assert!(lost.is_empty(), "{} lake files the ledger lost or misdescribes", lost.len());
    assert_eq!(in_ledger, in_lake);
}

/// A torn last line in `runs.jsonl` (a full disk mid-append, a truncation): the next run's
/// entry starts on a fresh line and is kept, and `status` lists it.
#[test]
fn a_torn_run_log_line_does_not_swallow_the_next_run() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &["2026-11-23"]);
    assert_eq!(env.run(&["sync", "2026-11-23", "--days", "1"]).status.code(), Some(0));
    let path = env.lake().join("_ledger/runs.jsonl");
    let text = std::fs::read(&path).unwrap();
    std::fs::write(&path, &text[..text.len() - 40]).unwrap();
    let out = env.run(&["sync", "2026-11-23", "--days", "1", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let run_id = serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let text = std::fs::read_to_string(&path).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["run_id"], run_id.as_str());
    let status = env.run(&["status"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    assert!(!stdout(&status).contains("none yet"), "{}", stdout(&status));
    assert!(stderr(&status).contains("line=1"), "{}", stderr(&status));
}

/// A line that is not UTF-8 in `runs.jsonl` is skipped with one warning naming its line;
/// `sync` and `status` still work (exit 0), and the new run is listed.
#[test]
fn a_foreign_run_log_line_is_skipped_with_one_warning() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &["2026-11-23"]);
    let path = env.lake().join("_ledger/runs.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"\xff\xfe not ours\n").unwrap();
    let out = env.run(&["sync", "2026-11-23", "--days", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out).matches("Skipped unreadable lines").count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("line=1"), "{}", stderr(&out));
    let status = env.run(&["status"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    assert!(stdout(&status).contains("success"), "{}", stdout(&status));
}

/// A tmpfs mounted for one test, unmounted when dropped (also when the test fails).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: PathBuf, size: &str) -> Tmpfs {
        std::fs::create_dir_all(&path).unwrap();
        let status = StdCommand::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .expect("mount runs (the full-disk test needs root, as in CI)");
        assert!(status.success(), "cannot mount a tmpfs (the full-disk test needs root, as in CI)");
        Tmpfs(path)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = StdCommand::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the filesystem holding `dir` with a file of its own; returns its path.
fn fill_disk(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 4096];
    while file.write_all(&block).and_then(|()| file.sync_all()).is_ok() {}
    path
}

/// The tokens file lives on a full disk: `refresh` claims the space for the new pair first,
/// cannot, and stops before the token endpoint is called (exit 1, "no room"), so the old pair
/// is byte-for-byte intact and its refresh token still live; once space is freed, it works.
#[test]
fn a_full_disk_never_costs_the_login() {
    let t = Login::new();
    let (_, refresh) = t.logged_in(3600);
    let disk = Tmpfs::mount(t.env.dir.path().join("disk"), "256k");
    let tokens = disk.0.join("tokens.json");
    std::fs::copy(t.tokens_path(), &tokens).unwrap();
    let before = std::fs::read(&tokens).unwrap();
    let filler = fill_disk(&disk.0);
    let out = t.cmd().env("OURA_TOKENS_FILE", &tokens).arg("refresh").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no room"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&tokens).unwrap(), before);
    assert_eq!(t.oauth.refreshes(), 0);
    assert!(t.oauth.refresh_token_is_live(&refresh));
    std::fs::remove_file(filler).unwrap();
    let out = t.cmd().env("OURA_TOKENS_FILE", &tokens).arg("refresh").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(t.oauth.refreshes(), 1);
}

/// A tokens file that is a symbolic link stays one on refresh, and the file it points to
/// gets the new pair (mode 0600).
#[cfg(unix)]
#[test]
fn a_symlinked_tokens_file_stays_a_link_and_its_target_is_refreshed() {
    use std::os::unix::fs::PermissionsExt;
    let t = Login::new();
    let (_, old_refresh) = t.logged_in(3600);
    let real = t.env.dir.path().join("secrets/tokens.json");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::rename(t.tokens_path(), &real).unwrap();
    std::os::unix::fs::symlink(&real, t.tokens_path()).unwrap();
    let out = t.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(t.tokens_path()).unwrap().file_type().is_symlink());
    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&real).unwrap()).unwrap();
    let new_refresh = stored["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, old_refresh);
    assert!(t.oauth.refresh_token_is_live(new_refresh));
    assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o600);
}

/// A tokens file others may read (0644) is used, with a warning that says how to fix it.
#[cfg(unix)]
#[test]
fn a_tokens_file_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let t = Login::new();
    t.logged_in(3600);
    std::fs::set_permissions(t.tokens_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = t.run(&["sync", "2026-11-23", "--days", "1", "--types", "daily_sleep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("can be read by other users"), "{}", stderr(&out));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
}

/// Tokens-file values of the wrong type are never quoted: the message says which line and
/// column, and exits 3.
#[test]
fn a_wrong_typed_tokens_file_value_is_not_quoted() {
    let env = TestEnv::new();
    std::fs::write(
        env.dir.path().join(".oura-tokens.json"),
        r#"{"access_token":"acc-SECRET-value","expires_in":"tok-SECRET-wrong-type"}"#,
    )
    .unwrap();
    let out = env.run(&["sync", "2026-11-23", "--days", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.contains("wrong type"), "{text}");
    assert!(!text.contains("tok-SECRET-wrong-type") && !text.contains("acc-SECRET"), "{text}");
}

/// A temporary file a killed run left in `_ledger/days/` or a type's directory of year files
/// is removed by the next sync.
#[test]
fn stale_ledger_temporary_files_are_removed() {
    let env = TestEnv::new();
    seed_every_type(&env.oura, &["2026-11-23"]);
    let stale = env.lake().join("_ledger/days/.oura-sync-killed.tmp");
    let stale_in_type = env.lake().join("_ledger/days/daily_sleep/.oura-sync-killed.tmp");
    for file in [&stale, &stale_in_type] {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, b"{\"2026-11").unwrap();
    }
    let out = env.run(&["sync", "2026-11-23", "--days", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stale.exists());
    assert!(!stale_in_type.exists());
}

/// Lake and ledger files get the mode any new file gets under the user's umask (0644 under
/// 022), not 0600; the tokens file stays 0600.
#[cfg(unix)]
#[test]
fn lake_files_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    seed_every_type(&env.oura, &["2026-11-23"]);
    let out = assert_cmd::Command::new("sh")
        .current_dir(env.dir.path())
        .env("OURA_API_BASE", &env.oura.base_url)
        .env("OURA_TIMEZONE", "UTC")
        .env("OURA_ACCESS_TOKEN", TOKEN)
        .args(["-c", r#"umask 022 && exec "$0" "$@""#, BIN, "sync", "2026-11-23", "--days", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let day = env.lake().join("daily_sleep/year=2026/month=11/day=23/daily_sleep_2026-11-23.jsonl");
    assert_eq!(mode(day), 0o644);
    assert_eq!(mode(env.lake().join("_ledger/days/daily_sleep/2026.json")), 0o644);
    assert_eq!(mode(env.lake().join("_ledger/runs.jsonl")), 0o644);
}

/// Oura issues access tokens that live 60 s (under the 5-minute early-refresh margin): a
/// 7-day sync of every type refreshes once, not before every request.
#[test]
fn a_short_lived_access_token_is_refreshed_once() {
    let t = Login::new();
    t.oauth.lock().expires_in = 60;
    t.logged_in(60);
    let out = t.run(&["sync", "2026-11-23", "--days", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    println!(
        "short-lived token: {} requests, {} refreshes",
        t.env.oura.request_count(),
        t.oauth.refreshes()
    );
    assert_eq!(t.oauth.refreshes(), 1);
}

/// A resumed backfill checks the local lake: a day whose file was deleted, and one whose file
/// was garbled (same size), are fetched and written again, byte for byte; the others are not.
#[test]
fn a_resumed_backfill_refetches_days_whose_lake_file_is_gone_or_garbled() {
    let env = TestEnv::new();
    let days = days_between("2026-11-01", "2026-11-10");
    seed_every_type(&env.oura, &days.iter().map(String::as_str).collect::<Vec<_>>());
    let args = ["sync", "--from", "2026-11-01", "--to", "2026-11-10", "--types", "daily_sleep"];
    assert_eq!(env.run(&args).status.code(), Some(0));
    let original = lake_contents(&env);
    let file = |day: &str| {
        env.lake().join(format!(
            "daily_sleep/year=2026/month=11/day={}/daily_sleep_{day}.jsonl",
            &day[8..]
        ))
    };
    std::fs::remove_file(file("2026-11-03")).unwrap();
    let garbled = std::fs::read(file("2026-11-07")).unwrap();
    std::fs::write(file("2026-11-07"), vec![b'x'; garbled.len()]).unwrap();
    let before = env.oura.request_count();
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lake_contents(&env), original);
    let asked: std::collections::BTreeSet<_> =
        env.oura.lock().log[before..].iter().map(|l| l.query["start_date"].clone()).collect();
    assert_eq!(
        asked.into_iter().collect::<Vec<_>>(),
        ["2026-11-02", "2026-11-06"],
        "only the two damaged days are fetched"
    );
}

/// Heart rate fetched again with far fewer samples than the lake holds (288 → 3, one of them
/// with new bytes, one new): the day keeps all 288 held samples, the changed one with Oura's
/// new bytes, plus the new one; the ledger's count matches the file.
#[test]
fn a_smaller_heart_rate_answer_never_shrinks_the_day() {
    let env = TestEnv::new();
    let stamp =
        |minutes: u32| format!("2026-11-23T{:02}:{:02}:00+00:00", minutes / 60, minutes % 60);
    env.oura.add("heartrate", (0..288).map(|i| sample(&stamp(i * 5), 60, "rest")));
    let args = ["sync", "2026-11-23", "--days", "1", "--types", "heartrate"];
    assert_eq!(env.run(&args).status.code(), Some(0));
    assert_eq!(env.lake_file("heartrate", "2026-11-23").unwrap().lines().count(), 288);
    env.oura.replace(
        "heartrate",
        [
            sample(&stamp(0), 60, "rest"),
            sample(&stamp(5), 99, "rest"),
            sample(&stamp(7), 70, "awake"),
        ],
    );
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let day = env.lake_file("heartrate", "2026-11-23").unwrap();
    let lines: Vec<&str> = day.lines().collect();
    println!("heart rate: the lake held 288 samples, Oura sent 3, the day keeps {}", lines.len());
    assert_eq!(lines.len(), 289);
    assert_eq!(lines[1], sample(&stamp(5), 99, "rest"));
    assert_eq!(lines[2], sample(&stamp(7), 70, "awake"));
    assert!(!day.contains(&sample(&stamp(5), 60, "rest")));
    assert_eq!(env.ledger_days("heartrate")["2026-11-23"]["record_count"], 289);
}

/// A document that moves to another day of the window, when it was its old day's only
/// record: the old day's object is removed (after the new day is stored) and its ledger entry
/// says empty, so its `id` sits in exactly one day object. A day left empty whose record did
/// not move elsewhere is kept, as before.
#[test]
fn a_document_that_moves_day_lives_in_one_day_object() {
    let env = TestEnv::new();
    let record = |id: &str, day: &str| format!(r#"{{"id":"{id}","day":"{day}","score":80}}"#);
    env.oura.add(
        "daily_sleep",
        [
            record("moving", "2026-11-21"),
            record("staying", "2026-11-22"),
            record("gone", "2026-11-20"),
        ],
    );
    let args = ["sync", "2026-11-23", "--days", "4", "--types", "daily_sleep"];
    assert_eq!(env.run(&args).status.code(), Some(0));
    assert!(env.lake_file("daily_sleep", "2026-11-21").is_some());
    env.oura
        .replace("daily_sleep", [record("moving", "2026-11-23"), record("staying", "2026-11-22")]);
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let holding: Vec<String> = lake_contents(&env)
        .into_iter()
        .filter(|(_, text)| text.contains(r#""id":"moving""#))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(holding, ["daily_sleep/year=2026/month=11/day=23/daily_sleep_2026-11-23.jsonl"]);
    assert!(env.lake_file("daily_sleep", "2026-11-21").is_none());
    assert_eq!(env.ledger_days("daily_sleep")["2026-11-21"]["record_count"], 0);
    // Not moved, only missing from the answer: kept.
    assert!(env.lake_file("daily_sleep", "2026-11-20").unwrap().contains(r#""id":"gone""#));
}

/// The data API redirects to another host: the request is followed there without the bearer
/// token (reqwest drops it on a cross-host redirect), so the token never leaves for it.
#[test]
fn a_cross_host_redirect_of_the_data_api_drops_the_bearer() {
    let other = Recorder::always(Reply::ok(r#"{"data":[],"next_token":null}"#));
    let target = other.base.clone();
    let api = Recorder::start(move |req, _| {
        Reply::new(302, "").header("location", format!("{target}{}?{}", req.path, req.query))
    });
    let dir = tempfile::tempdir().unwrap();
    let out = process(dir.path(), &api.base)
        .args(["sync", "2026-11-23", "--days", "1", "--types", "daily_sleep"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(api.requests().iter().all(|r| r.header("authorization").is_some()));
    let followed = other.requests();
    assert!(!followed.is_empty(), "the redirect was not followed");
    assert!(followed.iter().all(|r| r.header("authorization").is_none()), "the bearer followed");
}

/// A notification channel that answers 500 with a body that never ends: only the start of the
/// answer is read, the send fails (recorded in `notify_status`), the sync still exits 0, and
/// memory stays under 256 MB.
#[test]
fn a_never_ending_provider_answer_is_cut_short() {
    let hook = serve_in_background(Router::new().route(
        "/hook",
        axum::routing::post(|| async {
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, endless_body().await)
        }),
    ));
    let env = TestEnv::new();
    seed_every_type(&env.oura, &["2026-11-23"]);
    let child = process(env.dir.path(), &env.oura.base_url)
        .env("OURA_NOTIFY", "webhook")
        .env("NOTIFY_WEBHOOK_URL", format!("{hook}/hook"))
        .args(["sync", "2026-11-23", "--days", "1"])
        .spawn()
        .unwrap();
    let (out, peak) = wait_with_peak_rss(child);
    println!("never-ending provider answer: peak RSS {} MB", peak / 1_000_000);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(peak < 256_000_000, "peak RSS {peak} bytes");
    let runs = env.ledger_runs();
    assert!(runs[0]["notify_status"].as_str().unwrap().contains("failed"), "{}", runs[0]);
}

/// A chain of ever-new tokens whose pages each hold 1 MiB of records: the piece stops once it
/// has gathered 64 MiB (exit 1, a clear error), so records never pile up without end; memory
/// stays under 256 MB.
#[test]
fn a_chain_of_large_pages_stops_at_the_fetch_cap() {
    let record = r#"{"id":"r","day":"2026-11-23","score":80,"pad":"xxxxxxxxxxxxxxxxxxxxxxxx"},"#;
    let page_data = record.repeat(1024 * 1024 / record.len());
    let page_data = page_data.trim_end_matches(',').to_string();
    let server = Recorder::start(move |req, index| {
        if req.path.ends_with("/daily_sleep") {
            Reply::ok(format!(r#"{{"data":[{page_data}],"next_token":"t{index}"}}"#))
        } else {
            Reply::ok(r#"{"data":[],"next_token":null}"#)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let child = process(dir.path(), &server.base)
        .args(["sync", "2026-11-23", "--days", "1", "--types", "daily_sleep"])
        .spawn()
        .unwrap();
    let (out, peak) = wait_with_peak_rss(child);
    let pages = daily_sleep_requests(&server);
    println!("large pages: stopped after {pages} pages of 1 MiB, peak RSS {} MB", peak / 1_000_000);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("more than 64 MiB"), "{}", stdout(&out));
    assert!((64..=66).contains(&pages), "{pages} pages");
    assert!(peak < 256_000_000, "peak RSS {peak} bytes");
}
