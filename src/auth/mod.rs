//! Access to the Oura API: where the bearer token comes from.
//!
//! [`TokenProvider`] is the one interface the fetcher uses: it asks for the current bearer
//! before a request and reports a 401. Sources, in order: the tokens file
//! (`OURA_TOKENS_FILE`), then a bare `OURA_ACCESS_TOKEN`; the sandbox needs neither.

pub mod tokens_file;

use std::collections::BTreeSet;
use std::path::PathBuf;

use jiff::Timestamp;

use crate::error::UserError;
use crate::secret::Secret;
pub use tokens_file::StoredTokens;

/// What a user must do when there is no usable login.
pub const LOGIN_HINT: &str = "run `oura-sync auth` to log in";

/// Where requests get their bearer token.
#[derive(Debug)]
pub enum TokenSource {
    /// Oura's sandbox routes: no login at all.
    Sandbox,
    /// A bare token from `OURA_ACCESS_TOKEN`; it cannot be refreshed.
    Static(Secret),
    /// The tokens file, as read at start.
    File { path: PathBuf, tokens: StoredTokens },
}

/// Hands out the bearer token for each request.
#[derive(Debug)]
pub struct TokenProvider {
    source: TokenSource,
}

impl TokenProvider {
    /// Picks the source: the tokens file when it exists, else `OURA_ACCESS_TOKEN`; with
    /// neither, a login is needed (exit 3). A tokens file that cannot be read is exit 3 too.
    pub fn load(
        sandbox: bool,
        tokens_file: PathBuf,
        access_token: Option<Secret>,
    ) -> anyhow::Result<Self> {
        if sandbox {
            return Ok(Self { source: TokenSource::Sandbox });
        }
        if let Some(tokens) = StoredTokens::read(&tokens_file)? {
            return Ok(Self { source: TokenSource::File { path: tokens_file, tokens } });
        }
        match access_token {
            Some(token) if !token.is_empty() => Ok(Self { source: TokenSource::Static(token) }),
            _ => Err(UserError::login_needed(format!(
                "no Oura login: there is no tokens file at {} and OURA_ACCESS_TOKEN is not set; {LOGIN_HINT}, \
                 or try `oura-sync sync --sandbox` without an account",
                tokens_file.display()
            ))),
        }
    }

    /// The source in use.
    pub fn source(&self) -> &TokenSource {
        &self.source
    }

    /// The bearer token for the next request (`None` for the sandbox).
    pub async fn bearer(&self) -> anyhow::Result<Option<Secret>> {
        Ok(match &self.source {
            TokenSource::Sandbox => None,
            TokenSource::Static(token) => Some(token.clone()),
            TokenSource::File { tokens, .. } => Some(tokens.access_token.clone()),
        })
    }

    /// Called when Oura answered 401 to a request sent with `rejected`. Returns a different
    /// token to repeat the request with, or `None` when there is none to try.
    pub async fn after_unauthorized(&self, rejected: &Secret) -> anyhow::Result<Option<Secret>> {
        let _ = rejected;
        Ok(None)
    }

    /// The scopes the login granted (without the `extapi:` prefix), when known.
    pub fn granted_scopes(&self) -> Option<BTreeSet<String>> {
        match &self.source {
            TokenSource::File { tokens, .. } => tokens.scopes(),
            _ => None,
        }
    }

    /// When the access token expires, when known.
    pub fn expires_at(&self) -> Option<Timestamp> {
        match &self.source {
            TokenSource::File { tokens, .. } => tokens.expires_at,
            _ => None,
        }
    }
}
