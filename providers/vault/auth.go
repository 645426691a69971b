package vault

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/secretrun/secretrun/providers"
)

// DefaultKubernetesTokenFile is where a pod's service-account token is mounted.
const DefaultKubernetesTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"

// authState is what the one login of a run produced.
type authState struct {
	method  string // token, approle, kubernetes, jwt, none
	source  string // where the credentials came from, e.g. "VAULT_TOKEN" (never a value)
	created bool   // secretrun created the token by logging in (so it revokes it at Close)
	// accessor is the login token's accessor, from the login response (not a credential: it
	// can look up or revoke the token, given a policy that allows it, but not authenticate).
	accessor string

	// The fields below change when secretrun logs in again (relogin): guarded by p.mu.

	// gen counts the logins of this run (1 for the first); leases remember the gen of the token
	// that obtained them, since they end when it ends.
	gen       int
	token     string // the login token (a credential: never shown); "" for method token/none
	renewable bool
	ttl       time.Duration // the latest grant
	expires   time.Time
}

// describe names the credentials in use for hints, e.g. "the token from VAULT_TOKEN (auth method
// token)". It never contains a value.
func (a authState) describe() string {
	switch a.method {
	case "none":
		return "the request without a token (auth method none: a Vault Agent/Proxy should add one)"
	case "token", "":
		return fmt.Sprintf("the token from %s (auth method token)", a.source)
	default:
		return fmt.Sprintf("the token from %s login (%s)", a.method, a.source)
	}
}

// login authenticates once per run; later calls return the first outcome.
// A token secretrun created is replaced first when it is about to expire (refreshToken).
func (p *Provider) login(ctx context.Context) error {
	p.authMu.Lock()
	if p.authDone {
		err := p.authErr
		p.authMu.Unlock()
		if err == nil {
			err = p.refreshToken(ctx)
		}
		return err
	}
	defer p.authMu.Unlock()
	err := p.doLogin(ctx)
	// A login cut short by the caller's deadline may be tried again by a later Fetch.
	if err != nil && ctx.Err() != nil {
		return err
	}
	p.authDone, p.authErr = true, err
	return err
}

func (p *Provider) doLogin(ctx context.Context) error {
	method := cmp.Or(p.cfg.Auth.Method, "token")
	p.mu.Lock()
	p.auth = authState{method: method}
	p.mu.Unlock()
	switch method {
	case "none":
		return nil
	case "token":
		tok, src, err := p.findToken()
		if err != nil {
			return err
		}
		p.auth.source = src
		p.client.SetToken(tok)
		return nil
	}
	mount, data, src, err := p.loginData(method)
	if err != nil {
		return err
	}
	p.auth.source = src
	return p.loginWith(ctx, mount, data)
}

// loginData returns what a login with method (approle, kubernetes, jwt) posts to
// auth/MOUNT/login, read afresh from its sources (a rotated secret id or service-account token
// file is picked up by a later login), and names where the credentials came from.
func (p *Provider) loginData(method string) (mount string, data map[string]any, source string, err error) {
	a := p.cfg.Auth
	mount = strings.Trim(a.Mount, "/")
	if mount == "" {
		mount = method
	}
	switch method {
	case "approle":
		roleID, roleSrc, err := p.credential(a.RoleID, "providers.vault.auth.role_id", a.RoleIDFile, "VAULT_ROLE_ID")
		if err != nil {
			return "", nil, "", err
		}
		if roleID == "" {
			return "", nil, "", providers.WithHint(fmt.Errorf("%w: vault: approle login: no role id", providers.ErrDenied),
				"VAULT_ROLE_ID is not set (or set providers.vault.auth.role_id / role_id_file)")
		}
		secretID, secretSrc, err := p.credential("", "", a.SecretIDFile, "VAULT_SECRET_ID")
		if err != nil {
			return "", nil, "", err
		}
		data := map[string]any{"role_id": roleID}
		src := "role id from " + roleSrc
		if secretID != "" {
			data["secret_id"] = secretID
			src += ", secret id from " + secretSrc
		} else {
			src += ", no secret id (VAULT_SECRET_ID is not set)"
		}
		return mount, data, fmt.Sprintf("auth/%s: %s", mount, src), nil
	case "kubernetes":
		if a.Role == "" {
			return "", nil, "", providers.WithHint(fmt.Errorf("%w: vault: kubernetes login: no role", providers.ErrDenied),
				"set providers.vault.auth.role to the Vault role bound to this service account")
		}
		file := cmp.Or(a.JWTFile, DefaultKubernetesTokenFile)
		jwt, err := readCredentialFile(file)
		if err != nil {
			return "", nil, "", providers.WithHint(fmt.Errorf("%w: vault: kubernetes login: reading the service-account token: %v", providers.ErrDenied, err),
				"run in a pod with a mounted service-account token, or set providers.vault.auth.jwt_file")
		}
		return mount, map[string]any{"role": a.Role, "jwt": jwt},
			fmt.Sprintf("auth/%s, role %s, service-account token from file %s", mount, a.Role, file), nil
	case "jwt":
		var jwt, src string
		switch {
		case a.JWTEnv != "":
			jwt, src = strings.TrimSpace(p.opts.getenv(a.JWTEnv)), a.JWTEnv
			if jwt == "" {
				return "", nil, "", providers.WithHint(fmt.Errorf("%w: vault: jwt login: %s is not set", providers.ErrDenied, a.JWTEnv),
					"%s should hold the CI job's OIDC identity token (providers.vault.auth.jwt_env)", a.JWTEnv)
			}
		case a.JWTFile != "":
			var err error
			if jwt, err = readCredentialFile(a.JWTFile); err != nil {
				return "", nil, "", fmt.Errorf("%w: vault: jwt login: %v", providers.ErrDenied, err)
			}
			src = "file " + a.JWTFile
		default:
			return "", nil, "", providers.WithHint(fmt.Errorf("%w: vault: jwt login: no token source", providers.ErrDenied),
				"set providers.vault.auth.jwt_env (e.g. VAULT_ID_TOKEN) or providers.vault.auth.jwt_file")
		}
		data := map[string]any{"jwt": jwt}
		if a.Role != "" {
			data["role"] = a.Role
		}
		return mount, data, fmt.Sprintf("auth/%s, role %q, JWT from %s", mount, a.Role, src), nil
	}
	return "", nil, "", fmt.Errorf("vault: unknown auth method %q", method)
}

// loginWith posts data to auth/MOUNT/login and adopts the token it returns.
func (p *Provider) loginWith(ctx context.Context, mount string, data map[string]any) error {
	var s *api.Secret
	err := p.retry(ctx, func(ctx context.Context) error {
		var err error
		s, err = p.client.Logical().WriteWithContext(ctx, "auth/"+mount+"/login", data)
		return err
	})
	if err != nil {
		var re *api.ResponseError
		if errors.As(err, &re) && re.StatusCode >= 400 && re.StatusCode < 500 {
			return providers.WithHint(fmt.Errorf("%w: vault: %s login at auth/%s: %s", providers.ErrDenied, p.auth.method, mount, vaultMessages(re)),
				"Vault refused the login with %s", p.auth.source)
		}
		return p.mapErr(err, p.auth.method+" login at auth/"+mount)
	}
	if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
		return fmt.Errorf("%w: vault: %s login at auth/%s returned no token", providers.ErrDenied, p.auth.method, mount)
	}
	ttl := time.Duration(s.Auth.LeaseDuration) * time.Second
	p.mu.Lock()
	defer p.mu.Unlock()
	p.client.SetToken(s.Auth.ClientToken)
	p.auth.created = true
	p.auth.gen++
	p.auth.token = s.Auth.ClientToken
	p.auth.accessor = s.Auth.Accessor
	p.auth.renewable = s.Auth.Renewable
	p.auth.ttl = ttl
	p.auth.expires = p.opts.now().Add(ttl)
	return nil
}

// findToken returns the token and where it came from: auth.token_file, VAULT_TOKEN, then
// ~/.vault-token.
func (p *Provider) findToken() (string, string, error) {
	if f := p.cfg.Auth.TokenFile; f != "" {
		tok, err := readCredentialFile(f)
		if err != nil {
			return "", "", fmt.Errorf("%w: vault: token file: %v", providers.ErrDenied, err)
		}
		return tok, "file " + f, nil
	}
	if tok := strings.TrimSpace(p.opts.getenv("VAULT_TOKEN")); tok != "" {
		return tok, "VAULT_TOKEN", nil
	}
	if home, err := p.opts.homeDir(); err == nil && home != "" {
		f := filepath.Join(home, ".vault-token")
		if tok, err := readCredentialFile(f); err == nil {
			return tok, "~/.vault-token", nil
		}
	}
	return "", "", providers.WithHint(fmt.Errorf("%w: vault: no token", providers.ErrDenied),
		"VAULT_TOKEN is not set (or set providers.vault.auth.method)")
}

// credential returns a value given literally, from a file, or from an environment variable,
// and names its source.
func (p *Provider) credential(literal, literalName, file, env string) (string, string, error) {
	if literal != "" {
		return literal, literalName, nil
	}
	if file != "" {
		v, err := readCredentialFile(file)
		if err != nil {
			return "", "", fmt.Errorf("%w: vault: %v", providers.ErrDenied, err)
		}
		return v, "file " + file, nil
	}
	return strings.TrimSpace(p.opts.getenv(env)), env, nil
}

// readCredentialFile reads a small credential file, trimmed. Errors name the file, never content.
func readCredentialFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return "", fmt.Errorf("cannot read %s: %v", name, pe.Err)
		}
		return "", fmt.Errorf("cannot read %s", name)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s is empty", name)
	}
	return v, nil
}

// Identity returns the accessor of the token secretrun logged in with (providers.Identifier).
// It is known only after a login: a token given by VAULT_TOKEN would cost a lookup-self request,
// which secretrun does not make for this.
func (p *Provider) Identity() (scheme, displayName, accessor string, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "vault", "", p.auth.accessor, p.auth.accessor != ""
}
