//! The webhook benchmark (issue 23 point 6, run by `scripts/bench.sh`): from a delivery to the
//! day's object written, and the Oura requests each delivery costs, against a running
//! `oura-sync serve`.
//!
//! It needs only what the receiver exposes: it starts the fake Oura API in-process (a week
//! of sized records, a fixed delay per request), syncs the week into a fresh local lake with
//! `oura-sync sync`, starts `oura-sync serve` on that lake, and then, for each delivery,
//! changes `daily_activity`'s document of the last day at the fake (a new step count), POSTs a
//! signed `update` delivery for it (`x-oura-timestamp`, and `x-oura-signature`: upper-case
//! hex HMAC-SHA256 of the timestamp followed by the body, keyed with `OURA_CLIENT_SECRET`,
//! computed here from the reference's definition, not with the crate's code), and times the
//! moment the lake's day file holds the new count. The run's end (its line in the ledger's
//! `runs.jsonl`) closes the count of requests the fake served for it. Then a burst: the same
//! number of deliveries about one change sent at once, timed to the day written, and the
//! requests they cost together (coalescing).
//!
//! ```text
//! cargo run --release --example bench_webhooks -- --bin target/release/oura-sync \
//!     [--deliveries 100] [--delay-ms 50] [--end 2026-11-23]
//! ```
//!
//! Prints Markdown rows: deliveries, median and worst delivery-to-object time, requests per
//! delivery, runs.

#[path = "../tests/it/fake_oura.rs"]
mod fake_oura;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use jiff::ToSpan;
use jiff::civil::Date;
use sha2::{Digest, Sha256};

const SECRET: &str = "bench-client-secret";

#[derive(Debug, Parser)]
#[command(name = "bench_webhooks")]
struct Options {
    /// The `oura-sync` binary to measure.
    #[arg(long, value_name = "PATH")]
    bin: PathBuf,
    /// Deliveries, one after the other (and in the burst).
    #[arg(long, default_value_t = 100)]
    deliveries: usize,
    /// Delay of the fake before every answer, in milliseconds (the network to Oura).
    #[arg(long, value_name = "MS", default_value_t = 50)]
    delay_ms: u64,
    /// The last day of the week synced (the day the deliveries are about).
    #[arg(long, value_name = "YYYY-MM-DD", default_value = "2026-11-23")]
    end: Date,
    /// Give up on one delivery after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    timeout: u64,
}

/// HMAC-SHA256 (RFC 2104) of `message` keyed with `key`, in upper-case hex.
fn hmac_sha256_upper_hex(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    let outer = Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize();
    outer.iter().map(|b| format!("{b:02X}")).collect()
}

/// The `daily_activity` document of `day` with `steps` steps, sized like Oura's.
fn activity(day: Date, steps: u64) -> String {
    let met = vec!["0.9"; 1440].join(",");
    format!(
        r#"{{"id":"act-{day}","day":"{day}","steps":{steps},"class_5_min":"{}","met":{{"interval":60,"items":[{met}],"timestamp":"{day}T04:00:00-05:00"}},"timestamp":"{day}T04:00:00-05:00"}}"#,
        "2".repeat(288)
    )
}

/// Makes the fake serve `text` as the document `id` of `kind`.
fn change(oura: &fake_oura::FakeOura, kind: &str, id: &str, text: String) {
    let mut inner = oura.lock();
    let records = inner.records.get_mut(kind).expect("the kind is seeded");
    let needle = format!(r#""id":"{id}""#);
    let at = records.iter().position(|r| r.text.contains(&needle)).expect("the document");
    records[at] = fake_oura::Stored::new(text);
}

/// `oura-sync` with only the settings given here (none inherited).
fn oura_sync(options: &Options, oura: &str, lake: &Path, work: &Path) -> Command {
    let mut cmd = Command::new(&options.bin);
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("OURA_") || n == "RUST_LOG") {
        cmd.env_remove(name);
    }
    cmd.env("OURA_API_BASE", oura)
        .env("OURA_ACCESS_TOKEN", "bench")
        .env("OURA_TIMEZONE", "UTC")
        .env("OURA_NOTIFY", "")
        .env("OURA_TOKENS_FILE", work.join("none.json"))
        .env("OURA_DESTINATION", lake)
        .env("OURA_CLIENT_ID", "bench-client")
        .env("OURA_CLIENT_SECRET", SECRET)
        .env("OURA_WEBHOOK_TOKEN", "bench-verification-token");
    cmd
}

/// The receiver, started on a free port; its address from its first line on stdout.
fn serve(options: &Options, oura: &str, lake: &Path, work: &Path) -> (Child, String) {
    let mut child = oura_sync(options, oura, lake, work)
        .args(["-q", "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(work.join("serve.log")).unwrap()))
        .spawn()
        .expect("oura-sync serve starts");
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    let address = line.trim().strip_prefix("listening on ").unwrap_or_else(|| {
        panic!("oura-sync serve did not say where it listens: {line:?}; see {}", work.display())
    });
    (child, format!("http://{address}/oura"))
}

/// The lake file of `daily_activity` on `day` (the default layout).
fn day_file(lake: &Path, day: Date) -> PathBuf {
    lake.join(format!(
        "daily_activity/year={:04}/month={:02}/day={:02}/daily_activity_{day}.jsonl",
        day.year(),
        day.month(),
        day.day()
    ))
}

/// Runs recorded in the lake's ledger.
fn runs(lake: &Path) -> usize {
    std::fs::read_to_string(lake.join("_ledger/runs.jsonl")).map_or(0, |t| t.lines().count())
}

/// Waits until `ready` holds, polling every millisecond; panics after `timeout`.
fn wait(timeout: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Posts one signed delivery about `object_id`.
async fn deliver(http: &reqwest::Client, url: &str, object_id: &str) {
    let now = jiff::Timestamp::now();
    let body = format!(
        r#"{{"event_type":"update","data_type":"daily_activity","object_id":"{object_id}","event_time":"{}","user_id":"bench-user"}}"#,
        now.strftime("%Y-%m-%dT%H:%M:%S%:z")
    );
    let timestamp = now.as_second().to_string();
    let signature =
        hmac_sha256_upper_hex(SECRET.as_bytes(), format!("{timestamp}{body}").as_bytes());
    let answer = http
        .post(url)
        .header("content-type", "application/json")
        .header("x-oura-timestamp", &timestamp)
        .header("x-oura-signature", signature)
        .body(body)
        .send()
        .await
        .expect("the receiver answers");
    assert!(answer.status().is_success(), "the receiver refused a delivery: {}", answer.status());
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let options = Options::parse();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let work = tempfile::tempdir().unwrap();
    let lake = work.path().join("lake");
    let oura = fake_oura::FakeOura::start();
    fake_oura::seed_years(&oura, options.end - 6.days(), options.end);
    {
        let mut inner = oura.lock();
        inner.page_size = 100;
        inner.series_page_size = 10_000;
        inner.delay = Duration::from_millis(options.delay_ms);
    }
    let sync = oura_sync(&options, &oura.base_url, &lake, work.path())
        .args(["-q", "sync", &options.end.to_string(), "--days", "7"])
        .output()
        .unwrap();
    assert!(sync.status.success(), "{}", String::from_utf8_lossy(&sync.stderr));
    let (mut receiver, url) = serve(&options, &oura.base_url, &lake, work.path());
    let http = reqwest::Client::new();
    let day = options.end;
    let file = day_file(&lake, day);
    let timeout = Duration::from_secs(options.timeout);
    let id = format!("act-{day}");

    // One after the other: each delivery's change written, and its run over, before the next.
    let mut times = Vec::new();
    let mut requests = Vec::new();
    for n in 0..options.deliveries {
        let steps = 20_000 + n as u64;
        change(&oura, "daily_activity", &id, activity(day, steps));
        let (served, runs_before) = (oura.request_count(), runs(&lake));
        let marker = format!(r#""steps":{steps},"#);
        let start = Instant::now();
        runtime.block_on(deliver(&http, &url, &id));
        wait(timeout, "the day written", || {
            std::fs::read_to_string(&file).is_ok_and(|t| t.contains(&marker))
        });
        times.push(start.elapsed());
        wait(timeout, "the run recorded", || runs(&lake) > runs_before);
        requests.push(oura.request_count() - served);
    }
    times.sort();
    let per_delivery = requests.iter().sum::<usize>() as f64 / requests.len() as f64;
    println!(
        "| deliveries | delivery → day written, median ms | p90 ms | worst ms | Oura requests per delivery (min–max) | runs |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {} one after the other | {:.0} | {:.0} | {:.0} | {:.2} ({}–{}) | {} |",
        options.deliveries,
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.9)),
        ms(*times.last().unwrap()),
        per_delivery,
        requests.iter().min().unwrap(),
        requests.iter().max().unwrap(),
        options.deliveries
    );

    // A burst: one change, then every delivery about it at once (Oura's retries and repeats).
    let steps = 90_000;
    change(&oura, "daily_activity", &id, activity(day, steps));
    let (served, runs_before) = (oura.request_count(), runs(&lake));
    let marker = format!(r#""steps":{steps},"#);
    let start = Instant::now();
    runtime.block_on(async {
        let posts = (0..options.deliveries).map(|_| deliver(&http, &url, &id));
        futures_util::future::join_all(posts).await;
    });
    wait(timeout, "the day written", || {
        std::fs::read_to_string(&file).is_ok_and(|t| t.contains(&marker))
    });
    let written = start.elapsed();
    // The burst is over when no run has been added for 2 s (the receiver gathers for 0.5 s).
    let mut last = (runs(&lake), Instant::now());
    while last.1.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(20));
        let now = runs(&lake);
        if now != last.0 {
            last = (now, Instant::now());
        }
    }
    let burst_requests = oura.request_count() - served;
    println!(
        "| {} at once (a burst about one change) | {:.0} (to the day written) | – | – | {:.2} ({} in all) | {} |",
        options.deliveries,
        ms(written),
        burst_requests as f64 / options.deliveries as f64,
        burst_requests,
        last.0 - runs_before
    );
    let _ = receiver.kill();
    let _ = receiver.wait();
}
