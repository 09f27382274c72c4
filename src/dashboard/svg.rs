//! SVG charts drawn by hand: a [`Frame`] (one slot per day of the window, or per week), a
//! [`Scale`] with round ticks, and the chart kinds the dashboard uses. Colours come from CSS
//! classes (`k1`…`k8` and a few named ones) that the page defines for light and dark themes.
//!
//! Every mark carries `data-day` and `data-value` (what a test or a script reads back) and a
//! `<title>` (the browser's tooltip, no script needed). A day without a value draws nothing:
//! lines break there and bars are missing, so a gap is never mistaken for a zero.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::ToSpan;
use jiff::civil::Date;

use crate::health::figures::{DayState, Series, WeekStats, WeekTotal};
use crate::window::Window;

/// The drawing's width in SVG units; the page scales it to the card.
pub const WIDTH: f64 = 520.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;

/// The horizontal layout: `slots` equal slots from `start`, one per `step_days` days.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    start: Date,
    slots: usize,
    step_days: i64,
    height: f64,
    left: f64,
    width: f64,
}

impl Frame {
    /// One slot per day of `window`.
    pub fn daily(window: Window, height: f64) -> Self {
        Self {
            start: window.start,
            slots: window.len_days() as usize,
            step_days: 1,
            height,
            left: LEFT,
            width: WIDTH,
        }
    }

    /// One slot per week (by Monday) from `first_monday` to `last_monday`.
    pub fn weekly(first_monday: Date, last_monday: Date, height: f64) -> Self {
        let weeks = (last_monday - first_monday).get_days() / 7 + 1;
        Self {
            start: first_monday,
            slots: weeks.max(1) as usize,
            step_days: 7,
            height,
            left: LEFT,
            width: WIDTH,
        }
    }

    /// The same frame drawn `width` units wide (a card across the page).
    pub fn with_width(mut self, width: f64) -> Self {
        self.width = width;
        self
    }

    /// The same frame with a wider left margin (for row labels).
    pub fn with_left(mut self, left: f64) -> Self {
        self.left = left;
        self
    }

    fn slot_width(&self) -> f64 {
        (self.width - self.left - RIGHT) / self.slots as f64
    }

    fn index(&self, day: Date) -> Option<usize> {
        let offset = i64::from((day - self.start).get_days());
        let index = offset.div_euclid(self.step_days);
        (offset >= 0 && (index as usize) < self.slots).then_some(index as usize)
    }

    /// The middle of `day`'s slot, if the frame holds it.
    fn x(&self, day: Date) -> Option<f64> {
        Some(self.left + (self.index(day)? as f64 + 0.5) * self.slot_width())
    }

    fn bottom(&self) -> f64 {
        self.height - BOTTOM
    }

    /// The first day of the last slot.
    fn last(&self) -> Date {
        self.start + ((self.slots as i64 - 1) * self.step_days).days()
    }

    fn days(&self) -> impl Iterator<Item = Date> + '_ {
        (0..self.slots as i64).map(|i| self.start + (i * self.step_days).days())
    }
}

/// The largest magnitude a chart places. Far beyond any measure Oura reports (steps,
/// calories, seconds of sleep), and small enough that a scale's span, a stack of bars or a
/// value in thousandths stays finite: a value past it (`1e308`) would turn coordinates into
/// `NaN` and flatten every other point, so it is left out of its chart and named in a note.
pub const DRAWABLE: f64 = 1e12;

/// True when `v` can be placed on a chart (see [`DRAWABLE`]).
pub fn drawable(v: f64) -> bool {
    v.is_finite() && v.abs() <= DRAWABLE
}

/// The note a chart carries when values were left out of it (nothing when none were).
fn skipped_note(frame: &Frame, skipped: usize) -> String {
    if skipped == 0 {
        return String::new();
    }
    let values = if skipped == 1 { "1 value" } else { "values" };
    format!(
        r#"<text class="axis skipped" x="{x:.1}" y="{y:.1}" text-anchor="end" data-skipped="{skipped}">{n} not drawn: out of range</text>"#,
        x = frame.width - RIGHT,
        y = TOP + 8.0,
        n = if skipped == 1 { values.to_string() } else { format!("{skipped} {values}") },
    )
}

/// A vertical scale and its round ticks.
#[derive(Clone, Debug)]
pub struct Scale {
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<f64>,
}

impl Scale {
    /// A scale with round ticks that holds every value (and 0 when `zero`) and spans at least
    /// `min_span` (so that 1 bpm of noise never fills a chart's height): a narrower range is
    /// widened evenly around its middle (never below zero when every value is at least zero).
    pub fn fit(values: impl IntoIterator<Item = f64>, zero: bool, min_span: f64) -> Self {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| drawable(*v)) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        let span = min_span.max(1e-9);
        if hi - lo < span {
            let (mid, non_negative) = ((lo + hi) / 2.0, lo >= 0.0);
            (lo, hi) = (mid - span / 2.0, mid + span / 2.0);
            if non_negative && lo < 0.0 {
                (lo, hi) = (0.0, span);
            }
        }
        let raw = (hi - lo) / 3.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * magnitude);
        let (min, max) = ((lo / step).floor() * step, (hi / step).ceil() * step);
        let ticks = (0..)
            .map(|i| min + f64::from(i) * step)
            .take_while(|t| *t <= max + step * 1e-6)
            .collect();
        Self { min, max, ticks }
    }

    /// A fixed scale.
    pub fn fixed(min: f64, max: f64, ticks: &[f64]) -> Self {
        Self { min, max, ticks: ticks.to_vec() }
    }

    fn y(&self, frame: &Frame, v: f64) -> f64 {
        self.y_between(frame.bottom(), TOP, v)
    }

    /// The height of `v` between `bottom` (the scale's minimum) and `top` (its maximum).
    pub fn y_between(&self, bottom: f64, top: f64, v: f64) -> f64 {
        let share = (v - self.min) / (self.max - self.min);
        bottom - share.clamp(0.0, 1.0) * (bottom - top)
    }
}

/// A number as a person writes it: no decimals when whole, else one.
pub fn num(v: f64) -> String {
    if (v - v.round()).abs() < 0.05 { format!("{:.0}", v.round()) } else { format!("{v:.1}") }
}

/// `08:30`-style clock text for hours after midnight (negative: before it).
pub fn clock(hours: f64) -> String {
    let minutes = (hours * 60.0).round() as i64;
    let minutes = minutes.rem_euclid(24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A value for a `data-value` attribute: at most three decimals, so that clock times and
/// hours read back as written (`-1.4`, not `-1.3999999999999986`).
pub fn data_value(v: f64) -> String {
    let rounded = (v * 1000.0).round() / 1000.0;
    format!("{}", rounded + 0.0)
}

/// Escapes text for HTML and SVG.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn day_label(day: Date) -> String {
    day.strftime("%a %-d %b").to_string()
}

/// A slot's name in a tooltip: its day, or `Week of` its Monday.
fn slot_label(frame: &Frame, day: Date) -> String {
    if frame.step_days == 7 {
        format!("Week of {}", day.strftime("%-d %b %Y"))
    } else {
        day_label(day)
    }
}

/// The opening tag, the grid with its value labels, and the day labels under it.
fn open(
    id: &str,
    label: &str,
    frame: &Frame,
    scale: Option<(&Scale, &dyn Fn(f64) -> String)>,
) -> String {
    let mut out = format!(
        r#"<svg class="chart" data-chart="{id}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">"#,
        w = frame.width,
        h = frame.height,
        label = escape(label),
    );
    if let Some((scale, text)) = scale {
        for tick in &scale.ticks {
            let y = scale.y(frame, *tick);
            let _ = write!(
                out,
                r#"<line class="grid" x1="{l}" x2="{r}" y1="{y:.1}" y2="{y:.1}"/><text class="axis" x="{tx}" y="{ty:.1}" text-anchor="end">{t}</text>"#,
                l = frame.left,
                r = frame.width - RIGHT,
                tx = frame.left - 6.0,
                ty = y + 3.5,
                t = escape(&text(*tick)),
            );
        }
    }
    for (x, text) in date_labels(frame) {
        let _ = write!(
            out,
            r#"<text class="axis" x="{x:.1}" y="{y:.1}" text-anchor="middle">{text}</text>"#,
            y = frame.height - 6.0,
        );
    }
    out
}

/// The dates written under a chart, few enough to read on a phone: Mondays over a month,
/// the 1st and 15th over four months, months (every other one over a year; January as its
/// year) up to 500 days, and only years over longer windows (every other one past six).
fn date_labels(frame: &Frame) -> Vec<(f64, String)> {
    let span = frame.slots as i64 * frame.step_days;
    // A slot holds the label of a date when the date falls in it (a week's slot holds
    // seven dates).
    let mut labels = Vec::new();
    for slot_start in frame.days() {
        let dates = (0..frame.step_days).map(|i| slot_start + i.days());
        for day in dates {
            let text = if span <= 35 {
                (day.weekday() == jiff::civil::Weekday::Monday)
                    .then(|| day.strftime("%-d %b").to_string())
            } else if span <= 125 {
                (day.day() == 1 || day.day() == 15).then(|| day.strftime("%-d %b").to_string())
            } else if span <= 500 {
                // Every month up to eight months, every other one over a year.
                (day.day() == 1 && (span <= 250 || day.month() % 2 == 1)).then(|| {
                    if day.month() == 1 {
                        day.strftime("%Y").to_string()
                    } else {
                        day.strftime("%b").to_string()
                    }
                })
            } else {
                let every = if span <= 2200 { 1 } else { 2 };
                (day.day() == 1 && day.month() == 1 && day.year() % every == 0)
                    .then(|| day.strftime("%Y").to_string())
            };
            if let (Some(text), Some(x)) = (text, frame.x(slot_start)) {
                labels.push((x, text));
            }
        }
    }
    labels
}

/// A line of a line chart.
pub struct Line<'a> {
    pub name: &'a str,
    /// A colour class (`k1`…`k8`).
    pub class: &'a str,
    pub values: &'a Series,
    /// Drawn as a faint line under the values.
    pub baseline: Option<&'a Series>,
}

/// A path through `values` on the frame's days, broken wherever a day has no value.
fn path(frame: &Frame, scale: &Scale, values: &Series) -> String {
    let mut d = String::new();
    let mut previous: Option<Date> = None;
    for (day, v) in values.iter().filter(|(_, v)| drawable(**v)) {
        let Some(x) = frame.x(*day) else { continue };
        let joined = previous.is_some_and(|p| p.tomorrow().ok() == Some(*day));
        let _ = write!(d, "{}{x:.1} {:.1}", if joined { " L" } else { " M" }, scale.y(frame, *v));
        previous = Some(*day);
    }
    d.trim_start().to_string()
}

/// Values as dots joined by lines, each over its faint 30-day baseline.
pub fn line_chart(
    id: &str,
    label: &str,
    frame: Frame,
    scale: &Scale,
    lines: &[Line<'_>],
    text: &dyn Fn(f64) -> String,
) -> String {
    let mut out = open(id, label, &frame, Some((scale, text)));
    let mut skipped = 0;
    for line in lines {
        if let Some(baseline) = line.baseline {
            let _ = write!(
                out,
                r#"<path class="baseline {c}" d="{d}"/>"#,
                c = line.class,
                d = path(&frame, scale, baseline)
            );
        }
        let _ = write!(
            out,
            r#"<path class="line {c}" d="{d}"/>"#,
            c = line.class,
            d = path(&frame, scale, line.values)
        );
        let _ = write!(
            out,
            r#"<g class="dots {c}" data-series="{n}">"#,
            c = line.class,
            n = escape(line.name)
        );
        for (day, v) in line.values {
            let Some(x) = frame.x(*day) else { continue };
            if !drawable(*v) {
                skipped += 1;
                continue;
            }
            let base = line.baseline.and_then(|b| b.get(day)).filter(|b| drawable(**b));
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.4" data-day="{day}" data-value="{dv}"><title>{t}: {name} {val}{m}</title></circle>"#,
                y = scale.y(&frame, *v),
                dv = data_value(*v),
                t = slot_label(&frame, *day),
                name = escape(line.name),
                val = escape(&text(*v)),
                m = base.map(|b| format!(" (median {})", text(*b))).unwrap_or_default(),
            );
        }
        out.push_str("</g>");
    }
    out.push_str(&skipped_note(&frame, skipped));
    out.push_str("</svg>");
    out
}

/// One layer of a bar chart (several layers stack, first at the bottom).
pub struct Layer<'a> {
    pub name: &'a str,
    pub class: &'a str,
    pub values: &'a Series,
    /// A day whose value is not final yet (today's steps so far): drawn hollow, titled so.
    pub partial: Option<Date>,
}

/// Bars per day, stacked in layer order, with an optional faint baseline of their total.
pub fn bar_chart(
    id: &str,
    label: &str,
    frame: Frame,
    scale: &Scale,
    layers: &[Layer<'_>],
    baseline: Option<&Series>,
    text: &dyn Fn(f64) -> String,
) -> String {
    let mut out = open(id, label, &frame, Some((scale, text)));
    let width = (frame.slot_width() * 0.72).max(1.0);
    let mut tops: BTreeMap<Date, f64> = BTreeMap::new();
    let mut skipped = 0;
    for layer in layers {
        let _ = write!(
            out,
            r#"<g class="bars {c}" data-series="{n}">"#,
            c = layer.class,
            n = escape(layer.name)
        );
        for (day, v) in layer.values {
            let Some(x) = frame.x(*day) else { continue };
            if !drawable(*v) {
                skipped += 1;
                continue;
            }
            let below = tops.get(day).copied().unwrap_or(scale.min.max(0.0));
            let (y0, y1) = (scale.y(&frame, below), scale.y(&frame, below + v));
            tops.insert(*day, below + v);
            let partial = layer.partial == Some(*day);
            let _ = write!(
                out,
                r#"<rect{c} x="{x:.1}" y="{y1:.1}" width="{width:.1}" height="{h:.1}" rx="1" data-day="{day}" data-value="{dv}"><title>{t}: {n} {val}{so_far}</title></rect>"#,
                c = if partial { r#" class="partial""# } else { "" },
                x = x - width / 2.0,
                h = (y0 - y1).max(0.0),
                dv = data_value(*v),
                t = slot_label(&frame, *day),
                n = escape(layer.name),
                val = escape(&text(*v)),
                so_far = if partial { " so far (the day is not over)" } else { "" },
            );
        }
        out.push_str("</g>");
    }
    if let Some(baseline) = baseline {
        let _ = write!(out, r#"<path class="baseline k0" d="{}"/>"#, path(&frame, scale, baseline));
    }
    out.push_str(&skipped_note(&frame, skipped));
    out.push_str("</svg>");
    out
}

/// One day of a range chart: a bar from `low` to `high`, a dot at `mid`.
pub struct Range {
    pub day: Date,
    pub low: f64,
    pub high: f64,
    pub mid: Option<f64>,
}

/// A bar per day from low to high (min to max heart rate; bedtime to wake-up), with a dot at
/// the middle value and an optional faint baseline of it. With `downward`, the scale runs
/// top to bottom (clock times: evening at the top).
#[allow(clippy::too_many_arguments)]
pub fn range_chart(
    id: &str,
    label: &str,
    frame: Frame,
    scale: &Scale,
    class: &str,
    ranges: &[Range],
    baseline: Option<&Series>,
    text: &dyn Fn(f64) -> String,
    downward: bool,
) -> String {
    let flipped =
        Scale { min: -scale.max, max: -scale.min, ticks: scale.ticks.iter().map(|t| -t).collect() };
    let (scale, value): (&Scale, &dyn Fn(f64) -> f64) =
        if downward { (&flipped, &|v| -v) } else { (scale, &|v| v) };
    let shown = |v: f64| text(value(v));
    let mut out = open(id, label, &frame, Some((scale, &shown)));
    let width = (frame.slot_width() * 0.5).max(1.0);
    let _ = write!(out, r#"<g class="ranges {class}">"#);
    let mut skipped = 0;
    for r in ranges {
        let Some(x) = frame.x(r.day) else { continue };
        if !drawable(r.low) || !drawable(r.high) || r.mid.is_some_and(|m| !drawable(m)) {
            skipped += 1;
            continue;
        }
        let (a, b) = (scale.y(&frame, value(r.low)), scale.y(&frame, value(r.high)));
        let mid = r.mid.map(|m| format!(", {}", text(m))).unwrap_or_default();
        let _ = write!(
            out,
            r#"<rect x="{x0:.1}" y="{y:.1}" width="{width:.1}" height="{h:.1}" rx="{rx:.1}" data-day="{day}" data-value="{lo}-{hi}"><title>{t}: {l} to {hh}{mid}</title></rect>"#,
            x0 = x - width / 2.0,
            y = a.min(b),
            h = (a - b).abs().max(1.0),
            rx = width / 2.0,
            day = r.day,
            lo = data_value(r.low),
            hi = data_value(r.high),
            t = slot_label(&frame, r.day),
            l = escape(&text(r.low)),
            hh = escape(&text(r.high)),
        );
        if let Some(m) = r.mid {
            let _ = write!(
                out,
                r#"<circle class="mid" cx="{x:.1}" cy="{y:.1}" r="2.2" data-day="{day}" data-value="{dv}"/>"#,
                y = scale.y(&frame, value(m)),
                dv = data_value(m),
                day = r.day,
            );
        }
    }
    out.push_str("</g>");
    if let Some(baseline) = baseline {
        let flipped_baseline: Series;
        let shown_baseline = if downward {
            flipped_baseline = baseline.iter().map(|(d, v)| (*d, -v)).collect();
            &flipped_baseline
        } else {
            baseline
        };
        let _ = write!(
            out,
            r#"<path class="baseline {class}" d="{}"/>"#,
            path(&frame, scale, shown_baseline)
        );
    }
    out.push_str(&skipped_note(&frame, skipped));
    out.push_str("</svg>");
    out
}

/// Weekly medians as dots joined by a line over a band from each week's first to third
/// quartile (`weeks` keyed by Monday; a week without a value breaks the line and the band).
pub fn band_chart(
    id: &str,
    label: &str,
    frame: Frame,
    scale: &Scale,
    lines: &[(&str, &str, &BTreeMap<Date, WeekStats>)],
    text: &dyn Fn(f64) -> String,
) -> String {
    let mut out = open(id, label, &frame, Some((scale, text)));
    let mut skipped = 0;
    let placed = |s: &WeekStats| drawable(s.low) && drawable(s.high) && drawable(s.median);
    for (name, class, weeks) in lines {
        // The band, one closed shape per run of consecutive weeks.
        let mut runs: Vec<Vec<(f64, &WeekStats)>> = Vec::new();
        let mut previous: Option<Date> = None;
        for (monday, stats) in *weeks {
            let Some(x) = frame.x(*monday) else { continue };
            if !placed(stats) {
                skipped += 1;
                continue;
            }
            let joined = previous.is_some_and(|p| p + 7.days() == *monday);
            match runs.last_mut() {
                Some(run) if joined => run.push((x, stats)),
                _ => runs.push(vec![(x, stats)]),
            }
            previous = Some(*monday);
        }
        let mut band = String::new();
        let mut line = String::new();
        for run in &runs {
            let half = frame.slot_width() * 0.35;
            let (first, last) = (run[0].0, run[run.len() - 1].0);
            let top = run.iter().map(|(x, s)| (*x, scale.y(&frame, s.high)));
            let bottom = run.iter().rev().map(|(x, s)| (*x, scale.y(&frame, s.low)));
            let mut points: Vec<(f64, f64)> = Vec::new();
            // A lone week is a short bar, not an invisible sliver.
            let (pad_left, pad_right) = if run.len() == 1 { (half, half) } else { (0.0, 0.0) };
            for (i, (x, y)) in top.enumerate() {
                let x = if i == 0 { x - pad_left } else { x };
                points.push((x, y));
            }
            points.push((last + pad_right, scale.y(&frame, run[run.len() - 1].1.high)));
            for (x, y) in bottom {
                points.push((x, y));
            }
            points.push((first - pad_left, scale.y(&frame, run[0].1.low)));
            let _ = write!(band, "M{:.1} {:.1}", points[0].0, points[0].1);
            for (x, y) in &points[1..] {
                let _ = write!(band, " L{x:.1} {y:.1}");
            }
            band.push('Z');
            for (i, (x, s)) in run.iter().enumerate() {
                let _ = write!(
                    line,
                    "{}{x:.1} {:.1}",
                    if i == 0 { " M" } else { " L" },
                    scale.y(&frame, s.median)
                );
            }
        }
        let _ = write!(out, r#"<path class="band {class}" d="{band}"/>"#);
        let _ = write!(out, r#"<path class="line {class}" d="{}"/>"#, line.trim_start());
        let _ = write!(out, r#"<g class="dots {class}" data-series="{n}">"#, n = escape(name));
        for (monday, stats) in weeks.iter().filter(|(_, s)| placed(s)) {
            let Some(x) = frame.x(*monday) else { continue };
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="1.8" data-day="{monday}" data-value="{dv}"><title>Week of {t}: median {m} (middle half {lo} to {hi}; {days} days)</title></circle>"#,
                y = scale.y(&frame, stats.median),
                dv = data_value(stats.median),
                t = monday.strftime("%-d %b %Y"),
                m = escape(&text(stats.median)),
                lo = escape(&text(stats.low)),
                hi = escape(&text(stats.high)),
                days = stats.days,
            );
        }
        out.push_str("</g>");
    }
    out.push_str(&skipped_note(&frame, skipped));
    out.push_str("</svg>");
    out
}

/// Rest-mode periods (first and last day) as shaded stretches, and tags (day, name) as
/// small marks along the top, for [`with_layer`] to put under a chart's values.
pub fn marks(frame: &Frame, rest: &[(Date, Date)], tags: &[(Date, String)]) -> String {
    let mut out = String::new();
    let half = frame.slot_width() / 2.0;
    for (start, end) in rest {
        let first = (*start).max(frame.start);
        let (Some(x0), Some(x1)) =
            (frame.x(first), frame.x(*end).or_else(|| frame.x(frame.last())))
        else {
            continue;
        };
        let _ = write!(
            out,
            r#"<rect class="rest" x="{x:.1}" y="{TOP}" width="{w:.1}" height="{h:.1}" data-day="{start}" data-end="{end}"><title>Rest mode: {a} – {b}</title></rect>"#,
            x = x0 - half,
            w = (x1 - x0 + 2.0 * half).max(1.0),
            h = frame.bottom() - TOP,
            a = day_label(*start),
            b = day_label(*end),
        );
    }
    let mut by_slot: BTreeMap<usize, (Date, Vec<&str>)> = BTreeMap::new();
    for (day, name) in tags {
        if let Some(i) = frame.index(*day) {
            by_slot.entry(i).or_insert((*day, Vec::new())).1.push(name);
        }
    }
    for (day, names) in by_slot.values() {
        let Some(x) = frame.x(*day) else { continue };
        let _ = write!(
            out,
            r#"<path class="tag" d="M{a:.1} {t:.1} L{b:.1} {t:.1} L{x:.1} {y:.1}Z" data-day="{day}" data-value="{v}"><title>{d}: {v}</title></path>"#,
            a = x - 3.5,
            b = x + 3.5,
            t = TOP - 6.0,
            y = TOP + 1.0,
            v = escape(&names.join(", ")),
            d = day_label(*day),
        );
    }
    out
}

/// `chart` with `layer` drawn first (under its grid and values).
pub fn with_layer(chart: String, layer: &str) -> String {
    if layer.is_empty() {
        return chart;
    }
    match chart.find('>') {
        Some(end) => format!("{}{layer}{}", &chart[..=end], &chart[end + 1..]),
        None => chart,
    }
}

/// Rows of 0-100 values as shaded cells, one column per day (the readiness and sleep
/// contributors).
pub fn heatmap(
    id: &str,
    label: &str,
    frame: Frame,
    class: &str,
    rows: &[(String, &Series)],
) -> String {
    // Taller rows at a card's width, which a phone shrinks (their labels stay apart).
    let row_height = if frame.width <= WIDTH { 19.0 } else { 14.0 };
    let frame = Frame { height: rows.len() as f64 * row_height + TOP + BOTTOM, ..frame };
    let mut out = open(id, label, &frame, None);
    let width = frame.slot_width();
    let mut skipped = 0;
    for (i, (name, values)) in rows.iter().enumerate() {
        let y = TOP + i as f64 * row_height;
        let _ = write!(
            out,
            r#"<text class="axis" x="{x:.1}" y="{ty:.1}" text-anchor="end">{n}</text><g class="cells {class}" data-series="{n}">"#,
            x = frame.left - 6.0,
            ty = y + row_height * 0.7,
            n = escape(name),
        );
        for (day, v) in *values {
            let Some(x) = frame.x(*day) else { continue };
            if !drawable(*v) {
                skipped += 1;
                continue;
            }
            let _ = write!(
                out,
                r#"<rect x="{x0:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill-opacity="{o:.2}" data-day="{day}" data-value="{dv}"><title>{t}: {val}</title></rect>"#,
                x0 = x - width / 2.0 + 0.5,
                w = (width - 1.0).max(0.5),
                h = row_height - 2.0,
                o = 0.12 + 0.88 * (v / 100.0).clamp(0.0, 1.0),
                dv = data_value(*v),
                t = slot_label(&frame, *day),
                val = num(*v),
            );
        }
        out.push_str("</g>");
    }
    out.push_str(&skipped_note(&frame, skipped));
    out.push_str("</svg>");
    out
}

/// The completeness calendar: a row per type, a bar per run of days in the same state,
/// coloured by what the ledger knows of them (`data-day` is a run's first day, `data-end` its
/// last), so that a hole shows as a break in the bar.
pub fn calendar(id: &str, frame: Frame, rows: &[(&str, Vec<(Date, DayState)>)]) -> String {
    let row_height = if frame.width <= WIDTH { 19.0 } else { 15.0 };
    let frame = Frame { height: rows.len() as f64 * row_height + TOP + BOTTOM, ..frame };
    let mut out = open(id, "Completeness of the lake per type and day", &frame, None);
    let width = frame.slot_width();
    for (i, (name, days)) in rows.iter().enumerate() {
        let y = TOP + i as f64 * row_height;
        let _ = write!(
            out,
            r#"<text class="axis" x="{x:.1}" y="{ty:.1}" text-anchor="end">{n}</text><g data-series="{n}">"#,
            x = frame.left - 6.0,
            ty = y + row_height * 0.68,
            n = escape(name),
        );
        let mut runs: Vec<(Date, Date, DayState)> = Vec::new();
        for (day, state) in days {
            match runs.last_mut() {
                Some(run) if run.2 == *state && run.1.tomorrow().ok() == Some(*day) => run.1 = *day,
                _ => runs.push((*day, *day, *state)),
            }
        }
        for (first, last, state) in runs {
            let (Some(x0), Some(x1)) = (frame.x(first), frame.x(last)) else { continue };
            let (class, what) = match state {
                DayState::Records => ("st-records", "synced, with records"),
                DayState::Empty => ("st-empty", "synced, empty"),
                DayState::Failed => ("st-failed", "failed"),
                DayState::NeverSynced => ("st-never", "never synced"),
            };
            let days = i64::from((last - first).get_days()) + 1;
            let _ = write!(
                out,
                r#"<rect class="{class}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="2" data-day="{first}" data-end="{last}" data-value="{state}"><title>{n}: {span}: {what}</title></rect>"#,
                x = x0 - width / 2.0 + 0.6,
                w = (x1 - x0 + width - 1.2).max(0.5),
                h = row_height - 4.0,
                state = state_name(state),
                n = escape(name),
                span = if days == 1 {
                    day_label(first)
                } else {
                    format!("{} – {} ({days} days)", day_label(first), day_label(last))
                },
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// The state's name as the page and the JSON of the calendar write it.
fn state_name(state: DayState) -> &'static str {
    match state {
        DayState::Records => "records",
        DayState::Empty => "empty",
        DayState::Failed => "failed",
        DayState::NeverSynced => "never_synced",
    }
}

/// Weekly stacked bars of minutes per kind (workouts by activity, sessions by type); `kinds`
/// gives each kind's colour class, in stacking order.
pub fn weekly_chart(
    id: &str,
    label: &str,
    frame: Frame,
    weeks: &BTreeMap<Date, BTreeMap<String, WeekTotal>>,
    kinds: &[(String, String)],
) -> String {
    let placed = |t: &&WeekTotal| drawable(t.minutes) && drawable(t.calories);
    let totals = weeks.values().map(|w| w.values().filter(placed).map(|t| t.minutes).sum::<f64>());
    let scale = Scale::fit(totals, true, 60.0);
    let mut skipped = 0;
    let mut out = open(id, label, &frame, Some((&scale, &|v| format!("{} min", num(v)))));
    let width = (frame.slot_width() * 0.6).max(1.0);
    for (monday, kinds_of_week) in weeks {
        let Some(x) = frame.x(*monday) else { continue };
        let mut below = 0.0;
        for (kind, class) in kinds {
            let Some(total) = kinds_of_week.get(kind) else { continue };
            if !placed(&total) {
                skipped += 1;
                continue;
            }
            let (y0, y1) = (scale.y(&frame, below), scale.y(&frame, below + total.minutes));
            below += total.minutes;
            let _ = write!(
                out,
                r#"<rect class="{class}" x="{x0:.1}" y="{y1:.1}" width="{width:.1}" height="{h:.1}" rx="1.5" data-day="{monday}" data-series="{k}" data-value="{m}"><title>Week of {t}: {k} ×{c}, {mm} min, {cal} kcal</title></rect>"#,
                x0 = x - width / 2.0,
                h = (y0 - y1).max(0.0),
                k = escape(kind),
                m = num(total.minutes),
                t = day_label(*monday),
                c = total.count,
                mm = num(total.minutes),
                cal = num(total.calories),
            );
        }
    }
    out.push_str(&skipped_note(&frame, skipped));
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    /// A value no chart can place (1e308, infinity) is left out of the scale, the line and
    /// the dots, and the chart says how many were; every coordinate stays a number.
    #[test]
    fn a_value_too_large_to_draw_is_left_out_and_noted() {
        let end = date(2026, 11, 23);
        let frame = Frame::daily(Window::ending_on(end, 30), 120.0);
        let values: Series = (0..30)
            .map(|i| (end - i.days(), if i == 3 { 1e308 } else { 80.0 + i as f64 }))
            .collect();
        let scale = Scale::fit(values.values().copied(), false, 10.0);
        assert!(scale.max < 200.0, "{scale:?}");
        let line = Line { name: "x", class: "k1", values: &values, baseline: Some(&values) };
        let chart = line_chart("r", "R", frame, &scale, &[line], &|v| num(v));
        assert!(!chart.contains("NaN") && !chart.contains("inf"), "{chart}");
        assert_eq!(chart.matches("<circle").count(), 29);
        assert!(chart.contains(r#"data-skipped="1">1 value not drawn: out of range<"#), "{chart}");
        let layer = Layer { name: "x", class: "k1", values: &values, partial: None };
        let bars = bar_chart("b", "B", frame, &scale, &[layer], None, &|v| num(v));
        assert!(!bars.contains("NaN") && bars.contains(r#"data-skipped="1""#), "{bars}");
        assert!(!line_chart("r", "R", frame, &scale, &[], &|v| num(v)).contains("skipped"));
    }

    #[test]
    fn scales_have_round_ticks_that_hold_every_value() {
        let s = Scale::fit([61.0, 88.0], false, 1.0);
        assert_eq!((s.min, s.max), (60.0, 90.0));
        assert_eq!(s.ticks, [60.0, 70.0, 80.0, 90.0]);
        let s = Scale::fit([3200.0, 14_100.0], true, 1.0);
        assert_eq!((s.min, s.max), (0.0, 15_000.0));
        let flat = Scale::fit([5.0, 5.0], false, 1.0);
        assert!(flat.min < 5.0 && flat.max > 5.0);
    }

    /// A range narrower than the metric's minimum span is widened around its middle: a
    /// lowest heart rate of 45-46 bpm reads on a 6-bpm axis, not 45 / 45.5 / 46.
    #[test]
    fn a_narrow_range_gets_the_metrics_minimum_span() {
        let s = Scale::fit([45.0, 46.0], false, 6.0);
        assert!(s.max - s.min >= 6.0, "{s:?}");
        assert!(s.min <= 42.5 && s.max >= 48.5, "{s:?}");
        assert!(s.ticks.iter().all(|t| t.fract() == 0.0), "whole bpm ticks: {s:?}");
        // Near zero it stays at or above zero when every value is.
        let s = Scale::fit([0.2, 0.4], false, 4.0);
        assert_eq!(s.min, 0.0);
        // A wide range is left as it is.
        assert_eq!(Scale::fit([61.0, 88.0], false, 6.0).ticks, [60.0, 70.0, 80.0, 90.0]);
    }

    #[test]
    fn a_line_breaks_at_a_missing_day() {
        let window = Window::new(date(2026, 11, 1), date(2026, 11, 4));
        let frame = Frame::daily(window, 100.0);
        let scale = Scale::fixed(0.0, 10.0, &[0.0, 10.0]);
        let values: Series =
            [(date(2026, 11, 1), 0.0), (date(2026, 11, 2), 10.0), (date(2026, 11, 4), 5.0)].into();
        let d = path(&frame, &scale, &values);
        // Two segments: Nov 1-2 joined, Nov 4 alone after the gap of Nov 3.
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
    }

    #[test]
    fn numbers_clocks_and_text_are_written_for_people() {
        assert_eq!(num(82.0), "82");
        assert_eq!(num(7.25), "7.2");
        assert_eq!(clock(-0.5), "23:30");
        assert_eq!(clock(6.75), "06:45");
        assert_eq!(escape(r#"<a href="x">&"#), "&lt;a href=&quot;x&quot;&gt;&amp;");
    }
}
