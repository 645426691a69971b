// Package gcpsm is secretrun's GCP Secret Manager provider: references of the form
// gcpsm://projects/P/secrets/S[/versions/V][#key] or gcpsm://S[/versions/V][#key] (with the
// configured project), read with AccessSecretVersion over gRPC.
//
// It owns the Secret Manager SDK (cloud.google.com/go/secretmanager): no other secretrun package
// may import it, and this package must not import cmd/, inject/ or another provider. The SDK is
// initialised lazily, on the first Fetch, so a run without gcpsm references never touches it.
//
// Behaviour in short (docs/providers/gcpsm.md has the user's view):
//   - one AccessSecretVersion per distinct secret version, whatever the number of #keys taken
//     from it, at most [MaxConcurrent] at a time;
//   - the payload's CRC32C is verified; a mismatch is [providers.ErrUnavailable];
//   - Secret.Version is the version number the server resolved ("latest" becomes e.g. "7");
//   - UNAVAILABLE and RESOURCE_EXHAUSTED are retried a few times with backoff, never past the
//     context's deadline;
//   - errors wrap the providers sentinels, name the resource, and never contain a value.
package gcpsm
