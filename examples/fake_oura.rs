//! The fake Oura API as a standalone server, seeded with a span of synthetic but realistically
//! sized data for every type, for the benchmark (`scripts/bench.sh`).
//!
//! `cargo run --release --example fake_oura -- --from 2023-11-24 --to 2026-11-23 --delay-ms 50
//! --rate-limit 5000/300` prints its base URL on stdout, then serves until killed.
//! `GET /_fake/stats` answers the requests served and 429s sent since the last call.

#[path = "../tests/it/fake_oura.rs"]
mod fake_oura;

use std::time::Duration;

use jiff::ToSpan;
use jiff::civil::Date;

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut from, mut to): (Date, Date) =
        ("2023-11-24".parse().unwrap(), "2026-11-23".parse().unwrap());
    let (mut delay_ms, mut rate_limit, mut page_size, mut series_page_size) =
        (0u64, None, 100, 10_000);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--from" => from = value.parse().expect("--from YYYY-MM-DD"),
            "--to" => to = value.parse().expect("--to YYYY-MM-DD"),
            "--delay-ms" => delay_ms = value.parse().expect("--delay-ms N"),
            "--page-size" => page_size = value.parse().expect("--page-size N"),
            "--series-page-size" => series_page_size = value.parse().expect("--series-page-size N"),
            "--rate-limit" => {
                let (n, secs) = value.split_once('/').expect("--rate-limit N/SECONDS");
                rate_limit = Some((n.parse().unwrap(), Duration::from_secs(secs.parse().unwrap())));
            }
            other => panic!("unknown flag {other}"),
        }
    }
    let oura = fake_oura::FakeOura::start();
    seed(&oura, from, to);
    {
        let mut inner = oura.lock();
        inner.delay = Duration::from_millis(delay_ms);
        inner.rate_limit = rate_limit;
        inner.page_size = page_size;
        inner.series_page_size = series_page_size;
        inner.log.clear();
    }
    println!("{}", oura.base_url);
    loop {
        std::thread::park();
    }
}

/// One record per day for every document type, sized like Oura's (daily_activity and sleep
/// carry their long per-minute arrays), heart rate every 5 minutes, battery every 15.
fn seed(oura: &fake_oura::FakeOura, from: Date, to: Date) {
    let days: Vec<Date> = from.series(1.day()).take_while(|d| *d <= to).collect();
    let met = vec!["0.9"; 1440].join(",");
    let phases = "4".repeat(1000);
    for kind in fake_oura::DAILY_DOCUMENT_PATHS {
        oura.add(
            kind,
            days.iter().map(|d| {
                format!(r#"{{"id":"{kind}-{d}","day":"{d}","score":81,"contributors":{{"a":90,"b":72,"c":64}},"timestamp":"{d}T00:00:00+00:00"}}"#)
            }),
        );
    }
    oura.add(
        "daily_activity",
        days.iter().map(|d| {
            format!(r#"{{"id":"act-{d}","day":"{d}","steps":9120,"class_5_min":"{}","met":{{"interval":60,"items":[{met}],"timestamp":"{d}T04:00:00-05:00"}},"timestamp":"{d}T04:00:00-05:00"}}"#, "2".repeat(288))
        }),
    );
    oura.add(
        "sleep",
        days.iter().map(|d| {
            let eve = *d - 1.day();
            format!(r#"{{"id":"sleep-{d}","day":"{d}","bedtime_start":"{eve}T23:05:00+00:00","bedtime_end":"{d}T07:01:00+00:00","type":"long_sleep","sleep_phase_30_sec":"{phases}","heart_rate":{{"interval":300,"items":[{}]}}}}"#, vec!["52"; 96].join(","))
        }),
    );
    for kind in ["enhanced_tag", "rest_mode_period"] {
        oura.add(
            kind,
            days.iter().map(|d| {
                format!(
                    r#"{{"id":"{kind}-{d}","start_day":"{d}","start_time":"{d}T12:00:00+00:00"}}"#
                )
            }),
        );
    }
    let series = |every_min: i64, value: &'static str| {
        days.iter().flat_map(move |d| {
            (0..24 * 60 / every_min).map(move |i| {
                let (h, m) = (i * every_min / 60, i * every_min % 60);
                format!(
                    r#"{{"{value}":61,"source":"awake","timestamp":"{d}T{h:02}:{m:02}:00+00:00"}}"#
                )
            })
        })
    };
    oura.add("heartrate", series(5, "bpm"));
    oura.add("ring_battery_level", series(15, "level"));
    oura.add(
        "ring_configuration",
        [r#"{"id":"ring-1","color":"silver","design":"heritage","size":9}"#.to_string()],
    );
    oura.lock().personal_info = Some(r#"{"id":"me","age":40,"weight":70.0}"#.into());
}
