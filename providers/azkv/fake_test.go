package azkv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets/fake"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// fakeVault is a Key Vault behind the SDK's own fake server transport (azsecrets/fake): the real
// azsecrets client, pipeline, retry and challenge policies run; only the wire is replaced.
type fakeVault struct {
	mu       sync.Mutex
	secrets  map[string]map[string]string // name -> version -> value
	latest   map[string]string            // name -> current version
	status   map[string]int               // name -> forced HTTP status
	code     map[string]string            // name -> error code for the forced status
	calls    map[string]int               // name/version -> GetSecret calls
	versions []string                     // versions asked for, in order
}

func newFakeVault() *fakeVault {
	return &fakeVault{secrets: map[string]map[string]string{}, latest: map[string]string{},
		status: map[string]int{}, code: map[string]string{}, calls: map[string]int{}}
}

func (f *fakeVault) put(name, version, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.secrets[name] == nil {
		f.secrets[name] = map[string]string{}
	}
	f.secrets[name][version] = value
	f.latest[name] = version
}

func (f *fakeVault) fail(name string, status int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status[name], f.code[name] = status, code
}

func (f *fakeVault) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *fakeVault) server() *fake.Server {
	return &fake.Server{
		GetSecret: func(ctx context.Context, name, version string, _ *azsecrets.GetSecretOptions) (resp azfake.Responder[azsecrets.GetSecretResponse], errResp azfake.ErrorResponder) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls[name+"/"+version]++
			f.versions = append(f.versions, version)
			if st, ok := f.status[name]; ok {
				errResp.SetResponseError(st, f.code[name])
				return
			}
			vs, ok := f.secrets[name]
			if !ok {
				errResp.SetResponseError(http.StatusNotFound, "SecretNotFound")
				return
			}
			if version == "" {
				version = f.latest[name]
			}
			v, ok := vs[version]
			if !ok {
				errResp.SetResponseError(http.StatusNotFound, "SecretNotFound")
				return
			}
			id := azsecrets.ID("https://fakevault.vault.azure.net/secrets/" + name + "/" + version)
			resp.SetResponse(http.StatusOK, azsecrets.GetSecretResponse{Secret: azsecrets.Secret{Value: &v, ID: &id}}, nil)
			return
		},
	}
}

func (f *fakeVault) provider(t *testing.T, opts ...Option) *Provider {
	t.Helper()
	opts = append([]Option{WithTransport(fake.NewServerTransport(f.server())), WithCredential(&azfake.TokenCredential{})}, opts...)
	p, err := New(Settings{Vault: "fakevault"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ref(t *testing.T, s string) providers.Ref {
	t.Helper()
	r, err := providers.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func fetch(t *testing.T, p *Provider, timeout time.Duration, refs ...string) ([]providers.Secret, error) {
	t.Helper()
	rs := make([]providers.Ref, len(refs))
	for i, s := range refs {
		rs[i] = ref(t, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return p.Fetch(ctx, rs)
}

const v1, v2 = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"

func TestFakeVersionsAndSpellings(t *testing.T) {
	f := newFakeVault()
	old, cur := providertest.Canary(t, "old"), providertest.Canary(t, "cur")
	f.put("db", v1, old)
	f.put("db", v2, cur)
	p := f.provider(t)
	secrets, err := fetch(t, p, 10*time.Second,
		"azkv://db", "azkv://fakevault/db", "azkv://FakeVault.vault.azure.net/DB", "azkv://fakevault/db/"+v1)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{cur, cur, cur, old} {
		if secrets[i].Reveal() != want {
			t.Errorf("secret %d: wrong value", i)
		}
	}
	if secrets[0].Version != v2 || secrets[3].Version != v1 {
		t.Errorf("versions = %q, %q; want %q, %q", secrets[0].Version, secrets[3].Version, v2, v1)
	}
	// Three spellings of the current version are one read; the old version is another.
	if f.calls["db/"] != 1 || f.calls["db/"+v1] != 1 {
		t.Errorf("GetSecret calls = %v; want one per distinct version", f.calls)
	}
}

func TestFakeJSONKeysOneRead(t *testing.T) {
	f := newFakeVault()
	user, pass := providertest.Canary(t, "user"), providertest.Canary(t, "pass")
	f.put("conn", v1, `{"user":"`+user+`","password":"`+pass+`","port":5432}`)
	p := f.provider(t)
	refs := []string{}
	for i := 0; i < 4; i++ {
		refs = append(refs, "azkv://fakevault/conn#user", "azkv://fakevault/conn#password", "azkv://conn#port")
	}
	secrets, err := fetch(t, p, 10*time.Second, refs...)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(refs); i += 3 {
		if secrets[i].Reveal() != user || secrets[i+1].Reveal() != pass || secrets[i+2].Reveal() != "5432" {
			t.Fatalf("wrong values at %d", i)
		}
	}
	if n := f.total(); n != 1 {
		t.Errorf("%d refs with 3 keys of one secret cost %d GetSecret calls; want 1", len(refs), n)
	}
	_, err = fetch(t, p, 10*time.Second, "azkv://conn#nope")
	if !errors.Is(err, providers.ErrKeyNotFound) {
		t.Errorf("missing key: %v; want ErrKeyNotFound", err)
	}
	providertest.AssertNoValues(t, err, user, pass)
}

func TestFakeErrors(t *testing.T) {
	cases := []struct {
		name, code string
		status     int
		want       error
		text, hint string
		maxCalls   int
	}{
		{"missing", "", 0, providers.ErrNotFound, "does not exist", "", 1},
		{"forbidden", "Forbidden", 403, providers.ErrDenied, "HTTP 403 Forbidden", "Key Vault Secrets User", 1},
		{"disabled", "SecretDisabled", 403, providers.ErrDenied, "is disabled", "--enabled true", 1},
		{"unauthorized", "Unauthorized", 401, providers.ErrDenied, "rejected the access token", "tenant", 2},
		{"throttled", "Throttled", 429, providers.ErrUnavailable, "HTTP 429", "", 4},
		{"unavailable", "ServiceUnavailable", 503, providers.ErrUnavailable, "HTTP 503", "", 4},
		{"badrequest", "BadParameter", 400, providers.ErrInvalidRef, "HTTP 400 BadParameter", "", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeVault()
			canary := providertest.Canary(t, c.name)
			if c.status != 0 {
				f.put(c.name, v1, canary)
				f.fail(c.name, c.status, c.code)
			}
			p := f.provider(t)
			start := time.Now()
			secrets, err := fetch(t, p, 20*time.Second, "azkv://fakevault/"+c.name+"#k", "azkv://fakevault/"+c.name)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v; want %v", err, c.want)
			}
			if secrets[0].Len() != 0 || secrets[1].Len() != 0 {
				t.Error("a failed ref has a value")
			}
			if res := providertest.RefErrors(err); len(res) != 2 {
				t.Errorf("want 2 RefErrors, got %d", len(res))
			}
			if !strings.Contains(err.Error(), "azkv://fakevault/"+c.name) || !strings.Contains(err.Error(), c.text) {
				t.Errorf("err %q does not name the ref and %q", err, c.text)
			}
			if h := providers.Hint(err); !strings.Contains(h, c.hint) {
				t.Errorf("hint %q does not contain %q", h, c.hint)
			}
			if n := f.total(); n < 1 || n > c.maxCalls {
				t.Errorf("GetSecret calls = %d; want 1..%d", n, c.maxCalls)
			}
			providertest.AssertNoValues(t, err, canary)
			t.Logf("%s -> %v (hint: %s) in %v", c.name, err, providers.Hint(err), time.Since(start).Round(time.Millisecond))
		})
	}
}

type failingCred struct {
	err   error
	calls *atomic.Int64
}

func (c failingCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if c.calls != nil {
		c.calls.Add(1)
	}
	return azcore.AccessToken{}, c.err
}

// A failed sign-in is tried once per run, not once per secret.
func TestFakeCredentialFailureOnce(t *testing.T) {
	f := newFakeVault()
	var calls atomic.Int64
	p := f.provider(t, WithCredential(failingCred{errors.New("EnvironmentCredential: missing environment variable AZURE_TENANT_ID"), &calls}))
	var refs []string
	for i := 0; i < 20; i++ {
		refs = append(refs, fmt.Sprintf("azkv://fakevault/s%d", i), fmt.Sprintf("azkv://other-kv/s%d", i))
	}
	_, err := fetch(t, p, 10*time.Second, refs...)
	if !errors.Is(err, providers.ErrDenied) || len(providertest.RefErrors(err)) != len(refs) {
		t.Fatalf("err = %v; want ErrDenied for every ref", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the credential was asked %d times; want 1", n)
	}
}

func TestFakeCredentialFailure(t *testing.T) {
	f := newFakeVault()
	f.put("s", v1, "x")
	chained := errors.New("DefaultAzureCredential: failed to acquire a token.\nAttempted credentials:\n" +
		"\tEnvironmentCredential: missing environment variable AZURE_TENANT_ID\n" +
		"\tWorkloadIdentityCredential: no client ID specified. Check pod configuration or set ClientID in the options\n" +
		"\tManagedIdentityCredential authentication failed. the requested identity isn't assigned to this resource\n" +
		"\t\tGET http://169.254.169.254/metadata/identity/oauth2/token\n\t\tRESPONSE 400 Bad Request\n\t\t{\"error\":\"invalid_request\",\"error_description\":\"AADSTS700016: app not found\"}\n" +
		"\tAzureCLICredential: Azure CLI not found on path")
	p := f.provider(t, WithCredential(failingCred{err: chained}))
	_, err := fetch(t, p, 10*time.Second, "azkv://fakevault/s")
	if !errors.Is(err, providers.ErrDenied) {
		t.Fatalf("err = %v; want ErrDenied", err)
	}
	h := providers.Hint(err)
	for _, want := range []string{"EnvironmentCredential: missing environment variable AZURE_TENANT_ID", "AADSTS700016", "AzureCLICredential: Azure CLI not found", "az login"} {
		if !strings.Contains(h, want) {
			t.Errorf("hint %q does not contain %q", h, want)
		}
	}
	if strings.Contains(h, "169.254") || strings.Contains(err.Error(), "RESPONSE") {
		t.Errorf("hint or error repeats raw responses: %q / %q", err, h)
	}
	if f.total() != 0 {
		t.Errorf("a GetSecret reached the server without a token")
	}
	t.Logf("%v\nhint: %s", err, h)
}

func TestValidate(t *testing.T) {
	withDefault, _ := New(Settings{Vault: "acme-kv"})
	noDefault, _ := New(Settings{})
	sovereign, _ := New(Settings{Cloud: "china"})
	good := []struct {
		p   *Provider
		ref string
	}{
		{withDefault, "azkv://db-password"},
		{withDefault, "azkv://acme-kv/db-password"},
		{noDefault, "azkv://acme-kv/db-password/" + v1},
		{noDefault, "azkv://acme-kv.vault.azure.net/db-password#user"},
		{noDefault, "azkv://acme-kv.vault.azure.cn/db"},
		{sovereign, "azkv://acme-kv/db"},
	}
	for _, g := range good {
		if err := g.p.Validate(ref(t, g.ref)); err != nil {
			t.Errorf("Validate(%s) = %v", g.ref, err)
		}
	}
	bad := []struct {
		p        *Provider
		ref, msg string
	}{
		{noDefault, "azkv://db-password", "providers.azure.vault"},
		{withDefault, "azkv://a/b/c/d", "segments"},
		{withDefault, "azkv://acme-kv/db_password", "secret name"},
		{withDefault, "azkv://acme-kv/db.password", "secret name"},
		{withDefault, "azkv://kv/db", "vault name"},
		{withDefault, "azkv://-kv-/db", "vault name"},
		{withDefault, "azkv://evil.example.com/db", "is not NAME.vault.azure.net"},
		{withDefault, "azkv://acme-kv/db/not-a-version", "version"},
		{withDefault, "azkv://acme-kv/db?version=1", "options"},
		{withDefault, "azkv:///db", "empty vault"},
		{withDefault, "azkv://acme-kv/", "secret name"},
	}
	for _, b := range bad {
		err := b.p.Validate(ref(t, b.ref))
		if !errors.Is(err, providers.ErrInvalidRef) || !strings.Contains(err.Error()+providers.Hint(err), b.msg) {
			t.Errorf("Validate(%s) = %v; want ErrInvalidRef mentioning %q", b.ref, err, b.msg)
		}
	}
	if got := sovereign.defVault; got != "" {
		t.Errorf("sovereign default vault = %q", got)
	}
	if p, _ := New(Settings{Cloud: "usgov", Vault: "x-kv"}); p.defVault != "x-kv.vault.usgovcloudapi.net" {
		t.Errorf("usgov default vault host = %q", p.defVault)
	}
	if p, _ := New(Settings{DNSSuffix: ".vault.example.org", Vault: "x-kv"}); p.defVault != "x-kv.vault.example.org" {
		t.Errorf("dns_suffix default vault host = %q", p.defVault)
	}
	for _, cfg := range []Settings{{Cloud: "mars"}, {Vault: "a"}, {DNSSuffix: "bad suffix"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad configuration", cfg)
		}
	}
}

func TestEntry(t *testing.T) {
	e := Entry(Settings{Vault: "acme-kv"})
	if e.Scheme != Scheme || !e.Remote || e.Summary == "" || e.Open == nil {
		t.Fatalf("bad entry %+v", e)
	}
	want := map[string]bool{"AZURE_CLIENT_SECRET": true, "AZURE_CLIENT_CERTIFICATE_PASSWORD": true}
	for _, c := range e.Credentials {
		delete(want, c)
	}
	if len(want) != 0 {
		t.Errorf("Credentials %v lack %v", e.Credentials, want)
	}
	p, err := e.Open()
	if err != nil || p == nil {
		t.Fatalf("Open() = %v, %v", p, err)
	}
	// No SDK work happens before the first Fetch.
	if pp := p.(*Provider); pp.cred != nil || len(pp.vaults) != 0 {
		t.Error("Open created a credential or a client")
	}
	if _, err := Entry(Settings{Cloud: "mars"}).Open(); err == nil {
		t.Error("Open accepted a bad cloud")
	}
}
