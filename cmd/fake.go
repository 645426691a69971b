package cmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/validate"
)

// fakeUsage is the help text of --fake.
const fakeUsage = "use deterministic fake values that satisfy each secret's validate rules; no store is contacted (see docs/validation.md)"

// withFakeFlag adds --fake to a command that fetches secrets (the root, run and check).
func withFakeFlag(a *app, c *cobra.Command) *cobra.Command {
	c.Flags().BoolVar(&a.opts.fake, "fake", false, fakeUsage)
	return c
}

// fakeResolve is resolve under --fake: each reference is parsed and its scheme checked, as
// before a real fetch, but no provider is opened or contacted. Each secret gets the fake value
// validate.Faker derives from the profile's name and the variable's name, satisfying the
// secret's rules. The values are registered with the redactor like real ones. A secret whose
// rules the generator cannot satisfy fails like a fetch (exit status 125).
func (a *app) fakeResolve(p *plan) ([]inject.Result, error) {
	seed := ""
	if p.profile != nil {
		seed = p.profile.Name
	}
	faker := &validate.Faker{Seed: seed}
	results := make([]inject.Result, len(p.requests))
	var errs []error
	for i, req := range p.requests {
		res := &results[i]
		res.Request = req.Request
		display := inject.DisplayRef(req.Ref, p.registry)
		ref, err := providers.ParseRef(req.Ref)
		switch {
		case err != nil:
			err = fmt.Errorf("%w: %v", providers.ErrInvalidRef, err)
		case !p.registry.Has(ref.Scheme):
			err = providers.WithHint(fmt.Errorf("%w %q", providers.ErrUnknownScheme, ref.Scheme),
				"known schemes: %s (see `secretrun providers`)", strings.Join(p.registry.Schemes(), ", "))
		}
		if err == nil {
			res.Parsed = ref
			var value string
			if value, err = faker.Fake(req.Name, req.rules); err == nil {
				res.Secret = providers.NewSecret([]byte(value), "fake")
				a.ui().Tracef("%s: %s: fake value (not fetched)", req.Name, display)
				continue
			}
		}
		res.Err = &inject.VarError{Name: req.Name, Origin: req.Origin, Ref: display, Err: err}
		errs = append(errs, res.Err)
	}
	return results, errors.Join(errs...)
}
