//go:build !linux

package inject

import (
	"fmt"
	"os"
)

// stopSelfLoop is the "stopself:N" fake child of the Linux-only TestStopSelfStops; elsewhere no
// test starts it.
func stopSelfLoop(int) {
	fmt.Println("stopself: Linux only")
	os.Exit(2)
}
