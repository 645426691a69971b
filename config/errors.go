package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a configuration file. It names the file, the line (0 when the problem
// has no single line, such as an unknown profile) and the dotted field path, so a user can find
// it at once. Every error that Parse, Load, Find and (*Config).Profile return because of the
// user's configuration is an *Error or an errors.Join of *Error values; the command line maps
// them to exit status 125.
type Error struct {
	// File is the configuration file as it was named to Parse or Load.
	File string
	// Line is the 1-based line of the offending node, or 0 when unknown.
	Line int
	// Field is the dotted path of the field, such as "profiles.dev.secrets.DB_URL".
	Field string
	// Msg says what is wrong, and how to fix it where that helps.
	Msg string
}

// Error formats the problem as "FILE:LINE: FIELD: MSG", leaving out the parts that are empty.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors returns every *Error contained in err, which may be a single *Error or an errors.Join
// of them (possibly wrapped). It returns nil when err holds none.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// errorList collects the problems of one file.
type errorList struct {
	file string
	errs []*Error
}

func (l *errorList) add(line int, field, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// err returns all collected problems in line order, joined, or nil.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	sort.SliceStable(l.errs, func(i, j int) bool { return l.errs[i].Line < l.errs[j].Line })
	var errs []error
	seen := map[Error]bool{}
	for _, e := range l.errs {
		if !seen[*e] { // a node reached twice (through an alias) is reported once
			seen[*e] = true
			errs = append(errs, e)
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// suggest returns the candidate closest to word, or "" when none is close enough to be a likely
// typo. Case differences count as a small distance.
func suggest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		if c == word {
			continue
		}
		d := levenshtein(strings.ToLower(word), strings.ToLower(c))
		if !strings.EqualFold(word, c) {
			d *= 2 // weigh real edits over case-only differences
		} else {
			d = 1
		}
		if bestDist < 0 || d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 {
		return ""
	}
	// Allow about one edit per three characters (at least one, at most three).
	limit := len(word) / 3
	if limit < 1 {
		limit = 1
	}
	if limit > 3 {
		limit = 3
	}
	if bestDist > 2*limit {
		return ""
	}
	return best
}

// didYouMean returns ` (did you mean "X"?)` for the closest candidate, or "".
func didYouMean(word string, candidates []string) string {
	if s := suggest(word, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// levenshtein returns the edit distance between a and b, counting runes: insertions, deletions,
// substitutions and transpositions of adjacent runes ("optimal string alignment"), so that
// "bsae" is one edit from "base".
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
