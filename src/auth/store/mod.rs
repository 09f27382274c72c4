//! The token-store seam: where the login (the token pair, its expiry, scopes and token URL)
//! is kept, behind one trait so that the user picks the backend.
//!
//! Oura's refresh tokens are single use, so a store is more than a place to read and write:
//!
//! - every value has a [`Version`] (a content hash for a file, a version id or a counter for a
//!   remote store), and [`TokenStore::replace`] is compare-and-swap: it writes only if the
//!   stored login is still the version the caller read, and otherwise answers
//!   [`TokenStoreError::Conflict`] with the newer login, which the caller uses;
//! - [`TokenStore::lock`] excludes every other writer of the same login (other processes and
//!   machines too) for as long as the lock is held, so that a refresh re-reads, trades the
//!   refresh token and writes the new pair with nobody else spending the same token. A
//!   backend without a lock of its own builds one (a lease); compare-and-swap is the backstop
//!   for writers that never take it;
//! - [`TokenStore::reserve`] makes sure the next write can land before a refresh spends the
//!   old refresh token (the file claims its disk space);
//! - [`TokenStore::lock_runs`] is the login's run lock: one sync (or `silver`) per login at
//!   a time, kept apart from the write lock, which is only ever held for a refresh or a login.
//!
//! Errors say which of four things happened ([`TokenStoreError`]): the race was lost, there
//! is no login, the stored login is unusable, or the store could not be reached. A message
//! never quotes a stored value.
//!
//! - [`file`]: the tokens file (`OURA_TOKENS_FILE`), the first backend;
//! - [`secrets_manager`] and [`dynamodb`]: an AWS Secrets Manager secret and a DynamoDB item
//!   (`OURA_TOKEN_STORE`), both [`remote`] stores: compare-and-swap on the service, and leases
//!   with an expiry for the locks ([`document`]);
//! - [`uri`]: the addresses `OURA_TOKEN_STORE` and `tokens move` take; [`moving`]: the move.

pub mod document;
#[cfg(feature = "aws")]
pub mod dynamodb;
pub mod file;
pub mod moving;
pub mod remote;
#[cfg(feature = "aws")]
pub mod secrets_manager;
pub mod uri;

use std::fmt;
use std::time::Duration;

use crate::auth::{LOGIN_HINT, StoredTokens};
use crate::error::UserError;

pub use file::FileTokenStore;
pub use uri::StoreUri;

/// The login in a Secrets Manager secret.
#[cfg(feature = "aws")]
pub type SecretsManagerStore = remote::RemoteStore<secrets_manager::SecretsManagerRegister>;
/// The login in a DynamoDB item.
#[cfg(feature = "aws")]
pub type DynamoTokenStore = remote::RemoteStore<dynamodb::DynamoRegister>;

/// Which stored value a login is: equal versions mean the same stored bytes. Opaque to
/// callers; never derived from a secret in a way that could give it back.
#[derive(Clone, PartialEq, Eq)]
pub struct Version(String);

impl Version {
    /// A backend's own version tag (a content hash, a version id, a counter).
    pub fn new(tag: impl Into<String>) -> Self {
        Self(tag.into())
    }
}

impl fmt::Debug for Version {
    /// A short prefix is enough to tell versions apart in a test failure or a trace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short: String = self.0.chars().take(12).collect();
        write!(f, "Version({short})")
    }
}

/// A login as stored, with the version it was read at.
#[derive(Debug, Clone)]
pub struct Versioned {
    pub tokens: StoredTokens,
    pub version: Version,
}

/// Why a store did not do what was asked.
#[derive(Debug)]
pub enum TokenStoreError {
    /// No login is stored. `absent` says where none was found ("there is no tokens file at
    /// …"), for the caller's message.
    Missing { absent: String },
    /// A login is stored but cannot be used (unreadable, not a login); `message` is the whole
    /// one-line error, saying what to do, and never quotes the value.
    Corrupt { message: String },
    /// Compare-and-swap lost: the stored login is no longer the version the write expected.
    /// The newer login is here, for the caller to use instead.
    Conflict(Box<Versioned>),
    /// The store could not be read or written (disk, permissions, network), with context.
    Io(anyhow::Error),
}

impl fmt::Display for TokenStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenStoreError::Missing { absent } => write!(f, "{absent}; {LOGIN_HINT}"),
            TokenStoreError::Corrupt { message } => f.write_str(message),
            TokenStoreError::Conflict(_) => {
                f.write_str("the stored Oura login changed while this process was replacing it")
            }
            TokenStoreError::Io(e) => write!(f, "{e:#}"),
        }
    }
}

/// No `std::error::Error` on purpose: `?` then goes through this conversion, which gives a
/// missing or unusable login its exit code (3, "run `oura-sync auth`") and keeps the cause of
/// an I/O error (whose chain decides its code) instead of hiding it behind a new error.
impl From<TokenStoreError> for anyhow::Error {
    fn from(e: TokenStoreError) -> Self {
        match e {
            TokenStoreError::Missing { .. } | TokenStoreError::Corrupt { .. } => {
                UserError::login_needed(e.to_string())
            }
            TokenStoreError::Conflict(_) => anyhow::anyhow!("{e}"),
            TokenStoreError::Io(e) => e,
        }
    }
}

/// Others can read the stored login, and how to stop it (`doctor` fails on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub problem: String,
    pub fix: String,
}

/// The login's run lock, held until dropped: one sync per login at a time.
pub struct LoginLock {
    _held: Box<dyn Send + Sync>,
    what: String,
}

impl LoginLock {
    /// Wraps whatever a backend holds (a locked file, a lease) and says what it is.
    pub fn new(held: impl Send + Sync + 'static, what: String) -> Self {
        Self { _held: Box::new(held), what }
    }

    /// What is held, for a log line.
    pub fn describe(&self) -> &str {
        &self.what
    }
}

impl fmt::Debug for LoginLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginLock").field("what", &self.what).finish()
    }
}

/// Where a login is kept. Every method may be called from many tasks and processes at once.
#[allow(async_fn_in_trait)]
pub trait TokenStore {
    /// The held write lock (and what [`TokenStore::reserve`] set aside); dropping it releases
    /// both.
    type Lock: Send;

    /// What the store is, as a noun phrase for messages ("tokens file /home/me/t.json"). Never
    /// a secret.
    fn describe(&self) -> String;

    /// Where the login is (a path, a URI), as `status` and `auth` print it.
    fn location(&self) -> String;

    /// The setting that points at this store, for messages.
    fn setting(&self) -> &'static str;

    /// The stored login and its version.
    async fn load(&self) -> Result<Versioned, TokenStoreError>;

    /// Waits for the exclusive right to write this login (see the module's doc).
    async fn lock(&self) -> Result<Self::Lock, TokenStoreError>;

    /// Makes sure the next write under `lock` can land, before anything is spent that the
    /// write must save. A store with nothing to set aside does nothing.
    async fn reserve(&self, lock: &mut Self::Lock) -> Result<(), TokenStoreError>;

    /// Compare-and-swap: stores `tokens` only if the stored login is still at `expected`, and
    /// returns the new version. Another version is [`TokenStoreError::Conflict`] (with it),
    /// no login any more is [`TokenStoreError::Missing`], an unusable one
    /// [`TokenStoreError::Corrupt`]; in each case nothing is written.
    async fn replace(
        &self,
        lock: &mut Self::Lock,
        expected: &Version,
        tokens: &StoredTokens,
    ) -> Result<Version, TokenStoreError>;

    /// Stores a new login whatever is stored (`oura-sync auth`), and returns its version.
    async fn put(
        &self,
        lock: &mut Self::Lock,
        tokens: &StoredTokens,
    ) -> Result<Version, TokenStoreError>;

    /// Replaces the login, still at `expected`, with a note that it moved to `to` (`oura-sync
    /// tokens move`, after the login is safe there): no usable refresh token stays behind,
    /// and a later read says where the login went. Answers like [`TokenStore::replace`].
    async fn retire(
        &self,
        lock: &mut Self::Lock,
        expected: &Version,
        to: &str,
    ) -> Result<(), TokenStoreError>;

    /// Whether others than the user can read the stored login.
    async fn exposure(&self) -> Option<Exposure>;

    /// Takes the login's run lock, waiting up to `wait` for another run to release it.
    async fn lock_runs(&self, wait: Duration) -> anyhow::Result<LoginLock>;
}

/// The backends a user can pick, dispatched statically.
#[derive(Debug, Clone)]
pub enum AnyTokenStore {
    File(FileTokenStore),
    #[cfg(feature = "aws")]
    SecretsManager(SecretsManagerStore),
    #[cfg(feature = "aws")]
    DynamoDb(DynamoTokenStore),
}

impl AnyTokenStore {
    /// The tokens file at `path`.
    pub fn file(path: impl Into<std::path::PathBuf>) -> Self {
        AnyTokenStore::File(FileTokenStore::new(path))
    }

    /// The Secrets Manager secret `secret_id`.
    #[cfg(feature = "aws")]
    pub fn secrets_manager(
        client: aws_sdk_secretsmanager::Client,
        secret_id: impl Into<String>,
    ) -> Self {
        let register = secrets_manager::SecretsManagerRegister::new(client, secret_id);
        AnyTokenStore::SecretsManager(remote::RemoteStore::new(register))
    }

    /// The login item of the DynamoDB table `table`.
    #[cfg(feature = "aws")]
    pub fn dynamodb(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        AnyTokenStore::DynamoDb(remote::RemoteStore::new(dynamodb::DynamoRegister::new(
            client, table,
        )))
    }
}

/// The write lock of an [`AnyTokenStore`].
#[derive(Debug)]
pub enum AnyLock {
    File(<FileTokenStore as TokenStore>::Lock),
    #[cfg(feature = "aws")]
    SecretsManager(<SecretsManagerStore as TokenStore>::Lock),
    #[cfg(feature = "aws")]
    DynamoDb(<DynamoTokenStore as TokenStore>::Lock),
}

/// Runs `$body` with `$s` bound to the backend of `$store`.
macro_rules! each {
    ($store:expr, $s:ident => $body:expr) => {
        match $store {
            AnyTokenStore::File($s) => $body,
            #[cfg(feature = "aws")]
            AnyTokenStore::SecretsManager($s) => $body,
            #[cfg(feature = "aws")]
            AnyTokenStore::DynamoDb($s) => $body,
        }
    };
}

/// Runs `$body` with `$s` and `$l` bound to the backend of `$store` and its lock `$lock`.
macro_rules! each_locked {
    ($store:expr, $lock:expr, $s:ident, $l:ident => $body:expr) => {
        match ($store, $lock) {
            (AnyTokenStore::File($s), AnyLock::File($l)) => $body,
            #[cfg(feature = "aws")]
            (AnyTokenStore::SecretsManager($s), AnyLock::SecretsManager($l)) => $body,
            #[cfg(feature = "aws")]
            (AnyTokenStore::DynamoDb($s), AnyLock::DynamoDb($l)) => $body,
            #[allow(unreachable_patterns)]
            _ => Err(TokenStoreError::Io(anyhow::anyhow!("a lock of another token store"))),
        }
    };
}

impl TokenStore for AnyTokenStore {
    type Lock = AnyLock;

    fn describe(&self) -> String {
        each!(self, s => s.describe())
    }

    fn location(&self) -> String {
        each!(self, s => s.location())
    }

    fn setting(&self) -> &'static str {
        each!(self, s => s.setting())
    }

    async fn load(&self) -> Result<Versioned, TokenStoreError> {
        each!(self, s => s.load().await)
    }

    async fn lock(&self) -> Result<AnyLock, TokenStoreError> {
        match self {
            AnyTokenStore::File(s) => s.lock().await.map(AnyLock::File),
            #[cfg(feature = "aws")]
            AnyTokenStore::SecretsManager(s) => s.lock().await.map(AnyLock::SecretsManager),
            #[cfg(feature = "aws")]
            AnyTokenStore::DynamoDb(s) => s.lock().await.map(AnyLock::DynamoDb),
        }
    }

    async fn reserve(&self, lock: &mut AnyLock) -> Result<(), TokenStoreError> {
        each_locked!(self, lock, s, l => s.reserve(l).await)
    }

    async fn replace(
        &self,
        lock: &mut AnyLock,
        expected: &Version,
        tokens: &StoredTokens,
    ) -> Result<Version, TokenStoreError> {
        each_locked!(self, lock, s, l => s.replace(l, expected, tokens).await)
    }

    async fn put(
        &self,
        lock: &mut AnyLock,
        tokens: &StoredTokens,
    ) -> Result<Version, TokenStoreError> {
        each_locked!(self, lock, s, l => s.put(l, tokens).await)
    }

    async fn retire(
        &self,
        lock: &mut AnyLock,
        expected: &Version,
        to: &str,
    ) -> Result<(), TokenStoreError> {
        each_locked!(self, lock, s, l => s.retire(l, expected, to).await)
    }

    async fn exposure(&self) -> Option<Exposure> {
        each!(self, s => s.exposure().await)
    }

    async fn lock_runs(&self, wait: Duration) -> anyhow::Result<LoginLock> {
        each!(self, s => s.lock_runs(wait).await)
    }
}

/// Loads the login, `None` when there is none.
pub async fn load_if_any<S: TokenStore>(store: &S) -> Result<Option<Versioned>, TokenStoreError> {
    match store.load().await {
        Ok(found) => Ok(Some(found)),
        Err(TokenStoreError::Missing { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{EXIT_FAILED, EXIT_LOGIN, exit_code};

    /// A missing or unusable login is exit 3 with what to do; an I/O error keeps its own
    /// cause (and so its exit code) under the conversion.
    #[test]
    fn each_kind_converts_to_its_exit_code() {
        let missing = TokenStoreError::Missing { absent: "there is no tokens file at t".into() };
        let err = anyhow::Error::from(missing);
        assert_eq!(exit_code(&err), EXIT_LOGIN);
        assert_eq!(err.to_string(), format!("there is no tokens file at t; {LOGIN_HINT}"));
        let corrupt = TokenStoreError::Corrupt { message: "unusable; run auth".into() };
        assert_eq!(exit_code(&anyhow::Error::from(corrupt)), EXIT_LOGIN);
        let io = TokenStoreError::Io(UserError::usage("bad").context("reading"));
        assert_eq!(exit_code(&anyhow::Error::from(io)), crate::error::EXIT_USAGE);
        let io = TokenStoreError::Io(anyhow::anyhow!("disk"));
        assert_eq!(exit_code(&anyhow::Error::from(io)), EXIT_FAILED);
    }

    /// A version's `Debug` shows a short prefix only.
    #[test]
    fn a_version_prints_short() {
        let v = Version::new("0123456789abcdef0123");
        assert_eq!(format!("{v:?}"), "Version(0123456789ab)");
    }
}
