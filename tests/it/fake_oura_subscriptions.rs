//! The fake Oura's webhook subscription routes (`/v2/webhook/subscription`), as the spec
//! (1.37) and reference/oura-api.md §5 describe them:
//! - every route checks the app's `x-client-id`/`x-client-secret` (401 otherwise);
//! - `POST` validates the body (422 for an unknown event or data type), then calls
//!   `GET callback_url?verification_token=…&challenge=…` and answers 201 only if the callback
//!   answered `{"challenge": …}` with the same value (400 otherwise: a dead URL fails);
//! - each subscription has an `expiration_time` [`Subscriptions::lifetime`] ahead; `PUT
//!   /renew/{id}` moves it that far from now; `DELETE` answers 204; an unknown id is 403;
//! - a trap: creation faults, served in turn ([`CreateFault`]): a 500/504 before anything is
//!   made, or a 504 after the subscription was made (a gateway timing out on a slow answer).
//!
//! Every request is logged (method and path) for assertions.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// The app's client id the fake accepts.
pub const CLIENT_ID: &str = "fake-app-client-id";
/// The app's client secret the fake accepts; no output may ever contain it.
pub const CLIENT_SECRET: &str = "app-SECRET-7d2e91c4";

/// `ExtApiV2DataType` of the 1.37 spec.
pub const WEBHOOK_DATA_TYPES: [&str; 17] = [
    "tag",
    "enhanced_tag",
    "workout",
    "session",
    "sleep",
    "daily_sleep",
    "daily_readiness",
    "daily_activity",
    "daily_spo2",
    "sleep_time",
    "rest_mode_period",
    "ring_configuration",
    "daily_stress",
    "daily_cardiovascular_age",
    "daily_resilience",
    "vo2_max",
    "meal",
];

/// A creation that goes wrong, once.
#[derive(Clone, Copy, Debug)]
pub enum CreateFault {
    /// This status, and nothing made.
    Status(u16),
    /// The subscription is made, but the answer is this status.
    MadeThen(u16),
}

/// One subscription as the fake keeps it (`WebhookSubscriptionModel` plus the token).
#[derive(Clone, Debug, Serialize)]
pub struct Sub {
    pub id: String,
    pub callback_url: String,
    pub event_type: String,
    pub data_type: String,
    pub expiration_time: Timestamp,
    #[serde(skip)]
    pub verification_token: String,
}

/// The subscriptions of the one app, and the traps.
pub struct Subscriptions {
    pub subs: Vec<Sub>,
    /// How far ahead a creation or a renewal sets the expiry (Oura does not document it).
    pub lifetime: SignedDuration,
    pub create_faults: VecDeque<CreateFault>,
    /// `(method, path)` of every request.
    pub log: Vec<(String, String)>,
    /// The verification tokens Oura was given, in order (to check what the client sent).
    pub tokens_seen: Vec<String>,
}

impl Default for Subscriptions {
    fn default() -> Self {
        Self {
            subs: Vec::new(),
            lifetime: SignedDuration::from_hours(24 * 30),
            create_faults: VecDeque::new(),
            log: Vec::new(),
            tokens_seen: Vec::new(),
        }
    }
}

impl Subscriptions {
    /// Requests logged with `method` whose path contains `part`.
    pub fn count(&self, method: &str, part: &str) -> usize {
        self.log.iter().filter(|(m, p)| m == method && p.contains(part)).count()
    }

    /// The subscription `<event_type>.<data_type>`, if any (the first one).
    pub fn by_key(&self, key: &str) -> Option<&Sub> {
        self.subs.iter().find(|s| format!("{}.{}", s.event_type, s.data_type) == key)
    }

    /// Sets the expiry of `<event_type>.<data_type>` (every one with that key).
    pub fn set_expiry(&mut self, key: &str, at: Timestamp) {
        for s in &mut self.subs {
            if format!("{}.{}", s.event_type, s.data_type) == key {
                s.expiration_time = at;
            }
        }
    }
}

type Shared = State<Arc<Mutex<Subscriptions>>>;

/// The routes, on their own state.
pub fn routes(state: Arc<Mutex<Subscriptions>>) -> Router {
    Router::new()
        .route("/v2/webhook/subscription", get(list).post(create))
        .route("/v2/webhook/subscription/renew/{id}", put(renew))
        .route("/v2/webhook/subscription/{id}", get(one).put(update).delete(remove))
        .with_state(state)
}

fn error(status: u16, detail: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let body = serde_json::json!({ "detail": detail }).to_string();
    (status, [("content-type", "application/json")], body).into_response()
}

fn json(status: StatusCode, value: &impl Serialize) -> Response {
    let body = serde_json::to_string(value).unwrap();
    (status, [("content-type", "application/json")], body).into_response()
}

/// Logs the request and checks the app's credentials: the refusal, if any.
fn enter(
    state: &Arc<Mutex<Subscriptions>>,
    method: &str,
    path: &str,
    headers: &HeaderMap,
) -> Option<Response> {
    state.lock().unwrap().log.push((method.to_string(), path.to_string()));
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let valid = header("x-client-id") == CLIENT_ID && header("x-client-secret") == CLIENT_SECRET;
    (!valid).then(|| error(401, "Invalid client credentials"))
}

async fn list(State(state): Shared, headers: HeaderMap) -> Response {
    if let Some(refused) = enter(&state, "GET", "/v2/webhook/subscription", &headers) {
        return refused;
    }
    let subs = state.lock().unwrap().subs.clone();
    json(StatusCode::OK, &subs)
}

#[derive(Deserialize)]
struct CreateRequest {
    callback_url: String,
    verification_token: String,
    event_type: String,
    data_type: String,
}

async fn create(State(state): Shared, headers: HeaderMap, body: String) -> Response {
    if let Some(refused) = enter(&state, "POST", "/v2/webhook/subscription", &headers) {
        return refused;
    }
    let Ok(request) = serde_json::from_str::<CreateRequest>(&body) else {
        return error(
            422,
            "body must have callback_url, verification_token, event_type, data_type",
        );
    };
    if !["create", "update", "delete"].contains(&request.event_type.as_str()) {
        return error(422, "event_type: Input should be 'create', 'update' or 'delete'");
    }
    if !WEBHOOK_DATA_TYPES.contains(&request.data_type.as_str()) {
        return error(422, "data_type: Input should be one of ExtApiV2DataType");
    }
    let fault = {
        let mut s = state.lock().unwrap();
        s.tokens_seen.push(request.verification_token.clone());
        s.create_faults.pop_front()
    };
    if let Some(CreateFault::Status(status)) = fault {
        return error(status, "upstream error");
    }
    // Oura checks the callback before it answers: the receiver must be live.
    if let Err(why) = verify(&request.callback_url, &request.verification_token).await {
        return error(400, &format!("Callback URL verification failed: {why}"));
    }
    let sub = {
        let mut s = state.lock().unwrap();
        let sub = Sub {
            id: uuid::Uuid::new_v4().to_string(),
            callback_url: request.callback_url,
            event_type: request.event_type,
            data_type: request.data_type,
            expiration_time: Timestamp::now() + s.lifetime,
            verification_token: request.verification_token,
        };
        s.subs.push(sub.clone());
        sub
    };
    if let Some(CreateFault::MadeThen(status)) = fault {
        return error(status, "gateway timeout");
    }
    json(StatusCode::CREATED, &sub)
}

/// Oura's verification call: `GET callback?verification_token=…&challenge=…`, expecting
/// `{"challenge": …}` back with the same value.
async fn verify(callback_url: &str, token: &str) -> Result<(), String> {
    let challenge = uuid::Uuid::new_v4().to_string();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let answer = client
        .get(callback_url)
        .query(&[("verification_token", token), ("challenge", &challenge)])
        .send()
        .await
        .map_err(|e| format!("cannot reach the callback ({e})"))?;
    if !answer.status().is_success() {
        return Err(format!("the callback answered HTTP {}", answer.status().as_u16()));
    }
    let body: serde_json::Value =
        answer.json_or_text().await.ok_or("the callback did not answer JSON")?;
    if body.get("challenge").and_then(|c| c.as_str()) == Some(challenge.as_str()) {
        Ok(())
    } else {
        Err("the callback did not echo the challenge".into())
    }
}

/// Reads a body as JSON without reqwest's `json` feature.
trait JsonOrText {
    async fn json_or_text(self) -> Option<serde_json::Value>;
}

impl JsonOrText for reqwest::Response {
    async fn json_or_text(self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.bytes().await.ok()?).ok()
    }
}

async fn one(State(state): Shared, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Some(refused) = enter(&state, "GET", &format!("/v2/webhook/subscription/{id}"), &headers)
    {
        return refused;
    }
    match state.lock().unwrap().subs.iter().find(|s| s.id == id) {
        Some(sub) => json(StatusCode::OK, sub),
        None => error(403, "Webhook with specified id does not exist."),
    }
}

async fn update(State(state): Shared, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Some(refused) = enter(&state, "PUT", &format!("/v2/webhook/subscription/{id}"), &headers)
    {
        return refused;
    }
    // oura-sync never updates a subscription in place; only its existence is answered here.
    match state.lock().unwrap().subs.iter().find(|s| s.id == id) {
        Some(sub) => json(StatusCode::OK, sub),
        None => error(403, "Webhook with specified id does not exist."),
    }
}

async fn renew(State(state): Shared, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let path = format!("/v2/webhook/subscription/renew/{id}");
    if let Some(refused) = enter(&state, "PUT", &path, &headers) {
        return refused;
    }
    let mut s = state.lock().unwrap();
    let until = Timestamp::now() + s.lifetime;
    match s.subs.iter_mut().find(|s| s.id == id) {
        Some(sub) => {
            sub.expiration_time = until;
            json(StatusCode::OK, sub)
        }
        None => error(403, "Webhook with specified id does not exist."),
    }
}

async fn remove(State(state): Shared, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let path = format!("/v2/webhook/subscription/{id}");
    if let Some(refused) = enter(&state, "DELETE", &path, &headers) {
        return refused;
    }
    let mut s = state.lock().unwrap();
    let before = s.subs.len();
    s.subs.retain(|sub| sub.id != id);
    if s.subs.len() < before {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(403, "Webhook with specified id does not exist.")
    }
}
