//! The health view's data: every daily series the dashboard and the briefing show, built from
//! the lake's records of a window (and the 30 days before it, which the baselines need).

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::figures::{
    self, BASELINE_DAYS, HeartRateDay, Series, WeekTotal, clock_hours, daily_heart_rate,
    main_sleep, minutes_between, stage_hours, weekly_totals,
};
use super::night::Night;
use super::reader::RecordReader;
use super::records::{
    DailyActivity, DailyCardiovascularAge, DailyResilience, DailyScore, DailySpo2, DailyStress,
    EnhancedTag, HeartRateSample, RestModePeriod, Session, SleepPeriod, Vo2Max, Workout,
};
use crate::datatype::DataType;
use crate::window::Window;

/// Oura's resilience levels, lowest first; a level's place (1..=5) is what the chart draws.
pub const RESILIENCE_LEVELS: [&str; 5] = ["limited", "adequate", "solid", "strong", "exceptional"];

/// The types the health view reads.
pub const HEALTH_TYPES: [DataType; 14] = [
    DataType::DailyReadiness,
    DataType::DailySleep,
    DataType::Sleep,
    DataType::Heartrate,
    DataType::DailyActivity,
    DataType::Workout,
    DataType::Session,
    DataType::DailySpo2,
    DataType::DailyStress,
    DataType::DailyResilience,
    DataType::DailyCardiovascularAge,
    DataType::Vo2Max,
    DataType::EnhancedTag,
    DataType::RestModePeriod,
];

/// A tag on the charts: its first day and its name.
#[derive(Clone, Debug, PartialEq)]
pub struct TagMark {
    pub day: Date,
    pub name: String,
}

/// A stretch of rest mode, first and last day (the last is the window's end while it lasts).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RestMark {
    pub start: Date,
    pub end: Date,
}

/// Every series of the health view. Daily series cover the window and the
/// [`BASELINE_DAYS`] days before it; weekly totals cover the window only.
#[derive(Clone, Debug)]
pub struct HealthData {
    /// The window shown.
    pub window: Window,
    pub readiness: Series,
    pub readiness_contributors: BTreeMap<String, Series>,
    /// °C from the body's baseline.
    pub temperature_deviation: Series,
    pub sleep_score: Series,
    pub sleep_contributors: BTreeMap<String, Series>,
    /// The main sleep (hours).
    pub sleep_total: Series,
    pub sleep_deep: Series,
    pub sleep_rem: Series,
    pub sleep_light: Series,
    pub sleep_awake: Series,
    /// Percent.
    pub sleep_efficiency: Series,
    /// Hours from midnight, negative before it (23:30 is -0.5).
    pub bedtime: Series,
    /// Hours after midnight.
    pub wake_time: Series,
    /// ms.
    pub average_hrv: Series,
    /// bpm.
    pub lowest_heart_rate: Series,
    /// Daytime heart rate (every sample but those taken asleep), per local day.
    pub day_heart_rate: BTreeMap<Date, HeartRateDay>,
    pub steps: Series,
    /// The activity score, 0-100.
    pub activity_score: Series,
    /// kcal.
    pub active_calories: Series,
    /// Tags in the window, by first day.
    pub tags: Vec<TagMark>,
    /// Rest-mode periods that touch the window.
    pub rest: Vec<RestMark>,
    /// The main sleep of the newest night in the window that has one.
    pub last_night: Option<Night>,
    /// Per week (by its Monday), per activity.
    pub workouts: BTreeMap<Date, BTreeMap<String, WeekTotal>>,
    /// Per week, per session type.
    pub sessions: BTreeMap<Date, BTreeMap<String, WeekTotal>>,
    /// Percent.
    pub spo2: Series,
    pub breathing_disturbance: Series,
    /// Hours of high stress and of high recovery.
    pub stress_high: Series,
    pub recovery_high: Series,
    /// 1..=5, see [`RESILIENCE_LEVELS`].
    pub resilience: Series,
    /// Years.
    pub vascular_age: Series,
    /// ml/kg/min.
    pub vo2_max: Series,
}

impl Default for HealthData {
    /// No data, for an empty window of one day (tests build on it).
    fn default() -> Self {
        let day = jiff::civil::date(2000, 1, 1);
        Self {
            window: Window::new(day, day),
            readiness: Series::new(),
            readiness_contributors: BTreeMap::new(),
            temperature_deviation: Series::new(),
            sleep_score: Series::new(),
            sleep_contributors: BTreeMap::new(),
            sleep_total: Series::new(),
            sleep_deep: Series::new(),
            sleep_rem: Series::new(),
            sleep_light: Series::new(),
            sleep_awake: Series::new(),
            sleep_efficiency: Series::new(),
            bedtime: Series::new(),
            wake_time: Series::new(),
            average_hrv: Series::new(),
            lowest_heart_rate: Series::new(),
            day_heart_rate: BTreeMap::new(),
            steps: Series::new(),
            activity_score: Series::new(),
            active_calories: Series::new(),
            tags: Vec::new(),
            rest: Vec::new(),
            last_night: None,
            workouts: BTreeMap::new(),
            sessions: BTreeMap::new(),
            spo2: Series::new(),
            breathing_disturbance: Series::new(),
            stress_high: Series::new(),
            recovery_high: Series::new(),
            resilience: Series::new(),
            vascular_age: Series::new(),
            vo2_max: Series::new(),
        }
    }
}

/// The records of each type the health view reads (each with the day it is filed under).
#[derive(Clone, Debug, Default)]
pub struct HealthRecords {
    pub readiness: Vec<DailyScore>,
    pub sleep_scores: Vec<DailyScore>,
    pub sleep: Vec<SleepPeriod>,
    pub heart_rate: Vec<HeartRateSample>,
    pub activity: Vec<DailyActivity>,
    pub workouts: Vec<Workout>,
    pub sessions: Vec<Session>,
    pub spo2: Vec<DailySpo2>,
    pub stress: Vec<DailyStress>,
    pub resilience: Vec<DailyResilience>,
    pub cardiovascular_age: Vec<DailyCardiovascularAge>,
    pub vo2_max: Vec<Vo2Max>,
    pub tags: Vec<EnhancedTag>,
    pub rest: Vec<RestModePeriod>,
}

/// The window of records needed to show `window`: it and the baseline days before it.
pub fn read_window(window: Window) -> Window {
    Window::new(window.start - BASELINE_DAYS.days(), window.end)
}

impl HealthRecords {
    /// Reads the records of the `wanted` types (the others stay empty) for
    /// [`read_window`]`(window)`.
    pub async fn read(
        reader: &impl RecordReader,
        window: Window,
        wanted: &[DataType],
    ) -> anyhow::Result<Self> {
        let span = read_window(window);
        async fn get<T: serde::de::DeserializeOwned>(
            reader: &impl RecordReader,
            wanted: &[DataType],
            data_type: DataType,
            span: Window,
        ) -> anyhow::Result<Vec<T>> {
            if !wanted.contains(&data_type) {
                return Ok(Vec::new());
            }
            Ok(reader.records(data_type, span).await?.into_iter().map(|(_, r)| r).collect())
        }
        let (readiness, sleep_scores, sleep, heart_rate, activity, workouts) = tokio::try_join!(
            get(reader, wanted, DataType::DailyReadiness, span),
            get(reader, wanted, DataType::DailySleep, span),
            get(reader, wanted, DataType::Sleep, span),
            get(reader, wanted, DataType::Heartrate, span),
            get(reader, wanted, DataType::DailyActivity, span),
            get(reader, wanted, DataType::Workout, span),
        )?;
        let (sessions, spo2, stress, resilience, cardiovascular_age, vo2_max) = tokio::try_join!(
            get(reader, wanted, DataType::Session, span),
            get(reader, wanted, DataType::DailySpo2, span),
            get(reader, wanted, DataType::DailyStress, span),
            get(reader, wanted, DataType::DailyResilience, span),
            get(reader, wanted, DataType::DailyCardiovascularAge, span),
            get(reader, wanted, DataType::Vo2Max, span),
        )?;
        let (tags, rest) = tokio::try_join!(
            get(reader, wanted, DataType::EnhancedTag, span),
            get(reader, wanted, DataType::RestModePeriod, span),
        )?;
        Ok(Self {
            readiness,
            sleep_scores,
            sleep,
            heart_rate,
            activity,
            workouts,
            sessions,
            spo2,
            stress,
            resilience,
            cardiovascular_age,
            vo2_max,
            tags,
            rest,
        })
    }
}

/// `(day, value)` pairs with a value, as a series (a later record of the same day wins).
fn series<T>(items: &[T], value: impl Fn(&T) -> Option<(Date, f64)>) -> Series {
    items.iter().filter_map(value).collect()
}

impl HealthData {
    /// The series of `records` for showing `window`, clock times and heart-rate days in `tz`.
    pub fn from_records(records: &HealthRecords, window: Window, tz: &TimeZone) -> Self {
        let span = read_window(window);
        let in_span = |day: &Date| span.contains(*day);
        let contributors = |scores: &[DailyScore]| {
            let mut by_name: BTreeMap<String, Series> = BTreeMap::new();
            for score in scores.iter().filter(|s| in_span(&s.day)) {
                for (name, value) in &score.contributors {
                    if let Some(value) = value {
                        by_name.entry(name.clone()).or_default().insert(score.day, *value);
                    }
                }
            }
            by_name
        };
        let mut nights: BTreeMap<Date, Vec<&SleepPeriod>> = BTreeMap::new();
        for period in records.sleep.iter().filter(|p| in_span(&p.day)) {
            nights.entry(period.day).or_default().push(period);
        }
        let main: BTreeMap<Date, &SleepPeriod> = nights
            .into_iter()
            .filter_map(|(day, periods)| Some((day, main_sleep(periods)?)))
            .collect();
        let night = |value: &dyn Fn(&SleepPeriod) -> Option<f64>| -> Series {
            main.iter().filter_map(|(day, p)| Some((*day, value(p)?))).collect()
        };
        let in_window = |day: Date| window.contains(day);
        let duration = |start: &Option<String>, end: &Option<String>| {
            minutes_between(start.as_deref()?, end.as_deref()?)
        };
        Self {
            window,
            readiness: series(&records.readiness, |r| Some((r.day, r.score?))),
            readiness_contributors: contributors(&records.readiness),
            temperature_deviation: series(&records.readiness, |r| {
                Some((r.day, r.temperature_deviation?))
            }),
            sleep_score: series(&records.sleep_scores, |r| Some((r.day, r.score?))),
            sleep_contributors: contributors(&records.sleep_scores),
            sleep_total: night(&|p| stage_hours(p).total),
            sleep_deep: night(&|p| stage_hours(p).deep),
            sleep_rem: night(&|p| stage_hours(p).rem),
            sleep_light: night(&|p| stage_hours(p).light),
            sleep_awake: night(&|p| stage_hours(p).awake),
            sleep_efficiency: night(&|p| p.efficiency),
            bedtime: night(&|p| clock_hours(p.bedtime_start.as_deref()?, tz, true)),
            wake_time: night(&|p| clock_hours(p.bedtime_end.as_deref()?, tz, false)),
            average_hrv: night(&|p| p.average_hrv),
            lowest_heart_rate: night(&|p| p.lowest_heart_rate),
            day_heart_rate: daily_heart_rate(
                records
                    .heart_rate
                    .iter()
                    .filter(|s| s.source.as_deref() != Some("sleep"))
                    .map(|s| (s.timestamp.as_str(), s.bpm)),
                tz,
            )
            .into_iter()
            .filter(|(day, _)| in_span(day))
            .collect(),
            steps: series(&records.activity, |r| Some((r.day, r.steps?))),
            activity_score: series(&records.activity, |r| Some((r.day, r.score?))),
            tags: records
                .tags
                .iter()
                .filter(|t| in_window(t.start_day))
                .map(|t| TagMark { day: t.start_day, name: tag_name(t) })
                .collect(),
            rest: records
                .rest
                .iter()
                .map(|r| RestMark {
                    start: r.start_day,
                    end: r.end_day.unwrap_or(window.end).max(r.start_day),
                })
                .filter(|r| r.end >= window.start && r.start <= window.end)
                .collect(),
            last_night: main
                .range(..=window.end)
                .rev()
                .take_while(|(day, _)| in_window(**day))
                .find_map(|(_, p)| Night::of(p, tz)),
            active_calories: series(&records.activity, |r| Some((r.day, r.active_calories?))),
            workouts: weekly_totals(records.workouts.iter().filter(|w| in_window(w.day)).map(
                |w| {
                    (
                        w.day,
                        w.activity.as_deref().unwrap_or("other"),
                        duration(&w.start_datetime, &w.end_datetime).unwrap_or(0.0),
                        w.calories.unwrap_or(0.0),
                    )
                },
            )),
            sessions: weekly_totals(records.sessions.iter().filter(|s| in_window(s.day)).map(
                |s| {
                    (
                        s.day,
                        s.kind.as_deref().unwrap_or("other"),
                        duration(&s.start_datetime, &s.end_datetime).unwrap_or(0.0),
                        0.0,
                    )
                },
            )),
            spo2: series(&records.spo2, |r| {
                Some((r.day, r.spo2_percentage.as_ref()?.average?)).filter(|(_, v)| *v > 0.0)
            }),
            breathing_disturbance: series(&records.spo2, |r| {
                Some((r.day, r.breathing_disturbance_index?))
            }),
            stress_high: series(&records.stress, |r| Some((r.day, r.stress_high? / 3600.0))),
            recovery_high: series(&records.stress, |r| Some((r.day, r.recovery_high? / 3600.0))),
            resilience: series(&records.resilience, |r| {
                let level = r.level.as_deref()?;
                let rank = RESILIENCE_LEVELS.iter().position(|l| *l == level)?;
                Some((r.day, rank as f64 + 1.0))
            }),
            vascular_age: series(&records.cardiovascular_age, |r| Some((r.day, r.vascular_age?))),
            vo2_max: series(&records.vo2_max, |r| Some((r.day, r.vo2_max?))),
        }
        .restricted_to(span)
    }

    /// Drops daily values outside `span` (records filed outside the read window).
    fn restricted_to(mut self, span: Window) -> Self {
        let keep = |s: &mut Series| s.retain(|day, _| span.contains(*day));
        for s in [
            &mut self.readiness,
            &mut self.temperature_deviation,
            &mut self.sleep_score,
            &mut self.steps,
            &mut self.activity_score,
            &mut self.active_calories,
            &mut self.spo2,
            &mut self.breathing_disturbance,
            &mut self.stress_high,
            &mut self.recovery_high,
            &mut self.resilience,
            &mut self.vascular_age,
            &mut self.vo2_max,
        ] {
            keep(s);
        }
        self
    }

    /// The daytime heart rate's daily median, as a series (for its baseline).
    pub fn day_heart_rate_median(&self) -> Series {
        self.day_heart_rate.iter().map(|(day, hr)| (*day, hr.median)).collect()
    }

    /// True if and only if no series has a value on a day of the window shown.
    pub fn is_empty_in_window(&self) -> bool {
        let window = self.window;
        let has = |s: &Series| s.keys().any(|d| window.contains(*d));
        ![
            &self.readiness,
            &self.sleep_score,
            &self.sleep_total,
            &self.steps,
            &self.active_calories,
            &self.spo2,
            &self.stress_high,
            &self.resilience,
            &self.vascular_age,
            &self.vo2_max,
            &self.day_heart_rate_median(),
        ]
        .into_iter()
        .any(has)
            && self.workouts.is_empty()
            && self.sessions.is_empty()
    }
}

/// A tag's name as a person reads it: the custom name, else the code without its
/// `tag_generic_` prefix (`tag_generic_late_meal` → `late meal`), with the comment after it.
fn tag_name(tag: &EnhancedTag) -> String {
    let code = tag.tag_type_code.as_deref().unwrap_or("tag");
    let name = match tag.custom_name.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(custom) => custom.trim().to_string(),
        None => {
            code.trim_start_matches("tag_generic_").trim_start_matches("tag_").replace('_', " ")
        }
    };
    match tag.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(comment) => format!("{name}: {comment}"),
        None => name,
    }
}

/// A series' value on `day` and its 30-day baseline (see [`figures::baseline`]).
pub fn value_and_baseline(series: &Series, day: Date) -> (Option<f64>, Option<f64>) {
    (series.get(&day).copied(), figures::baseline(series, day))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn score(day: Date, score: f64) -> DailyScore {
        DailyScore {
            day,
            score: Some(score),
            contributors: [("hrv_balance".to_string(), Some(70.0)), ("x".to_string(), None)].into(),
            temperature_deviation: Some(-0.2),
        }
    }

    #[test]
    fn series_come_from_the_records_of_the_read_window() {
        let window = Window::new(date(2026, 11, 1), date(2026, 11, 30));
        let records = HealthRecords {
            readiness: vec![score(date(2026, 11, 2), 81.0), score(date(2026, 9, 1), 50.0)],
            sleep: vec![SleepPeriod {
                day: date(2026, 11, 2),
                kind: Some("long_sleep".into()),
                bedtime_start: Some("2026-11-01T23:15:00+00:00".into()),
                bedtime_end: Some("2026-11-02T07:30:00+00:00".into()),
                total_sleep_duration: Some(27_000.0),
                efficiency: Some(91.0),
                average_hrv: Some(44.0),
                lowest_heart_rate: Some(51.0),
                ..Default::default()
            }],
            resilience: vec![DailyResilience {
                day: date(2026, 11, 3),
                level: Some("solid".into()),
            }],
            workouts: vec![Workout {
                day: date(2026, 11, 4),
                activity: Some("running".into()),
                calories: Some(350.0),
                start_datetime: Some("2026-11-04T07:00:00+00:00".into()),
                end_datetime: Some("2026-11-04T07:40:00+00:00".into()),
            }],
            ..Default::default()
        };
        let data = HealthData::from_records(&records, window, &TimeZone::UTC);
        // Sep 1 lies before the read window (Oct 2 on): left out.
        assert_eq!(data.readiness.len(), 1);
        assert_eq!(data.readiness_contributors["hrv_balance"][&date(2026, 11, 2)], 70.0);
        assert!(!data.readiness_contributors.contains_key("x"));
        assert_eq!(data.sleep_total[&date(2026, 11, 2)], 7.5);
        assert_eq!(data.bedtime[&date(2026, 11, 2)], -0.75);
        assert_eq!(data.wake_time[&date(2026, 11, 2)], 7.5);
        assert_eq!(data.lowest_heart_rate[&date(2026, 11, 2)], 51.0);
        assert_eq!(data.resilience[&date(2026, 11, 3)], 3.0);
        let week = &data.workouts[&date(2026, 11, 2)]["running"];
        assert_eq!((week.count, week.minutes, week.calories), (1, 40.0, 350.0));
        assert!(!data.is_empty_in_window());
        assert!(
            HealthData::from_records(&HealthRecords::default(), window, &TimeZone::UTC)
                .is_empty_in_window()
        );
    }
}
