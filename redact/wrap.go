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
