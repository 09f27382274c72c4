//! How the page draws its window: by day, or by week over a long one (a median and a band
//! per week), with today marked partial and the tags and rest-mode periods marked ([`View`]);
//! and the line and bar cards of one daily series each.

use jiff::civil::Date;

use super::page::card;
use super::svg::{self, Frame, Layer, Line, Scale};
use crate::health::data::HealthData;
use crate::health::figures::{Series, rolling_baseline, week_start, weekly_stats};
use crate::window::Window;

/// A chart's height, in SVG units.
pub(super) const CHART_HEIGHT: f64 = 170.0;
/// The drawing width of a card across the page (the page is at most 1240 pixels wide).
pub(super) const WIDE: f64 = 1160.0;
/// Windows longer than this many days are drawn by week: a median with a band.
pub const WEEKLY_AFTER_DAYS: i64 = 120;
/// The columns of a heat map on a phone: the last 30 days, or the last 26 weeks.
pub(super) const PHONE_DAYS: i64 = 30;
pub(super) const PHONE_WEEKS: i64 = 26;
/// The most days a heat map or the calendar shows across the page (two years of weeks).
pub(super) const HEATMAP_MAX_DAYS: i64 = 728;
/// The days of the completeness calendar on a phone.
pub(super) const PHONE_CALENDAR_DAYS: i64 = 90;

/// How the page draws a window: by day, or by week over a long one.
pub(super) struct View<'a> {
    pub(super) data: &'a HealthData,
    pub(super) window: Window,
    pub(super) weekly: bool,
    pub(super) frame: Frame,
    /// The day whose activity is not over yet (today, when the window ends today).
    pub(super) partial: Option<Date>,
    pub(super) rest: Vec<(Date, Date)>,
    pub(super) tags: Vec<(Date, String)>,
}

impl<'a> View<'a> {
    pub(super) fn new(data: &'a HealthData, today: Date) -> Self {
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

    pub(super) fn shown(&self, s: &Series) -> Series {
        s.range(self.window.start..=self.window.end).map(|(d, v)| (*d, *v)).collect()
    }

    /// `s` without the partial day (so that a week's median is of whole days).
    pub(super) fn whole_days(&self, s: &Series) -> Series {
        let mut s = s.clone();
        if let Some(day) = self.partial {
            s.remove(&day);
        }
        s
    }

    /// The rest-mode and tag marks of `frame`, and their legend entries (only those shown).
    pub(super) fn marks(&self, frame: &Frame) -> (String, Vec<(&'static str, &'static str)>) {
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
    pub(super) fn weekly_card(
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
    pub(super) fn line(
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
    pub(super) fn bars(
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
