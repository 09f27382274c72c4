//! Moving a login from one token store to another (`oura-sync tokens move`) without ever
//! losing it.
//!
//! Order matters, because a crash can come between any two steps:
//! 1. both stores' write locks are taken (the source's first), so no refresh spends the
//!    refresh token while it is on its way;
//! 2. the login is written to the destination and read back from it;
//! 3. only then is the source's login replaced by a note saying where it went
//!    ([`TokenStore::retire`], compare-and-swap on the version read in 1).
//!
//! A crash after 2 leaves the same login in both: running the move again finds the same pair
//! at the destination, writes nothing and retires the source. A crash before 2 ends leaves
//! the source as it was. The source never lets go of a login the destination does not hold.

use anyhow::Context;

use crate::auth::store::{TokenStore, TokenStoreError, Versioned, load_if_any};
use crate::auth::{LOGIN_HINT, StoredTokens};
use crate::error::UserError;

/// What a move did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    /// The login was written to the destination, and the source retired.
    Now,
    /// The destination held the same login already (an interrupted move); the source was
    /// retired.
    Finished,
}

/// Whether to write the login `moving` into a destination that holds `found`.
#[derive(Debug, PartialEq, Eq)]
pub enum Landing {
    /// Write it.
    Write,
    /// It is there already.
    There,
    /// Another login is there, and replacing it was not asked for.
    Occupied,
}

/// Decides from what the destination holds. An unusable value there is no login to keep.
pub fn landing(
    found: &Result<Option<Versioned>, TokenStoreError>,
    moving: &StoredTokens,
    force: bool,
) -> Landing {
    match found {
        Ok(Some(there)) if there.tokens.same_pair(moving) => Landing::There,
        Ok(Some(_)) if !force => Landing::Occupied,
        _ => Landing::Write,
    }
}

/// Moves the login in `from` to `to` (whose address is `to_uri`, for the note the source
/// keeps); `force` replaces another login at `to`.
pub async fn move_login<F: TokenStore, T: TokenStore>(
    from: &F,
    to: &T,
    to_uri: &str,
    force: bool,
) -> anyhow::Result<Moved> {
    if from.location() == to.location() {
        return Err(UserError::usage(format!(
            "--to names the {}, where the login is already kept; name another store",
            from.describe()
        )));
    }
    let mut from_lock = from.lock().await?;
    let source = from.load().await.map_err(|e| match e {
        TokenStoreError::Missing { absent } => {
            UserError::login_needed(format!("there is nothing to move: {absent}; {LOGIN_HINT}"))
        }
        other => other.into(),
    })?;
    let mut to_lock = to.lock().await?;
    let found = match load_if_any(to).await {
        Err(TokenStoreError::Io(e)) => return Err(e.context("the login was not moved")),
        other => other,
    };
    let moved = match landing(&found, &source.tokens, force) {
        Landing::Occupied => {
            return Err(UserError::usage(format!(
                "the {} already holds another Oura login; nothing was moved. Pass --force to \
                 replace it with the one in the {}",
                to.describe(),
                from.describe()
            )));
        }
        Landing::There => Moved::Finished,
        Landing::Write => {
            to.put(&mut to_lock, &source.tokens).await.map_err(anyhow::Error::from).with_context(
                || format!("the login was not moved; it is still in the {}", from.describe()),
            )?;
            Moved::Now
        }
    };
    let back = to.load().await.map_err(anyhow::Error::from).with_context(|| {
        format!(
            "the login is still in the {} (and may be in the {} too); run the move again",
            from.describe(),
            to.describe()
        )
    })?;
    if !back.tokens.same_pair(&source.tokens) {
        anyhow::bail!(
            "the {} changed during the move; the login is still in the {}: run the move again",
            to.describe(),
            from.describe()
        );
    }
    drop(to_lock);
    match from.retire(&mut from_lock, &source.version, to_uri).await {
        Ok(()) => Ok(moved),
        Err(TokenStoreError::Conflict(_)) => anyhow::bail!(
            "the login in the {} changed during the move (a process that takes no lock wrote \
             it); both stores hold a login now: run the move again with --force to move the \
             newer one",
            from.describe()
        ),
        Err(e) => Err(anyhow::Error::from(e).context(format!(
            "the login is in the {} now, but the {} still holds it too: run the move again",
            to.describe(),
            from.describe()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::store::{AnyTokenStore, Version};

    fn pair(access: &str) -> StoredTokens {
        let json = format!(r#"{{"access_token":"{access}","refresh_token":"r-{access}"}}"#);
        StoredTokens::parse(json.as_bytes(), None).unwrap()
    }

    fn stored(access: &str) -> Result<Option<Versioned>, TokenStoreError> {
        Ok(Some(Versioned { tokens: pair(access), version: Version::new(access) }))
    }

    /// The same pair is there already; another is kept unless forced; nothing, or a value
    /// that is no login, is written over.
    #[test]
    fn what_the_destination_holds_decides() {
        let moving = pair("a");
        assert_eq!(landing(&stored("a"), &moving, false), Landing::There);
        assert_eq!(landing(&stored("b"), &moving, false), Landing::Occupied);
        assert_eq!(landing(&stored("b"), &moving, true), Landing::Write);
        assert_eq!(landing(&Ok(None), &moving, false), Landing::Write);
        let corrupt = Err(TokenStoreError::Corrupt { message: "x".into() });
        assert_eq!(landing(&corrupt, &moving, false), Landing::Write);
    }

    /// A move between two tokens files: the destination gets the login, the source keeps a
    /// note naming it (and no token), and a second move finds nothing to move (exit 3).
    /// An interrupted move (the same login in both) is finished without a write.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_move_leaves_the_source_without_a_token_and_can_be_finished() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
        std::fs::write(&a, pair("acc-123456").to_json()).unwrap();
        let (from, to) = (AnyTokenStore::file(&a), AnyTokenStore::file(&b));
        let uri = format!("file://{}", b.display());
        assert_eq!(move_login(&from, &to, &uri, false).await.unwrap(), Moved::Now);
        assert_eq!(to.load().await.unwrap().tokens.access_token.expose(), "acc-123456");
        let note = std::fs::read_to_string(&a).unwrap();
        assert!(!note.contains("acc-123456") && note.contains(&uri), "{note}");
        let Err(TokenStoreError::Missing { absent }) = from.load().await else { panic!() };
        assert!(absent.contains(&uri), "{absent}");
        let again = move_login(&from, &to, &uri, false).await.unwrap_err();
        assert_eq!(crate::error::exit_code(&again), crate::error::EXIT_LOGIN);

        std::fs::write(&a, pair("acc-123456").to_json()).unwrap();
        assert_eq!(move_login(&from, &to, &uri, false).await.unwrap(), Moved::Finished);
        std::fs::write(&a, pair("acc-654321").to_json()).unwrap();
        let occupied = move_login(&from, &to, &uri, false).await.unwrap_err();
        assert_eq!(crate::error::exit_code(&occupied), crate::error::EXIT_USAGE);
        assert_eq!(from.load().await.unwrap().tokens.access_token.expose(), "acc-654321");
        assert_eq!(move_login(&from, &to, &uri, true).await.unwrap(), Moved::Now);
        assert_eq!(to.load().await.unwrap().tokens.access_token.expose(), "acc-654321");
    }
}
