//! Reading the tokens file (`OURA_TOKENS_FILE`, default `.oura-tokens.json`).
//!
//! Besides our own shape it accepts what other Oura tools write: `access_token`,
//! `refresh_token`, `expires_in` (seconds, counted from the file's modification time when no
//! absolute expiry is given), an optional absolute expiry (`expires_at` as Unix seconds or
//! RFC 3339), and `scope` (space-separated, possibly `extapi:`-prefixed).

use std::collections::BTreeSet;
use std::path::Path;

use jiff::Timestamp;
use serde::Deserialize;

use crate::error::UserError;
use crate::secret::Secret;

/// The token data of a login.
#[derive(Debug, Clone)]
pub struct StoredTokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_at: Option<Timestamp>,
    /// The granted scopes as Oura sent them (space-separated).
    pub scope: Option<String>,
    /// The token URL that last worked for this login.
    pub token_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Expiry {
    Seconds(f64),
    Text(String),
}

#[derive(Deserialize)]
struct RawTokens {
    access_token: Option<Secret>,
    refresh_token: Option<Secret>,
    expires_in: Option<f64>,
    expires_at: Option<Expiry>,
    scope: Option<String>,
    token_url: Option<String>,
}

impl StoredTokens {
    /// Reads the file; `Ok(None)` when it does not exist. A file that exists but cannot be
    /// used is a login problem (exit 3) whose message never quotes the file's content.
    pub fn read(path: &Path) -> anyhow::Result<Option<StoredTokens>> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(UserError::login_needed(format!(
                    "cannot read the tokens file {}: {e}; fix its permissions or run `oura-sync auth`",
                    path.display()
                )));
            }
        };
        let modified = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| Timestamp::try_from(t).ok());
        Self::parse(&bytes, modified).map(Some).map_err(|why| {
            UserError::login_needed(format!(
                "the tokens file {} is not usable ({why}); run `oura-sync auth` to write a new one",
                path.display()
            ))
        })
    }

    /// Parses the file's bytes; `modified` anchors a relative `expires_in`.
    pub fn parse(bytes: &[u8], modified: Option<Timestamp>) -> Result<StoredTokens, String> {
        // serde_json's messages name positions, not content, so they cannot leak a token.
        let raw: RawTokens =
            serde_json::from_slice(bytes).map_err(|e| format!("not a JSON object: {e}"))?;
        let access_token = raw
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| "it has no `access_token`".to_string())?;
        let expires_at = match raw.expires_at {
            Some(Expiry::Seconds(s)) => Some(
                Timestamp::from_second(s as i64)
                    .map_err(|_| "`expires_at` is out of range".to_string())?,
            ),
            Some(Expiry::Text(text)) => Some(
                text.parse::<Timestamp>()
                    .map_err(|_| "`expires_at` is not an RFC 3339 time".to_string())?,
            ),
            None => match (raw.expires_in, modified) {
                (Some(secs), Some(base)) => {
                    Some(base + jiff::SignedDuration::from_secs(secs as i64))
                }
                _ => None,
            },
        };
        Ok(StoredTokens {
            access_token,
            refresh_token: raw.refresh_token.filter(|t| !t.is_empty()),
            expires_at,
            scope: raw.scope,
            token_url: raw.token_url,
        })
    }

    /// The granted scopes without Oura's `extapi:` prefix; `None` when the file has no `scope`.
    pub fn scopes(&self) -> Option<BTreeSet<String>> {
        self.scope.as_deref().map(normalize_scopes)
    }
}

/// Splits a scope string and strips the `extapi:` prefix Oura puts on granted scopes.
pub fn normalize_scopes(scope: &str) -> BTreeSet<String> {
    scope
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(|s| s.strip_prefix("extapi:").unwrap_or(s).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shape_other_tools_write() {
        let base: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
        let t = StoredTokens::parse(
            br#"{"access_token":"a","refresh_token":"r","expires_in":86400,"token_type":"bearer",
                "scope":"extapi:daily extapi:heartrate personal"}"#,
            Some(base),
        )
        .unwrap();
        assert_eq!(t.expires_at.unwrap().to_string(), "2026-11-21T10:00:00Z");
        let scopes = t.scopes().unwrap();
        assert!(
            scopes.contains("daily") && scopes.contains("heartrate") && scopes.contains("personal")
        );
    }

    #[test]
    fn an_absolute_expiry_wins_in_either_form() {
        let t = StoredTokens::parse(
            br#"{"access_token":"a","expires_at":1769100199,"expires_in":5}"#,
            None,
        )
        .unwrap();
        assert_eq!(t.expires_at.unwrap().as_second(), 1769100199);
        let t = StoredTokens::parse(
            br#"{"access_token":"a","expires_at":"2026-12-01T00:00:00Z"}"#,
            None,
        )
        .unwrap();
        assert_eq!(t.expires_at.unwrap().to_string(), "2026-12-01T00:00:00Z");
    }

    #[test]
    fn a_malformed_file_is_refused_without_quoting_it() {
        let err = StoredTokens::parse(br#"{"refresh_token":"very-secret"}"#, None).unwrap_err();
        assert!(err.contains("access_token") && !err.contains("very-secret"));
        let err = StoredTokens::parse(b"very-secret", None).unwrap_err();
        assert!(!err.contains("very-secret"), "{err}");
    }
}
