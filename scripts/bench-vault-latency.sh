#!/usr/bin/env bash
# Benchmark: 100 Vault refs (100 distinct KV v2 paths) resolved in one Fetch behind 20 ms of
# toxiproxy latency; prints the wall time as a multiple of the injected round trip (target <= 3;
# sequential reads would take more than 100).
# Starts its own Vault dev server and toxiproxy on 127.0.0.1 (built into the backends cache if absent)
# and stops them by PID on exit. Ports: TESTENV_VAULT_PORT, TESTENV_TOXIPROXY_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/testenv/lib.sh
STATE="$(mktemp -d /tmp/secretrun-bench.XXXXXX)"
trap 'testenv_stop_all; rm -rf "$STATE"' EXIT
testenv_build_vault && testenv_build_toxiproxy
testenv_start_vault
testenv_start_toxiproxy
SECRETRUN_BENCH_VAULT=1 SECRETRUN_TEST_REQUIRE_SERVERS=1 \
  go test -count=1 -run '^TestLatencyRoundTrips$' -v ./providers/vault | grep -E 'BENCH|^(ok|FAIL|---)'
