//! `oura-sync refresh`: refresh the access token now (rotation-safe) and print its expiry.

use crate::auth::oauth::{OAuthApp, TokenEndpoint};
use crate::auth::refresh::{Refreshed, refresh_tokens_file};
use crate::auth::{LOGIN_HINT, StoredTokens};
use crate::config::Config;
use crate::error::{EXIT_OK, UserError};

/// Refreshes the tokens file's login; prints the new expiry, never a token.
pub async fn exec(config: &Config, app: &OAuthApp) -> anyhow::Result<u8> {
    let tokens_file = &config.tokens_file;
    let seen = StoredTokens::read(tokens_file)?.ok_or_else(|| {
        UserError::login_needed(format!(
            "there is no tokens file at {}; {LOGIN_HINT}",
            tokens_file.display()
        ))
    })?;
    let endpoint = TokenEndpoint::new(app.clone())?;
    let done = refresh_tokens_file(&endpoint, tokens_file, &seen).await?;
    let expiry = match done.tokens().expires_at {
        Some(at) => format!("it expires at {at}"),
        None => "Oura did not say when it expires".to_string(),
    };
    let text = match done {
        Refreshed::Now(_) => format!("Refreshed the Oura access token; {expiry}.\n"),
        Refreshed::ByOther(_) => {
            format!("Another oura-sync had just refreshed the Oura access token; {expiry}.\n")
        }
    };
    crate::stdout::print(&text)?;
    Ok(EXIT_OK)
}
