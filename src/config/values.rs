//! Single settings read into typed values: numbers in a range, seconds, the time zone, the
//! API base, and the settings of the OAuth app, AWS and the notification channels.

use super::*;

/// The name to quote in an error about `resolved`: the flag when a flag set it.
pub(super) fn label(name: &'static str, resolved: &Resolved<String>) -> &'static str {
    match resolved.source {
        Source::Flag(flag) => flag,
        _ => name,
    }
}

/// Parses a whole number within `range`; `unit` (such as " of seconds") goes into the error.
pub fn parse_number(
    what: &str,
    text: &str,
    range: RangeInclusive<u64>,
    unit: &str,
) -> anyhow::Result<u64> {
    text.trim().parse::<u64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
        UserError::usage(format!(
            "{what} `{text}` must be a whole number{unit} from {} to {}",
            range.start(),
            range.end()
        ))
    })
}

/// The number setting `name` (it has a default) within `range`.
pub(super) fn number(
    sources: &Sources<'_>,
    name: &'static str,
    range: RangeInclusive<u64>,
    unit: &str,
) -> anyhow::Result<u64> {
    let resolved = sources.get(name).expect("number settings have a default");
    parse_number(label(name, &resolved), &resolved.value, range, unit)
}

/// A duration setting in whole seconds, from `min` to a day.
pub(super) fn seconds(
    sources: &Sources<'_>,
    name: &'static str,
    min: u64,
) -> anyhow::Result<Duration> {
    number(sources, name, min..=MAX_WAIT_SECONDS, " of seconds").map(Duration::from_secs)
}

/// `OURA_TIMEZONE`, or the system's zone.
pub(super) fn timezone(sources: &Sources<'_>) -> anyhow::Result<TimeZone> {
    match sources.value("OURA_TIMEZONE") {
        Some(name) => TimeZone::get(&name).map_err(|_| {
            UserError::usage(format!(
                "OURA_TIMEZONE `{name}` is not a known IANA time zone; use a name such as America/New_York"
            ))
        }),
        None => Ok(TimeZone::system()),
    }
}

/// `OURA_API_BASE` without a trailing slash.
pub(super) fn api_base(sources: &Sources<'_>) -> String {
    sources.value("OURA_API_BASE").unwrap_or_default().trim_end_matches('/').to_string()
}

pub(super) fn oauth_config(sources: &Sources<'_>) -> OAuthConfig {
    let text = |name| sources.value(name).unwrap_or_default();
    OAuthConfig {
        client_id: sources.value("OURA_CLIENT_ID"),
        client_secret: sources.value("OURA_CLIENT_SECRET").map(Secret::new),
        authorize_url: text("OURA_AUTHORIZE_URL"),
        token_url: text("OURA_TOKEN_URL"),
        fallback_token_url: text("OURA_TOKEN_FALLBACK_URL"),
        redirect_uri: text("OURA_REDIRECT_URI"),
        scopes: text("OURA_SCOPES"),
    }
}

/// The AWS settings of `env` alone, as every command resolves them.
pub fn aws_settings(env: &EnvSnapshot) -> anyhow::Result<AwsConfig> {
    aws_config(&Sources::new(env))
}

/// The per-service endpoint beats `AWS_ENDPOINT_URL`.
pub(super) fn aws_config(sources: &Sources<'_>) -> anyhow::Result<AwsConfig> {
    let global = sources.value("AWS_ENDPOINT_URL");
    Ok(AwsConfig {
        region: sources.value("AWS_REGION"),
        profile: sources.value("AWS_PROFILE"),
        s3_endpoint: sources.value("AWS_ENDPOINT_URL_S3").or_else(|| global.clone()),
        dynamodb_endpoint: sources.value("AWS_ENDPOINT_URL_DYNAMODB").or_else(|| global.clone()),
        secrets_manager_endpoint: sources.value("AWS_ENDPOINT_URL_SECRETS_MANAGER").or(global),
        checksums: sources
            .value("AWS_REQUEST_CHECKSUM_CALCULATION")
            .map(|text| ChecksumPolicy::parse(&text))
            .transpose()?,
    })
}

/// The notification settings of `env` alone (no flags), as `sync` resolves them.
pub fn notify_config(env: &EnvSnapshot) -> anyhow::Result<NotifyConfig> {
    notify_from(&Sources::new(env))
}

pub(super) fn notify_from(sources: &Sources<'_>) -> anyhow::Result<NotifyConfig> {
    let text = |name| sources.value(name).unwrap_or_default();
    let on = NotifyOn::parse(&text("OURA_NOTIFY_ON"))?;
    let timeout = number(sources, "OURA_NOTIFY_TIMEOUT", 1..=600, " of seconds")?;
    Ok(NotifyConfig {
        channels: parse_channels(&text("OURA_NOTIFY"))?,
        on,
        timeout: Duration::from_secs(timeout),
        to: sources.value("WHATSAPP_TO"),
        whatsapp: crate::notify::whatsapp::WhatsAppConfig {
            access_token: sources.value("WHATSAPP_ACCESS_TOKEN").map(Secret::new),
            phone_number_id: sources.value("WHATSAPP_PHONE_NUMBER_ID"),
            api_base: text("WHATSAPP_API_BASE"),
            api_version: text("WHATSAPP_API_VERSION"),
            template: sources.value("WHATSAPP_TEMPLATE"),
            template_lang: text("WHATSAPP_TEMPLATE_LANG"),
        },
        twilio: crate::notify::twilio::TwilioConfig {
            account_sid: sources.value("TWILIO_ACCOUNT_SID"),
            auth_token: sources.value("TWILIO_AUTH_TOKEN").map(Secret::new),
            whatsapp_from: sources.value("TWILIO_WHATSAPP_FROM"),
            content_sid: sources.value("TWILIO_CONTENT_SID"),
            api_base: text("TWILIO_API_BASE"),
        },
        callmebot: crate::notify::callmebot::CallMeBotConfig {
            api_key: sources.value("CALLMEBOT_APIKEY").map(Secret::new),
            api_base: text("CALLMEBOT_API_BASE"),
        },
        openclaw: crate::notify::openclaw::OpenClawConfig { bin: text("OPENCLAW_BIN") },
        webhook: crate::notify::webhook::WebhookConfig {
            url: sources.value("NOTIFY_WEBHOOK_URL").map(Secret::new),
            token: sources.value("NOTIFY_WEBHOOK_TOKEN").map(Secret::new),
        },
    })
}

/// An on/off setting (`on`, `true`, `1`, `yes`; `off`, `false`, `0`, `no`); off when unset.
pub fn on_off(sources: &Sources<'_>, name: &'static str) -> anyhow::Result<bool> {
    match sources.value(name).map(|v| v.to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if ["on", "true", "1", "yes"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["off", "false", "0", "no"].contains(&v.as_str()) => Ok(false),
        Some(v) => Err(UserError::usage(format!("{name} `{v}` must be on or off"))),
    }
}
