//! The token-store conformance suite (the contract on [`TokenStore`]), run on every backend:
//! load, replace by compare-and-swap, a lost race (two refreshes, one grant at the fake OAuth
//! server, both callers on the live token), a new login during a refresh, a write that skips
//! the lock, a missing login, a corrupt value, the run lock.
//!
//! Backends: the tokens file, a Secrets Manager secret and a DynamoDB item (in a pk/sk table
//! and in a pk-only one), the AWS ones in moto. The remote stores' leases are checked apart
//! ([`a_dead_holders_leases_lapse`]).
//!
//! A backend is one line in [`token_store_suite!`]'s list: a [`Fixture`] that opens handles
//! on one fresh login (each handle as another process would open it) and can store bytes
//! that are not a login.

use std::time::Duration;

use oura_sync::auth::oauth::OAuthConfig;
use oura_sync::auth::store::document::{Doc, Lease, REFRESH_LEASE, RUN_LEASE};
use oura_sync::auth::store::remote::{Register, RemoteStore, Written};
use oura_sync::auth::store::{AnyTokenStore, TokenStore, TokenStoreError, Versioned};
use oura_sync::auth::{StoredTokens, TokenProvider};
use oura_sync::error::{EXIT_LOGIN, exit_code};
use oura_sync::secret::Secret;

use crate::fake_oauth::{CLIENT_ID, CLIENT_SECRET, FakeOAuth};

/// One backend under test, holding one fresh login place.
trait Fixture {
    /// A new handle on the login, as another process would open it.
    fn open(&self) -> AnyTokenStore;
    /// Stores `bytes` as the login, bypassing the store and its lock (a torn value, or
    /// another tool's write).
    fn write_raw(&self, bytes: &[u8]);
    /// Removes the login, bypassing the store.
    fn remove(&self);
}

/// The tokens file, in a fresh directory.
struct FileFixture {
    dir: tempfile::TempDir,
}

impl FileFixture {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self) -> std::path::PathBuf {
        self.dir.path().join(".oura-tokens.json")
    }
}

impl Fixture for FileFixture {
    fn open(&self) -> AnyTokenStore {
        AnyTokenStore::file(self.path())
    }

    fn write_raw(&self, bytes: &[u8]) {
        std::fs::write(self.path(), bytes).unwrap();
    }

    fn remove(&self) {
        std::fs::remove_file(self.path()).unwrap();
    }
}

/// Runs `f` to its end from a synchronous fixture method (the suite runs on a multi-threaded
/// runtime).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

/// A Secrets Manager secret in moto, not created yet (the first write creates it).
struct SecretsManagerFixture {
    aws: oura_sync::aws::AwsClients,
    secret_id: String,
}

impl SecretsManagerFixture {
    async fn new() -> Self {
        let aws = crate::aws_env::clients().await;
        Self { aws, secret_id: crate::aws_env::unique_name("login") }
    }
}

impl Fixture for SecretsManagerFixture {
    fn open(&self) -> AnyTokenStore {
        AnyTokenStore::secrets_manager(self.aws.secretsmanager.clone(), &self.secret_id)
    }

    /// Another tool's `put-secret-value`: a new version that takes `AWSCURRENT` whatever it
    /// was on. Done as the put of a labelled version and a move of `AWSCURRENT`, which is what
    /// AWS does in one call: moto 5.2.5's plain put loses track of an `AWSCURRENT` that
    /// `UpdateSecretVersionStage` moved, and leaves the label on two versions.
    fn write_raw(&self, bytes: &[u8]) {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let sm = &self.aws.secretsmanager;
        block_on(async {
            let current = sm
                .get_secret_value()
                .secret_id(&self.secret_id)
                .version_stage("AWSCURRENT")
                .send()
                .await;
            let Ok(current) = current else {
                let create = sm.create_secret().name(&self.secret_id).secret_string(&text);
                create.send().await.unwrap();
                return;
            };
            let put = sm
                .put_secret_value()
                .secret_id(&self.secret_id)
                .secret_string(&text)
                .version_stages("OTHER_TOOL")
                .send()
                .await
                .unwrap();
            sm.update_secret_version_stage()
                .secret_id(&self.secret_id)
                .version_stage("AWSCURRENT")
                .move_to_version_id(put.version_id.unwrap())
                .remove_from_version_id(current.version_id.unwrap())
                .send()
                .await
                .unwrap();
        });
    }

    fn remove(&self) {
        let delete = self
            .aws
            .secretsmanager
            .delete_secret()
            .secret_id(&self.secret_id)
            .force_delete_without_recovery(true);
        block_on(delete.send()).unwrap();
    }
}

/// A DynamoDB table in moto, with the ledger's keys (`pk`, `sk`) or the partition key only.
struct DynamoFixture {
    aws: oura_sync::aws::AwsClients,
    table: String,
    sorted: bool,
}

impl DynamoFixture {
    async fn new(sorted: bool) -> Self {
        let aws = crate::aws_env::clients().await;
        let sort = sorted.then_some("sk");
        let table = crate::aws_env::new_table_with_keys(&aws, "login", "pk", sort).await;
        Self { aws, table, sorted }
    }

    fn key(&self) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
        use aws_sdk_dynamodb::types::AttributeValue::S;
        let mut key = std::collections::HashMap::from([("pk".to_string(), S("oura#login".into()))]);
        if self.sorted {
            key.insert("sk".into(), S("tokens".into()));
        }
        key
    }
}

impl Fixture for DynamoFixture {
    fn open(&self) -> AnyTokenStore {
        AnyTokenStore::dynamodb(self.aws.dynamodb.clone(), &self.table)
    }

    /// Another tool's write of the login, adding 1 to `version` as the store asks of it.
    fn write_raw(&self, bytes: &[u8]) {
        use aws_sdk_dynamodb::types::AttributeValue;
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let update = self
            .aws
            .dynamodb
            .update_item()
            .table_name(&self.table)
            .set_key(Some(self.key()))
            .update_expression("SET tokens = :t ADD version :one")
            .expression_attribute_values(":t", AttributeValue::S(text))
            .expression_attribute_values(":one", AttributeValue::N("1".into()));
        block_on(update.send()).unwrap();
    }

    fn remove(&self) {
        let delete =
            self.aws.dynamodb.delete_item().table_name(&self.table).set_key(Some(self.key()));
        block_on(delete.send()).unwrap();
    }
}

/// A login as a refresh or login would store it, expiring `expires_in` seconds from now.
fn login(access: &str, refresh: &str, expires_in: i64, token_url: &str) -> StoredTokens {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(expires_in);
    let json = serde_json::json!({
        "access_token": access, "refresh_token": refresh, "expires_at": at.to_string(),
        "scope": "daily heartrate", "token_url": token_url,
    });
    StoredTokens::parse(json.to_string().as_bytes(), None).unwrap()
}

/// The app's settings pointed at the fake OAuth server.
fn app(oauth: &FakeOAuth) -> OAuthConfig {
    OAuthConfig {
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(Secret::new(CLIENT_SECRET)),
        token_url: oauth.legacy_url(),
        fallback_token_url: oauth.new_url(),
        ..OAuthConfig::default()
    }
}

async fn put(store: &AnyTokenStore, tokens: &StoredTokens) -> Versioned {
    let mut lock = store.lock().await.unwrap();
    let version = store.put(&mut lock, tokens).await.unwrap();
    Versioned { tokens: tokens.clone(), version }
}

fn assert_same_login(a: &StoredTokens, b: &StoredTokens) {
    assert_eq!(a.access_token, b.access_token);
    assert_eq!(a.refresh_token, b.refresh_token);
    assert_eq!(a.expires_at.map(|t| t.as_second()), b.expires_at.map(|t| t.as_second()));
    assert_eq!(a.scope, b.scope);
    assert_eq!(a.token_url, b.token_url);
}

/// What a login stores loads back whole, at the version the write returned, from any handle.
async fn load_returns_what_was_stored<F: Fixture>(fixture: &F) {
    let store = fixture.open();
    let stored = put(&store, &login("acc-1", "ref-1", 3600, "http://t/token")).await;
    for handle in [store, fixture.open()] {
        let loaded = handle.load().await.unwrap();
        assert_same_login(&loaded.tokens, &stored.tokens);
        assert_eq!(loaded.version, stored.version);
    }
}

/// `replace` writes only over the version it expects: from the current version it stores
/// the new login at a new version; from a stale one it writes nothing and answers Conflict
/// with the newer login, whose `Debug` shows no token.
async fn replace_is_compare_and_swap<F: Fixture>(fixture: &F) {
    let store = fixture.open();
    let first = put(&store, &login("acc-1", "ref-1", 3600, "u")).await;
    let second = login("acc-2", "ref-2", 3600, "u");
    let mut lock = store.lock().await.unwrap();
    let v2 = store.replace(&mut lock, &first.version, &second).await.unwrap();
    drop(lock);
    assert_ne!(v2, first.version);
    let loaded = fixture.open().load().await.unwrap();
    assert_same_login(&loaded.tokens, &second);
    assert_eq!(loaded.version, v2);

    let other = fixture.open();
    let mut lock = other.lock().await.unwrap();
    let stale = other.replace(&mut lock, &first.version, &login("acc-3", "ref-3", 3600, "u")).await;
    drop(lock);
    let Err(TokenStoreError::Conflict(newer)) = stale else {
        panic!("a stale replace must lose: {stale:?}");
    };
    assert_same_login(&newer.tokens, &second);
    assert_eq!(newer.version, v2);
    let shown = format!("{newer:?} {}", TokenStoreError::Conflict(newer.clone()));
    assert!(!shown.contains("acc-2") && !shown.contains("ref-2"), "{shown}");
    let loaded = store.load().await.unwrap();
    assert_same_login(&loaded.tokens, &second);
    assert_eq!(loaded.version, v2);
}

/// Two processes refresh one login about to expire at the same moment (the token endpoint
/// slowed to widen the race): Oura sees one grant, the old refresh token is presented once,
/// both callers end with the same live access token, and the store holds it with a live
/// refresh token.
async fn a_lost_race_costs_no_grant_and_no_login<F: Fixture>(fixture: &F) {
    let oauth = FakeOAuth::start(None);
    oauth.lock().refresh_delay = Duration::from_millis(300);
    let (access, refresh) = oauth.issue_pair("extapi:daily");
    put(&fixture.open(), &login(&access, &refresh, 60, &oauth.legacy_url())).await;
    let config = app(&oauth);
    let a = TokenProvider::with_refresh(false, fixture.open(), None, &config).await.unwrap();
    let b = TokenProvider::with_refresh(false, fixture.open(), None, &config).await.unwrap();
    let (from_a, from_b) = tokio::join!(a.bearer(), b.bearer());
    let (from_a, from_b) = (from_a.unwrap().unwrap(), from_b.unwrap().unwrap());
    assert_eq!(oauth.refreshes(), 1, "{:?}", oauth.calls());
    let presented =
        oauth.calls().iter().filter(|c| c.refresh_token.as_deref() == Some(&refresh)).count();
    assert_eq!(presented, 1, "the old refresh token was presented {presented} times");
    assert_eq!(from_a, from_b);
    assert_ne!(from_a.expose(), access);
    let stored = fixture.open().load().await.unwrap().tokens;
    assert_eq!(stored.access_token, from_a);
    assert!(oauth.refresh_token_is_live(stored.refresh_token.unwrap().expose()));
}

/// A new login stored while a refresh of the previous one is at the token endpoint waits
/// for it, and is what stays: the refresh never writes over it, and a provider still holding
/// the previous login takes the new one without a grant.
async fn a_new_login_is_never_overwritten_by_a_refresh<F: Fixture>(fixture: &F) {
    let oauth = FakeOAuth::start(None);
    oauth.lock().refresh_delay = Duration::from_millis(300);
    let (access, refresh) = oauth.issue_pair("extapi:daily");
    put(&fixture.open(), &login(&access, &refresh, 60, &oauth.legacy_url())).await;
    let refreshing =
        TokenProvider::with_refresh(false, fixture.open(), None, &app(&oauth)).await.unwrap();
    let late =
        TokenProvider::with_refresh(false, fixture.open(), None, &app(&oauth)).await.unwrap();
    let (new_access, new_refresh) = oauth.issue_pair("extapi:daily");
    let new_login = login(&new_access, &new_refresh, 3600, &oauth.legacy_url());
    let relogin = async {
        // Let the refresh take the lock first.
        tokio::time::sleep(Duration::from_millis(100)).await;
        put(&fixture.open(), &new_login).await
    };
    let (refreshed, _) = tokio::join!(refreshing.bearer(), relogin);
    refreshed.unwrap();
    let stored = fixture.open().load().await.unwrap();
    assert_same_login(&stored.tokens, &new_login);
    // However the two met on a busy machine, at most the one refresh was made.
    let grants = oauth.refreshes();
    assert!(grants <= 1, "{:?}", oauth.calls());
    assert_eq!(late.bearer().await.unwrap().unwrap().expose(), new_access);
    assert_eq!(oauth.refreshes(), grants, "the late provider refreshed: {:?}", oauth.calls());
}

/// A login written during a refresh by a writer that takes no lock (another tool) is never
/// overwritten: whether it lands before the re-read or after the grant, the refresh ends on
/// that login (compare-and-swap loses, or the re-read sees it) and the store keeps it.
async fn a_write_that_skips_the_lock_wins_over_a_refresh<F: Fixture>(fixture: &F) {
    let oauth = FakeOAuth::start(None);
    oauth.lock().refresh_delay = Duration::from_millis(300);
    let (access, refresh) = oauth.issue_pair("extapi:daily");
    put(&fixture.open(), &login(&access, &refresh, 60, &oauth.legacy_url())).await;
    let provider =
        TokenProvider::with_refresh(false, fixture.open(), None, &app(&oauth)).await.unwrap();
    let (foreign_access, foreign_refresh) = oauth.issue_pair("extapi:daily");
    let foreign = login(&foreign_access, &foreign_refresh, 3600, &oauth.legacy_url());
    let foreign_bytes = foreign.to_json();
    let other_tool = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        fixture.write_raw(&foreign_bytes);
    };
    let (bearer, ()) = tokio::join!(provider.bearer(), other_tool);
    assert_eq!(bearer.unwrap().unwrap().expose(), foreign_access);
    assert_same_login(&fixture.open().load().await.unwrap().tokens, &foreign);
    assert!(oauth.refreshes() <= 1);
}

/// No login: `load` and `replace` say Missing (and write nothing), and a provider without
/// `OURA_ACCESS_TOKEN` is exit 3 in one line saying to run `oura-sync auth`.
async fn a_missing_login_is_missing<F: Fixture>(fixture: &F) {
    let store = fixture.open();
    assert!(matches!(store.load().await, Err(TokenStoreError::Missing { .. })));
    let err = TokenProvider::load(false, fixture.open(), None).await.unwrap_err();
    assert_eq!(exit_code(&err), EXIT_LOGIN);
    let message = format!("{err:#}");
    assert!(message.contains("run `oura-sync auth`") && !message.contains('\n'), "{message}");
    let stored = put(&store, &login("a", "r", 60, "u")).await;
    // A login read, then removed by someone else, is Missing to a replace, which writes
    // nothing.
    fixture.remove();
    let mut lock = store.lock().await.unwrap();
    let lost = store.replace(&mut lock, &stored.version, &login("b", "r2", 60, "u")).await;
    assert!(matches!(lost, Err(TokenStoreError::Missing { .. })), "{lost:?}");
    drop(lock);
    assert!(matches!(store.load().await, Err(TokenStoreError::Missing { .. })));
}

/// A stored value that is not a login is Corrupt: one line naming `oura-sync auth`, never
/// quoting the value, exit 3 for a command (and a provider); a replace over it writes nothing.
async fn a_corrupt_login_is_refused_in_one_line<F: Fixture>(fixture: &F) {
    let store = fixture.open();
    let stored = put(&store, &login("a", "r", 60, "u")).await;
    fixture.write_raw(br#"{"refresh_token":"r-SECRET-77","access_token":"#);
    let Err(err) = store.load().await else { panic!("a corrupt login loaded") };
    assert!(matches!(err, TokenStoreError::Corrupt { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("oura-sync auth") && !message.contains('\n'), "{message}");
    assert!(!message.contains("r-SECRET-77"), "{message}");
    assert_eq!(exit_code(&anyhow::Error::from(err)), EXIT_LOGIN);
    let err =
        TokenProvider::load(false, fixture.open(), Some(Secret::new("bare"))).await.unwrap_err();
    assert_eq!(exit_code(&err), EXIT_LOGIN, "a corrupt login is not passed over for a bare token");
    let mut lock = store.lock().await.unwrap();
    let over = store.replace(&mut lock, &stored.version, &login("b", "r2", 60, "u")).await;
    assert!(matches!(over, Err(TokenStoreError::Corrupt { .. })), "{over:?}");
    drop(lock);
    assert!(matches!(store.load().await, Err(TokenStoreError::Corrupt { .. })));
}

/// The run lock admits one run per login: a second handle waits, gives up naming the
/// holder's process, and gets the lock once the first is dropped.
async fn the_run_lock_admits_one_run_per_login<F: Fixture>(fixture: &F) {
    let first = fixture.open().lock_runs(Duration::ZERO).await.unwrap();
    let err = fixture.open().lock_runs(Duration::from_millis(300)).await.unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains(&format!("pid {}", std::process::id())), "{message}");
    drop(first);
    fixture.open().lock_runs(Duration::ZERO).await.unwrap();
}

/// Runs every case on each backend, one test per (backend, case); a backend is one line.
macro_rules! token_store_suite {
    (backends { $($backend:ident => $fixture:expr,)* } cases $cases:tt) => {
        $(
            mod $backend {
                #[allow(unused_imports)]
                use super::*;
                token_store_suite!(@cases $fixture; $cases);
            }
        )*
    };
    (@cases $fixture:expr; { $($(#[$doc:meta])* $case:ident,)* }) => {
        $(
            $(#[$doc])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let fixture = $fixture;
                super::$case(&fixture).await;
            }
        )*
    };
}

token_store_suite! {
    backends {
        file => FileFixture::new(),
        secrets_manager => SecretsManagerFixture::new().await,
        dynamodb => DynamoFixture::new(true).await,
        dynamodb_partition_key_only => DynamoFixture::new(false).await,
    }
    cases {
        /// See [`super::load_returns_what_was_stored`].
        load_returns_what_was_stored,
        /// See [`super::replace_is_compare_and_swap`].
        replace_is_compare_and_swap,
        /// See [`super::a_lost_race_costs_no_grant_and_no_login`].
        a_lost_race_costs_no_grant_and_no_login,
        /// See [`super::a_new_login_is_never_overwritten_by_a_refresh`].
        a_new_login_is_never_overwritten_by_a_refresh,
        /// See [`super::a_write_that_skips_the_lock_wins_over_a_refresh`].
        a_write_that_skips_the_lock_wins_over_a_refresh,
        /// See [`super::a_missing_login_is_missing`].
        a_missing_login_is_missing,
        /// See [`super::a_corrupt_login_is_refused_in_one_line`].
        a_corrupt_login_is_refused_in_one_line,
        /// See [`super::the_run_lock_admits_one_run_per_login`].
        the_run_lock_admits_one_run_per_login,
    }
}

/// A holder killed while it holds a lease (a Lambda at its timeout) never blocks the login
/// for good: its run lease stops a run that will not wait (naming the dead holder), and a run
/// or a refresh that waits takes over once the lease lapses. Remote stores only (the file's
/// OS locks die with their process).
async fn a_dead_holders_leases_lapse<R: Register>(store: &RemoteStore<R>) {
    let register = store.register();
    let soon = jiff::Timestamp::now().as_second() + 2;
    for name in [RUN_LEASE, REFRESH_LEASE] {
        let dead =
            Lease { owner: "dead".into(), holder: "pid 999999 on gone".into(), expires_at: soon };
        let (doc, tag) = match register.read().await.unwrap() {
            Some((doc, tag)) => (doc, Some(tag)),
            None => (Doc::empty(), None),
        };
        let written = register.write(tag.as_deref(), &doc.leased(name, dead)).await.unwrap();
        assert!(matches!(written, Written::Done(_)), "{written:?}");
    }
    let err = store.lock_runs(Duration::ZERO).await.unwrap_err();
    assert!(format!("{err:#}").contains("pid 999999 on gone"), "{err:#}");
    let run = store.lock_runs(Duration::from_secs(30)).await.unwrap();
    // The write lock is free too by now, and a login written under it lands.
    let mut lock = store.lock().await.unwrap();
    store.put(&mut lock, &login("a-after", "r-after", 60, "u")).await.unwrap();
    drop((lock, run));
    let (doc, _) = register.read().await.unwrap().unwrap();
    assert!(doc.meta.leases.is_empty(), "{:?}", doc.meta.leases);
}

mod leases {
    use super::*;

    /// See [`super::a_dead_holders_leases_lapse`].
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dead_holders_leases_lapse_in_secrets_manager() {
        let fixture = SecretsManagerFixture::new().await;
        let AnyTokenStore::SecretsManager(store) = fixture.open() else { unreachable!() };
        super::a_dead_holders_leases_lapse(&store).await;
    }

    /// See [`super::a_dead_holders_leases_lapse`].
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dead_holders_leases_lapse_in_dynamodb() {
        let fixture = DynamoFixture::new(true).await;
        let AnyTokenStore::DynamoDb(store) = fixture.open() else { unreachable!() };
        super::a_dead_holders_leases_lapse(&store).await;
    }
}
