package gcpsm

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/secretrun/secretrun/providers/internal/netaddr"
)

// Settings is the `providers.gcp` section of the configuration file: connection settings for GCP
// Secret Manager (`gcpsm://`). providers/all decodes the section strictly (config.Section.Decode,
// which runs Validate) and passes it to Entry; the user's description is docs/providers/gcpsm.md,
// "Configuration".
//
// Credentials never go here: the client uses Application Default Credentials
// (GOOGLE_APPLICATION_CREDENTIALS, the gcloud ADC file, or the metadata server).
type Settings struct {
	// Project is used for references that name a secret without projects/P/ (gcpsm://NAME).
	// When empty, the project comes from GOOGLE_CLOUD_PROJECT or the Application Default
	// Credentials (a service account key's project_id, or the metadata server).
	Project string `yaml:"project"`

	// Endpoint is the host:port of the Secret Manager gRPC API, for private endpoints
	// (Private Service Connect) and local emulators. Empty means the public endpoint
	// secretmanager.googleapis.com:443.
	Endpoint string `yaml:"endpoint"`

	// Plaintext talks to Endpoint without TLS and without credentials, as emulators expect.
	// It is refused unless Endpoint's host is a loopback address (127.0.0.0/8, ::1 or
	// localhost), or AllowRemotePlaintext is set too.
	Plaintext bool `yaml:"plaintext"`

	// AllowRemotePlaintext permits Plaintext to a host that is not loopback (for example an
	// emulator in a sibling container). Traffic, secret values included, is then readable on
	// the network.
	AllowRemotePlaintext bool `yaml:"allow_remote_plaintext"`
}

// Validate checks the section's fields (it does no I/O): endpoint is host:port, plaintext needs
// an endpoint, and plaintext to a host that is not loopback needs allow_remote_plaintext.
func (g *Settings) Validate() error {
	if g.Project != "" && !gcpProjectRE().MatchString(g.Project) {
		return fmt.Errorf("project: %q is not a project ID (lower-case letters, digits, '-') or number", g.Project)
	}
	if g.Endpoint == "" {
		if g.Plaintext {
			return errors.New("plaintext needs endpoint (the host:port of an emulator)")
		}
		if g.AllowRemotePlaintext {
			return errors.New("allow_remote_plaintext needs endpoint and plaintext")
		}
		return nil
	}
	if shown, hidden := netaddr.Show(g.Endpoint); hidden {
		return fmt.Errorf("endpoint: %s holds user information, which is not shown: give host:port only (credentials come from Application Default Credentials)", shown)
	}
	host, port, err := net.SplitHostPort(g.Endpoint)
	if err != nil || host == "" || port == "" || strings.Contains(g.Endpoint, "/") {
		return fmt.Errorf("endpoint: %q is not host:port (no scheme; e.g. 127.0.0.1:9090 or secretmanager.googleapis.com:443)", g.Endpoint)
	}
	if g.Plaintext && !g.AllowRemotePlaintext && !netaddr.IsLoopbackHost(host) {
		return fmt.Errorf("plaintext: refusing plaintext gRPC to %q, which is not a loopback address (set allow_remote_plaintext: true if you really mean it)", host)
	}
	return nil
}

// gcpProjectRE matches project IDs (including legacy "domain.com:id") and project numbers.
var gcpProjectRE = lazyRegexp(`^[a-z0-9][a-z0-9.:-]{0,99}$`)
