package config

import "testing"

func TestInheritAllows(t *testing.T) {
	list := Inherit{Mode: InheritList, Patterns: []string{"PATH", "LC_*", "APP_?"}}
	tests := []struct {
		in   Inherit
		name string
		want bool
	}{
		{Inherit{}, "ANYTHING", true},
		{Inherit{Mode: InheritAll}, "ANYTHING", true},
		{Inherit{Mode: InheritNone}, "PATH", true},
		{Inherit{Mode: InheritNone}, "LC_ALL", true},
		{Inherit{Mode: InheritNone}, "TMPDIR", true},
		{Inherit{Mode: InheritNone}, "AWS_PROFILE", false},
		{Inherit{Mode: InheritNone}, "path", false},
		{list, "PATH", true},
		{list, "LC_CTYPE", true},
		{list, "APP_1", true},
		{list, "APP_12", false},
		{list, "HOME", false},
		{Inherit{Mode: InheritList}, "PATH", false},
	}
	for _, tt := range tests {
		if got := tt.in.Allows(tt.name); got != tt.want {
			t.Errorf("%+v.Allows(%q) = %v, want %v", tt.in, tt.name, got, tt.want)
		}
	}
}

func TestMatchAny(t *testing.T) {
	tests := []struct {
		patterns []string
		name     string
		want     bool
	}{
		{nil, "A", false},
		{[]string{"AWS_SECRET_*"}, "AWS_SECRET_ACCESS_KEY", true},
		{[]string{"AWS_SECRET_*"}, "AWS_REGION", false},
		{[]string{"*_TOKEN", "X"}, "GITHUB_TOKEN", true},
		{[]string{"*_TOKEN", "X"}, "X", true},
		{[]string{"[A-C]*"}, "BAR", true},
		{[]string{"[A-C]*"}, "DAR", false},
		{[]string{"Lc_*"}, "LC_ALL", false}, // case-sensitive
		{[]string{"["}, "[", true},          // a malformed pattern still matches itself
		{[]string{"["}, "A", false},
	}
	for _, tt := range tests {
		if got := MatchAny(tt.patterns, tt.name); got != tt.want {
			t.Errorf("MatchAny(%q, %q) = %v, want %v", tt.patterns, tt.name, got, tt.want)
		}
	}
}

func TestProfileInherits(t *testing.T) {
	p := &Profile{Inherit: Inherit{Mode: InheritNone}, Deny: []string{"LC_*"}}
	for name, want := range map[string]bool{"PATH": true, "LC_ALL": false, "FOO": false} {
		if got := p.Inherits(name); got != want {
			t.Errorf("Inherits(%q) = %v, want %v", name, got, want)
		}
	}
	var nilProfile *Profile
	if !nilProfile.Inherits("FOO") || !(&Profile{}).Inherits("FOO") {
		t.Error("no profile inherits everything")
	}
}
