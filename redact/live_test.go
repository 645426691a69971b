package redact

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// liveOcc is a region of the swap oracle: a region of one matcher's window,
// with the generation (index of the matcher) that found it and its token.
type liveOcc struct {
	occ
	gen int
	tok string
}

// oracleLive is the specification of a Writer made from a Live whose
// matcher changes between parts: part i is written under sets[i] (names[i]
// its name tokens, or nil). Matcher i runs over its window, which begins
// where matcher i-1 held bytes back when it was replaced (the longest suffix
// of its window that is a proper needle prefix, see oracleHold) and ends
// with part i; the last window gets the end-of-stream rule. The regions of
// all windows are merged (overlapping and adjacent ones into one region,
// named by the one starting first, the older matcher's on a tie) and each
// replaced by its token, followed by the escape sequences inside it.
func oracleLive(sets, names [][]string, token string, parts [][]byte) []byte {
	var in []byte
	var all []liveOcc
	start := 0
	prev := -1 // the matcher before i
	for i, p := range parts {
		last := i == len(parts)-1
		if len(p) == 0 && !last {
			continue // no write: the Writer never used matcher i
		}
		if prev >= 0 {
			oracleLineCtx = in[:start]
			start = len(in) - oracleHold(sets[prev], in[start:])
			oracleLineCtx = nil
		}
		prev = i
		in = append(in, p...)
		win := in[start:]
		oracleLineCtx = in[:start]
		regs := oracleRegions(sets[i], win, last)
		oracleLineCtx = nil
		for _, r := range regs {
			r.s += start
			r.e += start
			seqs := make([][2]int, len(r.seqs))
			for k, q := range r.seqs {
				seqs[k] = [2]int{q[0] + start, q[1] + start}
			}
			r.seqs = seqs
			all = append(all, liveOcc{occ: r, gen: i, tok: oracleToken(names[i], token, r.id)})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].s != all[j].s {
			return all[i].s < all[j].s
		}
		return all[i].gen < all[j].gen
	})
	var regs []liveOcc
	for _, o := range all {
		if n := len(regs); n > 0 && o.s <= regs[n-1].e {
			regs[n-1].e = max(regs[n-1].e, o.e)
			regs[n-1].seqs = append(regs[n-1].seqs, o.seqs...)
			continue
		}
		regs = append(regs, o)
	}
	var b bytes.Buffer
	cur := 0
	for _, r := range regs {
		b.Write(in[cur:r.s])
		b.WriteString(r.tok)
		sort.Slice(r.seqs, func(i, j int) bool { return r.seqs[i][0] < r.seqs[j][0] })
		for k, q := range r.seqs {
			if k > 0 && q == r.seqs[k-1] {
				continue // found in two windows
			}
			b.Write(in[q[0]:q[1]])
		}
		cur = r.e
	}
	b.Write(in[cur:])
	return b.Bytes()
}

// checkLive writes parts[i] in writes of sizes[i] to a strict Writer made
// from a Live, setting matcher i before part i, and compares the output with
// oracleLive. After each write the Writer holds back exactly the hold of
// the current matcher's window.
func checkLive(t *testing.T, sets, names [][]string, parts [][]byte, sizes [][]int) {
	t.Helper()
	const token = "#"
	ms := make([]*Matcher, len(sets))
	for i, s := range sets {
		if len(s) > 0 {
			ms[i] = newMatcher(s, names[i], Options{Token: token})
		} else if i%2 == 1 {
			ms[i] = newMatcher(nil, nil, Options{Token: token}) // empty, not nil
		}
	}
	l := NewLive(ms[0])
	var out bytes.Buffer
	w := l.NewWriter(&out, 0).(*Writer)
	var in []byte
	start, cur := 0, 0 // the window of the matcher in use, cur
	for i, p := range parts {
		if i > 0 {
			l.Set(ms[i])
		}
		if len(p) > 0 && i != cur {
			oracleLineCtx = in[:start]
			start = len(in) - oracleHold(sets[cur], in[start:])
			oracleLineCtx = nil
			cur = i
		}
		pos := 0
		for _, n := range sizes[i] {
			if _, err := w.Write(p[pos : pos+n]); err != nil {
				t.Fatal(err)
			}
			pos += n
			in = append(in, p[pos-n:pos]...)
			if w.a == nil {
				continue
			}
			oracleLineCtx = in[:start]
			want := oracleHold(sets[i], in[start:])
			oracleLineCtx = nil
			if got := int(w.holdLen()); got != want {
				t.Fatalf("sets %q parts %q sizes %v: part %d after %d bytes: holds %d, want %d", sets, parts, sizes, i, pos, got, want)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if want := oracleLive(sets, names, token, parts); !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("sets %q parts %q sizes %v:\n got  %q\n want %q", sets, parts, sizes, out.Bytes(), want)
	}
}

// TestLiveSwapEverySplit: a rotation in the middle of a stream, at every
// write split of the bytes before and after the swap (two writes each, and
// one-byte writes), against the oracle. The cases are those a rotation
// meets: the new value written after the swap, a value begun before it and
// completed after, a swap inside an old value, an old region adjacent to a
// new one, a new set that drops a needle.
func TestLiveSwapEverySplit(t *testing.T) {
	const (
		oldV = "pg://app:OLD-pass-1@db"
		newV = "pg://app:NEW-pass-2@db"
	)
	tests := []struct {
		name           string
		before, after  []string
		inPre, inPost  string
		wantSubstrings []string // must not be in the output
	}{
		{"new value after the swap", []string{oldV}, []string{oldV, newV}, "a " + oldV + " b", " c " + newV + " d " + oldV, []string{"OLD-pass", "NEW-pass"}},
		{"new value straddles the swap", []string{oldV}, []string{oldV, newV}, "a " + newV[:9], newV[9:] + " d", []string{"NEW-pass", "pg://app:"}},
		{"old value straddles the swap", []string{oldV}, []string{oldV, newV}, "a " + oldV[:15], oldV[15:] + "\n", []string{"OLD-pass"}},
		{"old region adjacent to a new one", []string{"AAAAAA"}, []string{"AAAAAA", "BBBBBB"}, "x AAAAAA", "BBBBBB y", []string{"AAAA", "BBBB"}},
		{"needle dropped", []string{"abcdefgh", "abcdzzzz"}, []string{"abcdzzzz"}, "x abcde", "fgh abcdzzzz", []string{"zzzz"}},
		{"to no needles at all", []string{"abcdefgh"}, nil, "x abcdefgh abcd", "efgh", nil},
		{"from no needles", nil, []string{"abcdefgh"}, "x abcdefgh abcd", "efgh abcdefgh", nil},
		{"escapes across the swap", []string{"CANARY-old"}, []string{"CANARY-old", "CANARY-new"}, "v=CAN\x1b[01;31mARY-", "\x1b[mnew!", []string{"CANARY-new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sets := [][]string{tt.before, tt.after}
			names := [][]string{nil, nil}
			pre, post := []byte(tt.inPre), []byte(tt.inPost)
			run := func(a, b []int) {
				checkLive(t, sets, names, [][]byte{pre, post}, [][]int{a, b})
			}
			run(ones(len(pre)), ones(len(post)))
			for i := 0; i <= len(pre); i++ {
				for j := 0; j <= len(post); j++ {
					run(twoWrites(len(pre), i), twoWrites(len(post), j))
				}
			}
			got := liveMask(sets, [][]byte{pre, post})
			for _, s := range tt.wantSubstrings {
				if strings.Contains(got, s) {
					t.Errorf("%q shows in %q", s, got)
				}
			}
		})
	}
}

// twoWrites cuts total bytes into a write of i bytes and one of the rest
// (empty writes left out).
func twoWrites(total, i int) []int {
	var s []int
	if i > 0 {
		s = append(s, i)
	}
	if total-i > 0 {
		s = append(s, total-i)
	}
	return s
}

// liveMask writes each part in one write to a Writer made from a Live set
// to sets[i] before part i, and returns the output.
func liveMask(sets [][]string, parts [][]byte) string {
	var out bytes.Buffer
	l := NewLive(newMatcher(sets[0], nil, Options{}))
	w := l.NewWriter(&out, 0)
	for i, p := range parts {
		if i > 0 {
			l.Set(newMatcher(sets[i], nil, Options{}))
		}
		w.Write(p)
	}
	w.Close()
	return out.String()
}

// TestLiveStraddle: a new value whose start was written (and held, as the
// start of the old value it shares) before its matcher was set is masked
// whole; without the swap's second look at the held bytes its start would
// be written out in clear.
func TestLiveStraddle(t *testing.T) {
	oldM, _ := Compile([]Secret{{Name: "DB", Value: "postgres://app:Old-Secret-17@db/app"}}, Options{})
	both, _ := Compile([]Secret{{Name: "DB", Value: "postgres://app:Old-Secret-17@db/app"}, {Name: "DB", Value: "postgres://app:New-Secret-42@db/app"}}, Options{})
	var out bytes.Buffer
	l := NewLive(oldM)
	w := l.NewWriter(&out, 0)
	w.Write([]byte("connecting to postgres://app:"))
	l.Set(both)
	w.Write([]byte("New-Secret-42@db/app\n"))
	w.Close()
	if got, want := out.String(), "connecting to ***\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestLiveNameTokens: a region found under the old matcher keeps the old
// matcher's name token after the swap, also when a new occurrence extends it.
func TestLiveNameTokens(t *testing.T) {
	sets := [][]string{{"AAAAAAAA", "CCCCCCCC"}, {"BBBBBBBB", "AAAAAAAA"}}
	names := [][]string{{"OLD_A", "OLD_C"}, {"NEW_B", "NEW_A"}}
	parts := [][]byte{[]byte("1 AAAAAAAA 2 CCCCCCCC"), []byte("BBBBBBBB 3 AAAAAAAA BBBBBBBB")}
	for i := 0; i <= len(parts[0]); i++ {
		checkLive(t, sets, names, parts, [][]int{twoWrites(len(parts[0]), i), {len(parts[1])}})
	}
	want := "1 [OLD_A] 2 [OLD_C] 3 [NEW_A] [NEW_B]"
	if got := string(oracleLive(sets, names, "#", parts)); got != want {
		t.Fatalf("oracle %q, want %q", got, want)
	}
}

// TestLiveRandomized: random needle sets swapped at random points (up to
// three swaps, empty sets among them), random inputs with planted needles
// of every set and escape sequences, random write splits down to one byte.
func TestLiveRandomized(t *testing.T) {
	r := rand.New(rand.NewSource(17))
	const alpha = "abcab:%\n[1m"
	iters := 1500
	if testing.Short() {
		iters = 200
	}
	for it := 0; it < iters; it++ {
		gens := 2 + r.Intn(3)
		sets := make([][]string, gens)
		names := make([][]string, gens)
		minLen := 1 + 3*r.Intn(3)
		var pool []string
		for g := range sets {
			if r.Intn(8) == 0 {
				continue // no needles
			}
			for k := 0; k < 1+r.Intn(4); k++ {
				n := randString(r, alpha, minLen+r.Intn(10))
				if len(pool) > 0 && r.Intn(3) == 0 {
					n = pool[r.Intn(len(pool))] // kept from an earlier set
				}
				sets[g] = append(sets[g], n)
				pool = append(pool, n)
			}
			if r.Intn(4) == 0 {
				for k := range sets[g] {
					names[g] = append(names[g], fmt.Sprintf("G%dN%d", g, k%2))
				}
			}
		}
		parts := make([][]byte, gens)
		sizes := make([][]int, gens)
		for g := range parts {
			in := plantedInput(r, alpha, pool, r.Intn(60), 12, fuzzEscapes)
			parts[g] = in
			sizes[g] = splitSizes(len(in), func() int {
				if r.Intn(2) == 0 {
					return 1
				}
				return 1 + r.Intn(20)
			})
		}
		checkLive(t, sets, names, parts, sizes)
	}
}

// TestLiveIdlePickup: a Writer whose idle timer is armed picks up the new
// matcher at the idle release, before any further write: the held "ab",
// a complete needle of the new matcher, is masked rather than released.
func TestLiveIdlePickup(t *testing.T) {
	l := NewLive(newMatcher([]string{"abcdefgh"}, nil, Options{}))
	var out syncBuffer
	w := l.NewWriter(&out, 40*time.Millisecond)
	w.Write([]byte("x ab"))
	l.Set(newMatcher([]string{"abcdefgh", "ab"}, nil, Options{}))
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "x ***" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := out.String(); got != "x ***" {
		t.Fatalf("after the idle time: %q, want %q", got, "x ***")
	}
	w.Close()
}

// TestLiveConcurrentSet: Set runs on another goroutine while a long stream
// is written (run it under -race), swapping matchers all through the
// stream. Every matcher masks the old value; every line begun after the
// first Set with the new value returned has the new value masked; no line is
// lost, duplicated or altered outside its masks.
func TestLiveConcurrentSet(t *testing.T) {
	const oldV, newV = "CANARY-old-9f3b2c", "CANARY-new-77aa01"
	oldM, _ := Compile([]Secret{{Name: "T", Value: oldV}}, Options{})
	both := func() *Matcher {
		m, _ := Compile([]Secret{{Name: "T", Value: oldV}, {Name: "T2", Value: newV}}, Options{})
		return m
	}
	l := NewLive(oldM)
	var out syncBuffer
	w := l.NewWriter(&out, IdlePipe)
	const lines = 20000
	var written atomic.Int64 // lines written so far
	first := make(chan int64, 1)
	stop := make(chan struct{})
	swaps := 0
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for written.Load() < lines/10 {
			time.Sleep(50 * time.Microsecond)
		}
		l.Set(both())
		first <- written.Load()
		for {
			select {
			case <-stop:
				return
			default:
			}
			l.Set(both()) // a fresh matcher each time: a swap at the next write
			swaps++
			time.Sleep(20 * time.Microsecond)
		}
	}()
	for i := 0; i < lines; i++ {
		line := fmt.Sprintf("%05d old=%s new=%s\n", i, oldV, newV)
		// Write in uneven pieces so that swaps land inside values.
		for len(line) > 0 {
			k := min(len(line), 1+i%13)
			if _, err := w.Write([]byte(line[:k])); err != nil {
				t.Fatal(err)
			}
			line = line[k:]
		}
		written.Store(int64(i + 1))
	}
	close(stop)
	wg.Wait()
	w.Close()
	after := <-first
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != lines {
		t.Fatalf("%d lines out, want %d", len(got), lines)
	}
	maskedFrom := -1
	for i, g := range got {
		masked := fmt.Sprintf("%05d old=*** new=***", i)
		clear := fmt.Sprintf("%05d old=*** new=%s", i, newV)
		switch {
		case g == masked:
			if maskedFrom < 0 {
				maskedFrom = i
			}
		case g == clear && maskedFrom < 0:
		default:
			t.Fatalf("line %d: %q", i, g)
		}
	}
	// When the first Set returned, lines [0, after) were written and line
	// after may have been too; line after+1 was begun later.
	if maskedFrom < 0 || int64(maskedFrom) > after+1 {
		t.Fatalf("new value masked from line %d, want from line %d at the latest", maskedFrom, after+1)
	}
	if swaps < 10 {
		t.Logf("only %d swaps during the stream", swaps)
	}
}

// FuzzLive is the differential fuzz test of the swap: two needle sets from
// spec (the second after a 0xF1 byte), an input cut at a swap point, random
// write splits, against oracleLive.
func FuzzLive(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\xf1\x00\x01\x02\x03\xf0\x00\x01\x04\x04"), []byte("\x05\x00\x01\x02\x00\x01\x04\x04\x05\x00\x01"), []byte{3, 0x80}, uint8(5), uint8(0))
	f.Add([]byte("\x00\x01\x02\xf0\x03\x03\x03\xf1\x03\x03\x03\xf0\x02\x02"), []byte("\x00\x01\x02\x03\x03\x03\x02\x02\x00"), []byte{0x81, 2}, uint8(4), uint8(128|2))
	f.Fuzz(func(t *testing.T, spec, input, splits []byte, cut, mode uint8) {
		if len(input) > 300 || len(spec) > 200 {
			return
		}
		mode &^= 8 // raw needles only
		i := bytes.IndexByte(spec, 0xF1)
		if i < 0 {
			return
		}
		n0, names0, in, _ := fuzzCase(spec[:i], input, nil, mode)
		n1, names1, _, _ := fuzzCase(spec[i+1:], nil, nil, mode)
		if names0 == nil || names1 == nil {
			names0, names1 = nil, nil
		}
		c := int(cut) % (len(in) + 1)
		parts := [][]byte{in[:c], in[c:]}
		sizes := [][]int{fuzzSizes(splits, c), fuzzSizes(splits, len(in)-c)}
		checkLive(t, [][]string{n0, n1}, [][]string{names0, names1}, parts, sizes)
	})
}
