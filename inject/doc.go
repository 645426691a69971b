// Package inject turns a profile into a running child: it resolves secret references
// (concurrently, deduplicated, reporting every failure at once), builds the child's complete
// environment, and runs the child under the process contract of PROCESS.md (see docs/process.md):
// stream and pseudo-terminal choice, signal forwarding exactly once, grace period, PID 1 reaping,
// exit status passed through unchanged, and every output byte routed through a redactor.
//
// The runner's entry point is [Run], described by a [Spec]. A run that starts its command more
// than once (a restart when a watched secret changes) is a [Session]: what lives for the whole
// run (streams, terminal, redactors, signal relay, PID 1 reaping) is opened once, and children
// are started and stopped inside it; Run is a Session with one child. Neither prints anything
// itself; their errors name the command and never the environment.
//
// inject must not import cobra, viper or any provider SDK: the command layer (cmd/) owns flags and
// configuration, and providers are reached only through the providers package's interfaces.
package inject
