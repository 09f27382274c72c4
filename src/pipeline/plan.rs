//! The plan of a type's fetch: the queries that cover a window ([`fetch_units`]), the pieces
//! still to hand out, the days a resumed backfill still needs, and why a type is skipped or
//! refused.

use super::*;

/// One query of one type: the days it files records under, and its query parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchUnit {
    pub keep: Window,
    pub params: Vec<(&'static str, String)>,
}

/// Splits the window into the queries that fetch `data_type`:
/// - date collections: pieces of at most [`MAX_DATE_COLLECTION_DAYS`] days, each asked for
///   with a day of padding on both sides, because the end date means midnight for some
///   collections and `sleep` filters on the bedtime's date (reference/oura-api.md §1.3);
/// - time series: pieces of at most 30 days of UTC time covering the local days in `tz`, as
///   [`SeriesPlan`] cuts them before any answer has come (a sync sizes the later ones from
///   the pages it gets);
/// - snapshots: one query with no range, filed under the window's last day.
pub fn fetch_units(data_type: DataType, window: Window, tz: &TimeZone) -> Vec<FetchUnit> {
    use jiff::ToSpan;
    match data_type.range() {
        RangeKind::Date => window
            .split(MAX_DATE_COLLECTION_DAYS)
            .into_iter()
            .map(|keep| FetchUnit {
                keep,
                params: vec![
                    ("start_date", (keep.start - 1.day()).to_string()),
                    ("end_date", (keep.end + 1.day()).to_string()),
                ],
            })
            .collect(),
        RangeKind::DateTime => {
            // The pieces a sync starts with, before any answer sizes the rest.
            let mut plan = SeriesPlan::new(vec![window], tz);
            std::iter::from_fn(|| plan.next_piece()).map(|keep| series_unit(keep, tz)).collect()
        }
        RangeKind::Snapshot | RangeKind::BareSnapshot => {
            vec![FetchUnit { keep: Window::new(window.end, window.end), params: Vec::new() }]
        }
    }
}

/// The query of a series piece: UTC datetimes bounding its local days in `tz`.
pub(super) fn series_unit(keep: Window, tz: &TimeZone) -> FetchUnit {
    let (from, to) = keep.utc_bounds(tz);
    FetchUnit {
        keep,
        params: vec![("start_datetime", utc_param(from)), ("end_datetime", utc_param(to))],
    }
}

/// The pieces of one type still to fetch, handed out as slots free up.
pub(super) enum Pieces {
    /// Known from the start: date collections and snapshots.
    Fixed(std::collections::VecDeque<FetchUnit>),
    /// Sized from the pages that come back (see [`crate::pieces`]).
    Series(SeriesPlan),
}

impl Pieces {
    pub(super) fn next(&mut self, tz: &TimeZone) -> Option<FetchUnit> {
        match self {
            Pieces::Fixed(queue) => queue.pop_front(),
            Pieces::Series(plan) => plan.next_piece().map(|keep| series_unit(keep, tz)),
        }
    }

    pub(super) fn learn(&mut self, keep: Window, seen: PageStats) {
        if let Pieces::Series(plan) = self {
            plan.learn(keep, seen);
        }
    }

    /// The days not handed out yet (what the progress bar counts).
    pub(super) fn days_left(&self) -> i64 {
        match self {
            Pieces::Fixed(queue) => queue.iter().map(|u| u.keep.len_days()).sum(),
            Pieces::Series(plan) => plan.days_left(),
        }
    }
}

/// Why a type is not fetched at all, if it is not. The granted scopes are no reason: they are
/// a hint (see [`crate::scope`]), so every type is asked for and Oura's answer decides.
pub fn skip_reason(data_type: DataType, sandbox: bool) -> Option<String> {
    (sandbox && data_type == DataType::PersonalInfo)
        .then(|| "Oura's sandbox has no personal_info".into())
}

/// Why Oura refused `data_type` (HTTP `status`), and what to do, naming the scope the
/// granted scopes did not seem to cover (`missing_scope`) when there is one.
pub fn refusal_reason(
    data_type: DataType,
    status: u16,
    detail: &str,
    missing_scope: Option<&str>,
) -> String {
    match (missing_scope, status) {
        (Some(scope), _) => format!(
            "scope `{scope}` not granted, and Oura refused it (HTTP {status}: {detail}); run `oura-sync auth` with {scope} in OURA_SCOPES"
        ),
        (None, 401) => format!(
            "Oura refused the token for it (HTTP 401: {detail}); if its scope `{}` was not granted, run `oura-sync auth` with it in OURA_SCOPES",
            data_type.scope()
        ),
        (None, _) => format!("Oura refused it (HTTP {status}: {detail})"),
    }
}

/// The runs of consecutive days of `window` that still need fetching. Without `resume`, the
/// whole window. With it, the days the ledger holds (with records or known empty) from a sync
/// made at least [`SETTLE_DAYS`] after the day are left out.
pub fn pending_runs(
    window: Window,
    known: &BTreeMap<Date, DayEntry>,
    tz: &TimeZone,
    resume: bool,
) -> Vec<Window> {
    use jiff::ToSpan;
    if !resume {
        return vec![window];
    }
    let settled = |day: Date| {
        known.get(&day).is_some_and(|e| local_day(e.synced_at, tz) >= day + SETTLE_DAYS.days())
    };
    let mut runs: Vec<Window> = Vec::new();
    for day in window.days().filter(|d| !settled(*d)) {
        match runs.last_mut() {
            Some(run) if run.end + 1.day() == day => run.end = day,
            _ => runs.push(Window::new(day, day)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn date_collections_are_padded_by_a_day_on_each_side() {
        let w = Window::new(date(2026, 11, 17), date(2026, 11, 23));
        let units = fetch_units(DataType::DailyActivity, w, &TimeZone::UTC);
        assert_eq!(
            units,
            vec![FetchUnit {
                keep: w,
                params: vec![
                    ("start_date", "2026-11-16".to_string()),
                    ("end_date", "2026-11-24".to_string())
                ],
            }]
        );
    }

    #[test]
    fn long_windows_split_into_quarters_and_series_into_first_pieces_of_four_days() {
        let w = Window::new(date(2024, 1, 1), date(2026, 12, 31));
        let units = fetch_units(DataType::DailySleep, w, &TimeZone::UTC);
        assert_eq!(units.len(), 13);
        let series = fetch_units(DataType::Heartrate, w, &TimeZone::UTC);
        assert_eq!(series.len(), 274);
        assert_eq!(series[0].params[0], ("start_datetime", "2024-01-01T00:00:00Z".to_string()));
        assert_eq!(series[0].params[1], ("end_datetime", "2024-01-05T00:00:00Z".to_string()));
    }

    #[test]
    fn series_bounds_are_the_local_days_in_utc() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let w = Window::new(date(2026, 11, 23), date(2026, 11, 23));
        let units = fetch_units(DataType::RingBatteryLevel, w, &ny);
        assert_eq!(units[0].params[0].1, "2026-11-23T05:00:00Z");
        assert_eq!(units[0].params[1].1, "2026-11-24T05:00:00Z");
    }

    #[test]
    fn snapshots_are_one_query_filed_under_the_last_day() {
        let w = Window::new(date(2026, 11, 17), date(2026, 11, 23));
        let units = fetch_units(DataType::PersonalInfo, w, &TimeZone::UTC);
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].keep, Window::new(date(2026, 11, 23), date(2026, 11, 23)));
        assert!(units[0].params.is_empty());
    }

    fn entry(day: Date, synced: &str) -> DayEntry {
        DayEntry {
            data_type: "daily_sleep".into(),
            day,
            record_count: 1,
            object_key: "k".into(),
            sha256: "s".into(),
            bytes: 1,
            run_id: "r".into(),
            synced_at: synced.parse().unwrap(),
        }
    }

    #[test]
    fn a_resumed_backfill_fetches_only_the_days_not_settled() {
        let w = Window::new(date(2026, 1, 1), date(2026, 1, 10));
        let mut known = BTreeMap::new();
        for d in 1..=4 {
            known.insert(date(2026, 1, d), entry(date(2026, 1, d), "2026-01-20T00:00:00Z"));
        }
        known.insert(date(2026, 1, 7), entry(date(2026, 1, 7), "2026-01-20T00:00:00Z"));
        // Synced the day after: not settled yet, so fetched again.
        known.insert(date(2026, 1, 10), entry(date(2026, 1, 10), "2026-01-11T09:00:00Z"));
        let runs = pending_runs(w, &known, &TimeZone::UTC, true);
        assert_eq!(
            runs,
            vec![
                Window::new(date(2026, 1, 5), date(2026, 1, 6)),
                Window::new(date(2026, 1, 8), date(2026, 1, 10)),
            ]
        );
        assert_eq!(pending_runs(w, &known, &TimeZone::UTC, false), vec![w]);
    }

    #[test]
    fn only_the_sandbox_personal_info_is_skipped_without_asking() {
        assert!(skip_reason(DataType::PersonalInfo, true).is_some());
        assert!(skip_reason(DataType::PersonalInfo, false).is_none());
        assert!(skip_reason(DataType::DailySleep, true).is_none());
    }

    #[test]
    fn a_refusal_names_the_scope_to_grant_when_it_seemed_missing() {
        let reason = refusal_reason(DataType::DailySpo2, 401, "Unauthorized", Some("spo2"));
        assert_eq!(
            reason,
            "scope `spo2` not granted, and Oura refused it (HTTP 401: Unauthorized); run `oura-sync auth` with spo2 in OURA_SCOPES"
        );
        let reason = refusal_reason(DataType::PersonalInfo, 403, "Subscription expired", None);
        assert_eq!(reason, "Oura refused it (HTTP 403: Subscription expired)");
        let reason = refusal_reason(DataType::DailyStress, 401, "no", None);
        assert!(reason.contains("scope `stress` was not granted"), "{reason}");
    }
}
