package vault

import (
	"fmt"

	"github.com/secretrun/secretrun/providers"
)

// ReportTraces makes the provider report its decisions (a version read refused and replaced by
// value comparison, a login renewed by logging in again) to trace, for -v. Messages never hold
// a value, a token or a lease id.
func (p *Provider) ReportTraces(trace func(msg string)) {
	p.mu.Lock()
	p.trace = trace
	p.mu.Unlock()
}

// tracef passes a message to the tracer set by ReportTraces, if any.
func (p *Provider) tracef(format string, args ...any) {
	p.mu.Lock()
	trace := p.trace
	p.mu.Unlock()
	if trace != nil {
		trace(fmt.Sprintf(format, args...))
	}
}

// The command layer finds ReportTraces by this interface.
var _ providers.Tracer = (*Provider)(nil)
