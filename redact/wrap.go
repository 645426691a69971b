package redact

// Line breaks of wrapped base64. base64(1) wraps its output at 76 columns
// (-w sets another width), MIME and PEM at 64 or 76, so the base64 of a
// secret inside a longer payload may be cut by line breaks at any column.
// The view (escape.go) therefore also takes out a "\n", or a "\r\n", that
// ends a payload line: a line (from the start of the stream or after a
// "\n") made only of base64 characters (A-Z a-z 0-9 + / - _), wrapMinRun
// to maxPayloadLine of them. Text lines hold a space or punctuation, so
// their line ends never qualify. A line break taken out is masked with the
// region around it, like the rest of a secret (a terminal's width-keeping
// mask keeps it). A "\r" that ends the input so far after a payload line,
// while a needle is under way in the view, is pending: it is held, and
// the next byte says whether it begins a line break.

// wrapMinRun is the fewest base64 characters of a payload line (a
// variable so that tests can use short ones).
var wrapMinRun = 20

// maxPayloadLine is the most base64 characters of a payload line.
const maxPayloadLine = 1024

// isB64 tells the bytes of the standard and URL-safe base64 alphabets.
var isB64 = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_") {
		t[c] = true
	}
	return t
}()

// lineState is what the view needs to know of the current line across
// writes: how many base64 characters it holds so far (-1: another byte, or
// more than maxPayloadLine), not counting a "\r" that ends the input so far
// (cr).
type lineState struct {
	run int
	cr  bool
}

// after returns the state of the line after the input b.
func (l lineState) after(b []byte) lineState {
	if len(b) == 0 {
		return l
	}
	cr := b[len(b)-1] == '\r'
	if cr {
		b = b[:len(b)-1]
	}
	prev := l.run
	if l.cr {
		prev = -1 // the "\r" before b is part of the line
	}
	n := 0
	for j := len(b) - 1; j >= 0; j-- {
		c := b[j]
		if c == '\n' {
			return lineState{run: n, cr: cr}
		}
		if !isB64[c] || n == maxPayloadLine {
			return lineState{run: -1, cr: cr}
		}
		n++
	}
	if prev < 0 || prev+n > maxPayloadLine {
		return lineState{run: -1, cr: cr}
	}
	return lineState{run: prev + n, cr: cr}
}

// payloadBefore reports whether the line that ends at p[e] (a "\r" or "\n"
// that may begin a line break) is a payload line; l is the line's state at
// the start of p.
func payloadBefore(p []byte, e int, l lineState) bool {
	n := 0
	j := e - 1
	for j >= 0 && isB64[p[j]] {
		n++
		if n > maxPayloadLine {
			return false
		}
		j--
	}
	if j >= 0 {
		if p[j] != '\n' {
			return false
		}
	} else {
		if l.run < 0 || l.cr {
			return false
		}
		n += l.run
	}
	return n >= wrapMinRun && n <= maxPayloadLine
}

// crParser is a "\r" after a payload line that ends the input so far.
type crParser struct {
	on    bool
	start int64
}

// lineBreak records the line break [s, e) taken out of the view, the view
// walk's state before it being v.
func (w *Writer) lineBreak(s, e int64, v int32) {
	w.lastDec = e
	if w.a.holdOf(v) > 0 {
		w.vOn, w.vst = true, v
		w.spans = append(w.spans, viewSpan{s: s, e: e, lb: true})
	}
}

// breakTakenOut reports whether the view takes out a line break that
// overlaps p[from:to].
func (w *Writer) breakTakenOut(p []byte, from, to int) bool {
	if from > 0 && p[from] == '\n' && p[from-1] == '\r' {
		from--
	}
	for q := from; q < to; q++ {
		if isBreak(p[q]) && w.cut(p, q) > 0 {
			return true
		}
	}
	return false
}

// cut returns the length of the line break that the view takes out at
// p[q] (1 for "\n", 2 for "\r\n"), or 0 when it keeps the byte there. A
// line break is taken out when it ends a payload line; a "\r" that ends p
// is not (it is pending, see crParser).
func (w *Writer) cut(p []byte, q int) int {
	switch {
	case p[q] == '\n' && (q == 0 || p[q-1] != '\r'):
		if q == 0 && w.line.cr {
			return 0 // the "\r" before it, in the last write, was seen then
		}
		if payloadBefore(p, q, w.line) {
			return 1
		}
	case p[q] == '\r' && q+1 < len(p) && p[q+1] == '\n':
		if payloadBefore(p, q, w.line) {
			return 2
		}
	}
	return 0
}

// viewStateBreaks is viewStateAt when line breaks near p[e] may be taken
// out of the view. It walks back over the characters of the view while
// their byte triples are those of some needle, as prefixBound does over the
// input, then runs the automaton forward over them. The line breaks it
// steps over are places where the view differs from the input: those that
// the state at e reaches back across are recorded as spans, and lastDec
// moves after the last one.
func (w *Writer) viewStateBreaks(p []byte, e int, x int64) int32 {
	a := w.a
	base := x - int64(e)
	lo := max(w.lastEsc, w.lastDec) - base // no place before e where the view differs is recorded at or after lo
	lim := a.maxLen
	// Raw indexes of the view's characters before e, last first.
	idx := w.vidx[:0]
	q := e
	atStart := false // the characters reach back to the start of p
	for len(idx) < lim {
		r := q - 1
		if r >= 0 && isBreak(p[r]) {
			// The line break that the run of line break bytes ending at
			// r may start with.
			s := r
			for s > 0 && isBreak(p[s-1]) {
				s--
			}
			if c := w.cut(p, s); r < s+c {
				r = s - 1
			}
		}
		if int64(r) < lo {
			break
		}
		if r < 0 {
			atStart = true
			break
		}
		idx = append(idx, r)
		q = r
		if k := len(idx); k >= 3 {
			h := triHash(p[idx[k-1]], p[idx[k-2]], p[idx[k-3]])
			if a.tri[h>>6]&(1<<(h&63)) == 0 {
				// No needle prefix ending at e holds these three: it
				// starts at the second of them or after.
				idx = idx[:k-1]
				break
			}
		}
	}
	// Walk forward from the root, or from the state at the start of p
	// when the characters reach back to it.
	st := int32(0)
	if atStart {
		st = a.truncate(w.st0, base-max(w.lastEsc, w.lastDec))
	}
	for k := len(idx) - 1; k >= 0; k-- {
		t := a.step(st, int32(a.class[p[idx[k]]]))
		if t < 0 {
			t = ^t
		}
		st = t
	}
	// Record the line breaks taken out inside the state's reach, and the
	// last one stepped over.
	d := int(a.depthOf(st))
	if n := len(idx); atStart && (n == 0 && e > 0 || n > 0 && idx[n-1] > 0) {
		// A line break taken out at the start of p.
		end := e
		if n > 0 {
			end = idx[n-1]
		}
		if d > n {
			w.spans = append(w.spans, viewSpan{s: base, e: base + int64(end), lb: true})
		}
		w.lastDec = max(w.lastDec, base+int64(end))
	}
	for k := len(idx) - 1; k >= 1; k-- {
		if idx[k-1] == idx[k]+1 {
			continue
		}
		ls := viewSpan{s: base + int64(idx[k]) + 1, e: base + int64(idx[k-1]), lb: true}
		if k < d {
			w.spans = append(w.spans, ls)
		}
		w.lastDec = max(w.lastDec, ls.e)
	}
	if n := len(idx); n > 0 && idx[0] != e-1 {
		// A line break taken out right before e.
		ls := viewSpan{s: base + int64(idx[0]) + 1, e: x, lb: true}
		if d > 0 {
			w.spans = append(w.spans, ls)
		}
		w.lastDec = max(w.lastDec, x)
	}
	w.vidx = idx
	return st
}
