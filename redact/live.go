package redact

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// Live holds the current Matcher of a run whose secrets can change (issue 8,
// watch). Writers made from it switch to the newest Matcher at their next
// Write, idle release or Close, without losing or duplicating a byte of
// output: what a writer holds back as a possible secret beginning under the
// old Matcher is examined again under the new one, so a secret of the new
// Matcher that began in those bytes is masked whole. Set a Matcher compiled
// from the old and the new values together to keep masking the old ones
// (logs quote old credentials).
//
// The swap, precisely: let A be the input a Writer has consumed when it
// picks up the new Matcher and h its hold at that point (the longest suffix
// of A that is a proper prefix of an old needle, in the input or in its view
// without escape sequences). Every occurrence of an old needle inside A is
// masked, as before; from then on the new Matcher runs as if its stream had
// begun h bytes before the end of A, so the output is the oracle's over the
// union of both sets of occurrences (overlapping and adjacent ones merged into
// one region, named by the one starting first, the old one on a tie). An
// occurrence of a new needle that begins before those h bytes (in output
// already written when the new value was not yet known) is not found.
//
// A Live is safe for concurrent use: Set may run while writers made from it
// write.
type Live struct {
	cur atomic.Pointer[Matcher]
}

// NewLive returns a Live holding m (nil: no secrets yet).
func NewLive(m *Matcher) *Live {
	l := &Live{}
	l.cur.Store(m)
	return l
}

// Set makes m the current Matcher (nil: no secrets). Writers made from l pick
// it up at their next Write, idle release or Close.
func (l *Live) Set(m *Matcher) { l.cur.Store(m) }

// Matcher returns the current Matcher.
func (l *Live) Matcher() *Matcher { return l.cur.Load() }

// Format prints only the type: a Live holds every needle.
func (l *Live) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "redact.Live") }

// NewWriter is Matcher.NewWriter for the current Matcher, with the writer
// following l's later ones. The result is a *Writer.
func (l *Live) NewWriter(dst io.Writer, idle time.Duration) io.WriteCloser {
	w := l.Matcher().NewWriter(dst, idle)
	w.live = l
	return w
}

// NewTerminalWriter is Matcher.NewTerminalWriter for the current Matcher,
// with the writer following l's later ones. Whether masks keep the display
// width is decided here, from the current Matcher's token, and kept. The
// result is a *Writer.
func (l *Live) NewTerminalWriter(dst io.Writer, idle time.Duration) io.WriteCloser {
	w := l.Matcher().NewTerminalWriter(dst, idle)
	w.live = l
	return w
}

// follow switches w to its Live's newest Matcher, if there is one it does
// not use yet (w.mu held).
func (w *Writer) follow() {
	if m := w.live.cur.Load(); m != w.m {
		w.swap(m)
	}
}

// swap makes m the Writer's Matcher (see Live). The pending regions found
// under the old Matcher stay and keep its tokens; the held bytes are scanned
// again from the new automaton's root, which may mask them, extend a pending
// region, or decide and write them. The escape decoding starts afresh at the
// held bytes too, but not the line they are part of (heldLine): a payload
// line cut by the swap is still one. A write error is recorded in w.err.
func (w *Writer) swap(m *Matcher) {
	old := w.m
	for k := range w.regions {
		if w.regions[k].m == nil {
			w.regions[k].m = old
		}
	}
	w.m = m
	w.st, w.vst, w.vOn, w.sorted = 0, 0, false, false
	w.esc, w.dp, w.cr = escParser{}, decParser{}, crParser{}
	w.spans = w.spans[:0]
	end := w.line
	w.line = w.heldLine // the held bytes go on the line they are part of: a payload line may be cut there
	if m.Empty() {
		// No needle: every held byte is plain now.
		out := w.flushAll(w.out[:0])
		w.keepOut(out)
		w.held = w.held[:0]
		w.heldLine = end
		w.a, w.dec = nil, false
		if len(out) > 0 {
			_ = w.writeOut(out)
		}
		return
	}
	held := append([]byte(nil), w.held...)
	hs := w.pos - int64(len(held))
	w.held = w.held[:0]
	w.lastEsc, w.lastDec, w.run = hs, hs, 0
	w.pos = hs
	w.a = m.a
	w.dec = m.a.class[escByte] == 0
	if len(held) == 0 {
		return
	}
	_ = w.writeChunk(held)
}
