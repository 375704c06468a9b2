#!/usr/bin/env bash
# Runs tests/python (the real `ckanapi` client) against real kho servers:
# the client tests once on SQLite and once on a throwaway PostgreSQL server,
# then the `ckanapi dump`/`load` round trip from a SQLite kho to a Postgres kho
# (tests/python/test_dump_load.py).
#
#   scripts/python-client-test.sh                  # all three runs
#   scripts/python-client-test.sh --sqlite-only    # quicker, while developing
#   scripts/python-client-test.sh --postgres-only
#   scripts/python-client-test.sh --dumpload-only
#
# For each server: fresh data dir, `kho user create admin ... --sysadmin`,
# `kho token create admin` (token = last line of stdout), `kho serve` on a free
# port, wait for GET /healthz; then pytest with the venv of install-deps.sh
# (KHO_URL/KHO_TOKEN; the round trip also gets KHO_TARGET_URL/KHO_TARGET_TOKEN).
# The last line printed is `python: N passed, M failed`.
# Env: KHO_BIN (a kho binary to use instead of building), KHO_VENV, CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kho/target}"
VENV="${KHO_VENV:-$HOME/.cache/kho/venv}"
PY="$VENV/bin/python"
# KHO_BIN: use this kho binary instead of building one (e.g. a release build).
KHO="${KHO_BIN:-$CARGO_TARGET_DIR/debug/kho}"
# Never send requests for the local server through a proxy.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

log() { echo "python-client-test: $*"; }

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------------------
# Throwaway PostgreSQL server, mirroring kho-test-support's Rust helper:
# initdb (trust auth, UTF8, C locale) into a temp dir, postgres on a free port
# of 127.0.0.1 with fsync off, run as the `postgres` user when we are root,
# killed when this shell dies (setpriv --pdeathsig) and stopped by the trap.
# Sets PG_URL (the `postgres` database), PG_PID and PG_DIR.
# ---------------------------------------------------------------------------
pg_bindir() {
  local dir
  if dir=$(dirname "$(command -v initdb 2>/dev/null)" 2>/dev/null) &&
    [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
    echo "$dir"
    return
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
    echo "$dir"
    return
  fi
  echo "python-client-test: no PostgreSQL binaries found; run scripts/install-deps.sh" >&2
  return 1
}

alive() { # pid running and not a zombie
  [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Dirs of servers whose script was SIGKILLed (the server died by its death
# signal): remove them and the SysV shared memory they leaked.
remove_stale_pg_dirs() {
  local dir pid shmid
  for dir in /tmp/kho-sh-pg.*; do
    [ -f "$dir/data/postmaster.pid" ] || continue
    pid=$(sed -n 1p "$dir/data/postmaster.pid" 2>/dev/null | tr -d ' ')
    [ -n "$pid" ] && ! alive "$pid" || continue
    shmid=$(sed -n 7p "$dir/data/postmaster.pid" 2>/dev/null | awk '{print $2}')
    # Only if nothing is attached (column 6 of `ipcs -m` is nattch).
    if [ -n "$shmid" ] && ipcs -m 2>/dev/null | awk -v id="$shmid" '$2 == id && $6 == 0 { f = 1 } END { exit !f }'; then
      ipcrm -m "$shmid" 2>/dev/null || true
    fi
    rm -rf "$dir"
  done
}

PG_PID=""
PG_DIR=""
PG_URL=""
start_postgres() {
  local bindir port as_user=() i
  bindir=$(pg_bindir)
  remove_stale_pg_dirs
  PG_DIR=$(mktemp -d /tmp/kho-sh-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  mkdir -m 700 "$PG_DIR/sock"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 ||
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin postgres
    chown postgres:postgres "$PG_DIR" "$PG_DIR/sock"
    as_user=(--reuid=postgres --regid=postgres --clear-groups)
  fi
  (cd "$PG_DIR" && setpriv "${as_user[@]}" -- "$bindir/initdb" -D "$PG_DIR/data" -U postgres \
    -A trust -E UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1) || {
    cat "$PG_DIR/initdb.log" >&2
    return 1
  }
  port=$(free_port)
  # setpriv changes credentials first, then sets the death signal.
  (cd "$PG_DIR" && exec setpriv "${as_user[@]}" --pdeathsig KILL -- "$bindir/postgres" \
    -D "$PG_DIR/data" -p "$port" -k "$PG_DIR/sock" -c listen_addresses=127.0.0.1 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    </dev/null >"$PG_DIR/postgres.log" 2>&1) &
  PG_PID=$!
  for i in $(seq 600); do
    if ! kill -0 "$PG_PID" 2>/dev/null; then
      echo "python-client-test: postgres exited during startup:" >&2
      cat "$PG_DIR/postgres.log" >&2
      return 1
    fi
    if [ "$(sed -n 8p "$PG_DIR/data/postmaster.pid" 2>/dev/null | tr -d ' ')" = ready ]; then
      PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
    sleep 0.1
  done
  echo "python-client-test: postgres did not become ready in 60s:" >&2
  cat "$PG_DIR/postgres.log" >&2
  return 1
}

stop_postgres() {
  local i
  if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -QUIT "$PG_PID" 2>/dev/null || true # immediate shutdown
    for i in $(seq 100); do
      kill -0 "$PG_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$PG_PID" 2>/dev/null || true
    wait "$PG_PID" 2>/dev/null || true
  fi
  PG_PID=""
  if [ -n "$PG_DIR" ]; then rm -rf "$PG_DIR"; fi
  PG_DIR=""
}

# ---------------------------------------------------------------------------
# One run (in its own process so that `set -e` and traps apply): a backend's
# own tests, or the dump/load round trip between a SQLite and a Postgres kho.
# ---------------------------------------------------------------------------
SERVER_PIDS=()
SERVER_LOGS=()
WORK=""
cleanup_one() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  stop_postgres
  if [ -n "$WORK" ]; then rm -rf "$WORK"; fi
}

# start_kho LABEL [--database-url URL]: a fresh store (data dir $WORK/LABEL),
# the sysadmin `admin` and a token, `kho serve` on a free port; sets KHO_URL_OUT
# and KHO_TOKEN_OUT.
KHO_URL_OUT=""
KHO_TOKEN_OUT=""
start_kho() {
  local label=$1 data="$WORK/$1" port url token i
  shift
  mkdir "$data"
  "$KHO" user create admin --email admin@example.org --password 'secret-pass-1' --sysadmin \
    --data-dir "$data" "$@" >"$data/user-create.log" 2>&1 || {
    cat "$data/user-create.log" >&2
    echo "python-client-test: [$label] kho user create failed" >&2
    return 1
  }
  token=$("$KHO" token create admin --data-dir "$data" "$@" 2>"$data/token.err" |
    tail -n 1) || {
    cat "$data/token.err" >&2
    echo "python-client-test: [$label] kho token create failed" >&2
    return 1
  }
  if [ -z "$token" ]; then
    echo "python-client-test: [$label] kho token create printed no token" >&2
    return 1
  fi

  port=$(free_port)
  url="http://127.0.0.1:$port"
  # Killed with this shell even if it dies by SIGKILL.
  setpriv --pdeathsig KILL -- "$KHO" serve --listen "127.0.0.1:$port" --data-dir "$data" "$@" \
    </dev/null >"$data/serve.log" 2>&1 &
  SERVER_PIDS+=($!)
  SERVER_LOGS+=("$label:$data/serve.log")
  for i in $(seq 300); do
    if ! kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null; then
      cat "$data/serve.log" >&2
      echo "python-client-test: [$label] kho serve exited during startup" >&2
      return 1
    fi
    if curl -fsS --noproxy '*' -o /dev/null --max-time 2 "$url/healthz" 2>/dev/null; then
      break
    fi
    if [ "$i" -eq 300 ]; then
      cat "$data/serve.log" >&2
      echo "python-client-test: [$label] $url/healthz did not answer 200 within 30s" >&2
      return 1
    fi
    sleep 0.1
  done
  log "[$label] kho serving at $url"
  KHO_URL_OUT=$url
  KHO_TOKEN_OUT=$token
}

# The dump/load round trip needs two servers; the per-backend runs skip it.
DUMPLOAD_TEST="$ROOT/tests/python/test_dump_load.py"

run_one() {
  local run=$1 junit=$2 rc=0 entry
  local pytest=("$PY" -m pytest -p no:cacheprovider -q --junitxml="$junit")
  trap cleanup_one EXIT
  WORK=$(mktemp -d /tmp/kho-pytest.XXXXXX)
  # No stray ./kho.toml or KHO_* settings of the caller: only the flags below.
  unset KHO_CONFIG KHO_DATA_DIR KHO_DATABASE_URL
  cd "$WORK"
  case "$run" in
    sqlite)
      start_kho sqlite
      KHO_URL="$KHO_URL_OUT" KHO_TOKEN="$KHO_TOKEN_OUT" \
        "${pytest[@]}" --ignore="$DUMPLOAD_TEST" "$ROOT/tests/python" || rc=$?
      ;;
    postgres)
      start_postgres
      log "[$run] throwaway server at $PG_URL"
      start_kho postgres --database-url "$PG_URL"
      KHO_URL="$KHO_URL_OUT" KHO_TOKEN="$KHO_TOKEN_OUT" \
        "${pytest[@]}" --ignore="$DUMPLOAD_TEST" "$ROOT/tests/python" || rc=$?
      ;;
    dumpload)
      # Dump from SQLite, load into Postgres: the two stores' differences
      # (types, collation, JSON) are part of what the round trip checks.
      start_postgres
      log "[$run] throwaway server at $PG_URL"
      start_kho source-sqlite
      local source_url=$KHO_URL_OUT source_token=$KHO_TOKEN_OUT
      start_kho target-postgres --database-url "$PG_URL"
      KHO_URL="$source_url" KHO_TOKEN="$source_token" \
        KHO_TARGET_URL="$KHO_URL_OUT" KHO_TARGET_TOKEN="$KHO_TOKEN_OUT" \
        "${pytest[@]}" "$DUMPLOAD_TEST" || rc=$?
      ;;
    *)
      echo "python-client-test: unknown run $run" >&2
      return 2
      ;;
  esac
  if [ "$rc" -ne 0 ]; then
    for entry in "${SERVER_LOGS[@]}"; do
      echo "---- kho serve log (${entry%%:*}, last 50 lines) ----" >&2
      tail -n 50 "${entry#*:}" >&2
    done
  fi
  return "$rc"
}

if [ "${1:-}" = --one ]; then
  run_one "$2" "$3"
  exit $?
fi

# ---------------------------------------------------------------------------
# Main: build, then each run in a child process; summary at the end.
# ---------------------------------------------------------------------------
runs=(sqlite postgres dumpload)
case "${1:-}" in
  "") ;;
  --sqlite-only) runs=(sqlite) ;;
  --postgres-only) runs=(postgres) ;;
  --dumpload-only) runs=(dumpload) ;;
  *)
    echo "usage: $0 [--sqlite-only|--postgres-only|--dumpload-only]" >&2
    exit 2
    ;;
esac

"$ROOT/scripts/install-deps.sh"
if [ -z "${KHO_BIN:-}" ]; then
  log "cargo build -p kho"
  cargo build -q -p kho
fi

RESULTS=$(mktemp -d /tmp/kho-pytest-results.XXXXXX)
trap 'rm -rf "$RESULTS"' EXIT
failed_runs=()
for run in "${runs[@]}"; do
  log "[$run] start"
  if "$ROOT/scripts/python-client-test.sh" --one "$run" "$RESULTS/$run.xml"; then
    log "[$run] ok"
  else
    log "[$run] FAILED"
    failed_runs+=("$run")
  fi
done

if [ "${#failed_runs[@]}" -ne 0 ]; then
  log "FAILED on: ${failed_runs[*]}"
fi

# Count test cases from the JUnit files; a run that failed before pytest
# produced a report counts as one failed test.
"$PY" - "$RESULTS" "${failed_runs[@]}" <<'EOF'
import os
import sys
import xml.etree.ElementTree as ET

results, failed_runs = sys.argv[1], sys.argv[2:]
passed = failed = skipped = 0
for run in ("sqlite", "postgres", "dumpload"):
    path = os.path.join(results, run + ".xml")
    if not os.path.exists(path):
        failed += run in failed_runs
        continue
    for case in ET.parse(path).getroot().iter("testcase"):
        tags = {child.tag for child in case}
        if tags & {"failure", "error"}:
            failed += 1
        elif "skipped" in tags:
            skipped += 1
        else:
            passed += 1
line = f"python: {passed} passed, {failed} failed"
print(line + (f", {skipped} skipped" if skipped else ""))
EOF

[ "${#failed_runs[@]}" -eq 0 ]
