package cmd

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/dotenv"
	"github.com/secretrun/secretrun/validate"
)

// exampleFile is the committed file of placeholder values, beside the configuration file, whose
// values a secret must not equal (docs/validation.md).
const exampleFile = ".env.example"

// profileRules returns the rules a profile secret is checked against: its `validate:` block, or
// none but the placeholder check.
func profileRules(s config.SecretSpec) *validate.Rules {
	if s.Validate != nil {
		return s.Validate
	}
	return &validate.Rules{}
}

// validateResults checks every fetched profile secret against its rules, after the fetch and
// before the child starts. It prints the warnings (a certificate about to expire) and returns an
// error joining one *inject.VarError per failure, nil when every value passed.
func (a *app) validateResults(p *plan, results []inject.Result) error {
	_, warnings, err := a.checkValues(p, results)
	for _, ws := range warnings {
		for _, w := range ws {
			a.ui().Warnf("%s", w)
		}
	}
	return err
}

// checkValues checks every fetched profile secret against its rules and returns the failures
// and warnings of each result, in order, and an error joining one *inject.VarError per failure.
// Secrets from --env-file and inherited references have no rules and are not checked.
func (a *app) checkValues(p *plan, results []inject.Result) ([][]validate.Failure, [][]validate.Warning, error) {
	checker := &validate.Checker{Examples: a.examples(p)}
	failures := make([][]validate.Failure, len(results))
	warnings := make([][]validate.Warning, len(results))
	var errs []error
	for i, r := range results {
		rules := p.requests[i].rules
		if r.Err != nil || rules == nil {
			continue
		}
		failures[i], warnings[i] = checker.Check(r.Name, r.Secret.Reveal(), rules)
		for _, f := range failures[i] {
			var err error = &f
			if f.Hint != "" {
				err = providers.WithHint(err, "%s", f.Hint)
			}
			errs = append(errs, &inject.VarError{Name: r.Name, Origin: r.Origin, Ref: r.Parsed.String(), Err: err})
		}
	}
	return failures, warnings, errors.Join(errs...)
}

// examples reads the .env.example file beside the configuration file, if there is one. A file
// that cannot be read is a warning: it only adds placeholders to look for.
func (a *app) examples(p *plan) map[string]string {
	if p.cfg == nil || p.cfg.Path == "" {
		return nil
	}
	path := p.cfg.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(a.deps.Dir, path)
	}
	path = filepath.Join(filepath.Dir(path), exampleFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			a.ui().Warnf("%s: %v; its placeholders are not checked", a.displayPath(path), describeErr(err))
		}
		return nil
	}
	vars, err := dotenv.Parse(bytes.NewReader(data), a.displayPath(path))
	if err != nil {
		a.ui().Warnf("%v; its placeholders are not checked", err) // dotenv's errors start with the file's name
		return nil
	}
	a.ui().Tracef("placeholders: values of %s", a.displayPath(path))
	m := make(map[string]string, len(vars))
	for _, v := range vars {
		m[v.Name] = v.Value
	}
	return m
}

// describeErr shortens a file-system error for a message that already names the file.
func describeErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// validationText is the part of a check table's status cell about validation:
// ": format: expected ...; min_length: expected ..." and " (warning: ...)".
func validationText(fails []validate.Failure, warns []validate.Warning) string {
	var b strings.Builder
	for i, f := range fails {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Rule + ": expected " + f.Expected)
	}
	for _, w := range warns {
		b.WriteString(" (warning: " + w.Message + ")")
	}
	return b.String()
}
