#!/usr/bin/env bash
# A DCAT harvester's full walk of /catalog.ttl (issue 5), against the release binary on a
# loaded store, beside the same datasets paged through package_search (the baseline, in
# the same run): what a DCAT harvester and a CKAN harvester each pay for the whole catalogue.
#
#   bench/catalog_walk.sh --data-dir DIR [--bin PATH] [--format ttl]
#
# DIR is a store loaded by bench/search_load.sh (`--data-dir DIR` keeps it). Starts
# `kho serve` on it (the release build, or --bin) on a free loopback port, then with one
# connection, as harvesters do: follows `hydra:next` from /catalog.{format} until the last
# page, and pages package_search?rows=100&sort=metadata_modified+desc&start=N until an
# empty page. Prints a Markdown table for BENCHMARKS.md (pages, datasets, seconds, pages/s,
# MB) and the server's peak RSS, with its own memory and the mapped index files apart.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=
DATA=
FORMAT=ttl
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2; shift 2 ;;
    --data-dir) DATA=$2; shift 2 ;;
    --format) FORMAT=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$DATA" ] || { echo "--data-dir DIR (a loaded store) is needed" >&2; exit 2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kho/target}"
if [ -z "$BIN" ]; then
  cargo build -q --release -p kho
  BIN="$CARGO_TARGET_DIR/release/kho"
fi
BIN=$(realpath "$BIN")
DATA=$(realpath "$DATA")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kho-walk.XXXXXX")
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
# The site_url the store's index was built with (bench/search_load.sh pins it), so the
# index is not rebuilt for another one.
export KHO_SITE_URL="${KHO_SITE_URL:-http://127.0.0.1:5000}"
(cd "$WORK" && exec env -u KHO_CONFIG -u KHO_DATABASE_URL -u KHO_DATA_DIR KHO_LOG_LEVEL=warn \
  "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" >>"$WORK/serve.log" 2>&1) &
PID=$!
for _ in $(seq 6000); do curl -fs "$URL/healthz" >/dev/null && break; sleep 0.1; done
curl -fs "$URL/healthz" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
PID=$(pgrep -n -f "serve --listen 127.0.0.1:$PORT")

python3 - "$URL" "$FORMAT" "$KHO_SITE_URL" <<'EOF'
import http.client, json, re, sys, time, urllib.parse

url, fmt, site = sys.argv[1:4]
host = urllib.parse.urlsplit(url).netloc
conn = http.client.HTTPConnection(host)

def get(path):
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"{path}: HTTP {r.status}: {body[:300]!r}")
    return body

# DCAT: follow hydra:next (its value is a URL on the configured site_url).
next_re = re.compile(rb'hydra:next\s+"([^"]+)"')
dataset_re = re.compile(rb'a dcat:Dataset|a dcat:DataService')
path, pages, datasets, size = f"/catalog.{fmt}", 0, 0, 0
t0 = time.perf_counter()
while path:
    body = get(path)
    pages += 1
    size += len(body)
    datasets += len(dataset_re.findall(body))
    m = next_re.search(body)
    path = None
    if m:
        nxt = m.group(1).decode()
        path = nxt[len(site):] if nxt.startswith(site) else urllib.parse.urlsplit(nxt).path + "?" + urllib.parse.urlsplit(nxt).query
dcat = (pages, datasets, time.perf_counter() - t0, size)

# The same datasets through package_search, 100 a page, newest first, to an empty page.
start, pages, datasets, size = 0, 0, 0, 0
t0 = time.perf_counter()
while True:
    body = get(f"/api/3/action/package_search?rows=100&sort=metadata_modified+desc&start={start}")
    n = len(json.loads(body)["result"]["results"])
    pages += 1
    size += len(body)
    if n == 0:
        break
    datasets += n
    start += 100
search = (pages, datasets, time.perf_counter() - t0, size)

print("\n| walk | pages | datasets | seconds | pages/s | MB |")
print("|---|---:|---:|---:|---:|---:|")
for name, (p, d, s, b) in [(f"`/catalog.{fmt}` (hydra:next)", dcat), ("`package_search` rows=100 (baseline)", search)]:
    print(f"| {name} | {p} | {d} | {s:.1f} | {p / s:.0f} | {b / 1e6:.0f} |")
print(f"\nDCAT walk ÷ search walk time: {dcat[2] / search[2]:.2f}")
EOF
# VmHWM counts the index files' pages that the server maps (RssFile) as well as its own
# memory (RssAnon, at the end of the walk).
awk '/VmHWM|RssAnon|RssFile/ {printf "%s %.0f MiB\n", $1, $2 / 1024}' "/proc/$PID/status"
