#!/usr/bin/env bash
# The first half hour, offline: builds oura-sync and the fake Oura server (examples/fake_oura,
# the tests' realistic data for every type), starts the fake, waits until it listens, syncs its
# last DAYS days (default 30) into a lake under target/try/, shows `status`, and writes the
# dashboard beside it. No account, no network, no port to copy; everything it writes is under
# target/try/ (cleared at the start), and the fake is stopped on exit.
#
#   scripts/try.sh            # then open target/try/oura-dashboard.html
#   DAYS=90 scripts/try.sh    # a longer window (1..3660)
set -euo pipefail
cd "$(dirname "$0")/.."
DAYS="${DAYS:-30}"
TRY="$PWD/target/try"
rm -rf "$TRY"
mkdir -p "$TRY"

if [ -n "${TRY_BIN_DIR:-}" ]; then
  # The test suite runs this with the binaries `cargo test` has just built: a nested
  # `cargo build` (dev profile, not test) would relink them under the other tests' feet.
  BIN="$TRY_BIN_DIR"
else
  cargo build --locked --quiet --bin oura-sync --example fake_oura
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug"
fi

# The fake writes its URL into a file once it listens; wait for that (at most 60 s).
"$BIN/examples/fake_oura" --from "$(date -u -d "$DAYS days ago" +%F 2>/dev/null || date -u -v-"${DAYS}"d +%F)" \
  --port-file "$TRY/fake-oura.url" >"$TRY/fake-oura.log" 2>&1 &
FAKE_PID=$!
trap 'kill "$FAKE_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  [ -s "$TRY/fake-oura.url" ] && break
  kill -0 "$FAKE_PID" 2>/dev/null || { cat "$TRY/fake-oura.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$TRY/fake-oura.url" ] || { echo "the fake Oura server did not start" >&2; exit 1; }

# Every setting for this try only, none from your .env.oura: the fake's URL, any token (the
# fake takes it), UTC days, and the lake, its login lock and the page under target/try/.
export OURA_API_BASE="$(cat "$TRY/fake-oura.url")"
export OURA_ACCESS_TOKEN=try-it-offline
export OURA_TIMEZONE=UTC
export OURA_DESTINATION="$TRY/lake"
export OURA_TOKENS_FILE="$TRY/.oura-tokens.json"
ENV_FILE="$TRY/none.env"
: >"$ENV_FILE"

"$BIN/oura-sync" --env-file "$ENV_FILE" sync --days "$DAYS" --no-notify
echo
"$BIN/oura-sync" --env-file "$ENV_FILE" status
echo
"$BIN/oura-sync" --env-file "$ENV_FILE" dashboard --days "$DAYS" --out "$TRY/oura-dashboard.html"
echo "The lake is in target/try/lake; open target/try/oura-dashboard.html in a browser."
