//! The five tools: each checks its arguments ([`super::args`]), reads the lake
//! ([`super::lake`]), and answers with a compact JSON document bounded in size, with a `note`
//! when it was cut. A call that cannot be answered as asked (a bad argument, a range outside
//! the lake) is a [`ToolError`] that says what would be accepted.

use std::collections::BTreeMap;

use jiff::ToSpan;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::args::{self, ToolError};
use super::lake::{Lake, SUMMARY_TYPES};
use super::metrics::{self, Metric, SummaryData, round3};
use super::status::{LakeInfo, lake_status};
use crate::datatype::DataType;
use crate::health::briefing::{BRIEFING_TYPES, Figure};
use crate::health::data::RESILIENCE_LEVELS;
use crate::ledger::Ledger;
use crate::store::ObjectStore;
use crate::window::Window;

/// The most days one `daily_summary` answers (a quarter; about 30 KB).
pub const MAX_SUMMARY_DAYS: i64 = 92;
/// The most bytes of records one `records` call returns (at least one record is returned):
/// about 8,000 tokens of an assistant's context; a night of Oura's `sleep` is 5-10 KB.
pub const MAX_RECORDS_BYTES: usize = 32 * 1024;

/// The tools, with their descriptions, in the order they are listed.
pub const TOOLS: [(&str, &str); 5] = [
    (
        "lake_status",
        "What the Oura lake holds: per data type the first and last day with records, how \
         fresh it is, the days missing or failed in the ledger, and the last sync run.",
    ),
    (
        "daily_summary",
        "Day by day from `from` to `to`: readiness, sleep score, total/deep/REM sleep (hours), \
         sleep efficiency, average HRV, lowest heart rate, temperature deviation, activity \
         score, steps, active calories, hours of high stress and recovery, resilience. A day \
         without a value leaves the field out. At most 92 days per call (`next_from` says \
         where to continue).",
    ),
    (
        "compare",
        "One metric of daily_summary over two periods: each period's mean, median, min and max \
         (days without a value left out), and the difference (period_b minus period_a).",
    ),
    (
        "records",
        "The raw Oura records of one data type from `from` to `to`, exactly as stored in the \
         lake, by day; at most `limit` records (default 50, up to 500) and about 32 KB per call.",
    ),
    (
        "briefing",
        "The morning briefing of a day: readiness, sleep score, total sleep, HRV and lowest \
         heart rate, each with its 30-day median and the difference from it, and the text of \
         the message the sync sends.",
    ),
];

/// Runs tool `name` with `arguments`: the answer, or a tool error. `None` for an unknown tool.
///
/// Each tool's future is boxed, and so are the reads inside: the reads' futures are large,
/// and nested inline they overflow a runtime worker's stack in a debug build.
pub async fn call(
    lake: &Lake,
    name: &str,
    arguments: &Map<String, Value>,
) -> Option<Result<Value, ToolError>> {
    let answer = match name {
        "lake_status" => match args::lake_status(arguments) {
            Ok(()) => Box::pin(status(lake)).await,
            Err(e) => Err(e),
        },
        "daily_summary" => match args::daily_summary(arguments) {
            Ok(a) => Box::pin(daily_summary(lake, a.period)).await,
            Err(e) => Err(e),
        },
        "compare" => match args::compare(arguments) {
            Ok(a) => Box::pin(compare(lake, a)).await,
            Err(e) => Err(e),
        },
        "records" => match args::records(arguments) {
            Ok(a) => Box::pin(records(lake, a)).await,
            Err(e) => Err(e),
        },
        "briefing" => match args::briefing(arguments) {
            Ok(a) => Box::pin(briefing(lake, a.day)).await,
            Err(e) => Err(e),
        },
        _ => return None,
    };
    Some(answer)
}

/// A lake that cannot be read, as a tool error (secrets scrubbed, one line).
fn unreadable(lake: &Lake, error: anyhow::Error) -> ToolError {
    let cause = crate::text::one_line(&crate::scrub::scrub(&format!("{error:#}")), 400);
    ToolError(format!("cannot read the lake at {}: {cause}", lake.destination))
}

fn json(value: impl Serialize) -> Result<Value, ToolError> {
    serde_json::to_value(value).map_err(|e| ToolError(format!("cannot encode the answer: {e}")))
}

/// The error for `period` when it holds nothing of `types`: outside the lake's days, or a
/// lake without them yet. `None` when the period lies within the lake (its days are gaps).
async fn outside_the_lake(
    lake: &Lake,
    types: &[DataType],
    what: &str,
    period: Window,
) -> Result<Option<ToolError>, ToolError> {
    let span = lake.span(types).await.map_err(|e| unreadable(lake, e))?;
    let names = types.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ");
    Ok(match span {
        None => Some(ToolError(format!(
            "the lake at {} holds no {names} records yet; run `oura-sync sync` first",
            lake.destination
        ))),
        Some(span) if period.end < span.start || period.start > span.end => {
            let days = if period.start == period.end {
                period.start.to_string()
            } else {
                format!("{} to {}", period.start, period.end)
            };
            Some(ToolError(format!(
                "{what} {days} is outside the lake: it holds {names} from {} to {}; give days \
                 within that range",
                span.start, span.end
            )))
        }
        Some(_) => None,
    })
}

async fn status(lake: &Lake) -> Result<Value, ToolError> {
    let today = lake.today();
    let runs = lake.runs().await.map_err(|e| unreadable(lake, e))?;
    let mut days = BTreeMap::new();
    if let Some(covered) = lake.covered_by(&runs) {
        for &data_type in DataType::ALL {
            let entries = lake.days(data_type, covered).await.map_err(|e| unreadable(lake, e))?;
            days.insert(data_type, entries);
        }
    }
    let info = LakeInfo {
        destination: &lake.destination,
        layout: lake.store.layout().name(),
        ledger: lake.ledger.form(),
        silver: lake.silver.is_some(),
        timezone: &lake.timezone,
        today,
    };
    json(lake_status(&info, &days, &runs))
}

/// One day of `daily_summary`; a field without a value is left out.
#[derive(Debug, Default, Serialize)]
pub struct DayRow {
    pub day: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sleep_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_sleep: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deep_sleep: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rem_sleep: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hrv: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lowest_heart_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature_deviation: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_calories: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stress_high: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_high: Option<f64>,
    /// The level's name (`limited` … `exceptional`); `compare` uses its rank 1..=5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resilience: Option<&'static str>,
}

/// The rows of the days of `window` that have any value, from `data`.
pub fn summary_rows(data: &SummaryData, window: Window) -> Vec<DayRow> {
    window
        .days()
        .filter_map(|day| {
            let v = |m: Metric| data.value(m, day).map(round3);
            let row = DayRow {
                day: day.to_string(),
                readiness: v(Metric::Readiness),
                sleep_score: v(Metric::SleepScore),
                total_sleep: v(Metric::TotalSleep),
                deep_sleep: v(Metric::DeepSleep),
                rem_sleep: v(Metric::RemSleep),
                efficiency: v(Metric::Efficiency),
                hrv: v(Metric::Hrv),
                lowest_heart_rate: v(Metric::LowestHeartRate),
                temperature_deviation: v(Metric::TemperatureDeviation),
                activity_score: v(Metric::ActivityScore),
                steps: v(Metric::Steps),
                active_calories: v(Metric::ActiveCalories),
                stress_high: v(Metric::StressHigh),
                recovery_high: v(Metric::RecoveryHigh),
                resilience: data
                    .value(Metric::Resilience, day)
                    .and_then(|rank| RESILIENCE_LEVELS.get((rank as usize).checked_sub(1)?))
                    .copied(),
            };
            Metric::ALL.iter().any(|&m| data.value(m, day).is_some()).then_some(row)
        })
        .collect()
}

#[derive(Serialize)]
struct Summary {
    from: String,
    to: String,
    timezone: String,
    units: BTreeMap<&'static str, &'static str>,
    days: Vec<DayRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    /// Where to continue when the answer was cut.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_from: Option<String>,
}

fn timezone_name(lake: &Lake) -> String {
    lake.timezone.iana_name().unwrap_or("the system's zone").to_string()
}

async fn daily_summary(lake: &Lake, period: Window) -> Result<Value, ToolError> {
    let (shown, next_from) = if period.len_days() > MAX_SUMMARY_DAYS {
        let end = period.start + (MAX_SUMMARY_DAYS - 1).days();
        (Window::new(period.start, end), Some(end + 1.day()))
    } else {
        (period, None)
    };
    let data = lake.summary(shown, &SUMMARY_TYPES).await.map_err(|e| unreadable(lake, e))?;
    let days = summary_rows(&data, shown);
    let mut note = next_from.map(|next| {
        format!(
            "cut to the first {MAX_SUMMARY_DAYS} days ({} to {}); call again with from {next} \
             for the rest, or use compare for a period's mean, median, min and max",
            shown.start, shown.end
        )
    });
    if days.is_empty() {
        if let Some(error) = outside_the_lake(lake, &SUMMARY_TYPES, "the range", shown).await? {
            return Err(error);
        }
        note = Some(format!(
            "no data from {} to {} (the ring was off, or Oura has not scored these days yet)",
            shown.start, shown.end
        ));
    }
    json(Summary {
        from: period.start.to_string(),
        to: period.end.to_string(),
        timezone: timezone_name(lake),
        units: Metric::units(),
        days,
        note,
        next_from: next_from.map(|d| d.to_string()),
    })
}

async fn compare(lake: &Lake, a: args::CompareArgs) -> Result<Value, ToolError> {
    let wanted = [a.metric.data_type()];
    let (data_a, data_b) =
        tokio::try_join!(lake.summary(a.period_a, &wanted), lake.summary(a.period_b, &wanted))
            .map_err(|e| unreadable(lake, e))?;
    let comparison = metrics::compare(a.metric, (&data_a, a.period_a), (&data_b, a.period_b));
    for (name, stats, period) in [
        ("period_a", &comparison.period_a, a.period_a),
        ("period_b", &comparison.period_b, a.period_b),
    ] {
        if stats.days_with_value == 0
            && let Some(error) = outside_the_lake(lake, &wanted, name, period).await?
        {
            return Err(error);
        }
    }
    json(comparison)
}

#[derive(Serialize)]
struct Records {
    #[serde(rename = "type")]
    data_type: &'static str,
    from: String,
    to: String,
    /// Records of the range in the lake (from the ledger).
    total: u64,
    returned: usize,
    records: Vec<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_from: Option<String>,
}

async fn records(lake: &Lake, a: args::RecordsArgs) -> Result<Value, ToolError> {
    let days = lake.days(a.data_type, a.period).await.map_err(|e| unreadable(lake, e))?;
    let total: u64 = days.values().map(|e| e.record_count).sum();
    if total == 0
        && let Some(error) = outside_the_lake(lake, &[a.data_type], "the range", a.period).await?
    {
        return Err(error);
    }
    let (mut count, mut bytes, mut by_size) = (0u64, 0usize, false);
    let (taken, next) = lake
        .raw_records(a.data_type, a.period, |size| {
            if count >= a.limit {
                return false;
            }
            if count > 0 && bytes + size > MAX_RECORDS_BYTES {
                by_size = true;
                return false;
            }
            count += 1;
            bytes += size;
            true
        })
        .await
        .map_err(|e| unreadable(lake, e))?;
    let note = match next {
        Some(next) => Some(format!(
            "cut at {} of {total} records ({}); the next record is on {next}: call again with \
             from {next} (its first records of that day were already returned)",
            taken.len(),
            if by_size {
                format!("about {} KB per call", MAX_RECORDS_BYTES / 1024)
            } else {
                format!("limit {}", a.limit)
            }
        )),
        None if total == 0 => {
            Some(format!("no {} records from {} to {}", a.data_type, a.period.start, a.period.end))
        }
        None => None,
    };
    json(Records {
        data_type: a.data_type.name(),
        from: a.period.start.to_string(),
        to: a.period.end.to_string(),
        total,
        returned: taken.len(),
        records: taken,
        note,
        next_from: next.map(|d| d.to_string()),
    })
}

/// A briefing figure, rounded.
#[derive(Serialize)]
struct BriefingFigure {
    value: Option<f64>,
    /// The median of the 30 days before (at least 5 of them with a value).
    median_30d: Option<f64>,
    /// `value - median_30d`.
    delta: Option<f64>,
}

impl From<&Figure> for BriefingFigure {
    fn from(f: &Figure) -> Self {
        Self {
            value: f.value.map(round3),
            median_30d: f.median_30d.map(round3),
            delta: f.delta.map(round3),
        }
    }
}

#[derive(Serialize)]
struct BriefingAnswer {
    day: String,
    units: BTreeMap<&'static str, &'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    readiness: Option<BriefingFigure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sleep_score: Option<BriefingFigure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_sleep: Option<BriefingFigure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hrv: Option<BriefingFigure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lowest_heart_rate: Option<BriefingFigure>,
    /// The message's lines, as the sync's summary prints them.
    text: String,
}

async fn briefing(lake: &Lake, day: jiff::civil::Date) -> Result<Value, ToolError> {
    let period = Window::new(day, day);
    if let Some(error) = outside_the_lake(lake, &BRIEFING_TYPES, "the day", period).await? {
        return Err(error);
    }
    let briefing = lake.briefing(day).await.map_err(|e| unreadable(lake, e))?;
    let Some(b) = briefing else {
        return Err(ToolError(format!("no briefing can be made for {day}")));
    };
    let units = [
        Metric::Readiness,
        Metric::SleepScore,
        Metric::TotalSleep,
        Metric::Hrv,
        Metric::LowestHeartRate,
    ]
    .into_iter()
    .map(|m| (m.name(), m.unit()))
    .collect();
    json(BriefingAnswer {
        day: day.to_string(),
        units,
        readiness: b.readiness.as_ref().map(Into::into),
        sleep_score: b.sleep_score.as_ref().map(Into::into),
        total_sleep: b.total_sleep_hours.as_ref().map(Into::into),
        hrv: b.average_hrv_ms.as_ref().map(Into::into),
        lowest_heart_rate: b.lowest_heart_rate_bpm.as_ref().map(Into::into),
        text: b.lines().join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    /// A day with any value is a row, with its values rounded, absent values left out, and
    /// resilience by its level's name; a day with none is no row.
    #[test]
    fn rows_hold_the_days_with_values() {
        let (d1, d2, d3) = (date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3));
        let mut data = SummaryData::default();
        data.health.readiness.insert(d1, 81.0);
        data.health.sleep_total.insert(d1, 7.254_166_6);
        data.health.resilience.insert(d1, 3.0);
        data.activity_score.insert(d3, 85.0);
        let rows = summary_rows(&data, Window::new(d1, d3));
        assert_eq!(rows.len(), 2);
        let first = serde_json::to_value(&rows[0]).unwrap();
        assert_eq!(
            first,
            serde_json::json!({"day": "2026-11-01", "readiness": 81.0, "total_sleep": 7.254, "resilience": "solid"})
        );
        assert_eq!(rows[1].day, "2026-11-03");
        assert!(summary_rows(&data, Window::new(d2, d2)).is_empty());
    }

    /// Every tool has a description and an argument schema.
    #[test]
    fn every_tool_is_described() {
        for (name, description) in TOOLS {
            assert!(!description.is_empty());
            assert_eq!(args::input_schema(name)["type"], "object");
        }
    }
}
