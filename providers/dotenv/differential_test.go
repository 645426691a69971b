package dotenv_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	compose "github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/joho/godotenv"
	"github.com/sirupsen/logrus"

	"github.com/secretrun/secretrun/providers/dotenv"
)

// The differential test reads every file of testdata/corpus with secretrun's parser and with the
// parsers people already use: godotenv and compose-go (Go modules, always present as test-only
// dependencies), and python-dotenv and node's dotenv when the machine has them (skipped cleanly
// when not; set NODE_PATH to a node_modules directory holding dotenv to include node).
//
// A key has a consensus value when godotenv and compose-go give it the same value, or when at
// least three of the four parsers do. secretrun must then give that value, unless the key is in
// deliberateValues; it must accept every file that godotenv and compose-go both accept, unless
// the file is in deliberateRejections. Both lists are documented in docs/refs.md, and an entry that
// no longer differs fails the test, so neither list can go stale.

// deliberateValues are the keys (FILE:KEY) on which secretrun knowingly differs from the consensus,
// with the reason.
var deliberateValues = map[string]string{
	"bare_dollar.env:BARE": "$NAME without braces is literal: '$' is common in passwords (python-dotenv and node agree)",
}

// deliberateRejections are the files that secretrun rejects although godotenv and compose-go
// accept them, with the reason.
var deliberateRejections = map[string]string{
	"undefined_ref.env": "an undefined ${NAME} is an error, not the empty string: a file must not silently yield an empty secret (or, in other parsers, one from the process environment)",
	"empty_name.env":    "=value has no name: godotenv and compose-go store it under \"\", which no environment variable can have",
}

// result is what one parser made of one file: its variables, or the error that rejected the file.
type result struct {
	vars map[string]string
	err  error
}

// oracle is a dotenv parser to compare with: parse reads every file and returns a result per path.
type oracle struct {
	name  string
	parse func(t *testing.T, paths []string) map[string]result
}

// goOracle wraps a Go parser.
func goOracle(name string, parse func(io.Reader) (map[string]string, error)) oracle {
	return oracle{name, func(t *testing.T, paths []string) map[string]result {
		out := map[string]result{}
		for _, path := range paths {
			vars, err := parse(bytes.NewReader(readFile(t, path)))
			out[path] = result{vars, err}
		}
		return out
	}}
}

func goOracles() []oracle {
	logrus.SetOutput(io.Discard) // compose-go warns about unset variables through logrus
	return []oracle{
		goOracle("godotenv", godotenv.Parse),
		goOracle("compose-go", func(r io.Reader) (map[string]string, error) {
			// No lookup: ${NAME} expands from the file only, as in secretrun.
			return compose.ParseWithLookup(r, func(string) (string, bool) { return "", false })
		}),
	}
}

// scriptOracle runs testdata/oracle/SCRIPT with the interpreter and returns an oracle, or nil
// (with the reason logged) when the interpreter or the package is missing. The script gets every
// path at once and prints {PATH: {"vars": {...}}} as JSON.
func scriptOracle(t *testing.T, name, interpreter, script string) *oracle {
	bin, err := exec.LookPath(interpreter)
	if err != nil {
		t.Logf("oracle %s skipped: %s not found", name, interpreter)
		return nil
	}
	script, _ = filepath.Abs(filepath.Join("testdata", "oracle", script))
	run := func(paths []string) ([]byte, error) {
		cmd := exec.Command(bin, append([]string{script}, paths...)...)
		// A small environment: python-dotenv expands ${NAME} from the process environment too.
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NODE_PATH=" + os.Getenv("NODE_PATH"), "PYTHONIOENCODING=utf-8"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, errors.New(strings.TrimSpace(err.Error() + " " + stderr.String()))
		}
		return out, nil
	}
	if _, err := run(nil); err != nil {
		t.Logf("oracle %s skipped: %v", name, err)
		return nil
	}
	return &oracle{name, func(t *testing.T, paths []string) map[string]result {
		out, err := run(paths)
		if err != nil {
			t.Fatalf("oracle %s: %v", name, err)
		}
		var r map[string]struct{ Vars map[string]string }
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("oracle %s: %v: %s", name, err, out)
		}
		results := map[string]result{}
		for _, path := range paths {
			f, ok := r[path]
			if !ok {
				t.Fatalf("oracle %s: no result for %s", name, path)
			}
			results[path] = result{vars: f.Vars}
		}
		return results
	}}
}

// allOracles returns godotenv and compose-go, then python-dotenv and node's dotenv when present.
func allOracles(t *testing.T) []oracle {
	oracles := goOracles()
	for _, o := range []*oracle{
		scriptOracle(t, "python-dotenv", "python3", "python_dotenv.py"),
		scriptOracle(t, "node-dotenv", "node", "node_dotenv.js"),
	} {
		if o != nil {
			oracles = append(oracles, *o)
		}
	}
	return oracles
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func ours(t *testing.T, path string) result {
	vars, err := dotenv.Parse(bytes.NewReader(readFile(t, path)), filepath.Base(path))
	if err != nil {
		return result{err: err}
	}
	m := map[string]string{}
	for _, v := range vars {
		m[v.Name] = v.Value
	}
	return result{vars: m}
}

// consensus returns the value the parsers agree on for key: godotenv's and compose-go's when they
// are equal, else a value at least three parsers give. It says which parsers gave it.
func consensus(oracles []oracle, results []result, key string) (value, who string, ok bool) {
	votes := map[string][]string{}
	for i, r := range results {
		if r.err != nil {
			continue
		}
		if v, present := r.vars[key]; present {
			votes[v] = append(votes[v], oracles[i].name)
		}
	}
	g, gok := results[0].vars[key]
	c, cok := results[1].vars[key]
	if results[0].err == nil && results[1].err == nil && gok && cok && g == c {
		return g, strings.Join(votes[g], ", "), true
	}
	for v, names := range votes {
		if len(names) >= 3 {
			return v, strings.Join(names, ", "), true
		}
	}
	return "", "", false
}

// showTable makes TestDifferential log every key on which any two parsers differ, with each
// parser's value: go test -run Differential -v -args -dotenv.table
var showTable = flag.Bool("dotenv.table", false, "log every key on which the dotenv parsers differ")

func TestDifferential(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.env"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	oracles := allOracles(t)
	var names []string
	for _, o := range oracles {
		names = append(names, o.name)
	}
	t.Logf("oracles: %s", strings.Join(names, ", "))

	byOracle := make([]map[string]result, len(oracles))
	for i, o := range oracles {
		byOracle[i] = o.parse(t, files)
	}

	usedValues, usedRejections := map[string]bool{}, map[string]bool{}
	compared := 0
	for _, path := range files {
		file := filepath.Base(path)
		results := make([]result, len(oracles))
		for i := range oracles {
			results[i] = byOracle[i][path]
		}
		got := ours(t, path)
		if got.err != nil {
			if results[0].err == nil && results[1].err == nil {
				if _, ok := deliberateRejections[file]; ok {
					usedRejections[file] = true
				} else {
					t.Errorf("%s: rejected (%v), but godotenv and compose-go both accept it", file, got.err)
				}
			}
			continue
		}
		keys := map[string]bool{}
		for _, r := range results {
			for k := range r.vars {
				keys[k] = true
			}
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, key := range sorted {
			if *showTable {
				logDisagreement(t, file, key, oracles, results, got)
			}
			want, who, ok := consensus(oracles, results, key)
			if !ok {
				continue
			}
			compared++
			v, present := got.vars[key]
			id := file + ":" + key
			if _, deliberate := deliberateValues[id]; deliberate {
				if present && v == want {
					t.Errorf("%s: listed as a deliberate difference, but secretrun now agrees (%q)", id, v)
				}
				usedValues[id] = true
				continue
			}
			if !present {
				t.Errorf("%s: missing; %s give %q", id, who, want)
			} else if v != want {
				t.Errorf("%s = %q; %s give %q", id, v, who, want)
			}
		}
	}
	t.Logf("%d files, %d keys with a consensus compared", len(files), compared)
	for id := range deliberateValues {
		if !usedValues[id] {
			t.Errorf("deliberate difference %s: no consensus differs from secretrun on it (stale entry, or a corpus file is missing)", id)
		}
	}
	for file := range deliberateRejections {
		if !usedRejections[file] {
			t.Errorf("deliberate rejection %s: not rejected, or not accepted by godotenv and compose-go (stale entry)", file)
		}
	}
}

// logDisagreement logs each parser's value for key when they are not all the same.
func logDisagreement(t *testing.T, file, key string, oracles []oracle, results []result, got result) {
	show := func(r result) string {
		if r.err != nil {
			return "(file rejected)"
		}
		if v, ok := r.vars[key]; ok {
			return fmt.Sprintf("%q", v)
		}
		return "(absent)"
	}
	ourValue := show(got)
	line := fmt.Sprintf("%s:%s: secretrun %s", file, key, ourValue)
	differ := false
	for i, o := range oracles {
		v := show(results[i])
		differ = differ || v != ourValue
		line += fmt.Sprintf(", %s %s", o.name, v)
	}
	if differ {
		t.Log(line)
	}
}
