package sops

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	sopsage "github.com/getsops/sops/v3/age"
)

// The environment variables sops reads age identities from, and where it looks by default.
const (
	envAgeKey     = "SOPS_AGE_KEY"      // identities, one or more per line
	envAgeKeyFile = "SOPS_AGE_KEY_FILE" // a file of identities, one per line
	// defaultAgeKeys is sops' default identity file, under the user's configuration directory.
	defaultAgeKeys = "sops/age/keys.txt"
)

// identities is the set of age identities found in the places sops looks, and a value-free
// account of where it looked, for error messages.
type identities struct {
	parsed sopsage.ParsedIdentities
	// found lists each place that held identities, with how many ("SOPS_AGE_KEY_FILE
	// (/home/u/keys.txt): 2 identities").
	found []string
	// looked lists the places that were tried and held none.
	looked []string
	// problems lists places that could not be read or held a malformed line. They name the
	// place and the line number, never the line.
	problems []string
}

// loadIdentities reads the age identities from SOPS_AGE_KEY, SOPS_AGE_KEY_FILE and sops' default
// key file, as sops does: every place that is set or exists contributes.
func loadIdentities(lookup func(string) (string, bool)) *identities {
	ids := &identities{}
	if v, ok := lookup(envAgeKey); ok && v != "" {
		ids.add(envAgeKey, v, true)
	} else {
		ids.looked = append(ids.looked, envAgeKey)
	}
	if path, ok := lookup(envAgeKeyFile); ok && path != "" {
		ids.addFile(fmt.Sprintf("%s (%s)", envAgeKeyFile, path), path, false)
	} else {
		ids.looked = append(ids.looked, envAgeKeyFile)
	}
	if dir := userConfigDir(lookup); dir != "" {
		path := filepath.Join(dir, filepath.FromSlash(defaultAgeKeys))
		ids.addFile(path, path, true)
	}
	return ids
}

// addFile reads identities from a file. A missing default file is only noted as looked at.
func (ids *identities) addFile(where, path string, optional bool) {
	b, err := os.ReadFile(path)
	switch {
	case err != nil && optional && os.IsNotExist(err):
		ids.looked = append(ids.looked, where)
	case err != nil:
		ids.problems = append(ids.problems, fmt.Sprintf("%s: cannot read the file: %s", where, pathErr(err)))
	default:
		ids.add(where, string(b), false)
	}
}

// add parses text as identities, one per line (several per line, separated by blanks, when
// words is set, as sops allows in SOPS_AGE_KEY). Blank lines and # comments are skipped. A
// malformed line is reported by number only: it may hold most of a private key.
func (ids *identities) add(where, text string, words bool) {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		items := []string{l}
		if words {
			items = strings.Fields(l)
		}
		for _, item := range items {
			// sops' own parser (X25519, post-quantum hybrid and plugin identities); its error
			// is dropped, as it may quote part of the key.
			if err := ids.parsed.Import(item); err != nil {
				ids.problems = append(ids.problems, fmt.Sprintf("%s: line %d is not an age identity (AGE-SECRET-KEY-1..., AGE-SECRET-KEY-PQ-1... or AGE-PLUGIN-...)", where, line))
				continue
			}
			n++
		}
	}
	if sc.Err() != nil {
		ids.problems = append(ids.problems, fmt.Sprintf("%s: a line is too long to be an age identity", where))
	}
	if n == 0 {
		ids.looked = append(ids.looked, where)
		return
	}
	plural := "identities"
	if n == 1 {
		plural = "identity"
	}
	ids.found = append(ids.found, fmt.Sprintf("%s: %d %s", where, n, plural))
}

// pathErr is the reason of a file error without the path it repeats.
func pathErr(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// userConfigDir is os.UserConfigDir read through lookup, with sops' one difference: on macOS,
// XDG_CONFIG_HOME is honoured first.
func userConfigDir(lookup func(string) (string, bool)) string {
	get := func(k string) string { v, _ := lookup(k); return v }
	switch runtime.GOOS {
	case "windows":
		return get("AppData")
	case "darwin":
		if x := get("XDG_CONFIG_HOME"); x != "" {
			return x
		}
		if h := get("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support")
		}
	default:
		if x := get("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
			return x
		}
		if h := get("HOME"); h != "" {
			return filepath.Join(h, ".config")
		}
	}
	return ""
}
