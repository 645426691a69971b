package cmd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/secretrun/secretrun/inject"
)

// interrupts cancels a context on SIGINT, SIGTERM, SIGHUP or SIGQUIT, for the time before the
// child runs (after that, the runner forwards signals to the child), and remembers which signal
// came so that secretrun, once it has cleaned up, dies of it as the command would have (Main).
//
// A signal secretrun was started with ignored (nohup, `cmd &` in a script) is not caught: it is
// ignored until the child runs, as the child would ignore it.
type interrupts struct {
	ch     chan os.Signal
	cancel context.CancelFunc
	got    chan os.Signal // holds the signal that cancelled, once
}

// watchInterrupts returns a context cancelled by SIGINT, SIGTERM, SIGHUP or SIGQUIT and the
// watcher; call stop before the runner takes over signals.
func watchInterrupts(parent context.Context) (context.Context, *interrupts) {
	ctx, cancel := context.WithCancel(parent)
	w := &interrupts{ch: make(chan os.Signal, 1), cancel: cancel, got: make(chan os.Signal, 1)}
	var sigs []os.Signal
	for _, s := range []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		switch {
		case !inject.StartedIgnored(s):
			sigs = append(sigs, s)
		case !signal.Ignored(s):
			// SIGQUIT, which the Go runtime catches even when it was inherited ignored (a
			// stack dump and exit 2 on arrival): ignored, as it was.
			signal.Ignore(s)
		}
	}
	if len(sigs) == 0 { // Notify with no signal would relay every signal
		return ctx, w
	}
	signal.Notify(w.ch, sigs...)
	go func() {
		select {
		case s := <-w.ch:
			w.got <- s
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, w
}

// stop stops watching; a signal that arrives later is the runner's to handle. Safe to call twice.
func (w *interrupts) stop() {
	signal.Stop(w.ch)
	w.cancel()
}

// err returns an error with status 128+N, that makes secretrun die of N, if signal N arrived
// while watching, and nil otherwise.
func (w *interrupts) err() error {
	var s os.Signal
	select {
	case s = <-w.got:
		w.got <- s // err may be asked again
	default:
		select {
		case s = <-w.ch: // arrived, but the watcher had already stopped
			w.got <- s
		default:
			return nil
		}
	}
	sn, _ := s.(syscall.Signal)
	return withSignal(sn, fmt.Errorf("stopped by a signal (%v) before the command started", s))
}
