package inject

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"
	"time"
)

// BenchmarkRunExitTrue is one whole run of a child that exits at once: the cost of Open, Start,
// Exited and Close around the child (compare with the same benchmark before the Session).
func BenchmarkRunExitTrue(b *testing.B) {
	spec := Spec{Args: []string{"/bin/true"}, Env: []string{}, Streams: Streams{Out: io.Discard, Err: io.Discard}}
	for b.Loop() {
		if ex, err := RunExit(context.Background(), spec); err != nil || ex.Status != 0 {
			b.Fatalf("RunExit = %+v, %v", ex, err)
		}
	}
}

// BenchmarkSessionRestart is one restart: Stop a child that handles SIGTERM, Start the next and
// wait for its first line.
func BenchmarkSessionRestart(b *testing.B) {
	out := readySignal{ch: make(chan struct{}, 1)}
	s, err := Open(context.Background(), Spec{Args: []string{os.Args[0]}, Streams: Streams{Out: out, Err: io.Discard}, Grace: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	env := genEnv("A", "serve")
	start := func() {
		if err := s.Start(env, nil); err != nil {
			b.Fatal(err)
		}
		select {
		case <-out.ch:
		case <-time.After(30 * time.Second):
			b.Fatal("no ready line")
		}
	}
	start()
	for b.Loop() {
		s.Stop()
		<-s.Exited()
		start()
	}
	s.Stop()
}

// readySignal is a writer that signals ch for each write that contains "ready".
type readySignal struct{ ch chan struct{} }

func (r readySignal) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("ready")) {
		r.ch <- struct{}{}
	}
	return len(p), nil
}
