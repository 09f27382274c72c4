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
        "activity_score",
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
    expect(r#"[data-chart="steps"] g.bars rect"#, &|d| seed::steps(d).to_string());
    expect(r#"[data-chart="active_calories"] g.bars rect"#, &|d| {
        seed::active_calories(d).to_string()
    });
    expect(r#"[data-chart="activity_score"] circle"#, &|d| seed::activity_score(d).to_string());
    expect(r#"[data-chart="sleep_stages"] [data-series="Deep"] rect"#, &|d| {
        r3(f64::from(seed::stages(d)[0]) / 3600.0)
    });
    expect(r#"svg[data-chart="day_hr"] rect"#, &|d| {
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

    // Last night: the hypnogram's runs are the seed's 5-minute phases, the heart-rate curve
    // its samples (gaps left out), on minutes after going to bed.
    let phases = seed::phases(END);
    let mut runs: Vec<(usize, usize, char)> = Vec::new();
    for (i, c) in phases.chars().enumerate() {
        match runs.last_mut() {
            Some(run) if run.2 == c => run.1 = i + 1,
            _ => runs.push((i, i + 1, c)),
        }
    }
    let drawn: Vec<(String, String, String)> =
        select(&page, r#"svg[data-chart="hypnogram"] rect[data-stage]"#)
            .into_iter()
            .map(|e| {
                let v = e.value();
                let attr = |n| v.attr(n).unwrap().to_string();
                (attr("data-start"), attr("data-end"), attr("data-stage"))
            })
            .collect();
    let wanted: Vec<(String, String, String)> = runs
        .iter()
        .map(|(a, b, c)| {
            let stage = match c {
                '1' => "deep",
                '2' => "light",
                '3' => "rem",
                _ => "awake",
            };
            ((a * 5).to_string(), (b * 5).to_string(), stage.to_string())
        })
        .collect();
    assert_eq!(drawn, wanted);
    let hr: Vec<(String, String)> = select(&page, r#"svg[data-chart="night_hr"] circle"#)
        .into_iter()
        .map(|e| {
            let v = e.value();
            (v.attr("data-minute").unwrap().into(), v.attr("data-value").unwrap().into())
        })
        .collect();
    let samples: Vec<(String, String)> = seed::night_heart_rate(END)
        .into_iter()
        .enumerate()
        .filter_map(|(i, v)| Some(((i * 5).to_string(), v?.to_string())))
        .collect();
    assert_eq!(hr, samples);
    let figure = |name: &str| {
        let css = format!(r#"[data-figure="{name}"] dd"#);
        select(&page, &css)[0].text().collect::<String>()
    };
    let (before, after) = seed::bedtime(END);
    assert_eq!(
        figure("Bedtime"),
        format!("{:02}:{:02}", 23 - (before - 1) / 60, (60 - before % 60) % 60)
    );
    assert_eq!(figure("Wake-up"), format!("{:02}:{:02}", after / 60, after % 60));
    assert_eq!(figure("Latency"), "10 min");
    assert_eq!(figure("Deep"), format!("{} min", seed::stages(END)[0] / 60));

    // Tags and rest mode are marked on the readiness chart, on their days.
    let tags: Vec<Date> =
        marks(&page, r#"svg[data-chart="readiness"] path.tag"#).into_keys().collect();
    let tagged: Vec<Date> = on.iter().copied().filter(|d| seed::tag(*d).is_some()).collect();
    assert!(!tagged.is_empty());
    assert_eq!(tags, tagged);
    let rest: Vec<String> = select(&page, r#"svg[data-chart="readiness"] rect.rest"#)
        .into_iter()
        .map(|e| {
            format!(
                "{}..{}",
                e.value().attr("data-day").unwrap(),
                e.value().attr("data-end").unwrap()
            )
        })
        .collect();
    let (first, last) = seed::rest_periods(END, 120)[0];
    assert_eq!(rest, [format!("{first}..{last}")]);

    // The energy verdict at the top is the briefing's, with the figures that decided it.
    let verdict = &select(&page, "section.verdict")[0];
    let state = verdict.value().attr("data-verdict").unwrap();
    let text: String = verdict.text().collect();
    assert!(
        text.contains(&format!(
            "Readiness {}, sleep {}",
            seed::readiness(END),
            seed::sleep_score(END)
        )),
        "{text}"
    );
    let out = env.run(&["sync", &END.to_string(), "--days", "2"]);
    let energy = stdout(&out).lines().find(|l| l.starts_with("⚡")).unwrap().to_string();
    let title = match state {
        "recovery_needed" => "Recovery Needed".to_string(),
        s => s[..1].to_uppercase() + &s[1..],
    };
    assert!(energy.starts_with(&format!("⚡ *Energy: {title}*: ")), "{energy} vs {state}");
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
/// the same check), its DOM holds every section, and its screenshot is a real picture, not a
/// blank page. The page and the screenshot are kept in `target/tmp/`.
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
    for section in ["Last night", "Readiness", "Sleep", "Heart", "Activity", "Body", "Lake"] {
        let id = section.to_ascii_lowercase().replace(' ', "-");
        assert!(dom_text.contains(&format!(r#"<h2 id="{id}">{section}</h2>"#)), "{section}");
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
pub(crate) fn without_footer(html: &str) -> &str {
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

/// What the measuring script found on a page (see [`measure`]).
#[derive(Debug, serde::Deserialize)]
struct Measured {
    /// The page's scroll width and the viewport's width, in CSS pixels.
    scroll: f64,
    inner: f64,
    /// Milliseconds from the start of navigation to the page parsed, styled and laid out (an
    /// upper bound: it includes the wait for the host page's load event).
    laid_out_ms: f64,
    /// Every chart drawn (not hidden): its `data-chart`, left and right edge.
    charts: Vec<(String, f64, f64)>,
}

/// Opens `page` in headless Chromium inside a frame `width` pixels wide (a headless window
/// is at least 500 pixels wide; a frame is a viewport of its own, media queries included),
/// and, once the host has loaded (which waits for the frame), records its scroll width, the time it took to be parsed, styled
/// and laid out, and every visible chart's box into the host's DOM, which `--dump-dom` hands
/// back. (The page itself has no script: only the host page here has one.)
fn measure(page: &Path, width: u32) -> Measured {
    // The fastest of three loads: the machine running the suite is busy with other tests.
    let runs: Vec<Measured> = (0..3).map(|_| measure_once(page, width)).collect();
    runs.into_iter().min_by(|a, b| a.laid_out_ms.total_cmp(&b.laid_out_ms)).unwrap()
}

/// One load of [`measure`].
fn measure_once(page: &Path, width: u32) -> Measured {
    const SCRIPT: &str = r#"<script>
const f = document.getElementById('f');
function measure() {
  const w = f.contentWindow, d = f.contentDocument;
  d.body.offsetHeight;
  // From the frame's navigation to its layout done: parsing, style and layout, and the
  // wait for the host's load event (an upper bound).
  const laid = w.performance.now();
  const charts = [...d.querySelectorAll('svg.chart')]
    .map(e => [e.dataset.chart, e.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0)
    .map(([id, r]) => [id, r.left, r.right]);
  document.body.setAttribute('data-measured', JSON.stringify({
    scroll: d.documentElement.scrollWidth, inner: w.innerWidth, laid_out_ms: laid, charts }));
}
window.addEventListener('load', measure);
</script>"#;
    let html = std::fs::read_to_string(page).unwrap();
    let srcdoc = html.replace('&', "&amp;").replace('"', "&quot;");
    let host = format!(
        r#"<!DOCTYPE html><html><body style="margin:0"><iframe id="f" style="border:0;width:{width}px;height:900px" srcdoc="{srcdoc}"></iframe>{SCRIPT}</body></html>"#
    );
    let probe = page.with_extension(format!("probe-{width}.html"));
    std::fs::write(&probe, host).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = run_chromium(&probe, profile.path(), &["--dump-dom", "--window-size=1500,1000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dom = Html::parse_document(&stdout(&out));
    let body = select(&dom, "body")[0].value().attr("data-measured").map(str::to_string);
    let json = body.unwrap_or_else(|| panic!("the probe did not run: {}", stderr(&out)));
    serde_json::from_str(&json).unwrap()
}

/// A 90-day and a 365-day page fit a phone (390 px) and a desktop (1400 px): the page is
/// exactly as wide as the viewport (no sideways scrolling) and every chart drawn lies inside
/// it; the long window is drawn by week (a median and a band per week). The layout time is
/// printed, not asserted (figures belong to BENCHMARKS.md). The pages are kept in `target/tmp/` for
/// scripts/dashboard-screenshot.sh.
#[test]
fn the_page_fits_a_phone_and_a_desktop() {
    let env = TestEnv::new();
    seed::seed(&env.oura, END, 400);
    let out = env.run(&["sync", &END.to_string(), "--days", "400"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let kept = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for days in ["90", "365"] {
        let (html, page) = render(&env, &["--days", days]);
        let weekly = days == "365";
        // By week over a year: one dot per week, each the median of that week's days.
        let readiness = marks(&page, r#"svg[data-chart="readiness"] g.dots circle"#);
        if weekly {
            assert!((52..=54).contains(&readiness.len()), "{} weeks", readiness.len());
            assert!(readiness.keys().all(|d| d.weekday() == jiff::civil::Weekday::Monday));
            assert_eq!(select(&page, r#"svg[data-chart="readiness"] path.band"#).len(), 1);
            let monday = date(2026, 11, 16);
            let mut week: Vec<f64> = (0..7)
                .map(|i| monday + (i as i64).days())
                .filter(|d| !seed::ring_off(*d))
                .map(|d| f64::from(seed::readiness(d)))
                .collect();
            week.sort_by(f64::total_cmp);
            let n = week.len();
            let median =
                if n % 2 == 1 { week[n / 2] } else { (week[n / 2 - 1] + week[n / 2]) / 2.0 };
            assert_eq!(readiness[&monday], r3(median));
        } else {
            assert!(readiness.len() > 80);
        }
        assert!(html.len() < 2_000_000, "{days} days: {} bytes", html.len());
        let file = kept.join(format!("dashboard-{days}.html"));
        std::fs::write(&file, &html).unwrap();
        for width in [390u32, 1400] {
            let m = measure(&file, width);
            assert_eq!(m.inner, f64::from(width), "{days} days at {width} px: {m:?}");
            assert_eq!(m.scroll, m.inner, "{days} days at {width} px scrolls sideways");
            assert!(m.charts.len() >= 20, "{days} days at {width} px: {:?}", m.charts);
            for (chart, left, right) in &m.charts {
                assert!(
                    *left >= 0.0 && *right <= m.inner,
                    "{days} days at {width} px: {chart} spans {left}..{right}"
                );
            }
            // The phone gets its own heat maps (the last 30 days or 26 weeks).
            let phone = m.charts.iter().any(|(c, _, _)| c == "readiness_contributors-phone");
            assert_eq!(phone, width == 390, "{days} days at {width} px");
            eprintln!(
                "{days} days, {} bytes, {width} px: laid out in {:.0} ms",
                html.len(),
                m.laid_out_ms
            );
        }
    }
}

/// The longest window `dashboard` accepts, ten years (3660 days) of realistic data, makes a
/// page of a few MB at most (under 5 MB), drawn by week, that Chromium lays out at both
/// widths without sideways scrolling (its layout time is printed; see BENCHMARKS.md).
/// The page is rendered by the library from the fake's records themselves (ten years synced
/// would write some 60,000 files to the test's disk; the 400-day test above takes the whole
/// path through a synced lake), and its calendar has every day synced (empty when the ring
/// was off).
#[test]
fn a_ten_year_page_stays_small_and_fast() {
    use oura_sync::dashboard::{CalendarRow, PageInfo};
    use oura_sync::datatype::{DataType, RangeKind};
    use oura_sync::health::data::{HealthData, HealthRecords};
    use oura_sync::health::figures::DayState;

    let env = TestEnv::new();
    seed::seed(&env.oura, END, 3660);
    fn served<T: serde::de::DeserializeOwned>(env: &TestEnv, path: &str) -> Vec<T> {
        let inner = env.oura.lock();
        let records = inner.records.get(path).map(Vec::as_slice).unwrap_or_default();
        records.iter().map(|r| serde_json::from_str(&r.text).unwrap()).collect()
    }
    let records = HealthRecords {
        readiness: served(&env, "daily_readiness"),
        sleep_scores: served(&env, "daily_sleep"),
        sleep: served(&env, "sleep"),
        heart_rate: served(&env, "heartrate"),
        activity: served(&env, "daily_activity"),
        workouts: served(&env, "workout"),
        sessions: served(&env, "session"),
        spo2: served(&env, "daily_spo2"),
        stress: served(&env, "daily_stress"),
        resilience: served(&env, "daily_resilience"),
        cardiovascular_age: served(&env, "daily_cardiovascular_age"),
        vo2_max: served(&env, "vO2_max"),
        tags: served(&env, "enhanced_tag"),
        rest: served(&env, "rest_mode_period"),
    };
    let window = oura_sync::window::Window::ending_on(END, 3660);
    let data = HealthData::from_records(&records, window, &jiff::tz::TimeZone::UTC);
    let calendar: Vec<CalendarRow> = DataType::ALL
        .iter()
        .filter(|t| !matches!(t.range(), RangeKind::Snapshot | RangeKind::BareSnapshot))
        .map(|t| {
            let days = window
                .days()
                .map(|d| (d, if seed::ring_off(d) { DayState::Empty } else { DayState::Records }));
            (t.name(), days.collect())
        })
        .collect();
    let info = PageInfo {
        timezone: "UTC".into(),
        generated_at: "2026-11-24 07:00".into(),
        source: "./oura-lake".into(),
        today: END + 1.day(),
    };
    let html = oura_sync::dashboard::render(&data, &calendar, &info);
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-3660.html");
    std::fs::write(&file, &html).unwrap();
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    let page = Html::parse_document(&html);
    let weeks = marks(&page, r#"svg[data-chart="readiness"] g.dots circle"#);
    assert!((522..=524).contains(&weeks.len()), "{} weeks", weeks.len());
    for width in [390u32, 1400] {
        let m = measure(&file, width);
        assert_eq!(m.scroll, f64::from(width), "{width} px: {m:?}");
        assert!(m.charts.iter().all(|(_, l, r)| *l >= 0.0 && *r <= m.inner), "{m:?}");
        eprintln!(
            "3660 days, {} bytes, {width} px: laid out in {:.0} ms",
            html.len(),
            m.laid_out_ms
        );
    }
}

/// With `OURA_DASHBOARD_IN_LAKE=on`, a sync into an S3 lake (moto) writes the page of the 90
/// days ending on its window's last day to `<prefix>/_dashboard/index.html`, as HTML, equal
/// to what `dashboard` makes from the same lake; without the setting (the default) it writes
/// no such object, and a local lake gets `<lake>/_dashboard/index.html` alike.
#[tokio::test]
async fn a_sync_can_write_the_page_into_the_lake() {
    let aws = crate::aws_env::clients().await;
    let bucket = crate::aws_env::new_bucket(&aws, "dash-lake").await;
    let table = crate::aws_env::new_table(&aws, "dash-lake").await;
    let env = TestEnv::new();
    seed::seed(&env.oura, END, 40);
    let dest = format!("s3://{bucket}/oura");
    let on_s3 = |args: &[&str], in_lake: Option<&str>| {
        let mut cmd = env.cmd();
        cmd.env("OURA_DYNAMODB_TABLE", &table).env("OURA_DESTINATION", &dest);
        if let Some(v) = in_lake {
            cmd.env("OURA_DASHBOARD_IN_LAKE", v);
        }
        cmd.args(args).output().unwrap()
    };
    let get = |key: &'static str| {
        let (aws, bucket) = (&aws, &bucket);
        async move { aws.s3.get_object().bucket(bucket).key(key).send().await }
    };
    let out = on_s3(&["sync", "2026-11-23", "--days", "30"], None);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(get("oura/_dashboard/index.html").await.is_err(), "off by default");

    let out = on_s3(&["sync", "2026-11-23", "--days", "30"], Some("on"));
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let object = get("oura/_dashboard/index.html").await.expect("the page is in the lake");
    assert_eq!(object.content_type(), Some("text/html; charset=utf-8"));
    let lake_page = String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap();
    let out = on_s3(&["dashboard", "--end", "2026-11-23", "--out", "here.html"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let here = std::fs::read_to_string(env.dir.path().join("here.html")).unwrap();
    assert!(lake_page.contains("90 days · 26 Aug 2026 – 23 Nov 2026"));
    assert_eq!(without_footer(&lake_page), without_footer(&here));
    assert!(!lake_page.contains(crate::common::TOKEN));

    // A bad value is one line, exit 2, before anything is fetched.
    let out = on_s3(&["sync", "2026-11-23", "--days", "1"], Some("maybe"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("OURA_DASHBOARD_IN_LAKE `maybe` must be on or off"));

    // A local lake, likewise.
    let out = env
        .cmd()
        .env("OURA_DASHBOARD_IN_LAKE", "on")
        .args(["sync", "2026-11-23", "--days", "30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let local = std::fs::read_to_string(env.lake().join("_dashboard/index.html")).unwrap();
    assert_eq!(without_footer(&local), without_footer(&here));
}
