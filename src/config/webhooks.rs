//! The settings of the webhook subscriptions: `webhooks subscribe|list|renew|delete`'s
//! configuration, and whether a sync renews by itself ([`webhook_settings`]).

use super::*;
use crate::cli::{DeleteArgs, RenewArgs, SubscribeArgs, WebhooksAction, WebhooksArgs};
use crate::webhooks::subscriptions::{DEFAULT_RENEW_WITHIN_DAYS, DeleteTarget};
use crate::webhooks::{WebhookApp, WebhookSettings};

/// The longest `--within-days`.
const MAX_RENEW_WITHIN_DAYS: u64 = 365;

/// `webhooks …`: the action, the app that manages the subscriptions, the lake whose ledger
/// records them, and how requests go to Oura.
#[derive(Debug)]
pub struct WebhooksConfig {
    pub action: WebhooksWork,
    pub app: WebhookApp,
    pub lake: LakeConfig,
    pub client: ClientOptions,
    /// `OURA_RATE_LIMIT`.
    pub rate_limit: usize,
    pub json: bool,
}

/// What a `webhooks` command does.
#[derive(Debug)]
pub enum WebhooksWork {
    /// Subscribe `types` (those with webhooks) to `url` with `OURA_WEBHOOK_TOKEN`.
    Subscribe {
        url: String,
        types: Vec<DataType>,
        verification_token: Secret,
    },
    /// List, and say which of `types` lack a subscription.
    List {
        types: Vec<DataType>,
    },
    /// Renew those expiring within `within_days` days.
    Renew {
        within_days: u32,
    },
    Delete(DeleteTarget),
}

/// Sets the flags of a `webhooks` command line as their settings' sources.
pub(super) fn webhooks_flags(args: &WebhooksArgs, sources: &mut Sources<'_>) {
    let output = match &args.action {
        WebhooksAction::Subscribe(s) => {
            sources.flag("OURA_TYPES", "--types", s.types.as_deref());
            &s.output
        }
        WebhooksAction::List(l) => {
            sources.flag("OURA_TYPES", "--types", l.types.as_deref());
            &l.output
        }
        WebhooksAction::Renew(r) => &r.output,
        WebhooksAction::Delete(d) => &d.output,
    };
    sources.flag("OURA_DESTINATION", "--dest", output.dest.as_deref());
}

/// Resolves a `webhooks` command: the app's credentials are required (exit 2 naming the
/// missing setting), and `OURA_WEBHOOK_TOKEN` too for `subscribe`.
pub(super) fn webhooks_config(
    args: &WebhooksArgs,
    sources: &Sources<'_>,
) -> anyhow::Result<WebhooksConfig> {
    let app = webhook_app(sources)?;
    let (action, json) = match &args.action {
        WebhooksAction::Subscribe(SubscribeArgs { url, output, .. }) => {
            let verification_token = sources
                .value("OURA_WEBHOOK_TOKEN")
                .map(Secret::new)
                .ok_or_else(|| missing("OURA_WEBHOOK_TOKEN", "the verification token Oura echoes to the callback; the receiver checks the same value"))?;
            let url = callback_url("--url", url)?;
            (
                WebhooksWork::Subscribe { url, types: resolve_types(sources)?, verification_token },
                output.json,
            )
        }
        WebhooksAction::List(list) => {
            (WebhooksWork::List { types: resolve_types(sources)? }, list.output.json)
        }
        WebhooksAction::Renew(RenewArgs { within_days, output }) => {
            let within_days = match within_days {
                Some(text) => {
                    parse_number("--within-days", text, 0..=MAX_RENEW_WITHIN_DAYS, " of days")?
                        as u32
                }
                None => DEFAULT_RENEW_WITHIN_DAYS,
            };
            (WebhooksWork::Renew { within_days }, output.json)
        }
        WebhooksAction::Delete(DeleteArgs { ids, url, all, output }) => {
            let target = match (url, all) {
                (Some(url), _) => DeleteTarget::Url(callback_url("--url", url)?),
                (None, true) => DeleteTarget::All,
                (None, false) if !ids.is_empty() => DeleteTarget::Ids(ids.clone()),
                (None, false) => {
                    return Err(UserError::usage("give the ids to delete, --url URL or --all"));
                }
            };
            (WebhooksWork::Delete(target), output.json)
        }
    };
    let attempt_timeout =
        number(sources, "OURA_HTTP_TIMEOUT", 1..=MAX_HTTP_TIMEOUT_SECONDS, " of seconds")?;
    Ok(WebhooksConfig {
        action,
        app,
        lake: lake_config(sources)?,
        client: ClientOptions {
            api_base: api_base(sources),
            concurrency: 4,
            backoff_base: BACKOFF_BASE,
            attempt_timeout: Duration::from_secs(attempt_timeout),
        },
        rate_limit: number(sources, "OURA_RATE_LIMIT", 1..=OURA_LIMIT as u64, "")? as usize,
        json,
    })
}

/// The app's credentials, both required.
fn webhook_app(sources: &Sources<'_>) -> anyhow::Result<WebhookApp> {
    let what = "webhook subscriptions are managed with your Oura app's credentials";
    let client_id =
        sources.value("OURA_CLIENT_ID").ok_or_else(|| missing("OURA_CLIENT_ID", what))?;
    let client_secret = sources
        .value("OURA_CLIENT_SECRET")
        .map(Secret::new)
        .ok_or_else(|| missing("OURA_CLIENT_SECRET", what))?;
    Ok(WebhookApp { client_id, client_secret })
}

/// Webhooks fully configured (`OURA_WEBHOOK_TOKEN`, `OURA_CLIENT_ID` and
/// `OURA_CLIENT_SECRET` all set), else `None`: a sync then renews nothing.
pub fn webhook_settings(sources: &Sources<'_>) -> Option<WebhookSettings> {
    let verification_token = sources.value("OURA_WEBHOOK_TOKEN").map(Secret::new)?;
    Some(WebhookSettings { verification_token, app: webhook_app(sources).ok()? })
}

/// `OURA_WEBHOOK_TOKEN` set without the app's credentials: the doctor's problem, as a sync
/// would renew nothing and `webhooks` would refuse to run.
pub(super) fn half_configured(sources: &Sources<'_>) -> anyhow::Result<()> {
    if sources.value("OURA_WEBHOOK_TOKEN").is_some() {
        webhook_app(sources).map_err(|e| {
            UserError::usage(format!(
                "{e:#}; OURA_WEBHOOK_TOKEN is set, but without it no webhook subscription is made \
                 or renewed"
            ))
        })?;
    }
    Ok(())
}

/// The usage error of a missing setting.
fn missing(name: &str, why: &str) -> anyhow::Error {
    UserError::usage(format!("{name} is not set ({why}); set it in the environment or .env.oura"))
}

/// A callback URL: absolute, http or https, with a host.
fn callback_url(flag: &str, text: &str) -> anyhow::Result<String> {
    match url::Url::parse(text.trim()) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && u.host().is_some() => {
            Ok(text.trim().to_string())
        }
        _ => Err(UserError::usage(format!(
            "{flag} `{text}` is not an http(s) URL; give the receiver's public address, such as \
             https://oura.example.org/hook"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins down the callback check: absolute http(s) URLs pass, anything else is a usage
    /// error naming the flag.
    #[test]
    fn callback_urls_must_be_absolute_http_urls() {
        assert_eq!(callback_url("--url", " https://x.org/hook ").unwrap(), "https://x.org/hook");
        assert!(callback_url("--url", "http://127.0.0.1:8787/").is_ok());
        let e = callback_url("--url", "x.org/hook").unwrap_err();
        assert!(e.to_string().starts_with("--url `x.org/hook` is not an http(s) URL"), "{e}");
        assert!(callback_url("--url", "ftp://x.org/").is_err());
    }
}
