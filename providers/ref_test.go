package providers_test

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"
	"testing"

	"github.com/secretrun/secretrun/providers"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in        string
		want      providers.Ref
		canonical string // "" means in
	}{
		{"vault://secret/myapp/dev#database_url", providers.Ref{Scheme: "vault", Path: "secret/myapp/dev", Key: "database_url"}, ""},
		{"vault://secret/app?version=3#k", providers.Ref{Scheme: "vault", Path: "secret/app", Query: "version=3", Key: "k"}, ""},
		{"awssm://dev/stripe?region=eu-west-1&version_stage=AWSPREVIOUS#api_key",
			providers.Ref{Scheme: "awssm", Path: "dev/stripe", Query: "region=eu-west-1&version_stage=AWSPREVIOUS", Key: "api_key"}, ""},
		{"awssm://x?version_stage=B&region=a", providers.Ref{Scheme: "awssm", Path: "x", Query: "region=a&version_stage=B"},
			"awssm://x?region=a&version_stage=B"},
		{"awssm://arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf#password",
			providers.Ref{Scheme: "awssm", Path: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", Key: "password"}, ""},
		{"gcpsm://projects/acme-prod/secrets/gcs-hmac/versions/3", providers.Ref{Scheme: "gcpsm", Path: "projects/acme-prod/secrets/gcs-hmac/versions/3"}, ""},
		{"azkv://acme-kv/servicebus-conn", providers.Ref{Scheme: "azkv", Path: "acme-kv/servicebus-conn"}, ""},
		{"dotenv://.env#SENTRY_DSN", providers.Ref{Scheme: "dotenv", Path: ".env", Key: "SENTRY_DSN"}, ""},
		{"dotenv://../shared/.env#A", providers.Ref{Scheme: "dotenv", Path: "../shared/.env", Key: "A"}, ""},
		{"file:///run/secrets/db_password", providers.Ref{Scheme: "file", Path: "/run/secrets/db_password"}, ""},
		{"file://creds.json#/a~1b/c~0d", providers.Ref{Scheme: "file", Path: "creds.json", Key: "/a~1b/c~0d"}, ""},
		{"env://CI_TOKEN", providers.Ref{Scheme: "env", Path: "CI_TOKEN"}, ""},
		{"x+y-z.1://p", providers.Ref{Scheme: "x+y-z.1", Path: "p"}, ""},
		// the key is everything after the first '#', options everything between '?' and '#'
		{"vault://a#k#l?m", providers.Ref{Scheme: "vault", Path: "a", Key: "k#l?m"}, ""},
		{"vault://a?x=1?y#k", providers.Ref{Scheme: "vault", Path: "a", Query: "x=1%3Fy", Key: "k"}, "vault://a?x=1%3Fy#k"},
		{"vault://a?", providers.Ref{Scheme: "vault", Path: "a"}, "vault://a"},
		{"vault://a?flag", providers.Ref{Scheme: "vault", Path: "a", Query: "flag="}, "vault://a?flag="},
		{"vault://a?v=1&v=2", providers.Ref{Scheme: "vault", Path: "a", Query: "v=1&v=2"}, ""},
		{"vault://a?p=%2F", providers.Ref{Scheme: "vault", Path: "a", Query: "p=%2F"}, ""},
		// the path is literal: no percent-decoding, no cleaning; spaces and non-ASCII are allowed
		{"vault://a%20b//c/", providers.Ref{Scheme: "vault", Path: "a%20b//c/"}, ""},
		{"file://My Secrets/é.txt", providers.Ref{Scheme: "file", Path: "My Secrets/é.txt"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := providers.ParseRef(tt.in)
			if err != nil {
				t.Fatalf("ParseRef: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseRef = %#v; want %#v", got, tt.want)
			}
			canonical := tt.canonical
			if canonical == "" {
				canonical = tt.in
			}
			if got.String() != canonical {
				t.Errorf("String() = %q; want %q", got.String(), canonical)
			}
			again, err := providers.ParseRef(got.String())
			if err != nil || again != got {
				t.Errorf("String() does not round-trip: %#v, %v", again, err)
			}
		})
	}
}

func TestParseRefErrors(t *testing.T) {
	const secret = "hunter2-SECRET"
	tests := []struct {
		in, text string
		quiet    bool // the input must not appear in the error
	}{
		{secret, "not a reference", true},
		{"", "not a reference", true},
		{"vault:/a", "not a reference", true},
		{"://" + secret, "not a reference", true},
		{"my " + secret + "://x", "not a reference", true},
		{"1vault://a", "not a reference", true},
		{"VAULT://a", `scheme "VAULT" must be lower case (vault://...)`, false},
		{"vault://", "empty path", false},
		{"vault://?x=1", "empty path", false},
		{"vault://#k", "empty path", false},
		{"vault://a#", "empty key", false},
		{"vault://a?x=%zz", "bad options", false},
		{"vault://a?x=1;y=2", "bad options", false},
		{"vault://a\n", "control character", false},
		{"file://a\tb", "control character", false},
		{"vault://a#k\r", "control character", false},
		{"vault://a\x00", "control character", false},
		// A literal put where a reference belongs may have a scheme of its own: never echoed.
		{"postgres://u:" + secret + "@db/app\n", "control character", true},
		{"postgres://u:" + secret + "@db/app#", "empty key", true},
		{"postgres://u:" + secret + "@db/app?sslmode=%zz", "bad options", true},
		{"postgres://?u=" + secret, "empty path", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := providers.ParseRef(tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, providers.ErrInvalidRef) {
				t.Errorf("%v does not match ErrInvalidRef", err)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
			if tt.quiet && strings.Contains(err.Error(), secret) {
				t.Errorf("error %q quotes its input", err)
			}
		})
	}
}

func TestRefHelpers(t *testing.T) {
	r, err := providers.ParseRef("awssm://db?version_stage=AWSCURRENT&region=eu-west-1#password")
	if err != nil {
		t.Fatal(err)
	}
	if r.Option("region") != "eu-west-1" || r.Option("version_stage") != "AWSCURRENT" || r.Option("absent") != "" {
		t.Errorf("Option: %v", r.Options())
	}
	src := r.Source()
	if src.Key != "" || src.Path != r.Path || src.Query != r.Query || src.String() != "awssm://db?region=eu-west-1&version_stage=AWSCURRENT" {
		t.Errorf("Source = %#v", src)
	}
	// Refs are comparable and deduplicate as map keys.
	a, _ := providers.ParseRef("vault://x?b=2&a=1#k")
	b, _ := providers.ParseRef("vault://x?a=1&b=2#k")
	if m := map[providers.Ref]int{a: 1, b: 2}; len(m) != 1 {
		t.Errorf("equal refs with reordered options are different map keys")
	}
	if (providers.Ref{}).Options() == nil {
		t.Error("Options of a ref without options is nil")
	}
}

func TestIsRef(t *testing.T) {
	remote := []string{"vault", "awssm", "gcpsm", "azkv"}
	for s, want := range map[string]bool{
		"vault://secret/x#k":    true,
		"awssm://prod/db":       true,
		"dotenv://.env#A":       false,
		"file:///etc/passwd":    false,
		"https://example.com":   false,
		"plain value":           false,
		"vault:/x":              false,
		"xvault://x":            false,
		"VAULT://x":             false,
		"":                      false,
		"postgres://u:p@host/d": false,
	} {
		if got := providers.IsRef(s, remote...); got != want {
			t.Errorf("IsRef(%q) = %v; want %v", s, got, want)
		}
	}
	if providers.IsRef("vault://x") {
		t.Error("IsRef with no schemes is true")
	}
}

func TestLocalFileError(t *testing.T) {
	for _, tt := range []struct {
		err           error
		baseDir, path string
		sentinel      error
		text, hint    string
	}{
		{fs.ErrNotExist, "/base", "x.env", providers.ErrNotFound, "no file /base/x.env", "(/base)"},
		{fs.ErrNotExist, "/base", "/abs/x", providers.ErrNotFound, "no file /abs/x", ""},
		{fs.ErrNotExist, "", "x", providers.ErrNotFound, "no file x", ""},
		{&fs.PathError{Op: "open", Path: "/base/x", Err: syscall.EACCES}, "/base", "x", providers.ErrDenied, "cannot read /base/x: permission denied", ""},
		{&fs.PathError{Op: "read", Path: "/base/x", Err: syscall.EIO}, "/base", "x", providers.ErrUnavailable, "cannot read /base/x: input/output error", ""},
	} {
		err := providers.LocalFileError(tt.err, tt.baseDir, tt.path)
		if !errors.Is(err, tt.sentinel) || err.Error() != tt.sentinel.Error()+": "+tt.text {
			t.Errorf("LocalFileError(%v, %q, %q) = %v; want %v: %s", tt.err, tt.baseDir, tt.path, err, tt.sentinel, tt.text)
		}
		if hint := providers.Hint(err); (tt.hint == "") != (hint == "") || !strings.Contains(hint, tt.hint) {
			t.Errorf("LocalFileError(%v, %q, %q) hint = %q; want one containing %q", tt.err, tt.baseDir, tt.path, hint, tt.hint)
		}
	}
}
