package inject

import (
	"os"
	"testing"

	"github.com/secretrun/secretrun/internal/testenv"
)

// TestMain runs in the test process only: the helper subprocesses (fake children and runners)
// exit from init in run_helper_test.go before it.
func TestMain(m *testing.M) {
	testenv.ChildrenStartWithDefaultSignals()
	os.Exit(m.Run())
}
