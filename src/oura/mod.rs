//! The Oura API v2 client: one GET per page, `next_token` followed to the end, retries with
//! backoff on passing faults, `Retry-After` honoured on 429, one token refresh on a 401.
//!
//! Every request takes a permit from a shared semaphore, so the number in flight is bounded
//! however many types and windows run at once; the permit is held only while a request is on
//! the wire, never during a backoff sleep.
//!
//! A hostile or broken server cannot hold a run: every body is read with a cap
//! ([`MAX_BODY_BYTES`]), every attempt has a total deadline (`attempt_timeout`), no retry starts
//! once a request has taken [`REQUEST_DEADLINE_ATTEMPTS`] attempt timeouts, a `next_token`
//! chain stops at a repeated token or at a page bound derived from the query's window
//! ([`page_bound`]), and after an interrupt a chain stops within [`INTERRUPT_GRACE`].

pub mod day_merge;
pub mod pacer;
pub mod records;
pub mod retry;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use bytes::Bytes;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use self::pacer::Pacer;
use self::retry::{
    MAX_CONNECT_ATTEMPTS, MAX_RATE_LIMIT_WAIT, StatusClass, TransportClass, classify_status,
    classify_transport, rate_limit_wait, unreachable_message,
};
use crate::auth::TokenProvider;
use crate::datatype::{DataType, RangeKind};
use crate::error::UserError;
use crate::http_body::{BodyError, read_capped};
use crate::scrub::scrub;
use crate::secret::Secret;
use crate::text::{causes, one_line};

/// Requests in flight at once by default: enough that a 7-day sync of every type waits on no
/// request it does not need, well under what Oura tolerates.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Attempts per request before the type fails (the first try and five retries).
pub const MAX_ATTEMPTS: usize = 6;

/// The largest body read from Oura: 8 MiB, about 100,000 heart-rate samples in one page (a
/// whole month of them at one every 25 s), far more than any page Oura sends. A larger body
/// fails the attempt like a cut-off one, so memory stays bounded whatever a server sends.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The most record bytes one fetch (a piece's whole `next_token` chain) may gather: 64 MiB, a
/// month of heart rate at one sample every 5 s with room to spare. Past it the piece fails,
/// so a chain of large pages cannot pile records up without end.
pub const MAX_FETCH_BYTES: usize = 64 * 1024 * 1024;

/// How long one attempt (connect, answer and whole body) may take by default
/// (`OURA_HTTP_TIMEOUT`).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// No retry of a request starts once it has taken this many attempt timeouts in all, so a
/// server that drips its answers holds a page for minutes, not for six full timeouts. A 429's
/// `Retry-After` is honoured regardless (it has its own bound, [`MAX_RATE_LIMIT_WAIT`]).
pub const REQUEST_DEADLINE_ATTEMPTS: u32 = 2;

/// Pages allowed per day of a query's window, and pages allowed on top (see [`page_bound`]).
pub const PAGES_PER_DAY: usize = 100;
pub const PAGES_BASE: usize = 100;

/// How a 404's final error starts (a document that is gone).
const NOT_FOUND: &str = "HTTP 404:";

/// How long a `next_token` chain may go on after an interrupt before it is stopped.
pub const INTERRUPT_GRACE: Duration = Duration::from_secs(3);

/// Why a fetch did not return records.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Oura refused this type (401 after a refresh, 403 for scope or membership, 426): the
    /// type is skipped, not failed.
    #[error("Oura answered HTTP {status}: {detail}")]
    Denied { status: u16, detail: String },
    /// The login is gone (the refresh token was refused): the run stops with exit 3.
    #[error("{0}")]
    LoginNeeded(String),
    /// Anything else, after the retries: the type fails with this one-line cause.
    #[error("{0}")]
    Failed(String),
}

/// One failed attempt, as the retry loop sees it.
#[derive(Debug)]
enum AttemptError {
    /// Worth another try, after `wait` if the server said so.
    Transient {
        cause: String,
        wait: Option<Duration>,
    },
    /// No connection could be made: retried at most [`MAX_CONNECT_ATTEMPTS`] times.
    Unreachable(String),
    Unauthorized(String),
    Denied {
        status: u16,
        detail: String,
    },
    Fatal(String),
}

impl AttemptError {
    /// A wait the server asked for (429): bounded by its own rules, not by the deadline.
    fn is_rate_limited(&self) -> bool {
        matches!(self, AttemptError::Transient { wait: Some(_), .. })
    }
}

/// A page of a collection.
#[derive(Deserialize)]
struct Page {
    data: Vec<Box<RawValue>>,
    #[serde(default)]
    next_token: Option<String>,
}

/// Every record of one query, and what its pages showed about the server's page size.
#[derive(Debug, Default)]
pub struct Fetched {
    /// The records of every page, in the order sent, each exactly as sent.
    pub records: Vec<Box<RawValue>>,
    /// The longest page that came with a `next_token` (a full page), if any did.
    pub full_page: Option<usize>,
}

/// What the body of a successful answer is.
enum Body {
    Page(Page),
    Bare(Box<RawValue>),
}

/// Settings of the client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// `OURA_API_BASE`, without a trailing slash.
    pub api_base: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The first backoff delay; doubles each retry, with jitter.
    pub backoff_base: Duration,
    /// The total deadline of one attempt, body included.
    pub attempt_timeout: Duration,
}

/// The Oura API client.
pub struct OuraClient {
    http: reqwest::Client,
    options: ClientOptions,
    /// Read `/v2/sandbox/usercollection/*`.
    sandbox: bool,
    tokens: Arc<TokenProvider>,
    in_flight: Semaphore,
    /// The rate budget, shared by every run of the process (see [`pacer`]).
    pacer: Arc<Pacer>,
    requests: AtomicU64,
    rate_limited: AtomicU64,
    /// Set once a request could not connect in all its attempts: the one-line cause that
    /// every later request fails with at once, without trying.
    unreachable: OnceLock<String>,
    /// Whether the first connect failure was logged (later ones go to debug).
    told_connect_failure: AtomicBool,
    /// Cancelled on an interrupt: chains of pages stop within [`INTERRUPT_GRACE`].
    interrupted: Option<CancellationToken>,
}

/// The HTTP client every Oura request of the process goes through (its connections are
/// pooled and shared by every run); each attempt gets its deadline per request.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(crate::tls::client_builder()
        .user_agent(concat!("oura-sync/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .build()?)
}

impl OuraClient {
    /// A client of one login (`tokens`, or Oura's sandbox) that sends through `http` (see
    /// [`http_client`]), paced by `pacer`, which other clients of the process may share.
    pub fn new(
        http: reqwest::Client,
        pacer: Arc<Pacer>,
        options: ClientOptions,
        sandbox: bool,
        tokens: Arc<TokenProvider>,
    ) -> Self {
        let in_flight = Semaphore::new(options.concurrency.max(1));
        Self {
            http,
            options,
            sandbox,
            tokens,
            in_flight,
            pacer,
            requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            unreachable: OnceLock::new(),
            told_connect_failure: AtomicBool::new(false),
            interrupted: None,
        }
    }

    /// Stops `next_token` chains [`INTERRUPT_GRACE`] after `flag` is cancelled.
    pub fn stop_chains_on(mut self, flag: CancellationToken) -> Self {
        self.interrupted = Some(flag);
        self
    }

    /// HTTP requests sent so far (every attempt counts).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// 429 answers received so far.
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::Relaxed)
    }

    /// Why Oura cannot be reached, once a request has failed to connect in every attempt.
    pub fn unreachable(&self) -> Option<&str> {
        self.unreachable.get().map(String::as_str)
    }

    /// The host requests go to, for messages.
    fn host(&self) -> String {
        url::Url::parse(&self.options.api_base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| self.options.api_base.clone())
    }

    /// The final error of a request whose retries are spent; a request that never connected
    /// marks the whole client unreachable.
    fn final_error(&self, e: AttemptError) -> FetchError {
        match e {
            AttemptError::Unreachable(cause) => {
                let line =
                    self.unreachable.get_or_init(|| unreachable_message(&self.host(), &cause));
                FetchError::Failed(line.clone())
            }
            other => final_error(other),
        }
    }

    /// The URL of a collection.
    pub fn url_for(&self, data_type: DataType) -> String {
        let sandbox = if self.sandbox { "sandbox/" } else { "" };
        format!("{}/v2/{sandbox}usercollection/{}", self.options.api_base, data_type.api_path())
    }

    /// One document of `data_type` by its id (`/v2/usercollection/<path>/<id>`, the route a
    /// webhook delivery names), its bytes exactly as sent; `None` when Oura answers 404 (the
    /// document is gone). `id` must be a plain path segment (the receiver checks it).
    pub async fn fetch_document(
        &self,
        data_type: DataType,
        id: &str,
    ) -> Result<Option<Box<RawValue>>, FetchError> {
        let url = format!("{}/{id}", self.url_for(data_type));
        match self.get(&url, &[], true).await {
            Ok(Body::Bare(record)) => Ok(Some(record)),
            Ok(Body::Page(_)) => {
                Err(FetchError::Failed("Oura sent a page for one document".into()))
            }
            Err(FetchError::Failed(cause)) if cause.starts_with(NOT_FOUND) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every record of `data_type` that the query `params` selects, following `next_token`
    /// until it is null, each record's bytes exactly as sent.
    ///
    /// A token seen before in the chain (any cycle) or more pages than [`page_bound`] allows
    /// fail the fetch; after an interrupt, so does a chain still running [`INTERRUPT_GRACE`]
    /// later.
    pub async fn fetch_records(
        &self,
        data_type: DataType,
        params: &[(&'static str, String)],
    ) -> Result<Fetched, FetchError> {
        let url = self.url_for(data_type);
        let bare = data_type.range() == RangeKind::BareSnapshot;
        let max_pages = page_bound(params);
        let mut fetched = Fetched::default();
        let mut next_token: Option<String> = None;
        let mut seen_tokens: HashSet<String> = HashSet::new();
        let mut gathered = 0usize;
        let mut stop_at: Option<Instant> = None;
        for page_number in 1..=max_pages {
            let mut query = params.to_vec();
            if let Some(token) = &next_token {
                query.push(("next_token", token.clone()));
            }
            if self.interrupted.as_ref().is_some_and(CancellationToken::is_cancelled) {
                stop_at.get_or_insert_with(|| Instant::now() + INTERRUPT_GRACE);
            }
            let stopped = || {
                FetchError::Failed(format!(
                    "interrupted while fetching page {page_number} of {data_type}; run the same \
                     command again"
                ))
            };
            if stop_at.is_some_and(|at| Instant::now() >= at) {
                return Err(stopped());
            }
            let body = tokio::select! {
                body = self.get(&url, &query, bare) => body?,
                () = self.stop_signal(stop_at) => return Err(stopped()),
            };
            match body {
                Body::Bare(record) => {
                    fetched.records.push(record);
                    return Ok(fetched);
                }
                Body::Page(page) => {
                    tracing::debug!(
                        r#type = %data_type,
                        page = page_number,
                        records = page.data.len(),
                        "Fetched a page."
                    );
                    gathered += page.data.iter().map(|r| r.get().len()).sum::<usize>();
                    if gathered > MAX_FETCH_BYTES {
                        return Err(FetchError::Failed(format!(
                            "Oura sent more than {} MiB of {data_type} records for one piece \
                             (page {page_number}); stopped",
                            MAX_FETCH_BYTES / (1024 * 1024)
                        )));
                    }
                    let page_len = page.data.len();
                    fetched.records.extend(page.data);
                    match page.next_token.filter(|t| !t.is_empty()) {
                        None => return Ok(fetched),
                        Some(token) if !seen_tokens.insert(token.clone()) => {
                            return Err(FetchError::Failed(format!(
                                "Oura sent a next_token it had sent before in this chain of \
                                 {data_type} pages (page {page_number}); stopped to avoid a loop"
                            )));
                        }
                        Some(token) => {
                            fetched.full_page = fetched.full_page.max(Some(page_len));
                            next_token = Some(token);
                        }
                    }
                }
            }
        }
        Err(FetchError::Failed(format!(
            "Oura kept sending next_token for {data_type} past {max_pages} pages, more than its \
             window can hold; stopped to avoid a loop"
        )))
    }

    /// Resolves when a chain must stop: at `stop_at`, or [`INTERRUPT_GRACE`] after the
    /// interrupt flag is set; never without a flag.
    async fn stop_signal(&self, stop_at: Option<Instant>) {
        if let Some(at) = stop_at {
            return tokio::time::sleep_until(at.into()).await;
        }
        let Some(flag) = &self.interrupted else { return std::future::pending().await };
        flag.cancelled().await;
        tokio::time::sleep(INTERRUPT_GRACE).await;
    }

    /// One GET, with retries, and with one token refresh on a 401.
    async fn get(
        &self,
        url: &str,
        query: &[(&'static str, String)],
        bare: bool,
    ) -> Result<Body, FetchError> {
        let token = self.tokens.bearer().await.map_err(auth_failure)?;
        match self.get_retrying(url, query, token.as_ref(), bare).await {
            Err(AttemptError::Unauthorized(detail)) => {
                let Some(rejected) = token else {
                    return Err(FetchError::Denied { status: 401, detail });
                };
                match self.tokens.after_unauthorized(&rejected).await.map_err(auth_failure)? {
                    Some(fresh) => {
                        tracing::info!("Repeating a request with the refreshed access token.");
                        self.get_retrying(url, query, Some(&fresh), bare)
                            .await
                            .map_err(|e| self.final_error(e))
                    }
                    None => Err(FetchError::Denied { status: 401, detail }),
                }
            }
            other => other.map_err(|e| self.final_error(e)),
        }
    }

    async fn get_retrying(
        &self,
        url: &str,
        query: &[(&'static str, String)],
        token: Option<&Secret>,
        bare: bool,
    ) -> Result<Body, AttemptError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.options.backoff_base)
            .with_max_delay(Duration::from_secs(30))
            .with_max_times(MAX_ATTEMPTS - 1)
            .with_jitter();
        let deadline = Instant::now() + self.options.attempt_timeout * REQUEST_DEADLINE_ATTEMPTS;
        let connect_failures = AtomicUsize::new(0);
        (|| async {
            let result = self.attempt(url, query, token, bare).await;
            if let Err(AttemptError::Unreachable(_)) = &result {
                connect_failures.fetch_add(1, Ordering::Relaxed);
            }
            result
        })
        .retry(backoff)
        .when(|e| match e {
            AttemptError::Transient { .. } => e.is_rate_limited() || Instant::now() < deadline,
            AttemptError::Unreachable(_) => {
                connect_failures.load(Ordering::Relaxed) < MAX_CONNECT_ATTEMPTS
                    && self.unreachable.get().is_none()
            }
            _ => false,
        })
            .adjust(|e, backoff_delay| match e {
                // Keep the bound on attempts (`None` ends the retries), but wait as told.
                AttemptError::Transient { wait: Some(wait), .. } => backoff_delay.map(|_| *wait),
                _ => backoff_delay,
            })
            .notify(|e, delay| match e {
                AttemptError::Transient { cause, .. } => {
                    tracing::warn!(%url, ?delay, %cause, "Retrying a request.");
                }
                AttemptError::Unreachable(cause) => {
                    if self.told_connect_failure.swap(true, Ordering::Relaxed) {
                        tracing::debug!(%url, ?delay, %cause, "Retrying a request that could not connect.");
                    } else {
                        tracing::warn!(host = %self.host(), %cause, "Cannot connect to Oura; retrying briefly.");
                    }
                }
                _ => {}
            })
            .await
    }

    async fn attempt(
        &self,
        url: &str,
        query: &[(&'static str, String)],
        token: Option<&Secret>,
        bare: bool,
    ) -> Result<Body, AttemptError> {
        let _permit = self.in_flight.acquire().await.expect("the semaphore is never closed");
        // Once Oura has proved unreachable, nothing more is tried: the run ends in seconds.
        if let Some(line) = self.unreachable.get() {
            return Err(AttemptError::Fatal(line.clone()));
        }
        // Paced after the permit, so the time counted is the time the request really goes.
        self.pacer.wait_turn().await;
        self.requests.fetch_add(1, Ordering::Relaxed);
        // The sandbox ignores the bearer, but some of its deployments insist on the header.
        let bearer = token.map_or("sandbox", Secret::expose);
        let response = self
            .http
            .get(url)
            .timeout(self.options.attempt_timeout)
            .query(query)
            .bearer_auth(bearer)
            .send()
            .await
            .map_err(|e| match classify_transport(e.is_connect()) {
                TransportClass::Unreachable => AttemptError::Unreachable(transport_cause(&e)),
                TransportClass::Transient => transient(transport_cause(&e)),
            })?;
        let Answer { status, retry_after, reset, body } =
            read_answer(response, MAX_BODY_BYTES).await.map_err(transient)?;
        match classify_status(status) {
            StatusClass::Success => parse_body(&body, bare).map_err(transient),
            StatusClass::RateLimited => {
                self.rate_limited.fetch_add(1, Ordering::Relaxed);
                let wait =
                    rate_limit_wait(retry_after.as_deref(), reset.as_deref(), Timestamp::now());
                if let Some(wait) = wait.filter(|w| *w > MAX_RATE_LIMIT_WAIT) {
                    return Err(AttemptError::Fatal(format!(
                        "rate limited by Oura for {} s, longer than oura-sync waits; try again later",
                        wait.as_secs()
                    )));
                }
                Err(AttemptError::Transient { cause: "HTTP 429 (rate limited)".into(), wait })
            }
            StatusClass::Unauthorized => Err(AttemptError::Unauthorized(error_detail(&body))),
            StatusClass::Denied => {
                Err(AttemptError::Denied { status, detail: error_detail(&body) })
            }
            StatusClass::Transient => {
                Err(transient(format!("HTTP {status}: {}", error_detail(&body))))
            }
            StatusClass::Fatal => {
                Err(AttemptError::Fatal(format!("HTTP {status}: {}", error_detail(&body))))
            }
        }
    }
}

fn transient(cause: String) -> AttemptError {
    AttemptError::Transient { cause, wait: None }
}

/// The final error of a request whose retries are spent.
fn final_error(e: AttemptError) -> FetchError {
    match e {
        AttemptError::Transient { cause, .. } => {
            FetchError::Failed(format!("{cause} (gave up after {MAX_ATTEMPTS} attempts)"))
        }
        AttemptError::Unreachable(cause) => {
            FetchError::Failed(format!("{cause} (gave up after {MAX_CONNECT_ATTEMPTS} attempts)"))
        }
        AttemptError::Unauthorized(detail) => FetchError::Denied { status: 401, detail },
        AttemptError::Denied { status, detail } => FetchError::Denied { status, detail },
        AttemptError::Fatal(cause) => FetchError::Failed(cause),
    }
}

/// A token problem the user must act on (a refused refresh, or no way to refresh at all)
/// stops the run with exit 3; anything else fails the type.
fn auth_failure(e: anyhow::Error) -> FetchError {
    match e.downcast_ref::<UserError>() {
        Some(UserError::LoginNeeded(message) | UserError::Usage(message)) => {
            FetchError::LoginNeeded(message.clone())
        }
        None => FetchError::Failed(format!("cannot get an access token: {e:#}")),
    }
}

/// A short cause for a transport error, without the URL (it says nothing new here); the
/// doctor words its own request's failure with it, as a sync does.
pub(crate) fn transport_cause(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "broken body"
    } else {
        "request failed"
    };
    // The innermost cause says what happened (refused, reset, DNS).
    let detail = causes(e).last().map(|c| c.to_string()).unwrap_or_default();
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {}", one_line(&scrub(&detail), 120))
    }
}

/// Parses a successful body: an envelope page, or (for `personal_info`) a bare object.
fn parse_body(body: &[u8], bare: bool) -> Result<Body, String> {
    let not_json = |e: serde_json::Error| {
        format!(
            "the answer is not the JSON Oura sends (cut off?): {}",
            one_line(&e.to_string(), 100)
        )
    };
    if bare {
        let record: Box<RawValue> = serde_json::from_slice(body).map_err(not_json)?;
        if !record.get().trim_start().starts_with('{') {
            return Err("the answer is not a JSON object".into());
        }
        Ok(Body::Bare(record))
    } else {
        serde_json::from_slice::<Page>(body).map(Body::Page).map_err(not_json)
    }
}

/// An answer of Oura's, read: its status, the headers that say how long to wait after a 429,
/// and its body (at most the cap given).
pub(crate) struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub reset: Option<String>,
    pub body: Bytes,
}

/// Reads `response` whole, at most `cap` bytes of body; the error is the cause of a transient
/// failure (a body cut off or too large), for the caller's own retry.
pub(crate) async fn read_answer(response: reqwest::Response, cap: usize) -> Result<Answer, String> {
    let status = response.status().as_u16();
    let header =
        |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (retry_after, reset) = (header("retry-after"), header("x-ratelimit-reset"));
    let body = read_capped(response, cap).await.map_err(|e| match e {
        BodyError::TooLarge { .. } => format!("the answer was cut off ({e})"),
        BodyError::Transport(e) => format!("the answer was cut off ({})", transport_cause(&e)),
    })?;
    Ok(Answer { status, retry_after, reset, body })
}

/// The `detail` (or `message`, `error_description`, `error`) of an error body, on one line.
pub(crate) fn error_detail(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        detail: Option<serde_json::Value>,
        message: Option<String>,
        error_description: Option<String>,
        error: Option<String>,
        title: Option<String>,
    }
    let text = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => e
            .detail
            .map(|d| match d {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
            .or(e.message)
            .or(e.error_description)
            .or(e.error)
            .or(e.title)
            .unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let text = scrub(&text);
    if text.trim().is_empty() { "no detail given".into() } else { one_line(&text, 160) }
}

/// The most pages a query may take: [`PAGES_PER_DAY`] for each day its range spans (dates or
/// datetimes, ends included) plus [`PAGES_BASE`]. A query without a range gets the base.
pub fn page_bound(params: &[(&'static str, String)]) -> usize {
    let param = |name: &str| params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
    let days = match (param("start_date"), param("end_date")) {
        (Some(from), Some(to)) => {
            match (from.parse::<jiff::civil::Date>(), to.parse::<jiff::civil::Date>()) {
                (Ok(from), Ok(to)) => from.until(to).ok().map(|span| span.get_days() as i64 + 1),
                _ => None,
            }
        }
        _ => match (param("start_datetime"), param("end_datetime")) {
            (Some(from), Some(to)) => match (from.parse::<Timestamp>(), to.parse::<Timestamp>()) {
                (Ok(from), Ok(to)) => Some(from.duration_until(to).as_hours().div_euclid(24) + 1),
                _ => None,
            },
            _ => None,
        },
    };
    let days = days.unwrap_or(0).clamp(0, 10_000) as usize;
    PAGES_BASE + PAGES_PER_DAY * days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_bare_objects_parse_and_cut_bodies_do_not() {
        let Body::Page(page) =
            parse_body(br#"{"data":[{"id":"a", "x" : 1}],"next_token":"t"}"#, false).unwrap()
        else {
            panic!("not a page")
        };
        assert_eq!(page.data[0].get(), r#"{"id":"a", "x" : 1}"#);
        assert_eq!(page.next_token.as_deref(), Some("t"));
        let Body::Page(page) = parse_body(br#"{"data":[]}"#, false).unwrap() else { panic!() };
        assert!(page.next_token.is_none());
        assert!(parse_body(br#"{"data":[{"id":"a"}"#, false).is_err());
        assert!(parse_body(b"<html>", false).is_err());
        assert!(matches!(parse_body(br#"{"id":"p"}"#, true), Ok(Body::Bare(_))));
        assert!(parse_body(br#"[1]"#, true).is_err());
    }

    #[test]
    fn the_page_bound_grows_with_the_window() {
        let dates = [("start_date", "2026-11-16".into()), ("end_date", "2026-11-24".into())];
        assert_eq!(page_bound(&dates), PAGES_BASE + 9 * PAGES_PER_DAY);
        let times = [
            ("start_datetime", "2026-11-23T05:00:00Z".into()),
            ("end_datetime", "2026-11-24T05:00:00Z".into()),
        ];
        assert_eq!(page_bound(&times), PAGES_BASE + 2 * PAGES_PER_DAY);
        assert_eq!(page_bound(&[]), PAGES_BASE);
    }

    #[test]
    fn error_details_are_read_from_common_shapes() {
        assert_eq!(error_detail(br#"{"detail":"Subscription expired"}"#), "Subscription expired");
        assert_eq!(error_detail(br#"{"error":"invalid_token"}"#), "invalid_token");
        assert_eq!(error_detail(b"Bad\nGateway"), "Bad Gateway");
        assert_eq!(error_detail(b""), "no detail given");
    }
}
