//! The login in an AWS Secrets Manager secret (`OURA_TOKEN_STORE=secretsmanager://SECRET_ID`).
//!
//! The secret's value is the tokens JSON with our bookkeeping beside it
//! ([`crate::auth::store::document`]). Compare-and-swap uses version stages:
//! - a read asks for `VersionStage=AWSCURRENT` explicitly (without it, moto 5.2 may still
//!   answer the previous value after `AWSCURRENT` moved); the tag is the version id;
//! - a write puts a new version under the label [`PENDING_STAGE`] only (so `AWSCURRENT` stays
//!   where it is), then moves `AWSCURRENT` to it with `RemoveFromVersionId` = the version
//!   read: Secrets Manager refuses the move when `AWSCURRENT` is no longer there, and the
//!   write is lost with nothing changed (the new version keeps no label and is dropped in
//!   time);
//! - the first write into a secret that does not exist creates it (a name, not an ARN); into
//!   a secret without a value, the first version gets `AWSCURRENT` by itself, and a check of
//!   where `AWSCURRENT` landed tells a won race from a lost one.
//!
//! Each write adds a version; Secrets Manager drops unlabelled versions once there are more
//! than 100 and they are a day old. A daily sync writes about four (run lease taken and
//! released, refresh), a sync every 15 minutes a few hundred a day: for syncs that often,
//! use the DynamoDB store.
//!
//! Nothing the service answers is shown unscrubbed: every message goes through
//! [`crate::scrub::scrub`], which replaces every token this process has read or been issued.

use anyhow::Context;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;

use crate::auth::store::document::Doc;
use crate::auth::store::remote::{Register, Written};
use crate::aws::CallFailure;
use crate::error::UserError;
use crate::scrub::scrub;

/// The label a new version is put under until `AWSCURRENT` moves to it.
pub const PENDING_STAGE: &str = "OURA_SYNC_PENDING";
/// The label of the version in use.
const CURRENT_STAGE: &str = "AWSCURRENT";

/// One secret.
#[derive(Debug, Clone)]
pub struct SecretsManagerRegister {
    client: Client,
    secret_id: String,
}

impl SecretsManagerRegister {
    pub fn new(client: Client, secret_id: impl Into<String>) -> Self {
        Self { client, secret_id: secret_id.into() }
    }

    /// The error for a failed call `what` needing `permission`, without any secret in it.
    fn call_error(&self, what: &str, permission: &str, failure: &CallFailure) -> anyhow::Error {
        let detail = scrub(&failure.detail);
        let id = &self.secret_id;
        if failure.is_access_denied() {
            UserError::usage(format!(
                "access to the Secrets Manager secret `{id}` is denied ({what}): these AWS \
                 credentials need {permission} on it (and kms:Decrypt and kms:GenerateDataKey \
                 when it is encrypted with your own KMS key); see README: Where the login is kept"
            ))
        } else {
            anyhow::anyhow!("{what} the Secrets Manager secret `{id}` failed: {detail}")
        }
    }

    /// Where `AWSCURRENT` is now, `None` when the secret has no value.
    async fn current_version(&self) -> anyhow::Result<Option<String>> {
        Ok(self.read().await?.map(|(_, tag)| tag))
    }

    /// A new version of `doc` under [`PENDING_STAGE`] (the first version of a secret gets
    /// `AWSCURRENT` too); its version id.
    async fn put_pending(&self, doc: &Doc) -> anyhow::Result<Result<String, CallFailure>> {
        let put = self
            .client
            .put_secret_value()
            .secret_id(&self.secret_id)
            .secret_string(doc.to_combined())
            .version_stages(PENDING_STAGE)
            .send()
            .await;
        match put {
            Ok(out) => Ok(Ok(out.version_id.context("Secrets Manager named no new version")?)),
            Err(err) => Ok(Err(CallFailure::from_sdk(&err))),
        }
    }
}

impl Register for SecretsManagerRegister {
    fn describe(&self) -> String {
        format!("Secrets Manager secret `{}`", self.secret_id)
    }

    fn uri(&self) -> String {
        format!("secretsmanager://{}", self.secret_id)
    }

    async fn read(&self) -> anyhow::Result<Option<(Doc, String)>> {
        let got = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .version_stage(CURRENT_STAGE)
            .send()
            .await;
        match got {
            Ok(out) => {
                let version = out.version_id.context("Secrets Manager named no version")?;
                // A binary secret is not ours: it reads as text that is not JSON.
                let text = out.secret_string.unwrap_or_default();
                Ok(Some((Doc::from_combined(&text), version)))
            }
            Err(err) if err.code() == Some("ResourceNotFoundException") => Ok(None),
            Err(err) => Err(self.call_error(
                "reading",
                "secretsmanager:GetSecretValue",
                &CallFailure::from_sdk(&err),
            )),
        }
    }

    async fn write(&self, expected: Option<&str>, doc: &Doc) -> anyhow::Result<Written> {
        let Some(expected) = expected else {
            return self.create(doc).await;
        };
        let new = match self.put_pending(doc).await? {
            Ok(version) => version,
            Err(f) if f.code.as_deref() == Some("ResourceNotFoundException") => {
                return Ok(Written::Lost);
            }
            Err(f) => return Err(self.call_error("writing", "secretsmanager:PutSecretValue", &f)),
        };
        let moved = self
            .client
            .update_secret_version_stage()
            .secret_id(&self.secret_id)
            .version_stage(CURRENT_STAGE)
            .move_to_version_id(&new)
            .remove_from_version_id(expected)
            .send()
            .await;
        let Err(err) = moved else { return Ok(Written::Done(new)) };
        let failure = CallFailure::from_sdk(&err);
        // Refused because AWSCURRENT is no longer on the version read (the error's code is
        // not relied on: where AWSCURRENT is now says it), or the secret is gone.
        if !failure.is_access_denied() && self.current_version().await?.as_deref() != Some(expected)
        {
            return Ok(Written::Lost);
        }
        Err(self.call_error(
            "moving AWSCURRENT on",
            "secretsmanager:UpdateSecretVersionStage",
            &failure,
        ))
    }
}

impl SecretsManagerRegister {
    /// The first write: creates the secret, or gives a secret without a value its first
    /// version; lost when another writer's value got there first.
    async fn create(&self, doc: &Doc) -> anyhow::Result<Written> {
        if !self.secret_id.starts_with("arn:") {
            let created = self
                .client
                .create_secret()
                .name(&self.secret_id)
                .description("The Oura login of oura-sync (tokens move, auth); see its README.")
                .secret_string(doc.to_combined())
                .send()
                .await;
            match created {
                Ok(out) => {
                    return Ok(Written::Done(
                        out.version_id.context("Secrets Manager named no version")?,
                    ));
                }
                Err(err) if err.code() == Some("ResourceExistsException") => {}
                Err(err) => {
                    return Err(self.call_error(
                        "creating",
                        "secretsmanager:CreateSecret",
                        &CallFailure::from_sdk(&err),
                    ));
                }
            }
        }
        // The secret exists: if it has a value now, another writer won.
        if self.current_version().await?.is_some() {
            return Ok(Written::Lost);
        }
        let new = match self.put_pending(doc).await? {
            Ok(version) => version,
            Err(f) if f.code.as_deref() == Some("ResourceNotFoundException") => {
                return Err(UserError::usage(format!(
                    "there is no Secrets Manager secret `{}` in this region; create it (`aws \
                     secretsmanager create-secret --name NAME`) or name it without its ARN so \
                     oura-sync creates it",
                    self.secret_id
                )));
            }
            Err(f) => return Err(self.call_error("writing", "secretsmanager:PutSecretValue", &f)),
        };
        Ok(match self.current_version().await? {
            Some(current) if current == new => Written::Done(new),
            _ => Written::Lost,
        })
    }
}
