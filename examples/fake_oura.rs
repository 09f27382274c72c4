//! The fake Oura API as a standalone server, seeded with a span of synthetic but realistically
//! sized data for every type, for the benchmark (`scripts/bench.sh`).
//!
//! `cargo run --release --example fake_oura -- --from 2023-11-24 --to 2026-11-23 --delay-ms 50
//! --rate-limit 5000/300` prints its base URL on stdout, then serves until killed.
//! `GET /_fake/stats` answers the requests served and 429s sent since the last call.

#[path = "../tests/it/fake_oura.rs"]
mod fake_oura;

use std::time::Duration;

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
    fake_oura::seed_years(&oura, from, to);
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
