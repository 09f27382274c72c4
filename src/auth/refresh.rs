//! Rotation-safe refresh of the tokens file, shared by `oura-sync refresh` and `sync`.
//!
//! Oura's refresh tokens are single-use: a refresh kills the old one, so two processes that
//! refresh with the same token burn the login. Every refresh therefore runs under an exclusive
//! lock on `<tokens file>.lock`, re-reads the tokens file under it, and does not refresh when
//! another process already has (the pair on disk is not the pair this process started from);
//! it then uses that process's token. A new pair is written atomically before anything uses
//! it, and only then is the lock released. A refused refresh (`invalid_grant`) leaves the
//! tokens file exactly as it was.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;

use crate::auth::oauth::{Grant, TokenEndpoint};
use crate::auth::{LOGIN_HINT, StoredTokens};
use crate::error::UserError;

/// What a refresh did.
#[derive(Debug)]
pub enum Refreshed {
    /// This process refreshed; the file holds the new pair.
    Now(StoredTokens),
    /// Another process had refreshed (or logged in) since this one read the file; its pair is
    /// used and no refresh was made.
    ByOther(StoredTokens),
}

impl Refreshed {
    pub fn tokens(&self) -> &StoredTokens {
        match self {
            Refreshed::Now(t) | Refreshed::ByOther(t) => t,
        }
    }

    pub fn into_tokens(self) -> StoredTokens {
        match self {
            Refreshed::Now(t) | Refreshed::ByOther(t) => t,
        }
    }
}

/// The lock file beside the tokens file: `<name>.lock` in the same directory.
pub fn lock_path(tokens_file: &Path) -> PathBuf {
    let mut name = tokens_file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    tokens_file.with_file_name(name)
}

/// An exclusive lock on the lock file, held until dropped (closing the file releases it).
struct TokensLock {
    _file: std::fs::File,
}

impl TokensLock {
    /// Waits for the lock; the wait blocks a thread, not the runtime.
    async fn acquire(tokens_file: &Path) -> anyhow::Result<TokensLock> {
        let path = lock_path(tokens_file);
        tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let mut options = OpenOptions::new();
            options.create(true).truncate(false).write(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options.open(&path)?;
            file.lock()?;
            Ok::<_, std::io::Error>(TokensLock { _file: file })
        })
        .await
        .context("the lock task failed")?
        .with_context(|| format!("cannot lock {}", lock_path(tokens_file).display()))
    }
}

/// Writes a new login's tokens under the lock, so that a refresh of the previous login running
/// in another process cannot write over it.
pub async fn write_login(tokens_file: &Path, tokens: &StoredTokens) -> anyhow::Result<()> {
    let _lock = TokensLock::acquire(tokens_file).await?;
    tokens.write(tokens_file)
}

/// Refreshes the login in `tokens_file`, which this process read as `seen`.
///
/// Under the lock: if the file no longer holds `seen`'s pair, another process refreshed, and
/// its pair is returned as [`Refreshed::ByOther`] without a refresh. Otherwise the refresh
/// token is traded at the token URL that worked last, and the new pair is written before it
/// is returned. `invalid_grant` becomes a login-needed error (exit 3) and the file is not
/// touched.
#[tracing::instrument(name = "refresh", skip_all)]
pub async fn refresh_tokens_file(
    endpoint: &TokenEndpoint,
    tokens_file: &Path,
    seen: &StoredTokens,
) -> anyhow::Result<Refreshed> {
    let _lock = TokensLock::acquire(tokens_file).await?;
    let current = StoredTokens::read(tokens_file)?.ok_or_else(|| {
        UserError::login_needed(format!(
            "the tokens file {} is gone; {LOGIN_HINT}",
            tokens_file.display()
        ))
    })?;
    if !current.same_pair(seen) {
        tracing::info!("Another process refreshed the Oura token; using its token.");
        return Ok(Refreshed::ByOther(current));
    }
    let refresh_token = current.refresh_token.as_ref().ok_or_else(|| {
        UserError::login_needed(format!(
            "the tokens file {} has no refresh token, so the access token cannot be renewed; \
             {LOGIN_HINT}",
            tokens_file.display()
        ))
    })?;
    // The old refresh token dies with the refresh, so the new pair must be sure to fit on
    // disk first: a full disk stops here, with the old pair intact and still usable.
    let claim = StoredTokens::claim_space(tokens_file).with_context(|| {
        format!(
            "no room to save a refreshed login beside {}, so the access token was not \
             refreshed and the login is unchanged; free some disk space and run again",
            tokens_file.display()
        )
    })?;
    let issued = endpoint
        .request(Grant::Refresh(refresh_token), current.token_url.as_deref())
        .await
        .map_err(|e| e.into_user_error())?;
    let fresh = StoredTokens::issued(issued, Some(&current), &[], Timestamp::now());
    // The old refresh token is dead now: the new pair must be on disk before anyone uses it.
    fresh.write_claimed(claim).with_context(|| {
        format!(
            "Oura issued new tokens but {} could not be written, and the old refresh token \
             no longer works; {LOGIN_HINT}",
            tokens_file.display()
        )
    })?;
    tracing::info!(
        expires_at = %fresh.expires_at.map(|t| t.to_string()).unwrap_or_default(),
        "Refreshed the Oura access token."
    );
    Ok(Refreshed::Now(fresh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_sits_beside_the_tokens_file() {
        assert_eq!(lock_path(Path::new("a/b/t.json")), Path::new("a/b/t.json.lock"));
        assert_eq!(lock_path(Path::new(".oura-tokens.json")), Path::new(".oura-tokens.json.lock"));
    }

    #[tokio::test]
    async fn the_lock_excludes_a_second_holder_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("t.json");
        let first = TokensLock::acquire(&tokens).await.unwrap();
        let probe = std::fs::File::open(lock_path(&tokens)).unwrap();
        assert!(probe.try_lock().is_err());
        drop(first);
        let _second = TokensLock::acquire(&tokens).await.unwrap();
    }
}
