#!/usr/bin/env bash
# The cost of the sharing log (issue 6, requirement 11): package_show of a restricted
# dataset by an account that holds an access grant, with the log on (every read is an
# entry) against the same read with it off, through the release binary.
#
#   bench/sharing_load.sh [--duration SECONDS] [--connections N] [--rounds N] [--bin PATH]
#
# Starts `kho serve` (the release build, or --bin) on a free loopback port with a fresh
# SQLite store, creates an organization, a restricted dataset with 5 resources, and an
# account granted access to it. Then, ROUNDS times (default 3), restarts the server with
# the log on and with it off (KHO_SHARING_LOG_ENABLED=false, a switch for this benchmark
# only) and runs wrk against the read for DURATION seconds each, alternating so that drift
# of the machine affects both alike. Prints a Markdown table for BENCHMARKS.md: the best
# requests/s and the median p50/p99 latency of each mode, the ratio, and the entries the
# log holds against the reads wrk completed with the log on (none may be missing).
# Everything stays on 127.0.0.1 and is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=10
CONNECTIONS=16
ROUNDS=3
BIN=
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
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
BIN=$(realpath "$BIN")

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/kho-sharing-bench.XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"

# start ENABLED: the server on the same store, the sharing log on or off.
start() {
  (cd "$WORK" && exec env -u KHO_CONFIG -u KHO_DATABASE_URL -u KHO_DATA_DIR KHO_LOG_LEVEL=warn \
    KHO_SHARING_LOG_ENABLED="$1" "$BIN" serve --listen "127.0.0.1:$PORT" \
    --data-dir "$WORK/data" >>"$WORK/serve.log" 2>&1) &
  PID=$!
  for _ in $(seq 1 200); do curl -sf "$URL/healthz" >/dev/null && return; sleep 0.1; done
  cat "$WORK/serve.log" >&2
  exit 1
}
# stop: a graceful shutdown (SIGTERM), which writes what the log still holds in memory.
stop() { kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

start true
ADMIN=$(grep -m1 '^kho_' "$WORK/serve.log")
READER=$(python3 - "$URL" "$ADMIN" <<'PY'
import json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
def post(action, body):
    req = urllib.request.Request(f"{url}/api/3/action/{action}", json.dumps(body).encode(),
                                 {"Authorization": token, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["result"]
post("organization_create", {"name": "so-tnmt", "title": "Sở Tài nguyên và Môi trường"})
post("user_create", {"name": "doc-gia", "email": "doc-gia@example.org",
                     "password": "mat-khau-dai-du"})
post("package_create", {
    "name": "quy-hoach-dat", "title": "Quy hoạch sử dụng đất", "owner_org": "so-tnmt",
    "sharing_level": "restricted", "tags": [{"name": "đất đai"}],
    "resources": [{"name": f"Bản đồ {i}", "url": f"https://example.gov.vn/{i}.zip",
                   "format": "ZIP"} for i in range(5)]})
post("dataset_access_grant_create", {"id": "quy-hoach-dat", "user": "doc-gia",
                                     "reason": "Công văn số 12/STNMT"})
print(post("api_token_create", {"user": "doc-gia", "name": "bench"})["token"])
PY
)
PATH_SHOW="/api/3/action/package_show?id=quy-hoach-dat"
test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $READER" "$URL$PATH_SHOW")" = 200
stop

# One wrk run: "requests/s p50_ms p99_ms completed non2xx".
run() {
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: $READER" "$URL$PATH_SHOW" |
    awk '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
      /Requests\/sec/ { rps = $2 }
      /^ +50%/ { p50 = ms($2) }
      /^ +99%/ { p99 = ms($2) }
      /requests in/ { done = $1 }
      /Non-2xx/ { bad = $NF }
      END { printf "%s %s %s %s %d\n", rps, p50, p99, done, bad }'
}

ON=()
OFF=()
COMPLETED=0
for r in $(seq 1 "$ROUNDS"); do
  for mode in true false; do
    start "$mode"
    # Warm the caches and the connection pool first.
    wrk -t1 -c2 -d1s -H "Authorization: $READER" "$URL$PATH_SHOW" >/dev/null
    line=$(run)
    stop
    read -r rps p50 p99 done bad <<<"$line"
    [ "$bad" = 0 ] || { echo "non-2xx answers: $line" >&2; exit 1; }
    echo "round $r, log $mode: $line" >&2
    if [ "$mode" = true ]; then ON+=("$line"); COMPLETED=$((COMPLETED + done)); else OFF+=("$line"); fi
  done
done

start false
# Entries: every read with the log on, warm-ups included (counted from the log itself).
ENTRIES=$(curl -sf -H "Authorization: $ADMIN" "$URL/api/3/action/sharing_log_list?limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["count"])')
stop

summary() { # lines on stdin -> "best_rps median_p50 median_p99"
  python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin if l.strip()]
print(max(float(r[0]) for r in rows), statistics.median(float(r[1]) for r in rows),
      statistics.median(float(r[2]) for r in rows))'
}
read -r ON_RPS ON_P50 ON_P99 <<<"$(printf '%s\n' "${ON[@]}" | summary)"
read -r OFF_RPS OFF_P50 OFF_P99 <<<"$(printf '%s\n' "${OFF[@]}" | summary)"

echo "# bench/sharing_load.sh --duration $DURATION --connections $CONNECTIONS --rounds $ROUNDS"
printf '\n| package_show of a restricted dataset, by a granted account | best requests/s | median p50 ms | median p99 ms |\n|---|---:|---:|---:|\n'
printf '| sharing log off (baseline) | %.0f | %.2f | %.2f |\n' "$OFF_RPS" "$OFF_P50" "$OFF_P99"
printf '| sharing log on | %.0f | %.2f | %.2f |\n' "$ON_RPS" "$ON_P50" "$ON_P99"
printf '\nthroughput with the log on / off: **%.3f**; entries in the log: %s for %s reads completed by wrk with the log on (plus the warm-up reads and the setup check)\n' \
  "$(echo "$ON_RPS / $OFF_RPS" | bc -l)" "$ENTRIES" "$COMPLETED"
