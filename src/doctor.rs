//! `oura-sync doctor`: checks a setup without syncing or writing anything, one line per
//! check, each ✓ or ✗ with the fix. The checks that need no backend are pure functions over
//! what was read (the stored login, an Oura answer, the clock); the command composes them with
//! the destination and notification checks.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::auth::store::{Exposure, TokenStoreError, Versioned};
use crate::datatype::DataType;
use crate::provenance::Provenance;
use crate::report::SCHEMA_VERSION;
use crate::secret::Secret;

/// How far the clock may be from Oura's before OAuth and "today" go wrong.
pub const MAX_CLOCK_SKEW: SignedDuration = SignedDuration::from_secs(120);

/// How long the one Oura request of the doctor may take.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked (`tokens file`, `oura api`, `destination`, …).
    pub name: String,
    pub ok: bool,
    /// What was found, on one line.
    pub detail: String,
    /// What to do, when not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    pub fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { name: name.into(), ok: true, detail: detail.into(), fix: None }
    }

    pub fn fail(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self { name: name.into(), ok: false, detail: detail.into(), fix: Some(fix.into()) }
    }
}

/// What `doctor --json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct DoctorReport {
    pub schema_version: u32,
    /// True if and only if every check passed.
    pub ok: bool,
    /// Every setting, where its value came from, and its value (secrets redacted).
    pub settings: Vec<Provenance>,
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn new(settings: Vec<Provenance>, checks: Vec<Check>) -> Self {
        let ok = checks.iter().all(|c| c.ok);
        Self { schema_version: SCHEMA_VERSION, ok, settings, checks }
    }

    /// The human text: the settings that are set, then one line per check.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.settings.is_empty() {
            out.push_str("Settings:\n");
        }
        for s in self.settings.iter().filter(|s| s.display.is_some()) {
            let value = s.display.as_deref().unwrap_or_default();
            let _ = writeln!(out, "  {:<32} {value}  ({})", s.name, s.source);
        }
        out.push_str("Checks:\n");
        for c in &self.checks {
            let mark = if c.ok { '✓' } else { '✗' };
            let _ = write!(out, "{mark} {}: {}", c.name, c.detail);
            if let Some(fix) = &c.fix {
                let _ = write!(out, "; {fix}");
            }
            out.push('\n');
        }
        let failed = self.checks.iter().filter(|c| !c.ok).count();
        if failed == 0 {
            out.push_str("All checks passed.\n");
        } else {
            let _ = writeln!(out, "{failed} of {} checks failed.", self.checks.len());
        }
        out
    }
}

/// What the tokens-file check found, for the Oura check that follows it.
#[derive(Debug)]
pub struct LoginFound {
    pub check: Check,
    /// The bearer to try Oura with (never refreshed here: a refresh would write the file).
    pub bearer: Option<Secret>,
    /// What to do when Oura refuses that bearer: a refresh only where there is a refresh
    /// token (a bare `OURA_ACCESS_TOKEN` cannot be refreshed).
    pub when_refused: String,
}

/// The next step towards a command that needs the Oura app (`auth`, `refresh`), from where
/// the user stands: `run `oura-sync auth`` when `OURA_CLIENT_ID` and `OURA_CLIENT_SECRET`
/// are set, else setting the missing ones first (the command would stop on them).
#[derive(Clone, Debug)]
pub struct AppStep {
    missing: Vec<&'static str>,
}

impl AppStep {
    /// From whether the app's id and secret are set.
    pub fn new(client_id_set: bool, client_secret_set: bool) -> Self {
        let missing =
            [("OURA_CLIENT_ID", client_id_set), ("OURA_CLIENT_SECRET", client_secret_set)]
                .into_iter()
                .filter(|(_, set)| !set)
                .map(|(name, _)| name)
                .collect();
        Self { missing }
    }

    /// "run `oura-sync COMMAND`", after setting what is missing.
    pub fn then(&self, command: &str) -> String {
        if self.missing.is_empty() {
            format!("run `oura-sync {command}`")
        } else {
            format!(
                "set {} (your Oura app's; README: Logging in to Oura), then run `oura-sync {command}`",
                self.missing.join(" and ")
            )
        }
    }
}

/// What the doctor read of the login, for [`check_login`].
#[derive(Debug)]
pub struct LoginRead {
    /// The token store, as a noun phrase ("tokens file …").
    pub store: String,
    /// The setting that points at the store.
    pub setting: &'static str,
    pub found: Result<Versioned, TokenStoreError>,
    /// Whether others can read the stored login.
    pub exposure: Option<Exposure>,
}

/// Checks the login: the stored one (usable, private, expiry; the granted scopes against
/// `types` are noted, as a hint), else a bare `OURA_ACCESS_TOKEN`.
pub fn check_login(
    read: LoginRead,
    access_token: Option<&Secret>,
    types: &[DataType],
    app: &AppStep,
    now: Timestamp,
) -> LoginFound {
    const NAME: &str = "login";
    let auth = app.then("auth");
    let failed = |detail: String, fix: String| LoginFound {
        check: Check::fail(NAME, detail, fix),
        bearer: None,
        when_refused: auth.clone(),
    };
    let tokens = match read.found {
        Ok(found) => found.tokens,
        Err(TokenStoreError::Missing { absent }) => {
            return match access_token {
                Some(token) => LoginFound {
                    check: Check::pass(
                        NAME,
                        format!("OURA_ACCESS_TOKEN ({absent}; it cannot be refreshed)"),
                    ),
                    bearer: Some(token.clone()),
                    when_refused: format!(
                        "OURA_ACCESS_TOKEN cannot be refreshed: set a valid one, or remove it \
                         and {auth}"
                    ),
                },
                None => failed(absent, format!("{auth} (or set {} to where it is)", read.setting)),
            };
        }
        Err(e) => return failed(e.to_string(), format!("{auth} to write it anew")),
    };
    let mut notes = vec![read.store];
    if let Some(Exposure { problem, fix }) = read.exposure {
        return failed(problem, fix);
    }
    let refreshable = tokens.refresh_token.is_some();
    match tokens.expires_at {
        Some(at) if at <= now && !refreshable => {
            return failed(
                format!("the access token expired at {at} and there is no refresh token"),
                auth.clone(),
            );
        }
        Some(at) if at <= now => notes.push(format!("access token expired at {at}, refreshable")),
        Some(at) => notes.push(format!("access token valid until {at}")),
        None => notes.push("expiry unknown".into()),
    }
    // The granted scopes are only a hint (the sync asks for every type anyway, and skips one
    // Oura refuses), so a scope that seems missing is said, not failed.
    if let Some(granted) = tokens.scopes() {
        let missing = missing_scopes(&granted, types);
        if missing.is_empty() {
            notes.push("every scope the types need is granted".into());
        } else {
            let list = missing.into_iter().collect::<Vec<_>>().join(" ");
            notes.push(format!(
                "scopes that seem not granted: {list} (if their types are skipped, run \
                 `oura-sync auth` with them in OURA_SCOPES)"
            ));
        }
    }
    let expired = tokens.expires_at.is_some_and(|at| at <= now);
    LoginFound {
        check: Check::pass(NAME, notes.join(", ")),
        // An expired token would only be refused; the sync refreshes it, the doctor does not.
        bearer: (!expired).then_some(tokens.access_token),
        when_refused: if refreshable {
            format!("{}, or `oura-sync auth` if that fails", app.then("refresh"))
        } else {
            auth
        },
    }
}

/// The scopes `types` need that `granted` lacks.
pub fn missing_scopes(granted: &BTreeSet<String>, types: &[DataType]) -> BTreeSet<&'static str> {
    types.iter().map(|t| t.scope()).filter(|s| !granted.contains(*s)).collect()
}

/// What one authenticated Oura request answered.
#[derive(Debug)]
pub enum OuraAnswer {
    /// An HTTP status, with the server's `Date` header when it sent one.
    Status { status: u16, date: Option<Timestamp> },
    /// No answer: the transport's one-line cause.
    Unreachable(String),
}

/// The Oura check and the clock check from one answer of `host`, at `now`; `when_refused` is
/// the fix for a 401 (see [`LoginFound::when_refused`]).
pub fn judge_oura(
    host: &str,
    answer: &OuraAnswer,
    now: Timestamp,
    when_refused: &str,
) -> (Check, Check) {
    const API: &str = "oura api";
    const CLOCK: &str = "clock";
    match answer {
        OuraAnswer::Unreachable(cause) => (
            Check::fail(
                API,
                format!("cannot reach {host}: {cause}"),
                "check the network or proxy (HTTPS_PROXY, NO_PROXY)",
            ),
            Check::fail(CLOCK, "not compared: Oura did not answer", "fix the Oura check first"),
        ),
        OuraAnswer::Status { status, date } => {
            let api = match status {
                200..=299 => Check::pass(API, format!("{host} accepted the access token")),
                401 => Check::fail(
                    API,
                    format!("{host} refused the access token (HTTP 401)"),
                    when_refused,
                ),
                403 => Check::fail(
                    API,
                    format!("{host} refused the request (HTTP 403: scope or membership)"),
                    "check the Oura membership, and the scopes with `oura-sync auth`",
                ),
                other => Check::fail(
                    API,
                    format!("{host} answered HTTP {other}"),
                    "try again later; check OURA_API_BASE if it persists",
                ),
            };
            let clock = match date {
                None => Check::pass(CLOCK, "not compared (Oura sent no Date header)"),
                Some(date) => {
                    let skew = now.duration_since(*date);
                    if skew.abs() > MAX_CLOCK_SKEW {
                        Check::fail(
                            CLOCK,
                            format!("this machine is {} s off Oura's clock", skew.as_secs()),
                            "set the system clock right (enable NTP: `timedatectl set-ntp true`)",
                        )
                    } else {
                        Check::pass(CLOCK, format!("within {} s of Oura's", skew.as_secs().abs()))
                    }
                }
            };
            (api, clock)
        }
    }
}

/// Sends the one cheap authenticated request: the `personal_info` of the login when its
/// scope is granted (a few hundred bytes), else one day of the first type asked for.
pub async fn ask_oura(
    http: &reqwest::Client,
    api_base: &str,
    bearer: &Secret,
    data_type: DataType,
    today: jiff::civil::Date,
) -> OuraAnswer {
    let url = format!("{api_base}/v2/usercollection/{}", data_type.api_path());
    let mut request = http.get(url).bearer_auth(bearer.expose()).timeout(REQUEST_TIMEOUT);
    if data_type.range() == crate::datatype::RangeKind::Date {
        let day = today.to_string();
        request = request.query(&[("start_date", day.as_str()), ("end_date", day.as_str())]);
    }
    match request.send().await {
        Ok(response) => {
            let date = response
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| jiff::fmt::rfc2822::parse(v).ok())
                .map(|z| z.timestamp());
            OuraAnswer::Status { status: response.status().as_u16(), date }
        }
        // Worded as a sync words it (the host and the proxy settings follow in the check).
        Err(e) => OuraAnswer::Unreachable(crate::oura::transport_cause(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(found: Result<Versioned, TokenStoreError>, exposure: Option<Exposure>) -> LoginRead {
        LoginRead {
            store: "tokens file t.json".into(),
            setting: "OURA_TOKENS_FILE",
            found,
            exposure,
        }
    }

    fn stored(json: &str) -> Result<Versioned, TokenStoreError> {
        let tokens = crate::auth::StoredTokens::parse(json.as_bytes(), None).unwrap();
        Ok(Versioned { tokens, version: crate::auth::Version::new("v1") })
    }

    /// What the store answered decides the login check: none falls back to a bare token (or
    /// fails naming the setting), an unusable one fails with its own message, an exposed one
    /// fails with the fix, and a usable one passes naming the store, with a bearer to try.
    #[test]
    fn the_login_check_follows_what_the_store_answered() {
        let now = Timestamp::now();
        let missing =
            || Err(TokenStoreError::Missing { absent: "there is no tokens file at t.json".into() });
        let found = check_login(
            read(missing(), None),
            Some(&Secret::new("bare")),
            &[],
            &AppStep::new(true, true),
            now,
        );
        assert!(found.check.ok && found.check.detail.starts_with("OURA_ACCESS_TOKEN (there is no"));
        assert_eq!(found.bearer.unwrap().expose(), "bare");
        let found = check_login(read(missing(), None), None, &[], &AppStep::new(true, true), now);
        assert!(
            !found.check.ok && found.check.fix.as_deref().unwrap().contains("OURA_TOKENS_FILE")
        );
        let corrupt = Err(TokenStoreError::Corrupt { message: "not usable; run auth".into() });
        let found = check_login(
            read(corrupt, None),
            Some(&Secret::new("bare")),
            &[],
            &AppStep::new(true, true),
            now,
        );
        assert!(
            !found.check.ok
                && found.check.detail == "not usable; run auth"
                && found.bearer.is_none()
        );
        let exposed =
            Exposure { problem: "mode 0644".into(), fix: "run `chmod 600 t.json`".into() };
        let found = check_login(
            read(stored(r#"{"access_token":"a"}"#), Some(exposed)),
            None,
            &[],
            &AppStep::new(true, true),
            now,
        );
        assert!(!found.check.ok && found.check.detail == "mode 0644" && found.bearer.is_none());
        let found = check_login(
            read(stored(r#"{"access_token":"a"}"#), None),
            None,
            &[],
            &AppStep::new(true, true),
            now,
        );
        assert!(found.check.ok && found.check.detail.starts_with("tokens file t.json"));
        assert_eq!(found.bearer.unwrap().expose(), "a");
    }

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn the_clock_is_judged_against_oura_s_date() {
        let ok = OuraAnswer::Status { status: 200, date: Some(ts(1_000)) };
        let (api, clock) = judge_oura("h", &ok, ts(1_030), "refresh");
        assert!(api.ok && clock.ok, "{clock:?}");
        let (_, clock) = judge_oura("h", &ok, ts(1_000 + 600), "refresh");
        assert!(!clock.ok && clock.detail.contains("600 s off"), "{clock:?}");
        let refused = OuraAnswer::Status { status: 401, date: None };
        let (api, _) = judge_oura("h", &refused, ts(0), "run `oura-sync refresh`");
        assert!(!api.ok && api.fix.unwrap().contains("oura-sync refresh"));
        let (api, clock) = judge_oura("h", &OuraAnswer::Unreachable("dns".into()), ts(0), "");
        assert!(!api.ok && !clock.ok && api.fix.unwrap().contains("HTTPS_PROXY"));
    }

    #[test]
    fn scopes_are_matched_against_the_types() {
        let granted: BTreeSet<String> = ["daily".to_string()].into();
        let missing = missing_scopes(&granted, &[DataType::DailySleep, DataType::Heartrate]);
        assert_eq!(missing.into_iter().collect::<Vec<_>>(), ["heartrate"]);
    }

    #[test]
    fn the_report_is_one_line_per_check_and_ok_only_when_all_pass() {
        let report = DoctorReport::new(
            vec![Provenance {
                name: "OURA_DAYS",
                source: crate::provenance::Source::EnvFile,
                display: Some("7".into()),
            }],
            vec![Check::pass("a", "fine"), Check::fail("b", "broken", "mend it")],
        );
        assert!(!report.ok);
        let text = report.render();
        assert!(text.contains("OURA_DAYS") && text.contains("(env file)"), "{text}");
        assert!(text.contains("✓ a: fine\n✗ b: broken; mend it\n"), "{text}");
        assert!(text.ends_with("1 of 2 checks failed.\n"), "{text}");
    }

    /// The next step names what is missing first: with no app, `auth` would stop on the
    /// missing OURA_CLIENT_ID/OURA_CLIENT_SECRET, so the hint sets them before running it.
    #[test]
    fn the_auth_hint_names_the_missing_app_settings_first() {
        assert_eq!(AppStep::new(true, true).then("auth"), "run `oura-sync auth`");
        let none = AppStep::new(false, false).then("auth");
        assert!(none.starts_with("set OURA_CLIENT_ID and OURA_CLIENT_SECRET "), "{none}");
        assert!(none.ends_with("then run `oura-sync auth`"), "{none}");
        let found = check_login(
            read(Err(TokenStoreError::Missing { absent: "no tokens file".into() }), None),
            None,
            &[],
            &AppStep::new(false, true),
            Timestamp::now(),
        );
        assert!(found.check.fix.unwrap().starts_with("set OURA_CLIENT_ID (your Oura app's"));
    }

    /// A refused bare OURA_ACCESS_TOKEN is not told to refresh (it cannot be); a stored login
    /// with a refresh token is.
    #[test]
    fn a_refused_bare_token_is_not_told_to_refresh() {
        let now = Timestamp::now();
        let app = AppStep::new(true, true);
        let missing = Err(TokenStoreError::Missing { absent: "no tokens file".into() });
        let bare = check_login(read(missing, None), Some(&Secret::new("b")), &[], &app, now);
        let refused = OuraAnswer::Status { status: 401, date: None };
        let (api, _) = judge_oura("h", &refused, now, &bare.when_refused);
        let fix = api.fix.unwrap();
        assert!(!fix.contains("refresh`") && fix.contains("OURA_ACCESS_TOKEN cannot be refreshed"));
        let stored = read(stored(r#"{"access_token":"a","refresh_token":"r"}"#), None);
        let found = check_login(stored, None, &[], &app, now);
        assert!(
            found.when_refused.starts_with("run `oura-sync refresh`"),
            "{}",
            found.when_refused
        );
    }
}
