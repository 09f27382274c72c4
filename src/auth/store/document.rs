//! What a remote token store keeps ([`Doc`]): the login, the leases that stand in for the
//! file backend's locks, and where a moved login went, with the pure decisions on them.
//!
//! The login is our tokens JSON (or another tool's: any object [`StoredTokens::parse`]
//! reads). Beside it, under the key [`META_KEY`] (`oura_sync`), sits the bookkeeping:
//!
//! ```json
//! {"access_token": "…", "refresh_token": "…", …,
//!  "oura_sync": {"leases": {"refresh": {"owner": "…", "holder": "pid 41 on host-a",
//!                                       "expires_at": 1767225600}},
//!                "moved_to": "dynamodb://t", "unparsed": "…"}}
//! ```
//!
//! - a **lease** is a lock with an expiry: `refresh` is the write lock (held across one
//!   refresh or login), `run` the run lock (renewed while a sync runs). A holder that is
//!   killed (a Lambda at its timeout) stops renewing, and the lease lapses by itself;
//! - `moved_to` replaces the login after `oura-sync tokens move` took it elsewhere;
//! - `unparsed` keeps a stored value that is not JSON while a lease sits beside it, so that
//!   taking a lock never destroys what is stored.
//!
//! A login's [`Version`] is the SHA-256 of its JSON (keys as stored), so the leases coming
//! and going never change it: only a new login or a refresh does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::StoredTokens;
use crate::auth::store::{Version, Versioned};

/// The key of our bookkeeping in a stored object.
pub const META_KEY: &str = "oura_sync";

/// The write lock's lease name.
pub const REFRESH_LEASE: &str = "refresh";
/// The run lock's lease name.
pub const RUN_LEASE: &str = "run";

/// One held lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// A random id of the holding handle: only it renews or releases the lease.
    pub owner: String,
    /// Who holds it, for the message of a run that waits ("pid 41 on host-a").
    pub holder: String,
    /// Unix seconds after which the lease is free.
    pub expires_at: i64,
}

/// The bookkeeping beside the login.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub leases: BTreeMap<String, Lease>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unparsed: Option<String>,
}

impl Meta {
    fn is_empty(&self) -> bool {
        self.leases.is_empty() && self.moved_to.is_none() && self.unparsed.is_none()
    }
}

/// What is stored where the login should be.
#[derive(Debug, Clone, PartialEq)]
pub enum Login {
    /// Nothing (a new store, or only leases or a move note).
    None,
    /// A JSON object: a login if [`StoredTokens::parse`] takes it.
    Json(Map<String, Value>),
    /// Text that is not a JSON object (kept as it was, never shown).
    Unparsed(String),
}

/// A remote store's whole value.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub login: Login,
    pub meta: Meta,
}

/// What the stored login is, for `load` and compare-and-swap.
#[derive(Debug)]
pub enum LoginState {
    Usable(Versioned),
    /// No login; `moved_to` when `tokens move` took it elsewhere.
    Missing {
        moved_to: Option<String>,
    },
    /// Not usable; why, never quoting the value.
    Corrupt(String),
}

impl Doc {
    /// An empty store.
    pub fn empty() -> Self {
        Doc { login: Login::None, meta: Meta::default() }
    }

    /// A document holding `tokens` and `meta`.
    pub fn with_tokens(tokens: &StoredTokens, meta: Meta) -> Self {
        let login = match serde_json::from_slice::<Value>(&tokens.to_json()) {
            Ok(Value::Object(map)) => Login::Json(map),
            _ => unreachable!("to_json writes an object"),
        };
        Doc { login, meta }
    }

    /// Reads one stored string (a secret's value): the login's keys with [`META_KEY`] beside
    /// them, or text that is not JSON (another tool's, or a torn write).
    pub fn from_combined(text: &str) -> Self {
        let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(text) else {
            return Doc { login: Login::Unparsed(text.to_string()), meta: Meta::default() };
        };
        let meta = map
            .remove(META_KEY)
            .and_then(|m| serde_json::from_value::<Meta>(m).ok())
            .unwrap_or_default();
        Doc::from_parts_inner(map, meta)
    }

    /// Writes the document as one string (see [`Doc::from_combined`]).
    pub fn to_combined(&self) -> String {
        let mut meta = self.meta.clone();
        let mut map = match &self.login {
            Login::None => Map::new(),
            Login::Json(map) => map.clone(),
            Login::Unparsed(text) => {
                meta.unparsed = Some(text.clone());
                Map::new()
            }
        };
        if !meta.is_empty() {
            map.insert(META_KEY.into(), serde_json::to_value(&meta).expect("meta serializes"));
        }
        serde_json::to_string(&Value::Object(map)).expect("a JSON object serializes")
    }

    /// Reads a document kept as two texts (a DynamoDB item's `tokens` and `oura_sync`).
    pub fn from_parts(tokens: Option<&str>, meta: Option<&str>) -> Self {
        let meta: Meta = meta.and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
        match tokens.map(serde_json::from_str::<Value>) {
            None => Doc::from_parts_inner(Map::new(), meta),
            Some(Ok(Value::Object(map))) => Doc::from_parts_inner(map, meta),
            Some(_) => Doc { login: Login::Unparsed(tokens.unwrap_or_default().to_string()), meta },
        }
    }

    /// The two texts of [`Doc::from_parts`]: the login (absent when there is none) and the
    /// bookkeeping (absent when there is none).
    pub fn to_parts(&self) -> (Option<String>, Option<String>) {
        let tokens = match &self.login {
            Login::None => None,
            Login::Json(map) => Some(
                serde_json::to_string(&Value::Object(map.clone())).expect("an object serializes"),
            ),
            Login::Unparsed(text) => Some(text.clone()),
        };
        let meta = (!self.meta.is_empty())
            .then(|| serde_json::to_string(&self.meta).expect("meta serializes"));
        (tokens, meta)
    }

    fn from_parts_inner(map: Map<String, Value>, mut meta: Meta) -> Self {
        let login = if let Some(text) = meta.unparsed.take() {
            Login::Unparsed(text)
        } else if map.is_empty() {
            Login::None
        } else {
            Login::Json(map)
        };
        Doc { login, meta }
    }

    /// The login, its version, or why there is none; `what` names the store for messages.
    pub fn state(&self) -> LoginState {
        match &self.login {
            Login::None => LoginState::Missing { moved_to: self.meta.moved_to.clone() },
            Login::Unparsed(_) => LoginState::Corrupt("it is not JSON".into()),
            Login::Json(map) => {
                let bytes = serde_json::to_vec(&Value::Object(map.clone())).expect("serializes");
                match StoredTokens::parse(&bytes, None) {
                    Ok(tokens) => {
                        LoginState::Usable(Versioned { tokens, version: version_of(map) })
                    }
                    Err(why) => LoginState::Corrupt(why),
                }
            }
        }
    }

    /// This document with `name` leased to `lease`.
    pub fn leased(&self, name: &str, lease: Lease) -> Self {
        let mut doc = self.clone();
        doc.meta.leases.insert(name.to_string(), lease);
        doc
    }

    /// This document without the lease `name` of `owner` (unchanged when another holds it).
    pub fn released(&self, name: &str, owner: &str) -> Self {
        let mut doc = self.clone();
        if doc.meta.leases.get(name).is_some_and(|l| l.owner == owner) {
            doc.meta.leases.remove(name);
        }
        doc
    }

    /// This document holding `tokens` instead of its login (the move note goes; the leases
    /// stay, but `owner`'s `refresh` lease ends with the write).
    pub fn with_login(&self, tokens: &StoredTokens, owner: &str) -> Self {
        let mut meta = self.released(REFRESH_LEASE, owner).meta;
        meta.moved_to = None;
        meta.unparsed = None;
        Doc::with_tokens(tokens, meta)
    }

    /// This document with its login replaced by a note that it moved to `to`.
    pub fn moved(&self, to: &str, owner: &str) -> Self {
        let mut meta = self.released(REFRESH_LEASE, owner).meta;
        meta.moved_to = Some(to.to_string());
        meta.unparsed = None;
        Doc { login: Login::None, meta }
    }
}

/// Whether the lease `name` can be taken by `owner` at `now` (Unix seconds): it is free,
/// lapsed, or already `owner`'s. Otherwise the holder's lease.
pub fn lease_blocker<'a>(doc: &'a Doc, name: &str, owner: &str, now: i64) -> Option<&'a Lease> {
    doc.meta.leases.get(name).filter(|l| l.owner != owner && l.expires_at > now)
}

/// A login's version: the SHA-256 of its JSON (which gives no token back).
fn version_of(map: &Map<String, Value>) -> Version {
    let bytes = serde_json::to_vec(&Value::Object(map.clone())).expect("serializes");
    Version::new(hex::encode(Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(access: &str) -> StoredTokens {
        let json = format!(r#"{{"access_token":"{access}","refresh_token":"r-{access}"}}"#);
        StoredTokens::parse(json.as_bytes(), None).unwrap()
    }

    fn lease(owner: &str, expires_at: i64) -> Lease {
        Lease { owner: owner.into(), holder: format!("pid 1 on {owner}"), expires_at }
    }

    /// A lease coming and going leaves the login's version as it was, in both encodings;
    /// a new login changes it.
    #[test]
    fn leases_never_change_the_login_version() {
        let doc = Doc::with_tokens(&tokens("a1"), Meta::default());
        let LoginState::Usable(before) = doc.state() else { panic!() };
        let leased = doc.leased(REFRESH_LEASE, lease("me", 100));
        for read in [Doc::from_combined(&leased.to_combined()), {
            let (t, m) = leased.to_parts();
            Doc::from_parts(t.as_deref(), m.as_deref())
        }] {
            assert_eq!(read, leased);
            let LoginState::Usable(after) = read.state() else { panic!() };
            assert_eq!(after.version, before.version);
        }
        let LoginState::Usable(other) = doc.with_login(&tokens("a2"), "me").state() else {
            panic!()
        };
        assert_ne!(other.version, before.version);
    }

    /// Another tool's plain tokens JSON is a login; text that is not JSON is kept whole under
    /// a lease and stays unusable; `{}` and a move note are no login.
    #[test]
    fn what_others_store_is_read_as_it_is() {
        let plain = Doc::from_combined(r#"{"access_token":"x1","refresh_token":"y1"}"#);
        assert!(matches!(plain.state(), LoginState::Usable(_)));
        let torn = Doc::from_combined(r#"{"refresh_token":"r-SECRET"#);
        let leased = torn.leased(RUN_LEASE, lease("me", 100));
        let back = Doc::from_combined(&leased.to_combined());
        assert_eq!(back.login, torn.login);
        let LoginState::Corrupt(why) = back.state() else { panic!() };
        assert!(!why.contains("SECRET"), "{why}");
        let released = back.released(RUN_LEASE, "me");
        assert_eq!(
            released.to_combined(),
            r#"{"oura_sync":{"unparsed":"{\"refresh_token\":\"r-SECRET"}}"#
        );
        assert!(matches!(Doc::from_combined("{}").state(), LoginState::Missing { moved_to: None }));
        let moved = Doc::from_combined(&plain.moved("dynamodb://t", "me").to_combined());
        let LoginState::Missing { moved_to } = moved.state() else { panic!() };
        assert_eq!(moved_to.as_deref(), Some("dynamodb://t"));
    }

    /// A lease blocks others until it lapses, never its owner; only the owner releases it.
    #[test]
    fn a_lease_blocks_others_until_it_lapses() {
        let doc = Doc::empty().leased(RUN_LEASE, lease("a", 100));
        assert!(lease_blocker(&doc, RUN_LEASE, "b", 99).is_some());
        assert!(lease_blocker(&doc, RUN_LEASE, "b", 100).is_none());
        assert!(lease_blocker(&doc, RUN_LEASE, "a", 50).is_none());
        assert!(lease_blocker(&doc, REFRESH_LEASE, "b", 50).is_none());
        assert_eq!(doc.released(RUN_LEASE, "b"), doc);
        assert_eq!(doc.released(RUN_LEASE, "a"), Doc::empty());
    }

    /// A write of a login ends the writer's write lease and the move note, and keeps others'
    /// leases.
    #[test]
    fn a_login_write_ends_the_writers_lease_only() {
        let doc = Doc::empty()
            .leased(REFRESH_LEASE, lease("me", 100))
            .leased(RUN_LEASE, lease("other", 100))
            .moved("file://x", "nobody");
        let written = doc.with_login(&tokens("a"), "me");
        assert!(!written.meta.leases.contains_key(REFRESH_LEASE));
        assert!(written.meta.leases.contains_key(RUN_LEASE));
        assert_eq!(written.meta.moved_to, None);
    }
}
