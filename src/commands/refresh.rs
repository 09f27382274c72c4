//! `oura-sync refresh`: refresh the access token now (rotation-safe) and print its expiry.

use crate::auth::oauth::{OAuthApp, TokenEndpoint};
use crate::auth::refresh::{Refreshed, refresh};
use crate::auth::{LOGIN_HINT, TokenStore, TokenStoreError};
use crate::config::Config;
use crate::error::{EXIT_OK, UserError};

/// Refreshes the stored login; prints the new expiry, never a token.
pub async fn exec(config: &Config, app: &OAuthApp) -> anyhow::Result<u8> {
    let aws = super::Aws::new(&config.aws);
    let store = super::token_store(config, &aws).await?;
    let seen = store.load().await.map_err(|e| match e {
        TokenStoreError::Missing { absent } => {
            UserError::login_needed(format!("{absent}; {LOGIN_HINT}"))
        }
        other => other.into(),
    })?;
    let endpoint = TokenEndpoint::new(app.clone())?;
    let done = refresh(&endpoint, &store, &seen.tokens).await?;
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
