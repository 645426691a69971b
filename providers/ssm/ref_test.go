package ssm

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

func TestValidate(t *testing.T) {
	p, err := New(awsconf.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]string{ // ref → the name (selector) GetParameters is asked for
		"ssm://db-password":                        "db-password",
		"ssm:///prod/db/password":                  "/prod/db/password",
		"ssm:///prod/db/password#user":             "/prod/db/password",
		"ssm:///prod/db/password?version=3":        "/prod/db/password:3",
		"ssm:///prod/db/password?label=stable":     "/prod/db/password:stable",
		"ssm://x?region=eu-west-1#/a/b":            "x",
		"ssm:///aws/service/global-infrastructure": "/aws/service/global-infrastructure", // public parameters are readable
		"ssm://arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db?region=eu-west-1":   "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db",
		"ssm://arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x?label=release": "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x:release",
		"ssm:///" + strings.Repeat("l/", 14) + "name":                                   "/" + strings.Repeat("l/", 14) + "name",
	}
	for s, want := range good {
		r := ref(t, s)
		if err := p.Validate(r); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", s, err)
			continue
		}
		if tg, _ := parseRef(r); tg.selector() != want {
			t.Errorf("%s asks for %q, want %q", s, tg.selector(), want)
		}
	}
	bad := map[string]string{
		"ssm://prod/db/password":                                       "hierarchical name without its leading '/'",
		"ssm://db:3":                                                   "cannot hold ':'",
		"ssm:///prod/db?version=0":                                     `version "0" is not a parameter version`,
		"ssm:///prod/db?version=03":                                    `version "03"`,
		"ssm:///prod/db?version=latest":                                `version "latest"`,
		"ssm:///prod/db?label=3rd":                                     `label "3rd"`,
		"ssm:///prod/db?label=awsCurrent":                              `label "awsCurrent"`,
		"ssm:///prod/db?version=2&label=stable":                        "not both",
		"ssm:///prod/db?version_stage=AWSCURRENT":                      "unknown option version_stage",
		"ssm:///prod/db?region=Mars":                                   "region",
		"ssm:///prod db":                                               "not a parameter name",
		"ssm:///prod/db/":                                              "empty level",
		"ssm:////prod":                                                 "empty level",
		"ssm:///" + strings.Repeat("l/", 15) + "n":                     "16 levels deep",
		"ssm://" + strings.Repeat("n", 1012):                           "at most 1011 characters",
		"ssm://arn:aws:secretsmanager:eu-west-1:123456789012:secret:x": "not a Parameter Store ARN",
		"ssm://arn:aws:ssm:eu-west-1:123456789012:parameter/x?region=us-east-1": "contradicts",
		"ssm://x?region=eu-west-1&region=us-east-1":                             "given 2 times",
		"awssm://x": "scheme",
	}
	for s, want := range bad {
		err := p.Validate(ref(t, s))
		if !errors.Is(err, providers.ErrInvalidRef) || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%s) = %v, want ErrInvalidRef mentioning %q", s, err, want)
		}
	}
	// The two spellings users confuse get a hint with the right one.
	if h := providers.Hint(p.Validate(ref(t, "ssm://prod/db/password"))); !strings.Contains(h, "ssm:///prod/db/password") {
		t.Errorf("hint %q does not give the three-slash spelling", h)
	}
	if h := providers.Hint(p.Validate(ref(t, "ssm://db:3"))); !strings.Contains(h, "?version=") {
		t.Errorf("hint %q does not give ?version=", h)
	}
}

func TestNewChecksConfig(t *testing.T) {
	if _, err := New(awsconf.Settings{Region: "nowhere"}); err == nil || !strings.Contains(err.Error(), "ssm: providers.aws: region") {
		t.Errorf("New with a bad region: %v", err)
	}
	if p, err := Entry(awsconf.Settings{RoleARN: "not an arn"}).Open(); err == nil || p != nil {
		t.Errorf("Entry.Open with a bad role_arn: %v, %v", p, err)
	}
	e := Entry(awsconf.Settings{})
	if e.Scheme != "ssm" || !e.Remote || !strings.Contains(strings.Join(e.Credentials, " "), "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("Entry = %+v", e)
	}
}

// TestBatches: selectors are grouped 10 to a call, and no call holds two selectors of one
// parameter (the answer names parameters, not selectors).
func TestBatches(t *testing.T) {
	var group []*source
	add := func(s string) {
		tg, err := parseRef(ref(t, s))
		if err != nil {
			t.Fatal(err)
		}
		group = append(group, &source{t: tg})
	}
	for i := range 25 {
		add(fmt.Sprintf("ssm:///app/p%02d", i))
	}
	add("ssm:///app/p00?version=2")
	add("ssm:///app/p00?label=stable")
	add("ssm://app-top")
	add("ssm:///app-top")                                             // the same parameter as app-top
	add("ssm://arn:aws:ssm:us-east-1:123456789012:parameter/app/p01") // the same as /app/p01
	add("ssm:///app/p02")                                             // a repeat: one request, two sources

	got := batches(group)
	sizes := []int{}
	total, sources := 0, 0
	for _, b := range got {
		sizes = append(sizes, len(b))
		keys := map[string]bool{}
		for _, rq := range b {
			if keys[rq.t.key()] {
				t.Errorf("one call asks twice for %s", rq.t.key())
			}
			keys[rq.t.key()] = true
			total++
			sources += len(rq.sources)
		}
		if len(b) > maxBatch {
			t.Errorf("a call of %d names", len(b))
		}
	}
	if total != 30 || sources != 31 {
		t.Errorf("%d requests for %d sources, want 30 for 31", total, sources)
	}
	if len(got) != 3 {
		t.Errorf("batch sizes %v, want 3 calls", sizes)
	}
}
