//! The store conformance suites: the contract on [`ObjectStore`] (bronze day objects), run on
//! every backend in each layout (the default `hive-ndjson` and `bio-lakehouse`); the contract
//! on the byte store beneath it and silver (`ByteStore`), run on every backend; and the
//! S3-only checks: headers, metadata, encryption, trust in the ledger, health checks.

use jiff::civil::{Date, date};
use oura_sync::datatype::DataType;
use oura_sync::error::{EXIT_USAGE, exit_code};
use oura_sync::store::s3::Encryption;
use oura_sync::store::{DayObject, LocalStore, ObjectStore, PutOutcome, S3Store};

use crate::aws_env;

const DAY: Date = date(2026, 2, 18);

fn object<S: ObjectStore>(store: &S, data_type: DataType, day: Date, lines: &[&str]) -> DayObject {
    store.day_object(data_type, day, lines, "run-1")
}

/// A put of a new key writes it, and get returns exactly the bytes put.
async fn put_then_get_returns_the_same_bytes<S: ObjectStore>(store: &S) {
    let obj = object(
        store,
        DataType::DailySleep,
        DAY,
        &[r#"{"id":"a","day":"2026-02-18"}"#, r#"{"id":"b"}"#],
    );
    assert_eq!(store.put(&obj, None).await.unwrap(), PutOutcome::Written);
    store.flush().await.unwrap();
    let body = store.get(&obj.key).await.unwrap().expect("the object");
    assert_eq!(body, obj.body);
    let expected: &[u8] = match store.layout().name() {
        "hive-ndjson" => b"{\"id\":\"a\",\"day\":\"2026-02-18\"}\n{\"id\":\"b\"}\n",
        "bio-lakehouse" => b"[\n{\"id\":\"a\",\"day\":\"2026-02-18\"},\n{\"id\":\"b\"}\n]\n",
        other => panic!("no expected body for the layout {other}"),
    };
    assert_eq!(&body[..], expected);
}

/// Putting the same bytes again writes nothing and says Unchanged, with or without the
/// ledger's checksum.
async fn the_same_bytes_again_are_unchanged<S: ObjectStore>(store: &S) {
    let obj = object(store, DataType::Heartrate, DAY, &[r#"{"bpm":61}"#]);
    assert_eq!(store.put(&obj, None).await.unwrap(), PutOutcome::Written);
    assert_eq!(store.put(&obj, None).await.unwrap(), PutOutcome::Unchanged);
    assert_eq!(store.put(&obj, Some(&obj.sha256)).await.unwrap(), PutOutcome::Unchanged);
}

/// A new body for a key replaces the old one whole (upsert, never a second object).
async fn a_new_body_replaces_the_old_one<S: ObjectStore>(store: &S) {
    let old = object(store, DataType::DailyActivity, DAY, &[r#"{"steps":1}"#]);
    let new = object(store, DataType::DailyActivity, DAY, &[r#"{"steps":1}"#, r#"{"steps":2}"#]);
    assert_eq!(old.key, new.key);
    store.put(&old, None).await.unwrap();
    assert_eq!(store.put(&new, Some(&old.sha256)).await.unwrap(), PutOutcome::Written);
    assert_eq!(store.get(&new.key).await.unwrap().unwrap(), new.body);
    // A stale checksum from the ledger does not stop a write either.
    assert_eq!(store.put(&old, Some("0".repeat(64).as_str())).await.unwrap(), PutOutcome::Written);
    assert_eq!(store.get(&old.key).await.unwrap().unwrap(), old.body);
    // Nor does a ledger that lost track of the key (S3: the create-only put meets the
    // existing object, and the checksums differ).
    assert_eq!(store.put(&new, None).await.unwrap(), PutOutcome::Written);
    assert_eq!(store.get(&new.key).await.unwrap().unwrap(), new.body);
}

/// Each (type, day) has its own key, and a key never written reads as None.
async fn keys_of_other_days_and_types_are_independent<S: ObjectStore>(store: &S) {
    let a = object(store, DataType::DailySleep, DAY, &[r#"{"n":1}"#]);
    let b = object(store, DataType::DailySleep, date(2026, 2, 19), &[r#"{"n":2}"#]);
    let c = object(store, DataType::Sleep, DAY, &[r#"{"n":3}"#]);
    for obj in [&a, &b, &c] {
        store.put(obj, None).await.unwrap();
    }
    for obj in [&a, &b, &c] {
        assert_eq!(store.get(&obj.key).await.unwrap().unwrap(), obj.body, "{}", obj.key);
    }
    let never = store.key(DataType::DailySleep, date(2026, 2, 20));
    assert_eq!(store.get(&never).await.unwrap(), None);
}

/// A deleted object reads as None, its neighbours stay, and deleting a missing key is no error.
async fn a_deleted_object_reads_as_none<S: ObjectStore>(store: &S) {
    let a = object(store, DataType::DailySleep, DAY, &[r#"{"n":1}"#]);
    let b = object(store, DataType::DailySleep, date(2026, 2, 19), &[r#"{"n":2}"#]);
    store.put(&a, None).await.unwrap();
    store.put(&b, None).await.unwrap();
    store.delete(&a.key).await.unwrap();
    assert_eq!(store.get(&a.key).await.unwrap(), None);
    assert_eq!(store.get(&b.key).await.unwrap().unwrap(), b.body);
    store.delete(&a.key).await.unwrap();
}

/// The health check passes on a usable destination.
async fn check_passes_on_a_usable_destination<S: ObjectStore>(store: &S) {
    store.check().await.unwrap();
}

/// Runs every case of the suite on each backend, one test per (backend, case).
macro_rules! store_suite {
    ($($(#[$doc:meta])* $case:ident,)*) => {
        mod local {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = oura_sync::store::LocalStore::new(dir.path().join("lake"));
                    super::$case(&store).await;
                }
            )*
        }
        mod s3 {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let (store, _) = super::s3_store(stringify!($case)).await;
                    super::$case(&store).await;
                }
            )*
        }
        mod local_bio_lakehouse {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = oura_sync::store::LocalStore::new(dir.path().join("lake"))
                        .with_layout(std::sync::Arc::new(oura_sync::store::layout::BioLakehouse));
                    super::$case(&store).await;
                }
            )*
        }
        mod s3_bio_lakehouse {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let (store, _) = super::s3_store(stringify!($case)).await;
                    let store = store
                        .with_layout(std::sync::Arc::new(oura_sync::store::layout::BioLakehouse));
                    super::$case(&store).await;
                }
            )*
        }
        mod s3_compat {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let (store, _) = super::s3_compat_store(stringify!($case)).await;
                    super::$case(&store).await;
                }
            )*
        }
    };
}

store_suite! {
    /// Round trip: put of a new key writes it; flush makes it durable; get returns the same bytes.
    put_then_get_returns_the_same_bytes,
    /// Unchanged: the same bytes again write nothing, with or without the ledger's checksum.
    the_same_bytes_again_are_unchanged,
    /// Upsert: a new body replaces the old one whole; a stale checksum does not block it.
    a_new_body_replaces_the_old_one,
    /// Keys: each (type, day) is its own object; an unwritten key reads as None.
    keys_of_other_days_and_types_are_independent,
    /// Health check: passes on a usable destination.
    check_passes_on_a_usable_destination,
    /// Delete: the object is gone, its neighbours stay, a missing key is no error.
    a_deleted_object_reads_as_none,
}

/// An S3 store on the second S3 implementation (s3s-fs), in a fresh bucket under `oura`,
/// with the clients built as the binary builds them for a custom endpoint.
async fn s3_compat_store(tag: &str) -> (S3Store, oura_sync::aws::AwsClients) {
    let aws = aws_env::compat_clients().await;
    let bucket = aws_env::new_bucket(&aws, tag).await;
    (S3Store::new(aws.s3.clone(), &bucket, "/oura/", Encryption::Aes256), aws)
}

/// An S3 store in a fresh bucket under the prefix `oura`, and the clients.
async fn s3_store(tag: &str) -> (S3Store, oura_sync::aws::AwsClients) {
    let aws = aws_env::clients().await;
    let bucket = aws_env::new_bucket(&aws, tag).await;
    (S3Store::new(aws.s3.clone(), &bucket, "/oura/", Encryption::Aes256), aws)
}

/// S3: the object sits at exactly `oura/<type>/year=/month=/day=/<type>_<day>.jsonl` and
/// carries the NDJSON content type, AES256 encryption and the three metadata entries.
#[tokio::test]
async fn s3_objects_carry_the_key_layout_headers_metadata_and_encryption() {
    let (store, aws) = s3_store("s3-headers").await;
    assert_eq!(store.key_prefix(), "oura");
    assert_eq!(store.describe(), format!("s3://{}/oura", store.bucket()));
    let obj = object(&store, DataType::DailySleep, DAY, &[r#"{"a":1}"#, r#"{"a":2}"#]);
    store.put(&obj, None).await.unwrap();

    let listed = aws.s3.list_objects_v2().bucket(store.bucket()).send().await.unwrap();
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["oura/daily_sleep/year=2026/month=02/day=18/daily_sleep_2026-02-18.jsonl"]);

    let head = aws.s3.head_object().bucket(store.bucket()).key(&obj.key).send().await.unwrap();
    assert_eq!(head.content_type(), Some("application/x-ndjson"));
    assert_eq!(
        head.server_side_encryption(),
        Some(&aws_sdk_s3::types::ServerSideEncryption::Aes256)
    );
    let meta = head.metadata().expect("user metadata");
    assert_eq!(meta.get("record-count").map(String::as_str), Some("2"));
    assert_eq!(meta.get("sha256"), Some(&obj.sha256));
    assert_eq!(meta.get("run-id").map(String::as_str), Some("run-1"));
    assert_eq!(meta.len(), 3, "{meta:?}");
    assert_eq!(head.content_length(), Some(obj.body.len() as i64));
}

/// S3 with `OURA_S3_SSE=aws:kms`: every put asks for SSE-KMS with the configured key id.
#[tokio::test]
async fn s3_kms_encryption_names_the_key() {
    let aws = aws_env::clients().await;
    let bucket = aws_env::new_bucket(&aws, "s3-kms").await;
    let key_id = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    let store = S3Store::new(
        aws.s3.clone(),
        &bucket,
        "oura",
        Encryption::Kms { key_id: Some(key_id.into()) },
    );
    let obj = object(&store, DataType::Tag, DAY, &[r#"{"t":1}"#]);
    store.put(&obj, None).await.unwrap();
    let head = aws.s3.head_object().bucket(&bucket).key(&obj.key).send().await.unwrap();
    assert_eq!(
        head.server_side_encryption(),
        Some(&aws_sdk_s3::types::ServerSideEncryption::AwsKms)
    );
    assert_eq!(head.ssekms_key_id(), Some(key_id));
}

/// S3 trusts the ledger: when the known checksum equals the body's, put sends no request
/// at all (the object, absent here, stays absent).
#[tokio::test]
async fn s3_a_matching_known_checksum_sends_nothing() {
    let (store, _aws) = s3_store("s3-trust").await;
    let obj = object(&store, DataType::DailySpo2, DAY, &[r#"{"spo2":97}"#]);
    assert_eq!(store.put(&obj, Some(&obj.sha256)).await.unwrap(), PutOutcome::Unchanged);
    assert_eq!(store.get(&obj.key).await.unwrap(), None);
}

/// S3 health check: a missing bucket is a one-line usage error (exit 2) that names the
/// bucket and the bootstrap script.
#[tokio::test]
async fn s3_a_missing_bucket_is_a_usage_error_naming_the_fix() {
    let aws = aws_env::clients().await;
    let bucket = aws_env::unique_name("never-created");
    let store = S3Store::new(aws.s3.clone(), &bucket, "oura", Encryption::Aes256);
    let err = store.check().await.unwrap_err();
    assert_eq!(exit_code(&err), EXIT_USAGE, "{err:#}");
    let text = format!("{err:#}");
    assert!(text.contains(&format!("`{bucket}` does not exist")), "{text}");
    assert!(text.contains("scripts/aws-bootstrap.sh") && !text.contains('\n'), "{text}");
}

/// S3: a put that fails (here: the bucket vanished) is an error with a one-line cause, and
/// the local lake's contract on failures holds (nothing half-written is readable).
#[tokio::test]
async fn s3_a_failed_put_reports_a_one_line_cause() {
    let aws = aws_env::clients().await;
    let bucket = aws_env::unique_name("vanished");
    let store = S3Store::new(aws.s3.clone(), &bucket, "oura", Encryption::Aes256);
    let obj = object(&store, DataType::Workout, DAY, &[r#"{"w":1}"#]);
    let err = store.put(&obj, None).await.unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("does not exist") && text.contains("aws-bootstrap.sh"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

/// The local store needs no bucket: its health check passes on a directory not created yet.
#[tokio::test]
async fn local_check_accepts_a_directory_not_created_yet() {
    let dir = tempfile::tempdir().unwrap();
    LocalStore::new(dir.path().join("a/b/lake")).check().await.unwrap();
}

// The byte store under the lake and silver alike (`oura_sync::store::byte_store`): the
// contract silver's month files rely on, run on every backend.

use bytes::Bytes;
use oura_sync::store::byte_store::{ByteStore, Put, PutAttrs};

const PARQUET: &str = "application/vnd.apache.parquet";

fn attrs<'a>(metadata: &'a [(&'a str, String)], only_if_absent: bool) -> PutAttrs<'a> {
    PutAttrs { content_type: PARQUET, metadata, only_if_absent }
}

/// A put is read back whole by `get`; `head` sees the key, when it was written and, where the
/// backend keeps metadata, exactly the metadata put with it; a missing key is `None` to both.
async fn bytes_round_trip_with_metadata<B: ByteStore>(store: &B) {
    let meta = [("bronze-digest", "abc".to_string()), ("row-count", "3".to_string())];
    let key = "sleep/year=2026/month=02/sleep_2026-02.parquet";
    let put = store.put(key, Bytes::from_static(b"PAR1 body"), attrs(&meta, false)).await;
    assert_eq!(put.unwrap(), Put::Written);
    store.flush().await.unwrap();
    assert_eq!(store.get(key).await.unwrap().as_deref(), Some(&b"PAR1 body"[..]));
    let head = store.head(key).await.unwrap().expect("the key is there");
    assert!(head.modified.is_some(), "{head:?}");
    if store.reads_are_cheap() {
        assert!(head.metadata.is_empty(), "a local file keeps no metadata: {head:?}");
    } else {
        assert_eq!(head.metadata.get("bronze-digest").map(String::as_str), Some("abc"));
        assert_eq!(head.metadata.get("row-count").map(String::as_str), Some("3"));
    }
    assert_eq!(store.get("sleep/none.parquet").await.unwrap(), None);
    assert_eq!(store.head("sleep/none.parquet").await.unwrap(), None);
}

/// A listing of a folder gives every key under it at any depth, and nothing of a sibling
/// folder whose name starts the same; an empty folder lists nothing.
async fn bytes_list_is_every_key_under_a_folder<B: ByteStore>(store: &B) {
    for key in ["sleep/year=2026/month=01/a", "sleep/year=2026/month=02/b", "sleep_time/c"] {
        store.put(key, Bytes::from_static(b"x"), attrs(&[], false)).await.unwrap();
    }
    let mut keys: Vec<String> =
        store.list("sleep/").await.unwrap().into_iter().map(|l| l.key).collect();
    keys.sort();
    assert_eq!(keys, ["sleep/year=2026/month=01/a", "sleep/year=2026/month=02/b"]);
    assert!(store.list("tag/").await.unwrap().is_empty());
}

/// A put only if absent creates a new key but leaves an existing one as it was; a new body
/// then replaces it whole; delete removes it and a missing key deletes without error.
async fn bytes_only_if_absent_then_replace_then_delete<B: ByteStore>(store: &B) {
    let key = "tag/k";
    assert_eq!(
        store.put(key, Bytes::from_static(b"one"), attrs(&[], true)).await.unwrap(),
        Put::Written
    );
    assert_eq!(
        store.put(key, Bytes::from_static(b"two"), attrs(&[], true)).await.unwrap(),
        Put::Exists
    );
    assert_eq!(store.get(key).await.unwrap().as_deref(), Some(&b"one"[..]));
    store.put(key, Bytes::from_static(b"three"), attrs(&[], false)).await.unwrap();
    assert_eq!(store.get(key).await.unwrap().as_deref(), Some(&b"three"[..]));
    store.delete(key).await.unwrap();
    assert_eq!(store.get(key).await.unwrap(), None);
    store.delete(key).await.unwrap();
}

/// Runs every byte-store case on each backend, one test per (backend, case).
macro_rules! byte_store_suite {
    ($($(#[$doc:meta])* $case:ident,)*) => {
        mod bytes_local {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = oura_sync::store::byte_store::LocalBytes::new(dir.path().join("x"));
                    super::$case(&store).await;
                }
            )*
        }
        mod bytes_s3 {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let aws = crate::aws_env::clients().await;
                    let bucket = crate::aws_env::new_bucket(&aws, stringify!($case)).await;
                    let store = oura_sync::store::byte_store::S3Bytes::new(
                        aws.s3.clone(), &bucket, oura_sync::store::s3::Encryption::Aes256);
                    super::$case(&store).await;
                }
            )*
        }
        mod bytes_s3_compat {
            $(
                $(#[$doc])*
                #[tokio::test]
                async fn $case() {
                    let aws = crate::aws_env::compat_clients().await;
                    let bucket = crate::aws_env::new_bucket(&aws, stringify!($case)).await;
                    let store = oura_sync::store::byte_store::S3Bytes::new(
                        aws.s3.clone(), &bucket, oura_sync::store::s3::Encryption::Aes256);
                    super::$case(&store).await;
                }
            )*
        }
    };
}

byte_store_suite! {
    /// Round trip with metadata: get, head, and a missing key.
    bytes_round_trip_with_metadata,
    /// Listing: every key under a folder, nothing of a sibling.
    bytes_list_is_every_key_under_a_folder,
    /// Conditional create, replace, delete.
    bytes_only_if_absent_then_replace_then_delete,
}
