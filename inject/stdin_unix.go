//go:build unix

package inject

import (
	"io"
	"os"
	"sync"
)

// sharedStdin is secretrun's stdin when it is a reader but not a file (a test's Streams.In): one
// pipe for the whole session, fed by one copy, whose read end every child inherits in turn.
// What a child left unread goes to the next one, and the pipe's EOF arrives once In ends.
//
// The pipe is our own rather than exec.Cmd's: a Read on In that never returns must not keep a
// child's Wait from returning.
type sharedStdin struct {
	in   io.Reader
	r, w *os.File // r: the children's stdin; w: written by the copy, which closes it

	mu      sync.Mutex // guards copying and closed
	copying bool       // the copy owns w
	closed  bool
}

func newSharedStdin(in io.Reader) (*sharedStdin, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	return &sharedStdin{in: in, r: r, w: w}, nil
}

// file returns the read end a child gets as its stdin; nil on a nil *sharedStdin.
func (p *sharedStdin) file() *os.File {
	if p == nil {
		return nil
	}
	return p.r
}

// startCopy starts the copy from In once a first child runs: before that, nothing is read from
// In.
func (p *sharedStdin) startCopy(guard func()) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.copying || p.closed {
		return
	}
	p.copying = true
	go func() {
		defer guard()
		_, _ = io.Copy(p.w, p.in)
		_ = p.w.Close()
	}()
}

// close closes the read end (a copy blocked on a full pipe then fails with EPIPE and ends; one
// blocked in In.Read ends when In does), and the write end if no copy ever started.
func (p *sharedStdin) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	_ = p.r.Close()
	if !p.copying {
		_ = p.w.Close()
	}
}
