package awssm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
	"github.com/secretrun/secretrun/providers/providertest"
)

// standInAgent serves the AWS Secrets Manager Agent's HTTP API (GET /secretsmanager/get with
// secretId, versionId, versionStage; the SSRF token in X-Aws-Parameters-Secrets-Token; no
// X-Forwarded-For; GetSecretValue-shaped JSON answers; Secrets Manager errors passed on as
// {"__type","message"} with their status; "Bad Token" 403) on top of the real SDK talking to
// moto. The real agent is a Rust program that is not built on this machine kind.
type standInAgent struct {
	URL      string
	requests atomic.Int32
}

func newStandInAgent(t *testing.T, sm *secretsmanager.Client, token string) *standInAgent {
	a := &standInAgent{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		switch {
		case r.Method != http.MethodGet:
			http.Error(w, "Not allowed", http.StatusMethodNotAllowed)
			return
		case r.Header.Get("X-Forwarded-For") != "":
			http.Error(w, "Forwarded", http.StatusBadRequest)
			return
		case r.Header.Get(agentTokenHeader) != token:
			http.Error(w, "Bad Token", http.StatusForbidden)
			return
		case r.URL.Path != "/secretsmanager/get":
			http.Error(w, "Not found", http.StatusNotFound)
			return
		}
		q := r.URL.Query()
		in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(q.Get("secretId"))}
		if v := q.Get("versionId"); v != "" {
			in.VersionId = aws.String(v)
		}
		if v := q.Get("versionStage"); v != "" {
			in.VersionStage = aws.String(v)
		}
		o, err := sm.GetSecretValue(r.Context(), in)
		if err != nil {
			var ae smithy.APIError
			var re *awshttp.ResponseError
			status := 500
			if errors.As(err, &re) {
				status = re.HTTPStatusCode()
			}
			if !errors.As(err, &ae) {
				http.Error(w, `{"__type":"InternalFailure"}`, 500)
				return
			}
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": ae.ErrorCode(), "message": ae.ErrorMessage()})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"ARN": o.ARN, "Name": o.Name, "VersionId": o.VersionId, "SecretString": o.SecretString,
			"SecretBinary": o.SecretBinary, "VersionStages": o.VersionStages, "CreatedDate": 1569534789.046,
		})
	}))
	t.Cleanup(srv.Close)
	a.URL = srv.URL
	return a
}

func TestAgent(t *testing.T) {
	endpoint := moto(t)
	adm := admin(endpoint)
	base := uniq(t)
	user, pass := providertest.Canary(t, "user"), providertest.Canary(t, "pass")
	js := putString(t, adm, base+"/json", fmt.Sprintf(`{"user":%q,"password":%q}`, user, pass))
	bin := putBinary(t, adm, base+"/bin", []byte{0, 1, 2, 0xff})
	token := "agent-token-" + providertest.Canary(t, "tok")
	agent := newStandInAgent(t, adm, token)

	// secretrun needs no AWS credentials, region or endpoint of its own in agent mode.
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"} {
		t.Setenv(v, "")
	}
	tokenFile := filepath.Join(t.TempDir(), "awssmatoken")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_TOKEN", "file://"+tokenFile)

	p, err := New(awsconf.Settings{Agent: agent.URL})
	if err != nil {
		t.Fatal(err)
	}
	refs := []providers.Ref{
		ref(t, "awssm://"+js.Name+"#user"),
		ref(t, "awssm://"+js.Name+"#password"),
		ref(t, "awssm://"+js.ARN+"?version_stage=AWSCURRENT#password"),
		ref(t, "awssm://"+bin.Name),
	}
	got, err := p.Fetch(fetchCtx(t, 10*time.Second), refs)
	if err != nil {
		t.Fatalf("Fetch via agent: %v", err)
	}
	if got[0].Reveal() != user || got[1].Reveal() != pass || got[2].Reveal() != pass || got[3].Reveal() != "\x00\x01\x02\xff" {
		t.Error("wrong values via the agent")
	}
	if got[3].Version != bin.VersionID {
		t.Errorf("Version = %q", got[3].Version)
	}
	if n := agent.requests.Load(); n != 3 {
		t.Errorf("agent saw %d requests, want 3 (one per distinct source)", n)
	}
	if p.awsCfg.Credentials != nil {
		t.Error("agent mode loaded the SDK configuration")
	}
	if e := Entry(awsconf.Settings{Agent: agent.URL}); !strings.Contains(strings.Join(e.Credentials, " "), "AWS_TOKEN") {
		t.Errorf("agent-mode Entry.Credentials = %v, want AWS_TOKEN too", e.Credentials)
	}

	// Errors: missing secret, ?region= on a name, wrong token, no token, agent down.
	_, err = p.Fetch(fetchCtx(t, 10*time.Second), []providers.Ref{ref(t, "awssm://"+base+"/missing"), ref(t, "awssm://x?region=eu-west-1")})
	errs := refErrors(t, err)
	if !errors.Is(errs["awssm://"+base+"/missing"], providers.ErrNotFound) || !errors.Is(errs["awssm://x?region=eu-west-1"], providers.ErrInvalidRef) {
		t.Errorf("errors = %v, want not found and invalid ref", err)
	}

	t.Setenv("AWS_TOKEN", "wrong-token")
	_, err = p.Fetch(fetchCtx(t, 10*time.Second), refs[:1])
	if !errors.Is(err, providers.ErrDenied) || !strings.Contains(providers.Hint(refErrorsList(err)[0]), "AWS_TOKEN") {
		t.Errorf("wrong token: %v (hint %q), want ErrDenied with a hint naming AWS_TOKEN", err, providers.Hint(refErrorsList(err)[0]))
	}
	noValues(t, err, user, pass, token)

	t.Setenv("AWS_TOKEN", "")
	_, err = p.Fetch(fetchCtx(t, 10*time.Second), refs[:1])
	if !errors.Is(err, providers.ErrDenied) {
		t.Errorf("no token: %v, want ErrDenied", err)
	}

	t.Setenv("AWS_TOKEN", token)
	down := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	down.Close()
	pd, _ := New(awsconf.Settings{Agent: down.URL})
	start := time.Now()
	_, err = pd.Fetch(fetchCtx(t, 800*time.Millisecond), refs[:1])
	if !errors.Is(err, providers.ErrUnavailable) || time.Since(start) > time.Second {
		t.Errorf("agent down: %v after %v, want ErrUnavailable within the deadline", err, time.Since(start))
	}
	t.Logf("agent down: %v", err)

	// A non-loopback plain-http agent is refused.
	pr, _ := New(awsconf.Settings{Agent: "http://192.0.2.1:2773"})
	if _, err := pr.Fetch(fetchCtx(t, time.Second), refs[:1]); !errors.Is(err, providers.ErrDenied) {
		t.Errorf("non-loopback http agent: %v, want ErrDenied", err)
	}
}
