package config

import (
	"strings"
	"testing"
)

func TestAuditSection(t *testing.T) {
	cfg, err := Parse("f.yaml", []byte("version: 1\naudit:\n  file: /var/log/secretrun.jsonl\n  syslog: true\n  syslog_address: unixgram:/dev/log\n  required: true\n  full_argv: true\nprofiles: {a: {}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Audit{File: "/var/log/secretrun.jsonl", Syslog: true, SyslogAddress: "unixgram:/dev/log", Required: true, FullArgv: true, Line: 2}
	if cfg.Audit != want {
		t.Fatalf("Audit = %+v, want %+v", cfg.Audit, want)
	}
	if cfg, _ := Parse("f.yaml", []byte("profiles: {a: {}}\n")); cfg.Audit != (Audit{}) {
		t.Fatalf("no audit section: got %+v, want the zero value", cfg.Audit)
	}
}

func TestAuditSectionErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"audit:\n  fiel: x\n", "f.yaml:2: audit: unknown field"},
		{"audit:\n  file: ''\n", "f.yaml:2: audit.file: must not be empty"},
		{"audit:\n  required: maybe\n", "f.yaml:2: audit.required: must be true or false"},
		{"audit:\n  syslog_address: /dev/log\n", "f.yaml:2: audit.syslog_address: must be NETWORK:ADDRESS"},
		{"audit:\n  syslog_address: 'http:x'\n", "f.yaml:2: audit.syslog_address: must be NETWORK:ADDRESS"},
		{"audit: [file]\n", "f.yaml:1: audit"},
	} {
		_, err := Parse("f.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.yaml, err, tc.want)
		}
	}
}

// Where there is no syslog (Windows), audit.syslog: true is a configuration error.
func TestAuditSyslogMissing(t *testing.T) {
	defer func(f func() bool) { syslogMissing = f }(syslogMissing)
	syslogMissing = func() bool { return true }
	_, err := Parse("f.yaml", []byte("audit:\n  syslog: true\n"))
	if err == nil || !strings.Contains(err.Error(), "f.yaml:2: audit.syslog: there is no syslog on") {
		t.Fatalf("error %v, want audit.syslog refused", err)
	}
	if _, err := Parse("f.yaml", []byte("audit:\n  syslog: false\n")); err != nil {
		t.Fatal(err)
	}
}
