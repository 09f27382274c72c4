//! The cards drawn their own way: the contributors' heat maps, the sleep stages, bedtime to
//! wake-up, the daytime heart rate, stress and recovery, and the weekly workouts and sessions.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;

use super::page::card;
use super::svg::{self, Frame, Layer, Line, Range, Scale, clock, escape, num};
use super::view::{CHART_HEIGHT, HEATMAP_MAX_DAYS, PHONE_DAYS, PHONE_WEEKS, View, WIDE};
use super::{label, thousands};
use crate::health::briefing::hours_minutes;
use crate::health::data::HealthData;
use crate::health::figures::{
    HeartRateDay, Series, WeekTotal, rolling_baseline, week_start, weekly_stats,
};
use crate::window::Window;

/// The weeks of each series of `rows` as a series of their medians (by Monday).
pub(super) fn weekly_medians(series: &Series, window: Window) -> Series {
    weekly_stats(series, window).into_iter().map(|(monday, w)| (monday, w.median)).collect()
}

/// A heat map of 0-100 contributors: across the page, the whole window (by week over a
/// long one); on a phone, the last 30 days (or 26 weeks), so that the cells stay readable.
pub(super) fn contributors_card(
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
pub(super) fn stages_card(view: &View<'_>) -> Option<String> {
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
pub(super) fn bedtime_card(view: &View<'_>) -> Option<String> {
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
pub(super) fn day_heart_rate_card(view: &View<'_>) -> Option<String> {
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
pub(super) fn stress_card(view: &View<'_>) -> Option<String> {
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

pub(super) fn weekly_card(
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
