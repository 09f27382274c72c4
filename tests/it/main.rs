//! The integration tests: the `oura-sync` binary driven end to end against local servers.

// The fake Oura API (also used by the benchmark).
mod fake_oura;
// The test environment and record builders.
mod common;
// `sync` against the fake: every type, the traps, retries, refusals, the lake and the ledger.
mod sync;
// Arguments and settings: bad input, precedence, exit codes, nothing written on error.
mod cli;
