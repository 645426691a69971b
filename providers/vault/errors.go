package vault

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
)

// multiHeader is compiled on first use, not at the start of every run (most never see an error).
var multiHeader = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\d+ errors? occurred:\s*`) })

// vaultMessages returns Vault's own error messages from a JSON error response (such as
// "permission denied"), at most 200 bytes. A body that is not Vault's JSON error shape is never
// shown: it could be anything, including part of a secret.
func vaultMessages(re *api.ResponseError) string {
	if re.RawError || len(re.Errors) == 0 {
		return fmt.Sprintf("HTTP %d", re.StatusCode)
	}
	var parts []string
	for _, e := range re.Errors {
		// Vault wraps several errors as "2 errors occurred:\n\t* a\n\t* b".
		e = multiHeader().ReplaceAllString(e, "")
		for _, part := range strings.Split(e, "* ") {
			if part = strings.Join(strings.Fields(part), " "); part != "" {
				parts = append(parts, part)
			}
		}
	}
	msg := strings.Join(parts, "; ")
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return fmt.Sprintf("%s (HTTP %d)", msg, re.StatusCode)
}

// certError returns the certificate verification error inside err, or nil.
func certError(err error) error {
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		return cv.Err
	}
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return ua
	}
	var he x509.HostnameError
	if errors.As(err, &he) {
		return he
	}
	var ci x509.CertificateInvalidError
	if errors.As(err, &ci) {
		return ci
	}
	return nil
}

func isCertError(err error) bool { return certError(err) != nil }

// retryable reports whether err is worth another attempt: connection errors, truncated or
// malformed responses, 5xx, 429 and 412 (a performance standby not yet caught up). Never 4xx
// otherwise, never a done context.
func retryable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var re *api.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode >= 500 || re.StatusCode == 429 || re.StatusCode == 412
	}
	return !isCertError(err) // a certificate does not get better by asking again
}

// retry runs op up to p.opts.attempts times while the error is retryable, with exponential
// backoff and full jitter (base 100 ms), never sleeping past ctx's deadline.
func (p *Provider) retry(ctx context.Context, op func(context.Context) error) error {
	var err error
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err = op(ctx)
		if err == nil || attempt >= p.opts.attempts || !retryable(ctx, err) {
			return err
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		backoff *= 2
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// mapErr turns an SDK error into a sentinel-wrapping error that names the operation and never
// contains a value.
func (p *Provider) mapErr(err error, op string) error {
	var re *api.ResponseError
	if errors.As(err, &re) {
		msg := vaultMessages(re)
		switch {
		case (re.StatusCode == 403 || re.StatusCode == 401) && strings.Contains(msg, "invalid token"):
			return providers.WithHint(fmt.Errorf("%w: vault: %s: %s", providers.ErrDenied, op, msg),
				"Vault does not accept %s: it is invalid, expired or revoked", p.auth.describe())
		case re.StatusCode == 403 || re.StatusCode == 401:
			return providers.WithHint(fmt.Errorf("%w: vault: %s: %s", providers.ErrDenied, op, msg),
				"Vault refused %s; check that its policies allow this path", p.auth.describe())
		case re.StatusCode == 404:
			return fmt.Errorf("%w: vault: %s: %s", providers.ErrNotFound, op, msg)
		case re.StatusCode == 405:
			return providers.WithHint(fmt.Errorf("%w: vault: %s: %s", providers.ErrInvalidRef, op, msg),
				"this endpoint cannot be read with GET (it needs a write, e.g. pki/issue/ROLE); secretrun only reads: use Vault Agent templates for it")
		case re.StatusCode == 400:
			return fmt.Errorf("%w: vault: %s: %s", providers.ErrInvalidRef, op, msg)
		default:
			return fmt.Errorf("%w: vault: %s: %s", providers.ErrUnavailable, op, msg)
		}
	}
	e := fmt.Errorf("%w: vault: %s: %s", providers.ErrUnavailable, op, transportMessage(err))
	if isCertError(err) {
		return providers.WithHint(e, "trust Vault's CA with providers.vault.ca_cert (or VAULT_CACERT / VAULT_CAPATH)")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return providers.WithHint(e, "Vault did not answer in time: check the address and the network, or raise --timeout")
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return providers.WithHint(e, "nothing accepts connections at %s: check providers.vault.address or VAULT_ADDR, and that Vault is running", redactURL(p.addr))
	}
	return e
}

// describeErr says what went wrong with a request, without the error class (for warnings).
func describeErr(err error) string {
	var re *api.ResponseError
	if errors.As(err, &re) {
		return vaultMessages(re)
	}
	return transportMessage(err)
}

// transportMessage describes a non-HTTP failure without quoting any response content.
func transportMessage(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer before the deadline"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	if isCertError(err) {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Sprintf("%s %s: TLS: %v", ue.Op, redactURL(ue.URL), certError(err))
		}
		return fmt.Sprintf("TLS: %v", certError(err))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error names the method and the URL (a path, never a value) and the network error.
		inner := ue.Err
		var ne net.Error
		if errors.As(inner, &ne) && ne.Timeout() {
			return fmt.Sprintf("%s %s: timed out", ue.Op, redactURL(ue.URL))
		}
		var oe *net.OpError
		if errors.As(inner, &oe) {
			return fmt.Sprintf("%s %s: %v", ue.Op, redactURL(ue.URL), oe)
		}
		if errors.Is(inner, io.EOF) {
			return fmt.Sprintf("%s %s: connection closed without a response", ue.Op, redactURL(ue.URL))
		}
		return fmt.Sprintf("%s %s: connection failed", ue.Op, redactURL(ue.URL))
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Error()
	}
	// Errors while reading or decoding a response body: JSON syntax errors can quote a byte of
	// the body, so they are never shown.
	return "truncated or malformed response"
}

// redactURL returns a URL as it may be shown: without user information, and as "(url)" when it
// does not parse or its scheme is not a plain word (a token pasted as VAULT_ADDR, hvs.xxx:y,
// parses with the token as its scheme).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || !plainScheme(u.Scheme) {
		return "(url)"
	}
	u.User = nil
	return u.Redacted()
}

// plainScheme reports whether s looks like a URL scheme people write: a short lower-case word.
func plainScheme(s string) bool {
	return len(s) > 0 && len(s) <= 16 && s[0] >= 'a' && s[0] <= 'z' &&
		strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789+-") == ""
}
