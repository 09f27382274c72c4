//! The AWS side of the tool: one SDK configuration, the S3 and DynamoDB clients built from it
//! once, and the one-line descriptions of SDK errors that messages and the ledger carry.
//!
//! Credentials and the region come only from the SDK's default chain (environment keys,
//! `AWS_PROFILE` and the shared config files, web identity, ECS and EC2 instance roles). The
//! lean SDK build has no SSO: a profile that logs in with `aws sso login` needs its keys
//! exported first (`aws configure export-credentials --format env`). `AWS_REGION`,
//! `AWS_PROFILE` and the endpoint settings may also sit in the env file; keys may not, so they
//! never share a file with the Oura settings.
//!
//! `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3` and `AWS_ENDPOINT_URL_DYNAMODB` point the clients
//! at S3- or DynamoDB-compatible servers; with a custom S3 endpoint the S3 client uses
//! path-style addressing (`http://host/bucket/key`), which every such server understands.

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::{Builder, tls};

use crate::error::UserError;
use crate::text::{error_chain, one_line};

/// How long to wait for a connection to S3 or DynamoDB.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one attempt of one request may take (a day object is at most a few MB).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// The S3 and DynamoDB clients of one process, sharing one HTTP client and one credential
/// cache. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub s3: aws_sdk_s3::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
}

/// The AWS settings oura-sync itself reads (the SDK's default chain reads the rest).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsConfig {
    /// `AWS_REGION`.
    pub region: Option<String>,
    /// `AWS_PROFILE`.
    pub profile: Option<String>,
    /// `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`.
    pub s3_endpoint: Option<String>,
    /// `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`.
    pub dynamodb_endpoint: Option<String>,
}

impl AwsClients {
    /// Builds both clients from the default chain and `config` (see the module doc).
    ///
    /// Fails with a usage error when no region is configured.
    pub async fn load(config: &AwsConfig) -> anyhow::Result<Self> {
        let http = Builder::new()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
            .build_https();
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http)
            .timeout_config(timeouts);
        if let Some(region) = &config.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &config.profile {
            loader = loader.profile_name(profile);
        }
        let shared = loader.load().await;
        if shared.region().is_none_or(|r| r.as_ref().is_empty()) {
            return Err(UserError::usage(
                "no AWS region is configured; set AWS_REGION (or a region in your AWS profile)",
            ));
        }

        let mut s3 = aws_sdk_s3::config::Builder::from(&shared);
        if let Some(url) = &config.s3_endpoint {
            s3 = s3.endpoint_url(url);
        }
        // A custom endpoint is an S3-compatible server (or a test one) that may not resolve
        // `bucket.host` names; path style works everywhere.
        if config.s3_endpoint.is_some() || shared.endpoint_url().is_some() {
            s3 = s3.force_path_style(true);
        }
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&shared);
        if let Some(url) = &config.dynamodb_endpoint {
            dynamodb = dynamodb.endpoint_url(url);
        }
        Ok(Self {
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
        })
    }
}

/// What went wrong in one SDK call, reduced to what a message or a retry decision needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallFailure {
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The service's error code (`NoSuchBucket`, `AccessDenied`, ...), when it sent one.
    pub code: Option<String>,
    /// The whole cause on one line.
    pub detail: String,
}

impl CallFailure {
    /// Describes `err`.
    pub fn from_sdk<E, R>(err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + HasStatus + 'static,
    {
        let status = err.raw_response().map(HasStatus::status);
        let code = err.code().map(str::to_string);
        let detail = match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_string(),
            _ => match err {
                SdkError::DispatchFailure(_) => {
                    format!("cannot connect: {}", error_chain(err))
                }
                SdkError::TimeoutError(_) => "timed out".to_string(),
                _ => error_chain(err),
            },
        };
        // The chain's own account of every provider it tried is long; the fix is not.
        let detail = if detail.contains("no credentials found in chain") {
            "no AWS credentials found (tried environment keys, the profile, web identity, ECS \
             and EC2 instance roles); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
                .to_string()
        } else {
            detail
        };
        let detail = match status {
            Some(status) if !detail.contains("HTTP ") => format!("{detail} (HTTP {status})"),
            _ => detail,
        };
        Self { status, code, detail: one_line(&detail, usize::MAX) }
    }

    /// True if and only if the service said the thing does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
            || matches!(
                self.code.as_deref(),
                Some("NoSuchBucket" | "NotFound" | "ResourceNotFoundException")
            )
    }

    /// True if and only if the caller lacks a permission.
    pub fn is_access_denied(&self) -> bool {
        self.status == Some(403)
            || matches!(
                self.code.as_deref(),
                Some("AccessDenied" | "AccessDeniedException" | "Forbidden")
            )
    }
}

/// A raw HTTP response whose status code can be read (both SDK crates' responses).
pub trait HasStatus {
    fn status(&self) -> u16;
}

impl HasStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}
