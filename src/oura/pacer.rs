//! Client-side pacing against Oura's rate limit: at most `limit` requests in any rolling
//! `window` (Oura's published figure was 5,000 per 5 minutes, per token and per app).
//!
//! A run that needs fewer requests than the window allows is never slowed; a longer one
//! settles at the limit instead of running into 429s. The default leaves 10% of the window to
//! other clients of the same token.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Oura's rolling window.
pub const RATE_WINDOW: Duration = Duration::from_secs(300);
/// Oura's limit per window.
pub const OURA_LIMIT: usize = 5000;
/// What oura-sync uses of it by default: 90%, leaving headroom for other clients.
pub const DEFAULT_LIMIT: usize = OURA_LIMIT * 9 / 10;

/// When the next request may go, given the send times of earlier ones (oldest first):
/// `None` for now, else the instant the oldest request in the window leaves it.
pub fn next_slot(
    sent: &VecDeque<Instant>,
    now: Instant,
    limit: usize,
    window: Duration,
) -> Option<Instant> {
    let in_window = sent.iter().filter(|t| now.duration_since(**t) < window).count();
    if in_window < limit {
        None
    } else {
        // The `in_window - limit + 1`-th oldest request in the window must leave it first.
        let first_in_window = sent.len() - in_window;
        Some(sent[first_in_window + in_window - limit] + window)
    }
}

/// A shared pacer for every request of a run.
#[derive(Debug)]
pub struct Pacer {
    limit: usize,
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
}

impl Pacer {
    pub fn new(limit: usize, window: Duration) -> Self {
        Self { limit: limit.max(1), window, sent: Mutex::new(VecDeque::new()) }
    }

    /// Waits until one more request fits in the window, and counts it.
    pub async fn wait_turn(&self) {
        loop {
            let wait_until = {
                let mut sent = self.sent.lock().await;
                let now = Instant::now();
                while sent.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    sent.pop_front();
                }
                match next_slot(&sent, now, self.limit, self.window) {
                    None => {
                        sent.push_back(now);
                        return;
                    }
                    Some(at) => at,
                }
            };
            tracing::debug!(wait = ?wait_until.saturating_duration_since(Instant::now()), "Pacing under the rate limit.");
            tokio::time::sleep_until(wait_until).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_the_limit_requests_go_at_once() {
        let now = Instant::now();
        let sent: VecDeque<_> = (0..4).map(|i| now - Duration::from_secs(i)).rev().collect();
        assert_eq!(next_slot(&sent, now, 5, Duration::from_secs(10)), None);
    }

    #[test]
    fn at_the_limit_the_next_waits_for_the_oldest_to_leave() {
        let now = Instant::now();
        // Sent 9, 7, 5 seconds ago; limit 3 per 10 s: the next goes when the first leaves.
        let sent: VecDeque<_> =
            [9, 7, 5].into_iter().map(|s| now - Duration::from_secs(s)).collect();
        let at = next_slot(&sent, now, 3, Duration::from_secs(10)).unwrap();
        assert_eq!(at, now + Duration::from_secs(1));
        // Requests older than the window do not count.
        let sent: VecDeque<_> =
            [12, 7, 5].into_iter().map(|s| now - Duration::from_secs(s)).collect();
        assert_eq!(next_slot(&sent, now, 3, Duration::from_secs(10)), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_run_settles_at_the_limit() {
        let pacer = Pacer::new(10, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..25 {
            pacer.wait_turn().await;
        }
        // 25 requests at 10 per minute: the 21st to 25th go in the third minute.
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_secs(120) && elapsed < Duration::from_secs(121),
            "{elapsed:?}"
        );
    }
}
