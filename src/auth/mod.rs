//! Access to the Oura API: where the bearer token comes from, and the OAuth login behind it.
//!
//! [`TokenProvider`] is the one interface the fetcher uses: it asks for the current bearer
//! before a request and reports a 401. Sources, in order: the login in the token store
//! (today the tokens file, `OURA_TOKENS_FILE`), then a bare `OURA_ACCESS_TOKEN`; the sandbox
//! needs neither.
//!
//! With a stored login and the app's credentials ([`TokenProvider::with_refresh`]), the
//! provider refreshes by itself: once before the first request when the access token expires
//! within [`REFRESH_MARGIN`], and once when Oura answers 401. Both go through
//! [`refresh::refresh`] (the store's write lock, a re-read, compare-and-swap), and within one
//! process only one refresh runs at a time: callers that got a 401 meanwhile get its token.
//!
//! - [`store`]: the token-store seam ([`TokenStore`]) and its backends.
//! - [`oauth`]: the app's settings and the token endpoint (with the token URL fallback).
//! - [`login`]: `oura-sync auth`, the browser login.
//! - [`refresh`]: rotation-safe refresh of a stored login.
//! - [`tokens`]: the login's data and its stored shape.

pub mod login;
pub mod oauth;
pub mod protocol;
pub mod refresh;
pub mod store;
pub mod tokens;

use std::collections::BTreeSet;
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

use crate::auth::oauth::{OAuthApp, OAuthConfig, TokenEndpoint};
use crate::auth::refresh::{Refreshed, refresh};
use crate::error::UserError;
use crate::secret::Secret;
pub use store::{AnyTokenStore, TokenStore, TokenStoreError, Version, Versioned};
pub use tokens::{StoredTokens, normalize_scopes};

/// What a user must do when there is no usable login.
pub const LOGIN_HINT: &str = "run `oura-sync auth` to log in";

/// A sync refreshes first when the access token expires within this margin (once: a token
/// fresh from a refresh is used until it has expired).
pub const REFRESH_MARGIN: SignedDuration = SignedDuration::from_mins(5);

/// Where requests get their bearer token.
#[derive(Debug)]
pub enum TokenSource {
    /// Oura's sandbox routes: no login at all.
    Sandbox,
    /// A bare token from `OURA_ACCESS_TOKEN`; it cannot be refreshed.
    Static(Secret),
    /// The login in a token store (its tokens, as read at start, are the provider's current).
    Store(AnyTokenStore),
}

/// Hands out the bearer token for each request, refreshing the stored login when it can.
#[derive(Debug)]
pub struct TokenProvider {
    source: TokenSource,
    /// The token endpoint, when the app's credentials are set; without them no refresh.
    endpoint: Option<TokenEndpoint>,
    /// The login in use (the store's, or a refresh's since).
    current: Mutex<Option<Versioned>>,
    /// Single flight: one refresh at a time in this process.
    gate: tokio::sync::Mutex<RefreshState>,
}

#[derive(Debug, Default)]
struct RefreshState {
    /// This process holds a token fresh from a refresh: a 401 to it is about scope or
    /// membership, not expiry, so it is not refreshed again.
    refreshed: bool,
    /// The early refresh failed (not `invalid_grant`); the current token is used until Oura
    /// refuses it.
    early_failed: bool,
}

impl TokenProvider {
    /// Like [`TokenProvider::load`], and able to refresh a stored login when `oauth` has the
    /// client ID and secret.
    pub async fn with_refresh(
        sandbox: bool,
        store: AnyTokenStore,
        access_token: Option<Secret>,
        oauth: &OAuthConfig,
    ) -> anyhow::Result<Self> {
        let mut provider = Self::load(sandbox, store, access_token).await?;
        if matches!(provider.source, TokenSource::Store(_)) {
            match OAuthApp::new(oauth) {
                Ok(app) => provider.endpoint = Some(TokenEndpoint::new(app)?),
                Err(e) => tracing::debug!(reason = %e, "The Oura token cannot be refreshed."),
            }
        }
        Ok(provider)
    }

    /// Picks the source: the stored login when there is one, else `OURA_ACCESS_TOKEN`; with
    /// neither, a login is needed (exit 3). A stored login that cannot be used is exit 3 too.
    pub async fn load(
        sandbox: bool,
        store: AnyTokenStore,
        access_token: Option<Secret>,
    ) -> anyhow::Result<Self> {
        let with = |source, current| Self {
            source,
            endpoint: None,
            current: Mutex::new(current),
            gate: Default::default(),
        };
        if sandbox {
            return Ok(with(TokenSource::Sandbox, None));
        }
        let absent = match store.load().await {
            Ok(found) => return Ok(with(TokenSource::Store(store), Some(found))),
            Err(TokenStoreError::Missing { absent }) => absent,
            Err(e) => return Err(e.into()),
        };
        match access_token {
            Some(token) if !token.is_empty() => Ok(with(TokenSource::Static(token), None)),
            _ => Err(UserError::login_needed(format!(
                "no Oura login: {absent} and OURA_ACCESS_TOKEN is not set; {LOGIN_HINT}, \
                 or try `oura-sync sync --sandbox` without an account"
            ))),
        }
    }

    /// The source in use.
    pub fn source(&self) -> &TokenSource {
        &self.source
    }

    /// The bearer token for the next request (`None` for the sandbox). From a stored login,
    /// a token that expires within [`REFRESH_MARGIN`] is refreshed first.
    pub async fn bearer(&self) -> anyhow::Result<Option<Secret>> {
        let store = match &self.source {
            TokenSource::Sandbox => return Ok(None),
            TokenSource::Static(token) => return Ok(Some(token.clone())),
            TokenSource::Store(store) => store,
        };
        let tokens = self.current();
        let Some(endpoint) = &self.endpoint else {
            return Ok(Some(tokens.access_token));
        };
        // Without a refresh token an early refresh cannot happen; an expiry estimated from
        // another tool's file may be wrong, so let Oura decide.
        if tokens.refresh_token.is_none()
            || !tokens.expires_within(REFRESH_MARGIN, Timestamp::now())
        {
            return Ok(Some(tokens.access_token));
        }
        let mut gate = self.gate.lock().await;
        // Another task may have refreshed while this one waited. A token this process just
        // got is used until it has really expired, even when Oura issues it with less than
        // the margin to live: otherwise every request would refresh again.
        let tokens = self.current();
        let now = Timestamp::now();
        if gate.early_failed
            || !tokens.expires_within(REFRESH_MARGIN, now)
            || (gate.refreshed && !tokens.expires_within(SignedDuration::ZERO, now))
        {
            return Ok(Some(tokens.access_token));
        }
        match refresh(endpoint, store, &tokens).await {
            Ok(done) => {
                gate.refreshed = true;
                Ok(Some(self.replace(done)))
            }
            Err(e) if is_login_needed(&e) => Err(e),
            // Still valid for a while: go on with it rather than fail the sync.
            Err(e) if !tokens.expires_within(SignedDuration::ZERO, Timestamp::now()) => {
                tracing::warn!(error = %format!("{e:#}"), "Could not refresh the Oura token early; using the current one.");
                gate.early_failed = true;
                Ok(Some(tokens.access_token))
            }
            Err(e) => {
                Err(e.context("the Oura access token has expired and could not be refreshed"))
            }
        }
    }

    /// Called when Oura answered 401 to a request sent with `rejected`. Returns a different
    /// token to repeat the request with, or `None` when there is none to try.
    ///
    /// Many requests may report the same 401 at once: the first refreshes, the others wait and
    /// get its token. A token fresh from a refresh in this process is not refreshed again
    /// (its 401 is about scope or membership), so one sync refreshes at most once on a 401.
    /// `invalid_grant` is a login-needed error (exit 3), never retried.
    pub async fn after_unauthorized(&self, rejected: &Secret) -> anyhow::Result<Option<Secret>> {
        let TokenSource::Store(store) = &self.source else {
            return Ok(None);
        };
        let mut gate = self.gate.lock().await;
        let tokens = self.current();
        if tokens.access_token != *rejected {
            return Ok(Some(tokens.access_token));
        }
        if gate.refreshed {
            return Ok(None);
        }
        let Some(endpoint) = &self.endpoint else {
            return Err(UserError::usage(
                "Oura refused the access token and it cannot be refreshed: set OURA_CLIENT_ID \
                 and OURA_CLIENT_SECRET (your Oura app's) so oura-sync can refresh it, or run \
                 `oura-sync auth`",
            ));
        };
        let done = refresh(endpoint, store, &tokens).await?;
        gate.refreshed = true;
        Ok(Some(self.replace(done)))
    }

    /// The scopes the login granted (without the `extapi:` prefix), when known.
    pub fn granted_scopes(&self) -> Option<BTreeSet<String>> {
        self.state().as_ref().and_then(|v| v.tokens.scopes())
    }

    /// When the access token expires, when known.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.state().as_ref().and_then(|v| v.tokens.expires_at)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Option<Versioned>> {
        self.current.lock().expect("token state lock")
    }

    /// The tokens in use; only called for a stored login.
    fn current(&self) -> StoredTokens {
        self.state().as_ref().map(|v| v.tokens.clone()).expect("a stored login has tokens")
    }

    /// Makes a refresh's login current and returns its access token.
    fn replace(&self, done: Refreshed) -> Secret {
        let login = done.into_versioned();
        let access = login.tokens.access_token.clone();
        *self.state() = Some(login);
        access
    }
}

/// True if and only if `err` asks for a new login (exit 3).
fn is_login_needed(err: &anyhow::Error) -> bool {
    err.chain().any(|c| matches!(c.downcast_ref::<UserError>(), Some(UserError::LoginNeeded(_))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{EXIT_LOGIN, EXIT_USAGE, exit_code};

    async fn file_provider(json: &str) -> (tempfile::TempDir, TokenProvider) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        std::fs::write(&path, json).unwrap();
        (dir, TokenProvider::load(false, AnyTokenStore::file(path), None).await.unwrap())
    }

    #[tokio::test]
    async fn without_app_credentials_the_file_token_is_used_but_not_refreshed() {
        let (_dir, p) = file_provider(
            r#"{"access_token":"a1","refresh_token":"r1","expires_at":"2020-01-01T00:00:00Z",
                "scope":"extapi:daily"}"#,
        )
        .await;
        assert_eq!(p.bearer().await.unwrap().unwrap().expose(), "a1");
        let err = p.after_unauthorized(&Secret::new("a1")).await.unwrap_err();
        assert_eq!(exit_code(&err), EXIT_USAGE);
        assert!(err.to_string().contains("OURA_CLIENT_ID"));
        // A 401 for a token that is no longer current gets the current one.
        assert_eq!(
            p.after_unauthorized(&Secret::new("older")).await.unwrap().unwrap().expose(),
            "a1"
        );
        assert_eq!(p.granted_scopes().unwrap().into_iter().collect::<Vec<_>>(), ["daily"]);
    }

    #[tokio::test]
    async fn static_and_sandbox_tokens_are_never_refreshed() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.json");
        let store = || AnyTokenStore::file(&missing);
        let p = TokenProvider::load(false, store(), Some(Secret::new("bare"))).await.unwrap();
        assert_eq!(p.bearer().await.unwrap().unwrap().expose(), "bare");
        assert!(p.after_unauthorized(&Secret::new("bare")).await.unwrap().is_none());
        let p = TokenProvider::load(true, store(), None).await.unwrap();
        assert!(p.bearer().await.unwrap().is_none());
        let err = TokenProvider::load(false, store(), None).await.unwrap_err();
        assert_eq!(exit_code(&err), EXIT_LOGIN);
    }
}
