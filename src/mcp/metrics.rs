//! The metrics of `daily_summary` and `compare`: their names (also the summary's field
//! names), units, the daily series each is read from, and the statistics of a period. Pure.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use crate::datatype::DataType;
use crate::health::data::HealthData;
use crate::health::figures::{Series, median};
use crate::window::Window;

macro_rules! metrics {
    ($($variant:ident => $name:literal, $unit:literal;)*) => {
        /// A daily metric of the summary.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Metric { $($variant),* }

        impl Metric {
            /// Every metric, in the summary's order.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant),*];

            /// The metric's name: the summary's field name.
            pub fn name(self) -> &'static str {
                match self { $(Metric::$variant => $name),* }
            }

            /// The unit of the metric's values.
            pub fn unit(self) -> &'static str {
                match self { $(Metric::$variant => $unit),* }
            }
        }
    };
}

metrics! {
    Readiness => "readiness", "score 0-100";
    SleepScore => "sleep_score", "score 0-100";
    TotalSleep => "total_sleep", "hours";
    DeepSleep => "deep_sleep", "hours";
    RemSleep => "rem_sleep", "hours";
    Efficiency => "efficiency", "percent";
    Hrv => "hrv", "ms";
    LowestHeartRate => "lowest_heart_rate", "bpm";
    TemperatureDeviation => "temperature_deviation", "°C from baseline";
    ActivityScore => "activity_score", "score 0-100";
    Steps => "steps", "steps";
    ActiveCalories => "active_calories", "kcal";
    StressHigh => "stress_high", "hours";
    RecoveryHigh => "recovery_high", "hours";
    Resilience => "resilience", "level 1 (limited) to 5 (exceptional)";
}

impl Metric {
    /// The metric named `name`, if any.
    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.iter().copied().find(|m| m.name() == name)
    }

    /// Every metric's name.
    pub fn names() -> Vec<&'static str> {
        Metric::ALL.iter().map(|m| m.name()).collect()
    }

    /// The type the metric is read from.
    pub fn data_type(self) -> DataType {
        match self {
            Metric::Readiness | Metric::TemperatureDeviation => DataType::DailyReadiness,
            Metric::SleepScore => DataType::DailySleep,
            Metric::TotalSleep
            | Metric::DeepSleep
            | Metric::RemSleep
            | Metric::Efficiency
            | Metric::Hrv
            | Metric::LowestHeartRate => DataType::Sleep,
            Metric::ActivityScore | Metric::Steps | Metric::ActiveCalories => {
                DataType::DailyActivity
            }
            Metric::StressHigh | Metric::RecoveryHigh => DataType::DailyStress,
            Metric::Resilience => DataType::DailyResilience,
        }
    }

    /// Each metric's unit, by name (the `units` of a result).
    pub fn units() -> BTreeMap<&'static str, &'static str> {
        Metric::ALL.iter().map(|m| (m.name(), m.unit())).collect()
    }
}

/// The daily series the summary is made of: the health view's, and the activity score
/// (which the health view does not read).
#[derive(Clone, Debug, Default)]
pub struct SummaryData {
    pub health: HealthData,
    pub activity_score: Series,
}

impl SummaryData {
    /// The series of `metric` (the main sleep of each night for the sleep metrics; the
    /// resilience level as its rank 1..=5).
    pub fn series(&self, metric: Metric) -> &Series {
        let h = &self.health;
        match metric {
            Metric::Readiness => &h.readiness,
            Metric::SleepScore => &h.sleep_score,
            Metric::TotalSleep => &h.sleep_total,
            Metric::DeepSleep => &h.sleep_deep,
            Metric::RemSleep => &h.sleep_rem,
            Metric::Efficiency => &h.sleep_efficiency,
            Metric::Hrv => &h.average_hrv,
            Metric::LowestHeartRate => &h.lowest_heart_rate,
            Metric::TemperatureDeviation => &h.temperature_deviation,
            Metric::ActivityScore => &self.activity_score,
            Metric::Steps => &h.steps,
            Metric::ActiveCalories => &h.active_calories,
            Metric::StressHigh => &h.stress_high,
            Metric::RecoveryHigh => &h.recovery_high,
            Metric::Resilience => &h.resilience,
        }
    }

    /// The value of `metric` on `day`, if any.
    pub fn value(&self, metric: Metric, day: Date) -> Option<f64> {
        self.series(metric).get(&day).copied()
    }
}

/// `value` rounded to three decimals (enough for hours to the second and every score).
pub fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// A metric over one period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodStats {
    pub from: String,
    pub to: String,
    /// Days of the period with a value (the others are gaps, never zeros).
    pub days_with_value: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The statistics of `series` over `period` (rounded to three decimals; computed unrounded).
pub fn period_stats(series: &Series, period: Window) -> (PeriodStats, Option<f64>, Option<f64>) {
    let values: Vec<f64> = series
        .range(period.start..=period.end)
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .collect();
    let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    let median = median(&values);
    let min = values.iter().copied().reduce(f64::min);
    let max = values.iter().copied().reduce(f64::max);
    let stats = PeriodStats {
        from: period.start.to_string(),
        to: period.end.to_string(),
        days_with_value: values.len(),
        mean: mean.map(round3),
        median: median.map(round3),
        min: min.map(round3),
        max: max.map(round3),
    };
    (stats, mean, median)
}

/// `compare`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub metric: &'static str,
    pub unit: &'static str,
    pub period_a: PeriodStats,
    pub period_b: PeriodStats,
    /// Period b minus period a.
    pub difference: Difference,
}

/// `b - a` of the means and of the medians; `null` when either period has no value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub mean: Option<f64>,
    pub median: Option<f64>,
}

/// Compares `metric` over period `a` of `data_a` and period `b` of `data_b`.
pub fn compare(
    metric: Metric,
    (data_a, a): (&SummaryData, Window),
    (data_b, b): (&SummaryData, Window),
) -> Comparison {
    let (period_a, mean_a, median_a) = period_stats(data_a.series(metric), a);
    let (period_b, mean_b, median_b) = period_stats(data_b.series(metric), b);
    let minus = |b: Option<f64>, a: Option<f64>| Some(round3(b? - a?));
    Comparison {
        metric: metric.name(),
        unit: metric.unit(),
        period_a,
        period_b,
        difference: Difference { mean: minus(mean_b, mean_a), median: minus(median_b, median_a) },
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    /// Names are unique and parse back; each metric reads its own series.
    #[test]
    fn metrics_are_named_once_and_read_their_series() {
        let mut names = Metric::names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Metric::ALL.len());
        for &m in Metric::ALL {
            assert_eq!(Metric::parse(m.name()), Some(m));
        }
        assert_eq!(Metric::parse("mood"), None);
        let day = date(2026, 11, 2);
        let mut data = SummaryData::default();
        data.health.average_hrv.insert(day, 44.0);
        data.activity_score.insert(day, 85.0);
        assert_eq!(data.value(Metric::Hrv, day), Some(44.0));
        assert_eq!(data.value(Metric::ActivityScore, day), Some(85.0));
        assert_eq!(data.value(Metric::Steps, day), None);
    }

    /// Mean, median, min and max over each period, gaps left out, and b minus a.
    #[test]
    fn a_comparison_is_b_minus_a() {
        let d = |n| date(2026, 11, n);
        let mut data = SummaryData::default();
        // Period a: 1, 2, 6 (a gap on the 3rd); period b: 10, 20.
        data.health.steps = [(d(1), 1.0), (d(2), 2.0), (d(4), 6.0), (d(10), 10.0), (d(11), 20.0)]
            .into_iter()
            .collect();
        let c = compare(
            Metric::Steps,
            (&data, Window::new(d(1), d(4))),
            (&data, Window::new(d(10), d(12))),
        );
        assert_eq!(c.period_a.days_with_value, 3);
        assert_eq!(c.period_a.mean, Some(3.0));
        assert_eq!(c.period_a.median, Some(2.0));
        assert_eq!((c.period_a.min, c.period_a.max), (Some(1.0), Some(6.0)));
        assert_eq!((c.period_b.mean, c.period_b.median), (Some(15.0), Some(15.0)));
        assert_eq!(c.difference, Difference { mean: Some(12.0), median: Some(13.0) });
        let empty = compare(
            Metric::Steps,
            (&data, Window::new(d(20), d(21))),
            (&data, Window::new(d(1), d(2))),
        );
        assert_eq!((empty.period_a.mean, empty.difference.mean), (None, None));
        assert_eq!(round3(7.254_166_6), 7.254);
    }
}
