package vault

import (
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secretrun/secretrun/internal/testenv"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestVaultProxyAutoAuth: with auth.method none, secretrun works unchanged through a real Vault
// Proxy whose auto-auth (AppRole) adds the token: mount detection, reads, and no login of its own.
func TestVaultProxyAutoAuth(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	bin := testenv.Get(t, testenv.VaultBin)
	mnt := mountKV(t, admin, "2")
	c := providertest.Canary(t, "proxy")
	kvPut(t, admin, mnt+"/data/app", map[string]any{"data": map[string]any{"k": c}})
	a := setupAppRole(t, admin, mnt)
	dir := t.TempDir()
	listen := freePort(t)
	hcl := `
vault { address = "` + addr + `" }
auto_auth {
  method "approle" {
    mount_path = "auth/` + a.mount + `"
    config = {
      role_id_file_path = "` + a.roleIDFile + `"
      secret_id_file_path = "` + a.secretIDFile + `"
      remove_secret_id_file_after_reading = false
    }
  }
}
api_proxy { use_auto_auth_token = true }
listener "tcp" {
  address = "` + listen + `"
  tls_disable = true
}
`
	conf := filepath.Join(dir, "proxy.hcl")
	writeFile(t, conf, hcl)
	cmd := exec.Command(bin, "proxy", "-config="+conf)
	logf, err := os.Create(filepath.Join(dir, "proxy.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "VAULT_ADDR="+addr, "VAULT_TOKEN=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	proxyURL := "http://" + listen
	// Ready when a proxied read works with the auto-auth token.
	ready := false
	hc := &http.Client{Timeout: 2 * time.Second}
	for i := 0; i < 100 && !ready; i++ {
		resp, err := hc.Get(proxyURL + "/v1/" + mnt + "/data/app")
		if err == nil {
			ready = resp.StatusCode == 200
			resp.Body.Close()
		}
		if !ready {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ready {
		b, _ := os.ReadFile(filepath.Join(dir, "proxy.log"))
		t.Fatalf("vault proxy not ready:\n%s", b)
	}
	cnt := newCounter(t, proxyURL)
	p := newProvider(t, Settings{Address: cnt.URL, Auth: AuthSettings{Method: "none"}}, nil)
	s, err := fetch(t, p, 5*time.Second, mustRef(t, "vault://"+mnt+"/app#k"))
	if err != nil || s[0].Reveal() != c {
		t.Fatalf("read through Vault Proxy: %v", err)
	}
	if n := cnt.logins(); n != 0 {
		t.Errorf("%d logins through the proxy; want none", n)
	}
	// An unknown mount: the hint names both causes and the auth method.
	_, err = fetch(t, p, 5*time.Second, mustRef(t, "vault://no-such-mount/x#k"))
	if !errors.Is(err, providers.ErrDenied) || !strings.Contains(providers.Hint(err), `no mount "no-such-mount/"`) || !strings.Contains(providers.Hint(err), "auth method none") {
		t.Errorf("unknown mount through the proxy: %v (hint %q)", err, providers.Hint(err))
	}
}
