package cmd

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

// interrupts cancels a context on SIGINT or SIGTERM, for the time before the child runs (after
// that, the runner forwards signals to the child), and remembers which signal came so that
// secretrun exits 128+N as the command would have.
//
// A signal secretrun was started with ignored (nohup, `cmd &` in a script) is not caught: catching
// it, even briefly, would reset it to its default action for the child.
type interrupts struct {
	ch     chan os.Signal
	cancel context.CancelFunc
	got    chan os.Signal // holds the signal that cancelled, once
}

// watchInterrupts returns a context cancelled by SIGINT or SIGTERM and the watcher; call stop
// before the runner takes over signals.
func watchInterrupts(parent context.Context) (context.Context, *interrupts) {
	ctx, cancel := context.WithCancel(parent)
	w := &interrupts{ch: make(chan os.Signal, 1), cancel: cancel, got: make(chan os.Signal, 1)}
	sigs := slices.DeleteFunc([]os.Signal{os.Interrupt, syscall.SIGTERM}, signal.Ignored)
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

// err returns an error with status 128+N if signal N arrived while watching, and nil otherwise.
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
	n := 0
	if sn, ok := s.(syscall.Signal); ok {
		n = int(sn)
	}
	return withStatus(128+n, fmt.Errorf("stopped by a signal (%v) before the command started", s))
}
