//! The `openclaw` channel: an OpenClaw gateway's own WhatsApp session (a linked device, so no
//! business account, no template, no 24-hour window).
//!
//! Runs `{OPENCLAW_BIN} message send --channel whatsapp --target {WHATSAPP_TO} --message TEXT
//! --json` as an argument vector (never through a shell, so the text cannot be taken for shell
//! syntax), with stdin closed and the child killed when the send times out. A non-zero exit or
//! `"ok": false` on stdout is a failure; OpenClaw then prints
//! `{"ok":false,"error":{"type":"…","message":"…"}}`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use super::error::{SendError, clean};
use super::{Notification, Notifier, NotifyConfig, missing, recipient};
use crate::error::UserError;

/// Default `OPENCLAW_BIN`.
pub const DEFAULT_BIN: &str = "openclaw";

/// The `OPENCLAW_BIN` setting of the channel (`WHATSAPP_TO` is shared).
#[derive(Clone, Debug, Default)]
pub struct OpenClawConfig {
    pub bin: String,
}

/// Sends by running the OpenClaw CLI.
#[derive(Clone, Debug)]
pub struct OpenClaw {
    bin: PathBuf,
    to: String,
}

impl OpenClaw {
    /// The channel from `OPENCLAW_BIN` and `WHATSAPP_TO`, once the program is found (cron
    /// runs with a short `PATH`, so a missing program is a setup error worth catching before
    /// any data moves).
    pub fn new(config: &NotifyConfig) -> anyhow::Result<Self> {
        if config.to.is_none() {
            return Err(missing("openclaw", &[("WHATSAPP_TO", false)]));
        }
        let bin = PathBuf::from(&config.openclaw.bin);
        if find_program(&bin).is_none() {
            return Err(UserError::usage(format!(
                "OURA_NOTIFY includes `openclaw` but the program `{}` was not found{}; install \
                 OpenClaw or set OPENCLAW_BIN to its full path",
                bin.display(),
                if bin.components().count() > 1 { "" } else { " on PATH" }
            )));
        }
        Ok(Self { bin, to: recipient(config.to.as_deref())? })
    }

    /// The argument vector (after the program) for `note`.
    pub fn args<'a>(&'a self, note: &Notification<'a>) -> [&'a str; 9] {
        [
            "message",
            "send",
            "--channel",
            "whatsapp",
            "--target",
            &self.to,
            "--message",
            note.text,
            "--json",
        ]
    }
}

/// The program `bin` resolves to: itself when it names a path, else the first match on `PATH`.
fn find_program(bin: &Path) -> Option<PathBuf> {
    if bin.components().count() > 1 {
        return bin.is_file().then(|| bin.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(bin))
        .find(|candidate| candidate.is_file())
}

impl Notifier for OpenClaw {
    fn channel(&self) -> &'static str {
        "openclaw"
    }

    async fn send(&self, note: &Notification<'_>) -> Result<(), SendError> {
        let output = tokio::process::Command::new(&self.bin)
            .args(self.args(note))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // The caller's timeout drops this future; the child must not outlive it.
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| {
                SendError::Transport(format!("cannot run `{}`: {e}", self.bin.display()))
            })?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let answer = serde_json::from_str::<Value>(stdout.trim()).ok();
        let refused = answer.as_ref().is_some_and(|v| v["ok"] == Value::Bool(false));
        if output.status.success() && !refused {
            return Ok(());
        }
        let message = answer
            .as_ref()
            .and_then(|v| {
                let error = &v["error"];
                error["message"].as_str().map(|m| match error["type"].as_str() {
                    Some(kind) => format!("{kind}: {m}"),
                    None => m.to_string(),
                })
            })
            .or_else(|| {
                let stderr = String::from_utf8_lossy(&output.stderr);
                stderr.lines().rev().find(|l| !l.trim().is_empty()).map(str::to_string)
            })
            .unwrap_or_else(|| "no error message".to_string());
        let how = match output.status.code() {
            Some(0) => "answered \"ok\": false".to_string(),
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_string(),
        };
        Err(SendError::Refused(clean(&format!("openclaw {how}: {message}"), &[])))
    }
}
