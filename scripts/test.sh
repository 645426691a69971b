#!/usr/bin/env bash
# The test command (README): builds the test servers once per machine (cached), starts them on
# 127.0.0.1, runs vet, staticcheck and every test with the race detector, a short fuzz run of the
# redactor and the release test (goreleaser check, a reproducible single-target snapshot, the .deb
# installed and removed: scripts/release-test.sh), and stops the servers on every exit path.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/testenv/lib.sh
trap testenv_down EXIT
t0=$(date +%s)
testenv_up
export SECRETRUN_TEST_REQUIRE_SERVERS=1
go vet ./...
GOOS=darwin go vet ./...                   # the release targets build: macOS vetted,
GOOS=windows CGO_ENABLED=0 go build ./...  # Windows compiled
scripts/staticcheck.sh
go test -race -count=1 -timeout 30m ./...
go test -run='^$' -fuzz='^FuzzRedact$' -fuzztime="${SECRETRUN_FUZZTIME:-30s}" ./redact
scripts/release-test.sh
echo "scripts/test.sh: all passed in $(( $(date +%s)-t0 ))s"
