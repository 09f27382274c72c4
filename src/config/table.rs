//! Every setting oura-sync reads, in one table: its name, its built-in default (as the text a
//! user would write), whether its value is a secret, and what it means. Adding a setting is a
//! row here and a field in the typed part that [`super::Config::resolve`] fills from it.
//!
//! The table is also the source of `.env.oura.example` and of the man page's ENVIRONMENT
//! section ([`super::example`]), so neither can miss a setting or give another default.

use crate::auth::oauth;
use crate::notify::{callmebot, openclaw, twilio, whatsapp};

/// One setting.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// The environment variable (and env file key).
    pub name: &'static str,
    /// The built-in default, as text; `None` when unset means "not configured".
    pub default: Option<&'static str>,
    /// Never shown: `doctor` and every message print `(redacted)` instead.
    pub secret: bool,
    /// What it does, in a sentence or two (the example file's comment, the man page's text).
    pub help: &'static str,
    /// The value the example file shows when the setting has no default (a secret shows none).
    pub example: Option<&'static str>,
    /// A local path (or a URI that may be one): a leading `~/` is the home directory, from
    /// wherever the value came (an env file is not expanded by any shell).
    pub path: bool,
}

const fn plain(name: &'static str, default: Option<&'static str>, help: &'static str) -> Setting {
    Setting { name, default, secret: false, help, example: None, path: false }
}

const fn secret(name: &'static str, help: &'static str) -> Setting {
    Setting { name, default: None, secret: true, help, example: None, path: false }
}

impl Setting {
    /// The same setting with a value for the example file.
    const fn example(self, value: &'static str) -> Setting {
        Setting { example: Some(value), ..self }
    }

    /// The same setting, marked as a path ([`Setting::path`]).
    const fn path(self) -> Setting {
        Setting { path: true, ..self }
    }
}

/// A heading of the example file and the man page: the settings from `first` up to the next
/// group's first belong to it.
#[derive(Clone, Copy, Debug)]
pub struct Group {
    pub title: &'static str,
    /// The name of its first setting in [`SETTINGS`].
    pub first: &'static str,
}

/// The groups, in the order of [`SETTINGS`].
pub const GROUPS: &[Group] = &[
    Group {
        title: "Oura login (your own Oura app: https://developer.ouraring.com)",
        first: "OURA_CLIENT_ID",
    },
    Group { title: "What to sync", first: "OURA_TIMEZONE" },
    Group { title: "Where the data goes", first: "OURA_DESTINATION" },
    Group {
        title: "AWS (otherwise the SDK's default chain; access keys are never read from this file)",
        first: "AWS_REGION",
    },
    Group {
        title: "The message after every run (README: Notifications and schedule)",
        first: "OURA_NOTIFY",
    },
    Group { title: "Oura webhooks (README: Webhooks)", first: "OURA_WEBHOOK_TOKEN" },
];

/// Default `OURA_API_BASE`.
pub const DEFAULT_API_BASE: &str = "https://api.ouraring.com";
/// Default `OURA_TOKENS_FILE`.
pub const DEFAULT_TOKENS_FILE: &str = ".oura-tokens.json";
/// Default `OURA_DESTINATION`.
pub const DEFAULT_DESTINATION: &str = "./oura-lake";

/// The settings, grouped as CONTRACT §2 lists them (see [`GROUPS`]).
pub const SETTINGS: &[Setting] = &[
    // The Oura app and login.
    plain("OURA_CLIENT_ID", None, "Your Oura app's client id: `auth`, `refresh` and a sync's own refresh need it.")
        .example("your-client-id"),
    secret("OURA_CLIENT_SECRET", "Your Oura app's client secret (with OURA_CLIENT_ID)."),
    plain(
        "OURA_REDIRECT_URI",
        Some(oauth::DEFAULT_REDIRECT_URI),
        "Must match the redirect URI registered for the app; `auth` listens there, on loopback only.",
    ),
    plain("OURA_SCOPES", Some(oauth::DEFAULT_SCOPES), "Scopes asked for at login, separated by spaces."),
    plain("OURA_AUTHORIZE_URL", Some(oauth::DEFAULT_AUTHORIZE_URL), "Where the login starts."),
    plain(
        "OURA_TOKEN_URL",
        Some(oauth::DEFAULT_TOKEN_URL),
        "Token URL tried first; on 401 or 400 invalid_request the fallback is tried once, and the \
         one that worked is remembered in the tokens file.",
    ),
    plain("OURA_TOKEN_FALLBACK_URL", Some(oauth::DEFAULT_TOKEN_FALLBACK_URL), "The token URL tried when the first one refuses."),
    plain("OURA_AUTH_TIMEOUT", Some("300"), "Seconds `oura-sync auth` waits for the login before giving up (1..86400)."),
    plain("OURA_API_BASE", Some(DEFAULT_API_BASE), "The Oura API (a test server in the tests)."),
    plain("OURA_TOKENS_FILE", Some(DEFAULT_TOKENS_FILE), "Where the login's tokens live (created with mode 0600).")
        .path(),
    plain(
        "OURA_TOKEN_STORE",
        None,
        "Keep the login in AWS instead of the tokens file: secretsmanager://SECRET_ID or \
         dynamodb://TABLE (not with OURA_TOKENS_FILE; README: Where the login is kept).",
    )
    .example("secretsmanager://oura-sync/login"),
    secret(
        "OURA_ACCESS_TOKEN",
        "A bare bearer token, used only when there is no tokens file (it cannot be refreshed).",
    ),
    // What to sync.
    plain(
        "OURA_TIMEZONE",
        None,
        "IANA zone that decides \"today\" and the day of heart-rate samples (default: the zone the \
         lake recorded on its first sync, else the system's); another than the lake's is refused \
         until `oura-sync migrate --timezone`.",
    )
    .example("America/New_York"),
    plain("OURA_DAYS", Some("7"), "Days per run, ending today (1..3660)."),
    plain("OURA_TYPES", None, "Comma-separated data types (default: all 19; `oura-sync sync --help` lists them).")
        .example("daily_readiness,daily_sleep,daily_activity,heartrate,daily_spo2"),
    plain("OURA_CONCURRENCY", Some("16"), "Requests in flight at once (1..64)."),
    plain("OURA_RATE_LIMIT", Some("4500"), "Requests allowed in any 5 minutes (1..5000; Oura allows 5000)."),
    plain(
        "OURA_HTTP_TIMEOUT",
        Some("60"),
        "Seconds one request to Oura may take, body included (1..600); no retry after twice that.",
    ),
    plain(
        "OURA_LOCK_TIMEOUT",
        Some("300"),
        "Seconds a sync waits for another one to finish before it gives up with exit 1 (0 = no wait).",
    ),
    // Where it goes.
    plain("OURA_DESTINATION", Some(DEFAULT_DESTINATION), "A local directory (~/ is your home), or s3://bucket/prefix.")
        .path(),
    // bio-lakehouse's oura-sync.sh variable: `s3://$BRONZE_BUCKET/oura` when no destination is set.
    plain(
        "BRONZE_BUCKET",
        None,
        "bio-lakehouse's variable: with no OURA_DESTINATION, the destination is s3://$BRONZE_BUCKET/oura.",
    )
    .example("bio-lakehouse-bronze-123456789012"),
    plain(
        "OURA_LAYOUT",
        Some(crate::store::layout::hive_ndjson::NAME),
        "How the lake's objects are laid out: hive-ndjson, or bio-lakehouse (the folders, JSON \
         arrays and manifests of bio-lakehouse's bronze bucket); unset, the lake's recorded one; \
         another than the lake's is refused until `oura-sync migrate --layout`.",
    ),
    plain(
        "OURA_DYNAMODB_TABLE",
        None,
        "The ledger table; required with an s3:// destination (create it with scripts/aws-bootstrap.sh).",
    )
    .example("bio_ingestion_log"),
    plain("OURA_S3_SSE", Some("AES256"), "Server-side encryption of S3 objects: AES256 or aws:kms."),
    plain("OURA_S3_KMS_KEY_ID", None, "The KMS key for aws:kms (default: the account's S3 key)."),
    plain(
        "OURA_SILVER",
        None,
        "on or off: the typed Parquet tables (silver); on by default beside a local lake in \
         <lake>/_silver, off for an S3 lake unless OURA_SILVER_DESTINATION is set.",
    )
    .example("off"),
    plain("OURA_SILVER_DESTINATION", None, "Where the silver tables go: a directory or s3://bucket/prefix.")
        .example("s3://my-silver-bucket/oura")
        .path(),
    plain(
        "OURA_DASHBOARD_IN_LAKE",
        Some("off"),
        "on or off: after each sync, write the dashboard of the last 90 days into the lake as \
         _dashboard/index.html (README: The dashboard, for opening it on a phone without making \
         the bucket public).",
    ),
    plain("AWS_REGION", None, "The AWS region of the bucket and the table.").example("us-east-1"),
    plain(
        "AWS_PROFILE",
        None,
        "A profile of ~/.aws/config: keys, role_arn, SSO (after `aws sso login --profile NAME`) or \
         credential_process.",
    ),
    plain(
        "AWS_ENDPOINT_URL",
        None,
        "An S3- and DynamoDB-compatible server instead of AWS (path-style S3 addressing is used).",
    ),
    plain("AWS_ENDPOINT_URL_S3", None, "An S3-compatible server for the lake only."),
    plain("AWS_ENDPOINT_URL_DYNAMODB", None, "A DynamoDB-compatible server for the ledger only."),
    plain(
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        None,
        "A Secrets Manager-compatible server for the login only (OURA_TOKEN_STORE=secretsmanager://…).",
    ),
    plain(
        "AWS_REQUEST_CHECKSUM_CALCULATION",
        None,
        "Checksums on S3 requests: when_required (the default with a custom S3 endpoint) or \
         when_supported (the SDK's default against AWS).",
    ),
    // The message after each run.
    plain("OURA_NOTIFY", None, "Channels, comma-separated: whatsapp, twilio, callmebot, openclaw, webhook.")
        .example("openclaw"),
    plain(
        "OURA_NOTIFY_ON",
        Some("always"),
        "always, or failure (runs that are not a success, and runs that need a new login).",
    ),
    plain("OURA_NOTIFY_TIMEOUT", Some("15"), "Seconds one send may take (one retry on 429, 5xx and timeouts)."),
    plain("WHATSAPP_TO", None, "The recipient, E.164 (whatsapp, twilio, callmebot, openclaw).")
        .example("+15551234567"),
    secret("WHATSAPP_ACCESS_TOKEN", "whatsapp: Meta WhatsApp Cloud API's permanent System User token."),
    plain("WHATSAPP_PHONE_NUMBER_ID", None, "whatsapp: the sender's phone number id."),
    plain("WHATSAPP_API_BASE", Some(whatsapp::DEFAULT_API_BASE), "whatsapp: the Graph API."),
    plain("WHATSAPP_API_VERSION", Some(whatsapp::DEFAULT_API_VERSION), "whatsapp: the Graph API version."),
    plain(
        "WHATSAPP_TEMPLATE",
        None,
        "whatsapp: an approved template with two body variables ({{1}} status line, {{2}} the \
         rest); without it, free text, which Meta delivers only within 24 h of your last message.",
    )
    .example("oura_sync_report"),
    plain("WHATSAPP_TEMPLATE_LANG", Some(whatsapp::DEFAULT_TEMPLATE_LANG), "whatsapp: the template's language."),
    plain("TWILIO_ACCOUNT_SID", None, "twilio: Twilio WhatsApp's account SID."),
    secret("TWILIO_AUTH_TOKEN", "twilio: the account's auth token."),
    plain(
        "TWILIO_WHATSAPP_FROM",
        None,
        "twilio: the sender (the sandbox's +14155238886, or your registered sender).",
    )
    .example("+14155238886"),
    plain("TWILIO_CONTENT_SID", None, "twilio: a Content template (HX…) with variables 1 and 2, instead of free text."),
    plain("TWILIO_API_BASE", Some(twilio::DEFAULT_API_BASE), "twilio: the API."),
    secret("CALLMEBOT_APIKEY", "callmebot: the API key CallMeBot sent you (only to your own WHATSAPP_TO)."),
    plain("CALLMEBOT_API_BASE", Some(callmebot::DEFAULT_API_BASE), "callmebot: the API."),
    plain(
        "OPENCLAW_BIN",
        Some(openclaw::DEFAULT_BIN),
        "openclaw: the OpenClaw CLI (give a full path for cron, whose PATH is short).",
    ),
    // A hook URL may carry a key of its own (Slack- and Discord-style hooks).
    secret("NOTIFY_WEBHOOK_URL", "webhook: where the run report is POSTed as JSON."),
    secret("NOTIFY_WEBHOOK_TOKEN", "webhook: a bearer token sent with it."),
    // Oura webhooks: the subscriptions and the receiver.
    secret(
        "OURA_WEBHOOK_TOKEN",
        "The verification token Oura echoes when it checks the callback of a webhook \
         subscription; with OURA_CLIENT_ID and OURA_CLIENT_SECRET (which manage the \
         subscriptions), `webhooks subscribe` works and a sync renews the subscriptions by itself.",
    ),
];

/// The row of `name`. Every name the resolver asks for is in the table (the resolver's tests
/// go through every lookup of every command), so a missing row is a bug, not a user error.
pub fn setting(name: &str) -> &'static Setting {
    SETTINGS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("setting {name} is not in the settings table"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_secrets_have_no_default() {
        let mut names: Vec<&str> = SETTINGS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SETTINGS.len());
        assert!(SETTINGS.iter().filter(|s| s.secret).all(|s| s.default.is_none()));
    }

    #[test]
    fn text_defaults_match_the_typed_ones() {
        let number = |name| setting(name).default.unwrap().parse::<u64>().unwrap();
        assert_eq!(number("OURA_CONCURRENCY"), crate::oura::DEFAULT_CONCURRENCY as u64);
        assert_eq!(number("OURA_RATE_LIMIT"), crate::oura::pacer::DEFAULT_LIMIT as u64);
        assert_eq!(number("OURA_HTTP_TIMEOUT"), crate::oura::DEFAULT_ATTEMPT_TIMEOUT.as_secs());
        assert_eq!(number("OURA_LOCK_TIMEOUT"), crate::lock::DEFAULT_LOCK_TIMEOUT.as_secs());
        assert_eq!(
            number("OURA_AUTH_TIMEOUT"),
            crate::auth::login::DEFAULT_LOGIN_TIMEOUT.as_secs()
        );
        assert_eq!(number("OURA_NOTIFY_TIMEOUT"), crate::notify::DEFAULT_SEND_TIMEOUT.as_secs());
        assert_eq!(number("OURA_DAYS"), u64::from(super::super::DEFAULT_DAYS));
    }
}
