//! Writing a command's output on stdout, where a reader that stops early (`oura-sync man |
//! head -1`) is not a failure: what was left to print is dropped quietly and the command's
//! own outcome (and exit code) stands.

use std::io::Write;

/// Runs `write` on the locked stdout and flushes it; a closed pipe is `Ok`.
pub fn print_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let result = write(&mut out).and_then(|()| out.flush());
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Prints `text` on stdout as it is; a closed pipe is `Ok`.
pub fn print(text: &str) -> anyhow::Result<()> {
    print_with(|out| out.write_all(text.as_bytes()))
}

/// Whether `err` is, at any depth, a write into a pipe nobody reads any more.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
