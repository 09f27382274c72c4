//! The integration tests: the `oura-sync` binary driven end to end against local servers.

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
// Backfills: pieces, resume after an interruption, pacing.
mod backfill;
