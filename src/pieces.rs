//! How a time-series window (`heartrate`, `ring_battery_level`) is cut into pieces, sized
//! from the pages Oura actually returns.
//!
//! The pages of one query come one after another: each needs the previous page's
//! `next_token`. On Oura a heart-rate page holds about a day of samples, so a 30-day piece is
//! a chain of about 30 requests, and a few such chains left at the end of a backfill keep it
//! waiting long after the other requests are done. Pieces run side by side, so the window is
//! cut into pieces that each take about [`TARGET_PAGES`] pages:
//! - before any answer, a short window is cut into about [`SERIES_PIECES`] pieces (a week into
//!   seven one-day pieces), a long one into pieces of [`FIRST_PIECE_MAX_DAYS`] days;
//! - after each piece, the next pieces are sized from what it showed: once a page came with a
//!   `next_token` (so its length is the server's page size), `TARGET_PAGES` pages' worth of
//!   the samples per day just seen; while every piece fit in one page, twice the last one;
//! - never more than [`MAX_SERIES_DAYS`] × 24 h of UTC time (Oura's limit per request), so a
//!   piece holding a 25-hour day has a day fewer.
//!
//! Where pages are large (the sandbox, a test server), pieces grow to 30 days and a backfill
//! makes as few requests as before; where they are small, chains stay short.

use std::collections::VecDeque;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, ToSpan};

use crate::window::{MAX_SERIES_DAYS, Window};

/// Pages a piece should take once the page size is known: long enough that the extra first
/// page of every piece costs little (one in eight), short enough that no chain is long.
pub const TARGET_PAGES: u64 = 8;

/// How many pieces a short series window is cut into before anything is known, so that its
/// pages come in parallel rather than one after another.
pub const SERIES_PIECES: i64 = 8;

/// The longest first pieces of a long window, before any page has come back: about four of
/// Oura's heart-rate pages.
pub const FIRST_PIECE_MAX_DAYS: i64 = 4;

/// What one fetched piece showed about the server's pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageStats {
    /// Records received, over all pages.
    pub records: u64,
    /// The longest page that came with a `next_token` (a full page), if any did.
    pub full_page: Option<u64>,
}

/// The pieces still to fetch of one series type, handed out one at a time.
#[derive(Debug)]
pub struct SeriesPlan {
    /// Runs of consecutive days still to cut, in order.
    runs: VecDeque<Window>,
    tz: TimeZone,
    /// The length of the next piece, in days.
    next_days: i64,
    /// The server's page size, once a full page has been seen.
    page_size: Option<u64>,
}

impl SeriesPlan {
    /// A plan over `runs` (consecutive days each, as [`crate::pipeline::pending_runs`] gives
    /// them) of local days in `tz`.
    pub fn new(runs: Vec<Window>, tz: &TimeZone) -> Self {
        let total: i64 = runs.iter().map(Window::len_days).sum();
        let next_days =
            ((total + SERIES_PIECES - 1) / SERIES_PIECES).clamp(1, FIRST_PIECE_MAX_DAYS);
        Self { runs: runs.into(), tz: tz.clone(), next_days, page_size: None }
    }

    /// The days not handed out yet.
    pub fn days_left(&self) -> i64 {
        self.runs.iter().map(Window::len_days).sum()
    }

    /// The next piece: the next days of the first run, as many as the pieces are sized now,
    /// within [`MAX_SERIES_DAYS`] × 24 h of UTC time.
    pub fn next_piece(&mut self) -> Option<Window> {
        let run = self.runs.front_mut()?;
        let piece = first_piece(*run, self.next_days, &self.tz);
        if piece.end >= run.end {
            self.runs.pop_front();
        } else {
            run.start = piece.end + 1.day();
        }
        Some(piece)
    }

    /// Sizes the next pieces from what the fetch of `piece` showed.
    pub fn learn(&mut self, piece: Window, seen: PageStats) {
        if let Some(full) = seen.full_page {
            self.page_size = Some(self.page_size.map_or(full, |known| known.max(full)));
        }
        self.next_days = next_piece_days(piece.len_days(), seen.records, self.page_size);
    }
}

/// The length of the next pieces after a piece of `piece_days` days brought `records`, the
/// server's page size being `page_size` when known: [`TARGET_PAGES`] pages' worth of that
/// piece's samples per day; twice the piece when the page size is unknown (everything fit in
/// one page) or the piece was empty; always 1..=[`MAX_SERIES_DAYS`].
pub fn next_piece_days(piece_days: i64, records: u64, page_size: Option<u64>) -> i64 {
    let days = match page_size {
        Some(page) if records > 0 => {
            let per_day = records as f64 / piece_days.max(1) as f64;
            ((TARGET_PAGES * page) as f64 / per_day).round() as i64
        }
        _ => 2 * piece_days,
    };
    days.clamp(1, MAX_SERIES_DAYS)
}

/// The first `days` days of `run` (or all of it, if shorter), a day fewer for as long as the
/// piece would span more than [`MAX_SERIES_DAYS`] × 24 h of UTC time in `tz`.
pub fn first_piece(run: Window, days: i64, tz: &TimeZone) -> Window {
    let limit = SignedDuration::from_hours(24 * MAX_SERIES_DAYS);
    let mut end = (run.start + (days.max(1) - 1).days()).min(run.end);
    while end > run.start {
        let (from, to) = Window::new(run.start, end).utc_bounds(tz);
        if from.duration_until(to) <= limit {
            break;
        }
        end -= 1.day();
    }
    Window::new(run.start, end)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn ny() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    fn all_pieces(plan: &mut SeriesPlan) -> Vec<Window> {
        std::iter::from_fn(|| plan.next_piece()).collect()
    }

    #[test]
    fn before_any_answer_a_week_is_seven_days_and_a_month_eight_pieces() {
        let week = Window::ending_on(date(2026, 11, 23), 7);
        let pieces = all_pieces(&mut SeriesPlan::new(vec![week], &TimeZone::UTC));
        assert_eq!(pieces.len(), 7);
        assert!(pieces.iter().all(|p| p.len_days() == 1));
        let month = Window::ending_on(date(2026, 11, 23), 30);
        let pieces = all_pieces(&mut SeriesPlan::new(vec![month], &TimeZone::UTC));
        assert_eq!(
            pieces.iter().map(Window::len_days).collect::<Vec<_>>(),
            [4, 4, 4, 4, 4, 4, 4, 2]
        );
        let years = Window::new(date(2023, 11, 24), date(2026, 11, 23));
        let mut plan = SeriesPlan::new(vec![years], &TimeZone::UTC);
        assert_eq!(plan.next_piece().unwrap().len_days(), FIRST_PIECE_MAX_DAYS);
        assert_eq!(plan.days_left(), years.len_days() - FIRST_PIECE_MAX_DAYS);
    }

    #[test]
    fn pieces_are_sized_from_the_pages_seen() {
        // A day of heart rate per page (288 samples every 5 minutes): eight days a piece.
        assert_eq!(next_piece_days(4, 4 * 288 + 1, Some(288)), 8);
        // Battery levels every 15 minutes on the same pages: 24 days.
        assert_eq!(next_piece_days(4, 4 * 96, Some(288)), 24);
        // Pages far larger than a month of samples: the most Oura allows.
        assert_eq!(next_piece_days(4, 4 * 288, Some(10_000)), 30);
        // Pages holding an hour: one day, never less.
        assert_eq!(next_piece_days(1, 288, Some(12)), 1);
        // Nothing known yet about the page size, or an empty piece: twice the piece.
        assert_eq!(next_piece_days(4, 1000, None), 8);
        assert_eq!(next_piece_days(16, 0, Some(288)), 30);
    }

    #[test]
    fn a_plan_learns_and_covers_every_run_end_to_end() {
        let runs = vec![
            Window::new(date(2026, 1, 1), date(2026, 3, 31)),
            Window::new(date(2026, 5, 1), date(2026, 5, 3)),
        ];
        let mut plan = SeriesPlan::new(runs.clone(), &TimeZone::UTC);
        let first = plan.next_piece().unwrap();
        assert_eq!(first, Window::new(date(2026, 1, 1), date(2026, 1, 4)));
        plan.learn(first, PageStats { records: 4 * 288, full_page: Some(288) });
        let second = plan.next_piece().unwrap();
        assert_eq!(second, Window::new(date(2026, 1, 5), date(2026, 1, 12)));
        // A later piece that fit one page does not forget the page size seen.
        plan.learn(second, PageStats { records: 8 * 288, full_page: None });
        let mut pieces = vec![first, second];
        pieces.extend(all_pieces(&mut plan));
        assert_eq!(pieces[2].len_days(), 8);
        // The runs, covered without gap or overlap, a piece never crossing from one to the next.
        let days: Vec<_> = pieces.iter().flat_map(|p| p.days()).collect();
        let expected: Vec<_> = runs.iter().flat_map(|r| r.days()).collect();
        assert_eq!(days, expected);
        assert_eq!(pieces.last().unwrap(), &Window::new(date(2026, 5, 1), date(2026, 5, 3)));
    }

    #[test]
    fn a_piece_stays_within_thirty_days_of_utc_time() {
        // 2026-11-01 is 25 hours long in New York: thirty days holding it are 30 days + 1 h.
        let run = Window::new(date(2026, 10, 15), date(2026, 12, 31));
        assert_eq!(
            first_piece(run, 30, &ny()),
            Window::new(date(2026, 10, 15), date(2026, 11, 12))
        );
        assert_eq!(first_piece(run, 30, &TimeZone::UTC).len_days(), 30);
        let short = Window::new(date(2026, 10, 15), date(2026, 10, 16));
        assert_eq!(first_piece(short, 30, &ny()), short);
    }
}
