//! What every sync of a process shares, whoever it is for: the HTTP client, the rate budget,
//! the cancellation token and where progress goes.
//!
//! A CLI builds one for its one run; a Lambda handler builds one at a cold start and runs each
//! invocation with it; a server beside its HTTP endpoints runs several accounts' syncs at once
//! with one. Nothing here is global: two runtimes in one process know nothing of each other.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::oura::ClientOptions;
use crate::oura::pacer::Pacer;

/// The shared context of the syncs of one process (see the module doc).
#[derive(Clone)]
pub struct Runtime {
    /// The HTTP client of every Oura request (connections pooled across runs).
    pub http: reqwest::Client,
    /// The rate budget: every request of every run waits its turn here.
    pub pacer: Arc<Pacer>,
    /// Cancelled to stop: the pieces in flight finish (so every file and ledger entry is
    /// whole), no more start, and each run is recorded as interrupted.
    pub cancel: CancellationToken,
    /// Where the runs tell how far they are.
    pub progress: Arc<dyn ProgressSink>,
    /// How requests are sent: where, how many at once, how they are retried and timed out.
    pub client: ClientOptions,
}

impl Runtime {
    /// A runtime with its own HTTP client, a pacer allowing `rate_limit` requests in any
    /// [`crate::oura::pacer::RATE_WINDOW`], a fresh cancellation token, and `progress`.
    pub fn new(
        client: ClientOptions,
        rate_limit: usize,
        progress: Arc<dyn ProgressSink>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            http: crate::oura::http_client()?,
            pacer: Arc::new(Pacer::new(rate_limit, crate::oura::pacer::RATE_WINDOW)),
            cancel: CancellationToken::new(),
            progress,
            client,
        })
    }
}

/// Where the runs of a runtime report their progress: a terminal bar, log lines, nothing.
pub trait ProgressSink: Send + Sync {
    /// The progress of one run, from its start; dropped when the run ends.
    fn start(&self, run_id: &str) -> Box<dyn RunProgress>;
}

/// The progress of one run, in days (of every type).
pub trait RunProgress: Send + Sync {
    /// `days` more are to be fetched.
    fn add_days(&self, days: u64);
    /// `days` were fetched (or given up on).
    fn days_done(&self, days: u64);
}

/// No progress at all (a Lambda, a test).
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn start(&self, _run_id: &str) -> Box<dyn RunProgress> {
        Box::new(NoProgress)
    }
}

impl RunProgress for NoProgress {
    fn add_days(&self, _days: u64) {}
    fn days_done(&self, _days: u64) {}
}

/// Progress as an info log line at most every `every` (a service's logs, where no bar can be
/// drawn).
pub struct LogProgress {
    pub every: Duration,
}

impl ProgressSink for LogProgress {
    fn start(&self, run_id: &str) -> Box<dyn RunProgress> {
        Box::new(LogRun {
            run_id: run_id.to_string(),
            every: self.every,
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            last: std::sync::Mutex::new(Instant::now()),
        })
    }
}

/// One run's counts, for [`LogProgress`].
struct LogRun {
    run_id: String,
    every: Duration,
    total: AtomicU64,
    done: AtomicU64,
    last: std::sync::Mutex<Instant>,
}

impl RunProgress for LogRun {
    fn add_days(&self, days: u64) {
        self.total.fetch_add(days, Ordering::Relaxed);
    }

    fn days_done(&self, days: u64) {
        let done = self.done.fetch_add(days, Ordering::Relaxed) + days;
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() >= self.every {
            *last = Instant::now();
            let total = self.total.load(Ordering::Relaxed);
            tracing::info!(run_id = %self.run_id, done, total, "Days fetched so far.");
        }
    }
}
