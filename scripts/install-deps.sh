#!/usr/bin/env bash
# Installs what kho's tests need; idempotent and quiet when all is present.
#   - PostgreSQL server binaries (Debian package `postgresql`) when no initdb
#     is on PATH or under /usr/lib/postgresql/*/bin;
#   - curl (used by scripts/python-client-test.sh);
#   - a Python virtualenv at ${KHO_VENV:-$HOME/.cache/kho/venv} with the
#     packages of tests/python/requirements.txt (ckanapi, pytest, and moto[server],
#     the S3-compatible server kho-files tests run against).
# Safe to run as root on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "install-deps: $*"; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi

apt_updated=0
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: need $* but apt-get is not available; install it by hand" >&2
    exit 1
  fi
  local log
  log=$(mktemp)
  if [ "$apt_updated" -eq 0 ]; then
    say "apt-get update"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 ||
      { cat "$log" >&2; rm -f "$log"; exit 1; }
    apt_updated=1
  fi
  say "apt-get install $*"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1 ||
    { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
}

have_initdb() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

if ! have_initdb; then
  # Tests start their own throwaway servers: don't let the package create and
  # start a default cluster on port 5432.
  "${SUDO[@]}" mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" |
    "${SUDO[@]}" tee /etc/postgresql-common/createcluster.d/kho-no-main-cluster.conf >/dev/null
  apt_install postgresql
  have_initdb || { echo "install-deps: postgresql installed but no initdb found" >&2; exit 1; }
fi

if ! command -v curl >/dev/null 2>&1; then
  apt_install curl ca-certificates
fi

VENV="${KHO_VENV:-$HOME/.cache/kho/venv}"
REQ=tests/python/requirements.txt
STAMP="$VENV/.kho-requirements"
PY="$VENV/bin/python"

if [ -x "$PY" ] && cmp -s "$REQ" "$STAMP" && "$PY" -c 'import ckanapi, pytest, moto.server' 2>/dev/null; then
  exit 0
fi

if [ ! -x "$PY" ] || ! "$PY" -m pip --version >/dev/null 2>&1; then
  command -v python3 >/dev/null 2>&1 || apt_install python3
  say "creating virtualenv $VENV"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    apt_install python3-venv
    python3 -m venv "$VENV" >/dev/null
  fi
fi

say "pip install -r $REQ"
"$PY" -m pip install -q --disable-pip-version-check -r "$REQ"
"$PY" -c 'import ckanapi, pytest, moto.server'
cp "$REQ" "$STAMP"
