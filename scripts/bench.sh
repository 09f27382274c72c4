#!/usr/bin/env bash
# The benchmark of issue 6: a 7-day sync of every type and a 3-year backfill, each into the
# local lake and into S3 + DynamoDB (moto), against the fake Oura server with a fixed 50 ms
# per request and Oura's limit of 5,000 requests per 5 minutes; then (issue 12) the same
# against a fake that serves a day of heart rate per page (`--series-page-size 288`, as Oura
# does), and that 3-year backfill again with every fsync and syncfs slowed by 20 ms (a slow
# disk, through strace's fault injection), and against a fake with 25-record document pages
# (issue 20), and a 10-year backfill with silver on and off (issue 20: peak memory flat as the
# window grows); then (issue 11) a daily sync with each ledger form (pk/sk, ingestion log with a
# number and a string sort key), with every S3 and DynamoDB request counted, and (issue 24) the
# same daily sync into S3 with silver off, the default silver and the bio-lakehouse tables; and
# the 7-day
# sync the plain way (curl per endpoint, the AWS CLI per object). Prints, per run: wall time,
# requests, 429s, objects written, peak RSS, the lower bound the run could reach, and the
# wall time over that bound. Then (issue 27) `oura-sync mcp` on the 3-year lake: start-up to
# the answer to `initialize`, each typical call, and the server's peak RSS. Then (issue 23)
# webhook deliveries to `oura-sync serve`: delivery to the day's object written, and the
# requests per delivery.
#
#   scripts/bench.sh            # everything (first run installs moto and the AWS CLI: ~1 min)
#   BENCH_SKIP_PLAIN=1 BENCH_SKIP_S3=1 scripts/bench.sh   # without the plain way, without S3
#   BENCH_ONLY_LEDGERS=1 scripts/bench.sh   # only the ledger forms and the S3 silver rows side by side
#   TMPDIR=/dev/shm scripts/bench.sh        # the lakes in memory instead of on the disk
#   BENCH_SKIP_SLOW_DISK=1 scripts/bench.sh  # without the slow-fsync rows (they need strace)
#   BENCH_ONLY_MCP=1 scripts/bench.sh       # only `oura-sync mcp` on the 3-year lake (issue 27)
#   BENCH_ONLY_WEBHOOKS=1 scripts/bench.sh  # only the webhook deliveries to `serve` (issue 23)
#   BENCH_SKIP_WEBHOOKS=1 scripts/bench.sh  # without them
#
# On ext4 without a journal, new files are slow for up to six minutes after many were deleted
# (ext4 skips recently freed inodes one by one): run it well after a test suite or a build, or
# with TMPDIR on tmpfs. It deletes nothing itself until it exits (see BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

DELAY_MS=${BENCH_DELAY_MS:-50}
END=${BENCH_END:-2026-11-23}
FROM=${BENCH_FROM:-2023-11-24}
CONCURRENCY=${BENCH_CONCURRENCY:-16}
WORK=$(mktemp -d)
trap 'kill "${FAKE_PID:-}" "${REAL_PAGES_PID:-}" "${SLOW_DISK_PID:-}" "${SMALL_PAGES_PID:-}" "${TEN_YEARS_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

echo "Building (release)..." >&2
cargo build --release --locked --quiet --bin oura-sync --example fake_oura --example bench_webhooks
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
BIN=$TARGET/release/oura-sync

# Webhook deliveries (issue 23 point 6): examples/bench_webhooks starts its own fake Oura (a
# week of sized records, $DELAY_MS ms a request) and `oura-sync serve` on a fresh lake (silver
# on, the default), then sends signed `update` deliveries of one day's daily_activity: one
# after the other, each timed to its day's object written, with the Oura requests it cost;
# then as many at once about one change (coalescing).
webhook_rows() {
  printf '\nWebhook deliveries to `oura-sync serve` (fake Oura: %s ms a request)\n\n' "$DELAY_MS"
  "$TARGET/release/examples/bench_webhooks" --bin "$BIN" --deliveries "${BENCH_WEBHOOK_DELIVERIES:-100}" \
    --delay-ms "$DELAY_MS" --end "$END"
  echo
}
if [ -n "${BENCH_ONLY_WEBHOOKS:-}" ]; then
  webhook_rows
  echo "Machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  exit 0
fi

# shellcheck source=../.ci/aws-emulator.sh
source .ci/aws-emulator.sh >&2
# The emulator's script sets its own EXIT trap (stopping moto); stop the fake servers too.
trap 'kill "${FAKE_PID:-}" "${REAL_PAGES_PID:-}" "${SLOW_DISK_PID:-}" "${SMALL_PAGES_PID:-}" "${TEN_YEARS_PID:-}" "${MOTO_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
PY="$EMU_DIR/venv/bin/python"

start_fake() { # name, extra flags...: starts a fake Oura server; its URL in $WORK/<name>.url
  local name=$1; shift
  "$TARGET/release/examples/fake_oura" --data sized --from "$FROM" --to "$END" --delay-ms "$DELAY_MS" \
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
# Another for the slow-disk rows: each fake counts Oura's 5,000 requests / 5 minutes on its
# own, and three day-per-page backfills in a row would run into that limit.
start_fake slow-disk --series-page-size 288
SLOW_DISK_PID=$FAKE_STARTED
# Small document pages (issue 20): 25 records a page, so a quarter's piece of a daily type is
# a chain of four pages; its bound is still the requests over the slots.
start_fake small-pages --page-size 25
SMALL_PAGES_PID=$FAKE_STARTED
# Ten years of data (issue 20 point 7: peak memory stays flat as the window grows), on a fake
# of its own so that its requests do not count against the others' rate limit.
FROM_10Y=${BENCH_FROM_10Y:-2016-11-24}
FROM_SAVED=$FROM; FROM=$FROM_10Y
start_fake ten-years
TEN_YEARS_PID=$FAKE_STARTED
FROM=$FROM_SAVED
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
    /usr/bin/time -f '%e %M' -o "$WORK/time" ${WRAP:-} "$BIN" -q sync --json --concurrency "$CONCURRENCY" "$@" \
    >"$WORK/report.json" || true
  row "$name" "$WORK/time" "$WORK/report.json" "$mode"
}

if [ -z "${BENCH_ONLY_LEDGERS:-}" ] && [ -z "${BENCH_ONLY_MCP:-}" ]; then
printf '| run | wall s | requests | 429s | objects | peak RSS MB | lower bound s | wall ÷ bound |\n|---|---:|---:|---:|---:|---:|---:|---:|\n'
OURA_SILVER=off run_sync "7-day sync → local lake, silver off" week "$END" --days 7 --dest "$WORK/lake-week-bronze"
run_sync "7-day sync → local lake (+ silver)" week "$END" --days 7 --dest "$WORK/lake-week"
run_sync "7-day sync again (nothing changed) → local" week "$END" --days 7 --dest "$WORK/lake-week"
if [ -z "${BENCH_SKIP_S3:-}" ]; then
  make_aws bench-week bench_week
  OURA_DYNAMODB_TABLE=bench_week run_sync "7-day sync → S3 + DynamoDB" week "$END" --days 7 --dest s3://bench-week/oura
fi
run_sync "3-year backfill → local lake (+ silver)" pages --from "$FROM" --to "$END" --dest "$WORK/lake-years"
OURA_SILVER=off run_sync "3-year backfill → local lake, silver off" pages --from "$FROM" --to "$END" --dest "$WORK/lake-years-bronze"
if [ -z "${BENCH_SKIP_S3:-}" ]; then
  make_aws bench-years bench_years
  OURA_DYNAMODB_TABLE=bench_years run_sync "3-year backfill → S3 + DynamoDB" pages --from "$FROM" --to "$END" --dest s3://bench-years/oura
fi

# A day of heart rate per page, as on Oura: the series pieces are sized from the pages. Silver
# is off here: the bound is the page chains' (issue 12); silver's cost has its own rows above.
OURA=$(head -1 "$WORK/real-pages.url")
stats >/dev/null
OURA_SILVER=off run_sync "7-day sync, a day per page → local lake, silver off" pages "$END" --days 7 --dest "$WORK/lake-week-real"
OURA_SILVER=off run_sync "3-year backfill, a day per page → local lake, silver off" pages --from "$FROM" --to "$END" --dest "$WORK/lake-years-real"
# The same on a disk whose every fsync and syncfs takes 20 ms more (an SD card, a network
# disk), made so by strace's fault injection; the row at +0 ms shows strace's own cost.
if [ -z "${BENCH_SKIP_SLOW_DISK:-}" ] && command -v strace >/dev/null; then
  OURA=$(head -1 "$WORK/slow-disk.url")
  stats >/dev/null
  for delay_ms in 0 20; do
    WRAP="strace -f --seccomp-bpf -qq -o /dev/null -e trace=fsync,fdatasync,syncfs -e inject=fsync,fdatasync,syncfs:delay_exit=$((delay_ms * 1000))" \
      OURA_SILVER=off run_sync "3-year backfill, a day per page, every fsync +$delay_ms ms (strace)" pages --from "$FROM" --to "$END" --dest "$WORK/lake-years-slow-$delay_ms"
  done
else
  echo "| (slow-disk rows left out: BENCH_SKIP_SLOW_DISK is set or strace is not installed) | | | | | | | |"
fi
OURA=$(head -1 "$WORK/small-pages.url")
stats >/dev/null
OURA_SILVER=off run_sync "3-year backfill, 25-record document pages → local lake, silver off" pages --from "$FROM" --to "$END" --dest "$WORK/lake-years-small"
# The 10-year window: its peak RSS against the 3-year rows above says whether memory grows
# with the window.
OURA=$(head -1 "$WORK/ten-years.url")
stats >/dev/null
run_sync "10-year backfill → local lake (+ silver)" pages --from "$FROM_10Y" --to "$END" --dest "$WORK/lake-10y"
OURA_SILVER=off run_sync "10-year backfill → local lake, silver off" pages --from "$FROM_10Y" --to "$END" --dest "$WORK/lake-10y-bronze"
OURA=$(head -1 "$WORK/default.url")
fi

if [ -z "${BENCH_ONLY_LEDGERS:-}" ] && [ -z "${BENCH_ONLY_MCP:-}" ]; then
# Silver rebuilt from the 3-year bronze lake alone (no Oura request), its size against bronze,
# and DuckDB's two queries over three years, on silver and on the bronze NDJSON.
env OURA_TIMEZONE=UTC OURA_TOKENS_FILE="$WORK/none.json" /usr/bin/time -f '%e %M' -o "$WORK/time" \
  "$BIN" -q silver --dest "$WORK/lake-years" --json >"$WORK/silver.json"
"$PY" - "$WORK/time" "$WORK/silver.json" "$WORK/lake-years" <<'PYEOF'
import json, os, sys, time, duckdb
timing, report, lake = sys.argv[1:4]
wall, rss_kb = open(timing).read().split()[-2:]
rep = json.load(open(report))
print(f"| silver from bronze (3-year lake: `oura-sync silver`) | {float(wall):.2f} | 0 | 0 | {rep['months_written']} | {int(rss_kb)/1024:.1f} | |")
def size(root, silver):
    total = 0
    for d, _, files in os.walk(root):
        rel = os.path.relpath(d, lake)
        if rel.startswith("_ledger") or rel.startswith("_silver") != silver:
            continue
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total
bronze, silver = size(lake, False), size(lake, True)
print(f"\nBronze NDJSON {bronze/1e6:.1f} MB, silver Parquet {silver/1e6:.1f} MB: silver is {100*silver/bronze:.1f} % of bronze.\n")
q = {
  "monthly average readiness score": (
    f"select strftime(day, '%Y-%m') m, round(avg(score), 3) from '{lake}/_silver/daily_readiness/**/*.parquet' group by 1 order by 1",
    f"select strftime(cast(day as date), '%Y-%m') m, round(avg(score), 3) from read_json_auto('{lake}/daily_readiness/**/*.jsonl', hive_partitioning = false) group by 1 order by 1"),
  "heart-rate daily min/max": (
    f"select day, min(bpm), max(bpm) from '{lake}/_silver/heartrate/**/*.parquet' group by 1 order by 1",
    f"select cast(timestamp as date) d, min(bpm), max(bpm) from read_json_auto('{lake}/heartrate/**/*.jsonl', hive_partitioning = false) group by 1 order by 1"),
}
print("| DuckDB query over 3 years | silver s | bronze NDJSON s | speed-up | same result |\n|---|---:|---:|---:|---|")
for name, (on_silver, on_bronze) in q.items():
    def run(sql):
        # Best of three on a warmed-up connection, the same for both sides.
        con = duckdb.connect(); con.sql("select 1").fetchall()
        best = None
        for _ in range(3):
            t = time.perf_counter(); rows = con.sql(sql).fetchall(); took = time.perf_counter() - t
            best = took if best is None else min(best, took)
        return best, [tuple(str(v) for v in r) for r in rows]
    (ts, rs), (tb, rb) = run(on_silver), run(on_bronze)
    print(f"| {name} | {ts:.3f} | {tb:.3f} | {tb/ts:.0f}x | {rs == rb} ({len(rs)} rows) |")
PYEOF
fi

# `oura-sync mcp` on the 3-year lake (issue 27), driven by raw JSON-RPC lines over its pipes:
# start-up to the answer to `initialize` (a new process each time), each typical call
# repeated on one session, the answer's size, and the server's peak RSS over that session.
if [ -z "${BENCH_ONLY_LEDGERS:-}" ]; then
if [ ! -d "$WORK/lake-years" ]; then
  run_sync "3-year backfill → local lake (+ silver)" pages --from "$FROM" --to "$END" --dest "$WORK/lake-years" >/dev/null
fi
"$PY" - "$BIN" "$WORK/lake-years" "$END" "$WORK/mcp-time" <<'PYEOF'
import datetime, json, os, statistics, subprocess, sys, time
binary, lake, end, timing = sys.argv[1:5]
end = datetime.date.fromisoformat(end)
day = lambda n: (end - datetime.timedelta(days=n)).isoformat()
env = dict(os.environ, OURA_TIMEZONE="UTC", OURA_TOKENS_FILE=os.path.join(lake, "no-tokens.json"))
env.pop("OURA_ACCESS_TOKEN", None)
INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}
class Server:
    def __init__(self):
        self.p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", timing, binary, "mcp", "--dest", lake],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.id = 0
    def call(self, method, params):
        self.id += 1
        self.p.stdin.write((json.dumps({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params}) + "\n").encode())
        self.p.stdin.flush()
        while True:
            line = self.p.stdout.readline()
            if not line: raise SystemExit(f"the server ended while answering {method}")
            answer = json.loads(line)
            if answer.get("id") == self.id: return answer, len(line)
    def close(self):
        self.p.stdin.close(); self.p.wait()
starts = []
for _ in range(5):
    t = time.perf_counter(); s = Server(); s.call("initialize", INIT); starts.append(time.perf_counter() - t); s.close()
print("| `oura-sync mcp` on the 3-year lake | median ms | max ms | answer KB |\n|---|---:|---:|---:|")
print(f"| start-up to the answer to `initialize` (5 starts) | {statistics.median(starts)*1000:.1f} | {max(starts)*1000:.1f} | |")
s = Server(); s.call("initialize", INIT)
s.p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n'); s.p.stdin.flush()
calls = [
    ("lake_status", "lake_status", {}),
    ("daily_summary, the last 30 days", "daily_summary", {"from": day(29), "to": day(0)}),
    ("daily_summary, 92 days (the most a call answers)", "daily_summary", {"from": day(91), "to": day(0)}),
    ("compare readiness, this year against last", "compare", {"metric": "readiness", "period_a": {"from": day(729), "to": day(365)}, "period_b": {"from": day(364), "to": day(0)}}),
    ("compare total_sleep, this year against last (`sleep`, the largest records)", "compare", {"metric": "total_sleep", "period_a": {"from": day(729), "to": day(365)}, "period_b": {"from": day(364), "to": day(0)}}),
    ("records sleep, a week", "records", {"type": "sleep", "from": day(6), "to": day(0)}),
    ("records heartrate, a day (limit 500)", "records", {"type": "heartrate", "from": day(0), "to": day(0), "limit": 500}),
    ("briefing", "briefing", {"date": day(0)}),
]
for label, tool, arguments in calls:
    times = []
    for _ in range(10):
        t = time.perf_counter(); answer, size = s.call("tools/call", {"name": tool, "arguments": arguments}); times.append(time.perf_counter() - t)
        if answer.get("error") or answer["result"].get("isError"): raise SystemExit(f"{label}: {answer}")
    print(f"| {label} (10 calls) | {statistics.median(times)*1000:.1f} | {max(times)*1000:.1f} | {size/1024:.1f} |")
s.close()
print(f"\nPeak RSS of the server over that session: {int(open(timing).read().split()[-1])/1024:.1f} MB.\n")
PYEOF
fi
if [ -n "${BENCH_ONLY_MCP:-}" ]; then
  echo "Machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  exit 0
fi
if [ -z "${BENCH_SKIP_WEBHOOKS:-}" ] && [ -z "${BENCH_ONLY_LEDGERS:-}" ]; then
  webhook_rows
fi

# The ledger forms side by side: the same daily 7-day sync (then again, nothing changed) into
# S3 with a pk/sk table and with bio-lakehouse's ingestion-log table (sort key a number, and
# a string), through a proxy in front of moto that counts every S3 and DynamoDB request.
cat >"$WORK/count_proxy.py" <<'PYEOF'
import http.server, json, sys, threading, urllib.request, collections
UPSTREAM = sys.argv[1]; counts = collections.Counter(); lock = threading.Lock()
class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0: self.rfile.readline(); return data
                data += self.rfile.read(size); self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))
    def handle_any(self):
        if self.path == "/_counts":
            with lock: out = json.dumps(dict(counts)).encode(); counts.clear()
            self.send_response(200); self.send_header("Content-Length", str(len(out))); self.end_headers()
            self.wfile.write(out); return
        data = self.body(); target = self.headers.get("X-Amz-Target")
        path = self.path.split("?")[0].strip("/")
        kind = ("DynamoDB " + target.split(".")[-1]) if target else "S3 " + {
            ("PUT", True): "PutObject", ("HEAD", True): "HeadObject", ("GET", True): "GetObject",
            ("HEAD", False): "HeadBucket", ("GET", False): "ListObjectsV2", ("DELETE", True): "DeleteObject"}.get((self.command, "/" in path), self.command + " " + path)
        with lock: counts[kind] += 1
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "transfer-encoding", "connection")}
        req = urllib.request.Request(UPSTREAM + self.path, data=data if data or self.command in ("PUT", "POST") else None, method=self.command, headers=headers)
        try: resp = urllib.request.urlopen(req); status = resp.status
        except urllib.error.HTTPError as e: resp = e; status = e.code
        payload = resp.read(); self.send_response(status)
        for k, v in resp.headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"): self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload))); self.end_headers()
        if self.command != "HEAD": self.wfile.write(payload)
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(f"http://127.0.0.1:{server.server_port}", flush=True); server.serve_forever()
PYEOF
"$PY" "$WORK/count_proxy.py" "$AWS_ENDPOINT_URL" >"$WORK/proxy.url" 2>"$WORK/proxy.log" &
PROXY_PID=$!
trap 'kill "${FAKE_PID:-}" "${REAL_PAGES_PID:-}" "${SLOW_DISK_PID:-}" "${SMALL_PAGES_PID:-}" "${TEN_YEARS_PID:-}" "${MOTO_PID:-}" "${PROXY_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do [ -s "$WORK/proxy.url" ] && break; sleep 0.1; done
PROXY=$(head -1 "$WORK/proxy.url")
make_ledger_table() { # table form (pk-sk | ingestion-log-number | ingestion-log-string)
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, boto3
table, form = sys.argv[1:3]
keys = {"pk-sk": [("pk", "S"), ("sk", "S")], "ingestion-log-number": [("file_path", "S"), ("upload_timestamp", "N")],
        "ingestion-log-string": [("file_path", "S"), ("upload_timestamp", "S")]}[form]
boto3.client("dynamodb").create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
  AttributeDefinitions=[{"AttributeName": k, "AttributeType": t} for k, t in keys],
  KeySchema=[{"AttributeName": keys[0][0], "KeyType": "HASH"}, {"AttributeName": keys[1][0], "KeyType": "RANGE"}])
PYEOF
}
items_in() { "$PY" -c "import boto3; print(boto3.client('dynamodb').scan(TableName='$1', Select='COUNT')['Count'])"; }
ledger_row() { # form run
  "$PY" - "$1" "$2" "$WORK/time" "$WORK/report.json" "$(curl -s "$PROXY/_counts")" "$3" <<'PYEOF'
import json, sys
form, run, timing, report, counts, items = sys.argv[1:7]
wall = open(timing).read().split()[-2]; counts = json.loads(counts); rep = json.load(open(report))
ddb = {k[9:]: v for k, v in counts.items() if k.startswith("DynamoDB ")}
s3 = {k[3:]: v for k, v in counts.items() if k.startswith("S3 ")}
fmt = lambda d: ", ".join(f"{k} {v}" for k, v in sorted(d.items())) or "none"
print(f"| {form} | {run} | {float(wall):.2f} | {rep.get('objects_written', '?')} | {sum(ddb.values())} ({fmt(ddb)}) | {sum(s3.values())} ({fmt(s3)}) | {items} |")
PYEOF
}
LAYOUT=${BENCH_LAYOUT:-bio-lakehouse}
echo
printf '7-day sync, layout %s: the ledger forms side by side

' "$LAYOUT"
printf '| ledger form | run | wall s | objects | DynamoDB requests | S3 requests | items in table |
|---|---|---:|---:|---|---|---:|
'
for form in pk-sk ingestion-log-number ingestion-log-string; do
  "$PY" -c "import boto3; boto3.client('s3').create_bucket(Bucket='bench-$form')"
  make_ledger_table "bench_$form" "$form"
  curl -s "$PROXY/_counts" >/dev/null
  for run in first again; do
    OURA_DYNAMODB_TABLE="bench_$form" OURA_LAYOUT="$LAYOUT" AWS_ENDPOINT_URL="$PROXY" \
      run_sync "$form" week "$END" --days 7 --dest "s3://bench-$form/oura" >/dev/null
    ledger_row "$form" "$run" "$(items_in "bench_$form")"
  done
done
echo

# Silver into S3 side by side (issue 24): the same daily 7-day sync of every type (pk/sk ledger)
# with silver off, with the default silver (the 19 typed tables), and with the bio-lakehouse
# layout (the typed tables under oura_sync/ plus bio-lakehouse's three Oura tables at the
# root); each twice (the second run finds nothing changed). Requests counted at the proxy;
# silver bytes: what the silver bucket holds after the run.
silver_row() { # case run bucket
  "$PY" - "$1" "$2" "$3" "$WORK/time" "$WORK/report.json" "$(curl -s "$PROXY/_counts")" <<'PYEOF'
import boto3, json, sys
case, run, bucket, timing, report, counts = sys.argv[1:7]
wall = open(timing).read().split()[-2]; counts = json.loads(counts); rep = json.load(open(report))
ddb = {k[9:]: v for k, v in counts.items() if k.startswith("DynamoDB ")}
s3 = {k[3:]: v for k, v in counts.items() if k.startswith("S3 ")}
fmt = lambda d: ", ".join(f"{k} {v}" for k, v in sorted(d.items())) or "none"
size = sum(o["Size"] for p in boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket)
           for o in p.get("Contents", []))
silver = rep.get("silver") or {}
print(f"| {case} | {run} | {float(wall):.2f} | {silver.get('months_written', '-')} | {size:,} | {sum(s3.values())} ({fmt(s3)}) | {sum(ddb.values())} |")
PYEOF
}
printf '7-day sync into S3 (pk/sk ledger), silver side by side

'
printf '| silver | run | wall s | months written | silver bytes | S3 requests | DynamoDB requests |
|---|---|---:|---:|---:|---|---:|
'
for case in off typed bio; do
  layout=hive-ndjson; [ "$case" = bio ] && layout=bio-lakehouse
  "$PY" -c "import boto3; s = boto3.client('s3'); s.create_bucket(Bucket='bench-sv-$case'); s.create_bucket(Bucket='bench-sv-$case-silver')"
  make_ledger_table "bench_sv_$case" pk-sk
  curl -s "$PROXY/_counts" >/dev/null
  for run in first again; do
    if [ "$case" = off ]; then
      OURA_SILVER=off OURA_DYNAMODB_TABLE="bench_sv_$case" OURA_LAYOUT="$layout" AWS_ENDPOINT_URL="$PROXY" \
        run_sync "$case" week "$END" --days 7 --dest "s3://bench-sv-$case/oura" >/dev/null
    else
      OURA_SILVER_DESTINATION="s3://bench-sv-$case-silver" OURA_DYNAMODB_TABLE="bench_sv_$case" \
        OURA_LAYOUT="$layout" AWS_ENDPOINT_URL="$PROXY" \
        run_sync "$case" week "$END" --days 7 --dest "s3://bench-sv-$case/oura" >/dev/null
    fi
    silver_row "$case" "$run" "bench-sv-$case-silver"
  done
done
echo

if [ -z "${BENCH_SKIP_PLAIN:-}" ] && [ -z "${BENCH_ONLY_LEDGERS:-}" ]; then
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
