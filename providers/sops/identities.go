package sops

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"filippo.io/age/agessh"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/google/shlex"
	"golang.org/x/crypto/ssh"
)

// The environment variables sops reads age identities from, and where it looks by default.
const (
	envAgeKey     = "SOPS_AGE_KEY"      // identities, one or more per line
	envAgeKeyFile = "SOPS_AGE_KEY_FILE" // a file of identities, one per line
	envAgeKeyCmd  = "SOPS_AGE_KEY_CMD"  // a command that prints identities
	// envAgeSSHKeyFile names an SSH private key (ed25519 or RSA) to use as an age identity.
	envAgeSSHKeyFile = "SOPS_AGE_SSH_PRIVATE_KEY_FILE"
	// envAgeRecipient tells SOPS_AGE_KEY_CMD which recipient's identity is wanted.
	envAgeRecipient = "SOPS_AGE_RECIPIENT"
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

// loadIdentities reads the age identities from the places sops reads them: SSH private keys
// (SOPS_AGE_SSH_PRIVATE_KEY_FILE, ~/.ssh/id_ed25519, ~/.ssh/id_rsa), SOPS_AGE_KEY,
// SOPS_AGE_KEY_FILE and sops' default key file. Every place that is set or exists contributes.
// SOPS_AGE_KEY_CMD is run later, per recipient (cmdIdentities).
func loadIdentities(lookup func(string) (string, bool)) *identities {
	ids := &identities{}
	if path, ok := lookup(envAgeSSHKeyFile); ok && path != "" {
		ids.addSSH(fmt.Sprintf("%s (%s)", envAgeSSHKeyFile, path), path, false)
	}
	if home, ok := lookup("HOME"); ok && home != "" {
		for _, name := range []string{"id_ed25519", "id_rsa"} {
			path := filepath.Join(home, ".ssh", name)
			ids.addSSH(path, path, true)
		}
	}
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

// addSSH reads an SSH private key as an age identity. A passphrase-protected key is noted and
// skipped: secretrun never prompts. A missing optional file is skipped silently.
func (ids *identities) addSSH(where, path string, optional bool) {
	b, err := os.ReadFile(path)
	switch {
	case err != nil && optional && os.IsNotExist(err):
		return
	case err != nil:
		ids.problems = append(ids.problems, fmt.Sprintf("%s: cannot read the file: %s", where, pathErr(err)))
		return
	}
	id, err := agessh.ParseIdentity(b)
	var passphrase *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &passphrase):
		ids.problems = append(ids.problems, fmt.Sprintf("%s: the SSH key is passphrase-protected, and secretrun does not prompt", where))
	case err != nil:
		if !optional {
			ids.problems = append(ids.problems, fmt.Sprintf("%s: not an SSH private key that age can use (ed25519 or RSA)", where))
		}
	default:
		ids.parsed = append(ids.parsed, id)
		ids.found = append(ids.found, where+": 1 SSH identity")
	}
}

// cmdIdentities runs SOPS_AGE_KEY_CMD, as sops does, with SOPS_AGE_RECIPIENT set to the
// recipient whose identity is wanted, and parses its output as identities. Its output and its
// stderr are never shown: a failure is reported by its exit status only.
func cmdIdentities(ctx context.Context, lookup func(string) (string, bool), recipient string) (*identities, bool) {
	line, ok := lookup(envAgeKeyCmd)
	if !ok || line == "" {
		return nil, false
	}
	ids := &identities{}
	args, err := shlex.Split(line)
	if err != nil || len(args) == 0 {
		ids.problems = append(ids.problems, envAgeKeyCmd+": cannot be split into a command and its arguments")
		return ids, true
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), envAgeRecipient+"="+recipient)
	cmd.Stderr = io.Discard
	out, err := cmd.Output()
	if err != nil {
		reason := "failed"
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			reason = "failed: " + exit.ProcessState.String()
		} else if errors.Is(err, exec.ErrNotFound) {
			reason = "failed: command not found"
		}
		ids.problems = append(ids.problems, fmt.Sprintf("%s (%s) %s", envAgeKeyCmd, args[0], reason))
		return ids, true
	}
	ids.add(fmt.Sprintf("%s (%s)", envAgeKeyCmd, args[0]), string(out), false)
	return ids, true
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
