//! Every setting oura-sync reads, in one table: its name, its built-in default (as the text a
//! user would write), and whether its value is a secret. Adding a setting is a row here and a
//! field in the typed part that [`super::Config::resolve`] fills from it.

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
}

const fn plain(name: &'static str, default: Option<&'static str>) -> Setting {
    Setting { name, default, secret: false }
}

const fn secret(name: &'static str) -> Setting {
    Setting { name, default: None, secret: true }
}

/// Default `OURA_API_BASE`.
pub const DEFAULT_API_BASE: &str = "https://api.ouraring.com";
/// Default `OURA_TOKENS_FILE`.
pub const DEFAULT_TOKENS_FILE: &str = ".oura-tokens.json";
/// Default `OURA_DESTINATION`.
pub const DEFAULT_DESTINATION: &str = "./oura-lake";

/// The settings, grouped as CONTRACT §2 lists them.
pub const SETTINGS: &[Setting] = &[
    // The Oura app and login.
    plain("OURA_CLIENT_ID", None),
    secret("OURA_CLIENT_SECRET"),
    plain("OURA_REDIRECT_URI", Some(oauth::DEFAULT_REDIRECT_URI)),
    plain("OURA_SCOPES", Some(oauth::DEFAULT_SCOPES)),
    plain("OURA_AUTHORIZE_URL", Some(oauth::DEFAULT_AUTHORIZE_URL)),
    plain("OURA_TOKEN_URL", Some(oauth::DEFAULT_TOKEN_URL)),
    plain("OURA_TOKEN_FALLBACK_URL", Some(oauth::DEFAULT_TOKEN_FALLBACK_URL)),
    plain("OURA_AUTH_TIMEOUT", Some("300")),
    plain("OURA_API_BASE", Some(DEFAULT_API_BASE)),
    plain("OURA_TOKENS_FILE", Some(DEFAULT_TOKENS_FILE)),
    secret("OURA_ACCESS_TOKEN"),
    // What to sync.
    plain("OURA_TIMEZONE", None),
    plain("OURA_DAYS", Some("7")),
    plain("OURA_TYPES", None),
    plain("OURA_CONCURRENCY", Some("16")),
    plain("OURA_RATE_LIMIT", Some("4500")),
    plain("OURA_HTTP_TIMEOUT", Some("60")),
    plain("OURA_LOCK_TIMEOUT", Some("300")),
    // Where it goes.
    plain("OURA_DESTINATION", Some(DEFAULT_DESTINATION)),
    // bio-lakehouse's oura-sync.sh variable: `s3://$BRONZE_BUCKET/oura` when no destination is set.
    plain("BRONZE_BUCKET", None),
    plain("OURA_LAYOUT", Some(crate::store::layout::hive_ndjson::NAME)),
    plain("OURA_DYNAMODB_TABLE", None),
    plain("OURA_S3_SSE", Some("AES256")),
    plain("OURA_S3_KMS_KEY_ID", None),
    plain("OURA_SILVER", None),
    plain("OURA_SILVER_DESTINATION", None),
    // After each sync, the dashboard into the lake as `_dashboard/index.html`.
    plain("OURA_DASHBOARD_IN_LAKE", Some("off")),
    plain("AWS_REGION", None),
    plain("AWS_PROFILE", None),
    plain("AWS_ENDPOINT_URL", None),
    plain("AWS_ENDPOINT_URL_S3", None),
    plain("AWS_ENDPOINT_URL_DYNAMODB", None),
    plain("AWS_REQUEST_CHECKSUM_CALCULATION", None),
    // The message after each run.
    plain("OURA_NOTIFY", None),
    plain("OURA_NOTIFY_ON", Some("always")),
    plain("OURA_NOTIFY_TIMEOUT", Some("15")),
    plain("WHATSAPP_TO", None),
    secret("WHATSAPP_ACCESS_TOKEN"),
    plain("WHATSAPP_PHONE_NUMBER_ID", None),
    plain("WHATSAPP_API_BASE", Some(whatsapp::DEFAULT_API_BASE)),
    plain("WHATSAPP_API_VERSION", Some(whatsapp::DEFAULT_API_VERSION)),
    plain("WHATSAPP_TEMPLATE", None),
    plain("WHATSAPP_TEMPLATE_LANG", Some(whatsapp::DEFAULT_TEMPLATE_LANG)),
    plain("TWILIO_ACCOUNT_SID", None),
    secret("TWILIO_AUTH_TOKEN"),
    plain("TWILIO_WHATSAPP_FROM", None),
    plain("TWILIO_CONTENT_SID", None),
    plain("TWILIO_API_BASE", Some(twilio::DEFAULT_API_BASE)),
    secret("CALLMEBOT_APIKEY"),
    plain("CALLMEBOT_API_BASE", Some(callmebot::DEFAULT_API_BASE)),
    plain("OPENCLAW_BIN", Some(openclaw::DEFAULT_BIN)),
    // A hook URL may carry a key of its own (Slack- and Discord-style hooks).
    secret("NOTIFY_WEBHOOK_URL"),
    secret("NOTIFY_WEBHOOK_TOKEN"),
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
