//! A JSON record as Python's `json.loads` parses it, and the text Python's `str()` gives its
//! values: what bio-lakehouse's normalizer (`_flatten_json_record`) writes into its string
//! columns, reproduced exactly so that `0.0` stays `0.0`, `80` stays `80` and `true` becomes
//! `True`.
//!
//! Numbers are kept as Python keeps them: an integer literal as an exact integer (its digits),
//! any other number as a double parsed with correct rounding (as `float()` parses it), printed
//! as `repr(float)` prints it (shortest round-trip digits, `1e+16`, `1e-05`, `0.0`). Nested
//! objects and arrays are printed as Python prints a dict or a list (`{'a': 1}`); Oura sends
//! none in the columns these tables read, and a string inside one is quoted as `repr()` quotes
//! it, escaping the control characters (the other non-printable characters Python escapes,
//! which depend on its Unicode tables, are printed as they are).

use std::fmt::Write;

/// A JSON value as Python holds it after `json.loads`.
#[derive(Clone, Debug, PartialEq)]
pub enum Py {
    None,
    Bool(bool),
    /// An integer literal, as Python's `str(int)` prints it (`-0` is `0`).
    Int(String),
    Float(f64),
    Str(String),
    List(Vec<Py>),
    /// Keys in first-seen order; a repeated key keeps its first place and its last value.
    Dict(Vec<(String, Py)>),
}

impl Py {
    /// Parses one JSON text (already known to be valid JSON).
    pub fn parse(text: &str) -> anyhow::Result<Py> {
        let mut parser = Parser { text: text.as_bytes(), at: 0 };
        let value = parser.value()?;
        parser.skip_ws();
        anyhow::ensure!(parser.at == parser.text.len(), "trailing characters after a JSON value");
        Ok(value)
    }

    /// `dict.get(key)`: `None` when this is not a dict or has no such key.
    pub fn get(&self, key: &str) -> Option<&Py> {
        match self {
            Py::Dict(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Python's truth value (`x or {}` takes `{}` when this is false).
    pub fn truthy(&self) -> bool {
        match self {
            Py::None => false,
            Py::Bool(b) => *b,
            Py::Int(digits) => digits != "0",
            Py::Float(f) => *f != 0.0,
            Py::Str(s) => !s.is_empty(),
            Py::List(items) => !items.is_empty(),
            Py::Dict(entries) => !entries.is_empty(),
        }
    }

    /// `str(value)`.
    pub fn str(&self) -> String {
        match self {
            Py::Str(s) => s.clone(),
            other => other.repr(),
        }
    }

    /// `repr(value)`.
    pub fn repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Py::None => out.push_str("None"),
            Py::Bool(true) => out.push_str("True"),
            Py::Bool(false) => out.push_str("False"),
            Py::Int(digits) => out.push_str(digits),
            Py::Float(f) => out.push_str(&float_repr(*f)),
            Py::Str(s) => out.push_str(&str_repr(s)),
            Py::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_repr(out);
                }
                out.push(']');
            }
            Py::Dict(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&str_repr(key));
                    out.push_str(": ");
                    value.write_repr(out);
                }
                out.push('}');
            }
        }
    }
}

/// `repr(float)`: the shortest digits that read back to `x`, in fixed notation when the
/// decimal point falls within 16 digits of the first one (`0.0001`, `1e+16`, `1e-05`), with
/// `.0` added to a whole number.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    // `{:e}` gives the shortest round-trip digits: `1.875e0`, `4.9e-1`, `1e16`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` has an exponent");
    let exp: i32 = exp.parse().expect("a decimal exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    // Where the decimal point goes, counted from the first digit (Python's `decpt`).
    let decpt = exp + 1;
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let e = decpt - 1;
        return format!("{sign}{first}{dot}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let n = digits.len() as i32;
    let text = if decpt <= 0 {
        format!("0.{}{digits}", "0".repeat((-decpt) as usize))
    } else if decpt >= n {
        format!("{digits}{}.0", "0".repeat((decpt - n) as usize))
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{text}")
}

/// `repr(str)`: single quotes unless the text holds a `'` and no `"`; backslash, the quote,
/// `\t`, `\n`, `\r` and the other control characters escaped.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) || c == '\u{ad}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `round(x, 2)` for a float: the nearest value with two decimals, ties to even on the
/// exact binary value (Rust's fixed-precision formatting rounds the same way), read back.
pub fn round2(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.2}").parse().expect("a formatted float reads back")
}

/// A number as Python's arithmetic sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// `a > b` as Python compares an int with a float: exactly.
    fn gt(self, other: Num) -> bool {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => a > b,
            (Num::Float(a), Num::Float(b)) => a > b,
            (Num::Int(a), Num::Float(b)) => {
                int_float_cmp(a, b) == Some(std::cmp::Ordering::Greater)
            }
            (Num::Float(a), Num::Int(b)) => int_float_cmp(b, a) == Some(std::cmp::Ordering::Less),
        }
    }

    fn str(self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Float(f) => float_repr(f),
        }
    }
}

/// Compares an integer with a float exactly (`None` when the float is NaN).
fn int_float_cmp(a: i128, b: f64) -> Option<std::cmp::Ordering> {
    if b.is_nan() {
        return None;
    }
    if b.is_infinite() {
        return Some(if b > 0.0 { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater });
    }
    // Compare with the float's floor as an integer, then its fraction.
    let floor = b.floor();
    if floor.abs() >= 1.7e38 {
        return Some(if b > 0.0 { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater });
    }
    let fl = floor as i128;
    Some(match a.cmp(&fl) {
        std::cmp::Ordering::Equal if b > floor => std::cmp::Ordering::Less,
        other => other,
    })
}

/// The `met_*` columns as `_flatten_json_record` computes them from a `met` object's
/// `interval` and `items`: `str(met.get("interval", ""))`, `str(round(sum(items) /
/// len(items), 2))`, `str(max(items))`, `str(len(items))`; all four empty when `met` is not
/// a dict or its items are empty or missing. `None` when the items are not all numbers (then
/// Python raises and their job drops the rest of that bronze file; Oura's schema says numbers).
pub fn met_summary(met: &Py) -> Option<[String; 4]> {
    let empty = || Some([String::new(), String::new(), String::new(), String::new()]);
    let Py::Dict(_) = met else { return empty() };
    let Some(items) = met.get("items").filter(|i| i.truthy()) else { return empty() };
    let Py::List(items) = items else { return None };
    let mut nums = Vec::with_capacity(items.len());
    for item in items {
        nums.push(match item {
            Py::Int(digits) => Num::Int(digits.parse().ok()?),
            Py::Float(f) => Num::Float(*f),
            _ => return None,
        });
    }
    // `sum()`: exact while the items are ints, then float additions left to right (Python
    // before 3.12, as Glue 4.0's 3.10 and 5.0's 3.11 run it).
    let mut int_sum: i128 = 0;
    let mut float_sum: Option<f64> = None;
    for n in &nums {
        match (float_sum, n) {
            (None, Num::Int(i)) => int_sum = int_sum.checked_add(*i)?,
            (None, Num::Float(f)) => float_sum = Some(int_sum as f64 + f),
            (Some(s), n) => float_sum = Some(s + n.as_f64()),
        }
    }
    let len = nums.len();
    // `int / int` is correctly rounded in Python; the sums of real MET lists are far below
    // 2^53, where the f64 division is the same.
    let mean = match float_sum {
        Some(s) => s / len as f64,
        None => int_sum as f64 / len as f64,
    };
    let mut max = nums[0];
    for n in &nums[1..] {
        if n.gt(max) {
            max = *n;
        }
    }
    let interval = match met.get("interval") {
        Some(v) => v.str(),
        None => String::new(),
    };
    Some([interval, float_repr(round2(mean)), max.str(), len.to_string()])
}

/// A small JSON reader that keeps what Python keeps: integer literals as integers, other
/// numbers correctly rounded, objects in key order.
struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.at < self.text.len()
            && matches!(self.text[self.at], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn expect(&mut self, word: &str) -> anyhow::Result<()> {
        anyhow::ensure!(self.text[self.at..].starts_with(word.as_bytes()), "expected `{word}`");
        self.at += word.len();
        Ok(())
    }

    fn value(&mut self) -> anyhow::Result<Py> {
        self.skip_ws();
        match self.peek() {
            Some(b'n') => self.expect("null").map(|_| Py::None),
            Some(b't') => self.expect("true").map(|_| Py::Bool(true)),
            Some(b'f') => self.expect("false").map(|_| Py::Bool(false)),
            Some(b'"') => self.string().map(Py::Str),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Ok(Py::List(items));
                }
                loop {
                    items.push(self.value()?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Py::List(items));
                        }
                        _ => anyhow::bail!("expected `,` or `]`"),
                    }
                }
            }
            Some(b'{') => {
                self.at += 1;
                let mut entries: Vec<(String, Py)> = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Ok(Py::Dict(entries));
                }
                loop {
                    self.skip_ws();
                    let key = self.string()?;
                    self.skip_ws();
                    self.expect(":")?;
                    let value = self.value()?;
                    match entries.iter_mut().find(|(k, _)| *k == key) {
                        Some(entry) => entry.1 = value,
                        None => entries.push((key, value)),
                    }
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Py::Dict(entries));
                        }
                        _ => anyhow::bail!("expected `,` or `}}`"),
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => anyhow::bail!("expected a JSON value"),
        }
    }

    fn number(&mut self) -> anyhow::Result<Py> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
        {
            self.at += 1;
        }
        let text = std::str::from_utf8(&self.text[start..self.at])?;
        if text.contains(['.', 'e', 'E']) {
            Ok(Py::Float(text.parse()?))
        } else if text == "-0" {
            Ok(Py::Int("0".into()))
        } else {
            Ok(Py::Int(text.to_string()))
        }
    }

    fn string(&mut self) -> anyhow::Result<String> {
        self.expect("\"")?;
        let mut out = String::new();
        loop {
            let start = self.at;
            while self.peek().is_some_and(|b| b != b'"' && b != b'\\') {
                self.at += 1;
            }
            out.push_str(std::str::from_utf8(&self.text[start..self.at])?);
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = self.peek().ok_or_else(|| anyhow::anyhow!("a cut escape"))?;
                    self.at += 1;
                    match escaped {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let high = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&high)
                                && self.text[self.at..].starts_with(b"\\u")
                            {
                                self.at += 2;
                                let low = self.hex4()?;
                                0x10000
                                    + ((high - 0xd800) << 10)
                                    + (low.wrapping_sub(0xdc00) & 0x3ff)
                            } else {
                                high
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        _ => anyhow::bail!("a bad escape"),
                    }
                }
                _ => anyhow::bail!("an unterminated string"),
            }
        }
    }

    fn hex4(&mut self) -> anyhow::Result<u32> {
        let hex = self.text.get(self.at..self.at + 4).ok_or_else(|| anyhow::anyhow!("cut"))?;
        self.at += 4;
        Ok(u32::from_str_radix(std::str::from_utf8(hex)?, 16)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each value prints as CPython 3.11 prints `str(json.loads(text))`.
    #[test]
    fn values_print_as_python_prints_them() {
        for (json, python) in [
            ("0.0", "0.0"),
            ("-0.0", "-0.0"),
            ("80", "80"),
            ("-0", "0"),
            ("80.0", "80.0"),
            ("1E2", "100.0"),
            ("-0.49", "-0.49"),
            ("1e16", "1e+16"),
            ("1e15", "1000000000000000.0"),
            ("0.0001", "0.0001"),
            ("0.00001", "1e-05"),
            ("1.5e-7", "1.5e-07"),
            ("123456789012345678901234567890", "123456789012345678901234567890"),
            ("0.1", "0.1"),
            ("1e400", "inf"),
            ("true", "True"),
            ("null", "None"),
            ("\"a\\\"b\"", "a\"b"),
            ("[1, 2.5, null, \"x\"]", "[1, 2.5, None, 'x']"),
            (r#"{"a": 1, "b": {"c": "it's"}, "a": 3}"#, r#"{'a': 3, 'b': {'c': "it's"}}"#),
            (r#"["\t\u0001\u00e9"]"#, r"['\t\x01é']"),
        ] {
            assert_eq!(Py::parse(json).unwrap().str(), python, "{json}");
        }
    }

    /// `round(x, 2)` rounds ties to even on the exact binary value, as Python does.
    #[test]
    fn round_two_places_like_python() {
        assert_eq!(round2(0.125), 0.12);
        assert_eq!(round2(0.375), 0.38);
        assert_eq!(round2(2.675), 2.67);
        assert_eq!(float_repr(round2(-0.001)), "-0.0");
        assert_eq!(float_repr(round2(1.875)), "1.88");
    }

    /// The met summary of `_flatten_json_record`: interval as sent, mean to two places, the
    /// first largest item as it was written, the count.
    #[test]
    fn the_met_summary_is_computed_as_their_job_computes_it() {
        let met = |text: &str| met_summary(&Py::parse(text).unwrap());
        assert_eq!(
            met(r#"{"interval": 60.0, "items": [0.9, 1.2, 1.2, 3]}"#).unwrap(),
            ["60.0", "1.57", "3", "4"]
        );
        assert_eq!(met(r#"{"interval": 60, "items": [1, 2]}"#).unwrap(), ["60", "1.5", "2", "2"]);
        assert_eq!(met(r#"{"items": [2, 2.0]}"#).unwrap(), ["", "2.0", "2", "2"]);
        assert_eq!(
            met(r#"{"interval": null, "items": [0.1]}"#).unwrap(),
            ["None", "0.1", "0.1", "1"]
        );
        assert_eq!(met(r#"{"interval": 60, "items": []}"#).unwrap(), ["", "", "", ""]);
        assert_eq!(met("null").unwrap(), ["", "", "", ""]);
        assert_eq!(met(r#"{"items": [1, null]}"#), None);
        // 0.1 + 0.2 + 0.3 is 0.6000000000000001 when added left to right.
        assert_eq!(met(r#"{"items": [0.1, 0.2, 0.3]}"#).unwrap()[1], "0.2");
    }
}
