package providers_test

import (
	"errors"
	"testing"

	"github.com/secretrun/secretrun/providers"
)

// FuzzSelectKey checks that SelectKey never panics and that every failure wraps ErrKeyNotFound.
func FuzzSelectKey(f *testing.F) {
	f.Add([]byte(jsonDoc), "password")
	f.Add([]byte(jsonDoc), "/nested/a~1b/c~0d")
	f.Add([]byte(yamlDoc), "/list/1/k")
	f.Add([]byte("a: &a [1]\nb: *a\nc: {<<: {x: 1}}\n"), "/b/0")
	f.Add([]byte("[1, {\"a\": null}]"), "/1/a")
	f.Add([]byte("plain"), "k")
	f.Fuzz(func(t *testing.T, doc []byte, key string) {
		_, err := providers.SelectKey(doc, key)
		if err != nil && !errors.Is(err, providers.ErrKeyNotFound) {
			t.Fatalf("SelectKey error does not wrap ErrKeyNotFound: %v", err)
		}
	})
}
