//! The AWS side of the tool: one SDK configuration, the S3, DynamoDB and Secrets Manager
//! clients built from it once, and the one-line descriptions of SDK errors that messages and the ledger carry.
//!
//! Credentials and the region come only from the SDK's default chain (environment keys,
//! `AWS_PROFILE` and the shared config files, with their SSO sessions (`aws sso login`) and
//! `credential_process` commands, web identity, ECS and EC2 instance roles). The credentials
//! are resolved once, up front, so that a lapsed SSO session or a failing process is one
//! usage error that names the profile and the command to run, before anything is fetched;
//! that answer is the first one of the cache both clients share, so the chain is asked once
//! per process (one SSO portal call, one run of a `credential_process` that may prompt), and
//! again only when the credentials near their expiry.
//! `AWS_REGION`, `AWS_PROFILE` and the endpoint settings may also sit in the env file; keys
//! may not, so they never share a file with the Oura settings.
//!
//! `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3` and `AWS_ENDPOINT_URL_DYNAMODB` point the clients
//! at S3- or DynamoDB-compatible servers; with a custom S3 endpoint the S3 client uses
//! path-style addressing (`http://host/bucket/key`), which every such server understands, and
//! sends checksums only where S3 requires them (several compatible stores refuse the SDK's
//! default CRC32 trailers) unless `AWS_REQUEST_CHECKSUM_CALCULATION` says otherwise. Both
//! clients go through the proxy of `HTTPS_PROXY`/`HTTP_PROXY` unless `NO_PROXY` names the host.

#[cfg(feature = "aws")]
use std::time::Duration;

#[cfg(feature = "aws")]
use aws_config::timeout::TimeoutConfig;
#[cfg(feature = "aws")]
use aws_config::{BehaviorVersion, Region};
#[cfg(feature = "aws")]
use aws_sdk_s3::config::SharedHttpClient;
#[cfg(feature = "aws")]
use aws_sdk_s3::config::{
    Credentials, IdentityCache, ProvideCredentials, RequestChecksumCalculation,
    ResponseChecksumValidation, SharedCredentialsProvider,
};
#[cfg(feature = "aws")]
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
#[cfg(feature = "aws")]
use aws_smithy_http_client::proxy::ProxyConfig;
#[cfg(feature = "aws")]
use aws_smithy_http_client::{Builder, Connector, tls};

use crate::error::UserError;
#[cfg(feature = "aws")]
use crate::text::{error_chain, one_line};

/// How long to wait for a connection to S3 or DynamoDB.
#[cfg(feature = "aws")]
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one attempt of one request may take (a day object is at most a few MB).
#[cfg(feature = "aws")]
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// The S3 and DynamoDB clients of one process, sharing one HTTP client and one credential
/// cache. Cheap to clone.
#[cfg(feature = "aws")]
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub s3: aws_sdk_s3::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// For the login in Secrets Manager (`OURA_TOKEN_STORE=secretsmanager://…`).
    pub secretsmanager: aws_sdk_secretsmanager::Client,
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
    /// `AWS_ENDPOINT_URL_SECRETS_MANAGER`, else `AWS_ENDPOINT_URL`.
    pub secrets_manager_endpoint: Option<String>,
    /// `AWS_REQUEST_CHECKSUM_CALCULATION`, when set.
    pub checksums: Option<ChecksumPolicy>,
}

#[cfg(feature = "aws")]
impl AwsClients {
    /// Builds both clients from the default chain and `config` (see the module doc).
    ///
    /// Fails with a usage error when no region is configured.
    pub async fn load(config: &AwsConfig) -> anyhow::Result<Self> {
        let http = http_client();
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .build();
        // One identity cache for both clients (each would otherwise make its own).
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http)
            .timeout_config(timeouts)
            .identity_cache(IdentityCache::lazy().build());
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
        let shared = match shared.credentials_provider() {
            Some(chain) => match chain.provide_credentials().await {
                Ok(first) => {
                    let provider =
                        ResolvedFirst { first: std::sync::Mutex::new(Some(first)), chain };
                    shared
                        .into_builder()
                        .credentials_provider(SharedCredentialsProvider::new(provider))
                        .build()
                }
                Err(e) => {
                    let profile = config.profile.as_deref().unwrap_or("default");
                    return Err(UserError::usage(credentials_hint(profile, &error_chain(&e))));
                }
            },
            None => shared,
        };

        let mut s3 = aws_sdk_s3::config::Builder::from(&shared);
        if let Some(url) = &config.s3_endpoint {
            s3 = s3.endpoint_url(url);
        }
        // A custom endpoint is an S3-compatible server (or a test one) that may not resolve
        // `bucket.host` names; path style works everywhere.
        let custom_s3 = config.s3_endpoint.is_some() || shared.endpoint_url().is_some();
        if custom_s3 {
            s3 = s3.force_path_style(true);
        }
        match config.checksums.unwrap_or(ChecksumPolicy::default_for(custom_s3)) {
            ChecksumPolicy::SdkDefault => {}
            ChecksumPolicy::WhenRequired => {
                s3 = s3
                    .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
                    .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
            }
            ChecksumPolicy::WhenSupported => {
                s3 = s3.request_checksum_calculation(RequestChecksumCalculation::WhenSupported);
            }
        }
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&shared);
        if let Some(url) = &config.dynamodb_endpoint {
            dynamodb = dynamodb.endpoint_url(url);
        }
        let mut secretsmanager = aws_sdk_secretsmanager::config::Builder::from(&shared);
        if let Some(url) = &config.secrets_manager_endpoint {
            secretsmanager = secretsmanager.endpoint_url(url);
        }
        Ok(Self {
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            secretsmanager: aws_sdk_secretsmanager::Client::from_conf(secretsmanager.build()),
        })
    }
}

/// The credential chain, whose first answer was already had: it is given once (to the shared
/// cache, at the first request), then every later call asks the chain.
#[cfg(feature = "aws")]
#[derive(Debug)]
struct ResolvedFirst {
    first: std::sync::Mutex<Option<Credentials>>,
    chain: SharedCredentialsProvider,
}

#[cfg(feature = "aws")]
impl ProvideCredentials for ResolvedFirst {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let first = self.first.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        match first {
            Some(credentials) => {
                aws_credential_types::provider::future::ProvideCredentials::ready(Ok(credentials))
            }
            None => self.chain.provide_credentials(),
        }
    }
}

/// The HTTP client of both AWS clients: rustls with ring (the one TLS stack of the binary)
/// trusting [`crate::tls::roots`],
/// and the proxy of `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` unless `NO_PROXY` names the
/// host. The SDK's plain builder offers no proxy setting, hence a connector of our own per
/// connection settings (the builder still keeps one connection pool per setting).
#[cfg(feature = "aws")]
fn http_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = Connector::builder()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
            .tls_context(tls_context())
            .proxy_config(ProxyConfig::from_env());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.build()
    })
}

/// The roots the AWS clients trust: the same as every other client's ([`crate::tls`]).
#[cfg(feature = "aws")]
fn tls_context() -> tls::TlsContext {
    let store = match crate::tls::roots() {
        crate::tls::Roots::System => tls::TrustStore::default(),
        crate::tls::Roots::Bundled => {
            tls::TrustStore::empty().with_pem_certificate(crate::tls::bundled_pem())
        }
    };
    tls::TlsContext::builder().with_trust_store(store).build().unwrap_or_default()
}

/// Which checksums the S3 client sends with its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumPolicy {
    /// Leave it to the SDK (AWS itself: CRC32 on every put).
    SdkDefault,
    /// Only where the operation requires one (`when_required`).
    WhenRequired,
    /// On every operation that supports one (`when_supported`).
    WhenSupported,
}

impl ChecksumPolicy {
    /// Parses `AWS_REQUEST_CHECKSUM_CALCULATION`.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "when_required" => Ok(ChecksumPolicy::WhenRequired),
            "when_supported" => Ok(ChecksumPolicy::WhenSupported),
            _ => Err(UserError::usage(format!(
                "AWS_REQUEST_CHECKSUM_CALCULATION `{text}` must be when_required or when_supported"
            ))),
        }
    }

    /// Without the setting: only where required for a custom endpoint, else the SDK's default.
    pub fn default_for(custom_endpoint: bool) -> Self {
        if custom_endpoint { ChecksumPolicy::WhenRequired } else { ChecksumPolicy::SdkDefault }
    }
}

/// The one-line error for credentials that the chain could not provide for `profile`, with
/// what to run; `cause` is the chain's own account.
#[cfg(feature = "aws")]
fn credentials_hint(profile: &str, cause: &str) -> String {
    let cause = one_line(cause, 300);
    if cause.contains("SSO") || cause.contains("sso") {
        format!(
            "the AWS profile `{profile}` signs in with SSO and has no valid session ({cause}); \
             run `aws sso login --profile {profile}`"
        )
    } else if cause.contains("credentials-login") || cause.contains("login_session") {
        format!(
            "the AWS profile `{profile}` uses an `aws login` session, which oura-sync cannot \
             read; sign in with `aws sso login`, or give the profile keys or a credential_process"
        )
    } else if cause.contains("credential_process") || cause.contains("external process") {
        format!(
            "the credential_process of the AWS profile `{profile}` failed ({cause}); run it by \
             hand to see why, or fix it in your AWS config file"
        )
    } else if cause.contains("no credentials found in chain")
        || cause.contains("no providers in chain")
    {
        "no AWS credentials found (tried environment keys, the profile, SSO, web identity, ECS \
         and EC2 instance roles); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            .to_string()
    } else {
        format!(
            "cannot get AWS credentials for the profile `{profile}` ({cause}); check AWS_PROFILE \
             and your AWS config files"
        )
    }
}

/// What went wrong in one SDK call, reduced to what a message or a retry decision needs.
#[cfg(feature = "aws")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallFailure {
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The service's error code (`NoSuchBucket`, `AccessDenied`, ...), when it sent one.
    pub code: Option<String>,
    /// The whole cause on one line.
    pub detail: String,
}

#[cfg(feature = "aws")]
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
            credentials_hint("default", &detail)
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
#[cfg(feature = "aws")]
pub trait HasStatus {
    fn status(&self) -> u16;
}

#[cfg(feature = "aws")]
impl HasStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

/// The AWS clients of one command: built the first time a backend needs them, and only once,
/// so that a command whose lake, ledger and silver are all in AWS resolves its credentials
/// once (see [`crate::aws`]).
pub struct Aws<'a> {
    #[cfg_attr(not(feature = "aws"), allow(dead_code))]
    config: &'a AwsConfig,
    #[cfg(feature = "aws")]
    clients: tokio::sync::OnceCell<AwsClients>,
}

impl<'a> Aws<'a> {
    /// Nothing is built until [`Aws::clients`] is first called.
    pub fn new(config: &'a AwsConfig) -> Self {
        #[cfg(feature = "aws")]
        return Self { config, clients: tokio::sync::OnceCell::new() };
        #[cfg(not(feature = "aws"))]
        Self { config }
    }

    /// The clients, built on the first call.
    #[cfg(feature = "aws")]
    pub async fn clients(&self) -> anyhow::Result<&AwsClients> {
        self.clients.get_or_try_init(|| AwsClients::load(self.config)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_go_only_where_required_for_a_custom_endpoint_unless_set() {
        assert_eq!(ChecksumPolicy::default_for(false), ChecksumPolicy::SdkDefault);
        assert_eq!(ChecksumPolicy::default_for(true), ChecksumPolicy::WhenRequired);
        assert_eq!(ChecksumPolicy::parse("WHEN_SUPPORTED").unwrap(), ChecksumPolicy::WhenSupported);
        assert_eq!(ChecksumPolicy::parse("when_required").unwrap(), ChecksumPolicy::WhenRequired);
        let err = ChecksumPolicy::parse("always").unwrap_err();
        assert!(err.to_string().contains("when_required or when_supported"), "{err}");
    }

    #[test]
    #[cfg(feature = "aws")]
    fn credential_failures_name_the_profile_and_the_fix() {
        let sso = credentials_hint("work", "failed to load the cached SSO token: No such file");
        assert!(sso.contains("`work`") && sso.ends_with("run `aws sso login --profile work`"));
        let process = credentials_hint("p", "external process exited with code exit status: 1");
        assert!(process.contains("credential_process of the AWS profile `p` failed"), "{process}");
        let none = credentials_hint("default", "no credentials found in chain");
        assert!(none.contains("set AWS_PROFILE"), "{none}");
        for hint in [sso, process, none] {
            assert!(!hint.contains('\n'));
        }
    }
}
