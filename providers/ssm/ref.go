package ssm

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/secretrun/secretrun/providers"
)

// Reference options.
const (
	optVersion = "version"
	optLabel   = "label"
	optRegion  = "region"
)

// Limits of Parameter Store names (see docs/providers/ssm.md).
const (
	maxNameLen = 1011 // the longest name Parameter Store accepts
	maxDepth   = 15   // the deepest hierarchy
)

var (
	regionRE   = lazyRegexp(`^[a-z]{2,4}(-[a-z0-9]+)+-[0-9]+$`)
	nameRE     = lazyRegexp(`^[A-Za-z0-9_.\-/]+$`)
	labelRE    = lazyRegexp(`^[A-Za-z_.\-][A-Za-z0-9_.\-]{0,99}$`)
	paramARNRE = lazyRegexp(`^arn:(aws[a-z-]*):ssm:([a-z0-9-]+):([0-9]{12}):parameter(/.+)$`)
)

// target is what one source (a Ref without its key) asks Parameter Store for.
type target struct {
	name    string // as sent: "NAME", "/path/to/name", or an ARN
	version int64  // 0: the latest
	label   string // "": none
	region  string // from ?region= or the ARN; "" means the configured default
}

// selector is the name as GetParameters takes it: NAME, NAME:VERSION or NAME:LABEL.
func (t target) selector() string {
	switch {
	case t.version != 0:
		return t.name + ":" + strconv.FormatInt(t.version, 10)
	case t.label != "":
		return t.name + ":" + t.label
	}
	return t.name
}

// key identifies the parameter t names, whatever the spelling: "/x" and "x" are one parameter
// to Parameter Store, and an ARN names the parameter after its "parameter" part.
func (t target) key() string {
	name := t.name
	if m := paramARNRE().FindStringSubmatch(name); m != nil {
		name = m[4]
	}
	return "/" + strings.TrimPrefix(name, "/")
}

// what names the parameter (and its version or label) in errors.
func (t target) what() string {
	p := fmt.Sprintf("parameter %q in %s", t.name, t.region)
	switch {
	case t.version != 0:
		return fmt.Sprintf("version %d of %s", t.version, p)
	case t.label != "":
		return fmt.Sprintf("label %s of %s", t.label, p)
	}
	return p
}

func parseRef(ref providers.Ref) (target, error) {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("ssm: %w: %s", providers.ErrInvalidRef, fmt.Sprintf(format, args...))
	}
	if ref.Scheme != Scheme {
		return target{}, invalid("scheme %q is not %s", ref.Scheme, Scheme)
	}
	t := target{name: ref.Path}
	opts, err := url.ParseQuery(ref.Query)
	if err != nil {
		return target{}, invalid("bad options")
	}
	var unknown []string
	for k, vs := range opts {
		if len(vs) != 1 {
			return target{}, invalid("option %q given %d times", k, len(vs))
		}
		v := vs[0]
		switch k {
		case optVersion:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 || strconv.FormatInt(n, 10) != v {
				return target{}, invalid("version %q is not a parameter version (1, 2, ...)", v)
			}
			t.version = n
		case optLabel:
			if !labelRE().MatchString(v) || hasReservedPrefix(v) {
				return target{}, invalid("label %q is not a parameter label (1-100 of A-Z a-z 0-9 _ . -, not starting with a digit, aws or ssm)", v)
			}
			t.label = v
		case optRegion:
			if !regionRE().MatchString(v) {
				return target{}, invalid("region %q is not an AWS region name (like eu-west-1)", v)
			}
			t.region = v
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return target{}, invalid("unknown option %s (known: version, label, region)", strings.Join(unknown, ", "))
	}
	if t.version != 0 && t.label != "" {
		return target{}, invalid("use version or label, not both")
	}
	name := t.name
	if strings.HasPrefix(name, "arn:") {
		m := paramARNRE().FindStringSubmatch(name)
		if m == nil {
			return target{}, invalid("%q is not a Parameter Store ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME)", name)
		}
		if t.region != "" && t.region != m[2] {
			return target{}, invalid("region=%s contradicts the ARN's region %s", t.region, m[2])
		}
		t.region = m[2]
		name = m[4] // "/NAME" or "/path/to/name"
	}
	if err := checkName(name); err != nil {
		return target{}, err
	}
	return t, nil
}

// checkName checks a parameter name (without ARN prefix) as Parameter Store would.
func checkName(name string) error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("ssm: %w: %s", providers.ErrInvalidRef, fmt.Sprintf(format, args...))
	}
	switch {
	case len(name) > maxNameLen:
		return invalid("a parameter name is at most %d characters; this one has %d", maxNameLen, len(name))
	case strings.Contains(name, ":"):
		return providers.WithHint(invalid("%q: a parameter name cannot hold ':'", name),
			"select a version or label with ?version=N or ?label=LABEL, not NAME:N")
	case !nameRE().MatchString(name):
		return invalid("%q is not a parameter name (A-Z a-z 0-9 _ . - and / between the levels of a hierarchy)", name)
	case strings.Contains(name, "/") && !strings.HasPrefix(name, "/"):
		return providers.WithHint(invalid("%q is a hierarchical name without its leading '/'", name),
			"a hierarchical parameter is named from the root, like /%s: write ssm:///%s (three slashes)", name, name)
	case strings.HasSuffix(name, "/") || strings.Contains(name, "//"):
		return invalid("%q has an empty level: a parameter name neither ends with '/' nor holds '//'", name)
	case strings.Count(name, "/") > maxDepth:
		return invalid("%q is %d levels deep; Parameter Store allows %d", name, strings.Count(name, "/"), maxDepth)
	}
	return nil
}

// hasReservedPrefix reports whether s starts with "aws" or "ssm" in any case, which Parameter
// Store reserves for labels.
func hasReservedPrefix(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "aws") || strings.HasPrefix(l, "ssm")
}
