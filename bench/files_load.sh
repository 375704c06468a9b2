#!/usr/bin/env bash
# Upload and download of one large file through the release binary (issue 5): the server's
# peak memory while it streams the file in and out, and download throughput against
# reading the same file with `cat` in the same run (the baseline).
#
#   bench/files_load.sh [--size-mib N] [--bin PATH] [--s3]
#
# Makes a file of N MiB (default 1024) of random bytes, starts `kho serve` (the release
# build, or --bin) on a free loopback port with a fresh SQLite store and local files (with
# --s3: files on a local S3-compatible server, moto, from the test venv), uploads the file
# with `curl -F upload=@…` to resource_create, downloads it five times with curl to
# /dev/null, and reads it five times with cat to /dev/null (the file is in the page cache
# for both). Prints a Markdown table for BENCHMARKS.md: upload seconds and MiB/s, the best
# and median download and cat seconds, their ratios, and the server's peak RSS (VmHWM) and
# its RSS before the upload. Everything stays on 127.0.0.1 and is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=1024
BIN=
S3=
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) SIZE=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --s3) S3=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kho/target}"
if [ -z "$BIN" ]; then
  cargo build -q --release -p kho
  BIN="$CARGO_TARGET_DIR/release/kho"
fi
BIN=$(realpath "$BIN")
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/kho-files-bench.XXXXXX")
PID=
S3PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  [ -n "$S3PID" ] && kill "$S3PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"

echo "making a $SIZE MiB file" >&2
head -c "$((SIZE * 1024 * 1024))" /dev/urandom >"$WORK/big.bin"

EXTRA=()
if [ -n "$S3" ]; then
  VENV="${KHO_VENV:-$HOME/.cache/kho/venv}"
  ./scripts/install-deps.sh >/dev/null
  S3PORT=$(free_port)
  "$VENV/bin/python" -m moto.server -p "$S3PORT" >"$WORK/moto.log" 2>&1 &
  S3PID=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$S3PORT/" >/dev/null && break; sleep 0.1; done
  "$VENV/bin/python" - "$S3PORT" <<'EOF'
import sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/kho-bench", method="PUT")
urllib.request.urlopen(req).read()
EOF
  EXTRA=(env KHO_FILES_BACKEND=s3 KHO_S3_BUCKET=kho-bench KHO_S3_REGION=us-east-1
    "KHO_S3_ENDPOINT=http://127.0.0.1:$S3PORT" KHO_S3_PATH_STYLE=true
    KHO_S3_ACCESS_KEY_ID=test KHO_S3_SECRET_ACCESS_KEY=test)
fi

(cd "$WORK" && exec env -u KHO_CONFIG -u KHO_DATABASE_URL -u KHO_DATA_DIR KHO_LOG_LEVEL=warn \
  KHO_MAX_UPLOAD_BYTES=$(((SIZE + 1) * 1024 * 1024)) KHO_SITE_URL="$URL" "${EXTRA[@]}" \
  "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" >>"$WORK/serve.log" 2>&1) &
PID=$!
for _ in $(seq 300); do curl -fs "$URL/healthz" >/dev/null && break; sleep 0.1; done
curl -fs "$URL/healthz" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
TOKEN=$(grep -m1 '^kho_' "$WORK/serve.log")
PID=$(pgrep -n -f "serve --listen 127.0.0.1:$PORT")

rss() { awk -v k="$1" '$1 == k":" {printf "%.1f", $2 / 1024}' "/proc/$PID/status"; }
post() { curl -fsS -H "Authorization: $TOKEN" "$@"; }
post -H 'Content-Type: application/json' -d '{"name": "so-bench"}' \
  "$URL/api/3/action/organization_create" >/dev/null
post -H 'Content-Type: application/json' -d '{"name": "tep-lon", "owner_org": "so-bench"}' \
  "$URL/api/3/action/package_create" >/dev/null
RSS_BEFORE=$(rss VmRSS)

echo "uploading" >&2
T0=$(date +%s.%N)
post -F package_id=tep-lon -F "upload=@$WORK/big.bin;filename=tệp lớn.bin" \
  "$URL/api/3/action/resource_create" >"$WORK/created.json"
T1=$(date +%s.%N)
DOWNLOAD=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["url"])' "$WORK/created.json")
SIZE_OK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["size"])' "$WORK/created.json")
[ "$SIZE_OK" = "$((SIZE * 1024 * 1024))" ] || { echo "stored size $SIZE_OK" >&2; exit 1; }

best() { sort -n | head -n 1; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "downloading" >&2
DLS=$(for _ in 1 2 3 4 5; do
  s=$(date +%s%N); curl -fsS -o /dev/null "$DOWNLOAD"; e=$(date +%s%N)
  echo $(((e - s) / 1000))
done)
DL=$(echo "$DLS" | best)
DLM=$(echo "$DLS" | median)
curl -fsS "$DOWNLOAD" | cmp - "$WORK/big.bin"
CATS=$(for _ in 1 2 3 4 5; do
  s=$(date +%s%N); cat "$WORK/big.bin" >/dev/null; e=$(date +%s%N)
  echo $(((e - s) / 1000))
done)
CAT=$(echo "$CATS" | best)
CATM=$(echo "$CATS" | median)
HWM=$(rss VmHWM)

python3 - "$SIZE" "$T0" "$T1" "$DL" "$CAT" "$HWM" "$RSS_BEFORE" "$DLM" "$CATM" "${S3:+s3}" <<'EOF'
import sys
size, t0, t1, dl, cat, hwm, before, dlm, catm, backend = sys.argv[1:11] + [""] * (11 - len(sys.argv))
# Download and cat times are in microseconds; best and median of five.
size, up = float(size), float(t1) - float(t0)
dl, cat, dlm, catm = (float(x) / 1e6 for x in (dl, cat, dlm, catm))
print(f"\n| file | store | upload s | upload MiB/s | download s (best / median of 5) | download MiB/s (best) | cat s (best / median) | download ÷ cat (best / median) | server RSS before MiB | server peak RSS MiB |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {size:.0f} MiB | {backend or 'local'} | {up:.2f} | {size/up:.0f} | {dl:.2f} / {dlm:.2f} | {size/dl:.0f} | {cat:.2f} / {catm:.2f} | {dl/cat:.2f} / {dlm/catm:.2f} | {float(before):.0f} | {float(hwm):.0f} |")
EOF
