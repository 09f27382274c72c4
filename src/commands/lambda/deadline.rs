//! When an invocation stops starting work: early enough before Lambda's deadline that the
//! pieces in flight can finish (each file and ledger entry whole), the run be recorded as
//! interrupted, and the answer sent, instead of the process being frozen mid-write.

use std::time::Duration;

/// What the end of a run needs after the stop (silver, ledger, message, answer), beyond the
/// requests in flight.
const WRAP_UP: Duration = Duration::from_secs(15);

/// How long after now to cancel the run, given the `remaining` time before the deadline and
/// the longest one request may take (`OURA_HTTP_TIMEOUT`): the requests in flight and the
/// wrap-up must fit in what is left, but never more than half the invocation is kept back
/// (a short test deadline still does some work).
pub fn stop_after(remaining: Duration, attempt_timeout: Duration) -> Duration {
    let margin = (attempt_timeout + WRAP_UP).min(remaining / 2);
    remaining.saturating_sub(margin)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 15-minute function with 60-second requests stops 75 s before its deadline; a short
    /// one keeps half its time for the wrap-up; a deadline already passed stops at once.
    #[test]
    fn the_stop_leaves_room_for_the_requests_in_flight_and_the_wrap_up() {
        let minute = Duration::from_secs(60);
        assert_eq!(stop_after(Duration::from_secs(900), minute), Duration::from_secs(825));
        assert_eq!(stop_after(Duration::from_secs(4), minute), Duration::from_secs(2));
        assert_eq!(stop_after(Duration::ZERO, minute), Duration::ZERO);
        let ten = Duration::from_secs(10);
        assert_eq!(stop_after(Duration::from_secs(120), ten), Duration::from_secs(95));
    }
}
