package gcpsm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"cloud.google.com/go/auth/credentials"
	"github.com/googleapis/gax-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/secretrun/secretrun/providers"
)

// retryCodes are the codes the SDK itself retries for AccessSecretVersion.
var retryCodes = []codes.Code{codes.Unavailable, codes.ResourceExhausted}

// retryer wraps the SDK's retry policy to cap the attempts and remember the last RPC error,
// which gax drops when the context ends during a backoff pause.
type retryer struct {
	inner    gax.Retryer
	max      int
	budget   *atomic.Int64 // retries left for the whole Fetch; nil means no limit
	attempts int
	last     error
	spent    bool // gave up because the budget was spent
}

// Retry is called by gax after each failed attempt.
func (r *retryer) Retry(err error) (time.Duration, bool) {
	r.attempts++
	if !isDeadline(err) {
		r.last = err
	}
	if r.attempts >= r.max {
		return 0, false
	}
	d, ok := r.inner.Retry(err)
	if ok && r.budget != nil && r.budget.Add(-1) < 0 {
		r.spent = true
		return 0, false
	}
	return d, ok
}

// isDeadline reports whether err is the end of the caller's time (a context error, or the
// DEADLINE_EXCEEDED or CANCELLED status gRPC turns it into) rather than an answer.
func isDeadline(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	st, ok := status.FromError(err)
	return ok && (st.Code() == codes.DeadlineExceeded || st.Code() == codes.Canceled)
}

// classify maps an error from AccessSecretVersion to a providers sentinel, with a hint where one
// helps. The text names the code and the server's message (which never holds payload data),
// never a value.
func (p *Provider) classify(ctx context.Context, resource string, err error, rt *retryer) error {
	attempts := ""
	if rt.attempts > 1 {
		attempts = fmt.Sprintf(" after %d attempts", rt.attempts)
	}
	if rt.spent {
		attempts += " (no retries left: other secrets of this run failed too)"
	}
	if ctx.Err() != nil || isDeadline(err) {
		cause := ctx.Err()
		if cause == nil {
			cause = context.DeadlineExceeded
			if st, _ := status.FromError(err); st.Code() == codes.Canceled {
				cause = context.Canceled
			}
		}
		what := "no answer within the deadline"
		if errors.Is(cause, context.Canceled) {
			what = "cancelled"
		}
		// Say what went wrong before time ran out: the last real RPC error, or else how the
		// deadline struck ("while waiting for connections to become ready").
		detail := ""
		last := rt.last
		if !isDeadline(err) {
			last = err
		}
		if last != nil {
			detail = "; last error: " + describe(last)
		} else if st, ok := status.FromError(err); ok && st.Message() != context.DeadlineExceeded.Error() && st.Message() != context.Canceled.Error() {
			detail = " (" + describe(err) + ")"
		}
		return p.transportHint(fmt.Errorf("%w: %s%s%s: %w", providers.ErrUnavailable, what, attempts, detail, cause), last)
	}
	st, _ := status.FromError(err)
	desc := describe(err)
	switch st.Code() {
	case codes.NotFound:
		return fmt.Errorf("%w: the secret or version does not exist (%s)", providers.ErrNotFound, desc)
	case codes.FailedPrecondition:
		return providers.WithHint(
			fmt.Errorf("%w: the version is disabled or destroyed (%s)", providers.ErrNotFound, desc),
			"enable it (gcloud secrets versions enable VERSION --secret SECRET) or reference another version")
	case codes.PermissionDenied:
		return providers.WithHint(
			fmt.Errorf("%w: permission denied (%s)", providers.ErrDenied, desc),
			"secretrun authenticated with %s; that principal needs roles/secretmanager.secretAccessor on %s (or its project); without access, a secret that does not exist is reported as denied too",
			p.credentialSource(), secretOf(resource))
	case codes.Unauthenticated:
		if p.cfg.Plaintext {
			return providers.WithHint(
				fmt.Errorf("%w: credentials were rejected (%s)", providers.ErrDenied, desc),
				"the plaintext endpoint %s wants credentials, and secretrun never sends credentials in plaintext: use a TLS endpoint (plaintext: false)", p.cfg.Endpoint)
		}
		return providers.WithHint(
			fmt.Errorf("%w: credentials were rejected (%s)", providers.ErrDenied, desc),
			"secretrun authenticated with %s; refresh them (gcloud auth application-default login) or point GOOGLE_APPLICATION_CREDENTIALS at a valid credentials file",
			p.credentialSource())
	case codes.InvalidArgument:
		return fmt.Errorf("%w: the server rejected the name (%s)", providers.ErrInvalidRef, desc)
	default: // Unavailable, ResourceExhausted, Internal, Unknown, Unimplemented, ...
		return p.transportHint(fmt.Errorf("%w%s (%s)", providers.ErrUnavailable, attempts, desc), err)
	}
}

// transportHint adds a hint to err when cause shows that the endpoint speaks another protocol
// than the client: a REST (HTTP/1.1) port given as endpoint, or TLS and plaintext mixed up.
func (p *Provider) transportHint(err, cause error) error {
	if cause == nil {
		return err
	}
	msg := cause.Error()
	endpoint := p.cfg.Endpoint
	if endpoint == "" {
		endpoint = "the endpoint"
	}
	switch {
	case strings.Contains(msg, "looked like an HTTP/1.1 header"):
		return providers.WithHint(err, "%s answers HTTP/1.1: it looks like a REST port; providers.gcp.endpoint must be the gRPC port", endpoint)
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return providers.WithHint(err, "%s does not speak TLS: for a local emulator set providers.gcp.plaintext: true", endpoint)
	case p.cfg.Plaintext && strings.Contains(msg, "error reading server preface"):
		// A TLS server closes a connection that opens with the HTTP/2 preface instead of a
		// handshake; the client sees EOF or, when the close races its write, a reset.
		return providers.WithHint(err, "%s may expect TLS (plaintext is for emulators): check providers.gcp.endpoint and plaintext", endpoint)
	}
	return err
}

// describe renders an RPC error as "Code: message", on one line and bounded in length.
func describe(err error) string {
	if st, ok := status.FromError(err); ok {
		return st.Code().String() + ": " + oneLine(st.Message())
	}
	return oneLine(err.Error())
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// secretOf returns projects/P/secrets/S of a version resource name.
func secretOf(resource string) string {
	if i := strings.Index(resource, "/versions/"); i >= 0 {
		return resource[:i]
	}
	return resource
}

// credentialSource says which credentials the client used, for hints.
func (p *Provider) credentialSource() string {
	if p.cfg.Plaintext {
		return "no credentials (plaintext endpoint " + p.cfg.Endpoint + ")"
	}
	return "Application Default Credentials from " + adcSource()
}

// adcSource names where Application Default Credentials come from, in the order the SDK looks.
func adcSource() string {
	if v := os.Getenv("GOOGLE_APPLICATION_CREDENTIALS"); v != "" {
		return "GOOGLE_APPLICATION_CREDENTIALS=" + v
	}
	if f := wellKnownFile(); f != "" {
		if _, err := os.Stat(f); err == nil {
			return "the gcloud ADC file " + f
		}
	}
	return "the metadata server's attached service account"
}

// noCredentialsHint advises when the client could not be created (no usable ADC).
func noCredentialsHint() string {
	if v := os.Getenv("GOOGLE_APPLICATION_CREDENTIALS"); v != "" {
		return "check the credentials file GOOGLE_APPLICATION_CREDENTIALS names (" + v + ")"
	}
	return "secretrun uses Application Default Credentials and looked at GOOGLE_APPLICATION_CREDENTIALS (unset), the gcloud ADC file (" +
		wellKnownFile() + ") and the metadata server: run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS, " +
		"or run on Google Cloud with a service account attached; for a local emulator set providers.gcp.endpoint and providers.gcp.plaintext"
}

func wellKnownFile() string {
	const name = "application_default_credentials.json"
	if d := os.Getenv("CLOUDSDK_CONFIG"); d != "" {
		return filepath.Join(d, name)
	}
	if runtime.GOOS == "windows" {
		return filepath.Join(os.Getenv("APPDATA"), "gcloud", name)
	}
	home, _ := os.UserHomeDir()
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".config", "gcloud", name)
}

// adcProject returns the project of the Application Default Credentials, or "". It reads the
// credentials file, or asks the metadata server, bounded by ctx.
func adcProject(ctx context.Context) string {
	ch := make(chan string, 1)
	go func() {
		creds, err := credentials.DetectDefault(&credentials.DetectOptions{
			Scopes: []string{"https://www.googleapis.com/auth/cloud-platform"},
		})
		if err != nil {
			ch <- ""
			return
		}
		id, _ := creds.ProjectID(ctx)
		ch <- id
	}()
	select {
	case id := <-ch:
		return id
	case <-ctx.Done():
		return ""
	}
}
