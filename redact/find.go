package redact

import "sort"

// Region is a masked region [Start, End) of a complete input: what one mask token replaces.
type Region struct{ Start, End int }

// Find returns the regions of p that a strict Writer would mask, in order: every occurrence of
// every needle, overlapping and adjacent occurrences merged into one region. Unlike MaskString
// it applies no end-of-stream rule: a secret cut off at the end of p is not a region, and it does
// not look through terminal escapes (escape.go): a secret split by colour codes is not found. It serves
// `secretrun scan`, which reports where a secret occurs rather than masking it.
func (m *Matcher) Find(p []byte) []Region {
	if m.Empty() {
		return nil
	}
	_, ms := m.a.scan(0, p, nil)
	if len(ms) == 0 {
		return nil
	}
	rs := make([]Region, len(ms))
	for i, x := range ms {
		rs[i] = Region{Start: x.end - int(x.n), End: x.end}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.Start <= last.End {
			last.End = max(last.End, r.End)
			continue
		}
		out = append(out, r)
	}
	return out
}
