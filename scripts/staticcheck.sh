#!/usr/bin/env bash
# staticcheck, built once per machine from the Go module proxy into the backends cache.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SECRETRUN_BACKENDS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/secretrun-backends/bin}/staticcheck"
if [[ ! -x "$bin" ]]; then
  GOBIN="$(dirname "$bin")" GOTOOLCHAIN=local go install honnef.co/go/tools/cmd/staticcheck@v0.6.1 >&2
fi
"$bin" ./...
