#!/usr/bin/env bash
# The benchmark of issue 6: a 7-day sync of every type and a 3-year backfill, each into the
# local lake and into S3 + DynamoDB (moto), against the fake Oura server with a fixed 50 ms
# per request and Oura's limit of 5,000 requests per 5 minutes; then (issue 12) the same
# against a fake that serves a day of heart rate per page (`--series-page-size 288`, as Oura
# does), and the 7-day sync the plain way (curl per endpoint, the AWS CLI per object).
# Prints, per run: wall time, requests, 429s, objects written, peak RSS, the lower bound the
# run could reach, and the wall time over that bound.
#
#   scripts/bench.sh            # everything (first run installs moto and the AWS CLI: ~1 min)
#   BENCH_SKIP_PLAIN=1 BENCH_SKIP_S3=1 scripts/bench.sh   # without the plain way, without S3
set -euo pipefail
cd "$(dirname "$0")/.."

DELAY_MS=${BENCH_DELAY_MS:-50}
END=${BENCH_END:-2026-11-23}
FROM=${BENCH_FROM:-2023-11-24}
CONCURRENCY=${BENCH_CONCURRENCY:-16}
WORK=$(mktemp -d)
trap 'kill "${FAKE_PID:-}" "${REAL_PAGES_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

echo "Building (release)..." >&2
cargo build --release --locked --quiet --bin oura-sync --example fake_oura
BIN=$PWD/target/release/oura-sync

# shellcheck source=../.ci/aws-emulator.sh
source .ci/aws-emulator.sh >&2
# The emulator's script sets its own EXIT trap (stopping moto); stop the fake servers too.
trap 'kill "${FAKE_PID:-}" "${REAL_PAGES_PID:-}" "${MOTO_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
PY="$EMU_DIR/venv/bin/python"

start_fake() { # name, extra flags...: starts a fake Oura server; its URL in $WORK/<name>.url
  local name=$1; shift
  target/release/examples/fake_oura --from "$FROM" --to "$END" --delay-ms "$DELAY_MS" \
    --rate-limit 5000/300 "$@" >"$WORK/$name.url" 2>"$WORK/$name.log" &
  FAKE_STARTED=$!
  for _ in $(seq 1 300); do [ -s "$WORK/$name.url" ] && break; sleep 0.1; done
  [ -s "$WORK/$name.url" ] || { echo "the fake Oura server did not start:"; cat "$WORK/$name.log"; exit 1; }
}
start_fake default
FAKE_PID=$FAKE_STARTED
# Oura's own page size for heart rate: about a day of samples (288, every 5 minutes).
start_fake real-pages --series-page-size 288
REAL_PAGES_PID=$FAKE_STARTED
OURA=$(head -1 "$WORK/default.url")
stats() { "$PY" -c "import urllib.request as u; print(u.urlopen('$OURA/_fake/stats').read().decode())"; }
stats >/dev/null

make_aws() { # bucket table
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, boto3
s3 = boto3.client("s3"); s3.create_bucket(Bucket=sys.argv[1])
ddb = boto3.client("dynamodb")
ddb.create_table(TableName=sys.argv[2], BillingMode="PAY_PER_REQUEST",
  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
  KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
PYEOF
}

printf '| run | wall s | requests | 429s | objects | peak RSS MB | lower bound s | wall ÷ bound |\n|---|---:|---:|---:|---:|---:|---:|---:|\n'
row() { # name, /usr/bin/time output file, report json, lower-bound mode (week|pages)
  "$PY" - "$@" "$(stats)" "$CONCURRENCY" "$DELAY_MS" <<'PYEOF'
import json, math, sys
name, timing, report, mode, stats, conc, delay = sys.argv[1:8]
wall, rss_kb = open(timing).read().split()[-2:]
stats = json.loads(stats); rep = json.load(open(report)) if report != "-" else {}
pages = stats["requests"] - stats["rate_limited"]
bound = delay and (int(delay) / 1000) * (1 if mode == "week" else math.ceil(pages / int(conc)))
objs = rep.get("objects_written", "?")
ratio = f"{float(wall) / bound:.2f}" if bound else "-"
print(f"| {name} | {float(wall):.2f} | {stats['requests']} | {stats['rate_limited']} | {objs} | {int(rss_kb)/1024:.1f} | {bound:.2f} | {ratio} |")
PYEOF
}
run_sync() { # name mode args...
  local name=$1 mode=$2; shift 2
  env OURA_API_BASE="$OURA" OURA_ACCESS_TOKEN=bench OURA_TIMEZONE=UTC OURA_NOTIFY= \
    OURA_TOKENS_FILE="$WORK/none.json" \
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$BIN" -q sync --json --concurrency "$CONCURRENCY" "$@" \
    >"$WORK/report.json" || true
  row "$name" "$WORK/time" "$WORK/report.json" "$mode"
}

run_sync "7-day sync → local lake" week "$END" --days 7 --dest "$WORK/lake-week"
run_sync "7-day sync again (nothing changed) → local" week "$END" --days 7 --dest "$WORK/lake-week"
if [ -z "${BENCH_SKIP_S3:-}" ]; then
  make_aws bench-week bench_week
  OURA_DYNAMODB_TABLE=bench_week run_sync "7-day sync → S3 + DynamoDB" week "$END" --days 7 --dest s3://bench-week/oura
fi
run_sync "3-year backfill → local lake" pages --from "$FROM" --to "$END" --dest "$WORK/lake-years"
if [ -z "${BENCH_SKIP_S3:-}" ]; then
  make_aws bench-years bench_years
  OURA_DYNAMODB_TABLE=bench_years run_sync "3-year backfill → S3 + DynamoDB" pages --from "$FROM" --to "$END" --dest s3://bench-years/oura
fi

# A day of heart rate per page, as on Oura: the series pieces are sized from the pages.
OURA=$(head -1 "$WORK/real-pages.url")
stats >/dev/null
run_sync "7-day sync, a day per page → local lake" pages "$END" --days 7 --dest "$WORK/lake-week-real"
run_sync "3-year backfill, a day per page → local lake" pages --from "$FROM" --to "$END" --dest "$WORK/lake-years-real"
OURA=$(head -1 "$WORK/default.url")

if [ -z "${BENCH_SKIP_PLAIN:-}" ]; then
  # The plain way: one curl per endpoint, the records split by day, one `aws s3 cp` per object.
  AWSCLI="$EMU_DIR/awscli/bin/aws"
  if [ ! -x "$AWSCLI" ]; then
    python3 -m venv "$EMU_DIR/awscli" >&2
    "$EMU_DIR/awscli/bin/pip" install -q --disable-pip-version-check 'awscli==1.*' >&2
  fi
  "$PY" -c "import boto3; boto3.client('s3').create_bucket(Bucket='bench-plain')"
  START=$("$PY" -c "import datetime as d; print(d.date.fromisoformat('$END') - d.timedelta(days=7))")
  NEXT=$("$PY" -c "import datetime as d; print(d.date.fromisoformat('$END') + d.timedelta(days=1))")
  cat >"$WORK/plain.sh" <<SHEOF
set -e
cd "$WORK" && mkdir -p plain && cd plain
for t in daily_activity daily_readiness daily_sleep sleep sleep_time daily_spo2 daily_stress daily_resilience daily_cardiovascular_age vO2_max workout session tag enhanced_tag rest_mode_period ring_configuration; do
  curl -sf -H 'Authorization: Bearer bench' "$OURA/v2/usercollection/\$t?start_date=$START&end_date=$NEXT" -o "\$t.json"
done
for t in heartrate ring_battery_level; do
  curl -sf -H 'Authorization: Bearer bench' "$OURA/v2/usercollection/\$t?start_datetime=${START}T00:00:00Z&end_datetime=${NEXT}T00:00:00Z" -o "\$t.json"
done
curl -sf -H 'Authorization: Bearer bench' "$OURA/v2/usercollection/personal_info" -o personal_info.json
"$PY" - <<'PYEOF'
import json, glob, os
for f in glob.glob("*.json"):
    t = f[:-5]; body = json.load(open(f)); rows = body.get("data", [body])
    for r in rows:
        day = (r.get("day") or r.get("start_day") or r.get("timestamp", "")[:10] or "snapshot")
        os.makedirs(f"out/{t}/{day}", exist_ok=True)
        open(f"out/{t}/{day}/{t}_{day}.jsonl", "a").write(json.dumps(r) + "\n")
PYEOF
for f in \$(find out -name '*.jsonl'); do "$AWSCLI" s3 cp --only-show-errors "\$f" "s3://bench-plain/oura/\${f#out/}"; done
SHEOF
  stats >/dev/null
  /usr/bin/time -f '%e %M' -o "$WORK/time" bash "$WORK/plain.sh"
  echo "{\"objects_written\": $(find "$WORK/plain/out" -name '*.jsonl' | wc -l)}" >"$WORK/plain.json"
  row "7-day sync, the plain way (curl + aws s3 cp) → S3" "$WORK/time" "$WORK/plain.json" week
fi
echo >&2
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg); fake Oura: ${DELAY_MS} ms per request, 5000 requests / 300 s; --concurrency $CONCURRENCY" >&2
