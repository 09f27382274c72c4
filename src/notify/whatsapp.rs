//! The `whatsapp` channel: Meta's WhatsApp Business Cloud API (Graph API).
//!
//! `POST {WHATSAPP_API_BASE}/{WHATSAPP_API_VERSION}/{WHATSAPP_PHONE_NUMBER_ID}/messages` with
//! `Authorization: Bearer {WHATSAPP_ACCESS_TOKEN}` and a JSON body: a text message, or, when
//! `WHATSAPP_TEMPLATE` is set, that approved template with the summary as two body
//! parameters (free text is only delivered within 24 hours of the recipient's last message to
//! the business number, so a daily job usually needs the template). A 200 only means Meta
//! accepted the message; delivery is reported later to a webhook this CLI never sees.

use serde_json::{Value, json};

use super::error::{SendError, clean, retry_after_header, transport};
use super::{Notification, Notifier, NotifyConfig, missing, recipient};
use crate::secret::Secret;

/// Default `WHATSAPP_API_BASE`.
pub const DEFAULT_API_BASE: &str = "https://graph.facebook.com";
/// Default `WHATSAPP_API_VERSION` (released 2025-10-08; Graph versions live about two years).
pub const DEFAULT_API_VERSION: &str = "v24.0";
/// Default `WHATSAPP_TEMPLATE_LANG`.
pub const DEFAULT_TEMPLATE_LANG: &str = "en_US";

/// An approved message template and its language.
#[derive(Clone, Debug)]
pub struct Template {
    pub name: String,
    pub language: String,
}

/// The `WHATSAPP_*` settings of the channel (`WHATSAPP_TO` is shared, in [`NotifyConfig`]).
#[derive(Clone, Debug, Default)]
pub struct WhatsAppConfig {
    pub access_token: Option<Secret>,
    pub phone_number_id: Option<String>,
    pub api_base: String,
    pub api_version: String,
    pub template: Option<String>,
    pub template_lang: String,
}

/// Sends through the Meta Cloud API.
#[derive(Clone, Debug)]
pub struct WhatsAppCloud {
    http: reqwest::Client,
    /// The full `…/messages` URL.
    url: String,
    token: Secret,
    to: String,
    template: Option<Template>,
}

impl WhatsAppCloud {
    /// The channel from its settings; the error lists every missing setting.
    pub fn new(config: &NotifyConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        let c = &config.whatsapp;
        let (Some(token), Some(phone_id), Some(_)) =
            (&c.access_token, &c.phone_number_id, &config.to)
        else {
            return Err(missing(
                "whatsapp",
                &[
                    ("WHATSAPP_ACCESS_TOKEN", c.access_token.is_some()),
                    ("WHATSAPP_PHONE_NUMBER_ID", c.phone_number_id.is_some()),
                    ("WHATSAPP_TO", config.to.is_some()),
                ],
            ));
        };
        let base = super::base_url("WHATSAPP_API_BASE", &c.api_base, DEFAULT_API_BASE)?;
        let version = &c.api_version;
        let template =
            c.template.clone().map(|name| Template { name, language: c.template_lang.clone() });
        Ok(Self {
            http,
            url: format!(
                "{base}/{}/{}/messages",
                version.trim_matches('/'),
                phone_id.trim_matches('/')
            ),
            token: token.clone(),
            to: recipient(config.to.as_deref())?,
            template,
        })
    }

    /// The JSON body for `note`.
    pub fn body(&self, note: &Notification<'_>) -> Value {
        match &self.template {
            None => json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": self.to,
                "type": "text",
                "text": {"preview_url": false, "body": note.text},
            }),
            Some(template) => {
                let params: Vec<Value> = note
                    .template_params()
                    .into_iter()
                    .map(|text| json!({"type": "text", "text": text}))
                    .collect();
                json!({
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    "to": self.to,
                    "type": "template",
                    "template": {
                        "name": template.name,
                        "language": {"code": template.language},
                        "components": [{"type": "body", "parameters": params}],
                    },
                })
            }
        }
    }
}

impl Notifier for WhatsAppCloud {
    fn channel(&self) -> &'static str {
        "whatsapp"
    }

    async fn send(&self, note: &Notification<'_>) -> Result<(), SendError> {
        let secrets = [&self.token];
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(self.token.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(self.body(note).to_string())
            .send()
            .await
            .map_err(|e| transport(e, &secrets))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = retry_after_header(response.headers());
        let text = crate::http_body::read_provider_text(response).await.unwrap_or_default();
        let (code, detail) = meta_error(&text);
        Err(SendError::Http {
            status: status.as_u16(),
            code,
            detail: clean(&detail, &secrets),
            retry_after,
        })
    }
}

/// Meta's error code and the most useful explanation (`error_data.details`, else `message`),
/// with `fbtrace_id` for a support request.
/// Shape: `{"error":{"message","type","code","error_data":{"details"},"fbtrace_id"}}`.
fn meta_error(body: &str) -> (Option<String>, String) {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return (None, body.to_string());
    };
    let error = &value["error"];
    let code = match &error["code"] {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    let mut detail = error["error_data"]["details"]
        .as_str()
        .or_else(|| error["message"].as_str())
        .unwrap_or(body)
        .to_string();
    if let Some(trace) = error["fbtrace_id"].as_str() {
        detail.push_str(&format!(" (fbtrace_id {trace})"));
    }
    (code, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_errors_give_code_details_and_trace() {
        let body = r#"{"error":{"message":"(#131030) Recipient phone number not in allowed list","type":"OAuthException","code":131030,"error_data":{"messaging_product":"whatsapp","details":"Recipient phone number not in allowed list"},"fbtrace_id":"Az8or"}}"#;
        let (code, detail) = meta_error(body);
        assert_eq!(code.as_deref(), Some("131030"));
        assert_eq!(detail, "Recipient phone number not in allowed list (fbtrace_id Az8or)");
        assert_eq!(meta_error("Bad Gateway"), (None, "Bad Gateway".to_string()));
    }
}
