//! The dashboard: one self-contained HTML page of the health view over a window (the charts
//! are SVG drawn here, the style sheet is inline, nothing is loaded from anywhere), rendered
//! from [`HealthData`] and the completeness calendar by [`render`], a pure function.

pub mod page;
pub mod svg;

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::health::briefing::hours_minutes;
use crate::health::data::{HealthData, RESILIENCE_LEVELS};
use crate::health::figures::{DayState, Series, WeekTotal, baseline, rolling_baseline};
use page::{Tile, card, section, tile};
use svg::{Frame, Layer, Line, Range, Scale, clock, escape, num};

/// What the page says about where it came from.
#[derive(Clone, Debug)]
pub struct PageInfo {
    /// The IANA zone days and clock times are in.
    pub timezone: String,
    /// When the page was made, as local text.
    pub generated_at: String,
    /// The lake it was read from.
    pub source: String,
}

/// One type's row of the completeness calendar.
pub type CalendarRow = (&'static str, Vec<(Date, DayState)>);

const CHART_HEIGHT: f64 = 170.0;
/// The drawing width of a card across the page (the page is at most 1240 pixels wide).
const WIDE: f64 = 1160.0;

/// The page.
pub fn render(data: &HealthData, calendar: &[CalendarRow], info: &PageInfo) -> String {
    let window = data.window;
    let frame = Frame::daily(window, CHART_HEIGHT);
    let shown = |s: &Series| -> Series {
        s.iter().filter(|(d, _)| window.contains(**d)).map(|(d, v)| (*d, *v)).collect()
    };
    // The window's values of a series and its 30-day baseline, with the scale that fits both
    // (from zero for bars); `None` when the window holds no value.
    let in_window = |s: &Series, from_zero: bool| -> Option<(Series, Series, Scale)> {
        let values = shown(s);
        if values.is_empty() {
            return None;
        }
        let base = rolling_baseline(s, window);
        let scale = Scale::fit(values.values().chain(base.values()).copied(), from_zero);
        Some((values, base, scale))
    };
    let line = |id: &str,
                title: &str,
                sub: &str,
                class: &str,
                s: &Series,
                text: &dyn Fn(f64) -> String| {
        let (values, base, scale) = in_window(s, false)?;
        let chart = svg::line_chart(
            id,
            title,
            frame,
            &scale,
            &[Line { name: title, class, values: &values, baseline: Some(&base) }],
            text,
        );
        Some(card(
            id,
            title,
            sub,
            &chart,
            &[(class, "daily"), (&format!("base {class}"), "30-day median")],
            false,
        ))
    };
    let bars = |id: &str,
                title: &str,
                sub: &str,
                class: &str,
                s: &Series,
                text: &dyn Fn(f64) -> String| {
        let (values, base, scale) = in_window(s, true)?;
        let chart = svg::bar_chart(
            id,
            title,
            frame,
            &scale,
            &[Layer { name: title, class, values: &values }],
            Some(&base),
            text,
        );
        Some(card(id, title, sub, &chart, &[(class, "daily"), ("base k0", "30-day median")], false))
    };
    let score = |v: f64| num(v);

    let end = window.end;
    let signed = |d: f64| format!("{d:+.0}");
    let tiles = [
        figure_tile("Readiness", "", &data.readiness, end, true, &score, &signed),
        figure_tile("Sleep score", "", &data.sleep_score, end, true, &score, &signed),
        figure_tile("Total sleep", "", &data.sleep_total, end, true, &short_duration, &|d| {
            format!("{:+.0} min", d * 60.0)
        }),
        figure_tile("Average HRV", " ms", &data.average_hrv, end, true, &score, &signed),
        figure_tile(
            "Lowest heart rate",
            " bpm",
            &data.lowest_heart_rate,
            end,
            false,
            &score,
            &signed,
        ),
        figure_tile("Steps", "", &data.steps, end, true, &thousands, &|d| {
            format!("{}{}", if d >= 0.0 { "+" } else { "-" }, thousands(d.abs()))
        }),
    ];

    let mut readiness = Vec::new();
    readiness.extend(line(
        "readiness",
        "Readiness score",
        "score 0-100",
        "k1",
        &data.readiness,
        &score,
    ));
    readiness.extend(line(
        "temperature",
        "Temperature deviation",
        "°C from your baseline",
        "k5",
        &data.temperature_deviation,
        &|v| format!("{v:+.1}"),
    ));
    readiness.extend(contributors_card(
        "readiness_contributors",
        "Readiness contributors",
        "k1",
        &data.readiness_contributors,
        frame,
        window,
    ));

    let mut sleep = Vec::new();
    sleep.extend(line(
        "sleep_score",
        "Sleep score",
        "score 0-100",
        "k2",
        &data.sleep_score,
        &score,
    ));
    sleep.extend(stages_card(data, frame));
    sleep.extend(bedtime_card(data, frame));
    sleep.extend(line(
        "efficiency",
        "Sleep efficiency",
        "% of time in bed asleep",
        "k2",
        &data.sleep_efficiency,
        &|v| format!("{}%", num(v)),
    ));
    sleep.extend(contributors_card(
        "sleep_contributors",
        "Sleep contributors",
        "k2",
        &data.sleep_contributors,
        frame,
        window,
    ));

    let mut heart = Vec::new();
    heart.extend(line(
        "hrv",
        "Average HRV",
        "ms, during the main sleep",
        "k6",
        &data.average_hrv,
        &|v| format!("{} ms", num(v)),
    ));
    heart.extend(line(
        "lowest_hr",
        "Lowest heart rate",
        "bpm, during the main sleep",
        "k3",
        &data.lowest_heart_rate,
        &|v| format!("{} bpm", num(v)),
    ));
    heart.extend(day_heart_rate_card(data, frame));

    let mut activity = Vec::new();
    activity.extend(bars("steps", "Steps", "steps per day", "k4", &data.steps, &|v| thousands(v)));
    activity.extend(bars(
        "active_calories",
        "Active calories",
        "kcal per day",
        "k5",
        &data.active_calories,
        &|v| format!("{} kcal", num(v)),
    ));
    activity.extend(weekly_card(
        "workouts",
        "Workouts",
        "minutes per week by activity",
        &data.workouts,
        data,
        true,
    ));
    activity.extend(weekly_card(
        "sessions",
        "Sessions",
        "minutes per week by type (meditation, breathing, …)",
        &data.sessions,
        data,
        false,
    ));

    let mut body = Vec::new();
    body.extend(line(
        "spo2",
        "Blood oxygen (SpO2)",
        "% average during sleep",
        "k1",
        &data.spo2,
        &|v| format!("{}%", num(v)),
    ));
    body.extend(line(
        "bdi",
        "Breathing disturbance index",
        "disturbances per hour of sleep",
        "k8",
        &data.breathing_disturbance,
        &score,
    ));
    body.extend(stress_card(data, frame));
    body.extend(line(
        "resilience",
        "Resilience",
        "1 limited · 2 adequate · 3 solid · 4 strong · 5 exceptional",
        "k6",
        &data.resilience,
        &|v| {
            RESILIENCE_LEVELS
                .get((v.round() as usize).wrapping_sub(1))
                .map_or_else(|| num(v), |l| l.to_string())
        },
    ));
    body.extend(line(
        "vascular_age",
        "Cardiovascular age",
        "years",
        "k3",
        &data.vascular_age,
        &|v| format!("{} y", num(v)),
    ));
    body.extend(line("vo2_max", "VO2 max", "ml/kg/min", "k4", &data.vo2_max, &score));

    let calendar_card = card(
        "completeness",
        "Completeness",
        "per type and day, from the ledger: is every day in the lake?",
        &svg::calendar(frame.with_width(WIDE).with_left(170.0), calendar),
        &[
            ("st-records", "synced, with records"),
            ("st-empty", "synced, empty"),
            ("st-failed", "failed"),
            ("st-never", "never synced"),
        ],
        true,
    );

    let title = format!(
        "{} days · {} – {}",
        window.len_days(),
        window.start.strftime("%-d %b %Y"),
        window.end.strftime("%-d %b %Y")
    );
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark"><title>Oura health · {title}</title><style>{style}</style></head>
<body><main>
<header><h1>Oura health</h1><p>{title} · days and times in {tz}</p></header>
<h2>{today}</h2><div class="tiles">{tiles}</div>
{readiness}{sleep}{heart}{activity}{body}{completeness}
<footer>Each dot is a day as Oura scored it; a missing dot is a day without data, never a zero. The faint line is the median of the 30 days before each day (drawn once 5 of them have a value), and each difference is from it. Days and clock times are in {tz}. Made by oura-sync on {generated} from {source}.</footer>
</main></body></html>
"#,
        title = escape(&title),
        style = page::STYLE,
        tz = escape(&info.timezone),
        today = escape(&end.strftime("%A %-d %B").to_string()),
        tiles = tiles.iter().map(tile).collect::<String>(),
        readiness = section("Readiness", &readiness),
        sleep = section("Sleep", &sleep),
        heart = section("Heart", &heart),
        activity = section("Activity", &activity),
        body = section("Body", &body),
        completeness = section("Lake", &[calendar_card]),
        generated = escape(&info.generated_at),
        source = escape(&info.source),
    )
}

/// A tile of the latest day: its value (`text`) and its difference from the 30-day baseline
/// (`delta`), green when it goes the good way.
fn figure_tile(
    name: &'static str,
    unit: &'static str,
    series: &Series,
    day: Date,
    higher_is_better: bool,
    text: &dyn Fn(f64) -> String,
    delta: &dyn Fn(f64) -> String,
) -> Tile {
    let value = series.get(&day).copied();
    let median = baseline(series, day);
    let shown_delta = value.zip(median).map(|(v, m)| (delta(v - m), (v >= m) == higher_is_better));
    Tile { name, value: value.map(text), unit, delta: shown_delta, median: median.map(text) }
}

/// `6h 43m` for 6.72 hours (a tile's short form).
fn short_duration(hours: f64) -> String {
    let minutes = (hours * 60.0).round() as i64;
    format!("{}h {:02}m", minutes / 60, minutes % 60)
}

/// 12,345.
fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `activity_balance` → `Activity balance`.
fn label(name: &str) -> String {
    let text = name.replace('_', " ").replace("hrv", "HRV").replace("rem ", "REM ");
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

fn contributors_card(
    id: &str,
    title: &str,
    class: &str,
    contributors: &BTreeMap<String, Series>,
    frame: Frame,
    window: crate::window::Window,
) -> Option<String> {
    let rows: Vec<(String, &Series)> = contributors
        .iter()
        .filter(|(_, s)| s.keys().any(|d| window.contains(*d)))
        .map(|(name, s)| (label(name), s))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let chart = svg::heatmap(id, title, frame.with_width(WIDE).with_left(150.0), class, &rows);
    Some(card(id, title, "0-100 per day; darker is better", &chart, &[], true))
}

fn stages_card(data: &HealthData, frame: Frame) -> Option<String> {
    let window = data.window;
    let shown = |s: &Series| -> Series {
        s.iter().filter(|(d, _)| window.contains(**d)).map(|(d, v)| (*d, *v)).collect()
    };
    let (deep, rem, light, awake) = (
        shown(&data.sleep_deep),
        shown(&data.sleep_rem),
        shown(&data.sleep_light),
        shown(&data.sleep_awake),
    );
    let total = shown(&data.sleep_total);
    if total.is_empty() && deep.is_empty() {
        return None;
    }
    let base = rolling_baseline(&data.sleep_total, window);
    let stacked = window
        .days()
        .map(|d| [&deep, &rem, &light, &awake].iter().filter_map(|s| s.get(&d)).sum::<f64>());
    let scale = Scale::fit(stacked.chain(total.values().copied()), true);
    let layers = [
        Layer { name: "Deep", class: "deep", values: &deep },
        Layer { name: "REM", class: "rem", values: &rem },
        Layer { name: "Light", class: "light", values: &light },
        Layer { name: "Awake", class: "awake", values: &awake },
    ];
    let chart =
        svg::bar_chart("sleep_stages", "Sleep stages", frame, &scale, &layers, Some(&base), &|h| {
            format!("{} h", num(h))
        });
    Some(card(
        "sleep_stages",
        "Sleep stages",
        "hours of the main sleep (long_sleep) per night",
        &chart,
        &[
            ("deep", "deep"),
            ("rem", "REM"),
            ("light", "light"),
            ("awake", "awake"),
            ("base k0", "30-day median of total sleep"),
        ],
        false,
    ))
}

fn bedtime_card(data: &HealthData, frame: Frame) -> Option<String> {
    let window = data.window;
    let ranges: Vec<Range> = data
        .bedtime
        .iter()
        .filter(|(d, _)| window.contains(**d))
        .filter_map(|(d, start)| {
            Some(Range { day: *d, low: *start, high: *data.wake_time.get(d)?, mid: None })
        })
        .collect();
    if ranges.is_empty() {
        return None;
    }
    let lo = ranges.iter().map(|r| r.low).fold(f64::INFINITY, f64::min).floor().min(-1.0);
    let hi = ranges.iter().map(|r| r.high).fold(f64::NEG_INFINITY, f64::max).ceil().max(8.0);
    let (lo, hi) = ((lo / 3.0).floor() * 3.0, (hi / 3.0).ceil() * 3.0);
    let ticks: Vec<f64> = (0..).map(|i| lo + 3.0 * f64::from(i)).take_while(|t| *t <= hi).collect();
    let scale = Scale::fixed(lo, hi, &ticks);
    let chart = svg::range_chart(
        "bedtime",
        "Bedtime and wake-up",
        frame,
        &scale,
        "k2",
        &ranges,
        None,
        &clock,
        true,
    );
    Some(card(
        "bedtime",
        "Bedtime and wake-up",
        "main sleep, from going to bed to getting up (local time)",
        &chart,
        &[("k2", "in bed")],
        false,
    ))
}

fn day_heart_rate_card(data: &HealthData, frame: Frame) -> Option<String> {
    let window = data.window;
    let ranges: Vec<Range> = data
        .day_heart_rate
        .iter()
        .filter(|(d, _)| window.contains(**d))
        .map(|(d, hr)| Range { day: *d, low: hr.min, high: hr.max, mid: Some(hr.median) })
        .collect();
    if ranges.is_empty() {
        return None;
    }
    let base = rolling_baseline(&data.day_heart_rate_median(), window);
    let scale = Scale::fit(ranges.iter().flat_map(|r| [r.low, r.high]), false);
    let chart = svg::range_chart(
        "day_hr",
        "Daytime heart rate",
        frame.with_width(WIDE),
        &scale,
        "k3",
        &ranges,
        Some(&base),
        &|v| format!("{} bpm", num(v)),
        false,
    );
    Some(card(
        "day_hr",
        "Daytime heart rate",
        "bpm per day: lowest to highest, dot at the median (samples taken asleep left out)",
        &chart,
        &[("k3", "range and median"), ("base k3", "30-day median")],
        true,
    ))
}

fn stress_card(data: &HealthData, frame: Frame) -> Option<String> {
    let window = data.window;
    let shown = |s: &Series| -> Series {
        s.iter().filter(|(d, _)| window.contains(**d)).map(|(d, v)| (*d, *v)).collect()
    };
    let (stress, recovery) = (shown(&data.stress_high), shown(&data.recovery_high));
    if stress.is_empty() && recovery.is_empty() {
        return None;
    }
    let (stress_base, recovery_base) = (
        rolling_baseline(&data.stress_high, window),
        rolling_baseline(&data.recovery_high, window),
    );
    let scale = Scale::fit(stress.values().chain(recovery.values()).copied(), true);
    let chart = svg::line_chart(
        "stress",
        "Stress and recovery",
        frame,
        &scale,
        &[
            Line {
                name: "High stress",
                class: "k3",
                values: &stress,
                baseline: Some(&stress_base),
            },
            Line {
                name: "High recovery",
                class: "k4",
                values: &recovery,
                baseline: Some(&recovery_base),
            },
        ],
        &|h| format!("{} h", num(h)),
    );
    Some(card(
        "stress",
        "Stress and recovery",
        "hours per day in high stress and in high recovery",
        &chart,
        &[("k3", "high stress"), ("k4", "high recovery")],
        false,
    ))
}

fn weekly_card(
    id: &str,
    title: &str,
    sub: &str,
    weeks: &BTreeMap<Date, BTreeMap<String, WeekTotal>>,
    data: &HealthData,
    calories: bool,
) -> Option<String> {
    if weeks.is_empty() {
        return None;
    }
    let mut totals: BTreeMap<&str, WeekTotal> = BTreeMap::new();
    for week in weeks.values() {
        for (kind, t) in week {
            let sum = totals.entry(kind.as_str()).or_default();
            sum.count += t.count;
            sum.minutes += t.minutes;
            sum.calories += t.calories;
        }
    }
    let mut kinds: Vec<(&str, WeekTotal)> = totals.into_iter().collect();
    kinds.sort_by(|a, b| b.1.minutes.total_cmp(&a.1.minutes).then(a.0.cmp(b.0)));
    let classes: Vec<(String, String)> = kinds
        .iter()
        .enumerate()
        .map(|(i, (kind, _))| (kind.to_string(), format!("k{}", [1, 4, 5, 2, 6, 7, 3, 8][i % 8])))
        .collect();
    let frame = Frame::weekly(
        crate::health::figures::week_start(data.window.start),
        crate::health::figures::week_start(data.window.end),
        CHART_HEIGHT,
    );
    let chart = svg::weekly_chart(id, title, frame, weeks, &classes);
    let names: Vec<String> = classes.iter().map(|(k, _)| label(k)).collect();
    let legend: Vec<(&str, &str)> =
        classes.iter().zip(&names).map(|((_, c), n)| (c.as_str(), n.as_str())).collect();
    let rows: String = kinds
        .iter()
        .map(|(kind, t)| {
            format!(
                r#"<tr data-kind="{k}"><td>{k}</td><td class="n">{c}</td><td class="n">{m}</td>{cal}</tr>"#,
                k = escape(&label(kind)),
                c = t.count,
                m = hours_minutes(t.minutes / 60.0),
                cal = if calories { format!(r#"<td class="n">{}</td>"#, thousands(t.calories)) } else { String::new() },
            )
        })
        .collect();
    let table = format!(
        r#"<table><tr><th>{what}</th><th class="n">times</th><th class="n">duration</th>{cal}</tr>{rows}</table>"#,
        what = if calories { "activity" } else { "type" },
        cal = if calories { r#"<th class="n">kcal</th>"# } else { "" },
    );
    let chart_and_table = format!("{chart}{table}");
    Some(card(id, title, sub, &chart_and_table, &legend, false))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::window::Window;

    fn info() -> PageInfo {
        PageInfo {
            timezone: "Europe/Paris".into(),
            generated_at: "2026-11-23 09:00".into(),
            source: "./oura-lake".into(),
        }
    }

    #[test]
    fn a_page_shows_only_the_cards_with_data_and_names_its_zone() {
        let window = Window::new(date(2026, 11, 1), date(2026, 11, 10));
        let data = HealthData {
            window,
            readiness: [(date(2026, 11, 2), 80.0), (date(2026, 11, 4), 70.0)].into(),
            ..Default::default()
        };
        let calendar = [("daily_readiness", vec![(date(2026, 11, 2), DayState::Records)])];
        let html = render(&data, &calendar, &info());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains(r#"data-chart="readiness""#));
        assert!(html.contains(r#"data-day="2026-11-04" data-value="70""#));
        // No data, no card: SpO2, sleep and the rest are left out.
        assert!(!html.contains(r#"data-chart="spo2""#) && !html.contains("<h2>Sleep</h2>"));
        assert!(html.contains(r#"data-chart="completeness""#));
        // The last day (Nov 10) has no score: its tile says so.
        assert!(html.contains(r#"data-tile="Readiness"><div class="name">Readiness</div><div class="value">not scored yet"#));
        assert!(html.contains("days and times in Europe/Paris"));
        assert!(!html.contains("http"));
    }

    #[test]
    fn text_from_the_lake_is_escaped() {
        let window = Window::new(date(2026, 11, 1), date(2026, 11, 1));
        let data = HealthData {
            window,
            workouts: [(
                date(2026, 10, 26),
                [(
                    "<script>x</script>".to_string(),
                    WeekTotal { count: 1, minutes: 30.0, calories: 200.0 },
                )]
                .into(),
            )]
            .into(),
            ..Default::default()
        };
        let html = render(&data, &[], &info());
        assert!(!html.contains("<script>"), "an activity name is text, never markup");
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn labels_and_thousands_read_well() {
        assert_eq!(label("activity_balance"), "Activity balance");
        assert_eq!(label("hrv_balance"), "HRV balance");
        assert_eq!(label("rem_sleep"), "REM sleep");
        assert_eq!(thousands(12_345.4), "12,345");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(-1234.0), "-1,234");
    }
}
