package fallback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// FormatVersion is the version of the plaintext inside a snapshot.
const FormatVersion = 1

// maxSize bounds what Read decrypts: a snapshot is a few kilobytes.
const maxSize = 16 << 20

// Entry is one variable in a snapshot.
type Entry struct {
	Name      string    `json:"name"`
	Ref       string    `json:"ref"`
	Value     string    `json:"value"`
	Version   string    `json:"version,omitempty"`
	FetchedAt time.Time `json:"fetched_at"`
}

// Snapshot is the plaintext of a snapshot file. It is only ever held in memory.
type Snapshot struct {
	Format  int     `json:"format"`
	Config  string  `json:"config"`
	Profile string  `json:"profile"`
	Entries []Entry `json:"entries"`
}

// Lookup returns the entry for variable name if it was fetched from ref.
func (s *Snapshot) Lookup(name, ref string) (Entry, bool) {
	for _, e := range s.Entries {
		if e.Name == name && e.Ref == ref {
			return e, true
		}
	}
	return Entry{}, false
}

// Taken is when the snapshot's oldest value was fetched: its age is measured from there (the
// file's mtime is not trusted).
func (s *Snapshot) Taken() time.Time {
	var t time.Time
	for i, e := range s.Entries {
		if i == 0 || e.FetchedAt.Before(t) {
			t = e.FetchedAt
		}
	}
	return t
}

// Errors of Read. Each means the snapshot must not be used; cmd fails closed on all of them
// except ErrNone, which is reported as "no snapshot".
var (
	ErrNone       = errors.New("no snapshot")
	ErrUnreadable = errors.New("snapshot cannot be decrypted (wrong key, or the file was changed)")
	ErrMismatch   = errors.New("snapshot belongs to another configuration or profile")
	ErrExpired    = errors.New("snapshot is older than max_age")
)

// Write encrypts s to key and replaces path atomically: a 0600 temporary file in the same
// directory (created 0700 if missing), synced, then renamed over path.
func Write(path string, s *Snapshot, key *Key) (err error) {
	s.Format = FormatVersion
	plain, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("fallback: encode snapshot: %w", err)
	}
	defer clear(plain)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("fallback: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("fallback: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("fallback: %w", err)
	}
	w, err := age.Encrypt(tmp, key.recipient)
	if err != nil {
		return fmt.Errorf("fallback: encrypt: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return fmt.Errorf("fallback: encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("fallback: encrypt: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("fallback: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fallback: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("fallback: %w", err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Read decrypts the snapshot at path with key and checks that it belongs to config and
// profile, that its format is known, and — when maxAge > 0 — that it is younger than maxAge at
// now. A missing file is ErrNone. The snapshot is returned with ErrExpired too, so that callers
// can report its age.
func Read(path string, key *Key, config, profile string, maxAge time.Duration, now time.Time) (*Snapshot, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNone
	}
	if err != nil {
		return nil, fmt.Errorf("fallback: %w", err)
	}
	defer f.Close()
	r, err := age.Decrypt(f, key.identity)
	if err != nil {
		return nil, ErrUnreadable
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	defer clear(plain)
	if err != nil || len(plain) > maxSize {
		return nil, ErrUnreadable // a failed authentication tag surfaces here
	}
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, ErrUnreadable
	}
	if s.Format != FormatVersion {
		return nil, fmt.Errorf("%w (format %d, this secretrun reads %d)", ErrUnreadable, s.Format, FormatVersion)
	}
	if s.Config != config || s.Profile != profile {
		return nil, ErrMismatch
	}
	if maxAge > 0 && now.Sub(s.Taken()) > maxAge {
		return &s, ErrExpired
	}
	return &s, nil
}
