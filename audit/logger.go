package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Options say where the audit trail goes.
type Options struct {
	// File is the audit file's path; "" for none.
	File string
	// Syslog sends each record to the system log as well.
	Syslog bool
	// SyslogNetwork and SyslogAddress name the syslog server ("unixgram", "/dev/log"; "udp",
	// "host:514"); both empty means the system's local syslog.
	SyslogNetwork, SyslogAddress string
}

// Enabled reports whether any destination is configured.
func (o Options) Enabled() bool { return o.File != "" || o.Syslog }

// sink is one destination: it writes one whole record (a JSON line ending in '\n').
type sink interface {
	write(line []byte) error
	close() error
}

// Logger writes the records of one run. Run holds the fields every record repeats; Log fills
// in v, time and those fields. A nil *Logger writes nothing, so callers need not check.
type Logger struct {
	Run   Run
	sinks []sink
	now   func() time.Time
}

// Open checks every destination of o (the file can be opened for appending, the syslog server
// reached) and returns a Logger writing to those that work, and every failure joined. It
// returns nil and no error when o has no destination, and nil when none works.
func Open(o Options, run Run) (*Logger, error) {
	if !o.Enabled() {
		return nil, nil
	}
	l := &Logger{Run: run, now: time.Now}
	var errs []error
	if o.File != "" {
		f := &fileSink{path: o.File}
		if err := f.check(); err != nil {
			errs = append(errs, err)
		} else {
			l.sinks = append(l.sinks, f)
		}
	}
	if o.Syslog {
		if s, err := dialSyslog(o.SyslogNetwork, o.SyslogAddress); err != nil {
			errs = append(errs, err)
		} else {
			l.sinks = append(l.sinks, s)
		}
	}
	if len(l.sinks) == 0 {
		l = nil
	}
	return l, errors.Join(errs...)
}

// Log writes r, completed with the base fields, to every destination, and returns every
// destination's failure joined.
func (l *Logger) Log(r Record) error {
	if l == nil {
		return nil
	}
	line, err := l.Encode(r)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range l.sinks {
		errs = append(errs, s.write(line))
	}
	return errors.Join(errs...)
}

// Encode returns r, completed with the base fields, as one JSON line ending in '\n'.
func (l *Logger) Encode(r Record) ([]byte, error) {
	r.V, r.Time, r.Run = SchemaVersion, l.now().UTC().Format(time.RFC3339Nano), l.Run
	line, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("audit: encode %s record: %w", r.Event, err)
	}
	return append(line, '\n'), nil
}

// Close releases the destinations (the syslog connection).
func (l *Logger) Close() error {
	if l == nil {
		return nil
	}
	var errs []error
	for _, s := range l.sinks {
		errs = append(errs, s.close())
	}
	return errors.Join(errs...)
}
