package cimask

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/secretrun/secretrun/redact"
)

// System is a CI system whose log masking secretrun can extend at run time.
type System string

// The systems Detect recognises.
const (
	GitHub    System = "github"    // GITHUB_ACTIONS=true
	Azure     System = "azure"     // TF_BUILD=True
	Buildkite System = "buildkite" // BUILDKITE=true
)

// Detect returns the CI system secretrun runs under, from its environment, or "" for none.
func Detect(getenv func(string) string) System {
	switch {
	case getenv("GITHUB_ACTIONS") == "true":
		return GitHub
	case strings.EqualFold(getenv("TF_BUILD"), "true"):
		return Azure
	case getenv("BUILDKITE") == "true":
		return Buildkite
	}
	return ""
}

// Value is one string to register as a mask. Name is the variable it comes from; it is not
// secret and appears in errors.
type Value struct {
	Name  string
	Value string
}

// Pieces splits values into the strings to register: each value with surrounding whitespace
// trimmed, and the parts of it that secretrun's redactor masks on their own under opt
// (redact.Parts): each line of 16 bytes or more of a multi-line value, since runners match a
// mask within one log line, PEM armour lines left out; each string or number of a JSON
// document, each value of a YAML or INI document (a kubeconfig's token, an AWS credentials
// file's key), the password of a .netrc, of a URL or of a DSN (password=...). A later step
// that prints a part on its own is then masked by the runner as secretrun masks it. keep
// applies the caller's weak-value policy to each piece; pieces it rejects (short, trivial:
// registering "true" as a mask would wreck the log) are left out. Duplicates are registered
// once, in first-seen order.
func Pieces(values []Value, opt redact.Options, keep func(string) bool) []Value {
	var out []Value
	seen := map[string]bool{}
	add := func(name, s string) {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] || !keep(s) {
			return
		}
		seen[s] = true
		out = append(out, Value{Name: name, Value: s})
	}
	for _, v := range values {
		add(v.Name, v.Value)
		for _, part := range redact.Parts(v.Value, opt) {
			add(v.Name, part)
		}
	}
	return out
}

// EncodedForms returns the common encoded forms of s that differ from it: standard and URL-safe
// base64 (what `echo -n "$S" | base64` and Basic auth headers show, without padding), the inside
// of a JSON string, and URL query escaping.
func EncodedForms(s string) []string {
	var out []string
	seen := map[string]bool{s: true}
	for _, f := range []string{
		base64.RawStdEncoding.EncodeToString([]byte(s)),
		base64.RawURLEncoding.EncodeToString([]byte(s)),
		jsonInner(s),
		url.QueryEscape(s),
	} {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// jsonInner is s as it appears between the quotes of a JSON string.
func jsonInner(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b[1 : len(b)-1])
}

// GitHubCommand returns the ::add-mask:: workflow command that registers s, with its data
// escaped as the runner's ActionCommand parser unescapes it (% \r \n as %25 %0D %0A).
func GitHubCommand(s string) string {
	return "::add-mask::" + EscapeGitHubData(s) + "\n"
}

// EscapeGitHubData escapes the data part of a GitHub workflow command.
func EscapeGitHubData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// AzureCommand returns the ##vso[task.setsecret] logging command that registers s, with s
// escaped as the agent unescapes command data: % as %AZP25, then ; \r \n ] as %3B %0D %0A %5D.
func AzureCommand(s string) string {
	r := strings.NewReplacer("%", "%AZP25", ";", "%3B", "\r", "%0D", "\n", "%0A", "]", "%5D")
	return "##vso[task.setsecret]" + r.Replace(s) + "\n"
}

// Registrar registers masks with one CI system.
type Registrar struct {
	// System is the CI system.
	System System
	// Out is where workflow and logging commands are written: secretrun's real stderr, which
	// the runner reads for commands, never stdout (the command's data, which a caller may
	// capture or redirect to a file) nor the redactor in front of the child's output (it would
	// mask them).
	Out io.Writer
	// LookPath finds buildkite-agent; nil means exec.LookPath.
	LookPath func(string) (string, error)
	// Timeout bounds running buildkite-agent; 0 means 10s.
	Timeout time.Duration
}

// Register registers every piece. The commands for GitHub and Azure are written to Out in one
// write; for Buildkite, `buildkite-agent redactor add --format json` reads them on its stdin
// (when the agent is not on PATH, Register does nothing and says so in its error). Errors never
// contain a value.
func (r Registrar) Register(ctx context.Context, pieces []Value) error {
	if len(pieces) == 0 {
		return nil
	}
	switch r.System {
	case GitHub, Azure:
		var b strings.Builder
		for _, p := range pieces {
			if r.System == GitHub {
				b.WriteString(GitHubCommand(p.Value))
			} else {
				b.WriteString(AzureCommand(p.Value))
			}
		}
		if _, err := io.WriteString(r.Out, b.String()); err != nil {
			return fmt.Errorf("cannot register masks with %s: %w", r.System, err)
		}
		return nil
	case Buildkite:
		return r.buildkite(ctx, pieces)
	}
	return nil
}

// buildkite runs `buildkite-agent redactor add --format json` with a JSON object of the pieces
// and their EncodedForms on its stdin: one call for all of them. Buildkite's redactor matches
// exactly what it is given, unlike GitHub's and Azure's, which derive encoded forms themselves.
func (r Registrar) buildkite(ctx context.Context, pieces []Value) error {
	look := r.LookPath
	if look == nil {
		look = exec.LookPath
	}
	agent, err := look("buildkite-agent")
	if err != nil {
		return fmt.Errorf("buildkite-agent is not on PATH; secret values are not registered with the Buildkite redactor")
	}
	obj := map[string]string{}
	n := 0
	for _, p := range pieces {
		for _, form := range append([]string{p.Value}, EncodedForms(p.Value)...) {
			obj[fmt.Sprintf("%s_%d", p.Name, n)] = form
			n++
		}
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("cannot register masks with buildkite: %w", err)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := exec.CommandContext(ctx, agent, "redactor", "add", "--format", "json")
	c.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	c.Stderr = &stderr // the agent's messages could quote its input: kept out of ours
	if err := c.Run(); err != nil {
		return fmt.Errorf("buildkite-agent redactor add failed (%v); secret values are not registered with the Buildkite redactor", exitText(err))
	}
	return nil
}

// exitText describes how a command failed without its output.
func exitText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ProcessState.String()
	}
	return err.Error()
}
