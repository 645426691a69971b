package sops

import (
	"os/exec"
	"strings"
	"testing"
)

// linkedSops are the only sops packages secretrun may link: the key packages (which import
// nothing of sops but logging), logging and shamir. Not sops' root package, aes, keyservice,
// stores, config, decrypt or audit: the root package imports audit, whose init reads
// /etc/sops/audit.yaml at every start of the process, connects to the PostgreSQL databases it
// lists, and on failure writes their connection strings (with passwords) to stderr and exits 1.
// Nor hckms, keyservice's Huawei Cloud SDK.
var linkedSops = map[string]bool{
	"github.com/getsops/sops/v3/age":     true,
	"github.com/getsops/sops/v3/pgp":     true,
	"github.com/getsops/sops/v3/kms":     true,
	"github.com/getsops/sops/v3/gcpkms":  true,
	"github.com/getsops/sops/v3/azkv":    true,
	"github.com/getsops/sops/v3/hcvault": true,
	"github.com/getsops/sops/v3/shamir":  true,
	"github.com/getsops/sops/v3/logging": true,
}

// notLinked are other packages that must stay out of the binary: the audit package's
// PostgreSQL driver, and the Huawei Cloud SDK.
var notLinked = []string{"github.com/lib/pq", "github.com/huaweicloud/"}

// TestSopsAuditNotLinked lists the packages the secretrun binary (and this package) link, with
// the go command, and fails if any sops package but the allowed ones is among them: above all
// sops' audit package, whose init would run at every secretrun start.
func TestSopsAuditNotLinked(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not installed")
	}
	for _, pkg := range []string{"github.com/secretrun/secretrun", "github.com/secretrun/secretrun/providers/sops"} {
		out, err := exec.Command(goCmd, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list -deps %s listed %d packages; want the whole graph", pkg, len(deps))
		}
		sawKeys := false
		for _, d := range deps {
			if strings.HasPrefix(d, "github.com/getsops/sops/v3") {
				if !linkedSops[d] {
					t.Errorf("%s links %s; secretrun may link only sops' key packages, logging and shamir (docs/providers/sops.md)", pkg, d)
				}
				sawKeys = sawKeys || d == "github.com/getsops/sops/v3/age"
			}
			for _, bad := range notLinked {
				if strings.HasPrefix(d, bad) {
					t.Errorf("%s links %s", pkg, d)
				}
			}
		}
		if !sawKeys {
			t.Errorf("%s does not link sops' age package: is the list complete?", pkg)
		}
	}
}
