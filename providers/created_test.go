package providers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
)

func TestCreatedTimesStamp(t *testing.T) {
	when := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var created providers.CreatedTimes
	fetch := func(_ context.Context, src providers.Ref) ([]byte, string, error) {
		switch src.Path {
		case "dated":
			created.Set(src, when)
			return []byte(`{"a":"CANARY-1","b":"CANARY-2"}`), "", nil
		case "undated":
			created.Set(src, time.Time{})
			return []byte("CANARY-3"), "", nil
		}
		return nil, "", providers.ErrNotFound
	}
	batch := refs(t, "s://dated#a", "s://undated", "s://gone", "s://dated#b")
	out, err := providers.FetchEach(context.Background(), batch, 2, fetch, nil)
	if !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound for s://gone", err)
	}
	out = created.Stamp(batch, out)
	for i, want := range []time.Time{when, {}, {}, when} {
		if !out[i].Created.Equal(want) {
			t.Errorf("%s: Created = %v, want %v", batch[i], out[i].Created, want)
		}
	}
}
