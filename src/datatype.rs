//! The 19 Oura data types oura-sync knows: their names, API paths, how they are queried, which
//! OAuth scope they need, and which field files a record under a day (CONTRACT §3).

use std::fmt;
use std::str::FromStr;

/// How a collection is asked for a range of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeKind {
    /// `start_date`/`end_date`; the end-date semantics differ per collection, so the
    /// window is padded by a day on each side and the records are filtered on the client.
    Date,
    /// `start_datetime`/`end_datetime` in UTC, at most [`crate::window::MAX_SERIES_DAYS`] days.
    DateTime,
    /// No range at all (`ring_configuration`): a snapshot with an envelope.
    Snapshot,
    /// A bare object, no envelope, no range (`personal_info`).
    BareSnapshot,
}

/// Which part of a record decides the day it is filed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayRule {
    /// The record's `day` (or another date-valued) field, as Oura assigned it.
    Field(&'static str),
    /// The date of the record's `timestamp` in `OURA_TIMEZONE`.
    LocalTimestamp,
    /// A snapshot, filed under the window's last day.
    WindowEnd,
}

macro_rules! data_types {
    ($($variant:ident => $name:literal, $path:literal, $range:ident, $day:expr, $scope:expr;)*) => {
        /// One Oura data type (a collection of the API).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum DataType { $($variant),* }

        impl DataType {
            /// Every type, in the order reports list them.
            pub const ALL: &'static [DataType] = &[$(DataType::$variant),*];

            /// The name used in settings, lake keys and reports (Oura's name in lower case).
            pub fn name(self) -> &'static str {
                match self { $(DataType::$variant => $name),* }
            }

            /// The path segment under `/v2/usercollection/`.
            pub fn api_path(self) -> &'static str {
                match self { $(DataType::$variant => $path),* }
            }

            /// How the collection takes a range.
            pub fn range(self) -> RangeKind {
                match self { $(DataType::$variant => RangeKind::$range),* }
            }

            /// Which part of a record gives its day.
            pub fn day_rule(self) -> DayRule {
                match self { $(DataType::$variant => $day),* }
            }

            /// The OAuth scope the live API is thought to enforce for this type
            /// (reference/oura-api.md §3.3): a hint for messages, never a reason not to ask
            /// (see [`crate::scope`]). `personal_info`'s `id` needs none; `personal` adds the rest.
            pub fn scope(self) -> &'static str {
                match self { $(DataType::$variant => $scope),* }
            }
        }
    };
}

data_types! {
    DailyActivity => "daily_activity", "daily_activity", Date, DayRule::Field("day"), "daily";
    DailyReadiness => "daily_readiness", "daily_readiness", Date, DayRule::Field("day"), "daily";
    DailySleep => "daily_sleep", "daily_sleep", Date, DayRule::Field("day"), "daily";
    Sleep => "sleep", "sleep", Date, DayRule::Field("day"), "daily";
    SleepTime => "sleep_time", "sleep_time", Date, DayRule::Field("day"), "daily";
    DailySpo2 => "daily_spo2", "daily_spo2", Date, DayRule::Field("day"), "spo2";
    DailyStress => "daily_stress", "daily_stress", Date, DayRule::Field("day"), "stress";
    DailyResilience => "daily_resilience", "daily_resilience", Date, DayRule::Field("day"), "stress";
    DailyCardiovascularAge => "daily_cardiovascular_age", "daily_cardiovascular_age", Date, DayRule::Field("day"), "heart_health";
    Vo2Max => "vo2_max", "vO2_max", Date, DayRule::Field("day"), "heart_health";
    Workout => "workout", "workout", Date, DayRule::Field("day"), "workout";
    Session => "session", "session", Date, DayRule::Field("day"), "session";
    Tag => "tag", "tag", Date, DayRule::Field("day"), "tag";
    EnhancedTag => "enhanced_tag", "enhanced_tag", Date, DayRule::Field("start_day"), "tag";
    RestModePeriod => "rest_mode_period", "rest_mode_period", Date, DayRule::Field("start_day"), "daily";
    Heartrate => "heartrate", "heartrate", DateTime, DayRule::LocalTimestamp, "heartrate";
    RingBatteryLevel => "ring_battery_level", "ring_battery_level", DateTime, DayRule::LocalTimestamp, "ring_configuration";
    RingConfiguration => "ring_configuration", "ring_configuration", Snapshot, DayRule::WindowEnd, "ring_configuration";
    PersonalInfo => "personal_info", "personal_info", BareSnapshot, DayRule::WindowEnd, "personal";
}

/// The list routes under `/v2/usercollection/` that oura-sync deliberately does not sync,
/// each with the reason: none today. The spec check (`tests/it/real_api.rs`) fails when the
/// newest export has a list route that is neither a [`DataType`] nor listed here, so a new
/// collection is noticed. (Single-document routes, `/<type>/{document_id}`, serve records the
/// list routes already hold, and are not list routes.)
pub const LEFT_OUT_COLLECTIONS: &[(&str, &str)] = &[];

impl DataType {
    /// True for the time series whose rows have no `id` and are keyed by their timestamp.
    pub fn is_series(self) -> bool {
        self.range() == RangeKind::DateTime
    }

    /// Parses a comma-separated list of type names (`OURA_TYPES`, `--types`), keeping the
    /// canonical order and dropping repeats.
    pub fn parse_list(list: &str) -> Result<Vec<DataType>, UnknownType> {
        let mut types = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            types.push(name.parse::<DataType>()?);
        }
        types.sort();
        types.dedup();
        Ok(types)
    }

    /// The place of the type named `name` in [`DataType::ALL`] (the order reports list
    /// types in); an unknown name sorts last.
    pub fn rank_of(name: &str) -> usize {
        DataType::ALL.iter().position(|t| t.name() == name).unwrap_or(usize::MAX)
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of the 19 types.
#[derive(Debug, thiserror::Error)]
#[error("unknown data type `{0}`; known types: {known}", known = known_names())]
pub struct UnknownType(pub String);

fn known_names() -> String {
    DataType::ALL.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
}

impl FromStr for DataType {
    type Err = UnknownType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        DataType::ALL
            .iter()
            .copied()
            .find(|t| t.name() == wanted)
            .ok_or_else(|| UnknownType(s.trim().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_nineteen_types_with_unique_names() {
        assert_eq!(DataType::ALL.len(), 19);
        let mut names: Vec<_> = DataType::ALL.iter().map(|t| t.name()).collect();
        names.dedup();
        assert_eq!(names.len(), 19);
    }

    #[test]
    fn vo2_max_has_a_mixed_case_path() {
        assert_eq!(DataType::Vo2Max.name(), "vo2_max");
        assert_eq!(DataType::Vo2Max.api_path(), "vO2_max");
        assert_eq!("VO2_MAX".parse::<DataType>().unwrap(), DataType::Vo2Max);
    }

    #[test]
    fn a_list_is_sorted_deduplicated_and_rejects_unknown_names() {
        let types = DataType::parse_list("heartrate, daily_sleep,heartrate").unwrap();
        assert_eq!(types, vec![DataType::DailySleep, DataType::Heartrate]);
        let err = DataType::parse_list("daily_sleep,steps").unwrap_err();
        assert!(err.to_string().starts_with("unknown data type `steps`"));
    }

    #[test]
    fn day_rules_follow_the_contract() {
        assert_eq!(DataType::EnhancedTag.day_rule(), DayRule::Field("start_day"));
        assert_eq!(DataType::RestModePeriod.day_rule(), DayRule::Field("start_day"));
        assert_eq!(DataType::Heartrate.day_rule(), DayRule::LocalTimestamp);
        assert_eq!(DataType::PersonalInfo.day_rule(), DayRule::WindowEnd);
        assert_eq!(DataType::Sleep.day_rule(), DayRule::Field("day"));
    }
}
