package awssm

import (
	"context"
	"fmt"
	"strings"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

// batchUnsupported reports whether a failed BatchGetSecretValue call should be retried as single
// GetSecretValue calls: the identity may read secrets but not batch them (AccessDenied on the
// batch action), or the endpoint (an older emulator, a proxy) does not know the action.
func batchUnsupported(err error) bool {
	code := awsconf.APIErrorCode(err)
	return awsconf.Denied(code) || awsconf.Unsupported(code)
}

// callError maps a failed SDK call to a sentinel-wrapping error that names the secret and
// region, and never carries response bodies (which could hold secret material).
func (p *Provider) callError(ctx context.Context, log *awsconf.AttemptLog, op string, t target, credSrc string, err error) error {
	return awsconf.CallError(ctx, log, fmt.Sprintf("awssm: %s of secret %q in %s", op, t.id, t.region), err,
		func(code, msg string, status, attempts int) error {
			return p.codeError(op, t, credSrc, code, msg, status, attempts)
		})
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
	switch {
	case code == "ResourceNotFoundException":
		return fmt.Errorf("awssm: %s: %w (%s)", what, providers.ErrNotFound, code)
	case code == "InvalidRequestException" && strings.Contains(strings.ToLower(msg), "delet"):
		return providers.WithHint(fmt.Errorf("awssm: %s: %w: the secret is scheduled for deletion (%s)", what, providers.ErrNotFound, code),
			"restore it with `aws secretsmanager restore-secret --secret-id %s --region %s`, or stop referring to it", t.id, t.region)
	case code == "DecryptionFailure":
		return providers.WithHint(fmt.Errorf("awssm: %s: %w: Secrets Manager could not decrypt it (%s)", what, providers.ErrDenied, code),
			"secretrun used %s; that identity needs kms:Decrypt on the secret's KMS key", credSrc)
	}
	return awsconf.Call{
		Scheme: Scheme, Op: op, What: what, CredSrc: credSrc,
		Needs: "secretsmanager:GetSecretValue on " + resourceFor(t) + " (and kms:Decrypt on the secret's KMS key if it is a customer managed key)",
	}.CodeError(code, msg, status, attempts)
}

// resourceFor names the IAM resource a permission is needed on.
func resourceFor(t target) string {
	if strings.HasPrefix(t.id, "arn:") {
		return t.id
	}
	return fmt.Sprintf("arn:aws:secretsmanager:%s:ACCOUNT:secret:%s-*", t.region, t.id)
}
