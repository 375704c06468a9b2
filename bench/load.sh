#!/usr/bin/env bash
# Load test of the release binary: read throughput of the foundation actions, each as a
# ratio to /healthz (the cheapest route through the same server, measured in the same run),
# then the big-dataset paths of issue 3: package_show of a dataset with 1,000 resources and
# a resource_create loop into it, with a 1-resource dataset as their baseline.
#
#   bench/load.sh [--duration SECONDS] [--connections N] [--creates N] [--bin PATH]
#
# Starts `kho serve` (the release build, or the binary given by --bin, e.g. a copy of an
# older build to measure a baseline in the same session) on a free loopback port with a
# fresh SQLite store, creates 50 organizations with 5 members each (4 listed plus the
# creating admin), then runs wrk against each URL and prints a Markdown table for
# BENCHMARKS.md. Everything stays on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=10
CONNECTIONS=16
CREATES=300
BIN=
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --creates) CREATES=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kho/target}"
if ! command -v wrk >/dev/null; then
  apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi
if [ -z "$BIN" ]; then
  cargo build -q --release -p kho
  BIN="$CARGO_TARGET_DIR/release/kho"
fi

WORK=$(mktemp -d /tmp/kho-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

(cd "$WORK" && exec env -u KHO_CONFIG -u KHO_DATABASE_URL -u KHO_DATA_DIR KHO_LOG_LEVEL=warn \
  "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1) &
PID=$!
for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
TOKEN=$(grep -m1 '^kho_' "$WORK/serve.log")

post() { curl -sf -H "Authorization: $TOKEN" -H 'Content-Type: application/json' -d "$2" "$URL/api/3/action/$1" >/dev/null; }
for u in $(seq 1 5); do
  post user_create "{\"name\": \"user-$u\", \"email\": \"user$u@example.org\", \"password\": \"secret-pass-$u\"}"
done
for o in $(seq -w 1 50); do
  post organization_create "{\"name\": \"so-$o\", \"title\": \"Sở số $o tỉnh Tây Ninh\", \"extras\": [{\"key\": \"ma\", \"value\": \"000.00.$o.H57\"}], \"users\": [{\"name\": \"user-1\", \"capacity\": \"editor\"}, {\"name\": \"user-2\", \"capacity\": \"member\"}, {\"name\": \"user-3\", \"capacity\": \"member\"}, {\"name\": \"user-4\", \"capacity\": \"member\"}]}"
done

rps() { wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
BASE=$(rps "$URL/healthz")
printf '| request | requests/s | ratio to /healthz |\n|---|---:|---:|\n'
printf '| `/healthz` (baseline) | %.0f | 1.00 |\n' "$BASE"
for path in \
  "/api/3/action/status_show" \
  "/api/3/action/organization_show?id=so-25" \
  "/api/3/action/organization_list" \
  "/api/3/action/organization_list?all_fields=true" \
  "/api/3/action/user_show?id=user-1" \
  "/api/3/action/member_list?id=so-25"; do
  R=$(rps "$URL$path")
  printf '| `%s` | %.0f | %.2f |\n' "$path" "$R" "$(echo "$R / $BASE" | bc -l)"
done
R=$(rps -H "Authorization: $TOKEN" "$URL/api/3/action/user_show")
printf '| `%s` with a token | %.0f | %.2f |\n' "/api/3/action/user_show" "$R" "$(echo "$R / $BASE" | bc -l)"

# Issue 3: a dataset with 1,000 resources (created in one package_create) and one with 1.
python3 - "$URL" "$TOKEN" <<'PY'
import json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
def post(action, body):
    req = urllib.request.Request(f"{url}/api/3/action/{action}", json.dumps(body).encode(),
                                 {"Authorization": token, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["result"]
def res(i):
    return {"name": f"Tệp dữ liệu số {i}", "url": f"https://example.gov.vn/data/file-{i}.csv",
            "format": "CSV", "description": f"Dữ liệu thống kê tháng {i % 12 + 1}, bản số {i}",
            "mimetype": "text/csv", "size": 1024 * i}
post("package_create", {"name": "small", "owner_org": "so-01", "resources": [res(0)]})
big = post("package_create", {"name": "big", "owner_org": "so-01",
                              "tags": [{"name": "tài chính"}], "resources": [res(i) for i in range(1000)]})
assert big["num_resources"] == 1000
PY
printf '
| request (1,000-resource dataset) | requests/s | ratio to 1-resource package_show |
|---|---:|---:|
'
SMALL=$(rps "$URL/api/3/action/package_show?id=small")
printf '| `/api/3/action/package_show?id=small` (baseline) | %.0f | 1.00 |
' "$SMALL"
R=$(rps "$URL/api/3/action/package_show?id=big")
printf '| `/api/3/action/package_show?id=big` | %.0f | %.3f |
' "$R" "$(echo "$R / $SMALL" | bc -l)"
# Latency, one request at a time over one keep-alive connection: package_show of both
# datasets, then CREATES resource_create calls into the big one (it grows by CREATES).
python3 - "$PORT" "$TOKEN" "$CREATES" <<'PY'
import http.client, json, statistics, sys, time
port, token, creates = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port)
def call(method, path, body=None):
    headers = {"Authorization": token}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    t = time.perf_counter()
    conn.request(method, path, body, headers)
    r = conn.getresponse()
    data = r.read()
    elapsed = time.perf_counter() - t
    assert r.status == 200, data[:300]
    return elapsed, len(data)
def row(label, times, size):
    ms = sorted(x * 1000 for x in times)
    print(f"| {label} | {statistics.median(ms):.2f} | {ms[int(len(ms) * 0.95) - 1]:.2f} | {size} |")
print("\n| request, one at a time | median ms | p95 ms | response bytes |\n|---|---:|---:|---:|")
for name in ("small", "big"):
    path = f"/api/3/action/package_show?id={name}"
    for _ in range(20):
        call("GET", path)
    samples = [call("GET", path) for _ in range(200)]
    row(f"`package_show` ({'1 resource' if name == 'small' else '1,000 resources'})", [s[0] for s in samples], samples[-1][1])
samples = []
for i in range(creates):
    samples.append(call("POST", "/api/3/action/resource_create",
                        {"package_id": "big", "name": f"new {i}", "url": f"https://example.gov.vn/new/{i}.csv"}))
row(f"`resource_create` into 1,000 → {1000 + creates:,} resources", [s[0] for s in samples], samples[-1][1])
PY
# Memory: the server's peak resident set over the whole run.
printf '\nPeak resident memory of the server over the run: %s MiB\n' \
  "$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$PID/status")"
