#!/usr/bin/env bash
# The one test command: starts the S3/DynamoDB emulator (moto, installed on first use into
# target/aws-emu), runs every test (unit and integration) against it, and stops it again.
# Extra arguments go to `cargo test` (for example a test-name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../.ci/aws-emulator.sh
source .ci/aws-emulator.sh
cargo test --locked "$@"
