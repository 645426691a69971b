//go:build unix

package audit

import (
	"fmt"
	"log/syslog"
)

// SyslogSupported reports whether this platform has a syslog destination.
const SyslogSupported = true

// syslogSink sends each record, without its newline, as one message with tag "secretrun",
// facility AUTHPRIV and priority INFO: the facility of authentication and access records,
// which the system journal and rsyslog keep apart from ordinary logs.
type syslogSink struct {
	w    *syslog.Writer
	addr string
}

func dialSyslog(network, addr string) (*syslogSink, error) {
	w, err := syslog.Dial(network, addr, syslog.LOG_AUTHPRIV|syslog.LOG_INFO, "secretrun")
	name := addr
	if name == "" {
		name = "the system log"
	}
	if err != nil {
		return nil, fmt.Errorf("audit syslog %s: %w", name, err)
	}
	return &syslogSink{w: w, addr: name}, nil
}

func (s *syslogSink) write(line []byte) error {
	if err := s.w.Info(string(line[:len(line)-1])); err != nil {
		return fmt.Errorf("audit syslog %s: %w", s.addr, err)
	}
	return nil
}

func (s *syslogSink) close() error { return s.w.Close() }
