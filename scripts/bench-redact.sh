#!/usr/bin/env bash
# bench-redact.sh — end-to-end throughput of the redactor (REDACTION.md, performance table):
#
#   cat big.log | secretrun redact -c CONFIG -p bench > /dev/null
#   cat big.log | cat > /dev/null
#
# measured in the same run, on a generated CI-like log that mentions some of 200 secrets
# (raw, base64 and URL-encoded). Target: redact reaches >= 0.5 of cat's throughput.
#
# Environment:
#   BENCH_REDACT_MB       size of the generated log in MiB (default 512)
#   BENCH_REDACT_SECRETS  number of secrets in the profile (default 200)
#   BENCH_REDACT_KIND     "typical" (tokens, keys, DSNs; default) or "random24" (each secret
#                         is 24 random bytes, base64-encoded as `openssl rand -base64 24` prints)
#   BENCH_REDACT_OLD      path of another secretrun binary (e.g. built from the previous commit)
#                         to time in the same run, interleaved, for a before/after ratio
#   BENCH_REDACT_RUNS     runs of each pipeline; the best one counts (default 3)
#   BENCH_REDACT_KEEP     set to keep the temporary directory
set -euo pipefail
cd "$(dirname "$0")/.."

mb=${BENCH_REDACT_MB:-512}
nsecrets=${BENCH_REDACT_SECRETS:-200}
runs=${BENCH_REDACT_RUNS:-3}
kind=${BENCH_REDACT_KIND:-typical}
old=${BENCH_REDACT_OLD:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-redact.XXXXXX")
if [[ -z "${BENCH_REDACT_KEEP:-}" ]]; then
	trap 'rm -rf "$tmp"' EXIT
else
	echo "bench-redact: keeping $tmp"
fi

echo "bench-redact: building secretrun"
go build -o "$tmp/secretrun" .

# The generator: a standalone Go program (standard library only).
mkdir -p "$tmp/gen"
cat > "$tmp/gen/main.go" <<'GO'
package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"math/rand"
	"net/url"
	"os"
	"strconv"
)

func main() {
	dir := os.Args[1]
	size, _ := strconv.ParseInt(os.Args[2], 10, 64)
	n, _ := strconv.Atoi(os.Args[3])
	kind := os.Args[4]
	r := rand.New(rand.NewSource(42))
	str := func(alpha string, k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = alpha[r.Intn(len(alpha))]
		}
		return string(b)
	}
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	names := make([]string, n)
	values := make([]string, n)
	for i := range values {
		names[i] = fmt.Sprintf("BENCH_SECRET_%03d", i)
		if kind == "random24" {
			raw := make([]byte, 24)
			r.Read(raw)
			values[i] = base64.StdEncoding.EncodeToString(raw)
			continue
		}
		switch i % 5 {
		case 0, 1:
			values[i] = "ghp_" + str(alnum, 36)
		case 2:
			values[i] = str(alnum+"+/", 40) // AWS secret access key style
		case 3:
			values[i] = str(alnum+"-_.~", 20)
		case 4:
			values[i] = fmt.Sprintf("postgres://svc%d:%s@db%d.internal:5432/app", i, str(alnum, 24), i)
		}
	}
	env, _ := os.Create(dir + "/.env")
	cfg, _ := os.Create(dir + "/secretrun.yaml")
	vals, _ := os.Create(dir + "/values.txt")
	fmt.Fprintf(cfg, "version: 1\ndefault_profile: bench\nprofiles:\n  bench:\n    secrets:\n")
	for i := range values {
		fmt.Fprintf(env, "%s=%s\n", names[i], values[i])
		fmt.Fprintf(cfg, "      %s: \"dotenv://%s/.env#%s\"\n", names[i], dir, names[i])
		fmt.Fprintln(vals, values[i])
	}
	env.Close()
	cfg.Close()
	vals.Close()

	f, _ := os.Create(dir + "/big.log")
	w := bufio.NewWriterSize(f, 1<<20)
	lines := []string{
		"2026-11-22T10:%02d:%02d.%03dZ [INFO] Downloading https://repo.maven.apache.org/maven2/org/apache/commons/commons-lang3/3.%d/commons-lang3-3.%d.pom\n",
		"Step %d/12 : RUN npm ci --no-audit --prefer-offline (%d%%)\n",
		"  ---> Using cache %x\n",
		"\x1b[32m✓\x1b[0m test_%d passed in %d.%03ds\n",
		"go: downloading golang.org/x/sys v0.%d.0 (%d files)\n",
		"[%d/%d] Compiling src/module_%d/handler.rs\n",
		"npm WARN deprecated request@2.88.%d: request has been deprecated, see https://github.com/request/request/issues/%d\n",
		"remote: Counting objects: %d%% (%d/1234), done.\r\n",
	}
	verbs := []int{5, 2, 1, 3, 2, 3, 2, 2} // formatting verbs in each line
	var written int64
	for written < size {
		var s string
		if r.Intn(1000) == 0 {
			v := values[r.Intn(n)]
			switch r.Intn(3) {
			case 0:
				s = "+ export TOKEN=" + v + "\n"
			case 1:
				s = "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("ci:"+v)) + "\n"
			default:
				s = "GET /callback?token=" + url.QueryEscape(v) + " 200\n"
			}
		} else {
			k := r.Intn(len(lines))
			args := []any{r.Intn(60), r.Intn(60), r.Intn(1000), r.Intn(20), r.Intn(20)}
			s = fmt.Sprintf(lines[k], args[:verbs[k]]...)
		}
		n, _ := w.WriteString(s)
		written += int64(n)
	}
	w.Flush()
	f.Close()
}
GO
echo "bench-redact: generating a ${mb} MiB log and ${nsecrets} ${kind} secrets in $tmp"
(cd "$tmp/gen" && GOFLAGS= GO111MODULE=off go run main.go "$tmp" "$((mb * 1024 * 1024))" "$nsecrets" "$kind")
[[ -s "$tmp/big.log" ]] || { echo "bench-redact: generating the log failed" >&2; exit 1; }
bytes=$(wc -c < "$tmp/big.log")

sr=("$tmp/secretrun" redact -c "$tmp/secretrun.yaml" -p bench)

# Sanity: the command exists and masks (check the first 16 MiB).
if ! head -c $((16 << 20)) "$tmp/big.log" | "${sr[@]}" > "$tmp/sample.out" 2> "$tmp/sample.err"; then
	echo "bench-redact: 'secretrun redact' failed:" >&2
	cat "$tmp/sample.err" >&2
	exit 1
fi
if grep -qF -f "$tmp/values.txt" "$tmp/sample.out"; then
	echo "bench-redact: FAIL: a secret value survived redaction" >&2
	exit 1
fi
masked=$( (grep -o '\*\*\*' "$tmp/sample.out" || true) | wc -l)
echo "bench-redact: sanity ok ($masked masked regions in the first 16 MiB, no value left)"

cat "$tmp/big.log" > /dev/null # warm the page cache

# The pipelines are run in turn, $runs rounds, so that a busy machine slows them alike; the
# best time of each counts.
run_cat() { cat "$tmp/big.log" | cat > /dev/null; }
run_redact() { cat "$tmp/big.log" | "${sr[@]}" > /dev/null; }
run_old() { cat "$tmp/big.log" | "$old" redact -c "$tmp/secretrun.yaml" -p bench > /dev/null; }
pipelines=(run_cat run_redact)
[[ -n "$old" ]] && pipelines+=(run_old)
declare -A best
for ((i = 0; i < runs; i++)); do
	for p in "${pipelines[@]}"; do
		t0=$(date +%s%N)
		"$p"
		t1=$(date +%s%N)
		s=$(( t1 - t0 ))
		if [[ -z "${best[$p]:-}" || $s -lt ${best[$p]} ]]; then best[$p]=$s; fi
	done
done
secs() { awk -v ns="${best[$1]}" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
t_cat=$(secs run_cat)
t_red=$(secs run_redact)
t_old=""
[[ -n "$old" ]] && t_old=$(secs run_old)
awk -v b="$bytes" -v tc="$t_cat" -v tr="$t_red" -v to="$t_old" -v n="$nsecrets" -v k="$kind" 'BEGIN {
	mc = b / tc / 1e6; mr = b / tr / 1e6; ratio = mr / mc
	printf "bench-redact: %d bytes, %d %s secrets\n", b, n, k
	printf "  cat | cat              %8.1f MB/s  (%.3f s)\n", mc, tc
	printf "  cat | secretrun redact %8.1f MB/s  (%.3f s)\n", mr, tr
	if (to != "") {
		mo = b / to / 1e6
		printf "  cat | OLD redact       %8.1f MB/s  (%.3f s), ratio %.2f; new/old %.2f\n", mo, to, mo / mc, mr / mo
	}
	printf "  ratio %.2f (target >= 0.50): %s\n", ratio, (ratio >= 0.5 ? "ok" : "BELOW TARGET")
}'
