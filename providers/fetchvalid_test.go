package providers_test

import (
	"context"
	"errors"
	"testing"

	"github.com/secretrun/secretrun/providers"
)

func TestFetchValidSkipsRejectedRefsAndKeepsOrder(t *testing.T) {
	refs := []providers.Ref{
		{Scheme: "t", Path: "good1"},
		{Scheme: "t", Path: "bad"},
		{Scheme: "t", Path: "good2"},
	}
	fetched := map[string]bool{}
	validate := func(r providers.Ref) error {
		if r.Path == "bad" {
			return providers.ErrInvalidRef
		}
		return nil
	}
	fetch := func(_ context.Context, src providers.Ref) ([]byte, string, error) {
		fetched[src.Path] = true
		return []byte("value-of-" + src.Path), "", nil
	}
	got, err := providers.FetchValid(context.Background(), refs, validate, 1, fetch, nil)
	if len(got) != 3 || got[0].Reveal() != "value-of-good1" || got[1].Reveal() != "" || got[2].Reveal() != "value-of-good2" {
		t.Fatalf("values out of order or wrong: %q %q %q", got[0].Reveal(), got[1].Reveal(), got[2].Reveal())
	}
	var re *providers.RefError
	if !errors.As(err, &re) || re.Ref.Path != "bad" || !errors.Is(err, providers.ErrInvalidRef) {
		t.Fatalf("err = %v, want one RefError for the rejected ref", err)
	}
	if fetched["bad"] {
		t.Error("a rejected ref was fetched")
	}
}
