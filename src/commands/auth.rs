//! `oura-sync auth`: the one-time browser login that writes the login to the token store.

use crate::auth::TokenStore;
use crate::auth::login::login;
use crate::auth::oauth::TokenEndpoint;
use crate::config::{AuthConfig, Config};
use crate::error::EXIT_OK;

/// Logs in, stores the login, and prints where it went, its expiry and the scopes.
pub async fn exec(config: &Config, auth: &AuthConfig) -> anyhow::Result<u8> {
    let aws = super::Aws::new(&config.aws);
    let store = super::token_store(config, &aws).await?;
    let requested = auth.app.scopes.clone();
    let endpoint = TokenEndpoint::new(auth.app.clone())?;
    let tokens = login(&endpoint, &store, &auth.login).await?;

    let mut text = format!("Logged in to Oura; the tokens are in {}.\n", store.location());
    if let Some(at) = tokens.expires_at {
        text += &format!("The access token expires at {at}; syncs refresh it by themselves.\n");
    }
    if let Some(granted) = tokens.scopes() {
        let granted_list: Vec<&str> = granted.iter().map(String::as_str).collect();
        text += &format!("Granted scopes: {}.\n", granted_list.join(" "));
        // `spo2` asked for and `spo2Daily` granted is the same permission.
        let missing: Vec<&str> = requested
            .iter()
            .map(String::as_str)
            .filter(|s| !crate::scope::covers(&granted, s))
            .collect();
        if !missing.is_empty() {
            text += &format!(
                "Not granted: {}; syncs still ask for the data types that need them, and those \
                 Oura refuses are skipped.\n",
                missing.join(" ")
            );
        }
    }
    crate::stdout::print(&text)?;
    Ok(EXIT_OK)
}
