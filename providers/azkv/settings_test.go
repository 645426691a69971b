package azkv

import (
	"testing"

	"github.com/secretrun/secretrun/config"
)

// The `providers.azure` section decodes into Settings field by field, as written in the file.
func TestSettingsFromConfig(t *testing.T) {
	src := "providers:\n  azure:\n    vault: acme-kv\n    cloud: usgov\n    dns_suffix: vault.example\n    tenant_id: t-1\n"
	var s Settings
	schema := config.Schema{Sections: map[string]func(config.Section) error{"azure": func(sec config.Section) error { return sec.Decode(&s) }}}
	if _, err := schema.Parse("secretrun.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
	if want := (Settings{Vault: "acme-kv", Cloud: "usgov", DNSSuffix: "vault.example", TenantID: "t-1"}); s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
}
