package ssm

import (
	"context"
	"fmt"
	"strings"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

// opGetParameters is the Parameter Store action Fetch calls. Errors name the action, and the
// permission a refusal asks for is ssm:ACTION, so that reading a whole path
// (GetParametersByPath, issue 11) can map its errors with the same functions.
const opGetParameters = "GetParameters"

// callError maps a failed call of action op to a sentinel-wrapping error for one of its names,
// naming the parameter and region and never carrying response bodies.
func (p *Provider) callError(ctx context.Context, log *awsconf.AttemptLog, op string, t target, credSrc string, err error) error {
	return awsconf.CallError(ctx, log, fmt.Sprintf("ssm: %s of %s", op, t.what()), err,
		func(code, msg string, status, attempts int) error {
			return codeError(op, t, credSrc, code, msg, status, attempts)
		})
}

// codeError maps an AWS error code to an error about t: Parameter Store's own codes here, the
// codes every AWS service shares through awsconf.
func codeError(op string, t target, credSrc, code, msg string, status, attempts int) error {
	switch code {
	case "ParameterNotFound", "ParameterVersionNotFound":
		return notFound(t)
	case "InvalidKeyId":
		return providers.WithHint(fmt.Errorf("ssm: %s: %w: Parameter Store cannot use the KMS key of this SecureString (%s)", t.what(), providers.ErrDenied, code),
			"the key is disabled, deleted or not usable by the identity secretrun used (%s); it needs kms:Decrypt on it", credSrc)
	}
	return awsconf.Call{
		Scheme: Scheme, Op: op, What: t.what(), CredSrc: credSrc,
		Needs: "ssm:" + op + " on " + resourceFor(t) + " (and kms:Decrypt on the KMS key of a SecureString encrypted with a customer managed key)",
	}.CodeError(code, msg, status, attempts)
}

// notFound is the error for a name GetParameters lists as invalid: no such parameter, or no
// such version or label of it.
func notFound(t target) error {
	err := fmt.Errorf("ssm: %s: %w", t.what(), providers.ErrNotFound)
	switch {
	case t.version != 0:
		return providers.WithHint(err, "list its versions with `aws ssm get-parameter-history --name %s --region %s`", t.name, t.region)
	case t.label != "":
		return providers.WithHint(err, "no version carries the label; label one with `aws ssm label-parameter-version --name %s --labels %s --region %s`", t.name, t.label, t.region)
	}
	return err
}

// perName reports whether a failed GetParameters call may have failed for one of its names only,
// so that reading each name on its own tells which: a refusal (IAM policies are per parameter),
// a name Parameter Store rejects, a SecureString whose KMS key it cannot use.
func perName(err error) bool {
	code := awsconf.APIErrorCode(err)
	return awsconf.Denied(code) || awsconf.Invalid(code) || code == "InvalidKeyId" || code == "ParameterVersionNotFound" ||
		code == "ParameterNotFound" || code == "HierarchyLevelLimitExceededException"
}

// resourceFor names the IAM resource a permission is needed on.
func resourceFor(t target) string {
	if strings.HasPrefix(t.name, "arn:") {
		return t.name
	}
	return fmt.Sprintf("arn:aws:ssm:%s:ACCOUNT:parameter/%s", t.region, strings.TrimPrefix(t.name, "/"))
}
