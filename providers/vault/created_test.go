package vault

import (
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers/providertest"
)

// A KV v2 read gives the created_time of the version it resolved, the same time the metadata
// endpoint shows; KV v1 keeps none (zero: unknown).
func TestCreatedTime(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	before := time.Now().Add(-time.Minute)
	kvPut(t, admin, mnt+"/data/app/db", map[string]any{"data": map[string]any{"password": providertest.Canary(t, "v1")}})
	time.Sleep(20 * time.Millisecond) // two distinct creation times
	kvPut(t, admin, mnt+"/data/app/db", map[string]any{"data": map[string]any{"password": providertest.Canary(t, "v2")}})
	meta, err := admin.Logical().Read(mnt + "/metadata/app/db")
	if err != nil || meta == nil {
		t.Fatalf("read metadata: %v", err)
	}
	versions, _ := meta.Data["versions"].(map[string]any)
	want := func(v string) time.Time {
		m, _ := versions[v].(map[string]any)
		ct, _ := m["created_time"].(string)
		tm, err := time.Parse(time.RFC3339Nano, ct)
		if err != nil {
			t.Fatalf("version %s created_time %q: %v", v, ct, err)
		}
		return tm
	}

	p := tokenProvider(t, addr)
	s, err := fetch(t, p, 5*time.Second, mustRef(t, "vault://"+mnt+"/app/db#password"), mustRef(t, "vault://"+mnt+"/app/db?version=1#password"))
	if err != nil {
		t.Fatal(err)
	}
	if !s[0].Created.Equal(want("2")) || !s[1].Created.Equal(want("1")) {
		t.Errorf("Created: latest %v, version 1 %v; want %v and %v", s[0].Created, s[1].Created, want("2"), want("1"))
	}
	if s[0].Created.Before(before) || s[0].Created.After(time.Now().Add(time.Minute)) {
		t.Errorf("latest version created at %v: not close to now", s[0].Created)
	}

	mnt1 := mountKV(t, admin, "1")
	kvPut(t, admin, mnt1+"/app/db", map[string]any{"password": providertest.Canary(t, "kv1")})
	s, err = fetch(t, tokenProvider(t, addr), 5*time.Second, mustRef(t, "vault://"+mnt1+"/app/db#password"))
	if err != nil {
		t.Fatal(err)
	}
	if !s[0].Created.IsZero() {
		t.Errorf("KV v1: Created = %v, want zero (unknown)", s[0].Created)
	}
}
