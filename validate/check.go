package validate

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Checker checks values against Rules. The zero value is ready to use.
type Checker struct {
	// Now returns the current time, for certificate and JWT expiry; nil means time.Now.
	Now func() time.Time
	// Examples holds the values of a committed `.env.example` file, by variable name. A secret
	// equal to the non-empty example value of the same name is a placeholder.
	Examples map[string]string
}

// report collects the failures and warnings of one value.
type report struct {
	name     string
	failures []Failure
	warnings []Warning
}

func (r *report) fail(rule, format string, args ...any) {
	r.failures = append(r.failures, Failure{Var: r.name, Rule: rule, Expected: fmt.Sprintf(format, args...)})
}

func (r *report) warn(rule, format string, args ...any) {
	r.warnings = append(r.warnings, Warning{Var: r.name, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// Check checks the value of the variable name against rules (nil means no rules but the
// placeholder check) and returns every failure and warning: the placeholder check first, then
// in the order of the rules table of docs/validation.md. Neither ever holds the value or any
// part of it.
func (c *Checker) Check(name, value string, rules *Rules) ([]Failure, []Warning) {
	if rules == nil {
		rules = &Rules{}
	}
	r := &report{name: name}
	if !rules.AllowPlaceholder {
		if why := c.placeholder(name, value); why != "" {
			r.fail("placeholder", "a real value, not a placeholder (%s)", why)
			hint := "if this value is meant, set allow_placeholder: true in the secret's validate block (see docs/validation.md)"
			if strings.HasPrefix(why, exampleWhy) {
				// Equal values also mean the real value may be in .env.example, a file meant to be committed.
				hint = "either the store holds a placeholder, or .env.example holds the real value: then remove it " +
					"from .env.example (which is meant to be committed) and rotate the secret; " + hint
			}
			r.failures[len(r.failures)-1].Hint = hint
		}
	}
	n := length(value)
	if rules.MinLength > 0 && n < rules.MinLength {
		r.fail("min_length", "at least %d characters", rules.MinLength)
	}
	if rules.MaxLength > 0 && n > rules.MaxLength {
		r.fail("max_length", "at most %d characters", rules.MaxLength)
	}
	if rules.Pattern != nil && !rules.Pattern.MatchString(value) {
		r.fail("pattern", "a match for the pattern %s", rules.Pattern.String())
	}
	if len(rules.OneOf) > 0 && !contains(rules.OneOf, value) {
		r.fail("one_of", "one of the %d values listed in one_of", len(rules.OneOf))
	}
	c.checkFormat(r, value, rules)
	return r.failures, r.warnings
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// length counts characters, or bytes when value is not UTF-8.
func length(value string) int {
	if utf8.ValidString(value) {
		return utf8.RuneCountInString(value)
	}
	return len(value)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkFormat runs the format's check and the rules that depend on it.
func (c *Checker) checkFormat(r *report, value string, rules *Rules) {
	switch f := rules.format(); f {
	case "":
	case FormatURL, FormatDSN:
		checkConn(r, value, f, rules.RequireTLS)
	case FormatJSON:
		checkJSON(r, value, rules.RequiredKeys)
	case FormatPEM:
		c.checkPEM(r, value, rules)
	case FormatJWT:
		c.checkJWT(r, value)
	default:
		if ok, expected := simpleFormats[f](value); !ok {
			r.fail("format", "%s", expected)
		}
	}
}

// expectations lists a rule's accepted values for messages: "a, b or c".
func expectations(list []string) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		return list[0]
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}
