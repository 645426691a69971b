package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
)

// confirmError is the refusal to fetch a protected profile's secrets without confirmation.
type confirmError struct{ err error }

func (e *confirmError) Error() string { return e.err.Error() }
func (e *confirmError) Unwrap() error { return e.err }

// confirmProtected is the step before anything is fetched for a protected profile (docs/config.md,
// "Protected profiles"): --confirm (SECRETRUN_CONFIRM) must name it, or, when stdin and stderr
// are a terminal, the user types its name. A --confirm that names another profile is an error
// for any profile. ctx cancelled while the prompt waits (Ctrl-C) returns ctx's error.
func (a *app) confirmProtected(ctx context.Context, p *plan) error {
	name := ""
	if p.profile != nil {
		name = p.profile.Name
	}
	given := a.opts.confirm
	if given != "" && given != name {
		in := "no profile is in use"
		if name != "" {
			in = fmt.Sprintf("the profile in use is %q", name)
		}
		return &confirmError{fmt.Errorf("--confirm (SECRETRUN_CONFIRM) names profile %q, but %s; nothing was fetched", given, in)}
	}
	if p.profile == nil || !p.profile.Protected {
		return nil
	}
	if given != "" {
		a.ui().Tracef("profile %s is protected: confirmed by --confirm", name)
		return nil
	}
	howto := fmt.Sprintf("set SECRETRUN_CONFIRM=%s (or pass --confirm %s)", name, name)
	s := a.deps.Streams
	if !s.InTTY || !s.ErrTTY {
		return &confirmError{fmt.Errorf("profile %q is protected and there is no terminal to confirm it on; %s; nothing was fetched", name, howto)}
	}
	fmt.Fprintf(s.Err, "secretrun: profile %q is protected; type its name to continue: ", name)
	typed, err := readLine(ctx, s.In)
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(s.Err)
		return ctx.Err()
	case err != nil && typed == "":
		fmt.Fprintln(s.Err)
		return &confirmError{providers.WithHint(fmt.Errorf("profile %q is protected and was not confirmed (end of input); nothing was fetched", name),
			"to confirm without a prompt, %s", howto)}
	case typed != name:
		return &confirmError{providers.WithHint(fmt.Errorf("profile %q is protected and the name typed does not match; nothing was fetched", name),
			"to confirm without a prompt, %s", howto)}
	}
	a.ui().Tracef("profile %s is protected: confirmed on the terminal", name)
	return nil
}

// readLine reads one line from r, a byte at a time so that nothing after the line is taken from
// the command, without its "\n" or "\r\n". It returns when ctx is done (the read goes on in the
// background; secretrun is then about to exit).
func readLine(ctx context.Context, r io.Reader) (string, error) {
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() {
		var b strings.Builder
		buf := make([]byte, 1)
		for {
			n, err := r.Read(buf)
			if n == 1 {
				if buf[0] == '\n' {
					break
				}
				b.WriteByte(buf[0])
				continue
			}
			if err != nil {
				ch <- line{strings.TrimSuffix(b.String(), "\r"), err}
				return
			}
		}
		ch <- line{strings.TrimSuffix(b.String(), "\r"), nil}
	}()
	select {
	case l := <-ch:
		return l.s, l.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// checkAllowedSources refuses the requests whose scheme the profile's allow_sources does not
// list: those of an --env-file and of inherited references (the profile's own secrets are
// checked when the file is read), each named with where it came from.
func checkAllowedSources(p *plan) error {
	if p.profile == nil || p.profile.AllowSources == nil {
		return nil
	}
	var errs []error
	for _, r := range p.requests {
		scheme := config.RefScheme(r.Ref)
		if scheme == "" || p.profile.AllowsScheme(scheme) {
			continue
		}
		err := fmt.Errorf("%s: %s uses %s://, which allow_sources of profile %s does not allow (allowed: %s)",
			r.Origin, r.Name, scheme, p.profile.Name, strings.Join(p.profile.AllowSources, ", "))
		if r.inherited {
			err = providers.WithHint(err, "unset %s, or add it to the profile's deny list", r.Name)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
