// Package audit writes secretrun's audit trail: one JSON object per line (JSON Lines) per event
// of a run, in the versioned schema documented in docs/audit.md, to a file and/or the system
// log. A record names secrets by variable and reference, never by value: it has no field that
// could hold one.
//
// It owns the record schema and the destinations. It uses the standard library only and must
// not import any other secretrun package (cmd fills the records).
package audit
