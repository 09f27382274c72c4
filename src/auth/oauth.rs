//! The user's Oura OAuth app and Oura's token endpoint: exchanging an authorization code,
//! refreshing, and falling back between the two token URLs.
//!
//! Oura moved its identity provider: apps from the new developer portal get `400
//! invalid_request` (refresh) or `401` (code exchange) at the documented URL
//! (`OURA_TOKEN_URL`, default `https://api.ouraring.com/oauth/token`) and work at
//! `https://moi.ouraring.com/oauth/v2/ext/oauth-token` (`OURA_TOKEN_FALLBACK_URL`), while
//! legacy apps work only at the old one (reference/oura-api.md §3.2). So every call tries the
//! URL that worked last (remembered in the tokens file), and on exactly those two answers tries
//! the other URL once. Nothing here logs a request or response body: both carry secrets.
//!
//! The POST body holds the client secret and the code or refresh token, so redirects are never
//! followed (a 307 or 308 would send that body on to wherever the `Location` points): a 3xx is
//! a refusal like any other. Answers are read with a cap ([`MAX_TOKEN_ANSWER_BYTES`]), and
//! the server's `error` and `error_description` are scrubbed of every known secret.

use std::time::Duration;

use oauth2::{AuthorizationCode, PkceCodeVerifier, RefreshToken, RequestTokenError, TokenResponse};

use super::protocol::{self, SendError};
use crate::error::UserError;
use crate::scrub::scrub;
use crate::secret::Secret;
use crate::text::one_line;

/// Default `OURA_AUTHORIZE_URL`.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://cloud.ouraring.com/oauth/authorize";
/// Default `OURA_TOKEN_URL`: the documented token URL (legacy-portal apps).
pub const DEFAULT_TOKEN_URL: &str = "https://api.ouraring.com/oauth/token";
/// Default `OURA_TOKEN_FALLBACK_URL`: the new identity provider's token URL (new-portal apps).
pub const DEFAULT_TOKEN_FALLBACK_URL: &str = "https://moi.ouraring.com/oauth/v2/ext/oauth-token";
/// Default `OURA_REDIRECT_URI`.
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:8080/callback";
/// Default `OURA_SCOPES`: every scope some data type needs.
pub const DEFAULT_SCOPES: &str = "email personal daily heartrate workout tag session spo2 stress heart_health ring_configuration";
/// How long one call to the token endpoint may take.
pub const TOKEN_CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest token endpoint answer read: a token pair is a few kilobytes.
pub const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;

/// The user's own Oura OAuth app and the URLs it talks to.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: Secret,
    pub authorize_url: String,
    pub token_url: String,
    pub fallback_token_url: String,
    pub redirect_uri: String,
    /// The scopes asked for at login, as Oura names them (no `extapi:` prefix).
    pub scopes: Vec<String>,
}

/// The app's settings as given (`OURA_CLIENT_ID`, `OURA_CLIENT_SECRET`, the URLs and
/// `OURA_SCOPES`); [`OAuthApp::new`] checks them.
#[derive(Clone, Debug)]
pub struct OAuthConfig {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub authorize_url: String,
    pub token_url: String,
    pub fallback_token_url: String,
    pub redirect_uri: String,
    /// Space- or comma-separated, with or without the `extapi:` prefix.
    pub scopes: String,
}

impl Default for OAuthConfig {
    /// No app, Oura's URLs and the default scopes.
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            authorize_url: DEFAULT_AUTHORIZE_URL.into(),
            token_url: DEFAULT_TOKEN_URL.into(),
            fallback_token_url: DEFAULT_TOKEN_FALLBACK_URL.into(),
            redirect_uri: DEFAULT_REDIRECT_URI.into(),
            scopes: DEFAULT_SCOPES.into(),
        }
    }
}

impl OAuthApp {
    /// The app of `config`. Without `OURA_CLIENT_ID` and `OURA_CLIENT_SECRET` this is a usage
    /// error (exit 2) that names what to set.
    pub fn new(config: &OAuthConfig) -> anyhow::Result<Self> {
        let (client_id, client_secret) =
            match (config.client_id.clone(), config.client_secret.clone()) {
                (Some(id), Some(secret)) => (id, secret),
                (id, secret) => {
                    let missing: Vec<&str> = [
                        id.is_none().then_some("OURA_CLIENT_ID"),
                        secret.is_none().then_some("OURA_CLIENT_SECRET"),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    return Err(UserError::usage(format!(
                        "{} not set: set the client ID and secret of your own Oura app \
                     (https://developer.ouraring.com) in the environment or in .env.oura",
                        missing.join(" and ")
                    )));
                }
            };
        Ok(Self {
            client_id,
            client_secret,
            authorize_url: config.authorize_url.clone(),
            token_url: config.token_url.clone(),
            fallback_token_url: config.fallback_token_url.clone(),
            redirect_uri: config.redirect_uri.clone(),
            scopes: crate::auth::normalize_scopes(&config.scopes).into_iter().collect(),
        })
    }

    /// The token URLs in the order to try them: `remembered` first when it is one of the two
    /// configured URLs (a URL remembered from another configuration is ignored).
    fn token_urls(&self, remembered: Option<&str>) -> [&str; 2] {
        let (main, fallback) = (self.token_url.as_str(), self.fallback_token_url.as_str());
        if remembered == Some(fallback) && fallback != main {
            [fallback, main]
        } else {
            [main, fallback]
        }
    }
}

/// What is traded for tokens.
pub enum Grant<'a> {
    /// The authorization code of a login, with its PKCE verifier.
    Code { code: &'a Secret, verifier: &'a Secret },
    /// A refresh token (single-use at Oura: it is dead once this call succeeds).
    Refresh(&'a Secret),
}

impl Grant<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Grant::Code { .. } => "authorization code",
            Grant::Refresh(_) => "refresh token",
        }
    }
}

/// Tokens the endpoint issued.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: Secret,
    /// A new refresh token; the old one is dead. `None` if Oura sent none.
    pub refresh_token: Option<Secret>,
    /// Lifetime of the access token in seconds, when Oura said.
    pub expires_in: Option<i64>,
    /// The granted scopes as Oura sent them (possibly `extapi:`-prefixed).
    pub scope: Option<String>,
    /// The token URL that answered.
    pub token_url: String,
}

/// Why the token endpoint did not issue tokens. Callers branch on `InvalidGrant` (login needed,
/// never retried) and `InvalidClient` (bad app settings).
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The code or refresh token was refused: expired, used already, or revoked.
    #[error("Oura refused the {kind} (invalid_grant{})", detail(description))]
    InvalidGrant { kind: &'static str, description: Option<String> },
    /// The client ID or secret was refused.
    #[error("Oura refused the app's client ID or secret (invalid_client{})", detail(description))]
    InvalidClient { description: Option<String> },
    /// Any other refusal.
    #[error("the token endpoint {url} answered HTTP {status}{}", error_detail(error, description))]
    Rejected { url: String, status: u16, error: Option<String>, description: Option<String> },
    /// No answer at all.
    #[error("cannot reach the token endpoint {url}: {source}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// An answer too large to be a token answer.
    #[error("the token endpoint {url} answered with more than {} KiB", MAX_TOKEN_ANSWER_BYTES / 1024)]
    TooLarge { url: String },
    /// A success without a usable token.
    #[error("the token endpoint {url} answered without an access token")]
    Malformed { url: String },
    /// The token URL is not a URL.
    #[error(
        "the token URL `{url}` is not a URL ({reason}); check OURA_TOKEN_URL and \
         OURA_TOKEN_FALLBACK_URL"
    )]
    NotAUrl { url: String, reason: String },
}

fn detail(description: &Option<String>) -> String {
    description.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

fn error_detail(error: &Option<String>, description: &Option<String>) -> String {
    match (error, description) {
        (Some(e), Some(d)) => format!(" ({e}: {d})"),
        (Some(e), None) => format!(" ({e})"),
        (None, _) => String::new(),
    }
}

impl OAuthError {
    /// The error a command ends with: `InvalidGrant` needs a new login (exit 3),
    /// `InvalidClient` new settings (exit 2); the rest stay plain errors (exit 1).
    pub fn into_user_error(self) -> anyhow::Error {
        match self {
            OAuthError::InvalidGrant { .. } => UserError::login_needed(format!(
                "{self}: the login has expired or was revoked; {}",
                crate::auth::LOGIN_HINT
            )),
            OAuthError::InvalidClient { .. } => UserError::usage(format!(
                "{self}; check OURA_CLIENT_ID and OURA_CLIENT_SECRET against your app at \
                 https://developer.ouraring.com"
            )),
            OAuthError::NotAUrl { .. } => UserError::usage(self.to_string()),
            other => other.into(),
        }
    }

    /// True if and only if this answer means "try the other token URL": 401, or 400 with
    /// `invalid_request` (what each URL answers an app registered with the other one).
    fn wants_other_url(&self) -> bool {
        match self {
            OAuthError::Rejected { status: 401, .. } => true,
            OAuthError::Rejected { status: 400, error, .. } => {
                error.as_deref() == Some("invalid_request")
            }
            OAuthError::InvalidClient { .. } => true,
            _ => false,
        }
    }
}

/// Calls the token endpoint for one app.
#[derive(Debug, Clone)]
pub struct TokenEndpoint {
    app: OAuthApp,
    http: reqwest::Client,
}

impl TokenEndpoint {
    pub fn new(app: OAuthApp) -> anyhow::Result<Self> {
        let http = crate::tls::client_builder()
            .timeout(TOKEN_CALL_TIMEOUT)
            // The body carries the client secret and a grant: never send it anywhere else.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("oura-sync/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { app, http })
    }

    pub fn app(&self) -> &OAuthApp {
        &self.app
    }

    /// Trades `grant` for tokens: at `remembered` first when it is a configured URL, and at the
    /// other URL once if the first answers 401 or 400 `invalid_request`.
    pub async fn request(
        &self,
        grant: Grant<'_>,
        remembered: Option<&str>,
    ) -> Result<Issued, OAuthError> {
        let [first, second] = self.app.token_urls(remembered);
        match self.request_at(first, &grant).await {
            Err(e) if e.wants_other_url() && second != first => {
                tracing::info!(
                    first,
                    second,
                    "The token URL refused this app; trying the other token URL."
                );
                self.request_at(second, &grant).await
            }
            other => other,
        }
    }

    async fn request_at(&self, url: &str, grant: &Grant<'_>) -> Result<Issued, OAuthError> {
        let app = &self.app;
        let client =
            protocol::client(&app.client_id, app.client_secret.expose(), &app.redirect_uri, url)
                .map_err(|e| OAuthError::NotAUrl { url: url.to_string(), reason: e.to_string() })?;
        tracing::debug!(url, grant = grant.kind(), "Calling the token endpoint.");
        let sender = protocol::Sender::new(&self.http, MAX_TOKEN_ANSWER_BYTES);
        let answer = match grant {
            Grant::Code { code, verifier } => {
                client
                    .exchange_code(AuthorizationCode::new(code.expose().to_string()))
                    .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_string()))
                    .request_async(&sender)
                    .await
            }
            Grant::Refresh(token) => {
                let token = RefreshToken::new(token.expose().to_string());
                client.exchange_refresh_token(&token).request_async(&sender).await
            }
        };
        // Never log the answer: a success holds the tokens.
        let status = sender.status();
        tracing::debug!(url, status, "The token endpoint answered.");
        let malformed = || OAuthError::Malformed { url: url.to_string() };
        let tokens = match answer {
            Ok(tokens) => tokens,
            Err(RequestTokenError::Request(SendError::Transport(source))) => {
                return Err(OAuthError::Transport { url: url.to_string(), source });
            }
            Err(RequestTokenError::Request(SendError::TooLarge)) => {
                return Err(OAuthError::TooLarge { url: url.to_string() });
            }
            Err(RequestTokenError::ServerResponse(refusal)) => {
                let error = one_line(&scrub(refusal.error().as_ref()), 200);
                let description = refusal.error_description().map(|d| one_line(&scrub(d), 200));
                return Err(refused(url, status, grant, Some(error), description));
            }
            // A success that is not a token answer, or a refusal without an OAuth error code.
            Err(RequestTokenError::Parse(..) | RequestTokenError::Other(_)) => {
                return Err(match status {
                    Some(200) | None => malformed(),
                    Some(_) => refused(url, status, grant, None, None),
                });
            }
        };
        let access_token = Some(tokens.access_token().secret())
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .ok_or_else(malformed)?;
        Ok(Issued {
            access_token,
            refresh_token: tokens
                .refresh_token()
                .map(|t| t.secret())
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            expires_in: tokens.expires_in_seconds(),
            scope: tokens.scope_text().filter(|s| !s.trim().is_empty()),
            token_url: url.to_string(),
        })
    }
}

/// What a refusal at `url` (answered with `status`) carrying the OAuth `error` code means.
fn refused(
    url: &str,
    status: Option<u16>,
    grant: &Grant<'_>,
    error: Option<String>,
    description: Option<String>,
) -> OAuthError {
    match error.as_deref() {
        Some("invalid_grant") => OAuthError::InvalidGrant { kind: grant.kind(), description },
        Some("invalid_client") => OAuthError::InvalidClient { description },
        _ => OAuthError::Rejected {
            url: url.to_string(),
            status: status.unwrap_or_default(),
            error,
            description,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> OAuthApp {
        OAuthApp::new(&OAuthConfig {
            client_id: Some("id".into()),
            client_secret: Some(Secret::new("secret")),
            scopes: "extapi:daily, heartrate".into(),
            ..OAuthConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn the_remembered_url_goes_first_only_if_configured() {
        let app = app();
        assert_eq!(app.token_urls(None), [DEFAULT_TOKEN_URL, DEFAULT_TOKEN_FALLBACK_URL]);
        assert_eq!(
            app.token_urls(Some(DEFAULT_TOKEN_FALLBACK_URL)),
            [DEFAULT_TOKEN_FALLBACK_URL, DEFAULT_TOKEN_URL]
        );
        assert_eq!(
            app.token_urls(Some("http://elsewhere/token")),
            [DEFAULT_TOKEN_URL, DEFAULT_TOKEN_FALLBACK_URL]
        );
        assert_eq!(app.scopes, ["daily", "heartrate"]);
    }

    #[test]
    fn missing_credentials_name_what_to_set() {
        let err = OAuthApp::new(&OAuthConfig::default()).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), crate::error::EXIT_USAGE);
        // The environment of the test process may hold either; the message names the missing.
        let text = err.to_string();
        assert!(text.contains("OURA_CLIENT_") && text.contains("not set"), "{text}");
    }

    #[test]
    fn only_a_refusal_of_the_app_tries_the_other_url() {
        let rejected = |status, error: Option<&str>| OAuthError::Rejected {
            url: "u".into(),
            status,
            error: error.map(str::to_string),
            description: None,
        };
        assert!(rejected(401, None).wants_other_url());
        assert!(rejected(400, Some("invalid_request")).wants_other_url());
        assert!(!rejected(400, Some("unsupported_grant_type")).wants_other_url());
        assert!(!rejected(500, None).wants_other_url());
        let grant = OAuthError::InvalidGrant { kind: "refresh token", description: None };
        assert!(!grant.wants_other_url());
        let err = grant.into_user_error();
        assert_eq!(crate::error::exit_code(&err), crate::error::EXIT_LOGIN);
        assert!(err.to_string().contains("oura-sync auth"));
    }
}
