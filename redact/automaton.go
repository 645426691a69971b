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

	levelStart []int32 // levelStart[d]: the first state id of depth d
	shallow1   int32   // premultiplied id of the first state of depth 2
	shallow2   int32   // premultiplied id of the first state of depth 3

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
	sort.SliceStable(sorted, func(i, j int) bool { return needles[sorted[i]] < needles[sorted[j]] })
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

	// Build the trie level by level, so that state ids grow with depth:
	// the shallow states the scan visits most are contiguous in memory,
	// and "depth <= 2" is a comparison of ids.
	stride := int(nc)
	trans := make([]int32, nodes*stride)
	out := make([]int32, nodes)   // needle length ending exactly here
	outID := make([]int32, nodes) // its index
	depth := make([]int32, nodes)
	hasChild := make([]bool, nodes)
	nodeID := make([]int32, nodes) // lowest needle index through each node
	parent := make([]int32, len(sorted))
	a.levelStart = []int32{0, 1}
	next := 1
	for d := 1; d <= a.maxLen; d++ {
		prevPar, prevByte, prevNode := int32(-1), -1, 0
		for k, i := range sorted {
			n := needles[i]
			if len(n) < d {
				continue
			}
			par := parent[k]
			b := int(n[d-1])
			node := prevNode
			if par != prevPar || b != prevByte {
				node = next
				next++
				depth[node] = int32(d)
				nodeID[node] = int32(i)
				trans[int(par)*stride+int(a.class[b])] = int32(node * stride)
				hasChild[par] = true
			} else if int32(i) < nodeID[node] {
				nodeID[node] = int32(i)
			}
			parent[k] = int32(node)
			prevPar, prevByte, prevNode = par, b, node
			if len(n) == d && out[node] == 0 {
				out[node] = int32(d)
				outID[node] = int32(i)
			}
		}
		a.levelStart = append(a.levelStart, int32(next))
	}

	a.matchLen = make([]int32, nodes)
	a.matchID = make([]int32, nodes)
	a.hold = make([]int32, nodes)
	a.holdID = make([]int32, nodes)
	fail := make([]int32, nodes)
	// Ids are in breadth-first order already.
	for u := 0; u < nodes; u++ {
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
	a.shallow1 = a.level(2) * a.stride
	a.shallow2 = a.level(3) * a.stride
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
	sk := a.skip
	m := sk.m
	// States of depth 1 and 2 (premultiplied ids below these bounds): from
	// them the scan may hand back to the skip filter.
	d1, d2 := a.shallow1, a.shallow2
	if m == 0 {
		d2 = 0 // no re-entry without the Wu-Manber table
	}
	n := len(p)
	i := 0
	for i < n {
		if st == 0 {
			i = sk.next(p, i)
			if i >= n {
				break
			}
		}
		// Run the DFA until back at the root.
		for i < n {
			t := trans[st+int32(cls[p[i]])]
			i++
			if t > 0 {
				st = t
				if t < d2 {
					// A match of 1 or 2 bytes is under way, starting at
					// ws. If the skip filter rules out every start in
					// [ws, ws+shift) and shift reaches past i, no match
					// is under way after all: resume skipping from there.
					d := 2
					if t < d1 {
						d = 1
					}
					ws := i - d
					if j := ws + m - 1; ws >= 0 && j < n {
						if s := int(sk.shift[blockHash(p, j)]); s >= d {
							st = 0
							i = ws + s
							break
						}
					}
				}
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

// level returns the first state id of depth d (the number of states when
// there is none that deep).
func (a *automaton) level(d int) int32 {
	if d < len(a.levelStart) {
		return a.levelStart[d]
	}
	return a.levelStart[len(a.levelStart)-1]
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
