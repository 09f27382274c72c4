//! The integration tests: one crate, one module per area.

// The emulator (moto) as the AWS tests see it: clients, fresh buckets and tables.
mod aws_env;
// One store conformance suite, run on the local lake and on S3, plus S3-only checks.
mod store_conformance;
// One ledger conformance suite, run on the local ledger and on DynamoDB, plus DynamoDB-only checks.
mod ledger_conformance;
