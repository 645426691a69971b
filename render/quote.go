package render

import (
	"encoding/json"
)

// jsonString returns s as a JSON string literal, on one line. It is also a valid double-quoted
// YAML scalar (JSON's escapes are a subset of YAML's).
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
