package cmd

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/secretrun/secretrun/audit"
	"github.com/secretrun/secretrun/inject"
	"github.com/secretrun/secretrun/providers"
	"github.com/secretrun/secretrun/redact"
	"github.com/secretrun/secretrun/watch"
)

// auditor writes one run's audit trail (docs/audit.md). A nil *auditor writes nothing.
type auditor struct {
	log      *audit.Logger
	required bool
	warn     func(format string, args ...any)
	begun    time.Time
	started  time.Time // when the child started
	fake     bool      // --fake: the values were made up, not fetched

	mu     sync.Mutex
	masked map[string]*redact.Writer // the redactor of each output stream, for the masked counts
}

// auditOptions returns where the audit trail goes: --audit-log ($SECRETRUN_AUDIT_LOG) for the
// file, else the configuration's audit.file (relative to the file's directory); audit.syslog.
func (a *app) auditOptions(p *plan) audit.Options {
	var o audit.Options
	if p != nil {
		c := p.cfg.Audit
		o.File, o.Syslog = c.File, c.Syslog
		if o.File != "" && !filepath.IsAbs(o.File) {
			o.File = filepath.Join(filepath.Dir(a.absPath(p.cfg.Path)), o.File)
		}
		o.SyslogNetwork, o.SyslogAddress, _ = strings.Cut(c.SyslogAddress, ":")
	}
	if f := a.v.GetString("audit-log"); f != "" {
		o.File = a.absPath(f)
	}
	return o
}

func (a *app) absPath(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(a.deps.Dir, path)
}

// openAudit opens the audit trail of a run of command (run, check) and writes its start record.
// With audit.required an audit log that cannot be written is an error: nothing is fetched.
// Otherwise it is a warning and the run goes on without the destination that failed.
func (a *app) openAudit(p *plan, command string, args []string) (*auditor, error) {
	o := a.auditOptions(p)
	if !o.Enabled() {
		return nil, nil
	}
	required := p != nil && p.cfg.Audit.Required
	base := audit.Run{UID: os.Getuid(), PID: os.Getpid(), Dir: a.deps.Dir, Command: command}
	if u, err := user.Current(); err == nil {
		base.User = u.Username
	}
	base.Host, _ = os.Hostname()
	if len(args) > 0 {
		base.Argv0 = args[0]
		if p != nil && p.cfg.Audit.FullArgv {
			base.Argv = args
		}
	}
	if p != nil {
		if p.cfg.Path != "" {
			base.Config = a.absPath(p.cfg.Path)
			if data, err := os.ReadFile(base.Config); err == nil {
				sum := sha256.Sum256(data)
				base.ConfigSHA256 = hex.EncodeToString(sum[:])
			}
		}
		if p.profile != nil {
			base.Profile = p.profile.Name
		}
	}
	au := &auditor{required: required, warn: a.ui().Warnf, begun: time.Now(), fake: a.opts.fake}
	log, err := audit.Open(o, base)
	if err != nil {
		if required {
			_ = log.Close()
			return nil, fmt.Errorf("%w (audit.required: refusing to run without an audit trail)", err)
		}
		a.ui().Warnf("%v: the run goes on without it (audit.required: true refuses instead)", err)
	}
	if log == nil {
		return nil, nil
	}
	au.log = log
	return au, au.record(audit.Record{Event: audit.Start})
}

// record writes r. A failure is an error with audit.required (the caller refuses to run: only
// before the child starts), else a warning.
func (au *auditor) record(r audit.Record) error {
	if au == nil {
		return nil
	}
	err := au.log.Log(r)
	if err != nil && au.required {
		return fmt.Errorf("%w (audit.required: refusing to run without an audit trail)", err)
	}
	if err != nil {
		au.warn("%v", err)
	}
	return nil
}

// note writes r once the child runs: a failure is only a warning, the child is never stopped.
func (au *auditor) note(r audit.Record) {
	if au == nil {
		return
	}
	if err := au.log.Log(r); err != nil {
		au.warn("%v", err)
	}
}

// close releases the audit destinations.
func (au *auditor) close() {
	if au != nil {
		_ = au.log.Close()
	}
}

// refuse records that secretrun refuses to run, and why; failed names the variables at fault.
func (au *auditor) refuse(reason string, failed []string) {
	if au == nil {
		return
	}
	au.note(audit.Record{Event: audit.Refused, Reason: reason, Failed: failed, DurationMS: au.since(au.begun)})
}

func (au *auditor) since(t time.Time) *float64 {
	if au == nil {
		return nil
	}
	return audit.Millis(time.Since(t))
}

// fetched records the fetch: each reference with its version (never a value), and the time it
// took. A fetch that failed is then refused, naming the variables that failed.
func (au *auditor) fetched(p *plan, results []inject.Result, err error) error {
	if au == nil {
		return nil
	}
	if results == nil && err != nil {
		var ce *confirmError
		reason := audit.ReasonFetch
		if errors.As(err, &ce) {
			reason = audit.ReasonProtected
		}
		au.refuse(reason, nil)
		return nil
	}
	refs := make([]audit.Ref, len(results)) // never nil: fetched always lists its references
	var failed []string
	for i, r := range results {
		ref := audit.Ref{Name: r.Name, Ref: inject.DisplayRef(r.Request.Ref, p.registry), Status: "ok"}
		switch {
		case r.Skipped:
			ref.Status = "skipped"
		case r.Err != nil:
			ref.Status = "failed"
			failed = append(failed, r.Name)
		case au.fake:
			ref.Status = "fake"
		case r.Secret.Version != "":
			v := r.Secret.Version
			ref.Version = &v
		}
		refs[i] = ref
	}
	var ids []audit.Identity
	for _, prov := range p.registry.Opened() {
		if idr, ok := prov.(providers.Identifier); ok {
			if scheme, name, accessor, ok := idr.Identity(); ok {
				ids = append(ids, audit.Identity{Provider: scheme, DisplayName: name, Accessor: accessor})
			}
		}
	}
	werr := au.record(audit.Record{Event: audit.Fetched, Refs: refs, Identity: ids, DurationMS: au.since(au.begun)})
	if use := p.fallbackUsed; use != nil {
		au.note(audit.Record{Event: audit.FallbackUsed, Fallback: &audit.Fallback{
			Vars: use.Names, Stores: use.Schemes, Path: use.Path, AgeS: use.Age.Seconds()}})
	}
	if err != nil {
		au.refuse(audit.ReasonFetch, failed)
	}
	return werr
}

// reportLeases makes every opened provider that reports its leases (providers.LeaseReporter)
// record each renewal and revocation: the reference, never a value or a lease id.
func (au *auditor) reportLeases(p *plan) {
	if au == nil {
		return
	}
	for _, prov := range p.registry.Opened() {
		if r, ok := prov.(providers.LeaseReporter); ok {
			r.ReportLeases(func(ev providers.LeaseEvent) {
				l := &audit.Lease{Token: ev.Ref == providers.Ref{}, TTLS: ev.TTL.Seconds()}
				if !l.Token {
					l.Ref = ev.Ref.String()
				}
				event := audit.LeaseRenewed
				if ev.Revoked {
					event = audit.LeaseRevoked
				}
				au.note(audit.Record{Event: event, Lease: l})
			})
		}
	}
}

// validationFailed records the variables whose values failed their rules, and the refusal.
func (au *auditor) validationFailed(verr error) {
	if au == nil || verr == nil {
		return
	}
	var failed []string
	seen := map[string]bool{}
	for _, e := range unjoin(verr) {
		var ve *inject.VarError
		if errors.As(e, &ve) && !seen[ve.Name] {
			seen[ve.Name] = true
			failed = append(failed, ve.Name)
		}
	}
	au.note(audit.Record{Event: audit.ValidationFailed, Failed: failed})
	au.refuse(audit.ReasonValidation, failed)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// wrap records the redactor of each output stream, for the masked counts of child_exited.
func (au *auditor) wrap(w func(string, io.Writer, bool) io.WriteCloser) func(string, io.Writer, bool) io.WriteCloser {
	if au == nil || w == nil {
		return w
	}
	return func(name string, dst io.Writer, tty bool) io.WriteCloser {
		wc := w(name, dst, tty)
		if rw, ok := wc.(*redact.Writer); ok {
			au.mu.Lock()
			if au.masked == nil {
				au.masked = map[string]*redact.Writer{}
			}
			au.masked[name] = rw
			au.mu.Unlock()
		}
		return wc
	}
}

// childStarted records the child's start.
func (au *auditor) childStarted(pid int) {
	if au == nil {
		return
	}
	au.started = time.Now()
	au.note(audit.Record{Event: audit.ChildStarted, ChildPID: pid})
}

// childExited records how the child ended, how long it ran and the masked regions per stream.
func (au *auditor) childExited(ex inject.Exit, err error) {
	if au == nil {
		return
	}
	r := audit.Record{Event: audit.ChildExited, ExitStatus: audit.Int(ex.Status)}
	if !au.started.IsZero() {
		r.DurationMS = au.since(au.started)
	}
	if ex.Signal != 0 {
		r.Signal = ex.Signal.String()
	}
	switch {
	case errors.Is(err, inject.ErrCommandNotFound):
		r.Reason = "command_not_found"
	case errors.Is(err, inject.ErrCommandNotExecutable):
		r.Reason = "command_not_executable"
	case err != nil:
		r.Reason = "start_failed"
	}
	au.mu.Lock()
	for name, w := range au.masked {
		if r.Masked == nil {
			r.Masked = map[string]int{}
		}
		r.Masked[name] = w.Stats().Masked
	}
	au.mu.Unlock()
	au.note(r)
}

// auditLoadFailure records a run refused before its configuration could be used (a bad file, no
// file and no reference): only --audit-log ($SECRETRUN_AUDIT_LOG) says where, then.
func (a *app) auditLoadFailure(args []string) {
	if a.v.GetString("audit-log") == "" {
		return
	}
	au, err := a.openAudit(nil, "run", args)
	if err == nil && au != nil {
		au.refuse(audit.ReasonLoad, nil)
		au.close()
	}
}

// acted records an action of the watch (docs/watch.md): a `restart` record naming the changed
// references with their new versions (never a value), the action (reason: restart, signal:NAME
// or exit), and the exit status of the child it stopped. A new child that cannot start ends
// the run: child_exited says so.
func (au *auditor) acted(act watch.Acted) {
	if au == nil {
		return
	}
	r := audit.Record{Event: audit.Restart, Reason: act.Action.String(), Refs: []audit.Ref{}}
	for _, c := range act.Changes {
		for _, name := range c.Names {
			ref := audit.Ref{Name: name, Ref: c.Ref.String(), Status: "ok"}
			if v := c.Secret.Version; v != "" {
				ref.Version = &v
			}
			r.Refs = append(r.Refs, ref)
		}
	}
	if act.Stopped != nil {
		r.ExitStatus = audit.Int(act.Stopped.Status)
		if act.Stopped.Signal != 0 {
			r.Signal = act.Stopped.Signal.String()
		}
	}
	au.note(r)
}
