//! The tools' arguments: each tool's JSON schema, and the checks that turn a call's arguments
//! into typed values or a [`ToolError`] saying what is accepted. Pure: no lake is read here.
//!
//! Arguments are checked by hand rather than by deserializing into a struct, so that every
//! mistake (a missing or unknown argument, a number for a day, `2026-02-30`, a reversed range)
//! is a tool error naming the argument and what it takes, which the assistant can act on,
//! rather than a protocol error it cannot.

use jiff::civil::Date;
use serde_json::{Map, Value, json};

use super::metrics::Metric;
use crate::datatype::DataType;
use crate::window::Window;

/// The most records `records` returns when no `limit` is given.
pub const DEFAULT_RECORDS_LIMIT: u64 = 50;
/// The most records one `records` call returns, whatever its `limit`.
pub const MAX_RECORDS_LIMIT: u64 = 500;

/// A call that cannot be answered as asked: the text tells the assistant what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolError(pub String);

impl ToolError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// A day range, both ends included, `from` not after `to`.
pub type Period = Window;

/// `daily_summary`'s arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SummaryArgs {
    pub period: Period,
}

/// `compare`'s arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompareArgs {
    pub metric: Metric,
    pub period_a: Period,
    pub period_b: Period,
}

/// `records`' arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordsArgs {
    pub data_type: DataType,
    pub period: Period,
    pub limit: u64,
}

/// `briefing`'s arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BriefingArgs {
    pub day: Date,
}

/// The JSON schema of a day argument.
fn day_schema(what: &str) -> Value {
    json!({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$",
           "description": format!("{what}, as YYYY-MM-DD (a day in the user's time zone)")})
}

/// The JSON schema of a period argument.
fn period_schema(what: &str) -> Value {
    json!({
        "type": "object",
        "description": format!("{what}: a range of days, both ends included"),
        "properties": {"from": day_schema("The first day"), "to": day_schema("The last day")},
        "required": ["from", "to"],
        "additionalProperties": false
    })
}

/// The input schema of each tool, by name.
pub fn input_schema(tool: &str) -> Map<String, Value> {
    let schema = match tool {
        "lake_status" => json!({"type": "object", "properties": {}, "additionalProperties": false}),
        "daily_summary" => json!({
            "type": "object",
            "properties": {"from": day_schema("The first day"), "to": day_schema("The last day")},
            "required": ["from", "to"],
            "additionalProperties": false
        }),
        "compare" => json!({
            "type": "object",
            "properties": {
                "metric": {"type": "string", "enum": Metric::names(),
                           "description": "A metric of daily_summary (its field name)"},
                "period_a": period_schema("The first period"),
                "period_b": period_schema("The second period (the difference is b minus a)")
            },
            "required": ["metric", "period_a", "period_b"],
            "additionalProperties": false
        }),
        "records" => json!({
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": type_names(),
                         "description": "An Oura data type (collection name)"},
                "from": day_schema("The first day"),
                "to": day_schema("The last day"),
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_RECORDS_LIMIT,
                          "default": DEFAULT_RECORDS_LIMIT,
                          "description": "The most records to return"}
            },
            "required": ["type", "from", "to"],
            "additionalProperties": false
        }),
        "briefing" => json!({
            "type": "object",
            "properties": {"date": day_schema("The day of the briefing")},
            "required": ["date"],
            "additionalProperties": false
        }),
        _ => json!({"type": "object"}),
    };
    match schema {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Every data type's name.
pub fn type_names() -> Vec<&'static str> {
    DataType::ALL.iter().map(|t| t.name()).collect()
}

/// A call's arguments, read one by one with the tool's accepted names at hand.
struct Args<'a> {
    tool: &'static str,
    map: &'a Map<String, Value>,
}

impl<'a> Args<'a> {
    /// Fails on an argument the tool does not take.
    fn new(
        tool: &'static str,
        accepted: &[&str],
        map: &'a Map<String, Value>,
    ) -> Result<Self, ToolError> {
        if let Some(unknown) = map.keys().find(|k| !accepted.contains(&k.as_str())) {
            return Err(ToolError(format!(
                "{tool} does not take `{unknown}`; it takes {}",
                if accepted.is_empty() { "no arguments".to_string() } else { list(accepted) }
            )));
        }
        Ok(Self { tool, map })
    }

    fn required(&self, name: &str, what: &str) -> Result<&'a Value, ToolError> {
        self.map
            .get(name)
            .filter(|v| !v.is_null())
            .ok_or_else(|| ToolError(format!("{} needs `{name}`: {what}", self.tool)))
    }

    fn day(&self, name: &str) -> Result<Date, ToolError> {
        parse_day(name, self.required(name, "a day as YYYY-MM-DD")?)
    }

    fn period(&self, name: &str) -> Result<Period, ToolError> {
        let what = r#"a period {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}"#;
        let Value::Object(map) = self.required(name, what)? else {
            return Err(ToolError(format!("`{name}` must be {what}")));
        };
        if let Some(unknown) = map.keys().find(|k| !["from", "to"].contains(&k.as_str())) {
            return Err(ToolError(format!(
                "`{name}` takes `from` and `to` only, not `{unknown}`: {what}"
            )));
        }
        let get = |end: &str| {
            map.get(end)
                .filter(|v| !v.is_null())
                .ok_or_else(|| ToolError(format!("`{name}` needs `{end}`: {what}")))
                .and_then(|v| parse_day(&format!("{name}.{end}"), v))
        };
        range(&format!("{name}.from"), get("from")?, &format!("{name}.to"), get("to")?)
    }
}

/// `a`, `a` and `b`, `a`, `b` and `c` (each in backticks).
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A day argument: a string `YYYY-MM-DD` naming a real day.
pub fn parse_day(name: &str, value: &Value) -> Result<Date, ToolError> {
    let fail = || {
        ToolError(format!(
            "`{name}` must be a day as YYYY-MM-DD (like 2026-11-23); got {}",
            crate::text::one_line(&value.to_string(), 60)
        ))
    };
    let text = value.as_str().ok_or_else(fail)?;
    let well_formed = text.len() == 10
        && text
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !well_formed {
        return Err(fail());
    }
    text.parse::<Date>().map_err(|_| fail())
}

/// `from`..=`to`, or an error when `from` is after `to`.
fn range(from_name: &str, from: Date, to_name: &str, to: Date) -> Result<Period, ToolError> {
    if from > to {
        return Err(ToolError(format!(
            "`{from_name}` {from} is after `{to_name}` {to}; give the earlier day first"
        )));
    }
    Ok(Window::new(from, to))
}

/// Checks `lake_status`'s arguments (none).
pub fn lake_status(map: &Map<String, Value>) -> Result<(), ToolError> {
    Args::new("lake_status", &[], map).map(drop)
}

pub fn daily_summary(map: &Map<String, Value>) -> Result<SummaryArgs, ToolError> {
    let args = Args::new("daily_summary", &["from", "to"], map)?;
    let period = range("from", args.day("from")?, "to", args.day("to")?)?;
    Ok(SummaryArgs { period })
}

pub fn compare(map: &Map<String, Value>) -> Result<CompareArgs, ToolError> {
    let args = Args::new("compare", &["metric", "period_a", "period_b"], map)?;
    let accepted = || list(&Metric::names());
    let metric = args.required("metric", &format!("one of {}", accepted()))?;
    let metric = metric.as_str().and_then(Metric::parse).ok_or_else(|| {
        ToolError(format!(
            "unknown metric {}; the metrics are {}",
            crate::text::one_line(&metric.to_string(), 60),
            accepted()
        ))
    })?;
    Ok(CompareArgs {
        metric,
        period_a: args.period("period_a")?,
        period_b: args.period("period_b")?,
    })
}

pub fn records(map: &Map<String, Value>) -> Result<RecordsArgs, ToolError> {
    let args = Args::new("records", &["type", "from", "to", "limit"], map)?;
    let accepted = || list(&type_names());
    let name = args.required("type", &format!("one of {}", accepted()))?;
    let data_type =
        name.as_str().and_then(|n| DataType::ALL.iter().copied().find(|t| t.name() == n));
    let data_type = data_type.ok_or_else(|| {
        ToolError(format!(
            "unknown type {}; the types are {}",
            crate::text::one_line(&name.to_string(), 60),
            accepted()
        ))
    })?;
    let period = range("from", args.day("from")?, "to", args.day("to")?)?;
    let limit = match map.get("limit").filter(|v| !v.is_null()) {
        None => DEFAULT_RECORDS_LIMIT,
        Some(v) => v.as_u64().filter(|n| (1..=MAX_RECORDS_LIMIT).contains(n)).ok_or_else(|| {
            ToolError(format!(
                "`limit` must be a whole number from 1 to {MAX_RECORDS_LIMIT} (default \
                 {DEFAULT_RECORDS_LIMIT}); got {}",
                crate::text::one_line(&v.to_string(), 60)
            ))
        })?,
    };
    Ok(RecordsArgs { data_type, period, limit })
}

pub fn briefing(map: &Map<String, Value>) -> Result<BriefingArgs, ToolError> {
    let args = Args::new("briefing", &["date"], map)?;
    Ok(BriefingArgs { day: args.day("date")? })
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn error<T: std::fmt::Debug>(result: Result<T, ToolError>) -> String {
        result.unwrap_err().0
    }

    /// Well-formed arguments come out typed, with `records`' default limit.
    #[test]
    fn good_arguments_are_typed() {
        let summary = daily_summary(&map(json!({"from": "2026-11-01", "to": "2026-11-30"})));
        assert_eq!(summary.unwrap().period, Window::new(date(2026, 11, 1), date(2026, 11, 30)));
        let compare = compare(&map(json!({
            "metric": "hrv",
            "period_a": {"from": "2026-10-01", "to": "2026-10-31"},
            "period_b": {"from": "2026-11-01", "to": "2026-11-30"}
        })))
        .unwrap();
        assert_eq!(compare.metric, Metric::Hrv);
        assert_eq!(compare.period_b.start, date(2026, 11, 1));
        let records =
            records(&map(json!({"type": "sleep", "from": "2026-11-01", "to": "2026-11-01"})))
                .unwrap();
        assert_eq!((records.data_type, records.limit), (DataType::Sleep, DEFAULT_RECORDS_LIMIT));
        assert_eq!(briefing(&map(json!({"date": "2026-11-23"}))).unwrap().day, date(2026, 11, 23));
        assert!(lake_status(&Map::new()).is_ok());
    }

    /// Each kind of bad argument is an error that names the argument and what it accepts.
    #[test]
    fn bad_arguments_say_what_is_accepted() {
        let e = error(daily_summary(&map(json!({"from": "2026-11-30", "to": "2026-11-01"}))));
        assert_eq!(e, "`from` 2026-11-30 is after `to` 2026-11-01; give the earlier day first");
        let e = error(daily_summary(&map(json!({"from": "2026-02-30", "to": "2026-03-01"}))));
        assert!(e.starts_with("`from` must be a day as YYYY-MM-DD"), "{e}");
        let e = error(daily_summary(&map(json!({"from": 20261101, "to": "2026-11-02"}))));
        assert!(e.contains("got 20261101"), "{e}");
        let e = error(daily_summary(&map(json!({"from": "2026-11-1", "to": "2026-11-02"}))));
        assert!(e.contains("YYYY-MM-DD"), "{e}");
        let e = error(daily_summary(&map(json!({"from": "2026-11-01"}))));
        assert_eq!(e, "daily_summary needs `to`: a day as YYYY-MM-DD");
        let e =
            error(daily_summary(&map(json!({"from": "2026-11-01", "to": "2026-11-02", "x": 1}))));
        assert_eq!(e, "daily_summary does not take `x`; it takes `from` and `to`");
        let e = error(lake_status(&map(json!({"verbose": true}))));
        assert_eq!(e, "lake_status does not take `verbose`; it takes no arguments");
        let period = json!({"from": "2026-11-01", "to": "2026-11-02"});
        let e =
            error(compare(&map(json!({"metric": "mood", "period_a": period, "period_b": period}))));
        assert!(e.starts_with("unknown metric \"mood\"; the metrics are `readiness`, "), "{e}");
        let e = error(compare(&map(
            json!({"metric": "hrv", "period_a": "2026-11", "period_b": period}),
        )));
        assert!(e.starts_with("`period_a` must be a period {\"from\""), "{e}");
        let reversed = json!({"from": "2026-11-02", "to": "2026-11-01"});
        let e = error(compare(&map(
            json!({"metric": "hrv", "period_a": period, "period_b": reversed}),
        )));
        assert_eq!(
            e,
            "`period_b.from` 2026-11-02 is after `period_b.to` 2026-11-01; give the earlier day first"
        );
        let e =
            error(records(&map(json!({"type": "naps", "from": "2026-11-01", "to": "2026-11-01"}))));
        assert!(e.starts_with("unknown type \"naps\"; the types are `daily_activity`, "), "{e}");
        for limit in [json!(0), json!(501), json!(2.5), json!("10")] {
            let e = error(records(&map(
                json!({"type": "sleep", "from": "2026-11-01", "to": "2026-11-01", "limit": limit}),
            )));
            assert!(e.starts_with("`limit` must be a whole number from 1 to 500"), "{e}");
        }
        let e = error(briefing(&map(json!({}))));
        assert_eq!(e, "briefing needs `date`: a day as YYYY-MM-DD");
    }

    /// Every tool's schema is an object schema that lists exactly the arguments it checks.
    #[test]
    fn schemas_list_the_arguments() {
        for (tool, names) in [
            ("lake_status", vec![]),
            ("daily_summary", vec!["from", "to"]),
            ("compare", vec!["metric", "period_a", "period_b"]),
            ("records", vec!["type", "from", "to", "limit"]),
            ("briefing", vec!["date"]),
        ] {
            let schema = input_schema(tool);
            assert_eq!(schema["type"], "object");
            let properties: Vec<&str> =
                schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
            let mut expected = names.clone();
            expected.sort();
            let mut got = properties.clone();
            got.sort();
            assert_eq!(got, expected, "{tool}");
        }
    }
}
