// Package fallback keeps an encrypted last-known-good snapshot of a profile's secrets, for jobs
// that must run through a store outage (the profile's `fallback:` setting, docs/fallback.md).
//
// A snapshot is one age file (filippo.io/age): its payload is authenticated encryption
// (ChaCha20-Poly1305), so a flipped byte fails to decrypt, and everything — the values, their
// references, when each was fetched, the configuration path and profile it belongs to and the
// format version — is inside the ciphertext. Nothing is ever written in plaintext: the file is
// written to a 0600 temporary file in the same directory, synced and renamed.
//
// The package decides nothing about when a snapshot may be used; cmd does (only when every
// failed fetch failed as unavailable). It imports the standard library, age and providers
// (for the Secret type) only.
package fallback
