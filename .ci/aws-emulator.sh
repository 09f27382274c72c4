#!/usr/bin/env bash
# Starts moto_server (S3, DynamoDB and Secrets Manager on one port) for the tests (and installs DuckDB's Python
# package and sqlglot beside it for the silver tests, and the MCP Python SDK for the `mcp`
# tests), exports what aws-config
# reads (AWS_ENDPOINT_URL, test keys, region), and stops the server when the sourcing shell
# exits. Source it from a script, not from an interactive shell:
#
#   bash -c 'source .ci/aws-emulator.sh && cargo test'
#
# The first run installs moto 5.2.5 (and jsonschema, which the tests use to check the --json
# documents against docs/*.schema.json) into target/aws-emu/venv (about 15 s; needs PyPI);
# later runs reuse it and start in under a second.
set -euo pipefail

EMU_DIR="${EMU_DIR:-$PWD/target/aws-emu}"
MOTO_SPEC="${MOTO_SPEC:-moto[s3,dynamodb,secretsmanager]==5.2.5}"
mkdir -p "$EMU_DIR"

aws_emu_fail() {
  echo "aws-emulator: $*" >&2
  exit 1
}

JSONSCHEMA_SPEC="${JSONSCHEMA_SPEC:-jsonschema>=4.18,<5}"

# 1. Install (idempotent).
if [ ! -x "$EMU_DIR/venv/bin/moto_server" ] \
  || ! "$EMU_DIR/venv/bin/python" -c 'import jsonschema' 2>/dev/null; then
  command -v python3 >/dev/null 2>&1 \
    || aws_emu_fail "python3 is not installed; install Python 3.9 or newer to run the AWS tests"
  rm -rf "$EMU_DIR/venv"
  python3 -m venv "$EMU_DIR/venv" >"$EMU_DIR/install.log" 2>&1 \
    || aws_emu_fail "cannot create a venv (is python3-venv installed?): $(tail -1 "$EMU_DIR/install.log")"
  echo "aws-emulator: installing $MOTO_SPEC into $EMU_DIR/venv" >&2
  "$EMU_DIR/venv/bin/pip" install -q --disable-pip-version-check \
    "$MOTO_SPEC" 'flask>=3,<4' 'flask-cors>=5,<7' "$JSONSCHEMA_SPEC" >>"$EMU_DIR/install.log" 2>&1 || {
    tail -5 "$EMU_DIR/install.log" >&2
    rm -rf "$EMU_DIR/venv"
    aws_emu_fail "pip could not install $MOTO_SPEC (is PyPI reachable?); log above"
  }
fi

# pip-installs SPEC into the venv unless MODULE already imports there (installed once).
install_once() { # module, spec
  if ! "$EMU_DIR/venv/bin/python" -c "import $1" 2>/dev/null; then
    echo "aws-emulator: installing $2 into $EMU_DIR/venv" >&2
    "$EMU_DIR/venv/bin/pip" install -q --disable-pip-version-check "$2" \
      >>"$EMU_DIR/install.log" 2>&1 || {
      tail -5 "$EMU_DIR/install.log" >&2
      aws_emu_fail "pip could not install $2 (is PyPI reachable?); log above"
    }
  fi
}

# 1b. DuckDB for the silver tests (they query the Parquet tables as a user would), about 30 MB.
install_once duckdb "${DUCKDB_SPEC:-duckdb==1.4.4}"
# 1c. sqlglot for the bio-lakehouse silver test (it transpiles that project's Athena dbt models
# to DuckDB) and the Athena DDL test (it parses our DDL); pure Python, about 2 MB.
install_once sqlglot "${SQLGLOT_SPEC:-sqlglot==27.29.0}"
# 1d. The official MCP Python SDK for the `oura-sync mcp` tests (tests/mcp_client.py drives the
# server over stdio as an assistant would).
install_once mcp "${MCP_SPEC:-mcp==2.3.0}"
# 1e. cfn-lint for the deploy template's test (scripts/cloudformation/oura-sync.yaml).
install_once cfnlint "${CFN_LINT_SPEC:-cfn-lint==1.58.0}"
export OURA_TEST_PYTHON="$EMU_DIR/venv/bin/python"

# 2. Start on a free port (-p 0); werkzeug logs " * Running on http://127.0.0.1:PORT".
"$EMU_DIR/venv/bin/moto_server" -H 127.0.0.1 -p 0 >"$EMU_DIR/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true' EXIT

# 3. Wait until it answers (at most 30 s).
MOTO_PORT=""
MOTO_READY=""
for _ in $(seq 1 300); do
  if ! kill -0 "$MOTO_PID" 2>/dev/null; then
    cat "$EMU_DIR/moto.log" >&2
    aws_emu_fail "moto_server exited while starting; its log is above"
  fi
  if [ -z "$MOTO_PORT" ]; then
    MOTO_PORT=$(sed -n 's#.*Running on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$EMU_DIR/moto.log" | head -1)
  fi
  if [ -n "$MOTO_PORT" ] && "$EMU_DIR/venv/bin/python" -c \
    "import urllib.request as u; u.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/data.json', timeout=1)" \
    2>/dev/null; then
    MOTO_READY=1
    break
  fi
  sleep 0.1
done
if [ -z "$MOTO_READY" ]; then
  cat "$EMU_DIR/moto.log" >&2
  aws_emu_fail "moto_server did not answer within 30 s (port '${MOTO_PORT:-unknown}'); its log is above"
fi

# 4. What aws-config honours. The keys are moto's dummies; no real account is ever touched,
# and the profile/config files of the developer are kept out of the way.
export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_DYNAMODB
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
# The Python that the schema tests run (it has jsonschema).
export OURA_TEST_PYTHON="$EMU_DIR/venv/bin/python"
echo "aws-emulator: moto_server pid $MOTO_PID ready on $AWS_ENDPOINT_URL" >&2
