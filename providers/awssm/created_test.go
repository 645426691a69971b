package awssm

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// Both read paths carry the version's CreatedDate into Secret.Created: BatchGetSecretValue (a
// ref by name) and GetSecretValue (a ref with ?version_id=), each the time of the version read.
func TestCreatedDate(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	name := uniq(t)
	first := putString(t, adm, name, providertest.Canary(t, "v1"))
	time.Sleep(1100 * time.Millisecond) // CreatedDate has whole seconds on moto
	o, err := adm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(providertest.Canary(t, "v2"))})
	if err != nil {
		t.Fatal(err)
	}
	second := aws.ToString(o.VersionId)
	// The reference times come from a direct GetSecretValue per version (moto's
	// ListSecretVersionIds reports the last change for every version, not its creation).
	want := map[string]time.Time{}
	for _, id := range []string{first.VersionID, second} {
		o, err := adm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		want[id] = aws.ToTime(o.CreatedDate)
	}
	if !want[first.VersionID].Before(want[second]) {
		t.Fatalf("want the first version created before the second, got %v", want)
	}

	refs := []providers.Ref{ref(t, "awssm://"+name), ref(t, "awssm://"+name+"?version_id="+first.VersionID)}
	got, err := newProvider(t).Fetch(fetchCtx(t, 10*time.Second), refs)
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].Created.Equal(want[second]) {
		t.Errorf("current version (batch): Created = %v, want %v", got[0].Created, want[second])
	}
	if !got[1].Created.Equal(want[first.VersionID]) {
		t.Errorf("?version_id= (single): Created = %v, want %v", got[1].Created, want[first.VersionID])
	}
	if age := time.Since(got[0].Created); age < 0 || age > time.Minute {
		t.Errorf("current version created %v ago, not close to now", age)
	}
}
