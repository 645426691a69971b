package validate

import (
	"errors"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// maxFakePattern bounds the length of a value made from a pattern.
const maxFakePattern = 1 << 16

// fakeExtras are the extra repetitions tried, in order, for the unbounded parts of a pattern
// (`*`, `+`, `{n,}`) and the slack of bounded ones, until the value is long enough for
// min_length: every count up to 256 (so that min_length = max_length can be met exactly), then
// coarser steps.
var fakeExtras = func() []int {
	var x []int
	for i := 0; i <= 256; i++ {
		x = append(x, i)
	}
	for i := 320; i <= 4096; i += 64 {
		x = append(x, i)
	}
	return x
}()

// fromPattern makes a value from the pattern's syntax tree: literals as written, a character
// of each class (letters and digits first), repetitions from their minimum up, and one branch
// of each alternation. It tries longer repetitions until min_length is met; the caller checks
// the result against every rule.
func (g *fakeGen) fromPattern() (string, error) {
	re, err := syntax.Parse(g.rules.Pattern.String(), syntax.Perl)
	if err != nil {
		return "", errors.New("pattern too complex") // cannot happen: it compiled in config
	}
	first, longest, stalled := "", -1, 0
	for i, extra := range fakeExtras {
		var b strings.Builder
		err := g.walk(&b, re, extra)
		if errors.Is(err, errPatternTooLong) && i > 0 {
			break // nested repetitions grow fast: keep what the shorter ones gave
		}
		if err != nil {
			return "", err
		}
		v := b.String()
		if i == 0 {
			first = v
		}
		n := length(v)
		if n >= g.rules.MinLength && (g.rules.MaxLength == 0 || n <= g.rules.MaxLength) && g.rules.Pattern.MatchString(v) {
			return v, nil
		}
		if g.rules.MaxLength > 0 && n > g.rules.MaxLength {
			break // longer repetitions only make it longer
		}
		if n > longest {
			longest, stalled = n, 0
		} else if stalled++; stalled == 8 {
			break // no unbounded repetition: more extra changes nothing
		}
	}
	return first, nil
}

var errPatternTooLong = errors.New("pattern too complex (the value it asks for is too long)")

// walk writes a string matched by re.
func (g *fakeGen) walk(b *strings.Builder, re *syntax.Regexp, extra int) error {
	if b.Len() > maxFakePattern {
		return errPatternTooLong
	}
	switch re.Op {
	case syntax.OpNoMatch:
		return errors.New("pattern too complex (it matches nothing)")
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		// zero-width: the final check catches a boundary the value does not meet
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			b.WriteRune(r)
		}
	case syntax.OpCharClass:
		cands, ok := g.classes[re]
		if !ok {
			cands = classCandidates(re.Rune)
			if g.classes == nil {
				g.classes = map[*syntax.Regexp][]rune{}
			}
			g.classes[re] = cands
		}
		if len(cands) == 0 {
			return errors.New("pattern too complex (an empty character class)")
		}
		b.WriteRune(cands[g.stream.intn(len(cands))])
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		b.WriteByte(alnum[g.stream.intn(len(alnum))])
	case syntax.OpCapture:
		return g.walk(b, re.Sub[0], extra)
	case syntax.OpStar:
		return g.repeat(b, re.Sub[0], extra, extra)
	case syntax.OpPlus:
		return g.repeat(b, re.Sub[0], 1+extra, extra)
	case syntax.OpQuest:
		n := 0
		if extra > 0 || g.stream.intn(2) == 1 {
			n = 1
		}
		return g.repeat(b, re.Sub[0], n, extra)
	case syntax.OpRepeat:
		n := re.Min
		if re.Max < 0 {
			n += extra
		} else {
			n += min(extra, re.Max-re.Min)
		}
		return g.repeat(b, re.Sub[0], n, extra)
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if err := g.walk(b, sub, extra); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		return g.walk(b, re.Sub[g.stream.intn(len(re.Sub))], extra)
	default:
		return errors.New("pattern too complex")
	}
	return nil
}

func (g *fakeGen) repeat(b *strings.Builder, re *syntax.Regexp, n, extra int) error {
	for i := 0; i < n; i++ {
		if err := g.walk(b, re, extra); err != nil {
			return err
		}
	}
	return nil
}

// classCandidates returns the characters picked from a class given as [lo, hi] pairs: its
// letters and digits when it has some (never 'x' or 'X', so that no value reads as a run of x),
// else its 'x' or 'X', else its printable ASCII punctuation, else the first printable character
// of a range.
func classCandidates(ranges []rune) []rune {
	in := func(r rune) bool {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= r && r <= ranges[i+1] {
				return true
			}
		}
		return false
	}
	for _, set := range []string{alnum + "ABCDEFGHIJKLMNOPQRSTUVWYZ", "xX", "-_.~+/=:@!#$%&*,;?^|"} {
		var cands []rune
		for _, r := range set {
			if in(r) {
				cands = append(cands, r)
			}
		}
		if len(cands) > 0 {
			return cands
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		if r := max(ranges[i], 0x20); r <= ranges[i+1] && utf8.ValidRune(r) {
			return []rune{r}
		}
	}
	if len(ranges) > 0 {
		return []rune{ranges[0]}
	}
	return nil
}
