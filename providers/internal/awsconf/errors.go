package awsconf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
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
	invalidCodes = map[string]bool{
		"InvalidRequestException": true, "InvalidParameterException": true, "ValidationException": true,
	}
)

// Denied reports whether code is an authorization refusal (the identity lacks a permission).
func Denied(code string) bool { return deniedCodes[code] }

// Unsupported reports whether code says the endpoint does not know the action.
func Unsupported(code string) bool { return unsupportedCodes[code] }

// Invalid reports whether code says the request was malformed (a name or option the service
// does not accept).
func Invalid(code string) bool { return invalidCodes[code] }

// APIErrorCode returns the AWS error code of err, or "" when err is not an answer from AWS.
func APIErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// CallError maps a failed SDK call to a value-free error: a refused plain-http endpoint to
// ErrDenied, an AWS error answer to codeError(code, message, HTTP status, attempts), anything
// else to ErrUnavailable saying what went wrong on the way. prefix names the call and what it
// read (`ssm: GetParameters of parameter "/a" in eu-west-1`). When ctx's deadline ended the call
// while the SDK was retrying, the error reports why it was retrying (from log) and that it gave
// up. Response bodies, which could hold secret material, are never quoted.
func CallError(ctx context.Context, log *AttemptLog, prefix string, err error, codeError func(code, msg string, status, attempts int) error) error {
	var ie *InsecureEndpointError
	if errors.As(err, &ie) {
		return providers.WithHint(fmt.Errorf("%s: %w: %s", prefix, providers.ErrDenied, ie.Error()), InsecureHint)
	}
	attempts, last := log.Get()
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
			return WithSuffix(codeError(ae.ErrorCode(), ae.ErrorMessage(), status, 0), gaveUp)
		}
		return codeError(ae.ErrorCode(), ae.ErrorMessage(), status, attempts)
	}
	what := DescribeTransport(ctx, cause)
	if gaveUp != "" {
		what += gaveUp
	} else if attempts > 1 {
		what += fmt.Sprintf(" (after %d attempts)", attempts)
	}
	return fmt.Errorf("%s: %w: %s", prefix, providers.ErrUnavailable, what)
}

// Call names a failed call for CodeError.
type Call struct {
	Scheme  string // the provider's scheme, the errors' prefix: "ssm"
	Op      string // the SDK operation: "GetParameters"
	What    string // what it read: `parameter "/a/b" in eu-west-1`
	CredSrc string // where the credentials came from (CredentialSource)
	Needs   string // the permissions the identity needs, for the hint of a refusal
}

// CodeError maps the AWS error codes common to every service: refusals to ErrDenied (with a
// hint naming the credential source and the permissions needed), bad credentials to ErrDenied,
// malformed requests to ErrInvalidRef, throttling and server errors to ErrUnavailable. A
// provider handles its service's own codes (not found, ...) before calling it. status is the
// HTTP status and attempts the retryer's attempts, each 0 when unknown.
func (c Call) CodeError(code, msg string, status, attempts int) error {
	msg = Shorten(msg)
	detail := code
	if msg != "" {
		detail = msg + " (" + code + ")"
	}
	switch {
	case deniedCodes[code]:
		return providers.WithHint(fmt.Errorf("%s: %s of %s: %w: %s", c.Scheme, c.Op, c.What, providers.ErrDenied, detail),
			"secretrun used %s; that identity needs %s", c.CredSrc, c.Needs)
	case badCredentialCodes[code]:
		return providers.WithHint(fmt.Errorf("%s: %s of %s: %w: AWS did not accept the credentials (%s)", c.Scheme, c.Op, c.What, providers.ErrDenied, code),
			"secretrun used %s: the access key is unknown to AWS, the session expired, or the secret key or clock is wrong; renew the credentials (for SSO: `aws sso login`)", c.CredSrc)
	case invalidCodes[code]:
		return fmt.Errorf("%s: %s: %w: %s", c.Scheme, c.What, providers.ErrInvalidRef, detail)
	}
	suffix := ""
	if attempts > 1 {
		suffix = fmt.Sprintf(" after %d attempts", attempts)
	}
	if unavailableCodes[code] || status >= 500 || status == 429 {
		return fmt.Errorf("%s: %s of %s: %w: %s%s", c.Scheme, c.Op, c.What, providers.ErrUnavailable, detail, suffix)
	}
	// An error this provider does not know: report it as the store failing to answer usefully.
	return fmt.Errorf("%s: %s of %s: %w: unexpected error %s%s", c.Scheme, c.Op, c.What, providers.ErrUnavailable, detail, suffix)
}

// IsTransport reports whether err is a network failure rather than an answer.
func IsTransport(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// DescribeTransport says what went wrong with a call that got no usable answer. It never
// includes the text of decoding errors, which can quote response bytes.
func DescribeTransport(ctx context.Context, err error) string {
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

// Shorten trims an AWS error message to one reasonable line.
func Shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// WithSuffix appends text to err's message, keeping what it wraps (sentinel and hint).
func WithSuffix(err error, suffix string) error { return &suffixed{err: err, suffix: suffix} }

type suffixed struct {
	err    error
	suffix string
}

func (s *suffixed) Error() string { return s.err.Error() + s.suffix }
func (s *suffixed) Unwrap() error { return s.err }
