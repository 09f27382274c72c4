//! Small named JSON documents the ledger keeps beside its days and runs, in every ledger
//! form: what the webhooks learn (subscriptions, the last delivery per type, events not yet
//! applied) and anything else a lake must remember between runs that is not a day or a run.
//!
//! A record is `(kind, name) → body`: the kind groups records that are listed together, the
//! name tells them apart, the body is JSON text the caller owns. Writes of different names
//! never lose each other (each record is its own file or item; nothing reads, changes and
//! rewrites a shared document), and writing a name again replaces its body.
//!
//! Where they live:
//! - local: `_ledger/records/<kind>/<name>.json`, each replaced atomically;
//! - pk/sk table: the item `pk` = `oura#<kind>`, `sk` = `<name>`, the body in `body`;
//! - ingestion log: the item `file_path` = `oura-sync:<kind>`, `upload_timestamp` = a number
//!   derived from the name ([`name_slot`]), with `name` and `body`, and `source` `oura-sync` so
//!   that bio-lakehouse's scans of `source = oura` never count it.
//!
//! Removing uses `BatchWriteItem`, which the sync's IAM policy already grants.

/// The prefix of a record kind's partition in a pk/sk table.
pub const PK_PREFIX: &str = "oura#";
/// The prefix of a record kind's `file_path` in an ingestion log.
pub const FILE_PATH_PREFIX: &str = "oura-sync:";
/// The `source` of a record item in an ingestion log (not `oura`).
pub const SOURCE: &str = "oura-sync";
/// Names and kinds are at most this long (a file name and a DynamoDB key both allow it).
const MAX_LEN: usize = 200;

/// One record: its name and its JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub body: String,
}

/// Checks that `kind` and `name` can be a record's: non-empty, at most 200 characters of
/// `a-z 0-9 _ . : # -` (so a name is a safe file name and reads the same in every form), and
/// a name that is not `.` or `..`.
pub fn check(kind: &str, name: &str) -> anyhow::Result<()> {
    let fits = |text: &str| {
        !text.is_empty()
            && text.len() <= MAX_LEN
            && text.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'_' | b'.' | b':' | b'#' | b'-')
            })
            && text != "."
            && text != ".."
    };
    if !fits(kind) || !fits(name) {
        anyhow::bail!(
            "a ledger record's kind and name must be 1 to {MAX_LEN} characters of a-z 0-9 _ . : # - \
             (got kind {kind:?}, name {name:?})"
        );
    }
    Ok(())
}

/// The ingestion log's sort key for a record name: the first 6 bytes of the name's SHA-256,
/// a number below 2^48 (exact in a DynamoDB number and in its decimal string form), so every
/// name has its own item under its kind's `file_path`.
pub fn name_slot(name: &str) -> i64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 8];
    bytes[2..].copy_from_slice(&digest[..6]);
    i64::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names made of the allowed characters pass; empty, upper-case, slashes, spaces, `..`
    /// and over-long names are refused, so no name can leave its kind's directory.
    #[test]
    fn only_safe_kinds_and_names_are_accepted() {
        for (kind, name) in
            [("webhook_pending", "sleep.2026-12-01"), ("k", "create.vo2_max"), ("a", "x#1:2")]
        {
            assert!(check(kind, name).is_ok(), "{kind} {name}");
        }
        let long = "a".repeat(MAX_LEN + 1);
        for (kind, name) in [
            ("", "n"),
            ("k", ""),
            ("K", "n"),
            ("k", "a/b"),
            ("k", "../x"),
            ("k", ".."),
            ("k", "a b"),
            ("k", long.as_str()),
        ] {
            assert!(check(kind, name).is_err(), "{kind:?} {name:?}");
        }
    }

    /// Slots are stable, below 2^48, and differ between names.
    #[test]
    fn name_slots_are_stable_and_small() {
        let a = name_slot("create.sleep");
        assert_eq!(a, name_slot("create.sleep"));
        assert!((0..1 << 48).contains(&a));
        assert_ne!(a, name_slot("update.sleep"));
    }
}
