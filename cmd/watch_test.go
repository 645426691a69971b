package cmd

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/redact"
	"github.com/secretrun/secretrun/watch"
)

// Each change widens the live matcher at once: every earlier value stays masked, up to 64 per
// variable (the oldest then go, with one warning), and secretrun's own messages are masked too.
func TestWatchMaskKeepsEarlierValues(t *testing.T) {
	var stderr bytes.Buffer
	w, a, ref := maskedTokenRun(t, &stderr, "CANARY-mask-value-000")
	value := func(i int) string { return fmt.Sprintf("CANARY-mask-value-%03d", i) }
	for i := 1; i <= 70; i++ {
		w.mask([]watch.Change{{Ref: ref, Secret: providers.NewSecret([]byte(value(i)), ""), Names: []string{"TOKEN"}}})
	}
	var out bytes.Buffer
	wr := w.live.NewWriter(&out, 0)
	for i := 0; i <= 70; i++ {
		fmt.Fprintf(wr, "%s\n", value(i))
	}
	must(t, wr.Close())
	for i := 0; i <= 70; i++ {
		if masked := !strings.Contains(out.String(), value(i)); masked != (i >= 70-64) {
			t.Errorf("value %d masked: %v, want %v (the current one and the 64 before it)", i, masked, i >= 70-64)
		}
	}
	if n := strings.Count(stderr.String(), "its oldest values are no longer masked"); n != 1 {
		t.Errorf("%d warnings about dropped values, want 1:\n%s", n, stderr.String())
	}
	a.ui().Warnf("quoting %s", value(69))
	if strings.Contains(stderr.String(), value(69)) {
		t.Errorf("secretrun's own message shows a new value: %s", stderr.String())
	}
}

// The warning that a new value is too short to be masked is about that value only: a short
// value seen earlier (still in the matcher's list, still skipped) does not make every later
// change of the variable warn, long values included.
func TestWatchMaskWarnsOnlyForAShortNewValue(t *testing.T) {
	var stderr bytes.Buffer
	w, _, ref := maskedTokenRun(t, &stderr, "CANARY-short-value-000")
	change := func(v string) {
		w.mask([]watch.Change{{Ref: ref, Secret: providers.NewSecret([]byte(v), ""), Names: []string{"TOKEN"}}})
	}
	change("ab")
	if n := strings.Count(stderr.String(), "will not be masked"); n != 1 {
		t.Fatalf("%d warnings for a short new value, want 1:\n%s", n, stderr.String())
	}
	change("CANARY-short-value-002")
	change("CANARY-short-value-003")
	if n := strings.Count(stderr.String(), "will not be masked"); n != 1 {
		t.Errorf("long new values warned as not masked (%d warnings, want the short one's only):\n%s", n, stderr.String())
	}
}

// maskedTokenRun is a watched run of one masked variable, TOKEN from file://token, whose
// value is first, with secretrun's messages written to stderr: the app, the run and the
// parsed ref that changes to TOKEN name.
func maskedTokenRun(t *testing.T, stderr *bytes.Buffer, first string) (*watchedRun, *app, providers.Ref) {
	t.Helper()
	d := SystemDeps()
	d.Streams = inject.Streams{Err: stderr}
	_, a := newRootCommand(d)
	ref, err := providers.ParseRef("file://token")
	must(t, err)
	p := &plan{cfg: config.Default(), requests: []request{{Request: inject.Request{Name: "TOKEN", Ref: "file://token"}, masked: true}}}
	results := []inject.Result{{Request: p.requests[0].Request, Parsed: ref, Secret: providers.NewSecret([]byte(first), "")}}
	m, _ := redact.Compile([]redact.Secret{{Name: "TOKEN", Value: first}}, redact.Options{})
	w := &watchedRun{a: a, p: p, live: redact.NewLive(m), results: results,
		masked: []redact.Secret{{Name: "TOKEN", Value: first}}}
	return w, a, ref
}
