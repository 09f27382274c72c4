//! `serve`'s configuration: where to listen, the sync it applies deliveries with (resolved as
//! `sync` resolves its settings: lake, silver, time zone, notifications, limits), and what
//! the receiver checks calls with ([`receiver_settings`], which Lambda mode reads too).

use std::net::SocketAddr;

use super::*;
use crate::cli::{ServeArgs, SyncArgs};
use crate::secret::Secret;
use crate::webhooks::receiver::Receiver;

/// `serve`: the address, the sync of the deliveries, and the receiver's secrets.
#[derive(Debug)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    /// The sync a delivery's re-sync is made with (its window and types are the delivery's).
    pub sync: SyncConfig,
    pub receiver: Receiver,
}

/// Resolves `serve`: both secrets are required (without them no call could be answered).
pub(super) fn serve_config(
    args: &ServeArgs,
    sources: &Sources<'_>,
    now: Timestamp,
) -> anyhow::Result<ServeConfig> {
    let listen = args.listen.trim().parse::<SocketAddr>().map_err(|_| {
        UserError::usage(format!(
            "--listen `{}` is not an address and port such as 127.0.0.1:8787",
            args.listen
        ))
    })?;
    let receiver = receiver_from(sources);
    for (name, missing, why) in [
        (
            "OURA_CLIENT_SECRET",
            receiver.client_secret.is_none(),
            "deliveries are signed with your Oura app's client secret",
        ),
        (
            "OURA_WEBHOOK_TOKEN",
            receiver.verification_token.is_none(),
            "Oura checks the receiver with the verification token given when subscribing",
        ),
    ] {
        if missing {
            return Err(UserError::usage(format!(
                "{name} is not set ({why}); set it in the environment or .env.oura"
            )));
        }
    }
    let sync = sync_config(&default_sync_args(), sources, now)?;
    Ok(ServeConfig { listen, sync, receiver })
}

/// The receiver's secrets from the settings (`OURA_CLIENT_SECRET`, `OURA_WEBHOOK_TOKEN`),
/// each `None` when unset; for Lambda mode, which resolves `sync` and answers webhook calls
/// too.
pub fn receiver_settings(env: &EnvSnapshot) -> Receiver {
    receiver_from(&Sources::new(env))
}

fn receiver_from(sources: &Sources<'_>) -> Receiver {
    let secret = |name| sources.value(name).filter(|v| !v.is_empty()).map(Secret::new);
    Receiver {
        client_secret: secret("OURA_CLIENT_SECRET"),
        verification_token: secret("OURA_WEBHOOK_TOKEN"),
    }
}

/// `sync` with no argument: the settings alone decide.
fn default_sync_args() -> SyncArgs {
    SyncArgs {
        date: None,
        days: None,
        from: None,
        to: None,
        types: None,
        dest: None,
        layout: None,
        dry_run: false,
        sandbox: false,
        json: false,
        no_notify: false,
        force: false,
        concurrency: None,
        silver_dest: None,
    }
}
