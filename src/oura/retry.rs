//! Retry decisions for Oura responses, as pure functions: which answers are worth another
//! try, and how long to wait first. The loop that sleeps and retries lives in the client.

use std::time::Duration;

use jiff::Timestamp;

/// The longest wait a `Retry-After` (or `X-RateLimit-Reset`) may ask for before the type gives
/// up instead: a daily job should not hang for an hour on a rate limit.
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(300);

/// Attempts of one request that cannot even connect (DNS, refused, unreachable network)
/// before the client concludes Oura cannot be reached at all: fewer than for a passing fault
/// with an answer, so that an offline run ends in seconds rather than minutes.
pub const MAX_CONNECT_ATTEMPTS: usize = 3;

/// What a request that got no HTTP answer ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportClass {
    /// No connection could be made (name lookup, refused, unreachable, connect timeout):
    /// retried a little, then the whole run stops asking.
    Unreachable,
    /// The connection was made and then failed (reset, cut off, timed out): a passing fault.
    Transient,
}

/// Classifies a transport failure by whether it happened while connecting.
pub fn classify_transport(while_connecting: bool) -> TransportClass {
    if while_connecting { TransportClass::Unreachable } else { TransportClass::Transient }
}

/// The one line that ends a run that cannot reach `host`.
pub fn unreachable_message(host: &str, cause: &str) -> String {
    format!("cannot reach {host}: {cause}; check the network or proxy (HTTPS_PROXY, NO_PROXY)")
}

/// What to do with an HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusClass {
    /// 2xx: read the body.
    Success,
    /// 429: wait as the headers say, then try again.
    RateLimited,
    /// 401: the token was refused; a refresh may help once.
    Unauthorized,
    /// 403 (scope or membership) and 426 (the app must be updated): the type is skipped.
    Denied,
    /// 408 and 5xx: a passing fault; back off and try again.
    Transient,
    /// Any other 4xx: our request is wrong; retrying cannot help.
    Fatal,
}

/// Classifies an HTTP status.
pub fn classify_status(status: u16) -> StatusClass {
    match status {
        200..=299 => StatusClass::Success,
        429 => StatusClass::RateLimited,
        401 => StatusClass::Unauthorized,
        403 | 426 => StatusClass::Denied,
        408 | 500..=599 => StatusClass::Transient,
        _ => StatusClass::Fatal,
    }
}

/// How long a 429 asks us to wait: `Retry-After` in seconds, else until `X-RateLimit-Reset`
/// (Unix seconds), else `None` (use the backoff).
pub fn rate_limit_wait(
    retry_after: Option<&str>,
    reset: Option<&str>,
    now: Timestamp,
) -> Option<Duration> {
    if let Some(secs) = retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    let reset = reset.and_then(|v| v.trim().parse::<i64>().ok())?;
    let wait = reset - now.as_second();
    Some(Duration::from_secs(wait.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        assert_eq!(classify_status(200), StatusClass::Success);
        assert_eq!(classify_status(429), StatusClass::RateLimited);
        assert_eq!(classify_status(401), StatusClass::Unauthorized);
        assert_eq!(classify_status(403), StatusClass::Denied);
        assert_eq!(classify_status(426), StatusClass::Denied);
        assert_eq!(classify_status(502), StatusClass::Transient);
        assert_eq!(classify_status(408), StatusClass::Transient);
        assert_eq!(classify_status(400), StatusClass::Fatal);
        assert_eq!(classify_status(422), StatusClass::Fatal);
    }

    #[test]
    fn connect_failures_are_unreachable_others_transient() {
        assert_eq!(classify_transport(true), TransportClass::Unreachable);
        assert_eq!(classify_transport(false), TransportClass::Transient);
        let line = unreachable_message("api.ouraring.com", "dns error");
        assert!(line.starts_with("cannot reach api.ouraring.com: dns error;"), "{line}");
        assert!(line.contains("HTTPS_PROXY"));
    }

    #[test]
    fn retry_after_wins_then_the_reset_time() {
        let now = Timestamp::from_second(1_000).unwrap();
        assert_eq!(rate_limit_wait(Some("7"), Some("2000"), now), Some(Duration::from_secs(7)));
        assert_eq!(rate_limit_wait(None, Some("1030"), now), Some(Duration::from_secs(30)));
        assert_eq!(rate_limit_wait(None, Some("900"), now), Some(Duration::ZERO));
        assert_eq!(rate_limit_wait(Some("soon"), None, now), None);
        assert_eq!(rate_limit_wait(None, None, now), None);
    }
}
