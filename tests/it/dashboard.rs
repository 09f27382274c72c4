//! `dashboard` and the morning briefing end to end: 120 days synced from the fake (realistic
//! data from `health_seed`), the page parsed back and checked against what the fake served,
//! the briefing's numbers, the errors, and the page in headless Chromium.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::ToSpan;
use jiff::civil::{Date, date};
use scraper::{Html, Selector};

use crate::common::{TestEnv, stderr, stdout};
use crate::health_seed as seed;

/// The last day of the synced window (a fixed past day, so the figures never move).
const END: Date = date(2026, 11, 23);

/// A test environment whose fake serves 150 days of realistic data ending on [`END`], and a
/// lake holding the 120 days that end on it.
fn synced_env() -> TestEnv {
    let env = TestEnv::new();
    seed::seed(&env.oura, END, 150);
    let out = env.run(&["sync", &END.to_string(), "--days", "120"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    env
}

fn select<'a>(page: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    page.select(&Selector::parse(css).unwrap()).collect()
}

/// `data-day` → `data-value` of the marks under `css`.
fn marks(page: &Html, css: &str) -> BTreeMap<Date, String> {
    select(page, css)
        .into_iter()
        .map(|e| {
            let v = e.value();
            (
                v.attr("data-day").unwrap().parse().unwrap(),
                v.attr("data-value").unwrap().to_string(),
            )
        })
        .collect()
}

/// Runs `dashboard --end END` with `extra` arguments; returns the page as text and parsed.
fn render(env: &TestEnv, extra: &[&str]) -> (String, Html) {
    let mut args = vec!["dashboard", "--end", "2026-11-23"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).starts_with("Wrote oura-dashboard.html ("), "{}", stdout(&out));
    let html = std::fs::read_to_string(env.dir.path().join("oura-dashboard.html")).unwrap();
    let page = Html::parse_document(&html);
    (html, page)
}

/// `v` with at most three decimals, as the page writes values.
fn r3(v: f64) -> String {
    format!("{}", (v * 1000.0).round() / 1000.0)
}

/// A type's row of the completeness calendar, day by day (the page draws runs of days).
fn calendar_row(page: &Html, data_type: &str) -> BTreeMap<Date, String> {
    let css = format!(r#"[data-chart="completeness"] [data-series="{data_type}"] rect"#);
    let mut days = BTreeMap::new();
    for run in select(page, &css) {
        let v = run.value();
        let (first, last): (Date, Date) = (
            v.attr("data-day").unwrap().parse().unwrap(),
            v.attr("data-end").unwrap().parse().unwrap(),
        );
        for day in first.series(1.day()).take_while(|d| *d <= last) {
            days.insert(day, v.attr("data-value").unwrap().to_string());
        }
    }
    days
}

fn window() -> impl Iterator<Item = Date> {
    (0..90).rev().map(|i| END - (i as i64).days())
}

/// Every chart is on the page with exactly the values the fake served for its days (gaps
/// where the ring was off), the page refers to nothing outside itself, and it is small.
#[test]
fn a_120_day_sync_renders_every_chart_with_the_fakes_values() {
    let env = synced_env();
    let (html, page) = render(&env, &[]);
    assert!(html.len() <= 1_000_000, "{} bytes", html.len());
    let out = env.run(&["dashboard", "--end", "2026-11-23"]);
    assert!(
        stdout(&out).starts_with("Wrote oura-dashboard.html (90 days, 2026-08-26 → 2026-11-23, ")
    );
    for chart in [
        "readiness",
        "readiness_contributors",
        "temperature",
        "sleep_score",
        "sleep_stages",
        "bedtime",
        "efficiency",
        "sleep_contributors",
        "hrv",
        "lowest_hr",
        "day_hr",
        "steps",
        "active_calories",
        "workouts",
        "sessions",
        "spo2",
        "bdi",
        "stress",
        "resilience",
        "vascular_age",
        "vo2_max",
        "completeness",
    ] {
        assert_eq!(select(&page, &format!(r#"svg[data-chart="{chart}"]"#)).len(), 1, "{chart}");
    }
    // Nothing external: no script, stylesheet, image, frame or font; no URL at all.
    assert!(select(&page, "script, link, img, iframe, object, embed, [src], [href]").is_empty());
    assert!(!html.contains("http:") && !html.contains("https:") && !html.contains("url("));

    let on: Vec<Date> = window().filter(|d| !seed::ring_off(*d)).collect();
    let off: Vec<Date> = window().filter(|d| seed::ring_off(*d)).collect();
    assert!(!off.is_empty() && on.len() > 80, "the seed has a few days off");
    let expect = |css: &str, f: &dyn Fn(Date) -> String| {
        let got = marks(&page, css);
        let wanted: BTreeMap<Date, String> = on.iter().map(|d| (*d, f(*d))).collect();
        assert_eq!(got, wanted, "{css}");
    };
    expect(r#"[data-chart="readiness"] circle"#, &|d| seed::readiness(d).to_string());
    expect(r#"[data-chart="sleep_score"] circle"#, &|d| seed::sleep_score(d).to_string());
    expect(r#"[data-chart="hrv"] circle"#, &|d| seed::average_hrv(d).to_string());
    expect(r#"[data-chart="lowest_hr"] circle"#, &|d| seed::lowest_heart_rate(d).to_string());
    expect(r#"[data-chart="steps"] rect"#, &|d| seed::steps(d).to_string());
    expect(r#"[data-chart="active_calories"] rect"#, &|d| seed::active_calories(d).to_string());
    expect(r#"[data-chart="sleep_stages"] [data-series="Deep"] rect"#, &|d| {
        r3(f64::from(seed::stages(d)[0]) / 3600.0)
    });
    expect(r#"[data-chart="day_hr"] rect"#, &|d| {
        let bpm: Vec<u32> = seed::heart_rate(d).into_iter().map(|(_, b)| b).collect();
        format!("{}-{}", bpm.iter().min().unwrap(), bpm.iter().max().unwrap())
    });
    expect(r#"[data-chart="spo2"] circle"#, &|d| seed::spo2(d).to_string());
    // A night's bedtime bar runs from going to bed (hours before midnight, negative) to
    // getting up.
    expect(r#"[data-chart="bedtime"] rect"#, &|d| {
        let (before, after) = seed::bedtime(d);
        format!("{}-{}", r3(-(before as f64) / 60.0), r3(after as f64 / 60.0))
    });
    // VO2 max only on Mondays: exactly those dots.
    let vo2 = marks(&page, r#"[data-chart="vo2_max"] circle"#);
    let mondays: BTreeMap<Date, String> =
        on.iter().filter_map(|d| Some((*d, seed::vo2_max(*d)?.to_string()))).collect();
    assert_eq!(vo2, mondays);

    // Workouts: minutes per week and activity, summed from the fake's workouts.
    let mut weeks: BTreeMap<(Date, String), i64> = BTreeMap::new();
    for d in &on {
        if let Some((activity, minutes, _)) = seed::workout(*d) {
            let monday = *d - (i64::from(d.weekday().to_monday_zero_offset())).days();
            *weeks.entry((monday, activity.to_string())).or_default() += minutes;
        }
    }
    let got: BTreeMap<(Date, String), i64> = select(&page, r#"[data-chart="workouts"] rect"#)
        .into_iter()
        .map(|e| {
            let v = e.value();
            (
                (
                    v.attr("data-day").unwrap().parse().unwrap(),
                    v.attr("data-series").unwrap().to_string(),
                ),
                v.attr("data-value").unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, weeks);

    // The calendar: every type on a ring-off day was synced empty, on other days the daily
    // types hold records.
    let sleep_row = calendar_row(&page, "sleep");
    assert_eq!(sleep_row.len(), 90);
    for d in window() {
        let wanted = if seed::ring_off(d) { "empty" } else { "records" };
        assert_eq!(sleep_row[&d], wanted, "{d}");
    }
    let rows = select(&page, r#"[data-chart="completeness"] g[data-series]"#);
    assert_eq!(rows.len(), 17, "every type filed by day");

    // The tiles of the last day: its readiness against the median of the 30 days before.
    let readiness = seed::readiness(END);
    let median =
        seed::baseline(END, |d| (!seed::ring_off(d)).then(|| f64::from(seed::readiness(d))))
            .unwrap();
    let tile = &select(&page, r#"[data-tile="Readiness"]"#)[0];
    assert_eq!(tile.value().attr("data-value"), Some(readiness.to_string().as_str()));
    let text: String = tile.text().collect();
    assert!(
        text.contains(&format!("{:+.0} vs 30-day median", f64::from(readiness) - median)),
        "{text}"
    );
    // The zone is stated.
    assert!(html.contains("days and times in UTC"));
}

/// A longer window than the lake holds shows its first days as never synced, not as empty.
#[test]
fn days_before_the_first_sync_are_never_synced_in_the_calendar() {
    let env = synced_env();
    let (_, page) = render(&env, &["--days", "125", "--out", "oura-dashboard.html"]);
    let row = calendar_row(&page, "daily_readiness");
    assert_eq!(row.len(), 125);
    let first_synced = END - 119.days();
    for (day, state) in &row {
        if *day < first_synced {
            assert_eq!(state, "never_synced", "{day}");
        } else {
            assert_ne!(state, "never_synced", "{day}");
        }
    }
}

/// The summary (and the JSON report) brief the last day: readiness, sleep score and total
/// sleep, HRV and lowest heart rate, each against the median of the 30 days before.
#[test]
fn the_briefing_reports_the_latest_day_against_its_30_day_median() {
    let env = TestEnv::new();
    seed::seed(&env.oura, END, 150);
    let out = env.run(&["sync", &END.to_string(), "--days", "120"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.chars().count() < 1000);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("✅ *Oura sync success* 2026-07-27 → 2026-11-23"), "{text}");
    let on = |f: fn(Date) -> u32| move |d: Date| (!seed::ring_off(d)).then(|| f64::from(f(d)));
    let delta = |value: u32, f: fn(Date) -> u32| {
        let d = (f64::from(value) - seed::baseline(END, on(f)).unwrap()).round();
        if d == 0.0 { "±0".to_string() } else { format!("{d:+.0}") }
    };
    let total_hours = |d: Date| f64::from(seed::total_sleep(d)) / 3600.0;
    let total_median =
        seed::baseline(END, |d| (!seed::ring_off(d)).then(|| total_hours(d))).unwrap();
    let total_delta = ((total_hours(END) - total_median) * 60.0).round();
    let minutes = (total_hours(END) * 60.0).round() as i64;
    assert_eq!(
        lines[1],
        format!(
            "🌅 *Mon 23 Nov*: Readiness {} ({}) · Sleep {} ({}) · Slept {} h {:02} min ({}{} min)",
            seed::readiness(END),
            delta(seed::readiness(END), seed::readiness),
            seed::sleep_score(END),
            delta(seed::sleep_score(END), seed::sleep_score),
            minutes / 60,
            minutes % 60,
            if total_delta >= 0.0 { "+" } else { "-" },
            total_delta.abs()
        )
    );
    assert_eq!(
        lines[2],
        format!(
            "💓 HRV {} ms ({}) · Lowest HR {} bpm ({})",
            seed::average_hrv(END),
            delta(seed::average_hrv(END), seed::average_hrv),
            seed::lowest_heart_rate(END),
            delta(seed::lowest_heart_rate(END), seed::lowest_heart_rate)
        )
    );
    // Then the counts as before.
    assert!(lines.iter().any(|l| l.starts_with("daily_readiness: ")), "{text}");

    let out = env.run(&["sync", &END.to_string(), "--days", "3", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let briefing = &report["briefing"];
    assert_eq!(briefing["day"], "2026-11-23");
    assert_eq!(briefing["readiness"]["value"], f64::from(seed::readiness(END)));
    let median = seed::baseline(END, on(seed::readiness)).unwrap();
    assert_eq!(briefing["readiness"]["median_30d"], median);
    assert_eq!(briefing["lowest_heart_rate_bpm"]["value"], f64::from(seed::lowest_heart_rate(END)));
    assert_eq!(briefing["total_sleep_hours"]["value"], total_hours(END));
}

/// A day Oura has not scored yet says so, instead of showing an older day's number; types
/// the run did not sync are left out of the briefing.
#[test]
fn a_day_not_scored_yet_says_so() {
    let env = TestEnv::new();
    seed::seed(&env.oura, END, 60);
    let next = (END + 1.day()).to_string();
    let out = env.run(&["sync", &next, "--days", "40"]);
    let text = stdout(&out);
    assert_eq!(
        text.lines().nth(1),
        Some(
            "🌅 *Tue 24 Nov*: Readiness not scored yet · Sleep not scored yet · Night not scored yet"
        ),
        "{text}"
    );
    let out = env.run(&["sync", &next, "--days", "2", "--types", "daily_readiness,heartrate"]);
    assert_eq!(stdout(&out).lines().nth(1), Some("🌅 *Tue 24 Nov*: Readiness not scored yet"));
    let out = env.run(&["sync", &next, "--days", "2", "--types", "heartrate"]);
    assert!(!stdout(&out).contains('🌅'), "{}", stdout(&out));
    let out = env.run(&["sync", &next, "--days", "2", "--dry-run"]);
    assert!(!stdout(&out).contains('🌅'), "a dry run writes nothing to brief from");
}

fn no_stray_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".html") || n.ends_with(".tmp"))
        .collect()
}

/// An empty lake, a window without data, a bad argument and an unwritable `--out` are each
/// one line saying what to do, exit 2, and leave no file (whole or partial) behind.
#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let env = TestEnv::new();
    let out = env.run(&["dashboard"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("holds no synced data yet; run `oura-sync sync` first"),
        "{}",
        stderr(&out)
    );

    seed::seed(&env.oura, END, 20);
    assert_eq!(env.run(&["sync", &END.to_string(), "--days", "10"]).status.code(), Some(0));
    let cases: [(&[&str], &str); 6] = [
        (
            &["dashboard", "--end", "2025-01-31"],
            "has no data from 2024-11-03 to 2025-01-31 (its last day with data is 2026-11-23); give --end 2026-11-23",
        ),
        (&["dashboard", "--end", "2099-01-01"], "is after today"),
        (&["dashboard", "--days", "0"], "from 1 to 3660"),
        (&["dashboard", "--end", "23/11/2026"], "YYYY-MM-DD"),
        (&["dashboard", "--out", "."], "it is a directory; choose another --out"),
        (&["dashboard", "--out", "no/such/dir/x.html"], "does not exist; choose another --out"),
    ];
    for (args, wanted) in cases {
        let out = env.run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(wanted), "{args:?}: {err}");
    }
    std::fs::write(env.dir.path().join("a-file"), "x").unwrap();
    let out = env.run(&["dashboard", "--end", "2026-11-23", "--out", "a-file/dash.html"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(no_stray_files(env.dir.path()).is_empty(), "{:?}", no_stray_files(env.dir.path()));
    // And a good run replaces the file whole, leaving no temporary file.
    let out = env.run(&["dashboard", "--end", "2026-11-23", "--out", "d.html"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(no_stray_files(env.dir.path()), ["d.html"]);
}

/// The browser the tests drive: `CHROMIUM` (set by scripts/test.sh), else `chromium` on PATH.
fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| "chromium".into());
    let found = std::process::Command::new(&path)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "headless Chromium is needed: run the tests with scripts/test.sh, which installs it"
    );
    path
}

/// Runs headless Chromium on `page` with a fresh profile and no network, with `args`.
fn run_chromium(page: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            // Any attempt to reach a host fails: the page must need none.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}

/// The page loads in headless Chromium with no console error (a page that has one is caught by
/// the same check), its DOM holds every section, and its screenshot is a real picture, not a blank page. The page and
/// the screenshot are kept in `target/tmp/` (scripts/dashboard-screenshot.sh makes the
/// README's picture from that page).
#[test]
fn the_page_renders_in_headless_chromium() {
    let env = synced_env();
    render(&env, &[]);
    let page = env.dir.path().join("oura-dashboard.html");
    let profile = tempfile::tempdir().unwrap();
    let dom = run_chromium(&page, profile.path(), &["--dump-dom"]);
    let log = stderr(&dom);
    assert!(dom.status.success(), "{log}");
    let dom_text = stdout(&dom);
    for section in ["Readiness", "Sleep", "Heart", "Activity", "Body", "Lake"] {
        assert!(dom_text.contains(&format!("<h2>{section}</h2>")), "{section}");
    }
    for bad in ["CONSOLE", "Uncaught", "Failed to load", "ERR_"] {
        assert!(!log.contains(bad), "{bad} in the browser's log:\n{log}");
    }
    // The check can fail: a page that logs an error shows up in the same log.
    let broken = env.dir.path().join("broken.html");
    std::fs::write(&broken, r#"<p>x</p><script>console.error("boom")</script>"#).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let log = stderr(&run_chromium(&broken, profile.path(), &["--dump-dom"]));
    assert!(log.contains("CONSOLE") && log.contains("boom"), "{log}");

    let kept = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::copy(&page, kept.join("dashboard.html")).unwrap();
    let shot = kept.join("dashboard.png");
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile::tempdir().unwrap();
    let out = run_chromium(
        &page,
        profile.path(),
        &[&format!("--screenshot={}", shot.display()), "--window-size=1280,2000"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1280, 2000));
    let channels = info.line_size / info.width as usize;
    let mut colours: BTreeMap<[u8; 3], usize> = BTreeMap::new();
    for px in pixels[..info.buffer_size()].chunks(channels) {
        *colours.entry([px[0], px[1], px[2]]).or_default() += 1;
    }
    let total = (info.width * info.height) as usize;
    let background = colours.values().max().copied().unwrap_or(0);
    // A blank page is one colour; the dashboard has hundreds, and most of it is not background.
    assert!(colours.len() > 200, "{} colours", colours.len());
    assert!(background < total * 3 / 4, "background covers {background} of {total} pixels");
}

/// The page without its footer (which names the lake and the time it was made).
fn without_footer(html: &str) -> &str {
    &html[..html.find("<footer>").expect("the page has a footer")]
}

/// An S3 lake with its DynamoDB ledger (moto) gives the same page as a local lake synced from
/// the same data: the dashboard reads both through the same store and ledger seams.
#[tokio::test]
async fn an_s3_lake_gives_the_same_page_as_a_local_one() {
    let aws = crate::aws_env::clients().await;
    let bucket = crate::aws_env::new_bucket(&aws, "dash").await;
    let table = crate::aws_env::new_table(&aws, "dash").await;
    let env = TestEnv::new();
    seed::seed(&env.oura, END, 70);
    let dest = format!("s3://{bucket}/oura");
    let on_s3 = |args: &[&str]| {
        env.cmd()
            .env("OURA_DYNAMODB_TABLE", &table)
            .env("OURA_DESTINATION", &dest)
            .args(args)
            .output()
            .unwrap()
    };
    for out in [
        on_s3(&["sync", "2026-11-23", "--days", "40"]),
        env.run(&["sync", "2026-11-23", "--days", "40"]),
    ] {
        assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    }
    let page = |out: std::process::Output, file: &str| {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::fs::read_to_string(env.dir.path().join(file)).unwrap()
    };
    let s3 = page(
        on_s3(&["dashboard", "--end", "2026-11-23", "--days", "30", "--out", "s3.html"]),
        "s3.html",
    );
    let local = page(
        env.run(&["dashboard", "--end", "2026-11-23", "--days", "30", "--out", "local.html"]),
        "local.html",
    );
    assert!(s3.contains(&format!("from {dest}")));
    assert_eq!(without_footer(&s3), without_footer(&local));
    assert!(s3.contains(r#"data-chart="readiness""#));
}

/// Runs `dashboard --open` with an opener script `name` in a directory of its own, with the
/// extra `envs`, and returns what the opener was handed (None when it never ran).
fn opened_with(env: &TestEnv, name: &str, envs: &[(&str, &str)]) -> Option<String> {
    let bin = env.dir.path().join(format!("bin-{name}"));
    std::fs::create_dir_all(&bin).unwrap();
    let opened = env.dir.path().join(format!("opened-{name}.txt"));
    let opener = bin.join(name);
    std::fs::write(&opener, format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = env.cmd();
    cmd.env("PATH", path).env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    for (key, value) in envs {
        cmd.env(key, value.replace("{opener}", opener.to_str().unwrap()));
    }
    let out = cmd.args(["dashboard", "--end", "2026-11-23", "--open"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Nor does the page or anything printed hold the login's token.
    let html = std::fs::read_to_string(env.dir.path().join("oura-dashboard.html")).unwrap();
    assert!(!html.contains(crate::common::TOKEN) && !stdout(&out).contains(crate::common::TOKEN));
    // The command returns once the opener has been launched and has exited.
    std::fs::read_to_string(&opened).ok().map(|s| s.trim().to_owned())
}

/// `--open` hands the written file, by its absolute path (as a path or a file:// URL), to the
/// browser the user named in `$BROWSER` (which the hand-written `xdg-open` call ignored); the
/// command returns once the browser ran. (Without `$BROWSER` the `webbrowser` crate asks the
/// desktop for its default browser, which differs per machine, so it is not run here.)
#[test]
fn open_hands_the_file_to_the_users_browser() {
    let env = synced_env();
    let written = std::fs::canonicalize(env.dir.path().join("oura-dashboard.html"))
        .unwrap_or_else(|_| env.dir.path().join("oura-dashboard.html"));
    let is_the_page = |got: &str| {
        let got = got.strip_prefix("file://").unwrap_or(got);
        got.ends_with("/oura-dashboard.html")
            && std::fs::canonicalize(got).ok() == std::fs::canonicalize(&written).ok()
    };
    let via_browser =
        opened_with(&env, "my-browser", &[("BROWSER", "{opener}")]).expect("$BROWSER");
    assert!(is_the_page(&via_browser), "{via_browser}");
}

/// The page reads silver where its month file was built from exactly the bronze days the
/// ledger lists, and bronze elsewhere, with the same result: the page with silver on (the
/// default for a local lake) equals the page read from bronze alone (`OURA_SILVER=off`), also
/// after one month's silver file is replaced by a stale one (another month's), which must not
/// be shown; and a current silver month is really read (a lost bronze object still shows).
#[test]
fn silver_and_bronze_give_the_same_page_and_a_stale_silver_month_is_not_read() {
    let env = synced_env();
    let page = |silver: &str, file: &str| {
        let out = env
            .cmd()
            .env("OURA_SILVER", silver)
            .args(["dashboard", "--end", "2026-11-23", "--out", file])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::fs::read_to_string(env.dir.path().join(file)).unwrap()
    };
    let bronze = page("off", "bronze.html");
    let silver = page("on", "silver.html");
    assert!(bronze.contains(r#"data-chart="readiness""#));
    assert_eq!(without_footer(&silver), without_footer(&bronze));

    let months = env.lake().join("_silver/daily_readiness/year=2026");
    std::fs::copy(
        months.join("month=11/daily_readiness_2026-11.parquet"),
        months.join("month=10/daily_readiness_2026-10.parquet"),
    )
    .unwrap();
    let stale = page("on", "stale.html");
    assert_eq!(without_footer(&stale), without_footer(&bronze));

    // Silver is really read where it is current: with one September bronze object gone (the
    // ledger still lists it), bronze alone shows a gap, silver still shows the day.
    std::fs::remove_file(
        env.lake()
            .join("daily_readiness/year=2026/month=09/day=15/daily_readiness_2026-09-15.jsonl"),
    )
    .unwrap();
    assert_ne!(without_footer(&page("off", "gap.html")), without_footer(&bronze));
    assert_eq!(without_footer(&page("on", "current.html")), without_footer(&bronze));
}
