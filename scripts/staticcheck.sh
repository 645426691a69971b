#!/usr/bin/env bash
# staticcheck, built once per machine from the Go module proxy into the backends cache.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/testenv/lib.sh # BACKENDS_BIN
bin="$BACKENDS_BIN/staticcheck"
if [[ ! -x "$bin" ]]; then
  GOBIN="$(dirname "$bin")" GOTOOLCHAIN=local go install honnef.co/go/tools/cmd/staticcheck@v0.6.1 >&2
fi
"$bin" ./...
