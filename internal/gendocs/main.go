// Command gendocs writes secretrun's man pages and shell completion scripts, generated from its
// command tree (cmd.DocTree), for the release archives and packages. .goreleaser.yaml runs it
// before building:
//
//	go run ./internal/gendocs -out build -date 2026-12-06T15:00:00Z -version 1.2.3
//
// writes build/man/secretrun*.1.gz and build/completions/secretrun.{bash,zsh,fish,ps1}. The
// output depends only on the command tree and the flags: -date (RFC 3339 or Unix seconds; the
// commit date in a release) goes into the man pages instead of today, and the gzip headers carry
// no name or time, so a release build is reproducible.
//
// It is a separate program, rather than a secretrun command, so that cobra/doc and the markdown
// renderer it uses are not linked into secretrun itself. Like cmd, it may import cobra.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/secretrun/secretrun/cmd"
)

func main() {
	out := flag.String("out", "build", "output directory")
	dateFlag := flag.String("date", os.Getenv("SOURCE_DATE_EPOCH"), "date of the man pages: RFC 3339 or Unix seconds (default $SOURCE_DATE_EPOCH)")
	version := flag.String("version", "", "version named in the man pages' footer")
	flag.Parse()
	date, err := parseDate(*dateFlag)
	if err == nil {
		err = generate(cmd.DocTree(), *out, date, *version)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}

// parseDate reads -date. It is required: today's date would make every build differ.
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("-date (or SOURCE_DATE_EPOCH) is required, e.g. the commit date")
	}
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("-date %q: want RFC 3339 or Unix seconds", s)
	}
	return t.UTC(), nil
}

// generate writes the man pages and completion scripts of root under dir.
func generate(root *cobra.Command, dir string, date time.Time, version string) error {
	disableAutoGenTag(root)
	manDir, compDir := filepath.Join(dir, "man"), filepath.Join(dir, "completions")
	for _, d := range []string{manDir, compDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	source := "secretrun"
	if version != "" {
		source += " " + version
	}
	header := &doc.GenManHeader{Title: "SECRETRUN", Section: "1", Date: &date, Source: source, Manual: "secretrun manual"}
	if err := manTree(root, header, manDir); err != nil {
		return err
	}
	scripts := []struct {
		file string
		gen  func(io.Writer) error
	}{
		{"secretrun.bash", func(w io.Writer) error { return root.GenBashCompletionV2(w, true) }},
		{"secretrun.zsh", root.GenZshCompletion},
		{"secretrun.fish", func(w io.Writer) error { return root.GenFishCompletion(w, true) }},
		{"secretrun.ps1", root.GenPowerShellCompletionWithDesc},
	}
	for _, s := range scripts {
		var buf bytes.Buffer
		if err := s.gen(&buf); err != nil {
			return fmt.Errorf("completion %s: %w", s.file, err)
		}
		if err := os.WriteFile(filepath.Join(compDir, s.file), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// manTree writes one gzipped man page per available command, as doc.GenManTree names them
// (secretrun.1, secretrun-check.1, ...).
func manTree(c *cobra.Command, header *doc.GenManHeader, dir string) error {
	for _, sub := range c.Commands() {
		if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := manTree(sub, header, dir); err != nil {
			return err
		}
	}
	var page bytes.Buffer
	h := *header // GenMan fills in a copy's empty fields per command
	h.Title = strings.ToUpper(manName(c))
	if err := doc.GenMan(c, &h, &page); err != nil {
		return fmt.Errorf("man page of %s: %w", c.CommandPath(), err)
	}
	name := filepath.Join(dir, manName(c)+".1.gz")
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression) // no name, no mtime: reproducible
	if _, err := zw.Write(page.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(name, gz.Bytes(), 0o644)
}

// manName is a command's page name: its path with spaces as dashes.
func manName(c *cobra.Command) string {
	name := c.Name()
	for p := c.Parent(); p != nil; p = p.Parent() {
		name = p.Name() + "-" + name
	}
	return name
}

func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}
