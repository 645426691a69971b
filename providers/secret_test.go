package providers_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"strings"
	"testing"

	"github.com/secretrun/secretrun/providers"
)

const topSecret = "TOPSECRET-\x00-value"

type (
	exported   struct{ S providers.Secret }
	unexported struct {
		name string
		s    providers.Secret
	}
	pointers struct {
		P *providers.Secret
		p *providers.Secret
	}
)

func TestSecretReveal(t *testing.T) {
	s := providers.NewSecret([]byte(topSecret), "v7")
	if s.Reveal() != topSecret || s.Len() != len(topSecret) || s.Version != "v7" {
		t.Fatalf("Reveal/Len/Version: %d bytes, %q", s.Len(), s.Version)
	}
	var zero providers.Secret
	if zero.Reveal() != "" || zero.Len() != 0 {
		t.Error("zero Secret is not empty")
	}
	// NewSecret copies: changing the input later does not change the Secret.
	b := []byte("abc")
	s2 := providers.NewSecret(b, "")
	b[0] = 'x'
	if s2.Reveal() != "abc" {
		t.Error("NewSecret does not copy its input")
	}
}

// A Secret never prints its value: not under any fmt verb, not inside structs, slices, maps or
// pointers (even unexported fields, which fmt prints without calling Format), not as JSON, text or
// XML, not through log or slog.
func TestSecretNeverPrints(t *testing.T) {
	s := providers.NewSecret([]byte(topSecret), "v1")
	ps := &s
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T", "%p"} {
		for _, arg := range []any{s, ps, exported{s}, unexported{"n", s}, &unexported{"n", s}, pointers{ps, ps},
			[]providers.Secret{s}, map[string]providers.Secret{"k": s}, [1]providers.Secret{s}, []any{s}} {
			outputs = append(outputs, verb+" "+fmt.Sprintf(verb, arg))
		}
	}
	outputs = append(outputs, fmt.Sprint(s), fmt.Sprintln(s, ps), s.String(), s.GoString())
	for _, v := range []any{s, ps, exported{s}, map[string]providers.Secret{"k": s}} {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, "json "+string(j))
		x, err := xml.Marshal(exported{s})
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, "xml "+string(x))
	}
	if txt, _ := s.MarshalText(); string(txt) != "***" {
		t.Errorf("MarshalText = %q", txt)
	}

	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		l := slog.New(h)
		l.Info("fetched", "secret", s, "ptr", ps, "group", exported{s}, "any", any(s))
		l.Info("attrs", slog.Any("s", s), slog.Group("g", slog.Any("s", s)))
		l.With("s", s).Info("with")
	}
	log.New(&buf, "", 0).Printf("%v %s", s, s)
	outputs = append(outputs, buf.String())

	for _, out := range outputs {
		if strings.Contains(out, "TOPSECRET") {
			t.Errorf("value printed: %q", out)
		}
	}
	if got := fmt.Sprintf("%v|%s|%q|%x|%#v", s, s, s, s, s); got != "***|***|***|***|***" {
		t.Errorf("mask = %q", got)
	}
	if j, _ := json.Marshal(exported{s}); string(j) != `{"S":"***"}` {
		t.Errorf("json = %s", j)
	}
}

// A Secret wrapped into an error (a programming mistake) still prints as a mask.
func TestSecretInError(t *testing.T) {
	s := providers.NewSecret([]byte(topSecret), "")
	err := fmt.Errorf("oops %v: %w", s, errors.New("x"))
	if strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("error = %q", err)
	}
}
