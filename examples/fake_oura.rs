//! The fake Oura API as a standalone server, seeded with a span of synthetic but realistically
//! sized data for every type: the way to try oura-sync with no account and no network (README
//! "Try it offline"), and the server of the benchmark (`scripts/bench.sh`).
//!
//! `cargo run --release --example fake_oura -- --from 2023-11-24 --to 2026-11-23 --delay-ms 50
//! --rate-limit 5000/300` prints its base URL on stdout, then serves until killed. Without
//! `--to` the data end today, without `--from` they start 30 days earlier.
//! `GET /_fake/stats` answers the requests served and 429s sent since the last call.

#[path = "../tests/it/fake_oura.rs"]
mod fake_oura;

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

fn main() {
    let options = Options::parse();
    let to = options.to.unwrap_or_else(|| jiff::ZonedDateTime::now().date());
    let from = options.from.unwrap_or(to - 30.days());
    if from > to {
        eprintln!("error: --from {from} is after --to {to}");
        std::process::exit(2);
    }
    let oura = fake_oura::FakeOura::start();
    fake_oura::seed_years(&oura, from, to);
    {
        let mut inner = oura.lock();
        inner.delay = Duration::from_millis(options.delay_ms);
        inner.rate_limit = options.rate_limit;
        inner.page_size = options.page_size;
        inner.series_page_size = options.series_page_size;
        inner.log.clear();
    }
    println!("{}", oura.base_url);
    loop {
        std::thread::park();
    }
}
