//! The events a function answers, read into the `sync` command line they stand for.
//!
//! - `{}` (or `null`), an EventBridge rule's scheduled event (`"detail-type": "Scheduled
//!   Event"`, `"source": "aws.events"`), and the input our EventBridge Scheduler schedule
//!   sends (`{"schedule": ARN, "scheduled_time": T}`, from the scheduler's context attributes):
//!   the default window ending today in `OURA_TIMEZONE` (`sync`).
//! - `{"date": "D"}`: `sync D`.
//! - `{"start_date": "A", "end_date": "B"}`: `sync --from A --to B` (a backfill, resumed where
//!   it stopped); `start_date` alone runs to today, as `--from` does.
//! - optional `"types"` (a list of names, or one comma-separated string) and `"days"` (a
//!   number, not with `start_date`): `--types` and `--days`.
//!
//! A Lambda Function URL (API Gateway v2 HTTP) event, `requestContext.http.method` set, is no
//! sync at all: it is an Oura webhook call, read by [`http_request`] for the receiver, and
//! answered in the Function URL response shape ([`http_response`]).
//!
//! These are bio-lakehouse's three shapes plus the two optional fields. Anything else is a
//! bad event, named in one line: an unknown field (a typo must not silently sync the default
//! window), a value of the wrong kind, a date that is not `YYYY-MM-DD`, two windows at once.
//! The checks that depend on the settings or on today (a day after today, `--days` beside
//! `OURA_DAYS`) are the command line's own, made when the request is resolved.

use serde_json::{Map, Value};

use crate::cli::SyncArgs;
use crate::config::{MAX_DAYS, parse_date, parse_number};
use crate::datatype::DataType;
use crate::error::UserError;
use crate::webhooks::receiver::{HttpRequest, HttpResponse, MAX_BODY_BYTES};

/// The fields an event may carry (the scheduler's own are told apart first).
const FIELDS: [&str; 5] = ["date", "start_date", "end_date", "types", "days"];

/// What an event asks for, as `sync` arguments.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Request {
    /// `sync D`.
    pub date: Option<String>,
    /// `--from`.
    pub from: Option<String>,
    /// `--to`.
    pub to: Option<String>,
    /// `--types`, comma-separated.
    pub types: Option<String>,
    /// `--days`.
    pub days: Option<String>,
    /// Which shape the event had, for the log line of the invocation.
    pub kind: EventKind,
}

/// The shape of an event.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `{}` or `null`.
    #[default]
    Empty,
    /// An EventBridge rule's scheduled event.
    Rule,
    /// Our EventBridge Scheduler schedule's input.
    Scheduler,
    /// `date`, `start_date`/`end_date`, `types` or `days`.
    Explicit,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Empty => "empty",
            EventKind::Rule => "eventbridge-rule",
            EventKind::Scheduler => "eventbridge-scheduler",
            EventKind::Explicit => "explicit",
        }
    }
}

impl Request {
    /// Reads an event; a bad one is a usage error saying what is wrong with it.
    pub fn from_event(event: &Value) -> anyhow::Result<Self> {
        let fields = match event {
            Value::Null => return Ok(Request::default()),
            Value::Object(fields) => fields,
            other => {
                return Err(bad(format!(
                    "is {}, not a JSON object; send {{}} or {{\"date\": \"YYYY-MM-DD\"}}",
                    kind_of(other)
                )));
            }
        };
        if fields.is_empty() {
            return Ok(Request::default());
        }
        if is_rule_event(fields) {
            return Ok(Request { kind: EventKind::Rule, ..Request::default() });
        }
        if is_scheduler_input(fields) {
            return Ok(Request { kind: EventKind::Scheduler, ..Request::default() });
        }
        if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(bad(format!(
                "has an unknown field `{unknown}`; the fields are {}",
                FIELDS.join(", ")
            )));
        }
        let date = date_field(fields, "date")?;
        let from = date_field(fields, "start_date")?;
        let to = date_field(fields, "end_date")?;
        if date.is_some() && (from.is_some() || to.is_some()) {
            return Err(bad("gives both `date` and `start_date`/`end_date`; give one window"));
        }
        if to.is_some() && from.is_none() {
            return Err(bad("gives `end_date` without `start_date`"));
        }
        let days = days_field(fields)?;
        if days.is_some() && from.is_some() {
            return Err(bad("gives `days` with `start_date`; a range needs no `days`"));
        }
        Ok(Request { date, from, to, types: types_field(fields)?, days, kind: EventKind::Explicit })
    }

    /// The `sync --json` command line the request stands for.
    pub fn sync_args(&self) -> SyncArgs {
        SyncArgs {
            date: self.date.clone(),
            days: self.days.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            types: self.types.clone(),
            dest: None,
            layout: None,
            dry_run: false,
            sandbox: false,
            json: true,
            no_notify: false,
            force: false,
            concurrency: None,
            silver_dest: None,
        }
    }
}

/// The HTTP request a Function URL (API Gateway v2 HTTP) event carries: `None` for any other
/// event; `Some(Err(answer))` when it is one but cannot be read (a body that is not base64 as
/// said, or too large), with the answer to give.
pub fn http_request(event: &Value) -> Option<Result<HttpRequest, HttpResponse>> {
    let method = event.pointer("/requestContext/http/method")?.as_str()?;
    let query = event.get("rawQueryString").and_then(Value::as_str).unwrap_or_default();
    let headers = match event.get("headers") {
        Some(Value::Object(headers)) => headers
            .iter()
            .filter_map(|(name, value)| {
                Some((name.to_ascii_lowercase(), value.as_str()?.to_string()))
            })
            .collect(),
        _ => Vec::new(),
    };
    let text = event.get("body").and_then(Value::as_str).unwrap_or_default();
    let body = if event.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false) {
        use base64::Engine;
        match base64::engine::general_purpose::STANDARD.decode(text) {
            Ok(body) => body,
            Err(_) => return Some(Err(error_response(400, "the body is not base64"))),
        }
    } else {
        text.as_bytes().to_vec()
    };
    if body.len() > MAX_BODY_BYTES {
        return Some(Err(error_response(413, "body too large")));
    }
    Some(Ok(HttpRequest {
        method: method.to_ascii_uppercase(),
        query: query.to_string(),
        headers,
        body,
    }))
}

fn error_response(status: u16, detail: &str) -> HttpResponse {
    HttpResponse { status, body: serde_json::json!({ "detail": detail }).to_string() }
}

/// `response` in the Function URL response shape.
pub fn http_response(response: &HttpResponse) -> Value {
    serde_json::json!({
        "statusCode": response.status,
        "headers": { "content-type": "application/json" },
        "body": response.body,
        "isBase64Encoded": false,
    })
}

/// A bad event's error: a usage error whose message starts with "the event".
fn bad(what: impl AsRef<str>) -> anyhow::Error {
    UserError::usage(format!("the event {}", what.as_ref()))
}

/// An EventBridge rule's scheduled event (its envelope; `detail` is `{}`).
fn is_rule_event(fields: &Map<String, Value>) -> bool {
    fields.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
        && fields.get("source").and_then(Value::as_str) == Some("aws.events")
}

/// The input of the schedule in `scripts/cloudformation/oura-sync.yaml`: the scheduler's
/// context attributes, and nothing else.
fn is_scheduler_input(fields: &Map<String, Value>) -> bool {
    const SCHEDULER: [&str; 4] = ["schedule", "scheduled_time", "execution_id", "attempt"];
    fields.contains_key("schedule") && fields.keys().all(|k| SCHEDULER.contains(&k.as_str()))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A `YYYY-MM-DD` string field, checked.
fn date_field(fields: &Map<String, Value>, name: &str) -> anyhow::Result<Option<String>> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            parse_date(&format!("the event's `{name}`"), text)?;
            Ok(Some(text.clone()))
        }
        Some(other) => Err(bad(format!(
            "has `{name}` as {}; write it as a string \"YYYY-MM-DD\"",
            kind_of(other)
        ))),
    }
}

/// `days`: a whole number (or its text) in 1..=MAX_DAYS.
fn days_field(fields: &Map<String, Value>) -> anyhow::Result<Option<String>> {
    let text = match fields.get("days") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(bad(format!("has `days` as {}; write a number", kind_of(other))));
        }
    };
    parse_number("the event's `days`", &text, 1..=u64::from(MAX_DAYS), " of days")?;
    Ok(Some(text.trim().to_string()))
}

/// `types`: a list of names or one comma-separated string, every name known.
fn types_field(fields: &Map<String, Value>) -> anyhow::Result<Option<String>> {
    let names: Vec<String> = match fields.get("types") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(list)) => list.split(',').map(|n| n.trim().to_string()).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(name) => Ok(name.trim().to_string()),
                other => Err(bad(format!("has {} in `types`; list names", kind_of(other)))),
            })
            .collect::<anyhow::Result<_>>()?,
        Some(other) => {
            return Err(bad(format!("has `types` as {}; write a list of names", kind_of(other))));
        }
    };
    let list = names.join(",");
    let types = DataType::parse_list(&list).map_err(|e| bad(format!("has in `types`: {e}")))?;
    if types.is_empty() {
        return Err(bad("has an empty `types`; leave it out for OURA_TYPES (or all)"));
    }
    Ok(Some(types.iter().map(|t| t.name()).collect::<Vec<_>>().join(",")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(event: Value) -> Request {
        Request::from_event(&event).unwrap()
    }

    fn refused(event: Value) -> String {
        let err = Request::from_event(&event).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), crate::error::EXIT_USAGE);
        format!("{err:#}")
    }

    /// `{}`, `null`, a rule's scheduled event and our scheduler input all ask for the
    /// default window (no window argument at all).
    #[test]
    fn empty_and_scheduled_events_ask_for_the_default_window() {
        let rule = json!({
            "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-12-04T09:00:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:events:eu-west-1:123456789012:rule/daily"], "detail": {}
        });
        let scheduler = json!({
            "schedule": "arn:aws:scheduler:eu-west-1:123456789012:schedule/default/oura",
            "scheduled_time": "2026-12-04T08:00:00Z", "execution_id": "e-1", "attempt": "1"
        });
        for (event, kind) in [
            (json!({}), EventKind::Empty),
            (Value::Null, EventKind::Empty),
            (rule, EventKind::Rule),
            (scheduler, EventKind::Scheduler),
        ] {
            let r = request(event);
            assert_eq!(r, Request { kind, ..Request::default() });
            let args = r.sync_args();
            assert!(args.date.is_none() && args.from.is_none() && args.days.is_none());
            assert!(args.json);
        }
    }

    /// bio-lakehouse's single date and range become `sync D` and `--from A --to B`; types
    /// (list or string) and days pass through, names normalised.
    #[test]
    fn explicit_events_become_the_sync_arguments() {
        let r = request(json!({"date": "2026-02-17", "types": ["daily_sleep", "Heartrate"]}));
        assert_eq!(r.date.as_deref(), Some("2026-02-17"));
        assert_eq!(r.types.as_deref(), Some("daily_sleep,heartrate"));
        let r = request(json!({"start_date": "2025-01-01", "end_date": "2025-12-31"}));
        assert_eq!((r.from.as_deref(), r.to.as_deref()), (Some("2025-01-01"), Some("2025-12-31")));
        let r = request(json!({"days": 3, "types": "workout, daily_sleep"}));
        assert_eq!(r.days.as_deref(), Some("3"));
        assert_eq!(r.types.as_deref(), Some("daily_sleep,workout"));
        assert_eq!(request(json!({"days": "14"})).days.as_deref(), Some("14"));
        assert_eq!(request(json!({"start_date": "2025-01-01"})).to, None);
    }

    /// A Function URL event is an HTTP request (method, raw query, lower-case headers, the
    /// body decoded when base64); any other event is not; the answer has the Function URL
    /// response shape.
    #[test]
    fn function_url_events_are_http_requests() {
        let event = json!({
            "version": "2.0", "rawPath": "/", "rawQueryString": "challenge=c&verification_token=t",
            "headers": {"X-Oura-Signature": "AB", "content-type": "application/json"},
            "requestContext": {"http": {"method": "post", "path": "/"}},
            "body": "eyJhIjoxfQ==", "isBase64Encoded": true
        });
        let request = http_request(&event).unwrap().unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.query, "challenge=c&verification_token=t");
        assert!(request.headers.contains(&("x-oura-signature".into(), "AB".into())));
        assert_eq!(request.body, br#"{"a":1}"#);
        let plain = json!({"requestContext": {"http": {"method": "GET"}}, "body": "x"});
        assert_eq!(http_request(&plain).unwrap().unwrap().body, b"x");
        let bad = json!({"requestContext": {"http": {"method": "POST"}}, "body": "%%", "isBase64Encoded": true});
        assert_eq!(http_request(&bad).unwrap().unwrap_err().status, 400);
        assert!(http_request(&json!({})).is_none());
        assert!(http_request(&json!({"date": "2026-01-01"})).is_none());
        let answer = http_response(&HttpResponse { status: 401, body: "{}".into() });
        assert_eq!(answer["statusCode"], 401);
        assert_eq!(answer["headers"]["content-type"], "application/json");
        assert_eq!(answer["isBase64Encoded"], false);
    }

    /// Every bad event is refused with a message naming what is wrong.
    #[test]
    fn bad_events_are_named() {
        let cases = [
            (json!([1]), "is a list, not a JSON object"),
            (json!("2026-01-01"), "is a string"),
            (json!({"dat": "2026-01-01"}), "unknown field `dat`"),
            (json!({"date": "2026-1-1"}), "the event's `date` `2026-1-1` is not a date"),
            (json!({"date": 20260101}), "has `date` as a number"),
            (json!({"date": "2026-01-01", "start_date": "2025-01-01"}), "give one window"),
            (json!({"end_date": "2026-01-01"}), "`end_date` without `start_date`"),
            (json!({"start_date": "2025-01-01", "days": 3}), "`days` with `start_date`"),
            (json!({"days": 0}), "the event's `days` `0` must be a whole number"),
            (json!({"days": 1.5}), "the event's `days` `1.5`"),
            (json!({"days": true}), "has `days` as a boolean"),
            (json!({"types": ["sleepy"]}), "sleepy"),
            (json!({"types": [3]}), "has a number in `types`"),
            (json!({"types": []}), "an empty `types`"),
            (json!({"types": {"a": 1}}), "has `types` as an object"),
            (json!({"detail-type": "Scheduled Event"}), "unknown field `detail-type`"),
        ];
        for (event, expected) in cases {
            let message = refused(event.clone());
            assert!(message.contains(expected), "{event}: {message}");
            assert!(message.starts_with("the event"), "{event}: {message}");
        }
    }
}
