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
use super::{Notification, Notifier, Settings, missing, recipient};
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
    /// Reads `WHATSAPP_*`; the error lists every missing setting.
    pub fn from_settings(settings: &Settings, http: reqwest::Client) -> anyhow::Result<Self> {
        missing(
            "whatsapp",
            settings,
            &["WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_TO"],
        )?;
        let base = super::base_url(settings, "WHATSAPP_API_BASE", DEFAULT_API_BASE)?;
        let version =
            settings.get("WHATSAPP_API_VERSION").unwrap_or_else(|| DEFAULT_API_VERSION.into());
        let phone_id = settings.get("WHATSAPP_PHONE_NUMBER_ID").expect("checked above");
        let template = settings.get("WHATSAPP_TEMPLATE").map(|name| Template {
            name,
            language: settings
                .get("WHATSAPP_TEMPLATE_LANG")
                .unwrap_or_else(|| DEFAULT_TEMPLATE_LANG.into()),
        });
        Ok(Self {
            http,
            url: format!(
                "{base}/{}/{}/messages",
                version.trim_matches('/'),
                phone_id.trim_matches('/')
            ),
            token: settings.secret("WHATSAPP_ACCESS_TOKEN").expect("checked above"),
            to: recipient(settings)?,
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
