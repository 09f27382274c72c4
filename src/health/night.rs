//! Last night in detail: the main sleep's stages over clock time (Oura's `sleep_phase_5_min`),
//! its heart-rate and HRV curves on the same time axis, and its key figures, as a [`Night`]
//! built from one `sleep` period by a pure function.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::Serialize;

use super::records::{Samples, SleepPeriod};

/// A sleep stage, as `sleep_phase_5_min` codes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Deep,
    Light,
    Rem,
    Awake,
}

impl Stage {
    /// `1` deep, `2` light, `3` REM, `4` awake (Oura's codes); anything else is unknown.
    pub fn from_code(c: char) -> Option<Self> {
        match c {
            '1' => Some(Self::Deep),
            '2' => Some(Self::Light),
            '3' => Some(Self::Rem),
            '4' => Some(Self::Awake),
            _ => None,
        }
    }

    /// The name a person reads.
    pub fn name(self) -> &'static str {
        match self {
            Self::Deep => "Deep",
            Self::Light => "Light",
            Self::Rem => "REM",
            Self::Awake => "Awake",
        }
    }

    /// The page's colour class.
    pub fn class(self) -> &'static str {
        match self {
            Self::Deep => "deep",
            Self::Light => "light",
            Self::Rem => "rem",
            Self::Awake => "awake",
        }
    }
}

/// A run of the same stage: from `start` to `end`, in minutes after going to bed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StageRun {
    pub start: f64,
    pub end: f64,
    pub stage: Stage,
}

/// The main sleep of one night.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Night {
    /// The day Oura files it under (the morning's).
    pub day: Date,
    /// Going to bed and getting up, as local clock times.
    pub bedtime: DateTime,
    pub wake: DateTime,
    /// Minutes from going to bed to getting up.
    pub in_bed_minutes: f64,
    /// The hypnogram, runs of equal stages in time order (empty without `sleep_phase_5_min`).
    pub stages: Vec<StageRun>,
    /// (minutes after going to bed, bpm); a minute without a sample is absent.
    pub heart_rate: Vec<(f64, f64)>,
    /// (minutes after going to bed, ms).
    pub hrv: Vec<(f64, f64)>,
    pub latency_minutes: Option<f64>,
    /// Percent.
    pub efficiency: Option<f64>,
    pub deep_minutes: Option<f64>,
    pub rem_minutes: Option<f64>,
    pub light_minutes: Option<f64>,
    pub awake_minutes: Option<f64>,
    pub total_minutes: Option<f64>,
    pub lowest_heart_rate: Option<f64>,
    pub average_hrv: Option<f64>,
}

/// The minutes of `sleep_phase_5_min`'s one character.
const PHASE_MINUTES: f64 = 5.0;

/// The runs of equal stages of a `sleep_phase_5_min` string (unknown characters end a run and
/// draw nothing).
pub fn hypnogram(phases: &str) -> Vec<StageRun> {
    let mut runs: Vec<StageRun> = Vec::new();
    for (i, c) in phases.chars().enumerate() {
        let start = i as f64 * PHASE_MINUTES;
        let Some(stage) = Stage::from_code(c) else { continue };
        match runs.last_mut() {
            Some(run) if run.stage == stage && run.end == start => run.end = start + PHASE_MINUTES,
            _ => runs.push(StageRun { start, end: start + PHASE_MINUTES, stage }),
        }
    }
    runs
}

/// The samples of `samples` as (minutes after `bedtime`, value), gaps left out.
fn curve(samples: Option<&Samples>, bedtime: Timestamp) -> Vec<(f64, f64)> {
    let Some(samples) = samples else { return Vec::new() };
    let (Some(interval), Some(first)) =
        (samples.interval, samples.timestamp.as_deref().and_then(|t| t.parse::<Timestamp>().ok()))
    else {
        return Vec::new();
    };
    let offset = bedtime.duration_until(first).as_secs_f64() / 60.0;
    samples
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((offset + i as f64 * interval / 60.0, (*v)?)))
        .filter(|(_, v)| v.is_finite() && *v > 0.0)
        .collect()
}

impl Night {
    /// The night of `period` in `tz`, or `None` without a readable bedtime and wake-up.
    pub fn of(period: &SleepPeriod, tz: &TimeZone) -> Option<Self> {
        let start: Timestamp = period.bedtime_start.as_deref()?.parse().ok()?;
        let end: Timestamp = period.bedtime_end.as_deref()?.parse().ok()?;
        let in_bed_minutes = start.duration_until(end).as_secs_f64() / 60.0;
        if in_bed_minutes <= 0.0 {
            return None;
        }
        let minutes = |s: Option<f64>| s.map(|s| s / 60.0);
        Some(Self {
            day: period.day,
            bedtime: tz.to_datetime(start),
            wake: tz.to_datetime(end),
            in_bed_minutes,
            stages: period.sleep_phase_5_min.as_deref().map(hypnogram).unwrap_or_default(),
            heart_rate: curve(period.heart_rate.as_ref(), start),
            hrv: curve(period.hrv.as_ref(), start),
            latency_minutes: minutes(period.latency),
            efficiency: period.efficiency,
            deep_minutes: minutes(period.deep_sleep_duration),
            rem_minutes: minutes(period.rem_sleep_duration),
            light_minutes: minutes(period.light_sleep_duration),
            awake_minutes: minutes(period.awake_time),
            total_minutes: minutes(period.total_sleep_duration),
            lowest_heart_rate: period.lowest_heart_rate,
            average_hrv: period.average_hrv,
        })
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    /// Equal stages next to each other make one run; an unknown code leaves a hole.
    #[test]
    fn the_hypnogram_merges_equal_stages() {
        let runs = hypnogram("4422x13");
        let got: Vec<(f64, f64, Stage)> = runs.iter().map(|r| (r.start, r.end, r.stage)).collect();
        assert_eq!(
            got,
            [
                (0.0, 10.0, Stage::Awake),
                (10.0, 20.0, Stage::Light),
                (25.0, 30.0, Stage::Deep),
                (30.0, 35.0, Stage::Rem),
            ]
        );
    }

    /// The curves are placed by their own first timestamp, in minutes after going to bed, in
    /// the zone's clock time, with `null` items left out.
    #[test]
    fn a_night_reads_its_curves_on_the_bedtime_axis() {
        let period = SleepPeriod {
            day: date(2026, 11, 23),
            kind: Some("long_sleep".into()),
            bedtime_start: Some("2026-11-22T22:30:00+00:00".into()),
            bedtime_end: Some("2026-11-23T06:30:00+00:00".into()),
            latency: Some(600.0),
            heart_rate: Some(Samples {
                interval: Some(300.0),
                items: vec![Some(60.0), None, Some(55.0)],
                timestamp: Some("2026-11-22T22:40:00+00:00".into()),
            }),
            sleep_phase_5_min: Some("4211".into()),
            ..Default::default()
        };
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let night = Night::of(&period, &tz).unwrap();
        assert_eq!(night.bedtime.to_string(), "2026-11-22T23:30:00");
        assert_eq!(night.in_bed_minutes, 480.0);
        assert_eq!(night.heart_rate, [(10.0, 60.0), (20.0, 55.0)]);
        assert!(night.hrv.is_empty());
        assert_eq!(night.latency_minutes, Some(10.0));
        assert_eq!(night.stages.len(), 3);
        let backwards = SleepPeriod { bedtime_end: period.bedtime_start.clone(), ..period };
        assert!(Night::of(&backwards, &tz).is_none());
    }
}
