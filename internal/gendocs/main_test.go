package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secretrun/secretrun/cmd"
)

func TestGenerate(t *testing.T) {
	date := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	if err := generate(cmd.DocTree(), dir, date, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	page := readGz(t, filepath.Join(dir, "man", "secretrun.1.gz"))
	for _, want := range []string{`.TH "SECRETRUN" "1" "Dec 2026" "secretrun 1.2.3" "secretrun manual"`, `\fB--timeout\fP`, `\fB--color\fP=auto`, "secretrun-check(1)", "SECRETRUN_"} {
		if !strings.Contains(page, want) {
			t.Errorf("secretrun.1 lacks %q", want)
		}
	}
	for _, name := range []string{"check", "env", "redact", "run", "profiles", "providers", "version", "completion"} {
		page := readGz(t, filepath.Join(dir, "man", "secretrun-"+name+".1.gz"))
		if !strings.Contains(page, `.TH "SECRETRUN-`+strings.ToUpper(name)+`" "1"`) || !strings.Contains(page, "secretrun-"+name) {
			t.Errorf("secretrun-%s.1 is not a man page of that command:\n%s", name, page)
		}
	}
	for file, want := range map[string]string{
		"secretrun.bash": "# bash completion V2 for secretrun",
		"secretrun.zsh":  "#compdef secretrun",
		"secretrun.fish": "# fish completion for secretrun",
		"secretrun.ps1":  "Register-ArgumentCompleter",
	} {
		data, err := os.ReadFile(filepath.Join(dir, "completions", file))
		if err != nil || !bytes.Contains(data, []byte(want)) {
			t.Errorf("completions/%s: %v, lacks %q", file, err, want)
		}
	}

	// Reproducible: a second run gives the same bytes.
	again := t.TempDir()
	if err := generate(cmd.DocTree(), again, date, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"man", "completions"} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range entries {
			a, _ := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			b, err := os.ReadFile(filepath.Join(again, sub, e.Name()))
			if err != nil || !bytes.Equal(a, b) {
				t.Errorf("%s/%s differs between two runs (%v)", sub, e.Name(), err)
			}
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"1764583200":                "2025-12-01T10:00:00Z",
		"2026-12-01T11:00:00+01:00": "2026-12-01T10:00:00Z",
	} {
		got, err := parseDate(in)
		if err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("parseDate(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday"} {
		if _, err := parseDate(bad); err == nil {
			t.Errorf("parseDate(%q) succeeded", bad)
		}
	}
}

func readGz(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return string(data)
}
