// Package watch keeps a running child's secrets current: while the child runs it notices that a
// secret changed in its store (or that a credential is about to expire), decides what to do about
// it (restart the child, signal it, or stop it and exit), and tells the caller when to widen the
// masks so that a new value is masked from the moment it is known.
//
// The package has three jobs, one per file group:
//   - detection ([Watcher], watcher.go, group.go, lease.go): per provider, file events
//     (providers.Notifier), versions without values (providers.Versioner), or a fetch compared
//     with what the child has; leased credentials (providers.Expirer) are fetched again before
//     they expire, never polled;
//   - deciding ([Supervise], supervise.go): debounce, a minimum interval between actions, backoff
//     when a restarted child fails at once, and the order of the hooks;
//   - planning ([Plan], plan.go): how each reference is watched, for `secretrun check`.
//
// Nothing here ever holds a value longer than the caller does, writes one to disk, or puts one
// into a message: values are compared by a sha256 kept in memory, and messages name variables and
// references only.
//
// watch imports providers and inject only; it must not import cmd, cobra, viper or any provider's
// package or SDK.
package watch
