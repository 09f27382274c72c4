//! OAuth 2 itself, through the `oauth2` crate: the client of one app at one token URL, the
//! answer Oura's token endpoint sends ([`OuraTokens`]), and the HTTP client the crate sends
//! through ([`Sender`]: ours, with no redirects, a capped body and a deadline).
//!
//! What stays ours ([`super::oauth`]): which token URL to ask and when to ask the other, what
//! each refusal means, and that nothing secret reaches a message.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AccessToken, AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, HttpRequest,
    HttpResponse, RedirectUrl, RefreshToken, Scope, StandardRevocableToken, TokenResponse,
    TokenUrl,
};
use serde::{Deserialize, Deserializer, Serialize};

use crate::http_body::{BodyError, read_capped};

/// The `oauth2` client of an app at one token URL.
pub type Client = oauth2::Client<
    BasicErrorResponse,
    OuraTokens,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The client of the app `client_id`/`client_secret` (sent in the form body, as Oura's
/// documentation shows, not as HTTP Basic) whose code exchanges name `redirect_uri`, at
/// `token_url`. Fails when either URL is not a URL.
pub fn client(
    client_id: &str,
    client_secret: &str,
    redirect_uri: &str,
    token_url: &str,
) -> Result<Client, url::ParseError> {
    Ok(oauth2::Client::new(ClientId::new(client_id.to_string()))
        .set_client_secret(ClientSecret::new(client_secret.to_string()))
        .set_auth_type(AuthType::RequestBody)
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string())?)
        .set_token_uri(TokenUrl::new(token_url.to_string())?))
}

/// A token answer as Oura sends it. Laxer than the crate's standard answer where Oura (or a
/// server like it) is: `token_type` may be missing (it is a bearer token), and `expires_in`
/// may be a string or a fraction.
#[derive(Debug, Deserialize, Serialize)]
pub struct OuraTokens {
    access_token: AccessToken,
    #[serde(default = "bearer")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<i64>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(
        default,
        rename = "scope",
        deserialize_with = "oauth2::helpers::deserialize_space_delimited_vec",
        serialize_with = "oauth2::helpers::serialize_space_delimited_vec"
    )]
    scopes: Option<Vec<Scope>>,
}

fn bearer() -> BasicTokenType {
    BasicTokenType::Bearer
}

impl OuraTokens {
    /// `expires_in` as Oura sent it, in whole seconds (may be zero or negative).
    pub fn expires_in_seconds(&self) -> Option<i64> {
        self.expires_in
    }

    /// The granted scopes as one space-separated text, as Oura sent them.
    pub fn scope_text(&self) -> Option<String> {
        let scopes = self.scopes.as_ref()?;
        Some(scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
    }
}

impl TokenResponse for OuraTokens {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.and_then(|s| u64::try_from(s).ok()).map(Duration::from_secs)
    }

    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

fn lenient_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<serde_json::Value>::deserialize(deserializer)?.as_ref().and_then(seconds))
}

/// `expires_in` as whole seconds; some servers send it as a string.
pub fn seconds(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Why no answer came back from the token endpoint.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// No answer, or one cut off (including past the client's deadline).
    #[error(transparent)]
    Transport(reqwest::Error),
    /// An answer larger than the cap.
    #[error("the answer is larger than the cap")]
    TooLarge,
}

/// The HTTP client `oauth2` sends its requests through: our reqwest client (which follows no
/// redirect and has a deadline), reading at most `cap` bytes of an answer. It keeps the status
/// of the answer, which the crate's errors do not carry and our fallback rule needs.
pub struct Sender<'a> {
    http: &'a reqwest::Client,
    cap: usize,
    status: Mutex<Option<u16>>,
}

impl<'a> Sender<'a> {
    pub fn new(http: &'a reqwest::Client, cap: usize) -> Self {
        Self { http, cap, status: Mutex::new(None) }
    }

    /// The HTTP status of the last answer, if one came.
    pub fn status(&self) -> Option<u16> {
        *self.status.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, SendError> {
        let request = reqwest::Request::try_from(request).map_err(SendError::Transport)?;
        let response = self.http.execute(request).await.map_err(SendError::Transport)?;
        let status = response.status();
        *self.status.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(status.as_u16());
        let headers = response.headers().clone();
        let body = read_capped(response, self.cap).await.map_err(|e| match e {
            BodyError::TooLarge { .. } => SendError::TooLarge,
            BodyError::Transport(source) => SendError::Transport(source),
        })?;
        let mut answer = HttpResponse::new(body.to_vec());
        *answer.status_mut() = status;
        *answer.headers_mut() = headers;
        Ok(answer)
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for Sender<'_> {
    type Error = SendError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, SendError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `expires_in` is read whether Oura sends it as a number, a string or a fraction.
    #[test]
    fn expires_in_may_be_a_number_or_a_string() {
        assert_eq!(seconds(&serde_json::json!(86400)), Some(86400));
        assert_eq!(seconds(&serde_json::json!("3600")), Some(3600));
        assert_eq!(seconds(&serde_json::json!(12.5)), Some(12));
        assert_eq!(seconds(&serde_json::json!(null)), None);
    }

    /// A token answer without `token_type`, with `expires_in` as a string and prefixed scopes
    /// is read whole; an answer without an access token is not a token answer.
    #[test]
    fn a_lax_token_answer_is_read() {
        let tokens: OuraTokens = serde_json::from_str(
            r#"{"access_token":"a","refresh_token":"r","expires_in":"3600","scope":"extapi:daily extapi:heartrate"}"#,
        )
        .unwrap();
        assert_eq!(tokens.access_token().secret(), "a");
        assert_eq!(tokens.refresh_token().map(|r| r.secret().as_str()), Some("r"));
        assert_eq!(tokens.expires_in(), Some(Duration::from_secs(3600)));
        assert_eq!(tokens.token_type(), &BasicTokenType::Bearer);
        assert_eq!(tokens.scope_text().as_deref(), Some("extapi:daily extapi:heartrate"));
        assert!(serde_json::from_str::<OuraTokens>(r#"{"refresh_token":"r"}"#).is_err());
    }

    /// Neither token reaches a debug print of the answer.
    #[test]
    fn a_token_answer_prints_no_token() {
        let tokens: OuraTokens =
            serde_json::from_str(r#"{"access_token":"acc-SECRET","refresh_token":"ref-SECRET"}"#)
                .unwrap();
        let printed = format!("{tokens:?}");
        assert!(!printed.contains("SECRET"), "{printed}");
    }
}
