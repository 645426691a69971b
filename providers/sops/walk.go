package sops

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file decrypts a file's tree and computes its MAC as sops' Tree.Decrypt does, which
// secretrun does not link (sops' root package imports its audit package): it walks every value
// in order, decides by the file's encryption rule whether it was encrypted, decrypts it with its
// path as additional data, and hashes every resulting value (comments excepted) with SHA-512.
// With mac_only_encrypted, only the values that were encrypted are hashed, after a fixed prefix.
// The MAC is that hash in upper-case hex; sops stores it encrypted, with lastmodified as its
// additional data.

// macOnlyEncryptedInit starts the hash of a mac_only_encrypted file (sha256("sops")), so that its
// MAC never equals that of the same file without the option.
var macOnlyEncryptedInit = []byte{0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0xb, 0xb, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69}

// errWalk is a tree that cannot be decrypted: a value that should be encrypted does not decrypt,
// or the tree holds something sops never writes. Its text never quotes a value.
var errWalk = errors.New("the tree does not decrypt")

// rules is a file's encryption rule, compiled. A regex that does not compile matches nothing,
// as in sops.
type rules struct {
	m                                    *metadata
	unencRe, encRe, unencComRe, encComRe *regexp.Regexp
}

func compileRules(m *metadata) *rules {
	c := func(s string) *regexp.Regexp {
		if s == "" {
			return nil
		}
		re, _ := regexp.Compile(s)
		return re
	}
	return &rules{m: m, unencRe: c(m.UnencryptedRegex), encRe: c(m.EncryptedRegex),
		unencComRe: c(m.UnencryptedCommentRegex), encComRe: c(m.EncryptedCommentRegex)}
}

func match(re *regexp.Regexp, s string) bool { return re != nil && re.MatchString(s) }

// encrypted tells whether sops encrypted the value at path, given the comments above it
// (commentsStack: one list per level), as sops' shouldBeEncrypted does.
func (r *rules) encrypted(path []string, commentsStack [][]string, isComment bool) bool {
	m := r.m
	enc := true
	if m.UnencryptedSuffix != "" {
		for _, p := range path {
			if strings.HasSuffix(p, m.UnencryptedSuffix) {
				enc = false
				break
			}
		}
	}
	if m.EncryptedSuffix != "" {
		enc = false
		for _, p := range path {
			if strings.HasSuffix(p, m.EncryptedSuffix) {
				enc = true
				break
			}
		}
	}
	if m.UnencryptedRegex != "" {
		for _, p := range path {
			if match(r.unencRe, p) {
				enc = false
				break
			}
		}
	}
	if m.EncryptedRegex != "" {
		enc = false
		for _, p := range path {
			if match(r.encRe, p) {
				enc = true
				break
			}
		}
	}
	if m.UnencryptedCommentRegex != "" {
	unenc:
		for _, cs := range commentsStack {
			for _, c := range cs {
				if match(r.unencComRe, c) {
					enc = false
					break unenc
				}
			}
		}
	}
	if m.EncryptedCommentRegex != "" {
		last, lastLen := len(commentsStack)-1, len(commentsStack[len(commentsStack)-1])
		enc = false
	encr:
		for i, cs := range commentsStack {
			for j, c := range cs {
				// The comment that matches does not encrypt itself.
				if isComment && i == last && j == lastLen-1 {
					continue
				}
				if match(r.encComRe, c) {
					enc = true
					break encr
				}
			}
		}
	}
	return enc
}

// treeDecrypter decrypts one file's tree in place and hashes it.
type treeDecrypter struct {
	rules *rules
	key   []byte
	hash  hash.Hash
}

// decryptTree decrypts every document of branches in place with the data key and returns the
// MAC of the decrypted values.
func decryptTree(branches treeBranches, m *metadata, key []byte) (string, error) {
	d := &treeDecrypter{rules: compileRules(m), key: key, hash: sha512.New()}
	if m.MACOnlyEncrypted {
		d.hash.Write(macOnlyEncryptedInit)
	}
	for _, b := range branches {
		if _, err := d.branch(b, nil, nil); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%X", d.hash.Sum(nil)), nil
}

func (d *treeDecrypter) value(in any, path []string, stack [][]string) (any, error) {
	switch v := in.(type) {
	case string, int, bool, float64, time.Time, comment:
		return d.leaf(v, path, stack)
	case []byte:
		return d.leaf(string(v), path, stack)
	case treeBranch:
		return d.branch(v, path, stack)
	case []any:
		return d.list(v, path, stack)
	case nil:
		return nil, nil
	}
	return nil, errWalk
}

func (d *treeDecrypter) list(in []any, path []string, stack [][]string) ([]any, error) {
	stack = append(stack, []string{})
	for i, v := range in {
		c, isComment := v.(comment)
		if isComment {
			stack[len(stack)-1] = append(stack[len(stack)-1], c.Value)
		}
		out, err := d.value(v, path, stack)
		if err != nil {
			return nil, err
		}
		in[i] = out
		if !isComment {
			stack[len(stack)-1] = []string{}
		}
	}
	return in, nil
}

func (d *treeDecrypter) branch(in treeBranch, path []string, stack [][]string) (treeBranch, error) {
	stack = append(stack, []string{})
	for i, item := range in {
		if c, ok := item.Key.(comment); ok {
			stack[len(stack)-1] = append(stack[len(stack)-1], c.Value)
			out, err := d.value(c, path, stack)
			if err != nil {
				return nil, err
			}
			switch o := out.(type) {
			case comment:
				in[i].Key = o
			case string:
				in[i].Key = comment{Value: o, Inline: c.Inline}
			default:
				return nil, errWalk
			}
			continue
		}
		c, valueIsComment := item.Value.(comment)
		if valueIsComment {
			stack[len(stack)-1] = append(stack[len(stack)-1], c.Value)
		}
		key, ok := item.Key.(string)
		if !ok {
			return nil, errWalk
		}
		out, err := d.value(item.Value, append(path, key), stack)
		if err != nil {
			return nil, err
		}
		in[i].Value = out
		if !valueIsComment {
			stack[len(stack)-1] = []string{}
		}
	}
	return in, nil
}

// leaf decrypts one value if the rule says it was encrypted, and hashes the result.
func (d *treeDecrypter) leaf(in any, path []string, stack [][]string) (any, error) {
	c, isComment := in.(comment)
	enc := d.rules.encrypted(path, stack, isComment)
	v := in
	if enc {
		aad := strings.Join(path, ":") + ":"
		switch {
		case isComment:
			var err error
			if v, err = decryptValue(c.Value, d.key, aad); err != nil {
				v = c // a comment written by an older sops, in clear text
			}
		default:
			s, ok := in.(string)
			if !ok {
				return nil, errWalk
			}
			var err error
			if v, err = decryptValue(s, d.key, aad); err != nil {
				return nil, errWalk
			}
		}
	}
	if !d.rules.m.MACOnlyEncrypted || enc {
		if _, isComment := v.(comment); !isComment {
			b, err := macBytes(v)
			if err != nil {
				return nil, err
			}
			d.hash.Write(b)
		}
	}
	return v, nil
}

// macBytes is how sops hashes a value (sops.ToBytes).
func macBytes(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case int:
		return []byte(strconv.Itoa(v)), nil
	case float64:
		return []byte(strconv.FormatFloat(v, 'f', -1, 64)), nil
	case bool:
		if v {
			return []byte("True"), nil
		}
		return []byte("False"), nil
	case []byte:
		return v, nil
	case time.Time:
		return v.MarshalText()
	}
	return nil, errWalk
}
