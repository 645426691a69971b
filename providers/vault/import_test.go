package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// listCounter is a counter that also counts LISTs (sent as GET ...?list=true) on mount mnt.
type listCounter struct {
	*counter
	mnt   string
	nList atomic.Int32
}

func newListCounter(t *testing.T, target, mnt string) *listCounter {
	lc := &listCounter{mnt: mnt}
	lc.counter = newInterceptingCounter(t, target, func(_ http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("list") == "true" && strings.HasPrefix(r.URL.Path, "/v1/"+mnt+"/") {
			lc.nList.Add(1)
		}
		return false
	})
	return lc
}

func (c *listCounter) lists() int { return int(c.nList.Load()) }

// reads counts the reads of secrets on the mount (GETs that are not LISTs).
func (c *listCounter) reads() int {
	return c.count(func(m, p string) bool { return m == "GET" && strings.HasPrefix(p, c.mnt+"/") }) - c.lists()
}

func (c *counter) total() int { return c.count(func(string, string) bool { return true }) }

func importRef(t *testing.T, p *Provider, src string, recursive bool) ([]providers.Imported, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return p.Import(ctx, mustRef(t, src), providers.ImportOptions{Recursive: recursive})
}

// Every key of one KV path is one read, whatever the number of keys; each item's Ref reads the
// same value on its own.
func TestImportKeys100(t *testing.T) {
	for _, version := range []string{"1", "2"} {
		t.Run("kv"+version, func(t *testing.T) {
			admin := adminClient(t)
			addr, _ := vaultEnv(t)
			mnt := mountKV(t, admin, version)
			data := map[string]any{}
			want := map[string]string{}
			for i := range 100 {
				k := fmt.Sprintf("key_%03d", i)
				want[k] = providertest.Canary(t, k)
				data[k] = want[k]
			}
			data["/odd"] = "CANARY-slash-key-value" // a key that would read as a JSON Pointer
			want["/odd"] = "CANARY-slash-key-value"
			path := mnt + "/app/config"
			if version == "2" {
				kvPut(t, admin, mnt+"/data/app/config", map[string]any{"data": data})
			} else {
				kvPut(t, admin, path, data)
			}
			cnt := newListCounter(t, addr, mnt)
			p := tokenProvider(t, cnt.URL)
			items, err := importRef(t, p, "vault://"+path, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 101 {
				t.Fatalf("got %d items, want 101", len(items))
			}
			if reads, lists, mounts := cnt.reads(), cnt.lists(), cnt.mountLookups(); reads != 1 || lists != 0 || mounts != 1 {
				t.Errorf("101 keys of one path: %d reads, %d lists, %d mount lookups; want 1, 0, 1 (%s)", reads, lists, mounts, cnt)
			}
			t.Logf("KV v%s path with 101 keys: %d read, %d mount lookup, %d requests in all", version, cnt.reads(), cnt.mountLookups(), cnt.total())
			var refs []providers.Ref
			for _, it := range items {
				if it.Secret.Reveal() != want[it.Key] {
					t.Errorf("key %q: wrong value", it.Key)
				}
				if version == "2" && it.Secret.Version != "1" {
					t.Errorf("key %q: version %q, want 1", it.Key, it.Secret.Version)
				}
				refs = append(refs, it.Ref)
			}
			if items[0].Key != "/odd" || items[0].Ref.String() != "vault://"+path+"#/~1odd" {
				t.Errorf("first item: key %q ref %s; want /odd as a JSON Pointer", items[0].Key, items[0].Ref)
			}
			again, err := fetch(t, p, 10*time.Second, refs...)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range again {
				if s.Reveal() != items[i].Secret.Reveal() {
					t.Errorf("%s does not read what the import gave", refs[i])
				}
			}
		})
	}
}

// Every path under a folder is one LIST and one read per path; sub-folders only with recursive.
func TestImportFolder100(t *testing.T) {
	for _, version := range []string{"1", "2"} {
		t.Run("kv"+version, func(t *testing.T) {
			admin := adminClient(t)
			addr, _ := vaultEnv(t)
			mnt := mountKV(t, admin, version)
			put := func(rel string, data map[string]any) {
				if version == "2" {
					kvPut(t, admin, mnt+"/data/"+rel, map[string]any{"data": data})
				} else {
					kvPut(t, admin, mnt+"/"+rel, data)
				}
			}
			want := map[string]string{}
			for i := range 100 {
				k := fmt.Sprintf("s%03d", i)
				want[k] = providertest.Canary(t, k)
				put("app/"+k, map[string]any{"value": want[k]})
			}
			put("app/nested/deep", map[string]any{"value": "CANARY-nested-deep", "other": "x"})
			put("elsewhere", map[string]any{"value": "CANARY-not-under-the-folder"})

			cnt := newListCounter(t, addr, mnt)
			p := tokenProvider(t, cnt.URL)
			items, err := importRef(t, p, "vault://"+mnt+"/app/", false)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 100 {
				t.Fatalf("got %d items, want 100 (no sub-folder without recursive)", len(items))
			}
			if lists, reads, mounts := cnt.lists(), cnt.reads(), cnt.mountLookups(); lists != 1 || reads != 100 || mounts != 1 {
				t.Errorf("folder of 100: %d lists, %d reads, %d mount lookups; want 1, 100, 1", lists, reads, mounts)
			}
			t.Logf("KV v%s folder with 100 paths: %d LIST, %d reads, %d mount lookup, %d requests in all", version, cnt.lists(), cnt.reads(), cnt.mountLookups(), cnt.total())
			for _, it := range items {
				if it.Secret.Reveal() != want[it.Key] || it.Ref.String() != "vault://"+mnt+"/app/"+it.Key {
					t.Errorf("item %q (%s): wrong value or ref", it.Key, it.Ref)
				}
			}

			items, err = importRef(t, p, "vault://"+mnt+"/app/", true)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 101 || items[0].Key != "nested/deep" {
				t.Fatalf("recursive: got %d items (first %q), want 101, nested/deep first", len(items), items[0].Key)
			}
			if got := items[0].Secret.Reveal(); got != `{"other":"x","value":"CANARY-nested-deep"}` {
				t.Errorf("a secret with several fields is its JSON, as vault://PATH alone gives it; got %d bytes", len(got))
			}
		})
	}
}

// A folder listing a secret whose latest version is deleted leaves it out; nothing there is
// ErrNotFound (the caller decides about optional imports); the errors hold no value.
func TestImportFolderDeletedAndMissing(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	kvPut(t, admin, mnt+"/data/app/kept", map[string]any{"data": map[string]any{"value": "CANARY-kept-value"}})
	kvPut(t, admin, mnt+"/data/app/gone", map[string]any{"data": map[string]any{"value": "CANARY-gone-value"}})
	if _, err := admin.Logical().Delete(mnt + "/data/app/gone"); err != nil {
		t.Fatal(err)
	}
	p := tokenProvider(t, addr)
	items, err := importRef(t, p, "vault://"+mnt+"/app/", false)
	if err != nil || len(items) != 1 || items[0].Key != "kept" {
		t.Fatalf("got %d items, %v; want only kept", len(items), err)
	}
	for _, src := range []string{"vault://" + mnt + "/nothing/", "vault://" + mnt + "/app/nothing"} {
		_, err := importRef(t, p, src, false)
		if !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("%s: got %v, want ErrNotFound", src, err)
		}
		if err != nil && strings.Contains(err.Error(), "CANARY") {
			t.Errorf("%s: the error holds a value: %v", src, err)
		}
	}
}

func TestCheckImport(t *testing.T) {
	p, err := New(Settings{}, envMap(nil), noHome())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		src       string
		recursive bool
		want      string
	}{
		{"vault://secret/app", false, ""},
		{"vault://secret/app/", true, ""},
		{"vault://secret/", false, ""},
		{"vault://secret/app?version=2", false, ""},
		{"vault://secret/app#key", false, "an import takes no #key"},
		{"vault://secret/app", true, "recursive applies to a folder"},
		{"vault://secret/app/?version=2", false, "a folder import takes no options"},
		{"vault://secret//", false, "empty, . or .. segment"},
		{"vault://secret", false, "has no mount"},
	} {
		err := p.CheckImport(mustRef(t, tt.src), providers.ImportOptions{Recursive: tt.recursive})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.src, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, providers.ErrInvalidRef)):
			t.Errorf("%s: got %v, want ErrInvalidRef containing %q", tt.src, err, tt.want)
		}
	}
}
