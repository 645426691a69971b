package testenv

import (
	"os"
	"os/signal"
	"syscall"
)

// ChildrenStartWithDefaultSignals makes the processes a test binary starts from now on begin with
// SIGHUP and SIGINT at their default action, even when the test binary itself was started with
// them ignored (under nohup, or as `cmd &` from a script). secretrun keeps an ignored signal
// ignored for its child, so tests that send those signals through it would otherwise wait for
// nothing. Catching a signal is enough: exec resets a caught signal to its default. Call it from
// the test process only (TestMain or a test), never in a helper subprocess that tests the
// ignored case itself.
func ChildrenStartWithDefaultSignals() {
	var sigs []os.Signal
	for _, s := range []os.Signal{syscall.SIGHUP, syscall.SIGINT} {
		if signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) > 0 { // Notify with no signal would catch every signal
		signal.Notify(make(chan os.Signal, 1), sigs...)
	}
}
