package ssm

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf/awstest"
)

// A watch check of ssm:// refs is a Fetch (no Versioner): for 25 parameters it costs exactly
// ⌈25/10⌉ = 3 GetParameters calls at the server and nothing else, and a new version of one
// parameter shows as a different Secret.Version for that ref only. These are the figures
// docs/providers/ssm.md ("Watching") and internal/fleetload use.
func TestWatchCheckMoto(t *testing.T) {
	endpoint := awstest.Moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	const n = 25
	refs := make([]providers.Ref, n)
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("%s/p%02d", base, i)
		put(t, adm, names[i], fmt.Sprintf("value-%d", i), types.ParameterTypeSecureString)
		refs[i] = ref(t, "ssm://"+names[i])
	}
	cnt := awstest.NewCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	p := newProvider(t)
	first, err := p.Fetch(fetchCtx(t, 20*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}

	// One check: what the watcher pays every interval.
	cnt.Reset()
	again, err := p.Fetch(fetchCtx(t, 20*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	if got, total := cnt.Count("GetParameters"), cnt.Total(); got != 3 || total != 3 {
		t.Errorf("one check of %d refs: %d GetParameters of %d requests, want 3 and 3", n, got, total)
	}
	for i := range again {
		if again[i].Version != first[i].Version || first[i].Version != "1" {
			t.Errorf("%s: Version %q then %q without a new version, want 1 and 1", refs[i], first[i].Version, again[i].Version)
		}
	}

	// A new version of one parameter.
	put(t, adm, names[7], "value-7-rotated", types.ParameterTypeSecureString)
	after, err := p.Fetch(fetchCtx(t, 20*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range after {
		if changed := after[i].Version != first[i].Version; changed != (i == 7) {
			t.Errorf("%s: Version %q -> %q, changed=%v", refs[i], first[i].Version, after[i].Version, changed)
		}
	}
	if after[7].Version != "2" || after[7].Reveal() != "value-7-rotated" {
		t.Errorf("the new version was not read: Version %q, want 2", after[7].Version)
	}
}

// A ?version=N ref never changes (and is Pinned, so the watcher does not check it); a ?label= ref
// follows its label when it is moved to another version.
func TestWatchPinnedAndLabel(t *testing.T) {
	endpoint := awstest.Moto(t)
	adm := admin(endpoint)
	name := uniq(t) + "/rot"
	put(t, adm, name, "first", types.ParameterTypeSecureString)
	label := func(v int64) {
		t.Helper()
		if _, err := adm.LabelParameterVersion(context.Background(), &ssm.LabelParameterVersionInput{
			Name: aws.String(name), ParameterVersion: aws.Int64(v), Labels: []string{"live"},
		}); err != nil {
			t.Fatal(err)
		}
	}
	label(1)
	refs := []providers.Ref{ref(t, "ssm://"+name+"?version=1"), ref(t, "ssm://"+name+"?label=live")}
	p := newProvider(t)
	if !p.Pinned(refs[0]) || p.Pinned(refs[1]) {
		t.Errorf("Pinned: ?version=1 %v, ?label= %v; want true, false", p.Pinned(refs[0]), p.Pinned(refs[1]))
	}
	before, err := p.Fetch(fetchCtx(t, 10*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	if before[0].Version != "1" || before[1].Version != "1" {
		t.Fatalf("before: Versions %q, %q, want 1, 1", before[0].Version, before[1].Version)
	}
	put(t, adm, name, "second", types.ParameterTypeSecureString)
	label(2) // moves the label
	after, err := p.Fetch(fetchCtx(t, 10*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ version, value string }{{"1", "first"}, {"2", "second"}}
	for i, w := range want {
		if after[i].Version != w.version || after[i].Reveal() != w.value {
			t.Errorf("%s: Version %q, want %q (value right: %v)", refs[i], after[i].Version, w.version, after[i].Reveal() == w.value)
		}
	}
}
