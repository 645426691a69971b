// Package providertest is the conformance suite every secretrun provider passes.
//
// A provider's test adapts its store to a [Harness] and calls [Run]:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, providertest.Harness{
//			Provider: func(t *testing.T) providers.Provider { return vault.New(client) },
//			Put: func(t *testing.T, value []byte) providers.Ref {
//				name := "conformance/" + t.Name()
//				writeToTestStore(t, name, value)
//				return providers.Ref{Scheme: "vault", Path: name}
//			},
//			Missing: func(t *testing.T) providers.Ref {
//				return providers.Ref{Scheme: "vault", Path: "conformance/does-not-exist"}
//			},
//		})
//	}
//
// The suite checks what the Provider contract promises: values round-trip byte-exact; a batch
// comes back in order, however large; identical refs and several #keys of one source each get the right value;
// #key and #/json/pointer select from JSON values; failures are one *providers.RefError per ref,
// wrapping the right sentinel; a cancelled context ends the fetch promptly with no values; and no
// error or hint ever contains a stored value.
//
// It imports only the standard library and package providers; it must not import any provider.
package providertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretrun/secretrun/providers"
)

// KeyMode says what a reference's #key selects in the store under test.
type KeyMode int

const (
	// KeyJSON (the zero value, remote stores and file://): #key selects a top-level field of a
	// JSON value and #/a/b a JSON Pointer, as providers.SelectKey does.
	KeyJSON KeyMode = iota
	// KeyVariable (dotenv://): #KEY names one variable of the source. Put returns a ref that
	// already carries its #KEY, PutVars is required, and the JSON subtests are skipped.
	KeyVariable
)

// Harness adapts one provider to the suite. Provider, Put and Missing are required.
type Harness struct {
	// Provider returns the provider under test, connected to the test store. It is called once
	// per subtest.
	Provider func(t *testing.T) providers.Provider

	// Put stores value under a fresh name the harness chooses and returns a ref to it (no key,
	// except in KeyVariable mode, where the ref names the variable holding value). Values the
	// suite stores never end in a newline and are never empty.
	Put func(t *testing.T, value []byte) providers.Ref

	// Missing returns a ref to a secret that does not exist.
	Missing func(t *testing.T) providers.Ref

	// Binary reports whether the store can hold arbitrary bytes (NUL, invalid UTF-8).
	Binary bool

	// KeyMode says what #key selects; the zero value is KeyJSON.
	KeyMode KeyMode

	// PutVars stores several named values in one fresh source and returns a ref to the source
	// without a key; the suite takes each value with #NAME. Required in KeyVariable mode,
	// ignored otherwise.
	PutVars func(t *testing.T, vars map[string]string) providers.Ref

	// Reads, when set, returns how many reads of secret sources the store has served so far
	// (requests counted by the test server). The suite then checks that a batch never costs
	// more reads than it has distinct sources. Nil skips the check.
	Reads func(t *testing.T) int

	// Timeout bounds each Fetch the suite makes; zero means 30s.
	Timeout time.Duration
}

// Canary returns a unique, recognisable value for label, e.g. "CANARY-db-password-3f9a…", to
// store in a test store and then look for in output and errors where it must never appear.
func Canary(t testing.TB, label string) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("providertest: random canary: %v", err)
	}
	return "CANARY-" + label + "-" + hex.EncodeToString(b[:])
}

// RefErrors returns every *providers.RefError in err's tree (errors.Join and %w chains), in order.
func RefErrors(err error) []*providers.RefError {
	var out []*providers.RefError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if re, ok := err.(*providers.RefError); ok {
			out = append(out, re)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// AssertNoValues fails t if the text of err (under %v, %+v and %#v), its hint, or the hint of any
// *providers.RefError in it contains any of values. The failure message shows the error with every
// value and canary masked.
func AssertNoValues(t testing.TB, err error, values ...string) {
	t.Helper()
	if err == nil {
		return
	}
	text := err.Error() + "\n" + providers.Hint(err) + "\n" + fmt.Sprintf("%+v %#v", err, err)
	// providers.Hint(err) is the first hint only: each failed ref of a batch may carry its own.
	for _, re := range RefErrors(err) {
		text += "\n" + providers.Hint(re)
	}
	for i, v := range values {
		if v != "" && strings.Contains(text, v) {
			t.Errorf("error text contains stored value #%d (%d bytes): %s", i, len(v), redact(err.Error(), values))
			return
		}
	}
}

var canaryRE = regexp.MustCompile(`CANARY-[A-Za-z0-9_-]+`)

// redact masks values (raw and Go-quoted) and anything that looks like a canary.
func redact(text string, values []string) string {
	for _, v := range values {
		if v == "" {
			continue
		}
		text = strings.ReplaceAll(text, v, "<VALUE>")
		if q := strconv.Quote(v); len(q) > 2 {
			text = strings.ReplaceAll(text, q[1:len(q)-1], "<VALUE>")
		}
	}
	return canaryRE.ReplaceAllString(text, "<CANARY>")
}

// suite carries the harness and the values stored so far in one test, so that every error can be
// checked against all of them.
type suite struct {
	h      Harness
	mu     sync.Mutex
	stored []string
}

func (s *suite) remember(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stored = append(s.stored, values...)
}

func (s *suite) values() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.stored...)
}

func (s *suite) put(t *testing.T, value string) providers.Ref {
	t.Helper()
	s.remember(value)
	ref := s.h.Put(t, []byte(value))
	if s.h.KeyMode == KeyJSON && ref.Key != "" {
		t.Fatalf("harness Put returned %s with a key; in KeyJSON mode it must return a ref without one", ref)
	}
	if s.h.KeyMode == KeyVariable && ref.Key == "" {
		t.Fatalf("harness Put returned %s without a key; in KeyVariable mode it must name the variable", ref)
	}
	return ref
}

// putCanaries stores n canaries labelled label0, label1, ... and returns their refs and values.
func (s *suite) putCanaries(t *testing.T, label string, n int) ([]providers.Ref, []string) {
	t.Helper()
	refs := make([]providers.Ref, n)
	values := make([]string, n)
	for i := range refs {
		values[i] = Canary(t, fmt.Sprintf("%s%d", label, i))
		refs[i] = s.put(t, values[i])
	}
	return refs, values
}

func (s *suite) putVars(t *testing.T, vars map[string]string) providers.Ref {
	t.Helper()
	for _, v := range vars {
		s.remember(v)
	}
	ref := s.h.PutVars(t, vars)
	if ref.Key != "" {
		t.Fatalf("harness PutVars returned %s with a key; it must return a ref to the source", ref)
	}
	return ref
}

// fetch calls the provider with a bounded context and checks the invariants every call keeps:
// one Secret per ref, and no stored value in the error.
func (s *suite) fetch(t *testing.T, p providers.Provider, refs []providers.Ref) ([]providers.Secret, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout())
	defer cancel()
	secrets, err := p.Fetch(ctx, refs)
	AssertNoValues(t, err, s.values()...)
	if len(secrets) != len(refs) {
		t.Fatalf("Fetch of %d refs returned %d secrets (want one per ref, zero for failures); err: %v", len(refs), len(secrets), err)
	}
	return secrets, err
}

func (s *suite) timeout() time.Duration {
	if s.h.Timeout <= 0 {
		return 30 * time.Second
	}
	return s.h.Timeout
}

func (s *suite) reads(t *testing.T) int {
	if s.h.Reads == nil {
		return 0
	}
	return s.h.Reads(t)
}

func (s *suite) checkReads(t *testing.T, before int, distinct int) {
	t.Helper()
	if s.h.Reads == nil {
		return
	}
	if got := s.h.Reads(t) - before; got > distinct || got < 1 {
		t.Errorf("the batch cost %d reads of the store; want between 1 and %d (one per distinct source at most)", got, distinct)
	}
}

// want checks one result.
func want(t *testing.T, ref providers.Ref, got providers.Secret, value string) {
	t.Helper()
	if got.Reveal() != value {
		t.Errorf("%s: got a %d-byte value that differs from the %d-byte value stored (first difference at byte %d)",
			ref, got.Len(), len(value), firstDiff(got.Reveal(), value))
	}
}

func firstDiff(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) < len(b) {
		return len(a)
	}
	return len(b)
}

// Run runs the conformance suite against h.
func Run(t *testing.T, h Harness) {
	if h.Provider == nil || h.Put == nil || h.Missing == nil {
		t.Fatal("providertest: Harness needs Provider, Put and Missing")
	}
	if h.KeyMode == KeyVariable && h.PutVars == nil {
		t.Fatal("providertest: Harness in KeyVariable mode needs PutVars")
	}
	s := &suite{h: h}
	t.Run("EmptyBatch", s.testEmptyBatch)
	t.Run("RoundTrip", s.testRoundTrip)
	t.Run("Validate", s.testValidate)
	t.Run("BatchInOrder", s.testBatchInOrder)
	t.Run("LargeBatch", s.testLargeBatch)
	t.Run("IdenticalRefs", s.testIdenticalRefs)
	if h.KeyMode == KeyJSON {
		t.Run("JSONKeys", s.testJSONKeys)
		t.Run("MissingJSONKey", s.testMissingJSONKey)
	} else {
		t.Run("VariableKeys", s.testVariableKeys)
		t.Run("MissingVariable", s.testMissingVariable)
	}
	t.Run("MissingSecret", s.testMissingSecret)
	t.Run("MixedBatch", s.testMixedBatch)
	t.Run("CancelledContext", s.testCancelled)
	t.Run("ExpiredDeadline", s.testExpired)
	t.Run("Concurrent", s.testConcurrent)
	t.Run("Binary", s.testBinary)
}

// An empty batch is not an error.
func (s *suite) testEmptyBatch(t *testing.T) {
	p := s.h.Provider(t)
	secrets, err := s.fetch(t, p, nil)
	if err != nil || len(secrets) != 0 {
		t.Fatalf("Fetch(nil) = %d secrets, %v; want none and no error", len(secrets), err)
	}
}

// Every kind of text value comes back byte-exact.
func (s *suite) testRoundTrip(t *testing.T) {
	cases := map[string]string{
		"canary":     Canary(t, "roundtrip"),
		"multi-line": Canary(t, "line1") + "\n" + "line 2\n\tline 3 ",
		"crlf":       Canary(t, "crlf") + "\r\nsecond",
		"punctuation": Canary(t, "punct") + ` !"#$%&'()*+,-./:;<=>?@[\]^_{|}~` + "`" +
			` ${HOME} $HOME \n \\ # not a comment`,
		"inner spaces": Canary(t, "spaces") + "  a  b  c",
		"unicode":      Canary(t, "unicode") + " päss wörd 秘密 🔑",
		"json-like":    `{"note":"` + Canary(t, "jsonlike") + `"}`,
		"8KiB":         Canary(t, "large") + strings.Repeat("0123456789abcdef", 512),
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			ref := s.put(t, value)
			p := s.h.Provider(t)
			secrets, err := s.fetch(t, p, []providers.Ref{ref})
			if err != nil {
				t.Fatalf("Fetch(%s): %v", ref, err)
			}
			want(t, ref, secrets[0], value)
		})
	}
}

// The refs the harness makes pass the provider's own syntax check.
func (s *suite) testValidate(t *testing.T) {
	p := s.h.Provider(t)
	v, ok := p.(providers.Validator)
	if !ok {
		t.Skip("provider does not implement providers.Validator")
	}
	for _, ref := range []providers.Ref{s.put(t, Canary(t, "validate")), s.h.Missing(t)} {
		if err := v.Validate(ref); err != nil {
			t.Errorf("Validate(%s) = %v; want nil", ref, err)
		}
	}
}

// A batch of refs to different secrets comes back in the order asked, whatever that order is.
func (s *suite) testBatchInOrder(t *testing.T) {
	const n = 6
	refs, values := s.putCanaries(t, "batch", n)
	p := s.h.Provider(t)
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5}, {5, 3, 1, 0, 2, 4}} {
		batch := make([]providers.Ref, n)
		for i, j := range order {
			batch[i] = refs[j]
		}
		before := s.reads(t)
		secrets, err := s.fetch(t, p, batch)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		s.checkReads(t, before, n)
		for i, j := range order {
			want(t, batch[i], secrets[i], values[j])
		}
	}
}

// A batch larger than any store's batch-read limit (AWS: 20 ids a call) comes back whole, in order.
func (s *suite) testLargeBatch(t *testing.T) {
	const n = 25
	refs, values := s.putCanaries(t, "large", n)
	p := s.h.Provider(t)
	before := s.reads(t)
	secrets, err := s.fetch(t, p, refs)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	s.checkReads(t, before, n)
	for i := range refs {
		want(t, refs[i], secrets[i], values[i])
	}
}

// The same ref several times in one batch gets the same value at each position, read once.
func (s *suite) testIdenticalRefs(t *testing.T) {
	a, b := Canary(t, "same-a"), Canary(t, "same-b")
	ra, rb := s.put(t, a), s.put(t, b)
	p := s.h.Provider(t)
	batch := []providers.Ref{ra, rb, ra, ra, rb}
	before := s.reads(t)
	secrets, err := s.fetch(t, p, batch)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	s.checkReads(t, before, 2)
	for i, wantv := range []string{a, b, a, a, b} {
		want(t, batch[i], secrets[i], wantv)
	}
}

// #key picks a top-level field and #/a/b a JSON Pointer (with ~0 and ~1 escapes); several keys of
// one secret in one batch each get their own value, and non-string leaves come back as JSON.
func (s *suite) testJSONKeys(t *testing.T) {
	user, pass, deep := Canary(t, "user"), Canary(t, "password"), Canary(t, "deep")
	doc := `{"username":"` + user + `","password":"` + pass + `","port":5432,"ratio":0.5,"enabled":true,` +
		`"nested":{"a/b":{"c~d":"` + deep + `"}},"list":["zero","one"],"obj":{"k":"v"}}`
	src := s.put(t, doc)
	key := func(k string) providers.Ref { r := src; r.Key = k; return r }
	cases := []struct {
		ref  providers.Ref
		want string
	}{
		{key("username"), user},
		{key("password"), pass},
		{key("username"), user},
		{key("port"), "5432"},
		{key("ratio"), "0.5"},
		{key("enabled"), "true"},
		{key("/nested/a~1b/c~0d"), deep},
		{key("/list/1"), "one"},
		{key("/password"), pass},
		{key("obj"), `{"k":"v"}`},
		{src, doc},
	}
	batch := make([]providers.Ref, len(cases))
	for i, c := range cases {
		batch[i] = c.ref
	}
	p := s.h.Provider(t)
	before := s.reads(t)
	secrets, err := s.fetch(t, p, batch)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	s.checkReads(t, before, 1)
	for i, c := range cases {
		want(t, c.ref, secrets[i], c.want)
	}
}

// A missing #key is ErrKeyNotFound naming the key; the error shows none of the document's values.
func (s *suite) testMissingJSONKey(t *testing.T) {
	user, pass := Canary(t, "user"), Canary(t, "password")
	src := s.put(t, `{"username":"`+user+`","password":"`+pass+`","nested":{"x":"`+user+`"}}`)
	for _, k := range []string{"no_such_key", "/nested/no_such_key", "/username/deeper"} {
		t.Run(strings.ReplaceAll(k, "/", "_"), func(t *testing.T) {
			ref := src
			ref.Key = k
			err := s.fetchFails(t, ref, providers.ErrKeyNotFound)
			if err != nil && !strings.Contains(err.Error(), strings.TrimPrefix(k, "/")) {
				t.Errorf("error %q does not name the key %q", err, k)
			}
		})
	}
	// A key on a value that is not a structured document is ErrKeyNotFound as well.
	t.Run("not_a_document", func(t *testing.T) {
		ref := s.put(t, Canary(t, "plain"))
		ref.Key = "field"
		s.fetchFails(t, ref, providers.ErrKeyNotFound)
	})
}

// In KeyVariable mode, #NAME picks one variable; several of one source come back right.
func (s *suite) testVariableKeys(t *testing.T) {
	vars := map[string]string{
		"FIRST":  Canary(t, "first"),
		"SECOND": Canary(t, "second"),
		"THIRD":  Canary(t, "third") + " with spaces",
	}
	src := s.putVars(t, vars)
	names := []string{"SECOND", "FIRST", "THIRD", "FIRST"}
	batch := make([]providers.Ref, len(names))
	for i, n := range names {
		batch[i] = src
		batch[i].Key = n
	}
	p := s.h.Provider(t)
	before := s.reads(t)
	secrets, err := s.fetch(t, p, batch)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	s.checkReads(t, before, 1)
	for i, n := range names {
		want(t, batch[i], secrets[i], vars[n])
	}
}

// In KeyVariable mode, a missing #NAME is ErrKeyNotFound naming it, with no values in the error.
func (s *suite) testMissingVariable(t *testing.T) {
	src := s.putVars(t, map[string]string{"PRESENT": Canary(t, "present"), "OTHER": Canary(t, "other")})
	ref := src
	ref.Key = "ABSENT"
	err := s.fetchFails(t, ref, providers.ErrKeyNotFound)
	if err != nil && !strings.Contains(err.Error(), "ABSENT") {
		t.Errorf("error %q does not name the key", err)
	}
}

// A secret that does not exist is a *RefError naming the ref and wrapping ErrNotFound.
func (s *suite) testMissingSecret(t *testing.T) {
	s.fetchFails(t, s.h.Missing(t), providers.ErrNotFound)
}

// fetchFails fetches ref alone from a new provider, checks that it fails as checkRefErr wants
// with a zero Secret, and returns the error.
func (s *suite) fetchFails(t *testing.T, ref providers.Ref, sentinel error) error {
	t.Helper()
	secrets, err := s.fetch(t, s.h.Provider(t), []providers.Ref{ref})
	checkRefErr(t, err, ref, sentinel)
	if secrets[0].Len() != 0 {
		t.Errorf("%s failed but its Secret is not zero", ref)
	}
	return err
}

// checkRefErr checks that err holds exactly one *RefError, for ref, wrapping sentinel, and that
// its text names the ref.
func checkRefErr(t *testing.T, err error, ref providers.Ref, sentinel error) {
	t.Helper()
	if err == nil {
		t.Fatalf("Fetch(%s) succeeded; want an error wrapping %q", ref, sentinel)
	}
	res := RefErrors(err)
	if len(res) != 1 {
		t.Fatalf("Fetch(%s): want one *providers.RefError, got %d in %q", ref, len(res), err)
	}
	if res[0].Ref != ref {
		t.Errorf("RefError.Ref = %s; want %s", res[0].Ref, ref)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("Fetch(%s) error %q does not wrap %q", ref, err, sentinel)
	}
	if !strings.Contains(err.Error(), ref.String()) {
		t.Errorf("error %q does not name the ref %s", err, ref)
	}
}

// A batch of good and failing refs returns every good value and one RefError per failure.
func (s *suite) testMixedBatch(t *testing.T) {
	a, b := Canary(t, "good-a"), Canary(t, "good-b")
	ra, rb := s.put(t, a), s.put(t, b)
	missing := s.h.Missing(t)
	var badKey providers.Ref
	if s.h.KeyMode == KeyJSON {
		badKey = s.put(t, `{"present":"`+Canary(t, "present")+`"}`)
		badKey.Key = "absent"
	} else {
		badKey = s.putVars(t, map[string]string{"PRESENT": Canary(t, "present")})
		badKey.Key = "ABSENT"
	}
	batch := []providers.Ref{ra, missing, rb, badKey, ra}
	secrets, err := s.fetch(t, s.h.Provider(t), batch)
	if err == nil {
		t.Fatal("Fetch of a batch with failures succeeded")
	}
	want(t, ra, secrets[0], a)
	want(t, rb, secrets[2], b)
	want(t, ra, secrets[4], a)
	for _, i := range []int{1, 3} {
		if secrets[i].Len() != 0 {
			t.Errorf("%s failed but its Secret is not zero", batch[i])
		}
	}
	res := RefErrors(err)
	if len(res) != 2 {
		t.Fatalf("want 2 RefErrors, got %d: %q", len(res), err)
	}
	got := map[providers.Ref]error{}
	for _, re := range res {
		got[re.Ref] = re
	}
	if e := got[missing]; e == nil || !errors.Is(e, providers.ErrNotFound) {
		t.Errorf("RefError for %s = %v; want one wrapping ErrNotFound", missing, e)
	}
	if e := got[badKey]; e == nil || !errors.Is(e, providers.ErrKeyNotFound) {
		t.Errorf("RefError for %s = %v; want one wrapping ErrKeyNotFound", badKey, e)
	}
}

// A context that is already cancelled ends the fetch promptly with an error and no values.
func (s *suite) testCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.testDeadContext(t, ctx, context.Canceled)
}

// A context whose deadline has passed ends the fetch promptly with an error and no values.
func (s *suite) testExpired(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	s.testDeadContext(t, ctx, context.DeadlineExceeded)
}

func (s *suite) testDeadContext(t *testing.T, ctx context.Context, ctxErr error) {
	a, b := Canary(t, "dead-a"), Canary(t, "dead-b")
	batch := []providers.Ref{s.put(t, a), s.put(t, b)}
	p := s.h.Provider(t)
	type result struct {
		secrets []providers.Secret
		err     error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		secrets, err := p.Fetch(ctx, batch)
		done <- result{secrets, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("Fetch with a dead context has not returned after 10s")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Fetch with a dead context took %v; want prompt return", d)
	}
	if r.err == nil {
		t.Fatal("Fetch with a dead context succeeded; want an error")
	}
	AssertNoValues(t, r.err, s.values()...)
	if !errors.Is(r.err, providers.ErrUnavailable) && !errors.Is(r.err, ctxErr) {
		t.Errorf("error %q wraps neither providers.ErrUnavailable nor %v", r.err, ctxErr)
	}
	for i, sec := range r.secrets {
		if sec.Len() != 0 {
			t.Errorf("Fetch with a dead context returned a value for %s", batch[i])
		}
	}
}

// Fetch may be called from several goroutines at once (run with -race).
func (s *suite) testConcurrent(t *testing.T) {
	const workers = 4
	refs, values := s.putCanaries(t, "concurrent", workers)
	p := s.h.Provider(t)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := []providers.Ref{refs[w], refs[(w+1)%workers]}
			// Not s.fetch: t.Fatal must not be called from another goroutine.
			ctx, cancel := context.WithTimeout(context.Background(), s.timeout())
			defer cancel()
			secrets, err := p.Fetch(ctx, batch)
			AssertNoValues(t, err, s.values()...)
			if err != nil || len(secrets) != len(batch) {
				t.Errorf("Fetch: %d secrets for %d refs, %v", len(secrets), len(batch), err)
				return
			}
			want(t, batch[0], secrets[0], values[w])
			want(t, batch[1], secrets[1], values[(w+1)%workers])
		}()
	}
	wg.Wait()
}

// Stores that hold arbitrary bytes return them unchanged: NUL, invalid UTF-8, all 256 bytes.
func (s *suite) testBinary(t *testing.T) {
	if !s.h.Binary {
		t.Skip("the store holds text only (Harness.Binary is false)")
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	cases := map[string]string{
		"nul":          Canary(t, "nul") + "\x00after",
		"invalid utf8": Canary(t, "utf8") + "\xff\xfe\xc3\x28",
		"all bytes":    Canary(t, "all") + string(all),
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			ref := s.put(t, value)
			secrets, err := s.fetch(t, s.h.Provider(t), []providers.Ref{ref})
			if err != nil {
				t.Fatalf("Fetch(%s): %v", ref, err)
			}
			want(t, ref, secrets[0], value)
		})
	}
}
