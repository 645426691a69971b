package redact

import (
	"fmt"
	"io"
	"strings"
)

// Matcher holds the compiled needles of a set of secrets. It is immutable and
// safe for concurrent use; give each stream its own Writer.
type Matcher struct {
	a      *automaton
	token  string
	tokens []string // per needle, when name tokens are on; nil otherwise
}

// Format prints only the type, whatever the verb: a Matcher holds every
// needle, and fmt would otherwise print them through the automaton.
func (m *Matcher) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "redact.Matcher") }

// Compile derives the needles of secrets under opt (see the package
// documentation and REDACTION.md) and builds the matcher. Values that will
// not be masked are reported in Skipped, by name only, in input order.
func Compile(secrets []Secret, opt Options) (*Matcher, []Skipped) {
	minLen := opt.minLength()
	set := newNeedleSet(minLen)
	set.seen = make(map[string]bool, 16*len(secrets)) // about 7 needles a secret (14 with special characters)
	var skipped []Skipped
	for i, s := range secrets {
		v, reason := classify(s, minLen)
		if reason != "" {
			skipped = append(skipped, Skipped{Name: s.Name, Reason: reason})
			continue
		}
		deriveNeedles(set, v, i, opt)
	}
	var names []string
	if opt.NameTokens {
		names = make([]string, len(set.list))
		for i, o := range set.owner {
			names[i] = secrets[o].Name
		}
	}
	return newMatcherPub(set.list, set.pub, names, opt), skipped
}

// newMatcher builds a Matcher straight from needles (each non-empty; no
// policy, no derived forms). names, if not nil, gives the name of each needle
// for name-bearing tokens.
func newMatcher(needles, names []string, opt Options) *Matcher {
	return newMatcherPub(needles, nil, names, opt)
}

// newMatcherPub is newMatcher with the public prefix length of each needle
// (nil: none).
func newMatcherPub(needles []string, pub []int32, names []string, opt Options) *Matcher {
	m := &Matcher{a: newAutomaton(needles, pub), token: opt.token()}
	if names != nil {
		m.tokens = make([]string, len(names))
		for i, n := range names {
			if n == "" {
				m.tokens[i] = m.token
			} else {
				m.tokens[i] = "[" + n + "]"
			}
		}
	}
	return m
}

// Empty reports whether the matcher has no needles at all, so that output
// can pass through untouched.
func (m *Matcher) Empty() bool { return m == nil || len(m.a.needles) == 0 }

// NeedleCount returns the number of distinct needles derived by Compile.
func (m *Matcher) NeedleCount() int {
	if m == nil {
		return 0
	}
	return len(m.a.needles)
}

// MaxHold returns the most characters a Writer can hold back: the longest
// needle length minus one (0 without needles). Terminal escape sequences
// inside a held secret beginning come on top (escape.go: at most maxEscRun
// sequences of maxEscLen bytes between two characters).
func (m *Matcher) MaxHold() int {
	if m.Empty() {
		return 0
	}
	return m.a.maxLen - 1
}

// MaskString masks a complete string, such as one of secretrun's own
// messages or errors. It is the output of a strict Writer given s in one
// write and then closed (so a trailing prefix of a secret of EOFMaskLength
// bytes or more is masked too).
func (m *Matcher) MaskString(s string) string {
	if m.Empty() {
		return s
	}
	var b strings.Builder
	w := m.NewWriter(&b, 0)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

// tokenFor returns the token for a region whose name comes from needle id.
func (m *Matcher) tokenFor(id int32) string {
	if m.tokens == nil {
		return m.token
	}
	return m.tokens[id]
}
