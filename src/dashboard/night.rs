//! The "Last night" card: the hypnogram of the main sleep (stages over clock time), the
//! overnight heart rate and HRV under it on the same time axis, and the night's key figures.

use std::fmt::Write as _;

use jiff::ToSpan;

use super::page::card;
use super::svg::{Scale, WIDTH, data_value, escape, num};
use crate::health::night::{Night, Stage};

const LEFT: f64 = 46.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 8.0;
/// Rows of the hypnogram, top to bottom.
const ROWS: [Stage; 4] = [Stage::Awake, Stage::Rem, Stage::Light, Stage::Deep];

/// The x of `minutes` after going to bed, the night spanning the drawing's width.
fn x(night: &Night, minutes: f64) -> f64 {
    LEFT + (minutes / night.in_bed_minutes).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
}

/// The grid lines and clock labels of each whole hour in bed (every second hour when the
/// night is long, so that the labels stay apart on a phone), down to `bottom`.
fn hours(night: &Night, bottom: f64) -> String {
    let mut out = String::new();
    let first = night.bedtime.round(jiff::Unit::Hour).unwrap_or(night.bedtime);
    let first = if first < night.bedtime { first + 1.hour() } else { first };
    let every = if night.in_bed_minutes > 9.0 * 60.0 { 2 } else { 1 };
    let mut t = first;
    while t <= night.wake {
        let minutes = night.bedtime.duration_until(t).as_secs_f64() / 60.0;
        if t.hour() % every == 0 {
            let x = x(night, minutes);
            let _ = write!(
                out,
                r#"<line class="grid" x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{bottom:.1}"/>"#
            );
            // A label too near an edge would run into the value labels or off the chart.
            if x - LEFT >= 20.0 && WIDTH - RIGHT - x >= 20.0 {
                let _ = write!(
                    out,
                    r#"<text class="axis" x="{x:.1}" y="{y:.1}" text-anchor="middle">{h}</text>"#,
                    y = bottom + 15.0,
                    h = t.strftime("%H:%M"),
                );
            }
        }
        t += 1.hour();
    }
    out
}

/// The clock time `minutes` after going to bed.
fn clock_at(night: &Night, minutes: f64) -> String {
    let at = night.bedtime + ((minutes * 60.0).round() as i64).seconds();
    at.strftime("%H:%M").to_string()
}

/// The hypnogram: a bar per run of a stage, on its stage's row.
fn hypnogram(night: &Night) -> String {
    let row = 24.0;
    let bottom = TOP + row * ROWS.len() as f64;
    let height = bottom + 22.0;
    let mut out = format!(
        r#"<svg class="chart" data-chart="hypnogram" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="Sleep stages over the night">"#
    );
    out.push_str(&hours(night, bottom));
    for (i, stage) in ROWS.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text class="axis" x="{tx}" y="{ty:.1}" text-anchor="end">{n}</text>"#,
            tx = LEFT - 6.0,
            ty = TOP + row * i as f64 + row * 0.65,
            n = stage.name(),
        );
    }
    out.push_str(r#"<g class="stages">"#);
    for run in &night.stages {
        let i = ROWS.iter().position(|s| *s == run.stage).unwrap_or(0);
        let (x0, x1) = (x(night, run.start), x(night, run.end));
        let _ = write!(
            out,
            r#"<rect class="{c}" x="{x0:.1}" y="{y:.1}" width="{w:.2}" height="{h:.1}" data-stage="{s}" data-start="{start}" data-end="{end}"><title>{n} {from}–{to}</title></rect>"#,
            c = run.stage.class(),
            y = TOP + row * i as f64 + 2.0,
            w = (x1 - x0).max(0.5),
            h = row - 4.0,
            s = run.stage.class(),
            start = data_value(run.start),
            end = data_value(run.end),
            n = run.stage.name(),
            from = clock_at(night, run.start),
            to = clock_at(night, run.end),
        );
    }
    out.push_str("</g></svg>");
    out
}

/// A curve over the night (heart rate, HRV), on its own scale, on the hypnogram's time axis.
fn curve(
    night: &Night,
    id: &str,
    label: &str,
    class: &str,
    points: &[(f64, f64)],
    min_span: f64,
    unit: &str,
) -> String {
    let bottom = 100.0;
    let height = bottom + 22.0;
    let scale = Scale::fit(points.iter().map(|(_, v)| *v), false, min_span);
    let mut out = format!(
        r#"<svg class="chart" data-chart="{id}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{l}">"#,
        l = escape(label),
    );
    out.push_str(&hours(night, bottom));
    for tick in &scale.ticks {
        let y = scale.y_between(bottom, TOP, *tick);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{LEFT}" x2="{r}" y1="{y:.1}" y2="{y:.1}"/><text class="axis" x="{tx}" y="{ty:.1}" text-anchor="end">{t}</text>"#,
            r = WIDTH - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 3.5,
            t = num(*tick),
        );
    }
    // Broken where a sample is missing (more than one interval apart).
    let step = points.windows(2).map(|w| w[1].0 - w[0].0).fold(f64::INFINITY, f64::min);
    let mut d = String::new();
    let mut previous: Option<f64> = None;
    for (m, v) in points {
        let joined = previous.is_some_and(|p| m - p <= step * 1.5);
        let _ = write!(
            d,
            "{}{:.1} {:.1}",
            if joined { " L" } else { " M" },
            x(night, *m),
            scale.y_between(bottom, TOP, *v)
        );
        previous = Some(*m);
    }
    let _ = write!(out, r#"<path class="line {class}" d="{}"/>"#, d.trim_start());
    let _ = write!(out, r#"<g class="samples {class}" data-series="{}">"#, escape(label));
    for (m, v) in points {
        let _ = write!(
            out,
            r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="1.1" data-minute="{dm}" data-value="{dv}"><title>{at}: {val} {unit}</title></circle>"#,
            cx = x(night, *m),
            cy = scale.y_between(bottom, TOP, *v),
            dm = data_value(*m),
            dv = data_value(*v),
            at = clock_at(night, *m),
            val = num(*v),
        );
    }
    out.push_str("</g></svg>");
    out
}

/// `7h 05m` for minutes.
fn duration(minutes: f64) -> String {
    let m = minutes.round() as i64;
    format!("{}h {:02}m", m / 60, m % 60)
}

/// The night's key figures, as a list of name and value.
fn figures(night: &Night) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        ("Bedtime", night.bedtime.strftime("%H:%M").to_string()),
        ("Wake-up", night.wake.strftime("%H:%M").to_string()),
    ];
    let mut add = |name, value: Option<String>| {
        if let Some(v) = value {
            rows.push((name, v));
        }
    };
    add("Asleep", night.total_minutes.map(duration));
    add("Latency", night.latency_minutes.map(|m| format!("{} min", num(m))));
    add("Efficiency", night.efficiency.map(|e| format!("{}%", num(e))));
    add("Deep", night.deep_minutes.map(|m| format!("{} min", num(m.round()))));
    add("REM", night.rem_minutes.map(|m| format!("{} min", num(m.round()))));
    add("Light", night.light_minutes.map(|m| format!("{} min", num(m.round()))));
    add("Awake", night.awake_minutes.map(|m| format!("{} min", num(m.round()))));
    add("Lowest HR", night.lowest_heart_rate.map(|v| format!("{} bpm", num(v))));
    add("Average HRV", night.average_hrv.map(|v| format!("{} ms", num(v))));
    let items: String = rows
        .iter()
        .map(|(name, value)| {
            format!(
                r#"<div data-figure="{n}"><dt>{n}</dt><dd>{v}</dd></div>"#,
                n = name,
                v = escape(value)
            )
        })
        .collect();
    format!(r#"<dl class="figures">{items}</dl>"#)
}

/// The card: the figures beside (on a phone, above) the hypnogram and the curves.
pub fn night_card(night: &Night) -> String {
    let mut body = String::new();
    if !night.stages.is_empty() {
        body.push_str(&hypnogram(night));
    }
    if !night.heart_rate.is_empty() {
        body.push_str(r#"<div class="curve-name">Heart rate, bpm</div>"#);
        body.push_str(&curve(
            night,
            "night_hr",
            "Heart rate",
            "k3",
            &night.heart_rate,
            10.0,
            "bpm",
        ));
    }
    if !night.hrv.is_empty() {
        body.push_str(r#"<div class="curve-name">HRV, ms</div>"#);
        body.push_str(&curve(night, "night_hrv", "HRV", "k6", &night.hrv, 20.0, "ms"));
    }
    let body = format!(r#"<div class="night">{}<div>{body}</div></div>"#, figures(night));
    let legend: &[(&str, &str)] = if night.stages.is_empty() {
        &[]
    } else {
        &[("awake", "awake"), ("rem", "REM"), ("light", "light"), ("deep", "deep")]
    };
    card(
        "last_night",
        &format!("Last night · {}", night.day.strftime("%a %-d %b")),
        &format!(
            "the main sleep, {} to {} ({} in bed); stages every 5 minutes, heart rate and HRV \
             on the same clock",
            night.bedtime.strftime("%H:%M"),
            night.wake.strftime("%H:%M"),
            duration(night.in_bed_minutes)
        ),
        &body,
        legend,
        true,
    )
}
