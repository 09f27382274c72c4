//! The checks of a delivery's authenticity, pure: Oura's signature (upper-case hex
//! HMAC-SHA256 of the `x-oura-timestamp` value followed by the raw body, keyed with the app's
//! client secret), compared in constant time, and the freshness of its timestamp, so that a
//! captured delivery cannot be replayed later.

use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::Sha256;

/// How far a delivery's timestamp may be from now, either way (the issue's "5 minutes off").
pub const MAX_SKEW: SignedDuration = SignedDuration::from_mins(5);

/// Why a delivery is not taken as Oura's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no x-oura-signature or x-oura-timestamp header")]
    MissingHeaders,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the timestamp is not a time")]
    BadTimestamp,
    #[error("the timestamp is more than 5 minutes off")]
    Stale,
}

/// The signature Oura sends for `timestamp` and `body`: upper-case hex HMAC-SHA256.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    hex::encode_upper(mac(secret, timestamp, body).finalize().into_bytes())
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac
}

/// True if and only if `signature` (hex, either case) is the MAC of `timestamp` and `body`;
/// the comparison takes the same time whatever the bytes.
pub fn verify(secret: &[u8], timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Ok(given) = hex::decode(signature.trim()) else { return false };
    mac(secret, timestamp, body).verify_slice(&given).is_ok()
}

/// Reads `x-oura-timestamp` (Unix seconds, or milliseconds, or RFC 3339) and checks that it
/// is within [`MAX_SKEW`] of `now`.
pub fn check_timestamp(value: &str, now: Timestamp) -> Result<Timestamp, Refusal> {
    let value = value.trim();
    let at = match value.parse::<i64>() {
        // Beyond 10^11 seconds (year 5138) the number can only be milliseconds.
        Ok(n) if n.abs() >= 100_000_000_000 => Timestamp::from_millisecond(n),
        Ok(n) => Timestamp::from_second(n),
        Err(_) => value.parse::<Timestamp>(),
    }
    .map_err(|_| Refusal::BadTimestamp)?;
    if now.duration_since(at).abs() > MAX_SKEW {
        return Err(Refusal::Stale);
    }
    Ok(at)
}

/// Checks a delivery's two headers against `body`: the signature first (a forged delivery
/// learns nothing about the clock), then the timestamp.
pub fn authenticate(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: Timestamp,
) -> Result<Timestamp, Refusal> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(Refusal::MissingHeaders);
    };
    if !verify(secret, timestamp, body, signature) {
        return Err(Refusal::BadSignature);
    }
    check_timestamp(timestamp, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"client-secret";
    const BODY: &[u8] = br#"{"event_type":"update","data_type":"sleep"}"#;

    /// The signature is the upper-case hex HMAC-SHA256 of timestamp then body (a known
    /// vector computed with Python's `hmac`).
    #[test]
    fn the_signature_is_upper_case_hex_hmac_of_timestamp_then_body() {
        let signature = sign(b"key", "1700000000", b"{}");
        assert_eq!(signature, "8BF94835BBBCEF46F74A1250C47850EDE3FA88090E59F1B0BC6AF31209A97CA9");
        assert_eq!(signature.len(), 64);
        assert_eq!(signature, signature.to_uppercase());
        assert!(verify(b"key", "1700000000", b"{}", &signature));
        assert!(verify(b"key", "1700000000", b"{}", &signature.to_lowercase()));
    }

    /// Any change to the key, timestamp, body or signature fails the check; so does a
    /// signature that is not hex at all.
    #[test]
    fn any_change_fails_the_signature() {
        let good = sign(SECRET, "1700000000", BODY);
        assert!(verify(SECRET, "1700000000", BODY, &good));
        assert!(!verify(b"other", "1700000000", BODY, &good));
        assert!(!verify(SECRET, "1700000001", BODY, &good));
        assert!(!verify(SECRET, "1700000000", b"{}", &good));
        assert!(!verify(SECRET, "1700000000", BODY, &good[..62]));
        assert!(!verify(SECRET, "1700000000", BODY, "not hex"));
        assert!(!verify(SECRET, "1700000000", BODY, ""));
    }

    /// A timestamp within five minutes either way passes; beyond, or not a time, is refused.
    /// Seconds, milliseconds and RFC 3339 are read.
    #[test]
    fn the_timestamp_must_be_within_five_minutes() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        assert!(check_timestamp("1700000000", now).is_ok());
        assert!(check_timestamp("1699999701", now).is_ok());
        assert!(check_timestamp("1700000299", now).is_ok());
        assert_eq!(check_timestamp("1699999699", now), Err(Refusal::Stale));
        assert_eq!(check_timestamp("1700000301", now), Err(Refusal::Stale));
        assert!(check_timestamp("1700000000123", now).is_ok());
        assert!(check_timestamp("2023-11-14T22:13:20Z", now).is_ok());
        assert_eq!(check_timestamp("yesterday", now), Err(Refusal::BadTimestamp));
    }

    /// Missing headers, a bad signature and a stale (but well-signed) delivery are each
    /// refused for their own reason.
    #[test]
    fn authentication_needs_both_headers_a_good_signature_and_a_fresh_time() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let good = sign(SECRET, "1700000000", BODY);
        assert!(authenticate(SECRET, Some("1700000000"), Some(&good), BODY, now).is_ok());
        assert_eq!(
            authenticate(SECRET, None, Some(&good), BODY, now),
            Err(Refusal::MissingHeaders)
        );
        assert_eq!(
            authenticate(SECRET, Some("1700000000"), Some("00"), BODY, now),
            Err(Refusal::BadSignature)
        );
        let old = sign(SECRET, "1699990000", BODY);
        assert_eq!(
            authenticate(SECRET, Some("1699990000"), Some(&old), BODY, now),
            Err(Refusal::Stale)
        );
    }
}
