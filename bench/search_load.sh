#!/usr/bin/env bash
# Search load test of the release binary (issue 4): package_search with Vietnamese queries
# and facets, a harvester's deep pages, package_show, each against /healthz measured in the
# same run, on a realistic synthetic catalogue; plus the time of `kho reindex`.
#
#   bench/search_load.sh [--datasets N] [--duration SECONDS] [--connections N]
#                        [--concurrency N] [--seed S] [--bin PATH] [--data-dir DIR] [--keep]
#
# Generates a catalogue of N datasets (default 100000) in 50 organizations with
# bench/catalog_gen.py and loads it with bench/catalog_load.py into `kho serve` (the release
# build, or --bin) on a free loopback port with a fresh SQLite store. --data-dir DIR reuses a
# store already loaded there (no generation, no load; DIR is never deleted); a DIR that does
# not exist yet is loaded and kept, so the next run can reuse it. Without --data-dir the store
# is deleted at the end unless --keep. Then, if the binary has `kho reindex`, times it on the
# stopped store, restarts the server and runs wrk against each URL (harvester pages also
# over one connection, as a harvester sends them), then restarts it with the answer cache
# off (KHO_SEARCH_CACHE_ENTRIES=0) and runs the searches again. Prints Markdown tables
# for BENCHMARKS.md. Everything stays on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

ARGS="$*"
DATASETS=100000
DURATION=10
CONNECTIONS=16
CONCURRENCY=8
SEED=1
BIN=
DATA=
KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --datasets) DATASETS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --data-dir) DATA=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
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

WORK=$(mktemp -d /tmp/kho-search-bench.XXXXXX)
REUSE=
RESTARTED=
if [ -n "$DATA" ]; then
  [ -n "$(ls -A "$DATA" 2>/dev/null)" ] && REUSE=1
  mkdir -p "$DATA"
  DATA=$(realpath "$DATA")
  KEEP=1
else
  DATA="$WORK/data"
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  wait 2>/dev/null
  if [ -n "$KEEP" ] && [ "$DATA" = "$WORK/data" ]; then
    echo "kept the store: rerun with --data-dir $DATA" >&2
    rm -f "$WORK"/*.log "$WORK"/*.lua "$WORK"/*.txt
  elif [ "$DATA" = "$WORK/data" ]; then
    rm -rf "$WORK"
  else
    rm -rf "$WORK"  # the store is elsewhere (--data-dir) and stays
  fi
}
trap cleanup EXIT

# One site_url for every run: the index records the site_url its dicts were built with and
# is rebuilt at start when it differs (it would, since the port is random).
export KHO_SITE_URL="${KHO_SITE_URL:-http://127.0.0.1:5000}"

# Started in $WORK, with the KHO_* variables unset, so that no kho.toml or environment of
# this shell changes the store or the listen address.
start() {
  (cd "$WORK" && exec env -u KHO_CONFIG -u KHO_DATABASE_URL -u KHO_DATA_DIR KHO_LOG_LEVEL=warn \
    "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" >>"$WORK/serve.log" 2>&1) &
  PID=$!
  # Up to 10 minutes: a server whose index is missing rebuilds it before it answers.
  for _ in $(seq 1 6000); do curl -sf "$URL/healthz" >/dev/null && return; sleep 0.1; done
  echo "kho serve did not answer on $URL:" >&2; cat "$WORK/serve.log" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }
hwm_mib() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$PID/status"; }
store_mib() { du -sm "$DATA" | cut -f1; }

echo "# bench/search_load.sh $ARGS"
echo "# $(date -u +%FT%TZ), $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
start
if [ -z "$REUSE" ]; then
  TOKEN=$(grep -m1 '^kho_' "$WORK/serve.log")
  # Generated and loaded in one pipe: a 1M catalogue is a few GB of JSON Lines.
  T0=$(date +%s.%N)
  python3 bench/catalog_gen.py --datasets "$DATASETS" --seed "$SEED" \
    | python3 bench/catalog_load.py --url "$URL" --token "$TOKEN" --concurrency "$CONCURRENCY" \
    >"$WORK/load.txt"
  T1=$(date +%s.%N)
  LOAD_HWM=$(hwm_mib)
  python3 - "$WORK/load.txt" "$(echo "$T1 - $T0" | bc -l)" "$(store_mib)" "$LOAD_HWM" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print("\n| datasets | organizations | loader threads | load s | datasets/s | store MiB | server peak RSS MiB |")
print("|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {s['datasets']:,} | {s['organizations']} | {s['concurrency']} | {s['dataset_seconds']:.1f} "
      f"| {s['datasets_per_second']:.0f} | {sys.argv[3]} | {sys.argv[4]} |")
PY
else
  echo "reusing the store in $DATA ($(store_mib) MiB); no generation, no load"
fi

# Reindex on the stopped store: alone on the machine, and the search runs below read the
# index it builds.
if (cd "$WORK" && "$BIN" reindex --help >/dev/null 2>&1); then
  stop
  python3 - "$WORK/reindex.log" "$BIN" reindex --data-dir "$DATA" <<'PY'
import resource, subprocess, sys, time
log, cmd = sys.argv[1], sys.argv[2:]
t = time.monotonic()
with open(log, "w") as out:
    rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
s = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
if rc:
    sys.exit(f"kho reindex failed (exit {rc}), see its output:\n" + open(log).read()[-2000:])
print(f"\n`kho reindex --data-dir DIR`: {s:.1f} s, peak RSS {rss:.0f} MiB; store after: ", end="")
PY
  echo "$(store_mib) MiB"
  start
  RESTARTED=1
else
  printf '\n`kho reindex` is not in this binary (`kho reindex --help` fails): not timed.\n'
fi

# The URLs. Percent-encoding by Python, so that the Vietnamese queries read plainly here.
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
A=/api/3/action
FACETS="facet.field=$(enc '["organization","res_format"]')"
search() { echo "$A/package_search?q=$(enc "$1")&$FACETS&rows=10"; }
# Some open dataset names for package_show (package_list is sorted by name: take every
# 50th of the first 5,000).
curl -sf "$URL$A/package_list?limit=5000" \
  | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)["result"][::50]))' >"$WORK/names.txt"
NAME=$(head -1 "$WORK/names.txt")
[ -n "$NAME" ] || { echo "no open dataset in the store" >&2; exit 1; }
sed "s|^|$A/package_show?id=|" "$WORK/names.txt" >"$WORK/show_paths.txt"
# Queries a portal's search box gets: with and without diacritics, place names, years.
for q in "trường học" "truong hoc" "nghệ an" "nghe an" "dân số" "dan so chau thanh" "bệnh viện" \
  "quan trắc không khí" "ngân sách 2023" "giá đất Tây Ninh" "xe buýt" "du lịch Đà Nẵng" \
  "an toàn thực phẩm" "doanh nghiệp" "tai nạn giao thông" "thuy loi"; do
  search "$q"
done >"$WORK/search_paths.txt"
# A harvester's page deep into the catalogue: the middle of it when search can count.
TOTAL=$(curl -s "$URL$A/package_search?rows=0" | python3 -c 'import json, sys
try: print(json.load(sys.stdin)["result"]["count"])
except Exception: print(0)')
DEEP=$(( TOTAL / 2 / 1000 * 1000 ))

# wrk replays the paths of a file in turn (one Lua state per wrk thread, each thread from
# its own offset so that the two do not send the same request at the same time).
cat >"$WORK/paths.lua" <<'LUA'
local threads, paths, i = 0, {}, 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = (id * 7) % #paths
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

# One wrk run: "requests/s p50_ms p99_ms non2xx", or nothing after printing why when the
# URL does not answer 200 (package_search before it exists answers 400 "Action name not
# known": that must not be reported as a fast search).
BASE=
measure() { # label path [lua paths file]
  local label=$1 path=$2 file=${3:-} code out conns=${CONNS:-$CONNECTIONS} threads=2
  [ "$conns" -lt 2 ] && threads=1
  code=$(curl -s -o "$WORK/body.txt" -w '%{http_code}' "$URL$path")
  if [ "$code" != 200 ]; then
    printf '| %s | not measured: HTTP %s %s | | | |\n' "$label" "$code" \
      "$(head -c 120 "$WORK/body.txt" | tr -d '\n|')"
    return
  fi
  if [ -n "$file" ]; then
    out=$(wrk -t$threads -c"$conns" -d"${DURATION}s" --latency -s "$WORK/paths.lua" "$URL" -- "$file")
  else
    out=$(wrk -t$threads -c"$conns" -d"${DURATION}s" --latency "$URL$path")
  fi
  # wrk prints latencies as 812.00us, 1.23ms or 1.02s: in milliseconds.
  read -r rps p50 p99 non2xx < <(echo "$out" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { r = $2 } $1 == "50%" { a = ms($2) } $1 == "99%" { b = ms($2) } /Non-2xx/ { n = $NF }
    END { printf "%s %.2f %.2f %d\n", r, a, b, n }')
  [ -z "$BASE" ] && BASE=$rps
  printf '| %s | %.0f | %.3f | %s | %s |' "$label" "$rps" "$(echo "$rps / $BASE" | bc -l)" "$p50" "$p99"
  [ "$non2xx" -gt 0 ] && printf ' %s non-2xx answers!' "$non2xx"
  printf '\n'
}

search_rows() { # label suffix
  measure "\`package_search\` q=trường học, 2 facets, rows=10$1" "$(search 'trường học')"
  measure "\`package_search\` q=truong hoc (folded), 2 facets$1" "$(search 'truong hoc')"
  measure "\`package_search\` q=nghe an (folded), 2 facets$1" "$(search 'nghe an')"
  measure "\`package_search\` no q (the portal's listing), 2 facets$1" "$A/package_search?$FACETS&rows=10"
  measure "\`package_search\` q=giáo dục, fq=res_format:CSV, 2 facets$1" \
    "$(search 'giáo dục')&fq=$(enc 'res_format:"CSV"')"
  measure "\`package_search\` 16 queries in turn (Lua)$1" "$(head -1 "$WORK/search_paths.txt")" "$WORK/search_paths.txt"
}
harvester_rows() { # label suffix
  measure "\`package_search\` harvester page q=*:* rows=1000 sort=id asc start=0$1" \
    "$A/package_search?q=$(enc '*:*')&rows=1000&sort=$(enc 'id asc')&start=0"
  if [ "$DEEP" -gt 0 ]; then
    measure "\`package_search\` harvester page start=$DEEP$1" \
      "$A/package_search?q=$(enc '*:*')&rows=1000&sort=$(enc 'id asc')&start=$DEEP"
  fi
}

printf '\nwrk -t2 -c%s, %s s per row, anonymous (open datasets only), load average before: %s\n\n' \
  "$CONNECTIONS" "$DURATION" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| request | requests/s | ratio to /healthz | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|\n'
measure '`/healthz` (baseline)' /healthz
search_rows ""
# A harvester pages one request after another: one connection.
CONNS=1 harvester_rows " (1 connection)"
harvester_rows ""
measure "\`package_show?id=$NAME\`" "$A/package_show?id=$NAME"
measure "\`package_show\` of $(wc -l <"$WORK/names.txt") datasets in turn (Lua)" "$(head -1 "$WORK/show_paths.txt")" "$WORK/show_paths.txt"
SERVE_HWM=$(hwm_mib)

# The same searches with every answer computed afresh (the answer cache off; the filter and
# facet caches stay, as Solr's filterCache does).
stop
KHO_SEARCH_CACHE_ENTRIES=0 start
BASE=
measure '`/healthz` (baseline, server without answer cache)' /healthz
search_rows " (no answer cache)"
CONNS=1 harvester_rows " (1 connection, no answer cache)"
[ "$(hwm_mib | cut -d. -f1)" -gt "$(echo "$SERVE_HWM" | cut -d. -f1)" ] && SERVE_HWM=$(hwm_mib)

if [ -n "$RESTARTED" ] || [ -n "$REUSE" ]; then
  printf '\nServer peak RSS (VmHWM): %s MiB over the search runs (the higher of the two servers)' "$SERVE_HWM"
  [ -n "${LOAD_HWM:-}" ] && printf ' (%s MiB during the load)' "$LOAD_HWM"
else
  printf '\nServer peak RSS (VmHWM): %s MiB over the whole run (load and search)' "$SERVE_HWM"
fi
printf '; store %s MiB; load average after: %s\n' "$(store_mib)" "$(cut -d' ' -f1-3 /proc/loadavg)"
