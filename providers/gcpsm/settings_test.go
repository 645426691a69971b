package gcpsm

import (
	"strings"
	"testing"
)

// An endpoint with user information is refused without quoting the credential.
func TestSettingsEndpointWithUserinfo(t *testing.T) {
	for name, s := range map[string]Settings{
		"gcp endpoint": {Endpoint: "me:CANARY-pw@localhost:9090"},
		"gcp token":    {Endpoint: "CANARY-token@localhost:9090"},
	} {
		err := s.Validate()
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "CANARY") || !strings.Contains(err.Error(), "user information") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
