package providers_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/secretrun/secretrun/providers"
)

func TestRefError(t *testing.T) {
	ref, _ := providers.ParseRef("vault://secret/app#password")
	err := error(&providers.RefError{Ref: ref, Err: fmt.Errorf("%w: no such path", providers.ErrNotFound)})
	if err.Error() != "vault://secret/app#password: not found: no such path" {
		t.Errorf("Error() = %q", err)
	}
	if !errors.Is(err, providers.ErrNotFound) || errors.Is(err, providers.ErrDenied) {
		t.Error("RefError does not unwrap to its sentinel")
	}
	joined := fmt.Errorf("resolve: %w", errors.Join(err, &providers.RefError{Ref: ref, Err: providers.ErrDenied}))
	var re *providers.RefError
	if !errors.As(joined, &re) || re.Ref != ref {
		t.Error("errors.As through a join")
	}
}

func TestHint(t *testing.T) {
	if providers.WithHint(nil, "x") != nil {
		t.Error("WithHint(nil) is not nil")
	}
	base := fmt.Errorf("%w: no token", providers.ErrDenied)
	h := providers.WithHint(base, "%s is not set", "VAULT_TOKEN")
	if h.Error() != base.Error() {
		t.Errorf("a hint changes the error text: %q", h)
	}
	if !errors.Is(h, providers.ErrDenied) {
		t.Error("hinted error does not unwrap")
	}
	wrapped := &providers.RefError{Ref: providers.Ref{Scheme: "vault", Path: "x"}, Err: fmt.Errorf("ctx: %w", h)}
	if got := providers.Hint(wrapped); got != "VAULT_TOKEN is not set" {
		t.Errorf("Hint through wrapping = %q", got)
	}
	if got := providers.Hint(errors.Join(errors.New("plain"), wrapped)); got != "VAULT_TOKEN is not set" {
		t.Errorf("Hint through a join = %q", got)
	}
	if providers.Hint(base) != "" || providers.Hint(nil) != "" {
		t.Error("Hint of an error without one is not empty")
	}
	outer := providers.WithHint(fmt.Errorf("outer: %w", providers.WithHint(base, "inner")), "outer hint")
	if providers.Hint(outer) != "outer hint" {
		t.Errorf("Hint returns %q; want the outermost", providers.Hint(outer))
	}
}
