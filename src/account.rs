//! One person's context for a sync: their login, their lake, whom to tell, and the time zone
//! that decides their days. A process may hold several; nothing here is shared between them.

use std::sync::Arc;

use jiff::tz::TimeZone;

use crate::auth::TokenProvider;
use crate::error::{EXIT_LOGIN, exit_code};
use crate::notify::Notifiers;
use crate::store::Lake;

/// One person's context (see the module doc).
pub struct Account {
    /// A name for logs and spans, never a secret (`default` for the command line).
    pub name: String,
    pub login: Login,
    pub lake: Lake,
    /// The channels every run's message goes to (none with `--no-notify`).
    pub notifiers: Notifiers,
    /// `OURA_TIMEZONE` (or the system's): decides the days.
    pub timezone: TimeZone,
    /// The Oura app that manages the webhook subscriptions, when webhooks are configured: a
    /// run renews the recorded subscriptions that expire soon, after its own work.
    pub webhooks: Option<crate::webhooks::WebhookApp>,
}

/// The login a run fetches with, or why there is none.
pub enum Login {
    /// Bearer tokens for the requests (Oura's sandbox needs no token and has a provider too).
    Ready(Arc<TokenProvider>),
    /// No usable login, in one line: the run fetches and records nothing, and is announced as
    /// needing a login (exit 3), so a daily job does not fail silently when the login lapses.
    Needed(String),
}

impl Login {
    /// The login that loading gave, or the reason there is none when loading failed for want
    /// of a login; any other failure (an unreadable setting) is returned as it is.
    pub fn from_loaded(loaded: anyhow::Result<TokenProvider>) -> anyhow::Result<Self> {
        match loaded {
            Ok(tokens) => Ok(Login::Ready(Arc::new(tokens))),
            Err(e) if exit_code(&e) == EXIT_LOGIN => Ok(Login::Needed(format!("{e:#}"))),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UserError;

    /// A missing login becomes a `Needed` run with its one-line reason; any other load error
    /// stays an error of the command.
    #[test]
    fn only_a_missing_login_becomes_a_login_needed_run() {
        let needed = Login::from_loaded(Err(UserError::login_needed("no Oura login"))).unwrap();
        assert!(matches!(needed, Login::Needed(reason) if reason == "no Oura login"));
        let other = Login::from_loaded(Err(UserError::usage("bad setting")));
        assert!(other.is_err());
    }
}
