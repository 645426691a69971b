package config

import (
	"runtime"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Audit is the `audit` section: where secretrun writes its audit trail (docs/audit.md). The
// zero value writes none.
type Audit struct {
	// File is the audit file (`file`), "" for none. A relative path is relative to the
	// configuration file's directory.
	File string
	// Syslog sends every record to the system log too (`syslog`).
	Syslog bool
	// SyslogAddress is the syslog server (`syslog_address`) as NETWORK:ADDRESS
	// ("unixgram:/dev/log", "udp:logs.example:514"); "" is the system's local syslog.
	SyslogAddress string
	// Required makes a run fail closed (exit 125) when the audit trail cannot be written
	// (`required`).
	Required bool
	// FullArgv records the whole command line rather than argv[0] only (`full_argv`): it can
	// hold secrets.
	FullArgv bool
	// Line is the line of the `audit` key, for messages; 0 when the file has none.
	Line int
}

// SyslogNetworks are the networks `audit.syslog_address` accepts.
var SyslogNetworks = []string{"unixgram", "unix", "udp", "tcp"}

// syslogMissing reports a system without syslog, where `audit.syslog: true` is an error.
var syslogMissing = func() bool { return runtime.GOOS == "windows" || runtime.GOOS == "plan9" }

var auditFields = []string{"file", "syslog", "syslog_address", "required", "full_argv"}

func (p *parser) audit(k, n *yaml.Node, a *Audit) {
	a.Line = k.Line
	p.fields(n, "audit", auditFields, false, func(key string, _, v *yaml.Node) {
		field := "audit." + key
		switch key {
		case "file":
			if s, ok := p.str(v, field); ok {
				if s == "" {
					p.add(v.Line, field, "must not be empty (leave audit.file out for no audit file)")
				}
				a.File = s
			}
		case "syslog":
			if b, ok := p.bool(v, field); ok {
				if b && syslogMissing() {
					p.add(v.Line, field, "there is no syslog on %s: use audit.file", runtime.GOOS)
				}
				a.Syslog = b
			}
		case "syslog_address":
			if s, ok := p.str(v, field); ok {
				network, addr, found := strings.Cut(s, ":")
				if !found || addr == "" || !contains(SyslogNetworks, network) {
					p.add(v.Line, field, "must be NETWORK:ADDRESS with NETWORK one of %s (unixgram:/dev/log, udp:logs.example:514)", strings.Join(SyslogNetworks, ", "))
				}
				a.SyslogAddress = s
			}
		case "required":
			if b, ok := p.bool(v, field); ok {
				a.Required = b
			}
		case "full_argv":
			if b, ok := p.bool(v, field); ok {
				a.FullArgv = b
			}
		}
	})
}
