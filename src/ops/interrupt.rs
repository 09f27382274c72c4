//! Ctrl-C and SIGTERM during a sync: the first lets the pieces in flight finish (so every
//! file and ledger entry is whole) and starts no more; the second stops at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Watches for interrupts until the process ends, setting `interrupted` on the first.
pub async fn watch(interrupted: Arc<AtomicBool>) {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    for round in 0.. {
        #[cfg(unix)]
        let term_signal = async {
            match term.as_mut() {
                Some(term) => term.recv().await.map(|_| ()),
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let term_signal = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term_signal => {}
        }
        if round > 0 {
            // No stale progress frame is left on the terminal.
            crate::logging::clear_progress();
            eprintln!("error: interrupted twice; stopped at once");
            std::process::exit(130);
        }
        interrupted.store(true, Ordering::Relaxed);
        tracing::warn!(
            "Interrupted: finishing the pieces in flight; interrupt again to stop at once."
        );
    }
}
