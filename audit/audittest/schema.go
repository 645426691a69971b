// Package audittest checks audit records against the schema of docs/audit.md, for the tests of
// the audit package and of the commands that write records.
package audittest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// common are the fields every record carries.
var common = []string{"v", "time", "event", "user", "uid", "host", "pid", "cwd", "command"}

// optional are the fields a record may carry, whatever its event.
var optional = []string{"config", "config_sha256", "profile", "argv0", "argv", "identity"}

// byEvent are the fields each emitted event carries, then those it may carry.
var byEvent = map[string]struct{ must, may []string }{
	"start":             {},
	"fetched":           {must: []string{"refs", "duration_ms"}},
	"validation_failed": {must: []string{"failed"}},
	"child_started":     {must: []string{"child_pid"}},
	"child_exited":      {must: []string{"exit_status"}, may: []string{"duration_ms", "signal", "masked", "reason"}},
	"refused":           {must: []string{"reason", "duration_ms"}, may: []string{"failed"}},
	"fallback_used":     {must: []string{"fallback"}},
	"restart":           {must: []string{"refs", "reason"}, may: []string{"exit_status", "signal"}},
	"lease_renewed":     {must: []string{"lease"}},
	"lease_revoked":     {must: []string{"lease"}},
}

// Check parses one line as a record and checks it against the schema: version 1, every field
// its event must carry, no field it may not, and each field's type. It returns the record.
func Check(line []byte) (map[string]any, error) {
	if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
		return nil, fmt.Errorf("not one whole line: %q", line)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var r map[string]any
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("not JSON: %w: %q", err, line)
	}
	if r["v"] != json.Number("1") {
		return r, fmt.Errorf("v = %v, want 1", r["v"])
	}
	ev, _ := r["event"].(string)
	spec, ok := byEvent[ev]
	if !ok {
		return r, fmt.Errorf("unknown or not emitted event %q", r["event"])
	}
	for _, f := range append(slices.Clone(common), spec.must...) {
		if _, ok := r[f]; !ok {
			return r, fmt.Errorf("%s record without %q", ev, f)
		}
	}
	for f := range r {
		if !slices.Contains(common, f) && !slices.Contains(optional, f) && !slices.Contains(spec.must, f) && !slices.Contains(spec.may, f) {
			return r, fmt.Errorf("%s record with unexpected field %q", ev, f)
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, str(r["time"])); err != nil {
		return r, fmt.Errorf("time: %w", err)
	}
	for _, f := range []string{"uid", "pid", "child_pid", "exit_status", "duration_ms"} {
		if v, ok := r[f]; ok {
			if _, isNum := v.(json.Number); !isNum {
				return r, fmt.Errorf("%s = %v, want a number", f, v)
			}
		}
	}
	if refs, ok := r["refs"]; ok {
		list, ok := refs.([]any)
		if !ok {
			return r, fmt.Errorf("refs is not a list")
		}
		for _, x := range list {
			ref, _ := x.(map[string]any)
			if len(ref) != 4 || str(ref["name"]) == "" || str(ref["ref"]) == "" || !slices.Contains([]string{"ok", "skipped", "failed", "fake"}, str(ref["status"])) {
				return r, fmt.Errorf("refs entry %v: want name, ref, version, status", x)
			}
			if v, ok := ref["version"]; !ok || (v != nil && str(v) == "") {
				return r, fmt.Errorf("refs entry %v: version must be null or a string", x)
			}
		}
	}
	if m, ok := r["masked"]; ok {
		counts, ok := m.(map[string]any)
		if !ok {
			return r, fmt.Errorf("masked is not an object")
		}
		for k, v := range counts {
			if _, isNum := v.(json.Number); !isNum || !slices.Contains([]string{"stdout", "stderr", "pty"}, k) {
				return r, fmt.Errorf("masked[%q] = %v", k, v)
			}
		}
	}
	return r, nil
}

func str(v any) string { s, _ := v.(string); return s }
