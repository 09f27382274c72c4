//! Numbers exactly as Oura wrote them. `serde_json` reads an integer beyond 64 bits as a
//! double (`12345678901234567890123` becomes `1.2345678901234568e22`) and refuses a number a
//! double cannot hold (`1e400`), which failed the record's whole month. Here a record's text is
//! scanned first: when every number survives (a 64-bit integer, or a finite double that stands
//! for the same decimal), it is parsed as before; otherwise each top-level field that holds
//! such a number is kept as its exact JSON text ([`RawValue`]) for `_extra`, and the rest is
//! parsed and typed as usual. This keeps `serde_json`'s `arbitrary_precision` off: that feature
//! is crate-wide and changes how every `Number` in the program (and in `arrow-json`'s decoder)
//! is represented.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A record split into what a [`Value`] holds exactly and what is kept as its text.
#[derive(Debug, Default)]
pub struct ParsedRecord {
    pub typed: Map<String, Value>,
    /// Top-level fields holding a number a [`Value`] would change, as their exact JSON text.
    pub raw: BTreeMap<String, Box<RawValue>>,
}

/// Parses one bronze line (a JSON object); `None` when it is not one.
pub fn parse_record(line: &str) -> Option<ParsedRecord> {
    if numbers_are_exact(line) {
        return match serde_json::from_str(line) {
            Ok(Value::Object(typed)) => Some(ParsedRecord { typed, raw: BTreeMap::new() }),
            _ => None,
        };
    }
    let fields: BTreeMap<String, Box<RawValue>> = serde_json::from_str(line).ok()?;
    let mut record = ParsedRecord::default();
    for (name, raw) in fields {
        if numbers_are_exact(raw.get())
            && let Ok(value) = serde_json::from_str(raw.get())
        {
            record.typed.insert(name, value);
        } else {
            record.raw.insert(name, raw);
        }
    }
    Some(record)
}

/// True when every number in the JSON text `text` reads into a [`Value`] unchanged.
pub fn numbers_are_exact(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (mut i, mut in_string) = (0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                if !number_is_exact(&text[start..i]) {
                    return false;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    true
}

/// True when the JSON number `token` reads into a [`Value`] as the same number: an integer
/// that fits 64 bits, or a decimal whose nearest double is finite and writes back as the same
/// decimal (`0.1` yes; `1e400`, `0.30000000000000000001` no).
fn number_is_exact(token: &str) -> bool {
    if !token.contains(['.', 'e', 'E']) {
        return token.parse::<i64>().is_ok() || token.parse::<u64>().is_ok();
    }
    let Ok(value) = token.parse::<f64>() else { return false };
    value.is_finite()
        && decimal(token).is_some()
        && decimal(token) == decimal(&format!("{value:e}"))
}

/// A decimal as (negative, its significant digits, the power of ten of the last one).
fn decimal(text: &str) -> Option<(bool, String, i64)> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], rest[at + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits = format!("{whole}{fraction}");
    let mut power = exponent.checked_sub(i64::try_from(fraction.len()).ok()?)?;
    while digits.ends_with('0') {
        digits.pop();
        power += 1;
    }
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some((negative, String::new(), 0));
    }
    Some((negative, digits.to_string(), power))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Integers beyond 64 bits and numbers beyond a double are not exact; ordinary numbers,
    /// and digits inside strings, are.
    #[test]
    fn numbers_a_value_would_change_are_found() {
        for exact in [
            "5",
            "-9223372036854775808",
            "18446744073709551615",
            "0.1",
            "-0.0",
            "1e308",
            "14.5",
            "1E2",
            "2.5e-3",
        ] {
            assert!(numbers_are_exact(exact), "{exact}");
        }
        for changed in [
            "12345678901234567890123",
            "-9223372036854775809",
            "1e400",
            "-1e400",
            "0.30000000000000000001",
            "1e-400",
        ] {
            assert!(!numbers_are_exact(changed), "{changed}");
        }
        assert!(numbers_are_exact(r#"{"id":"12345678901234567890123\"1e400","n":[1,2.5]}"#));
        assert!(!numbers_are_exact(r#"{"id":"a","n":[1,1e400]}"#));
    }

    /// A record with such a number keeps that field as its text and parses the rest.
    #[test]
    fn a_field_a_value_would_change_is_kept_as_its_text() {
        let record = parse_record(
            r#"{"id":"a","score":1e400,"steps":12345678901234567890123,"day":"2026-11-01","met":{"x":[1, 1e999]}}"#,
        )
        .unwrap();
        assert_eq!(
            Value::Object(record.typed),
            serde_json::json!({"id": "a", "day": "2026-11-01"})
        );
        let raw: Vec<(&str, &str)> =
            record.raw.iter().map(|(k, v)| (k.as_str(), v.get())).collect();
        assert_eq!(
            raw,
            [
                ("met", r#"{"x":[1, 1e999]}"#),
                ("score", "1e400"),
                ("steps", "12345678901234567890123")
            ]
        );
        assert!(parse_record("[1,2]").is_none());
        assert!(parse_record("{\"a\":1e400").is_none());
        assert!(parse_record(r#"{"a":1}"#).unwrap().raw.is_empty());
    }
}
