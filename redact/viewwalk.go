package redact

import "bytes"

// scanDecoding scans p (input from base) with the raw walk and, around
// terminal escapes (escape.go), character escapes (decode.go) and the line
// breaks of wrapped base64 (wrap.go), the view walk; matches go to w.ms.
// The raw walk goes first, over the whole of p with its skip filter, and
// notes the line breaks it steps over rather than skips (no needle of the
// view spans the others, see automaton.scanFrom). The view walk then
// starts, in order, at each such line break and each escape where a needle
// may be under way in the view.
func (w *Writer) scanDecoding(p []byte, base int64) {
	n := len(p)
	w.st0 = w.st
	w.evs = w.evs[:0]
	w.st, w.ms = w.a.scanFrom(w.st, p, 0, w.ms, &w.evs)
	i := 0 // the decoding has seen p[:i]
	k := 0 // w.evs[k:] are the line breaks still to see
	var tr triggers
	tr.reset(p, w.dec)
	e := -2 // the next trigger at or after i, once searched for
	for i < n {
		if w.esc.on || w.vOn || w.dp.on || w.cr.on {
			i = w.walk(p, base, i)
			continue
		}
		for k < len(w.evs) && w.evs[k] < i {
			k++ // the view walk saw it
		}
		if e < i && e != -1 {
			e = tr.next(p, i)
		}
		switch {
		case k < len(w.evs) && (e < 0 || w.evs[k] < e):
			i = w.breakEvent(p, w.evs[k], base)
			k++
		case e >= 0:
			i = w.trigger(p, e, base)
		default:
			i = n
		}
	}
	w.line = w.line.after(p)
}

// trigger handles the byte p[e] that may start an escape, the view walk
// being off, and returns where the decoding goes on.
func (w *Writer) trigger(p []byte, e int, base int64) int {
	x := base + int64(e)
	if p[e] != escByte {
		st, end, r := decodeEsc(p, e)
		if st == decNone {
			return e + 1
		}
		if st == decDone && w.a.ends(r) {
			// Its bytes occur in no needle: the view walk ends at the
			// root after it, whatever its state before.
			w.lastDec = base + int64(end)
			return end
		}
		v := w.viewStateAt(p, e, x)
		if st == decMore {
			// Cut by the end of p: held, and parsed on in the next
			// write.
			w.vOn, w.vst = true, v
			w.dp.begin(p[e:], x)
			return len(p)
		}
		w.vst = v
		w.decoded(x, base+int64(end), r, base)
		return end
	}
	if x == w.lastEsc && w.run >= maxEscRun {
		return e + 1 // not taken out: a character of the view
	}
	v := w.viewStateAt(p, e, x)
	if w.a.holdOf(v) > 0 {
		w.vOn, w.vst = true, v
	}
	if !w.vOn {
		// The common case, a whole sequence in p with no match under
		// way: parse it here.
		if j := csiEnd(p, e); j > 0 {
			w.sequence(x, base+int64(j))
			return j
		}
	}
	w.esc = escParser{on: true, start: x, n: 1}
	return e + 1
}

// breakEvent handles the line break byte p[b] that the raw walk stepped
// over, the view walk being off, and returns where the decoding goes on: a line break that ends a payload line is taken out of
// the view, which the view walk follows from there when a needle is under
// way.
func (w *Writer) breakEvent(p []byte, b int, base int64) int {
	s := b // where the line break starts: at the "\r" of a "\r\n"
	if p[b] == '\n' && b > 0 && p[b-1] == '\r' {
		s = b - 1 // (the "\r" went by with no needle under way in the input)
	}
	x := base + int64(s)
	switch {
	case p[s] == '\r' && s+1 == len(p):
		// It may begin a line break, which matters when a needle is
		// under way in the view: pending.
		if payloadBefore(p, s, w.line) {
			if v := w.viewStateAt(p, s, x); w.a.holdOf(v) > 0 {
				w.vOn, w.vst = true, v
				w.cr = crParser{on: true, start: x}
			}
		}
	case s == 0 && p[0] == '\n' && w.line.cr:
		// The "\r" ended the last write, with no needle under way in
		// the view (else it would be pending): only the place matters.
		if w.line.run >= wrapMinRun {
			w.lastDec = x + 1
		}
	default:
		if c := w.cut(p, s); c > 0 {
			w.lineBreak(x, x+int64(c), w.viewStateAt(p, s, x))
		}
		if p[s] == '\r' && p[s+1] == '\n' {
			return s + 2
		}
	}
	return b + 1
}

// viewStateAt returns the view walk's state at p[e] (input position x),
// the view walk being off: the automaton's state over the view since the
// last place where it differs from the input. Short of a line break, the
// view there is the input: the state is the raw one over those bytes,
// found from the few bytes a needle prefix could span. A line break that
// the view takes out but no walk met (wrap.go) is dealt with by
// viewStateBreaks.
func (w *Writer) viewStateAt(p []byte, e int, x int64) int32 {
	a := w.a
	near := e // line breaks before p[near] remain to be looked at
	if e < 4 || lowByte(blockWord(p, e-1)) != 0 {
		// A line break byte may be among the last 3.
		if w.breakTakenOut(p, max(0, e-4), e) {
			return w.viewStateBreaks(p, e, x)
		}
		near = max(0, e-4)
	}
	// The last 3 characters of the view are those of the input.
	if e >= 3 && !a.mayEndPrefix(p, e) {
		// No needle prefix ends before e: both walks are at the root.
		return 0
	}
	gap := x - max(w.lastEsc, w.lastDec)
	l := a.prefixBound(p, e, gap)
	if w.breakTakenOut(p, max(0, e-l-1), near) {
		return w.viewStateBreaks(p, e, x)
	}
	// The view there is the input.
	if l <= e {
		return a.walkFrom(0, p[e-l:e])
	}
	// A needle prefix may reach back before p: walk from the state at its
	// start (e is below the longest needle's length).
	return a.truncate(a.walkFrom(w.st0, p[:e]), gap)
}

// walk runs the escape parsers and, while it is on, the view walk over p
// from i, byte by byte, until all are off or p ends; it returns where it
// stopped.
func (w *Writer) walk(p []byte, base int64, i int) int {
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
					w.spans = append(w.spans, viewSpan{s: w.esc.start, e: x + 1})
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
		if w.cr.on {
			w.cr.on = false
			if b == '\n' {
				i++
				w.lineBreak(w.cr.start, x+1, w.vst)
			} else {
				// A "\r" on its own: a character of the view; b is
				// looked at again.
				w.viewByte('\r', w.cr.start, base)
			}
			continue
		}
		if w.dp.on {
			switch st, end, r := w.dp.feed(b); st {
			case decMore:
				i++
			case decDone:
				w.dp.on = false
				e := w.dp.start + int64(end)
				w.decoded(w.dp.start, e, r, base)
				if e == x+1 {
					i++
					continue
				}
				// It ended before b: the bytes after it are characters
				// of the view; b is looked at again.
				w.viewBytes(w.dp.buf[end:w.dp.n], e, base)
			case decShift:
				i++
				w.viewByte('\\', w.dp.start-1, base)
				w.vOn = true // on while an escape is pending
			default:
				// Not an escape: its bytes are characters of the view; b
				// is looked at again.
				w.dp.on = false
				w.viewBytes(w.dp.buf[:w.dp.n], w.dp.start, base)
			}
			continue
		}
		if !w.vOn {
			return i
		}
		i++
		switch {
		case b == escByte && w.dec:
			if x == w.lastEsc && w.run >= maxEscRun {
				w.vOn = false
				continue
			}
			if j := csiEnd(p, i-1); j > 0 {
				end := base + int64(j)
				w.sequence(x, end)
				w.spans = append(w.spans, viewSpan{s: x, e: end})
				i = j
				continue
			}
			w.esc = escParser{on: true, start: x, n: 1}
			continue
		case b == '\n' && payloadBefore(p, i-1, w.line):
			w.lineBreak(x, x+1, w.vst)
			continue
		case b == '\r' && payloadBefore(p, i-1, w.line):
			if i == len(p) {
				w.cr = crParser{on: true, start: x} // the next write says
				continue
			}
			if p[i] == '\n' {
				i++
				w.lineBreak(x, x+2, w.vst)
				continue
			}
		case b == '\\' || b == '&':
			switch st, end, r := decodeEsc(p, i-1); st {
			case decDone:
				w.decoded(x, base+int64(end), r, base)
				i = end
				continue
			case decMore:
				w.dp.begin(p[i-1:], x)
				i = len(p)
				continue
			}
		}
		w.viewByte(b, x, base)
	}
	return i
}

// viewBytes steps the view walk over b, characters of the view from input
// position x on, while it is on (once off, the raw walk sees the same).
func (w *Writer) viewBytes(b []byte, x, base int64) {
	for k, c := range b {
		if !w.vOn {
			return
		}
		w.viewByte(c, x+int64(k), base)
	}
}

// viewByte steps the view walk over b, a character of the view at input
// position x, and turns it off once the view's suffix lies after the last
// place where the view differs from the input (from there on the raw walk
// sees the same), or when no needle can go on from it.
func (w *Writer) viewByte(b byte, x, base int64) {
	a := w.a
	t := a.step(w.vst, int32(a.class[b]))
	if t < 0 {
		t = ^t
		v := a.node(t)
		s := viewStart(w.spans, x+1, int64(a.matchLen[v]))
		w.ms = append(w.ms, match{end: int(x + 1 - base), n: int32(x + 1 - s), id: a.matchID[v]})
		w.sorted = true
	}
	w.vst = t
	if a.holdOf(t) == 0 || a.depthOf(t) <= x+1-max(w.lastEsc, w.lastDec) {
		w.vOn = false
	}
}

// decoded feeds the view walk, from state w.vst, the bytes of r, for which
// the character escape [s, e) stands. The view walk is on afterwards if a
// needle may go on from there.
func (w *Writer) decoded(s, e int64, r rune, base int64) {
	a := w.a
	var buf [maxDecSlash + 4]byte
	vb := appendWTF8(buf[:0], r)
	w.spans = append(w.spans, viewSpan{s: s, e: e, n: int32(len(vb))})
	keep := false
	st := w.vst
	for k, c := range vb {
		t := a.step(st, int32(a.class[c]))
		if t < 0 {
			t = ^t
			v := a.node(t)
			// A match ending inside the character's bytes covers the
			// escape: map back from its end.
			l := int64(a.matchLen[v]) + int64(len(vb)-1-k)
			w.ms = append(w.ms, match{end: int(e - base), n: int32(e - viewStart(w.spans, e, l)), id: a.matchID[v]})
			w.sorted = true
			keep = true
		}
		st = t
	}
	w.vst = st
	w.lastDec = e
	w.vOn = a.holdOf(st) > 0
	if !keep && !w.vOn {
		w.spans = w.spans[:len(w.spans)-1] // no match reaches back across it
	}
}

// ends reports whether the bytes r stands for (see appendWTF8) all occur
// in no needle, so that the automaton is at its root after them.
func (a *automaton) ends(r rune) bool {
	if r < 0x80 {
		return a.inNone[r]
	}
	var buf [maxDecSlash + 4]byte
	for _, c := range appendWTF8(buf[:0], r) {
		if !a.inNone[c] {
			return false
		}
	}
	return true
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

// triggers finds, in order, the bytes at which the view may differ from
// the input: ESC (when terminal escapes are decoded), '\\' and '&'. It keeps
// the next position of each, so that p is searched once per byte value.
type triggers struct {
	next3 [3]int // next position of each byte at or after the last search; -1: none left
	esc   bool
}

var triggerBytes = [3]byte{escByte, '\\', '&'}

func (t *triggers) reset(p []byte, esc bool) {
	t.esc = esc
	for k := range t.next3 {
		t.next3[k] = -2 // not searched yet
	}
	if !esc {
		t.next3[0] = -1
	}
}

// smallScan is the length of input below which the bytes are looked at
// one by one rather than searched for three times.
const smallScan = 32

// next returns the first trigger at or after i, or -1.
func (t *triggers) next(p []byte, i int) int {
	// Escapes often come in runs (\u4e2d\u6587): look at a few bytes
	// before searching.
	lim := len(p)
	if lim-i >= smallScan {
		lim = i + 8
	}
	for ; i < lim; i++ {
		if c := p[i]; c == '\\' || c == '&' || c == escByte && t.esc {
			return i
		}
	}
	if i == len(p) {
		return -1
	}
	best := -1
	for k := range t.next3 {
		q := t.next3[k]
		if q == -1 {
			continue
		}
		if q < i {
			q = bytes.IndexByte(p[i:], triggerBytes[k])
			if q >= 0 {
				q += i
			}
			t.next3[k] = q
			if q < 0 {
				continue
			}
		}
		if best < 0 || q < best {
			best = q
		}
	}
	return best
}
