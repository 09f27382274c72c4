//! The dashboard: one self-contained HTML page of the health view over a window (the charts
//! are SVG drawn here, the style sheet is inline, nothing is loaded from anywhere), rendered
//! from [`HealthData`] and the completeness calendar by [`render`], a pure function.

mod cards;
pub mod lake;
pub mod night;
pub mod page;
pub mod svg;
mod view;

use jiff::ToSpan;
use jiff::civil::Date;

use crate::health::briefing::{energy_or_stale, signed};
use crate::health::data::{HealthData, RESILIENCE_LEVELS};
use crate::health::figures::{DayState, Series, baseline};
use crate::window::Window;
use cards::{
    bedtime_card, contributors_card, day_heart_rate_card, stages_card, stress_card, weekly_card,
};
use page::{Tile, Tone, card, section, tile};
use svg::{Frame, escape, num};
pub use view::WEEKLY_AFTER_DAYS;
use view::{CHART_HEIGHT, HEATMAP_MAX_DAYS, PHONE_CALENDAR_DAYS, View, WIDE};

/// What the page says about where it came from.
#[derive(Clone, Debug)]
pub struct PageInfo {
    /// The IANA zone days and clock times are in.
    pub timezone: String,
    /// When the page was made, as local text.
    pub generated_at: String,
    /// The lake it was read from.
    pub source: String,
    /// Today in that zone: a window that ends today shows today's steps as partial.
    pub today: Date,
}

/// One type's row of the completeness calendar.
pub type CalendarRow = (&'static str, Vec<(Date, DayState)>);

/// The page.
pub fn render(data: &HealthData, calendar: &[CalendarRow], info: &PageInfo) -> String {
    let window = data.window;
    let view = View::new(data, info.today);
    let score = |v: f64| num(v);

    let end = window.end;
    let partial = view.partial;
    let tiles = [
        figure_tile("Readiness", "", &data.readiness, end, true, &score, &|d| signed(d, "")),
        figure_tile("Sleep score", "", &data.sleep_score, end, true, &score, &|d| signed(d, "")),
        figure_tile("Total sleep", "", &data.sleep_total, end, true, &short_duration, &|d| {
            signed(d * 60.0, " min")
        }),
        figure_tile("Average HRV", " ms", &data.average_hrv, end, true, &score, &|d| signed(d, "")),
        figure_tile(
            "Lowest heart rate",
            " bpm",
            &data.lowest_heart_rate,
            end,
            false,
            &score,
            &|d| signed(d, ""),
        ),
        figure_tile("Activity score", "", &data.activity_score, end, true, &score, &|d| {
            signed(d, "")
        })
        .partial_on(partial == Some(end)),
        figure_tile("Steps", "", &data.steps, end, true, &thousands, &|d| {
            let rounded = d.round();
            if rounded == 0.0 {
                "±0".to_string()
            } else {
                format!("{}{}", if rounded > 0.0 { "+" } else { "-" }, thousands(rounded.abs()))
            }
        })
        .partial_on(partial == Some(end)),
        figure_tile("Active calories", " kcal", &data.active_calories, end, true, &score, &|d| {
            signed(d, "")
        })
        .partial_on(partial == Some(end)),
    ];
    let (energy, stale) = energy_or_stale(data, &data.sleep_score, end);
    let verdict = page::verdict(energy.as_ref(), stale.as_ref(), end);

    let mut night = Vec::new();
    night.extend(data.last_night.as_ref().map(night::night_card));

    let mut readiness = Vec::new();
    readiness.extend(view.line(
        "readiness",
        "Readiness score",
        "score 0-100",
        "k1",
        &data.readiness,
        20.0,
        true,
        &score,
    ));
    readiness.extend(view.line(
        "temperature",
        "Temperature deviation",
        "°C from your baseline",
        "k5",
        &data.temperature_deviation,
        1.0,
        true,
        &|v| format!("{v:+.1}"),
    ));
    readiness.extend(contributors_card(
        &view,
        "readiness_contributors",
        "Readiness contributors",
        "k1",
        &data.readiness_contributors,
    ));

    let mut sleep = Vec::new();
    sleep.extend(view.line(
        "sleep_score",
        "Sleep score",
        "score 0-100",
        "k2",
        &data.sleep_score,
        20.0,
        true,
        &score,
    ));
    sleep.extend(stages_card(&view));
    sleep.extend(bedtime_card(&view));
    sleep.extend(view.line(
        "efficiency",
        "Sleep efficiency",
        "% of time in bed asleep",
        "k2",
        &data.sleep_efficiency,
        10.0,
        false,
        &|v| format!("{}%", num(v)),
    ));
    sleep.extend(contributors_card(
        &view,
        "sleep_contributors",
        "Sleep contributors",
        "k2",
        &data.sleep_contributors,
    ));

    let mut heart = Vec::new();
    heart.extend(view.line(
        "hrv",
        "Average HRV",
        "ms, during the main sleep",
        "k6",
        &data.average_hrv,
        10.0,
        true,
        &|v| format!("{} ms", num(v)),
    ));
    heart.extend(view.line(
        "lowest_hr",
        "Lowest heart rate",
        "bpm, during the main sleep",
        "k3",
        &data.lowest_heart_rate,
        6.0,
        true,
        &|v| format!("{} bpm", num(v)),
    ));
    heart.extend(day_heart_rate_card(&view));

    let mut activity = Vec::new();
    let activity_sub = if partial.is_some() {
        "score 0-100; today's is in the tile until the day is over"
    } else {
        "score 0-100"
    };
    activity.extend(view.line(
        "activity_score",
        "Activity score",
        activity_sub,
        "k4",
        &view.whole_days(&data.activity_score),
        20.0,
        true,
        &score,
    ));
    activity
        .extend(view.bars("steps", "Steps", "steps per day", "k4", &data.steps, &|v| thousands(v)));
    activity.extend(view.bars(
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
    body.extend(view.line(
        "spo2",
        "Blood oxygen (SpO2)",
        "% average during sleep",
        "k1",
        &data.spo2,
        4.0,
        false,
        &|v| format!("{}%", num(v)),
    ));
    body.extend(view.line(
        "bdi",
        "Breathing disturbance index",
        "disturbances per hour of sleep",
        "k8",
        &data.breathing_disturbance,
        5.0,
        false,
        &score,
    ));
    body.extend(stress_card(&view));
    body.extend(view.line(
        "resilience",
        "Resilience",
        "1 limited · 2 adequate · 3 solid · 4 strong · 5 exceptional",
        "k6",
        &data.resilience,
        4.0,
        false,
        &|v| {
            RESILIENCE_LEVELS
                .get((v.round() as usize).wrapping_sub(1))
                .filter(|_| (v - v.round()).abs() < 0.05)
                .map_or_else(|| num(v), |l| l.to_string())
        },
    ));
    body.extend(view.line(
        "vascular_age",
        "Cardiovascular age",
        "years",
        "k3",
        &data.vascular_age,
        4.0,
        false,
        &|v| format!("{} y", num(v)),
    ));
    body.extend(view.line(
        "vo2_max",
        "VO2 max",
        "ml/kg/min",
        "k4",
        &data.vo2_max,
        4.0,
        false,
        &score,
    ));

    // A phone shows the last 90 days of it (a day is a pixel or less beyond that), a desktop
    // at most the last two years (`oura-sync status` tells the whole lake).
    let last = |days: i64| Window::new((end - (days - 1).days()).max(window.start), end);
    let only = |part: Window| -> Vec<CalendarRow> {
        calendar
            .iter()
            .map(|(name, days)| {
                (*name, days.iter().copied().filter(|(d, _)| part.contains(*d)).collect())
            })
            .collect()
    };
    let (wide_window, phone_window) = (last(HEATMAP_MAX_DAYS), last(PHONE_CALENDAR_DAYS));
    let (wide_rows, phone_rows) = (only(wide_window), only(phone_window));
    let calendar_chart = format!(
        r#"<div class="only-wide">{}</div><div class="only-narrow">{}</div>"#,
        svg::calendar(
            "completeness",
            Frame::daily(wide_window, CHART_HEIGHT).with_width(WIDE).with_left(170.0),
            &wide_rows
        ),
        svg::calendar(
            "completeness-phone",
            Frame::daily(phone_window, CHART_HEIGHT).with_left(176.0),
            &phone_rows
        ),
    );
    let calendar_card = card(
        "completeness",
        "Completeness",
        &format!(
            "per type and day, from the ledger: is every day in the lake? ({}on a narrow \
             screen: the last 90 days)",
            if window.len_days() > HEATMAP_MAX_DAYS { "the last two years; " } else { "" }
        ),
        &calendar_chart,
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
    let how = if view.weekly {
        format!(
            "Over more than {WEEKLY_AFTER_DAYS} days each chart shows weeks: the dot and line are \
             the median of the week's days, the band their middle half (first to third \
             quartile), so that a year reads as a trend. A week without data is a gap."
        )
    } else {
        "Each dot is a day as Oura scored it; a missing dot is a day without data, never a zero. \
         The faint line is the median of the 30 days before each day (drawn once 5 of them have \
         a value), and each difference is from it."
            .to_string()
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark"><title>Oura health · {title}</title><style>{style}</style></head>
<body><main>
<header><h1>Oura health</h1><p>{title} · days and times in {tz}</p></header>
{verdict}<h2>{today}</h2><div class="tiles">{tiles}</div>
{night}{readiness}{sleep}{heart}{activity}{body}{completeness}
<footer>{how} The tiles compare the last day with the median of the 30 days before it. Days and clock times are in {tz}. Made by oura-sync on {generated} from {source}.</footer>
</main></body></html>
"#,
        title = escape(&title),
        style = page::STYLE,
        tz = escape(&info.timezone),
        today = escape(&end.strftime("%A %-d %B").to_string()),
        tiles = tiles.iter().map(tile).collect::<String>(),
        night = section("Last night", &night),
        readiness = section("Readiness", &readiness),
        sleep = section("Sleep", &sleep),
        heart = section("Heart", &heart),
        activity = section("Activity", &activity),
        body = section("Body", &body),
        completeness = section("Lake", &[calendar_card]),
        how = escape(&how),
        generated = escape(&info.generated_at),
        source = escape(&info.source),
    )
}

/// A tile of the latest day: its value (`text`) and its difference from the 30-day baseline
/// (`delta`, which writes no change as `±0`): green when it goes the good way, red when the
/// other, neutral when it shows no change.
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
    let shown_delta = value.zip(median).map(|(v, m)| {
        let shown = delta(v - m);
        let tone = if shown.starts_with('±') {
            Tone::Same
        } else if (v > m) == higher_is_better {
            Tone::Good
        } else {
            Tone::Bad
        };
        (shown, tone)
    });
    Tile {
        name,
        value: value.map(text),
        unit,
        delta: shown_delta,
        median: median.map(text),
        partial: false,
    }
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

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::health::figures::WeekTotal;
    use crate::window::Window;

    fn info() -> PageInfo {
        PageInfo {
            timezone: "Europe/Paris".into(),
            generated_at: "2026-11-23 09:00".into(),
            source: "./oura-lake".into(),
            today: date(2026, 12, 4),
        }
    }

    /// `days` days ending on Nov 23 with `value(i)` on the i-th day back (0 is Nov 23).
    fn days(n: i64, value: impl Fn(i64) -> f64) -> Series {
        (0..n).map(|i| (date(2026, 11, 23) - i.days(), value(i))).collect()
    }

    /// A difference that rounds to nothing is `±0` in neutral ink, never red or green; a
    /// real one is green the good way and red the other (a lower heart rate is good).
    #[test]
    fn no_change_is_neutral_and_the_good_way_is_green() {
        let end = date(2026, 11, 23);
        let flat = days(31, |_| 52.0);
        let t =
            figure_tile("Lowest heart rate", " bpm", &flat, end, false, &num, &|d| signed(d, ""));
        assert_eq!(t.delta, Some(("±0".to_string(), Tone::Same)));
        assert!(tile(&t).contains(r#"<b class="same">±0</b>"#));
        let lower = days(31, |i| if i == 0 { 50.0 } else { 52.0 });
        let t =
            figure_tile("Lowest heart rate", " bpm", &lower, end, false, &num, &|d| signed(d, ""));
        assert_eq!(t.delta, Some(("-2".to_string(), Tone::Good)));
        let t = figure_tile("Readiness", "", &lower, end, true, &num, &|d| signed(d, ""));
        assert_eq!(t.delta, Some(("-2".to_string(), Tone::Bad)));
        // 0.4 below the median rounds to ±0: neutral too.
        let near = days(31, |i| if i == 0 { 51.6 } else { 52.0 });
        let t = figure_tile("Readiness", "", &near, end, true, &num, &|d| signed(d, ""));
        assert_eq!(t.delta.unwrap().1, Tone::Same);
    }

    /// A page that ends today marks today's steps as so far, without a comparison, and draws
    /// today's bar hollow; a page that ends on an earlier day compares as usual.
    #[test]
    fn todays_steps_are_marked_partial() {
        let window = Window::new(date(2026, 10, 25), date(2026, 11, 23));
        let data =
            HealthData { window, steps: days(60, |i| 8000.0 + i as f64), ..Default::default() };
        let today = PageInfo { today: date(2026, 11, 23), ..info() };
        let html = render(&data, &[], &today);
        assert!(html.contains(r#"<div class="name">Steps (so far)</div>"#), "{html}");
        assert!(html.contains("so far today · a whole day's median is"));
        assert!(html.contains(r#"<rect class="partial""#));
        let html = render(&data, &[], &info());
        assert!(!html.contains("(so far)") && !html.contains(r#"class="partial""#));
    }

    /// Over more than 120 days the charts are by week (a dot per Monday over a band); up to
    /// 120 by day.
    #[test]
    fn a_long_window_is_drawn_by_week() {
        let end = date(2026, 11, 23);
        let page = |n: i64| {
            let window = Window::new(end - (n - 1).days(), end);
            let data = HealthData {
                window,
                readiness: days(400, |i| 70.0 + (i % 9) as f64),
                ..Default::default()
            };
            render(&data, &[], &info())
        };
        let daily = page(120);
        assert!(!daily.contains(r#"class="band"#) && daily.contains("30-day median"));
        let weekly = page(121);
        assert!(weekly.contains(r#"<path class="band k1""#));
        assert!(weekly.contains(r#"data-day="2026-11-23" data-value="70""#), "the last Monday");
        assert!(weekly.contains("by week") && weekly.contains("middle half"));
    }

    /// The top of the page gives the energy verdict of the last scored day, or the stale
    /// warning when that day is older than the day before the page's last day.
    #[test]
    fn the_top_has_the_energy_verdict_or_the_stale_warning() {
        let window = Window::new(date(2026, 11, 1), date(2026, 11, 23));
        let readiness = days(20, |_| 86.0);
        let sleep_score = days(20, |_| 82.0);
        let data = HealthData { window, readiness, sleep_score, ..Default::default() };
        let html = render(&data, &[], &info());
        assert!(
            html.contains(r#"data-verdict="high"><b>Energy: High</b><p>Readiness 86, sleep 82."#),
            "{html}"
        );
        let mut stale = data.clone();
        stale.readiness.retain(|d, _| *d <= date(2026, 11, 21));
        let html = render(&stale, &[], &info());
        assert!(html.contains(r#"data-verdict="stale""#) && html.contains("2 day(s) behind"));
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
        assert!(!html.contains(r#"data-chart="spo2""#) && !html.contains(">Sleep</h2>"));
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
