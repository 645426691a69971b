package cmd

import (
	"errors"
	"fmt"
	"strings"
	"sync"

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
	// Keys take a while to find (RSA: about 0.2 s for 2048 bits): values are made concurrently.
	var wg sync.WaitGroup
	for i, req := range p.requests {
		res := &results[i]
		res.Request = req.Request
		ref, err := providers.ParseRef(req.Ref)
		switch {
		case err != nil:
			res.Err = fmt.Errorf("%w: %v", providers.ErrInvalidRef, err)
		case !p.registry.Has(ref.Scheme):
			res.Err = providers.WithHint(fmt.Errorf("%w %q", providers.ErrUnknownScheme, ref.Scheme),
				"known schemes: %s (see `secretrun providers`)", strings.Join(p.registry.Schemes(), ", "))
		default:
			res.Parsed = ref
			wg.Go(func() {
				value, err := faker.Fake(req.Name, req.rules)
				res.Secret, res.Err = providers.NewSecret([]byte(value), "fake"), err
			})
		}
	}
	wg.Wait()
	var errs []error
	for i := range results {
		res := &results[i]
		display := inject.DisplayRef(res.Request.Ref, p.registry)
		if res.Err == nil {
			a.ui().Tracef("%s: %s: fake value (not fetched)", res.Name, display)
			continue
		}
		res.Secret = providers.Secret{}
		res.Err = &inject.VarError{Name: res.Name, Origin: res.Origin, Ref: display, Err: res.Err}
		errs = append(errs, res.Err)
	}
	return results, errors.Join(errs...)
}
