package redact

import (
	"strings"
	"testing"
	"time"
)

// TestPublicPrefixPrompt (issue 9 §3): a prompt whose tail is the public
// start of a secret ("Connect to postgres" when DATABASE_URL starts
// "postgres://") is released after the idle pause, however long that tail;
// every byte past the public prefix stays masked, and a tail that could be
// the start of a secret's secret part is still held.
func TestPublicPrefixPrompt(t *testing.T) {
	const idle = 20 * time.Millisecond
	const url = "postgres://svc:CANARY-db-pw-0123@db.internal:5432/app"
	waitFor := func(t *testing.T, out *syncBuffer, want string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); out.String() != want; {
			if time.Now().After(deadline) {
				t.Fatalf("got %q, want %q", out.String(), want)
			}
			time.Sleep(idle / 4)
		}
	}
	m, _ := Compile([]Secret{{Name: "DATABASE_URL", Value: url}}, Options{})

	t.Run("the prompt shows, the secret that follows is masked", func(t *testing.T) {
		var out syncBuffer
		w := m.NewWriter(&out, idle)
		w.Write([]byte("Connect to postgres"))
		waitFor(t, &out, "Connect to postgres")
		w.Write([]byte("://svc:CANARY-db-pw-0123@db.internal:5432/app\n"))
		w.Close()
		if got := out.String(); got != "Connect to postgres***\n" {
			t.Errorf("got %q", got)
		}
		if st := w.Stats(); st.LateMasked != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("the whole public prefix, then a secret byte: held", func(t *testing.T) {
		var out syncBuffer
		w := m.NewWriter(&out, idle)
		w.Write([]byte("url=postgres://"))
		waitFor(t, &out, "url=postgres://")
		w.Write([]byte("s")) // the first byte of the user: secret
		time.Sleep(8 * idle)
		if got := out.String(); got != "url=postgres://" {
			t.Errorf("a byte past the public prefix was released: %q", got)
		}
		w.Write([]byte("vc:CANARY-db-pw-0123@db.internal:5432/app\n"))
		w.Close()
		if got := out.String(); got != "url=postgres://***\n" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("end of stream: a public tail is not masked", func(t *testing.T) {
		if got := m.MaskString("Connect to postgres"); got != "Connect to postgres" {
			t.Errorf("got %q", got)
		}
		if got := m.MaskString("x postgres://svc:CANARY"); strings.Contains(got, "CANARY") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a secret that begins with the same text without a scheme keeps it held", func(t *testing.T) {
		m2, _ := Compile([]Secret{{Name: "DATABASE_URL", Value: url}, {Name: "P", Value: "postgresCANARY-no-scheme"}}, Options{})
		var out syncBuffer
		w := m2.NewWriter(&out, idle)
		w.Write([]byte("Connect to postgres"))
		time.Sleep(8 * idle)
		if got := out.String(); got != "Connect to " {
			t.Errorf("the start of a secret's secret part was released: %q", got)
		}
		w.Close()
	})
}
