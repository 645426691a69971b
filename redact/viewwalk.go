package redact

import "bytes"

// scanDecoding scans p (input from base) with the raw walk and, around
// terminal escapes, the view walk; matches go to w.ms. The raw walk runs
// with its skip filter in segments: up to each ESC at which the view walk
// is off, where its state gives the view walk's (see escape.go).
func (w *Writer) scanDecoding(p []byte, base int64) {
	a := w.a
	n := len(p)
	r := 0 // the raw walk has scanned p[:r]
	i := 0 // the escape decoding has seen p[:i]
	for i < n {
		if w.esc.on || w.vOn {
			i = w.walk(p, base, i)
			continue
		}
		k := bytes.IndexByte(p[i:], escByte)
		if k < 0 {
			break
		}
		e := i + k
		x := base + int64(e)
		i = e + 1
		if x == w.lastEsc && w.run >= maxEscRun {
			continue // not taken out: a character of the view
		}
		// The view walk's state at e is the raw walk's cut back to what
		// lies after the last sequence taken out: the automaton's state
		// over those bytes alone.
		var v int32
		gap := x - w.lastEsc
		switch {
		case e == r:
			v = a.truncate(w.st, gap)
		case e >= 2 && !a.mayEndPrefix(p, e):
			// No needle prefix ends before e: both walks are at the root.
		case a.prefixBound(p, e, gap) <= e:
			// Walk the few bytes a needle prefix could span, rather
			// than stop the raw walk's skip scan here.
			v = a.walkFrom(p[e-a.prefixBound(p, e, gap) : e])
		default:
			w.st, w.ms = a.scanFrom(w.st, p[:e], r, w.ms)
			r = e
			v = a.truncate(w.st, gap)
		}
		if a.holdOf(v) > 0 {
			w.vOn, w.vst = true, v
		}
		if !w.vOn {
			// The common case, a whole sequence in p with no match
			// under way: parse it here.
			if j := csiEnd(p, e); j > 0 {
				w.sequence(x, base+int64(j))
				i = j
				continue
			}
		}
		w.esc = escParser{on: true, start: x, n: 1}
	}
	w.st, w.ms = a.scanFrom(w.st, p, r, w.ms)
}

// walk runs the escape parser and, while it is on, the view walk over p
// from i, byte by byte, until both are off or p ends; it returns where it
// stopped.
func (w *Writer) walk(p []byte, base int64, i int) int {
	a := w.a
	for i < len(p) {
		b := p[i]
		x := base + int64(i)
		if w.esc.on {
			switch w.esc.feed(b) {
			case escMore:
				i++
				continue
			case escDone:
				i++
				w.esc.on = false
				w.sequence(w.esc.start, x+1)
				if w.vOn {
					w.csis = append(w.csis, csiSpan{s: w.esc.start, e: x + 1})
				}
				continue
			default:
				// Not a sequence: its ESC is a character of the view, in
				// no needle, so the view walk is back at the root. b is
				// looked at again.
				w.esc.on = false
				w.vOn = false
				continue
			}
		}
		if !w.vOn {
			return i
		}
		i++
		if b == escByte {
			if x == w.lastEsc && w.run >= maxEscRun {
				w.vOn = false
				continue
			}
			if j := csiEnd(p, i-1); j > 0 {
				end := base + int64(j)
				w.sequence(x, end)
				w.csis = append(w.csis, csiSpan{s: x, e: end})
				i = j
				continue
			}
			w.esc = escParser{on: true, start: x, n: 1}
			continue
		}
		t := a.step(w.vst, int32(a.class[b]))
		if t < 0 {
			t = ^t
			v := a.node(t)
			l := int64(a.matchLen[v])
			s := viewStart(w.csis, x+1, l)
			w.ms = append(w.ms, match{end: i, n: int32(x + 1 - s), id: a.matchID[v]})
			w.sorted = true
		}
		w.vst = t
		// Off once the view's suffix lies after the last sequence (from
		// there on the raw walk sees the same), or when no needle can go on
		// from it.
		if a.holdOf(t) == 0 || a.depthOf(t) <= x+1-w.lastEsc {
			w.vOn = false
		}
	}
	return i
}

// sequence records the escape sequence [s, e) taken out of the view.
func (w *Writer) sequence(s, e int64) {
	if s == w.lastEsc {
		w.run++
	} else {
		w.run = 1
	}
	w.lastEsc = e
}
