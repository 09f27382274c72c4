//! Several accounts in one process, through the library: a sync is a function of a shared
//! `Runtime` (one HTTP client, one pacer, one cancellation token) and an `Account` (a login, a
//! lake), so two people's syncs can run at once beside each other.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::civil::date;
use jiff::tz::TimeZone;
use oura_sync::account::{Account, Login};
use oura_sync::auth::{AnyTokenStore, TokenProvider};
use oura_sync::datatype::DataType;
use oura_sync::ledger::{AnyLedger, LocalLedger};
use oura_sync::notify::Notifiers;
use oura_sync::oura::ClientOptions;
use oura_sync::oura::pacer::Pacer;
use oura_sync::pipeline::{RunTrigger, SyncJob};
use oura_sync::report::RunStatus;
use oura_sync::runtime::{NoProgress, Runtime};
use oura_sync::secret::Secret;
use oura_sync::store::{AnyStore, Lake, LocalStore};
use oura_sync::window::Window;
use tokio_util::sync::CancellationToken;

use crate::common::{TestEnv, expected_lake, lake_contents, seed_every_type};

/// The account of `env`'s lake, logged in with the bare access token `token`.
pub(crate) async fn account(env: &TestEnv, name: &str, token: &str) -> Account {
    let store = AnyTokenStore::file(env.dir.path().join("no-tokens-file.json"));
    let tokens = TokenProvider::load(false, store, Some(Secret::new(token))).await.unwrap();
    Account {
        name: name.into(),
        login: Login::Ready(Arc::new(tokens)),
        lake: Lake {
            store: AnyStore::Local(LocalStore::new(env.lake())),
            ledger: AnyLedger::Local(LocalLedger::for_lake(&env.lake())),
            silver: None,
        },
        notifiers: Notifiers::disabled(),
        timezone: TimeZone::UTC,
        webhooks: None,
    }
}

/// Two accounts synced at once in one process, sharing one runtime, each end with its own
/// whole lake and ledger, each fetching with its own login only; and the one pacer counts the
/// requests of both: at `LIMIT` per `WINDOW`, the pair takes as many windows as their
/// requests together need (separate pacers would let each run through in fewer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_accounts_sync_at_once_sharing_one_pacer() {
    const LIMIT: usize = 20;
    const WINDOW: Duration = Duration::from_millis(500);
    let (alice, bob) = (TestEnv::new(), TestEnv::new());
    // One server answers both logins (bob's own server is left unused).
    let oura = &alice.oura;
    let days = ["2026-11-20", "2026-11-21", "2026-11-22"];
    seed_every_type(oura, &days);
    oura.lock().valid_tokens = Some(["tok-alice", "tok-bob"].map(String::from).into());
    let runtime = Runtime {
        http: oura_sync::oura::http_client().unwrap(),
        pacer: Arc::new(Pacer::new(LIMIT, WINDOW)),
        cancel: CancellationToken::new(),
        progress: Arc::new(NoProgress),
        client: ClientOptions {
            api_base: oura.base_url.clone(),
            concurrency: 4,
            backoff_base: Duration::from_millis(10),
            attempt_timeout: Duration::from_secs(30),
        },
    };
    let job = SyncJob {
        window: Window::new(date(2026, 11, 20), date(2026, 11, 22)),
        types: DataType::ALL.to_vec(),
        dry_run: false,
        sandbox: false,
        units_in_flight: 6,
        resume: false,
        dashboard_in_lake: false,
        trigger: RunTrigger::Poll,
        gone: Vec::new(),
    };
    let (alice_account, bob_account) =
        (account(&alice, "alice", "tok-alice").await, account(&bob, "bob", "tok-bob").await);

    let started = Instant::now();
    let (a, b) = tokio::join!(
        oura_sync::ops::sync::run(&runtime, &alice_account, &job),
        oura_sync::ops::sync::run(&runtime, &bob_account, &job),
    );
    let elapsed = started.elapsed();

    for (env, report) in [(&alice, &a), (&bob, &b)] {
        assert_eq!(report.status, RunStatus::Success, "{}", report.summary());
        assert_eq!(lake_contents(env), expected_lake(&days, "2026-11-22"));
        let runs = env.ledger_runs();
        assert_eq!(runs.len(), 1, "one run recorded in each lake's own ledger");
        assert_eq!(runs[0]["run_id"], report.run_id.as_str());
    }
    assert_ne!(a.run_id, b.run_id);
    // Each account fetched with its own login, every request of it.
    let sent_with = |token: &str| {
        let bearer = format!("Bearer {token}");
        oura.lock().log.iter().filter(|r| r.authorization.as_deref() == Some(&bearer)).count()
    };
    assert_eq!(sent_with("tok-alice") as u64, a.requests);
    assert_eq!(sent_with("tok-bob") as u64, b.requests);
    // The shared budget: the (n+1)-th request of the pair waits for the first to leave the
    // window, so `total` requests take at least (total - 1) / LIMIT windows.
    let total = (a.requests + b.requests) as u32;
    let bound = WINDOW * ((total - 1) / LIMIT as u32);
    assert!(
        total as usize > LIMIT && elapsed >= bound,
        "{total} requests in {elapsed:?}, expected at least {bound:?}"
    );
}
