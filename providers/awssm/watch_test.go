package awssm

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretrun/secretrun/providers"
)

// A watch check without a Versioner is a Fetch: for 45 secrets it costs exactly ⌈45/20⌉ = 3
// BatchGetSecretValue calls at the server (moto, behind a counting proxy), and a new version put
// into the store shows as a different Secret.Version for that ref only.
func TestWatchCheckMoto(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	cnt := newCounter(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL", cnt.URL)
	base := uniq(t)

	const n = 45
	refs := make([]providers.Ref, n)
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("%s/s%02d", base, i)
		putString(t, adm, names[i], fmt.Sprintf("value-%d", i))
		refs[i] = ref(t, "awssm://"+names[i])
	}
	p := newProvider(t)
	first, err := p.Fetch(fetchCtx(t, 30*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range first {
		if s.Version == "" {
			t.Fatalf("%s: Fetch left Version empty", refs[i])
		}
	}

	// One check: what the watcher pays every interval.
	cnt.Reset()
	again, err := p.Fetch(fetchCtx(t, 30*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cnt.Actions(), map[string]int{"BatchGetSecretValue": 3}; !maps.Equal(got, want) {
		t.Errorf("one check of %d refs made %v, want %v", n, got, want)
	}
	sizes := slices.Sorted(slices.Values(cnt.batchSizes()))
	if !slices.Equal(sizes, []int{5, 20, 20}) {
		t.Errorf("batch sizes %v, want [5 20 20]", sizes)
	}
	for i := range again {
		if again[i].Version != first[i].Version {
			t.Errorf("%s: Version changed from %q to %q without a new version", refs[i], first[i].Version, again[i].Version)
		}
	}

	// A new version of one secret.
	o, err := adm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(names[7]), SecretString: aws.String("value-7-rotated")})
	if err != nil {
		t.Fatal(err)
	}
	after, err := p.Fetch(fetchCtx(t, 30*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range after {
		changed := after[i].Version != first[i].Version
		if changed != (i == 7) {
			t.Errorf("%s: Version %q -> %q, changed=%v", refs[i], first[i].Version, after[i].Version, changed)
		}
	}
	if after[7].Version != aws.ToString(o.VersionId) || after[7].Reveal() != "value-7-rotated" {
		t.Errorf("the new version was not read: Version %q, want %q", after[7].Version, aws.ToString(o.VersionId))
	}
}

// Secret.Version is the version id alone: moving staging labels (a rotation makes the old
// version AWSPREVIOUS) changes no ref's Version unless the version it resolves to changed. A ref
// pinned with ?version_id= therefore never shows a change; ?version_stage= follows its label.
func TestWatchVersionIgnoresLabelMoves(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	v1 := putString(t, adm, base+"/rot", "first")
	refs := []providers.Ref{
		ref(t, "awssm://"+v1.Name),
		ref(t, "awssm://"+v1.Name+"?version_id="+v1.VersionID),
		ref(t, "awssm://"+v1.Name+"?version_stage=AWSCURRENT"),
	}
	p := newProvider(t)
	before, err := p.Fetch(fetchCtx(t, 10*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range before {
		if s.Version != v1.VersionID {
			t.Fatalf("%s: Version = %q, want %q", refs[i], s.Version, v1.VersionID)
		}
	}
	o, err := adm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(v1.Name), SecretString: aws.String("second")})
	if err != nil {
		t.Fatal(err)
	}
	v2 := aws.ToString(o.VersionId)
	after, err := p.Fetch(fetchCtx(t, 10*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ version, value string }{{v2, "second"}, {v1.VersionID, "first"}, {v2, "second"}}
	for i, w := range want {
		if after[i].Version != w.version || after[i].Reveal() != w.value {
			t.Errorf("%s: Version %q, want %q (value right: %v)", refs[i], after[i].Version, w.version, after[i].Reveal() == w.value)
		}
	}
}
