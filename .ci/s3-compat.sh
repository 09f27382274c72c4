#!/usr/bin/env bash
# Starts a second S3 implementation besides moto for the tests: s3s-fs (an S3 server over a
# directory, from crates.io), and exports OURA_TEST_S3_COMPAT_URL. Its keys are the same test
# keys that .ci/aws-emulator.sh exports, so the SDK signs for both. Stops it when the sourcing
# shell exits. Source it after .ci/aws-emulator.sh.
#
# The first run builds s3s-fs with `cargo install` into target/test-tools/s3s-fs (a few
# minutes on a cold machine; needs crates.io); later runs reuse it.
set -euo pipefail

TOOLS_DIR="${TOOLS_DIR:-$PWD/target/test-tools}"
S3S_VERSION="${S3S_VERSION:-0.14.1}"
S3S_BIN="$TOOLS_DIR/s3s-fs/bin/s3s-fs"
mkdir -p "$TOOLS_DIR"

s3s_fail() {
  echo "s3-compat: $*" >&2
  exit 1
}

# 1. Install (idempotent).
if [ ! -x "$S3S_BIN" ]; then
  echo "s3-compat: building s3s-fs $S3S_VERSION into $TOOLS_DIR/s3s-fs (first run only)" >&2
  started=$(date +%s)
  cargo install --quiet --locked s3s-fs --version "$S3S_VERSION" --features binary \
    --root "$TOOLS_DIR/s3s-fs" >"$TOOLS_DIR/s3s-install.log" 2>&1 || {
    tail -5 "$TOOLS_DIR/s3s-install.log" >&2
    s3s_fail "cargo could not install s3s-fs $S3S_VERSION (is crates.io reachable?); log above"
  }
  echo "s3-compat: s3s-fs built in $(($(date +%s) - started)) s" >&2
fi

# 2. Start on a free port, over a fresh directory; it logs "server is running at http://...".
S3S_ROOT=$(mktemp -d "$TOOLS_DIR/s3s-root.XXXXXX")
RUST_LOG=info NO_COLOR=1 "$S3S_BIN" --host 127.0.0.1 --port 0 --access-key "$AWS_ACCESS_KEY_ID" \
  --secret-key "$AWS_SECRET_ACCESS_KEY" "$S3S_ROOT" >"$TOOLS_DIR/s3s.log" 2>&1 &
S3S_PID=$!
previous_exit_trap=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
trap "kill \"\$S3S_PID\" 2>/dev/null || true; wait \"\$S3S_PID\" 2>/dev/null || true; \
rm -rf \"\$S3S_ROOT\"; $previous_exit_trap" EXIT

# 3. Wait until it says where it listens (at most 30 s).
S3S_URL=""
for _ in $(seq 1 300); do
  if ! kill -0 "$S3S_PID" 2>/dev/null; then
    cat "$TOOLS_DIR/s3s.log" >&2
    s3s_fail "s3s-fs exited while starting; its log is above"
  fi
  S3S_URL=$(sed -n 's#.*server is running at \(http://[0-9.:]*\).*#\1#p' "$TOOLS_DIR/s3s.log" | head -1)
  [ -n "$S3S_URL" ] && break
  sleep 0.1
done
[ -n "$S3S_URL" ] || { cat "$TOOLS_DIR/s3s.log" >&2; s3s_fail "s3s-fs did not start within 30 s"; }
export OURA_TEST_S3_COMPAT_URL="$S3S_URL"
echo "s3-compat: s3s-fs pid $S3S_PID ready on $S3S_URL" >&2
