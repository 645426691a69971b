package redact

import (
	"sort"
)

// automaton is a dense Aho-Corasick DFA over byte classes.
//
// States are identified by their index premultiplied by stride, so a
// transition is one load: trans[state+class[b]]. A transition into a state
// at which some needle ends is stored bitwise-complemented (negative), so the
// scan loop detects both "back at the root" (0) and "a match ends here" (<0)
// with a single comparison.
type automaton struct {
	class  [256]uint8 // byte -> class; 0 for bytes that occur in no needle
	stride int32      // number of classes
	trans  []int32    // nstates*stride entries, premultiplied targets

	// Per state (indexed by state/stride):
	matchLen []int32 // length of the longest needle that is a suffix of the state's string, 0 if none
	matchID  []int32 // index of that needle
	hold     []int32 // length of the longest suffix of the state's string that is a proper prefix of a needle
	holdID   []int32 // index of a needle that the held suffix is a prefix of

	needles []string
	maxLen  int
	minLen  int
	skip    *skipper
}

// newAutomaton builds the DFA for needles (none empty; duplicates allowed but
// wasteful). The needle index reported on a match is the index in needles.
func newAutomaton(needles []string) *automaton {
	a := &automaton{needles: needles}
	var used [256]bool
	total := 0
	a.minLen = -1
	for _, n := range needles {
		for i := 0; i < len(n); i++ {
			used[n[i]] = true
		}
		total += len(n)
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
		}
	}
	// 256 distinct bytes would overflow uint8 with class 0 reserved; fold the
	// last one into its own class by sharing: if all 256 bytes are used, class
	// 0 is simply one more real class (no byte maps to "unused").
	if nc > 256 {
		nc = 256
		for b := 0; b < 256; b++ {
			a.class[b] = uint8(b)
		}
	}
	a.stride = nc

	// Count trie nodes exactly: sort, then subtract shared prefixes.
	sorted := make([]int, len(needles))
	for i := range sorted {
		sorted[i] = i
	}
	sort.Slice(sorted, func(i, j int) bool { return needles[sorted[i]] < needles[sorted[j]] })
	nodes := 1
	prev := ""
	for _, i := range sorted {
		n := needles[i]
		l := 0
		for l < len(n) && l < len(prev) && n[l] == prev[l] {
			l++
		}
		nodes += len(n) - l
		prev = n
	}

	stride := int(nc)
	trans := make([]int32, nodes*stride)
	out := make([]int32, nodes)   // needle length ending exactly here
	outID := make([]int32, nodes) // its index
	depth := make([]int32, nodes)
	hasChild := make([]bool, nodes)
	nodeID := make([]int32, nodes) // first needle through each node
	next := 1
	for i, n := range needles {
		cur := 0
		for j := 0; j < len(n); j++ {
			c := int(a.class[n[j]])
			t := trans[cur*stride+c]
			if t == 0 {
				t = int32(next * stride)
				depth[next] = int32(j + 1)
				trans[cur*stride+c] = t
				hasChild[cur] = true
				nodeID[next] = int32(i)
				next++
			}
			cur = int(t) / stride
		}
		if out[cur] == 0 {
			out[cur] = int32(len(n))
			outID[cur] = int32(i)
		}
	}

	a.matchLen = make([]int32, nodes)
	a.matchID = make([]int32, nodes)
	a.hold = make([]int32, nodes)
	a.holdID = make([]int32, nodes)
	fail := make([]int32, nodes)
	queue := make([]int32, 0, nodes)
	queue = append(queue, 0)
	for qi := 0; qi < len(queue); qi++ {
		u := int(queue[qi])
		row := trans[u*stride : (u+1)*stride]
		var frow []int32
		if u != 0 {
			f := int(fail[u])
			frow = trans[f*stride : (f+1)*stride]
		}
		for c := 0; c < stride; c++ {
			t := row[c]
			if t > 0 { // before row u is processed, its only non-zero entries are trie children
				v := int(t) / stride
				// Child: compute its failure state.
				var fv int
				if u != 0 {
					ft := frow[c]
					if ft < 0 {
						ft = ^ft
					}
					fv = int(ft) / stride
				}
				fail[v] = int32(fv)
				if out[v] > 0 {
					a.matchLen[v] = out[v]
					a.matchID[v] = outID[v]
				} else {
					a.matchLen[v] = a.matchLen[fv]
					a.matchID[v] = a.matchID[fv]
				}
				if hasChild[v] {
					a.hold[v] = depth[v]
					a.holdID[v] = nodeID[v]
				} else {
					a.hold[v] = a.hold[fv]
					a.holdID[v] = a.holdID[fv]
				}
				queue = append(queue, int32(v))
				if a.matchLen[v] > 0 {
					row[c] = ^t
				}
				continue
			}
			if u == 0 {
				continue // missing root transitions stay at the root
			}
			row[c] = frow[c]
		}
	}
	a.trans = trans
	a.skip = newSkipper(a)
	return a
}

// scan runs the DFA over p from state st and appends one match per position
// at which a needle ends (the longest one; shorter ones ending at the same
// position are covered by it). Match ends are relative to p. It returns the
// final state.
func (a *automaton) scan(st int32, p []byte, ms []match) (int32, []match) {
	trans := a.trans
	cls := &a.class
	stride := a.stride
	n := len(p)
	i := 0
	for i < n {
		if st == 0 {
			i = a.skip.next(p, i)
			if i >= n {
				break
			}
		}
		// Inner loop: run until back at the root or a match.
		for i < n {
			t := trans[st+int32(cls[p[i]])]
			i++
			if t > 0 {
				st = t
				continue
			}
			if t == 0 {
				st = 0
				break
			}
			st = ^t
			s := st / stride
			ms = append(ms, match{end: i, n: a.matchLen[s], id: a.matchID[s]})
		}
	}
	return st, ms
}

// holdOf returns the hold-back length of state st.
func (a *automaton) holdOf(st int32) int { return int(a.hold[st/a.stride]) }

// match is one needle occurrence ending at end (exclusive, relative to the
// scanned chunk), n bytes long, of needle id.
type match struct {
	end int
	n   int32
	id  int32
}
