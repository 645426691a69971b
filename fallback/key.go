package fallback

import (
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
)

// ScryptWorkFactor is the scrypt work factor (log2 N) used with a passphrase. age's default
// (18) costs about a second per run on each encryption and decryption; 15 costs an eighth of
// that (see docs/fallback.md for the measured figure) and still makes every guess of the
// passphrase cost 32 MiB of memory and tens of milliseconds.
const ScryptWorkFactor = 15

// Key encrypts and decrypts snapshots: an age X25519 identity or a passphrase.
type Key struct {
	recipient age.Recipient
	identity  age.Identity
}

// ErrKey reports key material that cannot be used (the text never quotes it).
var ErrKey = errors.New("unusable fallback key")

// IdentityKey parses an age identity file's text (AGE-SECRET-KEY-1..., comments allowed). The
// first X25519 identity is used to encrypt; decryption needs it too.
func IdentityKey(text string) (*Key, error) {
	ids, err := age.ParseIdentities(strings.NewReader(text))
	if err != nil {
		// age's parse errors may quote the offending line: do not repeat them.
		return nil, fmt.Errorf("%w: not an age identity file (expected a line AGE-SECRET-KEY-1…, as age-keygen writes)", ErrKey)
	}
	for _, id := range ids {
		if x, ok := id.(*age.X25519Identity); ok {
			return &Key{recipient: x.Recipient(), identity: x}, nil
		}
	}
	return nil, fmt.Errorf("%w: the identity file holds no X25519 identity (AGE-SECRET-KEY-1…)", ErrKey)
}

// PassphraseKey uses a passphrase with age's scrypt recipient at ScryptWorkFactor.
func PassphraseKey(passphrase string) (*Key, error) {
	passphrase = strings.TrimRight(passphrase, "\r\n")
	if passphrase == "" {
		return nil, fmt.Errorf("%w: the passphrase is empty", ErrKey)
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	r.SetWorkFactor(ScryptWorkFactor)
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	id.SetMaxWorkFactor(ScryptWorkFactor)
	return &Key{recipient: r, identity: id}, nil
}
