package redact

import "io"

// Region is a masked region [Start, End) of a complete input: what one mask token replaces.
type Region struct{ Start, End int }

// Find returns the regions of p that a strict Writer would mask, in order: every occurrence of
// every needle, in p and in its view (terminal escapes taken out, character escapes decoded:
// escape.go, decode.go), overlapping and adjacent occurrences merged into one region. Unlike
// MaskString it applies no end-of-stream rule: a secret cut off at the end of p is not a
// region. It serves `secretrun scan`, which reports where a secret occurs rather than masking
// it.
func (m *Matcher) Find(p []byte) []Region {
	if m.Empty() {
		return nil
	}
	var rs []Region
	w := m.NewWriter(io.Discard, 0)
	w.found = &rs
	_, _ = w.Write(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushAll(nil) // the pending regions, without the end-of-stream rule
	return rs
}
