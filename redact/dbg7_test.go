package redact

import "testing"

func TestDbg7(t *testing.T) {
	withWrapMinRun(3, func() {
		needles := []string{"a\n+++b+ab", "ac++c"}
		in := "aba\nc++\n\x1b[mc"
		m := newMatcher(needles, nil, Options{Token: "#"})
		t.Logf("got %q want %q", m.MaskString(in), oracle(needles, nil, "#", []byte(in)))
	})
}
