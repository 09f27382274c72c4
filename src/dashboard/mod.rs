//! The dashboard: one self-contained HTML page of the health view over a window (the charts
//! are SVG drawn here, the style sheet is inline, nothing is loaded from anywhere), rendered
//! from [`HealthData`] and the completeness calendar by [`render`], a pure function.

pub mod lake;
pub mod night;
pub mod page;
pub mod svg;

use std::collections::BTreeMap;

use jiff::civil::Date;

use jiff::ToSpan;

use crate::health::briefing::{energy_or_stale, hours_minutes, signed};
use crate::health::data::{HealthData, RESILIENCE_LEVELS};
use crate::health::figures::{
    DayState, HeartRateDay, Series, WeekTotal, baseline, rolling_baseline, week_start, weekly_stats,
};
use crate::window::Window;
use page::{Tile, Tone, card, section, tile};
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
    /// Today in that zone: a window that ends today shows today's steps as partial.
    pub today: Date,
}

/// One type's row of the completeness calendar.
pub type CalendarRow = (&'static str, Vec<(Date, DayState)>);

const CHART_HEIGHT: f64 = 170.0;
/// The drawing width of a card across the page (the page is at most 1240 pixels wide).
const WIDE: f64 = 1160.0;
/// Windows longer than this many days are drawn by week: a median with a band.
pub const WEEKLY_AFTER_DAYS: i64 = 120;
/// The columns of a heat map on a phone: the last 30 days, or the last 26 weeks.
const PHONE_DAYS: i64 = 30;
const PHONE_WEEKS: i64 = 26;
/// The most days a heat map or the calendar shows across the page (two years of weeks).
const HEATMAP_MAX_DAYS: i64 = 728;
/// The days of the completeness calendar on a phone.
const PHONE_CALENDAR_DAYS: i64 = 90;

/// How the page draws a window: by day, or by week over a long one.
struct View<'a> {
    data: &'a HealthData,
    window: Window,
    weekly: bool,
    frame: Frame,
    /// The day whose activity is not over yet (today, when the window ends today).
    partial: Option<Date>,
    rest: Vec<(Date, Date)>,
    tags: Vec<(Date, String)>,
}

impl<'a> View<'a> {
    fn new(data: &'a HealthData, today: Date) -> Self {
        let window = data.window;
        let weekly = window.len_days() > WEEKLY_AFTER_DAYS;
        let frame = if weekly {
            Frame::weekly(week_start(window.start), week_start(window.end), CHART_HEIGHT)
        } else {
            Frame::daily(window, CHART_HEIGHT)
        };
        Self {
            data,
            window,
            weekly,
            frame,
            partial: (window.end == today).then_some(today),
            rest: data.rest.iter().map(|r| (r.start, r.end)).collect(),
            tags: data.tags.iter().map(|t| (t.day, t.name.clone())).collect(),
        }
    }

    fn shown(&self, s: &Series) -> Series {
        s.range(self.window.start..=self.window.end).map(|(d, v)| (*d, *v)).collect()
    }

    /// `s` without the partial day (so that a week's median is of whole days).
    fn whole_days(&self, s: &Series) -> Series {
        let mut s = s.clone();
        if let Some(day) = self.partial {
            s.remove(&day);
        }
        s
    }

    /// The rest-mode and tag marks of `frame`, and their legend entries (only those shown).
    fn marks(&self, frame: &Frame) -> (String, Vec<(&'static str, &'static str)>) {
        let rest: Vec<(Date, Date)> = self
            .rest
            .iter()
            .copied()
            .filter(|(a, b)| *b >= self.window.start && *a <= self.window.end)
            .collect();
        let tags: Vec<(Date, String)> =
            self.tags.iter().filter(|(d, _)| self.window.contains(*d)).cloned().collect();
        let mut legend = Vec::new();
        if !rest.is_empty() {
            legend.push(("rest", "rest mode"));
        }
        if !tags.is_empty() {
            legend.push(("tag", "tag"));
        }
        (svg::marks(frame, &rest, &tags), legend)
    }

    /// A weekly card: the median of each week's days with the band of their middle half,
    /// the scale from zero or not, of at least `min_span`, with the marks or not.
    #[allow(clippy::too_many_arguments)]
    fn weekly_card(
        &self,
        id: &str,
        title: &str,
        sub: &str,
        class: &str,
        s: &Series,
        (zero, min_span, marked): (bool, f64, bool),
        text: &dyn Fn(f64) -> String,
    ) -> Option<String> {
        let weeks = weekly_stats(&self.whole_days(s), self.window);
        if weeks.is_empty() {
            return None;
        }
        let scale =
            Scale::fit(weeks.values().flat_map(|w| [w.low, w.high, w.median]), zero, min_span);
        let chart = svg::band_chart(id, title, self.frame, &scale, &[(title, class, &weeks)], text);
        let band = format!("band {class}");
        let mut keys = vec![(class, "weekly median"), (band.as_str(), "middle half of the days")];
        let chart = if marked {
            let (marks, mut legend) = self.marks(&self.frame);
            keys.append(&mut legend);
            svg::with_layer(chart, &marks)
        } else {
            chart
        };
        Some(card(id, title, &format!("{sub}; by week"), &chart, &keys, false))
    }

    /// A line of daily values over its 30-day median (by week over a long window).
    #[allow(clippy::too_many_arguments)]
    fn line(
        &self,
        id: &str,
        title: &str,
        sub: &str,
        class: &str,
        s: &Series,
        min_span: f64,
        marked: bool,
        text: &dyn Fn(f64) -> String,
    ) -> Option<String> {
        if self.weekly {
            return self.weekly_card(id, title, sub, class, s, (false, min_span, marked), text);
        }
        let values = self.shown(s);
        if values.is_empty() {
            return None;
        }
        let base = rolling_baseline(s, self.window);
        let scale = Scale::fit(values.values().chain(base.values()).copied(), false, min_span);
        let chart = svg::line_chart(
            id,
            title,
            self.frame,
            &scale,
            &[Line { name: title, class, values: &values, baseline: Some(&base) }],
            text,
        );
        let base_key = format!("base {class}");
        let mut keys = vec![(class, "daily"), (base_key.as_str(), "30-day median")];
        let chart = if marked {
            let (marks, mut legend) = self.marks(&self.frame);
            keys.append(&mut legend);
            svg::with_layer(chart, &marks)
        } else {
            chart
        };
        Some(card(id, title, sub, &chart, &keys, false))
    }

    /// Daily bars over their 30-day median (by week over a long window); today's bar hollow
    /// while the day is not over.
    fn bars(
        &self,
        id: &str,
        title: &str,
        sub: &str,
        class: &str,
        s: &Series,
        text: &dyn Fn(f64) -> String,
    ) -> Option<String> {
        if self.weekly {
            return self.weekly_card(id, title, sub, class, s, (true, 1.0, true), text);
        }
        let values = self.shown(s);
        if values.is_empty() {
            return None;
        }
        let base = rolling_baseline(s, self.window);
        let scale = Scale::fit(values.values().chain(base.values()).copied(), true, 1.0);
        let chart = svg::bar_chart(
            id,
            title,
            self.frame,
            &scale,
            &[Layer { name: title, class, values: &values, partial: self.partial }],
            Some(&base),
            text,
        );
        let (marks, mut legend) = self.marks(&self.frame);
        let mut keys = vec![(class, "daily"), ("base k0", "30-day median")];
        if self.partial.is_some_and(|d| values.contains_key(&d)) {
            keys.push(("partial", "today so far"));
        }
        keys.append(&mut legend);
        Some(card(id, title, sub, &svg::with_layer(chart, &marks), &keys, false))
    }
}

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

/// The weeks of each series of `rows` as a series of their medians (by Monday).
fn weekly_medians(series: &Series, window: Window) -> Series {
    weekly_stats(series, window).into_iter().map(|(monday, w)| (monday, w.median)).collect()
}

/// A heat map of 0-100 contributors: across the page, the whole window (by week over a
/// long one); on a phone, the last 30 days (or 26 weeks), so that the cells stay readable.
fn contributors_card(
    view: &View<'_>,
    id: &str,
    title: &str,
    class: &str,
    contributors: &BTreeMap<String, Series>,
) -> Option<String> {
    let window = view.window;
    let rows: Vec<(String, Series)> = contributors
        .iter()
        .filter(|(_, s)| s.range(window.start..=window.end).next().is_some())
        .map(|(name, s)| {
            let values = if view.weekly { weekly_medians(s, window) } else { view.shown(s) };
            (label(name), values)
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let refs: Vec<(String, &Series)> = rows.iter().map(|(n, s)| (n.clone(), s)).collect();
    // Over more than two years, the last two: ten years of cells per row read as noise.
    let wide_frame = if window.len_days() > HEATMAP_MAX_DAYS {
        let last = week_start(window.end);
        Frame::weekly(last - (7 * (HEATMAP_MAX_DAYS / 7 - 1)).days(), last, CHART_HEIGHT)
    } else {
        view.frame
    };
    let wide = svg::heatmap(id, title, wide_frame.with_width(WIDE).with_left(150.0), class, &refs);
    let (phone_frame, phone_span) = if view.weekly {
        let last = week_start(window.end);
        let first = (last - (7 * (PHONE_WEEKS - 1)).days()).max(week_start(window.start));
        (Frame::weekly(first, last, CHART_HEIGHT), "the last 26 weeks")
    } else {
        let first = (window.end - (PHONE_DAYS - 1).days()).max(window.start);
        (Frame::daily(Window::new(first, window.end), CHART_HEIGHT), "the last 30 days")
    };
    let narrow =
        svg::heatmap(&format!("{id}-phone"), title, phone_frame.with_left(150.0), class, &refs);
    let chart =
        format!(r#"<div class="only-wide">{wide}</div><div class="only-narrow">{narrow}</div>"#);
    let sub = format!(
        "0-100 per {}; the stronger the colour, the better ({}on a narrow screen: {phone_span})",
        if view.weekly { "week (median of its days)" } else { "day" },
        if window.len_days() > HEATMAP_MAX_DAYS { "the last two years; " } else { "" },
    );
    Some(card(id, title, &sub, &chart, &[], true))
}

/// Hours of each stage per night, stacked (by week over a long window: each stage's median).
fn stages_card(view: &View<'_>) -> Option<String> {
    let data = view.data;
    let per_slot = |s: &Series| -> Series {
        if view.weekly { weekly_medians(s, view.window) } else { view.shown(s) }
    };
    let (deep, rem, light, awake) = (
        per_slot(&data.sleep_deep),
        per_slot(&data.sleep_rem),
        per_slot(&data.sleep_light),
        per_slot(&data.sleep_awake),
    );
    let total = per_slot(&data.sleep_total);
    if total.is_empty() && deep.is_empty() {
        return None;
    }
    let base =
        if view.weekly { Series::new() } else { rolling_baseline(&data.sleep_total, view.window) };
    let slots: Vec<Date> = deep.keys().chain(total.keys()).copied().collect();
    let stacked = slots
        .iter()
        .map(|d| [&deep, &rem, &light, &awake].iter().filter_map(|s| s.get(d)).sum::<f64>());
    let scale = Scale::fit(stacked.chain(total.values().copied()), true, 1.0);
    let layers = [
        Layer { name: "Deep", class: "deep", values: &deep, partial: None },
        Layer { name: "REM", class: "rem", values: &rem, partial: None },
        Layer { name: "Light", class: "light", values: &light, partial: None },
        Layer { name: "Awake", class: "awake", values: &awake, partial: None },
    ];
    let chart = svg::bar_chart(
        "sleep_stages",
        "Sleep stages",
        view.frame,
        &scale,
        &layers,
        (!view.weekly).then_some(&base),
        &|h| format!("{} h", num(h)),
    );
    let mut legend = vec![("deep", "deep"), ("rem", "REM"), ("light", "light"), ("awake", "awake")];
    if !view.weekly {
        legend.push(("base k0", "30-day median of total sleep"));
    }
    Some(card(
        "sleep_stages",
        "Sleep stages",
        if view.weekly {
            "hours of the main sleep (long_sleep): each stage's median night, by week"
        } else {
            "hours of the main sleep (long_sleep) per night"
        },
        &chart,
        &legend,
        false,
    ))
}

/// From going to bed to getting up, per night (by week: the median bedtime and wake-up).
fn bedtime_card(view: &View<'_>) -> Option<String> {
    let data = view.data;
    let (bedtime, wake) = if view.weekly {
        (weekly_medians(&data.bedtime, view.window), weekly_medians(&data.wake_time, view.window))
    } else {
        (view.shown(&data.bedtime), view.shown(&data.wake_time))
    };
    let ranges: Vec<Range> = bedtime
        .iter()
        .filter_map(|(d, start)| {
            Some(Range { day: *d, low: *start, high: *wake.get(d)?, mid: None })
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
        view.frame,
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
        if view.weekly {
            "main sleep, the week's median bedtime to its median wake-up (local time)"
        } else {
            "main sleep, from going to bed to getting up (local time)"
        },
        &chart,
        &[("k2", "in bed")],
        false,
    ))
}

/// The daytime heart rate per day: lowest to highest, dot at the median (by week: the
/// medians of those three), drawn across the page and, for a phone, at a card's width.
fn day_heart_rate_card(view: &View<'_>) -> Option<String> {
    let data = view.data;
    let window = view.window;
    let ranges: Vec<Range> = if view.weekly {
        let of = |f: fn(&HeartRateDay) -> f64| -> Series {
            let daily: Series = data.day_heart_rate.iter().map(|(d, hr)| (*d, f(hr))).collect();
            weekly_medians(&daily, window)
        };
        let (low, mid, high) = (of(|h| h.min), of(|h| h.median), of(|h| h.max));
        low.iter()
            .filter_map(|(d, l)| {
                Some(Range { day: *d, low: *l, high: *high.get(d)?, mid: mid.get(d).copied() })
            })
            .collect()
    } else {
        data.day_heart_rate
            .range(window.start..=window.end)
            .map(|(d, hr)| Range { day: *d, low: hr.min, high: hr.max, mid: Some(hr.median) })
            .collect()
    };
    if ranges.is_empty() {
        return None;
    }
    let base = if view.weekly {
        Series::new()
    } else {
        rolling_baseline(&data.day_heart_rate_median(), window)
    };
    let scale = Scale::fit(ranges.iter().flat_map(|r| [r.low, r.high]), false, 20.0);
    let draw = |id: &str, frame: Frame| {
        svg::range_chart(
            id,
            "Daytime heart rate",
            frame,
            &scale,
            "k3",
            &ranges,
            (!view.weekly).then_some(&base),
            &|v| format!("{} bpm", num(v)),
            false,
        )
    };
    let chart = format!(
        r#"<div class="only-wide">{}</div><div class="only-narrow">{}</div>"#,
        draw("day_hr", view.frame.with_width(WIDE)),
        draw("day_hr-phone", view.frame),
    );
    let mut legend = vec![("k3", "range and median")];
    if !view.weekly {
        legend.push(("base k3", "30-day median"));
    }
    Some(card(
        "day_hr",
        "Daytime heart rate",
        if view.weekly {
            "bpm: the week's median lowest to median highest, dot at the median of the daily \
             medians (samples taken asleep left out)"
        } else {
            "bpm per day: lowest to highest, dot at the median (samples taken asleep left out)"
        },
        &chart,
        &legend,
        true,
    ))
}

/// Hours of high stress and of high recovery per day (by week: their medians).
fn stress_card(view: &View<'_>) -> Option<String> {
    let data = view.data;
    let window = view.window;
    let per_slot = |s: &Series| -> Series {
        if view.weekly { weekly_medians(s, window) } else { view.shown(s) }
    };
    let (stress, recovery) = (per_slot(&data.stress_high), per_slot(&data.recovery_high));
    if stress.is_empty() && recovery.is_empty() {
        return None;
    }
    let (stress_base, recovery_base) = if view.weekly {
        (Series::new(), Series::new())
    } else {
        (rolling_baseline(&data.stress_high, window), rolling_baseline(&data.recovery_high, window))
    };
    let scale = Scale::fit(stress.values().chain(recovery.values()).copied(), true, 1.0);
    let chart = svg::line_chart(
        "stress",
        "Stress and recovery",
        view.frame,
        &scale,
        &[
            Line {
                name: "High stress",
                class: "k3",
                values: &stress,
                baseline: (!view.weekly).then_some(&stress_base),
            },
            Line {
                name: "High recovery",
                class: "k4",
                values: &recovery,
                baseline: (!view.weekly).then_some(&recovery_base),
            },
        ],
        &|h| format!("{} h", num(h)),
    );
    Some(card(
        "stress",
        "Stress and recovery",
        if view.weekly {
            "hours per day in high stress and in high recovery, the week's median"
        } else {
            "hours per day in high stress and in high recovery"
        },
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
