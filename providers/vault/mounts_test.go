package vault

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
)

// blockingProxy is a counting reverse proxy in front of the dev server that answers every
// mount detection (sys/internal/ui/mounts/...) itself with status, as a gateway that filters
// sys/ paths does.
func blockingProxy(t *testing.T, target string, status int) *counter {
	t.Helper()
	return newInterceptingCounter(t, target, func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, "/v1/sys/internal/ui/mounts/") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"errors":["permission denied"]}`))
		return true
	})
}

// mountKV2At enables a KV v2 mount at path (which may have several segments).
func mountKV2At(t *testing.T, c *api.Client, path string) {
	t.Helper()
	if err := c.Sys().Mount(path, &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatalf("mount kv v2 at %s: %v", path, err)
	}
	t.Cleanup(func() { _ = c.Sys().Unmount(path) })
	for i := 0; i < 100; i++ {
		if _, err := c.Logical().Read(path + "/config"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// When mount detection is refused (denied by a gateway in front of Vault, answered 404 or 405
// by a proxy: helmfile#1796; Vault itself does not enforce a policy's deny on the endpoint, so a
// proxy stands in for those setups), every read the token's policy allows still succeeds: KV v2 on a one- and
// a two-segment mount, ?version=, KV v1, and a dynamic-style path read as is. The reads tell the
// KV version; a KV v2 mount found that way costs one read per further path.
func TestReadsWhenMountDetectionIsRefused(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	v2 := mountKV(t, admin, "2")
	v1 := mountKV(t, admin, "1")
	deep := uniq("team") + "/kv"
	mountKV2At(t, admin, deep)
	kvPut(t, admin, v2+"/data/app", map[string]any{"data": map[string]any{"pw": "CANARY-v2-first"}})
	kvPut(t, admin, v2+"/data/app", map[string]any{"data": map[string]any{"pw": "CANARY-v2-second"}})
	kvPut(t, admin, v2+"/data/other", map[string]any{"data": map[string]any{"pw": "CANARY-v2-other"}})
	kvPut(t, admin, v1+"/app", map[string]any{"pw": "CANARY-v1"})
	kvPut(t, admin, deep+"/data/app", map[string]any{"data": map[string]any{"pw": "CANARY-deep"}})

	// A narrow policy: exactly these paths, nothing else.
	pol := uniq("narrow")
	if err := admin.Sys().PutPolicy(pol, `
path "`+v2+`/data/app" { capabilities = ["read"] }
path "`+v2+`/data/other" { capabilities = ["read"] }
path "`+v1+`/app" { capabilities = ["read"] }
path "`+deep+`/data/app" { capabilities = ["read"] }
`); err != nil {
		t.Fatal(err)
	}
	tok, err := admin.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{pol}, TTL: "10m"})
	if err != nil {
		t.Fatal(err)
	}

	for _, status := range []int{http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			proxy := blockingProxy(t, addr, status)
			p := newProvider(t, Settings{Address: proxy.URL}, map[string]string{"VAULT_TOKEN": tok.Auth.ClientToken})
			want := map[string]string{
				"vault://" + v2 + "/app#pw":           "CANARY-v2-second",
				"vault://" + v2 + "/app?version=1#pw": "CANARY-v2-first",
				"vault://" + v2 + "/other#pw":         "CANARY-v2-other",
				"vault://" + v1 + "/app#pw":           "CANARY-v1",
				"vault://" + deep + "/app#pw":         "CANARY-deep",
			}
			var refs []providers.Ref
			for s := range want {
				refs = append(refs, mustRef(t, s))
			}
			got, err := fetch(t, p, 20*time.Second, refs...)
			if err != nil {
				t.Fatalf("a read the policy allows failed: %v", err)
			}
			for i, r := range refs {
				if v := string(got[i].Reveal()); v != want[r.String()] {
					t.Errorf("%s = %q, want %q", r, v, want[r.String()])
				}
			}
			if proxy.mountLookups() == 0 {
				t.Errorf("no mount detection was attempted: %s", proxy)
			}
		})
	}

	// A path the policy does not allow fails as denied, with a hint that says what was tried.
	t.Run("denied path", func(t *testing.T) {
		proxy := blockingProxy(t, addr, http.StatusForbidden)
		p := newProvider(t, Settings{Address: proxy.URL}, map[string]string{"VAULT_TOKEN": tok.Auth.ClientToken})
		_, err := fetch(t, p, 20*time.Second, mustRef(t, "vault://"+v1+"/forbidden#pw"))
		if !errors.Is(err, providers.ErrDenied) {
			t.Fatalf("err = %v; want ErrDenied", err)
		}
		if h := providers.Hint(err); !strings.Contains(h, "grants nothing under it") || !strings.Contains(h, "as KV v2 (MOUNT/data/PATH) and as is found nothing either") {
			t.Errorf("hint %q does not say what was tried", h)
		}
	})
}
