package redact

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Idle release delays: how long a stream must stay quiet before 1–3 held
// bytes are released. Pass one of them (or any positive duration) to
// NewWriter; 0 or less means strict mode, with no idle release.
const (
	IdleTerminal = 20 * time.Millisecond  // a pseudo-terminal: typed echo and prompts
	IdlePipe     = 250 * time.Millisecond // a pipe or file
)

// MaxIdleRelease is the most held bytes an idle release ever writes out: a
// held prefix of 4 bytes or more is kept until the stream moves on or ends,
// unless it is only the public start of the secrets it begins (a URL scheme,
// see publicPrefix).
const MaxIdleRelease = 3

// idleTicks is how many quiet timer ticks make an idle period: the timer
// ticks every idle/idleTicks, so a release happens between idle and
// idle*(1+1/idleTicks) after the last write, without reading the clock on
// every write.
const idleTicks = 4

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("redact: write after close")

// Stats counts what a Writer did.
type Stats struct {
	Masked       int // mask tokens written (one per region)
	IdleReleases int // times 1–3 held bytes were written out by the idle timer
	LateMasked   int // regions that completed a secret after part of it had been released on idle
}

// region is a pending masked region [start, end) of the input; id names it.
// mask is what replaces it when the Writer keeps the display width.
type region struct {
	start, end int64
	id         int32
	mask       []byte
	csis       []viewSpan // escape sequences inside the region: written after its token
	m          *Matcher   // the Matcher whose token names it, when not the Writer's (see Live)
}

// Writer masks one stream and writes the result to its destination. Create
// it with Matcher.NewWriter, one per stream (stdout and stderr never share
// one). It is safe for use by one writing goroutine while its idle timer runs
// (a mutex guards the state, and writes to the destination never overlap).
//
// Streaming rules. After each Write, with pos the number of bytes written so
// far and hold the length of the longest suffix of the input that is a proper
// prefix of some needle (the automaton state gives it directly):
//
//   - every input byte before pos-hold is decided: written as is or, inside
//     a region, replaced by the region's token; no later byte can change it,
//     since any later occurrence starts at pos-hold or after;
//   - the hold bytes are held back (the minimal hold-back of REDACTION.md);
//   - a region is final, and its token written, once it ends before
//     pos-hold. A region ending exactly at pos-hold may still be extended by
//     an adjacent occurrence starting there, so its token is deferred with
//     the held bytes. This deferral is what makes the output identical to the
//     oracle's for every split of the input; it never holds back a plain
//     byte that is not part of the hold.
//
// Needles derived by Compile never start with whitespace, '%' or ':', so
// output ending in "\n", "\r", ": " or "%" is written at once, except when
// those bytes continue a prefix of a needle that contains them (a multi-line
// secret, a secret with ": " or "%" inside), which is secret material.
//
// With idle release on, a quiet stream gets its deferred tokens written and,
// when only 1–MaxIdleRelease bytes (or only public text) are held, those
// bytes too; the automaton keeps its state, so a secret completed later is
// masked from the first unreleased byte (Stats.LateMasked). Any other hold
// of 4 bytes or more is never released by the timer; Close applies the
// end-of-stream rule.
type Writer struct {
	mu   sync.Mutex
	m    *Matcher
	live *Live // the Writer follows its newest Matcher (nil: m for good)
	// heldLine is the line's state at the start of held (kept when live
	// is set: a swap scans held again from there).
	heldLine lineState
	a        *automaton
	dst      io.Writer
	idle     time.Duration

	st       int32    // automaton state
	pos      int64    // input bytes consumed
	emitted  int64    // output is decided for every input byte before this
	released int64    // end of the last held bytes written out by an idle release
	held     []byte   // input bytes [pos-len(held), pos): the hold-back window
	regions  []region // pending regions, sorted, neither overlapping nor adjacent
	ms       []match
	out      []byte

	stats  Stats
	found  *[]Region // Find: where the regions go (nothing is masked)
	err    error
	closed bool
	width  bool // masks keep the display width (NewTerminalWriter)

	timer   *time.Timer
	armed   bool
	gen     uint64 // bumped by every Write
	seenGen uint64
	quiet   int

	// The view: terminal escapes taken out (escape.go; dec is false when
	// some needle contains ESC) and character escapes decoded (decode.go).
	// The view walk runs the automaton over the view (vst) only while its
	// state may differ from the raw walk's, that is while the view's
	// longest needle-prefix suffix reaches back across a place where the
	// view differs from the input, or an escape is pending.
	dec     bool
	esc     escParser  // a terminal escape sequence being parsed
	dp      decParser  // a character escape being parsed
	cr      crParser   // a "\r" that may begin a line break of wrapped base64 (wrap.go)
	line    lineState  // the current line at the start of the chunk being scanned
	lastEsc int64      // input position after the last sequence taken out of the view
	lastDec int64      // input position after the last character escape decoded
	run     int        // sequences taken out since the last character of the view
	vOn     bool       // the view walk is on
	vst     int32      // its automaton state (non-negative)
	spans   []viewSpan // where the view differs from the input, recorded while the view walk is on
	sorted  bool       // w.ms holds view matches out of order
	st0     int32      // the raw walk's state at the start of the current chunk
	evs     []int      // line breaks the raw walk stepped over in the current chunk (scanDecoding)
	vidx    []int      // scratch for viewStateBreaks
}

// Format prints only the type, whatever the verb: the state of a Writer
// holds the start of a secret (the held bytes) and must not reach a log.
func (w *Writer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "redact.Writer") }

// NewWriter returns a Writer that masks what is written to it and writes
// the result to dst. idle > 0 enables idle release of 1–3 held bytes after
// that much quiet (see IdleTerminal, IdlePipe); idle <= 0 is strict mode,
// whose output is exactly the oracle's for any split of the input.
func (m *Matcher) NewWriter(dst io.Writer, idle time.Duration) *Writer {
	w := &Writer{m: m, dst: dst, idle: idle}
	if !m.Empty() {
		w.a = m.a
		w.dec = m.a.class[escByte] == 0 // ESC is in no needle (with all 256 bytes used, class[b] == b)
	}
	return w
}

// NewTerminalWriter is NewWriter for a pseudo-terminal: each masked region
// is replaced by as many '*' as the columns it would have taken, with its
// line breaks and other control characters kept (see widthMask), so that a
// full-screen program's idea of the cursor position stays true. It reveals
// the display length and line structure of what it masks. With name tokens
// on, or a token other than DefaultToken, it is NewWriter: that choice was
// made explicitly.
func (m *Matcher) NewTerminalWriter(dst io.Writer, idle time.Duration) *Writer {
	w := m.NewWriter(dst, idle)
	w.width = m == nil || m.tokens == nil && m.token == DefaultToken
	return w
}

// Write masks p and writes everything that is decided to the destination,
// holding back only the longest suffix of the input that is a proper prefix
// of a needle (and the token of a region that such a suffix could still
// extend). It returns len(p) on success, or the destination's error.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.live != nil {
		w.follow()
		if w.err != nil {
			return 0, w.err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if w.a == nil {
		w.heldLine = w.heldLine.after(p) // nothing held: the line's state now
		if err := w.writeOut(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	w.gen++
	written := 0
	for len(p) > 0 {
		k := len(p)
		if k > maxChunk {
			k = maxChunk
		}
		if err := w.writeChunk(p[:k]); err != nil {
			return written, err
		}
		written += k
		p = p[k:]
	}
	if w.idle > 0 && !w.armed && w.releasable() {
		w.arm()
	}
	return written, nil
}

// maxChunk bounds the bytes scanned at once, so the per-write buffers
// (matches, regions, output) stay small whatever the size of a Write.
const maxChunk = 64 << 10

// smallWrite is the size up to which writeChunk looks for the bytes that
// start an escape itself, so that a small write with none (typed echo,
// one-byte writes) skips the view walk's set-up.
const smallWrite = 16

// hasTrigger reports whether the short p holds a byte at which the view may
// differ from the input: '\\' or '&' (decode.go), a line break (wrap.go),
// or ESC when terminal escapes are taken out of the view (esc).
func hasTrigger(p []byte, esc bool) bool {
	for _, b := range p {
		if b == '\\' || b == '&' || b == '\n' || b == '\r' || b == escByte && esc {
			return true
		}
	}
	return false
}

// writeChunk scans p, which follows the input so far, and writes out what is
// decided.
func (w *Writer) writeChunk(p []byte) error {
	base := w.pos
	line0 := w.line // the line's state at the start of p
	var ms []match
	if w.esc.on || w.vOn || w.dp.on || w.cr.on || len(p) > smallWrite || hasTrigger(p, w.dec) {
		w.ms = w.ms[:0]
		w.scanDecoding(p, base)
		ms = w.ms
		if w.sorted {
			sort.Slice(ms, func(i, j int) bool { return ms[i].end < ms[j].end })
			w.sorted = false
		}
	} else {
		// No escape under way or in p: the view is the input, and the
		// view walk is the raw walk.
		var st int32
		if len(p) == 1 {
			st, ms = w.a.scanByte(w.st, p[0], w.ms[:0])
		} else {
			st, ms = w.a.scan(w.st, p, w.ms[:0])
		}
		w.st = st
		w.line = w.line.after(p)
	}
	w.pos += int64(len(p))
	w.addMatches(ms, p, base)
	w.ms = ms[:0]
	var hold int64
	if w.vOn {
		hold = w.holdLen()
	} else {
		hold = int64(w.a.holdOf(w.st)) // holdLen without the view walk, inlined
	}
	safe := w.pos - hold
	if len(w.spans) > 0 {
		// A sequence is needed only inside a later match (which starts
		// at safe or after) or to map the view walk back to the input.
		k := 0
		for k < len(w.spans) && w.spans[k].s < safe {
			k++
		}
		w.spans = w.spans[:copy(w.spans, w.spans[k:])]
	}

	var err error
	if len(w.regions) == 0 {
		// Fast path: plain bytes only, written straight from p or from
		// the hold-back window when they lie in one of them.
		if from := w.emitted; from < safe {
			w.emitted = safe
			switch hs := base - int64(len(w.held)); {
			case from >= base:
				err = w.writeOut(p[from-base : safe-base])
			case safe <= base:
				err = w.writeOut(w.held[from-hs : safe-hs])
			default:
				out := w.appendPlain(w.out[:0], p, base, from, safe)
				w.keepOut(out)
				err = w.writeOut(out)
			}
		}
	} else {
		out := w.flushFinal(w.out[:0], p, base, safe)
		w.keepOut(out)
		if len(out) > 0 {
			err = w.writeOut(out)
		}
	}
	w.keepHeld(p, base, safe, line0)
	return err
}

// addMatches records the matches ms, whose ends are relative to base (p is
// the current write, as for addMatch).
func (w *Writer) addMatches(ms []match, p []byte, base int64) {
	for _, mt := range ms {
		end := base + int64(mt.end)
		w.addMatch(end-int64(mt.n), end, mt.id, p, base)
	}
}

// addMatch records the occurrence [s, e) of needle id, merging it with the
// pending regions it overlaps or adjoins. Bytes before emitted were released
// by the idle timer; the part of the occurrence after them is still masked.
// p is the current write, which starts at base (the occurrence's bytes are
// in it or in the hold-back window).
func (w *Writer) addMatch(s, e int64, id int32, p []byte, base int64) {
	if s < w.emitted {
		if e <= w.emitted {
			return
		}
		if s < w.released {
			w.stats.LateMasked++
		}
		s = w.emitted
	}
	cur := region{start: s, end: e, id: id}
	for k := sort.Search(len(w.spans), func(k int) bool { return w.spans[k].s >= s }); k < len(w.spans) && w.spans[k].e <= e; k++ {
		c := w.spans[k]
		if c.n > 0 || c.lb {
			continue // a character escape or a line break: masked with the rest
		}
		c.b = w.appendPlain(nil, p, base, c.s, c.e)
		cur.csis = append(cur.csis, c)
	}
	if w.width {
		cur.mask = widthMask(nil, w.appendView(nil, p, base, s, e, cur.csis))
	}
	// Matches arrive in the order of their ends, so cur goes last, except
	// when a swap (live.go) scans held bytes again with pending regions
	// after them: cur then goes before those it does not reach.
	k := len(w.regions)
	for k > 0 && w.regions[k-1].start > cur.end {
		k--
	}
	after := len(w.regions) - k
	n := k
	for ; n > 0 && w.regions[n-1].end >= cur.start; n-- {
		last := w.regions[n-1]
		if w.width {
			cur.mask = mergeMasks(last, cur, p, base, w)
		}
		cur.csis = mergeCSIs(last.csis, cur.csis)
		if last.start <= cur.start {
			cur.start, cur.id, cur.m = last.start, last.id, last.m
		}
		if last.end > cur.end {
			cur.end = last.end
		}
	}
	if after == 0 {
		w.regions = append(w.regions[:n], cur)
		return
	}
	rest := append([]region{cur}, w.regions[k:]...)
	w.regions = append(w.regions[:n], rest...)
}

// mergeMasks returns the width-keeping mask of the union of the pending
// region last and the new occurrence cur, which overlap or adjoin. The bytes
// of last may be gone, those of cur are all at hand: the union is the part
// of cur before last, last, and the part of cur after it.
func mergeMasks(last, cur region, p []byte, base int64, w *Writer) []byte {
	if cur.start <= last.start && cur.end >= last.end {
		return cur.mask
	}
	var m []byte
	if cur.start < last.start {
		m = widthMask(m, w.appendView(nil, p, base, cur.start, last.start, cur.csis))
	}
	m = append(m, last.mask...)
	if cur.end > last.end {
		m = widthMask(m, w.appendView(nil, p, base, last.end, cur.end, cur.csis))
	}
	return m
}

// flushFinal appends to out every region that no future byte can extend
// (it ends before safe) and every plain byte before safe and before the
// first pending region. p is the current write, which starts at base.
func (w *Writer) flushFinal(out, p []byte, base, safe int64) []byte {
	k := 0
	for ; k < len(w.regions) && w.regions[k].end < safe; k++ {
		out = w.appendRegion(out, p, base, w.regions[k])
	}
	if k > 0 {
		n := copy(w.regions, w.regions[k:])
		w.regions = w.regions[:n]
	}
	limit := safe
	if len(w.regions) > 0 && w.regions[0].start < limit {
		limit = w.regions[0].start
	}
	if w.emitted < limit {
		out = w.appendPlain(out, p, base, w.emitted, limit)
		w.emitted = limit
	}
	return out
}

// flushAll appends every pending region and every plain byte up to pos:
// the end of the stream, or an idle release.
func (w *Writer) flushAll(out []byte) []byte {
	for _, r := range w.regions {
		out = w.appendRegion(out, nil, w.pos, r)
	}
	w.regions = w.regions[:0]
	out = w.appendPlain(out, nil, w.pos, w.emitted, w.pos)
	w.emitted = w.pos
	return out
}

// appendRegion appends the plain bytes before region r and r's token, and
// marks everything up to the end of r decided. p and base are as for
// appendPlain.
func (w *Writer) appendRegion(out, p []byte, base int64, r region) []byte {
	if w.found != nil {
		*w.found = append(*w.found, Region{Start: int(r.start), End: int(r.end)})
	}
	out = w.appendPlain(out, p, base, w.emitted, r.start)
	switch {
	case w.width:
		out = append(out, r.mask...)
	case r.m != nil:
		out = append(out, r.m.tokenFor(r.id)...)
	default:
		out = append(out, w.m.tokenFor(r.id)...)
	}
	for _, c := range r.csis {
		out = append(out, c.b...)
	}
	w.stats.Masked++
	w.emitted = r.end
	return out
}

// appendPlain appends input bytes [from, to) to out. Bytes before base come
// from the hold-back window, the others from p.
func (w *Writer) appendPlain(out, p []byte, base, from, to int64) []byte {
	if from >= to {
		return out
	}
	if from < base {
		hs := base - int64(len(w.held))
		if from < hs {
			panic("redact: internal error: plain byte outside the hold-back window")
		}
		e := to
		if e > base {
			e = base
		}
		out = append(out, w.held[from-hs:e-hs]...)
		from = e
	}
	if from < to {
		out = append(out, p[from-base:to-base]...)
	}
	return out
}

// appendView appends input bytes [from, to) to out, leaving out the escape
// sequences csis (which lie inside the range or outside it).
func (w *Writer) appendView(out, p []byte, base, from, to int64, csis []viewSpan) []byte {
	for _, c := range csis {
		if c.s >= from && c.e <= to {
			out = w.appendPlain(out, p, base, from, c.s)
			from = c.e
		}
	}
	return w.appendPlain(out, p, base, from, to)
}

// keepHeld makes held the input bytes [safe, pos) after a write of p at base,
// line0 the line's state at the start of p. A Writer that follows a Live
// also keeps the line's state at the start of held (heldLine), for a swap
// scans the held bytes again.
func (w *Writer) keepHeld(p []byte, base, safe int64, line0 lineState) {
	hs := base - int64(len(w.held))
	if w.live != nil {
		if safe >= base {
			w.heldLine = line0.after(p[:safe-base])
		} else {
			w.heldLine = w.heldLine.after(w.held[:safe-hs])
		}
	}
	if safe >= base {
		w.held = append(w.held[:0], p[safe-base:]...)
		return
	}
	n := copy(w.held, w.held[safe-hs:])
	w.held = append(w.held[:n], p...)
}

// writeOut writes b to the destination, recording a failure.
func (w *Writer) writeOut(b []byte) error {
	n, err := w.dst.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = err
	}
	return err
}

// Close applies the end-of-stream rule and writes everything still held: a
// held tail of EOFMaskLength bytes or more that is a prefix of a needle is
// masked, a shorter one written as is. It stops the idle timer and does not
// close the destination. It returns the destination's error, if any; calling
// it again does nothing.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.timer != nil {
		w.timer.Stop()
	}
	if w.live != nil && w.err == nil {
		w.follow()
	}
	if w.a == nil || w.err != nil {
		return w.err
	}
	if w.esc.on {
		// A sequence cut by the end of the stream is part of the view:
		// its ESC, in no needle, ends the view walk.
		w.esc.on = false
		w.vOn = false
	}
	if w.cr.on {
		// So is a "\r" that may have begun a line break.
		w.cr.on = false
		w.viewByte('\r', w.cr.start, w.pos)
	}
	if w.dp.on {
		// So is a character escape: its bytes are characters of the view.
		w.dp.on = false
		w.viewBytes(w.dp.buf[:w.dp.n], w.dp.start, w.pos)
	}
	w.addMatches(w.ms, nil, w.pos)
	w.ms = w.ms[:0]
	var tails []match
	if hold := w.a.holdOf(w.st); hold >= EOFMaskLength && !w.a.releasableOf(w.st) {
		tails = append(tails, match{n: int32(hold), id: w.a.holdIDOf(w.st)})
	}
	if w.vOn {
		if hold := w.a.holdOf(w.vst); hold >= EOFMaskLength && !w.a.releasableOf(w.vst) {
			n := w.pos - viewStart(w.spans, w.pos, int64(hold))
			tails = append(tails, match{n: int32(n), id: w.a.holdIDOf(w.vst)})
		}
	}
	for _, t := range tails {
		w.addMatch(w.pos-int64(t.n), w.pos, t.id, nil, w.pos)
	}
	out := w.flushAll(w.out[:0])
	w.keepOut(out)
	if len(out) > 0 {
		return w.writeOut(out)
	}
	return nil
}

// Stats returns the counters of the Writer so far.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// heldBytes returns how many input bytes are held back (not yet decided).
func (w *Writer) heldBytes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return int(w.pos - w.emitted)
}

// releasable reports whether the idle timer would have something to do:
// a pending token, or 1–MaxIdleRelease undecided held bytes (or more when
// they are only public text, see automaton.relOK).
func (w *Writer) releasable() bool {
	if len(w.regions) > 0 {
		return true
	}
	return w.holdLen() > 0 && w.releasableHold() && w.emitted < w.pos
}

// holdLen returns the number of input bytes held back: the raw walk's hold,
// or the view walk's with the escape sequences inside it, whichever reaches
// further back.
func (w *Writer) holdLen() int64 {
	h := int64(w.a.holdOf(w.st))
	if w.vOn {
		end := w.pos
		if w.esc.on {
			end = w.esc.start
		}
		if w.dp.on {
			end = w.dp.start
		}
		if w.cr.on {
			end = w.cr.start
		}
		if hv := w.pos - viewStart(w.spans, end, int64(w.a.holdOf(w.vst))); hv > h {
			h = hv
		}
	}
	return h
}

// releasableHold reports whether the held bytes may be released on idle:
// both walks hold at most MaxIdleRelease characters, or only public text.
func (w *Writer) releasableHold() bool {
	return w.a.releasableOf(w.st) && (!w.vOn || w.a.releasableOf(w.vst))
}

// arm starts the idle timer.
func (w *Writer) arm() {
	w.armed = true
	w.seenGen = w.gen
	w.quiet = 0
	tick := w.idle / idleTicks
	if w.timer == nil {
		w.timer = time.AfterFunc(tick, w.onTick)
	} else {
		w.timer.Reset(tick)
	}
}

// onTick runs on the idle timer's goroutine.
func (w *Writer) onTick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.live != nil && !w.closed && w.err == nil {
		w.follow()
	}
	if w.closed || w.err != nil || w.a == nil || !w.releasable() {
		w.armed = false
		return
	}
	if w.gen != w.seenGen {
		w.seenGen = w.gen
		w.quiet = 0
		w.timer.Reset(w.idle / idleTicks)
		return
	}
	w.quiet++
	if w.quiet < idleTicks {
		w.timer.Reset(w.idle / idleTicks)
		return
	}
	w.armed = false
	w.quiet = 0
	var out []byte
	if h := w.holdLen(); h == 0 || w.releasableHold() {
		if h > 0 && w.emitted < w.pos {
			w.stats.IdleReleases++
			w.released = w.pos
		}
		out = w.flushAll(w.out[:0])
	} else {
		// Too much held to release; write only a token that needs no
		// held byte before it.
		out = w.out[:0]
		if len(w.regions) > 0 && w.regions[0].start <= w.emitted {
			out = w.appendRegion(out, nil, w.pos, w.regions[0])
			w.regions = w.regions[:copy(w.regions, w.regions[1:])]
		}
	}
	w.keepOut(out)
	if len(out) > 0 {
		_ = w.writeOut(out)
	}
}

// keepOut keeps the output buffer for the next write, unless one huge write
// grew it: memory stays flat whatever the write sizes.
func (w *Writer) keepOut(out []byte) {
	if cap(out) > 1<<20 {
		w.out = nil
		return
	}
	w.out = out[:0]
}
