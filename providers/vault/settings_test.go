package vault

import (
	"testing"

	"github.com/secretrun/secretrun/config"
)

// The `providers.vault` section decodes into Settings field by field, as written in the file.
func TestSettingsFromConfig(t *testing.T) {
	src := `providers:
  vault:
    address: https://vault.example.com:8200
    namespace: team-a
    ca_cert: /etc/ca.pem
    ca_path: /etc/ca.d
    tls_skip_verify: true
    allow_http: true
    revoke_on_exit: false
    max_parallel: 4
    auth:
      method: approle
      mount: ci-approle
      role: r
      token_file: /t
      role_id: id
      role_id_file: /rid
      secret_id_file: /sid
      jwt_file: /jwt
      jwt_env: CI_ID_TOKEN
`
	var s Settings
	schema := config.Schema{Sections: map[string]func(config.Section) error{"vault": func(sec config.Section) error { return sec.Decode(&s) }}}
	if _, err := schema.Parse("secretrun.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
	off := false
	want := Settings{Address: "https://vault.example.com:8200", Namespace: "team-a", CACert: "/etc/ca.pem", CAPath: "/etc/ca.d",
		TLSSkipVerify: true, AllowHTTP: true, RevokeOnExit: &off, MaxParallel: 4,
		Auth: AuthSettings{Method: "approle", Mount: "ci-approle", Role: "r", TokenFile: "/t", RoleID: "id", RoleIDFile: "/rid",
			SecretIDFile: "/sid", JWTFile: "/jwt", JWTEnv: "CI_ID_TOKEN"}}
	if s.RevokeOnExit == nil || *s.RevokeOnExit {
		t.Fatalf("revoke_on_exit = %v", s.RevokeOnExit)
	}
	s.RevokeOnExit = &off
	if s != want {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
}
