package gcpsm

import (
	"context"
	"errors"
	"testing"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"

	"github.com/secretrun/secretrun/providers"
)

var _ providers.Dater = (*Provider)(nil)

// Created reads the createTime of the version Fetch resolved (latest stays the version read,
// not a newer one added since), once per distinct version, from the emulator.
func TestEmulatorCreated(t *testing.T) {
	e := startEmulator(t)
	p := e.provider(t)
	s := e.newSecret(t)
	v1 := e.addVersion(t, s, []byte(canary(t, "v1")))
	time.Sleep(20 * time.Millisecond)
	v2 := e.addVersion(t, s, []byte(canary(t, "v2")))
	want := func(name string) time.Time {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		v, err := e.admin.GetSecretVersion(ctx, &secretmanagerpb.GetSecretVersionRequest{Name: name})
		if err != nil || v.GetCreateTime() == nil {
			t.Fatalf("GetSecretVersion %s: %v (createTime %v)", name, err, v.GetCreateTime())
		}
		return v.GetCreateTime().AsTime()
	}
	refs := []providers.Ref{{Scheme: Scheme, Path: s}, {Scheme: Scheme, Path: s + "/versions/1"}, {Scheme: Scheme, Path: "projects/" + emuProject + "/secrets/" + s}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	secrets, err := p.Fetch(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range secrets {
		if !sec.Created.IsZero() {
			t.Errorf("Fetch set Created %v: it should cost no extra call", sec.Created)
		}
	}
	// A version added after the fetch does not change what latest resolved to.
	e.addVersion(t, s, []byte(canary(t, "v3")))
	versions := []string{secrets[0].Version, secrets[1].Version, secrets[2].Version}
	got, err := p.Created(ctx, refs, versions)
	if err != nil {
		t.Fatal(err)
	}
	if w2, w1 := want(v2), want(v1); !got[0].Equal(w2) || !got[1].Equal(w1) || !got[2].Equal(w2) {
		t.Errorf("Created = %v; want [%v %v %v]", got, w2, w1, w2)
	}
	if age := time.Since(got[0]); age < 0 || age > time.Minute {
		t.Errorf("version created %v ago, not close to now", age)
	}

	got, err = p.Created(ctx, []providers.Ref{{Scheme: Scheme, Path: e.prefix + "-missing"}}, []string{""})
	if !errors.Is(err, providers.ErrNotFound) || !got[0].IsZero() {
		t.Errorf("missing secret: got %v, %v; want a zero time and ErrNotFound", got, err)
	}
}
