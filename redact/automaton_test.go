package redact

import (
	"math/rand"
	"testing"
)

// TestStrideRecip: node's multiply-shift is exact division by the stride
// for every dense id strideRecip allows, at the largest ids (where the
// error is greatest) and at random ones, and strideRecip refuses a limit
// one stride past the exact range.
func TestStrideRecip(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for stride := int32(1); stride <= 256; stride++ {
		// The largest multiple of stride that strideRecip allows (ids
		// are int32).
		limit := int32(min((1<<32)/int64(stride)/int64(stride), (1<<31-1)/int64(stride)) * int64(stride))
		it := strideRecip(stride, limit)
		if it == 0 {
			t.Fatalf("stride %d: no reciprocal for limit %d", stride, limit)
		}
		for _, st := range []int32{0, stride - 1, stride, limit - 1, limit - stride, limit - stride - 1, r.Int31n(limit), r.Int31n(limit)} {
			if got, want := int32(uint64(st)*it>>32), st/stride; got != want {
				t.Fatalf("stride %d: %d*recip>>32 = %d, want %d", stride, st, got, want)
			}
		}
		if over := int64(limit) + int64(stride); over*int64(stride) > 1<<32 && over <= 1<<31-1 {
			if strideRecip(stride, int32(over)) != 0 {
				t.Errorf("stride %d: a reciprocal for limit %d, past 2^32/stride", stride, over)
			}
		}
	}
}

// TestNodeOfDenseState: node maps the encoded id of every node back to its
// index, dense (through the reciprocal) or deep.
func TestNodeOfDenseState(t *testing.T) {
	a := newAutomaton(benchNeedles(t), nil)
	if a.recip == 0 {
		t.Fatal("no reciprocal for a set of 200 secrets")
	}
	for v := int32(0); v < int32(len(a.enc)); v++ {
		if got := a.node(a.enc0(v)); got != v {
			t.Fatalf("node(enc0(%d)) = %d", v, got)
		}
	}
}

// benchNeedles returns the needles Compile derives for the heavy benchmark
// secrets.
func benchNeedles(t *testing.T) []string {
	m, err := Compile(benchSecrets(200), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m.a.needles
}

// TestScanByte: scanByte, the one-byte path of a Writer, gives the state
// and the matches scan gives on the same byte, from every state a text
// reaches, with the Wu-Manber filter (long needles), the first-byte filter
// (a short needle) and a single first byte.
func TestScanByte(t *testing.T) {
	long := benchNeedles(t)
	for name, needles := range map[string][]string{
		"wu-manber":  long,
		"first-byte": append([]string{"ab"}, long[:50]...),
		"single":     {"xyz", "xa", "xbcdefgh"},
	} {
		a := newAutomaton(needles, nil)
		mid := needles[len(needles)/2]
		text := []byte("log line xyz xa xbcdefgh " + needles[0] + mid[:len(mid)-1] + needles[len(needles)-1] + " end\n\x00\xff")
		st1, st2 := int32(0), int32(0)
		var ms1, ms2 []match
		matches := 0
		for i, b := range text {
			st1, ms1 = a.scan(st1, text[i:i+1], ms1[:0])
			st2, ms2 = a.scanByte(st2, b, ms2[:0])
			if st1 != st2 || len(ms1) != len(ms2) || len(ms1) == 1 && ms1[0] != ms2[0] {
				t.Fatalf("%s: byte %d: scan gives state %d, matches %v; scanByte %d, %v", name, i, st1, ms1, st2, ms2)
			}
			matches += len(ms1)
		}
		if matches == 0 {
			t.Errorf("%s: no match in a text holding needles", name)
		}
	}
}
