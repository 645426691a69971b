//go:build !unix

package audit

import "errors"

// SyslogSupported reports whether this platform has a syslog destination.
const SyslogSupported = false

type syslogSink struct{}

func dialSyslog(network, addr string) (*syslogSink, error) {
	return nil, errors.New("audit syslog: there is no syslog on this system (audit.syslog works on Unix only)")
}

func (s *syslogSink) write([]byte) error { return nil }
func (s *syslogSink) close() error       { return nil }
