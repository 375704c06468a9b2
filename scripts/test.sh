#!/usr/bin/env bash
# The single test command of kho: ./scripts/test.sh
#
# Steps (stops at the first failure):
#   1. scripts/install-deps.sh   PostgreSQL binaries, Python venv with ckanapi + pytest
#   2. cargo fmt --all --check
#   3. cargo clippy --workspace --all-targets -- -D warnings
#   4. OpenAPI drift: `kho openapi` must equal openapi/kho.json
#   5. cargo test --workspace --all-targets   (Postgres tests start their own server)
#   6. scripts/python-client-test.sh          (ckanapi against kho, SQLite and Postgres;
#                                              dump/load from SQLite to Postgres)
# The last line is `total: N passed, M failed` over steps 5 and 6.
#
# The build cache lives outside the clone, in
# CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kho/target}.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kho/target}"
if [ "${CI:-}" = true ]; then
  export CARGO_INCREMENTAL=0
fi

LOGS=$(mktemp -d /tmp/kho-test-sh.XXXXXX)
DONE=()
CURRENT=""
STEP_START=$SECONDS

step() {
  CURRENT=$1
  STEP_START=$SECONDS
  echo
  echo "==> $CURRENT"
}

step_ok() {
  DONE+=("ok    $CURRENT ($((SECONDS - STEP_START))s)")
  CURRENT=""
}

summary() {
  local rc=$? line
  set +e
  echo
  echo "==================== kho test summary ===================="
  for line in "${DONE[@]}"; do echo "  $line"; done
  if [ -n "$CURRENT" ]; then
    echo "  FAIL  $CURRENT ($((SECONDS - STEP_START))s)"
  fi
  # Count tests from cargo's `test result:` lines and the Python script's
  # `python: N passed, M failed` line.
  local counts
  counts=$(cat "$LOGS"/*.log 2>/dev/null | awk '
    /^test result: / {
      found = 1
      for (i = 1; i <= NF; i++) {
        if ($(i + 1) ~ /^passed/) p += $i
        if ($(i + 1) ~ /^failed/) f += $i
        if ($(i + 1) ~ /^ignored/) s += $i
      }
    }
    /^python: [0-9]+ passed, [0-9]+ failed/ {
      found = 1
      p += $2
      f += $4
      if ($6 != "") s += $6
    }
    END { if (found) printf "%d %d %d\n", p, f, s }')
  rm -rf "$LOGS"
  if [ "$rc" -eq 0 ]; then
    echo "  all checks passed in $((SECONDS / 60))m$((SECONDS % 60))s"
  else
    echo "  FAILED (exit $rc) after $((SECONDS / 60))m$((SECONDS % 60))s"
  fi
  if [ -n "$counts" ]; then
    read -r passed failed skipped <<<"$counts"
    if [ "$skipped" -gt 0 ]; then
      echo "total: $passed passed, $failed failed, $skipped skipped"
    else
      echo "total: $passed passed, $failed failed"
    fi
  fi
  exit "$rc"
}
trap summary EXIT

step "install dependencies (scripts/install-deps.sh)"
./scripts/install-deps.sh
step_ok

step "cargo fmt --all --check"
if ! cargo fmt --all --check; then
  echo "formatting differs: run \`cargo fmt --all\`" >&2
  exit 1
fi
step_ok

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
step_ok

step "OpenAPI drift (openapi/kho.json)"
openapi_tmp="$LOGS/openapi.json"
cargo run -q -p kho -- openapi >"$openapi_tmp"
if ! diff -u openapi/kho.json "$openapi_tmp"; then
  echo "openapi/kho.json is out of date: regenerate it with" >&2
  echo "    cargo run -p kho -- openapi > openapi/kho.json" >&2
  exit 1
fi
step_ok

step "cargo test --workspace --all-targets"
cargo test --workspace --all-targets --no-fail-fast 2>&1 | tee "$LOGS/cargo-test.log"
step_ok

step "Python ckanapi client tests (scripts/python-client-test.sh)"
./scripts/python-client-test.sh 2>&1 | tee "$LOGS/python.log"
step_ok
