//! `oura-sync serve`: Oura's webhook calls over HTTP, for a home server behind a reverse proxy
//! or tunnel. Glue only: an axum server answering on every path through the one handler
//! ([`crate::webhooks::receiver`]), and one worker for the lake that applies the deliveries
//! it queues ([`crate::webhooks::apply`]), one batch at a time.
//!
//! Bodies over [`MAX_BODY_BYTES`] are refused (413), a body not sent within
//! [`BODY_TIMEOUT`] is 408, and connections still open [`SHUTDOWN_GRACE`] after a stop are
//! dropped (a slow client's headers are the reverse proxy's to bound). SIGTERM or Ctrl-C stops taking connections, lets the run in
//! flight finish its pieces, and records what is still queued as pending in the ledger (the
//! next run applies it); a second one stops at once. The log names the method, path, status
//! and delivery, never a query (it carries the verification token) nor a header.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use super::sync::{LakeGate, Opened, open, quiet_notifiers};
use crate::config::{Config, ServeConfig};
use crate::error::EXIT_OK;
use crate::logging::Screen;
use crate::runtime::{LogProgress, Runtime};
use crate::store::ObjectStore;
use crate::webhooks::apply::Target;
use crate::webhooks::queue::Queue;
use crate::webhooks::receiver::{HttpRequest, MAX_BODY_BYTES, Receiver};

/// How long a request's body may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long connections still open after SIGTERM may take to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long the worker waits after a delivery for the rest of a burst, before applying.
const GATHER: Duration = Duration::from_millis(500);

/// How often the worker tries again while deliveries are pending (the lake was busy).
const RETRY_EVERY: Duration = Duration::from_secs(60);

/// How often a long run logs how far it is.
const PROGRESS_EVERY: Duration = Duration::from_secs(30);

/// What the handler shares.
struct Shared {
    receiver: Receiver,
    queue: Arc<Queue>,
}

/// Serves until SIGTERM or Ctrl-C; exit 0 then.
pub async fn exec(config: &Config, serve: &ServeConfig, screen: &Screen) -> anyhow::Result<u8> {
    let sync = &serve.sync;
    let progress = Arc::new(LogProgress { every: PROGRESS_EVERY });
    let runtime = Runtime::new(sync.client.clone(), sync.rate_limit, progress)?;
    let Opened { mut account, store, job } = open(config, sync, quiet_notifiers(sync)?).await?;
    // Renewing subscriptions is the daily sync's work, not every delivery's.
    account.webhooks = None;
    let listener = tokio::net::TcpListener::bind(serve.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", serve.listen))?;
    let address = listener.local_addr()?;
    tokio::spawn(super::interrupt::watch(runtime.cancel.clone(), screen.clone()));
    tracing::info!(%address, lake = %account.lake.store.describe(), "Receiving Oura webhooks.");
    crate::stdout::print_with(|out| Ok(writeln!(out, "listening on {address}")?))?;

    let queue = Arc::new(Queue::default());
    let shared = Arc::new(Shared { receiver: serve.receiver.clone(), queue: Arc::clone(&queue) });
    let app = Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared);
    let server =
        axum::serve(listener, app).with_graceful_shutdown(runtime.cancel.clone().cancelled_owned());
    let target = Target { runtime: &runtime, account: &account, template: &job };
    let gate =
        LakeGate { store: &store, lake_lock: sync.lake_lock.as_ref(), wait: sync.lock_timeout };
    // A connection still open [`SHUTDOWN_GRACE`] after the signal (a client that never
    // finishes its request) does not hold the process.
    let stopped = async {
        runtime.cancel.cancelled().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    let server = async {
        tokio::select! {
            served = server.into_future() => served,
            () = stopped => Ok(()),
        }
    };
    let (served, ()) = tokio::join!(server, work(&target, &gate, &queue, &runtime.cancel));
    served.map_err(|e| anyhow::anyhow!("the server failed: {e}"))?;
    tracing::info!("Stopped receiving webhooks.");
    Ok(EXIT_OK)
}

/// The lake's worker: applies what was pending at the start, then each batch the queue
/// gathers; stopping, records what is queued as pending.
async fn work(target: &Target<'_>, gate: &LakeGate<'_>, queue: &Queue, cancel: &CancellationToken) {
    let mut retry = true;
    while !cancel.is_cancelled() {
        if retry || !queue.is_empty() {
            tokio::select! {
                () = tokio::time::sleep(GATHER) => {}
                () = cancel.cancelled() => break,
            }
            let batch = queue.take();
            let deliveries = batch.deliveries;
            let applied = target.apply_recorded(batch, gate).await;
            if deliveries > 0 || !applied.reports.is_empty() {
                tracing::info!(
                    deliveries,
                    runs = applied.reports.len(),
                    requests = applied.fetched as u64
                        + applied.reports.iter().map(|r| r.requests).sum::<u64>(),
                    pending = applied.recorded,
                    "Deliveries applied."
                );
            }
            retry = applied.recorded > 0 || !applied.left.is_empty();
            if !applied.left.is_empty() {
                queue.put_back(applied.left);
            }
        }
        tokio::select! {
            () = queue.added() => {}
            () = tokio::time::sleep(RETRY_EVERY), if retry => {}
            () = cancel.cancelled() => break,
        }
    }
    let rest = queue.take();
    if !rest.is_empty() {
        let _ = target.set_aside(&rest, "the receiver stopped").await;
    }
}

/// Every request, on any path: read it whole (bounded), answer through the handler, queue
/// the delivery.
async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY_BYTES))
        .await
    {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return answer(StatusCode::PAYLOAD_TOO_LARGE, r#"{"detail":"body too large"}"#);
        }
        Err(_) => return answer(StatusCode::REQUEST_TIMEOUT, r#"{"detail":"body too slow"}"#),
    };
    let request = HttpRequest {
        method: method.as_str().to_ascii_uppercase(),
        query: uri.query().unwrap_or_default().to_string(),
        headers: headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        body: body.to_vec(),
    };
    let (response, delivery) = shared.receiver.handle(&request, Timestamp::now());
    match &delivery {
        Some(d) => {
            shared.queue.push(d);
            tracing::info!(
                method = %method, path = uri.path(), status = response.status,
                r#type = %d.data_type, event = %d.event, object_id = %d.object_id,
                "Delivery queued."
            );
        }
        None => {
            tracing::info!(method = %method, path = uri.path(), status = response.status, "Webhook call answered.")
        }
    }
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    answer(status, response.body)
}

fn answer(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [("content-type", "application/json")], body.into()).into_response()
}
