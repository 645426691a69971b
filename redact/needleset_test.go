package redact

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateNeedles = flag.Bool("update-needles", false, "rewrite testdata/needlesets.txt from the current derivation")

// needleSetCases are the secret sets whose derived needles are pinned in
// testdata/needlesets.txt: the benchmark mixes, the canaries of the
// real-encoder tests, and random values over the characters encoders treat
// specially (quotes, backslashes, '&', control characters, non-ASCII).
func needleSetCases() []struct {
	name    string
	secrets []Secret
	opt     Options
} {
	r := rand.New(rand.NewSource(91))
	const alpha = "&aZ09 \"'<>=+/`$@!#%^*()[]{}|;:,.?~-_\\\n\r\t\b\f\x01\x1b\x7féü€😀\u00a0\u2028\u00ff\u0100\u200b\ufffd"
	var random []Secret
	for i := 0; i < 400; i++ {
		v := "K" + randRunes(r, alpha, 8+r.Intn(24))
		switch i % 3 {
		case 0:
			v = "K" + randString(r, alnum+"+/-_.~:@", 8+r.Intn(40))
		case 1: // no '&', '\' or control character: the fast paths' cases
			v = "K" + randRunes(r, alnum+" \"'<>=+/`$@!#%^*()[]{}|;:,.?~-_éü€😀\u00a0\u2028\u200b", 8+r.Intn(24))
		}
		random = append(random, Secret{Name: fmt.Sprintf("R%03d", i), Value: v})
	}
	all := Options{Hex: true, Base32: true, UTF16: true}
	return []struct {
		name    string
		secrets []Secret
		opt     Options
	}{
		{"typical", typicalSecrets(200), Options{}},
		{"heavy", benchSecrets(200), Options{}},
		{"heavy-all-encodings", benchSecrets(200), all},
		{"canaries", realCanaries, Options{}},
		{"canaries-all-encodings", realCanaries, all},
		{"random", random, Options{}},
	}
}

// needleSetDigest returns the number of needles Compile derives for
// secrets and a digest of them in order, with each one's owner and public
// prefix length.
func needleSetDigest(secrets []Secret, opt Options) (int, string) {
	set := newNeedleSet(opt.minLength())
	for i, s := range secrets {
		if v, reason := classify(s, set.minLen); reason == "" {
			deriveNeedles(set, v, i, opt)
		}
	}
	h := sha256.New()
	for i, n := range set.list {
		var b [8]byte
		binary.LittleEndian.PutUint32(b[:4], uint32(set.owner[i]))
		binary.LittleEndian.PutUint32(b[4:], uint32(set.pub[i]))
		binary.Write(h, binary.LittleEndian, uint32(len(n)))
		h.Write([]byte(n))
		h.Write(b[:])
	}
	return len(set.list), hex.EncodeToString(h.Sum(nil))
}

// The needles Compile derives (which, in which order, owned by which
// secret) are those pinned in testdata/needlesets.txt, written by the
// derivation before its fast paths (commit 4c286fd): the fast paths leave
// out only forms that add nothing.
func TestNeedleSetPinned(t *testing.T) {
	path := filepath.Join("testdata", "needlesets.txt")
	var got strings.Builder
	for _, c := range needleSetCases() {
		n, d := needleSetDigest(c.secrets, c.opt)
		fmt.Fprintf(&got, "%s %d %s\n", c.name, n, d)
	}
	if *updateNeedles {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Fatalf("derived needle sets changed:\ngot:\n%swant:\n%s", got.String(), want)
	}
}
