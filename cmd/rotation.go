package cmd

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
)

// ExitPolicy is the status of `secretrun check --strict-rotation` when every secret resolved and
// passed its rules but the rotation policy is not met (docs/rotation.md): distinct from 125,
// which means something is broken rather than due.
const ExitPolicy = 1

// rotationPolicy is a secret's documented owner and rotation period (config's owner and
// rotate_every). profile is false for references from an --env-file or the inherited
// environment, which have no place to declare a policy.
type rotationPolicy struct {
	profile bool
	owner   string
	every   time.Duration
}

// rotation is what check reports about one resolved secret's age: never a value.
type rotation struct {
	created time.Time     // zero: the store keeps no creation time
	age     time.Duration // valid when created is set
	overdue time.Duration // > 0: past rotate_every by this much
}

// ageOf computes a secret's age at now from its version's creation time. A creation time in
// the future (clock skew) is age 0.
func ageOf(p rotationPolicy, created, now time.Time) rotation {
	r := rotation{created: created}
	if created.IsZero() {
		return r
	}
	r.age = max(now.Sub(created), 0)
	if p.every > 0 && r.age > p.every {
		r.overdue = r.age - p.every
	}
	return r
}

// rotationProblems returns what check says about a resolved secret's rotation: warnings always,
// and the same text as errors when strict (--strict-rotation), which also requires every profile
// secret to have an owner and a rotate_every. References from an --env-file or the environment
// cannot carry a policy, so they are never held to one.
func rotationProblems(p rotationPolicy, r rotation, strict bool) []string {
	var out []string
	switch {
	case p.every > 0 && r.created.IsZero():
		out = append(out, fmt.Sprintf("rotate_every %s: age unknown (the store keeps no creation time for it, or it could not be read), so the policy cannot be checked", formatPeriod(p.every)))
	case r.overdue > 0:
		out = append(out, fmt.Sprintf("rotate_every %s: overdue by %s (age %s%s)", formatPeriod(p.every), formatAge(r.overdue), formatAge(r.age), ownerText(p.owner)))
	}
	if strict && p.profile {
		if p.owner == "" {
			out = append(out, "no owner: --strict-rotation requires owner: (a team or an email) on every secret")
		}
		if p.every == 0 {
			out = append(out, "no rotate_every: --strict-rotation requires a rotation policy (rotate_every: 90d) on every secret")
		}
	}
	return out
}

func ownerText(owner string) string {
	if owner == "" {
		return ", no owner"
	}
	return ", owner " + owner
}

// checkRotation reports the rotation problems of check's rows on stderr as warnings, or, when
// strict, returns them as one error per problem (each naming the variable, its origin and its
// reference, as other check failures do).
func (a *app) checkRotation(p *plan, results []inject.Result, rots []rotation, strict bool) error {
	var errs []error
	for i, r := range results {
		if r.Err != nil {
			continue // already reported as a failure, or skipped (optional, not found)
		}
		for _, msg := range rotationProblems(p.requests[i].policy, rots[i], strict) {
			ve := &inject.VarError{Name: r.Name, Origin: r.Origin, Ref: r.Parsed.String(), Err: errors.New(msg)}
			if strict {
				errs = append(errs, ve)
			} else {
				a.ui().Warnf("%s", ve.Error())
			}
		}
	}
	return errors.Join(errs...)
}

// formatAge prints an age coarsely, in its largest whole unit: 3d, 5h, 12m, 0m.
func formatAge(d time.Duration) string {
	switch {
	case d >= config.Day:
		return strconv.FormatInt(int64(d/config.Day), 10) + "d"
	case d >= time.Hour:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	default:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
}

// formatPeriod prints a rotate_every as it is usually written: 90d, 1d12h0m0s, 36h0m0s.
func formatPeriod(d time.Duration) string {
	days, rest := d/config.Day, d%config.Day
	switch {
	case days == 0:
		return rest.String()
	case rest == 0:
		return strconv.FormatInt(int64(days), 10) + "d"
	default:
		return strconv.FormatInt(int64(days), 10) + "d" + rest.String()
	}
}

// fillCreated asks providers that implement providers.Dater (GCP) for the creation time of
// each version check resolved, since their fetch does not return it. A time that cannot be read
// stays unknown, with a warning naming the variable (never a value). The look-ups are bounded
// by --timeout, like the fetch.
func (a *app) fillCreated(ctx context.Context, p *plan, results []inject.Result) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.timeout)
	defer cancel()
	byScheme := make(map[string][]int)
	var schemes []string
	for i, r := range results {
		if r.Err != nil || !r.Secret.Created.IsZero() {
			continue
		}
		if _, ok := byScheme[r.Parsed.Scheme]; !ok {
			schemes = append(schemes, r.Parsed.Scheme)
		}
		byScheme[r.Parsed.Scheme] = append(byScheme[r.Parsed.Scheme], i)
	}
	for _, scheme := range schemes {
		prov, err := p.registry.Provider(scheme)
		dater, ok := prov.(providers.Dater)
		if err != nil || !ok {
			continue
		}
		idx := byScheme[scheme]
		refs, versions := make([]providers.Ref, len(idx)), make([]string, len(idx))
		for j, i := range idx {
			refs[j], versions[j] = results[i].Parsed, results[i].Secret.Version
		}
		times, err := dater.Created(ctx, refs, versions)
		for j, i := range idx {
			if j < len(times) {
				results[i].Secret.Created = times[j]
			}
		}
		for _, re := range refErrors(err) {
			for _, i := range idx {
				if results[i].Parsed == re.Ref {
					r := results[i]
					ve := &inject.VarError{Name: r.Name, Origin: r.Origin, Ref: r.Parsed.String(),
						Err: fmt.Errorf("creation time not read: %s", a.ui().mask(leafText(re.Err)))}
					a.ui().Warnf("%s", ve.Error())
				}
			}
		}
	}
}

// refErrors lists the *providers.RefError values joined in err.
func refErrors(err error) []*providers.RefError {
	if err == nil {
		return nil
	}
	var out []*providers.RefError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, refErrors(e)...)
		}
		return out
	}
	var re *providers.RefError
	if errors.As(err, &re) {
		out = append(out, re)
	}
	return out
}
