//! The integration tests: the `oura-sync` binary driven end to end against local servers, and
//! the notification channels through the library.

// The fake Oura API (also used by the benchmark).
mod fake_oura;
// The test environment and record builders.
mod common;
// `sync` against the fake: every type, the traps, retries, refusals, the lake and the ledger.
mod sync;
// Arguments and settings: bad input, precedence, exit codes, nothing written on error.
mod cli;
// The fake OAuth server: authorize, two token URLs, single-use rotating refresh tokens.
mod fake_oauth;
// `auth`, `refresh` and the refresh inside `sync`: logins, rotation, fallback, secrets.
mod auth;
// Local HTTP servers that record every request and answer as each test says.
mod recorder;
// Each notification channel's exact request, through the library API.
mod notify_wire;
// Notifications, the ledger's notify_status and the sync lock, through the binary.
mod notify_e2e;
// The schedule scripts (cron, OpenClaw) against fake `crontab` and `openclaw` programs.
mod scripts;
// Backfills: pieces, resume after an interruption, pacing.
mod backfill;
