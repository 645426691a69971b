package providertest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/providers/providertest"
)

// broken wraps memStore and breaks one promise of the Provider contract.
type broken struct {
	*memStore
	how string
}

func (b broken) Fetch(ctx context.Context, refs []providers.Ref) ([]providers.Secret, error) {
	switch b.how {
	case "leak":
		out, err := b.memStore.Fetch(ctx, refs)
		if err != nil && len(refs) > 0 {
			if v, ok := b.data[refs[0].Path]; ok {
				err = fmt.Errorf("%w (document was %s)", err, v)
			}
		}
		return out, err
	case "reverse":
		rev := make([]providers.Ref, len(refs))
		for i, r := range refs {
			rev[len(refs)-1-i] = r
		}
		return b.memStore.Fetch(ctx, rev)
	case "ignore-context":
		return b.memStore.Fetch(context.Background(), refs)
	case "plain-errors":
		out, err := b.memStore.Fetch(ctx, refs)
		if err != nil {
			err = errors.New("something failed")
		}
		return out, err
	}
	panic(b.how)
}

// TestBrokenProvider runs the suite against one broken provider when the parent test asks it to.
func TestBrokenProvider(t *testing.T) {
	how := os.Getenv("PROVIDERTEST_BROKEN")
	if how == "" {
		t.Skip("run by TestSuiteCatchesBrokenProviders")
	}
	m := &memStore{data: map[string][]byte{}}
	providertest.Run(t, providertest.Harness{
		Provider: func(t *testing.T) providers.Provider { return broken{m, how} },
		Put: func(t *testing.T, value []byte) providers.Ref {
			return providers.Ref{Scheme: "mem", Path: m.put(value)}
		},
		Missing: func(t *testing.T) providers.Ref { return providers.Ref{Scheme: "mem", Path: "absent"} },
	})
}

// The suite fails each broken provider, with a message that says what is wrong.
func TestSuiteCatchesBrokenProviders(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary again")
	}
	for how, want := range map[string]string{
		"leak":           "error text contains stored value #",
		"reverse":        "differs from the",
		"ignore-context": "Fetch with a dead context succeeded",
		"plain-errors":   "want one *providers.RefError",
	} {
		t.Run(how, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenProvider$", "-test.v")
			cmd.Env = append(os.Environ(), "PROVIDERTEST_BROKEN="+how)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a provider that breaks the contract (%s):\n%s", how, out)
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("the suite failed %s without saying %q:\n%s", how, want, out)
			}
			if strings.Contains(string(out), "CANARY-") && how == "leak" {
				t.Errorf("the failure message repeats a stored value:\n%s", out)
			}
		})
	}
}
