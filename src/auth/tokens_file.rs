//! Reading the tokens file (`OURA_TOKENS_FILE`, default `.oura-tokens.json`).
//!
//! Besides our own shape it accepts what other Oura tools write: `access_token`,
//! `refresh_token`, `expires_in` (seconds, counted from the file's modification time when no
//! absolute expiry is given), an optional absolute expiry (`expires_at` as Unix seconds or
//! RFC 3339), and `scope` (space-separated, possibly `extapi:`-prefixed).
//!
//! It writes one shape (see [`StoredTokens::write`]): `access_token`, `refresh_token`,
//! `token_type`, `expires_at` (RFC 3339), `scope` (granted scopes, `extapi:` removed) and
//! `token_url` (the token URL that worked), atomically and with mode 0600 from the start.
//! A tokens file that is a symbolic link stays one: the file it points to is replaced. A file
//! that others may read is used, with a warning saying how to fix it; a message about a file
//! that cannot be used never quotes its content.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::auth::oauth::Issued;
use crate::error::UserError;
use crate::fsutil::{Reserved, write_atomic};
use crate::secret::Secret;

/// The tokens file's Unix mode: readable and writable by its owner only.
pub const TOKENS_FILE_MODE: u32 = 0o600;

/// Bytes claimed on disk before a refresh spends the old refresh token: our file with tokens
/// as large as the biggest token answer read (64 KiB), with room to spare.
pub const RESERVED_BYTES: usize = 160 * 1024;

/// The file a write to the tokens file at `path` must replace: the target of a symbolic link
/// (so the link survives and the file it names gets the new tokens), else `path` itself.
pub fn write_target(path: &Path) -> std::path::PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

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
        let metadata = std::fs::metadata(path).ok();
        warn_if_readable_by_others(path, metadata.as_ref());
        let modified =
            metadata.and_then(|m| m.modified().ok()).and_then(|t| Timestamp::try_from(t).ok());
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
        let raw: RawTokens = serde_json::from_slice(bytes).map_err(describe_json_error)?;
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

    /// The tokens a login or refresh just issued, at `now`. What Oura did not send is kept
    /// from `previous` (a refresh answer may omit the refresh token or the scopes);
    /// `requested` scopes stand in when a login's answer names none (RFC 6749 §5.1: the
    /// scope may be omitted when it is what was asked for).
    pub fn issued(
        issued: Issued,
        previous: Option<&StoredTokens>,
        requested: &[String],
        now: Timestamp,
    ) -> StoredTokens {
        let scope = issued
            .scope
            .as_deref()
            .map(|s| normalize_scopes(s).into_iter().collect::<Vec<_>>().join(" "))
            .or_else(|| previous.and_then(|p| p.scope.clone()))
            .or_else(|| (!requested.is_empty()).then(|| requested.join(" ")));
        StoredTokens {
            access_token: issued.access_token,
            refresh_token: issued.refresh_token.or_else(|| previous?.refresh_token.clone()),
            expires_at: issued.expires_in.map(|s| {
                let at = now + SignedDuration::from_secs(s.max(0));
                // Whole seconds: the file holds RFC 3339 without fractions.
                Timestamp::from_second(at.as_second()).unwrap_or(at)
            }),
            scope,
            token_url: Some(issued.token_url),
        }
    }

    /// The file's bytes in our shape.
    pub fn to_json(&self) -> Vec<u8> {
        let value = serde_json::json!({
            "access_token": self.access_token.expose(),
            "refresh_token": self.refresh_token.as_ref().map(Secret::expose),
            "token_type": "bearer",
            "expires_at": self.expires_at.map(|t| t.to_string()),
            "scope": self.scope.as_deref().map(|s| {
                normalize_scopes(s).into_iter().collect::<Vec<_>>().join(" ")
            }),
            "token_url": self.token_url,
        });
        let mut bytes = serde_json::to_vec_pretty(&value).expect("a JSON value serializes");
        bytes.push(b'\n');
        bytes
    }

    /// Replaces the file at `path` atomically; the file has mode 0600 from its creation, so
    /// the tokens are never readable by others, and a crash leaves the old file or the new.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        write_atomic(&write_target(path), &self.to_json(), Some(TOKENS_FILE_MODE))
    }

    /// Claims the disk space a later [`StoredTokens::write_claimed`] needs, beside the file
    /// at `path`, before anything is spent.
    pub fn claim_space(path: &Path) -> anyhow::Result<Reserved> {
        Reserved::claim(&write_target(path), RESERVED_BYTES, Some(TOKENS_FILE_MODE))
    }

    /// Replaces the tokens file through space claimed by [`StoredTokens::claim_space`].
    pub fn write_claimed(&self, claim: Reserved) -> anyhow::Result<()> {
        claim.commit(&self.to_json())
    }

    /// True if and only if the access token expires within `margin` of `now` (or has).
    /// A token without a known expiry is taken as valid until Oura refuses it.
    pub fn expires_within(&self, margin: SignedDuration, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| at.duration_since(now) < margin)
    }

    /// True if and only if `other` holds the same token pair.
    pub fn same_pair(&self, other: &StoredTokens) -> bool {
        self.access_token == other.access_token && self.refresh_token == other.refresh_token
    }

    /// The granted scopes without Oura's `extapi:` prefix; `None` when the file has no `scope`.
    pub fn scopes(&self) -> Option<BTreeSet<String>> {
        self.scope.as_deref().map(normalize_scopes)
    }
}

/// Why the file is not JSON of the right shape, by position only: serde_json's messages for
/// a value of the wrong type quote the value, which may be a token.
fn describe_json_error(e: serde_json::Error) -> String {
    let at = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        serde_json::error::Category::Data => format!("a field has the wrong type ({at})"),
        serde_json::error::Category::Eof => format!("the JSON is cut off ({at})"),
        _ => format!("not a JSON object ({at})"),
    }
}

/// Warns when others than the owner may read the tokens file.
fn warn_if_readable_by_others(path: &Path, metadata: Option<&std::fs::Metadata>) {
    #[cfg(unix)]
    if let Some(meta) = metadata {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                mode = format!("{mode:04o}"),
                "The tokens file can be read by other users; run `chmod 600` on it."
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, metadata);
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
    fn what_we_write_reads_back_with_the_prefix_removed() {
        let now: Timestamp = "2026-11-20T10:00:00.5Z".parse().unwrap();
        let issued = Issued {
            access_token: Secret::new("acc"),
            refresh_token: None,
            expires_in: Some(86400),
            scope: Some("extapi:daily extapi:spo2".into()),
            token_url: "http://t/token".into(),
        };
        let previous =
            StoredTokens::parse(br#"{"access_token":"old","refresh_token":"r0"}"#, None).unwrap();
        let t = StoredTokens::issued(issued, Some(&previous), &[], now);
        let back = StoredTokens::parse(&t.to_json(), None).unwrap();
        assert_eq!(back.access_token.expose(), "acc");
        assert_eq!(back.refresh_token.unwrap().expose(), "r0");
        assert_eq!(back.expires_at.unwrap().to_string(), "2026-11-21T10:00:00Z");
        assert_eq!(back.scope.as_deref(), Some("daily spo2"));
        assert_eq!(back.token_url.as_deref(), Some("http://t/token"));
    }

    #[test]
    fn a_login_without_a_scope_answer_keeps_the_requested_scopes() {
        let issued = Issued {
            access_token: Secret::new("a"),
            refresh_token: Some(Secret::new("r")),
            expires_in: None,
            scope: None,
            token_url: "u".into(),
        };
        let t =
            StoredTokens::issued(issued, None, &["daily".into(), "tag".into()], Timestamp::now());
        assert_eq!(t.scope.as_deref(), Some("daily tag"));
        assert!(t.expires_at.is_none());
        assert!(!t.expires_within(SignedDuration::from_mins(5), Timestamp::now()));
    }

    #[test]
    fn a_malformed_file_is_refused_without_quoting_it() {
        let err = StoredTokens::parse(br#"{"refresh_token":"very-secret"}"#, None).unwrap_err();
        assert!(err.contains("access_token") && !err.contains("very-secret"));
        let err = StoredTokens::parse(b"very-secret", None).unwrap_err();
        assert!(!err.contains("very-secret"), "{err}");
        for wrong in [
            &br#"{"access_token":"a","expires_in":"very-secret"}"#[..],
            br#"{"access_token":["very-secret"]}"#,
            br#"{"access_token":"a","scope":{"very-secret":1}}"#,
        ] {
            let err = StoredTokens::parse(wrong, None).unwrap_err();
            assert!(!err.contains("very-secret") && err.contains("wrong type"), "{err}");
        }
    }
}
