//! `oura-sync auth`: the one-time browser login that writes the login to the token store.

use crate::auth::TokenStore;
use crate::auth::login::login;
use crate::auth::oauth::TokenEndpoint;
use crate::config::{AuthConfig, Config};
use crate::error::EXIT_OK;

/// Logs in, stores the login, and prints where it went, its expiry and the scopes.
pub async fn exec(config: &Config, auth: &AuthConfig) -> anyhow::Result<u8> {
    let store = super::token_store(config);
    let requested = auth.app.scopes.clone();
    let endpoint = TokenEndpoint::new(auth.app.clone())?;
    let tokens = login(&endpoint, &store, &auth.login).await?;

    println!("Logged in to Oura; the tokens are in {}.", store.location());
    if let Some(at) = tokens.expires_at {
        println!("The access token expires at {at}; syncs refresh it by themselves.");
    }
    if let Some(granted) = tokens.scopes() {
        let granted_list: Vec<&str> = granted.iter().map(String::as_str).collect();
        println!("Granted scopes: {}.", granted_list.join(" "));
        // `spo2` asked for and `spo2Daily` granted is the same permission.
        let missing: Vec<&str> = requested
            .iter()
            .map(String::as_str)
            .filter(|s| !crate::scope::covers(&granted, s))
            .collect();
        if !missing.is_empty() {
            println!(
                "Not granted: {}; syncs still ask for the data types that need them, and those \
                 Oura refuses are skipped.",
                missing.join(" ")
            );
        }
    }
    Ok(EXIT_OK)
}
