//! The fields of Oura's records that the health view reads, as typed structs.
//!
//! Only what a figure needs is named here; every other field is ignored, and every named
//! field is optional, since Oura leaves many of them out or `null` (a night without HRV, a
//! day the ring was off). A record these structs cannot read at all is skipped by the reader
//! with a warning, never a reason to show nothing.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Deserialize;

/// `daily_readiness` and `daily_sleep`: a score and its contributors.
#[derive(Clone, Debug, Deserialize)]
pub struct DailyScore {
    pub day: Date,
    pub score: Option<f64>,
    #[serde(default)]
    pub contributors: BTreeMap<String, Option<f64>>,
    /// `daily_readiness` only: °C from the body's baseline.
    pub temperature_deviation: Option<f64>,
}

/// One `sleep` period (a night, a nap, a rest).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SleepPeriod {
    pub day: Date,
    /// `long_sleep` for the main sleep; `sleep`, `late_nap`, `rest`, `deleted` otherwise.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub bedtime_start: Option<String>,
    pub bedtime_end: Option<String>,
    /// Seconds.
    pub total_sleep_duration: Option<f64>,
    pub deep_sleep_duration: Option<f64>,
    pub rem_sleep_duration: Option<f64>,
    pub light_sleep_duration: Option<f64>,
    pub awake_time: Option<f64>,
    /// Percent.
    pub efficiency: Option<f64>,
    /// Milliseconds.
    pub average_hrv: Option<f64>,
    /// Beats per minute.
    pub lowest_heart_rate: Option<f64>,
    /// Seconds from going to bed to falling asleep.
    pub latency: Option<f64>,
    /// Seconds in bed.
    pub time_in_bed: Option<f64>,
    /// One character per 5 minutes from `bedtime_start`: `1` deep, `2` light, `3` REM, `4`
    /// awake.
    pub sleep_phase_5_min: Option<String>,
    /// The night's heart rate (bpm), one item per `interval` seconds from `timestamp`.
    pub heart_rate: Option<Samples>,
    /// The night's HRV (ms), likewise.
    pub hrv: Option<Samples>,
}

/// Evenly spaced samples (`null` where the ring had none).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Samples {
    /// Seconds between items.
    pub interval: Option<f64>,
    #[serde(default)]
    pub items: Vec<Option<f64>>,
    /// The first item's time.
    pub timestamp: Option<String>,
}

/// One `heartrate` sample.
#[derive(Clone, Debug, Deserialize)]
pub struct HeartRateSample {
    pub bpm: f64,
    pub source: Option<String>,
    pub timestamp: String,
}

/// `daily_activity`.
#[derive(Clone, Debug, Deserialize)]
pub struct DailyActivity {
    pub day: Date,
    /// The activity score, 0-100.
    pub score: Option<f64>,
    pub steps: Option<f64>,
    /// kcal.
    pub active_calories: Option<f64>,
}

/// One `workout`.
#[derive(Clone, Debug, Deserialize)]
pub struct Workout {
    pub day: Date,
    pub activity: Option<String>,
    /// kcal.
    pub calories: Option<f64>,
    pub start_datetime: Option<String>,
    pub end_datetime: Option<String>,
}

/// One `session` (meditation, breathing, …).
#[derive(Clone, Debug, Deserialize)]
pub struct Session {
    pub day: Date,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub start_datetime: Option<String>,
    pub end_datetime: Option<String>,
}

/// `daily_spo2`.
#[derive(Clone, Debug, Deserialize)]
pub struct DailySpo2 {
    pub day: Date,
    pub spo2_percentage: Option<Spo2Percentage>,
    pub breathing_disturbance_index: Option<f64>,
}

/// The average blood oxygen of a night, in percent.
#[derive(Clone, Debug, Deserialize)]
pub struct Spo2Percentage {
    pub average: Option<f64>,
}

/// `daily_stress`.
#[derive(Clone, Debug, Deserialize)]
pub struct DailyStress {
    pub day: Date,
    /// Seconds of high stress.
    pub stress_high: Option<f64>,
    /// Seconds of high recovery.
    pub recovery_high: Option<f64>,
}

/// `daily_resilience`.
#[derive(Clone, Debug, Deserialize)]
pub struct DailyResilience {
    pub day: Date,
    /// `limited`, `adequate`, `solid`, `strong` or `exceptional`.
    pub level: Option<String>,
}

/// `daily_cardiovascular_age`.
#[derive(Clone, Debug, Deserialize)]
pub struct DailyCardiovascularAge {
    pub day: Date,
    /// Years.
    pub vascular_age: Option<f64>,
}

/// `vo2_max`.
#[derive(Clone, Debug, Deserialize)]
pub struct Vo2Max {
    pub day: Date,
    /// ml/kg/min.
    pub vo2_max: Option<f64>,
}

/// `enhanced_tag`: a tag the user put on a day or a stretch of time.
#[derive(Clone, Debug, Deserialize)]
pub struct EnhancedTag {
    pub start_day: Date,
    pub end_day: Option<Date>,
    /// `tag_generic_coffee`, `tag_generic_alcohol`, … or `custom`.
    pub tag_type_code: Option<String>,
    /// The name of a custom tag.
    pub custom_name: Option<String>,
    pub comment: Option<String>,
}

/// `rest_mode_period`: days the user put the ring in rest mode (ill, injured, travelling).
#[derive(Clone, Debug, Deserialize)]
pub struct RestModePeriod {
    pub start_day: Date,
    /// `null` while rest mode is still on.
    pub end_day: Option<Date>,
}
