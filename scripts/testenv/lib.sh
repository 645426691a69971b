#!/usr/bin/env bash
# Test servers for secretrun's own tests: built once per machine into a cache directory, started on
# 127.0.0.1 by the test command, stopped by PID afterwards. Source this file, then call
# `testenv_up` (exports SECRETRUN_TEST_* for the Go tests) and `testenv_down`.
#
# Binaries: $SECRETRUN_BACKENDS_BIN (default ${XDG_CACHE_HOME:-$HOME/.cache}/secretrun-backends/bin).
# State (logs, pids, data): $SECRETRUN_TESTENV_STATE (default a fresh temporary directory).

BACKENDS_BIN="${SECRETRUN_BACKENDS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/secretrun-backends/bin}"
TESTENV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VAULT_VERSION=v1.21.0
TOXIPROXY_VERSION=v2.12.0
GCPSM_EMU_VERSION=v1.7.1
GORELEASER_VERSION=v2.17.0 # scripts/release-test.sh

testenv_log() { printf 'testenv: %s\n' "$*" >&2; }

# wait_for NAME PIDFILE CMD... : poll CMD for up to 20 s while the process lives.
testenv_wait() {
  local name=$1 pidfile=$2; shift 2
  local t0; t0=$(date +%s%N)
  for _ in $(seq 1 400); do
    if "$@" >/dev/null 2>&1; then
      testenv_log "$name ready in $(( ($(date +%s%N)-t0)/1000000 )) ms (pid $(cat "$pidfile"))"
      return 0
    fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break
    sleep 0.05
  done
  testenv_log "$name did not start; its log:"; cat "$STATE/$name.log" >&2 || true
  return 1
}

# shellcheck source=build.sh
source "$TESTENV_DIR/build.sh"
# shellcheck source=servers.sh
source "$TESTENV_DIR/servers.sh"

testenv_up() {
  STATE="${SECRETRUN_TESTENV_STATE:-$(mktemp -d /tmp/secretrun-testenv.XXXXXX)}"
  mkdir -p "$STATE"; export SECRETRUN_TESTENV_STATE="$STATE"
  testenv_build_all
  testenv_start_all
}

testenv_down() {
  [[ -n "${STATE:-}" && -d "$STATE" ]] || return 0
  testenv_stop_all
  rm -rf "$STATE"
}
