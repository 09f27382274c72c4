//! A local OAuth server that behaves like Oura's, for the login and refresh tests:
//! - `GET /oauth/authorize` checks the app, the redirect URI and a PKCE S256 challenge, then
//!   "the user allows" at once: a 302 to the redirect URI with `code`, `state` and `iss`;
//! - two token URLs, the legacy `/oauth/token` and the new `/oauth/v2/ext/oauth-token`; an
//!   app of the other portal gets what Oura sends (401 on a code exchange, 400
//!   `invalid_request` on a refresh) and nothing is consumed;
//! - codes are single-use and checked against the PKCE verifier and redirect URI;
//! - refresh tokens rotate and are single-use: reuse is 400 `invalid_grant`;
//! - granted scopes come back `extapi:`-prefixed;
//! - every access token issued is made valid at a fake Oura API, when one is attached.
//!
//! Every token call is logged, and every secret it saw or issued is kept, so a test can check
//! that none of them ever reaches an output.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::fake_oura::Inner as OuraInner;

pub const CLIENT_ID: &str = "client-id-test";
pub const CLIENT_SECRET: &str = "client-SECRET-9d2e71";
pub const LEGACY_PATH: &str = "/oauth/token";
pub const NEW_PATH: &str = "/oauth/v2/ext/oauth-token";

/// Which token URL accepts the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Portal {
    /// Registered on the old portal: only `/oauth/token` works.
    Legacy,
    /// Registered on developer.ouraring.com: only `/oauth/v2/ext/oauth-token` works.
    New,
}

/// One call to a token URL.
#[derive(Clone, Debug)]
pub struct TokenCall {
    pub path: String,
    pub grant_type: String,
    pub status: u16,
    pub code: Option<String>,
    pub refresh_token: Option<String>,
}

struct PendingCode {
    challenge: String,
    redirect_uri: String,
    scope: String,
}

pub struct OAuthState {
    pub portal: Portal,
    /// Lifetime of issued access tokens, in seconds.
    pub expires_in: i64,
    /// Scopes granted at login (the user unticked the others); `None`: what was asked for.
    pub grant_only: Option<Vec<String>>,
    /// How long a refresh takes (to widen races).
    pub refresh_delay: Duration,
    codes: HashMap<String, PendingCode>,
    /// Refresh token → its scope.
    live_refresh: HashMap<String, String>,
    dead_refresh: HashSet<String>,
    pub calls: Vec<TokenCall>,
    /// Every secret this server issued or was sent.
    pub secrets: HashSet<String>,
    pub authorize_queries: Vec<HashMap<String, String>>,
    oura: Option<Arc<Mutex<OuraInner>>>,
}

/// A running fake OAuth server.
pub struct FakeOAuth {
    pub base_url: String,
    pub state: Arc<Mutex<OAuthState>>,
}

impl FakeOAuth {
    /// Starts the server on a free loopback port; issued access tokens become valid at `oura`.
    pub fn start(oura: Option<Arc<Mutex<OuraInner>>>) -> FakeOAuth {
        let state = Arc::new(Mutex::new(OAuthState {
            portal: Portal::Legacy,
            expires_in: 86400,
            grant_only: None,
            refresh_delay: Duration::ZERO,
            codes: HashMap::new(),
            live_refresh: HashMap::new(),
            dead_refresh: HashSet::new(),
            calls: Vec::new(),
            secrets: [CLIENT_SECRET.to_string()].into(),
            authorize_queries: Vec::new(),
            oura,
        }));
        let app = Router::new()
            .route("/oauth/authorize", get(authorize))
            .route(LEGACY_PATH, post(legacy_token))
            .route(NEW_PATH, post(new_token))
            .with_state(state.clone());
        let base_url = crate::fake_oura::serve_in_background(app);
        FakeOAuth { base_url, state }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, OAuthState> {
        self.state.lock().unwrap()
    }

    pub fn authorize_url(&self) -> String {
        format!("{}/oauth/authorize", self.base_url)
    }

    pub fn legacy_url(&self) -> String {
        format!("{}{LEGACY_PATH}", self.base_url)
    }

    pub fn new_url(&self) -> String {
        format!("{}{NEW_PATH}", self.base_url)
    }

    /// Issues a token pair as if a login had happened, for tests that start logged in.
    pub fn issue_pair(&self, scope: &str) -> (String, String) {
        let mut s = self.lock();
        issue(&mut s, scope)
    }

    /// True if and only if `refresh` would be accepted now.
    pub fn refresh_token_is_live(&self, refresh: &str) -> bool {
        self.lock().live_refresh.contains_key(refresh)
    }

    /// The successful refreshes so far.
    pub fn refreshes(&self) -> usize {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.grant_type == "refresh_token" && c.status == 200)
            .count()
    }

    pub fn calls(&self) -> Vec<TokenCall> {
        self.lock().calls.clone()
    }

    pub fn secrets(&self) -> Vec<String> {
        self.lock().secrets.iter().cloned().collect()
    }
}

fn random(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn issue(s: &mut OAuthState, scope: &str) -> (String, String) {
    let access = random("acc");
    let refresh = random("ref");
    s.secrets.insert(access.clone());
    s.secrets.insert(refresh.clone());
    s.live_refresh.insert(refresh.clone(), scope.to_string());
    if let Some(oura) = &s.oura {
        oura.lock().unwrap().valid_tokens.get_or_insert_default().insert(access.clone());
    }
    (access, refresh)
}

type Shared = State<Arc<Mutex<OAuthState>>>;

fn oauth_error(status: u16, error: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let body = format!(r#"{{"error":"{error}","error_description":"fake: {error}"}}"#);
    (status, [("content-type", "application/json")], body).into_response()
}

async fn authorize(State(state): Shared, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut s = state.lock().unwrap();
    s.authorize_queries.push(q.clone());
    let field = |name: &str| q.get(name).cloned().unwrap_or_default();
    if field("response_type") != "code"
        || field("client_id") != CLIENT_ID
        || field("code_challenge_method") != "S256"
        || field("code_challenge").len() != 43
        || field("state").is_empty()
    {
        return (StatusCode::BAD_REQUEST, "bad authorize request").into_response();
    }
    let requested: Vec<&str> = q.get("scope").map(|s| s.split(' ').collect()).unwrap_or_default();
    let granted: Vec<String> = requested
        .iter()
        .filter(|r| s.grant_only.as_ref().is_none_or(|only| only.iter().any(|o| o == *r)))
        .map(|r| format!("extapi:{r}"))
        .collect();
    let code = random("code");
    s.secrets.insert(code.clone());
    s.codes.insert(
        code.clone(),
        PendingCode {
            challenge: field("code_challenge"),
            redirect_uri: field("redirect_uri"),
            scope: granted.join(" "),
        },
    );
    let mut target = reqwest::Url::parse(&field("redirect_uri")).unwrap();
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &field("state"))
        .append_pair("iss", "https://moi.ouraring.com/oauth/v2/ext/oauth-anonymous");
    Redirect::to(target.as_str()).into_response()
}

async fn legacy_token(state: Shared, form: Form<HashMap<String, String>>) -> Response {
    token(state, form, Portal::Legacy).await
}

async fn new_token(state: Shared, form: Form<HashMap<String, String>>) -> Response {
    token(state, form, Portal::New).await
}

async fn token(
    State(state): Shared,
    Form(f): Form<HashMap<String, String>>,
    at: Portal,
) -> Response {
    let delay = {
        let s = state.lock().unwrap();
        if f.get("grant_type").map(String::as_str) == Some("refresh_token") {
            s.refresh_delay
        } else {
            Duration::ZERO
        }
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut s = state.lock().unwrap();
    for name in ["code", "refresh_token", "code_verifier", "client_secret"] {
        if let Some(v) = f.get(name) {
            s.secrets.insert(v.clone());
        }
    }
    let grant_type = f.get("grant_type").cloned().unwrap_or_default();
    let response = answer(&mut s, &f, at, &grant_type);
    let status = response.status().as_u16();
    s.calls.push(TokenCall {
        path: match at {
            Portal::Legacy => LEGACY_PATH.into(),
            Portal::New => NEW_PATH.into(),
        },
        grant_type,
        status,
        code: f.get("code").cloned(),
        refresh_token: f.get("refresh_token").cloned(),
    });
    response
}

fn answer(s: &mut OAuthState, f: &HashMap<String, String>, at: Portal, grant: &str) -> Response {
    let field = |name: &str| f.get(name).cloned().unwrap_or_default();
    if at != s.portal {
        // What Oura's other token URL answers an app it does not know; nothing is consumed.
        return match grant {
            "authorization_code" => oauth_error(401, "invalid_client"),
            _ => oauth_error(400, "invalid_request"),
        };
    }
    if field("client_id") != CLIENT_ID || field("client_secret") != CLIENT_SECRET {
        return oauth_error(401, "invalid_client");
    }
    let scope = match grant {
        "authorization_code" => {
            let Some(pending) = s.codes.remove(&field("code")) else {
                return oauth_error(400, "invalid_grant");
            };
            let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(field("code_verifier").as_bytes()));
            if challenge != pending.challenge || field("redirect_uri") != pending.redirect_uri {
                return oauth_error(400, "invalid_grant");
            }
            pending.scope
        }
        "refresh_token" => {
            let old = field("refresh_token");
            let Some(scope) = s.live_refresh.remove(&old) else {
                return oauth_error(400, "invalid_grant");
            };
            s.dead_refresh.insert(old);
            scope
        }
        _ => return oauth_error(400, "unsupported_grant_type"),
    };
    let (access, refresh) = issue(s, &scope);
    let body = serde_json::json!({
        "token_type": "bearer",
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": s.expires_in,
        "scope": scope,
    });
    ([("content-type", "application/json")], body.to_string()).into_response()
}
