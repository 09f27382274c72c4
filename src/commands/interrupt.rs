//! Ctrl-C and SIGTERM during a command: the first cancels the runtime's token (the pieces in
//! flight finish, so every file and ledger entry is whole, and no more start); the second
//! stops the process at once. The only signal handling of the crate: the library below
//! `commands/` sees the token alone.

use tokio_util::sync::CancellationToken;

use crate::logging::Screen;

/// Watches for interrupts until the process ends, cancelling `cancel` on the first and
/// exiting with 130 on the second (after taking the progress bars off `screen`).
pub async fn watch(cancel: CancellationToken, screen: Screen) {
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
            screen.clear();
            eprintln!("error: interrupted twice; stopped at once");
            std::process::exit(130);
        }
        cancel.cancel();
        tracing::warn!(
            "Interrupted: finishing the pieces in flight; interrupt again to stop at once."
        );
    }
}
