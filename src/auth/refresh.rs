//! Rotation-safe refresh of a stored login, shared by `oura-sync refresh` and `sync`, for
//! every token store.
//!
//! Oura's refresh tokens are single-use: a refresh kills the old one, so two processes that
//! refresh with the same token burn the login. Every refresh therefore runs under the store's
//! write lock ([`TokenStore::lock`]), re-reads the login under it, and does not refresh when
//! the stored pair is not the pair this process started from ([`decide`]): another process
//! already refreshed (or logged in), and its login is used. Before the refresh token is spent
//! the store sets aside what the write needs ([`TokenStore::reserve`]); the new pair is then
//! stored by compare-and-swap before anything uses it, and only then is the lock released. A
//! stored login that changed anyway (a writer that took no lock) wins: its login is used. A
//! refused refresh (`invalid_grant`) leaves the store exactly as it was.

use anyhow::Context;
use jiff::Timestamp;
use tracing::Instrument;

use crate::auth::oauth::{Grant, TokenEndpoint};
use crate::auth::store::{TokenStore, TokenStoreError, Versioned};
use crate::auth::{LOGIN_HINT, StoredTokens};
use crate::error::UserError;

/// What a refresh did.
#[derive(Debug)]
pub enum Refreshed {
    /// This process refreshed; the store holds the new pair.
    Now(Versioned),
    /// Another process had refreshed (or logged in) since this one read the login; its login
    /// is used and no refresh was made.
    ByOther(Versioned),
}

impl Refreshed {
    pub fn tokens(&self) -> &StoredTokens {
        match self {
            Refreshed::Now(v) | Refreshed::ByOther(v) => &v.tokens,
        }
    }

    pub fn into_versioned(self) -> Versioned {
        match self {
            Refreshed::Now(v) | Refreshed::ByOther(v) => v,
        }
    }
}

/// What to do with the login re-read under the lock.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// It still holds the pair this process started from: trade its refresh token.
    Refresh,
    /// It holds another pair (a refresh or login since): use it, refresh nothing.
    UseStored,
    /// It holds the pair this process started from, without a refresh token.
    CannotRefresh,
}

/// Decides from the pair this process `started` from and the one `stored` now. The pair, not
/// the stored version, decides: a file rewritten with the same pair (another tool, an edit)
/// still holds a live refresh token, and only the pair tells a refresh from a rewrite.
pub fn decide(started: &StoredTokens, stored: &StoredTokens) -> Decision {
    if !stored.same_pair(started) {
        Decision::UseStored
    } else if stored.refresh_token.is_none() {
        Decision::CannotRefresh
    } else {
        Decision::Refresh
    }
}

/// Refreshes the login in `store`, which this process read as `seen`, inside a `refresh`
/// span. See the module's doc; `invalid_grant` is a login-needed error (exit 3).
pub async fn refresh<S: TokenStore>(
    endpoint: &TokenEndpoint,
    store: &S,
    seen: &StoredTokens,
) -> anyhow::Result<Refreshed> {
    let span = tracing::info_span!("refresh", store = %store.location());
    refresh_locked(endpoint, store, seen).instrument(span).await
}

async fn refresh_locked<S: TokenStore>(
    endpoint: &TokenEndpoint,
    store: &S,
    seen: &StoredTokens,
) -> anyhow::Result<Refreshed> {
    let mut lock = store.lock().await?;
    let current = store.load().await.map_err(|e| match e {
        TokenStoreError::Missing { absent } => {
            UserError::login_needed(format!("the login is gone ({absent}); {LOGIN_HINT}"))
        }
        other => other.into(),
    })?;
    match decide(seen, &current.tokens) {
        Decision::UseStored => {
            tracing::info!("Another process refreshed the Oura token; using its token.");
            return Ok(Refreshed::ByOther(current));
        }
        Decision::CannotRefresh => {
            return Err(UserError::login_needed(format!(
                "the {} has no refresh token, so the access token cannot be renewed; {LOGIN_HINT}",
                store.describe()
            )));
        }
        Decision::Refresh => {}
    }
    let refresh_token = current.tokens.refresh_token.as_ref().expect("decided above");
    // The old refresh token dies with the refresh, so the new pair must be sure to fit first:
    // a full disk stops here, with the old pair intact and still usable.
    store
        .reserve(&mut lock)
        .await
        .map_err(anyhow::Error::from)
        .context("the access token was not refreshed and the login is unchanged")?;
    let issued = endpoint
        .request(Grant::Refresh(refresh_token), current.tokens.token_url.as_deref())
        .await
        .map_err(|e| e.into_user_error())?;
    let fresh = StoredTokens::issued(issued, Some(&current.tokens), &[], Timestamp::now());
    // The old refresh token is dead now: the new pair must be stored before anyone uses it.
    match store.replace(&mut lock, &current.version, &fresh).await {
        Ok(version) => {
            tracing::info!(
                expires_at = %fresh.expires_at.map(|t| t.to_string()).unwrap_or_default(),
                "Refreshed the Oura access token."
            );
            Ok(Refreshed::Now(Versioned { tokens: fresh, version }))
        }
        Err(TokenStoreError::Conflict(newer)) => {
            // Only a writer that ignores the lock gets here (a login by another tool): its
            // login is the user's latest, so it wins over the pair just issued.
            tracing::warn!(
                "The stored Oura login changed during the refresh; using the stored one."
            );
            Ok(Refreshed::ByOther(*newer))
        }
        Err(e) => Err(anyhow::Error::from(e).context(format!(
            "Oura issued new tokens but the {} could not be written, and the old refresh token \
             no longer works; {LOGIN_HINT}",
            store.describe()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(access: &str, refresh: Option<&str>) -> StoredTokens {
        let json = match refresh {
            Some(r) => format!(r#"{{"access_token":"{access}","refresh_token":"{r}"}}"#),
            None => format!(r#"{{"access_token":"{access}"}}"#),
        };
        StoredTokens::parse(json.as_bytes(), None).unwrap()
    }

    /// The stored pair decides: the same pair is refreshed (even if its bytes changed, e.g. a
    /// new scope line), another pair is used as is, and a pair without a refresh token cannot
    /// be refreshed.
    #[test]
    fn the_stored_pair_decides_whether_to_refresh() {
        let started = pair("a1", Some("r1"));
        assert_eq!(decide(&started, &pair("a1", Some("r1"))), Decision::Refresh);
        let mut rescoped = pair("a1", Some("r1"));
        rescoped.scope = Some("daily".into());
        assert_eq!(decide(&started, &rescoped), Decision::Refresh);
        assert_eq!(decide(&started, &pair("a2", Some("r2"))), Decision::UseStored);
        assert_eq!(decide(&started, &pair("a1", Some("r2"))), Decision::UseStored);
        assert_eq!(decide(&pair("a1", None), &pair("a1", None)), Decision::CannotRefresh);
        assert_eq!(decide(&pair("a1", None), &pair("a2", Some("r2"))), Decision::UseStored);
    }
}
