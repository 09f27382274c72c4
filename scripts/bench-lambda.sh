#!/usr/bin/env bash
# The Lambda benchmark of issue 22: the packaged `bootstrap` (scripts/package-lambda.sh) started
# as Lambda starts it, against a local stand-in for the Lambda Runtime API, the fake Oura server
# (a fixed 50 ms per request, Oura's 5,000 requests per 5 minutes) and moto for S3 + DynamoDB.
# Per run, a new process: the cold start (spawn to its first GET /next), then a daily sync
# (event `{}`: the 7 days ending today, all 19 types) from the event handed out to the answer,
# then the same work as bio-lakehouse's Python Lambda (`{"days": 2, "types": [readiness,
# sleep, activity]}`), warm; and the process's peak RSS (VmHWM) after both. Then that Python
# handler (../shared/bio-lakehouse/lambda/oura_api_ingest) against the same fake and moto:
# its init (interpreter start, boto3 import and clients, as Lambda's init phase) and its
# default event `{}` (yesterday and today, three types), and its peak RSS.
#
#   scripts/bench-lambda.sh [arm64|x86_64]     (default: this machine's; 5 runs, BENCH_RUNS=N)
#
# The Python handler imports a `csv_transformer` module that ../shared does not hold: the
# benchmark gives it a stand-in that writes the records' fields as CSV with the csv module.
set -euo pipefail
cd "$(dirname "$0")/.."

arch="${1:-$(uname -m | sed 's/aarch64/arm64/')}"
RUNS=${BENCH_RUNS:-5}
BOOTSTRAP="$PWD/target/lambda/$arch/bootstrap"
[ -x "$BOOTSTRAP" ] || scripts/package-lambda.sh "$arch"
WORK=$(mktemp -d)
trap 'kill "${FAKE_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

echo "Building the fake Oura server (examples/fake_oura)..." >&2
cargo build --locked --quiet --example fake_oura
# shellcheck source=../.ci/aws-emulator.sh
source .ci/aws-emulator.sh >&2
trap 'kill "${FAKE_PID:-}" "${MOTO_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
"$TARGET/debug/examples/fake_oura" --delay-ms 50 --rate-limit 5000/300 >"$WORK/fake.url" 2>"$WORK/fake.log" &
FAKE_PID=$!
for _ in $(seq 1 300); do [ -s "$WORK/fake.url" ] && break; sleep 0.1; done
[ -s "$WORK/fake.url" ] || { echo "the fake Oura server did not start:"; cat "$WORK/fake.log"; exit 1; }
OURA=$(head -1 "$WORK/fake.url")

echo "bootstrap: $(stat -c %s "$BOOTSTRAP") bytes; zip: $(stat -c %s "target/lambda/$arch/bootstrap.zip") bytes" \
  "($(readelf -h "$BOOTSTRAP" | sed -n 's/.*Machine: *//p'))"
uptime

"$EMU_DIR/venv/bin/python" - "$BOOTSTRAP" "$OURA" "$RUNS" "$WORK" <<'PYEOF'
import http.server, json, os, resource, statistics, subprocess, sys, threading, time, uuid
import boto3

bootstrap, oura, runs, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
s3, ddb = boto3.client("s3"), boto3.client("dynamodb")

def lake(tag):
    bucket = table = f"bench-{tag}-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    return bucket, table

class Api:
    """The Runtime API stand-in: one event at a time, times of /next and of each answer."""
    def __init__(self):
        self.cond = threading.Condition()
        self.queue, self.answers, self.first_next = [], {}, None
        api = self
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def do_GET(self):
                with api.cond:
                    if api.first_next is None:
                        api.first_next = time.monotonic()
                        api.cond.notify_all()
                    while not api.queue:
                        api.cond.wait()
                    rid, event = api.queue.pop(0)
                    api.answers[rid] = {"sent": time.monotonic()}
                body = json.dumps(event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", rid)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 900_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:oura-sync")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = self.path.split("/")
                with api.cond:
                    rid = parts[4] if len(parts) > 5 else "init"
                    api.answers.setdefault(rid, {}).update(done=time.monotonic(), kind=parts[-1], body=body)
                    api.cond.notify_all()
                self.send_response(202); self.end_headers()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
    def invoke(self, event):
        rid = str(uuid.uuid4())
        with self.cond:
            self.queue.append((rid, event)); self.cond.notify_all()
            while "done" not in self.answers.get(rid, {}):
                self.cond.wait()
            a = self.answers[rid]
        assert a["kind"] == "response", a["body"][:500]
        report = json.loads(a["body"])
        assert report["status"] == "success", report
        return a["done"] - a["sent"], report

def peak_rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

rows = []
for i in range(runs):
    bucket, table = lake(f"rs{i}")
    api = Api()
    tmp = os.path.join("/tmp", f"bench-lambda-{uuid.uuid4().hex[:8]}")
    os.makedirs(tmp)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OURA_")}
    env.update(AWS_LAMBDA_RUNTIME_API=api.address, AWS_LAMBDA_FUNCTION_NAME="oura-sync",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        OURA_API_BASE=oura, OURA_ACCESS_TOKEN="bench-token-123456", OURA_TIMEZONE="UTC",
        OURA_DESTINATION=f"s3://{bucket}/oura", OURA_DYNAMODB_TABLE=table,
        OURA_TOKENS_FILE=f"{tmp}/oura-tokens.json", RUST_LOG="warn")
    start = time.monotonic()
    proc = subprocess.Popen([bootstrap], env=env, cwd="/", stdout=subprocess.DEVNULL, stderr=open(f"{work}/rs{i}.log", "w"))
    with api.cond:
        while api.first_next is None:
            api.cond.wait()
    cold = api.first_next - start
    daily, report = api.invoke({})
    records = sum(t["records"] for t in report["types"].values())
    same, _ = api.invoke({"days": 2, "types": ["daily_readiness", "daily_sleep", "daily_activity"]})
    rss = peak_rss_mb(proc.pid)
    proc.kill(); proc.wait()
    rows.append((cold, daily, same, rss, report["requests"], records, report["objects_written"]))
    api.server.shutdown()

def med(k): return statistics.median(r[k] for r in rows)
print(f"oura-sync bootstrap, {runs} runs (median; min-max):")
print(f"  cold start (spawn to first /next): {med(0)*1000:.0f} ms ({min(r[0] for r in rows)*1000:.0f}-{max(r[0] for r in rows)*1000:.0f})")
print(f"  daily sync {{}} (7 days, 19 types; {rows[0][4]} requests, {rows[0][5]} records, {rows[0][6]} objects): "
      f"{med(1):.2f} s ({min(r[1] for r in rows):.2f}-{max(r[1] for r in rows):.2f})")
print(f"  3 types x 2 days, warm: {med(2):.2f} s ({min(r[2] for r in rows):.2f}-{max(r[2] for r in rows):.2f})")
print(f"  peak RSS after both: {med(3):.1f} MB ({min(r[3] for r in rows):.1f}-{max(r[3] for r in rows):.1f})")

# bio-lakehouse's Python handler, in a fresh interpreter per run.
handler_dir = os.path.abspath("../shared/bio-lakehouse/lambda/oura_api_ingest")
driver = r'''
import csv, io, json, resource, sys, time, types
t0 = time.monotonic()
sys.path.insert(0, sys.argv[1])
stand_in = types.ModuleType("csv_transformer")
def records_to_csv(records, data_type):
    out = io.StringIO()
    fields = sorted({k for r in records for k in r})
    w = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    for r in records:
        w.writerow({k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in r.items()})
    return out.getvalue()
stand_in.records_to_csv = records_to_csv
sys.modules["csv_transformer"] = stand_in
import oura_client, handler
oura_client.OURA_BASE_URL = sys.argv[2]
handler.get_oura_token = lambda: "bench-token-123456"
t1 = time.monotonic()
answer = handler.lambda_handler({}, None)
t2 = time.monotonic()
results = json.loads(answer["body"])["results"]
assert all(r["status"] == "success" for r in results), results
print(json.dumps({"init": t1 - t0, "invoke": t2 - t1, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "records": sum(r["records"] for r in results)}))
'''
py = []
for i in range(runs):
    bucket, _ = lake(f"py{i}")
    env = dict(os.environ, BRONZE_BUCKET=bucket)
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", driver, handler_dir, oura], env=env, capture_output=True, text=True)
    spawn = time.monotonic() - start
    assert out.returncode == 0, out.stderr
    m = json.loads(out.stdout.strip().splitlines()[-1])
    py.append((spawn - m["invoke"], m["invoke"], m["rss"], m["records"]))
def pmed(k): return statistics.median(r[k] for r in py)
print(f"bio-lakehouse Python handler, {runs} runs (median; min-max):")
print(f"  init (spawn, boto3 import and clients): {pmed(0)*1000:.0f} ms ({min(r[0] for r in py)*1000:.0f}-{max(r[0] for r in py)*1000:.0f})")
print(f"  event {{}} (yesterday and today, 3 types, {py[0][3]} records): {pmed(1):.2f} s ({min(r[1] for r in py):.2f}-{max(r[1] for r in py):.2f})")
print(f"  peak RSS: {pmed(2):.1f} MB ({min(r[2] for r in py):.1f}-{max(r[2] for r in py):.1f})")
PYEOF
uptime
