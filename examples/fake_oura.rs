//! The fake Oura API as a standalone server: the way to try oura-sync with no account and no
//! network (README "Try it offline", `scripts/try.sh`), and the server of the benchmark
//! (`scripts/bench.sh`).
//!
//! By default (`--data realistic`) it serves the dashboard tests' data (`tests/it/health_seed.rs`:
//! every value a function of its day, shaped like Oura's records) plus the types those tests do
//! not read, each in its real shape, so a sync's silver step meets no unknown field and the
//! dashboard looks like `docs/`'s pictures. `--data sized` serves the benchmark's records,
//! sized like Oura's (long per-minute arrays, heart rate every 5 minutes).
//!
//! `cargo run --example fake_oura -- --port-file target/try/fake-oura.url` prints its base URL
//! on stdout (and writes it to the file once it listens), then serves until killed. Without
//! `--to` the data end today, without `--from` they start 30 days earlier.
//! `GET /_fake/stats` answers the requests served and 429s sent since the last call.

#[path = "../tests/it/fake_oura.rs"]
mod fake_oura;
#[path = "../tests/it/health_seed.rs"]
mod health_seed;

use std::time::Duration;

use clap::Parser;
use jiff::ToSpan;
use jiff::civil::Date;

/// A fake Oura API v2 on 127.0.0.1 with synthetic data for every type; prints its base URL
/// (for OURA_API_BASE) on stdout, then serves until killed.
#[derive(Debug, Parser)]
#[command(name = "fake_oura")]
struct Options {
    /// First day with data (default: 30 days before --to).
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<Date>,
    /// Last day with data (default: today, in the system's time zone).
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: Option<Date>,
    /// Which data: `realistic` (the dashboard tests' days, every type in Oura's shape) or
    /// `sized` (the benchmark's records, sized like Oura's).
    #[arg(long, value_name = "KIND", default_value = "realistic", value_parser = ["realistic", "sized"])]
    data: String,
    /// Also write the base URL into FILE once the server listens (a script waits for it).
    #[arg(long, value_name = "FILE")]
    port_file: Option<std::path::PathBuf>,
    /// Delay before every answer, in milliseconds (a slow network).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
    /// Records per page of a document collection.
    #[arg(long, value_name = "N", default_value_t = 100)]
    page_size: usize,
    /// Samples per page of heartrate and ring_battery_level.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    series_page_size: usize,
    /// Answer 429 past N requests in any SECONDS (like Oura's 5000/300).
    #[arg(long, value_name = "N/SECONDS", value_parser = parse_rate_limit)]
    rate_limit: Option<(usize, Duration)>,
}

fn parse_rate_limit(text: &str) -> Result<(usize, Duration), String> {
    let bad = || format!("`{text}` is not N/SECONDS (for example 5000/300)");
    let (n, secs) = text.split_once('/').ok_or_else(bad)?;
    Ok((n.parse().map_err(|_| bad())?, Duration::from_secs(secs.parse().map_err(|_| bad())?)))
}

/// The types the dashboard tests' seed leaves out, in Oura's shapes (the OpenAPI record
/// schemas silver types them by), one a day (the battery every 15 minutes).
fn seed_the_other_types(oura: &fake_oura::FakeOura, from: Date, to: Date) {
    let days: Vec<Date> = from.series(1.day()).take_while(|d| *d <= to).collect();
    let on = || days.iter().copied().filter(|d| !health_seed::ring_off(*d));
    oura.add("sleep_time", on().map(|d| format!(
        r#"{{"id":"sti-{d}","day":"{d}","optimal_bedtime":{{"day_tz":3600,"end_offset":-1800,"start_offset":-5400}},"recommendation":"follow_optimal_bedtime","status":"optimal_found"}}"#)));
    oura.add("tag", on().filter_map(|d| {
        let code = health_seed::tag(d)?;
        Some(format!(r#"{{"id":"tg-{d}","day":"{d}","text":null,"timestamp":"{d}T20:00:00+00:00","tags":["{code}"]}}"#))
    }));
    oura.add("ring_battery_level", on().flat_map(|d| {
        (0..96).map(move |i| {
            let (h, m) = (i / 4, i % 4 * 15);
            let level = 100 - (i * 60 / 96);
            format!(r#"{{"timestamp":"{d}T{h:02}:{m:02}:00+00:00","charging":false,"in_charger":false,"level":{level}}}"#)
        })
    }));
    oura.add("ring_configuration", [
        r#"{"id":"ring-1","color":"silver","design":"heritage","firmware_version":"2.9.21","hardware_type":"gen3","set_up_at":"2024-01-05T10:00:00+00:00","size":9}"#.to_string(),
    ]);
    oura.lock().personal_info = Some(
        r#"{"id":"me","age":40,"weight":70.0,"height":1.78,"biological_sex":"female","email":"me@example.com"}"#.into(),
    );
}

fn main() {
    let options = Options::parse();
    let to = options.to.unwrap_or_else(|| jiff::ZonedDateTime::now().date());
    let from = options.from.unwrap_or(to - 30.days());
    if from > to {
        eprintln!("error: --from {from} is after --to {to}");
        std::process::exit(2);
    }
    let oura = fake_oura::FakeOura::start();
    if options.data == "sized" {
        fake_oura::seed_years(&oura, from, to);
    } else {
        health_seed::seed(&oura, to, (to - from).get_days() as i64 + 1);
        seed_the_other_types(&oura, from, to);
    }
    {
        let mut inner = oura.lock();
        inner.delay = Duration::from_millis(options.delay_ms);
        inner.rate_limit = options.rate_limit;
        inner.page_size = options.page_size;
        inner.series_page_size = options.series_page_size;
        inner.log.clear();
    }
    if let Some(file) = &options.port_file {
        // Written whole under another name, then renamed: a reader never sees half a URL.
        let partial = file.with_extension("partial");
        if let Err(e) = std::fs::write(&partial, format!("{}\n", oura.base_url))
            .and_then(|()| std::fs::rename(&partial, file))
        {
            eprintln!("error: cannot write {}: {e}", file.display());
            std::process::exit(1);
        }
    }
    println!("{}", oura.base_url);
    loop {
        std::thread::park();
    }
}
