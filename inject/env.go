package inject

import (
	"fmt"
	"path"
	"strings"
)

// Var is one name=value pair of the child's environment.
type Var struct{ Name, Value string }

// EnvSpec describes how to build the child's environment (CONTRACT.md §5).
type EnvSpec struct {
	// Parent is secretrun's own environment, as from os.Environ.
	Parent []string
	// Inherit decides which parent variables are kept; nil keeps all.
	Inherit func(name string) bool
	// Deny lists glob patterns (path.Match syntax, e.g. "AWS_SECRET_*") removed from what is
	// inherited.
	Deny []string
	// Scrub lists glob patterns always removed from what is inherited: SECRETRUN_* and the
	// credentials secretrun itself authenticated with.
	Scrub []string
	// Env is the profile's plain values, in order.
	Env []Var
	// Secrets are the resolved secret values, in order; they go after Env.
	Secrets []Var
	// NoClobber keeps an inherited variable when a secret has the same name.
	NoClobber bool
}

// Env is the child's environment, built by BuildEnv.
type Env struct {
	// Vars is the complete environment in os/exec form; never nil.
	Vars []string
	// Clobbered names the inherited variables that a secret replaced (or, with NoClobber, that kept
	// their inherited value), for a warning by name.
	Clobbered []string
}

// BuildEnv returns the child's complete environment: the parent's variables that Inherit allows,
// minus Scrub and Deny, then Env, then Secrets. Inherited variables keep their order; new ones
// follow in the order given. A secret holding a NUL byte cannot be an environment variable and is
// an error naming the variable (the value could go to a file with `as: file`).
func BuildEnv(spec EnvSpec) (Env, error) {
	type entry struct {
		value     string
		inherited bool
	}
	var order []string
	vars := make(map[string]*entry)
	set := func(name, value string, inherited bool) {
		if e, ok := vars[name]; ok {
			e.value, e.inherited = value, inherited
			return
		}
		vars[name] = &entry{value: value, inherited: inherited}
		order = append(order, name)
	}

	for _, kv := range spec.Parent {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			continue
		}
		if spec.Inherit != nil && !spec.Inherit(name) {
			continue
		}
		if MatchAny(spec.Scrub, name) || MatchAny(spec.Deny, name) {
			continue
		}
		set(name, value, true)
	}
	for _, v := range spec.Env {
		set(v.Name, v.Value, false)
	}
	var out Env
	for _, v := range spec.Secrets {
		if strings.IndexByte(v.Value, 0) >= 0 {
			return Env{}, fmt.Errorf("%s: the value contains a NUL byte, which an environment variable cannot hold (use `as: file` to give the child a file instead)", v.Name)
		}
		if e, ok := vars[v.Name]; ok && e.inherited {
			out.Clobbered = append(out.Clobbered, v.Name)
			if spec.NoClobber {
				continue
			}
		}
		set(v.Name, v.Value, false)
	}
	out.Vars = make([]string, 0, len(order))
	for _, name := range order {
		out.Vars = append(out.Vars, name+"="+vars[name].value)
	}
	return out, nil
}

// MatchAny reports whether name matches any of the glob patterns (path.Match syntax).
func MatchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}
