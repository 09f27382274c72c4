//! `auth`, `refresh` and the refresh inside `sync`, against the fake OAuth server and the fake
//! Oura API (which accepts exactly the access tokens the OAuth fake issued).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command as StdCommand, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::fake_oauth::{CLIENT_ID, CLIENT_SECRET, FakeOAuth, LEGACY_PATH, NEW_PATH, Portal};

const WEEK: [&str; 3] = ["2026-11-21", "2026-11-22", "2026-11-23"];
const SCOPES: &str = "daily heartrate personal";

/// A test directory with both fakes, and the binary pointed at them with OAuth settings.
pub(crate) struct Login {
    pub(crate) env: TestEnv,
    pub(crate) oauth: FakeOAuth,
    port: u16,
}

impl Login {
    pub(crate) fn new() -> Self {
        let env = TestEnv::new();
        let oauth = FakeOAuth::start(Some(env.oura.inner.clone()));
        seed_every_type(&env.oura, &WEEK);
        Self { env, oauth, port: free_port() }
    }

    pub(crate) fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OURA_CLIENT_ID", CLIENT_ID.into()),
            ("OURA_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("OURA_AUTHORIZE_URL", self.oauth.authorize_url()),
            ("OURA_TOKEN_URL", self.oauth.legacy_url()),
            ("OURA_TOKEN_FALLBACK_URL", self.oauth.new_url()),
            ("OURA_REDIRECT_URI", format!("http://localhost:{}/callback", self.port)),
            ("OURA_SCOPES", SCOPES.into()),
            ("OURA_AUTH_TIMEOUT", "60".into()),
        ]
    }

    /// `oura-sync` with the OAuth settings and no bare access token.
    pub(crate) fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = self.env.cmd();
        cmd.env_remove("OURA_ACCESS_TOKEN").envs(self.settings());
        cmd
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// The same command as a plain process, for tests that talk to it while it runs.
    pub(crate) fn spawn(&self, args: &[&str]) -> Running {
        self.spawn_with(args, &[])
    }

    /// [`Login::spawn`] with `extra` settings.
    pub(crate) fn spawn_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Running {
        let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_oura-sync"));
        cmd.current_dir(self.env.dir.path());
        for name in crate::common::inherited_settings() {
            cmd.env_remove(name);
        }
        cmd.env("OURA_API_BASE", &self.env.oura.base_url)
            .env("OURA_TIMEZONE", "UTC")
            .envs(self.settings())
            .envs(extra.iter().copied())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Running::new(cmd.spawn().unwrap())
    }

    pub(crate) fn tokens_path(&self) -> std::path::PathBuf {
        self.env.dir.path().join(".oura-tokens.json")
    }

    pub(crate) fn tokens(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.tokens_path()).unwrap()).unwrap()
    }

    /// A tokens file as a login at the legacy URL leaves it, expiring `expires_in` seconds
    /// from now; returns the (access, refresh) pair.
    pub(crate) fn logged_in(&self, expires_in: i64) -> (String, String) {
        let (access, refresh) = self.oauth.issue_pair("extapi:daily extapi:heartrate");
        let expires_at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(expires_in);
        let file = serde_json::json!({
            "access_token": access, "refresh_token": refresh, "token_type": "bearer",
            "expires_at": expires_at.to_string(), "scope": "daily heartrate",
            "token_url": self.oauth.legacy_url(),
        });
        std::fs::write(self.tokens_path(), file.to_string()).unwrap();
        (access, refresh)
    }

    /// Fails if any output holds any secret the OAuth fake issued or was sent, or `extra`.
    pub(crate) fn assert_no_secret_in(&self, outputs: &[&str], extra: &[&str]) {
        let mut secrets = self.oauth.secrets();
        secrets.extend(extra.iter().map(|s| s.to_string()));
        for output in outputs {
            for secret in &secrets {
                assert!(!output.contains(secret.as_str()), "a secret leaked into:\n{output}");
            }
        }
    }
}

/// A running `oura-sync` whose stderr is read line by line as it comes.
pub(crate) struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    logs: Vec<String>,
}

impl Running {
    fn new(mut child: Child) -> Self {
        let (tx, lines) = mpsc::channel();
        let logs = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(logs).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Self { child, lines, logs: Vec::new() }
    }

    /// Waits for the stderr line that starts with `prefix`.
    pub(crate) fn wait_for_line(&mut self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Ok(line) = self.lines.recv_timeout(deadline - Instant::now()) {
            self.logs.push(line.clone());
            if line.starts_with(prefix) {
                return line;
            }
        }
        panic!("no line starting with {prefix} on stderr:\n{}", self.logs.join("\n"));
    }

    fn paste(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for the exit; returns the code, stdout and the whole stderr.
    pub(crate) fn finish(mut self) -> (Option<i32>, String, String) {
        drop(self.child.stdin.take());
        let out = self.child.wait_with_output().unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.logs.push(line);
        }
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into(), self.logs.join("\n"))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A GET as a browser does it: (status, Location header, body), following redirects or not.
pub(crate) fn browser_get(url: &str, follow: bool) -> (u16, Option<String>, String) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let policy = if follow {
            reqwest::redirect::Policy::limited(5)
        } else {
            reqwest::redirect::Policy::none()
        };
        let client = reqwest::Client::builder().redirect(policy).build().unwrap();
        let response = client.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        (status, location, response.text().await.unwrap())
    })
}

fn query_param(url: &str, name: &str) -> String {
    let url = reqwest::Url::parse(url).unwrap();
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap()
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The whole desktop login: the printed authorize URL (with PKCE S256 and a state) is opened
/// like a browser does, the fake redirects to the loopback listener, which answers "you can
/// close this tab"; the tokens file has mode 0600, the `extapi:`-free scopes, an absolute
/// expiry and the token URL that worked; its access token works at the API; and no output
/// holds a secret.
#[test]
fn a_browser_login_writes_a_private_tokens_file() {
    let t = Login::new();
    let mut auth = t.spawn(&["auth", "--no-browser"]);
    let url = auth.wait_for_line(&t.oauth.authorize_url());
    assert_eq!(query_param(&url, "code_challenge_method"), "S256");
    assert_eq!(query_param(&url, "scope"), "daily heartrate personal");
    assert_eq!(query_param(&url, "redirect_uri"), format!("http://localhost:{}/callback", t.port));

    let (status, _, page) = browser_get(&url, true);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You can close this tab"), "{page}");
    let (code, said, logs) = auth.finish();
    assert_eq!(code, Some(0), "{logs}");
    assert!(said.contains("Logged in to Oura"), "{said}");
    assert!(said.contains("Granted scopes: daily heartrate personal."), "{said}");

    #[cfg(unix)]
    assert_eq!(mode(&t.tokens_path()), 0o600);
    let tokens = t.tokens();
    assert_eq!(tokens["scope"], "daily heartrate personal");
    assert_eq!(tokens["token_url"], t.oauth.legacy_url());
    let expires_at: jiff::Timestamp = tokens["expires_at"].as_str().unwrap().parse().unwrap();
    let left = expires_at.duration_since(jiff::Timestamp::now()).as_secs();
    assert!((86300..=86400).contains(&left), "{left}");
    assert!(t.oauth.refresh_token_is_live(tokens["refresh_token"].as_str().unwrap()));

    // The login works: a sync with it is accepted by the API.
    let out = t.run(&["sync", "2026-11-23", "--days", "3", "--types", "daily_sleep"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sent = t.env.oura.requests_to("daily_sleep")[0].authorization.clone().unwrap();
    assert_eq!(sent, format!("Bearer {}", tokens["access_token"].as_str().unwrap()));
    t.assert_no_secret_in(&[&said, &logs, &stdout(&out), &stderr(&out)], &[]);
}

/// A redirect whose `state` is wrong or missing is answered 400 and its code is never
/// exchanged; the listener keeps waiting, and the real redirect still logs in.
#[test]
fn a_forged_state_is_refused_and_its_code_never_exchanged() {
    let t = Login::new();
    let mut auth = t.spawn(&["auth", "--no-browser"]);
    let url = auth.wait_for_line(&t.oauth.authorize_url());
    let base = format!("http://127.0.0.1:{}/callback", t.port);
    for forged in [
        format!("{base}?code=code-FORGED-1&state=not-the-state"),
        format!("{base}?code=code-FORGED-2"),
    ] {
        let (status, _, page) = browser_get(&forged, false);
        assert_eq!(status, 400, "{page}");
    }
    assert_eq!(browser_get(&format!("http://127.0.0.1:{}/elsewhere", t.port), false).0, 404);

    let (status, _, _) = browser_get(&url, true);
    assert_eq!(status, 200);
    let (code, said, logs) = auth.finish();
    assert_eq!(code, Some(0), "{logs}");
    let calls = t.oauth.calls();
    assert_eq!(calls.len(), 1);
    assert!(calls.iter().all(|c| !c.code.as_deref().unwrap_or("").contains("FORGED")));
    t.assert_no_secret_in(&[&said, &logs], &["code-FORGED-1", "code-FORGED-2"]);
}

/// On a headless server the user pastes the redirected address on stdin: a pasted address
/// with another login's state is refused with a message and the command keeps waiting; the
/// right one logs in without the listener ever being reached.
#[test]
fn a_pasted_redirect_logs_in_a_headless_server() {
    let t = Login::new();
    let mut auth = t.spawn(&["auth", "--no-browser"]);
    let url = auth.wait_for_line(&t.oauth.authorize_url());
    // The browser runs elsewhere: its redirect goes nowhere, the user copies the address.
    let (status, location, _) = browser_get(&url, false);
    assert_eq!(status, 303);
    let location = location.unwrap();
    let state = query_param(&location, "state");
    auth.paste(&location.replace(&state, "someone-elses-state"));
    auth.wait_for_line("That is not this login's redirect");
    auth.paste(&format!("  {location}  "));
    let (code, said, logs) = auth.finish();
    assert_eq!(code, Some(0), "{logs}");
    assert!(said.contains("Logged in to Oura"));
    assert_eq!(t.oauth.calls().len(), 1);
    assert!(t.tokens()["access_token"].as_str().unwrap().starts_with("acc-"));
    t.assert_no_secret_in(&[&said, &logs], &[]);
}

/// A new-portal app: the legacy token URL answers the code exchange with 401, the fallback URL
/// works and is remembered in the tokens file, and the next refresh goes there first (the
/// legacy URL is not asked again).
#[test]
fn a_new_portal_app_falls_back_to_the_new_token_url_and_remembers_it() {
    let t = Login::new();
    t.oauth.lock().portal = Portal::New;
    let mut auth = t.spawn(&["auth", "--no-browser"]);
    let url = auth.wait_for_line(&t.oauth.authorize_url());
    assert_eq!(browser_get(&url, true).0, 200);
    let (code, said, logs) = auth.finish();
    assert_eq!(code, Some(0), "{logs}");
    let calls = t.oauth.calls();
    let route: Vec<_> = calls.iter().map(|c| (c.path.as_str(), c.status)).collect();
    assert_eq!(route, [(LEGACY_PATH, 401), (NEW_PATH, 200)]);
    assert_eq!(t.tokens()["token_url"], t.oauth.new_url());

    let out = t.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let calls = t.oauth.calls();
    assert_eq!((calls[2].path.as_str(), calls[2].status), (NEW_PATH, 200));
    assert_eq!(calls.len(), 3);

    // A refresh from a file that remembers nothing tries legacy (400 invalid_request) first.
    let mut tokens = t.tokens();
    tokens.as_object_mut().unwrap().remove("token_url");
    std::fs::write(t.tokens_path(), tokens.to_string()).unwrap();
    let out2 = t.run(&["refresh"]);
    assert_eq!(out2.status.code(), Some(0), "{}", stderr(&out2));
    let calls = t.oauth.calls();
    let route: Vec<_> = calls[3..].iter().map(|c| (c.path.as_str(), c.status)).collect();
    assert_eq!(route, [(LEGACY_PATH, 400), (NEW_PATH, 200)]);
    assert_eq!(t.tokens()["token_url"], t.oauth.new_url());
    t.assert_no_secret_in(&[&said, &logs, &stdout(&out), &stderr(&out), &stderr(&out2)], &[]);
}

/// `refresh` trades the refresh token for a new pair, prints only the new expiry, writes the
/// pair (mode 0600), and the old refresh token is dead at Oura while the new one works.
#[test]
fn refresh_rotates_and_kills_the_old_refresh_token() {
    let t = Login::new();
    let (old_access, old_refresh) = t.logged_in(3600);
    let out = t.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("Refreshed the Oura access token; it expires at "));
    let tokens = t.tokens();
    let new_refresh = tokens["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, old_refresh);
    assert_ne!(tokens["access_token"].as_str().unwrap(), old_access);
    assert!(!t.oauth.refresh_token_is_live(&old_refresh));
    assert!(t.oauth.refresh_token_is_live(new_refresh));
    #[cfg(unix)]
    {
        assert_eq!(mode(&t.tokens_path()), 0o600);
        assert_eq!(mode(&t.env.dir.path().join(".oura-tokens.json.lock")), 0o600);
    }
    // The new refresh token works.
    let again = t.run(&["refresh"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(t.oauth.refreshes(), 2);
    t.assert_no_secret_in(&[&stdout(&out), &stderr(&out), &stdout(&again)], &[]);
}

/// Eight processes (four `refresh`, four `sync`) start at once on a token about to expire:
/// all succeed, no refresh token is ever presented twice (so none gets `invalid_grant`), and
/// the refresh token left in the file still works.
#[test]
fn eight_concurrent_processes_never_burn_the_refresh_token() {
    let t = Login::new();
    t.logged_in(60);
    t.oauth.lock().refresh_delay = Duration::from_millis(300);
    let children: Vec<Running> = (0..8)
        .map(|i| {
            if i % 2 == 0 {
                t.spawn(&["refresh"])
            } else {
                let dest = format!("lake-{i}");
                t.spawn(&[
                    "sync",
                    "2026-11-23",
                    "--days",
                    "3",
                    "--types",
                    "daily_sleep",
                    "--dest",
                    &dest,
                ])
            }
        })
        .collect();
    let mut outputs = Vec::new();
    for child in children {
        let (code, said, logs) = child.finish();
        assert_eq!(code, Some(0), "{said}\n{logs}");
        outputs.push(said);
        outputs.push(logs);
    }
    let calls = t.oauth.calls();
    assert!(calls.iter().all(|c| c.status == 200), "{calls:?}");
    let mut presented: Vec<_> = calls.iter().filter_map(|c| c.refresh_token.clone()).collect();
    let count = presented.len();
    presented.sort();
    presented.dedup();
    assert_eq!(presented.len(), count, "a refresh token was presented twice");
    assert!(count >= 1);
    assert!(t.oauth.refresh_token_is_live(t.tokens()["refresh_token"].as_str().unwrap()));
    let texts: Vec<&str> = outputs.iter().map(String::as_str).collect();
    t.assert_no_secret_in(&texts, &[]);
}

/// An expired access token is refreshed before the first request of a sync: Oura never sees
/// the expired token, every request carries the new one, and the file holds the new pair.
#[test]
fn an_expired_token_is_refreshed_before_the_sync() {
    let t = Login::new();
    let (old_access, _) = t.logged_in(-60);
    t.env.oura.lock().valid_tokens.as_mut().unwrap().remove(&old_access);
    let out = t.run(&["sync", "2026-11-23", "--days", "3", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "success");
    assert_eq!(report["types"]["daily_sleep"]["records"], 3);
    assert_eq!(t.oauth.refreshes(), 1);
    let new_access = t.tokens()["access_token"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {new_access}");
    let log = t.env.oura.lock().log.clone();
    assert!(!log.is_empty());
    assert!(log.iter().all(|l| l.authorization.as_deref() == Some(bearer.as_str())));
    t.assert_no_secret_in(&[&stdout(&out), &stderr(&out)], &[]);
}

/// Oura revokes the access token in the middle of a sync, while requests of several types
/// are in flight: one refresh answers every 401, each refused request is repeated with the
/// new token, and the sync completes with every record. Logs at `-vv` hold no secret.
#[test]
fn a_401_mid_sync_is_answered_by_one_refresh() {
    let t = Login::new();
    let (old_access, _) = t.logged_in(3600);
    {
        let mut oura = t.env.oura.lock();
        oura.revoke_after = Some(3);
        oura.delay = Duration::from_millis(50);
    }
    let types = "daily_sleep,heartrate,daily_readiness,daily_activity,sleep";
    let out = t.run(&["-vv", "sync", "2026-11-23", "--days", "3", "--types", types, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "success", "{report}");
    assert_eq!(report["types"]["heartrate"]["records"], 9, "{report}");
    assert_eq!(report["types"]["daily_sleep"]["records"], 3, "{report}");
    assert_eq!(t.oauth.refreshes(), 1);
    let new_access = t.tokens()["access_token"].as_str().unwrap().to_string();
    assert_ne!(new_access, old_access);
    let log = t.env.oura.lock().log.clone();
    let sent_with = |token: &str| {
        let bearer = format!("Bearer {token}");
        log.iter().filter(|l| l.authorization.as_deref() == Some(bearer.as_str())).count()
    };
    // Some requests went out with the old token, at least one of them refused, the rest
    // (and the repeats) with the new one.
    assert!(sent_with(&old_access) > 3, "{log:?}");
    // Several of them were refused at once (the 4th request on), yet one refresh served all.
    let old_bearer = format!("Bearer {old_access}");
    let refused = log[3..].iter().filter(|l| l.authorization.as_deref() == Some(&old_bearer));
    assert!(refused.count() >= 2, "{log:?}");
    assert!(sent_with(&new_access) >= 1);
    assert_eq!(sent_with(&old_access) + sent_with(&new_access), log.len());
    t.assert_no_secret_in(&[&stdout(&out), &stderr(&out)], &[]);
    let lake: Vec<String> = t
        .env
        .lake_files()
        .iter()
        .map(|f| {
            String::from_utf8_lossy(&std::fs::read(t.env.lake().join(f)).unwrap()).into_owned()
        })
        .collect();
    let lake: Vec<&str> = lake.iter().map(String::as_str).collect();
    t.assert_no_secret_in(&lake, &[]);
}

/// A refresh token Oura refuses (`invalid_grant`) is never retried: `refresh` and `sync`
/// exit 3 saying to run `oura-sync auth`, and the tokens file is byte-for-byte unchanged.
#[test]
fn invalid_grant_asks_for_a_login_and_leaves_the_tokens_file_alone() {
    let t = Login::new();
    let (_, refresh) = t.logged_in(-60);
    // The refresh token dies elsewhere (another tool used it).
    let used_elsewhere = t.run(&["refresh"]);
    assert_eq!(used_elsewhere.status.code(), Some(0));
    let file = serde_json::json!({
        "access_token": "acc-expired", "refresh_token": refresh,
        "expires_at": "2020-01-01T00:00:00Z", "scope": "daily",
        "token_url": t.oauth.legacy_url(),
    });
    std::fs::write(t.tokens_path(), file.to_string()).unwrap();
    let before = std::fs::read(t.tokens_path()).unwrap();
    let calls_before = t.oauth.calls().len();

    let out = t.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("invalid_grant") && stderr(&out).contains("oura-sync auth"));
    assert_eq!(std::fs::read(t.tokens_path()).unwrap(), before);

    let sync = t.run(&["sync", "2026-11-23", "--days", "3", "--types", "daily_sleep"]);
    assert_eq!(sync.status.code(), Some(3), "{}", stderr(&sync));
    assert!(stdout(&sync).contains("oura-sync auth") || stderr(&sync).contains("oura-sync auth"));
    assert_eq!(std::fs::read(t.tokens_path()).unwrap(), before);
    // One call per process: no retry, no fallback.
    assert_eq!(t.oauth.calls().len(), calls_before + 2);
    t.assert_no_secret_in(
        &[&stdout(&out), &stderr(&out), &stdout(&sync), &stderr(&sync)],
        &["acc-expired"],
    );
}

/// The user unticks a scope at login: `auth` says which scopes were not granted; `sync` still
/// asks for the type that needs it, and when Oura refuses it (401, as live, after the one
/// refresh a 401 earns) the type is skipped, naming the scope to grant; the rest is written.
#[test]
fn a_scope_not_granted_at_login_is_asked_for_and_skipped_when_refused() {
    let t = Login::new();
    t.oauth.lock().grant_only = Some(vec!["daily".into(), "personal".into()]);
    let mut auth = t.spawn(&["auth", "--no-browser"]);
    let url = auth.wait_for_line(&t.oauth.authorize_url());
    assert_eq!(browser_get(&url, true).0, 200);
    let (code, said, logs) = auth.finish();
    assert_eq!(code, Some(0), "{logs}");
    assert!(said.contains("Not granted: heartrate;"), "{said}");
    assert_eq!(t.tokens()["scope"], "daily personal");
    t.env.oura.lock().refused.insert("heartrate".into(), 401);

    let out =
        t.run(&["sync", "2026-11-23", "--days", "3", "--types", "daily_sleep,heartrate", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["types"]["heartrate"]["status"], "skipped");
    assert_eq!(
        report["types"]["heartrate"]["reason"],
        "scope `heartrate` not granted, and Oura refused it (HTTP 401: Forbidden: requires \
         additional permissions); run `oura-sync auth` with heartrate in OURA_SCOPES"
    );
    // Asked for anyway (each piece once, and again with the refreshed token if it was sent
    // with the old one).
    assert!(t.env.oura.requests_to("heartrate").len() >= 3);
    assert_eq!(report["types"]["daily_sleep"]["records"], 3);
    t.assert_no_secret_in(&[&said, &logs, &stdout(&out)], &[]);
}

/// Without the app's client ID or secret, `auth` and `refresh` are usage errors (exit 2) that
/// name what to set, and nothing is written.
#[test]
fn missing_client_credentials_are_a_usage_error() {
    let t = Login::new();
    for args in [&["auth", "--no-browser"][..], &["refresh"][..]] {
        let out = t.cmd().env_remove("OURA_CLIENT_SECRET").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("OURA_CLIENT_SECRET not set"), "{}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    }
    let out = t
        .cmd()
        .env_remove("OURA_CLIENT_ID")
        .env_remove("OURA_CLIENT_SECRET")
        .arg("auth")
        .output()
        .unwrap();
    assert!(stderr(&out).contains("OURA_CLIENT_ID and OURA_CLIENT_SECRET not set"));
    assert!(!t.tokens_path().exists());
}

/// A login that never comes back ends after `OURA_AUTH_TIMEOUT` seconds with one clear line
/// and exit 3, and writes nothing.
#[test]
fn a_login_that_never_comes_gives_up() {
    let t = Login::new();
    let started = Instant::now();
    let out =
        t.cmd().env("OURA_AUTH_TIMEOUT", "1").args(["auth", "--no-browser"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(20));
    let last = stderr(&out).lines().last().unwrap().to_string();
    assert!(last.starts_with("error: no login completed within 1 s"), "{last}");
    assert!(!t.tokens_path().exists());
}

/// Every command that reads a corrupt stored login stops at it: `sync`, `refresh` and
/// `status` exit 3 saying, on the same line, that the login is not usable and to run
/// `oura-sync auth`; `doctor` fails its login check with the same words. None quotes the
/// value, calls Oura or rewrites the file.
#[test]
fn every_command_meeting_a_corrupt_login_says_so_in_one_line() {
    let t = Login::new();
    let torn = r#"{"refresh_token":"r-SECRET-torn","access_token":"#;
    std::fs::write(t.tokens_path(), torn).unwrap();
    for args in [&["sync", "2026-11-23", "--days", "1"][..], &["refresh"], &["status"]] {
        let out = t.run(args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        // `sync` says it in its run's log line and summary, the others as their one error.
        let text = format!("{}{}", stdout(&out), stderr(&out));
        let said: Vec<&str> = text.lines().filter(|l| l.contains("is not usable")).collect();
        assert!(!said.is_empty(), "{args:?}: {text}");
        assert!(said.iter().all(|l| l.contains("run `oura-sync auth`")), "{args:?}: {text}");
        t.assert_no_secret_in(&[&stdout(&out), &stderr(&out)], &["r-SECRET-torn"]);
    }
    let out = t.run(&["doctor", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let login = report["checks"].as_array().unwrap().iter().find(|c| c["name"] == "login").unwrap();
    assert_eq!(login["ok"], false);
    assert!(login["detail"].as_str().unwrap().contains("is not usable"), "{login}");
    t.assert_no_secret_in(&[&stdout(&out), &stderr(&out)], &["r-SECRET-torn"]);
    assert_eq!(std::fs::read_to_string(t.tokens_path()).unwrap(), torn);
    assert!(t.oauth.calls().is_empty());
    assert_eq!(t.env.oura.request_count(), 0);
}

/// A refresh runs in a `refresh` span that names where the login is kept, and what reads the
/// login afterwards (`status`, `doctor`, at `-vv`) shows no secret.
#[test]
fn a_refresh_is_traced_in_its_own_span_and_nothing_shows_a_secret() {
    let t = Login::new();
    t.logged_in(60);
    let out = t.run(&["-vv", "refresh"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The tokens file is the default, `.oura-tokens.json` in the working directory.
    let span = "refresh{store=.oura-tokens.json}";
    assert!(
        stderr(&out)
            .lines()
            .any(|l| l.contains(span) && l.contains("Refreshed the Oura access token")),
        "{}",
        stderr(&out)
    );
    let status = t.run(&["-vv", "status", "--json"]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    let doctor = t.run(&["-vv", "doctor", "--json"]);
    t.assert_no_secret_in(
        &[
            &stdout(&out),
            &stderr(&out),
            &stdout(&status),
            &stderr(&status),
            &stdout(&doctor),
            &stderr(&doctor),
        ],
        &[],
    );
}
