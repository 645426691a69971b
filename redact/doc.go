// Package redact is secretrun's streaming redactor: it masks every secret
// value, and the encoded forms a program is likely to print, in a byte stream
// such as a child's stdout or stderr (see docs REDACTION.md).
//
// The package owns three things:
//
//   - the policy for weak values and the derivation of needles from secret
//     values (raw, multi-line, JSON/Go/shell escaping, URL encoding, base64,
//     parts of structured secrets, and the opt-in hex, base32 and UTF-16),
//     in policy.go and needles.go; the forms of other encoders and languages
//     (Gson, .NET, PyYAML, repr, util.inspect, shlex, entities, WHATWG and
//     urllib percent sets) in forms.go; YAML/INI/.netrc fields in
//     structured.go;
//   - a streaming multi-needle automaton (Aho-Corasick over byte classes: a
//     dense DFA for shallow states, goto/failure edges for deep ones) whose
//     state gives the hold-back directly, with a Wu-Manber skip scan over
//     hashed 3-byte blocks in front for bulk text, in automaton.go and
//     skip.go; a Matcher is immutable and shared by any number of streams;
//   - the per-stream Writer, which emits everything except the shortest
//     possible hold-back, merges overlapping and adjacent occurrences into one
//     mask token, releases a held prefix of at most 3 bytes (or a public
//     one, such as a URL scheme) after an idle pause, and applies the
//     end-of-stream rule, in writer.go; on a terminal its masks keep the
//     display width (width.go). Around terminal escapes (escape.go) it
//     also matches against the output with its CSI sequences taken out,
//     masks the raw span of such a match and writes the sequences inside
//     it after the token. A Writer made from a Live (live.go) switches to
//     the Live's newest Matcher when secrets rotate.
//
// The output of a Writer is exactly what a naive oracle produces on the
// concatenated input (find every occurrence of every needle, in the input
// and in its view without CSI sequences, merge
// overlapping and adjacent occurrences into regions, replace each region by
// one token), whatever the write boundaries, as long as no idle release
// happened.
//
// Package redact must import only the standard library.
package redact
