//! Realistic, deterministic Oura data for the health view: every type the dashboard reads,
//! shaped like Oura's records (fields as in the recorded responses), with a day without the
//! ring now and then. Every value is a pure function of its date, so a test can say what the
//! dashboard and the briefing must show.

#![allow(dead_code)]

use jiff::ToSpan;
use jiff::civil::Date;

use crate::fake_oura::FakeOura;

/// A number in [0, 1) from a date and a salt (splitmix64).
pub fn unit(day: Date, salt: u64) -> f64 {
    let seed = (day.year() as u64) * 10_000 + (day.month() as u64) * 100 + day.day() as u64;
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// A slow wave through the weeks, in [-1, 1].
fn wave(day: Date, period: f64, phase: f64) -> f64 {
    let n = f64::from((day - jiff::civil::date(2026, 1, 1)).get_days());
    (n / period * std::f64::consts::TAU + phase).sin()
}

/// Days the ring was left on the charger: no record of any type.
pub fn ring_off(day: Date) -> bool {
    unit(day, 99) < 0.05
}

/// A slow drift through the year (fitter in spring, worn out in the dark months), in [-1, 1].
fn season(day: Date) -> f64 {
    wave(day, 365.0, 0.6)
}

pub fn readiness(day: Date) -> u32 {
    (76.0 + 5.0 * season(day) + 6.0 * wave(day, 23.0, 0.0) + 12.0 * (unit(day, 1) - 0.5))
        .round()
        .clamp(35.0, 99.0) as u32
}

pub fn sleep_score(day: Date) -> u32 {
    (79.0 + 7.0 * wave(day, 17.0, 1.0) + 12.0 * (unit(day, 2) - 0.5)).round().clamp(35.0, 99.0)
        as u32
}

/// Seconds of deep, REM, light sleep and awake time of the night that ends on `day`.
pub fn stages(day: Date) -> [u32; 4] {
    let deep = 4500.0 + 1800.0 * unit(day, 3);
    let rem = 5400.0 + 2400.0 * unit(day, 4);
    let light = 12_600.0 + 4200.0 * unit(day, 5) + 1800.0 * wave(day, 29.0, 2.0);
    let awake = 1200.0 + 1800.0 * unit(day, 6);
    [deep, rem, light, awake].map(|s| (s / 30.0).round() as u32 * 30)
}

pub fn total_sleep(day: Date) -> u32 {
    let [deep, rem, light, _] = stages(day);
    deep + rem + light
}

pub fn average_hrv(day: Date) -> u32 {
    (46.0 + 6.0 * season(day) + 6.0 * wave(day, 19.0, 0.5) + 10.0 * (unit(day, 7) - 0.5)).round()
        as u32
}

pub fn lowest_heart_rate(day: Date) -> u32 {
    (52.0 - 2.5 * season(day) - 2.0 * wave(day, 19.0, 0.5) + 4.0 * (unit(day, 8) - 0.5)).round()
        as u32
}

/// The night's stages, one character per 5 minutes in bed (`1` deep, `2` light, `3` REM,
/// `4` awake), as Oura writes `sleep_phase_5_min`: awake while falling asleep, then cycles of
/// about 90 minutes, more deep sleep early and more REM late, a few short awakenings.
pub fn phases(day: Date) -> String {
    let (before, after) = bedtime(day);
    let slots = ((before + after) / 5) as usize;
    let mut out = String::with_capacity(slots);
    for i in 0..slots {
        let minute = i as f64 * 5.0;
        let share = i as f64 / slots as f64;
        let in_cycle = (minute - 10.0).rem_euclid(90.0) / 90.0;
        let noise = unit(day, 2000 + i as u64);
        let c = if i < 2 || i + 1 == slots || noise < 0.03 {
            '4'
        } else if in_cycle < 0.15 {
            '2'
        } else if in_cycle < 0.15 + 0.4 * (1.0 - share) {
            '1'
        } else if in_cycle > 0.95 - 0.45 * share {
            '3'
        } else {
            '2'
        };
        out.push(c);
    }
    out
}

/// The night's heart rate every 5 minutes from going to bed: down from about 12 bpm over
/// the night's lowest to it a little after the middle of the night, up again towards the
/// morning; now and then a sample is missing (`null`).
pub fn night_heart_rate(day: Date) -> Vec<Option<u32>> {
    let slots = phases(day).len();
    let low = f64::from(lowest_heart_rate(day));
    (0..slots)
        .map(|i| {
            let share = i as f64 / slots as f64;
            let dip = ((share - 0.6) / 0.6).powi(2).min(1.0);
            let v = low + 12.0 * dip + 3.0 * unit(day, 3000 + i as u64);
            (unit(day, 4000 + i as u64) > 0.04).then_some(v.round() as u32)
        })
        .collect()
}

/// The night's HRV every 5 minutes: around the night's average, higher in deep sleep.
pub fn night_hrv(day: Date) -> Vec<Option<u32>> {
    let avg = f64::from(average_hrv(day));
    phases(day)
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let lift = match c {
                '1' => 12.0,
                '3' => -4.0,
                '4' => -10.0,
                _ => 0.0,
            };
            let v = (avg + lift + 14.0 * (unit(day, 5000 + i as u64) - 0.5)).max(8.0);
            (unit(day, 6000 + i as u64) > 0.04).then_some(v.round() as u32)
        })
        .collect()
}

/// The activity score: higher on the days with more steps.
pub fn activity_score(day: Date) -> u32 {
    (70.0 + 18.0 * (f64::from(steps(day)) - 8200.0) / 4500.0 + 8.0 * (unit(day, 26) - 0.5))
        .round()
        .clamp(30.0, 100.0) as u32
}

/// A tag on some days: Oura's code for it.
pub fn tag(day: Date) -> Option<&'static str> {
    let pick = unit(day, 27);
    (pick < 0.07).then(|| {
        ["tag_generic_caffeine", "tag_generic_alcohol", "tag_generic_late_meal"]
            [(unit(day, 28) * 3.0) as usize]
    })
}

/// Rest-mode periods (first and last day) within `days` days ending on `end`: four days
/// ending 30 days before `end`, and three ending 200 days before it.
pub fn rest_periods(end: Date, days: i64) -> Vec<(Date, Date)> {
    [(33, 30), (202, 200)]
        .into_iter()
        .filter(|(from, _)| *from < days)
        .map(|(from, to)| (end - from.days(), end - to.days()))
        .collect()
}

/// Minutes before midnight (UTC) of going to bed, and minutes after it of getting up.
pub fn bedtime(day: Date) -> (i64, i64) {
    let before = 30 + (70.0 * unit(day, 9)) as i64;
    let after = 360 + (90.0 * unit(day, 10)) as i64;
    (before, after)
}

pub fn steps(day: Date) -> u32 {
    (8200.0 + 1500.0 * season(day) + 1800.0 * wave(day, 11.0, 0.3) + 4000.0 * (unit(day, 11) - 0.5))
        .round() as u32
}

pub fn active_calories(day: Date) -> u32 {
    (steps(day) as f64 * 0.052 + 60.0 * unit(day, 12)).round() as u32
}

/// The heart-rate samples of a day (UTC): every 10 minutes from 07:00 to 22:50, awake.
pub fn heart_rate(day: Date) -> Vec<(String, u32)> {
    (0..96)
        .map(|i| {
            let minutes = 7 * 60 + i * 10;
            let bpm = 62.0
                + 14.0 * ((i as f64) / 96.0 * std::f64::consts::PI).sin()
                + 30.0 * unit(day, 1000 + i as u64).powi(3);
            (format!("{day}T{:02}:{:02}:00+00:00", minutes / 60, minutes % 60), bpm.round() as u32)
        })
        .collect()
}

/// A workout on some days: (activity, minutes, kcal).
pub fn workout(day: Date) -> Option<(&'static str, i64, u32)> {
    let pick = unit(day, 13);
    if pick > 0.55 {
        return None;
    }
    let activities = ["running", "cycling", "walking", "strength_training"];
    let activity = activities[(unit(day, 14) * 4.0) as usize];
    let minutes = 25 + (45.0 * unit(day, 15)) as i64;
    Some((activity, minutes, (minutes as f64 * 8.5).round() as u32))
}

/// A session on some days: (type, minutes).
pub fn session(day: Date) -> Option<(&'static str, i64)> {
    let pick = unit(day, 16);
    (pick < 0.3).then_some(if pick < 0.15 { ("meditation", 10) } else { ("breathing", 5) })
}

pub fn spo2(day: Date) -> f64 {
    ((95.8 + 2.0 * unit(day, 17)) * 1000.0).round() / 1000.0
}

pub fn breathing_disturbance(day: Date) -> u32 {
    (3.0 + 9.0 * unit(day, 18)) as u32
}

/// Seconds of high stress and of high recovery.
pub fn stress(day: Date) -> (u32, u32) {
    ((10_800.0 * unit(day, 19)) as u32 / 900 * 900, (18_000.0 * unit(day, 20)) as u32 / 900 * 900)
}

pub fn resilience(day: Date) -> &'static str {
    ["limited", "adequate", "solid", "strong", "exceptional"][(1.0
        + 2.5 * (wave(day, 31.0, 0.0) + 1.0) / 2.0
        + 1.4 * unit(day, 21))
    .floor() as usize
        % 5]
}

pub fn vascular_age(day: Date) -> u32 {
    37 + (unit(day, 22) * 3.0) as u32
}

/// VO2 max is estimated about once a week (Mondays).
pub fn vo2_max(day: Date) -> Option<u32> {
    (day.weekday() == jiff::civil::Weekday::Monday).then(|| 43 + (unit(day, 23) * 3.0) as u32)
}

fn contributors(day: Date, names: &[&str], salt: u64) -> String {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| format!(r#""{n}":{}"#, 60 + (39.0 * unit(day, salt + i as u64)) as u32))
        .collect::<Vec<_>>()
        .join(",")
}

/// The days the fake serves, `days` of them ending on `end`, ring-off days included (they
/// have no records).
pub fn seed(oura: &FakeOura, end: Date, days: i64) {
    let all: Vec<Date> = (0..days).rev().map(|i| end - i.days()).collect();
    let on: Vec<Date> = all.iter().copied().filter(|d| !ring_off(*d)).collect();
    let readiness_names = [
        "activity_balance",
        "body_temperature",
        "hrv_balance",
        "previous_day_activity",
        "previous_night",
        "recovery_index",
        "resting_heart_rate",
        "sleep_balance",
    ];
    let sleep_names = [
        "deep_sleep",
        "efficiency",
        "latency",
        "rem_sleep",
        "restfulness",
        "timing",
        "total_sleep",
    ];
    oura.add("daily_readiness", on.iter().map(|d| format!(
        r#"{{"id":"r-{d}","contributors":{{{}}},"day":"{d}","score":{},"temperature_deviation":{:.2},"temperature_trend_deviation":null,"timestamp":"{d}T00:00:00+00:00"}}"#,
        contributors(*d, &readiness_names, 30), readiness(*d), (unit(*d, 24) - 0.5) * 0.8)));
    oura.add("daily_sleep", on.iter().map(|d| format!(
        r#"{{"id":"s-{d}","contributors":{{{}}},"day":"{d}","score":{},"timestamp":"{d}T00:00:00+00:00"}}"#,
        contributors(*d, &sleep_names, 40), sleep_score(*d))));
    oura.add("sleep", on.iter().flat_map(|d| {
        let [deep, rem, light, awake] = stages(*d);
        let (before, after) = bedtime(*d);
        let start = d.at(0, 0, 0, 0) - before.minutes();
        let end = d.at(0, 0, 0, 0) + after.minutes();
        let items = |v: Vec<Option<u32>>| {
            v.iter().map(|x| x.map_or("null".to_string(), |x| format!("{x}.0"))).collect::<Vec<_>>().join(",")
        };
        let main = format!(
            r#"{{"id":"sl-{d}","average_breath":14.5,"average_heart_rate":58.1,"average_hrv":{hrv},"awake_time":{awake},"bedtime_end":"{end}+00:00","bedtime_start":"{start}+00:00","day":"{d}","deep_sleep_duration":{deep},"efficiency":{eff},"heart_rate":{{"interval":300.0,"items":[{hr}],"timestamp":"{start}.000+00:00"}},"hrv":{{"interval":300.0,"items":[{hrv_items}],"timestamp":"{start}.000+00:00"}},"latency":600,"light_sleep_duration":{light},"lowest_heart_rate":{low},"period":0,"rem_sleep_duration":{rem},"sleep_phase_5_min":"{phases}","time_in_bed":{bed},"total_sleep_duration":{total},"type":"long_sleep"}}"#,
            hr = items(night_heart_rate(*d)), hrv_items = items(night_hrv(*d)), phases = phases(*d),
            hrv = average_hrv(*d), low = lowest_heart_rate(*d), total = total_sleep(*d),
            eff = (100 * total_sleep(*d) / (total_sleep(*d) + awake)), bed = total_sleep(*d) + awake,
            start = start.strftime("%Y-%m-%dT%H:%M:%S"), end = end.strftime("%Y-%m-%dT%H:%M:%S"),
        );
        // A nap in the afternoon now and then: never the main sleep.
        let nap = (unit(*d, 25) < 0.2).then(|| format!(
            r#"{{"id":"nap-{d}","average_hrv":80,"bedtime_end":"{d}T14:40:00+00:00","bedtime_start":"{d}T14:00:00+00:00","day":"{d}","lowest_heart_rate":40,"total_sleep_duration":40000,"type":"late_nap"}}"#));
        std::iter::once(main).chain(nap)
    }));
    oura.add(
        "heartrate",
        on.iter().flat_map(|d| {
            heart_rate(*d)
                .into_iter()
                .map(|(t, bpm)| format!(r#"{{"bpm":{bpm},"source":"awake","timestamp":"{t}"}}"#))
        }),
    );
    oura.add("daily_activity", on.iter().map(|d| format!(
        r#"{{"id":"a-{d}","active_calories":{},"day":"{d}","score":{},"steps":{},"timestamp":"{d}T04:00:00+00:00"}}"#,
        active_calories(*d), activity_score(*d), steps(*d))));
    oura.add("enhanced_tag", on.iter().filter_map(|d| {
        let code = tag(*d)?;
        Some(format!(
            r#"{{"id":"t-{d}","tag_type_code":"{code}","start_time":"{d}T20:00:00+00:00","end_time":null,"start_day":"{d}","end_day":null,"comment":null,"custom_name":null}}"#))
    }));
    oura.add("rest_mode_period", rest_periods(end, days).into_iter().map(|(first, last)| format!(
        r#"{{"id":"rm-{first}","end_day":"{last}","end_time":"{last}T18:00:00+00:00","episodes":[{{"tags":["tag_generic_sick"],"timestamp":"{first}T09:00:00+00:00"}}],"start_day":"{first}","start_time":"{first}T09:00:00+00:00"}}"#)));
    oura.add("workout", on.iter().filter_map(|d| {
        let (activity, minutes, kcal) = workout(*d)?;
        let start = d.at(0, 0, 0, 0) + 18.hours();
        let end = start + minutes.minutes();
        Some(format!(
            r#"{{"id":"w-{d}","activity":"{activity}","calories":{kcal},"day":"{d}","distance":null,"end_datetime":"{}+00:00","intensity":"moderate","label":null,"source":"confirmed","start_datetime":"{}+00:00"}}"#,
            end.strftime("%Y-%m-%dT%H:%M:%S"), start.strftime("%Y-%m-%dT%H:%M:%S")))
    }));
    oura.add("session", on.iter().filter_map(|d| {
        let (kind, minutes) = session(*d)?;
        Some(format!(
            r#"{{"id":"se-{d}","day":"{d}","start_datetime":"{d}T21:00:00+00:00","end_datetime":"{d}T21:{minutes:02}:00+00:00","type":"{kind}","mood":"good"}}"#))
    }));
    oura.add("daily_spo2", on.iter().map(|d| format!(
        r#"{{"id":"o-{d}","day":"{d}","spo2_percentage":{{"average":{}}},"breathing_disturbance_index":{}}}"#,
        spo2(*d), breathing_disturbance(*d))));
    oura.add("daily_stress", on.iter().map(|d| {
        let (high, recovery) = stress(*d);
        format!(r#"{{"id":"st-{d}","day":"{d}","stress_high":{high},"recovery_high":{recovery},"day_summary":"normal"}}"#)
    }));
    oura.add("daily_resilience", on.iter().map(|d| format!(
        r#"{{"id":"re-{d}","day":"{d}","contributors":{{"sleep_recovery":60.1,"daytime_recovery":40.2,"stress":50.3}},"level":"{}"}}"#,
        resilience(*d))));
    oura.add(
        "daily_cardiovascular_age",
        on.iter().map(|d| format!(r#"{{"day":"{d}","vascular_age":{}}}"#, vascular_age(*d))),
    );
    oura.add(
        "vO2_max",
        on.iter().filter_map(|d| {
            Some(format!(
                r#"{{"id":"v-{d}","day":"{d}","timestamp":"{d}T12:00:00Z","vo2_max":{}}}"#,
                vo2_max(*d)?
            ))
        }),
    );
    oura.lock().series_page_size = 2000;
    oura.lock().page_size = 200;
}

/// The median of the values of `f` on the 30 days before `day` that have data (the
/// dashboard's baseline), if at least 5 have.
pub fn baseline(day: Date, f: impl Fn(Date) -> Option<f64>) -> Option<f64> {
    let mut values: Vec<f64> = (1..=30).filter_map(|i| f(day - (i as i64).days())).collect();
    if values.len() < 5 {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}
