package redact

import "strings"

// lineMinLength is the shortest line of a multi-line value that is a needle on its own.
const lineMinLength = 16

// Parts returns the parts of a secret value that the redactor masks on their own, besides the
// whole value: the value without its PEM armour lines, when it has some; each line of a
// multi-line value of 16 bytes or more (PEM armour lines left out); and each part of a structured value — every string or number of a JSON document, every
// value of a YAML or INI document, the password and account of a .netrc, the password of a URL
// or DSN (see structuredParts) — unarmoured too, with the lines of a multi-line part (the
// private_key of a service-account JSON). Parts pass the weak-value policy of opt exactly as Compile applies it:
// a structured part that is empty, trivial or shorter than opt's minimum length is left out, and
// so is every part of a value that is itself not masked. Parts are trimmed and given in the
// order Compile derives them; they may repeat. Encoded forms are not included.
//
// A CI system's log masking matches only what it is given, within one log line: registering
// the value and its Parts lets it hide what secretrun's own output hides (package cimask).
func Parts(value string, opt Options) []string {
	minLen := opt.minLength()
	v, reason := classify(Secret{Value: value}, minLen)
	if reason != "" {
		return nil
	}
	var out []string
	for i, u := range append([]string{v}, maskedParts(v, minLen)...) {
		// addForms masks a value or part without its PEM armour, and each long line of that.
		body := unarmour(u)
		if (i > 0 || body != u) && len(body) >= minLen {
			out = append(out, body)
		}
		out = append(out, longLines(body, minLen)...)
	}
	return out
}

// maskedParts returns the structured parts of v (structuredParts) that pass the weak-value
// policy as a whole value would, trimmed: the parts whose forms are needles of their own.
func maskedParts(v string, minLen int) []string {
	var out []string
	for _, part := range structuredParts(v) {
		if p, reason := classify(Secret{Value: part}, minLen); reason == "" {
			out = append(out, p)
		}
	}
	return out
}

// valueLines returns the lines of v, each trimmed, split at "\n" and "\r" (empty lines
// dropped).
func valueLines(v string) []string {
	lines := strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return lines
}

// longLines returns the lines of a multi-line v that are needles on their own: lineMinLength
// bytes or more (and minLen, when it is higher), PEM armour lines left out. A single-line v
// has none.
func longLines(v string, minLen int) []string {
	if !strings.ContainsAny(v, "\r\n") {
		return nil
	}
	var out []string
	for _, l := range valueLines(v) {
		if len(l) >= max(lineMinLength, minLen) && !isPEMArmour(l) {
			out = append(out, l)
		}
	}
	return out
}
