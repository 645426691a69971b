package redact

import (
	"slices"
	"sort"
	"strings"
)

// denseDepth is the depth up to which automaton states get a dense
// transition row. Text keeps the automaton in shallow states; deeper states
// (almost all of them single-child chains inside one needle) use their trie
// edges and failure link, which keeps memory proportional to the total
// needle length instead of states × classes.
const denseDepth = 4

// automaton is an Aho-Corasick automaton over byte classes: a dense DFA for
// the states of depth <= denseDepth, goto/failure transitions for deeper ones.
//
// State ids are encoded: a dense state is its node index premultiplied by
// stride, so its transition is one load, trans[state+class[b]]; a deep state
// is denseLimit + (node index - denseCount). Node indexes are in
// breadth-first order, so ids grow with depth. A transition into a state at
// which some needle ends is stored bitwise-complemented (negative), so the
// scan loop detects both "back at the root" (0) and "a match ends here" (<0)
// with one comparison.
type automaton struct {
	class      [256]uint8 // byte -> class; 0 for bytes that occur in no needle (unless all 256 do)
	inNone     [256]bool  // the byte occurs in no needle: from any state it leads to the root
	stride     int32      // number of classes
	trans      []int32    // denseCount*stride encoded targets
	denseCount int32      // number of dense states (node indexes below it)
	denseLimit int32      // denseCount*stride: encoded ids at or above it are deep states
	recip      uint64     // node divides a dense id by stride with it, unless 0 (see strideRecip)

	// Per node (see node):
	matchLen   []int32 // length of the longest needle that is a suffix of the node's string, 0 if none
	matchID    []int32 // index of that needle
	hold       []int32 // length of the longest suffix of the node's string that is a proper prefix of a needle
	holdID     []int32 // lowest index of a needle that the held suffix is a prefix of
	enc        []int32 // encoded id of the node, complemented if it is a match state
	fail       []int32 // encoded failure state (non-negative)
	firstChild []int32 // children of a node are the node indexes [firstChild[v], firstChild[v+1])
	nodeClass  []uint8 // class of the byte leading into the node

	levelStart []int32 // levelStart[d]: the first node index of depth d
	shallow1   int32   // encoded id of the first state of depth 2
	shallow2   int32   // encoded id of the first state of depth 3

	// relOK per node: the held suffix may be released on idle. True when
	// it is at most MaxIdleRelease bytes, or when it lies within the public
	// prefix of every needle it begins (the "postgres://" of a database
	// URL) and so do all its shorter held suffixes.
	relOK []bool

	// pair is a bitset over byte pairs: bit b1<<8|b2 is set when b1 b2
	// occur in that order inside some needle; tri the same over hashed
	// byte triples. With the skipper's first-byte table they rule out a
	// partial match ending at a byte (see mayEndPrefix).
	pair []uint64
	tri  []uint64

	needles []string
	maxLen  int
	minLen  int
	skip    *skipper
}

// node returns the node index of the encoded (non-negative) state st.
func (a *automaton) node(st int32) int32 {
	if st < a.denseLimit {
		if a.recip != 0 {
			return int32(uint64(st) * a.recip >> 32)
		}
		return st / a.stride
	}
	return st - a.denseLimit + a.denseCount
}

// strideRecip returns ceil(2^32/stride) when (st*it)>>32 is st/stride for
// every st in [0, limit), else 0. With it = 2^32/stride + f (0 <= f < 1),
// st*it/2^32 exceeds st/stride by less than st/2^32, which is below
// 1/stride when st < 2^32/stride: too little to reach the next multiple.
func strideRecip(stride, limit int32) uint64 {
	if uint64(limit)*uint64(stride) > 1<<32 {
		return 0
	}
	return (1<<32 + uint64(stride) - 1) / uint64(stride)
}

// step returns the encoded transition of state st (non-negative) on class c.
func (a *automaton) step(st, c int32) int32 {
	for st >= a.denseLimit {
		v := st - a.denseLimit + a.denseCount
		for k := a.firstChild[v]; k < a.firstChild[v+1]; k++ {
			if int32(a.nodeClass[k]) == c {
				return a.enc[k]
			}
		}
		st = a.fail[v]
	}
	return a.trans[st+c]
}

// newAutomaton builds the automaton for needles (none empty; duplicates
// allowed but wasteful). The needle index reported on a match is the index in
// needles; among equal needles, the lowest. pub, if not nil, gives the length
// of each needle's public prefix (see relOK).
func newAutomaton(needles []string, pub []int32) *automaton {
	a := &automaton{needles: needles}
	var used [256]bool
	a.minLen = -1
	for _, n := range needles {
		for i := 0; i < len(n); i++ {
			used[n[i]] = true
		}
		if len(n) > a.maxLen {
			a.maxLen = len(n)
		}
		if a.minLen < 0 || len(n) < a.minLen {
			a.minLen = len(n)
		}
	}
	if a.minLen < 0 {
		a.minLen = 0
	}
	nc := int32(1)
	for b := 0; b < 256; b++ {
		if used[b] {
			a.class[b] = uint8(nc)
			nc++
		} else {
			a.inNone[b] = true
		}
	}
	if nc > 256 {
		// Every byte occurs in some needle: no class is needed for
		// "unused", so each byte is its own class.
		nc = 256
		for b := 0; b < 256; b++ {
			a.class[b] = uint8(b)
		}
	}
	a.stride = nc

	// Sort the needles (stable: equal needles keep index order) and count
	// the trie nodes: total length minus shared prefixes.
	sorted := make([]int, len(needles))
	for i := range sorted {
		sorted[i] = i
	}
	slices.SortFunc(sorted, func(i, j int) int {
		if c := strings.Compare(needles[i], needles[j]); c != 0 {
			return c
		}
		return i - j // equal needles keep index order
	})
	// Count the trie nodes of each depth: a needle adds the nodes past its
	// longest common prefix with the one before it in sorted order.
	lcp := make([]int32, len(sorted))
	perDepth := make([]int32, a.maxLen+2) // difference array, then counts
	prev := ""
	for k, i := range sorted {
		n := needles[i]
		l := 0
		for l < len(n) && l < len(prev) && n[l] == prev[l] {
			l++
		}
		lcp[k] = int32(l)
		if l < len(n) {
			perDepth[l+1]++
			perDepth[len(n)+1]--
		}
		prev = n
	}
	// levelStart[d]: the first node index of depth d (nodes for d past the
	// deepest level).
	a.levelStart = make([]int32, a.maxLen+2)
	nodes := int32(1)
	run := int32(0)
	for d := 1; d <= a.maxLen+1; d++ {
		a.levelStart[d] = nodes
		run += perDepth[d]
		nodes += run
	}

	// Build the trie depth-first, in sorted order, placing each node at
	// the next free index of its depth: the nodes of a depth are then in
	// the sorted order of their strings, so node indexes are breadth-first
	// and the children of a node are consecutive.
	//
	// Until the breadth-first pass below, matchLen and matchID hold the
	// needle ending exactly at a node (0: none), holdID the lowest index of
	// a needle through it and relOK whether some needle through it is past
	// its public prefix there.
	a.matchLen = make([]int32, nodes)
	a.matchID = make([]int32, nodes)
	a.holdID = make([]int32, nodes)
	a.relOK = make([]bool, nodes)
	nodeID, secret := a.holdID, a.relOK
	a.nodeClass = make([]uint8, nodes)
	a.firstChild = make([]int32, nodes+1)
	free := append([]int32(nil), a.levelStart...) // next free index per depth
	path := make([]int32, a.maxLen+1)             // the nodes of the current needle, by depth
	for k, i := range sorted {
		n := needles[i]
		l := int(lcp[k])
		for d := 1; d <= l; d++ {
			if v := path[d]; int32(i) < nodeID[v] {
				nodeID[v] = int32(i)
			}
		}
		for d := l + 1; d <= len(n); d++ {
			v := free[d]
			free[d]++
			par := path[d-1]
			nodeID[v] = int32(i)
			a.nodeClass[v] = a.class[n[d-1]]
			a.firstChild[par+1]++ // counts children for now
			path[d] = v
		}
		from := 1
		if pub != nil {
			from = int(pub[i]) + 1
		}
		for d := from; d <= len(n); d++ {
			secret[path[d]] = true
		}
		if v := path[len(n)]; len(n) > 0 && a.matchLen[v] == 0 {
			a.matchLen[v], a.matchID[v] = int32(len(n)), int32(i)
		}
	}
	// firstChild from the child counts: children are consecutive and come
	// in the order of their parents, starting at node 1.
	a.firstChild[0] = 1
	for v := int32(0); v < nodes; v++ {
		a.firstChild[v+1] += a.firstChild[v]
	}

	// Dense states are those of depth <= denseDepth.
	a.denseCount = a.level(denseDepth + 1)
	a.denseLimit = a.denseCount * a.stride
	a.recip = strideRecip(a.stride, a.denseLimit)
	stride := a.stride
	a.trans = make([]int32, int(a.denseCount)*int(stride))
	a.enc = make([]int32, nodes)
	a.fail = make([]int32, nodes)
	a.hold = make([]int32, nodes)
	a.relOK[0] = true
	for v := int32(0); v < int32(nodes); v++ {
		a.enc[v] = a.enc0(v)
	}

	// Breadth-first: for each node u, compute its children's failure
	// states and outputs, then (for a dense u) its transition row.
	du := int32(0) // depth of u
	for u := int32(0); u < int32(nodes); u++ {
		for u >= a.levelStart[du+1] {
			du++
		}
		for v := a.firstChild[u]; v < a.firstChild[u+1]; v++ {
			c := int32(a.nodeClass[v])
			var f int32 // encoded failure state of v
			if u != 0 {
				f = a.step(a.fail[u], c)
				if f < 0 {
					f = ^f
				}
			}
			a.fail[v] = f
			fv := a.node(f)
			if a.matchLen[v] == 0 { // no needle ends exactly at v
				a.matchLen[v], a.matchID[v] = a.matchLen[fv], a.matchID[fv]
			}
			if a.firstChild[v] < a.firstChild[v+1] {
				a.hold[v] = du + 1 // holdID[v] is nodeID[v] already
				a.relOK[v] = du+1 <= MaxIdleRelease || !secret[v] && a.relOK[fv]
			} else {
				a.hold[v], a.holdID[v] = a.hold[fv], a.holdID[fv]
				a.relOK[v] = a.relOK[fv]
			}
			if a.matchLen[v] > 0 {
				a.enc[v] = ^a.enc[v]
			}
		}
		if u >= a.denseCount {
			continue
		}
		row := a.trans[u*stride : (u+1)*stride]
		if u != 0 {
			copy(row, a.trans[a.fail[u]:a.fail[u]+stride]) // fail[u] is shallower, so dense
		}
		for v := a.firstChild[u]; v < a.firstChild[u+1]; v++ {
			row[a.nodeClass[v]] = a.enc[v]
		}
	}
	// The root holds nothing back.
	a.hold[0], a.holdID[0] = 0, 0
	a.shallow1 = a.enc0(a.level(2))
	a.shallow2 = a.enc0(a.level(3))
	a.skip = newSkipper(a)
	a.pair = make([]uint64, 1<<16/64)
	a.tri = make([]uint64, 1<<triBits/64)
	for _, n := range needles {
		for k := 1; k < len(n); k++ {
			x := int(n[k-1])<<8 | int(n[k])
			a.pair[x>>6] |= 1 << (x & 63)
			if k >= 2 {
				h := triHash(n[k-2], n[k-1], n[k])
				a.tri[h>>6] |= 1 << (h & 63)
			}
		}
	}
	return a
}

// triBits is the size of the hashed byte-triple bitset (128 KiB).
const triBits = 20

// triHash hashes the byte triple b0 b1 b2 to a bit of automaton.tri.
func triHash(b0, b1, b2 byte) uint32 {
	return (uint32(b0)<<16 | uint32(b1)<<8 | uint32(b2)) * 2654435761 >> (32 - triBits)
}

// mayEndPrefix reports whether a needle prefix may end at p[e-1] (e >= 2):
// false only when none does, so that the automaton is at its root at e. A
// prefix of one byte starts a needle; of two, its first byte starts one and
// the pair occurs in one; of three or more, its last three bytes occur in
// one.
func (a *automaton) mayEndPrefix(p []byte, e int) bool {
	b1, b2 := p[e-1], p[e-2]
	first := &a.skip.first
	if first[b1] {
		return true
	}
	x := int(b2)<<8 | int(b1)
	if a.pair[x>>6]&(1<<(x&63)) == 0 {
		return false
	}
	if first[b2] || e < 3 {
		return true
	}
	h := triHash(p[e-3], b2, b1)
	return a.tri[h>>6]&(1<<(h&63)) != 0
}

// enc0 returns the encoded id of node v without the match flag; v may be
// the node count (one past the last node).
func (a *automaton) enc0(v int32) int32 {
	if v < a.denseCount {
		return v * a.stride
	}
	return a.denseLimit + v - a.denseCount
}

// level returns the first node index of depth d (the number of nodes when
// there is none that deep).
func (a *automaton) level(d int) int32 {
	if d < len(a.levelStart) {
		return a.levelStart[d]
	}
	return a.levelStart[len(a.levelStart)-1]
}

// scan runs the automaton over p from state st and appends one match per
// position at which a needle ends (the longest one; shorter ones ending at
// the same position are covered by it). Match ends are relative to p. It
// returns the final state. p holds no line break byte.
func (a *automaton) scan(st int32, p []byte, ms []match) (int32, []match) {
	return a.scanFrom(st, p, 0, ms, nil)
}

// scanFrom is scan over p[i:], st being the state at p[i]; the bytes before
// i are input too (the skip filter may look at them). Match ends are
// relative to p.
//
// It appends to evs (when not nil) the position of each '\n' or '\r' that
// the automaton steps over rather than skips, the view walk's cue (see
// Writer.scanDecoding). No needle occurrence of the input or of the view
// spans a line break byte it skips (the skip filter rules out its start);
// a needle prefix that dies later may, which viewStateAt sees when an
// escape follows.
func (a *automaton) scanFrom(st int32, p []byte, i int, ms []match, evs *[]int) (int32, []match) {
	trans := a.trans
	cls := &a.class
	dl := a.denseLimit
	sk := a.skip
	m := sk.m
	// States of depth 1 and 2 (encoded ids below these bounds): from them
	// the scan may hand back to the skip filter.
	d1, d2 := a.shallow1, a.shallow2
	if m == 0 {
		d2 = 0 // no re-entry without the Wu-Manber table
	}
	n := len(p)
	walkTo := 0                                                  // the automaton runs at least up to here (see skipper.hit)
	inNeedle := evs != nil && (cls['\n'] != 0 || cls['\r'] != 0) // some needle holds a line break byte
	rs := -1                                                     // where the current run started (see runBreaks)
	for i < n {
		if st == 0 && (m == 0 || i+m <= n) {
			// (Short of a whole window, the filter rules out nothing.)
			i = sk.next(p, i)
			if i >= n {
				break
			}
			walkTo = i + sk.slack
		}
		// Run the automaton until back at the root.
		rs = i
		for i < n {
			c := p[i]
			var t int32
			if st < dl {
				t = trans[st+int32(cls[c])]
			} else {
				t = a.step(st, int32(cls[c]))
			}
			i++
			if t > 0 {
				st = t
				if t < d2 {
					// A match of 1 or 2 bytes is under way, starting at
					// ws. If the skip filter rules out every start in
					// [ws, ws+shift) and shift reaches past i, no match
					// is under way after all: resume skipping from there
					// (slack bytes less, for the line breaks the window
					// may span in the view).
					d := 2
					if t < d1 {
						d = 1
					}
					ws := i - d
					if j := ws + m - 1; ws >= 0 && j < n {
						v := blockWord(p, j)
						s := int(sk.shift[wordHash(v)])
						if lowByte(v) != 0 {
							s = sk.shiftAt(p, j)
						}
						if s -= sk.slack; s >= d {
							if inNeedle {
								runBreaks(p, rs, i, evs)
								rs = -1
							}
							st = 0
							i = ws + s
							break
						}
					}
				}
				continue
			}
			if t == 0 {
				if !inNeedle && evs != nil && isBreak(p[i-1]) {
					// (A line break byte in no needle leads back to the
					// root from any state: seen here only.)
					*evs = append(*evs, i-1)
				}
				st = 0
				if i < walkTo {
					continue
				}
				if inNeedle {
					runBreaks(p, rs, i, evs)
					rs = -1
				}
				break
			}
			st = ^t
			v := a.node(st)
			ms = append(ms, match{end: i, n: a.matchLen[v], id: a.matchID[v]})
		}
	}
	if inNeedle && rs >= 0 {
		runBreaks(p, rs, n, evs) // the last run, cut by the end of p
	}
	return st, ms
}

// runBreaks appends to evs the line break bytes of p[rs:e], which a run
// of the automaton stepped over. When some needle holds such bytes, the
// step over one need not lead back to the root: scanFrom then looks at
// each run as it ends, rather than at each step.
func runBreaks(p []byte, rs, e int, evs *[]int) {
	for k := rs; k < e; k++ {
		if isBreak(p[k]) {
			*evs = append(*evs, k)
		}
	}
}

// scanByte is scan over the one byte b: a single step, since neither skip
// filter can rule out anything in less than a window.
func (a *automaton) scanByte(st int32, b byte, ms []match) (int32, []match) {
	var t int32
	if st < a.denseLimit {
		t = a.trans[st+int32(a.class[b])]
	} else {
		t = a.step(st, int32(a.class[b]))
	}
	if t < 0 {
		t = ^t
		v := a.node(t)
		ms = append(ms, match{end: 1, n: a.matchLen[v], id: a.matchID[v]})
	}
	return t, ms
}

// depthOf returns the length of the string of state st (non-negative).
func (a *automaton) depthOf(st int32) int64 {
	v := a.node(st)
	return int64(sort.Search(len(a.levelStart), func(d int) bool { return a.levelStart[d] > v }) - 1)
}

// truncate returns the state of the longest suffix of state st's string
// that is at most l bytes long (st non-negative): the state the automaton
// would be in had it started l bytes ago.
func (a *automaton) truncate(st int32, l int64) int32 {
	for st != 0 && a.depthOf(st) > l {
		st = a.fail[a.node(st)]
	}
	return st
}

// prefixBound returns a length l such that the automaton's state at p[e]
// cut back to at most gap bytes is its state over p[e-l:e] alone: the
// smaller of gap and a bound on the longest needle prefix ending at
// p[e-1], found by walking back while the byte triples are those of some
// needle. A result above e means the bytes before p are needed.
func (a *automaton) prefixBound(p []byte, e int, gap int64) int {
	lim := int64(a.maxLen)
	if gap < lim {
		lim = gap
	}
	j := e - 1
	for int64(e-j) < lim+1 && j >= 2 {
		h := triHash(p[j-2], p[j-1], p[j])
		if a.tri[h>>6]&(1<<(h&63)) == 0 {
			break
		}
		j--
	}
	l := int64(e - j + 1) // a prefix starts at j-1 or after
	if j < 2 && int64(e-j) < lim+1 {
		l = int64(e + 1) // the chain reaches the start of p
	}
	return int(min(l, lim))
}

// walkFrom returns the state of the automaton, started in state st, after
// the bytes b (matches on the way are not reported).
func (a *automaton) walkFrom(st int32, b []byte) int32 {
	for _, c := range b {
		st = a.step(st, int32(a.class[c]))
		if st < 0 {
			st = ^st
		}
	}
	return st
}

// holdOf returns the hold-back length of state st.
func (a *automaton) holdOf(st int32) int {
	if st == 0 {
		return 0
	}
	return int(a.hold[a.node(st)])
}

// releasableOf reports whether the bytes held in state st may be released
// after an idle pause (and are not masked at end of stream): at most
// MaxIdleRelease of them, or only public text (see relOK).
func (a *automaton) releasableOf(st int32) bool { return a.relOK[a.node(st)] }

// holdIDOf returns the needle a held suffix in state st is a prefix of.
func (a *automaton) holdIDOf(st int32) int32 { return a.holdID[a.node(st)] }

// match is one needle occurrence ending at end (exclusive, relative to the
// scanned chunk), n bytes long, of needle id.
type match struct {
	end int
	n   int32
	id  int32
}
