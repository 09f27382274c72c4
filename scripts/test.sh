#!/usr/bin/env bash
# The one test command: starts the S3/DynamoDB emulator (moto, installed on first use into
# target/aws-emu) and a second S3 implementation (s3s-fs, built on first use into
# target/test-tools), runs every test of oura-sync against them (unit tests, and the
# integration tests against the fake Oura server, moto and s3s-fs), and stops them again.
# Extra arguments go to `cargo test` (for example a test-name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_PROFILE_DEV_DEBUG=0
# shellcheck source=../.ci/aws-emulator.sh
source .ci/aws-emulator.sh
# shellcheck source=../.ci/s3-compat.sh
source .ci/s3-compat.sh
cargo test --locked "$@"
