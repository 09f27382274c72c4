//! Why one attempt to send a notification failed, the pure retry decision on it, and the
//! helpers that turn a provider's answer into a one-line cause with no secret in it.

use std::fmt;
use std::time::Duration;

use crate::secret::Secret;
use crate::text::{error_chain, one_line};

/// The longest cause kept from a provider's answer, in characters.
pub const DETAIL_LIMIT: usize = 200;

/// The longest wait a `Retry-After` header may ask for before the one retry.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Why one attempt to deliver a notification failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// No answer within the send timeout.
    #[error("no answer within {}", seconds(*.0))]
    Timeout(Duration),
    /// The request never reached the provider (DNS, refused connection, TLS, a missing
    /// program).
    #[error("{0}")]
    Transport(String),
    /// The provider answered with an error status.
    #[error("{}", describe_http(*.status, .code.as_deref(), .detail))]
    Http {
        status: u16,
        /// The provider's own error code (Meta `error.code`, Twilio `code`), when it gave one.
        code: Option<String>,
        /// The provider's explanation, on one line.
        detail: String,
        /// How long the provider asked us to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
    },
    /// The provider answered but did not take the message (CallMeBot did not say "queued",
    /// OpenClaw exited non-zero or said `"ok": false`).
    #[error("{0}")]
    Refused(String),
}

fn seconds(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

fn describe_http(status: u16, code: Option<&str>, detail: &str) -> String {
    match (code, detail.is_empty()) {
        (Some(code), false) => format!("{code} {detail} (HTTP {status})"),
        (Some(code), true) => format!("{code} (HTTP {status})"),
        (None, false) => format!("HTTP {status}: {detail}"),
        (None, true) => format!("HTTP {status}"),
    }
}

/// Decides whether a failed attempt is worth the one retry, and after how long: yes for a
/// timeout, 429 and any 5xx (honouring `Retry-After` up to [`MAX_RETRY_AFTER`]); no for
/// everything else, which a second identical request would not fix (bad token, bad number,
/// template mismatch, a refused message).
pub fn retry_after(err: &SendError, default_delay: Duration) -> Option<Duration> {
    match err {
        SendError::Timeout(_) => Some(default_delay),
        SendError::Http { status, retry_after, .. } if *status == 429 || *status >= 500 => {
            Some(retry_after.map_or(default_delay, |d| d.min(MAX_RETRY_AFTER)))
        }
        _ => None,
    }
}

/// Describes a reqwest error on one line, without the URL: reqwest puts the whole URL in its
/// message, and CallMeBot's URL carries the API key.
pub(crate) fn transport(err: reqwest::Error, secrets: &[&Secret]) -> SendError {
    let err = err.without_url();
    SendError::Transport(clean(&error_chain(&err), secrets))
}

/// One line of at most [`DETAIL_LIMIT`] characters, with HTML tags dropped and every secret
/// value replaced by `(redacted)`, even if a provider echoes one back.
pub(crate) fn clean(text: &str, secrets: &[&Secret]) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    for secret in secrets {
        if !secret.is_empty() {
            plain = plain.replace(secret.expose(), "(redacted)");
        }
    }
    // And every other secret this process holds (the Oura tokens, the client secret).
    one_line(&crate::scrub::scrub(&plain), DETAIL_LIMIT)
}

/// The `Retry-After` header in seconds, when present and numeric.
pub(crate) fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// A failure of one channel, as the ledger and the log show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelFailure {
    /// The channel's name in `OURA_NOTIFY`.
    pub channel: &'static str,
    pub error: SendError,
}

impl fmt::Display for ChannelFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.channel, self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, retry_after: Option<Duration>) -> SendError {
        SendError::Http { status, code: None, detail: String::new(), retry_after }
    }

    #[test]
    fn only_timeouts_429_and_5xx_are_retried() {
        let d = Duration::from_secs(2);
        assert_eq!(retry_after(&SendError::Timeout(d), d), Some(d));
        assert_eq!(retry_after(&http(429, None), d), Some(d));
        assert_eq!(
            retry_after(&http(503, Some(Duration::from_secs(5))), d),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            retry_after(&http(500, Some(Duration::from_secs(3600))), d),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after(&http(400, None), d), None);
        assert_eq!(retry_after(&http(401, None), d), None);
        assert_eq!(retry_after(&SendError::Refused("no".into()), d), None);
        assert_eq!(retry_after(&SendError::Transport("refused".into()), d), None);
    }

    #[test]
    fn http_errors_read_code_first() {
        let e = SendError::Http {
            status: 400,
            code: Some("21211".into()),
            detail: "Invalid 'To' Phone Number".into(),
            retry_after: None,
        };
        assert_eq!(e.to_string(), "21211 Invalid 'To' Phone Number (HTTP 400)");
        assert_eq!(http(502, None).to_string(), "HTTP 502");
    }

    #[test]
    fn clean_drops_tags_secrets_and_newlines() {
        let key = Secret::new("998877");
        let text = "<html><body>\n<b>APIKey 998877 is invalid</b>\n</body></html>";
        assert_eq!(clean(text, &[&key]), "APIKey (redacted) is invalid");
        assert!(clean(&"x".repeat(500), &[]).chars().count() <= DETAIL_LIMIT);
    }
}
