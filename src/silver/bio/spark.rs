//! The two casts bio-lakehouse's normalizer applies to its string columns, as Spark 3.3
//! (Glue 4.0) evaluates them with ANSI mode off: `cast("integer")` and `cast("double")` of a
//! string. Anything they cannot read is `null`, never an error.

/// Spark's `CAST(s AS INT)` of a string (`UTF8String.toInt`): surrounding whitespace and ASCII
/// control characters trimmed, an optional sign, decimal digits, and an optional `.` followed
/// only by digits, which are dropped (`"79.6"` is 79); `null` for anything else or outside
/// the 32-bit range.
pub fn cast_int(s: &str) -> Option<i32> {
    let trim = |b: &u8| *b <= b' ' || *b == 0x7f;
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|b| !trim(b))?;
    let end = bytes.iter().rposition(|b| !trim(b))? + 1;
    let mut text = &bytes[start..end];
    let negative = text[0] == b'-';
    if negative || text[0] == b'+' {
        if text.len() == 1 {
            return None;
        }
        text = &text[1..];
    }
    // Accumulated negatively, as Spark does, so that i32::MIN fits.
    let mut result: i32 = 0;
    let mut at = 0;
    while at < text.len() {
        let b = text[at];
        at += 1;
        if b == b'.' {
            break;
        }
        if !b.is_ascii_digit() {
            return None;
        }
        result = result.checked_mul(10)?.checked_sub(i32::from(b - b'0'))?;
    }
    if !text[at..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if negative { Some(result) } else { result.checked_neg() }
}

/// Spark's `CAST(s AS DOUBLE)` of a string: Java's `Double.parseDouble` (whitespace trimmed,
/// an optional `d`/`f` suffix, `NaN`, `Infinity`), else Spark's own literals `inf`,
/// `infinity`, `nan` in any case and with an optional sign; `null` for anything else. (Java's
/// hexadecimal forms are left out: no `str()` of a Python number produces one.)
pub fn cast_double(s: &str) -> Option<f64> {
    let trimmed = s.trim_matches(|c: char| c <= ' ');
    if let Some(value) = java_parse_double(trimmed) {
        return Some(value);
    }
    match s.trim().to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    }
}

/// `Double.parseDouble` of a trimmed string, decimal forms only.
fn java_parse_double(s: &str) -> Option<f64> {
    let (sign, body) = match s.as_bytes().first()? {
        b'-' => (-1.0, &s[1..]),
        b'+' => (1.0, &s[1..]),
        _ => (1.0, s),
    };
    match body {
        "NaN" => return Some(f64::NAN),
        "Infinity" => return Some(sign * f64::INFINITY),
        _ => {}
    }
    let body = body.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(body);
    // digits [. digits] [e|E [sign] digits], at least one digit before the exponent.
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    let value: f64 = body.parse().ok()?;
    Some(sign * value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spark 3.3's string-to-int cast with ANSI off: truncates a decimal, trims, and is null
    /// for what it cannot read (an empty string, an exponent, `True`, an overflow).
    #[test]
    fn integers_cast_as_spark_casts_them() {
        assert_eq!(cast_int("80"), Some(80));
        assert_eq!(cast_int("79.6"), Some(79));
        assert_eq!(cast_int("-79.6"), Some(-79));
        assert_eq!(cast_int("80."), Some(80));
        assert_eq!(cast_int(" 7\t"), Some(7));
        assert_eq!(cast_int("+7"), Some(7));
        assert_eq!(cast_int("-2147483648"), Some(i32::MIN));
        for unreadable in ["", " ", "-", "1e+16", "True", "None", "2147483648", "1.2.3", "1.x"] {
            assert_eq!(cast_int(unreadable), None, "{unreadable:?}");
        }
    }

    /// Spark's string-to-double cast: Java's grammar, then Spark's special literals.
    #[test]
    fn doubles_cast_as_spark_casts_them() {
        assert_eq!(cast_double("1.88"), Some(1.88));
        assert_eq!(cast_double("3"), Some(3.0));
        assert_eq!(cast_double("1e+16"), Some(1e16));
        assert_eq!(cast_double("-0.0").map(f64::is_sign_negative), Some(true));
        assert_eq!(cast_double("2d"), Some(2.0));
        assert_eq!(cast_double("inf"), Some(f64::INFINITY));
        assert_eq!(cast_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(cast_double("nan").unwrap().is_nan());
        for unreadable in ["", "None", "True", "1e", ".", "e5", "1,5"] {
            assert_eq!(cast_double(unreadable), None, "{unreadable:?}");
        }
    }
}
