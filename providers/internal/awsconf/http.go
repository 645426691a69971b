package awsconf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretrun/secretrun/providers/internal/netaddr"
)

// InsecureHint is the advice for a refused plain-http endpoint.
const InsecureHint = "use an https endpoint, or set providers.aws.allow_http: true if plain http is intended (AWS_ENDPOINT_URL, endpoint_url in the profile)"

// Guard wraps an SDK client's HTTP client: it refuses plain-http endpoints that are not on
// loopback unless allowHTTP is set, so that signed requests and secret values never cross a
// network in clear text by accident, and it turns refusals that are not JSON into the AWS JSON
// error shape (see normalizeAuthError).
func Guard(inner aws.HTTPClient, allowHTTP bool) aws.HTTPClient {
	return &guardedClient{inner: inner, allowHTTP: allowHTTP}
}

type guardedClient struct {
	inner     aws.HTTPClient
	allowHTTP bool
}

func (g *guardedClient) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !g.allowHTTP && !netaddr.IsLoopbackHost(req.URL.Hostname()) {
		return nil, &InsecureEndpointError{host: req.URL.Host}
	}
	resp, err := g.inner.Do(req)
	if err == nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) &&
		!strings.Contains(resp.Header.Get("Content-Type"), "json") {
		normalizeAuthError(resp)
	}
	return resp, err
}

// xmlErrorCodeRE finds the code of an XML error document (<Code>InvalidClientTokenId</Code>).
var xmlErrorCodeRE = lazyRegexp(`<Code>([A-Za-z0-9.]{1,64})</Code>`)

// normalizeAuthError rewrites a 401/403 answer that is not JSON (an XML error document from an
// emulator or an authenticating proxy, an HTML page from a firewall) into the JSON error shape of
// the AWS JSON protocol that Secrets Manager and Parameter Store speak, so that it is classified
// by its error code like any other: the SDK cannot decode it otherwise. Only refusals are
// rewritten; they carry no secret values.
func normalizeAuthError(resp *http.Response) {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	_ = resp.Body.Close()
	code := fmt.Sprintf("HTTP%d", resp.StatusCode)
	if m := xmlErrorCodeRE().FindSubmatch(body); m != nil {
		code = string(m[1])
	}
	msg := fmt.Sprintf("HTTP %d answer that is not an AWS JSON error", resp.StatusCode)
	doc, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	resp.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp.Header.Set("X-Amzn-ErrorType", code)
	resp.Header.Del("Content-Length")
	resp.ContentLength = int64(len(doc))
	resp.Body = io.NopCloser(bytes.NewReader(doc))
}

// InsecureEndpointError is returned for a refused plain-http endpoint. It is not retryable.
type InsecureEndpointError struct{ host string }

func (e *InsecureEndpointError) Error() string {
	return fmt.Sprintf("refusing plain http to %s (not a loopback address)", e.host)
}

// RetryableError tells the SDK's retryer not to retry.
func (e *InsecureEndpointError) RetryableError() bool { return false }
