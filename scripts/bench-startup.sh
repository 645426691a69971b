#!/usr/bin/env bash
# Start-up overhead: `secretrun -- true` against a bare `true` and against a 20-line Go fork+exec,
# measured in the same run. Prints the mean wall time of each and the ratios.
# Usage: scripts/bench-startup.sh [RUNS]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
go build -trimpath -o "$tmp/secretrun" .
go build -trimpath -o "$tmp/forkexec" ./scripts/bench/forkexec
truebin=$(type -P true)  # the program, not the shell builtin
cat >"$tmp/secretrun.yaml" <<YAML
version: 1
default_profile: bench
profiles:
  bench:
    env: { APP_ENV: bench }
    secrets:
      TOKEN: dotenv://$tmp/.env#TOKEN
YAML
printf 'TOKEN=bench-token-value-0123456789\n' >"$tmp/.env"

# mean_us CMD...: mean wall time of RUNS runs, in microseconds (after 10 warm-up runs)
mean_us() {
  for _ in $(seq 10); do "$@" >/dev/null 2>&1 </dev/null; done
  local t0 t1
  t0=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" >/dev/null 2>&1 </dev/null; done
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / runs / 1000 ))
}
bare=$(mean_us "$truebin")
fork=$(mean_us "$tmp/forkexec" "$truebin")
prof=$(mean_us "$tmp/secretrun" -c "$tmp/secretrun.yaml" -- "$truebin")
printf '%-44s %8s us\n' "true (bare exec from bash)" "$bare" \
  "forkexec -- true (20-line Go fork+exec)" "$fork" \
  "secretrun -- true (local profile, 1 secret)" "$prof"
awk -v b="$bare" -v f="$fork" -v p="$prof" 'BEGIN {
  printf "secretrun / bare true:  %.2fx (+%d us)\n", p/b, p-b
  printf "secretrun / Go forkexec: %.2fx (+%d us)\n", p/f, p-f }'
