package providers

import (
	"context"
	"time"
)

// Provider reads secrets from one kind of store, named by its scheme.
//
// Fetch resolves a batch of references of the provider's scheme and returns one Secret per ref, in
// the same order. Failures are returned as one error joining (errors.Join) one *RefError per failed
// ref; the Secrets of failed refs are zero. Fetch must honour ctx's deadline, read each distinct
// source once however many keys are taken from it, and never put a secret value into an error.
type Provider interface {
	Fetch(ctx context.Context, refs []Ref) ([]Secret, error)
}

// Validator is implemented by providers that can check a reference's path and options without
// I/O. The resolver calls it for every ref before any fetch, so that all problems are reported
// together. Errors should wrap ErrInvalidRef.
type Validator interface {
	Validate(ref Ref) error
}

// Keeper is implemented by providers whose secrets carry leases (for example Vault dynamic
// secrets). Keep runs while the child runs, renewing leases, and returns when ctx is done. It
// reports problems (a lease that can no longer be renewed) through warn, without values.
type Keeper interface {
	Keep(ctx context.Context, warn func(msg string))
}

// LeaseEvent is a renewal or a revocation of a lease, as a LeaseReporter reports it. It never
// holds a value or a lease id.
type LeaseEvent struct {
	// Revoked tells a revocation (at Close) from a renewal (while the child runs).
	Revoked bool
	// Ref is the reference whose lease it is; the zero Ref stands for the provider's own login
	// token (secretrun's Vault token, for example).
	Ref Ref
	// TTL is what a renewal granted.
	TTL time.Duration
}

// LeaseReporter is implemented by providers whose leases (a Keeper's renewals, a Closer's
// revocations) can be reported as they happen, for the audit trail. report is set before Keep
// and Close are called, and may be called from several goroutines at once.
type LeaseReporter interface {
	ReportLeases(report func(LeaseEvent))
}

// Identifier is implemented by providers that know who they authenticated as without another
// request (a login response's token accessor, for example), for the audit trail. ok is false
// when nothing is known. Neither string is a credential.
type Identifier interface {
	Identity() (scheme, displayName, accessor string, ok bool)
}

// Closer is implemented by providers that hold resources to release when the child has exited:
// leases to revoke, tokens they created, connections. Close is called once, on every exit path.
type Closer interface {
	Close(ctx context.Context) error
}

// Dater is implemented by providers whose Fetch cannot fill Secret.Created from the read itself
// but can look it up with one more request per distinct version (GCP's AccessSecretVersion
// returns no createTime). Only `secretrun check` calls it, for the refs it fetched; a run never
// pays for it. versions[i] is the version that Fetch resolved for refs[i] (Secret.Version).
// Created returns one time per ref, zero when unknown, and an error joining one *RefError per
// ref whose time could not be read (never a value).
type Dater interface {
	Created(ctx context.Context, refs []Ref, versions []string) ([]time.Time, error)
}

// The extras below serve watching (`watch:`, --watch): noticing, while the child runs, that a
// secret changed in its store or that a fetched credential is about to stop working. A provider
// implements none, some or all of them; the watcher finds them by type assertion. Without any,
// a watched ref is re-fetched at each check and compared by version (Secret.Version) or, where
// the store has none, by a hash of the value kept in memory.

// Versioner is implemented by providers that can read the current version of secrets without
// reading their values (Vault KV v2 metadata, for example), or more cheaply than Fetch.
//
// Versions returns one version per ref, in the same order, comparable with the Secret.Version
// that Fetch returned for it; "" means the store tells no version for that ref (the watcher
// then fetches it and compares values). Like Fetch, it reads each distinct source once, costs
// no more requests than Fetch of the same refs, honours ctx, returns failures as one error
// joining one *RefError per failed ref, and never puts a value into an error.
type Versioner interface {
	Versions(ctx context.Context, refs []Ref) ([]string, error)
}

// Notifier is implemented by providers whose sources can report a change as it happens (local
// files, through filesystem events). Notify watches the sources of refs until ctx is done and
// calls changed, from any goroutine, with the refs whose source may have changed; spurious or
// repeated calls are allowed (the watcher fetches and compares before acting). Notify returns
// once the watch is in place, or an error (nothing is watched then; the watcher polls instead).
type Notifier interface {
	Notify(ctx context.Context, refs []Ref, changed func([]Ref)) error
}

// Expirer is implemented by providers whose fetched values are credentials that stop working at
// a time no renewal can push back: a Vault dynamic secret whose lease reaches its max TTL or is
// not renewable. Such values (Secret.Leased) are never polled, as each read creates a new
// credential; the watcher fetches them again at a safe margin before Expiry.
type Expirer interface {
	// Expiry returns when the value last fetched for ref stops working for good, or the zero
	// time when it does not expire or renewals keep it alive for the rest of the run.
	Expiry(ref Ref) time.Time
	// Retire releases what the earlier fetches of refs hold (revokes their leases), keeping
	// what the latest fetch of each holds. The watcher calls it once no child uses the earlier
	// values any more.
	Retire(ctx context.Context, refs []Ref) error
}

// Pinner is implemented by providers whose references can name one version that never changes
// (`vault://…?version=3`, `awssm://…?version_id=…`, `gcpsm://…/versions/7`, an Azure version
// id). A watcher does not check a pinned ref: it would cost a read per check for a value that
// cannot change. Pinned is false for a ref that is not valid.
type Pinner interface {
	Pinned(ref Ref) bool
}

// Tracer is implemented by providers that can explain their decisions for `-v` (a version read
// that was refused and replaced by comparing values, for example). trace is set once, after the
// first fetch, and may be called from any goroutine; its messages never hold a value.
type Tracer interface {
	ReportTraces(trace func(msg string))
}
