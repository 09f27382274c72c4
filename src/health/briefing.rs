//! The morning briefing: the latest day's readiness, sleep, HRV and lowest heart rate, each
//! with its difference from the 30-day baseline, as the summary's lines after the status line
//! and as the `briefing` object of the JSON report.

use jiff::civil::Date;
use serde::Serialize;

use super::data::{HealthData, HealthRecords, value_and_baseline};
use super::energy::{Energy, Stale};
use super::figures::Series;
use super::reader::RecordReader;
use crate::datatype::DataType;
use crate::window::Window;

/// The types the briefing reads.
pub const BRIEFING_TYPES: [DataType; 3] =
    [DataType::DailyReadiness, DataType::DailySleep, DataType::Sleep];

/// One figure of the latest day: `value` is `null` when Oura has not scored the day yet (it
/// is never an older day's number).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Figure {
    pub value: Option<f64>,
    /// The median of the 30 days before (at least 5 of them with a value).
    pub median_30d: Option<f64>,
    /// `value - median_30d`.
    pub delta: Option<f64>,
}

impl Figure {
    fn of(series: &Series, day: Date) -> Self {
        let (value, median_30d) = value_and_baseline(series, day);
        let delta = value.zip(median_30d).map(|(v, m)| v - m);
        Self { value, median_30d, delta }
    }
}

/// The briefing of one day. A figure is absent when its type was not synced in the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Briefing {
    pub day: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sleep_score: Option<Figure>,
    /// Hours of the main sleep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_sleep_hours: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_hrv_ms: Option<Figure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lowest_heart_rate_bpm: Option<Figure>,
    /// bio-lakehouse's energy verdict of the newest scored day (the day or the one before);
    /// absent when readiness was not synced or the data is stale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy: Option<Energy>,
    /// Present when the newest readiness score is older than the day before `day`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<Stale>,
}

/// The verdict and the warning of `day`: the stale warning when the newest scored day is
/// older than the day before, else the energy of that newest scored day.
/// (`sleep` is the sleep score series to judge by: empty when the sleep score is unknown.)
pub fn energy_or_stale(
    data: &HealthData,
    sleep: &Series,
    day: Date,
) -> (Option<Energy>, Option<Stale>) {
    if let Some(stale) = Stale::check(&data.readiness, day) {
        return (None, Some(stale));
    }
    let no_hrv = Series::new();
    let hrv = data.readiness_contributors.get("hrv_balance").unwrap_or(&no_hrv);
    (Energy::latest(&data.readiness, sleep, hrv, day), None)
}

impl Briefing {
    /// The briefing of `day`, read from the lake through `reader`, with the figures of the
    /// `synced` types only (`None` when none of them is one of [`BRIEFING_TYPES`]).
    pub async fn from_lake(
        reader: &impl RecordReader,
        day: Date,
        synced: &[DataType],
        tz: &jiff::tz::TimeZone,
    ) -> anyhow::Result<Option<Self>> {
        let wanted: Vec<DataType> =
            BRIEFING_TYPES.iter().copied().filter(|t| synced.contains(t)).collect();
        if wanted.is_empty() {
            return Ok(None);
        }
        let window = Window::new(day, day);
        let records = HealthRecords::read(reader, window, &wanted).await?;
        Ok(Self::of(&HealthData::from_records(&records, window, tz), day, &wanted))
    }

    /// The briefing of `day` from `data`, with the figures of the `synced` types only.
    pub fn of(data: &HealthData, day: Date, synced: &[DataType]) -> Option<Self> {
        let has = |t: DataType| synced.contains(&t);
        let night = |s: &Series| has(DataType::Sleep).then(|| Figure::of(s, day));
        let no_sleep = Series::new();
        let sleep = if has(DataType::DailySleep) { &data.sleep_score } else { &no_sleep };
        let (energy, stale) = if has(DataType::DailyReadiness) {
            energy_or_stale(data, sleep, day)
        } else {
            (None, None)
        };
        let briefing = Self {
            day,
            readiness: has(DataType::DailyReadiness).then(|| Figure::of(&data.readiness, day)),
            sleep_score: has(DataType::DailySleep).then(|| Figure::of(&data.sleep_score, day)),
            total_sleep_hours: night(&data.sleep_total),
            average_hrv_ms: night(&data.average_hrv),
            lowest_heart_rate_bpm: night(&data.lowest_heart_rate),
            energy,
            stale,
        };
        let any =
            briefing.readiness.is_some() || briefing.sleep_score.is_some() || has(DataType::Sleep);
        any.then_some(briefing)
    }

    /// The summary lines: the stale warning if any, the day with readiness and sleep, the
    /// night's heart, then the energy verdict.
    ///
    /// `🌅 *Mon 23 Nov*: Readiness 82 (+5) · Sleep 78 (-2) · 7 h 12 min (+14 min)`,
    /// `💓 HRV 45 ms (+3) · Lowest HR 52 bpm (-1)` and
    /// `⚡ *Energy: Moderate*: Readiness 82, sleep 78. Solid but not peak — …`.
    pub fn lines(&self) -> Vec<String> {
        let mut first = Vec::new();
        if let Some(f) = &self.readiness {
            first.push(item("Readiness", f, |v| format!("{v:.0}"), |d| signed(d, "")));
        }
        if let Some(f) = &self.sleep_score {
            first.push(item("Sleep", f, |v| format!("{v:.0}"), |d| signed(d, "")));
        }
        let night = [&self.total_sleep_hours, &self.average_hrv_ms, &self.lowest_heart_rate_bpm];
        let night_scored = night.iter().any(|f| f.is_some_and(|f| f.value.is_some()));
        let mut second = Vec::new();
        if night.iter().any(|f| f.is_some()) && !night_scored {
            first.push("Night not scored yet".to_string());
        } else {
            if let Some(f) = &self.total_sleep_hours {
                first.push(item("Slept", f, hours_minutes, |d| {
                    let minutes = (d * 60.0).round();
                    format!("{}{} min", if minutes >= 0.0 { "+" } else { "-" }, minutes.abs())
                }));
            }
            if let Some(f) = &self.average_hrv_ms {
                second.push(item("HRV", f, |v| format!("{v:.0} ms"), |d| signed(d, "")));
            }
            if let Some(f) = &self.lowest_heart_rate_bpm {
                second.push(item("Lowest HR", f, |v| format!("{v:.0} bpm"), |d| signed(d, "")));
            }
        }
        let mut lines = Vec::new();
        if let Some(stale) = &self.stale {
            lines.push(format!("⚠️ {}", stale.text()));
        }
        lines.push(format!("🌅 *{}*: {}", self.day.strftime("%a %-d %b"), first.join(" · ")));
        if !second.is_empty() {
            lines.push(format!("💓 {}", second.join(" · ")));
        }
        if let Some(energy) = &self.energy {
            lines.push(format!("⚡ {}", energy_line(energy, self.day)));
        }
        lines
    }
}

/// `*Energy: High*: Readiness 86, sleep 81. Strong day — …`, naming the day when it is not
/// the briefing's (today not scored yet: yesterday's verdict).
pub fn energy_line(energy: &Energy, day: Date) -> String {
    let when = if energy.day == day {
        String::new()
    } else {
        format!(" ({})", energy.day.strftime("%a %-d %b"))
    };
    format!("*Energy{when}: {}*: {}", energy.state.display(), energy.guidance)
}

/// `Name value (delta)`, `Name value` without a baseline, `Name not scored yet` without a value.
fn item(
    name: &str,
    figure: &Figure,
    value: impl Fn(f64) -> String,
    delta: impl Fn(f64) -> String,
) -> String {
    match (figure.value, figure.delta) {
        (None, _) => format!("{name} not scored yet"),
        (Some(v), Some(d)) => format!("{name} {} ({})", value(v), delta(d)),
        (Some(v), None) => format!("{name} {}", value(v)),
    }
}

/// `+5`, `-2`, `±0` (rounded to a whole number); the dashboard's tiles write theirs alike.
pub fn signed(delta: f64, unit: &str) -> String {
    let rounded = delta.round();
    if rounded == 0.0 {
        format!("±0{unit}")
    } else if rounded > 0.0 {
        format!("+{rounded:.0}{unit}")
    } else {
        format!("-{:.0}{unit}", rounded.abs())
    }
}

/// `7 h 12 min` for 7.2 hours.
pub fn hours_minutes(hours: f64) -> String {
    let minutes = (hours * 60.0).round() as i64;
    format!("{} h {:02} min", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use jiff::ToSpan;
    use jiff::civil::date;

    use super::*;

    const DAY: Date = date(2026, 11, 23);

    /// `n` days before DAY with `value(i)`, and DAY itself with `today`.
    fn series(today: Option<f64>, value: impl Fn(i64) -> f64) -> Series {
        let mut s: Series = (1..=30).map(|i| (DAY - i.days(), value(i))).collect();
        if let Some(t) = today {
            s.insert(DAY, t);
        }
        s
    }

    fn data() -> HealthData {
        HealthData {
            // The 30 days before hold 70..=99 (one each): median 84.5; today 90: +5.5 → +6.
            readiness: series(Some(90.0), |i| 69.0 + i as f64),
            // Median 80, today not scored.
            sleep_score: series(None, |_| 80.0),
            // 7 h before, 7 h 14.4 min today (+14 min).
            sleep_total: series(Some(7.24), |_| 7.0),
            average_hrv: series(Some(42.0), |_| 45.0),
            lowest_heart_rate: series(Some(52.0), |_| 52.0),
            ..Default::default()
        }
    }

    #[test]
    fn the_briefing_reads_like_a_morning_message() {
        let b = Briefing::of(&data(), DAY, &BRIEFING_TYPES).unwrap();
        assert_eq!(b.readiness.unwrap().median_30d, Some(84.5));
        assert_eq!(b.readiness.unwrap().delta, Some(5.5));
        assert_eq!(b.sleep_score.unwrap().value, None);
        assert_eq!(
            b.lines(),
            [
                "🌅 *Mon 23 Nov*: Readiness 90 (+6) · Sleep not scored yet · Slept 7 h 14 min (+14 min)",
                "💓 HRV 42 ms (-3) · Lowest HR 52 bpm (±0)",
                // Readiness 90 but the sleep score unknown: low, as the SQL's NULL makes it.
                "⚡ *Energy: Low*: Readiness 90. (readiness up +20 vs yesterday) Keep it light — \
                 yoga, stretching, or an easy walk.",
            ]
        );
        let energy = serde_json::to_value(b.energy.as_ref().unwrap()).unwrap();
        assert_eq!(energy["state"], "low");
        assert_eq!(energy["readiness"], 90.0);
        assert!(b.stale.is_none());
    }

    /// With the newest readiness score older than yesterday, the briefing opens with the
    /// stale warning and gives no verdict; yesterday's score still gives one, naming its day.
    #[test]
    fn stale_data_is_said_first_and_yesterday_still_counts() {
        let mut d = data();
        d.readiness.remove(&DAY);
        let yesterday = Briefing::of(&d, DAY, &BRIEFING_TYPES).unwrap();
        assert!(yesterday.stale.is_none());
        assert!(
            yesterday.lines()[2]
                .starts_with("⚡ *Energy (Sun 22 Nov): Moderate*: Readiness 70, sleep 80."),
            "{:?}",
            yesterday.lines()
        );
        d.readiness.remove(&(DAY - 1.day()));
        let b = Briefing::of(&d, DAY, &BRIEFING_TYPES).unwrap();
        assert!(b.energy.is_none());
        let lines = b.lines();
        assert_eq!(
            lines[0],
            "⚠️ DATA STALE — the newest readiness score is 2 day(s) behind (latest: \
             2026-11-21). Action needed: sync the ring in the Oura app, then run the sync again."
        );
        assert!(lines[1].starts_with("🌅 *Mon 23 Nov*: Readiness not scored yet"), "{lines:?}");
        assert_eq!(serde_json::to_value(&b).unwrap()["stale"]["days_behind"], 2);
    }

    #[test]
    fn an_unscored_night_says_so_once_and_unsynced_types_are_left_out() {
        let mut d = data();
        for s in [&mut d.sleep_total, &mut d.average_hrv, &mut d.lowest_heart_rate] {
            s.remove(&DAY);
        }
        let b = Briefing::of(&d, DAY, &BRIEFING_TYPES).unwrap();
        assert_eq!(
            b.lines()[0],
            "🌅 *Mon 23 Nov*: Readiness 90 (+6) · Sleep not scored yet · Night not scored yet"
        );
        let only_readiness = Briefing::of(&d, DAY, &[DataType::DailyReadiness]).unwrap();
        assert_eq!(only_readiness.lines()[0], "🌅 *Mon 23 Nov*: Readiness 90 (+6)");
        assert_eq!(only_readiness.lines().len(), 2, "and the energy line");
        let no_readiness = Briefing::of(&d, DAY, &[DataType::DailySleep]).unwrap();
        assert!(no_readiness.energy.is_none() && no_readiness.stale.is_none());
        assert!(only_readiness.sleep_score.is_none());
        assert!(Briefing::of(&d, DAY, &[DataType::Heartrate]).is_none());
    }

    #[test]
    fn without_a_baseline_the_value_stands_alone() {
        let d = HealthData { readiness: [(DAY, 77.0)].into(), ..Default::default() };
        let b = Briefing::of(&d, DAY, &[DataType::DailyReadiness]).unwrap();
        assert_eq!(
            b.lines(),
            [
                "🌅 *Mon 23 Nov*: Readiness 77",
                "⚡ *Energy: Low*: Readiness 77. Keep it light — yoga, stretching, or an easy walk."
            ]
        );
        assert_eq!(hours_minutes(7.5), "7 h 30 min");
        assert_eq!(hours_minutes(6.99), "6 h 59 min");
    }
}
