//! bio-lakehouse's energy verdict and its stale-data warning, from the same thresholds and in
//! the same words: `energy_state.sql` (peak, high, moderate, low, else recovery needed, from
//! readiness, sleep score and HRV balance) and `morning_briefing/handler.py` (the advice with
//! the figures that decided it, the trend against the previous scored day, the 3-day streak,
//! and "DATA STALE" when the newest scored day is older than yesterday). Pure functions.

use jiff::civil::Date;
use serde::Serialize;

use super::figures::Series;

/// The energy state of a day, as `energy_state.sql` classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnergyState {
    Peak,
    High,
    Moderate,
    Low,
    RecoveryNeeded,
}

impl EnergyState {
    /// The state of a day with a readiness score (the view keeps only those):
    ///
    /// - peak: readiness ≥ 85, sleep ≥ 88 and HRV balance ≥ 75 (cast to an integer);
    /// - high: readiness ≥ 85 and sleep ≥ 80;
    /// - moderate: readiness ≥ 70 and sleep ≥ 65;
    /// - low: readiness ≥ 50;
    /// - recovery needed otherwise.
    ///
    /// A missing sleep score or HRV balance fails its comparison, as SQL's `NULL` does.
    pub fn classify(readiness: f64, sleep: Option<f64>, hrv_balance: Option<f64>) -> Self {
        let sleep_at_least = |t: f64| sleep.is_some_and(|s| s >= t);
        // `CAST(hrv_balance_score AS integer)` rounds (Athena/Trino) before comparing.
        let hrv_at_least = |t: f64| hrv_balance.is_some_and(|h| h.round() >= t);
        if readiness >= 85.0 && sleep_at_least(88.0) && hrv_at_least(75.0) {
            Self::Peak
        } else if readiness >= 85.0 && sleep_at_least(80.0) {
            Self::High
        } else if readiness >= 70.0 && sleep_at_least(65.0) {
            Self::Moderate
        } else if readiness >= 50.0 {
            Self::Low
        } else {
            Self::RecoveryNeeded
        }
    }

    /// `Peak`, …, `Recovery Needed` (the handler's `state.replace("_", " ").title()`).
    pub fn display(self) -> &'static str {
        match self {
            Self::Peak => "Peak",
            Self::High => "High",
            Self::Moderate => "Moderate",
            Self::Low => "Low",
            Self::RecoveryNeeded => "Recovery Needed",
        }
    }

    /// The handler's advice for the state.
    pub fn advice(self) -> &'static str {
        match self {
            Self::Peak => "All systems go — push hard today (HIIT, heavy lifts, sprints).",
            Self::High => "Strong day — great for hard cycling, bootcamp, or deep focus work.",
            Self::Moderate => {
                "Solid but not peak — good for endurance rides, strength training, or steady work."
            }
            Self::Low => "Keep it light — yoga, stretching, or an easy walk.",
            Self::RecoveryNeeded => "Rest day recommended — gentle meditation or total rest.",
        }
    }
}

/// The energy verdict of a day, with the figures that decided it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Energy {
    pub day: Date,
    pub state: EnergyState,
    pub readiness: f64,
    pub sleep_score: Option<f64>,
    /// The readiness contributor `hrv_balance`.
    pub hrv_balance: Option<f64>,
    /// Readiness minus that of the previous scored day (`LAG` over the scored days).
    pub readiness_delta: Option<f64>,
    /// Sleep score minus that of the previous scored day.
    pub sleep_delta: Option<f64>,
    /// The mean readiness of this and the two scored days before it.
    pub readiness_3day_avg: f64,
    /// The sentence of [`Energy::guidance`].
    pub guidance: String,
}

impl Energy {
    /// The verdict of the newest day on or before `day` with a readiness score, from the
    /// series; `None` when no such day is in them.
    pub fn latest(
        readiness: &Series,
        sleep: &Series,
        hrv_balance: &Series,
        day: Date,
    ) -> Option<Self> {
        // The view's rows are the days with a readiness score, newest last.
        let mut scored = readiness.range(..=day).rev();
        let (&today, &score) = scored.next()?;
        let before: Vec<(Date, f64)> = scored.take(2).map(|(d, v)| (*d, *v)).collect();
        let previous = before.first().map(|(d, _)| *d);
        let sleep_today = sleep.get(&today).copied();
        let sleep_delta =
            sleep_today.zip(previous.and_then(|p| sleep.get(&p).copied())).map(|(a, b)| a - b);
        let last3: Vec<f64> =
            std::iter::once(score).chain(before.iter().map(|(_, v)| *v)).collect();
        let hrv = hrv_balance.get(&today).copied();
        let mut energy = Self {
            day: today,
            state: EnergyState::classify(score, sleep_today, hrv),
            readiness: score,
            sleep_score: sleep_today,
            hrv_balance: hrv,
            readiness_delta: before.first().map(|(_, v)| score - v),
            sleep_delta,
            readiness_3day_avg: last3.iter().sum::<f64>() / last3.len() as f64,
            guidance: String::new(),
        };
        energy.guidance = energy.guidance();
        Some(energy)
    }

    /// The handler's sentence: the figures, the trend against the previous scored day when it
    /// moved 5 or more, the advice, and the streak. `Readiness 86, sleep 90, HRV balance 80.
    /// All systems go — push hard today (HIIT, heavy lifts, sprints).`
    pub fn guidance(&self) -> String {
        let mut trend = Vec::new();
        let (r, s) = (self.readiness_delta.unwrap_or(0.0), self.sleep_delta.unwrap_or(0.0));
        if r >= 5.0 {
            trend.push(format!("readiness up {r:+.0}"));
        } else if r <= -5.0 {
            trend.push(format!("readiness down {r:+.0}"));
        }
        if s >= 5.0 {
            trend.push(format!("sleep up {s:+.0}"));
        } else if s <= -5.0 {
            trend.push(format!("sleep down {s:+.0}"));
        }
        let trend = if trend.is_empty() {
            String::new()
        } else {
            format!(" ({} vs yesterday)", trend.join(", "))
        };
        let streak = if self.readiness_3day_avg >= 85.0 && self.readiness >= 85.0 {
            " You've been consistently high — ride the wave."
        } else if self.readiness_3day_avg < 65.0 {
            " Multiple low days — prioritize recovery."
        } else {
            ""
        };
        let mut figures = if self.state == EnergyState::RecoveryNeeded && self.readiness == 0.0 {
            "Low recovery".to_string()
        } else {
            format!("Readiness {:.0}", self.readiness)
        };
        if let Some(sleep) = self.sleep_score {
            figures.push_str(&format!(", sleep {sleep:.0}"));
        }
        if self.state == EnergyState::Peak
            && let Some(hrv) = self.hrv_balance
        {
            figures.push_str(&format!(", HRV balance {hrv:.0}"));
        }
        format!("{figures}.{trend} {}{streak}", self.state.advice())
    }
}

/// The warning that the lake is behind: its newest scored day is older than the day before
/// the day looked at.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stale {
    /// The newest day with a readiness score (`None`: none in the 30 days read).
    pub latest: Option<Date>,
    /// Days from `latest` to the day looked at.
    pub days_behind: Option<i64>,
}

impl Stale {
    /// The warning for `day` when the newest scored day on or before it is older than the
    /// day before (`latest < day - 1`, the handler's `latest_date < yesterday`), else `None`.
    pub fn check(readiness: &Series, day: Date) -> Option<Self> {
        let latest = readiness.range(..=day).next_back().map(|(d, _)| *d);
        let behind = latest.map(|l| i64::from((day - l).get_days()));
        match behind {
            Some(n) if n <= 1 => None,
            _ => Some(Self { latest, days_behind: behind }),
        }
    }

    /// `DATA STALE — the newest readiness score is 3 day(s) behind (latest: 2026-11-20).`
    pub fn text(&self) -> String {
        match (self.latest, self.days_behind) {
            (Some(latest), Some(n)) => format!(
                "DATA STALE — the newest readiness score is {n} day(s) behind (latest: {latest}). \
                 Action needed: sync the ring in the Oura app, then run the sync again."
            ),
            _ => "DATA STALE — no readiness score in the last 30 days. Action needed: sync the \
                  ring in the Oura app, then run the sync again."
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::ToSpan;
    use jiff::civil::date;

    use super::*;

    use EnergyState::*;

    /// Each threshold of `energy_state.sql` at its edge: the value on the line passes, the
    /// value just under it falls to the next state.
    #[test]
    fn the_thresholds_hold_at_their_edges() {
        let c = EnergyState::classify;
        // Peak: readiness 85, sleep 88, HRV balance 75.
        assert_eq!(c(85.0, Some(88.0), Some(75.0)), Peak);
        assert_eq!(c(84.9, Some(88.0), Some(75.0)), Moderate);
        assert_eq!(c(85.0, Some(87.9), Some(75.0)), High);
        assert_eq!(c(85.0, Some(88.0), Some(74.0)), High);
        // The HRV balance is cast to an integer first: 74.5 rounds to 75, 74.4 to 74.
        assert_eq!(c(85.0, Some(88.0), Some(74.5)), Peak);
        assert_eq!(c(85.0, Some(88.0), Some(74.4)), High);
        assert_eq!(c(85.0, Some(88.0), None), High);
        // High: readiness 85, sleep 80.
        assert_eq!(c(85.0, Some(80.0), None), High);
        assert_eq!(c(85.0, Some(79.9), Some(99.0)), Moderate);
        // Moderate: readiness 70, sleep 65.
        assert_eq!(c(70.0, Some(65.0), None), Moderate);
        assert_eq!(c(69.9, Some(99.0), Some(99.0)), Low);
        assert_eq!(c(70.0, Some(64.9), None), Low);
        // A missing sleep score fails every sleep test, as NULL does in SQL.
        assert_eq!(c(95.0, None, Some(99.0)), Low);
        // Low: readiness 50; below it, recovery.
        assert_eq!(c(50.0, None, None), Low);
        assert_eq!(c(49.9, Some(99.0), Some(99.0)), RecoveryNeeded);
    }

    /// The sentence names the figures, the trend against the previous scored day (a gap is
    /// skipped, as `LAG` over the scored days skips it), the advice and the streak.
    #[test]
    fn the_guidance_reads_like_the_handlers() {
        let d = date(2026, 11, 23);
        let readiness: Series = [(d - 3.days(), 86.0), (d - 2.days(), 80.0), (d, 90.0)].into();
        let sleep: Series = [(d - 2.days(), 85.0), (d, 91.0)].into();
        let hrv: Series = [(d, 80.0)].into();
        let e = Energy::latest(&readiness, &sleep, &hrv, d).unwrap();
        assert_eq!(e.state, Peak);
        assert_eq!(e.readiness_delta, Some(10.0));
        assert_eq!(e.sleep_delta, Some(6.0));
        assert_eq!(e.readiness_3day_avg, 256.0 / 3.0);
        assert_eq!(
            e.guidance(),
            "Readiness 90, sleep 91, HRV balance 80. (readiness up +10, sleep up +6 vs \
             yesterday) All systems go — push hard today (HIIT, heavy lifts, sprints). You've \
             been consistently high — ride the wave."
        );
        let low: Series = [(d - 2.days(), 60.0), (d - 1.days(), 62.0), (d, 55.0)].into();
        let e = Energy::latest(&low, &Series::new(), &Series::new(), d).unwrap();
        assert_eq!(e.state, Low);
        assert_eq!(
            e.guidance(),
            "Readiness 55. (readiness down -7 vs yesterday) Keep it light — yoga, stretching, or \
             an easy walk. Multiple low days — prioritize recovery."
        );
        // The newest scored day on or before the day asked for.
        assert_eq!(
            Energy::latest(&low, &Series::new(), &Series::new(), d + 5.days()).unwrap().day,
            d
        );
        assert!(Energy::latest(&low, &Series::new(), &Series::new(), d - 3.days()).is_none());
    }

    /// Stale means the newest scored day is older than the day before: yesterday is fine, the
    /// day before yesterday is not.
    #[test]
    fn stale_is_older_than_yesterday() {
        let d = date(2026, 11, 23);
        let upto = |last: Date| -> Series { [(last - 7.days(), 70.0), (last, 80.0)].into() };
        assert_eq!(Stale::check(&upto(d), d), None);
        assert_eq!(Stale::check(&upto(d - 1.day()), d), None);
        let stale = Stale::check(&upto(d - 2.days()), d).unwrap();
        assert_eq!(stale, Stale { latest: Some(d - 2.days()), days_behind: Some(2) });
        assert!(stale.text().starts_with(
            "DATA STALE — the newest readiness score is 2 day(s) behind (latest: 2026-11-21)."
        ));
        // A later day than asked for does not count.
        assert_eq!(Stale::check(&upto(d + 3.days()), d).unwrap().latest, Some(d - 4.days()));
        let none = Stale::check(&Series::new(), d).unwrap();
        assert_eq!(none.days_behind, None);
        assert!(none.text().contains("no readiness score in the last 30 days"));
    }
}
