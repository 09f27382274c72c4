//! The one handler of Oura's webhook calls, whatever carries them (`oura-sync serve`'s HTTP
//! server, a Lambda Function URL event): a plain request in, a plain response out, and the
//! delivery to apply when there is one. Pure: no I/O, the time given.
//!
//! - `GET ?verification_token=…&challenge=…` (made while a subscription is created): the
//!   challenge echoed as `{"challenge": …}` only when the token equals `OURA_WEBHOOK_TOKEN`
//!   (compared in constant time); else 401.
//! - `POST` (a delivery): the signature and timestamp checked ([`super::signature`]); a
//!   forged or stale one is 401 and nothing is synced. A good one is answered 200 at once and
//!   handed back to be queued: the work happens after the answer, within Oura's 10 s.
//! - A delivery of a data type or event oura-sync does not sync (Oura adds types; it has
//!   some oura-sync has no collection for) is answered **200 and ignored**: a 4xx would make
//!   Oura retry it about ten times over an hour for nothing, and 410 would cancel the
//!   subscription. A body that is not a delivery at all is 400 (Oura's retries are then
//!   worth having: it can only be a fault in transit or in us).
//! - Nothing answered here is ever 410, which would cancel the subscription.
//!
//! No answer holds a secret: the token is never echoed, the refusals are fixed phrases.

use jiff::Timestamp;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::data_type::{EventType, from_webhook_name};
use super::signature::{Refusal, authenticate};
use crate::datatype::DataType;
use crate::secret::Secret;

/// The largest body accepted (a delivery is about 200 bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A request as any carrier hands it over.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    /// Upper case (`GET`, `POST`).
    pub method: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// The answer: a status and a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: String,
}

impl HttpResponse {
    fn json(status: u16, value: serde_json::Value) -> Self {
        Self { status, body: value.to_string() }
    }

    fn error(status: u16, detail: &str) -> Self {
        Self::json(status, serde_json::json!({ "detail": detail }))
    }
}

/// One authenticated delivery, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub event: EventType,
    pub data_type: DataType,
    /// The document's id (checked to be a plain path segment).
    pub object_id: String,
    /// When Oura says the event happened (the receipt time when it says nothing usable).
    pub event_time: Timestamp,
    /// Oura's `event_time` as sent (empty when it sent none).
    pub event_time_sent: String,
    /// When it was received (the signed timestamp's check passed at this time).
    pub received_at: Timestamp,
}

/// The body Oura posts.
#[derive(Deserialize)]
struct Body {
    event_type: String,
    data_type: String,
    object_id: String,
    #[serde(default)]
    event_time: Option<String>,
}

/// True for an id that can go into a URL path as it is.
fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && id != "."
        && id != ".."
}

/// The handler's settings.
#[derive(Debug, Clone)]
pub struct Receiver {
    /// `OURA_CLIENT_SECRET`: the key of the signatures.
    pub client_secret: Option<Secret>,
    /// `OURA_WEBHOOK_TOKEN`: what the verification call must carry.
    pub verification_token: Option<Secret>,
}

impl Receiver {
    /// Answers `request` at `now`; a delivery to apply comes back beside the answer.
    pub fn handle(
        &self,
        request: &HttpRequest,
        now: Timestamp,
    ) -> (HttpResponse, Option<Delivery>) {
        match request.method.as_str() {
            "GET" | "HEAD" => (self.verify(request), None),
            "POST" => self.deliver(request, now),
            _ => (HttpResponse::error(405, "only GET (verification) and POST (delivery)"), None),
        }
    }

    fn verify(&self, request: &HttpRequest) -> HttpResponse {
        let (Some(token), Some(challenge)) =
            (request.query_param("verification_token"), request.query_param("challenge"))
        else {
            return HttpResponse::error(400, "not a verification request");
        };
        let Some(expected) = &self.verification_token else {
            return HttpResponse::error(401, "no verification token is configured");
        };
        if !bool::from(token.as_bytes().ct_eq(expected.expose().as_bytes())) {
            return HttpResponse::error(401, "wrong verification token");
        }
        HttpResponse::json(200, serde_json::json!({ "challenge": challenge }))
    }

    fn deliver(&self, request: &HttpRequest, now: Timestamp) -> (HttpResponse, Option<Delivery>) {
        let Some(secret) = &self.client_secret else {
            // Never 410: Oura retries, and the subscription lives until this is fixed.
            return (HttpResponse::error(503, "no client secret is configured"), None);
        };
        let timestamp = request.header("x-oura-timestamp");
        let signature = request.header("x-oura-signature");
        if let Err(refusal) =
            authenticate(secret.expose().as_bytes(), timestamp, signature, &request.body, now)
        {
            let detail = match refusal {
                Refusal::Stale => "stale timestamp",
                _ => "bad signature",
            };
            return (HttpResponse::error(401, detail), None);
        }
        match read_delivery(&request.body, now) {
            Ok(Some(delivery)) => {
                (HttpResponse::json(200, serde_json::json!({ "status": "queued" })), Some(delivery))
            }
            Ok(None) => (HttpResponse::json(200, serde_json::json!({ "status": "ignored" })), None),
            Err(detail) => (HttpResponse::error(400, detail), None),
        }
    }
}

/// Reads a delivery's body: `Ok(None)` for a data type or event oura-sync does not sync.
pub fn read_delivery(body: &[u8], now: Timestamp) -> Result<Option<Delivery>, &'static str> {
    let body: Body = serde_json::from_slice(body).map_err(|_| "not a delivery body")?;
    let (Some(event), Some(data_type)) =
        (body.event_type.parse::<EventType>().ok(), from_webhook_name(&body.data_type))
    else {
        return Ok(None);
    };
    if !plain_id(&body.object_id) {
        return Err("object_id is not a plain id");
    }
    let event_time = body.event_time.as_deref().and_then(read_time).unwrap_or(now);
    Ok(Some(Delivery {
        event,
        data_type,
        object_id: body.object_id,
        event_time,
        event_time_sent: body.event_time.unwrap_or_default(),
        received_at: now,
    }))
}

/// An event time with an offset, or a civil one read as UTC.
fn read_time(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok().or_else(|| {
        jiff::tz::TimeZone::UTC.to_timestamp(text.parse::<jiff::civil::DateTime>().ok()?).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::super::signature::sign;
    use super::*;

    const SECRET: &str = "s3cr3t-client";
    const TOKEN: &str = "verify-me-123";

    fn receiver() -> Receiver {
        Receiver {
            client_secret: Some(Secret::new(SECRET)),
            verification_token: Some(Secret::new(TOKEN)),
        }
    }

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    fn post(body: &str, at: Timestamp, secret: &str) -> HttpRequest {
        let timestamp = at.as_second().to_string();
        let signature = sign(secret.as_bytes(), &timestamp, body.as_bytes());
        HttpRequest {
            method: "POST".into(),
            query: String::new(),
            headers: vec![
                ("x-oura-timestamp".into(), timestamp),
                ("x-oura-signature".into(), signature),
            ],
            body: body.as_bytes().to_vec(),
        }
    }

    const SLEEP: &str = r#"{"event_type":"update","data_type":"sleep","object_id":"abc-1","event_time":"2027-01-15T08:00:00+00:00","user_id":"u1"}"#;

    /// The challenge comes back only with the configured token, and the token never does.
    #[test]
    fn the_challenge_is_answered_only_for_the_configured_token() {
        let get = |query: &str| HttpRequest {
            method: "GET".into(),
            query: query.into(),
            ..HttpRequest::default()
        };
        let (ok, none) =
            receiver().handle(&get("verification_token=verify-me-123&challenge=c%2B1"), now());
        assert_eq!(ok, HttpResponse { status: 200, body: r#"{"challenge":"c+1"}"#.into() });
        assert!(none.is_none());
        let (bad, _) =
            receiver().handle(&get("verification_token=verify-me-12&challenge=c"), now());
        assert_eq!(bad.status, 401);
        assert!(!bad.body.contains(TOKEN));
        let (missing, _) = receiver().handle(&get(""), now());
        assert_eq!(missing.status, 400);
        let unset = Receiver { verification_token: None, ..receiver() };
        assert_eq!(unset.handle(&get("verification_token=&challenge=c"), now()).0.status, 401);
    }

    /// A well-signed fresh delivery is answered 200 and handed back, read.
    #[test]
    fn a_good_delivery_is_queued() {
        let (answer, delivery) = receiver().handle(&post(SLEEP, now(), SECRET), now());
        assert_eq!(answer.status, 200);
        let delivery = delivery.unwrap();
        assert_eq!(delivery.event, EventType::Update);
        assert_eq!(delivery.data_type, DataType::Sleep);
        assert_eq!(delivery.object_id, "abc-1");
        assert_eq!(delivery.event_time, "2027-01-15T08:00:00Z".parse().unwrap());
    }

    /// Forged, unsigned and stale deliveries are 401 with nothing to apply; never 410.
    #[test]
    fn forged_and_stale_deliveries_are_refused() {
        let forged = receiver().handle(&post(SLEEP, now(), "other-secret"), now());
        assert_eq!((forged.0.status, forged.1), (401, None));
        let mut unsigned = post(SLEEP, now(), SECRET);
        unsigned.headers.retain(|(n, _)| n != "x-oura-signature");
        assert_eq!(receiver().handle(&unsigned, now()).0.status, 401);
        let stale = post(SLEEP, now() - jiff::SignedDuration::from_mins(6), SECRET);
        let (answer, delivery) = receiver().handle(&stale, now());
        assert_eq!((answer.status, delivery), (401, None));
        assert!(answer.body.contains("stale"));
        let mut tampered = post(SLEEP, now(), SECRET);
        tampered.body = SLEEP.replace("abc-1", "abc-2").into_bytes();
        assert_eq!(receiver().handle(&tampered, now()).0.status, 401);
    }

    /// Types and events oura-sync does not sync are 200 and ignored (no retries, no
    /// cancelled subscription); a body that is no delivery, or an id that is not a plain path
    /// segment, is 400.
    #[test]
    fn unknown_types_are_ignored_and_bad_bodies_refused() {
        for body in [
            SLEEP.replace("\"sleep\"", "\"daily_cycle_phases\""),
            SLEEP.replace("\"sleep\"", "\"heartrate\""),
            SLEEP.replace("\"update\"", "\"merge\""),
        ] {
            let (answer, delivery) = receiver().handle(&post(&body, now(), SECRET), now());
            assert_eq!((answer.status, delivery), (200, None), "{body}");
            assert!(answer.body.contains("ignored"));
        }
        for body in ["[]".to_string(), "{}".into(), SLEEP.replace("abc-1", "../../x")] {
            let (answer, delivery) = receiver().handle(&post(&body, now(), SECRET), now());
            assert_eq!((answer.status, delivery), (400, None), "{body}");
        }
    }

    /// Without a client secret no delivery can be checked: 503 (Oura retries), never 410.
    #[test]
    fn without_a_secret_deliveries_wait() {
        let unset = Receiver { client_secret: None, ..receiver() };
        assert_eq!(unset.handle(&post(SLEEP, now(), SECRET), now()).0.status, 503);
        let put = HttpRequest { method: "PUT".into(), ..HttpRequest::default() };
        assert_eq!(receiver().handle(&put, now()).0.status, 405);
    }

    /// Event times are read with an offset, or as UTC without one; else the receipt time.
    #[test]
    fn event_times_are_read_or_fall_back_to_now() {
        assert_eq!(read_time("2027-01-15T08:00:00"), Some("2027-01-15T08:00:00Z".parse().unwrap()));
        let body = SLEEP.replace("2027-01-15T08:00:00+00:00", "soon");
        assert_eq!(read_delivery(body.as_bytes(), now()).unwrap().unwrap().event_time, now());
    }
}
