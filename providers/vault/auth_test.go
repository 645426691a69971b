package vault

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// readPolicy creates a policy that can read everything under the KV v2 mount mnt and returns
// its name.
func readPolicy(t *testing.T, admin *api.Client, mnt string) string {
	t.Helper()
	pol := uniq("read")
	if err := admin.Sys().PutPolicy(pol, `path "`+mnt+`/data/*" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	return pol
}

type approle struct {
	mount, roleID, secretID, roleIDFile, secretIDFile string
}

// setupAppRole enables AppRole at a unique mount with a role that reads mnt, and writes its
// role id and a secret id to files.
func setupAppRole(t *testing.T, admin *api.Client, mnt string) approle {
	t.Helper()
	pol := readPolicy(t, admin, mnt)
	a := approle{mount: uniq("approle")}
	if err := admin.Sys().EnableAuthWithOptions(a.mount, &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Sys().DisableAuth(a.mount) })
	if _, err := admin.Logical().Write("auth/"+a.mount+"/role/ci", map[string]any{"token_policies": pol, "token_ttl": "10m"}); err != nil {
		t.Fatal(err)
	}
	s, err := admin.Logical().Read("auth/" + a.mount + "/role/ci/role-id")
	if err != nil {
		t.Fatal(err)
	}
	a.roleID = s.Data["role_id"].(string)
	s, err = admin.Logical().Write("auth/"+a.mount+"/role/ci/secret-id", nil)
	if err != nil {
		t.Fatal(err)
	}
	a.secretID = s.Data["secret_id"].(string)
	dir := t.TempDir()
	a.roleIDFile, a.secretIDFile = filepath.Join(dir, "role-id"), filepath.Join(dir, "secret-id")
	writeFile(t, a.roleIDFile, a.roleID+"\n")
	writeFile(t, a.secretIDFile, a.secretID+"\n")
	return a
}

// lookupSelf reports the HTTP status of auth/token/lookup-self with token.
func lookupSelfStatus(t *testing.T, token string) int {
	t.Helper()
	addr, _ := vaultEnv(t)
	req, _ := http.NewRequest("GET", addr+"/v1/auth/token/lookup-self", nil)
	req.Header.Set("X-Vault-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestAppRole(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c := providertest.Canary(t, "approle")
	kvPut(t, admin, mnt+"/data/app", map[string]any{"data": map[string]any{"k": c, "n": 42}})
	a := setupAppRole(t, admin, mnt)
	cnt := newCounter(t, addr)
	cfg := Settings{Address: cnt.URL, Auth: AuthSettings{Method: "approle", Mount: a.mount, RoleIDFile: a.roleIDFile, SecretIDFile: a.secretIDFile}}
	p := newProvider(t, cfg, nil)
	s, err := fetch(t, p, 5*time.Second, mustRef(t, "vault://"+mnt+"/app#k"), mustRef(t, "vault://"+mnt+"/app#n"))
	if err != nil {
		t.Fatal(err)
	}
	if s[0].Reveal() != c || s[1].Reveal() != "42" {
		t.Errorf("wrong values (n=%q)", s[1].Reveal())
	}
	// A second Fetch reuses the login.
	if _, err := fetch(t, p, 5*time.Second, mustRef(t, "vault://"+mnt+"/app#k")); err != nil {
		t.Fatal(err)
	}
	if n := cnt.logins(); n != 1 {
		t.Errorf("%d logins; want 1 per run", n)
	}
	token := p.client.Token()
	if lookupSelfStatus(t, token) != 200 {
		t.Fatal("login token not valid before Close")
	}
	ctx, cancel := contextWithTimeout(5 * time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if code := lookupSelfStatus(t, token); code != 403 {
		t.Errorf("lookup-self with the login token after Close: HTTP %d; want 403 (revoked)", code)
	}

	// From the environment, and with revoke_on_exit: false the token survives Close.
	off := false
	p2 := newProvider(t, Settings{Address: addr, RevokeOnExit: &off, Auth: AuthSettings{Method: "approle", Mount: a.mount}},
		map[string]string{"VAULT_ROLE_ID": a.roleID, "VAULT_SECRET_ID": a.secretID})
	if _, err := fetch(t, p2, 5*time.Second, mustRef(t, "vault://"+mnt+"/app#k")); err != nil {
		t.Fatal(err)
	}
	tok2 := p2.client.Token()
	if err := p2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if code := lookupSelfStatus(t, tok2); code != 200 {
		t.Errorf("revoke_on_exit=false: token revoked anyway (HTTP %d)", code)
	}
	_, _ = admin.Logical().Write("auth/token/revoke", map[string]any{"token": tok2})

	// A wrong secret id: ErrDenied naming the method and where the credentials came from.
	bad := filepath.Join(t.TempDir(), "bad")
	writeFile(t, bad, "00000000-0000-0000-0000-000000000000")
	p3 := newProvider(t, Settings{Address: addr, Auth: AuthSettings{Method: "approle", Mount: a.mount, RoleIDFile: a.roleIDFile, SecretIDFile: bad}}, nil)
	_, err = fetch(t, p3, 5*time.Second, mustRef(t, "vault://"+mnt+"/app#k"), mustRef(t, "vault://"+mnt+"/other#k"))
	if !errors.Is(err, providers.ErrDenied) || len(providertest.RefErrors(err)) != 2 {
		t.Fatalf("wrong secret id: want 2 ErrDenied RefErrors, got %v", err)
	}
	if h := providers.Hint(err); !strings.Contains(h, a.roleIDFile) || !strings.Contains(h, bad) {
		t.Errorf("hint %q does not name the credential files", h)
	}
	providertest.AssertNoValues(t, err, c, a.secretID, a.roleID)
}

// rsaKey returns a fresh RSA key and its public key in PEM.
func rsaKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return k, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// signJWT signs claims with RS256.
func signJWT(t *testing.T, k *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	hdr, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	body, _ := json.Marshal(claims)
	signing := enc.EncodeToString(hdr) + "." + enc.EncodeToString(body)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + enc.EncodeToString(sig)
}

func TestJWT(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c := providertest.Canary(t, "jwt")
	kvPut(t, admin, mnt+"/data/app", map[string]any{"data": map[string]any{"k": c}})
	pol := readPolicy(t, admin, mnt)
	key, pub := rsaKey(t)
	jm := uniq("jwt")
	if err := admin.Sys().EnableAuthWithOptions(jm, &api.EnableAuthOptions{Type: "jwt"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Sys().DisableAuth(jm) })
	if _, err := admin.Logical().Write("auth/"+jm+"/config", map[string]any{"jwt_validation_pubkeys": []string{pub}, "bound_issuer": "https://ci.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Logical().Write("auth/"+jm+"/role/ci", map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_audiences": []string{"vault"}, "token_policies": []string{pol}, "token_ttl": "5m"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	tok := signJWT(t, key, map[string]any{"iss": "https://ci.example", "sub": "repo:secretrun", "aud": "vault", "iat": now, "nbf": now - 5, "exp": now + 300})
	ref := mustRef(t, "vault://"+mnt+"/app#k")

	t.Run("env", func(t *testing.T) {
		cnt := newCounter(t, addr)
		p := newProvider(t, Settings{Address: cnt.URL, Auth: AuthSettings{Method: "jwt", Mount: jm, Role: "ci", JWTEnv: "CI_ID_TOKEN"}}, map[string]string{"CI_ID_TOKEN": tok})
		s, err := fetch(t, p, 5*time.Second, ref)
		if err != nil || s[0].Reveal() != c {
			t.Fatalf("jwt login + read: %v", err)
		}
		if cnt.logins() != 1 {
			t.Errorf("%d logins", cnt.logins())
		}
		token := p.client.Token()
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		if err := p.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if code := lookupSelfStatus(t, token); code != 403 {
			t.Errorf("jwt login token not revoked at Close (HTTP %d)", code)
		}
	})
	t.Run("file", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "id-token")
		writeFile(t, f, tok)
		p := newProvider(t, Settings{Address: addr, Auth: AuthSettings{Method: "jwt", Mount: jm, Role: "ci", JWTFile: f}}, nil)
		if s, err := fetch(t, p, 5*time.Second, ref); err != nil || s[0].Reveal() != c {
			t.Fatalf("jwt from file: %v", err)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		other, _ := rsaKey(t)
		bad := signJWT(t, other, map[string]any{"iss": "https://ci.example", "sub": "x", "aud": "vault", "iat": now, "exp": now + 300})
		p := newProvider(t, Settings{Address: addr, Auth: AuthSettings{Method: "jwt", Mount: jm, Role: "ci", JWTEnv: "CI_ID_TOKEN"}}, map[string]string{"CI_ID_TOKEN": bad})
		_, err := fetch(t, p, 5*time.Second, ref)
		if !errors.Is(err, providers.ErrDenied) || !strings.Contains(providers.Hint(err), "CI_ID_TOKEN") {
			t.Fatalf("bad signature: want ErrDenied with a hint naming CI_ID_TOKEN, got %v (hint %q)", err, providers.Hint(err))
		}
		providertest.AssertNoValues(t, err, bad, c)
	})
	t.Run("unset", func(t *testing.T) {
		p := newProvider(t, Settings{Address: addr, Auth: AuthSettings{Method: "jwt", Mount: jm, JWTEnv: "CI_ID_TOKEN"}}, nil)
		_, err := fetch(t, p, 5*time.Second, ref)
		if !errors.Is(err, providers.ErrDenied) || !strings.Contains(err.Error(), "CI_ID_TOKEN is not set") {
			t.Fatalf("unset: %v", err)
		}
	})
}

func TestKubernetes(t *testing.T) {
	admin := adminClient(t)
	addr, _ := vaultEnv(t)
	mnt := mountKV(t, admin, "2")
	c := providertest.Canary(t, "k8s")
	kvPut(t, admin, mnt+"/data/app", map[string]any{"data": map[string]any{"k": c}})
	pol := readPolicy(t, admin, mnt)
	key, _ := rsaKey(t)
	saJWT := signJWT(t, key, map[string]any{
		"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:ci:secretrun",
		"kubernetes.io/serviceaccount/namespace":            "ci",
		"kubernetes.io/serviceaccount/service-account.name": "secretrun",
		"kubernetes.io/serviceaccount/service-account.uid":  "1111-2222",
	})
	// A fake Kubernetes API that answers TokenReview for exactly saJWT.
	var reviews atomic.Int32
	tr := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || !strings.HasSuffix(r.URL.Path, "/tokenreviews") {
			http.NotFound(w, r)
			return
		}
		reviews.Add(1)
		var req struct {
			Spec struct {
				Token string `json:"token"`
			} `json:"spec"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		status := map[string]any{"authenticated": false, "error": "invalid"}
		if req.Spec.Token == saJWT {
			status = map[string]any{"authenticated": true, "user": map[string]any{
				"username": "system:serviceaccount:ci:secretrun", "uid": "1111-2222", "groups": []string{"system:serviceaccounts"}}}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "status": status})
	}))
	defer tr.Close()
	km := uniq("k8s")
	if err := admin.Sys().EnableAuthWithOptions(km, &api.EnableAuthOptions{Type: "kubernetes"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Sys().DisableAuth(km) })
	if _, err := admin.Logical().Write("auth/"+km+"/config", map[string]any{"kubernetes_host": tr.URL, "disable_local_ca_jwt": true}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Logical().Write("auth/"+km+"/role/ci", map[string]any{"bound_service_account_names": []string{"secretrun"}, "bound_service_account_namespaces": []string{"ci"}, "token_policies": []string{pol}, "token_ttl": "5m"}); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "token")
	writeFile(t, f, saJWT)
	p := newProvider(t, Settings{Address: addr, Auth: AuthSettings{Method: "kubernetes", Mount: km, Role: "ci", JWTFile: f}}, nil)
	s, err := fetch(t, p, 5*time.Second, mustRef(t, "vault://"+mnt+"/app#k"))
	if err != nil || s[0].Reveal() != c {
		t.Fatalf("kubernetes login + read: %v", err)
	}
	if reviews.Load() != 1 {
		t.Errorf("%d TokenReviews; want 1", reviews.Load())
	}
	// No role: a clear error before any request.
	p2 := newProvider(t, Settings{Address: addr, Auth: AuthSettings{Method: "kubernetes", Mount: km, JWTFile: f}}, nil)
	if _, err := fetch(t, p2, 5*time.Second, mustRef(t, "vault://"+mnt+"/app#k")); !errors.Is(err, providers.ErrDenied) || !strings.Contains(providers.Hint(err), "auth.role") {
		t.Errorf("no role: %v", err)
	}
	// Missing token file (default path outside a pod).
	p3 := newProvider(t, Settings{Address: addr, Auth: AuthSettings{Method: "kubernetes", Mount: km, Role: "ci", JWTFile: f + ".missing"}}, nil)
	_, err = fetch(t, p3, 5*time.Second, mustRef(t, "vault://"+mnt+"/app#k"))
	if !errors.Is(err, providers.ErrDenied) || !strings.Contains(err.Error(), f+".missing") {
		t.Errorf("missing token file: %v", err)
	}
}
