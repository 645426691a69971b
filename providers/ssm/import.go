package ssm

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/internal/awsconf"
)

// opGetParametersByPath is the action a path import calls.
const opGetParametersByPath = "GetParametersByPath"

var _ providers.Importer = (*Provider)(nil)

// CheckImport implements providers.Importer: ssm:///PATH/ (a trailing '/') imports every
// parameter one level below the path, or every parameter below it with Recursive. The only
// option is ?region=.
func (p *Provider) CheckImport(src providers.Ref, opts providers.ImportOptions) error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("ssm: %w: %s", providers.ErrInvalidRef, fmt.Sprintf(format, args...))
	}
	if src.Key != "" {
		return providers.WithHint(invalid("an import takes no #key"), "import ssm://%s to get every parameter under the path", src.Path)
	}
	path, ok := strings.CutSuffix(src.Path, "/")
	if !ok || !strings.HasPrefix(src.Path, "/") {
		return providers.WithHint(invalid("an ssm import names a hierarchy path, from the root and ending with /"),
			"write ssm:///path/to/ (three slashes) to import every parameter under /path/to")
	}
	if path == "" { // ssm:/// : the whole store
		path = "/x"
	}
	t, err := parseRef(providers.Ref{Scheme: src.Scheme, Path: path, Query: src.Query})
	if err != nil {
		return err
	}
	if t.version != 0 || t.label != "" {
		return invalid("a path import takes only ?region= (no version or label)")
	}
	return nil
}

// Import implements providers.Importer with GetParametersByPath (SecureStrings decrypted), page
// by page. Each key is the parameter's name below the path ("db_password", or "sub/name" with
// Recursive), each value as ssm:///PATH/NAME gives it.
func (p *Provider) Import(ctx context.Context, src providers.Ref, opts providers.ImportOptions) ([]providers.Imported, error) {
	if err := p.CheckImport(src, opts); err != nil {
		return nil, err
	}
	path := strings.TrimSuffix(src.Path, "/")
	t, _ := parseRef(providers.Ref{Scheme: src.Scheme, Path: path + "/x", Query: src.Query})
	t.name = src.Path
	if path == "" {
		path = "/"
	}
	cfg, err := p.load(ctx)
	if err != nil {
		return nil, err
	}
	if t.region == "" {
		t.region = cfg.Region
	}
	if t.region == "" {
		return nil, providers.WithHint(fmt.Errorf("ssm: %w: no AWS region", providers.ErrInvalidRef),
			"set providers.aws.region, AWS_REGION, a region in the AWS profile, or add ?region= to the reference")
	}
	credSrc, err := awsconf.Ready(ctx, Scheme, p.cfg, cfg)
	if err != nil {
		return nil, err
	}
	client := p.client(cfg, t.region)
	in := &ssm.GetParametersByPathInput{Path: aws.String(path), Recursive: aws.Bool(opts.Recursive), WithDecryption: aws.Bool(true)}
	prefix := strings.TrimSuffix(path, "/") + "/"
	var out []providers.Imported
	for {
		cctx, log := awsconf.WithAttemptLog(ctx)
		o, err := client.GetParametersByPath(cctx, in)
		if err != nil {
			return nil, p.callError(ctx, log, opGetParametersByPath, t, credSrc, err)
		}
		for i := range o.Parameters {
			param := &o.Parameters[i]
			name := aws.ToString(param.Name)
			key, ok := strings.CutPrefix(name, prefix)
			if !ok || key == "" {
				continue
			}
			value, version, created := fromParameter(param)
			s := providers.NewSecret(value, version)
			s.Created = created
			out = append(out, providers.Imported{Key: key, Ref: providers.Ref{Scheme: Scheme, Path: name, Query: src.Query}, Secret: s})
		}
		if aws.ToString(o.NextToken) == "" {
			break
		}
		in.NextToken = o.NextToken
	}
	slices.SortFunc(out, func(a, b providers.Imported) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
