package azkvtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// Entra is a minimal Microsoft Entra ID token endpoint (instance discovery, OpenID
// configuration, client-credentials token) for [Tenant], enough for azidentity's
// ClientSecretCredential. Its token is [Token].
type Entra struct {
	mu           sync.Mutex
	clientSecret string   // the accepted secret
	tokenCalls   int      // POSTs to the token endpoint
	unknown      []string // paths it did not know
}

// SetClientSecret sets the one client secret the token endpoint accepts ("" accepts none).
func (e *Entra) SetClientSecret(secret string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clientSecret = secret
}

// TokenCalls is the number of requests to the token endpoint so far.
func (e *Entra) TokenCalls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tokenCalls
}

// Unknown lists the requests ("METHOD /path") the endpoint did not know.
func (e *Entra) Unknown() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.unknown...)
}

func (e *Entra) serve(w http.ResponseWriter, r *http.Request) {
	base := "https://login.microsoftonline.com/" + Tenant
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	switch {
	case strings.HasSuffix(r.URL.Path, "/discovery/instance"):
		_ = enc.Encode(map[string]any{
			"tenant_discovery_endpoint": base + "/v2.0/.well-known/openid-configuration",
			"api-version":               "1.1",
			"metadata": []any{map[string]any{
				"preferred_network": "login.microsoftonline.com", "preferred_cache": "login.windows.net",
				"aliases": []string{"login.microsoftonline.com", "login.windows.net"},
			}},
		})
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		_ = enc.Encode(map[string]any{
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"issuer":                 base + "/v2.0",
			"jwks_uri":               base + "/discovery/v2.0/keys",
		})
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") && r.Method == http.MethodPost:
		_ = r.ParseForm()
		e.mu.Lock()
		e.tokenCalls++
		ok := r.PostForm.Get("client_secret") == e.clientSecret && e.clientSecret != ""
		e.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			_ = enc.Encode(map[string]any{
				"error":             "invalid_client",
				"error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
				"error_codes":       []int{7000215},
			})
			return
		}
		_ = enc.Encode(map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": Token})
	default:
		e.mu.Lock()
		e.unknown = append(e.unknown, r.Method+" "+r.URL.Path)
		e.mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
	}
}
