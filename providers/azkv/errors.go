package azkv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/secretrun/secretrun/providers"
)

const credentialHint = "To sign in, set AZURE_TENANT_ID, " +
	"AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH), run where a workload or " +
	"managed identity is available (AZURE_CLIENT_ID selects a user-assigned one), or run `az login`; " +
	"AZURE_TOKEN_CREDENTIALS=prod|dev|<credential name> narrows the chain"

// mapError turns a GetSecret failure into an error wrapping a providers sentinel. It never
// includes the SDK's error text for HTTP responses (azcore.ResponseError prints the response
// body): the message is built from the status, Key Vault's error codes and our own words.
func (p *Provider) mapError(ctx context.Context, t target, rec *recorder, elapsed time.Duration, err error) error {
	what := fmt.Sprintf("secret %q in %s", t.name, t.host)
	if t.version != "" {
		what = fmt.Sprintf("version %s of secret %q in %s", t.version, t.name, t.host)
	}
	rec.mu.Lock()
	attempts, last := rec.attempts, rec.last
	rec.mu.Unlock()

	// The caller's deadline or cancellation ends everything, retries included.
	if ctxErr := ctx.Err(); ctxErr != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		if ctxErr == nil {
			ctxErr = context.DeadlineExceeded
		}
		var ce *credError
		signIn := p.cred.signingIn.Load() || p.cred.failures.Load() > rec.signInFailures
		if errors.As(err, &ce) || (attempts == 0 && signIn) {
			e := fmt.Errorf("%w: signing in to Azure for %s %s after %s", providers.ErrUnavailable, t.host, ctxWord(ctxErr), elapsed.Round(time.Millisecond))
			if last, ok := p.cred.lastErr.Load().(error); ok {
				return providers.WithHint(e, "DefaultAzureCredential tried: %s", credentialSummary(last))
			}
			return providers.WithHint(e, "the sign-in service (or the managed identity endpoint, or `az`) did not answer in time")
		}
		return fmt.Errorf("%w: reading %s %s after %s%s", providers.ErrUnavailable, what, ctxWord(ctxErr),
			elapsed.Round(time.Millisecond), attemptsNote(attempts, last))
	}

	var ce *credError
	if errors.As(err, &ce) {
		if isTransport(ce.err) {
			return fmt.Errorf("%w: cannot reach the Azure sign-in service for %s: %s", providers.ErrUnavailable, t.host, describeTransport(ce.err))
		}
		return providers.WithHint(
			fmt.Errorf("%w: cannot get an Azure access token for %s", providers.ErrDenied, t.host),
			"DefaultAzureCredential tried: %s. %s", credentialSummary(ce.err), credentialHint)
	}

	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return p.mapResponse(t, what, re, attempts, last)
	}

	if isTransport(err) {
		e := fmt.Errorf("%w: cannot read %s: %s%s", providers.ErrUnavailable, what, describeTransport(err), attemptsNote(attempts, ""))
		var dns *net.DNSError
		if errors.As(err, &dns) && dns.IsNotFound {
			return providers.WithHint(e, "no vault answers at %s: check the vault name (and providers.azure.cloud for sovereign clouds)", t.host)
		}
		return e
	}

	// Errors from Key Vault's authentication-challenge handling (no or malformed
	// WWW-Authenticate, a challenge resource that does not match the vault's domain).
	if s := err.Error(); strings.Contains(s, "challenge") || strings.Contains(s, "WWW-Authenticate") {
		return providers.WithHint(
			fmt.Errorf("%w: %s did not answer with a valid Key Vault authentication challenge", providers.ErrDenied, t.host),
			"is %s really an Azure Key Vault? The challenge must name a resource in the vault's own domain", t.host)
	}

	// Anything else (a response that is not the JSON Key Vault sends, for example): its text may
	// quote the response, so it is not shown.
	return fmt.Errorf("%w: unreadable answer from %s for %s%s", providers.ErrUnavailable, t.host, what, attemptsNote(attempts, last))
}

func attemptsNote(attempts int, last string) string {
	switch {
	case attempts > 1 && last != "":
		return fmt.Sprintf(" (%d attempts; last: %s)", attempts, last)
	case attempts > 1:
		return fmt.Sprintf(" (%d attempts)", attempts)
	case last != "":
		return fmt.Sprintf(" (last: %s)", last)
	}
	return ""
}

// kvError is Key Vault's error body: {"error":{"code":..,"message":..,"innererror":{"code":..}}}.
// It is only parsed from non-2xx responses, which never hold a secret value.
type kvError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError *struct {
			Code string `json:"code"`
		} `json:"innererror"`
	} `json:"error"`
}

func (p *Provider) mapResponse(t target, what string, re *azcore.ResponseError, attempts int, last string) error {
	status := re.StatusCode
	codes := []string{}
	var body kvError
	if re.RawResponse != nil && status >= 400 {
		if b, err := runtime.Payload(re.RawResponse); err == nil {
			_ = json.Unmarshal(b, &body)
		}
	}
	if c := safeCode(re.ErrorCode); c != "" {
		codes = append(codes, c)
	} else if c := safeCode(body.Error.Code); c != "" {
		codes = append(codes, c)
	}
	inner := ""
	if body.Error.InnerError != nil {
		inner = safeCode(body.Error.InnerError.Code)
		if inner != "" && (len(codes) == 0 || codes[0] != inner) {
			codes = append(codes, inner)
		}
	}
	desc := fmt.Sprintf("HTTP %d", status)
	if len(codes) > 0 {
		desc += " " + strings.Join(codes, "/")
	}
	msg := body.Error.Message

	switch {
	case (status == http.StatusNotFound || status == http.StatusConflict) && strings.Contains(strings.ToLower(msg), "deleted"):
		return providers.WithHint(
			fmt.Errorf("%w: %s is deleted (%s)", providers.ErrNotFound, what, desc),
			"a soft-deleted secret can be restored with `az keyvault secret recover --vault-name %s --name %s`",
			vaultName(t.host), t.name)

	case status == http.StatusNotFound:
		return fmt.Errorf("%w: %s does not exist (%s)", providers.ErrNotFound, what, desc)

	case status == http.StatusForbidden && (inner == "SecretDisabled" || re.ErrorCode == "SecretDisabled" ||
		strings.Contains(strings.ToLower(msg), "disabled secret")):
		return providers.WithHint(
			fmt.Errorf("%w: %s is disabled (%s)", providers.ErrDenied, what, desc),
			"enable it with `az keyvault secret set-attributes --vault-name %s --name %s --enabled true`%s",
			vaultName(t.host), t.name, versionFlag(t.version))

	case status == http.StatusForbidden:
		hint := fmt.Sprintf("the identity secretrun signed in as needs the \"Key Vault Secrets User\" role on the vault %s "+
			"(or on the secret) with Azure RBAC, or the \"get\" secret permission in the vault's access policy", vaultName(t.host))
		if caller := callerOf(msg); caller != "" {
			hint += "; Key Vault saw the caller as " + caller
		}
		if strings.Contains(strings.ToLower(msg), "firewall") || strings.Contains(strings.ToLower(msg), "client address") {
			hint = "the vault's network rules (firewall or private endpoint) refused this machine's address"
		}
		return providers.WithHint(fmt.Errorf("%w: not allowed to read %s (%s)", providers.ErrDenied, what, desc), "%s", hint)

	case status == http.StatusUnauthorized:
		return providers.WithHint(
			fmt.Errorf("%w: Key Vault rejected the access token for %s (%s)", providers.ErrDenied, what, desc),
			"the token is not valid for this vault: check that the credential signs in to the vault's tenant "+
				"(AZURE_TENANT_ID or providers.azure.tenant_id) and cloud (providers.azure.cloud)")

	case status == http.StatusTooManyRequests:
		e := fmt.Errorf("%w: Key Vault throttled the reading of %s (%s)%s", providers.ErrUnavailable, what, desc, attemptsNote(attempts, ""))
		if ra := retryAfter(re); secondsRE().MatchString(ra) {
			return providers.WithHint(e, "Key Vault asked to retry after %s seconds; too many clients read this vault at once", ra)
		}
		return e

	case status == http.StatusRequestTimeout || status >= 500:
		return fmt.Errorf("%w: Key Vault could not serve %s (%s)%s", providers.ErrUnavailable, what, desc, attemptsNote(attempts, ""))

	case status == http.StatusBadRequest:
		return fmt.Errorf("%w: Key Vault rejected the request for %s (%s)", providers.ErrInvalidRef, what, desc)
	}
	return fmt.Errorf("%w: unexpected answer from Key Vault for %s (%s)", providers.ErrUnavailable, what, desc)
}

func versionFlag(v string) string {
	if v == "" {
		return ""
	}
	return " --version " + v
}

// vaultName is the first label of a vault host.
func vaultName(host string) string {
	name, _, _ := strings.Cut(host, ".")
	return name
}

var (
	codeRE    = lazyRegexp(`^[A-Z][A-Za-z]{1,40}$`)
	secondsRE = lazyRegexp(`^[0-9]{1,6}$`)
)

// safeCode returns s if it has the shape of a Key Vault error code (CamelCase letters), else "".
// Codes come from error answers, which hold no value, but a shape check keeps anything odd out.
func safeCode(s string) string {
	if codeRE().MatchString(s) {
		return s
	}
	return ""
}

var (
	appidRE = lazyRegexp(`\bappid=([0-9a-fA-F-]{36})\b`)
	oidRE   = lazyRegexp(`\boid=([0-9a-fA-F-]{36})\b`)
)

// callerOf extracts the caller's appid and oid (GUIDs, not secrets) from a Key Vault 403 message.
func callerOf(msg string) string {
	var parts []string
	if m := appidRE().FindStringSubmatch(msg); m != nil {
		parts = append(parts, "appid="+m[1])
	}
	if m := oidRE().FindStringSubmatch(msg); m != nil {
		parts = append(parts, "oid="+m[1])
	}
	return strings.Join(parts, ";")
}

// isTransport reports whether err is a failure to talk to the server at all.
func isTransport(err error) bool {
	var ne net.Error
	var tlsRec tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	var unk x509.UnknownAuthorityError
	var host x509.HostnameError
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &tlsRec) || errors.As(err, &certErr) || errors.As(err, &unk) || errors.As(err, &host)
}

// describeTransport says in our own words what went wrong on the wire.
func describeTransport(err error) string {
	var dns *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unk x509.UnknownAuthorityError
	var host x509.HostnameError
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return fmt.Sprintf("host %s not found (DNS)", dns.Name)
		}
		return fmt.Sprintf("cannot resolve %s (DNS)", dns.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "connection closed while sending"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed before the whole answer arrived"
	case errors.As(err, &certErr), errors.As(err, &unk), errors.As(err, &host):
		return "TLS certificate not trusted"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.As(err, &ne):
		return "network error"
	}
	return "request failed"
}

var (
	aadstsRE = lazyRegexp(`AADSTS[0-9]{4,8}(: [^."\\\n\r]{1,120})?`)
	nameRE   = lazyRegexp(`^([A-Za-z]+Credential)\b`)
)

// credentialSummary condenses DefaultAzureCredential's aggregated error ("Attempted credentials:"
// followed by one indented block per source, some with whole HTTP responses) to one short
// clause per source: its name, the first line of its message, and any AADSTS error codes.
func credentialSummary(err error) string {
	text := err.Error()
	var blocks [][]string
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "\t\t"):
			if len(blocks) > 0 {
				blocks[len(blocks)-1] = append(blocks[len(blocks)-1], line)
			}
		case strings.HasPrefix(line, "\t"):
			blocks = append(blocks, []string{strings.TrimPrefix(line, "\t")})
		}
	}
	if len(blocks) == 0 { // a single credential, not a chain
		blocks = [][]string{strings.Split(text, "\n")}
	}
	var parts []string
	for _, b := range blocks {
		first := strings.TrimSpace(b[0])
		if strings.HasSuffix(first, ":") && len(b) > 1 { // the cause is on the next line
			first += " " + strings.TrimSpace(b[1])
		}
		if i := strings.Index(first, "To troubleshoot"); i >= 0 {
			first = first[:i]
		}
		part := strings.TrimRight(oneLine(first, 160), ". ")
		if codes := aadstsRE().FindAllString(strings.Join(b, "\n"), 3); len(codes) > 0 && !strings.Contains(part, codes[0]) {
			part += " [" + strings.Join(dedup(codes), "; ") + "]"
		}
		if nameRE().FindString(part) == "" && len(parts) == 0 && len(blocks) == 1 {
			part = "credential: " + part
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "; ")
}

func dedup(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// oneLine trims s to its first line and at most n bytes.
func oneLine(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

func retryAfter(re *azcore.ResponseError) string {
	if re.RawResponse == nil {
		return ""
	}
	return re.RawResponse.Header.Get("Retry-After")
}
