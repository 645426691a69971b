package config

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/secretrun/secretrun/validate"
)

// validateFields are the fields of a secret's `validate:` block (docs/validation.md).
var validateFields = []string{"min_length", "max_length", "pattern", "one_of", "format", "pem_type", "require_tls",
	"min_rsa_bits", "key_types", "curves", "expiry_warning", "required_keys", "allow_placeholder"}

// Aliases accepted in `pem_type`, `key_types` and `curves`, mapped to the canonical names.
var (
	pemTypeAliases = map[string]string{
		"private_key": validate.PEMPrivateKey, "private key": validate.PEMPrivateKey,
		"certificate": validate.PEMCertificate, "cert": validate.PEMCertificate,
		"public_key": validate.PEMPublicKey, "public key": validate.PEMPublicKey,
	}
	keyTypeAliases = map[string]string{"rsa": validate.KeyRSA, "ecdsa": validate.KeyECDSA, "ec": validate.KeyECDSA, "ed25519": validate.KeyEd25519}
	curveAliases   = map[string]string{
		"p-256": "P-256", "p256": "P-256", "prime256v1": "P-256", "secp256r1": "P-256",
		"p-384": "P-384", "p384": "P-384", "secp384r1": "P-384",
		"p-521": "P-521", "p521": "P-521", "secp521r1": "P-521",
	}
)

// validation parses a secret's `validate:` block into rules, reporting every problem with its
// line. The block holds rules, not secrets, so patterns and names are quoted in messages.
func (p *parser) validation(n *yaml.Node, field string) (*validate.Rules, bool) {
	r := &validate.Rules{}
	before := len(p.errs)
	lines := map[string]int{}
	p.fields(n, field, validateFields, false, func(key string, k, v *yaml.Node) {
		f := field + "." + key
		lines[key] = k.Line
		switch key {
		case "min_length", "max_length", "min_rsa_bits":
			n, ok := p.int(v, f)
			switch {
			case !ok:
			case n < 0 || n == 0 && key == "min_rsa_bits":
				p.add(resolve(v).Line, f, "must be positive, got %d", n)
			case key == "min_length":
				r.MinLength = n
			case key == "max_length":
				r.MaxLength = n
			default:
				r.MinRSABits = n
			}
		case "pattern":
			if s, ok := p.str(v, f); ok {
				re, err := regexp.Compile(s)
				if err != nil {
					p.add(resolve(v).Line, f, "invalid RE2 pattern: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				} else {
					r.Pattern = re
				}
			}
		case "one_of":
			for _, e := range p.stringList(v, f) {
				r.OneOf = append(r.OneOf, e.s)
			}
			if len(r.OneOf) == 0 {
				p.add(resolve(v).Line, f, "must list at least one value")
			}
		case "format":
			if s, ok := p.str(v, f); ok {
				if !contains(validate.Formats, s) {
					p.add(resolve(v).Line, f, "unknown format %q%s (known: %s)", s, didYouMean(s, validate.Formats), strings.Join(validate.Formats, ", "))
				} else {
					r.Format = s
				}
			}
		case "pem_type":
			if s, ok := p.str(v, f); ok {
				if t := pemTypeAliases[strings.ToLower(s)]; t != "" {
					r.PEMType = t
				} else {
					p.add(resolve(v).Line, f, "must be private_key, certificate or public_key, got %q%s", s, didYouMean(s, validate.PEMTypes))
				}
			}
		case "require_tls":
			r.RequireTLS, _ = p.bool(v, f)
		case "allow_placeholder":
			r.AllowPlaceholder, _ = p.bool(v, f)
		case "key_types":
			r.KeyTypes = p.aliasList(v, f, keyTypeAliases, validate.KeyTypes)
		case "curves":
			r.Curves = p.aliasList(v, f, curveAliases, validate.Curves)
		case "expiry_warning":
			p.expiryWarning(v, f, r)
		case "required_keys":
			for _, e := range p.stringList(v, f) {
				if e.s == "" || e.s == "/" {
					p.add(e.line, f, "empty key")
					continue
				}
				r.RequiredKeys = append(r.RequiredKeys, e.s)
			}
		}
	})
	p.checkRuleCombination(r, field, lines)
	return r, len(p.errs) == before
}

// aliasList reads a string or a list of strings, each mapped through aliases (case-insensitive).
func (p *parser) aliasList(v *yaml.Node, f string, aliases map[string]string, known []string) []string {
	var out []string
	for _, e := range p.stringList(v, f) {
		if c := aliases[strings.ToLower(e.s)]; c != "" {
			out = append(out, c)
			continue
		}
		p.add(e.line, f, "unknown value %q%s (known: %s)", e.s, didYouMean(e.s, known), strings.Join(known, ", "))
	}
	return out
}

// expiryWarning reads a duration such as "720h" or "30d"; "0s" (or 0) turns warnings off.
func (p *parser) expiryWarning(v *yaml.Node, f string, r *validate.Rules) {
	v = resolve(v)
	s := v.Value
	if v.Kind != yaml.ScalarNode || isNull(v) {
		p.add(v.Line, f, "must be a duration such as \"720h\" or \"30d\", got %s", p.describe(v))
		return
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else if s == "0" {
		d = 0
	} else {
		d, err = time.ParseDuration(s)
	}
	switch {
	case err != nil:
		p.add(v.Line, f, "invalid duration %q; write a duration such as \"720h\" or \"30d\"", s)
	case d < 0:
		p.add(v.Line, f, "must not be negative, got %q", s)
	case d == 0:
		r.ExpiryWarning = -1 // off
	default:
		r.ExpiryWarning = d
	}
}

// checkRuleCombination reports rules that cannot apply together, at the line of the rule that
// needs the other.
func (p *parser) checkRuleCombination(r *validate.Rules, field string, lines map[string]int) {
	needs := func(key, what string) {
		if line, ok := lines[key]; ok {
			p.add(line, field+"."+key, "%s", what)
		}
	}
	switch r.Format {
	case "", validate.FormatPEM:
	default:
		needs("pem_type", "pem_type needs format: pem (or no format)")
	}
	switch r.Format {
	case "", validate.FormatURL, validate.FormatDSN:
	default:
		needs("require_tls", "require_tls needs format: url or dsn (or no format)")
	}
	if r.Format != "" && r.Format != validate.FormatJSON {
		needs("required_keys", "required_keys needs format: json (or no format)")
	}
	if r.PEMType == "" {
		for _, k := range []string{"min_rsa_bits", "key_types", "curves", "expiry_warning"} {
			needs(k, k+" needs pem_type")
		}
	} else if r.PEMType != validate.PEMCertificate {
		needs("expiry_warning", "expiry_warning needs pem_type: certificate")
	}
	if r.MinLength > 0 && r.MaxLength > 0 && r.MinLength > r.MaxLength {
		needs("max_length", "max_length is smaller than min_length")
	}
	if r.RequireTLS && r.Format == "" && r.PEMType != "" {
		needs("require_tls", "require_tls applies to URLs and DSNs, not to PEM data")
	}
}
