package vault

import (
	"errors"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
)

func TestSelectValue(t *testing.T) {
	for _, tc := range []struct {
		data, key, want string
		err             error
	}{
		{`{"password":"p","user":"u"}`, "", `{"password":"p","user":"u"}`, nil},
		{`{"password":"p","user":"u"}`, "user", "u", nil},
		{`{"port":5432}`, "port", "5432", nil},
		{`{"value":"plain"}`, "", "plain", nil},
		{`{"value":"plain"}`, "value", "plain", nil},
		{`{"value":"{\"a\":{\"b\":\"c\"}}"}`, "/a/b", "c", nil},
		{`{"value":"{\"a\":\"x\"}"}`, "a", "x", nil},
		{`{"value":"plain"}`, "other", "", providers.ErrKeyNotFound},
		{`{"value":"v","other":"o"}`, "", `{"value":"v","other":"o"}`, nil},
		{`{"value":3}`, "", `{"value":3}`, nil},
		{`{"a":"b"}`, "missing", "", providers.ErrKeyNotFound},
	} {
		got, err := selectValue([]byte(tc.data), tc.key)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("selectValue(%s, %q) err = %v; want %v", tc.data, tc.key, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("selectValue(%s, %q) = %q, %v; want %q", tc.data, tc.key, got, err, tc.want)
		}
	}
}

func TestRenewAt(t *testing.T) {
	now := time.Now()
	for i := 0; i < 100; i++ {
		at := renewAt(now.Add(30*time.Second), 30*time.Second)
		d := at.Sub(now)
		if d < 17*time.Second || d > 23*time.Second {
			t.Fatalf("renewAt for a 30s TTL = +%v; want about 2/3 (20s ± 3s)", d)
		}
	}
}
