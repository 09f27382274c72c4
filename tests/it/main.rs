//! The integration tests: the `oura-sync` binary driven end to end against local servers
//! (the fake Oura API, and moto for S3 and DynamoDB), and the backend conformance suites.

// The fake Oura API (also used by the benchmark).
mod fake_oura;
// The test environment and record builders.
mod common;
// `sync` against the fake: every type, the traps, retries, refusals, the lake and the ledger.
mod sync;
// Arguments and settings: bad input, precedence, exit codes, nothing written on error.
mod cli;
// Backfills: pieces, resume after an interruption, pacing.
mod backfill;
// The emulator (moto) as the AWS tests see it: clients, fresh buckets and tables.
mod aws_env;
// One store conformance suite, run on the local lake and on S3, plus S3-only checks.
mod store_conformance;
// One ledger conformance suite, run on the local ledger and on DynamoDB, plus DynamoDB-only checks.
mod ledger_conformance;
// `sync` and `status` end to end into S3 and DynamoDB: the lake, the ledger, health checks, failures.
mod aws_sync;
