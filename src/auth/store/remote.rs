//! A token store kept in a remote register with compare-and-swap (a Secrets Manager secret, a
//! DynamoDB item): the [`TokenStore`] contract built on two primitives, read the whole
//! [`Doc`] with its tag, and write a whole new one only if the tag is still the one read
//! ([`Register`]).
//!
//! The locks are leases in the same document ([`crate::auth::store::document`]):
//! - the write lock ([`TokenStore::lock`]) is the `refresh` lease, [`WRITE_LEASE`] long: a
//!   refresh takes it, re-reads, trades the refresh token and writes the new pair, all well
//!   within it (the token endpoint's attempts are bounded far below it). The write of the
//!   login ends it; a lock dropped without a write releases it;
//! - the run lock ([`TokenStore::lock_runs`]) is the `run` lease, [`RUN_LEASE_TTL`] long and
//!   renewed every third of that while the run lasts, so a run killed mid-way (a Lambda at its
//!   timeout, a machine that lost power) frees it within [`RUN_LEASE_TTL`].
//!
//! Every change (a lease taken, renewed or released, a login written) is a compare-and-swap
//! of the whole document, retried on a lost race after a fresh read; the login's
//! compare-and-swap compares the login's own version (a hash of the login, which leases never
//! change), so a run lease renewed during a refresh never fails the refresh.

use std::future::Future;
use std::time::Duration;

use jiff::Timestamp;

use crate::auth::StoredTokens;
use crate::auth::store::document::{
    Doc, Lease, LoginState, REFRESH_LEASE, RUN_LEASE, lease_blocker,
};
use crate::auth::store::{Exposure, LoginLock, TokenStore, TokenStoreError, Version, Versioned};

/// How long the write lock's lease lasts: a refresh or login write takes seconds.
pub const WRITE_LEASE: Duration = Duration::from_secs(120);
/// How long the run lease lasts without being renewed.
pub const RUN_LEASE_TTL: Duration = Duration::from_secs(600);
/// How often a waiting handle reads the lease again.
const POLL: Duration = Duration::from_millis(250);
/// How long a dropped lock may take to release its lease before it is left to lapse.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);
/// Lost compare-and-swaps in a row after which a change gives up: others are writing
/// without pause, or the stored tag cannot be matched (a `version` of the wrong type).
const MAX_LOST_RACES: u32 = 50;

/// Counts lost races, and fails once there were too many in a row.
struct Races(u32);

impl Races {
    fn lost(&mut self, what: &str) -> anyhow::Result<()> {
        self.0 += 1;
        if self.0 >= MAX_LOST_RACES {
            anyhow::bail!(
                "{what} lost {MAX_LOST_RACES} compare-and-swaps in a row: something keeps \
                 changing it, or its version cannot be matched"
            );
        }
        Ok(())
    }
}

/// What a conditional write did.
#[derive(Debug)]
pub enum Written {
    /// Stored; the new tag.
    Done(String),
    /// The stored tag was not the one expected: nothing was written.
    Lost,
}

/// A remote place holding one [`Doc`] with a tag that changes on every write.
pub trait Register: Clone + Send + Sync + 'static {
    /// What it is, as a noun phrase for messages ("Secrets Manager secret `oura`").
    fn describe(&self) -> String;
    /// Its address (`secretsmanager://oura`).
    fn uri(&self) -> String;
    /// The document and its tag; `None` when nothing is stored.
    fn read(&self) -> impl Future<Output = anyhow::Result<Option<(Doc, String)>>> + Send;
    /// Stores `doc` if the stored tag is still `expected` (`None`: only if nothing is stored).
    fn write(
        &self,
        expected: Option<&str>,
        doc: &Doc,
    ) -> impl Future<Output = anyhow::Result<Written>> + Send;
}

/// A [`TokenStore`] over a [`Register`].
#[derive(Debug, Clone)]
pub struct RemoteStore<R> {
    register: R,
}

/// The held write lock: the `refresh` lease.
#[derive(Debug)]
pub struct RemoteLock<R: Register> {
    lease: LeaseGuard<R>,
}

impl<R: Register> RemoteStore<R> {
    pub fn new(register: R) -> Self {
        Self { register }
    }

    /// The register behind the store.
    pub fn register(&self) -> &R {
        &self.register
    }

    /// Takes the lease `name` for `ttl`, waiting for its holder up to `wait` (`None`: until
    /// the holder's lease lapses, which bounds the wait).
    async fn take_lease(
        &self,
        name: &'static str,
        ttl: Duration,
        wait: Option<Duration>,
    ) -> anyhow::Result<LeaseGuard<R>> {
        let owner = uuid::Uuid::new_v4().simple().to_string();
        let deadline = wait.map(|w| tokio::time::Instant::now() + w);
        let mut races = Races(0);
        loop {
            let (doc, tag) = match self.register.read().await? {
                Some((doc, tag)) => (doc, Some(tag)),
                None => (Doc::empty(), None),
            };
            let now = Timestamp::now().as_second();
            if let Some(held) = lease_blocker(&doc, name, &owner, now) {
                if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                    anyhow::bail!(
                        "another `oura-sync sync` or `silver` ({}) is still running and holds the \
                         run lease in the {} until {}; gave up after waiting {} s. Try again \
                         when it has finished, or raise OURA_LOCK_TIMEOUT",
                        held.holder,
                        self.register.describe(),
                        Timestamp::from_second(held.expires_at).unwrap_or_default(),
                        wait.unwrap_or_default().as_secs()
                    );
                }
                tokio::time::sleep(POLL).await;
                continue;
            }
            let lease =
                Lease { owner: owner.clone(), holder: holder(), expires_at: now + secs(ttl) };
            match self.register.write(tag.as_deref(), &doc.leased(name, lease)).await? {
                Written::Done(_) => {
                    return Ok(LeaseGuard {
                        register: self.register.clone(),
                        name,
                        owner,
                        released: false,
                        renewal: None,
                    });
                }
                Written::Lost => races.lost(&self.register.describe())?,
            }
        }
    }

    /// Writes `change(doc)` over the stored login if the login is still at `expected` (any
    /// version when `None`), retrying lost races that only leases caused. `Ok(None)` when
    /// nothing is stored at all.
    async fn swap_login(
        &self,
        expected: Option<&Version>,
        change: impl Fn(&Doc) -> Doc,
    ) -> Result<Option<Doc>, TokenStoreError> {
        let mut races = Races(0);
        loop {
            let (doc, tag) = match self.register.read().await.map_err(TokenStoreError::Io)? {
                Some((doc, tag)) => (doc, Some(tag)),
                None if expected.is_some() => return Err(self.missing(None)),
                None => (Doc::empty(), None),
            };
            if let Some(expected) = expected {
                match doc.state() {
                    LoginState::Usable(current) if current.version == *expected => {}
                    LoginState::Usable(current) => {
                        return Err(TokenStoreError::Conflict(Box::new(current)));
                    }
                    LoginState::Missing { moved_to } => return Err(self.missing(moved_to)),
                    LoginState::Corrupt(why) => return Err(self.corrupt(&why)),
                }
            }
            let new = change(&doc);
            match self.register.write(tag.as_deref(), &new).await.map_err(TokenStoreError::Io)? {
                Written::Done(_) => return Ok(Some(new)),
                Written::Lost => {
                    races.lost(&self.register.describe()).map_err(TokenStoreError::Io)?
                }
            }
        }
    }

    fn missing(&self, moved_to: Option<String>) -> TokenStoreError {
        let absent = match moved_to {
            Some(to) => format!(
                "the login in the {} was moved to {to} (set OURA_TOKEN_STORE={to})",
                self.register.describe()
            ),
            None => format!("there is no login in the {}", self.register.describe()),
        };
        TokenStoreError::Missing { absent }
    }

    fn corrupt(&self, why: &str) -> TokenStoreError {
        TokenStoreError::Corrupt {
            message: format!(
                "the login in the {} is not usable ({why}); run `oura-sync auth` to store a new one",
                self.register.describe()
            ),
        }
    }
}

impl<R: Register> TokenStore for RemoteStore<R> {
    type Lock = RemoteLock<R>;

    fn describe(&self) -> String {
        self.register.describe()
    }

    fn location(&self) -> String {
        self.register.uri()
    }

    fn setting(&self) -> &'static str {
        "OURA_TOKEN_STORE"
    }

    async fn load(&self) -> Result<Versioned, TokenStoreError> {
        let Some((doc, _)) = self.register.read().await.map_err(TokenStoreError::Io)? else {
            return Err(self.missing(None));
        };
        match doc.state() {
            LoginState::Usable(found) => Ok(found),
            LoginState::Missing { moved_to } => Err(self.missing(moved_to)),
            LoginState::Corrupt(why) => Err(self.corrupt(&why)),
        }
    }

    async fn lock(&self) -> Result<RemoteLock<R>, TokenStoreError> {
        let lease =
            self.take_lease(REFRESH_LEASE, WRITE_LEASE, None).await.map_err(TokenStoreError::Io)?;
        Ok(RemoteLock { lease })
    }

    /// Nothing to set aside: a remote write needs no local room.
    async fn reserve(&self, _lock: &mut RemoteLock<R>) -> Result<(), TokenStoreError> {
        Ok(())
    }

    async fn replace(
        &self,
        lock: &mut RemoteLock<R>,
        expected: &Version,
        tokens: &StoredTokens,
    ) -> Result<Version, TokenStoreError> {
        let owner = lock.lease.owner.clone();
        let written = self.swap_login(Some(expected), |doc| doc.with_login(tokens, &owner)).await?;
        lock.lease.released = true;
        version_written(written)
    }

    async fn put(
        &self,
        lock: &mut RemoteLock<R>,
        tokens: &StoredTokens,
    ) -> Result<Version, TokenStoreError> {
        let owner = lock.lease.owner.clone();
        let written = self.swap_login(None, |doc| doc.with_login(tokens, &owner)).await?;
        lock.lease.released = true;
        version_written(written)
    }

    async fn retire(
        &self,
        lock: &mut RemoteLock<R>,
        expected: &Version,
        to: &str,
    ) -> Result<(), TokenStoreError> {
        let owner = lock.lease.owner.clone();
        self.swap_login(Some(expected), |doc| doc.moved(to, &owner)).await?;
        lock.lease.released = true;
        Ok(())
    }

    /// Who may read the login is IAM's business (and the key policy's), not visible here.
    async fn exposure(&self) -> Option<Exposure> {
        None
    }

    async fn lock_runs(&self, wait: Duration) -> anyhow::Result<LoginLock> {
        let mut lease = self.take_lease(RUN_LEASE, RUN_LEASE_TTL, Some(wait)).await?;
        lease.renew_every(RUN_LEASE_TTL / 3, RUN_LEASE_TTL);
        let what = format!("the run lease in the {}", self.register.describe());
        Ok(LoginLock::new(lease, what))
    }
}

/// The version of the login just written.
fn version_written(written: Option<Doc>) -> Result<Version, TokenStoreError> {
    match written.map(|doc| doc.state()) {
        Some(LoginState::Usable(v)) => Ok(v.version),
        _ => Err(TokenStoreError::Io(anyhow::anyhow!("the written login did not read back"))),
    }
}

/// A held lease: renewed in the background when asked, released when dropped (unless a write
/// already ended it).
#[derive(Debug)]
pub struct LeaseGuard<R: Register> {
    register: R,
    name: &'static str,
    owner: String,
    released: bool,
    renewal: Option<tokio::task::JoinHandle<()>>,
}

impl<R: Register> LeaseGuard<R> {
    /// Extends the lease to `ttl` from now every `period`, for as long as it is held.
    fn renew_every(&mut self, period: Duration, ttl: Duration) {
        let (register, name, owner) = (self.register.clone(), self.name, self.owner.clone());
        self.renewal = Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                if let Err(e) = renew(&register, name, &owner, ttl).await {
                    tracing::warn!(error = %format!("{e:#}"), store = %register.uri(), "Could not renew the run lease.");
                }
            }
        }));
    }
}

/// Extends `owner`'s lease `name` to `ttl` from now, if it still holds it.
async fn renew<R: Register>(
    register: &R,
    name: &str,
    owner: &str,
    ttl: Duration,
) -> anyhow::Result<()> {
    let mut races = Races(0);
    loop {
        let Some((doc, tag)) = register.read().await? else { return Ok(()) };
        let Some(lease) = doc.meta.leases.get(name).filter(|l| l.owner == owner) else {
            anyhow::bail!("the lease was taken over after it lapsed");
        };
        let renewed =
            Lease { expires_at: Timestamp::now().as_second() + secs(ttl), ..lease.clone() };
        match register.write(Some(&tag), &doc.leased(name, renewed)).await? {
            Written::Done(_) => return Ok(()),
            Written::Lost => races.lost(&register.describe())?,
        }
    }
}

/// Removes `owner`'s lease `name`, if it still holds it.
async fn release<R: Register>(register: R, name: &str, owner: String) -> anyhow::Result<()> {
    let mut races = Races(0);
    loop {
        let Some((doc, tag)) = register.read().await? else { return Ok(()) };
        if doc.meta.leases.get(name).is_none_or(|l| l.owner != owner) {
            return Ok(());
        }
        match register.write(Some(&tag), &doc.released(name, &owner)).await? {
            Written::Done(_) => return Ok(()),
            Written::Lost => races.lost(&register.describe())?,
        }
    }
}

impl<R: Register> Drop for LeaseGuard<R> {
    /// Releases the lease before going on when the runtime allows waiting (a multi-threaded
    /// runtime, as the CLI's), so that a process about to exit does not leave it to lapse;
    /// otherwise in the background. A failed release only leaves the lease to lapse.
    fn drop(&mut self) {
        if let Some(renewal) = self.renewal.take() {
            renewal.abort();
        }
        if self.released {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
        let task = release(self.register.clone(), self.name, self.owner.clone());
        let uri = self.register.uri();
        let bounded = async move {
            match tokio::time::timeout(RELEASE_TIMEOUT, task).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::debug!(error = %format!("{e:#}"), store = %uri, "A lease was left to lapse.")
                }
                Err(_) => tracing::debug!(store = %uri, "A lease was left to lapse (timed out)."),
            }
        };
        match handle.runtime_flavor() {
            // Not while unwinding: a second panic there would abort the process.
            tokio::runtime::RuntimeFlavor::MultiThread if !std::thread::panicking() => {
                tokio::task::block_in_place(|| handle.block_on(bounded))
            }
            _ => {
                handle.spawn(bounded);
            }
        }
    }
}

/// Who takes a lease: this process on this host.
fn holder() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "an unnamed host".into());
    format!("pid {} on {host}", std::process::id())
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lost races are tolerated up to the limit, then the change fails naming the store.
    #[test]
    fn a_change_gives_up_after_too_many_lost_races_in_a_row() {
        let mut races = Races(0);
        for _ in 1..MAX_LOST_RACES {
            races.lost("the store").unwrap();
        }
        let err = races.lost("DynamoDB table `t`").unwrap_err();
        assert!(err.to_string().starts_with("DynamoDB table `t` lost 50"), "{err}");
    }
}
