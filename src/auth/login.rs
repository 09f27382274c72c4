//! `oura-sync auth`: the one-time browser login (OAuth 2 authorization code with PKCE S256).
//!
//! The authorize URL is printed on stderr (with the instructions; stdout gets only the result)
//! and opened in the system browser unless `--no-browser`. The redirect comes back either to a
//! small HTTP listener on the redirect URI's port, bound to loopback only even when the host
//! says `localhost`, or as the whole redirected URL pasted on stdin (a headless server). Either
//! way a missing or wrong `state` is refused and its code never exchanged. The code is traded
//! at the token endpoint, the login is written to the token store (under its write lock, so
//! that a refresh of the previous login in another process cannot write over it), and the
//! browser gets a short page.
//! Without a login within `OURA_AUTH_TIMEOUT` seconds (default 300) the command gives up.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::auth::StoredTokens;
use crate::auth::oauth::{Grant, OAuthApp, TokenEndpoint};
use crate::auth::store::TokenStore;
use crate::error::UserError;
use crate::secret::Secret;

/// How long `auth` waits for the login when `OURA_AUTH_TIMEOUT` is not set.
pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest request head the callback listener reads.
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// How long one browser connection may take to send its request.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How `auth` runs.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// Try to open the system browser at the authorize URL.
    pub open_browser: bool,
    /// Give up after this long.
    pub timeout: Duration,
}

/// The secrets of one login attempt.
struct Attempt {
    state: String,
    verifier: Secret,
}

impl Attempt {
    fn new() -> anyhow::Result<Self> {
        Ok(Self { state: random_token()?, verifier: Secret::new(random_token()?) })
    }

    /// The PKCE S256 challenge of the verifier (RFC 7636 §4.2).
    fn challenge(&self) -> PkceCodeChallenge {
        let verifier = PkceCodeVerifier::new(self.verifier.expose().to_string());
        PkceCodeChallenge::from_code_verifier_sha256(&verifier)
    }
}

/// 32 random bytes from the OS, base64url: 43 characters, fit for `state` and a PKCE verifier.
fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The URL the user opens to log in, built by the `oauth2` crate: the code flow with this
/// attempt's `state` and PKCE S256 challenge, the redirect URI and the scopes.
fn authorize_url(app: &OAuthApp, attempt: &Attempt) -> anyhow::Result<Url> {
    let not_a_url = |name: &str, value: &str, e: url::ParseError| {
        UserError::usage(format!("{name} `{value}` is not a URL: {e}"))
    };
    let authorize = AuthUrl::new(app.authorize_url.clone())
        .map_err(|e| not_a_url("OURA_AUTHORIZE_URL", &app.authorize_url, e))?;
    let redirect = RedirectUrl::new(app.redirect_uri.clone())
        .map_err(|e| not_a_url("OURA_REDIRECT_URI", &app.redirect_uri, e))?;
    let client = BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_auth_uri(authorize)
        .set_redirect_uri(redirect);
    let (url, _state) = client
        .authorize_url(|| CsrfToken::new(attempt.state.clone()))
        .add_scopes(app.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(attempt.challenge())
        .url();
    Ok(url)
}

/// Where the callback listener listens, from the redirect URI.
struct Redirect {
    /// Loopback addresses on the redirect URI's port; empty when nothing can listen.
    addrs: Vec<SocketAddr>,
    path: String,
}

impl Redirect {
    fn parse(redirect_uri: &str) -> anyhow::Result<Self> {
        let url = Url::parse(redirect_uri).map_err(|e| {
            UserError::usage(format!(
                "OURA_REDIRECT_URI `{redirect_uri}` is not a URL ({e}); use the URI registered \
                 with your Oura app, such as http://localhost:8080/callback"
            ))
        })?;
        let path = url.path().to_string();
        if url.scheme() != "http" {
            tracing::warn!(
                redirect_uri,
                "The redirect URI is not plain http, so no local listener can answer it; paste the redirected URL instead."
            );
            return Ok(Self { addrs: vec![], path });
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let v4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        let v6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port);
        let addrs = match url.host() {
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => vec![v6],
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => vec![v4],
            Some(url::Host::Domain("localhost")) => vec![v4, v6],
            _ => {
                // The browser will not reach this machine's loopback; an SSH tunnel or a
                // reverse proxy might, so listen anyway, but only on loopback.
                tracing::warn!(
                    redirect_uri,
                    "The redirect URI's host is not loopback; listening on 127.0.0.1 only."
                );
                vec![v4]
            }
        };
        Ok(Self { addrs, path })
    }
}

/// The query of a redirect back from Oura.
#[derive(Debug, Default)]
struct Callback {
    code: Option<Secret>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl Callback {
    fn from_query(query: &str) -> Self {
        let mut cb = Callback::default();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "code" => cb.code = Some(Secret::new(value)),
                "state" => cb.state = Some(value.into_owned()),
                "error" => cb.error = Some(value.into_owned()),
                "error_description" => cb.error_description = Some(value.into_owned()),
                _ => {} // `iss` and anything else
            }
        }
        cb
    }

    /// The query of a pasted line: a whole URL, a path with a query, or a bare query.
    fn from_pasted(line: &str) -> Self {
        let line = line.trim();
        let query = match Url::parse(line) {
            Ok(url) => url.query().unwrap_or_default().to_string(),
            Err(_) => line.split_once('?').map_or(line, |(_, q)| q).to_string(),
        };
        Self::from_query(query.split('#').next().unwrap_or_default())
    }
}

/// What the login loop makes of one callback.
enum Verdict {
    /// Not for this login (or not a login at all): refused, keep waiting.
    Refused(&'static str),
    /// Oura (or the user) declined: the login is over.
    Declined(String),
    /// This login's code.
    Code(Secret),
}

fn judge(cb: Callback, state: &str) -> Verdict {
    if cb.code.is_none() && cb.error.is_none() {
        return Verdict::Refused("it has no `code` or `error` parameter");
    }
    match cb.state.as_deref() {
        None => return Verdict::Refused("it has no `state` parameter"),
        Some(s) if !constant_time_eq(s.as_bytes(), state.as_bytes()) => {
            return Verdict::Refused("its `state` does not match this login");
        }
        Some(_) => {}
    }
    if let Some(error) = cb.error {
        let description = cb.error_description.map(|d| format!(": {d}")).unwrap_or_default();
        return Verdict::Declined(format!("{error}{description}"));
    }
    Verdict::Code(cb.code.expect("checked above"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Runs the login and stores it in `store`; returns what was stored.
pub async fn login<S: TokenStore>(
    endpoint: &TokenEndpoint,
    store: &S,
    options: &LoginOptions,
) -> anyhow::Result<StoredTokens> {
    let app = endpoint.app();
    let attempt = Attempt::new()?;
    let url = authorize_url(app, &attempt)?;
    let redirect = Redirect::parse(&app.redirect_uri)?;
    let listeners = bind_all(&redirect.addrs).await;

    eprintln!("Open this URL in a browser and allow oura-sync to read your Oura data:\n\n{url}\n");
    if listeners.is_empty() {
        eprintln!(
            "Nothing listens on {}: after allowing, paste the address your browser was sent to \
             (it starts with the redirect URI) here and press Enter.",
            app.redirect_uri
        );
    } else {
        eprintln!(
            "Waiting for the redirect to {}. On a machine without a browser, open the URL \
             elsewhere, then paste the address the browser was sent to here and press Enter.",
            app.redirect_uri
        );
    }
    if options.open_browser {
        // In the background: the login's listener must answer while the browser starts.
        let url = url.to_string();
        drop(std::thread::spawn(move || open_browser(&url)));
    }

    let (tx, mut pasted) = mpsc::unbounded_channel();
    read_stdin_lines(tx);
    let (conn_tx, mut connections) = mpsc::channel::<TcpStream>(16);
    for listener in listeners {
        let conn_tx = conn_tx.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if conn_tx.send(stream).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(conn_tx);

    let deadline = tokio::time::sleep(options.timeout);
    tokio::pin!(deadline);
    let mut stdin_open = true;
    loop {
        tokio::select! {
            () = &mut deadline => {
                return Err(UserError::login_needed(format!(
                    "no login completed within {} s; run `oura-sync auth` again \
                     (OURA_AUTH_TIMEOUT sets the wait)",
                    options.timeout.as_secs()
                )));
            }
            Some(mut stream) = connections.recv() => {
                let Some(target) = read_request_target(&mut stream).await else {
                    respond(&mut stream, 400, "Bad request", "This is not a login redirect.").await;
                    continue;
                };
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                if path != redirect.path {
                    respond(&mut stream, 404, "Not found", "Nothing here.").await;
                    continue;
                }
                match judge(Callback::from_query(query), &attempt.state) {
                    Verdict::Refused(why) => {
                        tracing::warn!(why, "Refused a redirect that is not this login's.");
                        respond(&mut stream, 400, "Not this login",
                            "This link does not belong to the login oura-sync is waiting for. \
                             Use the URL that oura-sync printed.").await;
                    }
                    Verdict::Declined(why) => {
                        respond(&mut stream, 200, "Login declined",
                            "Oura did not grant access. You can close this tab.").await;
                        return Err(declined(&why));
                    }
                    Verdict::Code(code) => {
                        let result = finish(endpoint, store, &attempt, &code).await;
                        match &result {
                            Ok(_) => respond(&mut stream, 200, "Logged in",
                                "oura-sync is logged in to Oura. You can close this tab.").await,
                            Err(_) => respond(&mut stream, 500, "Login failed",
                                "oura-sync could not finish the login; see its terminal.").await,
                        }
                        return result;
                    }
                }
            }
            line = pasted.recv(), if stdin_open => {
                let Some(line) = line else {
                    stdin_open = false;
                    continue;
                };
                if line.trim().is_empty() {
                    continue;
                }
                match judge(Callback::from_pasted(&line), &attempt.state) {
                    Verdict::Refused(why) => eprintln!(
                        "That is not this login's redirect ({why}); paste the whole address \
                         the browser was sent to after allowing access."
                    ),
                    Verdict::Declined(why) => return Err(declined(&why)),
                    Verdict::Code(code) => return finish(endpoint, store, &attempt, &code).await,
                }
            }
        }
    }
}

fn declined(why: &str) -> anyhow::Error {
    UserError::login_needed(format!(
        "Oura did not grant access ({why}); run `oura-sync auth` again and allow access"
    ))
}

/// Trades the code for tokens and stores them.
async fn finish<S: TokenStore>(
    endpoint: &TokenEndpoint,
    store: &S,
    attempt: &Attempt,
    code: &Secret,
) -> anyhow::Result<StoredTokens> {
    let grant = Grant::Code { code, verifier: &attempt.verifier };
    // A login starts at the configured token URL; the one that works is remembered.
    let issued = endpoint.request(grant, None).await.map_err(|e| e.into_user_error())?;
    let tokens = StoredTokens::issued(issued, None, &endpoint.app().scopes, Timestamp::now());
    let stored = async {
        let mut lock = store.lock().await?;
        store.put(&mut lock, &tokens).await
    };
    stored
        .await
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot write the {}", store.describe()))?;
    Ok(tokens)
}

/// Binds every address it can; a port in use is a warning (the pasted URL still works).
async fn bind_all(addrs: &[SocketAddr]) -> Vec<TcpListener> {
    let mut listeners = Vec::new();
    for addr in addrs {
        match TcpListener::bind(addr).await {
            Ok(l) => listeners.push(l),
            // No IPv6 on this machine is common and harmless when IPv4 works.
            Err(e) if addr.is_ipv6() && addrs.len() > 1 => {
                tracing::debug!(%addr, error = %e, "Cannot listen on IPv6 loopback.");
            }
            Err(e) => tracing::warn!(%addr, error = %e, "Cannot listen for the login redirect."),
        }
    }
    listeners
}

/// Reads a request head and returns its target (`/callback?code=…`), or `None` for anything
/// that is not a `GET` within the size and time limits.
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    let read = async {
        loop {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            head.extend_from_slice(&buf[..n]);
            if head.windows(4).any(|w| w == b"\r\n\r\n") {
                return Some(());
            }
            if head.len() > MAX_REQUEST_HEAD {
                return None;
            }
        }
    };
    tokio::time::timeout(REQUEST_READ_TIMEOUT, read).await.ok()??;
    let line = head.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Some(target.to_string()),
        _ => None,
    }
}

/// Answers the browser with a small HTML page and closes the connection.
async fn respond(stream: &mut TcpStream, status: u16, title: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>oura-sync: {title}</title>\
         </head><body><h1>{title}</h1><p>{text}</p></body></html>\n"
    );
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Forwards stdin's lines. A plain thread, not the runtime's: a read blocked on a terminal
/// must not hold up the process's exit.
fn read_stdin_lines(tx: mpsc::UnboundedSender<String>) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

/// Tries to open `url` (or a file) in the user's browser and returns once it is launched (a
/// terminal browser named by `$BROWSER` runs until the user quits it); a failure only means
/// the user opens it. The `webbrowser` crate picks the browser as the platform expects:
/// `$BROWSER` first, then the desktop's opener (`xdg-open` and the like, `open`, the Windows
/// shell), and the Windows browser from inside WSL.
pub fn open_browser(url: &str) {
    if let Err(e) = webbrowser::open(url) {
        tracing::debug!(error = %e, "Could not open a browser.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt() -> Attempt {
        Attempt { state: "s-123".into(), verifier: Secret::new("v".repeat(43)) }
    }

    #[test]
    fn the_challenge_is_s256_of_the_verifier() {
        // RFC 7636 appendix B.
        let a = Attempt {
            state: String::new(),
            verifier: Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        };
        assert_eq!(a.challenge().as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let t = random_token().unwrap();
        assert_eq!(t.len(), 43);
        assert_ne!(t, random_token().unwrap());
    }

    /// The authorize URL asks for a code with this attempt's state and S256 challenge, for
    /// the app's redirect URI and scopes (`extapi:`-free, space-separated).
    #[test]
    fn the_authorize_url_carries_state_and_pkce() {
        let app = crate::auth::oauth::OAuthApp::new(&crate::auth::oauth::OAuthConfig {
            client_id: Some("id".into()),
            client_secret: Some(Secret::new("secret")),
            scopes: "extapi:daily, heartrate".into(),
            ..Default::default()
        })
        .unwrap();
        let url = authorize_url(&app, &attempt()).unwrap();
        let query: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        assert!(url.as_str().starts_with(crate::auth::oauth::DEFAULT_AUTHORIZE_URL));
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "id");
        assert_eq!(query["redirect_uri"], crate::auth::oauth::DEFAULT_REDIRECT_URI);
        assert_eq!(query["scope"], "daily heartrate");
        assert_eq!(query["state"], "s-123");
        assert_eq!(query["code_challenge"], attempt().challenge().as_str());
        assert_eq!(query["code_challenge_method"], "S256");
        assert!(!url.as_str().contains("secret"));
    }

    #[test]
    fn a_callback_counts_only_with_this_logins_state() {
        let code = |q: &str| match judge(Callback::from_query(q), &attempt().state) {
            Verdict::Code(c) => Ok(c.expose().to_string()),
            Verdict::Refused(why) => Err(why.to_string()),
            Verdict::Declined(why) => Err(format!("declined {why}")),
        };
        assert_eq!(code("code=abc&state=s-123&iss=https%3A%2F%2Fmoi").unwrap(), "abc");
        assert!(code("code=abc&state=s-124").unwrap_err().contains("does not match"));
        assert!(code("code=abc").unwrap_err().contains("no `state`"));
        assert!(code("state=s-123").unwrap_err().contains("no `code`"));
        assert_eq!(code("error=access_denied&state=s-123").unwrap_err(), "declined access_denied");
        assert!(code("error=access_denied&state=x").unwrap_err().contains("does not match"));
    }

    #[test]
    fn a_pasted_redirect_may_be_a_url_or_a_query() {
        for line in [
            "http://localhost:8080/callback?code=c1&state=s-123\n",
            "  /callback?code=c1&state=s-123",
            "code=c1&state=s-123#frag",
        ] {
            let cb = Callback::from_pasted(line);
            assert_eq!(cb.code.unwrap().expose(), "c1", "{line}");
            assert_eq!(cb.state.as_deref(), Some("s-123"));
        }
    }

    #[test]
    fn the_listener_is_loopback_only() {
        let r = Redirect::parse("http://localhost:8080/callback").unwrap();
        assert!(r.addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 8080));
        assert_eq!((r.addrs.len(), r.path.as_str()), (2, "/callback"));
        let r = Redirect::parse("http://[::1]:9000/cb").unwrap();
        assert_eq!(r.addrs, [SocketAddr::from((Ipv6Addr::LOCALHOST, 9000))]);
        let r = Redirect::parse("http://192.168.1.5/cb").unwrap();
        assert_eq!(r.addrs, [SocketAddr::from((Ipv4Addr::LOCALHOST, 80))]);
        assert!(Redirect::parse("https://example.com/cb").unwrap().addrs.is_empty());
        assert!(Redirect::parse("not a uri").is_err());
    }
}
