// Package cimask registers secret values with the CI system secretrun runs under, so that the
// runner masks them in every later log line too: values a job writes to $GITHUB_ENV, to step
// outputs or to files, and output that never passed through secretrun.
//
// It knows GitHub Actions (the ::add-mask:: workflow command), Azure Pipelines
// (##vso[task.setsecret]) and Buildkite (buildkite-agent redactor add). GitLab CI has no way to
// add a mask at run time; see docs/ci.md.
//
// The package owns the command encodings and the choice of what to register. Which parts of a
// value are registered besides the value (its lines, the fields of a structured secret) is the
// redactor's derivation, redact.Parts, so that the runner masks what secretrun masks. Besides
// redact it uses the standard library only and must not import cmd, config or providers; the
// caller decides which values are secret (the profile's masked values) and which pass the
// weak-value policy.
package cimask
