#!/usr/bin/env bash
# AWS half of the provider latency benchmark: resolve 100 awssm:// refs in one Fetch behind
# toxiproxy latency (default 20 ms per round trip) in front of moto, and report the wall time as a
# multiple of the injected round trip (target <= 3; sequential single reads would be 100).
#
# Usage: scripts/bench-awssm-latency.sh
# Env:   SECRETRUN_BENCH_LATENCY (20ms), SECRETRUN_BENCH_MAX_MULTIPLE (3),
#        TESTENV_MOTO_PORT, TESTENV_TOXIPROXY_PORT (default: free ports the kernel picks).
#        If SECRETRUN_TEST_AWS_ENDPOINT and SECRETRUN_TEST_TOXIPROXY are already set, those
#        servers are used and nothing is started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/testenv/lib.sh
if [[ -z "${SECRETRUN_TEST_AWS_ENDPOINT:-}" || -z "${SECRETRUN_TEST_TOXIPROXY:-}" ]]; then
  STATE="$(mktemp -d /tmp/secretrun-bench-awssm.XXXXXX)"
  trap 'testenv_stop_all; rm -rf "$STATE"' EXIT
  testenv_check_moto && testenv_build_toxiproxy
  free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
  TESTENV_MOTO_PORT="${TESTENV_MOTO_PORT:-$(free_port)}" testenv_start_moto
  TESTENV_TOXIPROXY_PORT="${TESTENV_TOXIPROXY_PORT:-$(free_port)}" testenv_start_toxiproxy
  # A server that answered may be someone else's on the same port: insist on our own processes.
  for name in moto toxiproxy; do
    kill -0 "$(cat "$STATE/$name.pid")" 2>/dev/null || { testenv_log "$name exited (port taken?): $(tail -3 "$STATE/$name.log")"; exit 1; }
  done
fi
export SECRETRUN_BENCH_AWSSM=1 SECRETRUN_TEST_REQUIRE_SERVERS=1
go test -count=1 -v -run '^TestLatencyBench$' ./providers/awssm | grep -E 'BENCH|bench_test|^(ok|FAIL|---)'
