//! The webhook receiver at the wire, `serve` mode: the real binary listening on a loopback
//! port, the fake Oura serving the documents that deliveries name, and deliveries signed
//! here (HMAC-SHA256 computed in the test, not by the crate): a good delivery rewrites
//! exactly its day, forged and stale ones are 401 and sync nothing, a replay rewrites
//! nothing, unknown types are ignored, a burst is a handful of requests, a delete and a moved
//! document leave every day right, a busy lake makes the delivery pending and the next run
//! applies it, a stop records what is queued, and no secret is ever printed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::common::*;

/// The Oura app's client secret (the signatures' key).
pub(crate) const CLIENT_SECRET: &str = "app-secret-7d2e51";
/// `OURA_WEBHOOK_TOKEN`.
pub(crate) const WEBHOOK_TOKEN: &str = "verify-token-91ab3c";
/// How long a test waits for the receiver before it fails (a hang, not a speed claim).
const PATIENCE: Duration = Duration::from_secs(120);

/// Upper-case hex HMAC-SHA256 of `timestamp` then `body`, keyed with `secret`: Oura's
/// signature, computed here independently of the crate.
pub(crate) fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(body.as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// A delivery body as Oura posts it.
pub(crate) fn delivery(event: &str, data_type: &str, id: &str) -> String {
    json!({
        "event_type": event,
        "data_type": data_type,
        "object_id": id,
        "event_time": jiff::Timestamp::now().to_string(),
        "user_id": "user-1",
    })
    .to_string()
}

/// The two headers of `body` signed with `secret` at `at` (Unix seconds).
pub(crate) fn signed(body: &str, at: i64, secret: &str) -> Vec<(String, String)> {
    let timestamp = at.to_string();
    vec![
        ("x-oura-signature".into(), signature(secret, &timestamp, body)),
        ("x-oura-timestamp".into(), timestamp),
    ]
}

pub(crate) fn now_seconds() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The receiver's settings on top of `TestEnv::cmd`'s.
fn settings() -> [(&'static str, &'static str); 2] {
    [("OURA_CLIENT_SECRET", CLIENT_SECRET), ("OURA_WEBHOOK_TOKEN", WEBHOOK_TOKEN)]
}

/// A running `oura-sync serve`, its stderr read as it comes.
struct Serve {
    child: Child,
    url: String,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stdout: String,
}

impl Serve {
    fn start(env: &TestEnv, extra: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oura-sync"));
        for name in inherited_settings() {
            cmd.env_remove(name);
        }
        cmd.current_dir(env.dir.path())
            .env("OURA_API_BASE", &env.oura.base_url)
            .env("OURA_TIMEZONE", "UTC")
            .env("OURA_ACCESS_TOKEN", TOKEN)
            .envs(settings())
            .envs(extra.iter().copied())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let lines = stderr_lines(&mut child);
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let address = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("serve printed {first:?} instead of its address"));
        let url = format!("http://{address}");
        Self { child, url, lines, seen: Vec::new(), stdout: first }
    }

    /// Sends one request; (status, body).
    fn send(
        &self,
        method: &str,
        path: &str,
        body: &str,
        headers: &[(String, String)],
    ) -> (u16, String) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let client = reqwest::Client::new();
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request =
                client.request(method, format!("{}{path}", self.url)).body(body.to_string());
            for (name, value) in headers {
                request = request.header(name.as_str(), value.as_str());
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        })
    }

    /// Posts `body` signed now with the app's secret; the status.
    fn deliver(&self, body: &str) -> u16 {
        self.send("POST", "/oura/hook", body, &signed(body, now_seconds(), CLIENT_SECRET)).0
    }

    /// Waits until `count` log lines hold `text`.
    fn wait_for(&mut self, text: &str, count: usize) {
        let until = Instant::now() + PATIENCE;
        while self.seen.iter().filter(|l| l.contains(text)).count() < count {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no {count} lines with {text:?}; logs:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// The deliveries counted by the "Deliveries applied." lines so far.
    fn applied_deliveries(&self) -> usize {
        self.seen
            .iter()
            .filter(|l| l.contains("Deliveries applied."))
            .filter_map(|l| {
                l.split("deliveries=").nth(1)?.split_whitespace().next()?.parse::<usize>().ok()
            })
            .sum()
    }

    /// SIGTERM, then the exit code and everything printed.
    fn stop(mut self) -> (Option<i32>, String) {
        let status =
            Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let code = self.child.wait().unwrap().code();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let mut rest = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
        }
        (code, format!("{}{rest}\n{}", self.stdout, self.seen.join("\n")))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every bronze file of the lake with its modification time and content.
fn files(env: &TestEnv) -> BTreeMap<String, (SystemTime, String)> {
    env.lake_files()
        .into_iter()
        .filter(|f| !f.starts_with("_ledger") && !f.starts_with("_silver"))
        .map(|f| {
            let path = env.lake().join(&f);
            let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
            (f, (modified, std::fs::read_to_string(path).unwrap()))
        })
        .collect()
}

/// A ledger record of the local lake, if it is there.
fn record(env: &TestEnv, kind: &str, name: &str) -> Option<serde_json::Value> {
    let path = env.lake().join(format!("_ledger/records/{kind}/{name}.json"));
    std::fs::read_to_string(path).ok().map(|t| serde_json::from_str(&t).unwrap())
}

/// The names of a kind's records in the local lake.
fn record_names(env: &TestEnv, kind: &str) -> Vec<String> {
    let dir = env.lake().join(format!("_ledger/records/{kind}"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

const DAYS: [&str; 3] = ["2026-11-20", "2026-11-21", "2026-11-22"];

/// A lake synced from the fake for `DAYS`: daily_activity, daily_sleep, daily_readiness and
/// one tag a day.
fn synced_lake() -> TestEnv {
    let env = TestEnv::new();
    env.oura.add("daily_activity", DAYS.map(activity));
    for kind in ["daily_sleep", "daily_readiness", "tag"] {
        env.oura.add(kind, DAYS.map(|d| daily(kind, d)));
    }
    let types = "daily_activity,daily_sleep,daily_readiness,tag";
    let out = env.run(&["sync", "--from", DAYS[0], "--to", DAYS[2], "--types", types]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    env
}

/// The daily_activity of 2026-11-21 as Oura revised it.
fn revised_activity() -> String {
    activity(DAYS[1]).replace("9000", "12345")
}

/// A good delivery rewrites exactly its day's object (no other file is touched) and records
/// the type's last delivery; a forged and a stale delivery are 401 and fetch nothing; a
/// replay is answered but rewrites nothing; unknown types are 200 and ignored; the
/// verification call is answered only with the configured token; SIGTERM stops with 0; and
/// neither the secrets nor the token are ever printed.
#[test]
fn a_delivery_rewrites_exactly_its_day() {
    let env = synced_lake();
    let before = files(&env);
    let mut serve = Serve::start(&env, &[]);

    // The verification call, on any path.
    let query = format!("/any/path?verification_token={WEBHOOK_TOKEN}&challenge=ch-42");
    assert_eq!(serve.send("GET", &query, "", &[]), (200, r#"{"challenge":"ch-42"}"#.into()));
    let (status, body) = serve.send("GET", "/?verification_token=nope&challenge=ch-42", "", &[]);
    assert_eq!(status, 401);
    assert!(!body.contains("ch-42"));

    // Forged and stale deliveries, about documents of their own.
    let forged = delivery("update", "tag", "tag-2026-11-20");
    let headers = signed(&forged, now_seconds(), "not-the-secret");
    assert_eq!(serve.send("POST", "/", &forged, &headers).0, 401);
    let stale = delivery("update", "tag", "tag-2026-11-22");
    let headers = signed(&stale, now_seconds() - 6 * 60, CLIENT_SECRET);
    assert_eq!(serve.send("POST", "/", &stale, &headers).0, 401);
    let mut unsigned = signed(&stale, now_seconds(), CLIENT_SECRET);
    unsigned.retain(|(n, _)| n != "x-oura-signature");
    assert_eq!(serve.send("POST", "/", &stale, &unsigned).0, 401);

    // Types oura-sync does not sync: answered, ignored.
    for data_type in ["daily_cycle_phases", "heartrate"] {
        let body = delivery("create", data_type, "x-1");
        let (status, answer) =
            serve.send("POST", "/", &body, &signed(&body, now_seconds(), CLIENT_SECRET));
        assert_eq!((status, answer.contains("ignored")), (200, true), "{data_type}: {answer}");
    }

    // The good one.
    env.oura.replace("daily_activity", [activity(DAYS[0]), revised_activity(), activity(DAYS[2])]);
    let good = delivery("update", "daily_activity", "act-2026-11-21");
    assert_eq!(serve.deliver(&good), 200);
    serve.wait_for("Deliveries applied.", 1);
    let after = files(&env);
    assert_eq!(env.lake_file("daily_activity", DAYS[1]).unwrap(), revised_activity() + "\n");
    for (file, state) in &before {
        if file.contains("daily_activity_2026-11-21") {
            assert_ne!(&after[file], state, "{file}");
        } else {
            assert_eq!(&after[file], state, "{file} was rewritten");
        }
    }
    assert_eq!(after.len(), before.len());
    let last = record(&env, "webhook_delivery", "daily_activity").unwrap();
    assert_eq!(last["event_type"], "update");
    assert_eq!(last["object_id"], "act-2026-11-21");
    assert_eq!(env.oura.requests_to("act-2026-11-21").len(), 1);

    // The same delivery again: fetched again, nothing rewritten.
    assert_eq!(serve.deliver(&good), 200);
    serve.wait_for("Deliveries applied.", 2);
    assert_eq!(files(&env), after);
    assert_eq!(env.oura.requests_to("act-2026-11-21").len(), 2);
    // The refused deliveries were sent before both: nothing of theirs was ever fetched.
    assert!(env.oura.requests_to("tag-2026-11-20").is_empty());
    assert!(env.oura.requests_to("tag-2026-11-22").is_empty());
    assert!(record(&env, "webhook_delivery", "tag").is_none());

    let (code, output) = serve.stop();
    assert_eq!(code, Some(0), "{output}");
    for secret in [CLIENT_SECRET, WEBHOOK_TOKEN, TOKEN] {
        assert!(!output.contains(secret), "a secret was printed:\n{output}");
    }
}

/// A burst of 100 deliveries about one day (three documents of three types) is a handful of
/// requests: each document fetched at most twice (the burst may split into two batches) and
/// each type re-synced at most twice, and the day is right.
#[test]
fn a_burst_for_one_day_is_a_handful_of_requests() {
    let env = synced_lake();
    let mut serve = Serve::start(&env, &[]);
    env.oura.replace("daily_activity", [activity(DAYS[0]), revised_activity(), activity(DAYS[2])]);
    let start = env.oura.request_count();
    // The first batch's first fetch waits until every delivery is in: the burst comes in at
    // most two batches, however the machine schedules them.
    env.oura.lock().hold_from = Some(start);
    let ids = [
        ("daily_activity", "act-2026-11-21"),
        ("daily_sleep", "daily_sleep-2026-11-21"),
        ("daily_readiness", "daily_readiness-2026-11-21"),
    ];
    for i in 0..100 {
        let (data_type, id) = ids[i % 3];
        assert_eq!(serve.deliver(&delivery("update", data_type, id)), 200);
    }
    env.oura.lock().hold_from = None;
    let until = Instant::now() + PATIENCE;
    while serve.applied_deliveries() < 100 {
        assert!(Instant::now() < until, "not all applied:\n{}", serve.seen.join("\n"));
        let count = serve.seen.iter().filter(|l| l.contains("Deliveries applied.")).count();
        serve.wait_for("Deliveries applied.", count + 1);
    }
    let requests = env.oura.request_count() - start;
    for (_, id) in ids {
        assert!(env.oura.requests_to(id).len() <= 2, "{id}");
    }
    // Per batch: 3 documents, and one query of the day per type (2 pages for two of them).
    assert!(requests <= 16, "{requests} requests for 100 deliveries");
    assert_eq!(env.lake_file("daily_activity", DAYS[1]).unwrap(), revised_activity() + "\n");
    println!("100 deliveries: {requests} requests to Oura");
}

/// A delete rewrites the day without the record: a day left empty is removed (and the
/// ledger says it is empty), a day with other records keeps them.
#[test]
fn a_delete_rewrites_the_day_without_the_record() {
    let env = TestEnv::new();
    let extra = r#"{"id":"tag-extra","day":"2026-11-22","score":1,"timestamp":"2026-11-22T09:00:00+00:00"}"#;
    env.oura.add("tag", DAYS.map(|d| daily("tag", d)));
    env.oura.add("tag", [extra.to_string()]);
    let out = env.run(&["sync", "--from", DAYS[0], "--to", DAYS[2], "--types", "tag"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.lake_file("tag", DAYS[2]).unwrap().lines().count(), 2);
    let mut serve = Serve::start(&env, &[]);
    env.oura.replace("tag", [daily("tag", DAYS[0]), daily("tag", DAYS[2])]);
    assert_eq!(serve.deliver(&delivery("delete", "tag", "tag-2026-11-21")), 200);
    assert_eq!(serve.deliver(&delivery("delete", "tag", "tag-extra")), 200);
    let until = Instant::now() + PATIENCE;
    while serve.applied_deliveries() < 2 {
        assert!(Instant::now() < until);
        let count = serve.seen.iter().filter(|l| l.contains("Deliveries applied.")).count();
        serve.wait_for("Deliveries applied.", count + 1);
    }
    assert_eq!(env.lake_file("tag", DAYS[1]), None);
    assert_eq!(env.lake_file("tag", DAYS[2]).unwrap(), daily("tag", DAYS[2]) + "\n");
    assert_eq!(env.lake_file("tag", DAYS[0]).unwrap(), daily("tag", DAYS[0]) + "\n");
    let days = env.ledger_days("tag");
    assert_eq!(days["2026-11-21"]["record_count"], 0, "{days}");
    assert_eq!(days["2026-11-22"]["record_count"], 1, "{days}");
}

/// A document Oura moved to another day (an update naming it) leaves its old day (removed,
/// as it held nothing else) and is in its new one, alone and once.
#[test]
fn a_moved_document_leaves_its_old_day() {
    let env = TestEnv::new();
    let tag = |day: &str| {
        format!(
            r#"{{"id":"t-move","day":"{day}","text":"coffee","timestamp":"{day}T08:00:00+00:00"}}"#
        )
    };
    env.oura.add("tag", [tag("2026-11-10"), daily("tag", "2026-11-21")]);
    let out = env.run(&["sync", "--from", "2026-11-08", "--to", "2026-11-22", "--types", "tag"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(env.lake_file("tag", "2026-11-10").is_some());
    let mut serve = Serve::start(&env, &[]);
    env.oura.replace("tag", [tag("2026-11-21"), daily("tag", "2026-11-21")]);
    assert_eq!(serve.deliver(&delivery("update", "tag", "t-move")), 200);
    serve.wait_for("Deliveries applied.", 1);
    assert_eq!(env.lake_file("tag", "2026-11-10"), None);
    let day = env.lake_file("tag", "2026-11-21").unwrap();
    assert_eq!(day.matches("t-move").count(), 1, "{day}");
    assert!(day.contains("tag-2026-11-21"), "{day}");
    assert_eq!(env.ledger_days("tag")["2026-11-10"]["record_count"], 0);
}

/// Holds the local lake's lock as another run would, until dropped.
fn hold_lake_lock(env: &TestEnv) -> std::fs::File {
    let path = env.lake().join("_ledger/.oura-sync.lock");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .unwrap();
    file.try_lock().unwrap();
    file
}

/// A delivery that finds the lake busy past OURA_LOCK_TIMEOUT is recorded as pending (nothing
/// dropped), and the next run, a daily sync of another day and type, applies it and removes
/// the record.
#[test]
fn a_delivery_while_the_lake_is_busy_is_applied_by_the_next_run() {
    let env = synced_lake();
    let mut serve = Serve::start(&env, &[("OURA_LOCK_TIMEOUT", "1")]);
    let lock = hold_lake_lock(&env);
    env.oura.replace("daily_activity", [activity(DAYS[0]), revised_activity(), activity(DAYS[2])]);
    assert_eq!(serve.deliver(&delivery("update", "daily_activity", "act-2026-11-21")), 200);
    serve.wait_for("Deliveries recorded as pending", 1);
    let pending = record_names(&env, "webhook_pending");
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert!(pending[0].starts_with("daily_activity."), "{pending:?}");
    assert_eq!(env.lake_file("daily_activity", DAYS[1]).unwrap(), activity(DAYS[1]) + "\n");
    let (code, _) = serve.stop();
    assert_eq!(code, Some(0));
    drop(lock);

    let out = env.run(&["sync", DAYS[2], "--types", "daily_sleep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.lake_file("daily_activity", DAYS[1]).unwrap(), revised_activity() + "\n");
    assert!(record_names(&env, "webhook_pending").is_empty());
}

/// SIGTERM while a delivery waits for the lake records it as pending before the process
/// exits 0.
#[test]
fn a_stop_records_what_is_queued_as_pending() {
    let env = synced_lake();
    let mut serve = Serve::start(&env, &[]);
    let _lock = hold_lake_lock(&env);
    assert_eq!(serve.deliver(&delivery("update", "daily_sleep", "daily_sleep-2026-11-21")), 200);
    serve.wait_for("Delivery queued.", 1);
    let (code, output) = serve.stop();
    assert_eq!(code, Some(0), "{output}");
    let pending = record_names(&env, "webhook_pending");
    assert_eq!(pending.len(), 1, "{pending:?}\n{output}");
    let name = pending[0].trim_end_matches(".json");
    let body = record(&env, "webhook_pending", name).unwrap();
    assert_eq!(body["object_ids"], json!(["daily_sleep-2026-11-21"]));
    assert_eq!(body["reason"], "the receiver stopped");
}

/// A webhook-triggered run sends no message when it succeeds (the morning message stays the
/// daily sync's), and one when it fails; the failed delivery stays pending with the cause.
#[test]
fn a_webhook_run_tells_only_of_failures() {
    use crate::fake_oura::Fault;
    use crate::recorder::{Recorder, Reply};
    let env = synced_lake();
    let hook = Recorder::always(Reply::ok("{}"));
    let url = format!("{}/hook", hook.base);
    let notify = [("OURA_NOTIFY", "webhook"), ("NOTIFY_WEBHOOK_URL", url.as_str())];
    let mut serve = Serve::start(&env, &notify);
    env.oura.replace("daily_activity", [activity(DAYS[0]), revised_activity(), activity(DAYS[2])]);
    assert_eq!(serve.deliver(&delivery("update", "daily_activity", "act-2026-11-21")), 200);
    serve.wait_for("Deliveries applied.", 1);
    assert_eq!(env.lake_file("daily_activity", DAYS[1]).unwrap(), revised_activity() + "\n");
    assert!(hook.requests().is_empty(), "a message for a good webhook run");

    // Oura refuses the day's query: the run fails, and says so.
    env.oura.fault("daily_sleep", [Fault::Status(400)]);
    assert_eq!(serve.deliver(&delivery("update", "daily_sleep", "daily_sleep-2026-11-21")), 200);
    serve.wait_for("Deliveries applied.", 2);
    let sent = hook.requests();
    assert_eq!(sent.len(), 1, "one message for the failed run");
    assert_ne!(sent[0].json()["status"], "success", "{}", sent[0].body_text());
    // Pending under the day whose data waits.
    assert_eq!(record_names(&env, "webhook_pending"), ["daily_sleep.2026-11-21.json"]);
    let body = record(&env, "webhook_pending", "daily_sleep.2026-11-21").unwrap();
    assert_eq!(body["object_ids"], json!(["daily_sleep-2026-11-21"]));
    assert!(body["reason"].as_str().unwrap().contains("400"), "{body}");
}
