#!/usr/bin/env bash
# Load test of the release binary: read throughput of the foundation actions, each as a
# ratio to /healthz (the cheapest route through the same server, measured in the same run).
#
#   bench/load.sh [--duration SECONDS] [--connections N]
#
# Starts `kho serve` (release build) on a free loopback port with a fresh SQLite store,
# creates 50 organizations with 5 members each (4 listed plus the creating admin), then runs wrk against each URL and prints
# a Markdown table for BENCHMARKS.md. Everything stays on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=10
CONNECTIONS=16
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kho/target}"
if ! command -v wrk >/dev/null; then
  apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi
cargo build -q --release -p kho
BIN="$CARGO_TARGET_DIR/release/kho"

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
# Memory: the server's peak resident set over the whole run.
printf '\nPeak resident memory of the server over the run: %s MiB\n' \
  "$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$PID/status")"
