package config

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "secretrun.yaml", Line: 14, Field: "profiles.dev.secrets.DB_URL", Msg: `unknown field "optinal" (did you mean "optional"?)`},
			`secretrun.yaml:14: profiles.dev.secrets.DB_URL: unknown field "optinal" (did you mean "optional"?)`},
		{Error{File: "secretrun.yaml", Line: 3, Msg: "m"}, "secretrun.yaml:3: m"},
		{Error{File: "secretrun.yaml", Field: "f", Msg: "m"}, "secretrun.yaml: f: m"},
		{Error{Line: 3, Field: "f", Msg: "m"}, "line 3: f: m"},
		{Error{Msg: "m"}, "m"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// errors.As finds an *Error in what Parse returns, however it is wrapped.
func TestErrorsAs(t *testing.T) {
	_, err := Parse("f.yaml", []byte("a: 1\nb: 2\n"))
	wrapped := fmt.Errorf("load: %w", err)
	var e *Error
	if !errors.As(wrapped, &e) || e.Line != 1 {
		t.Errorf("errors.As: got %v", e)
	}
	if got := Errors(wrapped); len(got) != 2 || got[1].Line != 2 {
		t.Errorf("Errors: got %v", got)
	}
	if Errors(nil) != nil || Errors(errors.New("other")) != nil {
		t.Error("Errors of a non-config error must be nil")
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"version", "default_profile", "providers", "redact", "profiles"}
	tests := []struct{ word, want string }{
		{"verison", "version"},
		{"Version", "version"},
		{"profile", "profiles"},
		{"defaultprofile", "default_profile"},
		{"redcat", "redact"},
		{"provider", "providers"},
		{"x", ""},
		{"colour", ""},
		{"secrets", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.word, known); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3},
		{"optinal", "optional", 1}, {"bsae", "base", 1}, {"ab", "ba", 1}, {"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := levenshtein(tt.a, tt.b); got != tt.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
