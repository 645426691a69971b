package sops

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// sops encrypts each value with AES-256-GCM under the file's data key and writes it as
//
//	ENC[AES256_GCM,data:BASE64,iv:BASE64,tag:BASE64,type:TYPE]
//
// with the value's path in the document (its keys joined by ":", plus a final ":") as
// additional data, so that a value moved to another key does not authenticate. TYPE is how the
// plaintext is read back: str, int, float, bool, bytes, time or comment. This is the reading half
// of sops' aes package, which secretrun does not link (it imports sops' root package).

// encValue matches a sops-encrypted value, as sops' aes package matches it. It is compiled on
// first use, not at every start of secretrun.
var encValue = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]`)
})

// errValue is a value that does not decrypt: not in sops' format, not authentic under the data
// key and additional data, or of an unknown type. Its text never quotes the value.
var errValue = errors.New("the value does not decrypt")

// decryptValue decrypts one sops value under key with additional data aad, and returns it as
// sops does: string, int, float64, bool, []byte, time.Time or comment. An empty string is
// returned as is (sops does not encrypt empty values).
func decryptValue(ciphertext string, key []byte, aad string) (any, error) {
	if ciphertext == "" {
		return "", nil
	}
	m := encValue().FindStringSubmatch(ciphertext)
	if m == nil {
		return nil, errValue
	}
	var parts [3][]byte
	for i := range parts {
		b, err := base64.StdEncoding.DecodeString(m[i+1])
		if err != nil {
			return nil, errValue
		}
		parts[i] = b
	}
	data, iv, tag := parts[0], parts[1], parts[2]
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errValue
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(iv))
	if err != nil {
		return nil, errValue
	}
	plain, err := gcm.Open(nil, iv, append(data, tag...), []byte(aad))
	if err != nil {
		return nil, errValue
	}
	return typed(plain, m[4])
}

// typed reads a decrypted value back as the type sops recorded.
func typed(plain []byte, typ string) (any, error) {
	s := string(plain)
	var (
		v   any
		err error
	)
	switch typ {
	case "str":
		return s, nil
	case "bytes":
		return plain, nil
	case "comment":
		return comment{Value: s}, nil
	case "int":
		v, err = strconv.Atoi(s)
	case "float":
		v, err = strconv.ParseFloat(s, 64)
	case "bool":
		v, err = strconv.ParseBool(s)
	case "time":
		var t time.Time
		err = t.UnmarshalText(plain)
		v = t
	default:
		return nil, errValue
	}
	if err != nil {
		return nil, errValue
	}
	return v, nil
}
