package audit

import "time"

// SchemaVersion is the `v` field of every record. It changes only when a field changes meaning
// or is removed; new fields may be added within a version.
const SchemaVersion = 1

// Event is the kind of a record, a snake_case string.
type Event string

// The events of a run (docs/audit.md lists which fields each one carries).
const (
	// Start: the configuration is loaded and the audit log open; nothing is fetched yet.
	Start Event = "start"
	// Fetched: every reference was fetched (or failed); Refs has one entry per reference.
	Fetched Event = "fetched"
	// ValidationFailed: fetched values failed their validate: rules; Failed names the variables.
	ValidationFailed Event = "validation_failed"
	// ChildStarted: the command is running; ChildPID is its process id.
	ChildStarted Event = "child_started"
	// ChildExited: the command ended (exit status or signal), or could not be started.
	ChildExited Event = "child_exited"
	// Restart: under watch, a change was acted on; Reason is the action (restart, signal:NAME,
	// exit), Refs the changed references with their new versions, ExitStatus (and Signal) the
	// stopped child's.
	Restart Event = "restart"
	// LeaseRenewed: a lease (a Vault dynamic secret, or secretrun's own login token) was renewed
	// while the command ran; Lease says which, and for how long.
	LeaseRenewed Event = "lease_renewed"
	// LeaseRevoked: a lease, or secretrun's own login token, was revoked after the command ended.
	LeaseRevoked Event = "lease_revoked"
	// FallbackUsed: stores were unavailable and some values came from the profile's encrypted
	// fallback snapshot; Fallback says which variables, from which file, and how old.
	FallbackUsed Event = "fallback_used"
	// Refused: secretrun refused to run the command; Reason says why.
	Refused Event = "refused"
)

// Reasons of a Refused record.
const (
	ReasonLoad       = "load_failed"       // the configuration or a reference is invalid, or nothing to run
	ReasonProtected  = "protected_profile" // a protected profile was not confirmed
	ReasonFetch      = "fetch_failed"      // a required secret could not be fetched
	ReasonValidation = "validation_failed" // a value failed its validate: rules
	ReasonInterrupt  = "interrupted"       // SIGINT/SIGTERM before the command started
)

// Ref is one reference of a run. It never holds a value.
type Ref struct {
	// Name is the variable the secret goes in.
	Name string `json:"name"`
	// Ref is the reference as written, safe to log (no credentials, no value).
	Ref string `json:"ref"`
	// Version is the version the provider reported for the value it returned, or null when the
	// provider reports none (dotenv, file, env) or the fetch failed.
	Version *string `json:"version"`
	// Status is "ok", "skipped" (optional and not found), "failed", or "fake" (run --fake: made
	// up, nothing fetched).
	Status string `json:"status"`
}

// Lease names a renewed or revoked lease. It never holds a value or a lease id.
type Lease struct {
	// Ref is the reference the lease came with; empty for secretrun's own login token.
	Ref string `json:"ref,omitempty"`
	// Token is set for secretrun's own login token (the leases it created end with it).
	Token bool `json:"token,omitempty"`
	// TTLS is what a renewal granted, in seconds.
	TTLS float64 `json:"ttl_s,omitempty"`
}

// Fallback says which values of a run came from the fallback snapshot. It never holds a value.
type Fallback struct {
	// Vars are the variables whose values came from the snapshot.
	Vars []string `json:"vars"`
	// Stores are the schemes that were unavailable.
	Stores []string `json:"stores"`
	// Path is the snapshot file.
	Path string `json:"path"`
	// AgeS is how old the snapshot's values were, in seconds (from inside the ciphertext).
	AgeS float64 `json:"age_s"`
}

// Identity is who secretrun authenticated as, where the provider already knows it.
type Identity struct {
	Provider    string `json:"provider"`
	DisplayName string `json:"display_name,omitempty"`
	Accessor    string `json:"accessor,omitempty"`
}

// Run is who ran what, where: the fields every record of a run repeats (see Logger).
type Run struct {
	User         string   `json:"user"`
	UID          int      `json:"uid"`
	Host         string   `json:"host"`
	PID          int      `json:"pid"`
	Dir          string   `json:"cwd"`
	Command      string   `json:"command"` // the secretrun command: run or check
	Config       string   `json:"config,omitempty"`
	ConfigSHA256 string   `json:"config_sha256,omitempty"`
	Profile      string   `json:"profile,omitempty"`
	Argv0        string   `json:"argv0,omitempty"`
	Argv         []string `json:"argv,omitempty"` // only with audit.full_argv: it can hold secrets
}

// Record is one line of the audit trail. Fields the event does not carry are left out.
type Record struct {
	V     int    `json:"v"`
	Time  string `json:"time"` // RFC 3339, UTC, nanoseconds
	Event Event  `json:"event"`
	Run          // filled in by the Logger

	Refs       []Ref          `json:"refs,omitzero"` // an empty list in fetched
	Identity   []Identity     `json:"identity,omitempty"`
	DurationMS *float64       `json:"duration_ms,omitempty"`
	ChildPID   int            `json:"child_pid,omitempty"`
	ExitStatus *int           `json:"exit_status,omitempty"`
	Signal     string         `json:"signal,omitempty"`
	Masked     map[string]int `json:"masked,omitempty"`
	Reason     string         `json:"reason,omitempty"`
	Failed     []string       `json:"failed,omitempty"`
	Fallback   *Fallback      `json:"fallback,omitempty"`
	Lease      *Lease         `json:"lease,omitempty"`
}

// Millis returns d in milliseconds, for DurationMS.
func Millis(d time.Duration) *float64 {
	ms := float64(d.Microseconds()) / 1000
	return &ms
}

// Int returns a pointer to n, for ExitStatus.
func Int(n int) *int { return &n }
