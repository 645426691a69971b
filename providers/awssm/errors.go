package awssm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/textproto"
	"net/url"
	"os/exec"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/smithy-go"

	"github.com/secretrun/secretrun/providers"
)

// Error codes, told apart by type (code), never by HTTP status: moto answers 404 where AWS
// answers 400.
var (
	deniedCodes = map[string]bool{
		"AccessDeniedException": true, "AccessDenied": true, "UnauthorizedOperation": true,
		"NotAuthorized": true, "HTTP403": true, // HTTP403: a refusal without an AWS error code
	}
	badCredentialCodes = map[string]bool{
		"UnrecognizedClientException": true, "InvalidClientTokenId": true, "ExpiredToken": true,
		"ExpiredTokenException": true, "InvalidSignatureException": true, "SignatureDoesNotMatch": true,
		"IncompleteSignature": true, "MissingAuthenticationToken": true, "InvalidAccessKeyId": true,
		"MissingAuthenticationTokenException": true, "RequestExpired": true,
		"HTTP401": true, // a 401 without an AWS error code
	}
	unavailableCodes = map[string]bool{
		"InternalServiceError": true, "InternalFailure": true, "InternalServerError": true,
		"ServiceUnavailable": true, "ServiceUnavailableException": true, "ThrottlingException": true,
		"Throttling": true, "TooManyRequestsException": true, "RequestLimitExceeded": true,
		"RequestTimeout": true, "RequestTimeoutException": true, "SlowDown": true,
		"EC2ThrottledException": true, "PriorRequestNotComplete": true, "TransactionInProgressException": true,
	}
	unsupportedCodes = map[string]bool{
		"UnknownOperationException": true, "InvalidAction": true, "NotImplemented": true,
		"UnsupportedOperation": true, "UnsupportedOperationException": true,
	}
)

// batchUnsupported reports whether a failed BatchGetSecretValue call should be retried as single
// GetSecretValue calls: the identity may read secrets but not batch them (AccessDenied on the
// batch action), or the endpoint (an older emulator, a proxy) does not know the action.
func batchUnsupported(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	return deniedCodes[ae.ErrorCode()] || unsupportedCodes[ae.ErrorCode()]
}

// callError maps a failed SDK call to a sentinel-wrapping error that names the secret and
// region, and never carries response bodies (which could hold secret material).
func (p *Provider) callError(ctx context.Context, log *attemptLog, op string, t target, credSrc string, err error) error {
	var ie *insecureEndpointError
	if errors.As(err, &ie) {
		return providers.WithHint(fmt.Errorf("awssm: %s of secret %q in %s: %w: %s", op, t.id, t.region, providers.ErrDenied, ie.Error()),
			"use an https endpoint, or set providers.aws.allow_http: true if plain http is intended (AWS_ENDPOINT_URL, endpoint_url in the profile)")
	}
	attempts, last := log.get()
	var mae *retry.MaxAttemptsError
	if errors.As(err, &mae) {
		attempts = mae.Attempt
	}
	cause := err
	gaveUp := ""
	if ctx.Err() != nil && last != nil {
		// The deadline ended the call while it was retrying: report why it was retrying.
		cause = last
		gaveUp = fmt.Sprintf("; gave up at the deadline after %d attempt%s", attempts, map[bool]string{true: "s", false: ""}[attempts != 1])
	}
	var ae smithy.APIError
	if errors.As(cause, &ae) {
		status := 0
		var re *awshttp.ResponseError
		if errors.As(cause, &re) {
			status = re.HTTPStatusCode()
		}
		if gaveUp != "" {
			return withSuffix(p.codeError(op, t, credSrc, ae.ErrorCode(), ae.ErrorMessage(), status, 0), gaveUp)
		}
		return p.codeError(op, t, credSrc, ae.ErrorCode(), ae.ErrorMessage(), status, attempts)
	}
	what := describeTransport(ctx, cause)
	if gaveUp != "" {
		what += gaveUp
	} else if attempts > 1 {
		what += fmt.Sprintf(" (after %d attempts)", attempts)
	}
	return fmt.Errorf("awssm: %s of secret %q in %s: %w: %s", op, t.id, t.region, providers.ErrUnavailable, what)
}

// codeError maps an AWS error code (from a failed call, or from one entry of
// BatchGetSecretValue's Errors) to an error. status is the HTTP status and attempts the
// number of attempts the retryer made, each 0 when unknown.
func (p *Provider) codeError(op string, t target, credSrc, code, msg string, status, attempts int) error {
	what := fmt.Sprintf("secret %q in %s", t.id, t.region)
	if t.version != "" {
		what = fmt.Sprintf("version_id %s of secret %q in %s", t.version, t.id, t.region)
	} else if t.stage != "" {
		what = fmt.Sprintf("version_stage %s of secret %q in %s", t.stage, t.id, t.region)
	}
	msg = shorten(msg)
	detail := code
	if msg != "" {
		detail = msg + " (" + code + ")"
	}
	perm := "secretsmanager:GetSecretValue on " + resourceFor(t)
	switch {
	case code == "ResourceNotFoundException":
		return fmt.Errorf("awssm: %s: %w (%s)", what, providers.ErrNotFound, code)
	case code == "InvalidRequestException" && strings.Contains(strings.ToLower(msg), "delet"):
		return providers.WithHint(fmt.Errorf("awssm: %s: %w: the secret is scheduled for deletion (%s)", what, providers.ErrNotFound, code),
			"restore it with `aws secretsmanager restore-secret --secret-id %s --region %s`, or stop referring to it", t.id, t.region)
	case deniedCodes[code]:
		return providers.WithHint(fmt.Errorf("awssm: %s of %s: %w: %s", op, what, providers.ErrDenied, detail),
			"secretrun used %s; that identity needs %s (and kms:Decrypt on the secret's KMS key if it is a customer managed key)", credSrc, perm)
	case badCredentialCodes[code]:
		return providers.WithHint(fmt.Errorf("awssm: %s of %s: %w: AWS did not accept the credentials (%s)", op, what, providers.ErrDenied, code),
			"secretrun used %s: the access key is unknown to AWS, the session expired, or the secret key or clock is wrong; renew the credentials (for SSO: `aws sso login`)", credSrc)
	case code == "DecryptionFailure":
		return providers.WithHint(fmt.Errorf("awssm: %s: %w: Secrets Manager could not decrypt it (%s)", what, providers.ErrDenied, code),
			"secretrun used %s; that identity needs kms:Decrypt on the secret's KMS key", credSrc)
	case code == "InvalidRequestException" || code == "InvalidParameterException" || code == "ValidationException":
		return fmt.Errorf("awssm: %s: %w: %s", what, providers.ErrInvalidRef, detail)
	}
	suffix := ""
	if attempts > 1 {
		suffix = fmt.Sprintf(" after %d attempts", attempts)
	}
	if unavailableCodes[code] || status >= 500 || status == 429 {
		return fmt.Errorf("awssm: %s of %s: %w: %s%s", op, what, providers.ErrUnavailable, detail, suffix)
	}
	// An error this provider does not know: report it as the store failing to answer usefully.
	return fmt.Errorf("awssm: %s of %s: %w: unexpected error %s%s", op, what, providers.ErrUnavailable, detail, suffix)
}

// resourceFor names the IAM resource a permission is needed on.
func resourceFor(t target) string {
	if strings.HasPrefix(t.id, "arn:") {
		return t.id
	}
	return fmt.Sprintf("arn:aws:secretsmanager:%s:ACCOUNT:secret:%s-*", t.region, t.id)
}

// credentialError maps a failure to get credentials from the chain.
func (p *Provider) credentialError(ctx context.Context, cfg aws.Config, err error) error {
	src := p.credentialSource(cfg)
	if ctx.Err() != nil {
		return providers.WithHint(fmt.Errorf("awssm: getting AWS credentials: %w: %s", providers.ErrUnavailable, describeTransport(ctx, err)),
			"secretrun was getting credentials from %s", src)
	}
	var ae smithy.APIError
	if p.cfg.RoleARN != "" && errors.As(err, &ae) {
		if unavailableCodes[ae.ErrorCode()] {
			return fmt.Errorf("awssm: assuming role %s: %w: %s (%s)", p.cfg.RoleARN, providers.ErrUnavailable, shorten(ae.ErrorMessage()), ae.ErrorCode())
		}
		return providers.WithHint(fmt.Errorf("awssm: assuming role %s: %w: %s (%s)", p.cfg.RoleARN, providers.ErrDenied, shorten(ae.ErrorMessage()), ae.ErrorCode()),
			"secretrun used %s; that identity needs sts:AssumeRole on %s, and the role's trust policy must allow it%s",
			src, p.cfg.RoleARN, map[bool]string{true: " with the configured external_id", false: ""}[p.cfg.ExternalID != ""])
	}
	var ie *insecureEndpointError
	if errors.As(err, &ie) {
		return providers.WithHint(fmt.Errorf("awssm: getting AWS credentials: %w: %s", providers.ErrDenied, ie.Error()),
			"use an https endpoint, or set providers.aws.allow_http: true if plain http is intended")
	}
	if isTransport(err) {
		return providers.WithHint(fmt.Errorf("awssm: getting AWS credentials: %w: %s", providers.ErrUnavailable, describeTransport(ctx, err)),
			"secretrun was getting credentials from %s", src)
	}
	if processOutputError(err) {
		return providers.WithHint(fmt.Errorf("awssm: no usable AWS credentials from %s: %w: the credential_process printed output that is not valid credentials JSON (not shown: it may hold credentials)", src, providers.ErrDenied),
			"run the profile's credential_process by hand and check that it prints {\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ...} with Expiration, if any, in RFC 3339")
	}
	// No usable credentials: the chain ended without finding any, or a source was misconfigured.
	// The SDK's message names files, profiles and sources, never credential values (except the
	// credential_process parse error above, which quotes the process's whole output).
	if src == describeSource(aws.CredentialSourceIMDS, "") {
		// Nothing configured anywhere: the chain fell through to the metadata service.
		return providers.WithHint(fmt.Errorf("awssm: no AWS credentials found (the default chain ended at the EC2 instance metadata service): %w: %s", providers.ErrDenied, shorten(err.Error())),
			"%s", chainHint)
	}
	return providers.WithHint(fmt.Errorf("awssm: no usable AWS credentials from %s: %w: %s", src, providers.ErrDenied, shorten(err.Error())),
		"%s", chainHint)
}

// processOutputError reports whether err is the credential_process provider failing to decode
// the process's output. The SDK's text for it quotes that output whole, access key and secret
// key included, so it must never be shown. The decoder's error can be of any type (a JSON syntax
// or type error, a time.ParseError, or a plain error from time.Time.UnmarshalJSON for an
// Expiration that is not a string), so it is recognised by elimination: the provider's other
// errors either wrap nothing (its fixed messages) or wrap the failure to run the process.
func processOutputError(err error) bool {
	var pe *processcreds.ProviderError
	if !errors.As(err, &pe) {
		return false
	}
	inner := errors.Unwrap(pe.Err)
	if inner == nil {
		return false
	}
	var (
		exitErr *exec.ExitError
		execErr *exec.Error
		pathErr *fs.PathError
	)
	ran := errors.As(inner, &exitErr) || errors.As(inner, &execErr) || errors.As(inner, &pathErr) ||
		errors.Is(inner, context.DeadlineExceeded) || errors.Is(inner, context.Canceled)
	return !ran
}

// isTransport reports whether err is a network failure rather than an answer.
func isTransport(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// describeTransport says what went wrong with a call that got no usable answer. It never includes
// the text of decoding errors, which can quote response bytes.
func describeTransport(ctx context.Context, err error) string {
	host := ""
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			host = " (" + u.Host + ")"
		}
	}
	var (
		pe  textproto.ProtocolError
		de  *smithy.DeserializationError
		dns *net.DNSError
		ne  net.Error
	)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused" + host
	case errors.Is(err, syscall.ECONNRESET) || strings.Contains(err.Error(), "connection reset"):
		return "connection reset" + host
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "the connection closed before the answer was complete" + host
	case errors.As(err, &pe) || errors.As(err, &de):
		return "the answer could not be decoded (cut short or malformed)" + host
	case errors.As(err, &dns):
		return "cannot resolve " + dns.Name
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "no answer before the deadline" + host
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return "canceled" + host
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out" + host
	}
	return "the request failed" + host
}

// shorten trims an AWS error message to one reasonable line.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// withSuffix appends text to err's message, keeping what it wraps (sentinel and hint).
func withSuffix(err error, suffix string) error { return &suffixed{err: err, suffix: suffix} }

type suffixed struct {
	err    error
	suffix string
}

func (s *suffixed) Error() string { return s.err.Error() + s.suffix }
func (s *suffixed) Unwrap() error { return s.err }
