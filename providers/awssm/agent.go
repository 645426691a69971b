package awssm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
	"github.com/secretrun/secretrun/providers/internal/netaddr"
)

// agentTokenVars are where the AWS Secrets Manager Agent reads its SSRF token by default, in its
// order; a value of the form file://PATH names a file holding the token.
var agentTokenVars = []string{"AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}

// agentTokenHeader is the header the agent checks the token in.
const agentTokenHeader = "X-Aws-Parameters-Secrets-Token"

// agentAnswer is the agent's answer: the GetSecretValue response shape.
type agentAnswer struct {
	SecretString *string `json:"SecretString"`
	SecretBinary []byte  `json:"SecretBinary"` // base64 in JSON
	VersionId    *string `json:"VersionId"`
}

// agentToken finds the agent's SSRF token. It returns the variable it came from, for hints.
func agentToken() (token, from string, err error) {
	for _, name := range agentTokenVars {
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			continue
		}
		if path, isFile := strings.CutPrefix(v, "file://"); isFile {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", name, fmt.Errorf("reading the agent token file named by %s: %w", name, errors.Unwrap(err))
			}
			return strings.TrimSpace(string(b)), name + " (file " + path + ")", nil
		}
		return v, name, nil
	}
	return "", "", fmt.Errorf("no agent token: none of %s is set", strings.Join(agentTokenVars, ", "))
}

// fetchAgent reads refs through the AWS Secrets Manager Agent: one GET per distinct source,
// concurrently with the provider's bound. The agent caches, so there is no batch call.
func (p *Provider) fetchAgent(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	base, err := url.Parse(p.cfg.Agent)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		shown, _ := netaddr.Show(p.cfg.Agent)
		return failAll(refs, fmt.Errorf("awssm: providers.aws.agent %s: %w: want http://HOST:PORT", shown, providers.ErrInvalidRef))
	}
	if base.Scheme == "http" && !p.cfg.AllowHTTP && !netaddr.IsLoopbackHost(base.Hostname()) {
		return failAll(refs, providers.WithHint(
			fmt.Errorf("awssm: agent %s: %w: refusing plain http to a non-loopback address", base.Host, providers.ErrDenied),
			"run the agent on localhost, use https, or set providers.aws.allow_http: true"))
	}
	token, from, err := agentToken()
	if err != nil {
		return failAll(refs, providers.WithHint(fmt.Errorf("awssm: agent %s: %w: %v", base.Host, providers.ErrDenied, err),
			"export the agent's SSRF token, e.g. AWS_TOKEN=file:///var/run/awssmatoken"))
	}
	client := &http.Client{Transport: http.DefaultTransport}
	fetch := func(ctx context.Context, src providers.Ref) ([]byte, string, error) {
		t, err := parseRef(src)
		if err != nil {
			return nil, "", err
		}
		if t.region != "" && !strings.HasPrefix(t.id, "arn:") {
			return nil, "", fmt.Errorf("awssm: %w: ?region= cannot be honoured through the Secrets Manager Agent (it reads from its own region)", providers.ErrInvalidRef)
		}
		t.region = "agent " + base.Host
		q := url.Values{"secretId": {t.id}}
		if t.version != "" {
			q.Set("versionId", t.version)
		}
		if t.stage != "" {
			q.Set("versionStage", t.stage)
		}
		u := *base
		u.Path = strings.TrimSuffix(u.Path, "/") + "/secretsmanager/get"
		u.RawQuery = q.Encode()
		return p.agentGet(ctx, client, u.String(), token, from, t)
	}
	return providers.FetchEach(ctx, refs, p.opts.Concurrency, fetch, nil)
}

// agentGet makes one agent request, retrying connection failures, 429 and 5xx answers with
// backoff and full jitter, within the provider's attempt limit and ctx's deadline.
func (p *Provider) agentGet(ctx context.Context, client *http.Client, u, token, from string, t target) ([]byte, string, error) {
	var last error
	for attempt := 1; ; attempt++ {
		value, version, err, retry := p.agentOnce(ctx, client, u, token, from, t)
		if err == nil {
			return value, version, nil
		}
		if !retry {
			return nil, "", err
		}
		last = err
		if attempt >= p.opts.Retry.MaxAttempts || ctx.Err() != nil {
			break
		}
		backoff := min(p.opts.Retry.MaxBackoff, 100*time.Millisecond<<attempt)
		timer := time.NewTimer(rand.N(backoff) + time.Millisecond)
		select {
		case <-ctx.Done():
			timer.Stop()
		case <-timer.C:
		}
		if ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return nil, "", awsconf.WithSuffix(last, "; gave up at the deadline")
	}
	return nil, "", last
}

// agentOnce makes one request. retry reports whether the failure is worth another attempt.
func (p *Provider) agentOnce(ctx context.Context, client *http.Client, u, token, from string, t target) (value []byte, version string, err error, retry bool) {
	const op = "agent GET"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", fmt.Errorf("awssm: %w: %v", providers.ErrInvalidRef, err), false
	}
	req.Header.Set(agentTokenHeader, token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("awssm: %s of secret %q via %s: %w: %s", op, t.id, t.region, providers.ErrUnavailable, awsconf.DescribeTransport(ctx, err)), ctx.Err() == nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20)) // 64 KiB secrets plus JSON overhead fit easily
	if err != nil {
		return nil, "", fmt.Errorf("awssm: %s of secret %q via %s: %w: %s", op, t.id, t.region, providers.ErrUnavailable, awsconf.DescribeTransport(ctx, err)), ctx.Err() == nil
	}
	if resp.StatusCode == http.StatusOK {
		var a agentAnswer
		if err := json.Unmarshal(body, &a); err != nil {
			// Never quote the body or the decoder's error: both can hold secret bytes.
			return nil, "", fmt.Errorf("awssm: %s of secret %q via %s: %w: the answer could not be decoded (cut short or malformed)", op, t.id, t.region, providers.ErrUnavailable), false
		}
		return secretBytes(a.SecretString, a.SecretBinary), versionOf(a.VersionId), nil, false
	}
	// Error answers: the agent passes Secrets Manager's errors on as {"__type":..., "message":...}
	// with Secrets Manager's status; its own refusals are short plain text.
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	retry = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	switch {
	case e.Type != "":
		return nil, "", p.codeError(op, t, "the agent's own AWS credentials", e.Type, e.Message, resp.StatusCode, 0), retry
	case resp.StatusCode == http.StatusForbidden:
		return nil, "", providers.WithHint(fmt.Errorf("awssm: %s of secret %q via %s: %w: the agent refused the token (HTTP 403)", op, t.id, t.region, providers.ErrDenied),
			"secretrun sent the token from %s; it must match the agent's (its ssrf_env_variables, usually AWS_TOKEN=file:///var/run/awssmatoken)", from), false
	default:
		return nil, "", fmt.Errorf("awssm: %s of secret %q via %s: %w: HTTP %d from the agent", op, t.id, t.region, providers.ErrUnavailable, resp.StatusCode), retry
	}
}

// failAll returns err for every ref.
func failAll(refs []providers.Ref, err error) ([]providers.Secret, error) {
	errs := make([]error, len(refs))
	for i, r := range refs {
		errs[i] = &providers.RefError{Ref: r, Err: err}
	}
	return make([]providers.Secret, len(refs)), errors.Join(errs...)
}
