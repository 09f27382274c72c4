//! A local HTTP server that behaves like the Oura API v2, traps included, for tests and the
//! benchmark:
//! - date collections filter the way Oura does: `daily_activity` leaves out its end day (a
//!   date-only end means midnight), `sleep` filters on the date of `bedtime_start`, the rest
//!   include both ends; a missing `start_date` is a 400 so a regression cannot hide;
//! - `heartrate` and `ring_battery_level` take only `start_datetime`/`end_datetime` (a
//!   `start_date` gets an empty answer, as live), refuse spans over 30 days, and serve pages
//!   oldest first;
//! - every collection is paginated with `next_token` (small pages by default);
//! - `personal_info` is a bare object and missing from the sandbox;
//! - per-path faults on demand: 5xx, 429 with `Retry-After`, bodies cut off mid-JSON,
//!   refusals (401/403), a fixed delay and a hold on requests past a count; optional bearer checking against a set of valid
//!   tokens (shared with a fake OAuth server) and a rolling-window rate limit.
//!
//! - single documents by id (`/v2/usercollection/<type>/<id>`, what a webhook delivery
//!   names): the stored record with that `id`, or 404.
//!
//! Every request is logged for assertions. The webhook subscription routes are in
//! [`subscriptions`] (their own state: [`FakeOura::webhooks`]).

#![allow(dead_code)]

// A sibling file, found from this one's directory (also when an example includes this file).
#[path = "fake_oura_subscriptions.rs"]
pub mod subscriptions;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::Timestamp;
use jiff::civil::Date;

/// The API paths of the document collections that hold one record per day, filed by `day`
/// (the test data and the benchmark's seed give each of them one record a day).
pub const DAILY_DOCUMENT_PATHS: [&str; 11] = [
    "daily_readiness",
    "daily_sleep",
    "sleep_time",
    "daily_spo2",
    "daily_stress",
    "daily_resilience",
    "daily_cardiovascular_age",
    "vO2_max",
    "workout",
    "session",
    "tag",
];

/// A fault served instead of the normal answer, once.
#[derive(Clone, Debug)]
pub enum Fault {
    /// An error status with a JSON `detail`.
    Status(u16),
    /// 429 with `Retry-After` seconds.
    RateLimited(u64),
    /// 200 with the real body cut in half.
    CutOff,
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Logged {
    pub path: String,
    pub query: HashMap<String, String>,
    pub authorization: Option<String>,
}

/// A record as served: its text, and the fields the filters read, parsed once.
#[derive(Clone, Debug)]
pub struct Stored {
    pub text: String,
    day: Option<Date>,
    start_day: Option<Date>,
    bedtime_day: Option<Date>,
    time: Option<Timestamp>,
}

impl Stored {
    pub fn new(text: String) -> Self {
        // Field by field, so that a record holding a number no double holds (`1e400`) is
        // still filed by its day.
        let fields: HashMap<String, Box<serde_json::value::RawValue>> =
            serde_json::from_str(&text).unwrap_or_default();
        let field = |name: &str| {
            fields.get(name).and_then(|v| serde_json::from_str::<String>(v.get()).ok())
        };
        let date = |name: &str| field(name).and_then(|t| t.get(..10)?.parse::<Date>().ok());
        Self {
            day: date("day"),
            start_day: date("start_day"),
            bedtime_day: date("bedtime_start"),
            time: field("timestamp").and_then(|t| t.parse().ok()),
            text,
        }
    }
}

#[derive(Default)]
pub struct Inner {
    /// Records per API path segment (`daily_sleep`, `vO2_max`, …); series kept in time order.
    pub records: HashMap<String, Vec<Stored>>,
    pub personal_info: Option<String>,
    pub faults: HashMap<String, VecDeque<Fault>>,
    /// Paths that always answer with this status (scope/membership refusals).
    pub refused: HashMap<String, u16>,
    /// `None`: any bearer (or none) is accepted.
    pub valid_tokens: Option<HashSet<String>>,
    /// Once this many requests have been served, every token valid then is revoked (Oura
    /// expiring a login in the middle of a sync).
    pub revoke_after: Option<usize>,
    pub log: Vec<Logged>,
    pub page_size: usize,
    pub series_page_size: usize,
    pub delay: Duration,
    /// Requests from the `n`-th on (0-based, counting every request) are held unanswered
    /// until this is set back to `None`: a test's fixed point in the middle of a chain.
    pub hold_from: Option<usize>,
    /// Records (raw JSON) sent once, in the first page of the next answer of a path, whatever
    /// the query: records a filter could not place (no day, not an object).
    pub serve_once: HashMap<String, Vec<String>>,
    /// At most `.0` requests in any `.1`.
    pub rate_limit: Option<(usize, Duration)>,
    pub recent: VecDeque<Instant>,
    pub rate_limited: u64,
}

/// A running fake Oura server.
pub struct FakeOura {
    pub base_url: String,
    pub inner: Arc<Mutex<Inner>>,
    /// The webhook subscriptions of the app (see [`subscriptions`]).
    pub webhooks: Arc<Mutex<subscriptions::Subscriptions>>,
}

impl FakeOura {
    /// Starts the server on a free loopback port, in a thread of its own.
    pub fn start() -> FakeOura {
        let inner =
            Arc::new(Mutex::new(Inner { page_size: 2, series_page_size: 50, ..Inner::default() }));
        let app = Router::new()
            .route("/_fake/stats", get(stats))
            .route("/v2/usercollection/{kind}", get(collection))
            .route("/v2/usercollection/{kind}/{id}", get(document))
            .route("/v2/sandbox/usercollection/{kind}", get(sandbox_collection))
            .with_state(inner.clone());
        let webhooks = Arc::new(Mutex::new(subscriptions::Subscriptions::default()));
        let app = app.merge(subscriptions::routes(webhooks.clone()));
        let base_url = serve_in_background(app);
        FakeOura { base_url, inner, webhooks }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    /// Adds records (raw JSON) to a collection, by API path segment.
    pub fn add(&self, path: &str, records: impl IntoIterator<Item = String>) {
        let mut inner = self.lock();
        let stored = inner.records.entry(path.to_string()).or_default();
        stored.extend(records.into_iter().map(Stored::new));
        if matches!(path, "heartrate" | "ring_battery_level") {
            stored.sort_by_key(|r| r.time);
        }
    }

    /// Replaces a collection's records.
    pub fn replace(&self, path: &str, records: impl IntoIterator<Item = String>) {
        self.lock().records.remove(path);
        self.add(path, records);
    }

    /// Queues records to go out once, in the next answer of `path` (see [`Inner::serve_once`]).
    pub fn serve_once(&self, path: &str, records: impl IntoIterator<Item = String>) {
        self.lock().serve_once.entry(path.to_string()).or_default().extend(records);
    }

    /// Queues faults for a path, served before its normal answers.
    pub fn fault(&self, path: &str, faults: impl IntoIterator<Item = Fault>) {
        self.lock().faults.entry(path.to_string()).or_default().extend(faults);
    }

    /// Requests whose path ends with `/<segment>`.
    pub fn requests_to(&self, segment: &str) -> Vec<Logged> {
        let suffix = format!("/{segment}");
        self.lock().log.iter().filter(|l| l.path.ends_with(&suffix)).cloned().collect()
    }

    pub fn request_count(&self) -> usize {
        self.lock().log.len()
    }
}

/// Serves `app` on a free loopback port from a thread of its own (so that tests that block
/// on the binary can use it), and returns its base URL.
pub fn serve_in_background(app: Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    base_url
}

type Shared = State<Arc<Mutex<Inner>>>;

/// `GET /_fake/stats`: requests served and 429s sent so far, then reset (for the benchmark).
async fn stats(State(inner): Shared) -> String {
    let mut s = inner.lock().unwrap();
    let text = format!(r#"{{"requests":{},"rate_limited":{}}}"#, s.log.len(), s.rate_limited);
    s.log.clear();
    s.rate_limited = 0;
    text
}

async fn collection(
    state: Shared,
    path: Path<String>,
    query: Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    serve(state, path, query, headers, false).await
}

async fn sandbox_collection(
    state: Shared,
    path: Path<String>,
    query: Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    serve(state, path, query, headers, true).await
}

/// `GET /v2/usercollection/{kind}/{id}`: the record of `kind` whose `id` is `id`, or 404.
async fn document(
    State(inner): Shared,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let authorization =
        headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
    let index = {
        let mut s = inner.lock().unwrap();
        s.log.push(Logged {
            path: format!("/v2/usercollection/{kind}/{id}"),
            query: HashMap::new(),
            authorization,
        });
        s.log.len() - 1
    };
    while inner.lock().unwrap().hold_from.is_some_and(|n| index >= n) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The same delay as every collection answer (the benchmark's network to Oura).
    let delay = inner.lock().unwrap().delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let s = inner.lock().unwrap();
    let found = s.records.get(&kind).and_then(|records| {
        records.iter().find(|r| {
            serde_json::from_str::<serde_json::Value>(&r.text)
                .is_ok_and(|v| v.get("id").and_then(|i| i.as_str()) == Some(id.as_str()))
        })
    });
    match found {
        Some(record) => {
            ([("content-type", "application/json")], record.text.clone()).into_response()
        }
        None => error(404, "Not Found"),
    }
}

fn error(status: u16, detail: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (status, [("content-type", "application/json")], format!(r#"{{"detail":"{detail}"}}"#))
        .into_response()
}

async fn serve(
    State(inner): Shared,
    Path(kind): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    sandbox: bool,
) -> Response {
    let authorization =
        headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
    let (delay, answer, index) = {
        let mut s = inner.lock().unwrap();
        let index = s.log.len();
        s.log.push(Logged {
            path: format!("/v2/{}usercollection/{kind}", if sandbox { "sandbox/" } else { "" }),
            query: query.clone(),
            authorization: authorization.clone(),
        });
        let delay = s.delay;
        (delay, answer(&mut s, &kind, &query, authorization.as_deref(), sandbox), index)
    };
    while inner.lock().unwrap().hold_from.is_some_and(|n| index >= n) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    answer
}

fn answer(
    s: &mut Inner,
    kind: &str,
    query: &HashMap<String, String>,
    authorization: Option<&str>,
    sandbox: bool,
) -> Response {
    if let Some((limit, window)) = s.rate_limit {
        let now = Instant::now();
        while s.recent.front().is_some_and(|t| now.duration_since(*t) >= window) {
            s.recent.pop_front();
        }
        if s.recent.len() >= limit {
            s.rate_limited += 1;
            let wait = window.saturating_sub(now.duration_since(s.recent[0])).as_secs() + 1;
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", wait.to_string()), ("x-ratelimit-limit", limit.to_string())],
                r#"{"detail":"Too many requests"}"#,
            )
                .into_response();
        }
        s.recent.push_back(now);
    }
    if let Some(fault) = s.faults.get_mut(kind).and_then(VecDeque::pop_front) {
        match fault {
            Fault::Status(code) => return error(code, "Injected failure"),
            Fault::RateLimited(secs) => {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", secs.to_string())],
                    r#"{"detail":"Too many requests"}"#,
                )
                    .into_response();
            }
            Fault::CutOff => {
                let full = body_for(s, kind, query, sandbox);
                if let Ok(text) = full {
                    let cut = text[..text.len() / 2].to_string();
                    return ([("content-type", "application/json")], cut).into_response();
                }
            }
        }
    }
    if s.revoke_after.is_some_and(|n| s.log.len() > n) {
        s.revoke_after = None;
        if let Some(valid) = &mut s.valid_tokens {
            valid.clear();
        }
    }
    if !sandbox && let Some(valid) = &s.valid_tokens {
        let token = authorization.and_then(|a| a.strip_prefix("Bearer "));
        if !token.is_some_and(|t| valid.contains(t)) {
            return error(401, "Unauthorized: access token is expired, malformed or revoked");
        }
    }
    if let Some(&status) = s.refused.get(kind) {
        return error(status, "Forbidden: requires additional permissions");
    }
    match body_for(s, kind, query, sandbox) {
        Ok(text) => {
            let text = match s.serve_once.remove(kind) {
                // Spliced in at the start of the first page's data.
                Some(extra) if !query.contains_key("next_token") => {
                    let at = text.find('[').expect("a page has a data array") + 1;
                    let sep = if text[at..].starts_with(']') { "" } else { "," };
                    format!("{}{}{sep}{}", &text[..at], extra.join(","), &text[at..])
                }
                Some(extra) => {
                    s.serve_once.insert(kind.to_string(), extra);
                    text
                }
                None => text,
            };
            ([("content-type", "application/json")], text).into_response()
        }
        Err((status, detail)) => error(status, &detail),
    }
}

/// The normal answer's JSON text, or an error's status and detail.
fn body_for(
    s: &Inner,
    kind: &str,
    query: &HashMap<String, String>,
    sandbox: bool,
) -> Result<String, (u16, String)> {
    if kind == "personal_info" {
        if sandbox {
            return Err((404, "Not Found".into()));
        }
        return Ok(s.personal_info.clone().unwrap_or_else(|| r#"{"id":"me"}"#.into()));
    }
    let empty = Vec::new();
    let all = s.records.get(kind).unwrap_or(&empty);
    let series = matches!(kind, "heartrate" | "ring_battery_level");
    let selected: Vec<&Stored> = if series {
        if query.contains_key("start_date") && !query.contains_key("start_datetime") {
            // Live Oura answers date params on series with nothing at all.
            Vec::new()
        } else {
            let parse = |name: &str| -> Result<Timestamp, (u16, String)> {
                query
                    .get(name)
                    .ok_or_else(|| (400, format!("{name} is required")))?
                    .parse::<Timestamp>()
                    .map_err(|_| (400, format!("{name} is not a valid datetime")))
            };
            let (from, to) = (parse("start_datetime")?, parse("end_datetime")?);
            if from.duration_until(to) > jiff::SignedDuration::from_hours(24 * 30) {
                return Err((400, "The maximum range is 30 days".into()));
            }
            // Kept in time order: pages run oldest first, as live.
            let first = all.partition_point(|r| r.time.is_none_or(|t| t < from));
            all[first..].iter().take_while(|r| r.time.is_some_and(|t| t <= to)).collect()
        }
    } else if kind == "ring_configuration" {
        all.iter().collect()
    } else {
        let date = |name: &str| -> Result<Date, (u16, String)> {
            let text = query.get(name).ok_or_else(|| (400, format!("{name} is required")))?;
            text.get(..10)
                .and_then(|d| d.parse::<Date>().ok())
                .ok_or_else(|| (400, format!("{name} is not a date")))
        };
        let (start, end) = (date("start_date")?, date("end_date")?);
        all.iter()
            .filter(|r| match kind {
                // Stamped 04:00 local, compared with the end date read as midnight.
                "daily_activity" => r.day.is_some_and(|d| start <= d && d < end),
                // Filters on the date of bedtime_start, not on `day`.
                "sleep" => r.bedtime_day.is_some_and(|d| start <= d && d <= end),
                "enhanced_tag" | "rest_mode_period" => {
                    r.start_day.is_some_and(|d| start <= d && d <= end)
                }
                _ => r.day.is_some_and(|d| start <= d && d <= end),
            })
            .collect()
    };
    let page_size = if series { s.series_page_size } else { s.page_size };
    let offset: usize = match query.get("next_token") {
        Some(token) => token
            .strip_prefix("page-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| (400, "Invalid next_token".to_string()))?,
        None => 0,
    };
    let page: Vec<&Stored> = selected.iter().skip(offset).take(page_size).copied().collect();
    let next = if offset + page_size < selected.len() {
        format!(r#""page-{}""#, offset + page_size)
    } else {
        "null".to_string()
    };
    let data = page.iter().map(|r| r.text.as_str()).collect::<Vec<_>>().join(",");
    Ok(format!(r#"{{"data":[{data}],"next_token":{next}}}"#))
}

/// One record per day for every document type, sized like Oura's (daily_activity and sleep
/// carry their long per-minute arrays), heart rate every 5 minutes, battery every 15.
pub fn seed_years(oura: &FakeOura, from: jiff::civil::Date, to: jiff::civil::Date) {
    use jiff::ToSpan;
    let days: Vec<jiff::civil::Date> = from.series(1.day()).take_while(|d| *d <= to).collect();
    let met = vec!["0.9"; 1440].join(",");
    let phases = "4".repeat(1000);
    for kind in DAILY_DOCUMENT_PATHS {
        oura.add(
            kind,
            days.iter().map(|d| {
                format!(r#"{{"id":"{kind}-{d}","day":"{d}","score":81,"contributors":{{"a":90,"b":72,"c":64}},"timestamp":"{d}T00:00:00+00:00"}}"#)
            }),
        );
    }
    oura.add(
        "daily_activity",
        days.iter().map(|d| {
            format!(r#"{{"id":"act-{d}","day":"{d}","steps":9120,"class_5_min":"{}","met":{{"interval":60,"items":[{met}],"timestamp":"{d}T04:00:00-05:00"}},"timestamp":"{d}T04:00:00-05:00"}}"#, "2".repeat(288))
        }),
    );
    oura.add(
        "sleep",
        days.iter().map(|d| {
            let eve = *d - 1.day();
            format!(r#"{{"id":"sleep-{d}","day":"{d}","bedtime_start":"{eve}T23:05:00+00:00","bedtime_end":"{d}T07:01:00+00:00","type":"long_sleep","sleep_phase_30_sec":"{phases}","heart_rate":{{"interval":300,"items":[{}]}}}}"#, vec!["52"; 96].join(","))
        }),
    );
    for kind in ["enhanced_tag", "rest_mode_period"] {
        oura.add(
            kind,
            days.iter().map(|d| {
                format!(
                    r#"{{"id":"{kind}-{d}","start_day":"{d}","start_time":"{d}T12:00:00+00:00"}}"#
                )
            }),
        );
    }
    let series = |every_min: i64, value: &'static str| {
        days.iter().flat_map(move |d| {
            (0..24 * 60 / every_min).map(move |i| {
                let (h, m) = (i * every_min / 60, i * every_min % 60);
                format!(
                    r#"{{"{value}":61,"source":"awake","timestamp":"{d}T{h:02}:{m:02}:00+00:00"}}"#
                )
            })
        })
    };
    oura.add("heartrate", series(5, "bpm"));
    oura.add("ring_battery_level", series(15, "level"));
    oura.add(
        "ring_configuration",
        [r#"{"id":"ring-1","color":"silver","design":"heritage","size":9}"#.to_string()],
    );
    oura.lock().personal_info = Some(r#"{"id":"me","age":40,"weight":70.0}"#.into());
}
