package inject

import (
	"context"
	"fmt"
	"os"
)

// Run a command with a complete environment; its exit status comes back unchanged.
func ExampleRun() {
	status, err := Run(context.Background(), Spec{
		Args:    []string{"sh", "-c", `echo "hello from $GREETING"; exit 3`},
		Env:     []string{"PATH=/usr/bin:/bin", "GREETING=the child"},
		Streams: Streams{Out: os.Stdout, Err: os.Stderr},
	})
	fmt.Println("status", status, "err", err)
	// Output:
	// hello from the child
	// status 3 err <nil>
}
