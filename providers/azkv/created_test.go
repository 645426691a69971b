package azkv

import (
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers/azkv/azkvtest"
	"github.com/secretrun/secretrun/providers/providertest"
)

// GetSecret's attributes.created (Unix seconds) becomes Secret.Created, for the current version
// and for a named one, whatever the spelling of the ref and however many #keys share a read.
func TestCreatedAttribute(t *testing.T) {
	s := azkvtest.New(t)
	old := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	oldVer := s.PutAt("test-kv", "db", `{"password":"`+providertest.Canary(t, "old")+`"}`, old)
	now := time.Now().Truncate(time.Second)
	s.PutAt("test-kv", "db", `{"password":"`+providertest.Canary(t, "new")+`","user":"app"}`, now)
	p := newProvider(t, s, &azkvtest.Cred{}, "")
	secrets, err := fetch(t, p, 10*time.Second, "azkv://db#password", "azkv://test-kv/db#user", "azkv://test-kv/db/"+oldVer+"#password")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []time.Time{now, now, old} {
		if !secrets[i].Created.Equal(want) {
			t.Errorf("secret %d: Created = %v, want %v", i, secrets[i].Created, want)
		}
	}
}
