//! The lake in an S3 bucket (or any S3-compatible store): the same keys and bytes as the local
//! lake, under the destination's prefix (CONTRACT §4).
//!
//! Every object is written with one `PutObject`, so a reader sees the old object or the new
//! one, never part of one. Each carries its layout's `Content-Type` (`application/x-ndjson`
//! for the default layout), server-side
//! encryption ([`Encryption`]) and the user metadata `record-count`, `sha256` and `run-id`.
//!
//! Unchanged days cost nothing: when the ledger already records the body's sha256 for the
//! key, `put` trusts it and sends no request. Without a ledger entry, one `HeadObject` reads
//! the stored object's `sha256` metadata, so a lake whose ledger lost a day is not rewritten.

use bytes::Bytes;

use super::byte_store::{ByteStore, Listed, Put, PutAttrs, S3Bytes};
use super::layout::{Layout, default_layout};
use super::{DayObject, ObjectStore, PutOutcome};
use crate::aws::CallFailure;
use crate::error::UserError;

/// User-metadata names (S3 sends them as `x-amz-meta-<name>`).
pub const META_RECORD_COUNT: &str = "record-count";
pub const META_SHA256: &str = "sha256";
pub const META_RUN_ID: &str = "run-id";

/// Where the bootstrap script and the IAM policy live, for messages.
const BOOTSTRAP: &str = "scripts/aws-bootstrap.sh";
const POLICY: &str = "scripts/iam-policy.json";

pub use super::byte_store::Encryption;

/// A lake in `s3://bucket/prefix`.
#[derive(Clone, Debug)]
pub struct S3Store {
    bytes: S3Bytes,
    prefix: String,
    layout: std::sync::Arc<dyn Layout>,
}

impl S3Store {
    /// A store in `bucket` whose keys start with `prefix` (slashes around it are dropped).
    pub fn new(
        client: aws_sdk_s3::Client,
        bucket: &str,
        prefix: &str,
        encryption: Encryption,
    ) -> Self {
        Self {
            bytes: S3Bytes::new(client, bucket, encryption),
            prefix: prefix.trim_matches('/').to_string(),
            layout: default_layout(),
        }
    }

    /// The same store with objects laid out by `layout`.
    pub fn with_layout(mut self, layout: std::sync::Arc<dyn Layout>) -> Self {
        self.layout = layout;
        self
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        self.bytes.bucket()
    }

    /// The `sha256` metadata of the object at `key`, if it exists and has one.
    async fn stored_sha256(&self, key: &str) -> Option<String> {
        match self.bytes.head(key).await {
            Ok(head) => head?.metadata.get(META_SHA256).cloned(),
            Err(e) => {
                // Anything but a missing key is left to the put, which reports it if it
                // persists.
                tracing::debug!(key, cause = %format!("{e:#}"), "HeadObject failed; writing anyway.");
                None
            }
        }
    }

    /// One PutObject of `object`, with its content type, encryption and metadata; with
    /// `only_if_absent`, conditional on the key not existing (`If-None-Match: *`).
    async fn send_put(&self, object: &DayObject, only_if_absent: bool) -> Result<Put, CallFailure> {
        let metadata = [
            (META_RECORD_COUNT, object.record_count.to_string()),
            (META_SHA256, object.sha256.clone()),
            (META_RUN_ID, object.run_id.clone()),
        ];
        let attrs =
            PutAttrs { content_type: object.content_type, metadata: &metadata, only_if_absent };
        self.bytes.send_put(&object.key, object.body.clone(), attrs).await
    }

    fn put_error(&self, key: &str, failure: &CallFailure) -> anyhow::Error {
        let url = format!("s3://{}/{key}", self.bucket());
        if failure.is_access_denied() {
            let kms = match self.bytes.encryption() {
                Encryption::Kms { .. } => " (and kms:GenerateDataKey on the KMS key)",
                Encryption::Aes256 => "",
            };
            anyhow::anyhow!(
                "S3 denied s3:PutObject on {url} ({}); grant it{kms} as {POLICY} does",
                failure.detail
            )
        } else if failure.code.as_deref() == Some("NoSuchBucket") {
            anyhow::anyhow!(
                "cannot write {url}: the bucket `{}` does not exist; create it with {BOOTSTRAP}",
                self.bucket()
            )
        } else {
            // The caller names the key; the cause is what S3 (or the network) said.
            anyhow::anyhow!("S3 PutObject failed: {}", failure.detail)
        }
    }
}

/// The usage error for a failed `HeadBucket` on `bucket`.
fn check_error(bucket: &str, failure: &CallFailure) -> anyhow::Error {
    if failure.is_not_found() {
        UserError::usage(format!(
            "the S3 bucket `{bucket}` does not exist; create it with {BOOTSTRAP} (or fix the \
             bucket in OURA_DESTINATION/--dest)"
        ))
    } else if failure.is_access_denied() {
        UserError::usage(format!(
            "access to the S3 bucket `{bucket}` is denied: these AWS credentials need \
             s3:ListBucket on it and s3:PutObject on its keys; attach the policy in {POLICY}"
        ))
    } else if failure.status == Some(301) {
        UserError::usage(format!(
            "the S3 bucket `{bucket}` is in another region; set AWS_REGION to the bucket's region"
        ))
    } else {
        UserError::usage(format!(
            "cannot reach the S3 bucket `{bucket}` ({}); check the AWS credentials, AWS_REGION \
             and AWS_ENDPOINT_URL",
            failure.detail
        ))
    }
}

impl ObjectStore for S3Store {
    async fn check(&self) -> anyhow::Result<()> {
        self.bytes.head_bucket().await.map_err(|failure| check_error(self.bucket(), &failure))
    }

    async fn put(
        &self,
        object: &DayObject,
        known_sha256: Option<&str>,
    ) -> anyhow::Result<PutOutcome> {
        let outcome = match known_sha256 {
            Some(known) if known == object.sha256 => return Ok(PutOutcome::Unchanged),
            // The ledger knows the object and it differs: replace it.
            Some(_) => self.send_put(object, false).await,
            // The ledger does not know the key: create it only if it is absent, one request in
            // a first backfill. If it exists (a ledger that lost track, or a lake written by
            // another tool), compare before replacing, so identical content is not rewritten.
            None => match self.send_put(object, true).await {
                Ok(Put::Exists) => {
                    if self.stored_sha256(&object.key).await.as_deref() == Some(&object.sha256) {
                        return Ok(PutOutcome::Unchanged);
                    }
                    self.send_put(object, false).await
                }
                other => other,
            },
        };
        outcome.map_err(|failure| self.put_error(&object.key, &failure))?;
        tracing::debug!(key = %object.key, bytes = object.body.len(), "Wrote the object.");
        Ok(PutOutcome::Written)
    }

    async fn flush(&self) -> anyhow::Result<()> {
        self.bytes.flush().await
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        self.bytes.get(key).await
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.bytes.delete(key).await
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<Listed>> {
        self.bytes.list(prefix).await
    }

    fn reads_are_cheap(&self) -> bool {
        self.bytes.reads_are_cheap()
    }

    fn describe(&self) -> String {
        match self.prefix.as_str() {
            "" => self.bytes.describe(),
            prefix => format!("{}/{prefix}", self.bytes.describe()),
        }
    }

    fn layout(&self) -> &dyn Layout {
        self.layout.as_ref()
    }

    fn key_prefix(&self) -> &str {
        &self.prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{EXIT_USAGE, exit_code};

    fn failure(status: Option<u16>, code: Option<&str>) -> CallFailure {
        CallFailure { status, code: code.map(str::to_string), detail: "detail".into() }
    }

    #[test]
    fn encryption_defaults_to_aes256_and_accepts_kms() {
        assert_eq!(Encryption::parse(None, None).unwrap(), Encryption::Aes256);
        assert_eq!(Encryption::parse(Some("AES256"), None).unwrap(), Encryption::Aes256);
        assert_eq!(
            Encryption::parse(Some("aws:kms"), None).unwrap(),
            Encryption::Kms { key_id: None }
        );
        assert_eq!(
            Encryption::parse(Some("aws:kms"), Some("alias/lake".into())).unwrap(),
            Encryption::Kms { key_id: Some("alias/lake".into()) }
        );
    }

    #[test]
    fn other_encryption_settings_are_usage_errors() {
        for (sse, key_id) in
            [(Some("aes256"), None), (Some("none"), None), (None, Some("alias/lake".to_string()))]
        {
            let err = Encryption::parse(sse, key_id).unwrap_err();
            assert_eq!(exit_code(&err), EXIT_USAGE, "{err}");
            assert!(err.to_string().contains("aws:kms"), "{err}");
        }
    }

    #[test]
    fn a_denied_bucket_check_names_the_permission_and_the_policy() {
        let err = check_error("lake", &failure(Some(403), None));
        assert_eq!(exit_code(&err), EXIT_USAGE);
        let text = err.to_string();
        assert!(text.contains("`lake`") && text.contains("s3:ListBucket"), "{text}");
        assert!(text.contains("scripts/iam-policy.json") && !text.contains('\n'), "{text}");
    }

    #[test]
    fn a_missing_bucket_points_at_the_bootstrap_script() {
        for f in [failure(Some(404), None), failure(None, Some("NoSuchBucket"))] {
            let text = check_error("lake", &f).to_string();
            assert!(text.contains("`lake` does not exist"), "{text}");
            assert!(text.contains("scripts/aws-bootstrap.sh"), "{text}");
        }
        let text = check_error("lake", &failure(Some(301), None)).to_string();
        assert!(text.contains("AWS_REGION"), "{text}");
    }
}
