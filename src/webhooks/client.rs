//! Oura's webhook subscription routes (`/v2/webhook/subscription`): list, create, renew and
//! delete, authenticated with the app's `x-client-id`/`x-client-secret`, sent through the
//! process's HTTP client and rate budget, and retried like every Oura request
//! ([`crate::oura::retry`]: 408, 429 and 5xx again after a backoff; other answers are final).
//!
//! Creation is where Oura is known to fail (500/504 while subscribing; a 400 when its check
//! of the callback failed is tried [`CREATE_BAD_REQUEST_ATTEMPTS`] times), and a gateway
//! timeout may come after Oura made the subscription: before each retry of a creation the
//! list is read again, and a subscription that appeared there is taken as created, so a retry
//! never makes a second one.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};

use super::WebhookApp;
use super::data_type::EventType;
use crate::datatype::DataType;
use crate::oura::pacer::Pacer;
use crate::oura::retry::{
    MAX_CONNECT_ATTEMPTS, MAX_RATE_LIMIT_WAIT, StatusClass, TransportClass, classify_status,
    classify_transport, rate_limit_wait,
};
use crate::oura::{
    Answer, ClientOptions, MAX_ATTEMPTS, error_detail, read_answer, transport_cause,
};
use crate::secret::Secret;

/// The largest answer read from a management route (a list of a few hundred subscriptions
/// is some tens of kilobytes).
const MAX_BODY: usize = 1024 * 1024;

/// Attempts of a creation Oura answers 400 (its callback check failed): a receiver that
/// was starting (a Lambda's cold start) gets a second and third chance, a dead one costs
/// seconds, not the minute of the full retries.
const CREATE_BAD_REQUEST_ATTEMPTS: usize = 3;

/// The longest backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// One subscription as Oura keeps it (`WebhookSubscriptionModel`). The event and data type
/// are kept as Oura sent them: the list may hold subscriptions of types oura-sync does not
/// sync (another tool's `meal`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub callback_url: String,
    pub event_type: String,
    pub data_type: String,
    #[serde(deserialize_with = "lenient_time")]
    pub expiration_time: Timestamp,
}

impl Subscription {
    /// Its ledger name and report key: `<event_type>.<data_type>`.
    pub fn key(&self) -> String {
        key(&self.event_type, &self.data_type)
    }

    /// True when it is the subscription `wanted` asks for: same callback, event and type.
    pub fn matches(&self, wanted: &Wanted) -> bool {
        self.callback_url == wanted.callback_url
            && self.event_type == wanted.event_type.name()
            && Some(self.data_type.as_str()) == super::data_type::webhook_name(wanted.data_type)
    }
}

/// The name of a (event type, webhook data type): `create.daily_sleep`.
pub fn key(event_type: &str, data_type: &str) -> String {
    format!("{event_type}.{data_type}")
}

/// A subscription to make: where Oura posts, for which event of which type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub callback_url: String,
    pub event_type: EventType,
    /// A type with webhooks ([`super::data_type::has_webhooks`]).
    pub data_type: DataType,
}

impl Wanted {
    /// `<event_type>.<data_type>`, as [`Subscription::key`].
    pub fn key(&self) -> String {
        key(self.event_type.name(), self.webhook_type())
    }

    /// Oura's webhook name of the type.
    pub fn webhook_type(&self) -> &'static str {
        super::data_type::webhook_name(self.data_type).unwrap_or(self.data_type.name())
    }
}

/// Oura's `expiration_time`: RFC 3339, or (as Python writes a naive datetime) without an
/// offset, then read as UTC.
fn lenient_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_time(&text).ok_or_else(|| {
        serde::de::Error::custom(format!("expiration_time `{text}` is not a date-time"))
    })
}

/// Parses an RFC 3339 instant, or a date-time without an offset as UTC.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok().or_else(|| {
        let civil = text.parse::<jiff::civil::DateTime>().ok()?;
        jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()
    })
}

/// Why a management request did not succeed, after its retries.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManageError {
    /// 403 on a subscription's own route: "Webhook with specified id does not exist".
    #[error("Oura has no subscription {id} (HTTP 403: {detail})")]
    NoSuchSubscription { id: String, detail: String },
    /// 401 (or 403 on the list): the app's credentials were refused.
    #[error(
        "Oura refused the app's credentials (HTTP {status}: {detail}); check OURA_CLIENT_ID and \
         OURA_CLIENT_SECRET"
    )]
    Refused { status: u16, detail: String },
    /// Anything else: the one-line cause.
    #[error("{0}")]
    Failed(String),
}

/// One failed attempt.
#[derive(Debug)]
enum Attempt {
    /// Worth another try, after `wait` when the server said how long.
    Transient { cause: String, wait: Option<Duration> },
    /// No connection could be made.
    Unreachable(String),
    /// HTTP 400: final, except for a creation, where it is how Oura answers a callback that
    /// did not pass its check, which a receiver starting cold may fail once.
    BadRequest(String),
    /// Final: retrying cannot help.
    Final(ManageError),
}

/// A request of the management routes.
#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Put,
    Delete,
}

/// The management client of one app (see the module doc).
pub struct SubscriptionClient {
    http: reqwest::Client,
    pacer: Arc<Pacer>,
    options: ClientOptions,
    app: WebhookApp,
}

impl SubscriptionClient {
    /// A client of `app` over `http`, paced by `pacer` (the process's), at `options.api_base`
    /// with its attempt timeout and backoff.
    pub fn new(
        http: reqwest::Client,
        pacer: Arc<Pacer>,
        options: ClientOptions,
        app: WebhookApp,
    ) -> Self {
        Self { http, pacer, options, app }
    }

    /// Every subscription of the app.
    pub async fn list(&self) -> Result<Vec<Subscription>, ManageError> {
        let body = self.call(Method::Get, "", None, None).await?;
        parse(&body)
    }

    /// Makes `wanted`, with `verification_token` for Oura's check of the callback. Oura
    /// answers only once the callback has answered its challenge, so the receiver must be
    /// live. Before a retry the list is read: a subscription that appeared is the answer.
    pub async fn create(
        &self,
        wanted: &Wanted,
        verification_token: &Secret,
    ) -> Result<Subscription, ManageError> {
        let body = serde_json::json!({
            "callback_url": wanted.callback_url,
            "verification_token": verification_token.expose(),
            "event_type": wanted.event_type.name(),
            "data_type": wanted.webhook_type(),
        });
        let mut attempts = 0;
        let mut connect_failures = 0;
        loop {
            attempts += 1;
            let error = match self.attempt(Method::Post, "", Some(&body)).await {
                Ok(body) => return parse(&body),
                Err(e) => e,
            };
            let checked_again =
                matches!(error, Attempt::BadRequest(_)) && attempts < CREATE_BAD_REQUEST_ATTEMPTS;
            let wait = match checked_again {
                true => Some(backoff(self.options.backoff_base, attempts)),
                false => self.retry_after(&error, attempts, &mut connect_failures),
            };
            let Some(wait) = wait else {
                return Err(final_error(error, attempts));
            };
            tracing::warn!(subscription = %wanted.key(), ?wait, cause = %cause(&error), "Retrying a webhook subscription.");
            tokio::time::sleep(wait).await;
            // A failed attempt may have made it all the same (a 504 after the work was done).
            if let Ok(existing) = self.list().await
                && let Some(made) = existing.into_iter().find(|s| s.matches(wanted))
            {
                tracing::info!(subscription = %wanted.key(), "The subscription was made by an attempt that seemed to fail.");
                return Ok(made);
            }
        }
    }

    /// Extends subscription `id` (`PUT /renew/{id}`) and returns it with its new expiry.
    pub async fn renew(&self, id: &str) -> Result<Subscription, ManageError> {
        let body = self.call(Method::Put, &format!("/renew/{id}"), None, Some(id)).await?;
        parse(&body)
    }

    /// Deletes subscription `id`.
    pub async fn delete(&self, id: &str) -> Result<(), ManageError> {
        self.call(Method::Delete, &format!("/{id}"), None, Some(id)).await.map(drop)
    }

    /// One request with retries; a 403 is "no such subscription" when `id` is given.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        id: Option<&str>,
    ) -> Result<Bytes, ManageError> {
        let mut attempts = 0;
        let mut connect_failures = 0;
        loop {
            attempts += 1;
            let error = match self.attempt(method, path, body).await {
                Ok(body) => return Ok(body),
                Err(Attempt::Final(ManageError::Refused { status: 403, detail }))
                    if id.is_some() =>
                {
                    let id = id.unwrap_or_default().to_string();
                    return Err(ManageError::NoSuchSubscription { id, detail });
                }
                Err(e) => e,
            };
            let Some(wait) = self.retry_after(&error, attempts, &mut connect_failures) else {
                return Err(final_error(error, attempts));
            };
            tracing::warn!(route = %path, ?wait, cause = %cause(&error), "Retrying a webhook management request.");
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait before attempt `attempts + 1`, or `None` when `error` is final or
    /// the attempts are spent.
    fn retry_after(
        &self,
        error: &Attempt,
        attempts: usize,
        connect_failures: &mut usize,
    ) -> Option<Duration> {
        let backoff = backoff(self.options.backoff_base, attempts);
        match error {
            Attempt::Transient { wait, .. } if attempts < MAX_ATTEMPTS => {
                Some(wait.unwrap_or(backoff))
            }
            Attempt::Unreachable(_) => {
                *connect_failures += 1;
                (*connect_failures < MAX_CONNECT_ATTEMPTS).then_some(backoff)
            }
            _ => None,
        }
    }

    /// One attempt: the body of a 2xx answer, or why not.
    async fn attempt(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Bytes, Attempt> {
        self.pacer.wait_turn().await;
        let url = format!("{}/v2/webhook/subscription{path}", self.options.api_base);
        let request = match method {
            Method::Get => self.http.get(&url),
            Method::Post => self.http.post(&url),
            Method::Put => self.http.put(&url),
            Method::Delete => self.http.delete(&url),
        };
        let mut request = request
            .timeout(self.options.attempt_timeout)
            .header("x-client-id", &self.app.client_id)
            .header("x-client-secret", self.app.client_secret.expose());
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(serde_json::to_vec(body).expect("a JSON value serializes"));
        }
        let response =
            request.send().await.map_err(|e| match classify_transport(e.is_connect()) {
                TransportClass::Unreachable => Attempt::Unreachable(transport_cause(&e)),
                TransportClass::Transient => transient(transport_cause(&e)),
            })?;
        let Answer { status, retry_after, reset, body } =
            read_answer(response, MAX_BODY).await.map_err(transient)?;
        let detail = || error_detail(&body);
        match classify_status(status) {
            StatusClass::Success => Ok(body),
            StatusClass::RateLimited => {
                let wait =
                    rate_limit_wait(retry_after.as_deref(), reset.as_deref(), Timestamp::now());
                if let Some(wait) = wait.filter(|w| *w > MAX_RATE_LIMIT_WAIT) {
                    return Err(Attempt::Final(ManageError::Failed(format!(
                        "rate limited by Oura for {} s, longer than oura-sync waits; try again later",
                        wait.as_secs()
                    ))));
                }
                Err(Attempt::Transient { cause: "HTTP 429 (rate limited)".into(), wait })
            }
            StatusClass::Unauthorized => {
                Err(Attempt::Final(ManageError::Refused { status, detail: detail() }))
            }
            StatusClass::Denied if status == 403 => {
                Err(Attempt::Final(ManageError::Refused { status, detail: detail() }))
            }
            StatusClass::Transient => Err(transient(format!("HTTP {status}: {}", detail()))),
            StatusClass::Fatal if status == 400 => {
                Err(Attempt::BadRequest(format!("HTTP {status}: {}", detail())))
            }
            StatusClass::Denied | StatusClass::Fatal => {
                Err(Attempt::Final(ManageError::Failed(format!("HTTP {status}: {}", detail()))))
            }
        }
    }
}

fn transient(cause: String) -> Attempt {
    Attempt::Transient { cause, wait: None }
}

fn cause(error: &Attempt) -> String {
    match error {
        Attempt::Transient { cause, .. }
        | Attempt::Unreachable(cause)
        | Attempt::BadRequest(cause) => cause.clone(),
        Attempt::Final(e) => e.to_string(),
    }
}

/// The error of a request whose retries are spent after `attempts`.
fn final_error(error: Attempt, attempts: usize) -> ManageError {
    match error {
        Attempt::Final(e) => e,
        Attempt::BadRequest(cause) if attempts == 1 => ManageError::Failed(cause),
        Attempt::Transient { cause, .. }
        | Attempt::Unreachable(cause)
        | Attempt::BadRequest(cause) => {
            let tries = if attempts == 1 { "attempt" } else { "attempts" };
            ManageError::Failed(format!("{cause} (gave up after {attempts} {tries})"))
        }
    }
}

/// The wait before attempt `attempts + 1`: `base` doubled each time, at most
/// [`MAX_BACKOFF`], with up to a quarter more at random so that retries do not go in step.
fn backoff(base: Duration, attempts: usize) -> Duration {
    let doubled = base.saturating_mul(1 << attempts.saturating_sub(1).min(16)).min(MAX_BACKOFF);
    let mut byte = [0u8; 1];
    let jitter = match getrandom::fill(&mut byte) {
        Ok(()) => doubled.mul_f64(f64::from(byte[0]) / 1024.0),
        Err(_) => Duration::ZERO,
    };
    doubled + jitter
}

/// A management answer's JSON, or a one-line cause.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ManageError> {
    serde_json::from_slice(body).map_err(|e| {
        ManageError::Failed(format!(
            "Oura's answer is not the subscription JSON it documents: {}",
            crate::text::one_line(&e.to_string(), 120)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins down that an expiry with an offset, with `Z`, or without any (a naive Python
    /// datetime) is read, the last as UTC.
    #[test]
    fn expiration_times_with_and_without_an_offset_are_read() {
        let z = parse_time("2026-12-05T10:00:00Z").unwrap();
        assert_eq!(parse_time("2026-12-05T11:00:00+01:00"), Some(z));
        assert_eq!(parse_time("2026-12-05T10:00:00"), Some(z));
        assert_eq!(parse_time("2026-12-05T10:00:00.000000"), Some(z));
        assert_eq!(parse_time("soon"), None);
    }

    /// Pins down the model as the spec's example gives it, and its key.
    #[test]
    fn a_subscription_parses_and_has_its_key() {
        let s: Subscription = parse(
            br#"{"id":"5d3fe17b-f880-4d93-b9b6-afbfb76c1e78","callback_url":"https://my-api/oura",
                "event_type":"delete","data_type":"tag","expiration_time":"2026-12-05T10:00:00"}"#,
        )
        .unwrap();
        assert_eq!(s.key(), "delete.tag");
        let wanted = Wanted {
            callback_url: "https://my-api/oura".into(),
            event_type: EventType::Delete,
            data_type: DataType::Tag,
        };
        assert!(s.matches(&wanted));
        assert!(!s.matches(&Wanted { event_type: EventType::Create, ..wanted.clone() }));
        assert!(!s.matches(&Wanted { callback_url: "https://other/".into(), ..wanted }));
        assert!(parse::<Subscription>(br#"{"id":"x"}"#).is_err());
    }

    /// Pins down that vo2_max is subscribed under its webhook name, not its path.
    #[test]
    fn a_wanted_subscription_uses_the_webhook_name() {
        let wanted = Wanted {
            callback_url: "https://x/".into(),
            event_type: EventType::Update,
            data_type: DataType::Vo2Max,
        };
        assert_eq!(wanted.key(), "update.vo2_max");
    }

    /// Pins down the backoff: doubling from the base, capped, with at most a quarter added.
    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let base = Duration::from_millis(500);
        let first = backoff(base, 1);
        assert!(first >= base && first <= base.mul_f64(1.25), "{first:?}");
        let third = backoff(base, 3);
        assert!(third >= base * 4 && third <= (base * 4).mul_f64(1.25), "{third:?}");
        assert!(backoff(base, 40) <= MAX_BACKOFF.mul_f64(1.25));
    }

    /// Pins down the one line of a request whose retries ran out.
    #[test]
    fn a_spent_retry_says_how_many_attempts() {
        let e = final_error(transient("HTTP 504: gateway timeout".into()), 6);
        assert_eq!(e.to_string(), "HTTP 504: gateway timeout (gave up after 6 attempts)");
    }
}
