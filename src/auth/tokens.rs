//! The login's data ([`StoredTokens`]) and the one JSON shape every token store keeps it in.
//!
//! Besides our own shape it accepts what other Oura tools write: `access_token`,
//! `refresh_token`, `expires_in` (seconds, counted from when the value was written, when no
//! absolute expiry is given), an optional absolute expiry (`expires_at` as Unix seconds or
//! RFC 3339), and `scope` (space-separated, possibly `extapi:`-prefixed).
//!
//! It writes one shape (see [`StoredTokens::to_json`]): `access_token`, `refresh_token`,
//! `token_type`, `expires_at` (RFC 3339), `scope` (granted scopes, `extapi:` removed) and
//! `token_url` (the token URL that worked). A message about a value that cannot be used never
//! quotes it. Where the bytes live is the store's business ([`crate::auth::store`]).

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::auth::oauth::Issued;
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
    /// Parses a stored value; `modified` (when it was written) anchors a relative `expires_in`.
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

    /// The stored value in our shape.
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

    /// True if and only if the access token expires within `margin` of `now` (or has).
    /// A token without a known expiry is taken as valid until Oura refuses it.
    pub fn expires_within(&self, margin: SignedDuration, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| at.duration_since(now) < margin)
    }

    /// True if and only if `other` holds the same token pair.
    pub fn same_pair(&self, other: &StoredTokens) -> bool {
        self.access_token == other.access_token && self.refresh_token == other.refresh_token
    }

    /// The granted scopes without Oura's `extapi:` prefix; `None` when the login has no `scope`.
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
